"""The PDF edition (analysis.rendering.pdf_edition) on a small hand-made site: page order and the
Steckbrief appendix, links, what is left out, tags, metadata, bookmarks, running header,
wide tables, determinism."""

from __future__ import annotations

import getpass
import os
import re
import socket
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pypdf = pytest.importorskip("pypdf")

from analysis.common.textcheck import ABS_PATH_RE  # noqa: E402
from analysis.rendering import pdf_edition as pe  # noqa: E402
from analysis.rendering.assemble import DEMO_BANNER, ReportRenderError, SiteMeta  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
META = SiteMeta(site_title="Sozialbericht 2030", edition="Ausgabe 2030", data_hash="0a1b2c3d4e5f",
                parameters={}, version="9.9.9", is_demo=True, publisher="Landkreis Musterland",
                data_date="31.12.2030")
NEED_HEADERS = ("Sozialraum", "Kommune", "Feldindex", "Regeln", "Mindestsicherungsquote",
                "Wert der Kommune", "Anzahl", "Stabilität")


def _page(title: str, body: str) -> str:
    """A page as the site frame writes it: header and chapter list outside <main>."""
    return ('<!DOCTYPE html>\n<html lang="de"><head><meta charset="utf-8">'
            f"<title>{title}</title></head><body>"
            '<header class="kopf"><p>KOPF-NICHT-IM-PDF</p></header>'
            '<nav class="kapitel"><ol><li><a href="index.html">Übersicht</a></li></ol></nav>'
            f'<main id="inhalt" tabindex="-1"><h1 id="titel">{title}</h1>{body}'
            '<nav class="blaettern"><a href="index.html">BLAETTERN-NICHT-IM-PDF</a></nav>'
            '</main><footer class="fuss">FUSS-NICHT-IM-PDF</footer></body></html>\n')


def _need_table(rows: int = 30) -> str:
    head = "".join(f'<th scope="col">{h}</th>' for h in NEED_HEADERS)
    body = "".join(
        f'<tr><th scope="row"><a href="steckbrief_x{i % 2}.html">X {i} Ortsteil</a></th>'
        f"<td>Musterstadt</td><td class=\"num\">+1,{i:02d}</td><td>regional, kommunal</td>"
        f'<td class="num">2{i % 10},5 %</td><td class="num">13,1 %</td>'
        f'<td class="num">1.{i:03d}</td><td>100 % (stabil)</td></tr>' for i in range(rows))
    return ('<div class="tabelle" role="region" tabindex="0" aria-label="Bedarf">'
            '<table><caption>Sozialräume mit Handlungsbedarf</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _wide_table(columns: int, word: str, value: str = ",5") -> str:
    head = "".join(f'<th scope="col">{word}{c}</th>' for c in range(columns))
    row = "".join(f'<td class="num">{c}{value}</td>' for c in range(columns))
    return (f"<table><caption>Breite Tabelle {columns}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody><tr>{row}</tr></tbody></table>")


SVG = ("data:image/svg+xml;base64,"
       "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIyMDAiIGhlaWdodD0iMTAwIj"
       "48cmVjdCB3aWR0aD0iMjAwIiBoZWlnaHQ9IjEwMCIgZmlsbD0iIzAwM2I3MyIvPjwvc3ZnPg==")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, list[pe.PdfPage]]:
    d = tmp_path_factory.mktemp("site") / "sozialbericht"
    d.mkdir()
    pages = {
        "00_uebersicht": ("Das Wichtigste in Kürze",
                          '<h2 id="kurz">Kurz</h2><p>Siehe <a href="20_armut.html#ergebnis">Ergebnis'
                          '</a>, <a href="#kurz">oben</a> und <a href="downloads/bedarf.csv">die '
                          'Tabelle</a>.</p><form><button>Sortieren</button><input name="q"></form>'
                          '<script>document.title="x"</script><div class="nur-web">NUR-WEB</div>'),
        "steckbrief_x0": ("Steckbrief X 0", "<h2>Kennzahlen</h2><p>Erster Steckbrief.</p>"),
        "20_armut": ("Armut", '<h2 id="ergebnis">Ergebnis</h2><figure class="chart"><img alt="Karte '
                     f'der Sozialräume" src="{SVG}"><figcaption>Karte</figcaption></figure>'
                     '<details class="chart-data"><summary>Tabelle zur Abbildung</summary>'
                     "<p>DATEN-ZUR-ABBILDUNG</p></details>" + _need_table()),
        "steckbrief_x1": ("Steckbrief X 1", "<h2>Kennzahlen</h2><p>Zweiter Steckbrief.</p>"),
        "40_profil_a": ("Kommunalprofil A", "<p>Profil.</p>" + _wide_table(14, "Indikator ")),
    }
    for slug, (title, body) in pages.items():
        (d / f"{slug}.html").write_text(_page(title, body), encoding="utf-8")
    (d / "index.html").write_text(_page(
        "Sozialbericht 2030", '<h2 id="kolophon">Kolophon</h2><dl class="kolophon"><dt>Bericht</dt>'
        '<dd>Sozialbericht 2030</dd></dl><p><a href="barrierefreiheit.html">Erklärung</a></p>'),
        encoding="utf-8")
    return d, [pe.PdfPage(slug, title) for slug, (title, _b) in pages.items()]


@pytest.fixture(scope="module")
def pdf(site) -> bytes:
    d, pages = site
    return pe.build_pdf(d, pages, META)


def _reader(data: bytes):
    return pypdf.PdfReader(BytesIO(data))


def _texts(data: bytes) -> list[str]:
    return [p.extract_text() for p in _reader(data).pages]


def _joined(text: str) -> str:
    """Page text with hyphenation breaks (U+2010 at a line end) and line breaks undone."""
    return " ".join(re.sub("\u2010\\s*\n", "", text).split())


def test_chapters_in_index_order_with_steckbriefe_as_appendix(site):
    d, pages = site
    soup = BeautifulSoup(pe.combined_html(d, pages, META), "html.parser")
    chapters = [s["id"] for s in soup.select("section.pdf-kapitel")]
    assert chapters == ["k-00_uebersicht", "k-20_armut", "k-40_profil_a", "k-steckbrief_x0",
                        "k-steckbrief_x1"]
    appendix = soup.find(id="pdf-anhang")
    assert appendix is not None and appendix.find_next("section")["id"] == "k-steckbrief_x0"
    # in the appendix a Steckbrief's title is one level below the appendix heading
    assert soup.find(id="k-steckbrief_x0").find("h2").get_text() == "Steckbrief X 0"
    toc = [a["href"] for a in soup.select("nav.pdf-inhalt a")]
    assert toc.index("#k-40_profil_a") < toc.index("#pdf-anhang") < toc.index("#k-steckbrief_x0")


def test_links_point_into_the_pdf_and_screen_only_parts_are_left_out(site):
    d, pages = site
    html = pe.combined_html(d, pages, META)
    soup = BeautifulSoup(html, "html.parser")
    ids = {el["id"] for el in soup.find_all(id=True)}
    assert len(ids) == len(soup.find_all(id=True)), "ids must stay unique"
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    assert "#k-20_armut--ergebnis" in hrefs and "#k-00_uebersicht--kurz" in hrefs
    assert "#k-steckbrief_x0" in hrefs  # need table rows lead to the Steckbrief
    assert all(h.startswith("#") and h[1:] in ids for h in hrefs), hrefs
    assert "die Tabelle" in soup.get_text()  # the download link keeps its text
    for gone in ("KOPF-NICHT-IM-PDF", "BLAETTERN-NICHT-IM-PDF", "FUSS-NICHT-IM-PDF", "NUR-WEB",
                 "Sortieren", "document.title", "Tabelle zur Abbildung"):
        assert gone not in str(soup.body)
    assert not soup.find(["form", "input", "button", "script", "details", "summary"])
    assert "DATEN-ZUR-ABBILDUNG" in str(soup.body)  # the figure's data table is printed
    assert soup.find(attrs={"tabindex": True}) is None


def test_pdf_is_tagged_pdf_ua_with_german_metadata(pdf):
    reader = _reader(pdf)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "de"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == "Sozialbericht 2030"
    assert reader.metadata.author == "Landkreis Musterland"
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert 'pdfuaid:part="1"' in xmp and "Sozialbericht 2030" in xmp
    # no dates: a creation date would be a timestamp
    assert "/CreationDate" not in reader.trailer["/Info"] and "CreateDate" not in xmp
    # every image is a figure with its alternative text
    assert "Karte der Sozialräume" in _alt_texts(reader)


def _alt_texts(reader) -> str:
    out = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if "/Alt" in node:
                out.append(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                for k in (kids if isinstance(kids, list) else [kids]):
                    walk(k)
        elif isinstance(node, list):
            for k in node:
                walk(k)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return " ".join(out)


def test_bookmarks_follow_the_contents(pdf, site):
    reader = _reader(pdf)
    top = [o.title for o in reader.outline if not isinstance(o, list)]
    assert top == ["Inhalt", "Das Wichtigste in Kürze", "Armut", "Kommunalprofil A",
                   pe.APPENDIX_TITLE, "Kolophon"]
    nested = [o.title for o in reader.outline[reader.outline.index(
        next(o for o in reader.outline if not isinstance(o, list) and o.title == "Armut")) + 1]]
    assert "Ergebnis" in nested


def test_title_page_gives_the_datenstand_as_a_date_and_the_checksum_as_such(pdf):
    title = _joined(_texts(pdf)[0])
    assert "Datenstand 31.12.2030 · Prüfsumme der Daten 0a1b2c3d4e5f" in title
    assert "Datenstand 0a1b2c3d4e5f" not in title


def test_every_page_has_demo_label_edition_and_page_n_of_m(pdf):
    texts = _texts(pdf)
    n = len(texts)
    assert n >= 6
    for i, text in enumerate(texts, start=1):
        assert DEMO_BANNER in text, f"Seite {i} ohne Demo-Hinweis"
        assert "Sozialbericht 2030 · Ausgabe 2030" in text
        assert f"Seite {i} von {n}" in text



def _marked_content(page) -> list[tuple[str, int | None, str]]:
    """(tag, MCID or None, text shown inside) of each outermost marked-content sequence
    of a page's content stream."""
    from pypdf.generic import ContentStream

    out, depth = [], 0
    for operands, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op in (b"BDC", b"BMC"):
            if depth == 0:
                props = operands[1] if op == b"BDC" else {}
                mcid = props.get("/MCID") if hasattr(props, "get") else None
                out.append([str(operands[0]), mcid, []])
            depth += 1
        elif op == b"EMC":
            depth -= 1
        elif op in (b"Tj", b"TJ") and depth:
            out[-1][2].append(op)
    return [(tag, mcid, len(ops)) for tag, mcid, ops in out]


def _reachable_mcids(reader) -> set[tuple[int, int]]:
    """(page index, MCID) of the content reachable from the structure tree's root."""
    pages = {p.indirect_reference.idnum: n for n, p in enumerate(reader.pages)}
    found: set[tuple[int, int]] = set()

    def walk(node, page):
        node = node.get_object()
        if isinstance(node, int):
            found.add((page, node))
        elif isinstance(node, list):
            for k in node:
                walk(k, page)
        elif isinstance(node, dict):
            if "/Pg" in node:
                page = pages[node.raw_get("/Pg").idnum]
            if node.get("/Type") == "/MCR":
                found.add((page, int(node["/MCID"])))
            elif "/K" in node and node.get("/Type") != "/OBJR":
                walk(node.raw_get("/K"), page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"]["/K"], None)
    return found


def test_running_header_and_footer_are_artifacts_and_all_other_content_is_tagged(pdf):
    """PDF/UA-1: pagination (edition, demo label, chapter, page n of m) is marked as
    artifact; every piece of tagged content belongs to the structure tree, none is
    orphaned (a screen reader reads the text once, not the header on every page)."""
    reader = _reader(pdf)
    reachable = _reachable_mcids(reader)
    for n, page in enumerate(reader.pages):
        marked = _marked_content(page)
        tagged = {(n, mcid) for _tag, mcid, _ops in marked if mcid is not None}
        assert tagged <= reachable, f"Seite {n + 1}: Inhalt ohne Strukturelement"
        text_artifacts = [m for m in marked if m[0] == "/Artifact" and m[2]]
        # header left and right, footer left and right (the chapter title may be empty
        # on the title page)
        assert len(text_artifacts) >= 3, f"Seite {n + 1}: Kopf/Fuß nicht als Artefakt"
    # the header text is on the pages, but not in the tagged content
    assert all("Seite " in t for t in _texts(pdf))


def test_contents_page_numbers_point_to_the_chapters(pdf):
    texts = _texts(pdf)
    contents = next(t for t in texts if t.lstrip().startswith("Inhalt") or "\nInhalt\n" in t)
    match = re.search(r"Armut\s*\.+\s*(\d+)", contents)
    assert match, contents
    page = int(match.group(1))
    assert "Ergebnis" in texts[page - 1] and "Armut" in texts[page - 1]


def test_need_table_keeps_every_column_and_wide_table_turns_landscape(pdf):
    reader = _reader(pdf)
    text = " ".join(_joined(t) for t in _texts(pdf))
    for header in NEED_HEADERS:
        assert header in text, header
    landscape = [i for i, p in enumerate(reader.pages) if p.mediabox.width > p.mediabox.height]
    assert len(landscape) == 1
    assert "Breite Tabelle 14" in reader.pages[landscape[0]].extract_text()
    portrait = reader.pages[0].mediabox
    assert (round(float(portrait.width)), round(float(portrait.height))) == (595, 842)  # A4


def test_a_table_that_cannot_fit_is_refused_with_its_caption(tmp_path):
    d = tmp_path / "site"
    d.mkdir()
    # numbers never break: 24 columns of them cannot fit even on a landscape page
    table = _wide_table(24, "Spalte ", value=".234.567.890,12 %")
    (d / "10_x.html").write_text(_page("Zu breit", table), encoding="utf-8")
    (d / "index.html").write_text(_page("Index", ""), encoding="utf-8")
    with pytest.raises(ReportRenderError, match="Breite Tabelle 24"):
        pe.build_pdf(d, [pe.PdfPage("10_x", "Zu breit")], META)


def test_no_machine_path_user_or_host_name(pdf, site):
    reader = _reader(pdf)
    root = reader.trailer["/Root"]
    text = "\n".join(_texts(pdf)) + str(reader.metadata) + \
        root["/Metadata"].get_object().get_data().decode("utf-8")
    uris = [str(a.get_object().get("/A", {}).get("/URI", "")) for p in reader.pages
            for a in (p.get("/Annots") or [])]
    assert not any(uris), uris  # every link stays inside the document
    assert not ABS_PATH_RE.search(text)
    assert str(site[0]) not in text and str(site[0]).encode() not in pdf
    for name in {getpass.getuser(), socket.gethostname()}:
        if len(name) >= 4:
            assert not re.search(rf"\b{re.escape(name)}\b", text), name


def test_same_pages_give_the_same_bytes_in_another_process(pdf, site):
    d, pages = site
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
            "from test_pdf_edition import META, pe;"
            "pages=[pe.PdfPage(*p.split('=', 1)) for p in sys.argv[3:]];"
            "sys.stdout.buffer.write(pe.build_pdf(Path(sys.argv[2]), pages, META))")
    done = subprocess.run(
        [sys.executable, "-c", code, str(Path(__file__).parent), str(d),
         *(f"{p.slug}={p.title}" for p in pages)],
        capture_output=True, env={**os.environ, "PYTHONHASHSEED": "4711"}, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout == pdf


def test_file_name_and_size_in_german():
    assert pe.pdf_file_name("Handlungskonzept-Anhang 2021") == "handlungskonzept-anhang-2021.pdf"
    assert pe.size_de(2_894_988) == "2,9\u00a0MB"
    assert pe.size_de(499_723) == "500\u00a0kB"
    assert pe.size_de(1_234) == "1\u00a0kB"
    assert pe.is_appendix(pe.PdfPage("60_steckbrief_ac1", "Steckbrief AC 1"))
    assert not pe.is_appendix(pe.PdfPage("40_profil_05334002", "Kommunalprofil Aachen"))
