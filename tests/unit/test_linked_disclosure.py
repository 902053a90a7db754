"""Disclosure control across variables that add up (analysis.gate.disclosure_linked).

The leak test here is independent of the implementation: it takes only what is
published (area cells, Kommune and region totals with their flags), writes down every
equation a reader knows (sums over areas and Kommunen, the declared identities, x >= 0)
and asks a linear programme for the tightest bounds of each withheld cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from analysis.contract import schema as S
from analysis.gate.disclosure import (
    FLAG,
    SUPPRESSED,
    assert_no_small_counts,
    municipal_totals,
    protect_counts,
    publish,
    region_totals,
)

IDS = [("t", ("p", "q"))]


def long(rows: list[tuple], year: int = 2023) -> pd.DataFrame:
    """Counts from ``(area, ags, {variable: count})`` rows."""
    return pd.DataFrame([{S.AREA: a, S.AGS: g, S.YEAR: year, S.VARIABLE: v, S.COUNT: n}
                         for a, g, values in rows for v, n in values.items()])


def reader_bounds(out: pd.DataFrame, identities) -> dict[tuple, tuple[float, float, int]]:
    """LP bounds a reader derives for every withheld cell: key -> (low, high, truth)."""
    muni, region = municipal_totals(out), region_totals(out)
    cells: dict[tuple, tuple[int, bool]] = {}
    for r in out.itertuples(index=False):
        cells[("a", getattr(r, S.AREA), r.jahr, r.variable)] = (r.anzahl, r.gesperrt)
    for r in muni.itertuples(index=False):
        cells[("m", r.ags, r.jahr, r.variable)] = (r.anzahl, r.gesperrt)
    for r in region.itertuples(index=False):
        cells[("r", "", r.jahr, r.variable)] = (r.anzahl, r.gesperrt)
    keys = list(cells)
    pos = {k: i for i, k in enumerate(keys)}
    eqs: list[dict[int, float]] = []
    members = out.groupby([S.AGS, S.YEAR, S.VARIABLE])[S.AREA].apply(list)
    for (ags, year, var), areas in members.items():
        eq = {pos[("m", ags, year, var)]: 1.0}
        for a in areas:
            eq[pos[("a", a, year, var)]] = -1.0
        eqs.append(eq)
    for (year, var), agss in muni.groupby([S.YEAR, S.VARIABLE])[S.AGS]:
        eq = {pos[("r", "", year, var)]: 1.0}
        for g in agss:
            eq[pos[("m", g, year, var)]] = -1.0
        eqs.append(eq)
    units = {(k[0], k[1], k[2]) for k in keys}
    for total, parts in identities:
        for lvl, unit, year in units:
            if (lvl, unit, year, total) not in pos:
                continue
            eq = {pos[(lvl, unit, year, total)]: 1.0}
            for p in parts:
                eq[pos[(lvl, unit, year, p)]] = -1.0
            eqs.append(eq)
    a_eq = np.zeros((len(eqs), len(keys)))
    for i, eq in enumerate(eqs):
        for j, c in eq.items():
            a_eq[i, j] = c
    bounds = [(None, None) if cells[k][1] else (cells[k][0], cells[k][0]) for k in keys]
    bounds = [(0, None) if b == (None, None) else b for b in bounds]
    result = {}
    for k in keys:
        value, hidden = cells[k]
        if not hidden:
            continue
        c = np.zeros(len(keys))
        c[pos[k]] = 1.0
        lo = linprog(c, A_eq=a_eq, b_eq=np.zeros(len(eqs)), bounds=bounds, method="highs")
        hi = linprog(-c, A_eq=a_eq, b_eq=np.zeros(len(eqs)), bounds=bounds, method="highs")
        assert lo.status == 0, lo.message
        result[k] = (lo.fun, np.inf if hi.status == 3 else -hi.fun, value)
    return result


def leaks(out: pd.DataFrame, identities) -> list[tuple]:
    """Withheld non-zero cells a reader can pin down (bounds narrower than 1)."""
    found = []
    for key, (lo, hi, truth) in reader_bounds(out, identities).items():
        assert lo - 1e-6 <= truth <= hi + 1e-6  # the reader model is sound
        if truth > 0 and hi - lo < 1 - 1e-6:
            found.append((key, lo, hi))
    return found


# ---------------------------------------------------------------------------
# Hand-made case: the leak that per-variable suppression leaves open
# ---------------------------------------------------------------------------
def case_small_part() -> pd.DataFrame:
    """q is 1 in A 1; t = p + q everywhere."""
    rows = []
    for area, ags, p, q in [("A 1", "05334001", 40, 1), ("A 2", "05334001", 30, 9),
                            ("A 3", "05334001", 25, 7), ("B 1", "05334002", 50, 12),
                            ("B 2", "05334002", 45, 8)]:
        rows.append((area, ags, {"t": p + q, "p": p, "q": q}))
    return long(rows)


def test_without_identities_the_small_part_is_recomputable():
    out = protect_counts(case_small_part(), 3)
    assert leaks(out, IDS), "the hand-made case should show the leak being fixed"


def test_identities_close_the_leak():
    out = protect_counts(case_small_part(), 3, IDS)
    assert leaks(out, IDS) == []
    a1 = out[out[S.AREA] == "A 1"].set_index(S.VARIABLE)[FLAG]
    assert a1["q"] and (a1["t"] or a1["p"])  # q no longer stands alone in its identity
    assert not out.loc[out[S.VARIABLE] != "q", FLAG].all()  # not everything withheld


def test_internal_columns_are_not_published():
    out = protect_counts(case_small_part(), 3, IDS)
    pub = publish(out, [S.COUNT], FLAG)
    assert [c for c in pub.columns if c.startswith("_") or c == "sperrgrund"] == []
    assert (pub.loc[out[FLAG].to_numpy(), S.COUNT] == SUPPRESSED).all()


def test_identities_of_absent_variables_are_ignored():
    counts = case_small_part()
    plain = protect_counts(counts, 3)
    same = protect_counts(counts, 3, [("x", ("y", "z"))])
    assert same[FLAG].tolist() == plain[FLAG].tolist()


def test_small_total_of_a_kommune_is_protected_in_the_identity():
    """Kommune B has a small q total: its t and p totals must not give it away."""
    rows = [("A 1", "05334001", {"t": 50, "p": 41, "q": 9}),
            ("A 2", "05334001", {"t": 60, "p": 52, "q": 8}),
            ("B 1", "05334002", {"t": 30, "p": 29, "q": 1}),
            ("C 1", "05334003", {"t": 70, "p": 64, "q": 6}),
            ("C 2", "05334003", {"t": 20, "p": 20, "q": 0})]
    out = protect_counts(long(rows), 3, IDS)
    assert leaks(out, IDS) == []
    muni = municipal_totals(out).set_index([S.AGS, S.VARIABLE])[FLAG]
    assert muni[("05334002", "q")]


# ---------------------------------------------------------------------------
# Property test on random small regions
# ---------------------------------------------------------------------------
@st.composite
def linked_regions(draw) -> tuple[pd.DataFrame, list, int]:
    n_muni = draw(st.integers(2, 3))
    sizes = draw(st.lists(st.integers(1, 3), min_size=n_muni, max_size=n_muni))
    nested = draw(st.booleans())
    small = st.one_of(st.integers(0, 3), st.integers(0, 15))
    rows = []
    for m, size in enumerate(sizes):
        for j in range(size):
            if nested:  # t = p + q, p = r + s
                r, s_, q = draw(small), draw(small), draw(small)
                values = {"r": r, "s": s_, "p": r + s_, "q": q, "t": r + s_ + q}
            else:
                p, q = draw(small), draw(small)
                values = {"p": p, "q": q, "t": p + q}
            values["w"] = draw(small)  # an unlinked variable
            rows.append((f"{chr(65 + m)} {j + 1}", f"05334{m:03d}", values))
    identities = IDS + ([("p", ("r", "s"))] if nested else [])
    return long(rows), identities, draw(st.sampled_from([2, 3, 4]))


@settings(max_examples=40, deadline=None)
@given(linked_regions())
def test_no_withheld_value_can_be_recomputed_across_variables(case):
    counts, identities, limit = case
    out = protect_counts(counts, limit, identities)
    assert leaks(out, identities) == []
    x = out[S.COUNT]
    assert out.loc[(x > 0) & (x < limit), FLAG].all()  # primary cells stay withheld
    for totals in (municipal_totals(out), region_totals(out)):
        t = totals[S.COUNT]
        assert totals.loc[(t > 0) & (t < limit), FLAG].all()
    # the unlinked variable is protected exactly as without identities
    plain = protect_counts(counts, limit)
    w = (out[S.VARIABLE] == "w").to_numpy()
    assert out.loc[w, FLAG].tolist() == plain.loc[w, FLAG].tolist()


@pytest.mark.parametrize("limit", [3, 5])
def test_protection_is_deterministic(limit):
    counts = case_small_part()
    a = protect_counts(counts, limit, IDS)
    b = protect_counts(counts.sample(frac=1, random_state=1).reset_index(drop=True), limit, IDS)
    key = [S.AREA, S.VARIABLE]
    assert (a.sort_values(key)[FLAG].tolist() == b.sort_values(key)[FLAG].tolist())


# ---------------------------------------------------------------------------
# End to end through the report: a small age group in one Sozialraum
# ---------------------------------------------------------------------------
def test_report_protects_a_small_part_against_its_sum(demo_copy):
    """Everyone 65+ but two moved away: bev_65plus = 2. Without the identity, the
    download's denominators gave it back as bev_gesamt − bev_u65 of the same area."""
    from analysis.method.context import compute_context
    from analysis.views.report import Report

    from ..conftest import REPO

    area, year = "AC 1", "2021"
    path = demo_copy / "zaehlungen.csv"
    c = pd.read_csv(path, dtype=str)
    at = (c["sozialraum"] == area) & (c["jahr"] == year)

    def cell(var):
        return at & (c["variable"] == var)

    u65 = int(c.loc[cell("bev_u65"), "anzahl"].iloc[0])
    for var, value in {"bev_65plus": 2, "bev_80plus": 1, "alleinlebend_65plus": 1,
                       "grusi_65plus": 0, "bev_gesamt": u65 + 2}.items():
        assert cell(var).sum() == 1
        c.loc[cell(var), "anzahl"] = str(value)
    c.to_csv(path, index=False)

    report = Report(compute_context(demo_copy, REPO / "config" / "report.yaml"))
    limit = report.cfg.geheimhaltung.mindestanzahl
    table = report.download_tables()["indikatoren_sozialraeume"][1]
    assert_no_small_counts(table, limit)
    rows = table[(table["sozialraum"] == area) & (table["jahr"] == int(year))]
    assert len(rows) > 10  # the year with the small part (the download holds two)
    cat = report.ds.indicators.set_index("indikator")
    published = {}  # variable -> the value a reader sees as numerator or denominator
    for r in rows.itertuples(index=False):
        for col, var in (("zaehler", cat.loc[r.indikator, "zaehler"]),
                         ("nenner", cat.loc[r.indikator, "nenner"])):
            value = getattr(r, col)
            if value != SUPPRESSED:
                published[var] = int(value)
    assert "bev_65plus" not in published
    assert not {"bev_gesamt", "bev_u65"} <= published.keys(), published
    # and the protection agrees with the LP reader on the whole region
    out = report.gate.protected[report.gate.protected[S.YEAR] == int(year)]
    assert leaks(out, report.ds.identities) == []


def test_method_text_names_the_declared_sums(demo_copy):
    from analysis.method.context import compute_context
    from analysis.views.report import Report

    from ..conftest import REPO

    config = REPO / "config" / "report.yaml"
    text = Report(compute_context(demo_copy, config)).method().disclosure_text().paragraphs[0]
    assert ("„Einwohner unter 65 Jahren“ = „Einwohner unter 15 Jahren“ + "
            "„Einwohner von 15 bis unter 65 Jahren“") in text
    assert "linearer Optimierung" in text
    var = demo_copy / "variablen.csv"
    pd.read_csv(var, dtype=str).drop(columns="summe_aus").to_csv(var, index=False)
    text = Report(compute_context(demo_copy, config)).method().disclosure_text().paragraphs[0]
    assert "Summe anderer" not in text and "sekundäre Sperrung" in text
