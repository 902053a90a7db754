"""Test helper: the shipped configuration with one edit, in a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def edited_config(tmp_path: Path, old: str, new: str) -> Path:
    """``config/report.yaml`` with the first ``old`` replaced by ``new`` (which must be
    there), beside a copy of the text folder; returns the new file's path."""
    text = (REPO / "config" / "report.yaml").read_text(encoding="utf-8")
    assert old in text
    shutil.copytree(REPO / "config" / "texte", tmp_path / "texte", dirs_exist_ok=True)
    path = tmp_path / "report.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
