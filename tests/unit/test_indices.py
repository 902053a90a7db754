"""Tests for analysis.method.indices (z-scores, field index, municipal reference) and the
wiring of ``python -m analysis index``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.build.cli import main
from analysis.method.indices import field_index, municipal_reference, zscores

REPO = Path(__file__).resolve().parents[2]
MSS = REPO / "config" / "schemes" / "mss-status.yaml"
R3 = math.sqrt(3)


# ---------------------------------------------------------------------------
# z-scores
# ---------------------------------------------------------------------------

def test_zscores_population_sd_and_direction():
    values = pd.DataFrame({"a": [1.0, 3.0, 1.0, 3.0], "b": [10.0, 20.0, 30.0, 40.0]})
    z = zscores(values, {"b": -1})
    # a: mean 2, population SD sqrt((1+1+1+1)/4) = 1 → z = −1, 1, −1, 1
    #    (sample SD would be sqrt(4/3) = 1.1547 → ±0.866)
    assert z["a"].tolist() == pytest.approx([-1.0, 1.0, -1.0, 1.0])
    # b: mean 25, population SD sqrt((225+25+25+225)/4) = sqrt(125) = 11.18034
    #    → −1.341641, −0.447214, 0.447214, 1.341641; direction −1 flips the sign
    assert z["b"].tolist() == pytest.approx([1.341641, 0.447214, -0.447214, -1.341641],
                                            abs=1e-6)


def test_zscores_sample_sd_on_request():
    z = zscores(pd.DataFrame({"a": [1.0, 3.0, 1.0, 3.0]}), ddof=1)
    assert z["a"].tolist() == pytest.approx([-0.866025, 0.866025, -0.866025, 0.866025],
                                            abs=1e-6)


def test_zscores_missing_values_and_column_without_spread():
    values = pd.DataFrame({"c": [5.0, np.nan, 5.0, 5.0], "d": [1.0, np.nan, 3.0, 2.0]})
    z = zscores(values)
    # c has no spread → 0 wherever there is a value, NaN stays NaN
    assert z["c"].iloc[[0, 2, 3]].tolist() == [0.0, 0.0, 0.0]
    assert math.isnan(z["c"].iloc[1])
    # d over the three values: mean 2, population SD sqrt((1+0+1)/3) = 0.816497
    assert z["d"].iloc[[0, 2, 3]].tolist() == pytest.approx([-1.224745, 1.224745, 0.0],
                                                            abs=1e-6)
    assert math.isnan(z["d"].iloc[1])


def test_zscores_constant_column_with_rounding_noise_is_zero():
    # Every area at 7/50 × 100 = 14.000000000000002 %: the mean of 5 equal doubles is
    # off in the last bit, so the SD is 1.8e-15 instead of 0 – still no spread.
    values = pd.DataFrame({"a": [7 / 50 * 100] * 5})
    assert zscores(values)["a"].tolist() == [0.0] * 5
    # and a field over such an indicator gives index 0, not 1 (which would be "need")
    assert field_index(pd.DataFrame({"a": [0.1] * 7}), ["a"]).tolist() == [0.0] * 7


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(0, 1000, allow_nan=False), min_size=2, max_size=30),
       st.sampled_from([1, -1]))
def test_property_zscores_mean_0_sd_1(xs, sign):
    arr = np.array(xs)
    assume(arr.std() > 1e-6 * max(1.0, np.abs(arr).max()))
    z = zscores(pd.DataFrame({"x": arr}), {"x": sign})["x"]
    assert z.mean() == pytest.approx(0.0, abs=1e-9)
    assert z.std(ddof=0) == pytest.approx(1.0, abs=1e-9)
    # direction +1 keeps the order, −1 reverses it
    assert np.sign(np.corrcoef(arr, z)[0, 1]) == sign


# ---------------------------------------------------------------------------
# field index
# ---------------------------------------------------------------------------

Z = pd.DataFrame({"x": [1.0, -1.0, 0.0, 0.0], "y": [1.0, 1.0, -1.0, -1.0]},
                 index=["A1", "A2", "A3", "A4"])


def test_field_index_equal_weights_restandardised():
    idx = field_index(Z, ["x", "y"])
    # mean of x, y: 1, 0, −0.5, −0.5; mean 0, population SD sqrt((1+0+.25+.25)/4) = 0.612372
    # → 1.632993, 0, −0.816497, −0.816497
    assert idx.tolist() == pytest.approx([1.632993, 0.0, -0.816497, -0.816497], abs=1e-6)
    assert list(idx.index) == ["A1", "A2", "A3", "A4"]


def test_field_index_weights_without_and_with_restandardisation():
    raw = field_index(Z, ["x", "y"], {"x": 3.0}, restandardise=False)
    # (3x + 1y)/4: (3+1)/4 = 1, (−3+1)/4 = −0.5, (0−1)/4 = −0.25, −0.25
    assert raw.tolist() == pytest.approx([1.0, -0.5, -0.25, -0.25])
    idx = field_index(Z, ["x", "y"], {"x": 3.0})
    # mean 0, population SD sqrt((1 + .25 + .0625 + .0625)/4) = 0.586302
    # → 1/0.586302 = 1.705606, −0.852803, −0.426401, −0.426401
    assert idx.tolist() == pytest.approx([1.705606, -0.852803, -0.426401, -0.426401],
                                         abs=1e-6)


def test_field_index_missing_indicator_averages_available_ones():
    z = pd.DataFrame({"x": [np.nan, 1.0, np.nan], "y": [2.0, 0.0, np.nan]})
    raw = field_index(z, ["x", "y"], restandardise=False)
    # row 0: only y → 2; row 1: (1 + 0)/2 = 0.5; row 2: nothing → NaN
    assert raw.iloc[:2].tolist() == pytest.approx([2.0, 0.5])
    assert math.isnan(raw.iloc[2])


# ---------------------------------------------------------------------------
# municipal reference
# ---------------------------------------------------------------------------

def test_municipal_reference_ratio_and_difference():
    area = pd.Series({"A1": 25.0, "A2": 15.0, "A3": 10.0})
    mun = pd.Series({"K1": 20.0, "K2": 0.0})
    a2k = pd.Series({"A1": "K1", "A2": "K1", "A3": "K2"})
    ref = municipal_reference(area, mun, a2k)
    assert ref["kommunalwert"].tolist() == [20.0, 20.0, 0.0]
    # ratio 25/20 = 1.25, 15/20 = 0.75; municipal 0 → no ratio
    assert ref["verhaeltnis"].iloc[:2].tolist() == pytest.approx([1.25, 0.75])
    assert math.isnan(ref["verhaeltnis"].iloc[2])
    # difference in percentage points: 25 − 20 = 5, 15 − 20 = −5, 10 − 0 = 10
    assert ref["differenz"].tolist() == pytest.approx([5.0, -5.0, 10.0])


# ---------------------------------------------------------------------------
# python -m analysis index (CLI wiring; the scheme itself: test_scheme.py)
# ---------------------------------------------------------------------------

def test_index_cli_end_to_end(tmp_path, capsys):
    src = tmp_path / "werte.csv"
    src.write_text("id,S1,S3,S4,name\n"
                   "a,1,1,1,Nord\nb,1,3,3,Ost\nc,3,1,3,Süd\nd,3,3,1,West\n", encoding="utf-8")
    out = tmp_path / "out" / "index.csv"
    code = main(["index", "--scheme", str(MSS), "--input", str(src), "--output", str(out)])
    assert code == 0
    assert capsys.readouterr().out.strip()  # a summary is printed
    res = pd.read_csv(out, dtype={"id": str}, keep_default_na=False)
    assert list(res.columns) == ["id", "S1", "S3", "S4", "z_S1", "z_S3", "z_S4", "index",
                                 "klasse"]
    # each column takes values 1 and 3 twice: mean 2, population SD 1 → z = ±1
    # sum of z: a −3, b +1, c +1, d +1; mean 0, SD sqrt((9+1+1+1)/4) = sqrt(3)
    # index: −sqrt(3) = −1.732051 (“hoch”, < −1), 1/sqrt(3) = 0.577350 (“mittel”)
    assert res["z_S1"].tolist() == pytest.approx([-1, -1, 1, 1])
    assert res["index"].tolist() == pytest.approx([-R3, 1 / R3, 1 / R3, 1 / R3], abs=1e-6)
    assert res["klasse"].tolist() == ["hoch", "mittel", "mittel", "mittel"]


def test_index_cli_missing_column_exit_2_without_traceback(tmp_path, capsys):
    src = tmp_path / "werte.csv"
    src.write_text("id,S1,S3\na,1,1\nb,3,3\n", encoding="utf-8")
    out = tmp_path / "index.csv"
    code = main(["index", "--scheme", str(MSS), "--input", str(src), "--output", str(out)])
    assert code == 2
    err = capsys.readouterr().err
    assert "S4" in err and "Spalte fehlt" in err
    assert "Traceback" not in err
    assert not out.exists()
