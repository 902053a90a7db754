"""Computations for the Handlungskonzept annex (METHOD.md §7).

Pure functions: DataFrames and plain values in, new DataFrames (or lists) out; no
printing, no I/O. Everything here is *derived* from the analysis and the planning
inputs the office maintains (``prioritaeten``, ``angebote``, ``wirkungsziele``,
``befunde``); every recommendation text is marked as a suggestion (``Vorschlag``) –
the concept is recommending, decisions stay with the Kommunen.

Conventions
-----------
* Multi-valued cells (area codes, Kommune names, AGS) are strings joined by ``"|"``,
  like the list cells of the input files (area codes contain spaces).
* Area codes are sorted naturally (:func:`analysis.ids.natural_key`), fields in the
  order given by the caller, Kommunen by AGS unless stated otherwise.
* A service (Angebot) is *active* in ``year`` when ``seit <= year`` and ``bis`` is
  empty or ``bis >= year``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from . import fmt
from . import schema as S
from .dataset import split_areas
from .ids import natural_sorted
from .notes import Note

__all__ = [
    "active_services",
    "adjacency",
    "chain_gaps",
    "coverage",
    "gaps",
    "impact_progress",
    "intermunicipal_clusters",
    "notes_for",
    "recommendations",
    "service_areas",
    "theme_groups",
]

SEP = "|"
SUGGESTION = "Vorschlag"

# status labels of impact_progress
REACHED = "erreicht"
ON_TRACK = "auf Kurs"
OFF_TRACK = "nicht auf Kurs"
UNCERTAIN = "unsicher"
NO_DATA = "keine Daten"

# supply status of gaps
COVERED = "im Sozialraum"
NEIGHBOUR_ONLY = "nur angrenzend"
NONE = "kein Angebot erfasst"
#: supply status when no services inventory (``angebote``) was supplied: never a gap
UNKNOWN = "keine Bestandsaufnahme"

GAP_COLUMNS = ["sozialraum", "handlungsfeld", "bedarf", "angebote_im_raum",
               "angebote_angrenzend", "angrenzend_mit_angebot", "versorgung", "luecke",
               "empfehlung"]
CLUSTER_COLUMNS = ["handlungsfeld", "cluster", "sozialraeume", "kommunen", "ags",
                   "anzahl_sozialraeume", "anzahl_kommunen"]
THEME_COLUMNS = ["thema", "titel", "handlungsfeld", "kommunen", "ags", "anzahl", "format"]
COVERAGE_COLUMNS = ["sozialraum", "handlungsfeld", "angebote", "zielgruppe_variable",
                    "zielgruppe", "angebote_je_1000"]
CHAIN_COLUMNS = ["ags", "kommune", "stufe_nr", "kettenstufe", "angebote", "luecke"]
PROGRESS_COLUMNS = ["ziel_id", "ziel", "handlungsfeld", "gebiet", "ebene", "indikator",
                    "basisjahr", "basiswert", "jahr", "wert", "ki_unten", "ki_oben",
                    "zielwert", "zieljahr", "richtung", "fortschritt", "erwartet", "status"]
RECOMMENDATION_COLUMNS = ["handlungsfeld", "nr", "art", "bezug", "text"]


# --------------------------------------------------------------------------- helpers
def _natural(codes: Iterable[str]) -> list[str]:
    return natural_sorted(codes)


def _join(items: Iterable[object]) -> str:
    return SEP.join(str(i) for i in items)


def _label(field: str, labels: Mapping[str, str] | None) -> str:
    return (labels or {}).get(field, field)


def _attr(obj: Any, key: str, default: Any = None) -> Any:
    """Read ``key`` from a pydantic/dataclass object or a mapping."""
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _flags(need: pd.DataFrame, field: str) -> pd.Series:
    col = f"{field}_bedarf_flag"
    if col not in need.columns:
        return pd.Series(False, index=need.index)
    return need[col].fillna(False).astype(bool)


def _areas_phrase(codes: Sequence[str]) -> str:
    codes = _natural(codes)
    if len(codes) == 1:
        return f"im Sozialraum {codes[0]}"
    return f"in den Sozialräumen {fmt.join_de(codes)}"


# --------------------------------------------------------------------------- adjacency
def adjacency(geometry: Mapping[str, Any], tolerance: float = 0.0,
              min_length: float | None = None) -> dict[str, set[str]]:
    """Neighbours of each area: areas sharing a border of positive length.

    Two areas are adjacent when the part of one area's boundary that lies in the other
    area has a length greater than ``min_length``. Squares touching only at a corner
    point share a border of length 0 and are therefore **not** adjacent (rook, not
    queen contiguity). Slightly overlapping polygons (digitising errors) are adjacent.

    Parameters
    ----------
    geometry : mapping area code → shapely (Multi)Polygon (projected, metres).
    tolerance : float
        Snapping distance for data with small gaps between areas: the other area is
        buffered by this distance before measuring the shared border (default 0).
    min_length : float, optional
        Minimum shared border length; default 0 without tolerance, else ``4 × tolerance``
        (a corner contact measures at most about ``2 × tolerance`` after buffering).

    Returns
    -------
    dict[str, set[str]]
        Symmetric; every area of ``geometry`` is a key (possibly with an empty set).
    """
    if min_length is None:
        min_length = 0.0 if tolerance <= 0 else 4.0 * tolerance
    codes = list(geometry)
    out: dict[str, set[str]] = {c: set() for c in codes}
    if len(codes) < 2:
        return out
    geoms = np.array([geometry[c] for c in codes], dtype=object)
    tree = STRtree(geoms)
    if tolerance > 0:
        left, right = tree.query(geoms, predicate="dwithin", distance=tolerance)
        others = shapely.buffer(geoms, tolerance)
    else:
        left, right = tree.query(geoms, predicate="intersects")
        others = geoms
    keep = left != right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return out
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[left]), others[right]))
    for i, j, length in zip(left, right, shared, strict=True):
        if length > min_length:
            out[codes[i]].add(codes[j])
            out[codes[j]].add(codes[i])
    return out


# --------------------------------------------------------------------------- services
def active_services(services: pd.DataFrame, year: int) -> pd.DataFrame:
    """Services active in ``year``: ``seit <= year`` and (``bis`` empty or ``bis >= year``)."""
    if services is None or services.empty:
        return pd.DataFrame(columns=list(services.columns) if services is not None else [])
    since = pd.to_numeric(services["seit"], errors="coerce")
    until = pd.to_numeric(services["bis"], errors="coerce") if "bis" in services else None
    ok = (since <= year).fillna(False)
    if until is not None:
        ok &= (until.isna() | (until >= year)).fillna(False)
    return services[ok.astype(bool)].copy()


def service_areas(services: pd.DataFrame, year: int) -> pd.DataFrame:
    """One row per active service × served area.

    Columns: ``angebot``, ``handlungsfeld``, ``kettenstufe``, ``sozialraum``.
    """
    act = active_services(services, year)
    rows = []
    for _, r in act.iterrows():
        for a in split_areas(r["sozialraeume"]):
            rows.append({"angebot": r["angebot"], S.FIELD: r[S.FIELD],
                         "kettenstufe": r.get("kettenstufe"), S.AREA: a})
    return pd.DataFrame(rows, columns=["angebot", S.FIELD, "kettenstufe", S.AREA])


def _services_by_area(services: pd.DataFrame | None, year: int, field: str
                      ) -> dict[str, set[str]]:
    if services is None or services.empty:
        return {}
    sa = service_areas(services, year)
    sa = sa[sa[S.FIELD] == field]
    return {a: set(g["angebot"]) for a, g in sa.groupby(S.AREA)}


# --------------------------------------------------------------------------- themes
def theme_groups(priorities: pd.DataFrame | None, municipalities: pd.DataFrame,
                 themes: Mapping[str, Any], forum_from: int = 3) -> pd.DataFrame:
    """Themengleiche Kommunen: per theme the Kommunen that named it as a priority.

    Parameters
    ----------
    priorities : ``prioritaeten`` (``ags``, ``thema``, …); ``None`` = no priorities.
    municipalities : ``ags``, ``name``.
    themes : ``cfg.themen`` – theme id → object/mapping with ``titel``, ``handlungsfeld``.
    forum_from : int
        From this many Kommunen the proposed format is „Austauschforum“; two Kommunen
        form a „Tandem“; a single Kommune gets no format (``""``).

    Returns
    -------
    DataFrame
        ``thema``, ``titel``, ``handlungsfeld``, ``kommunen`` (names sorted
        alphabetically, ``"|"``-joined), ``ags`` (same order), ``anzahl``, ``format``.
        Configured themes in configuration order (also with 0 Kommunen), then themes
        only found in ``priorities`` (sorted, title = id, field empty).
    """
    names = dict(zip(municipalities[S.AGS], municipalities["name"], strict=True))
    pri = priorities if priorities is not None else pd.DataFrame(columns=[S.AGS, "thema"])
    order = list(themes) + sorted(set(pri["thema"]) - set(themes))
    rows = []
    for t in order:
        ags = set(pri.loc[pri["thema"] == t, S.AGS])
        pairs = sorted(((names.get(a, a), a) for a in ags), key=lambda p: (p[0], p[1]))
        n = len(pairs)
        spec = themes.get(t)
        rows.append({
            "thema": t,
            "titel": _attr(spec, "titel", t) if spec is not None else t,
            "handlungsfeld": _attr(spec, "handlungsfeld", "") if spec is not None else "",
            "kommunen": _join(p[0] for p in pairs),
            "ags": _join(p[1] for p in pairs),
            "anzahl": n,
            "format": "Austauschforum" if n >= forum_from else "Tandem" if n == 2 else "",
        })
    return pd.DataFrame(rows, columns=THEME_COLUMNS).astype({"anzahl": "int64"})


# --------------------------------------------------------------------------- coverage
def coverage(services: pd.DataFrame | None, areas: pd.DataFrame,
             counts: pd.DataFrame | None, year: int, fields: Sequence[str],
             target_groups: Mapping[str, str]) -> pd.DataFrame:
    """Active services per area × field and services per 1.000 of the target group.

    Parameters
    ----------
    services : ``angebote``; ``None`` = no inventory (all counts 0).
    areas : ``sozialraeume`` (column ``sozialraum``); every area gets a row per field.
    counts : long counts (``sozialraum``, ``jahr``, ``variable``, ``anzahl``), e.g.
        ``ds.counts``; the target-group variable of each field is picked from it.
        ``None`` = no denominators (NaN).
    year : report year (activity of services and year of the counts).
    fields : fields to report.
    target_groups : field → count variable of its target group
        (:meth:`analysis.config.ReportConfig.target_group`).

    Returns
    -------
    DataFrame
        ``sozialraum``, ``handlungsfeld``, ``angebote`` (number of active services of
        the field serving the area), ``zielgruppe_variable``, ``zielgruppe`` (count),
        ``angebote_je_1000`` (NaN when the target group is 0 or unknown).
    """
    fields = list(fields)
    groups = dict(target_groups)
    codes = _natural(areas[S.AREA])
    pop: dict[tuple[str, str], float] = {}
    if counts is not None and not counts.empty:
        sel = counts[(counts[S.YEAR] == year) & counts[S.VARIABLE].isin(set(groups.values()))]
        pop = sel.groupby([S.AREA, S.VARIABLE])[S.COUNT].sum().to_dict()
    rows = []
    for f in fields:
        by_area = _services_by_area(services, year, f)
        var = groups.get(f, "")
        for a in codes:
            n = len(by_area.get(a, ()))
            den = pop.get((a, var), np.nan)
            per = n / den * 1000 if pd.notna(den) and den > 0 else np.nan
            rows.append({S.AREA: a, S.FIELD: f, "angebote": n, "zielgruppe_variable": var,
                         "zielgruppe": den, "angebote_je_1000": per})
    out = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    return out.astype({"angebote": "int64", "zielgruppe": "float64",
                       "angebote_je_1000": "float64"})


# --------------------------------------------------------------------------- gaps
def gaps(need: pd.DataFrame, services: pd.DataFrame | None, adjacency: Mapping[str, set[str]],
         year: int, fields: Sequence[str], labels: Mapping[str, str] | None = None
         ) -> pd.DataFrame:
    """Supply of every area with need: service in the area, only next door, or none.

    A *gap* (``luecke``) is an area with need in a field and no active service of the
    same field serving the area or any adjacent area.

    Parameters
    ----------
    need : per area (index) a boolean column ``<field>_bedarf_flag`` per field.
    services : ``angebote``; ``None`` = no inventory (every need is a gap).
    adjacency : area → neighbouring areas (:func:`adjacency`).
    year : services active in this year count.
    fields : fields to check, in output order.
    labels : field → display name for the texts (default: the id).

    Returns
    -------
    DataFrame
        One row per area × field **with need** (fields in the given order, areas in
        natural order): ``sozialraum``, ``handlungsfeld``, ``bedarf`` (always True),
        ``angebote_im_raum`` (services serving the area), ``angebote_angrenzend``
        (services serving an adjacent area but not the area itself),
        ``angrenzend_mit_angebot`` (the neighbours served by those, ``"|"``-joined),
        ``versorgung`` („im Sozialraum“ / „nur angrenzend“ / „kein Angebot erfasst“),
        ``luecke`` (bool) and ``empfehlung`` (suggestion text; empty when the area
        itself is served).
    """
    rows = []
    for f in fields:
        flags = _flags(need, f)
        by_area = _services_by_area(services, year, f)
        label = _label(f, labels)
        for a in _natural(flags[flags].index):
            own = by_area.get(a, set())
            nb_with = [n for n in _natural(adjacency.get(a, ())) if by_area.get(n, set()) - own]
            nb_services = set().union(*(by_area[n] for n in nb_with)) - own if nb_with else set()
            if own:
                status, text = COVERED, ""
            elif nb_services:
                status = NEIGHBOUR_ONLY
                where = ("im angrenzenden Sozialraum " + nb_with[0] if len(nb_with) == 1
                         else "in den angrenzenden Sozialräumen " + fmt.join_de(nb_with))
                text = (f"{SUGGESTION} – Prüfauftrag: Erreichbarkeit des Angebots im "
                        f"Handlungsfeld {label} für {a} sichern – Bedarf, Angebot nur {where}")
            else:
                status = NONE
                text = (f"{SUGGESTION} – Prüfauftrag: Angebot im Handlungsfeld {label} für "
                        f"{a} – Bedarf; in der Bestandsaufnahme ist im Sozialraum und "
                        "angrenzend kein passendes Angebot erfasst")
            rows.append({S.AREA: a, S.FIELD: f, "bedarf": True, "angebote_im_raum": len(own),
                         "angebote_angrenzend": len(nb_services),
                         "angrenzend_mit_angebot": _join(nb_with),
                         "versorgung": status, "luecke": status == NONE, "empfehlung": text})
    out = pd.DataFrame(rows, columns=GAP_COLUMNS)
    return out.astype({"bedarf": bool, "angebote_im_raum": "int64",
                       "angebote_angrenzend": "int64", "luecke": bool})


# --------------------------------------------------------------------------- chain
def chain_gaps(services: pd.DataFrame | None, areas: pd.DataFrame, stages: Sequence[str],
               year: int, field: str | None = None) -> pd.DataFrame:
    """Active services per Kommune × stage of the prevention chain (Präventionskette).

    A service counts for a Kommune when it serves at least one of its areas; services
    whose ``kettenstufe`` is not in ``stages`` are ignored, and with ``field`` also those
    of other fields (each field has its own chain).

    Parameters
    ----------
    services : ``angebote``; ``None`` = no inventory.
    areas : ``sozialraum``, ``ags`` and optionally ``kommune`` (name).
    stages : ``cfg.praeventionskette`` or ``cfg.chain_stages(field)`` (order = life course).
    year : services active in this year count.
    field : only services of this field count; ``None`` = all services.

    Returns
    -------
    DataFrame
        ``ags``, ``kommune``, ``stufe_nr`` (1-based position), ``kettenstufe``,
        ``angebote`` (distinct services), ``luecke`` (True when no service); Kommunen
        by AGS, stages in chain order.
    """
    area_ags = dict(zip(areas[S.AREA], areas[S.AGS], strict=True))
    if S.KOMMUNE in areas.columns:
        ags_name = dict(zip(areas[S.AGS], areas[S.KOMMUNE], strict=False))
    else:
        ags_name = {a: a for a in areas[S.AGS]}
    per: dict[tuple[str, str], set[str]] = {}
    if services is not None and not services.empty:
        sa = service_areas(services, year)
        if field is not None:
            sa = sa[sa[S.FIELD] == field]
        sa = sa.assign(**{S.AGS: sa[S.AREA].map(area_ags)}).dropna(subset=[S.AGS])
        for (ags, stage), g in sa.groupby([S.AGS, "kettenstufe"]):
            per[(ags, stage)] = set(g["angebot"])
    rows = []
    for ags in sorted(set(areas[S.AGS])):
        for i, stage in enumerate(stages, start=1):
            n = len(per.get((ags, stage), ()))
            rows.append({S.AGS: ags, S.KOMMUNE: ags_name.get(ags, ags), "stufe_nr": i,
                         "kettenstufe": stage, "angebote": n, "luecke": n == 0})
    out = pd.DataFrame(rows, columns=CHAIN_COLUMNS)
    return out.astype({"stufe_nr": "int64", "angebote": "int64", "luecke": bool})


# --------------------------------------------------------------------------- impact
def _lookup(ind: pd.DataFrame, key: str, code: str, indicator: str, year: object
            ) -> pd.Series | None:
    if ind is None or ind.empty or pd.isna(year):
        return None
    sel = ind[(ind[key] == code) & (ind[S.INDICATOR] == indicator) & (ind[S.YEAR] == int(year))]
    return None if sel.empty else sel.iloc[0]


def impact_progress(goals: pd.DataFrame | None, area_ind: pd.DataFrame, mun_ind: pd.DataFrame,
                    year: int) -> pd.DataFrame:
    """Progress of each Wirkungsziel (goal ⇒ measures ⇒ indicator with target).

    ``gebiet`` is an area code (area indicators) or an AGS (municipal indicators).

    Definitions (``b`` baseline value in ``basisjahr``, ``w`` latest value in ``year``
    with 95 % Wilson interval ``[ki_unten, ki_oben]``, ``t`` target value):

    * ``richtung``: „senken“ if ``t < b``, „erhöhen“ if ``t > b``, „halten“ if equal;
    * ``fortschritt`` = ``(b − w) / (b − t)``: share of the planned change achieved
      (1 = target reached, negative = moved away; NaN for „halten“);
    * ``erwartet`` = ``(year − basisjahr) / (zieljahr − basisjahr)``, clipped to 0…1:
      the share expected under linear progress;
    * ``status`` (first that applies):

      1. „keine Daten“ – baseline or latest value missing;
      2. „erreicht“ – the latest value is at or beyond the target (``w ≤ t`` when
         decreasing, ``w ≥ t`` when increasing, ``w == t`` when holding);
      3. „unsicher“ – not reached, but the target lies inside ``[ki_unten, ki_oben]``:
         the latest value cannot be told apart from the target;
      4. „auf Kurs“ – ``fortschritt ≥ erwartet``;
      5. „nicht auf Kurs“ – otherwise (always for „halten“ when not reached).

    Returns
    -------
    DataFrame
        ``ziel_id``, ``ziel``, ``handlungsfeld``, ``gebiet``, ``ebene`` („sozialraum“ /
        „kommune“ / „“), ``indikator``, ``basisjahr``, ``basiswert``, ``jahr``, ``wert``,
        ``ki_unten``, ``ki_oben``, ``zielwert``, ``zieljahr``, ``richtung``,
        ``fortschritt``, ``erwartet``, ``status``; goals in input order.
    """
    if goals is None or goals.empty:
        return pd.DataFrame(columns=PROGRESS_COLUMNS)
    area_codes = set(area_ind[S.AREA]) if area_ind is not None and not area_ind.empty else set()
    rows = []
    for _, g in goals.iterrows():
        code = str(g["gebiet"])
        if code in area_codes:
            level, ind, key = S.LEVEL_AREA, area_ind, S.AREA
        else:
            level, ind, key = S.LEVEL_MUNICIPALITY, mun_ind, S.AGS
        base = _lookup(ind, key, code, g[S.INDICATOR], g["basisjahr"])
        last = _lookup(ind, key, code, g[S.INDICATOR], year)
        if base is None and last is None:
            level = ""
        b = float(base[S.VALUE]) if base is not None else np.nan
        w = float(last[S.VALUE]) if last is not None else np.nan
        lo = float(last[S.LOWER]) if last is not None else np.nan
        hi = float(last[S.UPPER]) if last is not None else np.nan
        t = float(g["zielwert"])
        y0, y1 = g["basisjahr"], g["zieljahr"]
        if pd.notna(y0) and pd.notna(y1) and int(y1) != int(y0):
            expected = min(1.0, max(0.0, (year - int(y0)) / (int(y1) - int(y0))))
        else:
            expected = 1.0 if pd.notna(y1) and year >= int(y1) else 0.0
        if pd.isna(b):
            direction = ""
        else:
            direction = "senken" if t < b else "erhöhen" if t > b else "halten"
        progress = (b - w) / (b - t) if direction in ("senken", "erhöhen") else np.nan
        if pd.isna(b) or pd.isna(w):
            status = NO_DATA
        elif (direction == "senken" and w <= t) or (direction == "erhöhen" and w >= t) or \
                (direction == "halten" and w == t):
            status = REACHED
        elif pd.notna(lo) and pd.notna(hi) and lo <= t <= hi:
            status = UNCERTAIN
        elif direction != "halten" and progress >= expected:
            status = ON_TRACK
        else:
            status = OFF_TRACK
        rows.append({"ziel_id": g["ziel_id"], "ziel": g.get("ziel", ""),
                     S.FIELD: g.get(S.FIELD, ""), "gebiet": code, "ebene": level,
                     S.INDICATOR: g[S.INDICATOR], "basisjahr": y0, "basiswert": b,
                     "jahr": year, "wert": w, "ki_unten": lo, "ki_oben": hi, "zielwert": t,
                     "zieljahr": y1, "richtung": direction, "fortschritt": progress,
                     "erwartet": expected, "status": status})
    out = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    floats = ["basiswert", "wert", "ki_unten", "ki_oben", "zielwert", "fortschritt", "erwartet"]
    return out.astype({c: "float64" for c in floats})


# --------------------------------------------------------------------------- clusters
def _components(nodes: set[str], adjacency: Mapping[str, set[str]]) -> list[list[str]]:
    """Connected components of ``nodes`` under ``adjacency`` (BFS), natural order."""
    seen: set[str] = set()
    comps = []
    for start in _natural(nodes):
        if start in seen:
            continue
        comp, queue = [], [start]
        seen.add(start)
        while queue:
            a = queue.pop()
            comp.append(a)
            for n in adjacency.get(a, ()):
                if n in nodes and n not in seen:
                    seen.add(n)
                    queue.append(n)
        comps.append(_natural(comp))
    return comps


def intermunicipal_clusters(need: pd.DataFrame, areas: pd.DataFrame,
                            adjacency: Mapping[str, set[str]], fields: Sequence[str]
                            ) -> pd.DataFrame:
    """Clusters of adjacent areas with need in the same field that cross a Kommune border.

    Connected components (plain BFS over :func:`adjacency`) of the areas with need in
    a field; only components touching more than one Kommune are kept.

    Parameters
    ----------
    need : per area (index) a boolean column ``<field>_bedarf_flag``.
    areas : ``sozialraum``, ``ags`` and optionally ``kommune`` (name).
    adjacency : area → neighbours.
    fields : fields to examine, in output order.

    Returns
    -------
    DataFrame
        ``handlungsfeld``, ``cluster`` (``"<field>-<n>"``, numbered 1, 2, … among the
        kept clusters of the field in natural order of their smallest area code – stable
        for the same data), ``sozialraeume`` (natural order, ``"|"``-joined),
        ``kommunen`` (names sorted alphabetically, ``"|"``), ``ags`` (sorted, ``"|"``),
        ``anzahl_sozialraeume``, ``anzahl_kommunen``.
    """
    area_ags = dict(zip(areas[S.AREA], areas[S.AGS], strict=True))
    names = (dict(zip(areas[S.AGS], areas[S.KOMMUNE], strict=False))
             if S.KOMMUNE in areas.columns else {a: a for a in areas[S.AGS]})
    rows = []
    for f in fields:
        flags = _flags(need, f)
        n = 0
        for comp in _components(set(flags[flags].index), adjacency):
            ags = sorted({area_ags[a] for a in comp if a in area_ags})
            if len(ags) < 2:
                continue
            n += 1
            rows.append({S.FIELD: f, "cluster": f"{f}-{n}", "sozialraeume": _join(comp),
                         "kommunen": _join(sorted(names.get(a, a) for a in ags)),
                         S.AGS: _join(ags), "anzahl_sozialraeume": len(comp),
                         "anzahl_kommunen": len(ags)})
    out = pd.DataFrame(rows, columns=CLUSTER_COLUMNS)
    return out.astype({"anzahl_sozialraeume": "int64", "anzahl_kommunen": "int64"})


# --------------------------------------------------------------------------- recommendations
def recommendations(fields: Sequence[str], gap_table: pd.DataFrame | None = None,
                    clusters: pd.DataFrame | None = None, groups: pd.DataFrame | None = None,
                    progress: pd.DataFrame | None = None,
                    labels: Mapping[str, str] | None = None,
                    place_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Recommendations per field, derived from the other results (all „Vorschlag“).

    Per field, in this order: (1) gaps – one sentence listing the areas with need and
    no service in or next to them; (2) areas served only from a neighbouring area;
    (3) one sentence per inter-municipal cluster; (4) one per theme of the field named
    by at least two Kommunen (exchange format); (5) one per goal „nicht auf Kurs“.
    Any input may be ``None`` (skipped).

    Parameters
    ----------
    fields : fields in output order.
    gap_table : result of :func:`gaps`.
    clusters : result of :func:`intermunicipal_clusters`.
    groups : result of :func:`theme_groups`.
    progress : result of :func:`impact_progress`.
    labels : field → display name (default: the id).
    place_names : goal ``gebiet`` → display name (e.g. AGS → Kommune); default the code.

    Returns
    -------
    DataFrame
        ``handlungsfeld``, ``nr`` (1, 2, … per field), ``art`` („Versorgungslücke“,
        „Angebot nur angrenzend“, „Interkommunaler Ansatz“, „Themengleiche Kommunen“,
        „Wirkungsziel“), ``bezug`` (areas, cluster, theme or goal id) and ``text``
        (German sentence beginning with „Vorschlag –“).
    """
    rows = []
    for f in fields:
        label = _label(f, labels)
        items: list[tuple[str, str, str]] = []
        if gap_table is not None and not gap_table.empty:
            g = gap_table[gap_table[S.FIELD] == f]
            holes = _natural(g.loc[g["luecke"], S.AREA])
            if holes:
                items.append(("Versorgungslücke", _join(holes),
                              f"{SUGGESTION} – Prüfauftrag: Angebot im Handlungsfeld "
                              f"{label} {_areas_phrase(holes)} – Bedarf; in der "
                              "Bestandsaufnahme ist weder im Sozialraum noch in einem "
                              "angrenzenden Sozialraum ein passendes Angebot erfasst."))
            nb = _natural(g.loc[g["versorgung"] == NEIGHBOUR_ONLY, S.AREA])
            if nb:
                items.append(("Angebot nur angrenzend", _join(nb),
                              f"{SUGGESTION} – Erreichbarkeit prüfen: Bedarf im Handlungsfeld "
                              f"{label} {_areas_phrase(nb)}, Angebote gibt es nur in "
                              "angrenzenden Sozialräumen; Erreichbarkeit oder Ausweitung "
                              "klären."))
        if clusters is not None and not clusters.empty:
            for _, c in clusters[clusters[S.FIELD] == f].iterrows():
                codes = c["sozialraeume"].split(SEP)
                kommunen = fmt.join_de(c["kommunen"].split(SEP))
                items.append(("Interkommunaler Ansatz", c["cluster"],
                              f"{SUGGESTION} – Interkommunaler Ansatz: Die aneinandergrenzenden "
                              f"Sozialräume {fmt.join_de(codes)} haben Bedarf im Handlungsfeld "
                              f"{label}; gemeinsame Planung der Kommunen {kommunen}."))
        if groups is not None and not groups.empty:
            for _, t in groups[(groups[S.FIELD] == f) & (groups["anzahl"] >= 2)].iterrows():
                kommunen = fmt.join_de(t["kommunen"].split(SEP))
                items.append(("Themengleiche Kommunen", t["thema"],
                              f"{SUGGESTION} – {t['format']} zum Thema „{t['titel']}“ mit "
                              f"{kommunen} ({t['anzahl']} Kommunen)."))
        if progress is not None and not progress.empty:
            off = progress[(progress[S.FIELD] == f) & (progress["status"] == OFF_TRACK)]
            for _, p in off.iterrows():
                where = (place_names or {}).get(p["gebiet"], p["gebiet"])
                if pd.notna(p["fortschritt"]) and p["fortschritt"] < 0:
                    why = f"der Wert hat sich seit {p['basisjahr']} vom Zielwert entfernt"
                else:
                    done = fmt.percent(100 * p["fortschritt"], 0)
                    want = fmt.percent(100 * p["erwartet"], 0)
                    why = f"Fortschritt {done}, erwartet {want}"
                items.append(("Wirkungsziel", p["ziel_id"],
                              f"{SUGGESTION} – Wirkungsziel überprüfen: „{p['ziel']}“ "
                              f"({where}) ist nicht auf Kurs ({why}); Maßnahmen und Ziel im "
                              "Wirkungskreislauf überprüfen."))
        for i, (kind, ref, text) in enumerate(items, start=1):
            rows.append({S.FIELD: f, "nr": i, "art": kind, "bezug": ref, "text": text})
    out = pd.DataFrame(rows, columns=RECOMMENDATION_COLUMNS)
    return out.astype({"nr": "int64"})


# --------------------------------------------------------------------------- notes
def notes_for(notes: Iterable[Note], field: str | None = None, area: str | None = None,
              ags: str | None = None, area_ags: Mapping[str, str] | None = None
              ) -> list[Note]:
    """Qualitative findings (Befunde) for a field, an area and/or a Kommune.

    All given criteria must hold. ``area`` matches notes naming that area;
    ``ags`` matches notes tagged with that AGS and – when ``area_ags`` (area → AGS) is
    given – notes naming an area of that Kommune. Sorted by date, then file name.
    """
    out = []
    for n in notes:
        if field is not None and n.field != field:
            continue
        if area is not None and area not in n.areas:
            continue
        if ags is not None:
            in_kommune = n.ags == ags or (
                area_ags is not None and any(area_ags.get(a) == ags for a in n.areas))
            if not in_kommune:
                continue
        out.append(n)
    return sorted(out, key=lambda n: (n.date, n.file))
