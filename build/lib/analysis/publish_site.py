"""Write both report sites (pages + downloads) into a staging folder."""

from __future__ import annotations

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


def write_sites(ctx, runs, executed: dict[str, Path], staging: Path, build_id: str,
                jobs: int = 1) -> None:
    """Assemble ``sozialbericht/`` and ``handlungskonzept/`` under ``staging``."""
    from .concept_report import open_concept
    from .report import Report

    report = Report(ctx)
    tables = {"sozialbericht": report.download_tables(),
              "handlungskonzept": open_concept(report).download_tables()}
    others = {"sozialbericht": ("../handlungskonzept/index.html", "Handlungskonzept-Anhang"),
              "handlungskonzept": ("../sozialbericht/index.html", "Sozialbericht")}
    for site, title in SITE_TITLES.items():
        out = staging / site
        downloads = _downloads(tables[site], out / "downloads")
        meta = SiteMeta(
            site_title=f"{title} {ctx.cfg.berichtsjahr}",
            edition=ctx.cfg.ausgabe,
            data_hash=ctx.ds.data_hash,
            parameters=_parameters(ctx),
            version=package_version(),
            is_demo=ctx.ds.is_demo,
            other_site=others[site],
            downloads=downloads,
        )
        pages = [Page(r.slug, r.title, executed[r.slug]) for r in runs if r.site == site]
        assemble_site(pages, meta, out, jobs=jobs)
