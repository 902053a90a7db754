"""Write both report sites (pages + downloads) into a staging folder."""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .assemble import Page, SiteMeta, assemble_site
from .tables import write_csv_de, write_xlsx

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
        "Regeln (Index regional / kommunal / absolut)":
            f"{b.regional_index} / {b.kommunal_faktor}× und {b.kommunal_index} / "
            f"{b.absolut_index} und oberste {b.absolut_anteil:.0%}".replace(".", ","),
        "Geheimhaltung: Mindestanzahl": str(cfg.geheimhaltung.mindestanzahl),
        "Konfiguration (Hash)": ctx.config_hash,
    }


def _downloads(tables: dict, folder: Path) -> tuple[tuple[str, str], ...]:
    folder.mkdir(parents=True, exist_ok=True)
    links = []
    for stem, (label, df) in sorted(tables.items()):
        write_csv_de(df, folder / f"{stem}.csv")
        write_xlsx(df, folder / f"{stem}.xlsx", sheet_name=stem[:31])
        links.append((f"downloads/{stem}.csv", f"{label} (CSV)"))
        links.append((f"downloads/{stem}.xlsx", f"{label} (Excel)"))
    return tuple(links)


def _copy_tree(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for p in sorted(src.iterdir()):
        shutil.copy2(p, dst / p.name)


def write_sites(ctx, runs, executed: dict[str, Path], staging: Path, build_id: str,
                jobs: int = 1, cache: Path | None = None) -> None:
    """Assemble ``sozialbericht/`` and ``handlungskonzept/`` under ``staging``.

    With ``cache`` (a folder kept between builds), downloads and rendered chapter
    pages are reused when nothing they depend on changed: downloads depend on data,
    configuration and package; a page on its executed notebook, the site frame
    (titles, navigation, colophon) and the package. A reused page is byte-identical
    to a freshly rendered one.
    """
    from .context import package_hash

    pkg = package_hash()
    others = {"sozialbericht": ("../handlungskonzept/index.html", "Handlungskonzept-Anhang"),
              "handlungskonzept": ("../sozialbericht/index.html", "Sozialbericht")}
    dl_key = hashlib.sha256(f"{ctx.ds.data_hash}|{ctx.config_hash}|{pkg}".encode()).hexdigest()[:16]
    dl_cache = cache / "downloads" / dl_key if cache is not None else None
    tables = None
    if dl_cache is None or not dl_cache.is_dir():
        from .concept_report import open_concept
        from .report import Report

        report = Report(ctx)
        tables = {"sozialbericht": report.download_tables(),
                  "handlungskonzept": open_concept(report).download_tables()}
    pub = ctx.cfg.herausgeber
    for site, title in SITE_TITLES.items():
        out = staging / site
        if tables is not None:
            downloads = _downloads(tables[site], out / "downloads")
            (out / "downloads" / ".links.json").write_text(json.dumps(downloads), encoding="utf-8")
            if dl_cache is not None:
                _copy_tree(out / "downloads", dl_cache / site)
        else:
            _copy_tree(dl_cache / site, out / "downloads")
            downloads = tuple(tuple(x) for x in json.loads(
                (out / "downloads" / ".links.json").read_text(encoding="utf-8")))
        (out / "downloads" / ".links.json").unlink()
        meta = SiteMeta(
            site_title=f"{title} {ctx.cfg.berichtsjahr}",
            edition=ctx.cfg.ausgabe,
            data_hash=ctx.ds.data_hash,
            parameters=_parameters(ctx),
            version=package_version(),
            is_demo=ctx.ds.is_demo,
            other_site=others[site],
            downloads=downloads,
            publisher=pub.behoerde or ctx.cfg.region,
            contact=tuple((k, getattr(pub, k))
                          for k in ("stelle", "behoerde", "anschrift", "email", "telefon")),
        )
        pages = [Page(r.slug, r.title, executed[r.slug]) for r in runs if r.site == site]
        frame = hashlib.sha256((repr(meta) + repr([(p.slug, p.title) for p in pages]) + pkg)
                               .encode()).hexdigest()
        keys = {p.slug: hashlib.sha256(frame.encode() + Path(p.notebook).read_bytes())
                .hexdigest()[:16] for p in pages}
        rendered = {}
        if cache is not None:
            for p in pages:
                hit = cache / "pages" / f"{p.slug}.{keys[p.slug]}.html"
                if hit.is_file():
                    rendered[p.slug] = hit.read_text(encoding="utf-8")
        assemble_site(pages, meta, out, jobs=jobs, rendered=rendered)
        if cache is not None:
            (cache / "pages").mkdir(parents=True, exist_ok=True)
            for p in pages:
                target = cache / "pages" / f"{p.slug}.{keys[p.slug]}.html"
                if not target.exists():
                    for old in (cache / "pages").glob(f"{p.slug}.*.html"):
                        old.unlink()
                    shutil.copy2(out / f"{p.slug}.html", target)
