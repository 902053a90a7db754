"""Tests for analysis.method.scheme: index schemes (z-scores, aggregate, classes)."""

from __future__ import annotations

import math
import os
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from analysis.build.index_cli import run_index_cli
from analysis.common.errors import ConfigError, DataContractError, UserError
from analysis.method.scheme import (
    IndexScheme,
    apply_scheme,
    classify,
    load_scheme,
    zscore,
)

REPO = Path(__file__).resolve().parents[2]
MSS = REPO / "config" / "schemes" / "mss-status.yaml"
R5 = math.sqrt(5)


@pytest.fixture
def mss() -> IndexScheme:
    return load_scheme(MSS)


def small_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "id": ["a", "b", "c", "d"],
        "S1": [2.0, 4.0, 6.0, 8.0],
        "S3": [1.0, 1.0, 3.0, 3.0],
        "S4": [5.0, 3.0, 3.0, 5.0],
    })


def make_scheme(indicators: list[dict], **kw) -> IndexScheme:
    data = {
        "title": "Test",
        "id_column": "id",
        "indicators": indicators,
        "classes": [{"label": "unten", "upper": 0.0}, {"label": "oben", "lower": 0.0}],
        **kw,
    }
    return IndexScheme.model_validate(data)


def write_yaml(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


BASE_YAML = """\
title: T
id_column: id
indicators:
  - column: S1
classes:
  - {label: unten, upper: 0}
  - {label: oben, lower: 0}
"""


# ---------------------------------------------------------------------------
# Hand-computed MSS case
# ---------------------------------------------------------------------------
def test_mss_hand_computed(mss):
    # S1 = 2,4,6,8: mean 5, population var (9+1+1+9)/4 = 5 → z = -3/√5, -1/√5, 1/√5, 3/√5
    # S3 = 1,1,3,3: mean 2, SD 1 → z = -1, -1, 1, 1
    # S4 = 5,3,3,5: mean 4, SD 1 → z = 1, -1, -1, 1
    # sum: a = -3/√5, b = -1/√5 - 2, c = 1/√5, d = 3/√5 + 2   (mean 0)
    # var of sum = (9/5 + (1/5 + 4/√5 + 4) + 1/5 + (9/5 + 12/√5 + 4)) / 4 = 3 + 4/√5
    # index = sum / √(3 + 4/√5) ≈ -0.613085, -1.118294, 0.204362, 1.527017
    out = apply_scheme(small_frame(), mss)
    assert list(out.columns) == ["id", "S1", "S3", "S4", "z_S1", "z_S3", "z_S4",
                                 "index", "klasse"]
    assert list(out["id"]) == ["a", "b", "c", "d"]
    assert list(out["z_S1"]) == pytest.approx([-3 / R5, -1 / R5, 1 / R5, 3 / R5])
    assert list(out["z_S3"]) == pytest.approx([-1, -1, 1, 1])
    assert list(out["z_S4"]) == pytest.approx([1, -1, -1, 1])
    sd = math.sqrt(3 + 4 / R5)
    expected = [-3 / R5 / sd, (-1 / R5 - 2) / sd, 1 / R5 / sd, (3 / R5 + 2) / sd]
    assert list(out["index"]) == pytest.approx(expected)
    assert list(out["index"]) == pytest.approx([-0.613085, -1.118294, 0.204362, 1.527017],
                                               abs=1e-6)
    assert list(out["klasse"]) == ["mittel", "hoch", "mittel", "sehr niedrig"]


def test_input_order_preserved(mss):
    frame = small_frame().iloc[[3, 0, 2, 1]].reset_index(drop=True)
    out = apply_scheme(frame, mss)
    assert list(out["id"]) == ["d", "a", "c", "b"]
    assert list(out["klasse"]) == ["sehr niedrig", "mittel", "mittel", "hoch"]


def test_extra_input_columns_not_carried_over(mss):
    frame = small_frame().assign(name=["A", "B", "C", "D"])
    out = apply_scheme(frame, mss)
    assert "name" not in out.columns


# ---------------------------------------------------------------------------
# Missing values
# ---------------------------------------------------------------------------
def test_missing_value_gives_empty_index_and_does_not_restandardise(mss):
    frame = pd.concat([small_frame(), pd.DataFrame(
        {"id": ["e"], "S1": [100.0], "S3": [np.nan], "S4": [4.0]})], ignore_index=True)
    out = apply_scheme(frame, mss)
    e = out.iloc[4]
    assert math.isnan(e["index"]) and e["klasse"] == ""
    # e still enters the z-scores of the indicators it has (S1, S4) …
    assert not math.isnan(e["z_S1"]) and not math.isnan(e["z_S4"])
    assert math.isnan(e["z_S3"])
    # S4 = 5,3,3,5,4: mean 4, var (1+1+1+1+0)/5 = 0.8 → z_e = 0
    assert e["z_S4"] == pytest.approx(0.0)
    assert list(out["z_S4"][:4]) == pytest.approx([1 / math.sqrt(0.8), -1 / math.sqrt(0.8),
                                                   -1 / math.sqrt(0.8), 1 / math.sqrt(0.8)])
    # … but the aggregate is re-standardised over the four complete areas only
    complete = out["index"][:4]
    assert complete.mean() == pytest.approx(0.0, abs=1e-12)
    assert complete.std(ddof=0) == pytest.approx(1.0)
    raw_sum = out[["z_S1", "z_S3", "z_S4"]][:4].sum(axis=1)
    assert list(complete) == pytest.approx(list((raw_sum - raw_sum.mean()) / raw_sum.std(ddof=0)))


def test_zscore_ignores_missing_and_uses_ddof():
    s = pd.Series([1.0, np.nan, 3.0])
    assert list(zscore(s)[[0, 2]]) == pytest.approx([-1.0, 1.0])
    assert math.isnan(zscore(s)[1])
    # sample SD of 1, 3 is √2
    assert list(zscore(s, ddof=1)[[0, 2]]) == pytest.approx([-1 / math.sqrt(2), 1 / math.sqrt(2)])


def test_zscore_without_variation_raises():
    with pytest.raises(ValueError, match="keine Streuung"):
        zscore(pd.Series([2.0, 2.0, np.nan]))
    with pytest.raises(ValueError, match="keine Werte"):
        zscore(pd.Series([np.nan, np.nan]))


def test_constant_indicator_is_user_error(mss):
    frame = small_frame().assign(S3=1.0)
    with pytest.raises(UserError, match="S3.*keine Streuung"):
        apply_scheme(frame, mss)


# ---------------------------------------------------------------------------
# Direction, weights, sum vs mean, standardise: no
# ---------------------------------------------------------------------------
def test_direction_minus_one():
    sch = make_scheme([{"column": "S1", "direction": -1}], restandardise=False,
                      aggregation="sum")
    out = apply_scheme(small_frame(), sch)
    assert list(out["z_S1"]) == pytest.approx([3 / R5, 1 / R5, -1 / R5, -3 / R5])
    assert list(out["index"]) == pytest.approx([3 / R5, 1 / R5, -1 / R5, -3 / R5])
    assert list(out["klasse"]) == ["oben", "oben", "unten", "unten"]


def test_weights_sum_and_mean():
    inds = [{"column": "S3", "weight": 2.0}, {"column": "S4", "weight": 1.0}]
    # z_S3 = -1,-1,1,1; z_S4 = 1,-1,-1,1
    # sum  = 2*z_S3 + z_S4       = -1, -3, 1, 3
    # mean = (2*z_S3 + z_S4) / 3 = -1/3, -1, 1/3, 1
    s_sum = make_scheme(inds, aggregation="sum", restandardise=False)
    s_mean = make_scheme(inds, aggregation="mean", restandardise=False)
    assert list(apply_scheme(small_frame(), s_sum)["index"]) == pytest.approx([-1, -3, 1, 3])
    assert list(apply_scheme(small_frame(), s_mean)["index"]) == pytest.approx(
        [-1 / 3, -1, 1 / 3, 1])
    # re-standardised, sum and mean coincide: -1,-3,1,3 has mean 0, SD √5
    r_sum = apply_scheme(small_frame(), make_scheme(inds, aggregation="sum"))["index"]
    r_mean = apply_scheme(small_frame(), make_scheme(inds, aggregation="mean"))["index"]
    assert list(r_sum) == pytest.approx([-1 / R5, -3 / R5, 1 / R5, 3 / R5])
    assert list(r_mean) == pytest.approx(list(r_sum))


def test_standardise_no_uses_raw_values_times_direction():
    sch = make_scheme([{"column": "S3", "standardise": False, "direction": -1}],
                      aggregation="sum", restandardise=False)
    out = apply_scheme(small_frame(), sch)
    assert list(out["z_S3"]) == [-1.0, -1.0, -3.0, -3.0]
    assert list(out["index"]) == [-1.0, -1.0, -3.0, -3.0]


# ---------------------------------------------------------------------------
# Classes and boundaries
# ---------------------------------------------------------------------------
def test_mss_boundaries(mss):
    values = pd.Series([-1.0000001, -1.0, 0.0, 1.0, 1.0000001, 1.5, 1.5000001, np.nan])
    assert list(classify(values, mss.classes)) == [
        "hoch", "mittel", "mittel", "mittel", "niedrig", "niedrig", "sehr niedrig", ""]


def test_boundary_default_lower_and_upper_inclusive():
    classes = [{"label": "a", "upper": 0.0}, {"label": "b", "lower": 0.0, "upper": 1.0},
               {"label": "c", "lower": 1.0}]
    lower = make_scheme([{"column": "S1"}], classes=classes)
    upper = make_scheme([{"column": "S1"}], classes=classes, boundary="upper_inclusive")
    values = pd.Series([0.0, 1.0])
    assert list(classify(values, lower.classes)) == ["b", "c"]
    assert list(classify(values, upper.classes)) == ["a", "b"]
    # plain dicts without closed: lower bound inclusive
    assert list(classify(values, classes)) == ["b", "c"]


def test_class_is_assigned_on_rounded_index():
    # 1.0000000001 is written as 1 (6 decimals), so it must be "mittel" like 1
    sch = load_scheme(MSS).model_copy(update={"restandardise": False})
    sch = sch.model_copy(update={"indicators": (sch.indicators[0].model_copy(
        update={"standardise": False}),)})
    frame = pd.DataFrame({"id": ["a", "b"], "S1": [1.0000000001, 1.000002]})
    assert list(apply_scheme(frame, sch)["klasse"]) == ["mittel", "niedrig"]


def test_classify_rejects_gap():
    with pytest.raises(ValueError, match="Lücke"):
        classify(pd.Series([0.0]), [{"label": "a", "upper": -1.0}, {"label": "b", "lower": 1.0}])


# ---------------------------------------------------------------------------
# Loading: errors in YAML
# ---------------------------------------------------------------------------
def test_mss_yaml_loads(mss):
    assert mss.id_column == "id"
    assert mss.columns == ["S1", "S3", "S4"]
    assert mss.aggregation == "sum" and mss.restandardise and mss.ddof == 0
    assert all(i.direction == 1 and i.weight == 1.0 and i.standardise for i in mss.indicators)
    assert [c.label for c in mss.classes] == ["hoch", "mittel", "niedrig", "sehr niedrig"]


def _config_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_scheme(path)
    assert info.value.__suppress_context__  # raised "from None": no chained traceback
    return info.value


def test_unknown_top_level_key(tmp_path):
    err = _config_error(write_yaml(tmp_path, BASE_YAML + "klassen: []\n", "typo.yaml"))
    msg = str(err)
    assert "typo.yaml" in msg and "„klassen“" in msg and "unknown key" in msg
    assert "erlaubt:" in msg and "classes" in msg


def test_invalid_only_entry_reports_one_problem(tmp_path):
    msg = str(_config_error(write_yaml(tmp_path, BASE_YAML.replace(
        "column: S1", "column: S1\n    weight: '2'"))))
    assert "„indicators“, Eintrag 1, „weight“: muss eine Zahl sein" in msg
    assert "mindestens" not in msg and "Tuple" not in msg


def test_unknown_key_in_class(tmp_path):
    text = BASE_YAML.replace("{label: oben, lower: 0}", "{label: oben, lower: 0, lable: x}")
    msg = str(_config_error(write_yaml(tmp_path, text)))
    assert "„classes“, Eintrag 2" in msg and "„lable“" in msg
    assert "erlaubt: label, lower, upper, closed" in msg


def test_non_numeric_threshold(tmp_path):
    msg = str(_config_error(write_yaml(tmp_path, BASE_YAML.replace("upper: 0", "upper: eins"))))
    assert "„upper“" in msg and "muss eine Zahl sein" in msg and "„eins“" in msg
    msg = str(_config_error(write_yaml(tmp_path, BASE_YAML.replace("upper: 0", "upper: '1,5'"))))
    assert "Dezimalpunkt" in msg


@pytest.mark.parametrize("classes, needle", [
    ("[{label: a, upper: 1}, {label: b, lower: 0}]", "überschneiden"),
    ("[{label: a, upper: 0}, {label: b, lower: 1}]", "Lücke"),
    ("[{label: a, upper: 0, closed: right}, {label: b, lower: 0, closed: left}]",
     "zu beiden Klassen"),
    ("[{label: a, upper: 0, closed: neither}, {label: b, lower: 0, closed: neither}]",
     "zu keiner der Klassen"),
    ("[{label: a, lower: -5, upper: 0}, {label: b, lower: 0}]", "Werte unter -5"),
    ("[{label: a, upper: 0}, {label: b, lower: 0, upper: 5}]", "Werte über 5"),
    ("[{label: a, upper: 0}, {label: a, lower: 0}]", "mehrfach"),
    ("[{label: a, upper: 0}, {label: b, lower: 2, upper: 1}, {label: c, lower: 1}]",
     "kleiner als"),
])
def test_classes_must_partition_real_line(tmp_path, classes, needle):
    text = BASE_YAML.split("classes:")[0] + f"classes: {classes}\n"
    msg = str(_config_error(write_yaml(tmp_path, text)))
    assert needle in msg


@pytest.mark.parametrize("replace, needle", [
    (("column: S1", "column: S1\n    direction: 2"), "„direction“"),
    (("column: S1", "column: S1\n    weight: 0"), "größer als 0"),
    (("column: S1", "column: S1\n    standardise: vielleicht"), "yes/no"),
    (("id_column: id", "id_column: id\naggregation: median"), "'sum' or 'mean'"),
    (("id_column: id", "id_column: id\nddof: 2"), "„ddof“"),
    (("title: T\n", ""), "Pflichtschlüssel „title“ fehlt"),
    (("column: S1", "column: index"), "kollidiert"),
    (("indicators:\n  - column: S1", "indicators: []"), "mindestens ein Eintrag"),
    (("column: S1", "column: id"), "zugleich Indikator"),
])
def test_other_scheme_errors(tmp_path, replace, needle):
    msg = str(_config_error(write_yaml(tmp_path, BASE_YAML.replace(*replace))))
    assert needle in msg


def test_yaml_syntax_duplicate_key_and_missing_file(tmp_path):
    msg = str(_config_error(write_yaml(tmp_path, BASE_YAML + "title: [\n")))
    assert "kein gültiges YAML" in msg and "Zeile" in msg
    msg = str(_config_error(write_yaml(tmp_path, BASE_YAML + "title: U\n")))
    assert "doppelt" in msg
    assert "nicht gefunden" in str(_config_error(tmp_path / "fehlt.yaml"))


# ---------------------------------------------------------------------------
# run_index_cli end to end
# ---------------------------------------------------------------------------
UTF8_CSV = "id,name,S1,S3,S4\na,Nord,2,1,5\nb,Süd,4,1,3\nc,Ost,6,3,3\nd,West,8,3,5\ne,Mitte,7,,4\n"


def test_cli_utf8_csv(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text(UTF8_CSV, encoding="utf-8")
    out = tmp_path / "sub" / "out.csv"
    summary = run_index_cli(MSS, src, out)
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "id,S1,S3,S4,z_S1,z_S3,z_S4,index,klasse"
    # S1 = 2,4,6,8,7: mean 5.4, var 23.2/5 = 4.64 → z_e = 1.6/√4.64 ≈ 0.742781; S4_e = mean → 0
    assert lines[5] == "e,7,,4,0.742781,,0,,"
    result = pd.read_csv(out, dtype={"id": str, "klasse": str}, keep_default_na=False,
                         na_values={"index": [""]})
    assert list(result["klasse"]) == ["mittel", "hoch", "mittel", "sehr niedrig", ""]
    assert "5 Gebiete, davon 4 mit Indexwert" in summary
    assert "fehlender Werte in: S3" in summary
    assert "hoch 1, mittel 2, niedrig 0, sehr niedrig 1" in summary
    assert "Nicht verwendete Spalten: name" in summary
    # deterministic, 6 decimals, no scientific notation
    first = out.read_bytes()
    run_index_cli(MSS, src, out)
    assert out.read_bytes() == first
    z = lines[1].split(",")[4]
    assert len(z.split(".")[1]) <= 6 and "e" not in z


def test_cli_german_excel_csv_and_xlsx_output(tmp_path):
    src = tmp_path / "export.csv"
    src.write_bytes(("id;S1;S3;S4\r\nNord;2,0;1;5\r\nSüd;4,0;1;3,0\r\n"
                     "Ost;6;3,0;3\r\nWest;8,0;3;5\r\n").encode("cp1252"))
    out = tmp_path / "out.csv"
    run_index_cli(MSS, src, out)
    result = pd.read_csv(out, dtype={"id": str})
    assert list(result["id"]) == ["Nord", "Süd", "Ost", "West"]
    assert list(result["S1"]) == [2.0, 4.0, 6.0, 8.0]
    assert list(result["index"]) == pytest.approx([-0.613085, -1.118294, 0.204362, 1.527017],
                                                  abs=1e-6)
    xlsx = tmp_path / "out.xlsx"
    run_index_cli(MSS, src, xlsx)
    first = xlsx.read_bytes()
    back = pd.read_excel(xlsx, dtype={"id": str})
    assert list(back.columns) == list(result.columns)
    assert list(back["klasse"]) == ["mittel", "hoch", "mittel", "sehr niedrig"]
    assert list(back["index"]) == pytest.approx(list(result["index"]))
    run_index_cli(MSS, src, xlsx)
    assert xlsx.read_bytes() == first
    # the dates are fixed, not "now" (equal bytes above could be luck within one second)
    with zipfile.ZipFile(xlsx) as z:
        core = z.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == ["2000-01-01T00:00:00Z"] * 2


def test_cli_missing_column(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,S1,S3\na,1,2\n", encoding="utf-8")
    with pytest.raises(DataContractError) as info:
        run_index_cli(MSS, src, tmp_path / "out.csv")
    (p,) = info.value.problems
    assert (p.file, p.column) == ("in.csv", "S4")
    assert "Spalte fehlt" in str(info.value) and "vorhandene Spalten: id, S1, S3" in str(info.value)


def test_cli_non_number_cell_reports_excel_row(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,S1,S3,S4\na,1,2,3\nb,2,3,4\nc,3,n/a,5\n", encoding="utf-8")
    with pytest.raises(DataContractError) as info:
        run_index_cli(MSS, src, tmp_path / "out.csv")
    (p,) = info.value.problems
    assert (p.file, p.row, p.column, p.value) == ("in.csv", 4, "S3", "n/a")
    assert "in.csv, Zeile 4, Spalte „S3“: Wert „n/a“ – keine Zahl" in str(info.value)
    assert not (tmp_path / "out.csv").exists()


def test_cli_decimal_comma_rejected_in_comma_csv(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text('id,S1,S3,S4\na,"1,5",2,3\nb,2,3,4\n', encoding="utf-8")
    with pytest.raises(DataContractError) as info:
        run_index_cli(MSS, src, tmp_path / "out.csv")
    assert [(p.row, p.column, p.value) for p in info.value.problems] == [(2, "S1", "1,5")]


def test_cli_duplicate_id_and_constant_indicator(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,S1,S3,S4\na,1,2,3\na,2,3,4\n", encoding="utf-8")
    with pytest.raises(DataContractError, match="Zeile 3.*mehrfach.*Zeile 2"):
        run_index_cli(MSS, src, tmp_path / "out.csv")
    src.write_text("id,S1,S3,S4\na,1,2,3\nb,2,2,4\n", encoding="utf-8")
    with pytest.raises(UserError, match="in.csv: Indikator „S3“: keine Streuung"):
        run_index_cli(MSS, src, tmp_path / "out.csv")


# ---------------------------------------------------------------------------
# Property: re-standardised index has mean 0 and SD 1 over complete areas
# ---------------------------------------------------------------------------
_cell = st.one_of(st.none(), st.integers(-1000, 1000).map(lambda v: v / 10))


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    n_ind=st.integers(1, 4),
    n_areas=st.integers(3, 25),
    ddof=st.sampled_from([0, 1]),
    aggregation=st.sampled_from(["sum", "mean"]),
)
def test_property_restandardised_index(data, n_ind, n_areas, ddof, aggregation):
    cols = [f"x{i}" for i in range(n_ind)]
    frame = pd.DataFrame({"id": [f"g{i}" for i in range(n_areas)]})
    for c in cols:
        frame[c] = [np.nan if v is None else v for v in
                    data.draw(st.lists(_cell, min_size=n_areas, max_size=n_areas))]
        assume(frame[c].dropna().nunique() >= 2)
    inds = [{"column": c,
             "direction": data.draw(st.sampled_from([1, -1])),
             "weight": data.draw(st.sampled_from([0.5, 1.0, 2.0, 3.0]))} for c in cols]
    raw = make_scheme(inds, ddof=ddof, aggregation=aggregation, restandardise=False)
    agg = apply_scheme(frame, raw)["index"].dropna()
    assume(len(agg) >= 2 and agg.std(ddof=ddof) > 1e-6)

    out = apply_scheme(frame, make_scheme(inds, ddof=ddof, aggregation=aggregation))
    complete = frame[cols].notna().all(axis=1)
    assert (out["index"].notna() == complete).all()
    assert ((out["klasse"] == "") == ~complete).all()
    idx = out["index"][complete]
    assert idx.mean() == pytest.approx(0.0, abs=1e-9)
    assert idx.std(ddof=ddof) == pytest.approx(1.0, rel=1e-9)


def test_cli_xlsx_input(tmp_path):
    src = tmp_path / "in.xlsx"
    small_frame().to_excel(src, index=False)
    out = tmp_path / "out.csv"
    summary = run_index_cli(MSS, src, out)
    assert "4 Gebiete, davon 4 mit Indexwert" in summary
    assert list(pd.read_csv(out)["klasse"]) == ["mittel", "hoch", "mittel", "sehr niedrig"]


def test_yaml_aliases_and_special_files_are_refused(tmp_path):
    """Issue 10: index schemes are user YAML too – no alias expansion, no FIFO."""
    bomb = BASE_YAML.replace("title:", "x: &a [1, 2]\ny: [*a, *a]\ntitle:", 1)
    msg = str(_config_error(write_yaml(tmp_path, bomb)))
    assert "YAML-Anker „&a“ ist nicht erlaubt" in msg
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "keine normale Datei" in str(_config_error(fifo))
