"""Sentences from numbers: German prose for the CLI and the chapters."""

from __future__ import annotations

from analysis.contract.config import ReportConfig


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def headline_lines(res, cfg: ReportConfig, n_areas: int) -> list[str]:
    """Headline summary: areas and Kommunen with need per field, and overall."""
    lines = [f"Handlungsbedarf {res.year} ({cfg.region}):"]
    for _, r in res.headline.iterrows():
        f = cfg.handlungsfelder[r["handlungsfeld"]]
        extra = " (separat berichtet)" if f.separat else ""
        lines.append(f"  {f.kurz}: {_n(r['sozialraeume'])} Sozialräume in "
                     f"{_n(r['kommunen'])} Kommunen{extra}")
    counted = ", ".join(cfg.handlungsfelder[f].kurz for f in cfg.counted_fields)
    lines.append(f"  Mindestens ein Handlungsfeld ({counted}): "
                 f"{_n(res.any_need)} von {_n(n_areas)} Sozialräumen")
    return lines
