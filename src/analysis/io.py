"""Reading input files as users produce them: UTF-8 CSV (with or without BOM), the
German Excel export (``;``, decimal comma, Windows-1252) and ``.xlsx``.

Everything is read as text first so that the validator can report the exact cell
a user has to fix; types are applied by the contract (:mod:`analysis.schema`).
"""

from __future__ import annotations

import csv
import io as _io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .errors import DataContractError, Problem

_GERMAN_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})+(,\d+)?$|^-?\d+,\d+$")


@dataclass(frozen=True)
class RawTable:
    """A table read as text, with what was detected about the file."""

    frame: pd.DataFrame  # all cells as str, "" for empty
    file: str  # file name as shown to the user
    encoding: str
    separator: str
    german_numbers: bool  # ";"-separated export: decimal comma allowed


def find_table(data_dir: Path, name: str) -> Path | None:
    """Return the path of ``name.csv`` or ``name.xlsx`` in ``data_dir`` (CSV wins)."""
    for ext in (".csv", ".xlsx"):
        p = data_dir / f"{name}{ext}"
        if p.exists():
            return p
    return None


def _decode(raw: bytes, file: str) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataContractError([Problem(file, None, None, None,
                                         "Datei ist in UTF-16 gespeichert",
                                         "in Excel „CSV UTF-8“ oder „CSV (Trennzeichen-getrennt)“ "
                                         "wählen")])
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ";"))
    return sep if counts[sep] > 0 else ","


def read_csv_text(path: Path) -> RawTable:
    """Read a CSV file as text, detecting encoding and separator."""
    file = path.name
    raw = path.read_bytes()
    if not raw.strip():
        raise DataContractError([Problem(file, None, None, None, "Datei ist leer",
                                         "Kopfzeile und Datenzeilen einfügen")])
    text, encoding = _decode(raw, file)
    if "\x00" in text:
        raise DataContractError([Problem(file, None, None, None,
                                         "Datei ist keine Textdatei (Nullbytes gefunden)",
                                         "als CSV speichern")])
    header = text.splitlines()[0] if text.splitlines() else ""
    sep = _sniff_separator(header)
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=sep)
    rows = [r for r in reader]
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    head = [h.strip() for h in rows[0]]
    body = rows[1:]
    problems = []
    for i, r in enumerate(body):
        if len(r) != len(head) and any(c.strip() for c in r):
            problems.append(Problem(file, i + 2, None, sep.join(r),
                                    f"Zeile hat {len(r)} Felder, die Kopfzeile {len(head)}",
                                    "Trennzeichen und Anführungszeichen in dieser Zeile prüfen"))
    if problems:
        raise DataContractError(problems)
    body = [r for r in body if any(c.strip() for c in r)]
    frame = pd.DataFrame([[c.strip() for c in r] for r in body], columns=head, dtype=str)
    return RawTable(frame, file, encoding, sep, german_numbers=(sep == ";"))


def read_xlsx_text(path: Path) -> RawTable:
    """Read the first sheet of an ``.xlsx`` workbook as text."""
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise DataContractError([Problem(path.name, None, None, None,
                                         f"Excel-Datei kann nicht gelesen werden ({type(exc).__name__})",
                                         "Datei in Excel öffnen und erneut als .xlsx speichern")]
                                ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.map(lambda v: "" if v is None else str(v).strip())
    # Excel stores whole numbers that were typed as numbers as "17843" or "17843.0"
    frame = frame.map(lambda v: v[:-2] if re.fullmatch(r"-?\d+\.0", v) else v)
    return RawTable(frame, path.name, "xlsx", "xlsx", german_numbers=False)


def read_table(path: Path) -> RawTable:
    """Read a CSV or XLSX input table as text (see :class:`RawTable`)."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_text(path)
    return read_csv_text(path)


def normalise_number(value: str, german: bool) -> str:
    """Turn ``1.234,5`` (German export) into ``1234.5``; leave others unchanged."""
    if german and _GERMAN_NUMBER.match(value):
        return value.replace(".", "").replace(",", ".")
    return value


def read_geojson(path: Path) -> dict:
    """Read a GeoJSON file as a dict; a broken file is a located contract error."""
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = getattr(exc, "lineno", None)
        raise DataContractError([Problem(path.name, where, None, None,
                                         f"keine gültige GeoJSON-Datei ({exc.__class__.__name__})",
                                         "aus dem GIS erneut als GeoJSON (UTF-8) exportieren")]
                                ) from None
