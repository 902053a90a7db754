"""Published indices, need and robustness are computed from published values only.

Otherwise a withheld indicator value comes back: the field index is a weighted mean
of z-scores, so index and the other published indicators of an area determine the
withheld one (on the demo data to ±0,2 percentage points, and with the denominator
from a neighbouring row, the withheld count exactly). The test changes withheld
counts and requires every published result to stay byte-identical.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from analysis.contract.config import load_config
from analysis.contract.dataset import load_dataset
from analysis.gate import disclosure as D
from analysis.method.core import need_table, run

from ..conftest import REPO

CONFIG = REPO / "config" / "report.yaml"
YEAR = 2021


def _run(data):
    ds = load_dataset(data)
    return ds, run(ds, load_config(CONFIG))


@pytest.fixture(scope="module")
def baseline():
    return _run(REPO / "data" / "demo")


def _write_change(data, area: str, variable: str, value: int) -> None:
    path = data / "zaehlungen.csv"
    c = pd.read_csv(path, dtype=str)
    at = (c["sozialraum"] == area) & (c["jahr"] == str(YEAR)) & (c["variable"] == variable)
    assert at.sum() == 1 and c.loc[at, "anzahl"].iloc[0] != str(value)
    c.loc[at, "anzahl"] = str(value)
    c.to_csv(path, index=False)


@pytest.fixture(scope="module")
def changed(baseline, tmp_path_factory):
    """A withheld small count of the demo (a numerator of a core indicator of a field
    index, report year) changed to another small value such that the same cells stay
    withheld – found in the data, not named: (area, indicator, field, ds, res after)."""
    ds0, res0 = baseline
    cat = ds0.indicators
    cfg = load_config(CONFIG)
    core = {i: f for f in cfg.fields for i in cfg.handlungsfelder[f].indikatoren}
    numerators = {r["zaehler"]: r["indikator"] for _, r in cat.iterrows()
                  if r["indikator"] in core and r["ebene"] == "sozialraum"}
    p = res0.protected
    limit = int(p.attrs.get(D.LIMIT_ATTR, D.DEFAULT_LIMIT))
    small = p[(p["jahr"] == YEAR) & p[D.FLAG] & p["anzahl"].between(1, limit - 1)
              & p["variable"].isin(list(numerators))]
    assert len(small), "the demo has withheld small counts of index indicators"
    # changing a count of 1 or 2 often moves the secondary suppression (ties among the
    # smallest cells); try a dozen candidates before giving up (the demo of 2026-11-30
    # needs the seventh)
    for n, (_, row) in enumerate(small.iterrows()):
        if n == 12:
            break
        data = tmp_path_factory.mktemp("demo") / "data"
        shutil.copytree(REPO / "data" / "demo", data)
        _write_change(data, row["sozialraum"], row["variable"], 1 if row["anzahl"] != 1 else 2)
        ds1, res1 = _run(data)
        if res0.protected[D.FLAG].tolist() == res1.protected[D.FLAG].tolist():
            ind = numerators[row["variable"]]
            return row["sozialraum"], ind, core[ind], ds1, res1
    pytest.fail("no withheld small count of the demo can change without changing the "
                "withheld cells")


def test_withheld_values_do_not_move_any_published_result(baseline, changed):
    ds0, res0 = baseline
    area, ind, _, ds1, res1 = changed
    # the same cells are withheld before and after (else the comparison proves nothing)
    assert res0.protected[D.FLAG].tolist() == res1.protected[D.FLAG].tolist()
    # ... the underlying values did change ...
    v0 = res0.area.set_index(["sozialraum", "jahr", "indikator"])["wert"]
    v1 = res1.area.set_index(["sozialraum", "jahr", "indikator"])["wert"]
    assert v0[(area, YEAR, ind)] != v1[(area, YEAR, ind)]
    # ... and nothing derived from values moved
    cfg = load_config(CONFIG)
    pd.testing.assert_frame_equal(need_table(ds0, res0, cfg), need_table(ds1, res1, cfg))
    pd.testing.assert_frame_equal(res0.z, res1.z)
    pd.testing.assert_frame_equal(res0.stability, res1.stability)
    pd.testing.assert_frame_equal(res0.need_previous, res1.need_previous)


def test_withheld_component_is_left_out_of_the_index(baseline, changed):
    _, res = baseline
    area, ind, field, *_ = changed
    assert pd.isna(res.z.loc[area, ind])  # not in the z-scores
    assert res.z.loc[area].notna().sum() > 5  # the other indicators are
    assert pd.notna(res.need.loc[area, f"{field}_index"])  # index over the others
    assert pd.notna(res.area.set_index(["sozialraum", "jahr", "indikator"])
                    .loc[(area, YEAR, ind), "wert"])  # kept internally


def test_impact_goal_on_a_withheld_value_shows_no_value(demo_copy, changed):
    """A Wirkungsziel whose latest value is withheld must not publish it (nor a status
    computed from it)."""
    from analysis.method.context import compute_context
    from analysis.views.concept_report import ConceptReport
    from analysis.views.report import Report

    area, ind, field, *_ = changed
    with (demo_copy / "wirkungsziele.csv").open("a", encoding="utf-8") as fh:
        fh.write(f"z_test,Ein Ziel für {area},Maßnahme,{field},{area},{ind},2016,5.0,2025\n")
    report = Report(compute_context(demo_copy, CONFIG))
    flags = report.gate.area_values.set_index(["sozialraum", "jahr", "indikator"])[D.FLAG]
    assert flags[(area, YEAR, ind)]
    row = ConceptReport(report).progress.set_index("ziel_id").loc["z_test"]
    assert pd.isna(row["wert"]) and pd.isna(row["ki_unten"]) and pd.isna(row["ki_oben"])
    assert row["status"] == "keine Daten"
    assert pd.isna(row["fortschritt"])


def test_download_row_of_a_withheld_value_is_masked_entirely(changed):
    from analysis.method.context import compute_context
    from analysis.views.report import Report

    area, ind, *_ = changed
    table = Report(compute_context(REPO / "data" / "demo", CONFIG)).download_tables()[
        "indikatoren_sozialraeume"][1]
    row = table[(table["sozialraum"] == area) & (table["indikator"] == ind)
                & (table["jahr"] == YEAR)]
    assert len(row) == 1
    masked = ["zaehler", "nenner", "wert", "ki_unten", "ki_oben", "unsicher"]
    assert (row[masked] == D.SUPPRESSED).all(axis=None)
    assert set(table.loc[table["wert"] != D.SUPPRESSED, "unsicher"]) == {"ja", "nein"}


def _reference(rates: pd.DataFrame, cat: pd.DataFrame, protected, protected_m) -> list[bool]:
    """The flags by the merge-based suppress_rates (an independent, slow oracle)."""
    r = rates.reset_index(drop=True).merge(
        cat[["indikator", "zaehler", "nenner"]].rename(columns={"zaehler": "zv", "nenner": "nv"}),
        on="indikator", how="left")
    if "sozialraum" in r.columns:
        return D.suppress_rates(r, protected, "zv", "nv")[D.FLAG].tolist()
    muni_only = r["indikator"].isin(cat.loc[cat["ebene"] == "kommune", "indikator"])
    out = pd.Series(False, index=r.index)
    for rows, prot in ((~muni_only, protected), (muni_only, protected_m)):
        if rows.any():
            out[rows] = D.suppress_rates(r[rows], prot, "zv", "nv")[D.FLAG].to_numpy()
    return out.tolist()


def test_vectorised_mask_agrees_with_suppress_rates(demo_copy):
    """withheld_mask (used for the derived results and, via flag_indicators, for the
    published tables; fast on millions of rows) withholds exactly what the merge-based
    suppress_rates does, also for counts that exist only per Kommune (Roetgen's
    Eingliederungshilfe made small) and for categorical keys."""
    from analysis.method.context import compute_context
    from analysis.views.report import Report

    path = demo_copy / "zaehlungen_kommune.csv"
    cm = pd.read_csv(path, dtype=str)
    row = (cm["ags"] == "05334028") & (cm["jahr"] == "2021") & (
        cm["variable"] == "eingliederungshilfe")
    cm.loc[row, "anzahl"] = "2"
    cm.to_csv(path, index=False)
    r = Report(compute_context(demo_copy, CONFIG))
    cat = r.ds.indicators
    cases = [
        (r.res.area, r.gate.protected, None),
        (r.res.municipal, D.municipal_totals(r.gate.protected), D.municipal_totals(r.gate.protected_municipal)),
        (r.res.region, D.region_totals(r.gate.protected), D.region_totals(r.gate.protected_municipal)),
    ]
    for rates, flags, flags_m in cases:
        got = D.withheld_mask(rates, cat, flags, flags_m)
        assert got.tolist() == _reference(rates, cat, r.gate.protected, r.gate.protected_municipal)
    assert D.withheld_mask(r.res.municipal, cat, D.municipal_totals(r.gate.protected),
                           D.municipal_totals(r.gate.protected_municipal)).sum() >= 2
    # and categorical keys (as a loader of large data hands them over) give the same
    area = r.res.area.astype({"sozialraum": "category", "indikator": "category"})
    assert (D.withheld_mask(area, cat, r.gate.protected.astype({"sozialraum": "category"})).tolist()
            == D.withheld_mask(r.res.area, cat, r.gate.protected).tolist())
