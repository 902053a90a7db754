"""The overview chapter of the Sozialbericht (Überblick): need per field, cumulation,
the Kommunen at a glance.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.common import fmt
from analysis.contract import schema as S
from analysis.rendering.figures import FigureOutput
from analysis.rendering.maps import choropleth
from analysis.rendering.prose import Prose, Stack, notice, prose
from analysis.rendering.tables import TableOutput
from analysis.views.context import (
    BORDERLINE,
    Chapter,
)

#: the demo note of the overview page (also in every download's „Erläuterung“)
DEMO_NOTE = (
    "Dieser Bericht wurde mit synthetischen Demodaten erstellt. Die "
    "Sozialraum-Kennungen, die Kommunen und ihre Grenzen sind real; die Namen der "
    "Sozialräume sind neutral gewählt (Kommune und Nummer), damit kein realer Ortsteil "
    "erfundene Zahlen trägt. Nur die Einwohnerzahlen der Kommunen sind amtliche "
    "Angaben (des Stichtags oder, wo er fehlt, des nächsten veröffentlichten). Alle "
    "anderen Zahlen – "
    "auch die Einwohnerzahlen der Sozialräume –, die Angebote, die Schwerpunkte der "
    "Kommunen, die Wirkungsziele, die Befunde und die Grenzen der Sozialräume "
    "sind erfunden und dürfen nicht als amtliche Angaben verwendet werden."
)


@dataclass
class Overview(Chapter):
    """The overview chapter (notebook ``00_uebersicht``)."""

    # ------------------------------------------------------------------ overview
    def banner(self) -> Prose | None:
        if not self.ds.is_demo:
            return prose("")
        return notice(DEMO_NOTE)

    def headline_text(self) -> Prose:
        yes = {True: "ja", False: "nein"}
        parts = []
        for _, r in self.res.headline.iterrows():
            fid = r["handlungsfeld"]
            n = int(r["sozialraeume"])
            parts.append(self.say1(
                "bericht.uebersicht.feld", feld=self.cfg.handlungsfelder[fid].kurz,
                explorativ=yes[self.is_exploratory(fid)], bedarf=n,
                einzeln=yes[self.single_municipality], kommunen=int(r["kommunen"]),
                davon_knapp=self.borderline_tail(n, self.borderline_need_count(fid))))
        terms = [self.say1("bericht.uebersicht.gebiet",
                           anzahl=int(self.res.need[f"{fid}_bedarf_flag"].sum()),
                           begriff=self.cfg.handlungsfelder[fid].gebietsbegriff,
                           feld=self.cfg.handlungsfelder[fid].kurz)
                 for fid in self.cfg.fields if self.cfg.handlungsfelder[fid].gebietsbegriff]
        # cumulation counts the same fields as the total (not the separate ones)
        counted = self.cfg.counted_fields
        k = self.cfg.konzept.kumulation_ab
        if len(counted) >= k:
            terms.append(self.say1("bericht.uebersicht.kumulation",
                                   anzahl=int((self.res.need["kumulation"] >= k).sum()),
                                   ab=k, gezaehlt=len(counted),
                                   alle=yes[k == len(counted)]))
        first = self.say1("bericht.uebersicht.bedarf", mit_bedarf=int(self.res.any_need),
                          sozialraeume=len(self.areas),
                          felder=[self.cfg.handlungsfelder[f].kurz for f in counted],
                          nur_knapp=self.borderline_any_count())
        return prose(
            " ".join([first, *terms]),
            "Handlungsbedarf je Handlungsfeld:",
            items=parts,
        )

    def _counted_fields_label(self) -> str:
        names = [self.cfg.handlungsfelder[f].kurz for f in self.cfg.counted_fields]
        if len(names) == 1:
            return f"Handlungsfeld {names[0]}"
        return "Mindestens eines der Felder " + ", ".join(names)

    def headline_table(self) -> TableOutput:
        rows = []
        for _, r in self.res.headline.iterrows():
            f = self.cfg.handlungsfelder[r["handlungsfeld"]]
            rows.append(
                {
                    "Handlungsfeld": f.titel + self.exploratory_suffix(r["handlungsfeld"]),
                    "Sozialräume mit Handlungsbedarf": int(r["sozialraeume"]),
                    f"davon {BORDERLINE}": self.borderline_need_count(r["handlungsfeld"]),
                    "Kommunen": int(r["kommunen"]),
                }
            )
        rows.append(
            {
                "Handlungsfeld": self._counted_fields_label(),
                "Sozialräume mit Handlungsbedarf": self.res.any_need,
                f"davon {BORDERLINE}": self.borderline_any_count(),
                "Kommunen": int(
                    self.areas.loc[
                        self.res.need.index[
                            self.res.need[
                                [f"{f}_bedarf_flag" for f in self.cfg.counted_fields]
                            ].any(axis=1)
                        ],
                        S.KOMMUNE,
                    ].nunique()
                ),
            }
        )
        table = TableOutput(
            pd.DataFrame(rows),
            f"Sozialräume mit Handlungsbedarf {self.year} je Handlungsfeld",
            row_header="Handlungsfeld",
        )
        return Stack((table, self.uncertainty_key(
            exploratory=bool(self.cfg.exploratory_fields))))

    def cumulation_map(self) -> FigureOutput:
        cum = self.res.need["kumulation"]
        return choropleth(
            cum.astype(int),
            self.ds.geometry,
            self.areas[S.KOMMUNE],
            title=f"Kumulation: Zahl der {self.cumulation_term()} {self.year}",
            scheme=self.cumulation_scheme,
            caption=self.map_caption(), mark=self.image_mark,
            links=self.area_links(), area_names=self.area_names,
        )

    def municipal_overview(self) -> TableOutput:
        """Key figures per Kommune and region: population and lead indicators."""
        rows = []
        leads = [self.cfg.handlungsfelder[f].leitindikator for f in self.cfg.fields]
        for _, m in self.ds.municipalities.iterrows():
            row = {
                "Kommune": m["name"],
                "Sozialräume": int((self.areas[S.AGS] == m[S.AGS]).sum()),
                "Einwohner": self.gate.published_count(self.population_variable, m[S.AGS]),
            }
            for ind in leads:
                row[self.label(ind)] = self.gate.municipal_value(ind, m[S.AGS])
            rows.append(row)
        reg = {
            "Kommune": self.cfg.region,
            "Sozialräume": len(self.areas),
            "Einwohner": self.gate.published_count(self.population_variable),
        }
        for ind in leads:
            reg[self.label(ind)] = self.gate.region_value(ind)
        rows = [reg] if self.single_municipality else [*rows, reg]
        df = pd.DataFrame(rows)
        formats = {self.label(i): (lambda x, i=i: self.value_text(i, x)) for i in leads}
        formats["Einwohner"] = fmt.number
        return TableOutput(
            df,
            f"Kommunen im Überblick {self.year}: Einwohner und Leitindikatoren",
            number_formats=formats,
            row_header="Kommune",
        )
