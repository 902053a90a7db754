"""``python -m analysis`` entry point."""

from .cli import main

raise SystemExit(main())
