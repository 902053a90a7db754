"""Choropleth maps (Karten) of the Sozialräume: classed, colour-blind-safe, each area a link.

:func:`choropleth` draws one value per area in classes, a hatched "keine Angabe" class
for missing values, thin area borders and thick municipal borders (areas dissolved per
Kommune), without axes and with equal aspect. Classes and colours come from a
:class:`ClassScheme` per measure (:func:`diverging_scheme` for z-scores and indices,
centred on 0; :func:`count_scheme` for counts; :func:`category_scheme` or explicit
colours for categories; palettes in :mod:`analysis.rendering.palettes`), so that a measure looks
the same on the regional and on every municipal map. It returns a
:class:`~analysis.rendering.figures.FigureOutput` with a short alt text and a table (area,
Kommune, value, class). With ``links`` the map is an inline SVG for the page in which
every area is an ``<a href>`` to its profile with a ``<title>`` „code name (Kommune):
value“ (:func:`analysis.rendering.figures.inline_svg`).

Geometries are expected in metres of a conformal local projection, north up: the
data set's internal CRS, ETRS89 / UTM in the zone of the data's centre
(:mod:`analysis.contract.geo`, ``Dataset.crs``). The map is drawn in these coordinates as they
are (no rotation); they are simplified slightly and rounded to whole metres to keep the
SVG small. Labels (Kommune names, area codes) that would reach over the edge of the map
are moved inside; a Kommune name that would overlap an earlier label moves to another
place inside its Kommune (every Kommune is named on every map), an area code that would
overlap is left out (:func:`_keep_inside`). Long legend labels wrap, so that the legend
does not narrow the map.
"""

from __future__ import annotations

import math
import pickle
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from matplotlib import rc_context
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import polylabel

from analysis.common import fmt
from analysis.common.ids import natural_key as _natural_key
from analysis.gate import published as G
from analysis.rendering import palettes as P
from analysis.rendering.figures import (
    DECOR_GID,
    LINK_GID,
    RC,
    TEXT,
    FigureOutput,
    inline_svg,
    new_figure,
    render_svg,
)

__all__ = [
    "NO_DATA_LABEL",
    "ClassScheme",
    "category_scheme",
    "choropleth",
    "class_labels",
    "count_scheme",
    "default_classes",
    "diverging_scheme",
    "palette",
]

NO_DATA_LABEL = "keine Angabe"
NO_DATA_FILL = "#FFFFFF"
NO_DATA_HATCH = "////"
AREA_EDGE = "#5A5A5A"
MUNICIPAL_EDGE = "#000000"


# ---------------------------------------------------------------------------
# classes and colours
# ---------------------------------------------------------------------------
def palette(k: int) -> list[str]:
    """``k`` sequential colours, light to dark (:func:`analysis.rendering.palettes.sequential`)."""
    return P.sequential(k)


@dataclass(frozen=True)
class ClassScheme:
    """The classes of one measure: bounds (or categories), labels, colours, legend title.

    Build one per measure and pass it to every map of that measure (regional and
    municipal), so that the same value has the same class and colour on every map.
    """

    classes: tuple  # continuous: k + 1 ascending bounds; categorical: the k categories
    labels: tuple[str, ...]
    colours: tuple[str, ...]
    legend_title: str  # with the unit, e.g. "Feldindex (z-Wert)"
    categorical: bool = False
    decimals: int = 1
    unit: str | None = None
    signed: bool = False  # values with sign (+0,52 / −0,31), e.g. z-scores

    def __post_init__(self) -> None:
        k = len(self.labels)
        if len(self.colours) != k:
            raise ValueError(f"{k} Klassen, aber {len(self.colours)} Farben.")
        if len(self.classes) != (k if self.categorical else k + 1):
            raise ValueError(f"{k} Klassen passen nicht zu {len(self.classes)} Grenzen.")


def diverging_scheme(legend_title: str, bounds: Sequence[float] = (-1.0, -0.5, 0.5, 1.0),
                     decimals: int = 2) -> ClassScheme:
    """Five classes for z-scores and indices, centred on 0 (the middle class is neutral):
    blue = below the regional mean, red = above."""
    inner = [float(b) for b in bounds]
    if len(inner) != 4 or inner != sorted(inner) or not inner[1] < 0 < inner[2]:
        raise ValueError(f"Vier aufsteigende Grenzen um 0 nötig: {inner}")
    full = [-math.inf, *inner, math.inf]
    return ClassScheme(tuple(full), tuple(class_labels(full)), P.DIVERGING,
                       legend_title, decimals=decimals, signed=True)


def count_scheme(legend_title: str, maximum: int) -> ClassScheme:
    """Categories 0 … ``maximum`` of a count (e.g. fields with need), light to dark."""
    cats = tuple(range(maximum + 1))
    return ClassScheme(cats, tuple(fmt.number(c) for c in cats), tuple(P.sequential(len(cats))),
                       legend_title, categorical=True, decimals=0)


def category_scheme(legend_title: str, categories: Sequence[object],
                    labels: Sequence[str] | None = None,
                    neutral: Sequence[object] = ()) -> ClassScheme:
    """Unordered categories in colour-blind-safe colours (Okabe–Ito); categories in
    ``neutral`` (e.g. "kein Handlungsbedarf") are grey."""
    cats = tuple(categories)
    coloured = [c for c in cats if c not in set(neutral)]
    if len(coloured) > len(P.CATEGORICAL):
        raise ValueError(f"Höchstens {len(P.CATEGORICAL)} farbige Kategorien.")
    hue = dict(zip(coloured, P.CATEGORICAL, strict=False))
    colours = tuple(P.NEUTRAL if c in set(neutral) else hue[c] for c in cats)
    return ClassScheme(cats, tuple(labels if labels is not None else map(_cat_label, cats)),
                       colours, legend_title, categorical=True)


def _nice_step(span: float) -> float:
    raw = span / 20 if span > 0 else 1.0
    exp = math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if m * 10**exp >= raw:
            return m * 10**exp
    return 10 ** (exp + 1)  # pragma: no cover


def default_classes(values: pd.Series, k: int = 5) -> list[float]:
    """``k`` quantile classes with bounds rounded to a "nice" step.

    Returns ``k + 1`` ascending bounds (fewer if values are tied); the first bound is at
    or below the minimum, the last at or above the maximum.
    """
    v = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if v.empty:
        return [0.0, 1.0]
    lo, hi = float(v.min()), float(v.max())
    step = _nice_step(hi - lo)
    inner = [round(float(q) / step) * step for q in v.quantile(np.linspace(0, 1, k + 1)[1:-1])]
    first = math.floor(lo / step) * step
    last = math.ceil(hi / step) * step
    if last <= first:
        last = first + step
    bounds = sorted({round(b, 10) for b in [first, *inner, last]})
    return [b for b in bounds if first <= b <= last]


def _bound_decimals(bounds: Sequence[float]) -> int:
    finite = [b for b in bounds if math.isfinite(b)]
    for d in range(4):
        if all(abs(round(b, d) - b) < 1e-9 for b in finite):
            return max(d, 1)
    return 3


def class_labels(bounds: Sequence[float], decimals: int | None = None) -> list[str]:
    """German labels for classes between ``bounds``: ``"1,0 bis unter 1,5"``.

    The first class is written ``"unter b"`` if its lower bound is ``-inf``, the last
    ``"a und mehr"`` if its upper bound is ``inf``; a finite last class includes its upper
    bound (``"a bis b"``).
    """
    if len(bounds) < 2:
        raise ValueError("Mindestens zwei Klassengrenzen nötig.")
    d = _bound_decimals(bounds) if decimals is None else decimals
    out = []
    last = len(bounds) - 2
    for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        if math.isinf(a) and a < 0:
            out.append(f"unter {fmt.number(b, d)}")
        elif math.isinf(b):
            out.append(f"{fmt.number(a, d)} und mehr")
        elif i == last:
            out.append(f"{fmt.number(a, d)} bis {fmt.number(b, d)}")
        else:
            out.append(f"{fmt.number(a, d)} bis unter {fmt.number(b, d)}")
    return out


def _assign_classes(values: pd.Series, bounds: Sequence[float]) -> pd.Series:
    """Class index per area (``-1`` for missing); half-open classes, last one closed."""
    b = [float(x) for x in bounds]
    if any(y <= x for x, y in zip(b[:-1], b[1:], strict=True)):
        raise ValueError(f"Klassengrenzen müssen aufsteigend sein: {b}")
    out = pd.Series(-1, index=values.index, dtype=int)
    for area, v in values.items():
        if pd.isna(v):
            continue
        if v < b[0] or v > b[-1]:
            raise ValueError(
                f"Wert {fmt.number(v, 3)} von {area} liegt außerhalb der Klassengrenzen "
                f"{fmt.number(b[0], 3)} bis {fmt.number(b[-1], 3)}."
            )
        idx = int(np.searchsorted(b, v, side="right")) - 1
        out[area] = min(idx, len(b) - 2)
    return out


# ---------------------------------------------------------------------------
# geometry → matplotlib
# ---------------------------------------------------------------------------
def _ring_path(coords: np.ndarray) -> tuple[np.ndarray, list[int]]:
    pts = np.round(np.asarray(coords)[:, :2], 0)
    codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(pts) - 2) + [MplPath.CLOSEPOLY]
    return pts, codes


def _polygon_path(geom: BaseGeometry) -> MplPath | None:
    verts: list[np.ndarray] = []
    codes: list[int] = []
    polys = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
    for poly in polys:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in [poly.exterior, *poly.interiors]:
            v, c = _ring_path(np.asarray(ring.coords))
            if len(v) >= 4:
                verts.append(v)
                codes.extend(c)
    if not verts:
        return None
    return MplPath(np.concatenate(verts), codes)


def _line_paths(geom: BaseGeometry) -> list[np.ndarray]:
    if geom.is_empty:
        return []
    if geom.geom_type in ("LineString", "LinearRing"):
        return [np.round(np.asarray(geom.coords)[:, :2], 0)]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _line_paths(g)]
    return _line_paths(geom.boundary)


def _simplify(geoms: Mapping[str, BaseGeometry], tolerance: float) -> dict[str, BaseGeometry]:
    """Simplify shared borders consistently (coverage simplification) where possible."""
    keys = list(geoms)
    arr = np.array([geoms[k] for k in keys], dtype=object)
    if tolerance <= 0:
        return dict(zip(keys, arr, strict=True))
    try:
        simple = shapely.coverage_simplify(arr, tolerance)
    except Exception:  # not a valid coverage (overlaps, gaps): simplify one by one
        simple = shapely.simplify(arr, tolerance, preserve_topology=True)
    return dict(zip(keys, simple, strict=True))


def _dissolve(parts: Sequence[BaseGeometry], min_area: float) -> BaseGeometry:
    """Union of area polygons (snapped to 1 m), without slivers and pinholes < min_area."""
    union = shapely.unary_union(list(parts), grid_size=1.0)
    polys = [g for g in shapely.get_parts(union) if g.geom_type == "Polygon"]
    cleaned = [
        Polygon(p.exterior, [r for r in p.interiors if Polygon(r).area >= min_area])
        for p in polys
        if p.area >= min_area
    ]
    return MultiPolygon(cleaned) if cleaned else union


# ---------------------------------------------------------------------------
# the map
# ---------------------------------------------------------------------------
def _numeric(values: pd.Series) -> pd.Series:
    v = values.map(lambda x: np.nan if G.is_withheld(x) else x)
    out = pd.to_numeric(v, errors="coerce")
    bad = v[out.isna() & ~v.map(fmt.is_missing).astype(bool)]
    if len(bad):
        raise ValueError(f"Keine Zahl für {bad.index[0]}: {bad.iloc[0]!r}")
    return out.astype(float)


def choropleth(
    values: pd.Series,
    geometry: Mapping[str, BaseGeometry],
    municipality_of: pd.Series,
    classes: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    title: str = "",
    legend_title: str = "",
    caption: str | None = None,
    mark: str | None = None,
    categorical: bool = False,
    *,
    decimals: int = 1,
    unit: str | None = None,
    area_noun: tuple[str, str] = ("Sozialraum", "Sozialräume"),
    label_municipalities: bool = True,
    label_areas: bool = False,
    north_arrow: bool = False,
    simplify_tolerance: float = 20.0,
    column_labels: Mapping[str, str] | None = None,
    scheme: ClassScheme | None = None,
    links: Mapping[str, str] | None = None,
    area_names: Mapping[str, str] | None = None,
) -> FigureOutput:
    """Classed choropleth map (Choroplethenkarte) of one value per area.

    Parameters
    ----------
    values : Series
        Index = area code, value = float (NaN or ``"•"`` = keine Angabe). For
        ``categorical=True`` the values are category codes (e.g. 0/1 or booleans for
        Handlungsbedarf nein/ja, 0..5 for the cumulation of fields with need).
    geometry : dict
        Area code → shapely (Multi)Polygon in a metric, north-up CRS (``Dataset.crs``,
        e.g. EPSG:25832 or EPSG:25833). Every area of ``values`` needs
        one; areas without a value are drawn as "keine Angabe".
    municipality_of : Series
        Area code → name of the Kommune.
    classes : list of float, optional
        Continuous: ascending class bounds (k + 1 values; ``-inf``/``inf`` allowed; the
        last class includes its upper bound); default 5 quantile classes with rounded
        bounds. Categorical: the category values in legend order (default: sorted
        values; for booleans ``[False, True]``).
    labels : list of str, optional
        Legend labels per class (default: ``"1,0 bis unter 1,5"`` for continuous,
        ``ja``/``nein`` for booleans, the formatted value otherwise).
    title, legend_title, caption : str
        Figure caption (title), legend heading (with the unit), note under the caption.
    decimals, unit : value format in the table, alt text and area titles.
    area_noun : (singular, plural) used in the alt text.
    scheme : ClassScheme, optional
        Classes, labels, colours, legend title, value format of the measure (instead of
        ``classes``, ``labels``, ``categorical``, ``decimals``, ``unit``): the same
        scheme on every map of a measure gives the same colours.
    links : dict, optional
        Area code → href of the area's profile. With links the map is an inline SVG in
        which every area is a link with a ``<title>`` „code name (Kommune) – legend
        title: value“;
        every area of the map needs one.
    area_names : dict, optional
        Area code → name, for the titles of the areas.
    label_municipalities, label_areas : write Kommune names / area codes on the map
        (labels that would overlap an earlier one are left out; the titles and the
        table carry every code).

    Returns
    -------
    FigureOutput
        Alt text: a short sentence (number of areas, the highest occupied class and where
        it lies, pointer to the table). Table columns: area, Kommune, value, class;
        sorted by Kommune and area code.
    """
    if not title:
        raise ValueError("Eine Karte braucht einen Titel.")
    colours: list[str] | None = None
    signed = False
    if scheme is not None:
        signed = scheme.signed
        classes, labels, categorical = list(scheme.classes), list(scheme.labels), scheme.categorical
        colours = list(scheme.colours)
        legend_title = legend_title or scheme.legend_title
        decimals, unit = scheme.decimals, scheme.unit if unit is None else unit
    area_codes = [str(a) for a in values.index]
    if len(set(area_codes)) != len(area_codes):
        raise ValueError("Doppelte Gebietsschlüssel in values.")
    values = pd.Series(list(values), index=area_codes, dtype=object)
    missing_geom = sorted(set(area_codes) - set(map(str, geometry)), key=_natural_key)
    if missing_geom:
        raise ValueError(f"Keine Geometrie für: {fmt.join_de(missing_geom)}")
    muni = pd.Series(list(municipality_of), index=[str(a) for a in municipality_of.index])
    all_codes = sorted(set(area_codes) | set(map(str, geometry)), key=_natural_key)
    missing_muni = [a for a in all_codes if a not in muni.index or fmt.is_missing(muni[a])]
    if missing_muni:
        raise ValueError(f"Keine Kommune für: {fmt.join_de(missing_muni)}")
    # area → Kommune as a dict: looked up once or more per area below (a Series lookup
    # costs more than the drawing of a small area)
    muni_of = {a: muni[a] for a in all_codes}
    if links is not None:
        unlinked = [a for a in all_codes if not links.get(a)]
        if unlinked:
            raise ValueError(f"Kein Link für: {fmt.join_de(unlinked)}")
    values = values.reindex(all_codes)  # areas only in geometry: keine Angabe
    geoms = {a: geometry[a] for a in all_codes}

    # ---- classes
    if categorical:
        raw = values.map(lambda x: np.nan if G.is_withheld(x) else x)
        present = [v for v in raw if not fmt.is_missing(v)]
        if classes is None:
            if present and all(isinstance(v, bool | np.bool_) for v in present):
                cats: list[object] = [False, True]
            else:
                cats = sorted(set(present), key=lambda v: (str(type(v)), v))
        else:
            cats = list(classes)
        if labels is None:
            labels = [
                ("ja" if c else "nein") if isinstance(c, bool | np.bool_) else _cat_label(c)
                for c in cats
            ]
        index_of = {_cat_key(c): i for i, c in enumerate(cats)}
        unknown = [v for v in present if _cat_key(v) not in index_of]
        if unknown:
            raise ValueError(f"Wert {unknown[0]!r} ist keine der Kategorien {cats!r}.")
        cls = raw.map(lambda v: -1 if fmt.is_missing(v) else index_of[_cat_key(v)]).astype(int)
        numeric = None
        display = raw
        if colours is None:
            if all(isinstance(c, bool | np.bool_) for c in cats) and len(cats) == 2:
                colours = list(P.NEED)
            elif all(isinstance(c, int | float | np.integer | np.floating) for c in cats):
                colours = P.sequential(len(cats))
            else:
                colours = list(category_scheme("", cats).colours)
    else:
        numeric = _numeric(values)
        bounds = list(classes) if classes is not None else default_classes(numeric)
        if labels is None:
            labels = class_labels(bounds)
        cls = _assign_classes(numeric, bounds)
        display = numeric
    labels = list(labels)
    k = len(labels)
    if len(cls) and int(cls.max()) >= k:
        raise ValueError(f"{k} Beschriftungen für mehr Klassen.")
    colours = colours or P.sequential(k)
    if len(colours) != k:
        raise ValueError(f"{k} Klassen, aber {len(colours)} Farben.")
    counts = [int((cls == i).sum()) for i in range(k)]
    n_missing = int((cls == -1).sum())

    # ---- geometry
    simple = _simplify(geoms, simplify_tolerance)
    munis = sorted(set(muni[all_codes]), key=_natural_key)
    min_area = max(simplify_tolerance, 1.0) ** 2 * 4
    muni_shapes = {
        m: _dissolve([simple[a] for a in all_codes if muni_of[a] == m], min_area) for m in munis
    }
    minx, miny, maxx, maxy = shapely.total_bounds(list(simple.values()))
    aspect = (maxy - miny) / (maxx - minx) if maxx > minx else 1.0
    map_w = 5.2
    map_h = min(max(map_w * aspect, 3.0), 8.0)

    fig = new_figure(map_w + 2.6, map_h)
    drawn: list[str] = []
    with rc_context(RC):
        ax = fig.add_subplot()
        patches = []
        for a in all_codes:
            path = _polygon_path(simple[a])
            if path is None:
                continue
            c = int(cls[a])
            patch = PathPatch(
                path,
                facecolor=NO_DATA_FILL if c < 0 else colours[c],
                edgecolor=AREA_EDGE,
                linewidth=0.35,
                hatch=NO_DATA_HATCH if c < 0 else None,
                joinstyle="round",
            )
            patch.set_gid(f"{LINK_GID}{len(drawn)}")
            drawn.append(a)
            patches.append(patch)
        for m in munis:
            for line in _line_paths(muni_shapes[m].boundary):
                ax.plot(
                    line[:, 0],
                    line[:, 1],
                    color=MUNICIPAL_EDGE,
                    linewidth=1.3,
                    solid_joinstyle="round",
                    solid_capstyle="round",
                    gid=f"{DECOR_GID}line",
                )
        labels_drawn = []
        # where a Kommune's name may go instead when its first place is taken (every
        # Kommune is named on every map; area codes are left out when they collide)
        places: list[list[tuple[float, float]]] = []
        # a white box instead of a stroke path effect keeps the label real SVG text
        if label_municipalities:
            for m in munis:
                pt = muni_shapes[m].representative_point()
                labels_drawn.append(_label(ax, pt, m, 8.5))
                places.append(_label_places(muni_shapes[m], pt))
        if label_areas:
            by_size = sorted(all_codes, key=lambda a: (-simple[a].area, _natural_key(a)))
            for a in by_size:
                if not simple[a].is_empty:
                    labels_drawn.append(_label(ax, _label_point(simple[a]), a, 8.0))
        ax.set_xlim(minx, maxx)
        ax.set_ylim(miny, maxy)
        ax.set_aspect("equal")
        ax.set_axis_off()
        if north_arrow:
            tip = (0.96, 0.94)
            ax.annotate(
                "",
                xy=tip,
                xytext=(0, -26),
                xycoords="axes fraction",
                textcoords="offset points",
                arrowprops={"arrowstyle": "-|>", "color": TEXT, "linewidth": 1.2},
            )
            ax.annotate(
                "N",
                xy=tip,
                xytext=(0, 7),
                xycoords="axes fraction",
                textcoords="offset points",
                ha="center",
                va="center",
                fontsize=9,
                fontweight="bold",
                color=TEXT,
            )
        handles = [
            Patch(
                facecolor=colours[i],
                edgecolor=AREA_EDGE,
                linewidth=0.5,
                label=_legend_label(f"{labels[i]} ({fmt.number(counts[i])})"),
            )
            for i in range(k)
        ][::-1]  # highest class on top
        if n_missing:
            handles.append(
                Patch(
                    facecolor=NO_DATA_FILL,
                    edgecolor=AREA_EDGE,
                    hatch=NO_DATA_HATCH,
                    linewidth=0.5,
                    label=f"{NO_DATA_LABEL} ({fmt.number(n_missing)})",
                )
            )
        handles.append(
            Patch(facecolor="none", edgecolor=MUNICIPAL_EDGE, linewidth=1.3, label="Grenze Kommune")
        )
        ax.legend(
            handles=handles,
            title=legend_title or None,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
            frameon=False,
            fontsize=9,
            title_fontsize=9.5,
            alignment="left",
            handlelength=1.6,
            handleheight=1.1,
        )
        _keep_inside(fig, ax, labels_drawn, places)
        # the areas join the map only now: _keep_inside measures the labels on a copy of
        # the figure, and copying hundreds of area shapes cost more than the rest of the
        # map; the layout does not depend on them (clipped to the axes, fixed limits), and
        # they are drawn below lines and labels (lower zorder) as before
        for patch in patches:
            patch.set_in_layout(False)  # inside the fixed limits: measuring them is waste
            ax.add_patch(patch)
    svg = render_svg(fig, mark)

    # ---- alt text: one or two short sentences; the table beside the map has the rest
    n = len(all_codes)
    sing, plur = area_noun
    # a value is never shown rounded onto (or across) a class bound: „+0,996“ in the class
    # „0,50 bis unter 1,00“, not „+1,00“ (fmt.apart)
    edges = [] if categorical else [float(b) for b in bounds if math.isfinite(b)]
    if signed:
        show = lambda x: f"{fmt.apart(x, edges, decimals, fmt.signed)} {unit or ''}".rstrip()  # noqa: E731
    elif not categorical:
        show = lambda x: fmt.apart(x, edges, decimals,  # noqa: E731
                                   lambda v, d: fmt.with_unit(v, unit, d))
    else:
        show = _cat_label
    parts = [f"Karte der {fmt.count_phrase(n, sing, plur)}: {title}."]
    occupied = [i for i in range(k) if counts[i]]
    if occupied:
        top = occupied[-1]
        in_top = [a for a in all_codes if int(cls[a]) == top]
        per_muni = pd.Series([muni_of[a] for a in in_top]).value_counts()
        ranked = sorted(per_muni.items(), key=lambda t: (-t[1], _natural_key(t[0])))
        if len(ranked) == 1:
            where = f" in {ranked[0][0]}"
        else:
            where = ", die meisten in " + fmt.join_de(f"{m} ({fmt.number(c)})"
                                                      for m, c in ranked[:3])
        what = f"{legend_title} „{labels[top]}“" if legend_title else f"„{labels[top]}“"
        parts.append(f"{what}: {fmt.count_phrase(counts[top], sing, plur)}{where}.")
    parts.append("Alle Werte stehen in der Tabelle zur Abbildung.")
    alt = " ".join(parts)

    # ---- the areas as links: code, name, Kommune and value in the title
    def value_text(a: str) -> str:
        if G.is_withheld(values[a]):
            return G.display(values[a])
        if int(cls[a]) < 0:
            return NO_DATA_LABEL
        if categorical:
            return labels[int(cls[a])]
        return show(display[a])

    names = area_names or {}
    measure = f" – {legend_title}" if legend_title else ""
    titles = {a: " ".join(x for x in (a, str(names.get(a, "") or "")) if x)
              + f" ({muni_of[a]}){measure}: {value_text(a)}" for a in all_codes}
    if links is not None:
        svg = inline_svg(svg, alt, {str(i): (links[a], titles[a]) for i, a in enumerate(drawn)})

    # ---- table
    col = column_labels or {}
    area_name = col.get("area", sing)
    muni_name = col.get("municipality", "Kommune")
    value_name = col.get("value", f"Wert ({unit})" if unit else "Wert")
    class_name = col.get("class", "Klasse")
    order = sorted(all_codes, key=lambda a: (_natural_key(muni_of[a]), _natural_key(a)))
    table = pd.DataFrame(
        {
            area_name: order,
            muni_name: [muni_of[a] for a in order],
            value_name: [
                G.display(display[a], G.is_withheld(values[a])) for a in order
            ],
            class_name: [NO_DATA_LABEL if cls[a] < 0 else labels[int(cls[a])] for a in order],
        }
    )
    formats = {}
    if not categorical:
        formats[value_name] = ((lambda x: fmt.apart(x, edges, decimals, fmt.signed)) if signed
                               else (lambda x: fmt.apart(x, edges, decimals)))
    else:
        table[value_name] = [
            G.display(fmt.MISSING if cls[a] < 0 else labels[int(cls[a])],
                      G.is_withheld(values[a]))
            for a in order
        ]
        table = table.drop(columns=[class_name])
        table = table.rename(columns={value_name: legend_title or class_name})
    return FigureOutput(
        svg=svg,
        alt=alt,
        title=title,
        table=table,
        caption=caption,
        number_formats=formats,
        row_header=area_name,
        figure=fig,
        inline=links is not None,
        row_links=[links[a] for a in order] if links is not None else None,
    )


def _label(ax, pt, text: str, size: float):
    """A label on the map: real SVG text on a white box, hidden from screen readers
    (the area's link title says the same) and transparent to clicks."""
    t = ax.text(round(pt.x), round(pt.y), text, ha="center", va="center", fontsize=size,
                color=TEXT, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                                  "edgecolor": "none", "alpha": 0.8})
    t.set_gid(f"{DECOR_GID}label")
    return t


def _label_point(geom: BaseGeometry):
    """The point of the largest part of ``geom`` farthest from its edges (a label there
    stays inside even a bent or narrow area)."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not parts:
        return geom.representative_point()
    big = max(parts, key=lambda g: g.area)
    return polylabel(big, tolerance=max(math.sqrt(big.area) / 50, 1.0))


#: legend labels longer than this wrap onto a second line: a wide legend narrows the map
#: (the figure's width is fixed), and names that fit on a wider map then collide
LEGEND_WRAP = 34


def _legend_label(text: str) -> str:
    """A legend label, wrapped at word boundaries when it is long."""
    return textwrap.fill(text, LEGEND_WRAP, break_long_words=False, break_on_hyphens=False)


def _label_places(shape: BaseGeometry, first, k: int = 60) -> list[tuple[float, float]]:
    """Other places for a Kommune's name inside its shape, nearest to ``first`` first: a
    grid of points inside the shape (whole metres, so the SVG stays the same for the
    same input)."""
    minx, miny, maxx, maxy = shape.bounds
    step = max(math.sqrt(max(shape.area, 1.0)) / 12, 1.0)
    xs = np.arange(minx + step / 2, maxx, step)
    ys = np.arange(miny + step / 2, maxy, step)
    if not len(xs) or not len(ys):
        return []
    gx, gy = (a.ravel() for a in np.meshgrid(np.round(xs), np.round(ys)))
    inside = shapely.contains_xy(shape, gx, gy)
    gx, gy = gx[inside], gy[inside]
    order = np.lexsort((gx, gy, np.hypot(gx - first.x, gy - first.y)))[:k]
    return [(float(gx[i]), float(gy[i])) for i in order]


def _keep_inside(fig, ax, texts: list, places: Sequence[Sequence[tuple[float, float]]] = (),
                 rounds: int = 3) -> None:
    """Move labels that stick out of the map area back inside it; move a Kommune's name
    that would overlap an earlier label to another place inside the Kommune
    (``places[i]`` for ``texts[i]``, nearest first); leave out other labels that would
    overlap an earlier one.

    A municipality at the edge of the map has its label point near the edge, and a
    centred name then reaches over the edge – into the legend or off the figure. Each
    such label is shifted inward by what it overhangs (plus its white box); labels that
    fit are not touched. Then labels are taken in order (``texts`` is in priority
    order) and one whose box overlaps a label already kept is hidden. The layout is final
    only after a draw (constrained layout, equal aspect), so the labels are measured on a
    copy of the figure, drawn after everything else is placed: a map whose labels fit is
    rendered exactly as without this step (a draw leaves float traces in the layout, e.g.
    in the SVG clip ids).
    """
    if not texts:
        return
    copy = pickle.loads(pickle.dumps(fig))
    cax = copy.axes[fig.axes.index(ax)]
    ctexts = [cax.texts[ax.texts.index(t)] for t in texts]
    moved = False
    for _ in range(rounds):  # moving a label can change the layout: measure again
        copy.draw_without_rendering()
        frame = cax.get_window_extent()
        again = False
        for t in ctexts:
            box = t.get_window_extent()
            pad = t.get_fontsize() * 0.3 * copy.dpi / 72  # white box (0.15 em), margin
            dx = max(0.0, frame.x0 + pad - box.x0) - max(0.0, box.x1 + pad - frame.x1)
            dy = max(0.0, frame.y0 + pad - box.y0) - max(0.0, box.y1 + pad - frame.y1)
            if abs(dx) < 0.5 and abs(dy) < 0.5:
                continue
            px, py = cax.transData.transform(t.get_position())
            x, y = cax.transData.inverted().transform((px + dx, py + dy))
            t.set_position((round(x), round(y)))
            again = moved = True
        if not again:
            break
    if moved:
        for t, c in zip(texts, ctexts, strict=True):
            t.set_position(c.get_position())
        copy.draw_without_rendering()
    kept: list = []
    for n, (t, c) in enumerate(zip(texts, ctexts, strict=True)):
        pad = c.get_fontsize() * 0.2 * copy.dpi / 72
        box = c.get_window_extent().expanded(1.0, 1.0).padded(pad)
        if not any(box.overlaps(k) for k in kept):
            kept.append(box)
            continue
        frame = cax.get_window_extent()
        for xy in (places[n] if n < len(places) else ()):
            c.set_position(xy)
            box = c.get_window_extent().expanded(1.0, 1.0).padded(pad)
            if (box.x0 >= frame.x0 and box.x1 <= frame.x1 and box.y0 >= frame.y0
                    and box.y1 <= frame.y1 and not any(box.overlaps(k) for k in kept)):
                t.set_position(xy)
                kept.append(box)
                break
        else:
            t.set_visible(False)


def _cat_key(v: object) -> object:
    if isinstance(v, bool | np.bool_):
        return ("b", bool(v))
    if isinstance(v, int | float | np.integer | np.floating):
        return ("n", float(v))
    return ("s", str(v))


def _cat_label(v: object) -> str:
    if isinstance(v, bool | np.bool_):
        return "ja" if v else "nein"
    if isinstance(v, int | float | np.integer | np.floating):
        return fmt.number(v, 0 if float(v).is_integer() else 1)
    return str(v)
