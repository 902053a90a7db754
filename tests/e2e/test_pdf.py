"""End to end: `python -m analysis report --pdf` (make pdf) publishes a PDF edition of each
report beside its pages, linked from its index, and keeps it while nothing changed."""

from __future__ import annotations

import getpass
import os
import re
import socket
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis.build.build import SITES
from analysis.common.ids import AREA_PAGE
from analysis.common.textcheck import ABS_PATH_RE
from analysis.rendering.assemble import DEMO_BANNER
from analysis.rendering.pdf_edition import size_de

from .conftest import XSS_NAME, make_tiny, run_report, tree_bytes

pypdf = pytest.importorskip("pypdf")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pdf_build(tmp_path_factory) -> tuple[Path, Path, str]:
    """(data, output folder, build log) of the 3-Kommunen data set built with --pdf."""
    base = tmp_path_factory.mktemp("pdf")
    data = make_tiny(base / "data", area_name=XSS_NAME)
    out = base / "reports"
    done = run_report(out, data, "--pdf")
    assert done.returncode == 0, done.stdout + done.stderr
    return data, out, done.stdout


def _pdf_link(out: Path, site: str) -> tuple[Path, str]:
    index = BeautifulSoup((out / site / "index.html").read_text(encoding="utf-8"), "html.parser")
    links = [a for a in index.find_all("a", href=True) if a["href"].endswith(".pdf")]
    assert len(links) == 1, f"{site}: index must link exactly one PDF"
    return out / site / links[0]["href"], links[0].get_text(" ", strip=True)


def _text(reader) -> list[str]:
    return [p.extract_text() for p in reader.pages]


def _joined(text: str) -> str:
    return " ".join(re.sub("\u2010\\s*\n", "", text).split())


def test_each_report_links_its_pdf_with_size_and_it_opens(pdf_build):
    _data, out, log = pdf_build
    assert "PDF-Ausgabe wird erstellt" in log
    for site in SITES:
        path, label = _pdf_link(out, site)
        assert path.is_file(), path
        assert f"(PDF, {size_de(path.stat().st_size)})" in label
        reader = pypdf.PdfReader(path)
        assert len(reader.pages) >= 10
        index = BeautifulSoup((out / site / "index.html").read_text(encoding="utf-8"),
                              "html.parser")
        assert reader.metadata.title == index.find("h1").get_text(strip=True)


def test_pdf_is_tagged_german_with_bookmarks_for_every_chapter(pdf_build):
    _data, out, _log = pdf_build
    for site in SITES:
        path, _ = _pdf_link(out, site)
        reader = pypdf.PdfReader(path)
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"])
        assert root["/Lang"] == "de"
        assert 'pdfuaid:part="1"' in root["/Metadata"].get_object().get_data().decode()
        index = BeautifulSoup((out / site / "index.html").read_text(encoding="utf-8"),
                              "html.parser")
        chapters, appendix = [], []  # headings of the pages the index lists, in its order
        for a in index.select("ol.inhaltsverzeichnis a"):
            page = BeautifulSoup((out / site / a["href"]).read_text(encoding="utf-8"),
                                 "html.parser")
            heading = " ".join(page.find("h1").get_text(" ", strip=True).split())
            # Steckbriefe are listed under their Kommunalprofil, printed as the appendix
            (appendix if a["href"].startswith(AREA_PAGE.format("")) else chapters).append(heading)
        top = [o.title for o in reader.outline if not isinstance(o, list)]
        assert [t for t in top if t in chapters] == chapters

        def flat(items) -> list[str]:
            return [t for o in items for t in (flat(o) if isinstance(o, list) else [o.title])]

        everything = flat(reader.outline)
        assert [t for t in everything if t in appendix] == appendix


def test_pdf_text_has_every_column_of_every_field_table_and_the_demo_label(pdf_build):
    _data, out, _log = pdf_build
    path, _ = _pdf_link(out, "sozialbericht")
    texts = _text(pypdf.PdfReader(path))
    for i, text in enumerate(texts, start=1):
        assert DEMO_BANNER in text, f"Seite {i} ohne Demo-Hinweis"
        assert f"Seite {i} von {len(texts)}" in text
    whole = _joined("\n".join(texts))
    checked = 0
    for page in sorted((out / "sozialbericht").glob("2*_*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        need = [t for t in soup.find_all("table") if "Handlungsbedarf im Feld"
                in t.find("caption").get_text()]
        assert need, f"{page.name}: no need table"
        for table in soup.find_all("table"):
            for th in table.find("thead").find_all("th"):
                # soft hyphens (U+00AD) are invisible break points, not text
                header = " ".join(th.get_text(" ", strip=True).replace("\xad", "").split())
                assert header in whole, f"{page.name}: column „{header}“ missing in the PDF"
                checked += 1
    assert checked > 30
    assert XSS_NAME in whole  # a hostile area name is printed as text


def test_pdf_has_no_machine_path_user_or_host(pdf_build):
    data, out, _log = pdf_build
    for site in SITES:
        path, _ = _pdf_link(out, site)
        reader = pypdf.PdfReader(path)
        text = "\n".join(_text(reader)) + str(reader.metadata) + \
            reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
        assert not ABS_PATH_RE.search(text)
        raw = path.read_bytes()
        for secret in (str(data), str(out), str(Path.home())):
            assert secret.encode() not in raw and secret not in text
        for name in {getpass.getuser(), socket.gethostname()}:
            if len(name) >= 4:
                assert not re.search(rf"\b{re.escape(name)}\b", text), name
        uris = [str(a.get_object().get("/A", {}).get("/URI", "")) for p in reader.pages
                for a in (p.get("/Annots") or [])]
        assert not any(u.startswith("file:") for u in uris), uris


def test_report_without_pdf_keeps_the_unchanged_pdf_and_a_second_build_is_identical(pdf_build):
    data, out, _log = pdf_build
    before = tree_bytes(out)
    # make report after make pdf: nothing changed, the version with the PDFs stays
    done = run_report(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nichts zu tun" in done.stdout
    assert tree_bytes(out) == before
    # assembled again (e.g. after make report elsewhere): the PDFs come from the cache
    (out / ".current").unlink()
    done = run_report(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PDF-Ausgabe wird erstellt" not in done.stdout
    assert tree_bytes(out) == before
    # a second PDF build (cache emptied, another hash seed) gives the same bytes
    for entry in (out / ".build" / "pages-cache" / "pdf").glob("*.pdf"):
        entry.unlink()
    (out / ".current").unlink()
    done = run_report(out, data, "--pdf", env={"PYTHONHASHSEED": "4711"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PDF-Ausgabe wird erstellt" in done.stdout
    after = tree_bytes(out)
    assert after.keys() == before.keys()
    assert [k for k in after if after[k] != before[k]] == []
    assert any(k.endswith(".pdf") for k in after)
    assert os.path.islink(out / ".current")
