"""Tests for analysis.method.core: classification of a year, robustness, change; and the
configuration errors the core relies on (analysis.contract.config)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.common.errors import ConfigError
from analysis.contract import schema as S
from analysis.contract.config import ReportConfig, load_config
from analysis.method import indicators as I
from analysis.method.core import (
    change_table,
    classify_year,
    robustness_variants,
    stability,
    stability_label,
)

REPO = Path(__file__).resolve().parents[2]

CATALOGUE = pd.DataFrame({
    S.INDICATOR: ["q1", "q2", "q3", "r"],
    S.NUMERATOR: ["n1", "n2", "n3", "m"],
    S.DENOMINATOR: ["bev"] * 4,
    "skala": [100] * 4,
    "richtung": [1, 1, 1, -1],
    S.LEVEL: [S.LEVEL_AREA] * 4,
})


def make_cfg(**robust) -> ReportConfig:
    def field(inds: list[str]) -> dict:
        return {"titel": "T", "kurz": "T", "indikatoren": inds, "leitindikator": inds[0]}
    return ReportConfig.model_validate({
        "region": "Test", "ausgabe": "Test", "berichtsjahr": 2021,
        "handlungsfelder": {"armut": field(["q1", "q2", "q3"]), "kinder": field(["q1", "q2"]),
                            "inklusion": field(["q3"])},
        "robustheit": robust,
    })


# ---------------------------------------------------------------------------
# A small region: 10 areas in two Kommunen, 1,000 inhabitants each.
# X is far above every other area on q1–q3, Y far below.
# ---------------------------------------------------------------------------

AREAS = ["X", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "Y"]
AGS = ["05334001"] * 5 + ["05334002"] * 5
N1 = [300, 50, 60, 70, 80, 90, 100, 110, 120, 10]
N2 = [290, 60, 50, 80, 70, 100, 90, 120, 110, 12]
N3 = [310, 55, 65, 75, 85, 95, 105, 115, 125, 8]


def region_counts() -> pd.DataFrame:
    rows = []
    for a, g, n1, n2, n3 in zip(AREAS, AGS, N1, N2, N3, strict=True):
        for var, n in (("bev", 1000), ("n1", n1), ("n2", n2), ("n3", n3), ("m", 500)):
            rows.append((a, g, 2021, var, n))
    return pd.DataFrame(rows, columns=[S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT])


@pytest.fixture(scope="module")
def region():
    c = region_counts()
    return I.area_indicators(c, CATALOGUE), I.municipal_indicators(c, CATALOGUE)


def test_classify_year_region(region):
    area, mun = region
    z, need = classify_year(area, mun, CATALOGUE, make_cfg(), 2021)
    assert set(need.index) == set(AREAS)
    # z of q1: X at 30 % is the top area, Y at 1 % the bottom one
    assert z["q1"].idxmax() == "X" and z["q1"].idxmin() == "Y"
    # lead value in the Kommune = ratio of sums: (300+50+60+70+80)/5,000 × 100 = 11.2 %
    assert need.loc["X", "armut_leit_kommune"] == pytest.approx(11.2)
    assert need.loc["X", "armut_leitwert"] == pytest.approx(30.0)
    assert need.loc["X", "armut_leit_anzahl"] == 300
    # X: index far above 1, 30 ≥ 1.25 × 11.2 = 14, top count → all three rules
    assert need.loc["X", "armut_regeln"] == "regional, kommunal, absolut"
    assert need.loc["Y", "armut_regeln"] == ""
    assert need.loc["X", "kumulation"] == 3 and need.loc["Y", "kumulation"] == 0
    assert (need["kumulation"] == need.filter(like="_bedarf_flag").sum(axis=1)).all()
    # field indices are re-standardised: mean 0, population SD 1
    assert need["armut_index"].mean() == pytest.approx(0.0, abs=1e-9)
    assert need["armut_index"].std(ddof=0) == pytest.approx(1.0)


def test_cumulation_leaves_out_a_separate_field(region):
    """A field reported separately (``separat``) stands apart from the cumulation, as it
    does from the headline total: X has need in all three fields, but counts two."""
    area, mun = region
    data = make_cfg().model_dump(by_alias=True)
    data["handlungsfelder"]["inklusion"]["separat"] = True
    cfg = ReportConfig.model_validate(data)
    _, need = classify_year(area, mun, CATALOGUE, cfg, 2021)
    assert need.loc["X", "inklusion_bedarf_flag"] and need.loc["X", "kumulation"] == 2
    counted = need[["armut_bedarf_flag", "kinder_bedarf_flag"]].sum(axis=1)
    assert (need["kumulation"] == counted).all()


# ---------------------------------------------------------------------------
# robustness
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("field,k", [("armut", 3), ("kinder", 2)])
def test_number_of_variants_is_2_plus_3k(field, k):
    # thresholds ± delta (2) + each weight × 0.5 and × 1.5 (2k) + each left out (k)
    assert len(robustness_variants(make_cfg(), field)) == 2 + 2 * k + k


def test_number_of_variants_when_perturbations_are_switched_off():
    k = 3
    assert len(robustness_variants(make_cfg(schwellen_delta=0), "armut")) == 2 * k + k
    assert len(robustness_variants(make_cfg(gewichte_faktor=0), "armut")) == 2 + k
    assert len(robustness_variants(make_cfg(indikator_weglassen=False), "armut")) == 2 + 2 * k


def test_single_indicator_field_only_threshold_variants():
    # re-weighting the only indicator changes nothing after re-standardisation and it
    # cannot be left out: just the two threshold variants
    assert len(robustness_variants(make_cfg(), "inklusion")) == 2


def test_variant_contents():
    v = robustness_variants(make_cfg(), "armut")
    assert v[0] == {"regional_index": 0.75, "kommunal_index": 0.25, "absolut_index": 0.25}
    assert v[1] == {"regional_index": 1.25, "kommunal_index": 0.75, "absolut_index": 0.75}
    weights = [x["field_config"]["armut"].gewichte for x in v[2:8]]
    assert weights == [{"q1": 0.5}, {"q1": 1.5}, {"q2": 0.5}, {"q2": 1.5}, {"q3": 0.5},
                       {"q3": 1.5}]
    left = [x["field_config"]["armut"] for x in v[8:]]
    # leaving out the lead indicator keeps it for rules 2/3 with a negligible weight
    assert left[0].leitindikator == "q1" and left[0].gewichte["q1"] < 1e-6
    assert left[1].indikatoren == ["q1", "q3"] and left[2].indikatoren == ["q1", "q2"]


def test_stability_far_above_and_far_below(region):
    area, mun = region
    stab = stability(area, mun, CATALOGUE, make_cfg(), 2021)
    assert list(stab.columns) == ["armut", "kinder", "inklusion"]
    assert stab.loc["X", "armut"] == 1.0 and stab.loc["X", "kinder"] == 1.0
    assert stab.loc["Y", "armut"] == 0.0 and stab.loc["Y", "kinder"] == 0.0
    # shares of 11 (armut) variants
    assert np.allclose(stab["armut"] * 11, np.round(stab["armut"] * 11))
    assert stab.to_numpy().min() >= 0.0 and stab.to_numpy().max() <= 1.0


@pytest.mark.parametrize("share,need,expected", [
    (0.9, True, "stabil"), (0.8, True, "stabil"), (0.7, True, "Grenzfall"),
    (0.1, False, "stabil"), (0.3, False, "Grenzfall"), (1.0, False, "Grenzfall"),
])
def test_stability_label(share, need, expected):
    assert stability_label(share, need, 0.8) == expected


# ---------------------------------------------------------------------------
# change since the comparison year
# ---------------------------------------------------------------------------

def test_change_table_two_years():
    #        q1 (+1): 2016 → 2021            r (−1): 2016 → 2021
    #   A    10/100 = 10 → 25/200 = 12.5     50/100 = 50 → 53/200 = 26.5
    #   B    20/100 = 20 → 39/200 = 19.5     (no count in 2016) → 80/200 = 40
    #   C    28/100 = 28 → 29/100 = 29       40/100 = 40 → 38/100 = 38
    rows = [
        ("A", 2016, {"n1": 10, "m": 50, "bev": 100}), ("A", 2021, {"n1": 25, "m": 53, "bev": 200}),
        ("B", 2016, {"n1": 20, "bev": 100}), ("B", 2021, {"n1": 39, "m": 80, "bev": 200}),
        ("C", 2016, {"n1": 28, "m": 40, "bev": 100}), ("C", 2021, {"n1": 29, "m": 38, "bev": 100}),
    ]
    c = pd.DataFrame([(a, "05334001", y, v, n) for a, y, d in rows for v, n in d.items()],
                     columns=[S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT])
    cat = CATALOGUE[CATALOGUE[S.INDICATOR].isin(["q1", "r"])]
    area = I.area_indicators(c, cat)
    ch = change_table(area, cat, 2021, 2016, threshold=1.0).set_index([S.AREA, S.INDICATOR])
    # q1: A +2.5 pp → worse; B −0.5 → stable; C +1.0 (exactly the threshold) → worse
    assert ch.loc[("A", "q1"), "veraenderung"] == pytest.approx(2.5)
    assert ch.loc[("B", "q1"), "veraenderung"] == pytest.approx(-0.5)
    assert ch.loc[("C", "q1"), "veraenderung"] == pytest.approx(1.0)
    assert ch.loc[("A", "q1"), "dynamik"] == "verschlechtert"
    assert ch.loc[("B", "q1"), "dynamik"] == "stabil"
    assert ch.loc[("C", "q1"), "dynamik"] == "verschlechtert"
    # r (lower = more need): A 50 → 53/200 = 26.5 → −23.5 → worse;
    # C 40 → 38 → −2 → worse; B has no 2016 value → no class
    assert ch.loc[("A", "r"), "veraenderung"] == pytest.approx(-23.5)
    assert ch.loc[("A", "r"), "dynamik"] == "verschlechtert"
    assert ch.loc[("C", "r"), "dynamik"] == "verschlechtert"
    assert np.isnan(ch.loc[("B", "r"), "veraenderung"])
    assert ch.loc[("B", "r"), "dynamik"] == ""
    assert ch.loc[("A", "q1"), "wert_vorher"] == pytest.approx(10.0)


def test_change_direction_minus_one_improving():
    # r rises 40 → 45 (+5 pp); higher is better for r → verbessert
    c = pd.DataFrame([("A", "05334001", y, v, n) for y, d in
                      ((2016, {"m": 40, "bev": 100}), (2021, {"m": 45, "bev": 100}))
                      for v, n in d.items()],
                     columns=[S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT])
    cat = CATALOGUE[CATALOGUE[S.INDICATOR] == "r"]
    ch = change_table(I.area_indicators(c, cat), cat, 2021, 2016, threshold=1.0)
    assert ch["veraenderung"].tolist() == pytest.approx([5.0])
    assert ch["dynamik"].tolist() == ["verbessert"]
    # with a threshold above the change: stable
    ch = change_table(I.area_indicators(c, cat), cat, 2021, 2016, threshold=6.0)
    assert ch["dynamik"].tolist() == ["stabil"]


# ---------------------------------------------------------------------------
# configuration errors
# ---------------------------------------------------------------------------

def write_config(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load((REPO / "config" / "report.yaml").read_text(encoding="utf-8"))
    change(raw)
    p = tmp_path / "report.yaml"
    p.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return p


def test_default_config_loads():
    cfg = load_config(REPO / "config" / "report.yaml")
    assert cfg.fields == ["armut", "aeltere", "kinder", "integration", "inklusion"]
    assert cfg.bedarf.regional_index == 1.0 and cfg.bedarf.kommunal_faktor == 1.25


def test_config_unknown_key(tmp_path):
    p = write_config(tmp_path, lambda r: r["bedarf"].update({"regional_idx": 1.0}))
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = str(exc.value)
    assert "bedarf.regional_idx" in msg and "unbekannter Schlüssel" in msg
    assert "regional_index" in msg  # suggestion for the typo


def test_config_unknown_top_level_key(tmp_path):
    p = write_config(tmp_path, lambda r: r.update({"berichtsjahrr": 2021}))
    with pytest.raises(ConfigError, match="berichtsjahrr"):
        load_config(p)


@pytest.mark.parametrize("value,expected", [("hoch", "keine Zahl"),
                                            ("1,5", "Dezimalpunkt"),
                                            ([1], "keine Zahl")])
def test_config_threshold_of_wrong_type(tmp_path, value, expected):
    p = write_config(tmp_path, lambda r: r["bedarf"].update({"kommunal_faktor": value}))
    with pytest.raises(ConfigError) as exc:
        load_config(p)
    msg = str(exc.value)
    assert "bedarf.kommunal_faktor" in msg and expected in msg
    assert "report.yaml" in msg


def test_fast_stability_equals_reclassifying_every_variant():
    """The robustness shortcut (lead conditions computed once) changes no result."""
    from pathlib import Path

    from analysis.contract.config import load_config
    from analysis.contract.dataset import load_dataset
    from analysis.method import indicators as I
    from analysis.method.core import classify_prepared, prepare_year, robustness_variants, stability

    repo = Path(__file__).resolve().parents[2]
    ds = load_dataset(repo / "data" / "demo")
    cfg = load_config(repo / "config" / "report.yaml")
    area = I.area_indicators(ds.counts, ds.indicators)
    mun = I.municipal_indicators(ds.counts, ds.indicators, ds.counts_municipal)
    fast = stability(area, mun, ds.indicators, cfg, cfg.berichtsjahr)
    yd = prepare_year(area, mun, ds.indicators, cfg.berichtsjahr)
    for f in cfg.fields:
        slow = np.mean([classify_prepared(yd, cfg, [f], ov, details=False)[f"{f}_bedarf_flag"]
                        .to_numpy() for ov in robustness_variants(cfg, f)], axis=0)
        np.testing.assert_array_equal(fast[f].to_numpy(), slow)
    assert 0 < fast["armut"].mean() < 1
