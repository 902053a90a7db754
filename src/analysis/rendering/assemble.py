"""Assemble executed chapter notebooks into a static, accessible, offline HTML site.

Each chapter notebook is rendered with our own nbconvert template
(``templates/sozialbericht``): markdown and outputs only, never code, prompts, errors or
stderr. The index page (contents, downloads, colophon) and the Erklärung zur
Barrierefreiheit use the same page frame, and so does the area finder (every Sozialraum
by code, name and Kommune, linked to its profile) when the site lists areas. Every page
is checked before it is written: no external resources, no scripts other than the
package's own table script (``templates/sozialbericht/sozialbericht.js``, inline, byte
for byte), no machine paths or timestamps, alternative text on every image and a
heading hierarchy without skips. A problem raises
:class:`ReportRenderError` so that it is fixed at its source, not hidden in the report.
Output is deterministic: same inputs, same bytes.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from bs4 import BeautifulSoup, NavigableString, Tag
from bs4.dammit import EntitySubstitution
from bs4.formatter import HTMLFormatter
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets.config import Config

from analysis.common import fmt
from analysis.common.errors import UserError
from analysis.common.textcheck import TRACEBACK_MARK, path_matches, timestamp_matches
from analysis.contract.config import Wording

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "sozialbericht"
DEMO_BANNER = "Synthetische Demodaten – keine amtlichen Zahlen"
_WORDING = Wording()
PUBLISHER = "Herausgeber"  # placeholder: the build passes the configured publisher
INDEX_SLUG = "index"
ACCESSIBILITY_SLUG = "barrierefreiheit"
INDEX_TITLE = "Übersicht"
ACCESSIBILITY_TITLE = "Erklärung zur Barrierefreiheit"
FINDER_SLUG = "sozialraeume"
FINDER_TITLE = "Sozialraum finden"
#: the only script a page may carry (inline, exactly this text): sorting and filtering
#: of long tables; every page is complete without it
TABLE_SCRIPT = (TEMPLATE_DIR / TEMPLATE_NAME / "sozialbericht.js").read_text(encoding="utf-8")
#: tables with at least this many columns get the class ``breit`` (smaller type)
WIDE_COLUMNS = 6
#: column headers: words of at least this many letters get soft hyphens (U+00AD) at
#: syllable breaks with at least HYPHEN_MIN_PART letters on either side, so that a table
#: fits without relying on the browser's hyphenation dictionary (Chromium on Linux has none)
HYPHEN_MIN_WORD = 16
HYPHEN_MIN_PART = 6
SOFT_HYPHEN = "\u00ad"
_VOWELS = set("aeiouyäöüAEIOUYÄÖÜ")
_LONG_WORD_RE = re.compile(r"[^\W\d_]{" + str(HYPHEN_MIN_WORD) + ",}")
#: pages with at least this many h2 sections get a "nach oben" link before each further one
TOP_LINK_SECTIONS = 3

#: Output mime types in order of preference; anything else is refused.
MIME_PRIORITY = ("text/html", "image/svg+xml", "image/png", "text/markdown", "text/plain")
IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg")
#: nbconvert's fallback alt text; it must never reach a report.
NO_ALT_PLACEHOLDER = "No description has been provided for this image"
#: Cells with one of these tags are left out of the report entirely.
REMOVE_CELL_TAGS = ("remove_cell", "remove-cell")

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HEADING_RE = re.compile(r"^h[1-6]$")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_OBJECT_REPR_RE = re.compile(r"^\s*<[^<>\n]*>\s*$")
_DATA_URI_RE = re.compile(
    r"data:([\w.+-]+/[\w.+-]+)((?:;[\w.+-]+=[\w.+-]+)*)(;base64)?,([^\"'\s)<>]*)"
)
_EXTERNAL_URL_RE = re.compile(r"^\s*(?:[a-zA-Z][\w+.-]*:|//)")
# url(#id) refers to an element of the same page (clip path, hatch pattern of an inline SVG)
_CSS_URL_RE = re.compile(r"url\(\s*['\"]?\s*(?!data:|#)([^'\")\s]+)", re.IGNORECASE)
# names of inline SVG that the HTML parser of BeautifulSoup writes in lower case; browsers
# restore them, but the page keeps them as an SVG editor would expect
_SVG_NAMES = ("viewBox", "clipPath", "patternUnits", "clipPathUnits", "preserveAspectRatio",
              "gradientUnits", "linearGradient", "radialGradient", "textLength")
_SVG_NAME_RE = re.compile(r"(?<=[<\s/])(" + "|".join(n.lower() for n in _SVG_NAMES) + r")(?=[\s=>])")
_NUMBER_RE = re.compile(
    r"^[+\-−–]?\s?(?:\d{1,3}(?:[.\u00a0\u202f ]\d{3})+|\d+)(?:,\d+)?\s?(?:%|‰|€)?$"
)
#: Attributes that make the browser fetch something.
_FETCH_ATTRS = ("src", "srcset", "poster", "data", "action", "formaction", "background", "ping")
_FETCH_SET = frozenset(_FETCH_ATTRS)
_FORBIDDEN_TAGS = ("script", "iframe", "object", "embed", "link", "base", "frame", "frameset")


class ReportRenderError(UserError):
    """A chapter cannot be published as it is; the message names notebook, cell and fix."""


@dataclass(frozen=True)
class Page:
    """One chapter of a report."""

    slug: str  # file name without .html, e.g. "20_armut"
    title: str  # German title for nav and <title>
    notebook: Path  # executed notebook (.ipynb) to render
    sha256: str | None = None  # if given, the notebook's bytes must have this digest
    # slug of the page it belongs to (a Steckbrief: its Kommunalprofil); such a page is
    # listed under its parent in the contents, not in the chapter navigation
    parent: str = ""


@dataclass(frozen=True)
class SiteMeta:
    """Everything about one report site that is not chapter content."""

    site_title: str  # e.g. "Sozialbericht 2021"
    edition: str  # e.g. "Ausgabe 2021"
    data_hash: str  # short hex
    parameters: dict  # report parameters shown in the colophon (sorted keys)
    version: str  # package version
    is_demo: bool  # show the demo banner on every page
    other_site: tuple[str, str] | None = None  # (relative href, label) of the sibling report
    downloads: tuple[tuple[str, str], ...] = ()  # (relative href, label) on the index page
    publisher: str = PUBLISHER  # authority named in the page header and statements
    # contact for the accessibility statement: (kind, value), kind one of
    # stelle, behoerde, anschrift, email, telefon; empty = placeholder text
    contact: tuple[tuple[str, str], ...] = ()
    # accessibility statement: legal basis and enforcement (text of the Land, from config;
    # default: the configuration's neutral wording)
    legal_basis: str = _WORDING.rechtsgrundlage_barrierefreiheit
    enforcement: str = _WORDING.durchsetzung_barrierefreiheit
    data_date: str = ""  # "Datenstand" as a date, e.g. "31.12.2023" (reference date + report year)
    # area finder (page sozialraeume.html): (code, name, Kommune, href of the profile);
    # empty = no finder page
    areas: tuple[tuple[str, str, str, str], ...] = ()


# --------------------------------------------------------------------------- public API


def slugify(text: str) -> str:
    """Stable anchor id from German text.

    „Armut in den Sozialräumen“ → ``armut-in-den-sozialraeumen`` (umlauts transliterated,
    other accents dropped, runs of other characters become one hyphen)."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"}))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text or "abschnitt"


def heading_problems(html: str, soup: BeautifulSoup | None = None) -> list[str]:
    """Problems of the heading hierarchy in ``<main>`` (or the whole document if none).

    Expected: exactly one h1, it comes first, and each further heading goes down at
    most one level at a time (h1 → h2 → h3, never h2 → h4). Empty headings are problems
    too. Returns German messages; an empty list means the structure is fine. ``soup``:
    the page already parsed (it is not parsed again).
    """
    soup = soup if soup is not None else _parse(html)
    scope = soup.find("main") or soup
    # one walk over all elements, filtered here (quicker than a name pattern in find_all)
    headings = [el for el in scope.find_all(True) if _HEADING_RE.match(el.name)]
    problems: list[str] = []
    if not headings:
        return ["Keine Überschrift gefunden; erwartet wird eine Überschrift erster Ebene (# …)."]
    h1 = [h for h in headings if h.name == "h1"]
    if not h1:
        problems.append("Keine Überschrift erster Ebene (h1, in Markdown „# …“) gefunden.")
    elif len(h1) > 1:
        names = ", ".join(f"„{_text(h)}“" for h in h1)
        problems.append(f"Mehr als eine Überschrift erster Ebene (h1): {names}.")
    first = headings[0]
    if first.name != "h1":
        problems.append(
            f"Die erste Überschrift „{_text(first)}“ ist {first.name}, erwartet wird h1."
        )
    previous = int(first.name[1])
    for heading in headings:
        level = int(heading.name[1])
        if not _text(heading) and not heading.find("img", alt=True):
            problems.append(f"Leere Überschrift ({heading.name}).")
        if level > previous + 1:
            problems.append(
                f"Überschrift „{_text(heading)}“ springt von h{previous} auf h{level}; "
                f"bitte keine Ebene auslassen."
            )
        previous = level
    return problems


def render_page(page: Page, site: SiteMeta, pages: list[Page]) -> str:
    """HTML of one chapter, rendered from its executed notebook with our template.

    Raises :class:`ReportRenderError` when the notebook has an error output, output on
    stderr, an image without alternative text, an unsupported output, a heading
    hierarchy with skips, or anything that would leak paths or load external resources.
    """
    return _render_chapter(page, site, pages, _exporter())


def assemble_site(pages: list[Page], site: SiteMeta, out_dir: Path, jobs: int = 1,
                  rendered: dict[str, str] | None = None) -> list[Path]:
    """Write index.html, one HTML file per chapter, sozialraeume.html (the area finder, if
    ``site.areas``) and barrierefreiheit.html to ``out_dir``.

    All pages are rendered and checked before the first file is written (with
    ``jobs`` > 1 in parallel processes; the result is the same). Returns the written
    paths: index, chapters in the given order, area finder, Barrierefreiheit. ``rendered`` maps slugs
    to pages already rendered in an earlier build with the same inputs; they go through
    the same final checks as freshly rendered pages, and one that fails is rendered anew.
    """
    _check_site(pages, site)
    # a reused page that fails a final check is rendered afresh (and checked again);
    # with jobs > 1 the checks run in parallel (the same checks, the same result)
    reused = sorted((rendered or {}).items())
    if jobs > 1 and len(reused) > 8:
        from concurrent.futures import ProcessPoolExecutor

        from analysis.common.interrupt import worker_signals

        with ProcessPoolExecutor(max_workers=jobs, initializer=worker_signals) as pool:
            verdicts = list(pool.map(finished_page_problems, [h for _, h in reused],
                                     chunksize=8))
    else:
        verdicts = [finished_page_problems(h) for _, h in reused]
    rendered = {slug: html for (slug, html), bad in zip(reused, verdicts, strict=True)
                if not bad}
    documents: list[tuple[str, str]] = [(INDEX_SLUG, _render_index(site, pages))]
    todo = [p for p in pages if p.slug not in rendered]
    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        # site and page list go to each worker once (not with every page: their size
        # grows with the number of pages); the pages follow in chunks
        with ProcessPoolExecutor(max_workers=min(jobs, len(todo)),
                                 initializer=_start_render_worker,
                                 initargs=(site, pages)) as pool:
            htmls = list(pool.map(_render_in_worker, todo,
                                  chunksize=max(1, len(todo) // (8 * jobs))))
    else:
        exporter = _exporter() if todo else None
        htmls = [_render_chapter(page, site, pages, exporter) for page in todo]
    fresh = dict(zip([p.slug for p in todo], htmls, strict=True))
    documents += [(page.slug, rendered.get(page.slug) or fresh[page.slug]) for page in pages]
    if site.areas:
        documents.append((FINDER_SLUG, _render_finder(site, pages)))
    documents.append((ACCESSIBILITY_SLUG, _render_accessibility(site, pages)))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for slug, html in documents:
        path = out_dir / f"{slug}.html"
        path.write_text(html, encoding="utf-8", newline="\n")
        written.append(path)
    return written


# --------------------------------------------------------------------------- rendering
_WORKER: tuple[HTMLExporter, SiteMeta, list[Page]] | None = None


def _start_render_worker(site: SiteMeta, pages: list[Page]) -> None:
    """Initialise a worker process: signals, exporter, the site and its pages."""
    from analysis.common.interrupt import worker_signals

    global _WORKER
    worker_signals()
    _WORKER = (_exporter(), site, pages)


def _render_in_worker(page: Page) -> str:
    """One chapter in a worker process started by :func:`_start_render_worker`."""
    assert _WORKER is not None, "worker not initialised"
    exporter, site, pages = _WORKER
    return _render_chapter(page, site, pages, exporter)



class _Exporter(HTMLExporter):
    """nbconvert's HTML exporter without its final BeautifulSoup pass.

    ``HTMLExporter.from_notebook_node`` parses and re-serialises every page to add an
    alt text to images without one and ``tabindex`` to Jupyter's cell wrappers. Our
    template writes neither such an image nor such a wrapper, and :func:`_finish` parses
    (and checks) each page anyway, so the pass only cost time (a third of a page's)."""

    def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        self.register_filter("highlight_code", self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
        resources = self._init_resources(resources)
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


class _Shared(dict):
    """Page context handed to the template unchanged: nbconvert deep-copies the
    resources of every page, and the context (navigation, area list) grows with the
    number of pages; the template only reads it."""

    def __deepcopy__(self, memo: dict) -> _Shared:
        return self


def _exporter() -> HTMLExporter:
    config = Config()
    config.NbConvertBase.display_data_priority = list(MIME_PRIORITY)
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    config.HTMLExporter.embed_images = True
    config.HTMLExporter.sanitize_html = False
    config.HTMLExporter.language_code = "de"
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    # validate the notebook once after all preprocessors, not after each of them (eleven
    # times a page, most of them disabled ones)
    config.Exporter.optimistic_validation = True
    return _Exporter(
        config=config,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        template_name=TEMPLATE_NAME,
    )


def _render_chapter(page: Page, site: SiteMeta, pages: list[Page], exporter: HTMLExporter) -> str:
    index = _page_index(page, pages)
    label = f"Kapitel „{page.title}“ ({Path(page.notebook).name})"
    if not Path(page.notebook).is_file():
        raise ReportRenderError(f"{label}: Notebook nicht gefunden. Wurde das Kapitel ausgeführt?")
    raw = Path(page.notebook).read_bytes()  # read once: exactly these bytes are checked
    if page.sha256 is not None and hashlib.sha256(raw).hexdigest() != page.sha256:
        raise ReportRenderError(f"{label}: das ausgeführte Notebook wurde während des Builds "
                                "verändert; den Build wiederholen.")
    nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    nb = _prepare_notebook(nb, label)
    prev = (
        _link(INDEX_SLUG, INDEX_TITLE)
        if index == 0
        else _link(pages[index - 1].slug, pages[index - 1].title)
    )
    nxt = _link(pages[index + 1].slug, pages[index + 1].title) if index + 1 < len(pages) else None
    context = _context(site, pages, current=page.slug, title=page.title, prev=prev, next=nxt)
    resources = {
        "metadata": {"name": page.slug, "path": str(Path(page.notebook).parent)},
        "sb": _Shared(context),
    }
    html, _ = exporter.from_notebook_node(nb, resources=resources)
    return _finish(html, label)


def write_index(site: SiteMeta, pages: list[Page], out_dir: Path,
                pdf: tuple[str, str, str] | None = None) -> Path:
    """(Re)write ``index.html`` in ``out_dir``; with ``pdf`` = (relative href, label, size
    in German notation) it links the PDF edition of the report."""
    path = Path(out_dir) / f"{INDEX_SLUG}.html"
    path.write_text(_render_index(site, pages, pdf), encoding="utf-8", newline="\n")
    return path


def _render_index(site: SiteMeta, pages: list[Page],
                  pdf: tuple[str, str, str] | None = None) -> str:
    nxt = _link(pages[0].slug, pages[0].title) if pages else None
    context = _context(site, pages, current=INDEX_SLUG, title=INDEX_TITLE, prev=None, next=nxt)
    if pdf is not None:
        href, label, size = pdf
        if _EXTERNAL_URL_RE.match(href) or href.startswith(("/", "\\")):
            raise ReportRenderError(f"Link {href!r} muss relativ sein.")
        context["pdf"] = {"href": href, "label": label, "size": size}
    html = _static_env().get_template("uebersicht.html.j2").render(resources={"sb": context})
    return _finish(html, "Übersichtsseite")


def _render_accessibility(site: SiteMeta, pages: list[Page]) -> str:
    context = _context(
        site, pages, current=ACCESSIBILITY_SLUG, title=ACCESSIBILITY_TITLE, prev=None, next=None
    )
    html = _static_env().get_template("barrierefreiheit.html.j2").render(resources={"sb": context})
    return _finish(html, "Erklärung zur Barrierefreiheit")


def _render_finder(site: SiteMeta, pages: list[Page]) -> str:
    context = _context(site, pages, current=FINDER_SLUG, title=FINDER_TITLE, prev=None, next=None)
    html = _static_env().get_template("sozialraeume.html.j2").render(resources={"sb": context})
    return _finish(html, FINDER_TITLE)


def _static_env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR / TEMPLATE_NAME)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _context(
    site: SiteMeta,
    pages: list[Page],
    *,
    current: str,
    title: str,
    prev: dict | None,
    next: dict | None,  # noqa: A002 - template name
) -> dict[str, Any]:
    chapters, parents = _chapters(tuple((p.slug, p.title, p.parent) for p in pages))
    parent = parents.get(current, "")
    nav = [
        dict(item, current=item["slug"] == current, section=item["slug"] == parent)
        for item in [_link(INDEX_SLUG, INDEX_TITLE), *chapters]
    ]
    document_title = site.site_title if current == INDEX_SLUG else f"{title} – {site.site_title}"
    return {
        "document_title": document_title,
        "publisher": site.publisher,
        "contact": _contact(site.contact),
        "legal_basis": site.legal_basis,
        "enforcement": site.enforcement,
        "site_title": site.site_title,
        "edition": site.edition,
        "data_hash": site.data_hash,
        "data_date": site.data_date,
        "version": site.version,
        "is_demo": site.is_demo,
        "other_site": {"href": site.other_site[0], "label": site.other_site[1]}
        if site.other_site
        else None,
        "downloads": [{"href": href, "label": label} for href, label in site.downloads],
        "parameters": [
            {"key": str(k), "value": _format_parameter(v)}
            for k, v in sorted(site.parameters.items())
        ],
        "chapters": chapters,
        "pdf": None,  # the PDF edition: {"href", "label", "size"} (index page only)
        "nav": nav,
        "finder": {"href": f"{FINDER_SLUG}.html", "title": FINDER_TITLE,
                   "current": current == FINDER_SLUG} if site.areas else None,
        "areas": _area_rows(site.areas),
        "areas_phrase": fmt.count_words(len(site.areas), "Sozialraum", "Sozialräume", "m", "akk"),
        "prev": prev,
        "next": next,
    }


@lru_cache(maxsize=4)
def _area_rows(areas: tuple[tuple[str, str, str, str], ...]) -> list[dict[str, str]]:
    """The rows of the area finder, made once per site (every page's context has them;
    the templates only read them)."""
    return [{"code": c, "name": n, "kommune": k, "href": h} for c, n, k, h in areas]


@lru_cache(maxsize=8)
def _chapters(pages: tuple[tuple[str, str, str], ...]
              ) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The contents of a site (chapters with the pages under them) and slug → parent,
    from (slug, title, parent) of its pages; made once per site, not once per page (the
    templates only read them)."""
    children: dict[str, list[dict[str, str]]] = {}
    for slug, title, parent in pages:
        if parent:
            children.setdefault(parent, []).append(_link(slug, title))
    for items in children.values():  # "Steckbrief AC 1 Mitte" → "AC 1 Mitte" in the list
        first = {item["title"].split(" ", 1)[0] for item in items}
        if len(first) == 1 and all(" " in item["title"] for item in items):
            for item in items:
                item["label"] = item["title"].split(" ", 1)[1]
    chapters = [dict(_link(slug, title), pages=children.get(slug, []))
                for slug, title, parent in pages if not parent]
    parents: dict[str, str] = {}
    for slug, _title, parent in pages:  # as "".join over equal slugs did
        parents[slug] = parents.get(slug, "") + parent
    return chapters, parents


def _contact(items: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """Lines of the contact address: ``{"label", "text", "href"}`` (href for e-mail/phone).

    Without e-mail and postal address a visible note says that the contact is still
    missing (the build refuses that for reports on real data)."""
    data = {kind: value.strip() for kind, value in items if value and value.strip()}
    lines = [{"label": "", "text": data[k], "href": ""} for k in ("stelle", "behoerde")
             if k in data]
    lines += [{"label": "", "text": part.strip(), "href": ""}
              for part in data.get("anschrift", "").split("|") if part.strip()]
    if "email" in data:
        lines.append({"label": "E-Mail: ", "text": data["email"], "href": f"mailto:{data['email']}"})
    if "telefon" in data:
        lines.append({"label": "Telefon: ", "text": data["telefon"],
                      "href": "tel:" + re.sub(r"[^+0-9]", "", data["telefon"])})
    if not (data.get("email") or data.get("anschrift")):
        lines.append({"label": "", "href": "",
                      "text": "E-Mail, Telefon und Anschrift trägt die herausgebende Stelle vor "
                              "der Veröffentlichung ein."})
    return lines


def _link(slug: str, title: str) -> dict[str, str]:
    return {"slug": slug, "href": f"{slug}.html", "title": title}


def _format_parameter(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _page_index(page: Page, pages: list[Page]) -> int:
    for i, candidate in enumerate(pages):
        if candidate.slug == page.slug:
            return i
    raise ValueError(f"Seite {page.slug!r} fehlt in der Seitenliste {[p.slug for p in pages]}.")


# --------------------------------------------------------------------------- checks


def _check_site(pages: list[Page], site: SiteMeta) -> None:
    slugs = [p.slug for p in pages]
    problems = []
    for p in pages:
        if p.parent and p.parent not in slugs:
            problems.append(f"Seite {p.slug!r} gehört zu {p.parent!r}, die es nicht gibt.")
    for slug in slugs:
        if not _SLUG_RE.match(slug):
            problems.append(f"Ungültiger Seitenname {slug!r} (erlaubt: a–z, 0–9, _ und -).")
        if slug in (INDEX_SLUG, ACCESSIBILITY_SLUG, FINDER_SLUG):
            problems.append(
                f"Seitenname {slug!r} ist für die Übersicht/Barrierefreiheit/Sozialraumsuche "
                "reserviert."
            )
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        problems.append(f"Doppelte Seitennamen: {', '.join(duplicates)}.")
    links = (list(site.downloads) + ([site.other_site] if site.other_site else [])
             + [(href, code) for code, _, _, href in site.areas])
    for href, _label in links:
        if _EXTERNAL_URL_RE.match(href) or href.startswith(("/", "\\")):
            problems.append(
                f"Link {href!r} muss relativ sein (keine Adresse im Internet, kein absoluter Pfad)."
            )
    if problems:
        raise ReportRenderError(
            "Bericht kann nicht zusammengestellt werden:\n- " + "\n- ".join(problems)
        )


def _prepare_notebook(nb: nbformat.NotebookNode, label: str) -> nbformat.NotebookNode:
    """Refuse outputs that must not be published; hand image alt texts to the template.

    Returns a copy; the alt text of each image output is stored in
    ``output.metadata["sozialbericht_alt"]``."""
    nb = copy.deepcopy(nb)
    for number, cell in enumerate(nb.cells, start=1):
        if set(cell.get("metadata", {}).get("tags", [])) & set(REMOVE_CELL_TAGS):
            continue
        if cell.cell_type != "code":
            continue
        where = f"{label}, Zelle {number}"
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "error":
                message = _ANSI_RE.sub("", f"{output.get('ename', '')}: {output.get('evalue', '')}")
                raise ReportRenderError(
                    f"{where}: Die Zelle endete mit einem Fehler ({message.strip()}). "
                    "Ein Bericht darf keine Fehlermeldung enthalten – bitte das Notebook "
                    "korrigieren und neu ausführen."
                )
            if kind == "stream":
                if output.get("name") != "stdout":
                    first = _ANSI_RE.sub("", str(output.get("text", ""))).strip().splitlines()[:1]
                    raise ReportRenderError(
                        f"{where}: Ausgabe auf stderr ({first[0] if first else 'leer'}). "
                        "Warnungen und Fehlermeldungen gehören nicht in den Bericht – bitte die "
                        "Ursache im Paket beheben."
                    )
                continue
            if kind in ("display_data", "execute_result"):
                _prepare_display(output, cell, where)
    return nb


def _prepare_display(
    output: nbformat.NotebookNode, cell: nbformat.NotebookNode, where: str
) -> None:
    data = output.get("data", {})
    mime = next((m for m in MIME_PRIORITY if m in data), None)
    if mime is None:
        raise ReportRenderError(
            f"{where}: Ausgabeformat nicht unterstützt ({', '.join(sorted(data)) or 'leer'}). "
            f"Erlaubt sind {', '.join(MIME_PRIORITY)}."
        )
    if mime in IMAGE_MIMES:
        metadata = output.get("metadata", {})
        alt = (
            (metadata.get(mime) or {}).get("alt")
            or metadata.get("alt")
            or cell.get("metadata", {}).get("alt")
            or ""
        ).strip()
        if not alt or alt == NO_ALT_PLACEHOLDER:
            raise ReportRenderError(
                f"{where}: Bild ({mime}) ohne Alternativtext. Abbildungen bitte über das Paket "
                "(figures) als <figure> mit alt-Text und Tabelle ausgeben."
            )
        output.setdefault("metadata", {})["sozialbericht_alt"] = alt
    if mime == "text/plain":
        text = str(data["text/plain"])
        if _OBJECT_REPR_RE.match(text):
            raise ReportRenderError(
                f"{where}: Ausgabe ist nur die Textdarstellung eines Objekts "
                f"({text.strip()[:60]}). Bitte die Zeile mit „;“ beenden oder das Objekt "
                "über das Paket darstellen."
            )


class _MinimalFormatter(HTMLFormatter):
    """BeautifulSoup's ``"minimal"`` formatter (``&``, ``<`` and ``>`` escaped, as
    ``str(soup)`` writes a page), quicker for the many strings that hold none of them."""

    def substitute(self, ns: str) -> str:
        if "&" not in ns and "<" not in ns and ">" not in ns:
            return ns
        return super().substitute(ns)


_MINIMAL = _MinimalFormatter(entity_substitution=EntitySubstitution.substitute_xml)


def _parse(html: str) -> BeautifulSoup:
    """A page parsed for post-processing and checks (without the source position of each
    tag, which nothing reads: a tenth of the parsing time)."""
    return BeautifulSoup(html, "html.parser", store_line_numbers=False)


def finished_page_problems(html: str) -> list[str]:
    """The final checks of :func:`_finish` on a finished page (e.g. one from a cache)."""
    soup = _parse(html)
    problems = [] if soup.find("main") else ["Seite ohne <main>."]
    if not html.endswith("\n"):
        problems.append("Seite endet nicht mit einem Zeilenumbruch (abgeschnitten?).")
    return problems + _page_problems(soup, html) + heading_problems(html, soup)


def _finish(html: str, label: str) -> str:
    """Post-process one page (anchors, table wrappers, numeric cells) and check it."""
    soup = _parse(html)
    main = soup.find("main")
    if main is None:
        raise ReportRenderError(f"{label}: Seitenvorlage ohne <main>.")
    _anchor_headings(soup, main)
    _wrap_tables(main)
    _top_links(soup, main)
    result = _svg_case(soup.decode(formatter=_MINIMAL))
    if not result.endswith("\n"):
        result += "\n"
    problems = _page_problems(soup, result)
    problems += heading_problems(result, soup)
    if problems:
        raise ReportRenderError(
            f"{label}: Seite kann nicht veröffentlicht werden:\n- " + "\n- ".join(problems)
        )
    return result


def _svg_case(html: str) -> str:
    """Restore the camelCase SVG names (``viewBox``, ``clipPath`` …) inside ``<svg>``."""
    proper = {n.lower(): n for n in _SVG_NAMES}

    def tag(m: re.Match[str]) -> str:  # names in tags only, never in text
        return _SVG_NAME_RE.sub(lambda n: proper[n.group(1)], m.group(0))

    def block(m: re.Match[str]) -> str:
        return re.sub(r"<[^<>]*>", tag, m.group(0))

    return re.sub(r"<svg\b.*?</svg>", block, html, flags=re.S)


def _anchor_headings(soup: BeautifulSoup, main: Tag) -> None:
    # one walk each over the page and <main>, filtered here (as find_all would, in order)
    everything = soup.find_all(True)
    in_main = main.find_all(True)
    headings = [el for el in in_main if _HEADING_RE.match(el.name)]
    heading_ids = {id(h) for h in headings}
    used = {el["id"] for el in everything
            if el.get("id") is not None and id(el) not in heading_ids}
    renamed: dict[str, str] = {}
    for heading in headings:
        base = slugify(_text(heading))
        candidate, n = base, 1
        while candidate in used:
            n += 1
            candidate = f"{base}-{n}"
        used.add(candidate)
        old = heading.get("id")
        if old and old not in renamed:
            renamed[old] = candidate
        heading["id"] = candidate
    # In-page links written against Jupyter's ids (``#Entwicklung-seit-2018``) follow the
    # new ids; a link that still points nowhere is reported by _page_problems.
    targets = {el["id"] for el in everything if el.get("id") is not None}
    for link in (el for el in in_main if el.name == "a" and el.get("href") is not None):
        href = link["href"]
        if not href.startswith("#") or href[1:] in targets:
            continue
        fragment = href[1:]
        if fragment in renamed:
            link["href"] = "#" + renamed[fragment]
        elif slugify(fragment) in targets:
            link["href"] = "#" + slugify(fragment)


def _top_links(soup: BeautifulSoup, main: Tag) -> None:
    """A "nach oben" link before every h2 but the first on long pages (many sections)."""
    sections = main.find_all("h2")
    if len(sections) < TOP_LINK_SECTIONS:
        return
    for heading in sections[1:]:
        paragraph = soup.new_tag("p", attrs={"class": "nach-oben"})
        link = soup.new_tag("a", href="#seitenanfang")
        link.string = "nach oben"
        paragraph.append(link)
        heading.insert_before(paragraph)


@lru_cache(maxsize=1)
def _dictionary():
    import pyphen

    return pyphen.Pyphen(lang="de_DE")


@lru_cache(maxsize=4096)
def hyphenate_word(word: str) -> str:
    """``word`` with soft hyphens at safe syllable breaks (German dictionary of pyphen).

    Conservative: only words of :data:`HYPHEN_MIN_WORD` letters or more, a break only
    with :data:`HYPHEN_MIN_PART` letters on each side, and syllables without a vowel are
    joined to the one before (the dictionary's "Beda-rfs" becomes "Bedarfs")."""
    if len(word) < HYPHEN_MIN_WORD or SOFT_HYPHEN in word:
        return word
    parts: list[str] = []
    for part in _dictionary().inserted(word, hyphen="\0").split("\0"):
        if parts and not set(part) & _VOWELS:
            parts[-1] += part
        else:
            parts.append(part)
    out, done = "", 0
    for part in parts:
        if out and done >= HYPHEN_MIN_PART and len(word) - done >= HYPHEN_MIN_PART:
            out += SOFT_HYPHEN
        out += part
        done += len(part)
    return out


def _hyphenate_headers(table: Tag) -> None:
    """Soft hyphens in long words of the column headers (the text is otherwise unchanged)."""
    head = table.find("thead")
    if head is None:
        return
    for text in head.find_all(string=_LONG_WORD_RE):
        text.replace_with(_LONG_WORD_RE.sub(lambda m: hyphenate_word(m.group(0)), str(text)))


def _wrap_tables(main: Tag) -> None:
    """Every table in a labelled, focusable region (it scrolls on a phone); wide tables
    (:data:`WIDE_COLUMNS` columns or more) get the class ``breit`` (smaller type)."""
    for number, table in enumerate(main.find_all("table"), start=1):
        _mark_numeric_cells(table)
        _hyphenate_headers(table)
        parent = table.parent
        if isinstance(parent, Tag) and "tabelle" in (parent.get("class") or []):
            wrapper = parent
        else:
            wrapper = table.wrap(BeautifulSoup("", "html.parser").new_tag("div"))
            wrapper["class"] = ["tabelle"]
        head = table.find("thead")
        columns = max((len(row.find_all(["th", "td"], recursive=False))
                       for row in head.find_all("tr")), default=0) if head else 0
        classes = list(wrapper.get("class") or [])
        if columns >= WIDE_COLUMNS and "breit" not in classes:
            wrapper["class"] = [*classes, "breit"]
        if not wrapper.get("aria-label") and not wrapper.get("aria-labelledby"):
            caption = table.find("caption")
            wrapper["aria-label"] = (_text(caption) if caption else "") or f"Tabelle {number}"
        wrapper["role"] = "region"
        wrapper["tabindex"] = "0"


def _mark_numeric_cells(table: Tag) -> None:
    """Add class ``num`` to cells that hold a German-formatted number (right-aligned).

    Tables with class ``text-tabelle`` are left alone."""
    if "text-tabelle" in (table.get("class") or []):
        return
    inner = table.find_all(True)  # one walk; the steps below filter it (in document order)
    for cell in (el for el in inner if el.name == "td"):
        classes = cell.get("class") or []
        if "num" not in classes and _NUMBER_RE.match(_cell_text(cell)):
            cell["class"] = [*classes, "num"]
    if any(el.get("colspan") is not None or el.get("rowspan") is not None for el in inner):
        return
    head = next((el for el in inner if el.name == "thead"), None)
    if head is None or table.find_parent("thead") is not None:
        return
    in_head = {id(r) for el in inner if el.name == "thead" for r in el.find_all("tr")}
    body_rows = [r for r in inner if r.name == "tr" and id(r) not in in_head
                 and any(getattr(d, "name", None) == "td" for d in r.descendants)]
    if not body_rows:
        return
    cells = [[c for c in r.children if getattr(c, "name", None) in ("td", "th")]
             for r in body_rows]
    width = max(len(c) for c in cells)
    # the header rows' cells, found once (the loop below changes classes only)
    head_rows = [row.find_all(["td", "th"], recursive=False) for row in head.find_all("tr")]
    for column in range(width):
        column_cells = [c[column] for c in cells if len(c) > column]
        if column_cells and all(
            c.name == "td" and "num" in (c.get("class") or []) for c in column_cells
        ):
            for head_cells in head_rows:
                if len(head_cells) == width:
                    classes = head_cells[column].get("class") or []
                    if "num" not in classes:
                        head_cells[column]["class"] = [*classes, "num"]


def _page_problems(soup: BeautifulSoup, html: str) -> list[str]:
    problems: list[str] = []
    # one walk over the page; the checks below pick their elements from it (in document
    # order, as find_all would)
    elements = soup.find_all(True)
    names = {element.name for element in elements}
    for script in (e for e in elements if e.name == "script"):
        if script.attrs or (script.string or "").strip() != TABLE_SCRIPT.strip():
            problems.append("Element <script> ist nicht erlaubt (nur das Tabellenskript des "
                            "Pakets, unverändert und ohne Attribute).")
    for name in _FORBIDDEN_TAGS:
        if name == "script":
            continue
        if name in names:
            problems.append(
                f"Element <{name}> ist nicht erlaubt (keine Skripte, keine externen Inhalte)."
            )
    for element in elements:
        attrs = element.attrs
        if not attrs:  # most elements of a page (table cells, rows, paragraphs)
            continue
        for attr in _FETCH_ATTRS if not _FETCH_SET.isdisjoint(attrs) else ():
            value = attrs.get(attr)
            if isinstance(value, str) and not value.strip().startswith("data:"):
                problems.append(
                    f'<{element.name} {attr}="{value[:80]}"> lädt eine Datei nach; Bilder und '
                    "Grafiken müssen eingebettet sein (data:-URI)."
                )
        href = attrs.get("href")
        if isinstance(href, str) and href.strip().lower().startswith(("file:", "javascript:")):
            problems.append(f"Link auf {href[:80]!r} ist nicht erlaubt.")
        if any(a.lower().startswith("on") for a in element.attrs):
            problems.append(f"<{element.name}> hat ein Ereignis-Attribut (JavaScript).")
        style = element.get("style")
        if isinstance(style, str):
            problems.extend(_css_problems(style))
    for style in (e for e in elements if e.name == "style"):
        problems.extend(_css_problems(style.get_text()))
    for img in (e for e in elements if e.name == "img"):
        alt = img.get("alt")
        if alt is None or alt.strip() == NO_ALT_PLACEHOLDER:
            problems.append(f"Bild ohne Alternativtext ({str(img.get('src', ''))[:40]}…).")
        elif not alt.strip() and img.find_parent("figure") is not None:
            problems.append("Abbildung mit leerem Alternativtext.")
    ids = Counter(el["id"] for el in elements if el.get("id") is not None)
    duplicates = sorted(i for i, n in ids.items() if n > 1)
    if duplicates:
        problems.append(f"Doppelte id-Attribute: {', '.join(duplicates)}.")
    for link in (e for e in elements if e.name == "a" and e.get("href") is not None):
        if link["href"].startswith("#") and link["href"][1:] not in ids:
            problems.append(f"Link „{_text(link)}“ auf {link['href']} führt ins Leere.")
    if not any(e.name == "html" and e.get("lang") == "de" for e in elements):
        problems.append('<html lang="de"> fehlt.')
    text = _DATA_URI_RE.sub("data:…", html)
    if TRACEBACK_MARK in text:
        problems.append("Die Seite enthält eine Python-Fehlermeldung (Traceback).")
    problems.extend(_leak_problems(text, "Seite"))
    for svg in _embedded_svgs(html):
        problems.extend(_leak_problems(svg, "eingebettete SVG-Grafik"))
    return problems


def _css_problems(css: str) -> list[str]:
    problems = []
    if "@import" in css:
        problems.append("CSS @import ist nicht erlaubt.")
    for match in _CSS_URL_RE.finditer(css):
        problems.append(f"CSS url({match.group(1)[:60]}) lädt eine externe Ressource.")
    return problems


def _leak_problems(text: str, where: str) -> list[str]:
    # one implementation with the validator (``validate`` refuses such input up front)
    problems = []
    for match in sorted(set(path_matches(text))):
        start = text.find(match)
        snippet = text[max(0, start - 20) : start + 40].replace("\n", " ")
        problems.append(
            f"{where} enthält einen Rechnerpfad („…{snippet}…“); bitte an der Quelle entfernen."
        )
    for match in sorted(set(timestamp_matches(text))):
        problems.append(
            f"{where} enthält einen Zeitstempel ({match}); Ausgaben müssen reproduzierbar sein."
        )
    return problems


def _embedded_svgs(html: str) -> Iterable[str]:
    for match in _DATA_URI_RE.finditer(html):
        if match.group(1) != "image/svg+xml" or not match.group(3):
            continue
        try:
            yield base64.b64decode(match.group(4)).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            continue


def _cell_text(cell: Tag) -> str:
    """:func:`_text` of a table cell; quicker for the usual cell of one plain string."""
    contents = cell.contents
    if len(contents) == 1 and type(contents[0]) is NavigableString:
        return " ".join(contents[0].split())
    return _text(cell)


def _text(element: Tag | None) -> str:
    if element is None:
        return ""
    return " ".join(element.get_text(" ", strip=True).split())
