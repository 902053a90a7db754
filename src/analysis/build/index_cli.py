"""``python -m analysis index``: apply an index scheme (:mod:`analysis.method.scheme`) to a table
file and write the result (file in, file out)."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from analysis.common.errors import DataContractError, Problem, UserError
from analysis.contract.io import normalise_number, read_table
from analysis.method.scheme import CLASS, DECIMALS, INDEX, IndexScheme, apply_scheme, load_scheme
from analysis.rendering.tables import PLAIN_CSV, csv_bytes, xlsx_bytes

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def run_index_cli(scheme: Path, input: Path, output: Path) -> str:
    """``python -m analysis index``: read ``input``, apply ``scheme``, write ``output``.

    The input (CSV, German Excel CSV or XLSX) needs the scheme's id column and
    indicator columns; an empty cell is a missing value. Writes CSV (UTF-8, ``,``,
    decimal point, 6 decimals) or, for ``.xlsx``, a workbook. Returns a German
    summary. Raises ``ConfigError`` / ``DataContractError`` / ``UserError``.
    """
    sch = load_scheme(Path(scheme))
    table = read_table(Path(input), Path(input).resolve().parent)  # special files refused
    file, frame = table.file, table.frame
    needed = [sch.id_column, *sch.columns]
    problems = []
    header = list(frame.columns)
    for col in needed:
        if col not in header:
            problems.append(Problem(file, None, col, None,
                                    f"Spalte fehlt (vom Indexschema „{sch.title}“ benötigt)",
                                    "vorhandene Spalten: " + ", ".join(map(str, header))))
        elif header.count(col) > 1:
            problems.append(Problem(file, None, col, None, "Spalte kommt mehrfach vor",
                                    "doppelte Spalte umbenennen oder löschen"))
    if problems:
        raise DataContractError(problems)

    data: dict[str, list] = {c: [] for c in needed}
    first_row: dict[str, int] = {}
    for pos, (_, row) in enumerate(frame.iterrows()):
        excel_row = pos + 2  # header is row 1
        area = row[sch.id_column]
        if area == "":
            problems.append(Problem(file, excel_row, sch.id_column, None, "ID fehlt",
                                    "Gebietskennung eintragen"))
        elif area in first_row:
            problems.append(Problem(file, excel_row, sch.id_column, area,
                                    f"ID kommt mehrfach vor (zuerst in Zeile {first_row[area]})",
                                    "eine Zeile je Gebiet"))
        else:
            first_row[area] = excel_row
        data[sch.id_column].append(area)
        for col in sch.columns:
            cell = row[col]
            number = _parse_number(cell, table.german_numbers)
            if number is None:
                hint = ("Dezimalkomma oder -punkt wie in der übrigen Datei verwenden; "
                        "fehlende Werte leer lassen")
                problems.append(Problem(file, excel_row, col, cell, "keine Zahl", hint))
            data[col].append(number)
    if problems:
        raise DataContractError(problems)

    values = pd.DataFrame(data)
    try:
        result = apply_scheme(values, sch)
    except UserError as exc:
        raise UserError(f"{file}: {exc}") from None

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    if output.suffix.lower() == ".xlsx":
        output.write_bytes(_xlsx_bytes(result))
    else:
        output.write_bytes(_csv_bytes(result))
    return _summary(sch, result, [str(c) for c in header if c not in needed], output.name)


def _parse_number(cell: str, german: bool) -> float | None:
    """Empty → NaN; a plain decimal number → float; anything else → ``None``."""
    if cell == "":
        return math.nan
    text = normalise_number(cell, german)
    if not _PLAIN_NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _csv_bytes(result: pd.DataFrame) -> bytes:
    """Plain CSV via the shared download writer (formula-safe text, numbers stay numbers)."""

    return csv_bytes(result, replace(PLAIN_CSV, decimals=DECIMALS))


def _xlsx_bytes(result: pd.DataFrame) -> bytes:
    """Workbook via the shared download writer (fixed metadata, no formulas), floats rounded."""

    text = result.copy()
    for col in text.columns:
        if pd.api.types.is_float_dtype(text[col]):
            text[col] = text[col].round(DECIMALS) + 0.0
        else:
            text[col] = text[col].map(lambda v: v if pd.isna(v) else str(v))
    return xlsx_bytes(text, "index")


def _summary(scheme: IndexScheme, result: pd.DataFrame, unused: list[str], target: str) -> str:
    n = len(result)
    complete = int(result[INDEX].notna().sum())
    lines = [f"Index „{scheme.title}“: {n} Gebiete, davon {complete} mit Indexwert."]
    if complete < n:
        gaps = [c for c in scheme.columns if result[c].isna().any()]
        lines.append(f"{n - complete} Gebiet(e) ohne Index wegen fehlender Werte in: "
                     + ", ".join(gaps) + ".")
    counts = result[CLASS].value_counts()
    lines.append("Klassen: " + ", ".join(f"{c.label} {int(counts.get(c.label, 0))}"
                                          for c in scheme.classes) + ".")
    if unused:
        lines.append("Nicht verwendete Spalten: " + ", ".join(unused) + ".")
    lines.append(f"Geschrieben: {target}")
    return "\n".join(lines)
