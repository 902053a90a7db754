"""Tests for analysis.disclosure: primary/secondary suppression, publishing, leak test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import schema as S
from analysis.disclosure import (
    FLAG,
    REASON,
    SUPPRESSED,
    DisclosureError,
    assert_no_small_counts,
    municipal_totals,
    protect_counts,
    publish,
    region_totals,
    suppress_rates,
)

P, SEK = "primär", "sekundär"


def frame(rows: list[tuple], year: int = 2023, variable: str = "v") -> pd.DataFrame:
    """Counts of one year and variable from ``(area, ags, count)`` tuples."""
    return pd.DataFrame(
        [{S.AREA: a, S.AGS: g, S.YEAR: year, S.VARIABLE: variable, S.COUNT: n}
         for a, g, n in rows])


def reasons(protected: pd.DataFrame) -> list[str]:
    return protected[REASON].astype(str).tolist()


# ---------------------------------------------------------------------------
# Hand-made cases
# ---------------------------------------------------------------------------
def test_single_small_cell_gets_a_second_cell_suppressed():
    counts = frame([("A 1", "05334002", 1), ("A 2", "05334002", 5), ("A 3", "05334002", 7),
                    ("B 1", "05334004", 10), ("B 2", "05334004", 20)])
    out = protect_counts(counts)
    assert reasons(out) == [P, SEK, "", "", ""]
    assert out[FLAG].tolist() == [True, True, False, False, False]
    assert out.attrs["limit"] == 3
    assert not municipal_totals(out)[FLAG].any()  # 13 and 30 are published
    assert counts.columns.tolist() == [S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT]  # no mutation


def test_suppressed_cells_must_sum_to_the_limit():
    # 1 + 1 = 2 < 3 would tell the reader both are 1: add the smallest other cell
    counts = frame([("A 1", "05334002", 1), ("A 2", "05334002", 1), ("A 3", "05334002", 4),
                    ("A 4", "05334002", 9), ("B 1", "05334004", 30)])
    assert reasons(protect_counts(counts)) == [P, P, SEK, "", ""]


def test_zero_is_shown_and_never_chosen_ties_by_area_code():
    counts = frame([("A 1", "05334002", 0), ("A 2", "05334002", 2), ("A 4", "05334002", 6),
                    ("A 3", "05334002", 6), ("B 1", "05334004", 30)])
    out = protect_counts(counts)
    assert reasons(out) == ["", P, "", SEK, ""]  # A 3 before A 4


def test_single_area_municipality():
    counts = frame([("A 1", "05334002", 2),
                    ("B 1", "05334004", 10), ("B 2", "05334004", 10),
                    ("C 1", "05334008", 20)])
    out = protect_counts(counts)
    # A's total 2 is primary; region 42 − published totals would reveal it, so the
    # smallest other total (B 20, tie with C by AGS) is hidden, and one cell of B with it
    assert reasons(out) == [P, SEK, "", ""]
    muni = municipal_totals(out)
    assert muni[S.AGS].tolist() == ["05334002", "05334004", "05334008"]
    assert muni[S.COUNT].tolist() == [2, 20, 20]
    assert muni[FLAG].tolist() == [True, True, False]
    region = region_totals(out)
    assert region[[S.COUNT, FLAG]].values.tolist() == [[42, False]]


def test_small_region_total_is_suppressed():
    counts = frame([("A 1", "05334002", 1), ("A 2", "05334002", 0), ("B 1", "05334004", 0)])
    out = protect_counts(counts)
    assert reasons(out) == [P, "", ""]
    assert municipal_totals(out)[FLAG].tolist() == [True, False]
    assert region_totals(out)[FLAG].tolist() == [True]


def test_limit_is_carried_and_checked():
    out = protect_counts(frame([("A 1", "05334002", 3), ("B 1", "05334004", 4)]), limit=5)
    assert reasons(out) == [P, P]
    assert municipal_totals(out)[FLAG].tolist() == [True, True]
    plain = out.copy()
    plain.attrs = {}
    with pytest.raises(ValueError, match="limit"):
        municipal_totals(plain)
    assert municipal_totals(plain, limit=5)[FLAG].all()
    with pytest.raises(ValueError, match="widerspricht"):
        region_totals(out, limit=3)


@pytest.mark.parametrize("bad, match", [
    ([("A 1", "05334002", -1)], ">= 0"),
    ([("A 1", "05334002", 1), ("A 1", "05334002", 2)], "Doppelte"),
    ([("A 1", "05334002", 1), ("A 1", "05334004", 2)], "Doppelte"),
])
def test_invalid_counts(bad, match):
    with pytest.raises(ValueError, match=match):
        protect_counts(frame(bad))


def test_area_in_two_municipalities():
    counts = pd.concat([frame([("A 1", "05334002", 5)], variable="v"),
                        frame([("A 1", "05334004", 5)], variable="w")])
    with pytest.raises(ValueError, match="mehreren Kommunen"):
        protect_counts(counts)


def test_publish_masks_rows_and_drops_reason():
    out = protect_counts(frame([("A 1", "05334002", 1), ("A 2", "05334002", 5),
                                ("A 3", "05334002", 7), ("B 1", "05334004", 8)]))
    shown = publish(out, [S.COUNT], FLAG)
    assert shown[S.COUNT].tolist() == [SUPPRESSED, SUPPRESSED, 7, 8]
    assert shown[S.COUNT].dtype == object
    assert REASON not in shown.columns
    assert out[S.COUNT].tolist() == [1, 5, 7, 8]  # input unchanged
    assert_no_small_counts(shown, 3)
    by_series = publish(out[[S.AREA, S.COUNT]], [S.COUNT], out[FLAG])
    assert by_series[S.COUNT].tolist() == [SUPPRESSED, SUPPRESSED, 7, 8]
    with pytest.raises(ValueError):
        publish(out, [S.COUNT], out[FLAG].reset_index(drop=True).iloc[:2])


def test_rates_with_suppressed_numerator_or_denominator():
    counts = pd.concat([
        frame([("A 1", "05334002", 2), ("A 2", "05334002", 4), ("A 3", "05334002", 9),
               ("B 1", "05334004", 30)], variable="arm"),
        frame([("A 1", "05334002", 50), ("A 2", "05334002", 60), ("A 3", "05334002", 1),
               ("B 1", "05334004", 70)], variable="bev"),
    ], ignore_index=True)
    out = protect_counts(counts)
    rates = pd.DataFrame({S.AREA: ["A 1", "A 2", "A 3", "B 1"], S.YEAR: 2023,
                          S.VALUE: [4.0, 6.7, 900.0, 42.9]})
    got = suppress_rates(rates, out, "arm", "bev")
    # A 1: numerator 2; A 2: secondary numerator; A 3: denominator 1
    assert got[FLAG].tolist() == [True, True, True, False]
    shown = publish(got, [S.VALUE], FLAG)
    assert shown[S.VALUE].tolist() == [SUPPRESSED] * 3 + [42.9]
    # municipal rates take the municipal flags; variable names may come per row
    mrates = pd.DataFrame({S.AGS: ["05334002", "05334004"], S.YEAR: 2023,
                           "num": ["arm", "arm"], "den": ["bev", "bev"]})
    assert suppress_rates(mrates, out, "num", "den")[FLAG].tolist() == [False, False]
    with pytest.raises(ValueError, match="Keine geschützte Zahl"):
        suppress_rates(rates, out, "fehlt", "bev")


def test_assert_no_small_counts():
    ok = pd.DataFrame({S.COUNT: [0, 3, SUPPRESSED, "1.234", None], S.VALUE: [1.5] * 5})
    assert_no_small_counts(ok, 3)
    with pytest.raises(DisclosureError, match="Kleine Fallzahlen"):
        assert_no_small_counts(pd.DataFrame({S.NUMERATOR: [5, 2]}), 3)
    with pytest.raises(DisclosureError):
        assert_no_small_counts(pd.DataFrame({S.COUNT: ["1"]}), 3)
    with pytest.raises(AssertionError):
        assert_no_small_counts(pd.DataFrame({"x": [1]}), 3, columns=["x"])


# ---------------------------------------------------------------------------
# Property tests on random small regions
# ---------------------------------------------------------------------------
@st.composite
def regions(draw) -> tuple[pd.DataFrame, int]:
    n_muni = draw(st.integers(2, 4))
    sizes = draw(st.lists(st.integers(1, 5), min_size=n_muni, max_size=n_muni))
    variables = ["v", "w", "x"][: draw(st.integers(1, 3))]
    years = [2022, 2023][: draw(st.integers(1, 2))]
    areas = [(f"{chr(65 + m)} {j + 1}", f"05334{m:03d}")
             for m, size in enumerate(sizes) for j in range(size)]
    keys = [(a, g, y, v) for a, g in areas for y in years for v in variables]
    small_biased = st.one_of(st.integers(0, 3), st.integers(0, 20))
    values = draw(st.lists(small_biased, min_size=len(keys), max_size=len(keys)))
    counts = pd.DataFrame(keys, columns=[S.AREA, S.AGS, S.YEAR, S.VARIABLE])
    counts[S.COUNT] = values
    return counts, draw(st.sampled_from([2, 3, 4, 5]))


def attacker_bounds(cells: dict, munis: dict, region: float | None,
                    members: dict) -> tuple[dict, dict, tuple[float, float]]:
    """Tightest bounds an attacker derives for every value of one (jahr, variable).

    ``cells``/``munis`` map keys to the published value or ``None`` (suppressed);
    ``members`` maps each Kommune to its areas. Unknowns are >= 0 and satisfy
    Kommune total = sum of its areas, region total = sum of the Kommunen. Bounds are
    propagated through these equations until stable. The equations form a tree
    (Berge-acyclic), so this propagation is exact: it gives the same bounds as
    solving the linear programme min/max for each unknown.
    """
    inf = math.inf

    def start(v):
        return [0.0, inf] if v is None else [float(v), float(v)]

    b_cell = {k: start(v) for k, v in cells.items()}
    b_muni = {k: start(v) for k, v in munis.items()}
    b_region = start(region)
    equations = [(b_muni[m], [b_cell[a] for a in members[m]]) for m in members]
    equations.append((b_region, list(b_muni.values())))

    changed = True
    while changed:
        changed = False
        for total, parts in equations:
            lo_sum = sum(p[0] for p in parts)
            hi_sum = sum(p[1] for p in parts)
            new = [max(total[0], lo_sum), min(total[1], hi_sum)]
            updates = [(total, new)]
            for p in parts:
                others_lo, others_hi = lo_sum - p[0], hi_sum - p[1]
                lo = max(p[0], total[0] - others_hi) if others_hi < inf else p[0]
                hi = min(p[1], total[1] - others_lo) if total[1] < inf else p[1]
                updates.append((p, [lo, hi]))
            for box, (lo, hi) in updates:
                if lo > box[0] + 1e-9 or hi < box[1] - 1e-9:
                    box[0], box[1] = max(box[0], lo), min(box[1], hi)
                    changed = True
    return b_cell, b_muni, tuple(b_region)


@settings(max_examples=250, deadline=None)
@given(regions())
def test_no_suppressed_value_can_be_recomputed(case):
    """Leak test: no withheld cell or total is pinned to a single value."""
    counts, limit = case
    out = protect_counts(counts, limit)
    muni = municipal_totals(out)
    region = region_totals(out)
    m_groups = dict(list(muni.groupby([S.YEAR, S.VARIABLE])))
    r_groups = dict(list(region.groupby([S.YEAR, S.VARIABLE])))
    for (year, var), part in out.groupby([S.YEAR, S.VARIABLE]):
        truth = dict(zip(part[S.AREA], part[S.COUNT], strict=True))
        cells = {a: None if f else n for a, f, n in zip(part[S.AREA], part[FLAG],
                                                         part[S.COUNT], strict=True)}
        members = part.groupby(S.AGS)[S.AREA].apply(list).to_dict()
        mp = m_groups[(year, var)]
        m_truth = dict(zip(mp[S.AGS], mp[S.COUNT], strict=True))
        munis = {g: None if f else n for g, f, n in zip(mp[S.AGS], mp[FLAG], mp[S.COUNT],
                                                         strict=True)}
        rp = r_groups[(year, var)].iloc[0]
        r_value = None if rp[FLAG] else rp[S.COUNT]

        b_cell, b_muni, b_region = attacker_bounds(cells, munis, r_value, members)
        for area, (lo, hi) in b_cell.items():
            assert lo - 1e-9 <= truth[area] <= hi + 1e-9  # the attacker model is sound
            if cells[area] is None:
                assert hi - lo >= 1, f"cell {area} {year} {var} recoverable: [{lo}, {hi}]"
        for ags, (lo, hi) in b_muni.items():
            assert lo - 1e-9 <= m_truth[ags] <= hi + 1e-9
            if munis[ags] is None:
                assert hi - lo >= 1, f"total {ags} {year} {var} recoverable: [{lo}, {hi}]"
        if r_value is None:
            assert b_region[1] - b_region[0] >= 1


@settings(max_examples=100, deadline=None)
@given(regions())
def test_no_small_count_is_published(case):
    counts, limit = case
    out = protect_counts(counts, limit)
    for table in (out, municipal_totals(out), region_totals(out)):
        shown = publish(table, [S.COUNT], FLAG)
        assert_no_small_counts(shown, limit)
    # primary flags exactly the small counts; secondary cells are never zero
    small = (out[S.COUNT] > 0) & (out[S.COUNT] < limit)
    assert ((out[REASON] == P) == small).all()
    assert (out.loc[out[REASON] == SEK, S.COUNT] > 0).all()
    assert (out[FLAG] == (out[REASON] != "")).all()


@settings(max_examples=100, deadline=None)
@given(regions(), st.randoms(use_true_random=False))
def test_totals_consistent_and_order_independent(case, rnd):
    counts, limit = case
    out = protect_counts(counts, limit)
    muni = municipal_totals(out)
    expected = counts.groupby([S.AGS, S.YEAR, S.VARIABLE], as_index=False)[S.COUNT].sum()
    assert muni[[S.AGS, S.YEAR, S.VARIABLE, S.COUNT]].equals(expected)
    region = region_totals(out)
    from_muni = muni.groupby([S.YEAR, S.VARIABLE], as_index=False)[S.COUNT].sum()
    assert region[[S.YEAR, S.VARIABLE, S.COUNT]].equals(from_muni)
    # the same cells are withheld whatever the row order
    order = list(range(len(counts)))
    rnd.shuffle(order)
    shuffled = protect_counts(counts.iloc[order].reset_index(drop=True), limit)
    key = [S.AREA, S.YEAR, S.VARIABLE]
    a = out.sort_values(key)[[*key, FLAG]].reset_index(drop=True)
    b = shuffled.sort_values(key)[[*key, FLAG]].reset_index(drop=True)
    assert a.equals(b)
    assert municipal_totals(shuffled).equals(muni)


def test_large_frame_is_vectorised():
    """A quick sanity check that protection scales (full benchmark: 4 M rows)."""
    rng = np.random.default_rng(0)
    n_area, n_var = 2000, 5
    area = np.repeat([f"A {i}" for i in range(n_area)], n_var)
    counts = pd.DataFrame({S.AREA: area, S.AGS: np.repeat([f"{i // 7:08d}" for i in
                                                           range(n_area)], n_var),
                           S.YEAR: 2023, S.VARIABLE: np.tile(list("abcde"), n_area),
                           S.COUNT: rng.poisson(4, n_area * n_var)})
    out = protect_counts(counts)
    assert_no_small_counts(publish(out, [S.COUNT], FLAG), 3)
    assert (out[REASON] == SEK).any()
