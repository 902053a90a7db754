"""The Sozialbericht views: what a chapter notebook calls.

``r = open_report(data_dir, config_file)`` gives a :class:`Report`: the shared context
(:class:`analysis.views.context.ReportContext`: configuration, texts, links and the
published values, :attr:`~analysis.views.context.ReportContext.gate`) with one view per
chapter type – ``r.overview()``, ``r.change()``, ``r.method()``, ``r.field(id)``,
``r.profile(id)`` and ``r.steckbrief(code)``. Every number in a table, figure or sentence
comes through the disclosure gate (:mod:`analysis.gate.published`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.common.ids import natural_rows
from analysis.contract import schema as S
from analysis.gate.published import Published
from analysis.method.context import load_context
from analysis.method.core import need_table, stability_bounds
from analysis.views.change import Change
from analysis.views.context import ReportContext
from analysis.views.downloads import readable, stability_percent
from analysis.views.field import FieldView
from analysis.views.method_annex import MethodAnnex
from analysis.views.overview import Overview
from analysis.views.profile import ProfileView


def open_report(
    data_dir: str | Path = "../data/demo", config_file: str | Path = "../config/report.yaml"
) -> Report:
    """Entry point for the notebooks: the report views for these inputs."""
    return Report(load_context(str(data_dir), str(config_file)))


@dataclass
class Report(ReportContext):
    """The Sozialbericht: the shared context and one view per chapter type."""

    # ------------------------------------------------------------------ chapters
    def overview(self) -> Overview:
        """The overview chapter (Überblick)."""
        return Overview(self)

    def change(self) -> Change:
        """The change chapter (Veränderung, status × dynamics)."""
        return Change(self)

    def method(self) -> MethodAnnex:
        """The method annex (Methodik)."""
        return MethodAnnex(self)

    # ------------------------------------------------------------------ field chapters
    def field(self, field: str) -> FieldView:
        if field not in self.cfg.handlungsfelder:
            raise KeyError(f"Handlungsfeld „{field}“ ist nicht konfiguriert")
        return FieldView(self, field)

    def profile(self, ags: str) -> ProfileView:
        if ags not in set(self.ds.municipalities[S.AGS]):
            raise KeyError(f"Kommune „{ags}“ gibt es nicht")
        return ProfileView(self, ags)

    # ------------------------------------------------------------------ downloads
    @property
    def download_years(self) -> list[int]:
        """Years of the indicator downloads: the comparison year (if configured and in
        the data) and the report year."""
        years = {self.year}
        if self.cfg.vergleichsjahr is not None:
            years.add(int(self.cfg.vergleichsjahr))
        return sorted(y for y in years if (self.gate.area_values[S.YEAR] == y).any()
                      or y == self.year)

    def download_tables(self) -> dict[str, tuple[str, pd.DataFrame]]:
        """Published tables: file stem → (label, disclosure-controlled DataFrame), with
        the names, units and sources beside the ids (:func:`analysis.views.downloads.
        readable`). The indicator tables hold one row per area (Kommune), indicator and
        year – the comparison year and the report year –, each year withheld by the same
        gate (``Published.frame`` on the flagged values of that year)."""
        need = stability_percent(need_table(self.ds, self.res, self.cfg, self.index_bounds),
                                 self.res.stability, stability_bounds(self.cfg))
        years = self.download_years
        av = self.gate.area_values[self.gate.area_values[S.YEAR].isin(years)].copy()
        av.insert(1, "name", av[S.AREA].map(self.areas["name"]))
        names = self.ds.municipalities.set_index(S.AGS)["name"]
        av.insert(av.columns.get_loc(S.AGS) + 1, S.KOMMUNE, av[S.AGS].map(names))
        av = av.drop(columns=[S.RELIABLE]).assign(
            unsicher=np.where(self.res.area.loc[av.index, S.RELIABLE], "ja", "nein")
        )
        cols = [S.NUMERATOR, S.DENOMINATOR, S.VALUE, S.LOWER, S.UPPER]
        av[[S.VALUE, S.LOWER, S.UPPER]] = av[[S.VALUE, S.LOWER, S.UPPER]].round(2)
        # "unsicher" (denominator below the limit) says something about a withheld row too
        av_pub = Published.frame(av, [*cols, "unsicher"])
        av_pub = natural_rows(av_pub, S.AREA, S.INDICATOR, S.YEAR)
        mv = self.gate.municipal_values[self.gate.municipal_values[S.YEAR].isin(years)].copy()
        mv[[S.VALUE, S.LOWER, S.UPPER]] = mv[[S.VALUE, S.LOWER, S.UPPER]].round(2)
        mv.insert(1, "kommune", mv[S.AGS].map(names))
        mv_pub = Published.frame(mv.drop(columns=[S.RELIABLE]), cols)
        mv_pub = natural_rows(mv_pub, S.AGS, S.INDICATOR, S.YEAR)
        which = " und ".join(str(y) for y in years)
        extra = {}
        if self.change().has_dynamics:
            extra["dynamik"] = (f"Status und Dynamik {self.cfg.vergleichsjahr}–{self.year} je "
                                "Sozialraum und Handlungsfeld", self.change().dynamics_download())
        tables = {
            "handlungsbedarf": ("Handlungsbedarf je Sozialraum und Handlungsfeld", need),
            **extra,
            "indikatoren_sozialraeume": (
                f"Indikatoren je Sozialraum {which}",
                av_pub.reset_index(drop=True),
            ),
            "indikatoren_kommunen": (
                f"Indikatoren je Kommune {which}",
                mv_pub.reset_index(drop=True),
            ),
        }
        return {stem: (label, readable(self, df)) for stem, (label, df) in tables.items()}
