"""Readers: every input format users produce, down to the typed, validated dataset."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analysis.build.cli import main
from analysis.common.errors import DataContractError
from analysis.contract import schema as S
from analysis.contract.dataset import load_dataset
from analysis.contract.io import find_table, normalise_number, read_table
from analysis.contract.validate import read_counts_or_table, typed_frame

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "report.yaml"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------
# single files: encoding and separator detection
# ---------------------------------------------------------------------------
KOMMUNEN_ROWS = [["05334002", "Aachen"], ["05334016", "Würselen"], ["05334036", "Roetgen"]]


@pytest.mark.parametrize(("encoding", "sep", "newline", "expected_encoding"), [
    ("utf-8", ",", "\n", "utf-8"),
    ("utf-8-sig", ",", "\r\n", "utf-8-sig"),  # Excel „CSV UTF-8“
    ("utf-8-sig", ";", "\r\n", "utf-8-sig"),  # Excel „CSV UTF-8“ with German locale
    ("cp1252", ";", "\r\n", "cp1252"),  # Excel „CSV (Trennzeichen-getrennt)“, German
    ("utf-8", "\t", "\n", "utf-8"),  # tab-separated text
])
def test_csv_formats(tmp_path, encoding, sep, newline, expected_encoding):
    text = newline.join(sep.join(r) for r in [["ags", "name"], *KOMMUNEN_ROWS]) + newline
    raw = read_table(_write(tmp_path / "kommunen.csv", text, encoding))
    assert raw.encoding == expected_encoding
    assert raw.separator == sep
    assert raw.german_numbers == (sep == ";")
    assert list(raw.frame.columns) == ["ags", "name"]  # no BOM glued to the first name
    assert raw.frame.values.tolist() == KOMMUNEN_ROWS
    df, problems = typed_frame(raw, S.KOMMUNEN)
    assert problems == []
    assert df["name"].tolist() == ["Aachen", "Würselen", "Roetgen"]


def test_german_excel_export_numbers(tmp_path):
    """``;`` + decimal comma + thousands dot + cp1252, with umlauts and quoted ``;``."""
    text = ("ziel_id;ziel;massnahmen;handlungsfeld;gebiet;indikator;basisjahr;zielwert;zieljahr\r\n"
            "z_wue;Weniger Armut in Würselen;\"Beratung; Begleitung\";armut;05334016;"
            "mindestsicherung;2016;12,5;2025\r\n"
            "z_ac;Mehr Teilhabe – Aachen;Quartiersbüro;armut;05334002;mindestsicherung;"
            "2.016;1.234,75;2025\r\n")
    raw = read_table(_write(tmp_path / "wirkungsziele.csv", text, "cp1252"))
    assert (raw.encoding, raw.separator, raw.german_numbers) == ("cp1252", ";", True)
    df, problems = typed_frame(raw, S.WIRKUNGSZIELE)
    assert problems == []
    assert df["ziel"].tolist() == ["Weniger Armut in Würselen", "Mehr Teilhabe – Aachen"]
    assert df["massnahmen"].iloc[0] == "Beratung; Begleitung"
    assert df["zielwert"].tolist() == [12.5, 1234.75]
    assert df["basisjahr"].tolist() == [2016, 2016]


@pytest.mark.parametrize(("value", "german", "expected"), [
    ("1.234,5", True, "1234.5"), ("1.234.567", True, "1234567"), ("-0,5", True, "-0.5"),
    ("12", True, "12"), ("1.5", True, "1.5"), ("1,5", False, "1,5"), ("1.234", False, "1.234"),
])
def test_normalise_number(value, german, expected):
    assert normalise_number(value, german) == expected


def test_decimal_comma_in_comma_file_is_a_located_problem(tmp_path):
    text = 'sozialraum,jahr,variable,anzahl\nAC 1,2021,bev_gesamt,"1,5"\n'
    raw = read_table(_write(tmp_path / "zaehlungen.csv", text))
    _, problems = typed_frame(raw, S.ZAEHLUNGEN)
    [p] = problems
    assert (p.file, p.row, p.column, p.value, p.message) == (
        "zaehlungen.csv", 2, "anzahl", "1,5", "keine ganze Zahl")
    assert "Dezimalkomma" in p.hint


def test_blank_rows_keep_excel_row_numbers(tmp_path):
    text = "ags,name\n\n05334002,Aachen\n\n\n0533400/,Alsdorf\n\n"
    raw = read_table(_write(tmp_path / "kommunen.csv", text))
    assert len(raw.frame) == 2
    _, problems = typed_frame(raw, S.KOMMUNEN)
    [p] = problems
    assert (p.row, p.column, p.value) == (6, "ags", "0533400/")


def test_find_table_prefers_csv(tmp_path):
    assert find_table(tmp_path, "kommunen") is None
    (tmp_path / "kommunen.xlsx").write_bytes(b"")
    assert find_table(tmp_path, "kommunen") == tmp_path / "kommunen.xlsx"
    (tmp_path / "kommunen.csv").write_text("ags,name\n")
    assert find_table(tmp_path, "kommunen") == tmp_path / "kommunen.csv"


# ---------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------
def _xlsx(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_text_cells(tmp_path):
    path = _xlsx(tmp_path / "kommunen.xlsx", [["ags", "name"], *KOMMUNEN_ROWS])
    raw = read_table(path)
    assert raw.separator == "xlsx" and not raw.german_numbers
    assert raw.frame.values.tolist() == KOMMUNEN_ROWS


def test_xlsx_numbers_typed_as_numbers(tmp_path):
    """Years and counts typed as numbers (int or float) come out as clean integers."""
    path = _xlsx(tmp_path / "zaehlungen.xlsx", [
        ["sozialraum", "jahr", "variable", "anzahl"],
        ["AC 1", 2021, "bev_gesamt", 17843],
        ["AC 1", 2021.0, "bev_u15", 2500.0],
        [None, None, None, None],  # blank row in the middle: skipped, numbering kept
        ["AC 2", 2021, "bev_gesamt", 12.5],
    ])
    raw = read_table(path)
    assert raw.frame.values.tolist() == [["AC 1", "2021", "bev_gesamt", "17843"],
                                         ["AC 1", "2021", "bev_u15", "2500"],
                                         ["AC 2", "2021", "bev_gesamt", "12.5"]]
    df, problems = typed_frame(raw, S.ZAEHLUNGEN)
    assert df["anzahl"].iloc[:2].tolist() == [17843, 2500]
    assert df["jahr"].tolist() == [2021, 2021, 2021]
    [p] = problems
    assert (p.file, p.row, p.column, p.value, p.message) == (
        "zaehlungen.xlsx", 5, "anzahl", "12.5", "keine ganze Zahl")


def test_xlsx_float_and_empty_cells(tmp_path):
    header = S.WIRKUNGSZIELE.column_names
    path = _xlsx(tmp_path / "wirkungsziele.xlsx", [
        header, ["z_a", "Ziel", "M", "armut", "AC 1", "sgb2", 2016, 28.5, 2025]])
    df, problems = typed_frame(read_table(path), S.WIRKUNGSZIELE)
    assert problems == []
    assert df["zielwert"].tolist() == [28.5]
    path = _xlsx(tmp_path / "angebote.xlsx", [
        S.ANGEBOTE.column_names,
        ["ang_1", "N", "T", "Beratung", "Z", "armut", "kita", "AC 1", 2015, None, None]])
    df, problems = typed_frame(read_table(path), S.ANGEBOTE)
    assert problems == []
    assert pd.isna(df["bis"].iloc[0]) and df["netzwerk"].iloc[0] is None


def test_xlsx_ags_typed_as_number_hints_at_leading_zero(tmp_path):
    path = _xlsx(tmp_path / "kommunen.xlsx", [["ags", "name"], [5334002, "Aachen"]])
    _, problems = typed_frame(read_table(path), S.KOMMUNEN)
    [p] = problems
    assert (p.row, p.column, p.value) == (2, "ags", "5334002")
    assert "kein gültiger AGS" in p.message and "führende 0" in p.hint


def test_xlsx_text_ids_stay_as_typed(tmp_path):
    """Area codes typed as text keep their form (leading zeros, „.0“); numbers typed as
    numbers lose a trailing „.0“ only."""
    path = _xlsx(tmp_path / "sozialraeume.xlsx", [
        ["sozialraum", "name", "ags", "name_belegt"],
        ["0110", "Mitte", "bezirk_01", "ja"],
        ["12.0", "Nord", "bezirk_01", "nein"],
        [17843.0, "Süd", "bezirk_01", "nein"],
    ])
    raw = read_table(path)
    assert list(raw.frame["sozialraum"]) == ["0110", "12.0", "17843"]
    frame, problems = typed_frame(raw, S.SOZIALRAEUME)
    assert problems == [] and list(frame["sozialraum"]) == ["0110", "12.0", "17843"]


@pytest.mark.parametrize(("content", "message"), [
    (b"not a zip file", "Excel-Datei kann nicht gelesen werden"),
    (None, "Datei ist leer"),
])
def test_xlsx_broken_or_empty(tmp_path, content, message):
    path = tmp_path / "kommunen.xlsx"
    if content is None:
        openpyxl.Workbook().save(path)
    else:
        path.write_bytes(content)
    with pytest.raises(DataContractError) as exc:
        read_table(path)
    [p] = exc.value.problems
    assert p.file == "kommunen.xlsx" and message in p.message


# ---------------------------------------------------------------------------
# whole demo folder in other formats: same dataset
# ---------------------------------------------------------------------------
FLOAT_COLUMNS = {spec.name: {c.name for c in spec.columns if c.dtype == "float"}
                 for spec in S.TABLE_FILES}


def _to_german_excel(folder: Path) -> None:
    """Rewrite every CSV as Excel „CSV (Trennzeichen-getrennt)“ would: ``;``, cp1252, CRLF,
    decimal comma in float columns."""
    for path in sorted(folder.glob("*.csv")):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        floats = [i for i, h in enumerate(rows[0]) if h in FLOAT_COLUMNS[path.stem]]
        for r in rows[1:]:
            for i in floats:
                r[i] = r[i].replace(".", ",")
        out = io.StringIO()
        csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
        path.write_bytes(out.getvalue().encode("cp1252"))


def _assert_same_dataset(a, b) -> None:
    for attr in ("municipalities", "areas", "variables", "indicators", "counts",
                 "counts_municipal", "priorities", "services", "goals"):
        pd.testing.assert_frame_equal(getattr(a, attr), getattr(b, attr), obj=attr)
    assert a.years == b.years
    assert a.notes == b.notes
    assert a.geometry.keys() == b.geometry.keys()


@pytest.fixture(scope="module")
def demo_dataset():
    return load_dataset(REPO / "data" / "demo")


def test_german_excel_copy_of_demo_validates(demo_copy, demo_dataset, capsys):
    _to_german_excel(demo_copy)
    raw = read_table(demo_copy / "sozialraeume.csv")
    assert (raw.encoding, raw.separator) == ("cp1252", ";")
    assert "Würselen" in (demo_copy / "kommunen.csv").read_bytes().decode("cp1252")
    target = pd.read_csv(REPO / "data" / "demo" / "wirkungsziele.csv")["zielwert"].iloc[0]
    german = f";{target:.1f};".replace(".", ",").encode()
    assert german in (demo_copy / "wirkungsziele.csv").read_bytes()  # decimal comma
    code = main(["validate", str(demo_copy), "--config", str(CONFIG)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert "93 Sozialräume in 10 Kommunen" in out
    _assert_same_dataset(load_dataset(demo_copy), demo_dataset)


def test_xlsx_and_bom_copy_of_demo_gives_same_dataset(demo_copy, demo_dataset):
    """Small tables as .xlsx (numbers typed as numbers), the rest UTF-8 with BOM."""
    for name in ("kommunen", "indikatoren", "wirkungsziele", "angebote"):
        path = demo_copy / f"{name}.csv"
        spec = next(s for s in S.TABLE_FILES if s.name == name)
        types = {c.name: c.dtype for c in spec.columns}
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        typed = [rows[0]]
        for r in rows[1:]:
            typed.append([
                None if v == "" else int(v) if types[h] == "int" and h != "ags"
                else float(v) if types[h] == "float" else v
                for h, v in zip(rows[0], r, strict=True)])
        _xlsx(demo_copy / f"{name}.xlsx", typed)
        path.unlink()
    for path in demo_copy.glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    frame, problems, _ = read_counts_or_table(demo_copy, S.KOMMUNEN, None)
    assert problems == [] and len(frame) == 10
    _assert_same_dataset(load_dataset(demo_copy), demo_dataset)
