"""``python -m analysis`` entry point."""

from analysis.build.cli import main

raise SystemExit(main())
