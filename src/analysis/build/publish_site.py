"""Write both report sites (pages + downloads) into a staging folder."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from analysis.build.outdir import subdir
from analysis.common import fmt, trust
from analysis.rendering.assemble import Page, SiteMeta, assemble_site, write_index
from analysis.rendering.tables import csv_bytes, xlsx_bytes

SITE_TITLES = {"sozialbericht": "Sozialbericht", "handlungskonzept": "Handlungskonzept-Anhang"}


def package_version() -> str:
    try:
        return version("analysis")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unbekannt"


def _parameters(ctx) -> dict:
    cfg = ctx.cfg
    b = cfg.bedarf
    return {
        "Berichtsjahr": str(cfg.berichtsjahr),
        "Vergleichsjahr": str(cfg.vergleichsjahr or "–"),
        # formatted as in the method annex's table of parameters (two decimals)
        "Regeln (Index regional / kommunal / absolut)":
            f"{fmt.number(b.regional_index, 2)} / {fmt.number(b.kommunal_faktor, 2)}× und "
            f"{fmt.number(b.kommunal_index, 2)} / {fmt.number(b.absolut_index, 2)}"
            f" und oberste {fmt.percent(b.absolut_anteil * 100, 0)}",
        "Geheimhaltung: Mindestanzahl": fmt.number(cfg.geheimhaltung.mindestanzahl),
        "Konfiguration (Hash)": ctx.config_hash,
    }


def _downloads(files_of: list) -> tuple[dict[str, bytes], tuple[tuple[str, str], ...]]:
    """Download files (name → bytes) and the index page's links for one site, from
    :func:`analysis.views.downloads.download_files`: per table a CSV, its explanation
    as ``<name>_erlaeuterung.csv`` and an XLSX with the data sheet and the sheet
    „Erläuterung“."""
    from analysis.views.downloads import NOTES_SHEET, NOTES_SUFFIX

    files, links = {}, []
    for d in files_of:
        files[f"{d.stem}.csv"] = csv_bytes(d.data)
        files[f"{d.stem}{NOTES_SUFFIX}.csv"] = csv_bytes(d.notes)
        files[f"{d.stem}.xlsx"] = xlsx_bytes(d.data, sheet_name=d.stem[:31],
                                             more_sheets=((NOTES_SHEET, d.notes),))
        links.append((f"downloads/{d.stem}.csv", f"{d.label} (CSV)"))
        links.append((f"downloads/{d.stem}{NOTES_SUFFIX}.csv",
                      f"{d.label}: {NOTES_SHEET} der Spalten (CSV)"))
        links.append((f"downloads/{d.stem}.xlsx", f"{d.label} (Excel)"))
    return files, tuple(links)


def _pack(files: dict[str, bytes], links: tuple) -> bytes:
    return json.dumps({"links": links, "files": {k: base64.b64encode(v).decode("ascii")
                                                 for k, v in sorted(files.items())}}).encode()


def _unpack(payload: bytes) -> tuple[dict[str, bytes], tuple[tuple[str, str], ...]] | None:
    try:
        raw = json.loads(payload)
        files = {str(k): base64.b64decode(v, validate=True) for k, v in raw["files"].items()}
        links = tuple((str(a), str(b)) for a, b in raw["links"])
    except (ValueError, KeyError, TypeError):
        return None
    if any("/" in k or k.startswith(".") for k in files):
        return None
    return files, links


def site_downloads(ctx, cache: Path | None = None
                   ) -> dict[str, tuple[dict[str, bytes], tuple[tuple[str, str], ...]]]:
    """The download files and index links of both sites (site → (name → bytes, links)):
    from ``cache`` when data, configuration and package are unchanged, else made anew
    (and kept there). The build makes them while the chapter kernels run."""
    from analysis.method.context import package_hash

    pkg = package_hash()
    key = trust.build_key()
    dl_key = hashlib.sha256(f"{ctx.ds.data_hash}|{ctx.config_hash}|{pkg}".encode()).hexdigest()[:16]
    dl_dir = cache / "downloads" if cache is not None else None
    downloads: dict[str, tuple[dict[str, bytes], tuple]] = {}
    if dl_dir is not None:
        for site in SITE_TITLES:
            payload = trust.read_sealed(dl_dir / f"{dl_key}.{site}", f"downloads/{dl_key}/{site}",
                                        key)
            unpacked = _unpack(payload) if payload is not None else None
            if unpacked is not None:
                downloads[site] = unpacked
    if len(downloads) < len(SITE_TITLES):
        from analysis.views.concept_report import open_concept
        from analysis.views.downloads import download_files
        from analysis.views.report import Report

        report = Report(ctx)
        tables = {"sozialbericht": report.download_tables(),
                  "handlungskonzept": open_concept(report).download_tables()}
        downloads = {site: _downloads(download_files(report, tables[site], SITE_TITLES[site]))
                     for site in SITE_TITLES}
        if dl_dir is not None:
            subdir(cache, "downloads")
            for old in dl_dir.iterdir():  # entries of other inputs (or the old layout)
                if old.name.startswith((dl_key, ".")):
                    continue
                if old.is_dir() and not old.is_symlink():
                    shutil.rmtree(old, ignore_errors=True)
                else:
                    old.unlink()
            for site, (files, links) in downloads.items():
                trust.write_sealed(dl_dir / f"{dl_key}.{site}", f"downloads/{dl_key}/{site}",
                                   _pack(files, links), key)
    return downloads


def write_sites(ctx, runs, executed: dict, staging: Path, build_id: str,
                jobs: int = 1, cache: Path | None = None, pdf: bool = False,
                stop=None, log=print, downloads: dict | None = None) -> None:
    """Assemble ``sozialbericht/`` and ``handlungskonzept/`` under ``staging``.

    ``executed`` maps slugs to executed notebooks (``build.Executed``: path and SHA-256,
    or a plain path). With ``cache`` (a folder kept between builds), downloads and
    rendered chapter pages are reused when nothing they depend on changed: downloads
    depend on data, configuration and package; a page on its executed notebook, the
    site frame (titles, navigation, colophon) and the package. A reused page is
    byte-identical to a freshly rendered one. The cache may lie in a folder others can
    write to: an entry is used only with a valid tag of the build key
    (:mod:`analysis.common.trust`), and reused pages go through the same final checks as
    fresh ones; a bad entry is rebuilt.

    The PDF edition of each report (:mod:`analysis.rendering.pdf_edition`) is made from the
    finished pages: built when ``pdf`` is set, taken from the cache whenever the pages
    it was made from are unchanged, left out (with its link) otherwise, so a PDF never
    shows another state than the pages beside it. ``downloads``: the result of
    :func:`site_downloads` if already made.
    """
    from analysis.method.context import package_hash

    pkg = package_hash()
    key = trust.build_key()
    others = {"sozialbericht": ("../handlungskonzept/index.html", "Handlungskonzept-Anhang"),
              "handlungskonzept": ("../sozialbericht/index.html", "Sozialbericht")}
    if downloads is None:
        downloads = site_downloads(ctx, cache)
    from analysis.views.report import Report as _Report

    areas = _Report(ctx).area_finder()
    pub = ctx.cfg.herausgeber
    sites: dict[str, tuple[SiteMeta, list[Page], Path]] = {}
    for site, title in SITE_TITLES.items():
        out = staging / site
        files, links = downloads[site]
        (out / "downloads").mkdir(parents=True, exist_ok=True)
        for name, data in sorted(files.items()):
            (out / "downloads" / name).write_bytes(data)
        meta = SiteMeta(
            site_title=f"{title} {ctx.cfg.berichtsjahr}",
            edition=ctx.cfg.ausgabe,
            data_hash=ctx.ds.data_hash,
            parameters=_parameters(ctx),
            version=package_version(),
            is_demo=ctx.ds.is_demo,
            other_site=others[site],
            downloads=links,
            publisher=pub.behoerde or ctx.cfg.region,
            contact=tuple((k, getattr(pub, k))
                          for k in ("stelle", "behoerde", "anschrift", "email", "telefon")),
            legal_basis=ctx.cfg.bezeichnungen.rechtsgrundlage_barrierefreiheit,
            enforcement=ctx.cfg.bezeichnungen.durchsetzung_barrierefreiheit,
            data_date=f"{ctx.cfg.bezeichnungen.stichtag}{ctx.cfg.berichtsjahr}",
            areas=areas,
        )
        pages = []
        for r in runs:
            if r.site == site:
                e = executed[r.slug]
                path, digest = (e.path, e.sha256) if hasattr(e, "sha256") else (Path(e), None)
                pages.append(Page(r.slug, r.title, path, digest,
                                  parent=getattr(r, "parent", "")))
        frame = hashlib.sha256((repr(meta) + repr([(p.slug, p.title, p.parent) for p in pages])
                                + pkg)
                               .encode()).hexdigest()
        keys = {p.slug: hashlib.sha256(
            frame.encode() + (p.sha256 or trust.sha256(Path(p.notebook).read_bytes())).encode()
        ).hexdigest()[:16] for p in pages}
        rendered = {}
        if cache is not None:
            for p in pages:
                hit = trust.read_sealed(cache / "pages" / f"{p.slug}.{keys[p.slug]}.html",
                                        f"page/{p.slug}/{keys[p.slug]}", key)
                if hit is not None:
                    try:
                        rendered[p.slug] = hit.decode("utf-8")
                    except UnicodeDecodeError:
                        continue
        assemble_site(pages, meta, out, jobs=jobs, rendered=rendered)
        if cache is not None:
            pages_dir = subdir(cache, "pages")
            # earlier entries of each page (``<slug>.*.html``; slugs hold no dot), from one
            # listing of the folder: a glob per page grows with the square of the pages
            earlier: dict[str, list[str]] = {}
            for entry in sorted(os.listdir(pages_dir)):
                slug, dot, rest = entry.partition(".")
                if dot and rest.endswith(".html"):
                    earlier.setdefault(slug, []).append(entry)
            for p in pages:
                if p.slug in rendered:
                    continue
                for old in earlier.get(p.slug, ()):
                    (pages_dir / old).unlink()
                trust.write_sealed(cache / "pages" / f"{p.slug}.{keys[p.slug]}.html",
                                   f"page/{p.slug}/{keys[p.slug]}",
                                   (out / f"{p.slug}.html").read_bytes(), key)
        sites[site] = (meta, pages, out)
    _pdf_editions(sites, cache, key, pkg, build=pdf, jobs=jobs, stop=stop, log=log)


def _pdf_editions(sites: dict[str, tuple[SiteMeta, list[Page], Path]], cache: Path | None,
                  key: bytes, pkg: str, build: bool, jobs: int, stop=None, log=print) -> None:
    """Put the PDF edition beside each report and link it from its index page: from the
    cache when its pages are unchanged, built anew when ``build`` is set."""
    from analysis.rendering import pdf_edition as pe

    found: dict[str, bytes] = {}
    todo: dict[str, pe.PdfJob] = {}
    entries: dict[str, tuple[Path, str] | None] = {}
    for site, (meta, pages, out) in sites.items():
        pdf_pages = tuple(pe.PdfPage(p.slug, p.title) for p in pages)
        k = pe.cache_key(out, pdf_pages, meta, pkg)
        entries[site] = (cache / "pdf" / f"{site}.{k}.pdf", f"pdf/{site}/{k}") \
            if cache is not None else None
        data = trust.read_sealed(*entries[site], key) if entries[site] else None
        if data is not None and data.startswith(b"%PDF-"):
            found[site] = data
        elif build:
            todo[site] = pe.PdfJob(out, pdf_pages, meta)
    if todo:
        log(f"PDF-Ausgabe wird erstellt ({', '.join(SITE_TITLES[s] for s in todo)}) …")
        t0 = time.perf_counter()
        built = pe.build_pdfs(todo, workers=jobs, stop=stop)
        found.update(built)
        log(f"PDF-Ausgabe erstellt in {time.perf_counter() - t0:.1f} s".replace(".", ","))
        if cache is not None:
            subdir(cache, "pdf")
            for site, data in built.items():
                path, name = entries[site]
                for old in (cache / "pdf").glob(f"{site}.*.pdf"):
                    if old != path:
                        old.unlink()
                trust.write_sealed(path, name, data, key)
    for site, data in sorted(found.items()):
        meta, pages, out = sites[site]
        file_name = pe.pdf_file_name(meta.site_title)
        (out / file_name).write_bytes(data)
        write_index(meta, pages, out, pdf=(file_name, meta.site_title, pe.size_de(len(data))))
