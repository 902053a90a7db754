"""PDF edition of a report: the published pages as one tagged A4 document.

The PDF is made from exactly the HTML the build publishes: the ``<main>`` of every
chapter page, in the order of the index's table of contents, behind a title page and a
table of contents with page numbers, followed by the pages marked as Steckbriefe as an
appendix and the colophon of the index page. WeasyPrint lays it out with the report's
own stylesheet (print media) plus ``templates/sozialbericht/pdf.css`` and writes a
tagged PDF/UA-1 file (structure tree, alternative texts, language, title).

What only makes sense on screen is left out: chapter navigation, previous/next links,
forms, buttons, scripts and anything marked with the class ``nur-web``. A figure's
data table (``<details>``) is always printed. Links between pages of the same report
become links inside the PDF; links to anything else (downloads, the sibling report)
keep their text but lose the link, because a PDF travels without the site.

Output is deterministic: no creation or modification date (it would be a timestamp),
no random ids, fonts subset by content, so the same pages give the same bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, Tag

from analysis.common.fmt import number
from analysis.common.ids import AREA_PAGE
from analysis.rendering.assemble import (
    DEMO_BANNER,
    INDEX_SLUG,
    TEMPLATE_DIR,
    TEMPLATE_NAME,
    ReportRenderError,
    SiteMeta,
    slugify,
)

PDF_CSS = TEMPLATE_DIR / TEMPLATE_NAME / "pdf.css"
SITE_CSS = TEMPLATE_DIR / TEMPLATE_NAME / "sozialbericht.css"
#: PDF/UA-1 (ISO 14289-1): tagged PDF 1.7 with structure tree and document title shown.
PDF_VARIANT = "pdf/ua-1"
#: A page whose slug or title starts with one of these words goes to the appendix.
APPENDIX_WORDS = ("steckbrief",)
APPENDIX_TITLE = "Anhang: Steckbriefe der Sozialräume"
#: Tables with at least this many columns are printed on a landscape page.
LANDSCAPE_COLUMNS = 10
#: Removed from the PDF: interactive or screen-only parts.
_SCREEN_ONLY = ("script", "noscript", "template", "form", "button", "input", "select",
                "textarea", "dialog", "style", "link")
_SCREEN_ONLY_SELECTORS = ("nav.blaettern", ".nur-web", ".skip-link", "[hidden]")
_ID_REF_ATTRS = ("aria-labelledby", "aria-describedby", "aria-controls", "aria-owns",
                 "aria-details", "aria-flowto", "headers", "for", "list")
_URL_REF_RE = re.compile(r"url\(\s*#([^)\s]+)\s*\)")
_HEADING_RE = re.compile(r"^h[1-6]$")


@dataclass(frozen=True)
class PdfPage:
    """One published page of the report that goes into the PDF."""

    slug: str  # file name without .html
    title: str  # as in the index's table of contents


def pdf_file_name(site_title: str) -> str:
    """File name of the PDF edition: ``Sozialbericht 2021`` → ``sozialbericht-2021.pdf``."""
    return f"{slugify(site_title)}.pdf"


def is_appendix(page: PdfPage) -> bool:
    """A Steckbrief (by its page slug, :data:`analysis.common.ids.AREA_PAGE`, or title) goes to
    the appendix."""
    return page.slug.startswith(AREA_PAGE.format("")) or any(page.slug.lower().lstrip("0123456789_-").startswith(w)
               or page.title.lower().startswith(w) for w in APPENDIX_WORDS)


def size_de(n_bytes: int) -> str:
    """A file size in German notation: ``1_234_567`` → ``"1,2 MB"``, ``5_120`` → ``"5 kB"``."""
    if n_bytes >= 1_000_000:
        return f"{number(n_bytes / 1_000_000, 1)}\u00a0MB"
    return f"{number(max(1, round(n_bytes / 1000)))}\u00a0kB"


def cache_key(site_dir: Path, pages: Sequence[PdfPage], site: SiteMeta, package: str) -> str:
    """What the PDF depends on: the included pages' bytes, the index (colophon), the
    frame, the layout code and the WeasyPrint version."""
    import weasyprint

    h = hashlib.sha256()
    h.update(f"{package}|{weasyprint.__version__}|{PDF_VARIANT}|{site!r}".encode())
    h.update(PDF_CSS.read_bytes())
    for slug, title in [(INDEX_SLUG, ""), *((p.slug, p.title) for p in pages)]:
        h.update(f"|{slug}|{title}|".encode())
        h.update(hashlib.sha256((site_dir / f"{slug}.html").read_bytes()).digest())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- document


def combined_html(site_dir: Path, pages: Sequence[PdfPage], site: SiteMeta) -> str:
    """One HTML document for the PDF: title page, contents, chapters, appendix, colophon."""
    body_pages = [p for p in pages if not is_appendix(p)]
    appendix = [p for p in pages if is_appendix(p)]
    included = {p.slug for p in pages}
    soups = {p.slug: BeautifulSoup((site_dir / f"{p.slug}.html").read_text("utf-8"),
                                   "html.parser") for p in pages}
    ids = {slug: {el["id"] for el in soup.find_all(id=True)} for slug, soup in soups.items()}
    doc = BeautifulSoup("", "html.parser")
    sections: list[Tag] = []
    toc: list[tuple[str, str, list[tuple[str, str]]]] = []
    for group, demote in ((body_pages, 0), (appendix, 1)):
        for page in group:
            main = soups[page.slug].find("main")
            if main is None:
                raise ReportRenderError(f"PDF-Ausgabe: Seite {page.slug}.html ohne <main>.")
            section = _chapter(doc, page, main, included, ids, demote)
            sections.append(section)
            subs = [(h["id"], _text(h)) for h in section.find_all("h2" if not demote else "h3")
                    if h.get("id")] if not demote else []
            # the contents list the chapter headings, as the bookmarks and the pages do
            h1 = section.find("h1" if not demote else "h2")
            toc.append((_anchor(page.slug), _text(h1) if h1 is not None else page.title, subs))
    index = BeautifulSoup((site_dir / f"{INDEX_SLUG}.html").read_text("utf-8"), "html.parser")
    colophon = _colophon(doc, index, site)
    head = _head(site)
    parts = [head, "<body>", _title_page(site), _toc_html(toc, bool(appendix), len(body_pages)),
             *(str(s) for s in sections[:len(body_pages)])]
    if appendix:
        parts.append('<section class="pdf-anhang-titel" id="pdf-anhang">'
                     f"<h1>{_esc(APPENDIX_TITLE)}</h1>"
                     "<p>Je Sozialraum eine Seite mit den Kennzahlen des Berichts.</p></section>")
        parts += [str(s) for s in sections[len(body_pages):]]
    parts += [str(colophon), "</body>", "</html>\n"]
    return "\n".join(parts)


def mark_tables(html: str, landscape: set[int] = frozenset(), small: set[int] = frozenset()
                ) -> str:
    """Number every table (``data-pdf-tabelle``) and choose its print form: tables with
    :data:`LANDSCAPE_COLUMNS` or more columns, and those in ``landscape``, go on a
    landscape page; those in ``small`` are set smaller as well."""
    soup = BeautifulSoup(html, "html.parser")
    for n, table in enumerate(soup.find_all("table"), start=1):
        table["data-pdf-tabelle"] = str(n)
        box = table.parent if isinstance(table.parent, Tag) and "tabelle" in (
            table.parent.get("class") or []) and len(table.parent.find_all("table")) == 1 \
            else table
        classes = [c for c in (box.get("class") or []) if c not in ("pdf-quer", "pdf-eng")]
        if n in landscape or n in small or _columns(table) >= LANDSCAPE_COLUMNS:
            classes.append("pdf-quer")
        if n in small:
            classes.append("pdf-eng")
        box["class"] = classes
    return str(soup)


def _columns(table: Tag) -> int:
    widths = [sum(int(c.get("colspan", 1) or 1) if str(c.get("colspan", 1)).isdigit() else 1
                  for c in row.find_all(["td", "th"], recursive=False))
              for row in table.find_all("tr")]
    return max(widths, default=0)


def _head(site: SiteMeta) -> str:
    css = SITE_CSS.read_text("utf-8") + "\n" + PDF_CSS.read_text("utf-8") + "\n" + _page_css(site)
    description = f"{site.site_title}, {site.edition}"
    if site.is_demo:
        description += f". {DEMO_BANNER}"
    return ("<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{_esc(site.site_title)}</title>\n"
            f"<meta name=\"author\" content=\"{_esc(site.publisher)}\">\n"
            f"<meta name=\"description\" content=\"{_esc(description)}\">\n"
            f"<meta name=\"generator\" content=\"Paket analysis {_esc(site.version)}\">\n"
            f"<style>\n{css}\n</style>\n</head>")


def _page_css(site: SiteMeta) -> str:
    """Running header and footer with the report's edition, the demo label and page n of m."""
    head = f"{site.site_title} · {site.edition}"
    demo = _css_string(DEMO_BANNER) if site.is_demo else '""'
    return (
        "@page {\n"
        f"  @top-left {{ content: {_css_string(head)}; }}\n"
        f"  @top-right {{ content: {demo}; }}\n"
        "  @bottom-left { content: string(kapitel); }\n"
        '  @bottom-right { content: "Seite " counter(page) " von " counter(pages); }\n'
        "}\n")


def _title_page(site: SiteMeta) -> str:
    demo = ""
    if site.is_demo:
        demo = (f'<p class="pdf-demo"><strong>{_esc(DEMO_BANNER)}.</strong> Diese Ausgabe '
                "zeigt Aufbau und Methode des Berichts; die Zahlen beschreiben nicht die "
                "tatsächliche Lage vor Ort.</p>")
    return ('<section class="pdf-titelblatt">'
            f'<p class="pdf-herausgeber">{_esc(site.publisher)}</p>'
            f'<p class="pdf-titel">{_esc(site.site_title)}</p>'
            f'<p class="pdf-ausgabe">{_esc(site.edition)}</p>{demo}'
            '<p class="pdf-hinweis">Druckfassung der HTML-Ausgabe. Jede Abbildung hat eine '
            "Textbeschreibung und eine Tabelle mit den dargestellten Werten; die Tabellen "
            "stehen auch als Downloads (CSV, Excel) in der HTML-Ausgabe bereit.</p>"
            f'<p class="pdf-stand">{_stand(site)} · Paketversion '
            f"{_esc(site.version)}</p></section>")


def _stand(site: SiteMeta) -> str:
    """"Datenstand 31.12.2021 · Prüfsumme der Daten …" as in the pages' footer (the
    checksum is not a Datenstand)."""
    check = f"Prüfsumme der Daten {_esc(site.data_hash)}"
    return f"Datenstand {_esc(site.data_date)} · {check}" if site.data_date else check


def _toc_html(toc: list[tuple[str, str, list[tuple[str, str]]]], appendix: bool,
              n_body: int) -> str:
    items = []
    for i, (anchor, title, subs) in enumerate(toc):
        if appendix and i == n_body:
            items.append(f'<li class="pdf-toc-anhang"><a href="#pdf-anhang">'
                         f"{_esc(APPENDIX_TITLE)}</a>")
            items.append("<ol>")
        sub = ""
        if subs:
            sub = "<ol>" + "".join(f'<li><a href="#{_esc(a)}">{_esc(t)}</a></li>'
                                   for a, t in subs) + "</ol>"
        items.append(f'<li><a href="#{_esc(anchor)}">{_esc(title)}</a>{sub}</li>')
    if appendix and n_body < len(toc):
        items.append("</ol></li>")
    items.append('<li><a href="#pdf-kolophon">Kolophon</a></li>')
    return ('<nav class="pdf-inhalt" aria-label="Inhalt"><h1 id="pdf-inhalt">Inhalt</h1>'
            '<ol class="pdf-toc">' + "".join(items) + "</ol></nav>")


def _chapter(doc: BeautifulSoup, page: PdfPage, main: Tag, included: set[str],
             ids: dict[str, set[str]], demote: int) -> Tag:
    section = doc.new_tag("section")
    section["class"] = ["pdf-kapitel", "pdf-steckbrief" if demote else "pdf-bericht"]
    section["id"] = _anchor(page.slug)
    for child in list(main.children):
        section.append(child.extract())
    _strip_screen_only(section)
    _open_details(doc, section)
    for el in section.find_all(True):
        el.attrs.pop("tabindex", None)
        if el.get("id"):
            el["id"] = _anchor(page.slug, el["id"])
        for attr in _ID_REF_ATTRS:
            if isinstance(el.get(attr), str):
                el[attr] = " ".join(_anchor(page.slug, x) for x in el[attr].split())
            elif isinstance(el.get(attr), list):
                el[attr] = [_anchor(page.slug, x) for x in el[attr]]
        for attr, value in list(el.attrs.items()):
            if isinstance(value, str) and "url(#" in value:
                el[attr] = _URL_REF_RE.sub(lambda m: f"url(#{_anchor(page.slug, m.group(1))})",
                                           value)
        for attr in ("href", "xlink:href"):
            if isinstance(el.get(attr), str):
                _relink(el, attr, page.slug, included, ids)
    h1 = section.find("h1")
    if h1 is not None:
        h1["class"] = [*(h1.get("class") or []), "pdf-kapitel-titel"]
    if demote:
        for h in section.find_all(_HEADING_RE):
            h.name = f"h{min(6, int(h.name[1]) + 1)}"
    return section


def _relink(el: Tag, attr: str, slug: str, included: set[str], ids: dict[str, set[str]]) -> None:
    """In-report links point into the PDF; links out of it keep only their text."""
    href = el[attr].strip()
    if href.startswith("#"):
        el[attr] = "#" + _anchor(slug, href[1:]) if href[1:] else "#" + _anchor(slug)
        return
    if re.match(r"^(?:https?|mailto|tel):", href, re.IGNORECASE):
        return
    target, _, fragment = href.partition("#")
    target_slug = target[:-5] if target.endswith(".html") and "/" not in target else None
    if target_slug in included:
        known = fragment and fragment in ids.get(target_slug, set())
        el[attr] = "#" + (_anchor(target_slug, fragment) if known else _anchor(target_slug))
        return
    if target_slug == INDEX_SLUG and fragment == "kolophon":
        el[attr] = "#pdf-kolophon"
        return
    if el.name == "a":
        el.unwrap() if not el.find(True) or el.get_text(strip=True) else el.decompose()
    else:
        del el[attr]


def _strip_screen_only(section: Tag) -> None:
    for name in _SCREEN_ONLY:
        for el in section.find_all(name):
            el.decompose()
    for selector in _SCREEN_ONLY_SELECTORS:
        for el in section.select(selector):
            el.decompose()


def _open_details(doc: BeautifulSoup, section: Tag) -> None:
    """Print the data table of every figure: ``<details>`` becomes a ``<div>``."""
    for details in section.find_all("details"):
        summary = details.find("summary", recursive=False)
        if summary is not None:
            summary.decompose()
        details.name = "div"
        details.attrs.pop("open", None)
        details["class"] = [*(details.get("class") or []), "pdf-details"]


def _colophon(doc: BeautifulSoup, index: BeautifulSoup, site: SiteMeta) -> Tag:
    """The colophon of the index page (heading and everything after it in ``<main>``)."""
    section = doc.new_tag("section")
    section["class"] = ["pdf-kolophon"]
    section["id"] = "pdf-kolophon"
    start = index.find(id="kolophon")
    if start is None:
        h1 = doc.new_tag("h1")
        h1.string = "Kolophon"
        section.append(h1)
        return section
    nodes = [start, *start.find_next_siblings()]
    for node in nodes:
        if isinstance(node, Tag) and node.name == "nav":
            continue
        section.append(node.extract())
    heading = section.find(id="kolophon")
    heading.name = "h1"
    heading["id"] = "pdf-kolophon-titel"
    heading["class"] = ["pdf-kapitel-titel"]
    for el in section.find_all(True):
        el.attrs.pop("tabindex", None)
        if el.get("id") and el is not heading:
            el["id"] = "pdf-kolophon--" + el["id"]
        if isinstance(el.get("href"), str):
            if el["href"].startswith("#"):
                el["href"] = "#pdf-kolophon--" + el["href"][1:]
            elif not re.match(r"^(?:https?|mailto|tel):", el["href"]):
                el.unwrap()
    _strip_screen_only(section)
    return section


def _anchor(slug: str, fragment: str | None = None) -> str:
    base = f"k-{slug}"
    return base if not fragment else f"{base}--{fragment}"


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def _esc(text: str) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def _text(el: Tag) -> str:
    return " ".join(el.get_text(" ", strip=True).split())


# --------------------------------------------------------------------------- rendering


def render(html: str):
    """Lay out the combined document (a ``weasyprint.Document``). Only ``data:`` URIs
    are fetched; the pages were checked for external references when assembled."""
    import weasyprint

    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT, pdf_tags=True)


def overflow_problems(document) -> list[str]:
    """Tables and images that stick out of the page's content area, i.e. would be
    clipped on paper: ``["Seite 12: Tabelle „…“ ist 14 mm zu breit"]``."""
    return [f"Seite {page}: {what} ist {number(excess, 0)} mm zu breit"
            for page, what, excess, _n in _overflows(document)]


def overflowing_tables(document) -> list[tuple[int, str]]:
    """``(data-pdf-tabelle number, description)`` of every table (or image: number 0)
    that sticks out of its page, each once."""
    seen: dict[int, str] = {}
    for _page, what, _excess, n in _overflows(document):
        seen.setdefault(n, what)
    return sorted(seen.items())


def _overflows(document):
    from weasyprint.formatting_structure import boxes

    for page_number, page in enumerate(document.pages, start=1):
        root = page._page_box
        right = root.content_box_x() + root.width
        for box in _walk(root):
            if isinstance(box, boxes.TableBox) or (
                    isinstance(box, boxes.ReplacedBox) and box.element_tag in ("img", "svg")):
                end = box.border_box_x() + box.border_width()
                if end > right + 0.5:
                    n = box.element.get("data-pdf-tabelle") if box.element is not None else None
                    yield (page_number, _caption(box), (end - right) * 25.4 / 96,
                           int(n) if n and n.isdigit() else 0)


def _walk(box):
    from weasyprint.formatting_structure import boxes

    yield box
    if isinstance(box, boxes.ParentBox):
        for child in box.children:
            if isinstance(child, boxes.MarginBox):
                continue
            yield from _walk(child)


def _caption(box) -> str:
    element = box.element
    if element is None:
        return "ein Element"
    caption = element.find("caption")
    if caption is not None:
        text = " ".join("".join(caption.itertext()).split())
        return f"Tabelle „{text[:80]}“"
    return f"<{box.element_tag}>"


def write(document) -> bytes:
    """The PDF bytes of a laid-out document (PDF/UA-1, tagged, no dates); the running
    header and footer are marked as artifacts (:func:`_running_heads_as_artifacts`)."""
    with _running_heads_as_artifacts(document):
        return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True,
                                  pdf_identifier=False)


@contextlib.contextmanager
def _running_heads_as_artifacts(document) -> Iterator[None]:
    """While ``document`` is written: the text of the page margin boxes (running header
    and footer: edition, demo label, chapter, page n of m) is drawn as ``/Artifact``
    marked content and left out of the structure tree, as PDF/UA-1 wants for pagination
    artifacts. WeasyPrint 70 tags it as ``/Span`` content whose structure elements hang
    in no tree (``weasyprint/pdf/tags.py``: margin boxes are "not linked to main tree").

    Two WeasyPrint internals are wrapped for the duration of the call (``Stream.marked``,
    ``pdf.tags._build_box_tree``); if a later WeasyPrint lacks them, nothing is changed
    (``tests/unit/test_pdf_edition.py`` then fails on the orphaned content)."""
    try:
        from weasyprint.formatting_structure import boxes
        from weasyprint.pdf import tags as wp_tags
        from weasyprint.pdf.stream import Stream
    except ImportError:  # pragma: no cover - other WeasyPrint layout
        yield
        return
    if not all(hasattr(x, n) for x, n in ((Stream, "marked"), (Stream, "artifact"),
                                          (wp_tags, "_build_box_tree"))):
        yield  # pragma: no cover
        return
    in_margins: set[int] = set()

    def collect(box, inside: bool) -> None:
        inside = inside or isinstance(box, boxes.MarginBox)
        if inside and isinstance(box, boxes.TextBox):
            in_margins.add(id(box))
        if isinstance(box, boxes.ParentBox):
            for child in box.children:
                collect(child, inside)

    for page in document.pages:
        collect(page._page_box, False)
    marked, build = Stream.marked, wp_tags._build_box_tree

    @contextlib.contextmanager
    def marked_or_artifact(self, box, tag):
        with (self.artifact() if id(box) in in_margins else marked(self, box, tag)):
            yield

    def build_without_margins(box, *args, **kwargs):
        if isinstance(box, boxes.MarginBox):
            return iter(())
        return build(box, *args, **kwargs)

    Stream.marked, wp_tags._build_box_tree = marked_or_artifact, build_without_margins
    try:
        yield
    finally:
        Stream.marked, wp_tags._build_box_tree = marked, build


def build_pdf(site_dir: Path, pages: Sequence[PdfPage], site: SiteMeta) -> bytes:
    """The PDF edition of the report in ``site_dir`` (pages as the index lists them).

    A table that would stick out of its page is moved to a landscape page, then set
    smaller; if it still does not fit, :class:`ReportRenderError` names it (a printed
    table never loses a column). So does an error WeasyPrint reports (e.g. an image
    without alternative text)."""
    html = combined_html(site_dir, pages, site)
    landscape: set[int] = set()
    small: set[int] = set()
    with _weasyprint_errors(site.site_title) as errors:
        for _attempt in range(3):
            document = render(mark_tables(html, landscape, small))
            wide = overflowing_tables(document)
            if not wide or all(n in small or n == 0 for n, _ in wide):
                break
            for n, _ in wide:
                (small if n in landscape else landscape).add(n)
        if not wide:
            data = write(document)
        errors.check()
    if wide:
        problems = overflow_problems(document)
        raise ReportRenderError(
            f"PDF-Ausgabe „{site.site_title}“: Inhalt ragt über den Seitenrand und würde im "
            "Druck abgeschnitten:\n- " + "\n- ".join(problems[:20])
            + "\nBitte die Tabelle teilen oder kürzen (oder die Druckregeln in pdf.css "
            "anpassen).")
    return data


class _Errors(logging.Handler):
    def __init__(self, title: str) -> None:
        super().__init__(logging.ERROR)
        self.title = title
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = " ".join(record.getMessage().split())
        # never a data: URI or machine detail in a message
        self.messages.append(re.sub(r"data:[^\s\"']{40,}", "data:…", text)[:300])

    def check(self) -> None:
        if self.messages:
            raise ReportRenderError(f"PDF-Ausgabe „{self.title}“: WeasyPrint meldet Fehler:\n- "
                                    + "\n- ".join(sorted(set(self.messages))[:20]))


@contextlib.contextmanager
def _weasyprint_errors(title: str) -> Iterator[_Errors]:
    """Collect WeasyPrint's error messages (warnings, e.g. about CSS a browser needs and
    a printer does not, are dropped) instead of printing them."""
    logger = logging.getLogger("weasyprint")
    handler = _Errors(title)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.ERROR)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate


# --------------------------------------------------------------------------- build step


@dataclass(frozen=True)
class PdfJob:
    """One PDF edition to build: a finished site folder and its pages in index order."""

    site_dir: Path
    pages: tuple[PdfPage, ...]
    site: SiteMeta


def _build_job(job: PdfJob) -> bytes:
    return build_pdf(job.site_dir, job.pages, job.site)


def build_pdfs(jobs: dict[str, PdfJob], workers: int = 1, stop=None) -> dict[str, bytes]:
    """Build several PDF editions in worker processes (``workers`` at a time).

    With ``stop`` (:class:`analysis.common.interrupt.Stop`) a Ctrl-C/SIGTERM ends the step
    within a second: the workers are terminated and the request is raised."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    from analysis.common.interrupt import stop_pool, worker_signals

    if not jobs:
        return {}
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(jobs))),
                               initializer=worker_signals)
    results: dict[str, bytes] = {}
    try:
        futures = {pool.submit(_build_job, job): name for name, job in sorted(jobs.items())}
        pending = set(futures)
        while pending:
            if stop is not None:
                stop.check()
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                results[futures[fut]] = fut.result()
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown()
    return results
