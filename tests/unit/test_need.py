"""Tests for analysis.method.need: the three need rules, top share, headline, cumulation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.method.need import classify_field, cumulation, headline, top_share

AREAS = ["a", "b", "c", "d", "e", "f", "g"]


def s(values) -> pd.Series:
    return pd.Series(values, index=AREAS[:len(values)], dtype=float)


# ---------------------------------------------------------------------------
# top share
# ---------------------------------------------------------------------------

def test_top_share_ties_at_the_boundary_are_included():
    counts = pd.Series([100, 80, 80, 50, 10], index=list("abcde"), dtype=float)
    # 40 % of 5 areas = 2 areas; the 2nd largest is 80, shared by b and c → a, b, c
    assert top_share(counts, 0.4).tolist() == [True, True, True, False, False]
    # 10 % of 5 = 0.5 → floor 0 → at least one area: only a
    assert top_share(counts, 0.1).tolist() == [True, False, False, False, False]


def test_top_share_counts_only_areas_with_a_value():
    counts = pd.Series([5, np.nan, 9, 1], index=list("abcd"), dtype=float)
    # 3 valid areas, 34 % → floor(1.02) = 1 area: c (9); NaN is never in the top
    assert top_share(counts, 0.34).tolist() == [False, False, True, False]
    assert not top_share(pd.Series([np.nan, np.nan]), 0.5).any()


# ---------------------------------------------------------------------------
# classify_field: each rule firing and not firing
# ---------------------------------------------------------------------------

#            index  lead  Kommune  count   expected
#   a        1.00   10    10       5       regional (exactly at 1.0)
#   b        0.50   12.5  10       10      kommunal (exactly 1.25 × 10 and index exactly 0.5)
#   c        0.49   20    10       20      – (2 × municipal value, but index < 0.5)
#   d        0.90   12    10       500     absolut (ratio 1.2 < 1.25 → not kommunal;
#                                          index < 1 → not regional)
#   e        0.40   10    10       500     – (top count, but index < 0.5)
#   f       -1.00   30    10       1       – (ratio 3, but index too low)
#   g        2.00   30    10       500     regional, kommunal, absolut
# top 20 % of 7 areas: floor(1.4) = 1 area → cut 500 → d, e, g (ties)
INDEX = s([1.0, 0.5, 0.49, 0.9, 0.4, -1.0, 2.0])
LEAD = s([10, 12.5, 20, 12, 10, 30, 30])
MUN = s([10] * 7)
COUNT = s([5, 10, 20, 500, 500, 1, 500])


def test_classify_field_rules():
    res = classify_field(INDEX, LEAD, MUN, COUNT, absolut_anteil=0.2)
    assert res["regional"].tolist() == [True, False, False, False, False, False, True]
    assert res["kommunal"].tolist() == [False, True, False, False, False, False, True]
    assert res["absolut"].tolist() == [False, False, False, True, False, False, True]
    assert res["bedarf"].tolist() == [True, True, False, True, False, False, True]
    assert res["regeln"].tolist() == ["regional", "kommunal", "", "absolut", "", "",
                                      "regional, kommunal, absolut"]
    assert res["index"].tolist() == INDEX.tolist()
    assert list(res.index) == AREAS


def test_classify_field_thresholds_are_configurable():
    res = classify_field(INDEX, LEAD, MUN, COUNT, regional_index=2.5, kommunal_faktor=3.0,
                         kommunal_index=0.5, absolut_index=0.95, absolut_anteil=0.2)
    # no index ≥ 2.5; only g has lead ≥ 3 × 10 with index ≥ 0.5; only g has
    # a top count with index ≥ 0.95
    assert res["regeln"].tolist() == ["", "", "", "", "", "", "kommunal, absolut"]


def test_rule_2_at_the_boundary_despite_rounding():
    # 35 % in an area of a Kommune with 28 %: exactly 1.25 times, but as doubles
    # 1.25 × (28/100 × 100) = 35.00000000000001 > 35/100 × 100 = 35.0
    res = classify_field(s([0.6]), s([35 / 100 * 100]), s([28 / 100 * 100]), s([1]),
                         absolut_anteil=0.1)
    assert res["kommunal"].tolist() == [True]


def test_rule_2_needs_a_municipal_reference():
    # Kommune at 0 % (so every area at 0 %): "1.25 × 0" is no reference → rule 2 silent;
    # a missing municipal value likewise
    res = classify_field(s([0.6, 0.6]), s([0.0, 5.0]), s([0.0, np.nan]), s([1, 1]),
                         absolut_anteil=0.1)
    assert res["kommunal"].tolist() == [False, False]


def test_lead_direction_minus_one():
    # lower = more need: rule 2 asks lead ≤ municipal ÷ 1.25 = 10 / 1.25 = 8
    index = s([0.6, 0.6, 0.6, 0.4])
    lead = s([8.0, 9.0, 20.0, 5.0])
    res = classify_field(index, lead, s([10] * 4), s([1, 1, 1, 1]), lead_direction=-1,
                         absolut_anteil=0.1)
    # a: 8 ≤ 8 fires; b: 9 > 8; c: far above (would fire with direction +1); d: index < 0.5
    assert res["kommunal"].tolist() == [True, False, False, False]
    up = classify_field(index, lead, s([10] * 4), s([1, 1, 1, 1]), absolut_anteil=0.1)
    assert up["kommunal"].tolist() == [False, False, True, False]


def test_missing_index_never_need():
    res = classify_field(s([np.nan]), s([50.0]), s([10.0]), s([1000]), absolut_anteil=0.5)
    assert not res["bedarf"].iloc[0]
    assert res["regeln"].iloc[0] == ""


# ---------------------------------------------------------------------------
# headline and cumulation
# ---------------------------------------------------------------------------

NEED = pd.DataFrame({"armut_bedarf_flag": [True, True, False, True, False],
                     "kinder_bedarf_flag": [True, False, False, False, True]},
                    index=["A1", "A2", "B1", "C1", "C2"])
A2K = pd.Series({"A1": "Aachen", "A2": "Aachen", "B1": "Baesweiler", "C1": "Eschweiler",
                 "C2": "Eschweiler"})


def test_headline_areas_and_kommunen_per_field():
    head = headline(NEED, ["armut", "kinder"], A2K)
    # armut: A1, A2, C1 → 3 areas in Aachen, Eschweiler = 2 Kommunen
    # kinder: A1, C2 → 2 areas in 2 Kommunen
    assert head.to_dict("records") == [
        {"handlungsfeld": "armut", "sozialraeume": 3, "kommunen": 2},
        {"handlungsfeld": "kinder", "sozialraeume": 2, "kommunen": 2}]


def test_cumulation_counts_fields_with_need():
    assert cumulation(NEED, ["armut", "kinder"]).tolist() == [2, 1, 0, 1, 1]
    assert cumulation(NEED, ["kinder"]).tolist() == [1, 0, 0, 0, 1]
