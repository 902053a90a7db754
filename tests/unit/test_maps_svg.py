"""Maps as accessible inline SVG (issue 13, item 2): palettes that colour-blind readers can
tell apart, one class scheme per measure, every area a link with its title, unique ids."""

import re
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from shapely.geometry import Point, box  # noqa: E402

from analysis.rendering import (
    figures,  # noqa: E402
    maps,  # noqa: E402
)
from analysis.rendering import palettes as P  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


# ---------------------------------------------------------------------------
# palettes
# ---------------------------------------------------------------------------
def _contrast(a: str, b: str) -> float:
    def lum(c):
        lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in to_rgb(c)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_the_simulation_tells_red_from_green_only_with_normal_vision():
    """The check itself must be able to fail: red and green merge for a deuteranope and a
    protanope, not for normal vision; greys stay greys (no hue to lose)."""
    red_green = ["#C00000", "#5E8000"]
    assert P.min_distance(red_green, "normal") > 60
    assert P.min_distance(red_green, "tritan") > 60
    assert P.min_distance(red_green, "deutan") < 10
    assert P.min_distance(red_green, "protan") < 30
    for vision in P.VISIONS:
        assert P.simulate("#808080", vision) == "#808080"


@pytest.mark.parametrize("vision", P.VISIONS)
def test_every_map_palette_stays_distinguishable_for_colour_blind_readers(vision):
    # unordered categories: every pair, ΔE*ab ≥ 15 (clearly different at a glance)
    categorical = {
        "need": P.NEED,
        "need with borderline classes": P.NEED_BORDERLINE,
        "coverage": P.COVERAGE,
        "coverage with a borderline class": P.COVERAGE_BORDERLINE,
        "fields": (P.NEUTRAL, *P.CATEGORICAL[:5], P.SEVERAL),
        "status × dynamics": P.ATTENTION,
    }
    for name, colours in categorical.items():
        assert P.min_distance(colours, vision) >= 15, (name, vision)
    # ordered classes: neighbouring classes ΔE*ab ≥ 10 (the order carries the meaning)
    assert P.min_distance(P.DIVERGING, vision, adjacent_only=True) >= 15, vision
    for k in range(2, 8):  # counts of fields with need: up to 6 fields + 0
        assert P.min_distance(P.sequential(k), vision, adjacent_only=True) >= 10, (k, vision)


def test_the_top_status_dynamics_classes_differ_in_lightness_for_print():
    """„besonderer Aufmerksamkeitsbedarf“ and the class below it stay apart on a grey or
    faded print: their CIELAB lightness differs by at least 25 (R4-19: two oranges)."""
    top, below = P.ATTENTION[-1], P.ATTENTION[-2]
    for vision in P.VISIONS:
        assert abs(P.lab(P.simulate(top, vision))[0]
                   - P.lab(P.simulate(below, vision))[0]) >= 25, vision


def test_diverging_palette_is_centred_on_a_neutral_class():
    lo, lo2, mid, hi2, hi = (np.array(to_rgb(c)) for c in P.DIVERGING)
    assert np.ptp(mid) < 0.02  # grey: no hue for "about average"
    assert lo[2] > lo[0] and lo2[2] > lo2[0]  # below the mean: blue
    assert hi[0] > hi[2] and hi2[0] > hi2[2]  # above the mean: red
    # symmetric lightness: the same distance from 0 looks equally strong on both sides
    assert abs(P.lab(P.DIVERGING[0])[0] - P.lab(P.DIVERGING[4])[0]) < 10
    assert abs(P.lab(P.DIVERGING[1])[0] - P.lab(P.DIVERGING[3])[0]) < 10


def test_heat_map_text_is_readable_on_every_class():
    # white on the two strong classes, near-black on the others (WCAG 1.4.3: 4.5:1)
    for i, c in enumerate(P.DIVERGING):
        text = "#FFFFFF" if i in (0, len(P.DIVERGING) - 1) else figures.TEXT
        assert _contrast(text, c) >= 4.5, c


# ---------------------------------------------------------------------------
# inline SVG maps
# ---------------------------------------------------------------------------
@pytest.fixture
def region():
    """Two Kommunen of three 1-km squares each."""
    geometry, municipality, names = {}, {}, {}
    for k, (kommune, y) in enumerate((("Aachen", 0), ("Stolberg", 1000))):
        for i in range(3):
            code = f"{kommune[:2].upper()} {i + 1}"
            geometry[code] = box(290000 + 1000 * i, 5630000 + y, 291000 + 1000 * i,
                                 5631000 + y)
            municipality[code] = kommune
            names[code] = f"Gebiet <{k}{i}> & Co"
    return geometry, pd.Series(municipality), names


def _tree(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def _links(svg: bytes) -> dict[str, tuple[str, str]]:
    """title → (href, fill of the area) of every area link."""
    out = {}
    for a in _tree(svg).iter(f"{SVG}a"):
        title = a.find(f"{SVG}title").text
        path = a.find(f"{SVG}path")
        fill = re.search(r"fill: ([^;]+)", path.get("style")).group(1)
        out[title] = (a.get("href"), fill)
    return out


def test_every_area_is_a_link_with_code_name_and_value(region):
    geometry, muni, names = region
    values = pd.Series({"AA 1": 1.234, "AA 2": -0.4, "AA 3": "•", "ST 1": np.nan,
                        "ST 2": 0.0, "ST 3": 2.5})
    links = {c: f"40_profil.html#sr-{c.replace(' ', '-').lower()}" for c in geometry}
    out = maps.choropleth(values, geometry, muni, title="Feldindex Armut 2021",
                          scheme=maps.diverging_scheme("Feldindex (z-Wert)"), links=links,
                          area_names=names, mark="Synthetische Demodaten")
    assert out.inline
    found = _links(out.svg)
    assert len(found) == 6
    assert found["AA 1 Gebiet <00> & Co (Aachen) – Feldindex (z-Wert): +1,23"][0] == "40_profil.html#sr-aa-1"
    assert "AA 2 Gebiet <01> & Co (Aachen) – Feldindex (z-Wert): −0,40" in found
    assert "AA 3 Gebiet <02> & Co (Aachen) – Feldindex (z-Wert): •" in found  # withheld
    assert "ST 1 Gebiet <10> & Co (Stolberg) – Feldindex (z-Wert): keine Angabe" in found
    assert "ST 2 Gebiet <11> & Co (Stolberg) – Feldindex (z-Wert): ±0,00" in found
    root = _tree(out.svg)
    assert root.get("role") == "group" and root.get("aria-label") == out.alt
    assert "Synthetische Demodaten" in out.svg.decode()  # the demo mark stays in the image
    # the page gets the SVG itself, not an <img>
    assert '<figure class="chart inline">\n<svg ' in out.html and "<img" not in out.html
    assert "<?xml" not in out.svg.decode() and "<metadata" not in out.svg.decode()


def test_svg_ids_are_unique_between_maps_and_stable(region):
    geometry, muni, names = region
    links = {c: f"#{c}" for c in geometry}

    def one(v, title):
        return maps.choropleth(pd.Series(v, index=list(geometry)), geometry, muni,
                               title=title, links=links, area_names=names,
                               scheme=maps.diverging_scheme("z"))

    a = one([0.1, 0.2, 0.3, 1.5, -2, "•"], "A")
    b = one([1.1, 0.2, 0.3, 1.5, -2, 0.0], "B")
    again = one([0.1, 0.2, 0.3, 1.5, -2, "•"], "A")
    assert a.svg == again.svg  # byte-identical rebuild
    ids_a = re.findall(r' id="([^"]+)"', a.svg.decode())
    ids_b = re.findall(r' id="([^"]+)"', b.svg.decode())
    assert ids_a and len(set(ids_a)) == len(ids_a)
    assert not set(ids_a) & set(ids_b)  # two maps on one page
    # every id is referred to (clip paths, hatch patterns; the root by the picture's own
    # scoped style); every reference resolves
    text = a.svg.decode()
    refs = set(re.findall(r"url\(#([^)]+)\)", text)) | set(re.findall(r"#([\w-]+) \*", text))
    assert refs == set(ids_a)


def test_a_map_with_links_needs_one_for_every_area(region):
    geometry, muni, names = region
    links = {c: "#x" for c in list(geometry)[:-1]}
    with pytest.raises(ValueError, match="Kein Link für: ST 3"):
        maps.choropleth(pd.Series(1.0, index=list(geometry)), geometry, muni, title="T",
                        links=links)


def test_one_scheme_gives_the_same_colours_on_regional_and_municipal_maps(region):
    geometry, muni, names = region
    scheme = maps.count_scheme("Handlungsfelder mit Bedarf (Anzahl)", 5)
    counts = pd.Series({"AA 1": 0, "AA 2": 5, "AA 3": 2, "ST 1": 1, "ST 2": 3, "ST 3": 4})
    links = {c: "#x" for c in geometry}
    whole = _links(maps.choropleth(counts, geometry, muni, title="Region", scheme=scheme,
                                   links=links).svg)
    part = ["ST 1", "ST 2"]  # a Kommune whose areas have only counts 1 and 3
    mine = _links(maps.choropleth(counts[part], {c: geometry[c] for c in part}, muni[part],
                                  title="Stolberg", scheme=scheme, label_municipalities=False,
                                  label_areas=True, links=links).svg)
    assert mine and all(whole[t][1] == fill for t, (_h, fill) in mine.items())
    assert scheme.colours[1] in {f.upper() for _h, f in mine.values()} | set(scheme.colours)


def test_municipal_maps_label_every_area_with_its_code(region):
    geometry, muni, names = region
    v = pd.Series(0.0, index=list(geometry))
    out = maps.choropleth(v, geometry, muni, title="T", label_municipalities=False,
                          label_areas=True, links={c: "#x" for c in geometry})
    texts = [t.text for t in _tree(out.svg).iter(f"{SVG}text")]
    assert set(geometry) <= set(texts)
    # labels are decoration for screen readers (the link titles carry the codes)
    hidden = [g for g in _tree(out.svg).iter(f"{SVG}g") if g.get("aria-hidden") == "true"]
    assert {t.text for g in hidden for t in g.iter(f"{SVG}text")} >= set(geometry)


def test_every_kommune_is_named_even_where_its_first_place_is_taken():
    """Two neighbouring Kommunen with long names whose centred labels would overlap: the
    second name moves to another place inside its Kommune instead of being left out
    (R4-19: Herzogenrath was missing on one map), and the names do not overlap."""
    geometry = {"A 1": box(0, 0, 1500, 6000), "B 1": box(1500, 0, 3000, 6000)}
    names = {"A 1": "Aachener Land an der Wurm und am Rand", "B 1": "Burgdorf an der Inde bei Stolberg"}
    muni = pd.Series(names)
    out = maps.choropleth(pd.Series(1.0, index=list(geometry)), geometry, muni, title="T",
                          links={c: "#x" for c in geometry}, simplify_tolerance=0)
    fig = out.figure
    fig.draw_without_rendering()
    ax = fig.axes[0]
    shown = [t for t in ax.texts if t.get_visible()]
    assert sorted(t.get_text() for t in shown) == sorted(names.values())
    boxes = [t.get_window_extent() for t in shown]
    assert not boxes[0].overlaps(boxes[1])
    for t in shown:  # each name stays inside its own Kommune
        code = next(c for c, n in names.items() if n == t.get_text())
        x, y = t.get_position()
        assert geometry[code].contains(Point(x, y)), t.get_text()
    texts = {t.text for t in _tree(out.svg).iter(f"{SVG}text")}
    assert set(names.values()) <= texts


def test_labels_that_would_overlap_are_left_out():
    """Ten thin strips side by side: their codes cannot all be written; those that are
    drawn do not overlap each other, and every area still has its link title."""
    geometry = {f"SR {i}": box(i * 60, 0, (i + 1) * 60, 3000) for i in range(10)}
    muni = pd.Series("Ort", index=list(geometry))
    out = maps.choropleth(pd.Series(1.0, index=list(geometry)), geometry, muni, title="T",
                          label_municipalities=False, label_areas=True,
                          links={c: "#x" for c in geometry}, simplify_tolerance=0)
    fig = out.figure
    fig.draw_without_rendering()
    shown = [t for t in fig.axes[0].texts if t.get_visible()]
    assert 0 < len(shown) < 10
    boxes = [t.get_window_extent() for t in shown]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert len(_links(out.svg)) == 10




# ---------------------------------------------------------------------------
# the report's schemes and links
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def report():
    from pathlib import Path

    from analysis.views.report import open_report

    repo = Path(__file__).resolve().parents[2]
    return open_report(repo / "data" / "demo", repo / "config" / "report.yaml")


def test_area_links_lead_to_the_steckbrief_from_any_page(report):
    code = "S 2"
    page = report.area_pages[code]
    assert report.area_href(code) == f"{page}.html"
    assert report.area_href(code, "sozialbericht/20_armut") == f"{page}.html"
    assert report.area_href(code, "handlungskonzept/52_konzept_armut") == \
        f"../sozialbericht/{page}.html"
    assert report.area_links("handlungskonzept/54_interkommunal")[code] == \
        f"../sozialbericht/{page}.html"


def test_one_scheme_per_measure_from_the_configuration(report):
    idx = report.index_scheme
    rules = report.cfg.bedarf
    assert idx.classes[1:-1] == (-rules.regional_index, -rules.absolut_index,
                                 rules.absolut_index, rules.regional_index)
    assert idx.colours == P.DIVERGING and idx.signed
    cum = report.cumulation_scheme
    # 0 … the counted fields: no impossible class „5 (0)“ with four counted fields (R2-20)
    assert cum.classes == tuple(range(len(report.cfg.counted_fields) + 1))
    assert len(report.cfg.counted_fields) < len(report.cfg.fields)
    # the regional and a municipal map of the cumulation use these very colours
    regional = _links(report.overview().cumulation_map().svg)
    municipal = _links(report.profile("05334032").map().svg)
    assert len(regional) == 93 and len(municipal) == 17
    fills = {t.split(" (")[0]: f for t, (_h, f) in regional.items()}
    assert all(fills[t.split(" (")[0]] == f for t, (_h, f) in municipal.items())
    assert {f.upper() for _h, f in regional.values()} <= {c.upper() for c in cum.colours}
