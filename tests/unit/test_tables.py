"""Accessible HTML tables and safe, reproducible downloads (analysis.rendering.tables)."""

import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis.common import fmt
from analysis.rendering import tables

MINUS = "\u2212"


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Sozialraum": ["AC 1", "<script>alert(1)</script>", "AC 3"],
            "Anzahl": pd.Series([1234, 5, 0], dtype="int64"),
            "Quote": [11.5, -0.44, np.nan],
            "Zähler": [12, "•", 7],
            "Bedarf": [True, False, True],
        }
    )


# ---------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------
def test_html_table_structure(frame):
    html = tables.html_table(frame, "Tabelle 1: Test", row_header="Sozialraum", table_id="t-1")
    assert html.startswith('<table id="t-1">')
    assert "<caption>Tabelle 1: Test</caption>" in html
    assert html.count('<th scope="col"') == 5
    assert html.count('<th scope="row"') == 3
    assert "<thead>" in html and "<tbody>" in html
    assert '<th scope="row">AC 1</th>' in html


def test_html_table_escapes_content(frame):
    html = tables.html_table(frame, "Caption <b>&</b>", row_header="Sozialraum")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<caption>Caption &lt;b&gt;&amp;&lt;/b&gt;</caption>" in html


def test_html_table_german_numbers_and_classes(frame):
    html = tables.html_table(frame, "T", row_header="Sozialraum")
    assert '<td class="num">1.234</td>' in html
    assert '<td class="num">11,5</td>' in html
    assert f'<td class="num">{MINUS}0,4</td>' in html
    assert '<td class="num">–</td>' in html  # NaN
    assert '<td class="num">•</td>' in html  # suppressed, column still numeric
    assert '<th scope="col" class="num">Zähler</th>' in html
    assert "<td>ja</td>" in html and "<td>nein</td>" in html


def test_html_table_custom_formats(frame):
    html = tables.html_table(frame, "T", number_formats={"Quote": fmt.percent})
    assert '<td class="num">11,5\u00a0%</td>' in html


def test_html_table_is_deterministic(frame):
    assert tables.html_table(frame, "T") == tables.html_table(frame.copy(), "T")


def test_html_table_requires_caption(frame):
    with pytest.raises(ValueError):
        tables.html_table(frame, " ")


def test_table_output_wraps_region(frame):
    out = tables.TableOutput(frame, "Armut & Teilhabe", row_header="Sozialraum")
    html = out._repr_html_()
    assert html.startswith(
        '<div class="table-wrap tabelle" role="region" aria-label="Armut &amp; Teilhabe" '
        'tabindex="0">'
    )
    assert html.rstrip().endswith("</div>")
    assert "<caption>Armut &amp; Teilhabe</caption>" in html


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------
INJECTION = pd.DataFrame(
    {
        "Text": ["=SUM(A1)", "+1", "-1", "@x", "\tTab", "\rCR", "normal", "a;b"],
        "Wert": [-1.5, 2.0, -3, 0.25, 1e-5, 1234.5, np.nan, 7],
    }
)


def test_csv_bytes_format(tmp_path, frame):
    path = tables.write_csv_de(frame, tmp_path / "t.csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    assert lines[0] == "Sozialraum;Anzahl;Quote;Zähler;Bedarf"
    assert lines[1] == "AC 1;1234;11,5;12;ja"
    assert lines[2] == "<script>alert(1)</script>;5;-0,44;•;nein"
    assert lines[3] == "AC 3;0;;7;ja"


def test_csv_formula_injection():
    text = tables.csv_bytes(INJECTION)[3:].decode("utf-8")
    rows = text.split("\r\n")
    assert rows[1] == "'=SUM(A1);-1,5"  # text protected, real negative number stays a number
    assert rows[2] == "'+1;2"
    assert rows[3] == "'-1;-3"
    assert rows[4] == "'@x;0,25"
    assert rows[5] == "'\tTab;0,00001"
    assert rows[6] == '"\'\rCR";1234,5'
    assert rows[7] == "normal;"
    assert rows[8] == '"a;b";7'


def test_csv_header_is_protected_too():
    text = tables.csv_bytes(pd.DataFrame({"=HYPERLINK(1)": [1]}))[3:].decode()
    assert text.startswith("'=HYPERLINK(1)")


def test_csv_is_byte_identical(tmp_path, frame):
    a = tables.write_csv_de(frame, tmp_path / "a.csv").read_bytes()
    b = tables.write_csv_de(frame, tmp_path / "b.csv").read_bytes()
    assert a == b


# ---------------------------------------------------------------------------
# XLSX
# ---------------------------------------------------------------------------
def test_xlsx_round_trip_without_formulas(tmp_path):
    path = tables.write_xlsx(INJECTION, tmp_path / "t.xlsx", sheet_name="Armut: 2023/24")
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws.title == "Armut_ 2023_24"
    cells = list(ws.iter_rows(min_row=2, values_only=False))
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    # XML parsers normalise a raw CR to LF; the text itself is unchanged otherwise
    assert [row[0].value for row in cells] == [t.replace("\r", "\n") for t in INJECTION["Text"]]
    assert all(row[0].data_type == "s" for row in cells)
    assert cells[0][1].value == -1.5 and cells[0][1].data_type == "n"
    assert cells[2][1].value == -3 and cells[2][1].data_type == "n"
    assert cells[6][1].value is None
    assert cells[0][0].quotePrefix  # Excel keeps "=SUM(A1)" text when edited
    raw = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in raw and "<f " not in raw


def test_xlsx_keeps_error_codes_and_headers_as_text(tmp_path):
    """Text that looks like an Excel error code (``#N/A``) or a formula in a column
    header stays text, and the header row is bold."""
    df = pd.DataFrame({"=Kopf": ["#N/A", "#DIV/0!", "#3", "x"], "Wert": [1, 2.5, True, None]})
    ws = openpyxl.load_workbook(tables.write_xlsx(df, tmp_path / "e.xlsx")).active
    assert [c.value for c in ws[1]] == ["=Kopf", "Wert"]
    assert ws["A1"].data_type == "s" and ws["A1"].quotePrefix and ws["A1"].font.bold
    assert ws["B1"].font.bold and not ws["A2"].font.bold
    assert [(ws.cell(i, 1).value, ws.cell(i, 1).data_type) for i in range(2, 6)] == [
        ("#N/A", "s"), ("#DIV/0!", "s"), ("#3", "s"), ("x", "s")]
    assert [ws.cell(i, 2).value for i in range(2, 6)] == [1, 2.5, "ja", None]


def test_xlsx_column_width_counts_each_display_text():
    """1 and True are equal but display differently (1 and „ja“): a width measured once
    per distinct value still tells them apart."""
    assert tables._column_width("x", [1, True]) == len(tables.YES)
    assert tables._column_width("x", [1.5, 1.5, "länger"]) == len("länger")
    assert tables._column_width("Überschrift", [1]) == len("Überschrift")


def test_xlsx_values(tmp_path, frame):
    ws = openpyxl.load_workbook(tables.write_xlsx(frame, tmp_path / "f.xlsx")).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Sozialraum", "Anzahl", "Quote", "Zähler", "Bedarf")
    assert rows[1] == ("AC 1", 1234, 11.5, 12, "ja")
    assert rows[2][1:] == (5, -0.44, "•", "nein")


def test_xlsx_is_byte_identical_and_anonymous(tmp_path, frame):
    a = tables.write_xlsx(frame, tmp_path / "a.xlsx").read_bytes()
    b = tables.write_xlsx(frame, tmp_path / "b.xlsx").read_bytes()
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "creator" not in core and "lastModifiedBy" not in core
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core) == [
        "2000-01-01T00:00:00Z",
        "2000-01-01T00:00:00Z",
    ]


def test_xlsx_second_sheet_is_written_alike_and_reproducibly(frame):
    """A workbook with an explanation sheet: both sheets in order, the second one as
    injection-safe as the first, the same bytes twice; a sheet name twice is refused."""
    notes = pd.DataFrame({"eintrag": ["=SUM(A1)", "Quote"], "einheit": ["", "%"]})
    a = tables.xlsx_bytes(frame, "daten", more_sheets=(("Erläuterung", notes),))
    assert a == tables.xlsx_bytes(frame, "daten", more_sheets=(("Erläuterung", notes),))
    wb = openpyxl.load_workbook(io.BytesIO(a))
    assert wb.sheetnames == ["daten", "Erläuterung"]
    ws = wb["Erläuterung"]
    assert [c.value for c in ws[1]] == ["eintrag", "einheit"] and ws["A1"].font.bold
    assert ws["A2"].value == "=SUM(A1)" and ws["A2"].data_type == "s" and ws["A2"].quotePrefix
    assert ws.freeze_panes == "A2"
    long = tables.xlsx_bytes(frame, more_sheets=(("Erläuterung", pd.DataFrame(
        {"bedeutung": ["kurz", "lang " * 30]})),))
    notes_ws = openpyxl.load_workbook(io.BytesIO(long))["Erläuterung"]
    assert notes_ws["A3"].alignment.wrap_text and not notes_ws["A2"].alignment.wrap_text
    with zipfile.ZipFile(io.BytesIO(a)) as z:
        assert "<f>" not in z.read("xl/worksheets/sheet2.xml").decode()
    # without a second sheet the workbook is the one-sheet workbook of write_xlsx
    assert openpyxl.load_workbook(io.BytesIO(tables.xlsx_bytes(frame))).sheetnames == ["Daten"]
    with pytest.raises(ValueError, match="gibt es schon"):
        tables.xlsx_bytes(frame, "Daten", more_sheets=(("Daten", notes),))


def test_row_headers_can_link_to_the_profile_of_their_area():
    df = pd.DataFrame({"Sozialraum": ["AC 1 Mitte", "S 2 <Ober>"], "Wert": [1.5, 2.0]})
    out = tables.html_table(df, "T", row_header="Sozialraum",
                            row_links=["40_profil_x.html#sr-ac-1", None])
    assert '<th scope="row"><a href="40_profil_x.html#sr-ac-1">AC 1 Mitte</a></th>' in out
    assert '<th scope="row">S 2 &lt;Ober&gt;</th>' in out  # no link: plain header
    with pytest.raises(ValueError, match="Adresse je Zeile"):
        tables.html_table(df, "T", row_header="Sozialraum", row_links=["#a"])
