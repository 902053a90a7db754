"""Shared fixtures: a writable copy of the demo data and a CLI runner."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "demo"


@pytest.fixture
def demo_copy(tmp_path: Path) -> Path:
    """A fresh copy of data/demo in a temporary folder (safe to modify)."""
    target = tmp_path / "data"
    shutil.copytree(DEMO, target)
    return target


def run_cli(*args: str | Path, timeout: float = 120) -> tuple[int, str, str]:
    """Run ``python -m analysis ARGS`` in a subprocess (cwd = repository root).

    Returns ``(exit code, stdout, stderr)``.
    """
    proc = subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=REPO,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def cli() -> Callable[..., tuple[int, str, str]]:
    """The :func:`run_cli` helper as a fixture: ``code, out, err = cli("validate", path)``."""
    return run_cli
