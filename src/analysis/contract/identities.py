"""Variables that add up (``variablen.csv``, column ``summe_aus``).

``bev_gesamt`` with ``summe_aus = bev_u65 + bev_65plus`` says: in every Sozialraum
(or Kommune) and year, the count of ``bev_gesamt`` equals the sum of the parts.
Disclosure control uses these identities (:mod:`analysis.gate.disclosure_linked`), so the
load checks them against the counts: a declared identity that the data break is an
error, not a silent gap in the protection.
"""

from __future__ import annotations

import re

import pandas as pd

from analysis.common.errors import Problem
from analysis.contract import schema as S

Identity = tuple[str, tuple[str, ...]]

COLUMN = "summe_aus"
_SPLIT = re.compile(r"\s*\+\s*")
_MAX_REPORTED = 10


def parse_identities(var: pd.DataFrame, file: str = "variablen.csv"
                     ) -> tuple[list[Identity], list[Problem]]:
    """Identities declared in ``variablen.csv`` and problems with them.

    Rules: at least two parts, each a known variable of the same ``ebene``, none twice,
    not the variable itself, and no variable defined through itself (cycle).
    """
    if COLUMN not in var.columns:
        return [], []
    known = dict(zip(var[S.VARIABLE], var[S.LEVEL], strict=True))
    identities: list[Identity] = []
    problems: list[Problem] = []
    for i, (total, cell) in enumerate(zip(var[S.VARIABLE], var[COLUMN], strict=True)):
        if cell is None or (isinstance(cell, float) and pd.isna(cell)) or not str(cell).strip():
            continue
        row = int(var.index[i]) + 2
        parts = [p for p in _SPLIT.split(str(cell).strip()) if p]
        bad = None
        if len(parts) < 2:
            bad = ("mindestens zwei Teile nötig", "Teile mit „+“ verbinden, z. B. bev_u65 + bev_65plus")
        elif len(set(parts)) != len(parts):
            bad = ("ein Teil steht doppelt", "jeden Teil nur einmal nennen")
        elif total in parts:
            bad = ("die Variable ist Teil ihrer eigenen Summe", "nur andere Variablen nennen")
        else:
            unknown = [p for p in parts if p not in known]
            other_level = [p for p in parts if p in known and known[p] != known[total]]
            if unknown:
                bad = (f"unbekannte Variable(n): {', '.join(unknown)}",
                       "Kennungen aus der Spalte „variable“ verwenden")
            elif other_level:
                bad = (f"Teil(e) auf anderer Ebene: {', '.join(other_level)}",
                       "nur Variablen derselben Ebene addieren")
        if bad:
            problems.append(Problem(file, row, COLUMN, str(cell), *bad))
        else:
            identities.append((str(total), tuple(parts)))
    problems += _cycles(identities, var, file)
    return (identities if not problems else []), problems


def _cycles(identities: list[Identity], var: pd.DataFrame, file: str) -> list[Problem]:
    graph = dict(identities)
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(v: str) -> bool:
        if state.get(v) == 1:
            return True
        if state.get(v) == 2:
            return False
        state[v] = 1
        cyclic = any(visit(p) for p in graph.get(v, ()))
        state[v] = 2
        return cyclic

    problems = []
    for total, _ in identities:
        state.clear()
        if visit(total):
            i = int(var.index[var[S.VARIABLE] == total][0]) + 2
            problems.append(Problem(file, i, COLUMN, total, "Summe ist über sich selbst definiert (Kreis)",
                                    "Kreis in „summe_aus“ auflösen"))
            break
    return problems


def check_identities(identities: list[Identity], counts: pd.DataFrame, key: str, file: str
                     ) -> list[Problem]:
    """Problems where the counts break a declared identity (first few, with rows)."""
    problems: list[Problem] = []
    if not identities or counts.empty:
        return problems
    wide = counts.set_index([key, S.YEAR, S.VARIABLE])[S.COUNT].unstack(S.VARIABLE)
    row_of: dict | None = None  # row of each count, built only when a sum is broken
    for total, parts in identities:
        if total not in wide.columns or not all(p in wide.columns for p in parts):
            continue
        block = wide[[total, *parts]].dropna()
        diff = block[total] - block[list(parts)].sum(axis=1)
        bad = diff[diff != 0]
        if len(bad) and row_of is None:
            row_of = {(k, int(y), v): int(i) + 2 for i, k, y, v in
                      zip(counts.index, counts[key], counts[S.YEAR], counts[S.VARIABLE],
                          strict=True)}
        for (k, y), _ in list(bad.items())[:_MAX_REPORTED]:
            vals = block.loc[(k, y)]
            shown = " + ".join(f"{int(vals[p]):d}" for p in parts)
            problems.append(Problem(
                file, row_of.get((k, int(y), total)), S.COUNT, str(int(vals[total])),
                f"{total} ({k}, {int(y)}) ist nicht {' + '.join(parts)} = {shown} "
                f"= {int(block.loc[(k, y), list(parts)].sum())}",
                "Zählungen berichtigen oder die Summenangabe „summe_aus“ in variablen.csv "
                "entfernen (sie dient der Geheimhaltung)"))
        if len(bad) > _MAX_REPORTED:
            problems.append(Problem(file, None, S.COUNT, None,
                                    f"… und {len(bad) - _MAX_REPORTED} weitere Abweichungen bei {total}",
                                    "alle Zählungen dieser Variablen prüfen"))
    return problems
