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


def _steckbrief_pages(document) -> dict[str, int]:
    """Pages each Steckbrief of a laid-out PDF appendix takes (from its section's anchor
    to the next Steckbrief's, the last one to the colophon)."""
    starts: dict[str, int] = {}
    end = len(document.pages)
    for n, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("k-41_sr_") and "--" not in anchor:
                starts.setdefault(anchor[2:], n)
            if anchor == "pdf-kolophon":
                end = min(end, n)
    order = sorted(starts.items(), key=lambda kv: kv[1])
    return {slug: (order[i + 1][1] if i + 1 < len(order) else end) - first
            for i, (slug, first) in enumerate(order)}


@pytest.mark.slow
def test_every_steckbrief_prints_on_at_most_two_a4_pages_in_the_pdf(demo_build: Path):
    """Laid out as in the PDF edition's appendix (WeasyPrint, A4 with running header):
    every Steckbrief takes one or two pages, nothing sticks out, its charts are there."""
    pytest.importorskip("weasyprint")
    from analysis.rendering import pdf_edition as pe
    from analysis.rendering.assemble import SiteMeta

    sb = demo_build / "sozialbericht"
    slugs = sorted(p.stem for p in sb.glob("41_sr_*.html"))
    assert len(slugs) == len(_areas())
    site = SiteMeta("Sozialbericht", "Ausgabe", "-", {}, "0", True)
    html = pe.mark_tables(pe.combined_html(sb, [pe.PdfPage(s, s) for s in slugs], site))
    document = pe.render(html)
    pages = _steckbrief_pages(document)
    assert sorted(pages) == slugs
    assert {s: n for s, n in pages.items() if not 1 <= n <= 2} == {}
    assert pe.overflow_problems(document) == []
    # both charts of every Steckbrief are printed, at text width (not side by side)
    charts = [box for page in document.pages for box in pe._walk(page._page_box)
              if box.element_tag == "img"]  # a Steckbrief's only images are its two charts
    assert len(charts) == 2 * len(slugs)
    text_width = document.pages[-1]._page_box.width
    assert all(box.width > 0.9 * text_width for box in charts)


@pytest.mark.slow
@pytest.mark.browser
def test_the_longest_steckbriefe_print_on_two_pages_in_the_browser(demo_build: Path, tmp_path):
    """The browser's own print (Chromium, the site's print stylesheet) of the Steckbriefe
    with the most table rows and with the most text: at most two A4 pages."""
    import subprocess

    pypdf = pytest.importorskip("pypdf")
    from .browser import chromium_path

    sb = demo_build / "sozialbericht"
    soups = {p: _soup(p) for p in sb.glob("41_sr_*.html")}
    rows = {p: len(s.select("tr")) for p, s in soups.items()}
    for soup in soups.values():  # what is not printed does not count
        for el in soup.select(".nur-web"):
            el.decompose()
    text = {p: len(s.find("main").get_text(" ", strip=True)) for p, s in soups.items()}
    longest = {*sorted(rows, key=lambda p: (-rows[p], p.name))[:3],
               *sorted(text, key=lambda p: (-text[p], p.name))[:3]}
    for page in sorted(longest):
        pdf = tmp_path / f"{page.stem}.pdf"
        subprocess.run([chromium_path(), "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        assert 1 <= len(pypdf.PdfReader(pdf).pages) <= 2, page.name
