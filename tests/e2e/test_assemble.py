"""End-to-end tests of the site assembly: template, checks, determinism, accessibility."""

from __future__ import annotations

import base64
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.rendering.assemble import (
    TABLE_SCRIPT,
    Page,
    ReportRenderError,
    SiteMeta,
    assemble_site,
    heading_problems,
    render_page,
    slugify,
)

SOURCE_MARKER = "geheimer_quelltext_marker"
DEMO_BANNER = "Synthetische Demodaten – keine amtlichen Zahlen"

# --------------------------------------------------------------------------- fixtures

AREAS = [
    ("Aachen-Mitte", 18.4),
    ("Eschweiler-Ost", 15.1),
    ("Herzogenrath", 11.9),
    ("Monschau", 6.2),
]


def _bar_chart_svg() -> str:
    """A small horizontal bar chart as a figures module would produce it."""
    rows = []
    for i, (name, value) in enumerate(AREAS):
        y = 20 + i * 36
        width = value * 20
        label = f"{value:.1f}".replace(".", ",")
        rows.append(
            f'<text x="150" y="{y + 18}" text-anchor="end" font-size="14">{name}</text>'
            f'<rect x="160" y="{y}" width="{width:.0f}" height="26" fill="#1f5a96"/>'
            f'<text x="{160 + width + 6:.0f}" y="{y + 18}" font-size="14">{label} %</text>'
        )
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="170" viewBox="0 0 600 170" '
        'font-family="sans-serif">' + "".join(rows) + "</svg>"
    )


def figure_html(
    alt: str = "Balkendiagramm: Die SGB-II-Quote ist in Aachen-Mitte mit "
    "18,4 % am höchsten und in Monschau mit 6,2 % am niedrigsten.",
) -> str:
    svg = base64.b64encode(_bar_chart_svg().encode("utf-8")).decode("ascii")
    rows = "".join(
        f'<tr><th scope="row">{name}</th><td class="num">{value:.1f}</td></tr>'.replace(".", ",")
        for name, value in AREAS
    )
    return (
        f'<figure><img alt="{alt}" src="data:image/svg+xml;base64,{svg}">'
        "<figcaption>Abbildung 1: SGB-II-Quote nach Sozialraum, 2021, in Prozent</figcaption>"
        "</figure>"
        "<table><caption>Tabelle 1: SGB-II-Quote nach Sozialraum, 2021</caption>"
        '<thead><tr><th scope="col">Sozialraum</th><th scope="col">SGB-II-Quote in %</th></tr>'
        f"</thead><tbody>{rows}"
        '<tr><th scope="row">StädteRegion Aachen</th><td>1.234</td></tr></tbody></table>'
    )


def chapter_notebook(title: str, extra_cells: list | None = None) -> nbformat.NotebookNode:
    parameters = new_code_cell(f'field = "armut"  # {SOURCE_MARKER}', execution_count=1)
    parameters.metadata["tags"] = ["parameters"]
    figure = new_code_cell(
        f"figures.bar_chart(frame)  # {SOURCE_MARKER}",
        execution_count=2,
        outputs=[
            new_output(
                "display_data",
                data={
                    "text/html": figure_html(),
                    "text/plain": "<IPython.core.display.HTML object>",
                },
            )
        ],
    )
    text = new_code_cell(
        f"text.share_sentence(frame)  # {SOURCE_MARKER}",
        execution_count=3,
        outputs=[
            new_output(
                "execute_result",
                data={
                    "text/markdown": "Die Quote liegt im Mittel bei **12,9 %**.",
                    "text/plain": "x",
                },
                execution_count=3,
            )
        ],
    )
    cells = [
        new_markdown_cell(
            f"# {title}\n\nDieses Kapitel beschreibt die Lage in den Sozialräumen der "
            "StädteRegion Aachen. Grundlage sind die Daten der Bundesagentur für Arbeit."
        ),
        parameters,
        new_markdown_cell(
            "## Armut in den Sozialräumen\n\nDie SGB-II-Quote unterscheidet sich deutlich "
            "zwischen den Sozialräumen (siehe [Entwicklung](#Entwicklung-seit-2018))."
        ),
        figure,
        new_markdown_cell(
            "### Entwicklung seit 2018\n\n- Rückgang in Monschau\n- Anstieg in Aachen-Mitte"
        ),
        text,
        new_markdown_cell(
            "## Armut in den Sozialräumen\n\nEin zweiter Abschnitt mit gleichem Titel."
        ),
        *(extra_cells or []),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def write_notebook(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def site_meta(**changes) -> SiteMeta:
    values = dict(
        site_title="Sozialbericht 2021",
        edition="Ausgabe 2021",
        data_hash="3f9a0c12",
        parameters={"report_year": 2021, "fields": ["armut", "kinder"], "min_cell": 5},
        version="0.1.0",
        is_demo=True,
        other_site=("../handlungskonzept/index.html", "Handlungskonzept-Anhang 2021"),
        downloads=(("downloads/tabellen.xlsx", "Alle Tabellen (XLSX)"),),
    )
    values.update(changes)
    return SiteMeta(**values)


@pytest.fixture
def pages(tmp_path: Path) -> list[Page]:
    nbdir = tmp_path / "executed"
    return [
        Page(
            "20_armut", "Armut", write_notebook(chapter_notebook("Armut"), nbdir / "20_armut.ipynb")
        ),
        Page(
            "30_kinder",
            "Kinder und Jugendliche",
            write_notebook(chapter_notebook("Kinder und Jugendliche"), nbdir / "30_kinder.ipynb"),
        ),
    ]


@pytest.fixture
def site_dir(tmp_path: Path, pages: list[Page]) -> tuple[Path, list[Path]]:
    out = tmp_path / "reports" / "sozialbericht"
    return out, assemble_site(pages, site_meta(), out)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# --------------------------------------------------------------------------- structure


def test_files_exist(site_dir):
    out, written = site_dir
    names = [p.name for p in written]
    assert names == ["index.html", "20_armut.html", "30_kinder.html", "barrierefreiheit.html"]
    assert all(p.is_file() and p.parent == out for p in written)


def test_every_local_link_resolves(site_dir):
    out, written = site_dir
    for path in written:
        soup = _soup(path)
        ids = {el["id"] for el in soup.find_all(id=True)}
        for link in soup.find_all("a", href=True):
            href = link["href"]
            if href.startswith("../") or href.startswith("downloads/"):
                continue  # sibling report and downloads are written by the build
            target, _, fragment = href.partition("#")
            if target:
                assert (out / target).is_file(), f"{path.name}: {href}"
                if fragment:
                    assert f'id="{fragment}"' in (out / target).read_text(encoding="utf-8"), href
            else:
                assert fragment in ids, f"{path.name}: {href}"


def test_page_frame(site_dir):
    _, written = site_dir
    for path in written:
        soup = _soup(path)
        assert soup.html["lang"] == "de"
        assert soup.find("meta", charset=True)["charset"].lower() == "utf-8"
        assert soup.find("meta", attrs={"name": "viewport"})
        skip = soup.find("a", class_="skip-link")
        assert skip and skip["href"] == "#inhalt"
        assert soup.find("main", id="inhalt")
        assert DEMO_BANNER in soup.find("header").get_text()
        nav = soup.find("nav", attrs={"aria-label": "Kapitel"})
        hrefs = [a["href"] for a in nav.find_all("a")]
        assert hrefs == ["index.html", "20_armut.html", "30_kinder.html"]
        footer = soup.find("footer").get_text(" ", strip=True)
        for part in ("Ausgabe 2021", "3f9a0c12", "0.1.0"):
            assert part in footer
        assert soup.find("footer").find("a", href="barrierefreiheit.html")
        assert soup.find("footer").find("a", href="index.html#kolophon")
        assert not heading_problems(str(soup)), path.name


def test_current_page_and_prev_next(site_dir):
    out, _ = site_dir
    soup = _soup(out / "20_armut.html")
    current = soup.find("nav", attrs={"aria-label": "Kapitel"}).find_all(
        attrs={"aria-current": "page"}
    )
    assert [a["href"] for a in current] == ["20_armut.html"]
    blaettern = soup.find("nav", attrs={"aria-label": "Kapitelwechsel"})
    assert blaettern.find("a", rel="prev")["href"] == "index.html"
    assert blaettern.find("a", rel="next")["href"] == "30_kinder.html"
    last = _soup(out / "30_kinder.html").find("nav", attrs={"aria-label": "Kapitelwechsel"})
    assert last.find("a", rel="prev")["href"] == "20_armut.html"
    assert last.find("a", rel="next") is None
    assert soup.title.string == "Armut – Sozialbericht 2021"


def test_chapter_content(site_dir):
    out, _ = site_dir
    html = (out / "20_armut.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    main = soup.find("main")
    assert [h.get_text() for h in main.find_all("h1")] == ["Armut"]
    ids = [h["id"] for h in main.find_all(re.compile("^h[1-6]$"))]
    assert ids == [
        "armut",
        "armut-in-den-sozialraeumen",
        "entwicklung-seit-2018",
        "armut-in-den-sozialraeumen-2",
    ]
    # in-page markdown link follows the renamed anchor
    assert main.find("a", href="#entwicklung-seit-2018")
    img = main.find("figure").find("img")
    assert img["alt"].startswith("Balkendiagramm") and img["src"].startswith(
        "data:image/svg+xml;base64,"
    )
    wrapper = main.find("table").parent
    assert wrapper["class"] == ["tabelle"] and wrapper["tabindex"] == "0"
    assert wrapper["aria-label"].startswith("Tabelle 1")
    assert "num" in main.find("td", string="1.234")["class"]  # detected German number
    assert "num" in main.find("thead").find_all("th")[1]["class"]
    assert main.find("strong", string="12,9 %")  # text/markdown output rendered


def test_no_code_prompts_or_sources(site_dir):
    _, written = site_dir
    for path in written:
        html = path.read_text(encoding="utf-8")
        assert "<pre" not in html
        assert "In [" not in html and "Out[" not in html
        assert SOURCE_MARKER not in html
        assert "figures.bar_chart" not in html
        assert "execution_count" not in html and "jp-" not in html
        assert "Traceback" not in html
        assert "No description has been provided" not in html


def test_offline_and_no_paths(site_dir, tmp_path):
    _, written = site_dir
    for path in written:
        html = path.read_text(encoding="utf-8")
        soup = BeautifulSoup(html, "html.parser")
        for el in soup.find_all(True):
            for attr in ("src", "href", "srcset", "action", "data"):
                value = el.get(attr)
                if value:
                    assert not re.match(r"\s*(https?:)?//", value), (
                        f"{path.name}: {el.name} {attr}={value}"
                    )
                    assert not value.startswith("file:")
        assert not soup.find(["link", "iframe"])
        # the only script: the package's own table script, inline, without attributes
        scripts = soup.find_all("script")
        assert len(scripts) == 1 and scripts[0].attrs == {}
        assert scripts[0].string.strip() == TABLE_SCRIPT.strip()
        assert (
            "mathjax" not in html.lower() and "require.js" not in html and "cdn" not in html.lower()
        )
        assert str(tmp_path) not in html
        assert not re.search(r"(?<![\w.])/(root|work|home|tmp)/", re.sub(r"data:[^\"']+", "", html))
        assert "file://" not in html


def test_index_and_accessibility_pages(site_dir):
    out, _ = site_dir
    soup = _soup(out / "index.html")
    main = soup.find("main")
    assert main.find("h1").get_text() == "Sozialbericht 2021"
    toc = main.find("ol", class_="inhaltsverzeichnis")
    assert [a["href"] for a in toc.find_all("a")] == ["20_armut.html", "30_kinder.html"]
    assert main.find("a", href="downloads/tabellen.xlsx")
    assert main.find("a", href="../handlungskonzept/index.html")
    assert main.find(id="kolophon")
    params = [th.get_text() for th in main.find("tbody").find_all("th")]
    assert params == sorted(params) == ["fields", "min_cell", "report_year"]
    text = (out / "barrierefreiheit.html").read_text(encoding="utf-8")
    for part in (
        "Erklärung zur Barrierefreiheit",
        "WCAG",
        "BITV",
        "trägt die herausgebende Stelle vor der Veröffentlichung ein",  # no contact given
    ):
        assert part in text


def test_accessibility_statement_names_the_configured_contact(pages, tmp_path):
    contact = (("stelle", "Amt für Inklusion und Sozialplanung"), ("behoerde", "Kreis Beispiel"),
               ("anschrift", "Musterstraße 1|12345 Musterstadt"),
               ("email", "sozialplanung@beispiel.de"), ("telefon", "0241 123-4567"))
    site = site_meta(publisher="Kreis Beispiel", contact=contact)
    assemble_site(pages, site, tmp_path / "sb")
    soup = _soup(tmp_path / "sb" / "barrierefreiheit.html")
    address = soup.find("main").find("address")
    lines = [line.strip() for line in address.get_text("\n").split("\n") if line.strip()]
    assert lines[:4] == ["Amt für Inklusion und Sozialplanung", "Kreis Beispiel",
                         "Musterstraße 1", "12345 Musterstadt"]
    assert address.find("a", href="mailto:sozialplanung@beispiel.de")
    assert address.find("a", href="tel:02411234567").get_text() == "0241 123-4567"
    assert "vor der Veröffentlichung ein" not in address.get_text()
    assert "(Kreis Beispiel)" in soup.find("main").find("p").get_text()
    header = _soup(tmp_path / "sb" / "index.html").find(class_="kopf-herausgeber")
    assert header.get_text() == "Kreis Beispiel"


def test_site_without_demo_banner_and_sibling(pages, tmp_path):
    site = site_meta(is_demo=False, other_site=None, downloads=(), parameters={})
    written = assemble_site(pages, site, tmp_path / "handlungskonzept")
    for path in written:
        html = path.read_text(encoding="utf-8")
        assert DEMO_BANNER not in html
        assert "Siehe auch" not in html and "../" not in html
    assert "Downloads" not in written[0].read_text(encoding="utf-8")


def test_byte_identical_rerun(site_dir, pages, tmp_path):
    _, first = site_dir
    second = assemble_site(pages, site_meta(), tmp_path / "zweiter_lauf")
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_render_page_matches_assembled(site_dir, pages):
    out, _ = site_dir
    html = render_page(pages[1], site_meta(), pages)
    assert html == (out / "30_kinder.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- refusals


def _single_page(tmp_path: Path, nb: nbformat.NotebookNode) -> tuple[Page, list[Page]]:
    page = Page("20_armut", "Armut", write_notebook(nb, tmp_path / "bad" / "20_armut.ipynb"))
    return page, [page]


def test_error_output_raises(tmp_path):
    cell = new_code_cell(
        "1/0",
        outputs=[
            new_output(
                "error",
                ename="ZeroDivisionError",
                evalue="division by zero",
                traceback=["Traceback (most recent call last)", "ZeroDivisionError"],
            )
        ],
    )
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    with pytest.raises(ReportRenderError, match="Zelle 8.*ZeroDivisionError"):
        render_page(page, site_meta(), pages)


def test_stderr_raises(tmp_path):
    cell = new_code_cell(
        "x", outputs=[new_output("stream", name="stderr", text="FutureWarning: …\n")]
    )
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    with pytest.raises(ReportRenderError, match="stderr"):
        render_page(page, site_meta(), pages)


def test_png_without_alt_raises(tmp_path):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode("ascii")
    cell = new_code_cell(
        "plt.show()",
        outputs=[new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})],
    )
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    with pytest.raises(ReportRenderError, match="Alternativtext"):
        render_page(page, site_meta(), pages)


def test_png_with_alt_renders(tmp_path):
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode("ascii")
    cell = new_code_cell(
        "show()",
        outputs=[
            new_output(
                "display_data",
                data={"image/png": png},
                metadata={"image/png": {"alt": "Karte der Sozialräume"}},
            )
        ],
    )
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    html = render_page(page, site_meta(), pages)
    assert 'alt="Karte der Sozialräume"' in html


def test_html_img_without_alt_raises(tmp_path):
    cell = new_code_cell(
        "x",
        outputs=[
            new_output("display_data", data={"text/html": '<img src="data:image/png;base64,AA==">'})
        ],
    )
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    with pytest.raises(ReportRenderError, match="Alternativtext"):
        render_page(page, site_meta(), pages)


@pytest.mark.parametrize(
    "html, message",
    [
        ("<p>Quelle: /" + "home/planer/daten.csv</p>", "Rechnerpfad"),
        ("<p>Siehe file:///tmp/x.html</p>", "Rechnerpfad"),
        ('<script src="https://cdn.example.org/x.js"></script>', "script"),
        ('<img alt="x" src="https://example.org/x.png">', "lädt eine Datei"),
        ("<p>Erstellt am 2024-05-01T10:00:00</p>", "Zeitstempel"),
        ("<p>Traceback (most recent call last):</p>", "Traceback"),
    ],
)
def test_leaks_raise(tmp_path, html, message):
    cell = new_code_cell("x", outputs=[new_output("display_data", data={"text/html": html})])
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    with pytest.raises(ReportRenderError, match=message):
        render_page(page, site_meta(), pages)


def test_object_repr_raises(tmp_path):
    cell = new_code_cell(
        "ax",
        outputs=[new_output("execute_result", data={"text/plain": "<Axes: >"}, execution_count=9)],
    )
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    with pytest.raises(ReportRenderError, match="Textdarstellung"):
        render_page(page, site_meta(), pages)


def test_heading_skip_raises(tmp_path):
    page, pages = _single_page(
        tmp_path, chapter_notebook("Armut", [new_markdown_cell("#### Zu tief")])
    )
    with pytest.raises(ReportRenderError, match="h2 auf h4"):
        render_page(page, site_meta(), pages)


def test_external_download_link_refused(tmp_path, pages):
    with pytest.raises(ReportRenderError, match="relativ"):
        assemble_site(
            pages, site_meta(downloads=(("https://example.org/x.csv", "x"),)), tmp_path / "o"
        )


def test_heading_problems():
    assert heading_problems("<main><h1>A</h1><h2>B</h2><h3>C</h3><h2>D</h2></main>") == []
    assert heading_problems("<main><h2>B</h2></main>")
    assert any("h1 auf h3" in p for p in heading_problems("<main><h1>A</h1><h3>C</h3></main>"))
    assert any("Mehr als eine" in p for p in heading_problems("<main><h1>A</h1><h1>B</h1></main>"))


def test_slugify():
    assert slugify("Armut in den Sozialräumen") == "armut-in-den-sozialraeumen"
    assert slugify("Größe & Maße – Übersicht") == "groesse-masse-uebersicht"
    assert slugify("Café 2021!") == "cafe-2021"
    assert slugify("???") == "abschnitt"


# --------------------------------------------------------------------------- browser


def _load_browser_helper():
    """Import tests/e2e/browser.py whatever pytest's import mode is."""
    path = Path(__file__).with_name("browser.py")
    spec = importlib.util.spec_from_file_location("e2e_browser", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.browser
def test_axe_no_violations_no_external_requests(site_dir, tmp_path):
    browser = _load_browser_helper()
    _, written = site_dir
    results = browser.run_axe(written, screenshot_dir=tmp_path / "screenshots")
    assert set(results) == {str(p.resolve()) for p in written}
    assert browser.summarize(results) == []
    for result in results.values():
        assert result["lang"] == "de"
        assert Path(result["screenshot"]).is_file()


def test_inline_svg_map_is_published_with_its_references(tmp_path):
    """An inline SVG map (clip paths and hatch patterns referred to by url(#…), links to
    anchors) passes the page checks; its camelCase names survive the HTML parser; a CSS
    url() that loads a file is still refused and an area link into nowhere is reported."""
    svg = ('<svg id="fab-svg" viewBox="0 0 10 10" role="group" aria-label="Karte der 1 '
           'Sozialräume: Test. Alle Werte stehen in der Tabelle zur Abbildung.">'
           '<defs><clipPath id="fab-p1"><rect x="0" y="0" width="10" height="10"/></clipPath>'
           '<pattern id="fab-h1" patternUnits="userSpaceOnUse" width="4" height="4"/></defs>'
           '<a href="{href}"><title>AC 1 Mitte (Aachen): •</title>'
           '<path d="M 0 0 L 9 9 z" clip-path="url(#fab-p1)" style="fill: url(#fab-h1)"/></a>'
           "</svg>")
    good = f'<figure class="chart inline">{svg.format(href="#ziel")}</figure><p id="ziel">x</p>'
    cell = new_code_cell("m", outputs=[new_output("display_data", data={"text/html": good})])
    page, pages = _single_page(tmp_path, chapter_notebook("Armut", [cell]))
    html = render_page(page, site_meta(), pages)
    assert 'viewBox="0 0 10 10"' in html and "<clipPath " in html and "patternUnits=" in html
    assert 'style="fill: url(#fab-h1)"' in html
    for bad, message in ((svg.format(href="#nirgends"), "führt ins Leere"),
                         (svg.format(href="#x").replace("url(#fab-h1)", "url(x.png)"),
                          "externe Ressource")):
        cell = new_code_cell("m", outputs=[new_output("display_data",
                                                      data={"text/html": bad})])
        page, pages = _single_page(tmp_path / message[:4], chapter_notebook("Armut", [cell]))
        with pytest.raises(ReportRenderError, match=message):
            render_page(page, site_meta(), pages)


# --------------------------------------------------------------------------- tables that fit


def _table_notebook(columns: list[str], rows: int = 3) -> nbformat.NotebookNode:
    head = "".join(f'<th scope="col">{c}</th>' for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{i},5</td>" for _ in columns) + "</tr>"
                   for i in range(rows))
    table = (f"<table><caption>Breite Tabelle</caption><thead><tr>{head}</tr></thead>"
             f"<tbody>{body}</tbody></table>")
    cell = new_code_cell("t", execution_count=1, outputs=[new_output(
        "display_data", data={"text/html": table, "text/plain": "x"})])
    sections = [new_markdown_cell(f"## Abschnitt {i}\n\nText {i}.") for i in range(1, 4)]
    return new_notebook(cells=[new_markdown_cell("# Tabellen"), cell, *sections])


def test_wide_table_headers_get_safe_soft_hyphens_and_the_wide_class(tmp_path):
    columns = ["Sozialraum", "Betroffene", "Mindestsicherungsquote", "Bedarfsgemeinschaften",
               "Armutsprävention", "Langzeitarbeitsloser"]
    nb = write_notebook(_table_notebook(columns), tmp_path / "t.ipynb")
    page = Page("20_t", "Tabellen", nb)
    soup = BeautifulSoup(render_page(page, site_meta(), [page]), "html.parser")
    heads = [th.get_text() for th in soup.select("thead th")]
    # text unchanged apart from invisible soft hyphens; short words untouched
    assert [h.replace("\u00ad", "") for h in heads] == columns
    assert heads[:2] == ["Sozialraum", "Betroffene"]
    parts = {h.replace("\u00ad", ""): h.split("\u00ad") for h in heads[2:]}
    assert all(len(p) > 1 for p in parts.values())  # each long word can break
    assert all(len(piece) >= 2 and re.search("[aeiouyäöü]", piece, re.I)
               for p in parts.values() for piece in p)
    assert parts["Armutsprävention"][0] != "Armut"  # never „Armut-sprävention“
    assert "Bedarfs" in parts["Bedarfsgemeinschaften"][0]  # never „Beda-rfs…“
    wrapper = soup.find("table").parent
    assert "breit" in wrapper["class"] and wrapper["role"] == "region"
    assert wrapper["aria-label"] == "Breite Tabelle" and wrapper["tabindex"] == "0"
    # long pages: a "nach oben" link before every h2 but the first, one at the end
    top = soup.select("main a[href='#seitenanfang']")
    assert len(top) == 3 and soup.find(id="seitenanfang")


def test_narrow_table_keeps_normal_type(tmp_path):
    nb = write_notebook(_table_notebook(["Sozialraum", "Wert"]), tmp_path / "t.ipynb")
    page = Page("20_t", "Tabellen", nb)
    soup = BeautifulSoup(render_page(page, site_meta(), [page]), "html.parser")
    assert "breit" not in soup.find("table").parent["class"]


def test_foreign_script_is_refused(tmp_path):
    for script in ("<script>alert(1)</script>", f'<script src="x.js">{TABLE_SCRIPT}</script>'):
        nb = new_notebook(cells=[new_markdown_cell("# Titel"), new_code_cell(
            "x", execution_count=1, outputs=[new_output(
                "display_data", data={"text/html": script, "text/plain": "x"})])])
        page = Page("20_t", "T", write_notebook(nb, tmp_path / "s.ipynb"))
        with pytest.raises(ReportRenderError, match="script"):
            render_page(page, site_meta(), [page])


def test_area_finder_page_lists_every_area_with_its_link(tmp_path, pages):
    areas = (("AC 1", "Mitte", "Aachen", "../sozialbericht/40_profil_a.html#sr-ac-1"),
             ("AC 10", "Süd", "Aachen", "../sozialbericht/40_profil_a.html#sr-ac-10"),
             ("E 2", "<b>Ost</b>", "Eschweiler", "../sozialbericht/40_profil_e.html#sr-e-2"))
    out = tmp_path / "site"
    written = assemble_site(pages, site_meta(areas=areas), out)
    assert [p.name for p in written][-2:] == ["sozialraeume.html", "barrierefreiheit.html"]
    soup = _soup(out / "sozialraeume.html")
    rows = soup.select("#sozialraeume tbody tr")
    assert [[c.get_text() for c in r.find_all(["th", "td"])] for r in rows] == [
        [c, n, k] for c, n, k, _ in areas]  # escaped, in the given order
    assert [r.a["href"] for r in rows] == [h for *_, h in areas]
    region = soup.find("table", id="sozialraeume").parent
    assert region["role"] == "region" and region["tabindex"] == "0"
    assert soup.find(id=region["aria-labelledby"]).name == "caption"
    assert "listet drei Sozialräume mit" in soup.find("main").get_text()
    for page in ("index.html", "20_armut.html"):
        assert _soup(out / page).find("header").find("a", href="sozialraeume.html")
    assert _soup(out / "index.html").find("main").find("a", href="sozialraeume.html")
    one = assemble_site(pages, site_meta(areas=areas[:1]), tmp_path / "one")
    assert "listet einen Sozialraum mit" in _soup(one[-2]).find("main").get_text()


def test_chapter_list_follows_the_heading_and_is_reachable(site_dir):
    _, written = site_dir
    for path in written:
        soup = _soup(path)
        body = [el for el in soup.body.descendants if getattr(el, "name", None) in ("h1", "nav")]
        assert body[0].name == "h1", path.name  # the page heading before the chapter list
        assert soup.find("a", class_="skip-link", href="#kapitel")
        assert soup.find("nav", id="kapitel", attrs={"aria-label": "Kapitel"})
