"""Validation of the input files against the data contract.

Collects *all* problems of a data folder (per file, then across files) so that a
user can fix everything in one pass. Each problem is a :class:`~analysis.common.errors.Problem`.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path

import pandas as pd

from analysis.common.errors import DataContractError, Problem
from analysis.common.textcheck import FORBIDDEN_RE, leak, text_problem
from analysis.contract import schema as S
from analysis.contract.inputfiles import MAX_DIGITS, limits, too_many_rows
from analysis.contract.io import RawTable, find_table, normalise_number, read_table
from analysis.contract.wide import WideLocator, is_wide, melt

#: the count tables, which may also come in the wide layout (:mod:`analysis.contract.wide`)
COUNT_FILES = (S.ZAEHLUNGEN.name, S.ZAEHLUNGEN_KOMMUNE.name)

_INT_RE = re.compile(r"^[+-]?\d+$")
_INT64_MAX = 2**63 - 1
_FLOAT_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _type_problem(raw: RawTable, col: S.Column, row: int, value: str) -> Problem:
    if col.dtype == "int":
        msg = "keine ganze Zahl"
        if "," in value and not raw.german_numbers:
            hint = ("Dezimalkomma in einer Datei mit Komma als Trennzeichen: Punkt verwenden "
                    "oder als CSV mit Semikolon (Excel „CSV (Trennzeichen-getrennt)“) speichern")
        elif re.fullmatch(r"[+-]?\d+[.,]\d+", value):
            hint = "Anzahlen sind ganze Zahlen; Nachkommastellen entfernen"
        else:
            hint = "nur Ziffern eintragen"
    else:
        msg = "keine Zahl"
        hint = ("Dezimalpunkt verwenden (oder Semikolon als Trennzeichen mit Dezimalkomma)"
                if "," in value else "eine Zahl eintragen")
    return Problem(raw.file, row, col.name, value, msg, hint)


def typed_frame(raw: RawTable, spec: S.InputFile) -> tuple[pd.DataFrame, list[Problem]]:
    """Check header and cell types of one table; return the typed frame and problems.

    Rows with a type problem are kept with a missing value so that later checks
    still see them; the problems are reported anyway.
    """
    problems: list[Problem] = []
    df = raw.frame
    names = spec.column_names
    present = list(df.columns)
    for col in spec.columns:
        if col.name not in present and col.required:
            close = difflib.get_close_matches(col.name, [p for p in present if p not in names],
                                              n=1, cutoff=0.6)
            hint = (f"Spalte „{close[0]}“ in „{col.name}“ umbenennen" if close
                    else f"Spalte „{col.name}“ ergänzen ({col.description})")
            problems.append(Problem(raw.file, 1, col.name, None, "Pflichtspalte fehlt", hint))
    for extra in present:
        if extra not in names:
            close = difflib.get_close_matches(extra, names, n=1, cutoff=0.6)
            hint = (f"in „{close[0]}“ umbenennen" if close
                    else "Spalte entfernen (erlaubt: " + ", ".join(names) + ")")
            problems.append(Problem(raw.file, 1, extra or "(leer)", None,
                                    "unbekannte Spalte", hint))
    if len(set(present)) != len(present):
        dup = sorted({p for p in present if present.count(p) > 1})
        problems.append(Problem(raw.file, 1, dup[0], None, "Spaltenname doppelt",
                                "jede Spalte nur einmal aufführen"))
    if problems:
        return pd.DataFrame(columns=names), problems
    if df.empty:
        return pd.DataFrame(columns=names), [Problem(raw.file, None, None, None,
                                                     "Datei enthält nur die Kopfzeile",
                                                     "Datenzeilen ergänzen")]
    out = pd.DataFrame(index=df.index)
    for col in spec.columns:
        if col.name not in present:  # an optional column left out: all cells empty
            out[col.name] = None
            continue
        values = df[col.name].astype(str)
        if col.dtype == "str":
            problems += text_problems(raw.file, col.name, values)
            out[col.name] = values.where(values != "", None)
            if not col.nullable:
                for i in values.index[values == ""]:
                    problems.append(Problem(raw.file, int(i) + 2, col.name, "",
                                            "Pflichtfeld ist leer", "Wert eintragen"))
            continue
        parsed: dict = {}
        fast = pd.Series(False, index=values.index)
        if col.dtype == "int":  # plain digits (nearly all cells): vectorised
            fast = values.str.fullmatch(r"\d{1,18}")
        for i, v in values[~fast].items():
            v2 = normalise_number(v, raw.german_numbers) if col.dtype == "float" or "." in v \
                else v
            if v2 == "":
                if not col.nullable:
                    problems.append(Problem(raw.file, int(i) + 2, col.name, "",
                                            "Pflichtfeld ist leer", "Wert eintragen"))
                parsed[i] = None
            elif col.dtype == "int" and _INT_RE.match(v2):
                if len(v2) > MAX_DIGITS or abs(int(v2)) > _INT64_MAX:
                    problems.append(Problem(raw.file, int(i) + 2, col.name, v,
                                            "Zahl zu groß",
                                            "Wert prüfen (Tippfehler? Tausendertrennzeichen?)"))
                    parsed[i] = None
                else:
                    parsed[i] = int(v2)
            elif col.dtype == "float" and _FLOAT_RE.match(v2):
                number = float(v2) if len(v2) <= MAX_DIGITS + 10 else math.inf
                if math.isfinite(number):
                    parsed[i] = number
                else:  # 1e309 or 400 digits: float() gives infinity
                    problems.append(Problem(raw.file, int(i) + 2, col.name, v,
                                            "Zahl zu groß (außerhalb des Zahlenbereichs)",
                                            "Wert prüfen (Tippfehler? Exponent?)"))
                    parsed[i] = None
            else:
                problems.append(_type_problem(raw, col, int(i) + 2, v))
                parsed[i] = None
        dtype = "Int64" if col.dtype == "int" else "Float64"
        column = pd.Series(pd.NA, index=values.index, dtype=dtype)
        if fast.any():
            column.loc[fast] = values[fast].astype("int64")
        if parsed:
            column.loc[list(parsed)] = pd.array(list(parsed.values()), dtype=dtype)
        out[col.name] = column
    problems += _check_values(out, raw, spec)
    problems += _check_duplicates(out, raw.file, spec)
    return out, problems


def text_problems(file: str, column: str, values: pd.Series) -> list[Problem]:
    """Forbidden characters and path/timestamp look-alikes in one text column
    (:func:`analysis.common.textcheck.text_problem`); the index is the row number minus 2."""
    joined = "\n".join(values)  # one scan for the whole column (almost always clean)
    if FORBIDDEN_RE.search(joined) is None and leak(joined) is None:
        return []
    problems = []
    for i, v in values.items():
        found = text_problem(v)
        if found is not None:
            _, message, hint = found
            problems.append(Problem(file, int(i) + 2, column, v, message, hint))
    return problems


def _check_values(df: pd.DataFrame, raw: RawTable, spec: S.InputFile) -> list[Problem]:
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors

    schema = pa.DataFrameSchema(
        {c.name: pa.Column(checks=[ch.to_pandera() for ch in c.checks], nullable=True,
                           required=False)
         for c in spec.columns if c.checks},
        strict=False,
    )
    try:
        schema.validate(df, lazy=True)
    except SchemaErrors as err:
        fc = err.failure_cases
        problems = []
        for _, case in fc.iterrows():
            idx = case.get("index")
            col = case.get("column")
            if idx is None or pd.isna(idx) or col is None:
                continue
            value = raw.frame.at[idx, col] if col in raw.frame.columns else case["failure_case"]
            check = str(case.get("check"))
            hint = {
                "negative Anzahl": "Anzahlen sind nie negativ; Vorzeichen prüfen",
                "unplausibel große Anzahl": "Wert prüfen (Tippfehler? Tausendertrennzeichen?)",
                S.ID_FORM_ERROR: "nur Buchstaben, Ziffern, Leerzeichen, „-“, „_“ und „.“ "
                                 "verwenden; am Anfang ein Buchstabe oder eine Ziffer",
                S.ID_LENGTH_ERROR: "Kennung mit 1 bis 40 Zeichen eintragen",
                S.AGS_FORM_ERROR: "den 8-stelligen AGS mit führender 0 eintragen (Spalte als "
                                  "Text formatieren) oder eine Kennung mit Buchstaben, "
                                  "z. B. „bezirk_01“",
            }.get(check, "Wert gemäß data/README.md korrigieren")
            if col == S.AGS and re.fullmatch(r"\d{7}", str(value)):
                hint = (f"führende 0 fehlt (Excel entfernt sie): „0{value}“ eintragen und die "
                        "Spalte als Text formatieren")
            problems.append(Problem(raw.file, int(idx) + 2, col, str(value), check, hint))
        return problems
    return []


def _check_duplicates(df: pd.DataFrame, file: str, spec: S.InputFile) -> list[Problem]:
    if not spec.key or df.empty:
        return []
    key = list(spec.key)
    dup = df[df.duplicated(key, keep=False) & df[key].notna().all(axis=1)]
    problems = []
    for _, group in dup.groupby(key, sort=True, dropna=True):
        rows = [int(i) + 2 for i in group.index]
        first = rows[0]
        shown = " / ".join(str(v) for v in group.iloc[0][key])
        for r in rows[1:]:
            problems.append(Problem(file, r, ", ".join(key), shown,
                                    f"Schlüssel doppelt (schon in Zeile {first})",
                                    "doppelte Zeile löschen oder Schlüssel korrigieren"))
    return problems


def read_counts_or_table(data_dir: Path, spec: S.InputFile, levels: dict[str, str] | None
                         ) -> tuple[pd.DataFrame | None, list[Problem], WideLocator | None]:
    """Find, read and type one input table (a missing optional file gives ``None``), and
    for a count table (``zaehlungen``,
    ``zaehlungen_kommune``) in the wide layout (:mod:`analysis.contract.wide`) its melted long
    form with the locator that maps problems back to the wide file's cells.

    ``levels`` (variable -> ebene from ``variablen``) is needed to recognise the wide
    layout; without it (``variablen`` broken) count tables are read as long.
    """
    path = find_table(data_dir, spec.name)
    if path is None:
        if spec.optional:
            return None, [], None
        return None, [Problem(f"{spec.name}.csv", None, None, None, "Datei fehlt",
                              f"{spec.name}.csv oder {spec.name}.xlsx in den Datenordner legen "
                              "(siehe data/README.md)")], None
    try:
        raw = read_table(path, data_dir)
    except DataContractError as err:
        return None, list(err.problems), None
    if spec.name == S.SOZIALRAEUME.name:
        max_areas = limits().max_areas
        if len(raw.frame) > max_areas:
            return None, [too_many_rows(raw.file, len(raw.frame), max_areas, "Sozialräume"
                                        )], None
    if spec.name in COUNT_FILES and levels is not None \
            and is_wide(list(raw.frame.columns), set(levels)):
        long, locator, problems = melt(raw, spec, levels, limits().max_rows)
        if locator is None:
            return None, problems, None
        df, more = typed_frame(long, spec)
        return df, problems + [locator.locate(p) for p in more], locator
    df, problems = typed_frame(raw, spec)
    return df, problems, None
