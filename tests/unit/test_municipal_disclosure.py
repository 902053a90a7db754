"""Counts that exist only per Kommune (zaehlungen_kommune.csv) are protected like area
counts: a withheld Kommune cannot be recomputed from the region total."""

from __future__ import annotations

import pandas as pd

from analysis.gate import disclosure as D
from analysis.method.context import compute_context
from analysis.views.report import Report

from ..conftest import REPO

SMALL_AGS = "05334028"  # Roetgen


def test_small_municipal_count_is_protected_against_the_region_total(demo_copy):
    path = demo_copy / "zaehlungen_kommune.csv"
    cm = pd.read_csv(path, dtype=str)
    row = (cm["ags"] == SMALL_AGS) & (cm["jahr"] == "2021") & (cm["variable"] == "eingliederungshilfe")
    assert row.sum() == 1
    cm.loc[row, "anzahl"] = "2"
    cm.to_csv(path, index=False)
    report = Report(compute_context(demo_copy, REPO / "config" / "report.yaml"))
    limit = report.cfg.geheimhaltung.mindestanzahl

    mv = report.gate.municipal_values
    egh = mv[(mv["indikator"] == "eingliederungshilfe") & (mv["jahr"] == 2021)].set_index("ags")
    assert egh.loc[SMALL_AGS, D.FLAG]  # primary
    hidden = egh[egh[D.FLAG]]
    assert len(hidden) >= 2  # plus at least one secondary Kommune
    rv = report.gate.region_values
    region = rv[(rv["indikator"] == "eingliederungshilfe") & (rv["jahr"] == 2021)].iloc[0]
    assert not region[D.FLAG]  # the region total stays published
    # what an attacker learns: region total − published Kommunen = sum of the hidden ones
    rest = region["zaehler"] - egh.loc[~egh[D.FLAG], "zaehler"].sum()
    assert rest == hidden["zaehler"].sum() >= limit

    # and the download shows the mark, never the small number
    table = report.download_tables()["indikatoren_kommunen"][1]
    cells = table[(table["ags"] == SMALL_AGS) & (table["indikator"] == "eingliederungshilfe")
                  & (table["jahr"] == 2021)]
    assert len(cells) == 1  # the download holds the comparison year too, in its own row
    assert (cells["zaehler"] == D.SUPPRESSED).all() and (cells["wert"] == D.SUPPRESSED).all()
    D.assert_no_small_counts(table, limit)
