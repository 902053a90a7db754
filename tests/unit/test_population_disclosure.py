"""Population totals on pages go through the disclosure gate (issue 10, finding 1):
the municipal overview and the profile intro used to sum the raw counts."""

from __future__ import annotations

import pandas as pd

from analysis.common import fmt
from analysis.gate import disclosure as D
from analysis.method.context import compute_context
from analysis.views.report import Report

from ..conftest import REPO

POP = "bev_gesamt"
CONFIG = REPO / "config" / "report.yaml"


def _tiny_areas(demo_copy, year: int) -> list[str]:
    """The audit's case: both areas of a two-area Kommune with 1 inhabitant each (every
    other count of these areas in ``year`` set to 0, so all identities still add up)."""
    areas = pd.read_csv(demo_copy / "sozialraeume.csv", dtype=str)
    sizes = areas.groupby("ags").size()
    ags = sizes[sizes == 2].index[0]
    codes = list(areas.loc[areas["ags"] == ags, "sozialraum"][:2])
    path = demo_copy / "zaehlungen.csv"
    counts = pd.read_csv(path, dtype=str)
    rows = counts["sozialraum"].isin(codes) & (counts["jahr"] == str(year))
    counts.loc[rows, "anzahl"] = "0"
    for var in (POP, "bev_u65", "bev_15_64"):
        counts.loc[rows & (counts["variable"] == var), "anzahl"] = "1"
    counts.to_csv(path, index=False)
    return codes


def test_population_on_pages_is_what_the_gate_publishes(demo_copy):
    year = Report(compute_context(demo_copy, CONFIG)).year
    codes = _tiny_areas(demo_copy, year)
    report = Report(compute_context(demo_copy, CONFIG))
    p = report.gate.protected
    cells = p[p["sozialraum"].isin(codes) & (p["jahr"] == year) & (p["variable"] == POP)]
    assert cells[D.FLAG].all()  # both tiny areas are withheld

    totals = D.municipal_totals(report.gate.protected)
    totals = totals[(totals["jahr"] == year) & (totals["variable"] == POP)].set_index("ags")
    assert totals[D.FLAG].any(), "the case must withhold at least one Kommune total"
    names = report.ds.municipalities.set_index("ags")["name"]
    overview = report.overview().municipal_overview()
    shown = dict(zip(overview.df["Kommune"], overview.df["Einwohner"], strict=True))
    page = overview.html
    for ags, row in totals.iterrows():
        value = shown[names[ags]]
        intro = str(report.profile(ags).intro())
        if row[D.FLAG]:
            assert value == D.SUPPRESSED
            # the rendered row of this Kommune shows the mark in the Einwohner column
            tr = page.split(f">{names[ags]}<", 1)[1].split("</tr>", 1)[0]
            assert tr.count("<td") >= 2 and ">•<" in tr.split("<td", 3)[2]
            assert "Geheimhaltung gesperrt" in intro
            assert fmt.number(int(row["anzahl"])) + " Einwohner" not in intro
        else:
            assert value == int(row["anzahl"])
            assert f"hat {fmt.number(value)} Einwohnerinnen" in intro
    region = D.region_totals(report.gate.protected)
    region = region[(region["jahr"] == year) & (region["variable"] == POP)].iloc[0]
    assert shown[report.cfg.region] == (D.SUPPRESSED if region[D.FLAG]
                                        else int(region["anzahl"]))
