"""One Handlungsfeld chapter of the Sozialbericht (notebook ``20_handlungsfeld``, run once
per configured field).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.common import fmt
from analysis.common.ids import natural_sorted
from analysis.contract import schema as S
from analysis.contract.config import text_values
from analysis.contract.texts import TextBlock
from analysis.gate import disclosure as D
from analysis.gate.published import Uncertain, mark_uncertain
from analysis.rendering.figures import FigureOutput, bar_with_intervals
from analysis.rendering.maps import choropleth
from analysis.rendering.prose import Prose, Stack, notice, prose
from analysis.rendering.tables import TableOutput
from analysis.views.context import (
    BORDERLINE,
    RULE_TEXT,
    Heading,
    ReportContext,
)


def _grouped(top: list[tuple[str, int]]) -> list[tuple[int, list[str]]]:
    """Leaders (:func:`analysis.common.fmt.leaders`) grouped by count, ties together:
    ``[(4, ["Aachen", "Stolberg"]), (3, ["Eschweiler"])]``."""
    groups: dict[int, list[str]] = {}
    for name, v in top:
        groups.setdefault(int(v), []).append(name)
    return list(groups.items())


@dataclass
class FieldView:
    """One Handlungsfeld chapter."""

    r: ReportContext
    field: str

    @property
    def fc(self):
        return self.r.cfg.handlungsfelder[self.field]

    @property
    def need(self) -> pd.DataFrame:
        return self.r.res.need

    @property
    def flag(self) -> pd.Series:
        return self.need[f"{self.field}_bedarf_flag"]

    def heading(self) -> Heading:
        """The chapter heading: the field's ``titel`` from the configuration."""
        return Heading(self.fc.titel, 1)

    def text(self) -> TextBlock:
        """The field's chapter text (``texte/handlungsfelder/<field>.md``), with values."""
        values = {**text_values(self.r.cfg), "titel": self.fc.titel, "kurz": self.fc.kurz,
                  "leitindikator": self.r.label(self.fc.leitindikator),
                  "indikatoren": fmt.join_de(self.r.label(i) for i in self.fc.indikatoren)}
        return self.r.text(self.r.cfg.field_text(self.field), values)

    def intro(self) -> Prose | Stack:
        labels = [self.r.label(i) for i in self.fc.indikatoren]
        context = [f"„{self.r.label(i)}“" for i in self.fc.kontext]
        described = self.r.say1("bericht.feld.beschreibung", beschreibung=self.fc.beschreibung,
                                 laut="ja" if self.r.cfg.bezeichnungen.beschluss else "nein") \
            if self.fc.beschreibung.strip() else ""
        text = prose(
            described,
            self.r.say1("bericht.feld.einleitung", indikatoren=len(labels),
                        leitindikator=self.r.label(self.fc.leitindikator), kontext=context),
            items=labels,
        )
        if not self.r.is_exploratory(self.field):
            return text
        return Stack((notice(self.r.say1(
            "bericht.feld.explorativ", indikatoren=len(labels),
            mindestens=self.r.cfg.bedarf.mindestzahl_indikatoren)), text))

    def summary(self) -> Prose:
        flag = self.flag
        codes = natural_sorted(flag.index[flag])
        kommunen = self.r.areas.loc[codes, S.KOMMUNE]
        per = kommunen.value_counts()
        per = per.sort_index().sort_values(ascending=False, kind="stable")
        rules = {
            k: int(self.need.loc[codes, f"{self.field}_regeln"].str.contains(k).sum())
            for k in RULE_TEXT
        }
        lead = self.fc.leitindikator
        reg = self.r.gate.region_value(lead)
        n_border = self.r.borderline_need_count(self.field)
        top = fmt.leaders(per.items(), 3)
        most = []
        if (len(per) > 1 and not self.r.single_municipality and top and top[0][1] > 1
                and len(top) < len(per)):
            most = [self.r.say1("bericht.feld.meiste", kommunen=names, anzahl=v)
                    for v, names in _grouped(top)]
        yes = {True: "ja", False: "nein"}
        return prose(
            self.r.say1("bericht.feld.bedarf", titel=self.fc.titel,
                        explorativ=yes[self.r.is_exploratory(self.field)],
                        bedarf=len(codes), einzeln=yes[self.r.single_municipality],
                        kommunen=len(per), meiste=most,
                        davon_knapp=self.r.borderline_tail(len(codes), n_border)),
            self.r.say1("bericht.feld.regeln", **rules, bedarf=len(codes),
                        stabil=len(codes) - n_border, knapp=n_border),
            self.r.say1("bericht.feld.leitindikator", leitindikator=self.r.label(lead),
                        wert=self.r.value_text(lead, reg))
            if not np.isnan(reg)
            else "",
        )

    def index_map(self) -> FigureOutput:
        idx = self.need[f"{self.field}_index"]
        return choropleth(
            idx,
            self.r.ds.geometry,
            self.r.areas[S.KOMMUNE],
            title=f"Feldindex {self.fc.kurz} {self.r.year}",
            scheme=self.r.index_scheme,
            caption=self.r.map_caption(), mark=self.r.image_mark,
            links=self.r.area_links(), area_names=self.r.area_names,
        )

    def need_map(self) -> FigureOutput:
        """Need per area; borderline classifications („knapp“) as classes of their own."""
        flag = self.flag.astype(bool)
        knapp = self.r.borderline(self.field).reindex(flag.index, fill_value=False)
        code = pd.Series(np.select([~flag & ~knapp, ~flag & knapp, flag & knapp],
                                   [0, 1, 2], 3), index=flag.index)
        return choropleth(
            code,
            self.r.ds.geometry,
            self.r.areas[S.KOMMUNE],
            title=f"Sozialräume mit Handlungsbedarf: {self.fc.kurz}"
                  f"{self.r.exploratory_suffix(self.field)} {self.r.year}",
            scheme=self.r.need_scheme,
            caption=self.r.map_caption() + f" „{BORDERLINE}“: Grenzfall der "
            "Robustheitsprüfung (siehe Methodik).", mark=self.r.image_mark,
            links=self.r.area_links(), area_names=self.r.area_names,
        )

    def need_table(self) -> TableOutput:
        f = self.field
        codes = natural_sorted(self.flag.index[self.flag])
        lead = self.fc.leitindikator
        rows = []
        for c in codes:
            s = float(self.r.res.stability.loc[c, f])
            ags = self.r.areas.loc[c, S.AGS]
            rows.append(
                {
                    "Sozialraum": self.r.area_label(c),
                    "Kommune": self.r.areas.loc[c, S.KOMMUNE],
                    "Feldindex": self.need.loc[c, f"{f}_index"],
                    "Regeln": self.need.loc[c, f"{f}_regeln"],
                    f"{self.r.label(lead)}": self.r.gate.uncertain_value(lead, c),
                    "Wert der Kommune": self.r.gate.municipal_value(lead, ags),
                    "Anzahl": self.r.gate.affected(lead, c),
                    "Stabilität": self.r.stability_text(s)
                    + (f" ({BORDERLINE})" if self.r.borderline(f)[c] else " (stabil)"),
                }
            )
        df = pd.DataFrame(
            rows,
            columns=[
                "Sozialraum",
                "Kommune",
                "Feldindex",
                "Regeln",
                self.r.label(lead),
                "Wert der Kommune",
                "Anzahl",
                "Stabilität",
            ],
        )
        df[self.r.label(lead)] = pd.Series(list(df[self.r.label(lead)]), dtype=object,
                                           index=df.index)
        unit = lambda x: self.r.value_text(lead, x)  # noqa: E731
        table = TableOutput(
            df,
            f"Sozialräume mit Handlungsbedarf im Feld {self.fc.kurz} "
            f"{self.r.year}: Index, Regeln und Stabilität",
            links={"Sozialraum": [self.r.area_href(c) for c in codes]},
            number_formats={
                "Feldindex": self.r.index_text,
                self.r.label(lead): mark_uncertain(unit),
                "Wert der Kommune": unit,
                "Anzahl": lambda x: fmt.number(x),
            },
            row_header="Sozialraum",
        )
        return Stack((table, self.r.uncertainty_key(
            uncertain=any(isinstance(x, Uncertain) for x in df[self.r.label(lead)]),
            exploratory=self.r.is_exploratory(f), counted=self.r.counted_term(lead))))

    def lead_chart(self, top: int = 20) -> FigureOutput:
        lead = self.fc.leitindikator
        v = self.r.gate.area_value(lead)
        idx = self.need[f"{self.field}_index"].sort_values(ascending=False, kind="stable")
        order = list(idx.index[:top])
        df = v.loc[order, [S.VALUE, S.LOWER, S.UPPER, D.FLAG]].copy()
        df.insert(0, "Sozialraum", [self.r.area_label(c) for c in order])
        highlight = [self.r.area_label(c) for c in order if self.flag[c]]
        return bar_with_intervals(
            df,
            "Sozialraum",
            S.VALUE,
            S.LOWER,
            S.UPPER,
            f"{self.r.label(lead)} {self.r.year}: die {fmt.number(len(order))} Sozialräume mit "
            f"dem höchsten Feldindex {self.fc.kurz}",
            self.r.unit(lead),
            highlight=highlight,
            reference=self.r.gate.region_value(lead),
            reference_label=f"{self.r.cfg.region}",
            suppressed_col=D.FLAG,
            caption=self.r.source_caption() + " Linien: 95-%-Vertrauensbereich; "
            "hervorgehoben: Handlungsbedarf.", mark=self.r.image_mark,
            column_labels={
                S.VALUE: self.r.label(lead),
                S.LOWER: "untere Grenze",
                S.UPPER: "obere Grenze",
            },
        )

    def _column_label(self, ind: str) -> str:
        return self.r.label(ind) + (" (Kontext)" if ind in self.fc.kontext else "")

    def indicator_table(self) -> TableOutput | Stack:
        """Core (and context) indicators of the areas with need; values flagged
        ``unsicher`` in parentheses, with a key."""
        codes = natural_sorted(self.flag.index[self.flag])
        inds = [*self.fc.indikatoren,
                *(i for i in self.fc.kontext if i in self.r.gate.area_indicator_ids)]
        cols = {i: [] for i in inds}
        for c in codes:
            for ind in inds:
                cols[ind].append(self.r.gate.uncertain_value(ind, c))
        for ind in inds:
            cols[ind].append(self.r.gate.region_value(ind))
        df = pd.DataFrame({"Sozialraum": [*(self.r.area_label(c) for c in codes),
                                          self.r.cfg.region]})
        for ind in inds:
            df[self._column_label(ind)] = pd.Series(cols[ind], dtype=object)
        formats = {
            self._column_label(i): mark_uncertain(lambda x, i=i: self.r.value_text(i, x))
            for i in inds
        }
        what = "Kern- und Kontextindikatoren" if self.fc.kontext else "Kernindikatoren"
        table = TableOutput(
            df,
            f"{what} {self.fc.kurz} {self.r.year} in den Sozialräumen mit Handlungsbedarf",
            links={"Sozialraum": [self.r.area_href(c) for c in codes] + [None]},
            number_formats=formats,
            row_header="Sozialraum",
        )
        marked = any(isinstance(x, Uncertain) for v in cols.values() for x in v)
        if not marked:
            return table
        return Stack((table, self.r.uncertainty_key(borderline=False, uncertain=True)))

    def municipal_table(self) -> TableOutput | Stack:
        inds = [
            i
            for i, fs in zip(
                self.r.ds.indicators[S.INDICATOR],
                self.r.ds.indicators["handlungsfelder"],
                strict=True,
            )
            if self.field in fs
        ]
        rows = []
        for _, m in self.r.ds.municipalities.iterrows():
            row = {
                "Kommune": m["name"],
                "Sozialräume mit Bedarf": int(
                    (self.flag & (self.r.areas.loc[self.flag.index, S.AGS] == m[S.AGS])).sum()
                ),
            }
            for ind in inds:
                row[self.r.label(ind)] = self.r.gate.municipal_value(ind, m[S.AGS])
            rows.append(row)
        reg = {"Kommune": self.r.cfg.region, "Sozialräume mit Bedarf": int(self.flag.sum())}
        for ind in inds:
            reg[self.r.label(ind)] = self.r.gate.region_value(ind)
        rows = [reg] if self.r.single_municipality else [*rows, reg]
        formats = {self.r.label(i): (lambda x, i=i: self.r.value_text(i, x)) for i in inds}
        table = TableOutput(
            pd.DataFrame(rows),
            f"Indikatoren {self.fc.kurz} {self.r.year} je Kommune (auch nur kommunal verfügbare)",
            number_formats=formats,
            row_header="Kommune",
        )
        levels = dict(zip(self.r.ds.indicators[S.INDICATOR], self.r.ds.indicators[S.LEVEL],
                          strict=True))
        missing = [self.r.label(i) for i in inds if levels[i] == S.LEVEL_MUNICIPALITY]
        if not missing or not self.r.ds.counts_municipal.empty:
            return table
        return Stack((prose(
            "Zählungen je Kommune (Datei „zaehlungen_kommune“) wurden nicht geliefert; für "
            + fmt.join_de([f"„{m}“" for m in missing])
            + " liegen daher keine Werte vor (–)."), table))

    def trend_chart(self) -> FigureOutput:
        return self.r.trend_chart(self.fc.leitindikator)
