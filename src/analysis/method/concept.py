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
* Area codes are sorted naturally (:func:`analysis.common.ids.natural_key`), fields in the
  order given by the caller, Kommunen by AGS unless stated otherwise.
* A service (Angebot) is *active* in ``year`` when ``seit <= year`` and ``bis`` is
  empty or ``bis >= year``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from analysis.common import fmt
from analysis.common.ids import natural_sorted
from analysis.contract import schema as S
from analysis.contract.dataset import split_areas
from analysis.contract.notes import Note
from analysis.method.indicators import Z95, noise_factor
from analysis.method.need import cumulation

__all__ = [
    "active_services",
    "carrier",
    "effort_class",
    "effort_summary",
    "key_messages",
    "stagger_formats",
    "participation_plan",
    "priority_need_matrix",
    "responsible_levels",
    "work_packages",
    "adjacency",
    "chain_gaps",
    "coverage",
    "gaps",
    "impact_progress",
    "intermunicipal_clusters",
    "notes_for",
    "recommendations",
    "service_areas",
    "service_scope",
    "theme_groups",
]

SEP = "|"
SUGGESTION = "Vorschlag"

# status labels of impact_progress
REACHED = "erreicht"
ON_TRACK = "auf Kurs"
OFF_TRACK = "nicht auf Kurs"
UNCERTAIN = "im Schwankungsbereich"  # not „unsicher“: that marks small denominators
NO_DATA = "keine Daten"

# supply status of gaps
COVERED = "im Sozialraum"
NEIGHBOUR_ONLY = "nur angrenzend"
NONE = "kein passendes Angebot erfasst"
#: supply status when no services inventory (``angebote``) was supplied: never a gap
UNKNOWN = "keine Bestandsaufnahme"

# reach of a service in an area it serves (column ``reichweite`` of service_areas)
LOCAL = "sozialraum"
#: a service serving every area of a Kommune (of at least two areas): it is counted apart,
#: does not close a local gap and is never an adjacent service of another Kommune's area
MUNICIPALITY_WIDE = "kommunenweit"

GAP_COLUMNS = ["sozialraum", "handlungsfeld", "bedarf", "angebote_im_raum",
               "angebote_angrenzend", "angrenzend_mit_angebot", "angebote_kommunenweit",
               "versorgung", "luecke", "empfehlung"]
CLUSTER_COLUMNS = ["handlungsfeld", "cluster", "sozialraeume", "kommunen", "ags",
                   "anzahl_sozialraeume", "anzahl_kommunen"]
THEME_COLUMNS = ["thema", "titel", "handlungsfeld", "kommunen", "ags", "anzahl", "format"]
COVERAGE_COLUMNS = ["sozialraum", "handlungsfeld", "angebote", "angebote_kommunenweit",
                    "zielgruppe_variable", "zielgruppe", "angebote_je_1000"]
CHAIN_COLUMNS = ["ags", "kommune", "stufe_nr", "kettenstufe", "angebote", "luecke"]
PROGRESS_COLUMNS = ["ziel_id", "ziel", "handlungsfeld", "gebiet", "ebene", "indikator",
                    "basisjahr", "basiswert", "jahr", "wert", "ki_unten", "ki_oben",
                    "zielwert", "zieljahr", "richtung", "fortschritt", "erwartet",
                    "gesichert", "status"]
RECOMMENDATION_COLUMNS = ["handlungsfeld", "nr", "art", "bezug", "text"]


# --------------------------------------------------------------------------- helpers
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
    codes = natural_sorted(codes)
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


def _kommune_members(areas: pd.DataFrame | None
                     ) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """(area → Kommune, Kommune → its areas); empty without ``areas`` or ``ags``."""
    if areas is None or areas.empty or S.AGS not in areas.columns:
        return {}, {}
    ags_of = dict(zip(areas[S.AREA], areas[S.AGS], strict=False))
    members: dict[str, set[str]] = {}
    for code, ags in ags_of.items():
        members.setdefault(ags, set()).add(code)
    return ags_of, {k: frozenset(v) for k, v in members.items()}


def _scope(codes: list[str], ags_of: Mapping[str, str],
           members: Mapping[str, frozenset[str]]) -> dict[str, str]:
    mine = set(codes)
    out = {}
    for code in codes:
        full = members.get(ags_of.get(code, ""), frozenset())
        out[code] = MUNICIPALITY_WIDE if len(full) >= 2 and full <= mine else LOCAL
    return out


def service_scope(served: Iterable[str], areas: pd.DataFrame | None) -> dict[str, str]:
    """Reach of one service in each area it serves: ``kommunenweit`` or ``sozialraum``.

    A service is *kommunenweit* in the areas of a Kommune when it serves **every** area of
    that Kommune and the Kommune has at least two areas (Frühe Hilfen, Schulsozialarbeit,
    a counselling office for the whole town); otherwise it is local (``sozialraum``) there.
    A service may be kommunenweit in one Kommune and local in another. Without ``areas``
    (no ``sozialraum``/``ags`` columns) every service is local.
    """
    return _scope(list(dict.fromkeys(served)), *_kommune_members(areas))


def service_areas(services: pd.DataFrame, year: int, areas: pd.DataFrame | None = None
                  ) -> pd.DataFrame:
    """One row per active service × served area.

    Columns: ``angebot``, ``handlungsfeld``, ``kettenstufe``, ``sozialraum``,
    ``reichweite`` (``kommunenweit`` or ``sozialraum``, see :func:`service_scope`; all
    ``sozialraum`` without ``areas``).
    """
    act = active_services(services, year)
    ags_of, members = _kommune_members(areas)
    rows = []
    for _, r in act.iterrows():
        served = list(dict.fromkeys(split_areas(r["sozialraeume"])))
        scope = _scope(served, ags_of, members)
        for a in served:
            rows.append({"angebot": r["angebot"], S.FIELD: r[S.FIELD],
                         "kettenstufe": r.get("kettenstufe"), S.AREA: a,
                         "reichweite": scope[a]})
    return pd.DataFrame(rows, columns=["angebot", S.FIELD, "kettenstufe", S.AREA, "reichweite"])


def _services_by_area(services: pd.DataFrame | None, year: int, field: str,
                      areas: pd.DataFrame | None = None
                      ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(area → local services, area → kommunenweit services) of ``field``."""
    if services is None or services.empty:
        return {}, {}
    sa = service_areas(services, year, areas)
    sa = sa[sa[S.FIELD] == field]
    local = sa[sa["reichweite"] == LOCAL]
    wide = sa[sa["reichweite"] == MUNICIPALITY_WIDE]
    return ({a: set(g["angebot"]) for a, g in local.groupby(S.AREA)},
            {a: set(g["angebot"]) for a, g in wide.groupby(S.AREA)})


# --------------------------------------------------------------------------- themes
def theme_groups(priorities: pd.DataFrame | None, municipalities: pd.DataFrame,
                 themes: Mapping[str, Any], forum_from: int = 3, forum: str = "Dialogforum",
                 pair: str = "Werkstatt") -> pd.DataFrame:
    """Themengleiche Kommunen: per theme the Kommunen that named it as a priority.

    Parameters
    ----------
    priorities : ``prioritaeten`` (``ags``, ``thema``, …); ``None`` = no priorities.
    municipalities : ``ags``, ``name``.
    themes : ``cfg.themen`` – theme id → object/mapping with ``titel``, ``handlungsfeld``.
    forum_from : int
        From this many Kommunen the proposed format is ``forum``; two Kommunen get
        ``pair``; a single Kommune gets no format (``""``). Formats come from
        ``konzept.beteiligung`` (``thema``, ``tandem``).

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
            "format": forum if n >= forum_from else pair if n == 2 else "",
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
    areas : ``sozialraeume`` (column ``sozialraum``, and ``ags`` to tell kommunenweit
        services apart); every area gets a row per field.
    counts : long counts (``sozialraum``, ``jahr``, ``variable``, ``anzahl``), e.g.
        ``ds.counts``; the target-group variable of each field is picked from it.
        ``None`` = no denominators (NaN).
    year : report year (activity of services and year of the counts).
    fields : fields to report.
    target_groups : field → count variable of its target group
        (:meth:`analysis.contract.config.ReportConfig.target_group`).

    Returns
    -------
    DataFrame
        ``sozialraum``, ``handlungsfeld``, ``angebote`` (number of active services of
        the field serving the area locally), ``angebote_kommunenweit`` (those serving
        every area of its Kommune, :func:`service_scope`: counted apart, not in
        ``angebote``), ``zielgruppe_variable``, ``zielgruppe`` (count),
        ``angebote_je_1000`` (local services; NaN when the target group is 0 or unknown).
    """
    fields = list(fields)
    groups = dict(target_groups)
    codes = natural_sorted(areas[S.AREA])
    pop: dict[tuple[str, str], float] = {}
    if counts is not None and not counts.empty:
        sel = counts[(counts[S.YEAR] == year) & counts[S.VARIABLE].isin(set(groups.values()))]
        pop = sel.groupby([S.AREA, S.VARIABLE])[S.COUNT].sum().to_dict()
    rows = []
    for f in fields:
        by_area, wide = _services_by_area(services, year, f, areas)
        var = groups.get(f, "")
        for a in codes:
            n = len(by_area.get(a, ()))
            den = pop.get((a, var), np.nan)
            per = n / den * 1000 if pd.notna(den) and den > 0 else np.nan
            rows.append({S.AREA: a, S.FIELD: f, "angebote": n,
                         "angebote_kommunenweit": len(wide.get(a, ())),
                         "zielgruppe_variable": var, "zielgruppe": den,
                         "angebote_je_1000": per})
    out = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    return out.astype({"angebote": "int64", "angebote_kommunenweit": "int64",
                       "zielgruppe": "float64", "angebote_je_1000": "float64"})


# --------------------------------------------------------------------------- gaps
def gaps(need: pd.DataFrame, services: pd.DataFrame | None, adjacency: Mapping[str, set[str]],
         year: int, fields: Sequence[str], labels: Mapping[str, str] | None = None,
         areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Supply of every area with need: service in the area, only next door, or none.

    A *gap* (``luecke``) is an area with need in a field and no active local service of
    the same field serving the area or any adjacent area. Services that serve every area
    of a Kommune (*kommunenweit*, :func:`service_scope`; needs ``areas``) are counted
    apart: they do not close a local gap, and they are never adjacent services of an area
    of another Kommune (another Kommune's offices, e.g. its Jugendamt, run them).

    Parameters
    ----------
    need : per area (index) a boolean column ``<field>_bedarf_flag`` per field.
    services : ``angebote``; ``None`` = no inventory (every need is a gap).
    adjacency : area → neighbouring areas (:func:`adjacency`).
    year : services active in this year count.
    fields : fields to check, in output order.
    labels : field → display name for the texts (default: the id).
    areas : ``sozialraum`` and ``ags`` of every area (and ``name`` of the services in
        ``services`` for the texts); ``None`` = no service is kommunenweit.

    Returns
    -------
    DataFrame
        One row per area × field **with need** (fields in the given order, areas in
        natural order): ``sozialraum``, ``handlungsfeld``, ``bedarf`` (always True),
        ``angebote_im_raum`` (local services serving the area), ``angebote_angrenzend``
        (local services serving an adjacent area but not the area itself),
        ``angrenzend_mit_angebot`` (the neighbours served by those, ``"|"``-joined),
        ``angebote_kommunenweit`` (services serving every area of the area's Kommune),
        ``versorgung`` („im Sozialraum“ / „nur angrenzend“ / „kein passendes Angebot
        erfasst“), ``luecke`` (bool) and ``empfehlung`` (suggestion text; empty when the
        area itself is served; names the kommunenweit services, if any).
    """
    names: dict[str, str] = {}
    if services is not None and "name" in services.columns:
        names = dict(zip(services["angebot"], services["name"].astype(str), strict=False))
    rows = []
    for f in fields:
        flags = _flags(need, f)
        by_area, wide = _services_by_area(services, year, f, areas)
        label = _label(f, labels)
        for a in natural_sorted(flags[flags].index):
            own = by_area.get(a, set())
            broad = wide.get(a, set()) - own
            nb_with = [n for n in natural_sorted(adjacency.get(a, ()))
                       if by_area.get(n, set()) - own - broad]
            nb_services = (set().union(*(by_area[n] for n in nb_with)) - own - broad
                           if nb_with else set())
            also = ""
            if broad:
                listed = sorted(names.get(x, str(x)) for x in broad)
                also = (" Kommunenweit erfasst (für alle Sozialräume der Kommune, nicht als "
                        f"Angebot vor Ort gezählt): {fmt.join_de(listed)}.")
            if own:
                status, text = COVERED, ""
            elif nb_services:
                status = NEIGHBOUR_ONLY
                where = ("im angrenzenden Sozialraum " + nb_with[0] if len(nb_with) == 1
                         else "in den angrenzenden Sozialräumen " + fmt.join_de(nb_with))
                text = (f"Handlungsbedarf im Feld {label} in {a}; passende Angebote sind in "
                        f"der Bestandsaufnahme nur {where} erfasst. Zu prüfen ist, ob sie "
                        f"erreichbar sind.{also}")
            else:
                status = NONE
                text = (f"Handlungsbedarf im Feld {label} in {a}; in der Bestandsaufnahme ist "
                        "dort und in den angrenzenden Sozialräumen kein passendes Angebot "
                        "erfasst. Zu prüfen ist, ob eines aufgebaut oder ausgeweitet werden "
                        f"kann.{also}")
            rows.append({S.AREA: a, S.FIELD: f, "bedarf": True, "angebote_im_raum": len(own),
                         "angebote_angrenzend": len(nb_services),
                         "angrenzend_mit_angebot": _join(nb_with),
                         "angebote_kommunenweit": len(broad),
                         "versorgung": status, "luecke": status == NONE, "empfehlung": text})
    out = pd.DataFrame(rows, columns=GAP_COLUMNS)
    return out.astype({"bedarf": bool, "angebote_im_raum": "int64",
                       "angebote_angrenzend": "int64", "angebote_kommunenweit": "int64",
                       "luecke": bool})


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
                    year: int, level: float = 0.0) -> pd.DataFrame:
    """Progress of each Wirkungsziel (goal ⇒ measures ⇒ indicator with target).

    ``gebiet`` is an area code (area indicators) or an AGS (municipal indicators).

    Definitions (``b`` baseline value in ``basisjahr``, ``w`` latest value in ``year``
    with 95 % Wilson interval ``[ki_unten, ki_oben]``, ``t`` target value):

    * ``richtung``: „senken“ if ``t < b``, „erhöhen“ if ``t > b``, „halten“ if equal;
    * ``fortschritt`` = ``(b − w) / (b − t)``: share of the planned change achieved
      (1 = target reached, negative = moved away; NaN for „halten“);
    * ``erwartet`` = ``(year − basisjahr) / (zieljahr − basisjahr)``, clipped to 0…1:
      the share expected under linear progress;
    * ``gesichert``: the change ``w − b`` is larger than the noise at confidence
      ``level`` – ``z × √(se_b² + se_w²)`` with the standard errors from the two years'
      intervals, the rule of the change chapter (:func:`analysis.method.core.change_table`);
      without intervals (or ``level`` 0) any change counts;
    * ``status`` (first that applies):

      1. „keine Daten“ – baseline or latest value missing;
      2. „erreicht“ – holding: the latest value equals the target;
      3. „im Schwankungsbereich“ – the target lies inside ``[ki_unten, ki_oben]``: the latest value
         cannot be told apart from the target, whichever side of it it lies on (a value
         just past the target is not yet „erreicht“);
      4. „erreicht“ – the latest value is beyond the target (``w ≤ t`` when
         decreasing, ``w ≥ t`` when increasing) and the target outside the interval;
      5. „auf Kurs“ – ``fortschritt ≥ erwartet``;
      6. „nicht auf Kurs“ – otherwise (always for „halten“ when not reached).

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
    z = noise_factor(level)
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
        b_lo = float(base[S.LOWER]) if base is not None else np.nan
        b_hi = float(base[S.UPPER]) if base is not None else np.nan
        se = [(h - low) / (2 * Z95) for low, h in ((lo, hi), (b_lo, b_hi))]
        noise = z * float(np.sqrt(np.nansum([v * v for v in se])))
        secured = bool(pd.notna(b) and pd.notna(w) and abs(w - b) > noise)
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
        elif direction == "halten" and w == t:
            status = REACHED
        elif pd.notna(lo) and pd.notna(hi) and lo <= t <= hi:
            status = UNCERTAIN
        elif (direction == "senken" and w <= t) or (direction == "erhöhen" and w >= t):
            status = REACHED
        elif direction != "halten" and progress >= expected:
            status = ON_TRACK
        else:
            status = OFF_TRACK
        rows.append({"ziel_id": g["ziel_id"], "ziel": g.get("ziel", ""),
                     S.FIELD: g.get(S.FIELD, ""), "gebiet": code, "ebene": level,
                     S.INDICATOR: g[S.INDICATOR], "basisjahr": y0, "basiswert": b,
                     "jahr": year, "wert": w, "ki_unten": lo, "ki_oben": hi, "zielwert": t,
                     "zieljahr": y1, "richtung": direction, "fortschritt": progress,
                     "erwartet": expected, "gesichert": secured, "status": status})
    out = pd.DataFrame(rows, columns=PROGRESS_COLUMNS)
    floats = ["basiswert", "wert", "ki_unten", "ki_oben", "zielwert", "fortschritt", "erwartet"]
    return out.astype({**{c: "float64" for c in floats}, "gesichert": bool})


# --------------------------------------------------------------------------- clusters
def _components(nodes: set[str], adjacency: Mapping[str, set[str]]) -> list[list[str]]:
    """Connected components of ``nodes`` under ``adjacency`` (BFS), natural order."""
    seen: set[str] = set()
    comps = []
    for start in natural_sorted(nodes):
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
        comps.append(natural_sorted(comp))
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


# --------------------------------------------------------------------------- responsibility
#: what each kind of recommendation is called on the page
KIND_TITLES = {
    "kumulation": "Mehrfacher Handlungsbedarf",
    "versorgungsluecke": "Angebot prüfen",
    "nur_angrenzend": "Erreichbarkeit prüfen",
    "interkommunal": "Interkommunaler Ansatz",
    "themengleich": "Austausch themengleicher Kommunen",
    "wirkungsziel": "Wirkungsziel überprüfen",
    "grenzfaelle": "Grenzfälle vor Ort prüfen",
}
#: what tells two recommendations of one kind apart in their title (a placeholder of the
#: texts): „Interkommunaler Ansatz: Alsdorf und Eschweiler“, „… : „Kinderarmut““
KIND_SUBJECTS = {
    "kumulation": "{kommunen}", "versorgungsluecke": "{kommunen}", "nur_angrenzend": "{kommunen}",
    "interkommunal": "{kommunen}", "themengleich": "„{thema}“", "wirkungsziel": "„{ziel}“",
    "grenzfaelle": "",
}
#: default horizon of each kind (``konzept.empfehlungen.<art>.zeithorizont`` overrides)
DEFAULT_HORIZON = {
    "kumulation": "kurzfristig", "versorgungsluecke": "mittelfristig", "nur_angrenzend": "kurzfristig",
    "interkommunal": "mittelfristig", "themengleich": "kurzfristig",
    "wirkungsziel": "kurzfristig", "grenzfaelle": "kurzfristig",
}
#: default level of the kinds whose level does not follow the carrier of the field
FIXED_LEVEL = {"kumulation": "gemeinsam", "interkommunal": "gemeinsam",
               "themengleich": "gemeinsam", "grenzfaelle": "eigen"}
PRIORITIES = ("hoch", "mittel", "niedrig")
REC_COLUMNS = ["nr", "handlungsfeld", "art", "titel", "prioritaet", "ebene", "zustaendig",
               "sozialraeume", "kommunen", "ags", "bezug", "text", "schritt", "zeithorizont",
               "bis", "grundlage", "aufwand"]
#: effort classes, low to high (labels in ``konzept.aufwand.bezeichnungen``)
EFFORTS = ("gering", "mittel", "hoch")
#: built-in base effort of each kind (``konzept.empfehlungen.<art>.aufwand`` overrides):
#: a check or a conversation is „gering“, organising coordination or an exchange
#: „mittel“, a new or extended service or joint planning across a border „hoch“
BASE_EFFORT = {
    "grenzfaelle": "gering", "wirkungsziel": "gering", "nur_angrenzend": "gering",
    "kumulation": "mittel", "themengleich": "mittel",
    "versorgungsluecke": "hoch", "interkommunal": "hoch",
}
RECOMMENDATION_COLUMNS = REC_COLUMNS


def carrier(field: str, ags: str, concept: Any) -> str:
    """Who carries the services of ``field`` in Kommune ``ags``: „region“, „kommune“ or
    „gemeinsam“.

    ``konzept.zustaendigkeit`` names per field „region“, „kommune“, „gemeinsam“ (shared:
    e.g. care planning by the Kreis, neighbourhood work by the Kommune) or a task of
    ``konzept.aufgaben`` (e.g. the Jugendamt); a task is carried by the region for the
    Kommunen in its ``region_traegt`` and by the Kommune itself elsewhere. Fields not
    listed: „kommune“ (the concept recommends, the Kommune decides).
    """
    who = _attr(concept, "zustaendigkeit", {}).get(field, "kommune")
    if who in ("region", "kommune", "gemeinsam"):
        return who
    task = _attr(concept, "aufgaben", {})[who]
    return "region" if ags in set(_attr(task, "region_traegt", ())) else "kommune"


def responsible_levels(kind: str, field: str, ags: Sequence[str], concept: Any
                       ) -> list[tuple[str, list[str]]]:
    """Default responsible level(s) of a recommendation and the Kommunen of each.

    * ``konzept.empfehlungen.<kind>.ebene`` other than ``auto`` wins;
    * inter-municipal approaches and exchange of themengleiche Kommunen are developed
      jointly („gemeinsam“); checking borderline classifications is the region's own
      work („eigen“);
    * everything about services (gaps, reachability, impact goals) follows the carrier
      of the field per Kommune (:func:`carrier`): the region's own competence where it
      carries the task, developed jointly where the field is a shared task
      („gemeinsam“), a recommendation to the Kommune elsewhere – a recommendation
      concerning several kinds of Kommune is split.

    Returns
    -------
    list of ``(level, ags)``, levels in the order eigen, gemeinsam, empfehlung.
    """
    ags = sorted(set(ags))
    spec = _attr(concept, "empfehlungen", {}).get(kind)
    fixed = _attr(spec, "ebene", "auto") if spec is not None else "auto"
    if fixed != "auto":
        return [(fixed, ags)]
    if kind in FIXED_LEVEL:
        return [(FIXED_LEVEL[kind], ags)]
    who = {a: carrier(field, a, concept) for a in ags}
    own = [a for a in ags if who[a] == "region"]
    shared = [a for a in ags if who[a] == "gemeinsam"]
    other = [a for a in ags if who[a] == "kommune"]
    if not ags and _attr(concept, "zustaendigkeit", {}).get(field) == "gemeinsam":
        return [("gemeinsam", [])]
    return [(lvl, grp) for lvl, grp in (("eigen", own), ("gemeinsam", shared),
                                        ("empfehlung", other)) if grp] or \
        [("empfehlung", [])]


def lead_office(kind: str, field: str, level: str, kommunen: int, concept: Any,
                values: Mapping[str, object]) -> str:
    """Who leads a recommendation („Federführung“), from ``konzept.federfuehrung``:

    1. ``arten.<kind>`` when set;
    2. a recommendation to the Kommunen (level ``empfehlung``): ``kommune`` (one Kommune)
       or ``kommunen`` (several);
    3. a recommendation on the field's services or goals where the region decides or
       coordinates (levels ``eigen``, ``gemeinsam``; not the kinds with a fixed level such
       as the cumulation or inter-municipal approaches): ``felder.<field>`` when set;
    4. else ``region`` (the region's social planning).

    Placeholders ({region}, {region_genitiv}) are filled from ``values``.
    """
    lead = _attr(concept, "federfuehrung", None)
    if lead is None:
        return ""
    if kind in lead.arten:
        text = lead.arten[kind]
    elif level == "empfehlung":
        text = lead.kommunen if kommunen > 1 else lead.kommune
    elif kind not in FIXED_LEVEL and field in lead.felder:
        text = lead.felder[field]
    else:
        text = lead.region
    return lead.fill(text, dict(values))


def borderline(need: pd.DataFrame, stability: pd.DataFrame | None, field: str,
               stable_from: float) -> pd.Series:
    """Areas whose classification in ``field`` is a borderline case (fewer than
    ``stable_from`` of the robustness variants agree); all False without stability."""
    flags = _flags(need, field)
    if stability is None or field not in getattr(stability, "columns", ()):
        return pd.Series(False, index=need.index)
    share = stability[field].reindex(need.index)
    agree = share.where(flags, 1 - share)
    return (agree < stable_from).fillna(False).astype(bool)


# --------------------------------------------------------------------------- effort
def base_effort(kind: str, concept: Any) -> str:
    """The base effort class of ``kind``: ``konzept.empfehlungen.<kind>.aufwand`` when
    set, else :data:`BASE_EFFORT`."""
    spec = _attr(concept, "empfehlungen", {}).get(kind)
    own = _attr(spec, "aufwand", None) if spec is not None else None
    return own or BASE_EFFORT[kind]


def effort_class(kind: str, kommunen: int, areas: int, concept: Any) -> str:
    """Effort class („Aufwand“) of a recommendation by the default rule (METHOD.md §7):
    the base class of its kind (:func:`base_effort`), one class higher (at most „hoch“)
    when it concerns at least ``konzept.aufwand.kommunen_ab`` Kommunen or at least
    ``konzept.aufwand.sozialraeume_ab`` areas."""
    rule = _attr(concept, "aufwand", None)
    k_from = int(_attr(rule, "kommunen_ab", 5))
    a_from = int(_attr(rule, "sozialraeume_ab", 10))
    i = EFFORTS.index(base_effort(kind, concept))
    if kommunen >= k_from or areas >= a_from:
        i = min(i + 1, len(EFFORTS) - 1)
    return EFFORTS[i]


def _fixed_efforts(rows: list[dict], concept: Any) -> None:
    """Apply ``konzept.aufwand.empfehlungen`` (number → class) to the numbered rows; a
    number without a recommendation is a configuration error."""
    from analysis.common.errors import ConfigError

    fixed = dict(_attr(_attr(concept, "aufwand", None), "empfehlungen", {}) or {})
    if not fixed:
        return
    by_nr = {int(r["nr"]): r for r in rows}
    bad = sorted(n for n in fixed if n not in by_nr)
    if bad:
        have = f"1–{len(rows)}" if rows else "keine"
        raise ConfigError(f"konzept.aufwand.empfehlungen.{bad[0]}: keine Empfehlung mit dieser "
                          f"Nummer (vorhanden: {have}) – Nummern nach einer Änderung der "
                          "Daten prüfen")
    for n, cls in fixed.items():
        by_nr[n]["aufwand"] = cls


# --------------------------------------------------------------------------- recommendations
def _rank(priority: str) -> int:
    return PRIORITIES.index(priority)


def _in_areas(codes: Sequence[str]) -> str:
    return _areas_phrase(codes)


def recommendations(fields: Sequence[str], concept: Any, texts: Mapping[str, tuple[str, str]],
                    year: int, *, gap_table: pd.DataFrame | None = None,
                    clusters: pd.DataFrame | None = None, groups: pd.DataFrame | None = None,
                    progress: pd.DataFrame | None = None, need: pd.DataFrame | None = None,
                    stability: pd.DataFrame | None = None, stable_from: float = 0.8,
                    counted: Sequence[str] = (), area_ags: Mapping[str, str] | None = None,
                    names: Mapping[str, str] | None = None,
                    labels: Mapping[str, str] | None = None,
                    titles: Mapping[str, str] | None = None,
                    level_labels: Mapping[str, str] | None = None,
                    values: Mapping[str, object] | None = None,
                    units: Mapping[str, str] | None = None,
                    indicator_labels: Mapping[str, str] | None = None,
                    cumulation_field: str | None = None) -> pd.DataFrame:
    """The recommendations of the concept (METHOD.md §7), each with priority, level,
    areas and Kommunen, evidence, next step and horizon.

    Per field, derived from the other results: (0) ``kumulation`` – one per Kommune with
    areas of need in at least ``konzept.kumulation_ab`` counted fields, listed under
    ``cumulation_field`` (default: the first counted field; the demo: Armut, whose title
    names the cumulation); (1) ``versorgungsluecke`` – areas with
    need and no service in or next to them; (2) ``nur_angrenzend`` – areas served only
    from a neighbour; (3) ``interkommunal`` – one per inter-municipal cluster;
    (4) ``themengleich`` – one per theme of the field named by at least two Kommunen;
    (5) ``wirkungsziel`` – one per goal „nicht auf Kurs“; (6) ``grenzfaelle`` – when at
    least ``konzept.grenzfaelle_pruefen_ab`` of the field's need classifications are
    borderline (format: a workshop from ``konzept.grenzfaelle_anteil`` of them, else an
    expert talk). (1), (2) and (5) are split by responsible level (:func:`responsible_levels`).

    Priority (``konzept.empfehlungen.<art>.prioritaet`` other than ``auto`` wins):

    * area kinds: „niedrig“ when every classification concerned is borderline, „hoch“
      when at least half of the areas concerned are stable and have need in at least
      ``konzept.kumulation_ab`` counted fields, else „mittel“;
    * themes: „hoch“ when every Kommune that named it has an area with stable (not
      borderline) need in the field, „niedrig“ when none has any need there, else „mittel“;
    * goals: „hoch“ when the value moved away from the target, else „mittel“;
      borderline checks: „mittel“.

    Within a field: by priority (hoch first), then in the order above; ``nr`` counts
    1, 2, … over all fields.

    Effort (``aufwand``): :func:`effort_class` from the kind, the Kommunen and the areas
    concerned; ``konzept.aufwand.empfehlungen`` fixes it per number.

    Parameters
    ----------
    texts : kind → (recommendation template, next-step template[, title template]),
        Markdown sentences with placeholders
        (:data:`analysis.contract.config.RECOMMENDATION_SLOTS`); without a title the
        built-in one (:data:`KIND_TITLES` and :data:`KIND_SUBJECTS`).
    year : report year (horizon years are counted from it).
    need, stability : per area flags ``<field>_bedarf_flag`` and the share of variants.
    counted : fields counted in the cumulation. area_ags : area → Kommune id.
    names : Kommune id → name; area code → label (for goals).
    labels : field → short name; titles : field → title.
    level_labels : level → label (``konzept.ebenen`` with the region inserted).
    values : placeholders common to every text (region, …).
    cumulation_field : the field under which the ``kumulation`` recommendations are listed.
    units, indicator_labels : indicator → unit („%“, „je 1.000“) and name, for the
        evidence of a goal („Grundsicherung im Alter: 4,5 % (2016), 4,9 % (2021), Ziel …“).

    Returns
    -------
    DataFrame with :data:`REC_COLUMNS`; multi-valued cells ``"|"``-joined.
    """
    labels, titles, names = dict(labels or {}), dict(titles or {}), dict(names or {})
    area_ags = dict(area_ags or {})
    level_labels = dict(level_labels or {})
    kumulation_ab = int(_attr(concept, "kumulation_ab", 3))
    share_from = float(_attr(concept, "grenzfaelle_anteil", 0.25))
    check_from = int(_attr(concept, "grenzfaelle_pruefen_ab", 1))
    horizons = _attr(concept, "zeithorizonte", {"kurzfristig": 2, "mittelfristig": 4,
                                                 "langfristig": 6})
    part = _attr(concept, "beteiligung", None)
    fmt_of = {"kumulation": _attr(part, "sozialraum", ""),
              "versorgungsluecke": _attr(part, "sozialraum", ""),
              "nur_angrenzend": _attr(part, "sozialraum", ""),
              "interkommunal": _attr(part, "interkommunal", ""),
              "grenzfaelle": _attr(part, "grenzfaelle", "")}
    cum = cumulation(need, counted) if need is not None else pd.Series(dtype="int64")

    def setting(kind: str, key: str, default: Any) -> Any:
        spec = _attr(concept, "empfehlungen", {}).get(kind)
        v = _attr(spec, key, None) if spec is not None else None
        return default if v in (None, "auto") else v

    def area_priority(field: str, codes: Sequence[str]) -> str:
        if need is None:
            return "mittel"
        bl = borderline(need, stability, field, stable_from)
        if codes and all(bool(bl.get(a, False)) for a in codes):
            return "niedrig"
        strong = sum(1 for a in codes
                     if int(cum.get(a, 0)) >= kumulation_ab and not bool(bl.get(a, False)))
        return "hoch" if codes and 2 * strong >= len(codes) else "mittel"

    def kommune_names(ags: Iterable[str]) -> list[str]:
        return sorted(names.get(a, a) for a in set(ags))

    def who(level: str, ags: Sequence[str]) -> str:
        if level == "empfehlung" and ags:  # name the Kommunen the recommendation is for
            return f"Empfehlung an {fmt.join_de(kommune_names(ags))}"
        return level_labels.get(level, level)

    items: dict[str, list[dict]] = {f: [] for f in fields}

    def add(field: str, kind: str, priority: str, level: str, codes: Sequence[str],
            ags: Sequence[str], ref: str, evidence: str, extra: Mapping[str, object]) -> None:
        horizon = setting(kind, "zeithorizont", DEFAULT_HORIZON[kind])
        until = (_attr(concept, "startjahr", None) or year) + int(horizons[horizon])
        codes = natural_sorted(codes)
        kommunen = kommune_names(ags)
        slot = {**(values or {}), "feld": labels.get(field, field),
                "feld_titel": titles.get(field, labels.get(field, field)),
                "gebiete": fmt.join_de(codes), "im_gebiet": _in_areas(codes) if codes else "",
                "anzahl_gebiete": len(codes),
                "kommunen": fmt.join_de(kommunen), "format": fmt_of.get(kind, ""),
                "bis": until, "thema": "", "anzahl_kommunen": "", "ziel": "", "ort": "",
                "grund": "", "anzahl_grenzfaelle": "", "anzahl_bedarf": ""}
        slot.update(extra)
        text, step, *title = texts[kind]
        items[field].append({
            S.FIELD: field, "art": kind,
            "titel": (_dangling(_fill(title[0], slot)) if title and title[0] else
                      _title(kind, slot)),
            "prioritaet": setting(kind, "prioritaet", priority), "ebene": level,
            "zustaendig": who(level, sorted(set(ags))),
            "sozialraeume": _join(codes), "kommunen": _join(kommunen),
            S.AGS: _join(sorted(set(ags))), "bezug": ref,
            "text": _fill(text, slot), "schritt": _fill(step, slot),
            "zeithorizont": horizon, "bis": until, "grundlage": evidence,
            "aufwand": effort_class(kind, len(set(ags)), len(codes), concept)})

    counted = [f for f in counted if f in fields]
    home = cumulation_field if cumulation_field in fields else (counted[0] if counted else None)
    for f in fields:
        if f == home and need is not None and len(counted) >= kumulation_ab:
            many = natural_sorted(cum.index[cum >= kumulation_ab])
            n_c = fmt.number_word(len(counted))
            scope = (f"in allen {n_c} gezählten Handlungsfeldern" if kumulation_ab == len(counted)
                     else f"in {fmt.number_word(kumulation_ab)} oder mehr der {n_c} gezählten "
                          "Handlungsfelder")
            by_ags: dict[str, list[str]] = {}
            for a in many:
                by_ags.setdefault(area_ags.get(a, ""), []).append(a)
            for ags in sorted(by_ags, key=lambda x: names.get(x, x)):
                codes = by_ags[ags]
                for level, grp in responsible_levels("kumulation", f, [ags], concept):
                    add(f, "kumulation", area_priority(f, codes), level, codes, grp,
                        _join(codes), "kumulation", {"in_feldern": scope})
        if gap_table is not None and not gap_table.empty:
            g = gap_table[gap_table[S.FIELD] == f]
            for kind, mask in (("versorgungsluecke", g["luecke"].astype(bool)),
                               ("nur_angrenzend", g["versorgung"] == NEIGHBOUR_ONLY)):
                codes = natural_sorted(g.loc[mask, S.AREA])
                if not codes:
                    continue
                for level, ags in responsible_levels(kind, f, [area_ags.get(a, "") for a in codes],
                                                     concept):
                    mine = [a for a in codes if area_ags.get(a, "") in ags] or codes
                    add(f, kind, area_priority(f, mine), level, mine,
                        [area_ags.get(a, "") for a in mine if a in area_ags], _join(mine),
                        "feld", {})
        if clusters is not None and not clusters.empty:
            for _, c in clusters[clusters[S.FIELD] == f].iterrows():
                codes = c["sozialraeume"].split(SEP)
                ags = c[S.AGS].split(SEP)
                for level, grp in responsible_levels("interkommunal", f, ags, concept):
                    add(f, "interkommunal", area_priority(f, codes), level, codes, grp,
                        c["cluster"], "cluster", {})
        if groups is not None and not groups.empty:
            sel = groups[(groups[S.FIELD] == f) & (groups["anzahl"] >= 2)]
            for _, t in sel.iterrows():
                ags = [a for a in str(t[S.AGS]).split(SEP) if a]
                with_need, with_stable = set(), set()
                if need is not None:
                    fl = _flags(need, f)
                    firm = fl & ~borderline(need, stability, f, stable_from)
                    with_need = {area_ags.get(a) for a in fl.index[fl]}
                    with_stable = {area_ags.get(a) for a in firm.index[firm]}
                n_with = sum(a in with_need for a in ags)
                # „hoch“ only when every Kommune's need there is stable (not only borderline)
                prio = ("hoch" if all(a in with_stable for a in ags) else
                        "niedrig" if n_with == 0 else "mittel")
                for level, grp in responsible_levels("themengleich", f, ags, concept):
                    add(f, "themengleich", prio, level, [], grp, t["thema"], "thema",
                        {"thema": t["titel"], "format": t["format"],
                         "anzahl_kommunen": fmt.number_word(len(ags))})
        if progress is not None and not progress.empty:
            off = progress[(progress[S.FIELD] == f) & (progress["status"] == OFF_TRACK)]
            for _, p in off.iterrows():
                place = p["gebiet"]
                ags = [area_ags.get(place, place)]
                facts = _goal_facts(p, year, units, indicator_labels)
                if not p.get("gesichert", True):
                    # inside the noise: neither „moved away“ nor a share achieved is shown
                    why = (f"Der Wert hat sich seit {p['basisjahr']} nicht über die zufällige "
                           f"Schwankung hinaus verändert{facts}, erwartet waren "
                           f"{fmt.percent(100 * p['erwartet'], 0)} der geplanten Veränderung")
                    prio = "mittel"
                elif pd.notna(p["fortschritt"]) and p["fortschritt"] < 0:
                    why, prio = (f"Der Wert hat sich seit {p['basisjahr']} vom Zielwert "
                                 f"entfernt{facts}"), "hoch"
                else:
                    why = (f"Erreicht ist {fmt.percent(100 * p['fortschritt'], 0)} der "
                           f"geplanten Veränderung, erwartet waren "
                           f"{fmt.percent(100 * p['erwartet'], 0)}{facts}")
                    prio = "mittel"
                codes = [place] if place in area_ags else []
                for level, grp in responsible_levels("wirkungsziel", f, ags, concept):
                    add(f, "wirkungsziel", prio, level, codes, grp, p["ziel_id"], "ziel",
                        {"ziel": p["ziel"], "ort": names.get(place, place), "grund": why})
        if need is not None and stability is not None and f in getattr(stability, "columns", ()):
            fl = _flags(need, f)
            bl = borderline(need, stability, f, stable_from) & fl
            n, k = int(fl.sum()), int(bl.sum())
            if k and k >= check_from:
                codes = natural_sorted(bl.index[bl])
                for level, grp in responsible_levels(
                        "grenzfaelle", f, [area_ags.get(a, "") for a in codes], concept):
                    add(f, "grenzfaelle", "mittel", level, codes, grp, _join(codes),
                        "grenzfaelle", {"anzahl_grenzfaelle": fmt.number(k),
                                        "anzahl_bedarf": fmt.number(n),
                                        "format": fmt_of["grenzfaelle"] if k >= share_from * n
                                        else _attr(part, "grenzfaelle_wenige", "")})
    rows = []
    for f in fields:
        order = sorted(range(len(items[f])),
                       key=lambda i, f=f: (_rank(items[f][i]["prioritaet"]), i))
        rows += [items[f][i] for i in order]
    for i, r in enumerate(rows, start=1):
        r["nr"] = i
    _fixed_efforts(rows, concept)
    out = pd.DataFrame(rows, columns=REC_COLUMNS)
    return out.astype({"nr": "int64", "bis": "int64"})


def goal_value_text(value: object, p: Mapping[str, object], unit: str | None) -> str:
    """A value of a goal's progress row ``p`` (baseline, latest value, interval limit) with
    its unit, never rounded onto (or past) the target it is judged against: the status
    (:func:`impact_progress`) compares the unrounded numbers."""
    return fmt.apart(value, [p.get("zielwert")], 1, lambda v, d: fmt.with_unit(v, unit, d))


def _goal_facts(p: pd.Series, year: int, units: Mapping[str, str] | None,
                indicator_labels: Mapping[str, str] | None) -> str:
    """„ (Grundsicherung im Alter: 4,5 % im Jahr 2016, 4,9 % im Jahr 2021, Zielwert 4,3 %
    bis 2025)“ – the numbers behind a goal's status; empty without values."""
    if not all(pd.notna(p.get(k)) for k in ("basiswert", "wert", "zielwert")):
        return ""
    ind = p.get(S.INDICATOR, "")
    unit = (units or {}).get(ind)
    name = (indicator_labels or {}).get(ind, "")
    until = f" bis {int(p['zieljahr'])}" if pd.notna(p.get("zieljahr")) else ""
    return (f" ({name + ': ' if name else ''}{goal_value_text(p['basiswert'], p, unit)} im Jahr "
            f"{int(p['basisjahr'])}, {goal_value_text(p['wert'], p, unit)} im Jahr "
            f"{int(p.get('jahr', year))}, Zielwert {fmt.with_unit(p['zielwert'], unit)}{until})")


def _dangling(title: str) -> str:
    """A title whose subject came out empty loses its „: “ (and empty quotes)."""
    return re.sub(r"(?::\s*)?(?:„“)?\s*$", "", title)


def _title(kind: str, values: Mapping[str, object]) -> str:
    """„Angebot prüfen: Adorf“ – the kind and what sets it apart from its siblings."""
    subject = _fill(KIND_SUBJECTS.get(kind, ""), values).strip("„“ ")
    return KIND_TITLES[kind] + (f": {_fill(KIND_SUBJECTS[kind], values)}" if subject else "")


def _fill(template: str, values: Mapping[str, object]) -> str:
    """Insert ``values`` into a sentence template (placeholders and count forms checked by
    the config, :mod:`analysis.contract.templates`)."""
    from analysis.contract.templates import parse

    return " ".join(parse(template).render(values).split())


# --------------------------------------------------------------------------- key messages
def _tied_best(counts: Mapping[str, int]) -> tuple[int, list[str]]:
    """The largest value and every key that has it (in the given order)."""
    if not counts:
        return 0, []
    best = max(counts.values())
    return best, [k for k, v in counts.items() if v == best]


def key_messages(need: pd.DataFrame, fields: Sequence[str], counted: Sequence[str],
                 labels: Mapping[str, str], area_ags: Mapping[str, str],
                 names: Mapping[str, str], *, say: Callable[..., str],
                 stability: pd.DataFrame | None = None,
                 stable_from: float = 0.8, need_previous: pd.DataFrame | None = None,
                 base_year: int | None = None, kumulation_ab: int = 3,
                 recommendations: pd.DataFrame | None = None,
                 level_labels: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """Four to six key messages („Das Wichtigste in Kürze“) computed from the results.

    In this order, each a German sentence (``art``, ``text``, ``feld`` – the field a
    reader should look at, or ``""``):

    1. ``bedarf`` – areas with need in at least one counted field, and the field(s)
       with the most areas (ties listed, with the number of Kommunen);
    2. ``veraenderung`` – the field(s) with the most areas newly in need since
       ``base_year`` (only with a comparison year);
    3. ``kumulation`` – areas with need in at least ``kumulation_ab`` counted fields and
       the Kommune(s) with the most of them (only with that many counted fields);
    4. ``sicherheit`` – borderline classifications among those with need, and the
       field(s) with the most (only with robustness results);
    5. ``konzept`` – the number of recommendations, how many with high priority, and
       how many per responsible level (only with ``recommendations``).

    The words are the planners': ``say(block, **values)`` renders the sentence block
    ``kernaussage.<art>`` of the text folder (``satzbausteine.md``, count forms for 0, 1
    and many); this function computes the counts and the tied leaders it is given.
    """
    n_areas = len(need)
    flags = {f: _flags(need, f) for f in fields}
    out: list[dict[str, str]] = []
    any_counted = (pd.concat([flags[f] for f in counted], axis=1).any(axis=1)
                   if counted else pd.Series(False, index=need.index))
    n_any = int(any_counted.sum())
    per_field = {f: int(flags[f].sum()) for f in fields}
    best, tops = _tied_best(per_field)
    several_kommunen = len(set(area_ags.values())) > 1
    yes = {True: "ja", False: "nein"}
    top = tops[0] if best and len(tops) == 1 else None
    out.append({"art": "bedarf", "feld": tops[0] if best else "", "text": say(
        "kernaussage.bedarf", sozialraeume=n_areas, mit_bedarf=n_any, bester=best,
        alle=yes[n_any == n_areas and n_areas > 1],
        gezaehlt=[labels.get(f, f) for f in counted],
        felder=[labels.get(f, f) for f in tops] if best else [],
        kommunen=(len({area_ags.get(a) for a in flags[top].index[flags[top]]})
                  if top else 0),
        kommunen_zeigen=yes[several_kommunen],
        knapp=(int((borderline(need, stability, top, stable_from) & flags[top]).sum())
               if top and stability is not None else 0))})

    if need_previous is not None and base_year is not None:
        entered, left = {}, {}
        for f in fields:
            before = _flags(need_previous, f).reindex(need.index, fill_value=False)
            entered[f] = int((flags[f] & ~before).sum())
            left[f] = int((~flags[f] & before).sum())
        most, tops_c = _tied_best(entered)
        gone = (sum(left.values()) if most == 0 else
                left[tops_c[0]] if len(tops_c) == 1 else 0)
        knapp = 0  # of the areas newly in need in the one top field, how many borderline
        if most and len(tops_c) == 1 and stability is not None:
            f = tops_c[0]
            new = flags[f] & ~_flags(need_previous, f).reindex(need.index, fill_value=False)
            knapp = int((new & borderline(need, stability, f, stable_from)).sum())
        out.append({"art": "veraenderung", "feld": tops_c[0] if most else "", "text": say(
            "kernaussage.veraenderung", seit=base_year, meiste=most,
            felder=[labels.get(f, f) for f in tops_c] if most else [], entfallen=gone,
            knapp=knapp)})

    if len(counted) >= kumulation_ab:
        cum = cumulation(need, counted)
        many = cum.index[cum >= kumulation_ab]
        per_mun: dict[str, int] = {}
        for a in many:
            m = names.get(area_ags.get(a, ""), area_ags.get(a, ""))
            per_mun[m] = per_mun.get(m, 0) + 1
        per_mun = dict(sorted(per_mun.items()))
        top_n, top_m = _tied_best(per_mun)
        out.append({"art": "kumulation", "feld": "", "text": say(
            "kernaussage.kumulation", sozialraeume=len(many), ab=kumulation_ab,
            gezaehlt=len(counted), alle_felder=yes[kumulation_ab == len(counted)],
            kommunen_zeigen=yes[several_kommunen and len(many) > 1], meiste=top_m,
            je=top_n, verteilung="gleich" if len(top_m) == len(per_mun) else "meiste")})

    if counted and stability is not None and all(f in stability.columns for f in counted):
        # over the counted fields, as the first message (an exploratory field apart)
        per_b = {f: int((borderline(need, stability, f, stable_from) & flags[f]).sum())
                 for f in counted}
        total = sum(per_field[f] for f in counted)
        nb = sum(per_b.values())
        if total:
            most_b, tops_b = _tied_best(per_b)
            where = [say("kernaussage.sicherheit.feld", feld=labels.get(f, f),
                         grenzfaelle=per_b[f], bedarf=per_field[f])
                     for f in tops_b] if nb else []
            out.append({"art": "sicherheit", "feld": tops_b[0] if nb else "", "text": say(
                "kernaussage.sicherheit", einstufungen=total, grenzfaelle=nb, felder=where,
                prozent=fmt.number(stable_from * 100), gezaehlt=len(counted))})

    if recommendations is not None:
        rec = recommendations
        lvl = dict(level_labels or {})
        parts = [say("kernaussage.konzept.ebene", ebene=lvl.get(level, level), anzahl=k)
                 for level in ("eigen", "gemeinsam", "empfehlung")
                 if (k := int((rec["ebene"] == level).sum()))] if len(rec) else []
        out.append({"art": "konzept", "feld": "", "text": say(
            "kernaussage.konzept", empfehlungen=len(rec),
            hoch=int((rec["prioritaet"] == "hoch").sum()) if len(rec) else 0,
            ebenen=parts)})
    return out


# --------------------------------------------------------------------------- priorities × need
MATRIX_COLUMNS = ["ags", "kommune", "handlungsfeld", "themen", "benannt", "bedarf",
                  "klasse"]
MATCH = "benannt und gemessen"
NAMED_ONLY = "benannt, kein Bedarf gemessen"
MEASURED_ONLY = "Bedarf gemessen, nicht benannt"
NEITHER = "weder benannt noch gemessen"


def priority_need_matrix(priorities: pd.DataFrame | None, themes: Mapping[str, Any],
                         municipalities: pd.DataFrame, need: pd.DataFrame,
                         area_ags: Mapping[str, str]) -> pd.DataFrame:
    """The Kommunen's named priorities against their measured need (work package 6).

    One row per Kommune × field that has at least one configured theme: the themes the
    Kommune named in that field (``themen``, ids ``"|"``-joined), ``benannt`` (any),
    ``bedarf`` (number of its areas with need in the field) and ``klasse``: „benannt
    und gemessen“, „benannt, kein Bedarf gemessen“, „Bedarf gemessen, nicht benannt“ or
    „weder benannt noch gemessen“. Kommunen in the order of ``municipalities``, fields
    in the order of their first theme.
    """
    fields = list(dict.fromkeys(_attr(t, "handlungsfeld") for t in themes.values()))
    pri = priorities if priorities is not None else pd.DataFrame(columns=[S.AGS, "thema"])
    rows = []
    for _, m in municipalities.iterrows():
        mine = set(pri.loc[pri[S.AGS] == m[S.AGS], "thema"])
        for f in fields:
            named = [t for t, spec in themes.items()
                     if t in mine and _attr(spec, "handlungsfeld") == f]
            fl = _flags(need, f)
            n = int(sum(1 for a in fl.index[fl] if area_ags.get(a) == m[S.AGS]))
            cls = (MATCH if named and n else NAMED_ONLY if named else
                   MEASURED_ONLY if n else NEITHER)
            rows.append({S.AGS: m[S.AGS], S.KOMMUNE: m["name"], S.FIELD: f,
                         "themen": _join(named), "benannt": bool(named), "bedarf": n,
                         "klasse": cls})
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS).astype({"bedarf": "int64",
                                                              "benannt": bool})


# --------------------------------------------------------------------------- participation
PARTICIPATION_COLUMNS = ["format", "anlass", "handlungsfeld", "bezug", "kommunen",
                         "sozialraeume", "zeithorizont", "bis", "art", "schluessel"]
#: the staggered plan (:func:`stagger_formats`): numbered in the order they start
STAGGER_COLUMNS = ["nr", "welle", "beginn", "format", "anlass", "handlungsfeld", "bezug",
                   "kommunen", "sozialraeume", "prioritaet", "empfehlungen", "zeithorizont",
                   "bis", "zusammengelegt", "baut_auf", "art"]


def participation_plan(groups: pd.DataFrame | None, clusters: pd.DataFrame | None,
                       need: pd.DataFrame, stability: pd.DataFrame | None,
                       fields: Sequence[str], counted: Sequence[str],
                       area_ags: Mapping[str, str], names: Mapping[str, str],
                       concept: Any, year: int, stable_from: float = 0.8,
                       labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Participation formats planned per theme, cluster, Kommune and field.

    * a theme named by two or more Kommunen: its exchange format (``thema`` from
      ``thema_ab`` Kommunen, else ``tandem``), anlass „Thema: <titel>“;
    * an inter-municipal cluster: ``interkommunal`` with the Kommunen concerned;
    * a Kommune with areas of cumulated need (≥ ``kumulation_ab`` counted fields):
      ``sozialraum`` – one conference per Kommune for these areas;
    * a field with at least ``grenzfaelle_anteil`` borderline classifications:
      ``grenzfaelle``.

    Horizons as the matching recommendation kind (``themengleich``, ``interkommunal``,
    ``kumulation``, ``grenzfaelle``). Returns :data:`PARTICIPATION_COLUMNS`.
    """
    labels = dict(labels or {})
    part = _attr(concept, "beteiligung")
    horizons = _attr(concept, "zeithorizonte")

    def horizon(kind: str) -> tuple[str, int]:
        spec = _attr(concept, "empfehlungen", {}).get(kind)
        h = (_attr(spec, "zeithorizont", None) if spec is not None else None) or \
            DEFAULT_HORIZON[kind]
        return h, (_attr(concept, "startjahr", None) or year) + int(horizons[h])

    def kn(ags: Iterable[str]) -> str:
        return _join(sorted(names.get(a, a) for a in set(ags)))

    rows = []
    if groups is not None and not groups.empty:
        for _, t in groups[groups["anzahl"] >= 2].iterrows():
            h, until = horizon("themengleich")
            rows.append({"format": t["format"], "anlass": "Thema", S.FIELD: t[S.FIELD],
                         "bezug": t["titel"], "kommunen": t["kommunen"], "sozialraeume": "",
                         "zeithorizont": h, "bis": until, "art": "themengleich",
                         "schluessel": t["thema"]})
    if clusters is not None and not clusters.empty:
        for _, c in clusters.iterrows():
            h, until = horizon("interkommunal")
            rows.append({"format": _attr(part, "interkommunal"),
                         "anlass": "Gemeindeübergreifendes Gebiet", S.FIELD: c[S.FIELD],
                         "bezug": f"{labels.get(c[S.FIELD], c[S.FIELD])}: "
                                  f"{fmt.join_de(c['sozialraeume'].split(SEP))}",
                         "kommunen": c["kommunen"], "sozialraeume": c["sozialraeume"],
                         "zeithorizont": h, "bis": until, "art": "interkommunal",
                         "schluessel": c["cluster"]})
    k = int(_attr(concept, "kumulation_ab", 3))
    if len(counted) >= k:
        cum = cumulation(need, counted)
        many = natural_sorted(cum.index[cum >= k])
        by_ags: dict[str, list[str]] = {}
        for a in many:
            by_ags.setdefault(area_ags.get(a, ""), []).append(a)
        for ags in sorted(by_ags, key=lambda x: names.get(x, x)):
            h, until = horizon("kumulation")
            rows.append({"format": _attr(part, "sozialraum"),
                         "anlass": "Kumulation von Handlungsbedarfen", S.FIELD: "",
                         "bezug": fmt.join_de(by_ags[ags]), "kommunen": kn([ags]),
                         "sozialraeume": _join(by_ags[ags]), "zeithorizont": h, "bis": until,
                         "art": "kumulation", "schluessel": _join(by_ags[ags])})
    share_from = float(_attr(concept, "grenzfaelle_anteil", 0.25))
    if stability is not None:
        for f in fields:
            fl = _flags(need, f)
            bl = borderline(need, stability, f, stable_from) & fl
            if bl.sum() and bl.sum() >= share_from * fl.sum():
                codes = natural_sorted(bl.index[bl])
                h, until = horizon("grenzfaelle")
                rows.append({"format": _attr(part, "grenzfaelle"),
                             "anlass": "Grenzfälle der Einstufung", S.FIELD: f,
                             "bezug": labels.get(f, f),
                             "kommunen": kn(area_ags.get(a, "") for a in codes),
                             "sozialraeume": _join(codes), "zeithorizont": h, "bis": until,
                             "art": "grenzfaelle", "schluessel": _join(codes)})
    return pd.DataFrame(rows, columns=PARTICIPATION_COLUMNS).astype({"bis": "int64"})


def _split(cell: object) -> set[str]:
    return {x for x in str(cell).split(SEP) if x} if isinstance(cell, str) else set()


def period_label(wave: int, start: int, per_year: int) -> str:
    """„1. Halbjahr 2022“ (two periods a year) or „2022“ (one) for wave 1, 2, …"""
    if per_year == 1:
        return str(start + wave - 1)
    return f"{(wave - 1) % 2 + 1}. Halbjahr {start + (wave - 1) // 2}"


def capacity_per_period(capacity: Any) -> tuple[int, int]:
    """(formats per period, periods per year) from ``konzept.kapazitaet``: posts × formats
    per post and year, divided by the periods of a year, rounded down, at least one."""
    per_year = 1 if _attr(capacity, "zeitraum", "halbjahr") == "jahr" else 2
    total = float(_attr(capacity, "stellen", 1.5)) * float(_attr(capacity, "formate_je_stelle",
                                                                  4.0))
    return max(1, int(total / per_year + 1e-9)), per_year


def formats_overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two participation formats address the same people: they share an area
    (and the field, unless one spans the fields – a conference on cumulated need), or
    one has no areas (a theme) and both share the field and a Kommune."""
    fa, fb = a[S.FIELD], b[S.FIELD]
    areas = a["_areas"] & b["_areas"]
    if areas and (fa == fb or not fa or not fb):
        return True
    if (not a["_areas"] or not b["_areas"]) and fa and fa == fb:
        return bool(a["_kommunen"] & b["_kommunen"])
    return False


def _mergeable(a: Mapping[str, Any], b: Mapping[str, Any], share: float) -> bool:
    """Same format, occasion and field, and at least ``share`` of the Kommunen of the
    smaller one take part in the other."""
    if (a["format"], a["anlass"], a[S.FIELD]) != (b["format"], b["anlass"], b[S.FIELD]):
        return False
    small = min(len(a["_kommunen"]), len(b["_kommunen"]))
    return small > 0 and len(a["_kommunen"] & b["_kommunen"]) >= share * small


def stagger_formats(plan: pd.DataFrame, recommendations: pd.DataFrame | None, concept: Any,
                    year: int) -> pd.DataFrame:
    """Order, merge and stagger the participation formats (METHOD.md §7).

    1. Each format takes the priority of the recommendations it serves (same kind,
       ``bezug`` = its ``schluessel``; the highest; „mittel“ without one).
    2. Order: priority, then horizon (earliest end first), then the order of ``plan``.
    3. Formats of the same format, occasion and field whose Kommunen overlap by at least
       ``konzept.kapazitaet.zusammenlegen_ab`` (share of the smaller one) are merged into
       the first (their Kommunen, areas and recommendations joined; ``zusammengelegt``
       counts the formats in it).
    4. A format that overlaps an earlier one (:func:`formats_overlap`) builds on it
       (``baut_auf``: their numbers) and starts at least one period later.
    5. Periods (half-years or years from ``konzept.startjahr``) take at most
       :func:`capacity_per_period` formats; each format goes into the first period
       that is late enough and has room.

    Returns :data:`STAGGER_COLUMNS`, numbered 1, 2, … in the order they start;
    ``empfehlungen`` and ``baut_auf`` are ``"|"``-joined numbers.
    """
    cap, per_year = capacity_per_period(_attr(concept, "kapazitaet", None))
    share = float(_attr(_attr(concept, "kapazitaet", None), "zusammenlegen_ab", 0.75))
    start = _attr(concept, "startjahr", None) or year
    rec = recommendations if recommendations is not None else pd.DataFrame(
        columns=["nr", "art", "bezug", "prioritaet"])
    items = []
    for i, (_, p) in enumerate(plan.iterrows()):
        served = rec[(rec["art"] == p["art"]) & (rec["bezug"].astype(str) == str(p["schluessel"]))]
        prio = (min(served["prioritaet"], key=_rank) if len(served) else "mittel")
        items.append({**{c: p[c] for c in PARTICIPATION_COLUMNS}, "prioritaet": prio,
                      "_recs": {int(n) for n in served["nr"]}, "_i": i,
                      "_areas": _split(p["sozialraeume"]), "_kommunen": _split(p["kommunen"]),
                      "_bezug": [str(p["bezug"])], "zusammengelegt": 1})
    items.sort(key=lambda x: (_rank(x["prioritaet"]), int(x["bis"]), x["_i"]))
    groups: list[dict] = []
    for it in items:
        into = next((g for g in groups if _mergeable(g, it, share)), None)
        if into is None:
            groups.append(it)
            continue
        into["_kommunen"] |= it["_kommunen"]
        into["_areas"] |= it["_areas"]
        into["_recs"] |= it["_recs"]
        into["_bezug"].append(str(it["bezug"]))
        into["zusammengelegt"] += 1
        into["bis"] = min(int(into["bis"]), int(it["bis"]))
    load: dict[int, int] = {}
    for k, g in enumerate(groups):
        g["_before"] = [j for j in range(k) if formats_overlap(groups[j], g)]
        wave = max((groups[j]["welle"] + 1 for j in g["_before"]), default=1)
        while load.get(wave, 0) >= cap:
            wave += 1
        g["welle"] = wave
        load[wave] = load.get(wave, 0) + 1
    order = sorted(range(len(groups)), key=lambda k: (groups[k]["welle"], k))
    nr_of = {k: n for n, k in enumerate(order, start=1)}
    rows = []
    for k in order:
        g = groups[k]
        bezug = (g["_bezug"][0] if len(g["_bezug"]) == 1 else
                 fmt.join_de([f"„{b}“" for b in g["_bezug"]]))
        rows.append({"nr": nr_of[k], "welle": g["welle"],
                     "beginn": period_label(g["welle"], start, per_year),
                     "format": g["format"], "anlass": g["anlass"], S.FIELD: g[S.FIELD],
                     "bezug": bezug, "kommunen": _join(sorted(g["_kommunen"])),
                     "sozialraeume": _join(natural_sorted(g["_areas"])),
                     "prioritaet": g["prioritaet"], "empfehlungen": _join(sorted(g["_recs"])),
                     "zeithorizont": g["zeithorizont"], "bis": int(g["bis"]),
                     "zusammengelegt": g["zusammengelegt"],
                     "baut_auf": _join(sorted(nr_of[j] for j in g["_before"])),
                     "art": g["art"]})
    return pd.DataFrame(rows, columns=STAGGER_COLUMNS).astype(
        {"nr": "int64", "welle": "int64", "bis": "int64", "zusammengelegt": "int64"})


def effort_summary(recommendations: pd.DataFrame, staggered: pd.DataFrame, concept: Any,
                   year: int) -> dict[str, Any]:
    """The counts behind the key message on effort: recommendations per effort class,
    formats, capacity per period, periods used (first and last), and formats that start
    after the end of their horizon."""
    cap, per_year = capacity_per_period(_attr(concept, "kapazitaet", None))
    start = _attr(concept, "startjahr", None) or year
    classes = {c: int((recommendations["aufwand"] == c).sum()) if len(recommendations) else 0
               for c in EFFORTS}
    waves = sorted(set(staggered["welle"])) if len(staggered) else []
    begins = [start + (int(w) - 1) // per_year for w in staggered["welle"]]
    late = sum(1 for b, until in zip(begins, staggered["bis"], strict=True) if b > int(until))
    return {"klassen": classes, "formate": len(staggered), "je_zeitraum": cap,
            "pro_jahr": per_year, "zeitraeume": (waves[-1] - waves[0] + 1) if waves else 0,
            "von": period_label(waves[0], start, per_year) if waves else "",
            "bis": period_label(waves[-1], start, per_year) if waves else "", "spaet": late}


# --------------------------------------------------------------------------- work packages
WORK_PACKAGE_COLUMNS = ["nr", "arbeitspaket", "titel", "bausteine", "umsetzung", "links"]


def work_packages(packages: Mapping[str, Any],
                  blocks: Mapping[str, tuple[str, Sequence[tuple[str, str]]]]
                  ) -> pd.DataFrame:
    """How each work package of the decision document is served by the reports.

    Parameters
    ----------
    packages : ``konzept.arbeitspakete`` – id → ``titel``, ``bausteine`` (in order).
    blocks : building block → (sentence on what the reports show for it, links as
        ``(label, href)``), computed by the view from the results.

    Returns
    -------
    DataFrame
        ``nr`` (1, 2, …), ``arbeitspaket`` (id), ``titel``, ``bausteine`` (``"|"``),
        ``umsetzung`` (the blocks' sentences joined), ``links`` (list of
        ``(label, href)`` without duplicates, in block order).
    """
    rows = []
    for i, (pid, wp) in enumerate(packages.items(), start=1):
        used = list(_attr(wp, "bausteine", ()))
        sentences = [blocks[b][0] for b in used if b in blocks and blocks[b][0]]
        links = list(dict.fromkeys(link for b in used if b in blocks for link in blocks[b][1]))
        rows.append({"nr": i, "arbeitspaket": pid, "titel": _attr(wp, "titel", pid),
                     "bausteine": _join(used), "umsetzung": " ".join(sentences),
                     "links": links})
    return pd.DataFrame(rows, columns=WORK_PACKAGE_COLUMNS)


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
