"""Geometry anywhere in Germany (issue 11): maps delivered in another UTM zone, in
lon/lat or in EPSG:3035 are accepted and drawn north up in the UTM zone of the data."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import shapely  # noqa: E402
from pyproj import Transformer  # noqa: E402

from analysis.contract import geo  # noqa: E402
from analysis.contract.dataset import load_dataset  # noqa: E402
from analysis.rendering import maps  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
# The demo map (EPSG:25832, around 6° E) moved to the same place relative to the central
# meridian of zone 33 and then east and north, to Bautzen / Görlitz (14.6–14.9° E, about
# 51.0–51.3° N): declared as EPSG:25833, as the eastern Länder deliver it.
SHIFT = (188_000.0, 39_000.0)
EAST = "urn:ogc:def:crs:EPSG::25833"


def _map_coords(coords, fn):
    if coords and isinstance(coords[0], int | float):
        return list(fn(*coords))
    return [_map_coords(c, fn) for c in coords]


def _rewrite(data: Path, fn, crs: str | None) -> None:
    path = data / "geometrie.geojson"
    gj = json.loads(path.read_text(encoding="utf-8"))
    for f in gj["features"]:
        f["geometry"]["coordinates"] = _map_coords(f["geometry"]["coordinates"], fn)
    if crs is None:
        del gj["crs"]
    else:
        gj["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(gj), encoding="utf-8")


def _to_east(x: float, y: float) -> tuple[float, float]:
    return x + SHIFT[0], y + SHIFT[1]


def east_variant(data: Path, crs: str = EAST) -> None:
    """Rewrite the demo map of ``data`` as the eastern variant in ``crs``."""
    if crs == EAST:
        _rewrite(data, _to_east, EAST)
        return
    to = Transformer.from_crs("EPSG:25833", crs, always_xy=True).transform
    _rewrite(data, lambda x, y: to(*_to_east(x, y)), None if crs == geo.LONLAT else crs)


@pytest.fixture(scope="module")
def demo():
    return load_dataset(REPO / "data" / "demo")


def _shifted(geom):
    return shapely.transform(geom, lambda xy: xy + SHIFT)


def test_local_crs_is_the_utm_zone_of_the_centre():
    assert geo.local_crs(5.98, 6.5) == "EPSG:25832"  # StädteRegion Aachen
    assert geo.local_crs(12.2, 12.55) == "EPSG:25833"  # Leipzig
    assert geo.local_crs(14.6, 15.0) == "EPSG:25833"  # Görlitz
    assert geo.local_crs(11.5, 12.3) == "EPSG:25832"  # centre west of 12° E
    assert geo.local_crs(5.87, 5.99) == "EPSG:25831"  # Selfkant (west of 6° E)


def test_demo_stays_in_zone_32_unchanged(demo):
    assert demo.crs == "EPSG:25832"
    raw = json.loads((REPO / "data" / "demo" / "geometrie.geojson").read_text("utf-8"))
    first = raw["features"][0]
    code = first["properties"]["sozialraum"]
    assert demo.geometry[code].equals_exact(shapely.geometry.shape(first["geometry"]), 0)


def test_zone_33_map_is_accepted_and_not_rotated(demo_copy, demo):
    """Eastern Germany in EPSG:25833 (refused as „nicht in Deutschland“ before, or
    drawn rotated in zone 32): kept in zone 33, every area exactly as delivered."""
    east_variant(demo_copy)
    ds = load_dataset(demo_copy)
    assert ds.crs == "EPSG:25833"
    for code, geom in demo.geometry.items():
        assert ds.geometry[code].equals_exact(_shifted(geom), 1e-6), code


def test_zone_33_map_is_drawn_like_the_demo(demo_copy, demo):
    """North up: the eastern map is the demo map moved, so it draws the same picture."""
    east_variant(demo_copy)
    ds = load_dataset(demo_copy)
    muni = demo.areas.set_index("sozialraum")["kommune"]
    values = pd.Series(range(len(muni)), index=muni.index, dtype=float)
    here = maps.choropleth(values, demo.geometry, muni, title="Karte", north_arrow=True)
    there = maps.choropleth(values, ds.geometry, muni, title="Karte", north_arrow=True)
    assert there.svg == here.svg


def _longest_edge_angle(geom) -> float:
    """Direction (degrees) of the longest edge of a polygon's outer ring."""
    xy = np.asarray(geom.exterior.coords)
    d = np.diff(xy, axis=0)
    i = int(np.argmax(np.hypot(d[:, 0], d[:, 1])))
    return float(np.degrees(np.arctan2(d[i, 1], d[i, 0])))


@pytest.mark.parametrize("crs", [geo.LONLAT, "urn:ogc:def:crs:EPSG::3035", "EPSG:31468"])
def test_eastern_map_in_other_crs_is_projected_north_up(demo_copy, demo, crs):
    """The eastern map delivered in lon/lat (no „crs“ member), LAEA Europe or
    Gauss-Krüger zone 4: transformed into zone 33, where its rectangular cells are
    axis-parallel again (in zone 32 they would be turned by about 4.5°)."""
    east_variant(demo_copy, crs)
    ds = load_dataset(demo_copy)
    assert ds.crs == "EPSG:25833"
    # not rotated: the longest border of AC 1 points in the same direction as in the demo
    # (in zone 32 it would be turned by about 4.5°)
    assert abs(_longest_edge_angle(ds.geometry["AC 1"])
               - _longest_edge_angle(demo.geometry["AC 1"])) < 0.05  # degrees
    for code, geom in demo.geometry.items():
        assert ds.geometry[code].hausdorff_distance(_shifted(geom)) < 0.5, code


@pytest.mark.parametrize("credit,expected", [
    (17, "kein Text"),
    ("x" * 501, "länger als 500 Zeichen"),
    ("Karte: " + "/".join(["", "home", "planer", "karte.shp"]), "Rechnerpfad"),  # a machine path, built from parts
])
def test_bad_map_credit_is_refused(demo_copy, credit, expected):
    """The GeoJSON member „quellenangabe“ is printed under every map: text only, short,
    nothing a page may not show."""
    from analysis.common.errors import DataContractError

    path = demo_copy / "geometrie.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["quellenangabe"] = credit
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataContractError) as err:
        load_dataset(demo_copy)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "quellenangabe" in text and expected in text


def test_map_credit_is_optional(demo_copy):
    path = demo_copy / "geometrie.geojson"
    doc = json.loads(path.read_text(encoding="utf-8"))
    del doc["quellenangabe"]
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert load_dataset(demo_copy).map_credit == ""
