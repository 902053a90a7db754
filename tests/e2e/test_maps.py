"""Maps lead somewhere (issue 13, item 2): in every map of the built reports each area is a
link to an existing profile anchor, with its code and name as title, and the map is an
inline SVG with unique ids beside its data table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from bs4 import BeautifulSoup

from .conftest import DEMO
from .test_build import link_target, page_ids, pages


def _maps(page: Path):
    """(svg, {code: value shown in the table beside it}) of every map on ``page``."""
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    for fig in soup.select("figure.chart"):
        svg = fig.find("svg", recursive=False)
        if svg is None or svg.get("role") != "group":
            continue
        table = fig.find_next_sibling("details").find("table")
        codes = {}
        for tr in table.select("tbody tr"):
            value = tr.find_all("td")[1].get_text(strip=True)  # area, Kommune, value, …
            codes[tr.find("th").get_text(strip=True)] = "keine Angabe" if value == "–" else value
        yield svg, codes


def test_every_area_of_every_map_links_to_its_profile(demo_build: Path):
    names = pd.read_csv(DEMO / "sozialraeume.csv", dtype=str).set_index("sozialraum")["name"]
    maps_seen = {"sozialbericht": 0, "handlungskonzept": 0}
    for page in pages(demo_build):
        for svg, codes in _maps(page):
            maps_seen[page.parent.name] += 1
            links = svg.find_all("a")
            assert codes and len(links) == len(codes), page.name  # one link per area
            titled = set()
            for a in links:
                title = a.find("title").get_text()
                code = next(c for c in codes if title.startswith(f"{c} "))
                assert title.startswith(f"{code} {names[code]} ("), title
                assert title.endswith(f": {codes[code]}"), title  # the value, as in the table
                assert len(a.find_all("path")) == 1  # the area's polygon itself is the link
                target, fragment = link_target(page, a["href"])
                # the area's profile in the Sozialbericht (Report.area_href decides the page)
                assert target.parent.name == "sozialbericht" and target.is_file(), a["href"]
                assert not fragment or fragment in page_ids(target), f"{page.name}: {a['href']} führt ins Leere"
                titled.add(code)
            assert titled == set(codes), page.name
    # field index and need maps, overview, Kommunalprofile; supply maps and clusters
    assert maps_seen["sozialbericht"] >= 5 * 2 + 1 + 10
    assert maps_seen["handlungskonzept"] >= 5 + 1


def test_municipal_maps_name_their_areas(demo_build: Path):
    page = demo_build / "sozialbericht" / "40_profil_05334032.html"  # Stolberg: 17 areas
    [(svg, codes)] = list(_maps(page))
    assert len(codes) == 17
    labels = {t.get_text() for t in svg.find_all("text")}
    assert set(codes) <= labels  # every code written on the map
    # every area leads to a different place (its own profile)
    assert len({a["href"] for a in svg.find_all("a")}) == 17


def test_svg_ids_are_unique_on_every_page(demo_build: Path):
    for page in pages(demo_build):
        html = page.read_text(encoding="utf-8")
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), page.name
        for ref in set(re.findall(r"url\(#([^)]+)\)", html)):
            assert ref in ids, f"{page.name}: url(#{ref})"


def test_every_regional_map_names_every_kommune(demo_build: Path):
    """Every map of areas from more than one Kommune writes the name of each of them (the
    label collision rule moves a name rather than leaving it out; R4-19: Herzogenrath was
    missing on the status × dynamics map). The Kommunen come from the data, not a list."""
    areas = pd.read_csv(DEMO / "sozialraeume.csv", dtype=str)
    kommunen = pd.read_csv(DEMO / "kommunen.csv", dtype=str).set_index("ags")["name"]
    kommune_of = areas.set_index("sozialraum")["ags"].map(kommunen)
    regional = 0
    for page in pages(demo_build):
        for svg, codes in _maps(page):
            shown = set(kommune_of[list(codes)])
            if len(shown) < 2:
                continue  # a municipal map names its areas instead
            regional += 1
            labels = {t.get_text(strip=True) for g in svg.find_all("g", attrs={"aria-hidden": "true"})
                      for t in g.find_all("text")}
            missing = sorted(shown - labels)
            assert not missing, f"{page.name}: {missing}"
    assert regional >= 5 * 2 + 2  # field maps, overview, change; supply maps
