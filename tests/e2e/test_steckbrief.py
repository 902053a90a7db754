"""Steckbriefe in the built Sozialbericht: one per area, listed under its Kommunalprofil,
linking back to it; every link to an area on every page leads to an existing Steckbrief."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.build.build import SITES
from analysis.common.ids import area_anchors, area_pages, profile_pages

from .conftest import DEMO


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _areas(data: Path = DEMO) -> pd.DataFrame:
    return pd.read_csv(data / "sozialraeume.csv", dtype=str, keep_default_na=False)


def test_every_area_has_a_steckbrief_that_links_back_to_its_profile(demo_build: Path):
    areas = _areas()
    pages = area_pages(areas["sozialraum"])
    profiles = profile_pages(areas["ags"])
    anchors = area_anchors(areas["sozialraum"])
    sb = demo_build / "sozialbericht"
    assert {p.stem for p in sb.glob("41_sr_*.html")} == set(pages.values())
    for code, ags, name in zip(areas["sozialraum"], areas["ags"], areas["name"], strict=True):
        soup = _soup(sb / f"{pages[code]}.html")
        assert soup.find("h1").get_text(" ", strip=True) == f"Steckbrief {code} {name}"
        assert soup.find("section", id=anchors[code]) is not None
        back = f"{profiles[ags]}.html#{anchors[code]}"
        assert soup.find("a", href=back) is not None, (code, back)
        profile = _soup(sb / f"{profiles[ags]}.html")
        entry = profile.find(id=anchors[code])  # the back link lands on the area's entry
        assert entry is not None and entry.find("a", href=f"{pages[code]}.html"), code
        assert "Synthetische Demodaten" in soup.get_text(" ")


def test_index_lists_the_steckbriefe_under_their_kommunalprofil(demo_build: Path):
    areas = _areas()
    pages = area_pages(areas["sozialraum"])
    profiles = profile_pages(areas["ags"])
    index = _soup(demo_build / "sozialbericht" / "index.html")
    toc = index.find("ol", class_="inhaltsverzeichnis")
    for ags, group in areas.groupby("ags"):
        item = toc.find("a", href=f"{profiles[ags]}.html").find_parent("li")
        listed = [a["href"] for a in item.select("ul.steckbriefe a")]
        assert sorted(listed) == sorted(f"{pages[c]}.html" for c in group["sozialraum"])
    # the chapter navigation stays short: no Steckbrief in it
    nav = _soup(demo_build / "sozialbericht" / "20_armut.html").find("nav", class_="kapitel")
    assert not nav.find("a", href=re.compile(r"^41_sr_"))


def _area_links(out: Path):
    for site in SITES:
        for page in sorted((out / site).glob("*.html")):
            for a in _soup(page).find_all("a", href=True):
                url = urlparse(a["href"])
                if "41_sr_" in url.path or "40_profil_" in url.path and url.fragment:
                    yield page, url


def test_every_area_link_on_every_page_resolves(demo_build: Path):
    n = 0
    for page, url in _area_links(demo_build):
        target = (page.parent / unquote(url.path)).resolve()
        assert target.is_file(), f"{page.name}: {url.geturl()}"
        if url.fragment:
            assert _soup(target).find(id=url.fragment), f"{page.name}: {url.geturl()}"
        n += 1
    assert n > 93 * 2  # profiles, need tables, annex …


def test_need_tables_link_every_area_to_its_steckbrief(demo_build: Path):
    areas = _areas()
    pages = area_pages(areas["sozialraum"])
    label = {f"{c} {n}": c for c, n in zip(areas["sozialraum"], areas["name"], strict=True)}
    chapter = _soup(demo_build / "sozialbericht" / "20_armut.html")
    table = next(t for t in chapter.find_all("table")
                 if t.caption and t.caption.get_text().startswith("Sozialräume mit Handlungsbedarf"))
    rows = table.select("tbody th[scope=row]")
    assert rows
    for th in rows:
        a = th.find("a")
        assert a is not None and a["href"] == f"{pages[label[a.get_text()]]}.html"


@pytest.mark.slow
@pytest.mark.browser
def test_a_steckbrief_and_its_profile_have_no_axe_violations(demo_build: Path):
    from .browser import run_axe, summarize

    sb = demo_build / "sozialbericht"
    paths = [sb / "41_sr_ac-1.html", sb / "40_profil_05334002.html", sb / "index.html"]
    results = run_axe(paths)
    assert summarize(results) == []
    for result in results.values():
        assert result["external_requests"] == []
