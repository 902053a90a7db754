"""Reading input files as users produce them: UTF-8 CSV (with or without BOM), the
German Excel export (``;``, decimal comma, Windows-1252) and ``.xlsx``.

Everything is read as text first so that the validator can report the exact cell
a user has to fix; types are applied by the contract (:mod:`analysis.contract.schema`).
"""

from __future__ import annotations

import csv
import io as _io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.common.errors import DataContractError, Problem
from analysis.contract.inputfiles import GEOJSON_MAX_DEPTH, check_xlsx, limits, read_input, too_many_rows

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
    """Return the path of ``name.csv`` or ``name.xlsx`` in ``data_dir`` (CSV wins).

    A symlink counts as present even if it dangles, so that reading it reports why.
    """
    for ext in (".csv", ".xlsx"):
        p = data_dir / f"{name}{ext}"
        if os.path.lexists(p):
            return p
    return None


def _utf16_problem(file: str) -> DataContractError:
    return DataContractError([Problem(file, None, None, None,
                                      "Datei ist in UTF-16 gespeichert",
                                      "in Excel „CSV UTF-8“ oder „CSV (Trennzeichen-getrennt)“ "
                                      "wählen")])


def _looks_like_utf16(raw: bytes) -> bool:
    """UTF-16 without BOM: almost every second byte of ASCII text is a null byte."""
    sample = raw[:2000]
    if len(sample) < 4:
        return False
    even, odd = sample[0::2], sample[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.4


def _decode(raw: bytes, file: str) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError:
            # BOM says UTF-8, but the content was saved in another encoding
            return raw[3:].decode("cp1252", errors="replace"), "cp1252"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_like_utf16(raw):
        raise _utf16_problem(file)
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "cp1252"


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    sep = max(counts, key=lambda s: (counts[s], s == ";"))
    return sep if counts[sep] > 0 else ","


def _empty_file(file: str) -> DataContractError:
    return DataContractError([Problem(file, None, None, None, "Datei ist leer",
                                      "Kopfzeile und Datenzeilen einfügen")])


def _is_blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def read_csv_text(path: Path, root: Path | None = None) -> RawTable:
    """Read a CSV file as text, detecting encoding and separator.

    The index of the returned frame is the row number in Excel minus 2 (header = row 1),
    also when blank rows were skipped, so that problems point at the right row. The file
    must be a regular file inside ``root`` (default: its folder) within the limits of
    :func:`analysis.contract.inputfiles.limits`.
    """
    file = path.name
    lim = limits()
    raw = read_input(path, path.parent if root is None else root, file, lim.max_file_bytes)
    lines = raw.count(b"\n") + (not raw.endswith(b"\n"))
    if lines > lim.max_rows + 1:  # before parsing: the header and at most max_rows rows
        raise DataContractError([too_many_rows(file, lines - 1, lim.max_rows, "Zeilen")])
    if not raw.strip():
        raise _empty_file(file)
    text, encoding = _decode(raw, file)
    if "\x00" in text:
        raise DataContractError([Problem(file, None, None, None,
                                         "Datei ist keine Textdatei (Nullbytes gefunden)",
                                         "als CSV speichern")])
    if not text.strip():
        raise _empty_file(file)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    sep = _sniff_separator(lines[0])
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=sep)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise DataContractError([Problem(file, None, None, None,
                                         f"CSV-Datei nicht lesbar ({exc})",
                                         "Anführungszeichen prüfen und erneut als CSV speichern")]
                                ) from None
    # the header is the first non-blank row; rows keep the number Excel shows
    offset = 0
    while rows and _is_blank(rows[0]):
        rows.pop(0)
        offset += 1
    while rows and _is_blank(rows[-1]):
        rows.pop()
    head = [h.strip() for h in rows[0]]
    problems = []
    kept: list[list[str]] = []
    index: list[int] = []
    for i, r in enumerate(rows[1:]):
        if _is_blank(r):
            continue
        if len(r) != len(head):
            problems.append(Problem(file, i + 2 + offset, None, sep.join(r),
                                    f"Zeile hat {len(r)} Felder, die Kopfzeile {len(head)}",
                                    "Trennzeichen und Anführungszeichen in dieser Zeile prüfen"))
            continue
        kept.append([c.strip() for c in r])
        index.append(i + offset)
    if problems:
        raise DataContractError(problems)
    frame = pd.DataFrame(kept, columns=head, index=index, dtype=str)
    return RawTable(frame, file, encoding, sep, german_numbers=(sep == ";"))


def read_xlsx_text(path: Path, root: Path | None = None) -> RawTable:
    """Read the first sheet of an ``.xlsx`` workbook as text (a regular file inside
    ``root``, within the limits; size and declared rows are checked before parsing)."""
    lim = limits()
    data = read_input(path, path.parent if root is None else root, path.name,
                      lim.max_file_bytes)
    check_xlsx(data, path.name, lim)
    try:
        # dtype=object: numbers stay numbers here, so that only they are turned into
        # text below – a text cell such as the area code „12.0“ or „0110“ stays as typed
        frame = pd.read_excel(_io.BytesIO(data), dtype=object, keep_default_na=False,
                              engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise DataContractError([Problem(path.name, None, None, None,
                                         "Excel-Datei kann nicht gelesen werden "
                                         f"({type(exc).__name__})",
                                         "Datei in Excel öffnen und erneut als .xlsx speichern")]
                                ) from None
    if frame.columns.empty:
        raise _empty_file(path.name)
    frame = frame.map(_xlsx_cell)
    # a header cell left empty comes back as "Unnamed: 3"; drop such columns if empty
    names = ["" if re.fullmatch(r"Unnamed: \d+", str(c)) else str(c).strip()
             for c in frame.columns]
    keep = [bool(n) or bool((frame.iloc[:, j] != "").any()) for j, n in enumerate(names)]
    frame.columns = names
    frame = frame.loc[:, keep]
    # skip blank rows but keep the index = row number in Excel minus 2
    frame = frame[(frame != "").any(axis=1)] if len(frame.columns) else frame
    if len(frame) > lim.max_rows:
        raise DataContractError([too_many_rows(path.name, len(frame), lim.max_rows)])
    return RawTable(frame, path.name, "xlsx", "xlsx", german_numbers=False)


def _xlsx_cell(value: object) -> str:
    """One cell of a workbook as text: a whole number typed as a number (stored as
    ``17843`` or ``17843.0``) without decimals; text exactly as typed (stripped)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path, root: Path | None = None) -> RawTable:
    """Read a CSV or XLSX input table as text (see :class:`RawTable`)."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_text(path, root)
    return read_csv_text(path, root)


def normalise_number(value: str, german: bool) -> str:
    """Turn ``1.234,5`` (German export) into ``1234.5``; leave others unchanged."""
    if german and _GERMAN_NUMBER.match(value):
        return value.replace(".", "").replace(",", ".")
    return value


def read_geojson(path: Path, root: Path | None = None) -> dict:
    """Read a GeoJSON file as a dict; a broken file is a located contract error.

    The file must be a regular file inside ``root`` (default: its folder) within the size
    limit, and nested at most :data:`~analysis.contract.inputfiles.GEOJSON_MAX_DEPTH` deep.
    """
    raw = read_input(path, path.parent if root is None else root, path.name,
                     limits().max_file_bytes)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = getattr(exc, "lineno", None)
        raise DataContractError([Problem(path.name, where, None, None,
                                         f"keine gültige GeoJSON-Datei ({exc.__class__.__name__})",
                                         "aus dem GIS erneut als GeoJSON (UTF-8) exportieren")]
                                ) from None
    except RecursionError:
        data = _TOO_DEEP  # nested deeper than the interpreter allows
    if data is _TOO_DEEP or _depth_exceeds(data, GEOJSON_MAX_DEPTH):
        raise DataContractError([Problem(path.name, None, None, None,
                                         "GeoJSON ist zu tief verschachtelt (mehr als "
                                         f"{GEOJSON_MAX_DEPTH} Ebenen)",
                                         "aus dem GIS erneut als GeoJSON exportieren")])
    return data


_TOO_DEEP = object()


def _depth_exceeds(data: object, limit: int) -> bool:
    """Whether lists/objects in ``data`` are nested deeper than ``limit`` (no recursion)."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False
