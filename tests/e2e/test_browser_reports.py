"""Browser check of the real reports: axe-core (WCAG 2.1 A/AA) on every page, offline;
tables that fit (1280 px, A4 print, phones); sorting and filtering of long tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.build.build import SITES

from .browser import TOLERANCE_PX, overflowing, run_axe, run_layout, run_table_script, summarize
from .conftest import DEMO

pytestmark = [pytest.mark.slow, pytest.mark.browser]

WITHHELD = ("•", "–", "")
# an uncertain value is shown in brackets („(40,0 %)“) and sorts as its number
_LEADING_NUMBER = re.compile(r"^\(?[+\-−–]?\s?[\d.\u00a0\u202f]+(?:,\d+)?")


def _pages(root: Path) -> list[Path]:
    return sorted(p for s in SITES for p in (root / s).glob("*.html"))


def _number(text: str) -> float:
    """German number at the start of a cell: "1.234" → 1234, "−0,3 %" → -0.3,
    "(40,0 %)" → 40."""
    token = _LEADING_NUMBER.match(text).group(0).lstrip("(")  # type: ignore[union-attr]
    sign = -1 if token[0] in "-−–" else 1
    digits = re.sub(r"[^\d,]", "", token).replace(",", ".")
    return sign * float(digits)


def _is_number(text: str) -> bool:
    return bool(_LEADING_NUMBER.match(text)) and any(ch.isdigit() for ch in text[:4])


def test_demo_reports_have_no_axe_violations_and_load_nothing_external(demo_build: Path):
    paths = _pages(demo_build)
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


def test_no_table_is_wider_than_its_column_on_screen_or_paper(demo_build: Path):
    """1280 px and print (A4 portrait): every table fits its container, every column shows;
    390 px: a table that does not fit scrolls in a focusable region labelled with its
    caption, its first column sticky; the page itself never scrolls sideways."""
    paths = _pages(demo_build)
    results = run_layout(paths)
    assert len(results) == 3 * len(paths)
    problems, tables, scrolling = [], 0, 0
    for result in results:
        name = f"{Path(result['path']).parent.name}/{Path(result['path']).name} ({result['mode']})"
        tables += len(result["tables"])
        assert result["page_errors"] == [] and result["external_requests"] == [], name
        if result["body_scroll"] > result["body_client"] + TOLERANCE_PX:
            problems.append(f"{name}: page {result['body_scroll']} px > {result['body_client']} px")
        for table in overflowing(result):
            if result["mode"] != "screen:390":
                problems.append(f"{name}: „{table['caption']}“ {table['overflow']} px too wide")
                continue
            scrolling += 1
            region = table["region"]
            label = region["label"] or region["labelledby_text"]
            if (region["role"] != "region" or region["tabindex"] != "0"
                    or label != table["caption"] or not table["sticky_first"]):
                problems.append(f"{name}: „{table['caption']}“ scrolls outside a labelled, "
                                f"focusable region with a sticky first column: {region}")
    assert problems == []
    assert tables > 300 and scrolling > 10  # the check saw the tables, and phones scroll


def test_long_tables_sort_and_filter_with_script(demo_build: Path):
    """Click/keyboard sorting respects German numbers ("1.234", "11,5 %", "−0,3") and puts
    withheld cells last; the filter shows exactly the matching rows and can be cleared."""
    site = demo_build / "sozialbericht"
    finder = BeautifulSoup((site / "sozialraeume.html").read_text(encoding="utf-8"), "html.parser")
    kommunen = [row.find_all("td")[-1].get_text(strip=True) for row in finder.select("tbody tr")]
    kommune = max(sorted(set(kommunen)), key=kommunen.count)
    profile = max(site.glob("40_*.html"), key=lambda p: p.stat().st_size)
    # the field chapter whose long tables hold the most "1.234" numbers (the count column
    # of its need table): which field that is depends on the data
    def thousands_in_long_tables(path: Path) -> int:
        html = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        return sum(bool(re.fullmatch(r"\d{1,3}(\.\d{3})+", td.get_text(strip=True)))
                   for t in html.find_all("table") if len(t.select("tbody tr")) > 15
                   for td in t.select("tbody td"))
    field = max(sorted(site.glob("2*_*.html")), key=thousands_in_long_tables)
    # and a page whose long table holds withheld cells („•“ must sort last)
    def withheld_long_table(path: Path) -> bool:
        html = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        return any(len(t.select("tbody tr")) > 15
                   and any(td.get_text(strip=True) in WITHHELD for td in t.select("tbody td"))
                   for t in html.find_all("table"))
    with_withheld = next(p for p in sorted(site.glob("*.html")) if withheld_long_table(p))
    checked_numeric, thousands, withheld = 0, 0, 0
    pages = [(site / "sozialraeume.html", kommune), (profile, kommune), (field, kommune)]
    if with_withheld not in {p for p, _ in pages}:
        pages.append((with_withheld, kommune))
    for page, text in pages:
        result = run_table_script(page, text)
        assert result["page_errors"] == [] and result["external_requests"] == []
        assert result["tables"], page.name
        for table in result["tables"]:
            assert table["rows"] > 15 and table["buttons"] == len(table["columns"])
            for column in table["columns"]:
                asc, desc = column["asc"], column["desc"]
                assert asc["aria_sort"] == "ascending" and desc["aria_sort"] == "descending"
                assert sorted(asc["texts"]) == sorted(desc["texts"])  # rows kept, only moved
                values = [t for t in asc["texts"] if t not in WITHHELD]
                if not values or not all(_is_number(t) for t in values):
                    continue
                for texts, sign in ((asc["texts"], 1), (desc["texts"], -1)):
                    shown = [t for t in texts if t not in WITHHELD]
                    assert texts[: len(shown)] == shown, f"{column['header']}: • not last"
                    numbers = [sign * _number(t) for t in shown]
                    assert numbers == sorted(numbers), (page.name, column["header"], shown)
                checked_numeric += 1
                thousands += any("." in t for t in values)
                withheld += len(values) < len(asc["texts"])
            rows = table["filter"]["row_texts"]
            assert all(text.lower() in r.lower() for r in rows)
            assert table["filter"]["status"] == f"{len(rows)} von {table['rows']} Zeilen angezeigt"
            assert table["cleared_visible"] == table["rows"]
        if page.name == "sozialraeume.html":
            assert result["tables"][0]["filter"]["visible"] == kommunen.count(kommune)
    assert checked_numeric >= 5 and thousands >= 1 and withheld >= 1


def test_pages_are_complete_without_javascript(demo_build: Path):
    """Without JavaScript every row of every table is shown and nothing of the script's
    controls appears; the area finder lists every Sozialraum with a working link."""
    paths = _pages(demo_build)
    results = run_layout(paths, modes=("screen:1280",), js=False)
    for result in results:
        source = BeautifulSoup(Path(result["path"]).read_text(encoding="utf-8"), "html.parser")
        rows = [len(t.select("tbody tr")) for t in source.find_all("table")]
        assert [t["rows"] for t in result["tables"]] == rows
        assert [t["visible_rows"] for t in result["tables"]] == rows, result["path"]
        assert source.select(".tabellen-filter, button.sortieren") == []
    finder = demo_build / "sozialbericht" / "sozialraeume.html"
    soup = BeautifulSoup(finder.read_text(encoding="utf-8"), "html.parser")
    links = soup.select("#sozialraeume tbody a[href]")
    codes = [row.th.get_text(strip=True) for row in soup.select("#sozialraeume tbody tr")]
    areas = pd.read_csv(DEMO / "sozialraeume.csv", dtype=str)
    assert sorted(codes) == sorted(areas["sozialraum"]) and len(links) == len(codes)
    targets: dict[Path, set[str]] = {}
    for link in links:
        page, _, anchor = link["href"].partition("#")
        target = (finder.parent / page).resolve()
        assert target.is_file(), link["href"]
        if target not in targets:
            html = BeautifulSoup(target.read_text(encoding="utf-8"), "html.parser")
            targets[target] = {el["id"] for el in html.find_all(id=True)}
        assert not anchor or anchor in targets[target], link["href"]
