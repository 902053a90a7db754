"""Tests for analysis.method.indicators: rates from counts, Wilson interval, aggregation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.contract import schema as S
from analysis.method import indicators as I

Z = 1.959963984540054  # z for 95 %; z² = 3.841459


def catalogue(*rows: tuple[str, str, str, float]) -> pd.DataFrame:
    """Indicator catalogue rows ``(indikator, zaehler, nenner, skala)``, area level, +1."""
    return pd.DataFrame([{S.INDICATOR: i, S.NUMERATOR: n, S.DENOMINATOR: d, "skala": s,
                          "richtung": 1, S.LEVEL: S.LEVEL_AREA} for i, n, d, s in rows])


def counts(rows: list[tuple[str, str, int, str, int]]) -> pd.DataFrame:
    """Long area counts from ``(sozialraum, ags, jahr, variable, anzahl)``."""
    return pd.DataFrame(rows, columns=[S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT])


SGB2 = catalogue(("sgb2", "sgb2", "bev", 100))

# Three areas in two Kommunen (K1 = 05334001, K2 = 05334002), one year:
#   A1 (K1): 10 of  40 → 25 %  (denominator 40 < 50 → unsicher)
#   A2 (K1): 30 of 200 → 15 %
#   A3 (K2):  5 of  50 → 10 %  (exactly 50 → not unsicher)
TINY = counts([
    ("A1", "05334001", 2021, "sgb2", 10), ("A1", "05334001", 2021, "bev", 40),
    ("A2", "05334001", 2021, "sgb2", 30), ("A2", "05334001", 2021, "bev", 200),
    ("A3", "05334002", 2021, "sgb2", 5), ("A3", "05334002", 2021, "bev", 50),
])


# ---------------------------------------------------------------------------
# Wilson interval
# ---------------------------------------------------------------------------

def test_wilson_5_of_50_by_formula():
    # p = 0.1, z²/n = 3.841459/50 = 0.0768292
    # centre = (p + z²/2n) / (1 + z²/n) = (0.1 + 0.0384146) / 1.0768292 = 0.1285390
    # half   = z·sqrt(p(1−p)/n + z²/4n²) / (1 + z²/n)
    #        = 1.959964·sqrt(0.0018 + 0.000384146) / 1.0768292 = 0.0850633
    # → [0.0434758, 0.2136023]
    lo, hi = I.wilson_interval(np.array([5]), np.array([50]))
    assert lo[0] == pytest.approx(0.0434758, abs=1e-6)
    assert hi[0] == pytest.approx(0.2136023, abs=1e-6)


def test_wilson_zero_and_all():
    # x = 0, n = 20: centre = half = (z²/2n)/(1 + z²/n) = 0.0960365/1.1920730 = 0.0805626
    # → [0, 0.1611252]; x = n = 20 mirrors it → [0.8388748, 1]
    lo, hi = I.wilson_interval(np.array([0, 20]), np.array([20, 20]))
    assert lo[0] == 0.0
    assert hi[0] == pytest.approx(0.1611252, abs=1e-6)
    assert lo[1] == pytest.approx(1 - 0.1611252, abs=1e-6)
    assert hi[1] == 1.0


def test_wilson_zero_denominator_is_nan():
    lo, hi = I.wilson_interval(np.array([0, 3]), np.array([0, 10]))
    assert math.isnan(lo[0]) and math.isnan(hi[0])
    assert not math.isnan(lo[1]) and not math.isnan(hi[1])


# ---------------------------------------------------------------------------
# compute / area indicators
# ---------------------------------------------------------------------------

def test_rate_absolute_number_interval_and_unreliable_flag():
    out = I.compute(TINY, SGB2, [S.AREA, S.AGS, S.YEAR]).set_index(S.AREA)
    assert list(out.index) == ["A1", "A2", "A3"]
    # value = numerator / denominator × 100
    assert out[S.VALUE].tolist() == pytest.approx([25.0, 15.0, 10.0])
    assert out[S.NUMERATOR].tolist() == [10, 30, 5]  # absolute number of people concerned
    assert out[S.DENOMINATOR].tolist() == [40, 200, 50]
    # Wilson 5/50 → [4.34758 %, 21.36023 %]; 10/40 → [14.18712 %, 40.19396 %]
    assert out.loc["A3", S.LOWER] == pytest.approx(4.34758, abs=1e-4)
    assert out.loc["A3", S.UPPER] == pytest.approx(21.36023, abs=1e-4)
    assert out.loc["A1", S.LOWER] == pytest.approx(14.18712, abs=1e-4)
    assert out.loc["A1", S.UPPER] == pytest.approx(40.19396, abs=1e-4)
    # unsicher: denominator < 50 → only A1 (40); A3 has exactly 50
    assert out[S.RELIABLE].tolist() == [True, False, False]


def test_zero_denominator_gives_nan_value_and_flag():
    c = counts([("A1", "05334001", 2021, "sgb2", 0), ("A1", "05334001", 2021, "bev", 0),
                ("A2", "05334001", 2021, "sgb2", 1), ("A2", "05334001", 2021, "bev", 4)])
    out = I.compute(c, SGB2, [S.AREA, S.YEAR], unreliable_below=3).set_index(S.AREA)
    assert math.isnan(out.loc["A1", S.VALUE])
    assert math.isnan(out.loc["A1", S.LOWER]) and math.isnan(out.loc["A1", S.UPPER])
    assert bool(out.loc["A1", S.RELIABLE]) is True  # 0 < 3
    assert out.loc["A2", S.VALUE] == pytest.approx(25.0)  # 1/4 × 100
    assert bool(out.loc["A2", S.RELIABLE]) is False  # 4 ≥ 3


def test_scale_per_thousand_and_missing_variable_skipped():
    cat = catalogue(("sb", "sb", "bev", 1000), ("fehlt", "gibtsnicht", "bev", 100))
    c = counts([("A1", "05334001", 2021, "sb", 3), ("A1", "05334001", 2021, "bev", 400)])
    out = I.compute(c, cat, [S.AREA, S.YEAR])
    assert out[S.INDICATOR].tolist() == ["sb"]  # indicator without its variable is skipped
    assert out[S.VALUE].iloc[0] == pytest.approx(7.5)  # 3/400 × 1000


def test_area_indicators_only_area_level():
    cat = pd.concat([SGB2, catalogue(("sgb2_k", "sgb2", "bev", 100)).assign(
        **{S.LEVEL: S.LEVEL_MUNICIPALITY})], ignore_index=True)
    out = I.area_indicators(TINY, cat)
    assert set(out[S.INDICATOR]) == {"sgb2"}
    assert list(out.columns[:4]) == [S.AREA, S.AGS, S.YEAR, S.INDICATOR]


# ---------------------------------------------------------------------------
# municipal and regional values: ratio of sums, never mean of rates
# ---------------------------------------------------------------------------

def test_municipal_value_is_ratio_of_sums_not_mean_of_rates():
    out = I.municipal_indicators(TINY, SGB2).set_index(S.AGS)
    # K1: (10 + 30) / (40 + 200) × 100 = 40/240 × 100 = 16.667 %;
    # the mean of the area rates would be (25 + 15)/2 = 20 %
    assert out.loc["05334001", S.VALUE] == pytest.approx(16.666667, abs=1e-5)
    assert out.loc["05334001", S.VALUE] != pytest.approx(20.0)
    assert out.loc["05334001", S.NUMERATOR] == 40
    assert out.loc["05334001", S.DENOMINATOR] == 240
    assert out.loc["05334002", S.VALUE] == pytest.approx(10.0)  # 5/50


def test_region_value_is_ratio_of_sums_not_mean_of_rates():
    out = I.region_indicators(TINY, SGB2)
    assert len(out) == 1
    # (10 + 30 + 5) / (40 + 200 + 50) × 100 = 45/290 × 100 = 15.517 %;
    # mean of the area rates would be (25 + 15 + 10)/3 = 16.667 %
    assert out[S.VALUE].iloc[0] == pytest.approx(15.517241, abs=1e-5)
    assert (out[S.NUMERATOR].iloc[0], out[S.DENOMINATOR].iloc[0]) == (45, 290)


def test_municipal_only_indicator_from_municipal_counts():
    cat = pd.concat([SGB2, pd.DataFrame([{
        S.INDICATOR: "egh", S.NUMERATOR: "egh", S.DENOMINATOR: "bev_k", "skala": 1000,
        "richtung": 1, S.LEVEL: S.LEVEL_MUNICIPALITY}])], ignore_index=True)
    cm = pd.DataFrame({S.AGS: ["05334001", "05334001", "05334002", "05334002"],
                       S.YEAR: 2021, S.VARIABLE: ["egh", "bev_k", "egh", "bev_k"],
                       S.COUNT: [12, 3000, 2, 1000]})
    mun = I.municipal_indicators(TINY, cat, cm)
    egh = mun[mun[S.INDICATOR] == "egh"].set_index(S.AGS)[S.VALUE]
    assert egh["05334001"] == pytest.approx(4.0)  # 12/3000 × 1000
    assert egh["05334002"] == pytest.approx(2.0)  # 2/1000 × 1000
    reg = I.region_indicators(TINY, cat, cm).set_index(S.INDICATOR)
    assert reg.loc["egh", S.VALUE] == pytest.approx(3.5)  # (12 + 2)/(3000 + 1000) × 1000
    assert reg.loc["sgb2", S.DENOMINATOR] == 290  # area-level indicators unaffected


def test_variable_in_both_files_is_not_counted_twice():
    # bev also delivered per Kommune (e.g. the official total): K1 area sum is 240;
    # adding the municipal 240 again would halve the quote to 40/480.
    cm = pd.DataFrame({S.AGS: ["05334001", "05334002"], S.YEAR: 2021, S.VARIABLE: "bev",
                       S.COUNT: [240, 50]})
    mun = I.municipal_indicators(TINY, SGB2, cm).set_index(S.AGS)
    assert mun.loc["05334001", S.DENOMINATOR] == 240
    assert mun.loc["05334001", S.VALUE] == pytest.approx(16.666667, abs=1e-5)
    reg = I.region_indicators(TINY, SGB2, cm)
    assert reg[S.DENOMINATOR].iloc[0] == 290


def test_value_table_wide_for_one_year():
    two_years = pd.concat([TINY, TINY.assign(**{S.YEAR: 2016, S.COUNT: TINY[S.COUNT] * 2})])
    # 2016: numerators and denominators doubled → same rates, numerators 20, 60, 10
    ind = I.area_indicators(two_years, SGB2)
    wide = I.value_table(ind, 2021)
    assert wide.shape == (3, 1)
    assert wide.loc["A1", "sgb2"] == pytest.approx(25.0)
    nums = I.value_table(ind, 2016, column=S.NUMERATOR)
    assert nums["sgb2"].tolist() == [20, 60, 10]
    mun = I.value_table(I.municipal_indicators(two_years, SGB2), 2021, key=S.AGS)
    assert list(mun.index) == ["05334001", "05334002"]


# ---------------------------------------------------------------------------
# properties
# ---------------------------------------------------------------------------

@st.composite
def area_counts(draw):
    """1–12 areas in up to 3 Kommunen, numerator ≤ denominator, denominators may be 0."""
    n = draw(st.integers(1, 12))
    rows = []
    for a in range(n):
        ags = f"0533400{draw(st.integers(1, 3))}"
        den = draw(st.integers(0, 5000))
        num = draw(st.integers(0, den))
        rows += [(f"A{a}", ags, 2021, "sgb2", num), (f"A{a}", ags, 2021, "bev", den)]
    return counts(rows)


@settings(max_examples=60, deadline=None)
@given(area_counts(), st.sampled_from([1, 100, 1000]))
def test_property_rates_within_scale_and_interval_contains_value(c, scale):
    cat = catalogue(("q", "sgb2", "bev", scale))
    out = I.compute(c, cat, [S.AREA, S.AGS, S.YEAR])
    ok = out[S.DENOMINATOR] > 0
    v, lo, hi = out.loc[ok, S.VALUE], out.loc[ok, S.LOWER], out.loc[ok, S.UPPER]
    assert ((v >= 0) & (v <= scale)).all()
    eps = 1e-9 * scale
    assert ((lo >= 0) & (hi <= scale) & (lo <= v + eps) & (v <= hi + eps)).all()
    assert out.loc[~ok, S.VALUE].isna().all()


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_property_wilson_bounds(xn):
    x, n = xn
    lo, hi = I.wilson_interval(np.array([x]), np.array([n]))
    if n == 0:
        assert math.isnan(lo[0]) and math.isnan(hi[0])
    else:
        p = x / n
        assert 0.0 <= lo[0] <= p + 1e-12
        assert p - 1e-12 <= hi[0] <= 1.0


@settings(max_examples=60, deadline=None)
@given(area_counts())
def test_property_aggregation_consistency(c):
    area = I.area_indicators(c, SGB2)
    mun = I.municipal_indicators(c, SGB2).set_index(S.AGS)
    reg = I.region_indicators(c, SGB2)
    # municipal numerator / denominator = sums of the area counts
    sums = area.groupby(S.AGS, observed=True)[[S.NUMERATOR, S.DENOMINATOR]].sum()
    assert (mun.loc[sums.index, S.NUMERATOR] == sums[S.NUMERATOR]).all()
    assert (mun.loc[sums.index, S.DENOMINATOR] == sums[S.DENOMINATOR]).all()
    # region = sum over the Kommunen
    assert reg[S.NUMERATOR].iloc[0] == mun[S.NUMERATOR].sum()
    assert reg[S.DENOMINATOR].iloc[0] == mun[S.DENOMINATOR].sum()
    # and the value is the ratio of those sums
    den = reg[S.DENOMINATOR].iloc[0]
    if den > 0:
        assert reg[S.VALUE].iloc[0] == pytest.approx(reg[S.NUMERATOR].iloc[0] / den * 100)
