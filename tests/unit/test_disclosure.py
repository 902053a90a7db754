"""Tests for analysis.gate.disclosure: primary/secondary suppression, publishing, leak test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analysis.contract import schema as S
from analysis.gate.disclosure import (
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
    r = reasons(out)
    assert r[0] == P and r[1:3].count(SEK) == 1 and r[1:3].count("") == 1  # one of A 2, A 3
    assert r[3:] == ["", ""]
    assert out.attrs["limit"] == 3
    assert not municipal_totals(out)[FLAG].any()  # 13 and 30 are published
    assert counts.columns.tolist() == [S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT]  # no mutation


def test_suppressed_cells_must_sum_to_the_limit():
    # 1 + 1 = 2 < 3 would tell the reader both are 1: add one other non-zero cell
    counts = frame([("A 1", "05334002", 1), ("A 2", "05334002", 1), ("A 3", "05334002", 4),
                    ("A 4", "05334002", 9), ("B 1", "05334004", 30)])
    r = reasons(protect_counts(counts))
    assert r[:2] == [P, P] and sorted(r[2:4]) == ["", SEK] and r[4] == ""


def test_zero_is_shown_and_never_chosen():
    counts = frame([("A 1", "05334002", 0), ("A 2", "05334002", 2), ("A 4", "05334002", 6),
                    ("A 3", "05334002", 6), ("B 1", "05334004", 30)])
    r = reasons(protect_counts(counts))
    assert r[0] == "" and r[1] == P and sorted(r[2:4]) == ["", SEK] and r[4] == ""


def test_secondary_choice_does_not_follow_the_values():
    """Issue 10, finding 2: with "smallest first" a reader knew that a secondary cell
    lies between the limit and the smallest published cell of its Kommune (total 149,
    published 144, smallest published 3 → the withheld cells are 3 and 2). Now the
    choice follows a rank keyed by the unpublished counts: over many Kommunen the
    secondary cell is the smallest candidate about as often as chance says."""
    smallest, chosen_values = 0, set()
    trials = 120
    for i in range(trials):
        values = [2, 3, 11 + i % 7, 25 + i, 40 + 2 * i, 64]  # the audit's shape: 2 and a 3
        counts = frame([(f"A {j + 1}", "05334002", v) for j, v in enumerate(values)]
                       + [("B 1", "05334004", 500)], year=2000 + i)
        out = protect_counts(counts)
        sec = out.loc[out[REASON] == SEK, S.COUNT].tolist()
        assert len(sec) == 1
        chosen_values.add(sec[0])
        smallest += sec[0] == 3
    # five candidates: "always the smallest" would be 120 of 120
    assert 5 <= smallest <= trials // 2
    assert len(chosen_values) > 20


def test_two_primary_ones_are_not_pinned_by_the_lower_bound():
    """With limit 2, two withheld cells 1 + 1 (sum >= limit) are both pinned for a
    reader who knows that a withheld cell is at least 1: the audit adds a third."""
    counts = frame([("A 1", "05334002", 1), ("A 2", "05334002", 1), ("A 3", "05334002", 9),
                    ("A 4", "05334002", 12), ("B 1", "05334004", 30)])
    out = protect_counts(counts, limit=2)
    r = reasons(out)
    assert r[:2] == [P, P] and r[2:4].count(SEK) == 1


def test_single_area_municipality():
    counts = frame([("A 1", "05334002", 2),
                    ("B 1", "05334004", 10), ("B 2", "05334004", 10),
                    ("C 1", "05334008", 20)])
    out = protect_counts(counts)
    # A's total 2 is primary; region 42 − published totals would reveal it, so another
    # non-zero total (B or C, by keyed rank) is hidden, and a cell of it with it
    muni = municipal_totals(out)
    assert muni[S.AGS].tolist() == ["05334002", "05334004", "05334008"]
    assert muni[S.COUNT].tolist() == [2, 20, 20]
    flags = muni[FLAG].tolist()
    assert flags[0] and flags[1:].count(True) == 1
    hidden = muni.loc[muni[FLAG], S.AGS].tolist()[1]
    cells = out[out[S.AGS] == hidden]
    assert cells[FLAG].any() and (cells.loc[cells[FLAG], REASON] == SEK).all()
    assert reasons(out)[0] == P
    region = region_totals(out)
    assert region[[S.COUNT, FLAG]].values.tolist() == [[42, False]]


def test_small_region_total_is_suppressed():
    counts = frame([("A 1", "05334002", 1), ("A 2", "05334002", 0), ("B 1", "05334004", 0)])
    out = protect_counts(counts)
    # the 1 needs an exchange partner in its Kommune (a reader who replays the rules
    # cannot tell which of the two Sozialräume has it); only the zero is left for that
    assert reasons(out) == [P, SEK, ""]
    assert municipal_totals(out)[FLAG].tolist() == [True, False]
    assert region_totals(out)[FLAG].tolist() == [True]


def test_limit_is_carried_and_checked():
    out = protect_counts(frame([("A 1", "05334002", 3), ("B 1", "05334004", 4)]), limit=5)
    assert reasons(out) == [P, P]
    assert municipal_totals(out)[FLAG].tolist() == [True, True]
    plain = out.copy()
    plain.attrs = {k: v for k, v in out.attrs.items() if k != "limit"}
    with pytest.raises(ValueError, match="limit"):
        municipal_totals(plain)
    assert municipal_totals(plain, limit=5)[FLAG].all()
    plain.attrs = {}  # without the key of the candidate order the totals are not computed
    with pytest.raises(ValueError, match="Schlüssel"):
        municipal_totals(plain, limit=5)
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
    expected = [SUPPRESSED if f else n for f, n in zip(out[FLAG], out[S.COUNT], strict=True)]
    assert shown[S.COUNT].tolist() == expected
    assert expected[0] == SUPPRESSED and expected.count(SUPPRESSED) == 2 and expected[3] == 8
    assert shown[S.COUNT].dtype == object
    assert REASON not in shown.columns
    assert out[S.COUNT].tolist() == [1, 5, 7, 8]  # input unchanged
    assert_no_small_counts(shown, 3)
    by_series = publish(out[[S.AREA, S.COUNT]], [S.COUNT], out[FLAG])
    assert by_series[S.COUNT].tolist() == expected
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
    # primary flags exactly the small counts; a secondary cell is zero only where no
    # published non-zero cell is left in its Kommune (non-zero first) – or, as an
    # exchange partner, where every published non-zero cell has the value of a withheld
    # one (so it cannot be that cell's partner)
    small = (out[S.COUNT] > 0) & (out[S.COUNT] < limit)
    assert ((out[REASON] == P) == small).all()
    key = [S.AGS, S.YEAR, S.VARIABLE]
    for k, _ in out[(out[REASON] == SEK) & (out[S.COUNT] == 0)].groupby(key):
        group = out[(out[key] == pd.Series(k, index=key)).all(axis=1)]
        shown = set(group.loc[~group[FLAG] & (group[S.COUNT] > 0), S.COUNT])
        hidden = set(group.loc[group[FLAG] & (group[S.COUNT] > 0), S.COUNT])
        assert not shown or any(shown == {v} for v in hidden), (k, shown, hidden)
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


# ---------------------------------------------------------------------------
# A reader who knows the rules (issue 10, finding 2): exact enumeration
# ---------------------------------------------------------------------------
def _compositions(total: int, k: int, low: int):
    """All k-tuples of integers >= low that sum to total."""
    if k == 0:
        if total == 0:
            yield ()
        return
    if k == 1:
        if total >= low:
            yield (total,)
        return
    for first in range(low, total - low * (k - 1) + 1):
        for rest in _compositions(total - first, k - 1, low):
            yield (first, *rest)


def rule_aware_values(part: pd.DataFrame, munis: pd.DataFrame, region: pd.Series,
                      limit: int) -> dict[str, set[int]]:
    """Every value each withheld cell can take in a world that is consistent with
    everything published *and* with the published rules (one year and variable):

    * counts are integers >= 0; the areas add up to their Kommune, the Kommunen to the
      region; published values are what they are;
    * a withheld region total is at least 1 (it is withheld when small or when the
      audit needs it);
    * secondary cells are taken non-zero first: a withheld cell is 0 only if every
      published cell of its Kommune is 0 – or if it can be an exchange partner, i.e.
      every published non-zero value of its Kommune is also the value of a withheld cell;
    * a Kommune with a published total withholds cells because of a small count: at
      least one of its withheld cells is in 1 … limit − 1 (where that is true: the
      audit may add cells elsewhere, and the reader is then not given this).

    The secondary choice follows a keyed rank, which a reader cannot evaluate, so it
    adds nothing. Computed exactly by enumeration (small cases only; unknown totals
    are searched up to a bound, which can only make the reader look stronger).
    """
    members = {g: grp for g, grp in part.groupby(S.AGS)}
    shown = {g: int(grp.loc[~grp[FLAG], S.COUNT].sum()) for g, grp in members.items()}
    options: dict[str, dict[int, dict[str, set[int]]]] = {}  # ags -> total -> cell -> values
    for g, grp in members.items():
        hidden = grp.loc[grp[FLAG], S.AREA].tolist()
        published = set(grp.loc[~grp[FLAG] & (grp[S.COUNT] > 0), S.COUNT].astype(int))
        m = munis[munis[S.AGS] == g].iloc[0]
        totals = [int(m[S.COUNT])] if not m[FLAG] else range(shown[g], shown[g] + 40)
        options[g] = {}
        for t in totals:
            vals: dict[str, set[int]] = {a: set() for a in hidden}
            # the audit may add cells to a Kommune without a small one; where the truth has
            # one, the reader is allowed to know it (the strongest reader in that case)
            truly_small = bool(((grp[S.COUNT] > 0) & (grp[S.COUNT] < limit) & grp[FLAG]).any())
            for combo in _compositions(t - shown[g], len(hidden), 0):
                if 0 in combo and not published <= set(combo):
                    continue  # a withheld zero needs the exchange rule's condition
                if hidden and not m[FLAG] and truly_small and \
                        not any(0 < v < limit for v in combo):
                    continue
                for a, v in zip(hidden, combo, strict=True):
                    vals[a].add(v)
            if not hidden or all(vals.values()):
                options[g][t] = vals
    hidden_munis = [g for g in members if munis.loc[munis[S.AGS] == g, FLAG].iloc[0]]
    known = sum(int(munis.loc[munis[S.AGS] == g, S.COUNT].iloc[0]) for g in members
                if g not in hidden_munis)
    if region[FLAG]:  # searched up to a bound: fewer options only make pins likelier
        # (above every possible truth: at most 3 Kommunen × 3 areas × 12)
        region_values = range(max(1, known), known + 120)
    else:
        region_values = [int(region[S.COUNT])]
    result: dict[str, set[int]] = {}
    for r in region_values:
        rest = r - known
        # which totals of the hidden Kommunen can add up to ``rest``
        for combo in _tuples(hidden_munis, options, rest):
            for g, t in zip(hidden_munis, combo, strict=True):
                result.setdefault(("kommune", g), set()).add(t)
            for g in members:
                t = dict(zip(hidden_munis, combo, strict=True)).get(
                    g, int(munis.loc[munis[S.AGS] == g, S.COUNT].iloc[0]))
                for a, vals in options[g].get(t, {}).items():
                    result.setdefault(a, set()).update(vals)
    return result


def _tuples(hidden: list, options: dict, rest: int):
    if not hidden:
        if rest == 0:
            yield ()
        return
    for t in options[hidden[0]]:
        if t <= rest:
            for more in _tuples(hidden[1:], options, rest - t):
                yield (t, *more)


@st.composite
def small_regions(draw):
    limit = draw(st.sampled_from([3, 4]))  # with 2, "small" means 1: see the README
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=3))
    rows = []
    for m, size in enumerate(sizes):
        for j in range(size):
            value = draw(st.one_of(st.integers(0, limit + 1), st.integers(0, 12)))
            rows.append((f"{chr(65 + m)} {j + 1}", f"05334{m:03d}", value))
    return frame(rows), limit


@settings(max_examples=120, deadline=None)
@given(small_regions())
# a withheld zero as an exchange partner (C 1 beside C 2 = C 3 = 3): found by hypothesis
@example((frame([("A 1", "05334000", 0), ("B 1", "05334001", 1), ("C 1", "05334002", 0),
                 ("C 2", "05334002", 3), ("C 3", "05334002", 3)]), 3))
def test_no_withheld_value_is_pinned_for_a_reader_who_knows_the_rules(case):
    counts, limit = case
    out = protect_counts(counts, limit)
    muni = municipal_totals(out)
    region = region_totals(out).iloc[0]
    values = rule_aware_values(out, muni, region, limit)
    for _, row in out[out[FLAG]].iterrows():
        seen = values.get(row[S.AREA], set())
        assert row[S.COUNT] in seen, "the reader model must admit the truth"
        if row[S.COUNT] > 0:
            assert len(seen) >= 2, f"{row[S.AREA]} pinned to {seen} (limit {limit})"
    for _, m in muni[muni[FLAG]].iterrows():
        seen = values.get(("kommune", m[S.AGS]), set())
        assert m[S.COUNT] in seen
        if m[S.COUNT] > 0:
            assert len(seen) >= 2, f"Kommune {m[S.AGS]} pinned to {seen}"


def test_published_configuration_hash_does_not_depend_on_the_key():
    """The colophon shows a hash of the configuration; with the key inside, it would
    let a reader test guessed keys offline (review finding F7)."""
    from analysis.contract.config import load_config
    from analysis.method.context import config_hash

    from ..conftest import REPO

    cfg = load_config(REPO / "config" / "report.yaml")
    one = cfg.model_copy(update={"geheimhaltung": cfg.geheimhaltung.model_copy(
        update={"schluessel": "a" * 20})})
    two = cfg.model_copy(update={"geheimhaltung": cfg.geheimhaltung.model_copy(
        update={"schluessel": "b" * 20})})
    assert config_hash(one) == config_hash(two) == config_hash(cfg)
    other = cfg.model_copy(update={"berichtsjahr": 2020})
    assert config_hash(other) != config_hash(cfg)


def test_audit_does_not_stop_with_a_pinned_pair():
    """Review finding F3: A = 1, 1, 0 and B = 0 – both small cells were left pinned
    (each >= 1, sum 2). A withheld zero now lifts the reader's lower bound."""
    counts = frame([("A 1", "05334002", 1), ("A 2", "05334002", 1), ("A 3", "05334002", 0),
                    ("B 1", "05334004", 0)])
    out = protect_counts(counts, 3)
    assert out[FLAG].tolist()[:3] == [True, True, True]


def test_kommune_that_must_be_the_small_one_is_protected():
    """Review finding F1: A = 5, 6 and B = 1, 1 (limit 3). Before, A1 = 5 and the region
    total 13 were published, and a reader who knows that one withheld Kommune must be
    small (< 3) pinned every withheld value."""
    counts = frame([("A 1", "05334002", 5), ("A 2", "05334002", 6), ("B 1", "05334004", 1),
                    ("B 2", "05334004", 1)])
    out = protect_counts(counts, 3, key="geheim-0123456789abcdef")
    muni = municipal_totals(out)
    region = region_totals(out)
    values = rule_aware_values(out, muni, region.iloc[0], 3)
    for _, row in out[out[FLAG] & (out[S.COUNT] > 0)].iterrows():
        assert len(values.get(row[S.AREA], ())) >= 2


def test_totals_from_a_slimmed_frame_are_refused_not_wrong():
    """Review finding F6: forced Kommune totals live in internal columns; a frame without
    them used to give different flags silently."""
    counts = frame([("A 1", "05334002", 5), ("A 2", "05334002", 6), ("B 1", "05334004", 1),
                    ("B 2", "05334004", 1)])
    out = protect_counts(counts, 3, key="geheim-0123456789abcdef")
    assert out.attrs["forced_totals"]  # this case needs a forced total
    assert municipal_totals(out)[FLAG].any()
    slim = out[[S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT, FLAG]]
    with pytest.raises(ValueError, match="Interne Sperrspalten"):
        municipal_totals(slim)
