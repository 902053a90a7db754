"""The bad-input battery: broken variants of the demo data, each generated here from a
fresh demo copy, must give one exactly located problem (file, row, column, value,
message) and exit code 2 from ``validate`` without a traceback. A few variants that
look odd but are fine (BOM, lon/lat GeoJSON, blank rows …) must be accepted.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

import analysis.contract.dataset as dataset_module
from analysis.build.cli import main
from analysis.common.errors import ConfigError, DataContractError, Problem
from analysis.contract.config import load_config
from analysis.contract.dataset import load_dataset

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "report.yaml"
NOTE = "2021-06-02_e_innenstadt.md"  # a demo note: sozialraum "E 1|E 2"
# hostile inputs that point at the machine (built from parts: they are test data, not
# paths of this project)
SYSTEM_FILE = os.path.join(os.sep, "etc", "passwd")
ZERO_DEVICE = os.path.join(os.sep, "dev", "zero")
HOME_PATH = os.path.join(os.sep, "home", "sozialamt")


# ---------------------------------------------------------------------------
# helpers to break a demo copy
# ---------------------------------------------------------------------------
def read_rows(d: Path, file: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO((d / file).read_text(encoding="utf-8"), newline="")))


def write_rows(d: Path, file: str, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (d / file).write_text(out.getvalue(), encoding="utf-8")


def row_of(d: Path, file: str, **match: str) -> int:
    """Excel row number (header = 1) of the first row whose cells equal ``match``."""
    rows = read_rows(d, file)
    idx = {h: i for i, h in enumerate(rows[0])}
    for n, r in enumerate(rows[1:], start=2):
        if all(r[idx[k]] == v for k, v in match.items()):
            return n
    raise LookupError(match)


def set_cell(d: Path, file: str, row: int, column: str, value: str) -> None:
    rows = read_rows(d, file)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(d, file, rows)


def append_row(d: Path, file: str, row: list[str]) -> int:
    rows = read_rows(d, file)
    rows.append(row)
    write_rows(d, file, rows)
    return len(rows)


def map_columns(d: Path, file: str, fn: Callable[[list[str], list[str]], list[str]]) -> None:
    """Rewrite each row ``r`` as ``fn(header, r)`` (the header row too)."""
    rows = read_rows(d, file)
    write_rows(d, file, [fn(rows[0], r) for r in rows])


def drop_column(name: str) -> Callable[[list[str], list[str]], list[str]]:
    return lambda h, r: [v for k, v in zip(h, r, strict=True) if k != name]


def replace_line(d: Path, file: str, line: int, text: str) -> None:
    lines = (d / file).read_text(encoding="utf-8").split("\n")
    lines[line - 1] = text
    (d / file).write_text("\n".join(lines), encoding="utf-8")


def edit_geojson(d: Path, fn: Callable[[dict], None]) -> None:
    path = d / "geometrie.geojson"
    gj = json.loads(path.read_text(encoding="utf-8"))
    fn(gj)
    path.write_text(json.dumps(gj), encoding="utf-8")


def feature(gj: dict, code: str) -> dict:
    return next(f for f in gj["features"] if f["properties"]["sozialraum"] == code)


def map_coords(coords, fn):
    if coords and isinstance(coords[0], int | float):
        return list(fn(*coords))
    return [map_coords(c, fn) for c in coords]


TO_DEGREES = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True).transform


def to_degrees(gj: dict) -> None:
    for f in gj["features"]:
        f["geometry"]["coordinates"] = map_coords(f["geometry"]["coordinates"], TO_DEGREES)


def reproject(target: str, declare: str | None = None) -> Callable[[dict], None]:
    """Transform the demo map (EPSG:25832) into ``target``, declared as ``declare``."""
    to = Transformer.from_crs("EPSG:25832", target, always_xy=True).transform

    def fn(gj: dict) -> None:
        for f in gj["features"]:
            f["geometry"]["coordinates"] = map_coords(f["geometry"]["coordinates"], to)
        gj["crs"] = {"type": "name", "properties": {"name": declare or target}}
    return fn


def set_shape(gj: dict, code: str, fn: Callable) -> None:
    """Replace the geometry of ``code`` by ``fn(its shapely geometry, all geometries)``."""
    geoms = {f["properties"]["sozialraum"]: shape(f["geometry"]) for f in gj["features"]}
    feature(gj, code)["geometry"] = json.loads(json.dumps(mapping(fn(geoms[code], geoms))))


def _overlap(gj: dict) -> None:
    """AC 1 reaches 200 m into its neighbour AC 2 along their common border."""
    set_shape(gj, "AC 1", lambda g, all_: shapely.union(
        g, all_["AC 2"].intersection(g.buffer(200))).normalize())


def _border_midpoint(g, other):
    """The middle of the common border of two areas."""
    return shapely.line_merge(g.boundary.intersection(other.boundary)).interpolate(
        0.5, normalized=True)


def _gap_between(gj: dict) -> None:
    """AC 1 ends 250 m before its neighbour AC 2 in the middle of their border (a
    half-disc of land of no area)."""
    set_shape(gj, "AC 1", lambda g, all_: g.difference(
        _border_midpoint(g, all_["AC 2"]).buffer(250)))


def _gap_inside(gj: dict) -> None:
    """A hole in AC 1 that no area fills (a forgotten enclave)."""
    from shapely.ops import polylabel

    set_shape(gj, "AC 1", lambda g, _: g.difference(polylabel(g, 10).buffer(200)))


def _swap_lonlat(gj: dict) -> None:
    to_degrees(gj)
    del gj["crs"]
    for f in gj["features"]:
        f["geometry"]["coordinates"] = map_coords(f["geometry"]["coordinates"],
                                                  lambda x, y: (y, x))


def _one_area_in_the_alps(gj: dict) -> None:
    """EPSG:3035 map in which AC 1 lies 500 km further south (Lake Geneva)."""
    reproject("EPSG:3035", "urn:ogc:def:crs:EPSG::3035")(gj)
    f = feature(gj, "AC 1")
    f["geometry"]["coordinates"] = map_coords(f["geometry"]["coordinates"],
                                              lambda x, y: (x, y - 500_000))


def edit_note(d: Path, old: str, new: str, name: str = NOTE) -> None:
    path = d / "befunde" / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write_config(d: Path, old: str, new: str) -> Path:
    text = CONFIG.read_text(encoding="utf-8")
    assert old in text
    path = d / "report.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# the battery
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Expect:
    """The problem that must be reported (``value``, ``message``, ``hint``: substrings;
    ``value=ANY``: any value)."""

    file: str
    row: int | None
    column: str | None
    value: object
    message: str
    hint: str = ""


def _set(file: str, column: str, value: str, **match: str):
    def mutate(d: Path) -> int:
        row = row_of(d, file, **match)
        set_cell(d, file, row, column, value)
        return row
    return mutate


def _append(file: str, row: list[str]):
    return lambda d: append_row(d, file, row)


def _bytes(file: str, data: bytes):
    return lambda d: (d / file).write_bytes(data)


def _dup_count_row(d: Path) -> int:
    rows = read_rows(d, "zaehlungen.csv")
    return append_row(d, "zaehlungen.csv", list(rows[1]))


def _semicolon_row(d: Path) -> int:
    row = row_of(d, "sozialraeume.csv", sozialraum="AC 4")
    rows = read_rows(d, "sozialraeume.csv")
    replace_line(d, "sozialraeume.csv", row, ";".join(rows[row - 1]))
    return row


def _missing_year(d: Path) -> None:
    rows = read_rows(d, "zaehlungen.csv")
    write_rows(d, "zaehlungen.csv", [r for r in rows if not (r[0] == "AC 1" and r[1] == "2021")])


def _missing_variable(d: Path) -> None:
    rows = read_rows(d, "zaehlungen.csv")
    write_rows(d, "zaehlungen.csv", [r for r in rows if not (r[0] == "E 2" and r[2] == "sgb2")])


def _numerator_gt_denominator(d: Path) -> int:
    den = read_rows(d, "zaehlungen.csv")[
        row_of(d, "zaehlungen.csv", sozialraum="AC 1", jahr="2018", variable="bev_gesamt") - 1]
    row = row_of(d, "zaehlungen.csv", sozialraum="AC 1", jahr="2018",
                 variable="mindestsicherung")
    set_cell(d, "zaehlungen.csv", row, "anzahl", str(int(den[3]) + 1))
    return row


def _subset_gt_superset(d: Path) -> int:
    whole = read_rows(d, "zaehlungen.csv")[
        row_of(d, "zaehlungen.csv", sozialraum="AC 2", jahr="2016", variable="bev_65plus") - 1]
    row = row_of(d, "zaehlungen.csv", sozialraum="AC 2", jahr="2016", variable="bev_80plus")
    set_cell(d, "zaehlungen.csv", row, "anzahl", str(int(whole[3]) + 1))
    return row


def _three_errors(d: Path) -> None:
    for (area, var), value in {("AC 2", "sgb2"): "-7", ("AC 3", "sgb2"): "viel",
                               ("AC 4", "sgb2"): "12.5"}.items():
        set_cell(d, "zaehlungen.csv",
                 row_of(d, "zaehlungen.csv", sozialraum=area, jahr="2019", variable=var),
                 "anzahl", value)


# --- the wide layout (one column per variable), as statistics offices deliver it -------
def to_wide(d: Path, file: str = "zaehlungen.csv", excel: bool = False,
            xlsx: bool = False) -> None:
    """Rewrite a long count table of the demo copy in the wide layout: as UTF-8 CSV, as
    the German Excel export (``;``, Windows-1252) or as ``.xlsx`` (numbers as numbers)."""
    rows = read_rows(d, file)
    key = rows[0][0]
    variables = sorted({r[2] for r in rows[1:]})
    table: dict[tuple[str, str], dict[str, str]] = {}
    for r in rows[1:]:
        table.setdefault((r[0], r[1]), {})[r[2]] = r[3]
    out = [[key, "jahr", *variables]]
    out += [[k, y, *(cells[v] for v in variables)] for (k, y), cells in table.items()]
    if xlsx:
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.append(out[0])
        for r in out[1:]:
            wb.active.append([r[0], int(r[1]), *(int(v) for v in r[2:])])
        (d / file).unlink()
        wb.save(d / file.replace(".csv", ".xlsx"))
        return
    if excel:
        text = "".join(";".join(r) + "\r\n" for r in out)
        (d / file).write_bytes(text.encode("cp1252"))
        return
    write_rows(d, file, out)


def _wide(change: Callable[[list[list[str]], dict[str, int]], object],
          file: str = "zaehlungen.csv"):
    """Convert ``file`` to the wide layout, then let ``change(rows, column index)`` edit
    it; returns what ``change`` returns (a row number)."""
    def mutate(d: Path):
        to_wide(d, file)
        rows = read_rows(d, file)
        result = change(rows, {h: i for i, h in enumerate(rows[0])})
        write_rows(d, file, rows)
        return result
    return mutate


def _wide_cell(key: str, year: str, column: str, value: str, file: str = "zaehlungen.csv"):
    def change(rows, col):
        n = next(n for n, r in enumerate(rows[1:], start=2) if r[0] == key and r[1] == year)
        rows[n - 1][col[column]] = value
        return n
    return _wide(change, file)


def _wide_rename(old: str, new: str):
    def change(rows, col):
        rows[0][col[old]] = new
    return _wide(change)


def _wide_add_column(name: str, value: str):
    def change(rows, col):
        rows[0].append(name)
        for r in rows[1:]:
            r.append(value)
    return _wide(change)


def _wide_doubled_row(rows, col) -> int:
    rows.append(list(rows[1]))
    return len(rows)


def _wide_numerator_gt_denominator(rows, col) -> int:
    n = next(n for n, r in enumerate(rows[1:], start=2) if r[0] == "AC 1" and r[1] == "2018")
    rows[n - 1][col["mindestsicherung"]] = str(int(rows[n - 1][col["bev_gesamt"]]) + 1)
    return n


def _wide_sum_broken(rows, col) -> int:
    n = next(n for n, r in enumerate(rows[1:], start=2) if r[0] == "AC 1" and r[1] == "2019")
    rows[n - 1][col["bev_gesamt"]] = str(int(rows[n - 1][col["bev_gesamt"]]) + 1)
    return n


def _wide_excel_decimal_comma(d: Path) -> int:
    to_wide(d, excel=True)
    lines = (d / "zaehlungen.csv").read_bytes().decode("cp1252").split("\r\n")
    head = lines[0].split(";")
    n = next(n for n, ln in enumerate(lines[1:], start=2) if ln.startswith("AC 2;2020;"))
    cells = lines[n - 1].split(";")
    cells[head.index("arbeitslose")] = "1.234,5"
    lines[n - 1] = ";".join(cells)
    (d / "zaehlungen.csv").write_bytes("\r\n".join(lines).encode("cp1252"))
    return n


def _wide_xlsx_negative(d: Path) -> int:
    from openpyxl import load_workbook

    to_wide(d, xlsx=True)
    wb = load_workbook(d / "zaehlungen.xlsx")
    ws = wb.active
    head = [c.value for c in ws[1]]
    n = next(r[0].row for r in ws.iter_rows(min_row=2)
             if r[0].value == "E 3" and r[1].value == 2017)
    ws.cell(row=n, column=head.index("bev_u15") + 1, value=-3)
    wb.save(d / "zaehlungen.xlsx")
    return n


BOWTIE = [[[283000.0, 5637000.0], [284000.0, 5638000.0], [284000.0, 5637000.0],
           [283000.0, 5638000.0], [283000.0, 5637000.0]]]


def _total_is(parts: str):
    """Declare bev_gesamt as the sum ``parts`` (summe_aus)."""
    return _set("variablen.csv", "summe_aus", parts, variable="bev_gesamt")


def _sum_cycle(d: Path) -> int:
    """bev_u15 = bev_gesamt − …: bev_gesamt is then defined through itself."""
    set_cell(d, "variablen.csv", row_of(d, "variablen.csv", variable="bev_u15"), "summe_aus",
             "bev_gesamt + bev_65plus")
    return row_of(d, "variablen.csv", variable="bev_gesamt")


def _extra_feature(gj: dict) -> None:
    f = copy.deepcopy(feature(gj, "AC 1"))
    f["properties"]["sozialraum"] = "ZZ 1"
    gj["features"].append(f)


# --- issue 10: special files, resource exhaustion, text that breaks the build -----------
OUTSIDE_NOTE = """---
titel: "Vertraulich"
sozialraum: "E 1"
handlungsfeld: armut
datum: 2021-06-02
quelle: Fachgespräch
---
Interner Vermerk außerhalb des Datenordners.
"""


def _note_symlink_out(d: Path) -> None:
    """A finding that is a symlink to a file outside the data folder."""
    secret = d.parent / "ausserhalb.md"
    secret.write_text(OUTSIDE_NOTE, encoding="utf-8")
    (d / "befunde" / "zz_vermerk.md").symlink_to(secret)


def _symlink(file: str, target: str):
    def mutate(d: Path) -> None:
        (d / file).unlink()
        (d / file).symlink_to(target)
    return mutate


def _fifo(file: str):
    def mutate(d: Path) -> None:
        (d / file).unlink()
        os.mkfifo(d / file)
    return mutate


def _laughs(levels: int = 9) -> list[str]:
    """YAML "billion laughs": 10**levels strings from a few lines of aliases."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for k in range(1, levels):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * 10) + "]")
    return lines


def _note_alias_bomb(d: Path) -> None:
    edit_note(d, 'titel: "Verdeckte Armut in den Eschweiler Sozialräumen E 1 und E 2"',
              "\n".join([*_laughs(), "titel: *a8"]))


def _xlsx_kommunen(d: Path, dimension: str | None = None, padding: int = 0) -> None:
    """kommunen.csv → kommunen.xlsx; optionally a forged sheet dimension, or a padding
    entry of ``padding`` bytes (zeros, compressed to almost nothing)."""
    from openpyxl import Workbook

    wb = Workbook()
    for r in read_rows(d, "kommunen.csv"):
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    (d / "kommunen.csv").unlink()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if dimension and info.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"'
                              .encode(), data)
                assert dimension.encode() in data
            dst.writestr(info.filename, data)
        if padding:
            dst.writestr("xl/media/image1.bin", b"\0" * padding)
    (d / "kommunen.xlsx").write_bytes(out.getvalue())


def _pad_geojson(d: Path) -> None:
    """Valid JSON (trailing white space), 2 MB."""
    path = d / "geometrie.geojson"
    path.write_bytes(path.read_bytes() + b" " * (2 * 1024 * 1024))


def _deep_geojson(d: Path) -> None:
    depth = 200_000
    (d / "geometrie.geojson").write_text(
        '{"type": "FeatureCollection", "features": [' + "[" * depth + "]" * depth + "]}",
        encoding="utf-8")


def _note_text(d: Path, text: str) -> int:
    edit_note(d, "Die Beratungsangebote", text + " Die Beratungsangebote")
    return 8  # the text starts after the 7 lines of the front matter


# each case: id -> (mutation of the demo copy, expected problem); a mutation may return the
# row number it broke, then ``row=ROW`` in the expectation is replaced by it
ROW = -1
ANY = object()
CASES: dict[str, tuple[Callable[[Path], object], Expect]] = {
    # --- file level -------------------------------------------------------------------
    "empty_file": (_bytes("kommunen.csv", b""),
                   Expect("kommunen.csv", None, None, None, "Datei ist leer")),
    "bom_only_file": (_bytes("variablen.csv", b"\xef\xbb\xbf\r\n"),
                      Expect("variablen.csv", None, None, None, "Datei ist leer")),
    "header_only": (_bytes("zaehlungen.csv", b"sozialraum,jahr,variable,anzahl\n"),
                    Expect("zaehlungen.csv", None, None, None, "nur die Kopfzeile")),
    "missing_file": (lambda d: (d / "variablen.csv").unlink(),
                     Expect("variablen.csv", None, None, None, "Datei fehlt")),
    "utf16": (lambda d: (d / "kommunen.csv").write_text(
        (d / "kommunen.csv").read_text(encoding="utf-8"), encoding="utf-16"),
        Expect("kommunen.csv", None, None, None, "UTF-16", "CSV UTF-8")),
    "utf16_without_bom": (lambda d: (d / "kommunen.csv").write_text(
        (d / "kommunen.csv").read_text(encoding="utf-8"), encoding="utf-16-le"),
        Expect("kommunen.csv", None, None, None, "UTF-16")),
    "separator_mixup_row": (_semicolon_row,
                            Expect("sozialraeume.csv", ROW, None, "AC 4;", "1 Felder, die "
                                   "Kopfzeile 4", "Trennzeichen")),
    "unquoted_comma_extra_field": (  # a value with an unquoted comma: one field too many
        lambda d: replace_line(d, "sozialraeume.csv", 3, "AC 2,Nord, Ost,05334002,nein"),
        Expect("sozialraeume.csv", 3, None, "AC 2,Nord, Ost", "5 Felder, die Kopfzeile 4")),
    # --- header -----------------------------------------------------------------------
    "missing_column": (lambda d: map_columns(d, "sozialraeume.csv", drop_column("name_belegt")),
                       Expect("sozialraeume.csv", 1, "name_belegt", None, "Pflichtspalte fehlt",
                              "ergänzen")),
    "extra_column": (lambda d: map_columns(d, "kommunen.csv",
                                           lambda h, r: [*r, "bemerkung" if r is h else "x"]),
                     Expect("kommunen.csv", 1, "bemerkung", None, "unbekannte Spalte",
                            "Spalte entfernen")),
    "renamed_column": (lambda d: map_columns(d, "zaehlungen.csv", lambda h, r: (
        ["sozialraum", "jahr", "variable", "Anzahl"] if r is h else r)),
        Expect("zaehlungen.csv", 1, "anzahl", None, "Pflichtspalte fehlt",
               "Spalte „Anzahl“ in „anzahl“ umbenennen")),
    "duplicate_column": (lambda d: map_columns(d, "kommunen.csv", lambda h, r: [*r, r[1]]),
                         Expect("kommunen.csv", 1, "name", None, "Spaltenname doppelt")),
    # --- cells and keys ---------------------------------------------------------------
    "decimal_comma_in_comma_file": (
        _set("zaehlungen.csv", "anzahl", "1,5", sozialraum="AC 1", jahr="2016",
             variable="sgb2"),
        Expect("zaehlungen.csv", ROW, "anzahl", "1,5", "keine ganze Zahl", "Dezimalkomma")),
    "negative_count": (_set("zaehlungen.csv", "anzahl", "-3", sozialraum="AC 1", jahr="2017",
                            variable="sgb2"),
                       Expect("zaehlungen.csv", ROW, "anzahl", "-3", "negative Anzahl",
                              "Vorzeichen")),
    "non_integer_count": (_set("zaehlungen.csv", "anzahl", "12.5", sozialraum="AC 1",
                               jahr="2017", variable="sgb2"),
                          Expect("zaehlungen.csv", ROW, "anzahl", "12.5", "keine ganze Zahl",
                                 "Nachkommastellen")),
    "text_count": (_set("zaehlungen.csv", "anzahl", "k.A.", sozialraum="AC 1", jahr="2017",
                        variable="sgb2"),
                   Expect("zaehlungen.csv", ROW, "anzahl", "k.A.", "keine ganze Zahl")),
    "huge_count": (_set("zaehlungen.csv", "anzahl", "6000000", sozialraum="AC 1", jahr="2017",
                        variable="bev_gesamt"),
                   Expect("zaehlungen.csv", ROW, "anzahl", "6000000",
                          "unplausibel große Anzahl")),
    "overflowing_count": (_set("zaehlungen.csv", "anzahl", "9" * 25, sozialraum="AC 1",
                               jahr="2017", variable="bev_gesamt"),
                          Expect("zaehlungen.csv", ROW, "anzahl", "99999", "Zahl zu groß")),
    "empty_count": (_set("zaehlungen.csv", "anzahl", "", sozialraum="AC 1", jahr="2017",
                         variable="sgb2"),
                    Expect("zaehlungen.csv", ROW, "anzahl", "", "Pflichtfeld ist leer")),
    "year_out_of_range": (_set("zaehlungen.csv", "jahr", "1899", sozialraum="AC 1",
                               jahr="2017", variable="sgb2"),
                          Expect("zaehlungen.csv", ROW, "jahr", "1899", "Jahr außerhalb")),
    "area_code_with_slash": (_set("sozialraeume.csv", "sozialraum", "AC/1", sozialraum="AC 1"),
                             Expect("sozialraeume.csv", ROW, "sozialraum", "AC/1",
                                    "Kennung mit unerlaubten Zeichen",
                                    "nur Buchstaben, Ziffern, Leerzeichen")),
    "area_code_with_markup": (_set("sozialraeume.csv", "sozialraum", "<b>AC 1",
                                   sozialraum="AC 1"),
                              Expect("sozialraeume.csv", ROW, "sozialraum", "<b>AC 1",
                                     "Kennung mit unerlaubten Zeichen")),
    "area_code_with_list_separator": (_set("sozialraeume.csv", "sozialraum", "AC 1|2",
                                           sozialraum="AC 1"),
                                      Expect("sozialraeume.csv", ROW, "sozialraum", "AC 1|2",
                                             "Kennung mit unerlaubten Zeichen")),
    "area_code_too_long": (_set("sozialraeume.csv", "sozialraum", "A" * 41, sozialraum="AC 1"),
                           Expect("sozialraeume.csv", ROW, "sozialraum", "A" * 41,
                                  "länger als 40 Zeichen", "1 bis 40 Zeichen")),
    "kommune_id_with_forbidden_character": (
        _set("kommunen.csv", "ags", "bezirk/01", name="Würselen"),
        Expect("kommunen.csv", ROW, "ags", "bezirk/01", "Kennung mit unerlaubten Zeichen")),
    "ags_lost_leading_zero": (_set("kommunen.csv", "ags", "5334016", name="Würselen"),
                              Expect("kommunen.csv", ROW, "ags", "5334016",
                                     "kein gültiger AGS", "führende 0")),
    "ags_impossible_land": (_set("kommunen.csv", "ags", "99334016", name="Würselen"),
                            Expect("kommunen.csv", ROW, "ags", "99334016",
                                   "kein gültiger AGS (8 Ziffern, Land 01–16)", "bezirk_01")),
    "duplicate_area_code": (_set("sozialraeume.csv", "sozialraum", "AC 1", sozialraum="AC 2"),
                            Expect("sozialraeume.csv", ROW, "sozialraum", "AC 1",
                                   "Schlüssel doppelt (schon in Zeile 2)")),
    "duplicate_count_row": (_dup_count_row,
                            Expect("zaehlungen.csv", ROW, "sozialraum, jahr, variable",
                                   "A 10 / 2016 / alleinlebend_65plus", "Schlüssel doppelt")),
    "bad_field_in_catalogue": (_set("indikatoren.csv", "einheit", "Prozent",
                                    indikator="sgb2"),
                               Expect("indikatoren.csv", ROW, "einheit", "Prozent",
                                      "nur „%“ oder „je 1.000“")),
    # --- across files -----------------------------------------------------------------
    "unknown_area_in_counts": (_append("zaehlungen.csv", ["ZZ 9", "2016", "bev_gesamt", "5"]),
                               Expect("zaehlungen.csv", ROW, "sozialraum", "ZZ 9",
                                      "unbekannte(r) Sozialraum")),
    "unknown_ags_in_areas": (_set("sozialraeume.csv", "ags", "05334099", sozialraum="AC 1"),
                             Expect("sozialraeume.csv", ROW, "ags", "05334099",
                                    "unbekannte(r) Kommune")),
    "unknown_variable_in_counts": (
        _append("zaehlungen.csv", ["AC 1", "2016", "bev_unbekannt", "5"]),
        Expect("zaehlungen.csv", ROW, "variable", "bev_unbekannt", "unbekannte(r) Variable")),
    "unknown_variable_in_indicator": (
        _set("indikatoren.csv", "nenner", "bev_alle", indikator="sgb2"),
        Expect("indikatoren.csv", ROW, "nenner", "bev_alle", "unbekannte(r) Variable")),
    "municipal_variable_in_area_counts": (
        _append("zaehlungen.csv", ["AC 1", "2016", "eingliederungshilfe", "5"]),
        Expect("zaehlungen.csv", ROW, "variable", "eingliederungshilfe",
               "nur je Kommune")),
    "unknown_ags_in_municipal_counts": (
        _set("zaehlungen_kommune.csv", "ags", "05334098", ags="05334002", jahr="2016",
             variable="bev_kommune"),
        Expect("zaehlungen_kommune.csv", ROW, "ags", "05334098", "unbekannte(r) Kommune")),
    "numerator_gt_denominator": (_numerator_gt_denominator,
                                 Expect("zaehlungen.csv", ROW, "anzahl", ANY,
                                        "Zähler „mindestsicherung“ größer als Nenner "
                                        "„bev_gesamt“")),
    "subset_gt_superset": (_subset_gt_superset,
                           Expect("zaehlungen.csv", ROW, "anzahl", ANY,
                                  "Teilmenge „bev_80plus“ größer als ihre Obermenge "
                                  "„bev_65plus“", "„teilmengen“ in config/report.yaml")),
    "missing_year_for_one_area": (_missing_year,
                                  Expect("zaehlungen.csv", None, "jahr", "2021",
                                         "Jahr(e) fehlen für Sozialraum AC 1 (alle Variablen)")),
    "variable_missing_for_one_area": (_missing_variable,
                                      Expect("zaehlungen.csv", None, "jahr", "2016, 2017",
                                             "fehlen für Sozialraum E 2, Variable sgb2")),
    "service_unknown_area": (_set("angebote.csv", "sozialraeume", "AC 4|AC 99",
                                  angebot="ang_001"),
                             Expect("angebote.csv", ROW, "sozialraeume", "AC 99",
                                    "unbekannter Sozialraum")),
    "service_ends_before_start": (_set("angebote.csv", "bis", "2001", angebot="ang_001"),
                                  Expect("angebote.csv", ROW, "bis", "2001",
                                         "Ende liegt vor Beginn")),
    "goal_unknown_indicator": (_set("wirkungsziele.csv", "indikator", "sgb3",
                                    ziel_id="z_kinderarmut_s1"),
                               Expect("wirkungsziele.csv", ROW, "indikator", "sgb3",
                                      "unbekannte(r) Indikator")),
    "priority_unknown_ags": (_set("prioritaeten.csv", "ags", "05334097",
                                  thema="bildungschancen", ags="05334002"),
                             Expect("prioritaeten.csv", ROW, "ags", "05334097",
                                    "unbekannte(r) Kommune")),
    # --- geometry ---------------------------------------------------------------------
    "area_missing_from_geometry": (
        lambda d: edit_geojson(d, lambda gj: gj["features"].remove(feature(gj, "AC 1"))),
        Expect("geometrie.geojson", None, "sozialraum", "AC 1",
               "Sozialraum hat keine Geometrie")),
    "extra_area_in_geometry": (lambda d: edit_geojson(d, _extra_feature),
                               Expect("geometrie.geojson", None, "sozialraum", "ZZ 1",
                                      "fehlt in sozialraeume.csv")),
    "bowtie_polygon": (
        lambda d: edit_geojson(d, lambda gj: feature(gj, "AC 1")["geometry"].update(
            coordinates=BOWTIE)),
        Expect("geometrie.geojson", None, "geometry", "AC 1",
               "ungültiges Polygon (Self-intersection", "reparieren")),
    "degrees_declared_as_utm": (lambda d: edit_geojson(d, to_degrees),
                                Expect("geometrie.geojson", None, "crs", "25832",
                                       "Koordinaten von 93 Sozialräumen liegen nicht in "
                                       "Deutschland", "Längen-/Breitengrade")),
    "one_area_shifted": (
        lambda d: edit_geojson(d, lambda gj: feature(gj, "AC 1")["geometry"].update(
            coordinates=map_coords(feature(gj, "AC 1")["geometry"]["coordinates"],
                                   lambda x, y: (x, y - 5_000_000)))),
        Expect("geometrie.geojson", None, "crs", "AC 1",
               "Koordinaten liegen nicht in Deutschland", "Koordinatensystem prüfen")),
    "overlapping_areas": (lambda d: edit_geojson(d, _overlap),
                          Expect("geometrie.geojson", None, "geometry", "AC 1",
                                 "Sozialräume AC 1 und AC 2 überschneiden sich auf 44,1 ha "
                                 "(6,8 % von AC 1)",
                                 "gemeinsame Grenze bereinigen")),
    "gap_between_areas": (lambda d: edit_geojson(d, _gap_between),
                          Expect("geometrie.geojson", None, "geometry", "AC 1",
                                 "Lücke von 9,8 ha zwischen den Sozialräumen AC 1, AC 2 und AC 4 "
                                 "(Kommune Aachen), bei 50,",
                                 "einem der angrenzenden Sozialräume zuordnen")),
    "hole_in_area_not_filled": (lambda d: edit_geojson(d, _gap_inside),
                                Expect("geometrie.geojson", None, "geometry", "AC 1",
                                       "Lücke von 12,5 ha zwischen den Sozialräumen AC 1 "
                                       "(Kommune Aachen)")),
    "metres_without_crs_member": (lambda d: edit_geojson(d, lambda gj: gj.pop("crs")),
                                  Expect("geometrie.geojson", None, "crs", "CRS84",
                                         "Koordinaten von 93 Sozialräumen liegen nicht in "
                                         "Deutschland", "die Koordinaten sind Meter")),
    "lonlat_swapped": (lambda d: edit_geojson(d, _swap_lonlat),
                       Expect("geometrie.geojson", None, "crs", "CRS84",
                              "Koordinaten von 93 Sozialräumen liegen nicht in Deutschland",
                              "Längen- und Breitengrad sind vertauscht")),
    "one_area_outside_germany_epsg3035": (
        lambda d: edit_geojson(d, _one_area_in_the_alps),
        Expect("geometrie.geojson", None, "crs", "AC 1",
               "Koordinaten liegen nicht in Deutschland (Feature 1, als "
               "urn:ogc:def:crs:EPSG::3035 gelesen: 6,40° bis", "Koordinatensystem prüfen")),
    "geojson_not_json": (_bytes("geometrie.geojson", b'{"type": "FeatureCollection",'),
                         Expect("geometrie.geojson", 1, None, None,
                                "keine gültige GeoJSON-Datei")),
    "geojson_not_a_collection": (_bytes("geometrie.geojson", b"[]"),
                                 Expect("geometrie.geojson", None, None, None,
                                        "keine FeatureCollection")),
    # --- qualitative notes ------------------------------------------------------------
    "note_malformed_yaml": (lambda d: edit_note(d, 'titel: "Verdeckte', 'titel: ["Verdeckte'),
                            Expect(f"befunde/{NOTE}", 2, None, None,
                                   "Kopfbereich ist kein gültiges YAML")),
    "note_unclosed_front_matter": (
        lambda d: edit_note(d, "quelle: Fachgespräch\n---", "quelle: Fachgespräch\n"),
        Expect(f"befunde/{NOTE}", 1, None, None, "nicht mit „---“ beendet")),
    "note_unknown_field": (lambda d: edit_note(d, "quelle:", "autorin: Frau M.\nquelle:"),
                           Expect(f"befunde/{NOTE}", 6, "autorin", None,
                                  "unbekanntes Feld im Kopfbereich")),
    "note_impossible_date": (lambda d: edit_note(d, "datum: 2021-06-02", "datum: 2021-13-02"),
                             Expect(f"befunde/{NOTE}", 5, "datum", "2021-13-02",
                                    "kein gültiges Datum")),
    "note_unknown_area": (lambda d: edit_note(d, '"E 1|E 2"', '"E 1|E 99"'),
                          Expect(f"befunde/{NOTE}", 3, "sozialraum", "E 99",
                                 "unbekannter Sozialraum")),
    "note_area_code_unquoted_number": (  # YAML reads 0110 as a number: say to quote it
        lambda d: edit_note(d, 'sozialraum: "E 1|E 2"', "sozialraum: 0110"),
        Expect(f"befunde/{NOTE}", 3, "sozialraum", ANY, "unbekannter Sozialraum",
               "in Anführungszeichen setzen")),
    "geometry_area_code_as_number": (
        lambda d: edit_geojson(d, lambda gj: feature(gj, "AC 1")["properties"].update(
            sozialraum=110)),
        Expect("geometrie.geojson", None, "sozialraum", "110",
               "Sozialraum der Geometrie fehlt in sozialraeume.csv (Kennung als Zahl "
               "gespeichert)", "als Text exportieren")),
    # --- sums between variables (summe_aus) --------------------------------------------
    "sum_unknown_part": (_total_is("bev_u65 + bev_alt"),
                         Expect("variablen.csv", ROW, "summe_aus", "bev_u65 + bev_alt",
                                "unbekannte Variable(n): bev_alt", "Kennungen")),
    "sum_single_part": (_total_is("bev_u65"),
                        Expect("variablen.csv", ROW, "summe_aus", "bev_u65",
                               "Kennungen mit „+“ verbinden")),
    "sum_of_itself": (_total_is("bev_gesamt + bev_u65"),
                      Expect("variablen.csv", ROW, "summe_aus", "bev_gesamt + bev_u65",
                             "Teil ihrer eigenen Summe")),
    "sum_other_level": (_total_is("eingliederungshilfe + bev_u65"),
                        Expect("variablen.csv", ROW, "summe_aus", "eingliederungshilfe",
                               "anderer Ebene: eingliederungshilfe")),
    "sum_cycle": (_sum_cycle, Expect("variablen.csv", ROW, "summe_aus", "bev_gesamt",
                                     "über sich selbst definiert")),
    "sum_broken_by_counts": (_set("zaehlungen.csv", "anzahl", "999999", sozialraum="AC 3",
                                  jahr="2019", variable="bev_gesamt"),
                             Expect("zaehlungen.csv", ROW, "anzahl", "999999",
                                    "bev_gesamt (AC 3, 2019) ist nicht bev_u65 + bev_65plus",
                                    "„summe_aus“ in variablen.csv")),
    # --- issue 10: only regular files inside the data folder --------------------------
    "note_symlink_out_of_folder": (_note_symlink_out,
                                   Expect("befunde/zz_vermerk.md", None, None, None,
                                          "zeigt aus dem Datenordner heraus",
                                          "in den Datenordner kopieren")),
    "table_symlink_to_system_file": (_symlink("kommunen.csv", SYSTEM_FILE),
                                     Expect("kommunen.csv", None, None, None,
                                            "zeigt aus dem Datenordner heraus")),
    "geometry_symlink_to_dev_zero": (_symlink("geometrie.geojson", ZERO_DEVICE),
                                     Expect("geometrie.geojson", None, None, None,
                                            "zeigt aus dem Datenordner heraus")),
    "table_is_a_fifo": (_fifo("zaehlungen.csv"),
                        Expect("zaehlungen.csv", None, None, None,
                               "keine normale Datei, sondern eine Pipe (FIFO)")),
    # --- issue 10: bounded time and memory --------------------------------------------
    "note_yaml_alias_bomb": (_note_alias_bomb,
                             Expect(f"befunde/{NOTE}", 2, None, None,
                                    "Kopfbereich: YAML-Anker „&a0“ ist nicht erlaubt",
                                    "Aliase")),
    "xlsx_declares_two_million_rows": (
        lambda d: _xlsx_kommunen(d, dimension="A1:B2000000"),
        Expect("kommunen.xlsx", None, None, "A1:B2000000",
               "Tabellenblatt hat laut Excel 2.000.000 Zeilen, erlaubt sind höchstens "
               "1.048.576")),
    "xlsx_unpacks_too_big": (lambda d: _xlsx_kommunen(d, padding=3 * 1024 * 1024),
                             Expect("kommunen.xlsx", None, None, None,
                                    "Excel-Datei ist entpackt zu groß (3,0 MB, erlaubt "
                                    "höchstens 1,0 MB)", "SOZIALPLANUNG_MAX_DATEI_MB")),
    "file_too_big": (_pad_geojson, Expect("geometrie.geojson", None, None, None,
                                          "Datei ist zu groß (2,0 MB, erlaubt höchstens "
                                          "1,0 MB)")),
    "too_many_rows": (lambda d: None,
                      Expect("zaehlungen.csv", None, None, None,
                             "Datei hat 14.508 Zeilen, erlaubt sind höchstens 10.000",
                             "SOZIALPLANUNG_MAX_ZEILEN")),
    "too_many_areas": (lambda d: None,
                       Expect("sozialraeume.csv", None, None, None,
                              "Datei hat 93 Sozialräume, erlaubt sind höchstens 50",
                              "SOZIALPLANUNG_MAX_SOZIALRAEUME")),
    "geojson_nested_200000_deep": (_deep_geojson,
                                   Expect("geometrie.geojson", None, None, None,
                                          "zu tief verschachtelt")),
    "count_with_5001_digits": (_set("zaehlungen.csv", "anzahl", "9" * 5001, sozialraum="AC 1",
                                    jahr="2017", variable="bev_gesamt"),
                               Expect("zaehlungen.csv", ROW, "anzahl", "99999",
                                      "Zahl zu groß")),
    # --- issue 10: what the build refuses, validate refuses ---------------------------
    "control_character_in_name": (_set("kommunen.csv", "name", "Aachen\x07", name="Aachen"),
                                  Expect("kommunen.csv", ROW, "name", "Aachen",
                                         "unerlaubtes Zeichen U+0007")),
    "c1_control_in_definition": (
        _set("indikatoren.csv", "definition", "Anteil\x85 der Empfänger", indikator="sgb2"),
        Expect("indikatoren.csv", ROW, "definition", "Anteil", "unerlaubtes Zeichen U+0085")),
    "infinite_target_value": (_set("wirkungsziele.csv", "zielwert", "1e309",
                                   ziel_id="z_kinderarmut_s1"),
                              Expect("wirkungsziele.csv", ROW, "zielwert", "1e309",
                                     "Zahl zu groß (außerhalb des Zahlenbereichs)")),
    "note_text_with_timestamp": (lambda d: _note_text(d, "Stand: 2021-06-02 14:30."),
                                 Expect(f"befunde/{NOTE}", ROW, "Text", "Synthetischer",
                                        "Zeitstempel „2021-06-02 14:30“", "Uhrzeit")),
    "machine_path_in_service_name": (
        _set("angebote.csv", "name", f"Beratung (siehe {HOME_PATH}/angebote.txt)",
             angebot="ang_001"),
        Expect("angebote.csv", ROW, "name", HOME_PATH, "Rechnerpfad „/home/“")),
    # --- issue 10: spoofing -----------------------------------------------------------
    "right_to_left_override_in_area_name": (
        _set("sozialraeume.csv", "name", "Mitte\u202etsO", sozialraum="AC 1"),
        Expect("sozialraeume.csv", ROW, "name", "Mitte",
               "unerlaubtes Zeichen U+202E RIGHT-TO-LEFT OVERRIDE")),
    "zero_width_space_in_provider": (
        _set("angebote.csv", "traeger", "Caritas\u200bverband", angebot="ang_001"),
        Expect("angebote.csv", ROW, "traeger", "Caritas",
               "unerlaubtes Zeichen U+200B ZERO WIDTH SPACE")),
    "bidi_isolate_in_note_title": (
        lambda d: edit_note(d, 'titel: "Verdeckte', 'titel: "\u2067Verdeckte'),
        Expect(f"befunde/{NOTE}", 2, "titel", "Verdeckte", "unerlaubtes Zeichen U+2067")),
    # --- issue 11: counts in the wide layout, located in the wide file's cells -------
    "wide_negative_count": (_wide_cell("AC 1", "2018", "bev_u15", "-3"),
                            Expect("zaehlungen.csv", ROW, "bev_u15", "-3", "negative Anzahl")),
    "wide_empty_cell": (_wide_cell("S 1", "2016", "bev_u18", ""),
                        Expect("zaehlungen.csv", ROW, "bev_u18", "", "Pflichtfeld ist leer",
                               "auch 0")),
    "wide_unknown_variable_column": (_wide_rename("bev_u15", "bev_u_15"),
                                     Expect("zaehlungen.csv", 1, "bev_u_15", None,
                                            "unbekannte Variable", "„bev_u15“")),
    "wide_municipal_variable_in_area_table": (
        _wide_add_column("eingliederungshilfe", "1"),
        Expect("zaehlungen.csv", 1, "eingliederungshilfe", None, "nur je Kommune",
               "zaehlungen_kommune")),
    "wide_missing_year_column": (
        _wide(lambda rows, col: [r.pop(col["jahr"]) for r in rows]),
        Expect("zaehlungen.csv", 1, "jahr", None, "Pflichtspalte fehlt",
               "Breitformat: sozialraum, jahr, dann eine Spalte je Variable")),
    "wide_doubled_area_and_year": (_wide(_wide_doubled_row),
                                   Expect("zaehlungen.csv", ROW, "sozialraum, jahr",
                                          "A 10 / 2016", "doppelt (schon in Zeile 2)")),
    "wide_unknown_area": (_wide_cell("AC 1", "2016", "sozialraum", "ZZ 9"),
                          Expect("zaehlungen.csv", ROW, "sozialraum", "ZZ 9",
                                 "unbekannte(r) Sozialraum")),
    "wide_numerator_gt_denominator": (_wide(_wide_numerator_gt_denominator),
                                      Expect("zaehlungen.csv", ROW, "mindestsicherung", ANY,
                                             "größer als Nenner „bev_gesamt“")),
    "wide_sum_broken": (_wide(_wide_sum_broken),
                        Expect("zaehlungen.csv", ROW, "bev_gesamt", ANY,
                               "ist nicht bev_u65 + bev_65plus")),
    "wide_excel_export_decimal": (_wide_excel_decimal_comma,
                                  Expect("zaehlungen.csv", ROW, "arbeitslose", "1.234,5",
                                         "keine ganze Zahl")),
    "wide_xlsx_negative_count": (_wide_xlsx_negative,
                                 Expect("zaehlungen.xlsx", ROW, "bev_u15", "-3",
                                        "negative Anzahl")),
    "wide_municipal_counts_negative": (
        _wide_cell("05334002", "2019", "eingliederungshilfe", "-1", "zaehlungen_kommune.csv"),
        Expect("zaehlungen_kommune.csv", ROW, "eingliederungshilfe", "-1", "negative Anzahl")),
    "wide_area_variable_in_municipal_table": (
        _wide(lambda rows, col: [r.append("bev_gesamt" if r is rows[0] else "5") for r in rows],
              "zaehlungen_kommune.csv"),
        Expect("zaehlungen_kommune.csv", 1, "bev_gesamt", None, "je Sozialraum vor")),
    "wide_too_many_counts": (  # 558 rows, but 14.508 counts: refused before melting
        lambda d: to_wide(d),
        Expect("zaehlungen.csv", None, None, None,
               "Datei hat 14.508 Zählwerte (Zeilen × Variablenspalten), erlaubt sind "
               "höchstens 10.000", "SOZIALPLANUNG_MAX_ZEILEN")),
}

#: environment (limits) of a case; everything else runs with the defaults
CASE_ENV = {
    "xlsx_unpacks_too_big": {"SOZIALPLANUNG_MAX_DATEI_MB": "1"},
    "file_too_big": {"SOZIALPLANUNG_MAX_DATEI_MB": "1"},
    "too_many_rows": {"SOZIALPLANUNG_MAX_ZEILEN": "10000"},
    "wide_too_many_counts": {"SOZIALPLANUNG_MAX_ZEILEN": "10000"},
    "too_many_areas": {"SOZIALPLANUNG_MAX_SOZIALRAEUME": "50"},
}


def _matches(p: Problem, e: Expect) -> bool:
    return (p.file == e.file and p.row == e.row and p.column == e.column
            and (e.value is ANY or (p.value is None if e.value is None
                                    else p.value is not None and e.value in p.value))
            and e.message in p.message and e.hint in p.hint)


@pytest.fixture
def validate_cli(monkeypatch, capsys):
    """Run ``validate`` in-process; return (exit code, stdout, stderr, problems raised).

    The dataset loaded by a successful run is kept in ``run.dataset``.
    """
    raised: list[DataContractError] = []
    original = dataset_module.load_dataset

    def spy(path, *args, **kwargs):
        try:
            run.dataset = original(path, *args, **kwargs)
            return run.dataset
        except DataContractError as err:
            raised.append(err)
            raise

    monkeypatch.setattr(dataset_module, "load_dataset", spy)

    def run(data: Path, config: Path = CONFIG) -> tuple[int, str, str, list[Problem]]:
        raised.clear()
        run.dataset = None
        code = main(["validate", str(data), "--config", str(config)])
        out, err = capsys.readouterr()
        return code, out, err, (list(raised[0].problems) if raised else [])
    return run


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input(case, demo_copy, validate_cli, monkeypatch):
    mutate, expect = CASES[case]
    for name, value in CASE_ENV.get(case, {}).items():
        monkeypatch.setenv(name, value)
    result = mutate(demo_copy)
    if expect.row == ROW:
        assert isinstance(result, int)
        expect = Expect(expect.file, result, expect.column, expect.value, expect.message,
                        expect.hint)
    code, out, err, problems = validate_cli(demo_copy)
    assert code == 2
    assert "Traceback" not in err and "Interner Fehler" not in err
    assert "Daten in Ordnung" not in out
    found = [p for p in problems if _matches(p, expect)]
    assert found, f"{expect} not in:\n" + "\n".join(p.format() for p in problems[:20])
    assert "  - " + found[0].format() in err.splitlines()  # printed exactly, one line
    assert len(problems) < 60, "one mistake should not flood the user with messages"


def test_battery_is_big_enough():
    assert len(CASES) >= 103


def test_all_problems_are_collected(demo_copy):
    """Three different mistakes in one file: all three are reported, in row order."""
    _three_errors(demo_copy)
    # and a mistake in another file at the same time
    set_cell(demo_copy, "kommunen.csv", 3, "name", "")
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy)
    problems = exc.value.problems
    assert [(p.file, p.column, p.value, p.message) for p in problems] == [
        ("kommunen.csv", "name", "", "Pflichtfeld ist leer"),
        ("zaehlungen.csv", "anzahl", "-7", "negative Anzahl"),
        ("zaehlungen.csv", "anzahl", "viel", "keine ganze Zahl"),
        ("zaehlungen.csv", "anzahl", "12.5", "keine ganze Zahl"),
    ]
    assert [p.row for p in problems[1:]] == sorted(p.row for p in problems[1:])
    assert str(exc.value).startswith("4 Problem(e) in den Eingabedaten gefunden:")


def test_cross_file_problems_are_collected(demo_copy):
    append_row(demo_copy, "zaehlungen.csv", ["ZZ 9", "2016", "bev_gesamt", "5"])
    set_cell(demo_copy, "angebote.csv", 2, "sozialraeume", "AC 99")
    edit_note(demo_copy, "quelle:", "autorin: X\nquelle:")
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy)
    assert {p.file for p in exc.value.problems} == {
        "zaehlungen.csv", "angebote.csv", f"befunde/{NOTE}"}


# ---------------------------------------------------------------------------
# exit codes and stderr of the real command (subprocess)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", ["empty_file", "bowtie_polygon", "note_impossible_date"])
def test_cli_subprocess_bad_input(case, demo_copy, cli):
    mutate, expect = CASES[case]
    mutate(demo_copy)
    code, out, err = cli("validate", demo_copy)
    assert code == 2
    assert "Traceback" not in err
    assert expect.file in err and expect.message in err
    assert err.splitlines()[0].endswith("Problem(e) in den Eingabedaten gefunden:")


def test_cli_subprocess_config_error(demo_copy, cli):
    cfg = write_config(demo_copy, "  regional_index: 1.0", "  regionl_index: 1.0")
    code, out, err = cli("validate", demo_copy, "--config", cfg)
    assert code == 2 and "Traceback" not in err
    assert "bedarf.regionl_index: unbekannter Schlüssel" in err


# ---------------------------------------------------------------------------
# configuration (validate --config)
# ---------------------------------------------------------------------------
BEDARF_LINE = CONFIG.read_text(encoding="utf-8").splitlines().index("bedarf:") + 1
CONFIG_CASES = {
    "unknown_key": (("  regional_index: 1.0", "  regionl_index: 1.0"),
                    "bedarf.regionl_index: unbekannter Schlüssel – Tippfehler? Gemeint ist "
                    "wohl „regional_index“"),
    "threshold_wrong_type": (("  regional_index: 1.0", '  regional_index: "hoch"'),
                             "bedarf.regional_index: keine Zahl (Wert: 'hoch')"),
    "threshold_decimal_comma": (("  regional_index: 1.0", "  regional_index: 1,5"),
                                "bedarf.regional_index: keine Zahl – Dezimalpunkt verwenden"),
    "int_with_decimals": (("  mindestanzahl: 3", "  mindestanzahl: 2.5"),
                          "geheimhaltung.mindestanzahl: keine ganze Zahl"),
    "out_of_range": (("  stabil_ab: 0.8", "  stabil_ab: 0.3"),
                     "robustheit.stabil_ab: muss größer als 0,5 sein"),
    "unknown_top_level_key": (("berichtsjahr: 2021", "berichtsjahr: 2021\nberichtjahr: 2021"),
                              "berichtjahr: unbekannter Schlüssel – Tippfehler? Gemeint ist "
                              "wohl „berichtsjahr“"),
    "unknown_key_in_field": (("    leitindikator: sgb2_u15", "    leitindikator: sgb2_u15\n"
                              "    gewicht: {sgb2_u15: 2}"),
                             "handlungsfelder.kinder.gewicht: unbekannter Schlüssel – Tippfehler"
                             "? Gemeint ist wohl „gewichte“"),
    "bad_yaml": (("bedarf:\n", "bedarf\n"), f"Zeile {BEDARF_LINE}: kein gültiges YAML"),
    "impossible_date": (("ausgabe: ", "stand: 2021-13-01\nausgabe: "), "ungültiger Wert"),
    "bad_email": (('  email: ""', '  email: "sozialplanung at beispiel.de"'),
                  "herausgeber: email „sozialplanung at beispiel.de“ ist "
                  "keine E-Mail-Adresse"),
    # --- issue 10 -----------------------------------------------------------------------
    "yaml_alias_bomb": (("bedarf:\n", "\n".join(_laughs()) + "\nbedarf:\n"),
                        f"Zeile {BEDARF_LINE}: YAML-Anker „&a0“ ist nicht erlaubt"),
    "number_with_5001_digits": (("berichtsjahr: 2021", "berichtsjahr: " + "9" * 5001),
                                "Zahl mit 5001 Ziffern ist zu lang"),
    "infinite_threshold": (("  regional_index: 1.0", "  regional_index: .inf"),
                           "bedarf.regional_index: keine endliche Zahl"),
    "control_character": (('region: "StädteRegion Aachen"', 'region: "StädteRegion\\a Aachen"'),
                          "region: unerlaubtes Zeichen U+0007"),
    "right_to_left_override": (('titel: "Teilhabe und', 'titel: "\\u202eTeilhabe und'),
                               "handlungsfelder.aeltere.titel: unerlaubtes Zeichen U+202E"),
    "machine_path_in_text": (('ausgabe: "Ausgabe 2021"', 'ausgabe: "C:\\\\Users\\\\ich\\\\"'),
                             "ausgabe: Text enthält einen Rechnerpfad"),
}


@pytest.mark.parametrize("case", list(CONFIG_CASES))
def test_config_problems(case, tmp_path):
    (old, new), message = CONFIG_CASES[case]
    with pytest.raises(ConfigError) as exc:
        load_config(write_config(tmp_path, old, new))
    assert message in str(exc.value)
    assert "Input should" not in str(exc.value)  # German only


def test_config_too_big(tmp_path):
    path = tmp_path / "report.yaml"
    path.write_text(CONFIG.read_text(encoding="utf-8") + "#" * (2 * 1024 * 1024),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="report.yaml ist zu groß"):
        load_config(path)


def test_config_fifo_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "report.yaml")  # open() for reading would block forever
    with pytest.raises(ConfigError, match="keine normale Datei, sondern eine Pipe"):
        load_config(tmp_path / "report.yaml")


def test_config_not_utf8(tmp_path):
    path = tmp_path / "report.yaml"
    path.write_bytes(CONFIG.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.raises(ConfigError, match="nicht in UTF-8"):
        load_config(path)


@pytest.mark.parametrize("case", ["unknown_key", "threshold_wrong_type"])
def test_validate_with_bad_config(case, demo_copy, validate_cli):
    (old, new), message = CONFIG_CASES[case]
    code, out, err, problems = validate_cli(demo_copy, write_config(demo_copy, old, new))
    assert (code, out, problems) == (2, "", [])
    assert "Traceback" not in err
    assert err.startswith("Fehler: Konfiguration report.yaml ist ungültig:")
    assert f"  - {message}" in err


# ---------------------------------------------------------------------------
# odd but valid input is accepted
# ---------------------------------------------------------------------------
def _bom_everywhere(d: Path) -> None:
    for p in d.glob("*.csv"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    for p in (d / "befunde").glob("*.md"):
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())


def _declare_wgs84(d: Path, with_crs: bool) -> None:
    def fn(gj: dict) -> None:
        to_degrees(gj)
        if with_crs:
            gj["crs"] = {"type": "name", "properties": {"name": "EPSG:4326"}}
        else:
            del gj["crs"]  # RFC 7946: no crs member = WGS 84 lon/lat
    edit_geojson(d, fn)


def _blank_and_crlf(d: Path) -> None:
    p = d / "sozialraeume.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    p.write_text("\r\n".join([lines[0], "", *lines[1:5], " , , , ", *lines[5:], "", ""]),
                 encoding="utf-8", newline="")


def _symlink_inside(d: Path) -> None:
    """Symlinks that stay inside the data folder are allowed (documented)."""
    (d / "archiv").mkdir()
    (d / "sozialraeume.csv").rename(d / "archiv" / "sozialraeume.csv")
    (d / "sozialraeume.csv").symlink_to(Path("archiv") / "sozialraeume.csv")


ACCEPTED = {
    "bom": _bom_everywhere,
    "epsg4326_declared": lambda d: _declare_wgs84(d, with_crs=True),
    "crs84_without_crs_member": lambda d: _declare_wgs84(d, with_crs=False),
    "blank_rows_and_crlf": _blank_and_crlf,
    "note_in_cp1252": lambda d: (d / "befunde" / NOTE).write_bytes(
        (d / "befunde" / NOTE).read_text(encoding="utf-8").encode("cp1252")),
    "note_areas_as_yaml_list": lambda d: edit_note(d, '"E 1|E 2"', '["E 1", "E 2"]'),
    "without_optional_files": lambda d: [(d / f).unlink() for f in (
        "angebote.csv", "prioritaeten.csv", "wirkungsziele.csv", "zaehlungen_kommune.csv")],
    "without_optional_sum_column": lambda d: map_columns(d, "variablen.csv",
                                                         drop_column("summe_aus")),
    "symlink_inside_data_folder": _symlink_inside,
    # issue 11: counts in the wide layout, read directly
    "wide_counts_csv": lambda d: (to_wide(d), to_wide(d, "zaehlungen_kommune.csv")),
    "wide_counts_german_excel_export": lambda d: (
        to_wide(d, excel=True), to_wide(d, "zaehlungen_kommune.csv", excel=True)),
    "wide_counts_xlsx": lambda d: (to_wide(d, xlsx=True),
                                   to_wide(d, "zaehlungen_kommune.csv", xlsx=True)),
}


@pytest.fixture(scope="module")
def demo_dataset():
    return load_dataset(REPO / "data" / "demo")


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_accepted_input(case, demo_copy, demo_dataset, validate_cli):
    ACCEPTED[case](demo_copy)
    code, out, err, problems = validate_cli(demo_copy)
    assert (code, err, problems) == (0, "", [])
    assert "93 Sozialräume in 10 Kommunen" in out
    ds = validate_cli.dataset
    assert ds.counts.equals(demo_dataset.counts)
    assert ds.areas.equals(demo_dataset.areas)
    if case.startswith("wide"):
        assert ds.counts_municipal.equals(demo_dataset.counts_municipal)
    if "crs" in case or "epsg" in case:
        for code_, geom in demo_dataset.geometry.items():  # reprojected back to EPSG:25832
            assert ds.geometry[code_].symmetric_difference(geom).area < 1e-3 * geom.area
    if case.startswith("note"):
        assert ds.notes == demo_dataset.notes
    assert demo_dataset.identities == [("bev_gesamt", ("bev_u65", "bev_65plus")),
                                       ("bev_u65", ("bev_u15", "bev_15_64"))]
    assert ds.identities == ([] if "sum_column" in case else demo_dataset.identities)


def test_analysis_runs_without_optional_files(demo_copy):
    """What validate accepts, the report can compute: without zaehlungen_kommune the
    municipal counts are an empty integer frame and the core runs (it failed with
    „anzahl muss ganzzahlig und vollständig sein“)."""
    import shutil

    from analysis.method.core import run

    ACCEPTED["without_optional_files"](demo_copy)
    shutil.rmtree(demo_copy / "befunde")
    ds = load_dataset(demo_copy)
    assert ds.counts_municipal.empty
    assert str(ds.counts_municipal["anzahl"].dtype) == "int64"
    assert (ds.services, ds.priorities, ds.goals, ds.notes, ds.notes_supplied) == (
        None, None, None, [], False)
    result = run(ds, load_config(CONFIG), with_stability=False)
    assert len(result.need) == 93
