"""Load a data folder into a validated :class:`Dataset` (all cross-file rules)."""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from analysis.common import fmt
from analysis.common.errors import DataContractError, Problem
from analysis.common.ids import natural_key
from analysis.common.textcheck import text_problem
from analysis.contract import geo
from analysis.contract import schema as S
from analysis.contract.identities import check_identities, parse_identities
from analysis.contract.inputfiles import TEXT_FILE_LIMIT, check_input, limits, open_input, too_many_rows
from analysis.contract.io import find_table, read_geojson
from analysis.contract.notes import Note, read_notes
from analysis.contract.validate import COUNT_FILES, read_counts_or_table

DEMO_MARKER = "DEMO"
# counts of a part above its whole: reported one by one up to this many per pair
_MAX_SUBSET_REPORTED = 10


@dataclass
class Dataset:
    """All inputs of one report, validated and typed."""

    municipalities: pd.DataFrame  # ags, name
    areas: pd.DataFrame  # sozialraum, name, ags, name_belegt, kommune (name)
    variables: pd.DataFrame
    indicators: pd.DataFrame
    counts: pd.DataFrame  # sozialraum, ags, jahr, variable, anzahl
    counts_municipal: pd.DataFrame  # ags, jahr, variable, anzahl
    geometry: dict[str, object]  # sozialraum -> shapely geometry in ``crs`` (metres)
    years: list[int]
    # internal CRS of ``geometry``: ETRS89 / UTM in the zone of the data's centre
    crs: str = S.GEOMETRY_CRS
    priorities: pd.DataFrame | None = None
    services: pd.DataFrame | None = None
    goals: pd.DataFrame | None = None
    notes: list[Note] = field(default_factory=list)
    notes_supplied: bool = True  # False: no befunde/ folder (an optional input)
    data_hash: str = ""
    is_demo: bool = False
    # credit line of the map (GeoJSON member „quellenangabe“), printed under every map
    map_credit: str = ""
    # (total, parts): the count of total is the sum of the parts (variablen.summe_aus)
    identities: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def summary(self) -> str:
        """German one-paragraph summary for the CLI."""
        lines = [
            f"{len(self.areas)} Sozialräume in "
            + ("1 Kommune" if len(self.municipalities) == 1
               else f"{len(self.municipalities)} Kommunen"),
            f"Jahre {self.years[0]}–{self.years[-1]} ({len(self.years)} Jahre)",
            f"{len(self.variables)} Variablen, {len(self.indicators)} Indikatoren, "
            + f"{len(self.counts):,} Zählwerte".replace(",", "."),
        ]
        if self.services is not None:
            lines.append(f"{len(self.services)} Angebote, {len(self.notes)} qualitative Befunde")
        return "\n".join(lines)


def contract_files(data_dir: Path) -> list[Path]:
    """The files of ``data_dir`` the contract reads (tables as found, geometry, ``DEMO``,
    ``befunde/*.md``), sorted; other files in the folder are ignored."""
    paths = [p for p in (find_table(data_dir, spec.name) for spec in S.TABLE_FILES)
             if p is not None]
    paths += [data_dir / name for name in (S.GEOMETRY_FILE, DEMO_MARKER)
              if os.path.lexists(data_dir / name)]
    notes = data_dir / S.NOTES_DIR
    if notes.is_dir():
        paths += list(notes.glob("*.md"))
    return sorted(paths)


def data_hash(data_dir: Path) -> str:
    """Content hash of the files the contract reads (names and bytes, sorted), streamed.

    Each file is opened like by the readers (regular file inside the folder, size limit),
    so a FIFO, a device or a huge backup never blocks or fills the memory.
    """
    h = hashlib.sha256()
    file_limit = limits().max_file_bytes
    problems: list[Problem] = []
    for p in contract_files(data_dir):
        name = p.relative_to(data_dir).as_posix()
        h.update(name.encode())
        h.update(b"\0")
        limit = TEXT_FILE_LIMIT if name.startswith(S.NOTES_DIR + "/") else file_limit
        try:
            with open_input(p, data_dir, name, limit) as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
        except DataContractError as err:  # report every such file at once
            problems += err.problems
    if problems:
        raise DataContractError(problems)
    return h.hexdigest()[:12]


def _unknown(df: pd.DataFrame, file: str, column: str, known: set, what: str, hint: str
             ) -> list[Problem]:
    bad = df[~df[column].isin(known) & df[column].notna()]
    return [Problem(file, int(i) + 2, column, str(v), f"unbekannte(r) {what}", hint)
            for i, v in bad[column].items()]


def _split_list(value: object) -> list[str]:
    """Split a list cell: ``a|b`` (area codes contain spaces) or ``a b`` (ids)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    text = str(value)
    parts = text.split("|") if "|" in text else text.split()
    return [p.strip() for p in parts if p.strip()]


def split_areas(value: object) -> list[str]:
    """Split a cell listing area codes separated by ``|`` (codes contain spaces)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    return [p.strip() for p in str(value).split("|") if p.strip()]


def load_dataset(data_dir: Path | str, subsets: Sequence[tuple[str, str]] = ()) -> Dataset:
    """Read and validate every input of ``data_dir``; raise one error with all problems.

    ``subsets``: pairs (part, whole) of count variables whose counts must satisfy
    part ≤ whole in every area (or Kommune) and year, besides every indicator's numerator
    and denominator (``teilmengen`` of the configuration); a pair naming a variable the
    data lack is skipped here (the configuration check reports it).
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DataContractError([Problem(str(data_dir.name or data_dir), None, None, None,
                                         "Datenordner nicht gefunden",
                                         "Pfad prüfen (make report DATA=pfad/zum/ordner)")])
    return _load_dataset(data_dir, subsets)


def _load_dataset(data_dir: Path, subsets: Sequence[tuple[str, str]]) -> Dataset:
    locators = []  # of count tables in the wide layout
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame | None] = {}
    for spec in S.TABLE_FILES:
        levels = None
        var = frames.get(S.VARIABLEN.name)
        if spec.name in COUNT_FILES and var is not None and not var.empty \
                and var[S.VARIABLE].notna().all():
            levels = dict(zip(var[S.VARIABLE], var[S.LEVEL], strict=True))
        df, probs, locator = read_counts_or_table(data_dir, spec, levels)
        if locator is not None:
            locators.append(locator)
        frames[spec.name] = df
        problems += probs
    if os.path.lexists(data_dir / DEMO_MARKER):  # only its existence counts; never read
        try:
            check_input(data_dir / DEMO_MARKER, data_dir, DEMO_MARKER)
        except DataContractError as err:
            problems += err.problems
    if problems:
        # cross-file rules on broken tables only produce noise
        raise DataContractError(problems)

    mun = frames["kommunen"]
    areas = frames["sozialraeume"]
    var = frames["variablen"]
    ind = frames["indikatoren"]
    cnt = frames["zaehlungen"]
    cntm = frames["zaehlungen_kommune"]
    if cntm is None:
        cntm = pd.DataFrame({c: pd.Series(dtype="object")
                             for c in S.ZAEHLUNGEN_KOMMUNE.column_names})

    ags_known = set(mun[S.AGS])
    area_known = set(areas[S.AREA])
    var_known = set(var[S.VARIABLE])
    var_level = dict(zip(var[S.VARIABLE], var[S.LEVEL], strict=True))

    problems += _unknown(areas, "sozialraeume.csv", S.AGS, ags_known, "Kommune",
                         "AGS aus kommunen.csv verwenden")
    for ags in sorted(ags_known - set(areas[S.AGS])):
        row = int(mun.index[mun[S.AGS] == ags][0]) + 2
        problems.append(Problem("kommunen.csv", row, S.AGS, ags, "Kommune hat keinen Sozialraum",
                                "Sozialräume in sozialraeume.csv ergänzen oder Zeile löschen"))
    # indicators
    for col in (S.NUMERATOR, S.DENOMINATOR):
        problems += _unknown(ind, "indikatoren.csv", col, var_known, "Variable",
                             "Variable aus variablen.csv verwenden oder dort ergänzen")
    for i, v in ind["handlungsfelder"].items():
        for f in _split_list(v):
            if not S.is_id(f):
                problems.append(Problem("indikatoren.csv", int(i) + 2, "handlungsfelder", f,
                                        "keine gültige Kennung eines Handlungsfelds",
                                        "nur a–z, 0–9, _; mehrere durch Leerzeichen trennen"))
    # counts
    problems += _unknown(cnt, "zaehlungen.csv", S.AREA, area_known, "Sozialraum",
                         "Kennung aus sozialraeume.csv verwenden oder dort ergänzen")
    problems += _unknown(cnt, "zaehlungen.csv", S.VARIABLE, var_known, "Variable",
                         "Kennung aus variablen.csv verwenden oder dort ergänzen")
    wrong_level = cnt[cnt[S.VARIABLE].map(var_level) == S.LEVEL_MUNICIPALITY]
    for i, v in wrong_level[S.VARIABLE].items():
        problems.append(Problem("zaehlungen.csv", int(i) + 2, S.VARIABLE, v,
                                "Variable liegt laut variablen.csv nur je Kommune vor",
                                "in zaehlungen_kommune.csv eintragen"))
    if not cntm.empty:
        problems += _unknown(cntm, "zaehlungen_kommune.csv", S.AGS, ags_known, "Kommune",
                             "AGS aus kommunen.csv verwenden")
        problems += _unknown(cntm, "zaehlungen_kommune.csv", S.VARIABLE, var_known, "Variable",
                             "Kennung aus variablen.csv verwenden")
        area_level = cntm[cntm[S.VARIABLE].map(var_level) == S.LEVEL_AREA]
        for i, v in area_level[S.VARIABLE].items():
            problems.append(Problem("zaehlungen_kommune.csv", int(i) + 2, S.VARIABLE, v,
                                    "Variable liegt laut variablen.csv je Sozialraum vor; "
                                    "Kommunalwerte werden aus den Sozialräumen summiert",
                                    "Zeile löschen oder die Variable in variablen.csv auf Ebene "
                                    "„kommune“ setzen"))
    for a in sorted(area_known - set(cnt[S.AREA])):
        row = int(areas.index[areas[S.AREA] == a][0]) + 2
        problems.append(Problem("sozialraeume.csv", row, S.AREA, a,
                                "Sozialraum hat keine Zählungen",
                                "Zählungen in zaehlungen.csv ergänzen"))
    identities, iprobs = parse_identities(var)
    problems += iprobs
    if not problems:  # sums are only checked on counts that passed the rules above
        problems += check_identities(identities, cnt, S.AREA, "zaehlungen.csv")
        problems += check_identities(identities, cntm, S.AGS, "zaehlungen_kommune.csv")
    years = sorted(int(y) for y in cnt[S.YEAR].dropna().unique())
    problems += _missing_years(cnt, years, area_known, var_level)
    pairs = _subset_pairs(ind, subsets)
    problems += _subset_problems(cnt, pairs, "zaehlungen.csv", S.AREA)
    if not cntm.empty:
        problems += _subset_problems(cntm, pairs, "zaehlungen_kommune.csv", S.AGS)
    names = dict(zip(mun[S.AGS], mun["name"], strict=True))
    municipality_of = {a: str(names.get(k, k)) for a, k in zip(areas[S.AREA], areas[S.AGS],
                                                                 strict=True)}
    geometry, crs, map_credit, gprobs = _load_geometry(data_dir, area_known, municipality_of)
    problems += gprobs
    problems += _check_planning(frames, ags_known, area_known, set(ind[S.INDICATOR]))
    notes, nprobs = read_notes(data_dir / S.NOTES_DIR, area_known, ags_known, data_dir)
    problems += nprobs
    for locator in locators:  # counts of a wide table: shown in the wide file's cells
        problems = [locator.locate(p) for p in problems]
    if problems:
        raise DataContractError(problems)

    areas = areas.assign(**{S.KOMMUNE: areas[S.AGS].map(names)})
    cnt = cnt.merge(areas[[S.AREA, S.AGS]], on=S.AREA, how="left")
    cnt = cnt[[S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT]].astype(
        {S.YEAR: "int64", S.COUNT: "int64"})
    # typed also when empty (no zaehlungen_kommune): later steps expect whole numbers
    cntm = cntm.astype({S.YEAR: "int64", S.COUNT: "int64"})
    return Dataset(
        municipalities=mun.sort_values(S.AGS).reset_index(drop=True),
        areas=areas.reset_index(drop=True),
        variables=var.reset_index(drop=True),
        indicators=ind.assign(handlungsfelder=ind["handlungsfelder"].map(_split_list)
                              ).reset_index(drop=True),
        counts=cnt.sort_values([S.AREA, S.YEAR, S.VARIABLE]).reset_index(drop=True),
        counts_municipal=cntm.sort_values([S.AGS, S.YEAR, S.VARIABLE]).reset_index(drop=True),
        geometry=geometry,
        crs=crs,
        years=years,
        priorities=_reset(frames["prioritaeten"]),
        services=_reset(frames["angebote"]),
        goals=_reset(frames["wirkungsziele"]),
        notes=notes,
        notes_supplied=os.path.isdir(data_dir / S.NOTES_DIR),
        data_hash=data_hash(data_dir),
        is_demo=(data_dir / DEMO_MARKER).exists(),
        map_credit=map_credit,
        identities=identities,
    )


def _reset(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """Drop the row-number index used for messages (it has gaps after blank rows)."""
    return None if df is None else df.reset_index(drop=True)


def _missing_years(cnt: pd.DataFrame, years: list[int], areas: set[str],
                   level: dict[str, str]) -> list[Problem]:
    """Every area must have every (area-level) variable in every year of the file.

    A variable that is missing altogether for an area counts as missing in all years.
    If an area lacks the same years for all variables, one problem is reported.
    """
    problems = []
    variables = sorted(v for v in set(cnt[S.VARIABLE].dropna())
                       if level.get(v) == S.LEVEL_AREA)
    ok = cnt[cnt[S.AREA].isin(areas) & cnt[S.VARIABLE].isin(variables) & cnt[S.YEAR].notna()]
    have = set(zip(ok[S.AREA].tolist(), ok[S.VARIABLE].tolist(),
                   ok[S.YEAR].astype("int64").tolist(), strict=True))
    present = areas & set(ok[S.AREA])
    if len(have) == len(present) * len(variables) * len(years):
        return []  # complete (the usual case)
    for area in sorted(present):
        missing = {v: [y for y in years if (area, v, y) not in have] for v in variables}
        missing = {v: ys for v, ys in missing.items() if ys}
        if not missing:
            continue
        if len(missing) == len(variables) > 1 and len({tuple(ys) for ys in missing.values()}) == 1:
            ys = next(iter(missing.values()))
            problems.append(Problem("zaehlungen.csv", None, S.YEAR, ", ".join(map(str, ys)),
                                    f"Jahr(e) fehlen für Sozialraum {area} (alle Variablen)",
                                    "fehlende Zählungen ergänzen (auch 0 eintragen) oder das "
                                    "Jahr für alle Sozialräume weglassen"))
            continue
        for variable, ys in missing.items():
            problems.append(Problem("zaehlungen.csv", None, S.YEAR, ", ".join(map(str, ys)),
                                    f"Jahr(e) fehlen für Sozialraum {area}, Variable {variable}",
                                    "fehlende Zählungen ergänzen (auch 0 eintragen) oder das "
                                    "Jahr für alle Sozialräume weglassen"))
    return problems


def _subset_pairs(ind: pd.DataFrame, subsets: Sequence[tuple[str, str]]
                  ) -> list[tuple[str, str, str, str, str]]:
    """The pairs (part, whole, message, source, hint) whose counts must satisfy part ≤ whole:
    every indicator's numerator and denominator, then the configured subsets
    (``teilmengen``) that are not already such a pair."""
    pairs = []
    for _, r in ind.iterrows():
        num, den = r[S.NUMERATOR], r[S.DENOMINATOR]
        pairs.append((num, den, f"Zähler „{num}“ größer als Nenner „{den}“",
                      f"(Indikator {r[S.INDICATOR]})", "Zähler oder Nenner korrigieren"))
    seen = {(p[0], p[1]) for p in pairs}
    for part, whole in subsets:
        if (part, whole) in seen:
            continue
        seen.add((part, whole))
        pairs.append((part, whole, f"Teilmenge „{part}“ größer als ihre Obermenge „{whole}“",
                      "(teilmengen in der Konfiguration)",
                      f"Zählungen von „{part}“ und „{whole}“ prüfen (gleicher Stichtag, "
                      "gleiche Abgrenzung); ist die Teilmenge fachlich falsch, das Paar aus "
                      "„teilmengen“ in config/report.yaml entfernen"))
    return pairs


def _subset_problems(cnt: pd.DataFrame, pairs: list[tuple[str, str, str, str, str]],
                     file: str, key: str) -> list[Problem]:
    """Part ≤ whole in every area (or Kommune) and year: one located problem per count
    of a part above its whole (the first few per pair, then how many more). A count that
    is missing on either side is not checked."""
    problems = []
    # keys are unique here (duplicates stop the validation before the cross-file rules)
    wide = (cnt.dropna(subset=[key, S.YEAR, S.VARIABLE])
            .drop_duplicates([key, S.YEAR, S.VARIABLE])
            .set_index([key, S.YEAR, S.VARIABLE])[S.COUNT].unstack(S.VARIABLE))
    row_of: dict | None = None  # row of each count, built only when needed
    for part, whole, what, why, hint in pairs:
        if part not in wide.columns or whole not in wide.columns:
            continue
        bad = wide[(wide[part] > wide[whole]) & wide[part].notna() & wide[whole].notna()]
        if not bad.empty and row_of is None:
            row_of = {(k, int(y), v): int(i) + 2 for i, k, y, v in
                      zip(cnt.index, cnt[key], cnt[S.YEAR], cnt[S.VARIABLE], strict=True)
                      if pd.notna(y)}
        for (k, y), vals in list(bad.iterrows())[:_MAX_SUBSET_REPORTED]:
            problems.append(Problem(file, row_of.get((k, int(y), part)), S.COUNT,
                                    str(int(vals[part])),
                                    f"{what} ({int(vals[whole])}) für {k}, {y} {why}", hint))
        if len(bad) > _MAX_SUBSET_REPORTED:
            problems.append(Problem(file, None, S.COUNT, None,
                                    f"{what} {why} – außer den {_MAX_SUBSET_REPORTED} "
                                    f"genannten in {len(bad) - _MAX_SUBSET_REPORTED} "
                                    "weiteren Fällen", hint))
    return problems


def _map_credit(gj: dict) -> tuple[str, list[Problem]]:
    """The optional credit line of the map (top-level member „quellenangabe“ of the
    GeoJSON, e.g. the licence note of the base geometry) and its problems."""
    file = S.GEOMETRY_FILE
    value = gj.get(S.GEOMETRY_CREDIT, "")
    if value is None or value == "":
        return "", []
    if not isinstance(value, str):
        return "", [Problem(file, None, S.GEOMETRY_CREDIT, str(value)[:80], "kein Text",
                            "die Quellenangabe der Karte als Text in Anführungszeichen angeben")]
    text = value.strip()
    if len(text) > S.GEOMETRY_CREDIT_MAX:
        return "", [Problem(file, None, S.GEOMETRY_CREDIT, text[:80] + " …",
                            f"länger als {S.GEOMETRY_CREDIT_MAX} Zeichen",
                            "Quellenangabe kürzen")]
    bad = text_problem(text)
    if bad is not None:
        _, msg, hint = bad
        return "", [Problem(file, None, S.GEOMETRY_CREDIT, text[:80], msg, hint)]
    return text, []


def _load_geometry(data_dir: Path, areas: set[str], municipality_of: dict[str, str]
                   ) -> tuple[dict, str, str, list[Problem]]:
    # pyproj warns about some inputs (e.g. a FutureWarning for "+init=epsg:…") with the
    # path of its own source file in this environment; what matters is reported as a
    # Problem in German, so its warnings are not shown to the user
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _load_geometry_checked(data_dir, areas, municipality_of)


CRS_HINT = "Koordinatensystem prüfen: im GeoJSON „crs“ angeben (z. B. EPSG:25832 oder " \
    "EPSG:25833) oder korrekt exportieren"


def _load_geometry_checked(data_dir: Path, areas: set[str], municipality_of: dict[str, str]
                           ) -> tuple[dict, str, str, list[Problem]]:
    """Read the areas, check them and transform them into the internal CRS.

    Returns (area code -> geometry in the internal CRS, the internal CRS, the map's
    credit line (member „quellenangabe“, may be empty), problems).
    The internal CRS is ETRS89 / UTM in the zone of the data's centre
    (:func:`analysis.contract.geo.local_crs`); every area must lie in Germany, checked in lon/lat
    after transforming from the declared CRS.
    """
    path = data_dir / S.GEOMETRY_FILE
    file = S.GEOMETRY_FILE
    default = S.GEOMETRY_CRS
    if not os.path.lexists(path):
        return {}, default, "", [Problem(file, None, None, None, "Datei fehlt",
                                     "GeoJSON mit einem Polygon je Sozialraum ablegen")]
    try:
        gj = read_geojson(path, data_dir)
    except DataContractError as err:
        return {}, default, "", list(err.problems)
    problems: list[Problem] = []
    feats = gj.get("features") if isinstance(gj, dict) else None
    if not isinstance(gj, dict) or gj.get("type") != "FeatureCollection" \
            or not isinstance(feats, list):
        return {}, default, "", [Problem(file, None, None, None, "keine FeatureCollection",
                                     "als GeoJSON-FeatureCollection exportieren")]
    credit, problems = _map_credit(gj)
    max_areas = limits().max_areas
    if len(feats) > max_areas:
        return {}, default, "", [too_many_rows(file, len(feats), max_areas,
                                           "Sozialräume (Features)")]
    crs_member = gj.get("crs")
    crs_props = crs_member.get("properties") if isinstance(crs_member, dict) else None
    crs_name = crs_props.get("name") if isinstance(crs_props, dict) else None
    if not crs_name:
        crs_name = geo.LONLAT  # RFC 7946: GeoJSON without "crs" is WGS 84 (lon/lat)
    try:
        crs = CRS.from_user_input(str(crs_name))
        # GeoJSON writes easting (longitude) first whatever the CRS definition says
        to_lonlat = Transformer.from_crs(crs, geo.LONLAT, always_xy=True)
    except Exception:
        return {}, default, "", [Problem(file, None, "crs", str(crs_name),
                                     "unbekanntes Koordinatensystem",
                                     "EPSG-Code angeben, z. B. „EPSG:25832“ oder "
                                     "„urn:ogc:def:crs:EPSG::25833“ (ETRS89 / UTM)")]
    raw: dict[str, BaseGeometry] = {}
    lonlat_bounds: list[tuple[float, float, float, float]] = []
    outside: list[Problem] = []
    for n, feat in enumerate(feats, start=1):
        where = f"Feature {n}"
        if not isinstance(feat, dict):
            problems.append(Problem(file, None, None, where, "kein GeoJSON-Feature",
                                    "als GeoJSON-FeatureCollection exportieren"))
            continue
        props = feat.get("properties")
        code = props.get(S.GEOMETRY_PROPERTY) if isinstance(props, dict) else None
        if code is None:
            problems.append(Problem(file, None, S.GEOMETRY_PROPERTY, where,
                                    "Feature ohne Eigenschaft „sozialraum“",
                                    "Attribut „sozialraum“ mit der Kennung ergänzen"))
            continue
        number = not isinstance(code, str)
        code = str(code).strip()
        if code not in areas:
            problems.append(Problem(file, None, S.GEOMETRY_PROPERTY, code,
                                    "Sozialraum der Geometrie fehlt in sozialraeume.csv"
                                    + (" (Kennung als Zahl gespeichert)" if number else ""),
                                    "im GIS das Attribut „sozialraum“ als Text exportieren, "
                                    "damit führende Nullen erhalten bleiben" if number
                                    else "Kennung korrigieren oder Feature entfernen"))
            continue
        if code in raw:
            problems.append(Problem(file, None, S.GEOMETRY_PROPERTY, code,
                                    "Sozialraum hat mehr als eine Geometrie",
                                    "Teilflächen zu einem (Multi-)Polygon zusammenfassen"))
            continue
        try:
            geom = shape(feat.get("geometry"))
        except Exception:
            problems.append(Problem(file, None, "geometry", code, "Geometrie nicht lesbar",
                                    "im GIS reparieren und neu exportieren"))
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            problems.append(Problem(file, None, "geometry", code,
                                    f"Geometrie ist kein Polygon ({geom.geom_type})",
                                    "Fläche des Sozialraums als Polygon exportieren"))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            problems.append(Problem(file, None, "geometry", code,
                                    f"ungültiges Polygon ({reason})",
                                    "im GIS reparieren (z. B. QGIS „Geometrien reparieren“)"))
            continue
        try:
            bounds = geo.transform(geom, to_lonlat).bounds
        except Exception:
            bounds = (math.nan,) * 4
        if not geo.in_germany(bounds):
            outside.append(_outside(file, n, code, str(crs_name), crs, geom, bounds))
            continue
        raw[code] = geom
        lonlat_bounds.append(bounds)
    if len(outside) > 3:  # the whole file is in another CRS: say it once
        first = outside[0]
        problems.append(Problem(file, None, "crs", str(crs_name),
                                f"Koordinaten von {len(outside)} Sozialräumen liegen nicht in "
                                f"Deutschland (z. B. {first.value})", first.hint))
    else:
        problems += outside
    reported = {p.value for p in problems} | {p.value for p in outside}
    for a in sorted(areas - set(raw) - reported):
        problems.append(Problem(file, None, S.GEOMETRY_PROPERTY, a,
                                "Sozialraum hat keine Geometrie",
                                "Polygon für diesen Sozialraum ergänzen"))
    if not raw:
        return {}, default, "", problems
    target_name = geo.local_crs(min(b[0] for b in lonlat_bounds),
                                max(b[2] for b in lonlat_bounds))
    target = CRS.from_user_input(target_name)
    geoms = dict(raw)
    if crs != target:
        to_target = Transformer.from_crs(crs, target, always_xy=True)
        geoms = {code: geo.transform(g, to_target) for code, g in raw.items()}
    if not problems:  # the areas together: only when each one is fine on its own
        try:
            problems += _topology(file, geoms, municipality_of, target)
        except shapely.errors.GEOSException as err:  # e.g. made invalid by the transform
            problems.append(Problem(file, None, "geometry", None,
                                    f"Überschneidungen und Lücken nicht prüfbar ({err})",
                                    "Geometrien im GIS reparieren und neu exportieren"))
    return geoms, target_name, credit, problems


def _outside(file: str, n: int, code: str, crs_name: str, crs: CRS, geom: BaseGeometry,
             bounds: tuple[float, float, float, float]) -> Problem:
    """The problem of an area that does not lie in Germany, with the likely cause."""
    minx, miny, maxx, maxy = geom.bounds
    degrees = all(abs(b) <= 180 for b in geom.bounds)
    if degrees and not crs.is_geographic:
        hint = ("die Koordinaten sind Längen-/Breitengrade: im GeoJSON „crs“ auf "
                "EPSG:4326 setzen (oder weglassen) oder im GIS als ETRS89 / UTM "
                "(z. B. EPSG:25832 oder EPSG:25833) exportieren")
    elif crs.is_geographic and not degrees:
        hint = ("die Koordinaten sind Meter, werden aber als Längen-/Breitengrade gelesen: "
                "im GeoJSON „crs“ angeben, z. B. „EPSG:25832“ oder „EPSG:25833“")
    elif crs.is_geographic and geo.in_germany((miny, minx, maxy, maxx)):
        hint = ("Längen- und Breitengrad sind vertauscht: zuerst die Länge (Ost), dann die "
                "Breite (Nord) schreiben, wie GeoJSON es verlangt")
    else:
        hint = CRS_HINT
    if all(math.isfinite(b) for b in bounds):
        where = (f"{fmt.number(bounds[0], 2)}° bis {fmt.number(bounds[2], 2)}° Länge, "
                 f"{fmt.number(bounds[1], 2)}° bis {fmt.number(bounds[3], 2)}° Breite")
    else:
        where = "nicht umrechenbar"
    return Problem(file, None, "crs", code,
                   f"Koordinaten liegen nicht in Deutschland (Feature {n}, als {crs_name} "
                   f"gelesen: {where})", hint)


def _topology(file: str, geoms: dict[str, BaseGeometry], municipality_of: dict[str, str],
              crs: CRS) -> list[Problem]:
    """Overlaps between areas and gaps between the areas of one Kommune."""
    problems: list[Problem] = []
    found = geo.overlaps(geoms, natural_key)
    for a, b, area, smaller in found[:geo.MAX_LISTED]:
        share = area / geoms[smaller].area * 100
        problems.append(Problem(
            file, None, "geometry", a,
            f"Sozialräume {a} und {b} überschneiden sich auf {_area(area)} "
            f"({fmt.number(share, 1)} % von {smaller})",
            "im GIS die gemeinsame Grenze bereinigen, sodass jede Fläche zu genau einem "
            "Sozialraum gehört (z. B. an der Nachbargrenze fangen)"))
    if len(found) > geo.MAX_LISTED:
        problems.append(Problem(file, None, "geometry", None,
                                f"{len(found) - geo.MAX_LISTED} weitere Überschneidungen "
                                "von Sozialräumen", "Grenzen im GIS bereinigen"))
    holes = geo.gaps(geoms, {c: municipality_of.get(c, "") for c in geoms}, natural_key)
    to_lonlat = Transformer.from_crs(crs, geo.LONLAT, always_xy=True)
    for muni, adjacent, area, piece in holes[:geo.MAX_LISTED]:
        pt = piece.representative_point()
        lon, lat = to_lonlat.transform(pt.x, pt.y)
        problems.append(Problem(
            file, None, "geometry", adjacent[0],
            f"Lücke von {_area(area)} zwischen den Sozialräumen {fmt.join_de(adjacent)} "
            f"(Kommune {muni}), bei {fmt.number(lat, 5)}° N, {fmt.number(lon, 5)}° O",
            "die Fläche einem der angrenzenden Sozialräume zuordnen"))
    if len(holes) > geo.MAX_LISTED:
        problems.append(Problem(file, None, "geometry", None,
                                f"{len(holes) - geo.MAX_LISTED} weitere Lücken zwischen "
                                "Sozialräumen", "Flächen im GIS lückenlos zuordnen"))
    return problems


def _area(m2: float) -> str:
    if m2 < 10_000:
        return f"{fmt.number(m2, 0)} m²"
    return f"{fmt.number(m2 / 10_000, 1)} ha"


def _check_planning(frames: dict, ags: set, areas: set, indicators: set) -> list[Problem]:
    problems: list[Problem] = []
    pri = frames.get("prioritaeten")
    if pri is not None:
        problems += _unknown(pri, "prioritaeten.csv", S.AGS, ags, "Kommune",
                             "AGS aus kommunen.csv verwenden")
    svc = frames.get("angebote")
    if svc is not None:
        for i, v in svc["sozialraeume"].items():
            for a in split_areas(v):
                if a not in areas:
                    problems.append(Problem("angebote.csv", int(i) + 2, "sozialraeume", a,
                                            "unbekannter Sozialraum",
                                            "Kennung aus sozialraeume.csv verwenden, mehrere "
                                            "durch „|“ trennen"))
        bad = svc[svc["bis"].notna() & (svc["bis"] < svc["seit"])]
        for i, r in bad.iterrows():
            problems.append(Problem("angebote.csv", int(i) + 2, "bis", str(r["bis"]),
                                    f"Ende liegt vor Beginn ({r['seit']})", "Jahre prüfen"))
    goals = frames.get("wirkungsziele")
    if goals is not None:
        problems += _unknown(goals, "wirkungsziele.csv", S.INDICATOR, indicators, "Indikator",
                             "Indikator aus indikatoren.csv verwenden")
        problems += _unknown(goals, "wirkungsziele.csv", "gebiet", areas | ags,
                             "Gebiet", "Sozialraum-Kennung oder AGS verwenden")
    return problems
