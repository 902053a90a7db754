"""Browser check of the real reports: axe-core (WCAG 2.1 A/AA) on every page, offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.build import SITES

from .browser import run_axe, summarize

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_demo_reports_have_no_axe_violations_and_load_nothing_external(demo_build: Path):
    paths = sorted(p for s in SITES for p in (demo_build / s).glob("*.html"))
    assert len(paths) > 30
    results = run_axe(paths)
    assert set(results) == {str(p.resolve()) for p in paths}
    assert summarize(results) == []
    map_links = 0
    for result in results.values():
        assert result["lang"] == "de"
        assert result["external_requests"] == []
        assert result["page_errors"] == []
        # every map area is a focusable link that the browser names by its title
        names = set(result["link_names"])
        for link in result["map_links"]:
            assert link["focusable"] and link["href"], (result["path"], link)
            assert link["title"] in names, (result["path"], link["title"])
            map_links += 1
    assert map_links > 10 * 93  # index and need maps of five fields, overview, annex


def test_tiny_reports_have_no_axe_violations(tiny_build):
    _, out = tiny_build
    paths = sorted(p for s in SITES for p in (out / s).glob("*.html"))
    assert summarize(run_axe(paths)) == []
