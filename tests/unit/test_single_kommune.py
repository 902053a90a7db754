"""A region of exactly one Kommune (issue 11): disclosure control and the need rules work
with the only level that exists – the Kommune's values are the region's values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.gate import disclosure as D
from analysis.method.context import compute_context
from analysis.views.report import Report

from ..e2e.test_region_ids import CITY_ID, one_city


@pytest.fixture(scope="module")
def city_report(tmp_path_factory) -> tuple[Path, Report]:
    base = tmp_path_factory.mktemp("city")
    data, config = one_city(base)
    cm = pd.read_csv(data / "zaehlungen_kommune.csv", dtype=str)
    row = (cm["jahr"] == "2021") & (cm["variable"] == "eingliederungshilfe")
    assert row.sum() == 1
    cm.loc[row, "anzahl"] = "2"  # a small count of the one Kommune = the region's count
    cm.to_csv(data / "zaehlungen_kommune.csv", index=False)
    return data, Report(compute_context(data, config))


def test_small_count_of_the_only_kommune_is_withheld_in_the_region_too(city_report):
    """A guard, not a fix: this already held before issue 11 (secondary suppression needs
    no second Kommune); checked here because one Kommune was never tested."""
    _, report = city_report
    mv = report.gate.municipal_values
    egh = mv[(mv["indikator"] == "eingliederungshilfe") & (mv["jahr"] == 2021)]
    assert list(egh["ags"]) == [CITY_ID] and egh[D.FLAG].all()
    rv = report.gate.region_values
    region = rv[(rv["indikator"] == "eingliederungshilfe") & (rv["jahr"] == 2021)]
    assert region[D.FLAG].all()  # the region total is the Kommune's count: withheld too
    limit = report.cfg.geheimhaltung.mindestanzahl
    for _, table in report.download_tables().values():
        D.assert_no_small_counts(table, limit)


def test_rule_2_compares_with_the_region_value(city_report):
    _, report = city_report
    res = report.res
    for f in report.cfg.fields:
        lead = report.cfg.handlungsfelder[f].leitindikator
        region = report.gate.region_value(lead)
        mun = res.need[f"{f}_leit_kommune"].dropna().unique()
        assert len(mun) == 1 and mun[0] == pytest.approx(region, abs=0.05)
    assert report.single_municipality
