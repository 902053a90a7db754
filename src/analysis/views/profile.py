"""The Kommunalprofil of the Sozialbericht (notebook ``40_kommunalprofil``, run once per
Kommune).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analysis.common import fmt
from analysis.common.ids import (
    is_ags,
    natural_sorted,
)
from analysis.contract import schema as S
from analysis.gate.published import is_withheld
from analysis.method.core import stability_label
from analysis.rendering.figures import FigureOutput
from analysis.rendering.maps import choropleth
from analysis.rendering.prose import Prose, Stack, prose
from analysis.rendering.tables import TableOutput
from analysis.views.context import (
    BORDERLINE,
    Heading,
    ReportContext,
)


@dataclass
class ProfileView:
    """Kommunalprofil: one Kommune and its Sozialräume."""

    r: ReportContext
    ags: str

    @property
    def name(self) -> str:
        return str(self.r.ds.municipalities.set_index(S.AGS).loc[self.ags, "name"])

    @property
    def codes(self) -> list[str]:
        return natural_sorted(self.r.areas.index[self.r.areas[S.AGS] == self.ags])

    def title(self) -> str:
        return f"Kommunalprofil {self.name}"

    def heading(self) -> Heading:
        return Heading(self.title(), 1)

    def intro(self) -> Prose:
        pop = self.r.gate.published_count(self.r.population_variable, self.ags)
        need = self.r.res.need.loc[self.codes]
        yes = {True: "ja", False: "nein"}
        items = []
        for f in self.r.cfg.fields:
            n = int(need[f"{f}_bedarf_flag"].sum())
            k = self.r.borderline_need_count(f, self.codes)
            items.append(self.r.say1(
                "bericht.profil.feld", feld=self.r.cfg.handlungsfelder[f].kurz,
                explorativ=yes[self.r.is_exploratory(f)], bedarf=n,
                davon_knapp=self.r.borderline_tail(n, k)))
        # an id is shown as „AGS“ only when it is one (any other id is not named at all)
        who = f"{self.name} (AGS {self.ags})" if is_ags(self.ags) else self.name
        known = isinstance(pop, int)  # else withheld (•) or not supplied: no number
        first = self.r.say1(
            "bericht.profil.einwohner", kommune=who, sozialraeume=len(self.codes),
            einwohner=fmt.number(pop) if known else "",
            einwohnerzahl="ja" if known else "gesperrt" if is_withheld(pop) else "nein")
        return prose(first, items=items)

    def key_figures(self) -> TableOutput:
        single = self.r.single_municipality  # the Kommune's values are the region's
        region = (f"{self.r.cfg.region} insgesamt" if self.r.cfg.region == self.name
                  else self.r.cfg.region)
        rows = []
        for f in self.r.cfg.fields:
            fc = self.r.cfg.handlungsfelder[f]
            for ind in [*fc.indikatoren, *fc.kontext]:
                row = {
                    "Indikator": self.r.label(ind),
                    "Handlungsfeld": fc.kurz + (" (Kontext)" if ind in fc.kontext else ""),
                    self.name: self.r.gate.municipal_value(ind, self.ags),
                }
                if not single:
                    row[region] = self.r.gate.region_value(ind)
                rows.append({**row, "_unit": self.r.unit(ind)})
        df = pd.DataFrame(rows)
        units = df.pop("_unit")
        unit_of = dict(zip(df["Indikator"], units, strict=True))
        df.insert(1, "Einheit", df["Indikator"].map(unit_of))
        formats = {self.name: lambda x: fmt.number(x, 1)}
        if not single:
            formats[region] = lambda x: fmt.number(x, 1)
        return TableOutput(
            df,
            f"Kennzahlen {self.name} {self.r.year}" if single
            else f"Kennzahlen {self.name} und Region {self.r.year}",
            number_formats=formats,
            row_header="Indikator",
        )

    def area_list(self) -> AreaList:
        """In-page list of the Kommune's areas, each a link to its Steckbrief with the
        fields in which it has need; each entry carries the area's anchor."""
        return AreaList(self.r, self.codes, self.name)

    def summary(self) -> Prose:
        """A short text computed from the numbers: where need concentrates."""
        need = self.r.res.need.loc[self.codes]
        cum = need["kumulation"].astype(int)
        n = len(self.codes)
        with_need = int((cum > 0).sum())
        most = int(cum.max()) if n else 0
        top = [c for c in self.codes if most and int(cum[c]) == most]  # every tie
        first = self.r.say1("bericht.profil.bedarf", kommune=self.name, sozialraeume=n,
                            mit_bedarf=with_need, alle="ja" if with_need == n else "nein",
                            bereich=self.r.counted_scope())
        if not with_need:
            return prose(first)
        second = self.r.say1("bericht.profil.meiste", sozialraeume=n, mit_bedarf=with_need,
                             meiste=most, gebiete=[self.r.area_label(c) for c in top],
                             begriff=self.r.cumulation_term())
        return prose(first, second,
                     "Jeder Sozialraum hat einen Steckbrief mit Bevölkerung, Kernindikatoren, "
                     "Entwicklung, den Gründen für den Handlungsbedarf und den Angeboten; die "
                     "Liste und die Tabelle führen dorthin.")

    def need_overview(self) -> Stack:
        rows = []
        for c in self.codes:
            row = {"Sozialraum": self.r.area_label(c)}
            for f in self.r.cfg.fields:
                flag = bool(self.r.res.need.loc[c, f"{f}_bedarf_flag"])
                s = float(self.r.res.stability.loc[c, f])
                lab = stability_label(s, flag, self.r.cfg.robustheit.stabil_ab)
                row[self.r.cfg.handlungsfelder[f].kurz + self.r.exploratory_suffix(f)] = (
                    "ja" if flag else "nein") + (
                    f" ({BORDERLINE})" if lab == "Grenzfall" else ""
                )
            row[self.r.cumulation_term("Felder")] = int(self.r.res.need.loc[c, "kumulation"])
            rows.append(row)
        table = TableOutput(
            pd.DataFrame(rows),
            f"Handlungsbedarf in den Sozialräumen von {self.name} {self.r.year}",
            row_header="Sozialraum",
            links={"Sozialraum": [self.r.area_href(c) for c in self.codes]},
        )
        return Stack((table, self.r.uncertainty_key(
            exploratory=bool(self.r.cfg.exploratory_fields))))

    def map(self) -> FigureOutput:
        codes = self.codes
        geom = {c: self.r.ds.geometry[c] for c in codes}
        cum = self.r.res.need.loc[codes, "kumulation"].astype(int)
        here = f"sozialbericht/{self.r.profile_pages[self.ags]}"
        return choropleth(
            cum,
            geom,
            self.r.areas.loc[codes, S.KOMMUNE],
            title=f"{self.name}: Zahl der {self.r.cumulation_term()} {self.r.year}",
            scheme=self.r.cumulation_scheme,
            caption=self.r.map_caption(), mark=self.r.image_mark,
            label_municipalities=False, label_areas=True,
            links={c: self.r.area_href(c, here) for c in codes},
            area_names=self.r.area_names,
        )




@dataclass
class AreaList:
    """The areas of a Kommune as an in-page list of links to their Steckbriefe."""

    r: ReportContext
    codes: list[str]
    kommune: str

    def _repr_html_(self) -> str:
        import html

        items = []
        for c in self.codes:
            fields = [self.r.cfg.handlungsfelder[f].kurz for f in self.r.cfg.fields
                      if self.r.res.need.loc[c, f"{f}_bedarf_flag"]]
            what = ("Handlungsbedarf: " + fmt.join_de(fields, last="sowie")) if fields else \
                "kein Handlungsbedarf"
            items.append(
                f'<li id="{html.escape(self.r.area_anchors[c], quote=True)}">'
                f'<a href="{html.escape(self.r.area_href(c), quote=True)}">'
                f"{html.escape(self.r.area_label(c))}</a> – {html.escape(what)}</li>")
        label = f"Sozialräume von {self.kommune}"
        return (f'<ul class="sozialraeume" aria-label="{html.escape(label, quote=True)}">'
                + "".join(items) + "</ul>")
