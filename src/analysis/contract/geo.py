"""Coordinate systems and the topology of the area map (overlaps, gaps).

The areas are delivered in any coordinate reference system (CRS) pyproj knows – usually
ETRS89 / UTM (EPSG:25832 in the western, EPSG:25833 in the eastern Länder), lon/lat
(EPSG:4326, RFC 7946 GeoJSON), EPSG:3035 (LAEA Europe) or Gauss-Krüger (EPSG:31466 …
31469). :func:`local_crs` chooses one internal CRS per data set, into which every area is
transformed once when the data are loaded; all metric work (areas, neighbourhood
tolerances, overlaps and gaps) and the maps use it.

Why the UTM zone of the data's centre: ETRS89 / UTM is the official CRS of German
surveying, so the maps look like the planners' GIS; within one zone a German region is
drawn north up up to the grid convergence (at most about 2.5° at a zone edge, none on the
central meridian) with a scale error below 0.04 % – no visible rotation, unlike drawing an
eastern region in the zone of a western one (Görlitz in zone 32: turned by about 4.7°).
A region in zone 32 keeps EPSG:25832, so its geometry is used exactly as delivered.
The zone follows from the longitude alone (standard 6° zones); nothing in the code names
a particular zone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping

import numpy as np
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

# Germany (5.87–15.04° E, 47.27–55.06° N) with a margin of 25–50 km, in lon/lat
# (WGS 84 / ETRS89, which differ by less than a metre here): areas must lie inside.
GERMANY_LONLAT = (5.5, 47.0, 15.5, 55.5)  # (west, south, east, north)
LONLAT = "OGC:CRS84"  # WGS 84 with longitude first, as GeoJSON writes it
ETRS89_UTM_NORTH = 25800  # EPSG code of ETRS89 / UTM zone n N = 25800 + n (n = 28 … 38)

# An overlap or a gap is reported when its area exceeds both limits: more than
# OVERLAP_MIN_M2 square metres and more than OVERLAP_MIN_SHARE of the smaller
# (for a gap: the smallest adjacent) area. Digitising noise along a shared border
# (a few decimetres) stays below them; a street block assigned twice does not.
OVERLAP_MIN_M2 = 100.0
OVERLAP_MIN_SHARE = 0.01
# at most this many overlaps or gaps are listed one by one (a whole file in the wrong
# shape should not flood the user)
MAX_LISTED = 10


def utm_zone(lon: float) -> int:
    """Standard 6° UTM zone of a longitude (zone 32: 6° E ≤ lon < 12° E)."""
    return int(math.floor((lon + 180.0) / 6.0)) % 60 + 1


def local_crs(west: float, east: float) -> str:
    """The internal CRS for data spanning longitudes ``west`` … ``east``: ETRS89 / UTM in
    the zone of the centre (see the module docstring for why)."""
    return f"EPSG:{ETRS89_UTM_NORTH + utm_zone((west + east) / 2.0)}"


def in_germany(bounds: tuple[float, float, float, float]) -> bool:
    """Whether lon/lat ``bounds`` (minx, miny, maxx, maxy) lie inside :data:`GERMANY_LONLAT`."""
    if not all(math.isfinite(b) for b in bounds):
        return False
    west, south, east, north = GERMANY_LONLAT
    minx, miny, maxx, maxy = bounds
    return west <= minx and maxx <= east and south <= miny and maxy <= north


def transform(geom: BaseGeometry, transformer) -> BaseGeometry:
    """``geom`` with every vertex transformed by a pyproj ``Transformer`` (always_xy)."""
    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(geom, apply)


def _relevant(area: float, reference: float) -> bool:
    return area > OVERLAP_MIN_M2 and area > OVERLAP_MIN_SHARE * reference


def overlaps(geoms: Mapping[str, BaseGeometry], order: Callable[[str], object]
             ) -> list[tuple[str, str, float, str]]:
    """Pairs of areas that overlap by more than the tolerance.

    Returns ``(a, b, area of the overlap in m², code of the smaller area)`` with ``a``
    before ``b`` in ``order``, sorted; geometries in a metric CRS.
    """
    codes = sorted(geoms, key=order)
    if len(codes) < 2:
        return []
    arr = np.array([geoms[c] for c in codes], dtype=object)
    left, right = STRtree(arr).query(arr, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return []
    shared = shapely.area(shapely.intersection(arr[left], arr[right]))
    sizes = shapely.area(arr)
    out = []
    for i, j, area in zip(left.tolist(), right.tolist(), shared.tolist(), strict=True):
        smaller = i if sizes[i] <= sizes[j] else j
        if _relevant(area, sizes[smaller]):
            out.append((codes[i], codes[j], float(area), codes[smaller]))
    return sorted(out, key=lambda t: (order(t[0]), order(t[1])))


def gaps(geoms: Mapping[str, BaseGeometry], municipality_of: Mapping[str, str],
         order: Callable[[str], object]) -> list[tuple[str, list[str], float, BaseGeometry]]:
    """Gaps between the areas of one Kommune: parts of a hole in the union of its areas
    that no other area covers, larger than the tolerance.

    Only fully enclosed holes are found (a notch at the outer border cannot be told from
    the border itself). A hole filled by areas of another Kommune (an enclave) is no gap.
    Returns ``(Kommune, adjacent area codes, area in m², gap polygon)``, sorted.
    """
    codes = sorted(geoms, key=order)
    if not codes:
        return []
    arr = np.array([geoms[c] for c in codes], dtype=object)
    tree = STRtree(arr)
    by_muni: dict[str, list[BaseGeometry]] = defaultdict(list)
    for c in codes:
        by_muni[municipality_of[c]].append(geoms[c])
    out = []
    for muni in sorted(by_muni, key=order):
        union = shapely.union_all(by_muni[muni])
        holes = [Polygon(ring) for part in shapely.get_parts(union)
                 if part.geom_type == "Polygon" for ring in part.interiors]
        for hole in holes:
            if hole.area <= OVERLAP_MIN_M2:
                continue
            inside = tree.query(hole, predicate="intersects")
            rest = hole.difference(shapely.union_all(arr[inside])) if len(inside) else hole
            for piece in shapely.get_parts(rest):
                if piece.area <= OVERLAP_MIN_M2:
                    continue
                near = tree.query(piece, predicate="dwithin", distance=1.0)
                adjacent = sorted((codes[i] for i in near.tolist()), key=order)
                if not adjacent:  # pragma: no cover - a hole is bounded by areas
                    continue
                smallest = min(geoms[a].area for a in adjacent)
                if _relevant(piece.area, smallest):
                    out.append((muni, adjacent, float(piece.area), piece))
    return sorted(out, key=lambda t: (order(t[0]), [order(a) for a in t[1]]))
