"""Read and write the rows of a CSV file of a data folder in tests that break a copy of
the demo data on purpose (one helper, so every test writes the files the same way)."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def read_rows(d: Path, file: str) -> list[list[str]]:
    """The rows of ``d/file`` (header first), as text cells."""
    return list(csv.reader(io.StringIO((d / file).read_text(encoding="utf-8"), newline="")))


def write_rows(d: Path, file: str, rows: list[list[str]]) -> None:
    """Write ``rows`` to ``d/file`` as UTF-8 CSV with ``\\n`` line ends."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (d / file).write_text(out.getvalue(), encoding="utf-8")
