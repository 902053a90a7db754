"""The area finder (issue 13): every Sozialraum by code, name and Kommune with a link to
its profile, taken from Report.profile_pages / Report.area_anchors."""

from __future__ import annotations

import pandas as pd

from analysis.common.ids import natural_key
from analysis.method.context import compute_context
from analysis.views.report import Report

from ..conftest import REPO

DEMO = REPO / "data" / "demo"


def test_area_finder_lists_every_area_once_in_natural_order_with_its_steckbrief_link():
    report = Report(compute_context(DEMO, REPO / "config" / "report.yaml"))
    rows = report.area_finder()
    areas = pd.read_csv(DEMO / "sozialraeume.csv", dtype=str).set_index("sozialraum")
    names = pd.read_csv(DEMO / "kommunen.csv", dtype=str).set_index("ags")["name"]
    codes = [r[0] for r in rows]
    assert sorted(codes) == sorted(areas.index) and len(set(codes)) == len(codes)
    assert codes == sorted(codes, key=natural_key)
    hrefs = set()
    for code, name, kommune, href in rows:
        assert name == areas.loc[code, "name"]
        assert kommune == names[areas.loc[code, "ags"]]
        assert href == f"../sozialbericht/{report.area_pages[code]}.html"  # its Steckbrief
        hrefs.add(href)
    assert len(hrefs) == len(rows)
