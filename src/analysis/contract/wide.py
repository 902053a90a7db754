"""Count tables in the wide layout statistics offices deliver.

``zaehlungen`` and ``zaehlungen_kommune`` may come in the long layout of the contract
(one count per row: ``sozialraum, jahr, variable, anzahl``) or wide: one row per area
(or Kommune) and year, one column per variable (``sozialraum;jahr;bev_gesamt;bev_u15;…``).
The layout is detected from the header (:func:`is_wide`); a wide table is melted to the
long layout here, and every problem found in the melted table is reported in the wide
file's own coordinates (:class:`WideLocator`): the row as in Excel, the variable's column
and the cell's value.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

import pandas as pd

from analysis.common.errors import Problem
from analysis.contract import schema as S
from analysis.contract.inputfiles import too_many_rows
from analysis.contract.io import RawTable


def id_column(spec: S.InputFile) -> str:
    """The column naming the area (``zaehlungen``) or the Kommune (``zaehlungen_kommune``)."""
    return spec.columns[0].name


def is_wide(header: list[str], variables: set[str]) -> bool:
    """Wide layout: neither ``variable`` nor ``anzahl`` in the header, and at least one
    column named like a variable of ``variablen.csv``. Anything else is read as long, so
    that a long file with a misspelt column gets the long layout's message."""
    if S.VARIABLE in header or S.COUNT in header:
        return False
    return any(h in variables for h in header)


@dataclass(frozen=True)
class WideLocator:
    """Maps the melted (long) table back to the cells of the wide file."""

    file: str  # file name as shown to the user (``zaehlungen.csv`` / ``.xlsx``)
    rows: list[int]  # melted row i -> Excel row of the wide file
    columns: list[str]  # melted row i -> the variable's column name

    def locate(self, p: Problem) -> Problem:
        """``p`` (about the melted table) in the wide file's coordinates."""
        if p.file.rsplit(".", 1)[0] != self.file.rsplit(".", 1)[0]:
            return p
        long_cell = p.column in (S.VARIABLE, S.COUNT)
        if p.row is None or p.row == 1:
            return replace(p, file=self.file, column=None if long_cell else p.column)
        i = p.row - 2
        if not 0 <= i < len(self.rows):
            return replace(p, file=self.file)
        hint = p.hint
        if long_cell and p.message == "Pflichtfeld ist leer":
            hint = ("Anzahl eintragen (auch 0 – ein leeres Feld gilt nicht als 0); fehlt die "
                    "Variable überall, die Spalte entfernen")
        return replace(p, file=self.file, row=self.rows[i],
                       column=self.columns[i] if long_cell else p.column, hint=hint)


def melt(raw: RawTable, spec: S.InputFile, levels: dict[str, str], max_counts: int
         ) -> tuple[RawTable, WideLocator | None, list[Problem]]:
    """Check the header of a wide count table and melt it to the long layout.

    Returns the long table (index = position in the melted table, so that messages can be
    mapped back with the locator), the locator and header/key problems found on the way
    (unknown or misplaced variable columns, missing id columns, doubled area and year).
    More than ``max_counts`` cells (rows × variable columns) are refused before melting.
    """
    file = raw.file
    key = id_column(spec)
    own_level = S.LEVEL_AREA if spec.name == S.ZAEHLUNGEN.name else S.LEVEL_MUNICIPALITY
    df = raw.frame
    header = list(df.columns)
    problems: list[Problem] = []
    for name in (key, S.YEAR):
        if name not in header:
            others = [h for h in header if h not in levels and h not in (key, S.YEAR)]
            close = difflib.get_close_matches(name, others, n=1, cutoff=0.6)
            hint = (f"Spalte „{close[0]}“ in „{name}“ umbenennen" if close
                    else f"Spalte „{name}“ ergänzen (Breitformat: {key}, jahr, dann eine "
                    "Spalte je Variable)")
            problems.append(Problem(file, 1, name, None, "Pflichtspalte fehlt", hint))
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        problems.append(Problem(file, 1, dup[0] or "(leer)", None, "Spaltenname doppelt",
                                "jede Spalte nur einmal aufführen"))
    value_columns = []
    for h in header:
        if h in (key, S.YEAR) or header.count(h) > 1:
            continue
        if h not in levels:
            close = difflib.get_close_matches(h, sorted(levels), n=3, cutoff=0.6)
            hint = ("gemeint ist wohl " + " oder ".join(f"„{c}“" for c in close)
                    + ": Spalte umbenennen" if close
                    else "Variable in variablen.csv ergänzen oder Spalte entfernen")
            problems.append(Problem(file, 1, h or "(leer)", None,
                                    "unbekannte Variable (Spalte im Breitformat)", hint))
        elif levels[h] != own_level:
            if own_level == S.LEVEL_AREA:
                message = "Variable liegt laut variablen.csv nur je Kommune vor"
                hint = "Spalte in zaehlungen_kommune verschieben"
            else:
                message = ("Variable liegt laut variablen.csv je Sozialraum vor; "
                           "Kommunalwerte werden aus den Sozialräumen summiert")
                hint = ("Spalte löschen oder die Variable in variablen.csv auf Ebene "
                        "„kommune“ setzen")
            problems.append(Problem(file, 1, h, None, message, hint))
        else:
            value_columns.append(h)
    if problems:
        return raw, None, problems
    if df.empty:
        return raw, None, [Problem(file, None, None, None, "Datei enthält nur die Kopfzeile",
                                   "Datenzeilen ergänzen")]
    # one row per area (Kommune) and year: a doubled one is reported once, not per column
    ids = df[[key, S.YEAR]]
    doubled = ids.duplicated(keep=False) & (ids != "").all(axis=1)
    keep = ~ids.duplicated(keep="first") | ~doubled
    for _, group in ids[doubled].groupby([key, S.YEAR], sort=True):
        rows = [int(i) + 2 for i in group.index]
        shown = " / ".join(group.iloc[0].tolist())
        for r in rows[1:]:
            problems.append(Problem(file, r, f"{key}, {S.YEAR}", shown,
                                    f"Sozialraum/Kommune und Jahr doppelt (schon in Zeile "
                                    f"{rows[0]})",
                                    "doppelte Zeile löschen oder Kennung/Jahr korrigieren"))
    df = df[keep]
    n, m = len(df), len(value_columns)
    if n * m > max_counts:  # bounded memory: checked before the long table is built
        return raw, None, [too_many_rows(file, n * m, max_counts, "Zählwerte (Zeilen × "
                                         "Variablenspalten)")]
    long = pd.DataFrame({
        key: df[key].to_numpy().repeat(m),
        S.YEAR: df[S.YEAR].to_numpy().repeat(m),
        S.VARIABLE: value_columns * n,
        S.COUNT: df[value_columns].to_numpy().ravel(),
    }, dtype=str)
    excel_rows = (df.index.to_numpy() + 2).repeat(m).tolist()
    locator = WideLocator(file, excel_rows, value_columns * n)
    return (RawTable(long, file, raw.encoding, raw.separator, raw.german_numbers), locator,
            problems)
