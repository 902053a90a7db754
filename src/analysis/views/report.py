"""Views of the Sozialbericht: what a chapter notebook shows, as one call each.

Every table and figure here goes through disclosure control
(:mod:`analysis.gate.disclosure`) before it is shown or downloaded; every number in a
sentence comes from the data (:mod:`analysis.common.fmt`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.common import fmt
from analysis.common.errors import ConfigError
from analysis.common.ids import (
    area_anchors,
    area_pages,
    field_pages,
    is_ags,
    natural_key,
    natural_sorted,
    profile_pages,
)
from analysis.contract import schema as S
from analysis.contract.config import text_slots, text_values
from analysis.contract.texts import TextBlock, read_text, render
from analysis.gate import disclosure as D
from analysis.method.context import Context, load_context
from analysis.method.core import TYPES, need_table, stability_label, typology
from analysis.rendering.figures import FigureOutput, bar_with_intervals, profile_heatmap, trend_lines
from analysis.rendering.maps import ClassScheme, choropleth, count_scheme, diverging_scheme
from analysis.rendering.palettes import ATTENTION, NEED_BORDERLINE
from analysis.rendering.prose import Prose, Stack, notice, prose
from analysis.rendering.tables import DEMO_MARK, TableOutput

NEED_LABEL = {True: "Handlungsbedarf", False: "kein Handlungsbedarf"}
RULE_TEXT = {
    "regional": "Feldindex im regionalen Vergleich hoch",
    "kommunal": "Leitindikator deutlich über dem Wert der Kommune",
    "absolut": "viele Betroffene (absolute Zahl)",
}


#: status × dynamics types (:data:`analysis.method.core.TYPES`) as the report names them
TYPE_LABEL = {
    "aufmerksamkeit": "besonderer Aufmerksamkeitsbedarf",
    "bedarf_stabil": "Handlungsbedarf, Lage stabil",
    "bedarf_positiv": "Handlungsbedarf, Lage verbessert",
    "beobachten": "kein Handlungsbedarf, Lage verschlechtert (beobachten)",
    "unauffaellig": "kein Handlungsbedarf, Lage nicht verschlechtert",
}
#: the same, short, as table headers
TYPE_SHORT = {
    "aufmerksamkeit": "Bedarf und negativ",
    "bedarf_stabil": "Bedarf, stabil",
    "bedarf_positiv": "Bedarf, positiv",
    "beobachten": "kein Bedarf, negativ",
    "unauffaellig": "kein Bedarf, sonst",
}
DYNAMICS_LABEL = {"positiv": "positiv", "stabil": "stabil", "negativ": "negativ",
                  "": "nicht bewertet"}
BORDERLINE = "knapp"


class Uncertain(float):
    """A published value flagged ``unsicher`` (denominator below ``unsicher_nenner``):
    tables show it in parentheses (*Aussagewert eingeschränkt*)."""


def mark_uncertain(formatter):
    """A cell formatter that puts :class:`Uncertain` values in parentheses."""
    def show(x):
        text = formatter(x)
        return f"({text})" if isinstance(x, Uncertain) and text not in (fmt.SUPPRESSED,
                                                                         fmt.MISSING) else text
    return show


def count_with_borderline(n: int, k: int, singular: str = "Sozialraum",
                          plural: str = "Sozialräume", one: str = "einer",
                          suffix: str = "", genus: str = "m") -> str:
    """A count with its borderline part, as running text (:func:`analysis.common.fmt.count_words`):
    "43 Sozialräume, davon 21 knapp", "15 Sozialräume, davon einer knapp", "zwei
    Sozialräume, beide knapp", "ein Sozialraum, knapp", "kein Sozialraum"; ``k = 0`` adds
    nothing. ``one`` is "one" in the gender of the noun (einer / eine / eines); ``suffix``
    follows the noun ("… in fünf Kommunen, davon drei knapp")."""
    if k < 0 or k > n:
        raise ValueError(f"davon {k} von {n}: unmöglich")
    return fmt.count_words(n, singular, plural, genus) + suffix + borderline_tail(n, k, one)


def borderline_tail(n: int, k: int, one: str = "einer") -> str:
    """The borderline part alone: ", davon drei knapp", ", beide knapp", "" for none."""
    if k == 0:
        return ""
    if n == 1:
        return f", {BORDERLINE}"
    if k == n:
        return f", {'beide' if n == 2 else 'alle'} {BORDERLINE}"
    return f", davon {one if k == 1 else fmt.number_word(k)} {BORDERLINE}"


def _watch_phrase(n: int) -> str:
    """"Drei weitere Sozialräume ohne Handlungsbedarf … werden zur Beobachtung genannt."."""
    who = fmt.count_words(n, "weiterer Sozialraum", "weitere Sozialräume")
    return (f"{who} ohne Handlungsbedarf, aber mit negativer Dynamik "
            f"{'wird' if n <= 1 else 'werden'} zur Beobachtung genannt.")


def open_report(
    data_dir: str | Path = "../data/demo", config_file: str | Path = "../config/report.yaml"
) -> Report:
    """Entry point for the notebooks: the report views for these inputs."""
    return Report(load_context(str(data_dir), str(config_file)))


def _natural(codes) -> list[str]:
    return natural_sorted(codes)


def change_phrase(entered: list[str], left: list[str], borderline: int = 0) -> str:
    """How one field's classification changed: the areas newly in need (``borderline`` of
    them only „knapp“) and those no longer in need, in whole German sentences for 0, 1, 2
    and many."""
    def part(codes: list[str], what: str, k: int = 0) -> str:
        return (f"{fmt.count_words(len(codes), 'Sozialraum', 'Sozialräume')} {what}"
                + borderline_tail(len(codes), k)
                + (f" ({fmt.join_de(codes)})" if codes else ""))
    if not entered and not left:
        return "unverändert – dieselben Sozialräume mit Handlungsbedarf wie im Vergleichsjahr."
    return (part(entered, "neu mit Handlungsbedarf", borderline) + "; "
            + part(left, "nicht mehr mit Handlungsbedarf") + ".")


@dataclass
class Report:
    """The Sozialbericht views over one analysis context."""

    ctx: Context

    # ------------------------------------------------------------------ basics
    @property
    def cfg(self):
        return self.ctx.cfg

    @property
    def ds(self):
        return self.ctx.ds

    @property
    def res(self):
        return self.ctx.res

    @property
    def year(self) -> int:
        return self.cfg.berichtsjahr

    @cached_property
    def areas(self) -> pd.DataFrame:
        return self.ds.areas.set_index(S.AREA)

    @cached_property
    def catalogue(self) -> pd.DataFrame:
        return self.ds.indicators.set_index(S.INDICATOR)

    @property
    def protected(self) -> pd.DataFrame:
        """Area counts after disclosure control (computed once by the core)."""
        return self.res.protected

    @property
    def protected_municipal(self) -> pd.DataFrame:
        """Counts that exist only per Kommune (``zaehlungen_kommune.csv``), protected by
        the same rules: each Kommune counts as its own single area, so a withheld
        Kommune cannot be recomputed from the region total minus the other Kommunen."""
        return self.res.protected_municipal

    def text(self, name: str, values: dict | None = None) -> TextBlock:
        """A chapter text of the configuration (e.g. ``"sozialbericht.md"``) with the
        computed values inserted (wording lives with the planners, not in code)."""
        source = f"Text {self.cfg.texte}/{name}"
        if name not in text_slots(self.cfg):
            raise ConfigError(f"{source}: nicht in der Konfiguration vorgesehen")
        template = read_text(self.cfg.text_path(self.ctx.config_file, name), source)
        return render(template, values or text_values(self.cfg), source)

    def label(self, indicator: str) -> str:
        return str(self.catalogue.loc[indicator, "bezeichnung"])

    def unit(self, indicator: str) -> str:
        return str(self.catalogue.loc[indicator, "einheit"])

    def value_text(self, indicator: str, value) -> str:
        return fmt.with_unit(value, self.unit(indicator))

    @property
    def single_municipality(self) -> bool:
        """A region of exactly one Kommune (a city): its values are the region's values,
        so Kommune and region are not shown side by side."""
        return len(self.ds.municipalities) == 1

    @cached_property
    def area_anchors(self) -> dict[str, str]:
        """Area code → anchor of the area: its entry in the list of areas on the
        Kommunalprofil (which links on to the Steckbrief) and the main section of its
        Steckbrief. A link built as ``profile_pages[ags] + "#" + area_anchors[code]``
        therefore still arrives at the area; links should use :meth:`area_href`."""
        return area_anchors(self.areas.index)

    @cached_property
    def area_pages(self) -> dict[str, str]:
        """Area code → page slug of its Steckbrief (``41_sr_<slug>``)."""
        return area_pages(self.areas.index)

    def area_href(self, code: str, site: str = "sozialbericht") -> str:
        """The link to an area, i.e. to its Steckbrief, from a page of ``site``
        (``"sozialbericht"`` or ``"handlungskonzept"``). Every link to an area – need
        tables, maps, annex – uses this."""
        page = f"{self.area_pages[code]}.html"
        site = site.partition("/")[0]  # also "<site>/<page slug>", as maps pass it
        return page if site == "sozialbericht" else f"../sozialbericht/{page}"

    @cached_property
    def profile_pages(self) -> dict[str, str]:
        """Kommune id → page slug of its Kommunalprofil."""
        return profile_pages(self.ds.municipalities[S.AGS])

    @cached_property
    def field_pages(self) -> dict[str, str]:
        """Field id → page slug of its chapter in the Sozialbericht."""
        return field_pages(self.cfg.fields)

    def steckbrief(self, code: str):
        """The Steckbrief of one Sozialraum (:class:`analysis.views.steckbrief.SteckbriefView`)."""
        from analysis.views.steckbrief import SteckbriefView

        if code not in self.areas.index:
            raise KeyError(f"Sozialraum „{code}“ gibt es nicht")
        return SteckbriefView(self, code)

    @cached_property
    def active_services(self) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """(services active in the report year, one row per service × served area) of
        the planning inventory (``angebote``); ``None`` when it was not supplied."""
        from analysis.method.concept import active_services, service_areas

        if self.ds.services is None:
            return None
        return (active_services(self.ds.services, self.year),
                service_areas(self.ds.services, self.year))

    @cached_property
    def adjacency(self) -> dict[str, set[str]]:
        """Area code → codes of the areas it borders (from the geometry)."""
        from analysis.method.concept import adjacency

        return adjacency(self.ds.geometry)

    def area_finder(self) -> tuple[tuple[str, str, str, str], ...]:
        """Every Sozialraum as (code, name, Kommune, link to its Steckbrief), in natural
        code order, for the area finder page (the link of :meth:`area_href` from the
        annex, ``../sozialbericht/…``, is valid from both sites)."""
        return tuple(
            (str(c), str(self.areas.loc[c, "name"]), str(self.areas.loc[c, S.KOMMUNE]),
             self.area_href(c, "handlungskonzept"))
            for c in _natural(self.areas.index)
        )

    def area_links(self, from_page: str = "sozialbericht/") -> dict[str, str]:
        """Area code → :meth:`area_href` for every area (the links of a map)."""
        return {c: self.area_href(c, from_page) for c in self.areas.index}

    @property
    def area_names(self) -> dict[str, str]:
        """Area code → name (for the titles of the areas on a map)."""
        return {c: str(n) for c, n in self.areas["name"].items()}

    # ------------------------------------------------------------------ map classes
    @cached_property
    def index_scheme(self) -> ClassScheme:
        """Classes of every field index map: diverging around 0 at the rule thresholds
        (``bedarf.regional_index`` and the lower index threshold), symmetric."""
        rules = self.cfg.bedarf
        hi = float(rules.regional_index)
        mid = float(min(rules.kommunal_index, rules.absolut_index))
        if not 0 < mid < hi:
            mid = hi / 2
        return diverging_scheme("Feldindex (z-Wert)", (-hi, -mid, mid, hi))

    @cached_property
    def need_scheme(self) -> ClassScheme:
        """Classes of every need map: no need, no need (borderline), need (borderline),
        need – codes 0 … 3, light to dark."""
        return ClassScheme((0, 1, 2, 3), (NEED_LABEL[False], f"{NEED_LABEL[False]}, {BORDERLINE}",
                                          f"{NEED_LABEL[True]}, {BORDERLINE}", NEED_LABEL[True]),
                           NEED_BORDERLINE, "Einstufung", categorical=True)

    @cached_property
    def cumulation_scheme(self) -> ClassScheme:
        """Classes of every cumulation map, regional and municipal: 0 … all fields."""
        return count_scheme("Handlungsfelder mit Bedarf (Anzahl)", len(self.cfg.fields))

    def area_label(self, code: str) -> str:
        return f"{code} {self.areas.loc[code, 'name']}"

    @property
    def image_mark(self) -> str | None:
        """Text written into every image and map of a demo report (it travels with a
        copied picture); ``None`` for real data."""
        return DEMO_MARK if self.ds.is_demo else None

    def source_caption(self) -> str:
        """Caption under figures and maps: demo label, Stichtag, credit (real data only)."""
        pub = self.cfg.herausgeber
        if self.ds.is_demo:
            lead, credit = "Synthetische Demodaten. ", ""
        else:
            lead, credit = "", f"; Berechnung: {pub.stelle or pub.behoerde}" \
                if (pub.stelle or pub.behoerde) else ""
        return (f"{lead}Stand {self.cfg.bezeichnungen.stichtag}{self.year}{credit}. "
                "• = aus Gründen der Geheimhaltung gesperrt.")

    def map_caption(self) -> str:
        """Caption under maps: :meth:`source_caption` plus the map's credit line from the
        data (GeoJSON member „quellenangabe“, e.g. base geometry licence, schematic areas)."""
        credit = self.ds.map_credit
        return self.source_caption() + (f" {credit.rstrip('.')}." if credit else "")

    # ------------------------------------------------------------------ protected values
    def _flag_rates(self, rates: pd.DataFrame) -> pd.DataFrame:
        return D.flag_indicators(rates, self.ds.indicators, self.protected,
                                 self.protected_municipal)

    @cached_property
    def published_area(self) -> pd.DataFrame:
        """Area indicators with every withheld value missing (input for derived results)."""
        return D.withhold_values(self.res.area, self.ds.indicators, self.protected)

    @cached_property
    def published_municipal(self) -> pd.DataFrame:
        """Municipal indicators with every withheld value missing."""
        return D.withhold_values(self.res.municipal, self.ds.indicators,
                                 D.municipal_totals(self.protected),
                                 D.municipal_totals(self.protected_municipal))

    @cached_property
    def area_values(self) -> pd.DataFrame:
        """Area indicators (all years) with the suppression flag ``gesperrt``."""
        return self._flag_rates(self.res.area)

    @cached_property
    def municipal_values(self) -> pd.DataFrame:
        return self._flag_rates(self.res.municipal)

    @cached_property
    def region_values(self) -> pd.DataFrame:
        return self._flag_rates(self.res.region)

    @cached_property
    def _area_value_groups(self) -> dict:
        v = self.area_values.copy()
        for col in (S.VALUE, S.LOWER, S.UPPER, S.NUMERATOR):
            v[col] = v[col].where(~v[D.FLAG])
        return {k: g.set_index(S.AREA) for k, g in v.groupby([S.INDICATOR, S.YEAR], observed=True)}

    def area_value(self, indicator: str, year: int | None = None) -> pd.DataFrame:
        """One indicator for all areas in one year, suppressed values set to NaN."""
        return self._area_value_groups[(indicator, year or self.year)]

    def region_value(self, indicator: str, year: int | None = None) -> float:
        v = self.region_values
        row = v[(v[S.INDICATOR] == indicator) & (v[S.YEAR] == (year or self.year))]
        if row.empty or bool(row[D.FLAG].iloc[0]):
            return float("nan")
        return float(row[S.VALUE].iloc[0])

    @cached_property
    def _published_totals(self) -> tuple[dict, dict]:
        """Kommune and region totals of every count variable, through the gate: a
        withheld total is ``"•"`` (set by :func:`analysis.gate.disclosure.publish`)."""
        muni = D.publish(D.municipal_totals(self.protected), [S.COUNT], D.FLAG)
        region = D.publish(D.region_totals(self.protected), [S.COUNT], D.FLAG)
        return (muni.set_index([S.AGS, S.YEAR, S.VARIABLE])[S.COUNT].to_dict(),
                region.set_index([S.YEAR, S.VARIABLE])[S.COUNT].to_dict())

    def published_count(self, variable: str, ags: str | None = None,
                        year: int | None = None) -> object:
        """A Kommune's (``ags``) or the region's total of a count variable as published:
        an ``int``, ``"•"`` when disclosure control withholds it, NaN when absent."""
        muni, region = self._published_totals
        year = year or self.year
        value = region.get((year, variable)) if ags is None else muni.get((ags, year, variable))
        if value is None:
            return float("nan")
        return value if fmt.is_suppressed(value) else int(value)

    @cached_property
    def _published_lookup(self) -> dict:
        """(level, key, indicator, year) → published value: a float, ``"•"`` when
        disclosure control withholds it (absent keys are missing)."""
        out: dict = {}
        for level, frame, key in (("area", self.area_values, S.AREA),
                                  ("kommune", self.municipal_values, S.AGS),
                                  ("region", self.region_values, None)):
            keys = frame[key].to_numpy() if key else [None] * len(frame)
            for k, ind, year, value, flag in zip(keys, frame[S.INDICATOR].to_numpy(),
                                                 frame[S.YEAR].to_numpy(),
                                                 frame[S.VALUE].to_numpy(),
                                                 frame[D.FLAG].to_numpy(), strict=True):
                out[(level, k, ind, int(year))] = D.SUPPRESSED if flag else float(value)
        return out

    def published_value(self, indicator: str, *, area: str | None = None,
                        ags: str | None = None, year: int | None = None) -> object:
        """An indicator of an area (``area``), a Kommune (``ags``) or the region (neither)
        as published: a float, ``"•"`` when withheld, NaN when there is none."""
        level, key = ("area", area) if area is not None else \
            ("kommune", ags) if ags is not None else ("region", None)
        return self._published_lookup.get((level, key, indicator, year or self.year),
                                          float("nan"))

    @cached_property
    def _published_area_counts(self) -> dict:
        pub = D.publish(self.protected, [S.COUNT], D.FLAG)
        return {(a, int(y), v): c for a, y, v, c in zip(
            pub[S.AREA], pub[S.YEAR], pub[S.VARIABLE], pub[S.COUNT], strict=True)}

    def published_area_count(self, variable: str, code: str, year: int | None = None) -> object:
        """An area's count of a variable as published: an ``int``, ``"•"`` when disclosure
        control withholds it, NaN when absent."""
        value = self._published_area_counts.get((code, year or self.year, variable))
        if value is None or fmt.is_missing(value):
            return float("nan")
        return value if fmt.is_suppressed(value) else int(value)

    def municipal_value(self, indicator: str, ags: str, year: int | None = None) -> float:
        v = self.municipal_values
        row = v[
            (v[S.INDICATOR] == indicator) & (v[S.YEAR] == (year or self.year)) & (v[S.AGS] == ags)
        ]
        if row.empty or bool(row[D.FLAG].iloc[0]):
            return float("nan")
        return float(row[S.VALUE].iloc[0])

    # ------------------------------------------------------------------ uncertainty
    @cached_property
    def _borderline(self) -> dict[str, pd.Series]:
        """Per field: areas whose classification (need or not) is a borderline case of
        the robustness check (:func:`analysis.method.core.stability_label`)."""
        out = {}
        for f in self.cfg.fields:
            flag = self.res.need[f"{f}_bedarf_flag"].astype(bool)
            if f not in self.res.stability:
                out[f] = pd.Series(False, index=flag.index)
                continue
            share = self.res.stability[f].reindex(flag.index)
            out[f] = pd.Series([
                not np.isnan(x) and stability_label(x, bool(h), self.cfg.robustheit.stabil_ab)
                == "Grenzfall" for x, h in zip(share, flag, strict=True)], index=flag.index)
        return out

    def borderline(self, field: str) -> pd.Series:
        """Area → True where the field's classification is borderline („knapp“)."""
        return self._borderline[field]

    def borderline_need_count(self, field: str, codes=None) -> int:
        """How many of the areas with need in ``field`` (among ``codes``) are borderline."""
        flag = self.res.need[f"{field}_bedarf_flag"].astype(bool)
        hit = flag & self.borderline(field)
        return int(hit.sum() if codes is None else hit.reindex(codes, fill_value=False).sum())

    def borderline_any_count(self) -> int:
        """Areas with need in at least one counted field whose every such need is
        borderline (the area's place in the total is itself borderline)."""
        firm = pd.Series(False, index=self.res.need.index)
        some = pd.Series(False, index=self.res.need.index)
        for f in self.cfg.counted_fields:
            flag = self.res.need[f"{f}_bedarf_flag"].astype(bool)
            some |= flag
            firm |= flag & ~self.borderline(f)
        return int((some & ~firm).sum())

    def is_exploratory(self, field: str) -> bool:
        """Fewer core indicators than ``bedarf.mindestzahl_indikatoren``."""
        return field in self.cfg.exploratory_fields

    def exploratory_suffix(self, field: str) -> str:
        return " (explorativ)" if self.is_exploratory(field) else ""

    def uncertainty_key(self, borderline: bool = True, uncertain: bool = False,
                        exploratory: bool = False) -> Prose:
        """The key (Zeichenerklärung) under a table or map that marks uncertainty."""
        parts = []
        if borderline:
            parts.append(
                f"„{BORDERLINE}“: Grenzfall der Robustheitsprüfung – weniger als "
                f"{fmt.percent(self.cfg.robustheit.stabil_ab * 100, 0)} der Varianten mit "
                "veränderten Schwellen, Gewichten und Indikatoren bestätigen die Einstufung.")
        if uncertain:
            parts.append(
                "( ) Wert in Klammern: Aussagewert eingeschränkt, weil der Nenner unter "
                f"{fmt.number(self.cfg.unsicher_nenner)} liegt (breiter Vertrauensbereich).")
        if exploratory:
            parts.append(
                "„explorativ“: Das Handlungsfeld beruht auf weniger als "
                f"{fmt.number_word(self.cfg.bedarf.mindestzahl_indikatoren)} "
                "Kernindikatoren; die Einstufung ist ein erster Hinweis, kein gesicherter Befund.")
        return Prose(tuple(["Zeichenerklärung: " + " ".join(parts)]) if parts else (),
                     css_class="prose")

    @cached_property
    def area_indicator_ids(self) -> set[str]:
        """Indicators that exist per Sozialraum (not only per Kommune)."""
        return set(self.res.area[S.INDICATOR])

    def uncertain_value(self, indicator: str, code: str, year: int | None = None) -> object:
        """An area's published value: ``"•"`` if withheld, :class:`Uncertain` if flagged
        ``unsicher``, else the float."""
        v = self.area_value(indicator, year)
        if code not in v.index or bool(v.loc[code, D.FLAG]):
            return D.SUPPRESSED if code in v.index else float("nan")
        x = v.loc[code, S.VALUE]
        if fmt.is_missing(x):
            return float("nan")
        return Uncertain(x) if bool(v.loc[code, S.RELIABLE]) else float(x)

    # ------------------------------------------------------------------ overview
    def banner(self) -> Prose | None:
        if not self.ds.is_demo:
            return prose("")
        return notice(
            "Dieser Bericht wurde mit synthetischen Demodaten erstellt. Die "
            "Sozialraum-Kennungen, die Kommunen und ihre Grenzen sind real; alle Zahlen, "
            "die Angebote, die Schwerpunkte der Kommunen und die Grenzen der Sozialräume "
            "sind erfunden und dürfen nicht als amtliche Angaben verwendet werden."
        )

    def headline_text(self) -> Prose:
        n = len(self.areas)
        parts = []
        for _, r in self.res.headline.iterrows():
            fid = r["handlungsfeld"]
            f = self.cfg.handlungsfelder[fid]
            parts.append(
                f"{f.kurz}{self.exploratory_suffix(fid)}: "
                + count_with_borderline(
                    int(r["sozialraeume"]), self.borderline_need_count(fid),
                    suffix="" if self.single_municipality or not int(r["sozialraeume"]) else
                    f" in {fmt.count_words(int(r['kommunen']), 'Kommune', 'Kommunen', 'f', 'dat')}")
            )
        terms = []
        for fid in self.cfg.fields:
            fc = self.cfg.handlungsfelder[fid]
            if fc.gebietsbegriff:
                k = int(self.res.need[f"{fid}_bedarf_flag"].sum())
                terms.append(f"{fmt.count_phrase(k, 'Sozialraum gilt', 'Sozialräume gelten')} "
                             f"als {fc.gebietsbegriff} (Handlungsbedarf im Feld {fc.kurz}); ")
        from analysis.method.concept import counted_cumulation

        # cumulation over the same counted fields as the total (not the separate ones)
        counted = self.cfg.counted_fields
        k = self.cfg.konzept.kumulation_ab
        cum = counted_cumulation(self.res.need, counted)
        n_cum = int((cum >= k).sum())
        cumulation = ("" if len(counted) < k else
                      f"{fmt.count_phrase(n_cum, 'Sozialraum hat', 'Sozialräume haben')} "
                      + (f"Handlungsbedarf in allen {fmt.number_word(len(counted))} gezählten "
                         "Feldern." if k == len(counted) else
                         f"Handlungsbedarf in {fmt.number_word(k)} oder mehr der "
                         f"{fmt.number_word(len(counted))} gezählten Felder."))
        k_any = self.borderline_any_count()
        any_part = ("" if not k_any else
                    f" Bei {'einem' if k_any == 1 else fmt.number(k_any)} davon beruht das nur "
                    f"auf {'einer knappen Einstufung' if k_any == 1 else 'knappen Einstufungen'}"
                    " (Grenzfälle der Robustheitsprüfung).")
        return prose(
            f"Im Berichtsjahr {self.year} zeigen {fmt.number(self.res.any_need)} der "
            f"{fmt.number(n)} Sozialräume {self.cfg.region_genitiv} Handlungsbedarf in "
            f"{self._counted_fields_phrase()}.{any_part} {''.join(terms)}{cumulation}",
            "Handlungsbedarf je Handlungsfeld:",
            items=parts,
        )

    def _counted_fields_phrase(self) -> str:
        """"mindestens einem der vier Handlungsfelder A, B, C sowie D" (or one field)."""
        names = [self.cfg.handlungsfelder[f].kurz for f in self.cfg.counted_fields]
        if len(names) == 1:
            return f"dem Handlungsfeld {names[0]}"
        listed = ", ".join(names[:-1]) + " sowie " + names[-1]
        return f"mindestens einem der {fmt.number_word(len(names))} Handlungsfelder {listed}"

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
            title=f"Kumulation: Zahl der Handlungsfelder mit Bedarf {self.year}",
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
                "Einwohner": self.published_count(self.population_variable, m[S.AGS]),
            }
            for ind in leads:
                row[self.label(ind)] = self.municipal_value(ind, m[S.AGS])
            rows.append(row)
        reg = {
            "Kommune": self.cfg.region,
            "Sozialräume": len(self.areas),
            "Einwohner": self.published_count(self.population_variable),
        }
        for ind in leads:
            reg[self.label(ind)] = self.region_value(ind)
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

    # ------------------------------------------------------------------ field chapters
    def field(self, field: str) -> FieldView:
        if field not in self.cfg.handlungsfelder:
            raise KeyError(f"Handlungsfeld „{field}“ ist nicht konfiguriert")
        return FieldView(self, field)

    def profile(self, ags: str) -> ProfileView:
        if ags not in set(self.ds.municipalities[S.AGS]):
            raise KeyError(f"Kommune „{ags}“ gibt es nicht")
        return ProfileView(self, ags)

    # ------------------------------------------------------------------ change
    def change_text(self) -> Prose:
        base = self.cfg.vergleichsjahr
        if base is None or self.res.need_previous is None:
            return prose("Für diese Ausgabe ist kein Vergleichsjahr konfiguriert.")
        items = []
        for f in self.cfg.fields:
            now = self.res.need[f"{f}_bedarf_flag"]
            before = self.res.need_previous[f"{f}_bedarf_flag"].reindex(now.index, fill_value=False)
            entered = _natural(now.index[now & ~before])
            left = _natural(now.index[~now & before])
            knapp = int(self.borderline(f).reindex(entered, fill_value=False).sum())
            items.append(f"{self.cfg.handlungsfelder[f].kurz}{self.exploratory_suffix(f)}: "
                         + change_phrase(entered, left, knapp))
        return prose(
            f"Zwischen {base} und {self.year} hat sich die Einstufung so verändert:", items=items
        )

    def change_table(self) -> TableOutput | Stack:
        """Per core indicator: areas improving / stable / worsening since the comparison
        year; indicators judged ``neutral`` (and context indicators) in a second table
        that only says risen / fallen."""
        ch = self.res.change
        base = self.cfg.vergleichsjahr
        flags = self.area_values[[S.AREA, S.YEAR, S.INDICATOR, D.FLAG]]
        hidden = (
            flags[flags[S.YEAR].isin([self.year, base])]
            .groupby([S.AREA, S.INDICATOR], observed=True)[D.FLAG]
            .any()
        )
        ch = ch.set_index([S.AREA, S.INDICATOR])
        ch = ch[~hidden.reindex(ch.index, fill_value=True)].reset_index()
        judged_rows, neutral_rows = [], []
        for f in self.cfg.fields:
            fc = self.cfg.handlungsfelder[f]
            for ind in [*fc.indikatoren, *fc.kontext]:
                sub = ch[ch[S.INDICATOR] == ind]
                if sub.empty:
                    continue
                row = {"Indikator": self.label(ind) + (" (Kontext)" if ind in fc.kontext else ""),
                       "Handlungsfeld": fc.kurz}
                if (sub["bewertung"] == "neutral").all():
                    row.update({"gestiegen": int((sub["dynamik"] == "gestiegen").sum()),
                                "stabil": int((sub["dynamik"] == "stabil").sum()),
                                "gesunken": int((sub["dynamik"] == "gesunken").sum())})
                    target = neutral_rows
                else:
                    row.update({"verbessert": int((sub["dynamik"] == "verbessert").sum()),
                                "stabil": int((sub["dynamik"] == "stabil").sum()),
                                "verschlechtert": int((sub["dynamik"] == "verschlechtert").sum())})
                    target = judged_rows
                row.update({"Region vorher": self.region_value(ind, base),
                            "Region jetzt": self.region_value(ind)})
                target.append(row)
        formats = {"Region vorher": lambda x: fmt.number(x, 1),
                   "Region jetzt": lambda x: fmt.number(x, 1)}
        rule = (f"Schwelle ± {fmt.number(self.cfg.dynamik.schwelle, 1)}"
                + (" und außerhalb der Zufallsschwankung" if self.cfg.dynamik.vertrauensniveau
                   else ""))
        judged = TableOutput(
            pd.DataFrame(judged_rows, columns=["Indikator", "Handlungsfeld", "verbessert",
                                               "stabil", "verschlechtert", "Region vorher",
                                               "Region jetzt"]),
            f"Entwicklung der Kernindikatoren {base}–{self.year}: Zahl der "
            f"Sozialräume ({rule})",
            number_formats=formats,
            row_header="Indikator",
        )
        if not neutral_rows:
            return judged
        neutral = TableOutput(
            pd.DataFrame(neutral_rows),
            f"Indikatoren ohne Bewertung (Zusammensetzung, Kontext) {base}–{self.year}: Zahl "
            f"der Sozialräume mit gestiegenem oder gesunkenem Wert ({rule})",
            number_formats=formats,
            row_header="Indikator",
        )
        return Stack((judged, prose(
            "Die folgenden Indikatoren beschreiben die Zusammensetzung der Bevölkerung oder "
            "den Kontext. Ein höherer Wert ist weder besser noch schlechter; gezeigt wird nur, "
            "wo er gestiegen oder gesunken ist. Sie gehen nicht in den Dynamikindex ein."),
            neutral))

    def change_lists(self) -> TableOutput:
        base = self.cfg.vergleichsjahr
        rows, hrefs = [], []
        for f in self.cfg.fields:
            now = self.res.need[f"{f}_bedarf_flag"]
            before = self.res.need_previous[f"{f}_bedarf_flag"].reindex(now.index, fill_value=False)
            for code in _natural(now.index[now != before]):
                hrefs.append(self.area_href(code))
                rows.append(
                    {
                        "Sozialraum": self.area_label(code),
                        "Kommune": self.areas.loc[code, S.KOMMUNE],
                        "Handlungsfeld": self.cfg.handlungsfelder[f].kurz,
                        "Veränderung": "neu mit Bedarf" if now[code] else "Bedarf entfallen",
                        f"Index {base}": self.res.need_previous.loc[code, f"{f}_index"],
                        f"Index {self.year}": self.res.need.loc[code, f"{f}_index"],
                    }
                )
        df = (
            pd.DataFrame(rows)
            if rows
            else pd.DataFrame(columns=["Sozialraum", "Kommune", "Handlungsfeld", "Veränderung"])
        )
        return TableOutput(
            df,
            f"Sozialräume, deren Einstufung sich seit {base} geändert hat",
            links={"Sozialraum": hrefs},
            number_formats={
                f"Index {base}": lambda x: fmt.signed(x, 2),
                f"Index {self.year}": lambda x: fmt.signed(x, 2),
            },
            row_header="Sozialraum",
        )

    # ------------------------------------------------------------------ status × dynamics
    @property
    def has_dynamics(self) -> bool:
        """A comparison year is configured and present in the data."""
        return self.res.dynamics is not None

    def dynamics_class(self, field: str) -> pd.Series:
        """Area → „positiv“ / „stabil“ / „negativ“ / "" (not judged)."""
        return self.res.dynamics[f"{field}_dynamik"]

    def typology(self, field: str) -> pd.Series:
        """Area → status × dynamics type (:data:`analysis.method.core.TYPES`); made once
        per field (tables ask for it area by area). Callers must not change it."""
        made = self.__dict__.setdefault("_typologies", {})
        if field not in made:
            made[field] = typology(self.res.need[f"{field}_bedarf_flag"],
                                   self.dynamics_class(field))
        return made[field]

    @property
    def attention_fields(self) -> list[str]:
        """Fields whose dynamics feed the areas of special attention (not exploratory)."""
        return [f for f in self.cfg.fields if not self.is_exploratory(f)]

    def _judged(self, field: str) -> list[str]:
        ev = self.res.change_published.drop_duplicates(S.INDICATOR).set_index(S.INDICATOR)
        return [i for i in self.cfg.handlungsfelder[field].indikatoren
                if ev["bewertung"].get(i, "neutral") != "neutral"]

    def _change_phrase(self, indicator: str, delta: float) -> str:
        unit = self.unit(indicator)
        step = ("Prozentpunkte" if unit == "%" else unit)
        return f"{self.label(indicator)} {fmt.signed(delta, 1)} {step}".rstrip()

    def dynamics_reasons(self, field: str, code: str) -> str:
        """Which judged indicators moved beyond the noise, with their change; when none
        did on its own but the index did, the changes in the index's direction."""
        ch = self.res.change_published
        judged = self._judged(field)
        sub = ch[(ch[S.AREA] == code) & ch[S.INDICATOR].isin(judged)].set_index(S.INDICATOR)
        sub = sub.reindex([i for i in judged if i in sub.index])
        parts = []
        for word in ("verschlechtert", "verbessert"):
            moved = sub[sub["dynamik"] == word]
            if len(moved):
                parts.append(f"{word}: " + fmt.join_de(
                    self._change_phrase(i, d) for i, d in moved["veraenderung"].items()))
        if parts:
            return "; ".join(parts)
        cls = self.dynamics_class(field).get(code, "")
        if cls in ("negativ", "positiv"):
            sign = sub["bewertung"].map({"hoch_schlecht": 1.0, "hoch_gut": -1.0})
            toward = sub[(sub["veraenderung"] * sign > 0) == (cls == "negativ")]
            toward = toward[toward["veraenderung"].abs() > 0]
            if len(toward):
                word = "verschlechtert" if cls == "negativ" else "verbessert"
                return (f"{word}, jeder Indikator für sich innerhalb der Schwankung: "
                        + fmt.join_de(self._change_phrase(i, d)
                                      for i, d in toward["veraenderung"].items()))
        return "kein Indikator außerhalb der Schwankung verändert"

    def dynamics_text(self) -> Prose:
        """How the dynamics index is built, and per field how many areas are positive,
        stable and negative, and how many need special attention."""
        if not self.has_dynamics:
            return prose("Für diese Ausgabe ist kein Vergleichsjahr konfiguriert.")
        base = self.cfg.vergleichsjahr
        dy = self.cfg.dynamik
        items = []
        for f in self.cfg.fields:
            fc = self.cfg.handlungsfelder[f]
            cls = self.dynamics_class(f)
            name = fc.kurz + self.exploratory_suffix(f)
            if not (cls != "").any():
                items.append(f"{name}: keine Dynamik – das Feld hat keinen bewerteten "
                             "Kernindikator (nur Anteile ohne Bewertung).")
                continue
            counts = "Dynamik " + fmt.join_de(
                f"in {fmt.count_words(int((cls == c).sum()), 'Sozialraum', 'Sozialräumen', 'm', 'dat')}"
                f" {c}" for c in ("positiv", "stabil", "negativ"))
            typ = self.typology(f)
            att = typ == "aufmerksamkeit"
            k = int((att & self.borderline(f)).sum())
            items.append(
                f"{name}: {counts}; besonderer Aufmerksamkeitsbedarf (Handlungsbedarf und "
                f"negative Dynamik): "
                + count_with_borderline(int(att.sum()), k)
                + ("" if f in self.attention_fields else " – explorativ, nicht in der Karte"))
        types = self._area_types()
        att = types == 3
        firm = pd.Series(False, index=types.index)
        for f in self.attention_fields:
            firm |= (self.typology(f) == "aufmerksamkeit") & ~self.borderline(f)
        names = [self.cfg.handlungsfelder[f].kurz for f in self.attention_fields]
        n_att, k_att = int(att.sum()), int((att & ~firm).sum())
        over = (f"In den Feldern {', '.join(names[:-1])} sowie {names[-1]}" if len(names) > 1
                else f"Im Feld {names[0]}" if names else "Insgesamt")
        total = (
            f"{over} {'hat' if n_att <= 1 else 'haben'} "
            + count_with_borderline(n_att, k_att, suffix=" besonderen Aufmerksamkeitsbedarf"
                                    + (" in mindestens einem Feld" if len(names) > 1 else ""))
            + (" (nur in knapp eingestuften Feldern)" if k_att else "") + "; "
            + _watch_phrase(int((types == 1).sum())))
        return prose(
            f"Der Dynamikindex fasst je Handlungsfeld zusammen, wie sich die bewerteten "
            f"Kernindikatoren eines Sozialraums zwischen {base} und {self.year} verändert "
            "haben: die Veränderung jedes Indikators, gemessen an der Streuung zwischen den "
            "Sozialräumen, gemittelt mit den Gewichten des Feldindex. Werte über 0 bedeuten "
            "eine Verbesserung. Als „positiv“ oder „negativ“ gilt die Dynamik, wenn der Index "
            f"mindestens {fmt.number(dy.index_schwelle, 2)} von 0 abweicht"
            + (f" und außerhalb der Zufallsschwankung ({fmt.percent(dy.vertrauensniveau * 100, 0)}"
               "-Vertrauensbereich aus den Wilson-Intervallen beider Jahre) liegt"
               if dy.vertrauensniveau else "")
            + "; sonst ist sie „stabil“. Anteile, die nur die Zusammensetzung der Bevölkerung "
            "beschreiben (ohne Bewertung), zählen nicht mit.",
            "Zusammen mit dem Status – Handlungsbedarf im Berichtsjahr – ergibt sich je Feld ein "
            "Typ. Besonderen Aufmerksamkeitsbedarf haben Sozialräume mit Handlungsbedarf, deren "
            "Lage sich zusätzlich verschlechtert hat; Sozialräume ohne Handlungsbedarf mit "
            "negativer Dynamik werden zur Beobachtung genannt.",
            total,
            items=items,
        )

    def typology_table(self) -> Stack | Prose:
        """Per field: areas per status × dynamics type (with the borderline part)."""
        if not self.has_dynamics:
            return prose("")
        rows = []
        for f in self.cfg.fields:
            typ = self.typology(f)
            row = {"Handlungsfeld": self.cfg.handlungsfelder[f].kurz + self.exploratory_suffix(f)}
            judged = (self.dynamics_class(f) != "").any()
            for t in TYPES:
                row[TYPE_SHORT[t]] = int((typ == t).sum()) if judged else fmt.MISSING
                if t == "aufmerksamkeit":
                    row[f"davon {BORDERLINE}"] = (
                        int(((typ == t) & self.borderline(f)).sum()) if judged else fmt.MISSING)
            rows.append(row)
        table = TableOutput(
            pd.DataFrame(rows),
            f"Status und Dynamik {self.cfg.vergleichsjahr}–{self.year}: Zahl der Sozialräume "
            "je Typ und Handlungsfeld",
            row_header="Handlungsfeld",
        )
        return Stack((table, self.uncertainty_key(
            exploratory=bool(self.cfg.exploratory_fields)),
            prose("Bedarf und negativ: besonderer Aufmerksamkeitsbedarf (Handlungsbedarf im "
                  "Berichtsjahr und negative Dynamik); kein Bedarf, negativ: zur Beobachtung; "
                  "kein Bedarf, sonst: Dynamik stabil oder positiv."
                  + (" – = keine Dynamik: Das Feld hat keinen bewerteten Kernindikator."
                     if any(r[TYPE_SHORT["aufmerksamkeit"]] == fmt.MISSING for r in rows)
                     else ""))))

    def _area_types(self) -> pd.Series:
        """Area → 3 special attention (in any attention field), 2 need without negative
        dynamics, 1 watch (negative dynamics without need), 0 inconspicuous."""
        idx = self.res.need.index
        code = pd.Series(0, index=idx)
        for f in self.attention_fields:
            t = self.typology(f)
            code = np.maximum(code, t.map({"aufmerksamkeit": 3, "bedarf_stabil": 2,
                                           "bedarf_positiv": 2, "beobachten": 1,
                                           "unauffaellig": 0}).reindex(idx).fillna(0))
        return code.astype(int)

    def attention_map(self) -> FigureOutput:
        """Map of the areas of special attention (status × dynamics)."""
        names = ", ".join(self.cfg.handlungsfelder[f].kurz for f in self.attention_fields)
        return choropleth(
            self._area_types(),
            self.ds.geometry,
            self.areas[S.KOMMUNE],
            title=f"Status und Dynamik {self.cfg.vergleichsjahr}–{self.year}: Sozialräume mit "
                  "besonderem Aufmerksamkeitsbedarf",
            scheme=ClassScheme(
                (0, 1, 2, 3),
                ("unauffällig", "kein Handlungsbedarf, Lage verschlechtert (beobachten)",
                 "Handlungsbedarf, Lage nicht verschlechtert", "besonderer Aufmerksamkeitsbedarf"),
                ATTENTION, "Typ (höchste Stufe über die Felder)", categorical=True),
            caption=self.map_caption() + f" Felder: {names}. Besonderer "
            "Aufmerksamkeitsbedarf: Handlungsbedarf und negative Dynamik in mindestens einem Feld.",
            mark=self.image_mark,
            links=self.area_links(), area_names=self.area_names,
        )

    def attention_table(self) -> Stack | Prose:
        """Areas of special attention: field, index, dynamics index and the reasons."""
        if not self.has_dynamics:
            return prose("")
        rows = []
        for code in _natural(self.res.need.index):
            for f in self.attention_fields:
                if self.typology(f)[code] != "aufmerksamkeit":
                    continue
                fc = self.cfg.handlungsfelder[f]
                rows.append({
                    "Sozialraum": self.area_label(code),
                    "Kommune": self.areas.loc[code, S.KOMMUNE],
                    "Handlungsfeld": fc.kurz + (f" ({BORDERLINE})"
                                                if self.borderline(f)[code] else ""),
                    "Feldindex": self.res.need.loc[code, f"{f}_index"],
                    "Dynamikindex": self.res.dynamics.loc[code, f"{f}_dynamik_index"],
                    "Gründe": self.dynamics_reasons(f, code),
                })
        df = pd.DataFrame(rows, columns=["Sozialraum", "Kommune", "Handlungsfeld", "Feldindex",
                                         "Dynamikindex", "Gründe"])
        table = TableOutput(
            df,
            f"Sozialräume mit besonderem Aufmerksamkeitsbedarf {self.cfg.vergleichsjahr}–"
            f"{self.year}: Handlungsbedarf und negative Dynamik",
            number_formats={"Feldindex": lambda x: fmt.signed(x, 2),
                            "Dynamikindex": lambda x: fmt.signed(x, 2)},
            row_header="Sozialraum",
        )
        return Stack((table, self.uncertainty_key(), prose(
            "Dynamikindex: unter 0 = Lage verschlechtert. Gründe: bewertete Kernindikatoren, "
            "deren Veränderung die Schwelle erreicht und außerhalb der Zufallsschwankung liegt "
            "(Prozentpunkte bzw. je 1.000).")))

    def dynamics_download(self) -> pd.DataFrame:
        """Per area and field: status, borderline, dynamics index and class, type,
        indicators that moved (derived from published values only)."""
        rows = []
        for code in _natural(self.res.need.index):
            for f in self.cfg.fields:
                d = self.res.dynamics.loc[code]
                rows.append({
                    "sozialraum": code,
                    "name": self.areas.loc[code, "name"],
                    "kommune": self.areas.loc[code, S.KOMMUNE],
                    "handlungsfeld": f,
                    "explorativ": "ja" if self.is_exploratory(f) else "nein",
                    "feldindex": round(float(self.res.need.loc[code, f"{f}_index"]), 2),
                    "bedarf": "ja" if self.res.need.loc[code, f"{f}_bedarf_flag"] else "nein",
                    "einstufung_knapp": "ja" if self.borderline(f)[code] else "nein",
                    "dynamikindex": round(float(d[f"{f}_dynamik_index"]), 2),
                    "dynamik_schwankung": round(float(d[f"{f}_dynamik_rauschen"]), 2),
                    "dynamik": d[f"{f}_dynamik"] or "nicht bewertet",
                    "typ": TYPE_LABEL[self.typology(f)[code]] if d[f"{f}_dynamik"] else
                    ("Handlungsbedarf" if self.res.need.loc[code, f"{f}_bedarf_flag"]
                     else "kein Handlungsbedarf") + ", Dynamik nicht bewertet",
                    "verbessert": ", ".join(self.label(i) for i in d[f"{f}_besser"].split(", ")
                                            if i),
                    "verschlechtert": ", ".join(self.label(i)
                                                for i in d[f"{f}_schlechter"].split(", ") if i),
                })
        return pd.DataFrame(rows)

    @property
    def population_variable(self) -> str:
        """Count variable of the population (``rollen.bevoelkerung``)."""
        return self.cfg.population_variable(self.ds.indicators)

    def change_heading(self) -> Heading:
        """Heading of the change chapter's trend: the indicator of ``rollen.veraenderung``."""
        return Heading(f"{self.label(self.cfg.change_indicator())} nach Kommunen", 2)

    def trend_chart(self, indicator: str | None = None) -> FigureOutput:
        """An indicator per Kommune and region over all years (default: the change
        chapter's indicator, ``rollen.veraenderung``)."""
        indicator = indicator or self.cfg.change_indicator()
        mv = self.municipal_values
        sub = mv[mv[S.INDICATOR] == indicator].copy()
        names = self.ds.municipalities.set_index(S.AGS)["name"]
        sub["Kommune"] = sub[S.AGS].map(names)
        reg = self.region_values[self.region_values[S.INDICATOR] == indicator].copy()
        reg["Kommune"] = self.cfg.region
        if self.single_municipality:  # the one Kommune's line is the region's line
            df, by = reg, ""
        else:
            if self.cfg.region in set(sub["Kommune"]):  # a Kommune named like the region
                reg["Kommune"] = f"{self.cfg.region} insgesamt"
            df, by = pd.concat([sub, reg], ignore_index=True), " nach Kommunen"
        return trend_lines(
            df,
            S.YEAR,
            S.VALUE,
            "Kommune",
            f"{self.label(indicator)} {min(self.ds.years)}–{self.year}{by}",
            self.unit(indicator),
            suppressed_col=D.FLAG,
            caption=self.source_caption(), mark=self.image_mark,
            column_labels={S.YEAR: "Jahr", S.VALUE: self.label(indicator)},
        )

    # ------------------------------------------------------------------ method annex
    def _role_in_fields(self, indicator: str, listed) -> str:
        """"Armut", "Integration (Kontext)", "Inklusion (nur gezeigt)" … for the catalogue."""
        parts = []
        for f in listed:
            fc = self.cfg.handlungsfelder.get(f)
            if fc is None:
                parts.append(f)
            elif indicator in fc.indikatoren:
                parts.append(fc.kurz)
            elif indicator in fc.kontext:
                parts.append(f"{fc.kurz} (Kontext)")
            else:
                parts.append(f"{fc.kurz} (nur gezeigt)")
        return fmt.join_de(parts) or "Kontext"

    def catalogue_table(self) -> TableOutput:
        cat = self.ds.indicators
        need_dir = {1: "höher = mehr Bedarf", -1: "niedriger = mehr Bedarf"}
        # how a change is judged, said only where it is not what the need direction implies
        same = {1: "hoch_schlecht", -1: "hoch_gut"}
        judged = {"hoch_schlecht": "Veränderung: höher = ungünstiger",
                  "hoch_gut": "Veränderung: höher = günstiger",
                  "neutral": "Veränderung ohne Bewertung (Zusammensetzung)"}

        def direction(ind: str, d: int) -> str:
            ev = self.cfg.evaluation(ind, d)
            return need_dir[d] + ("" if ev == same[d] else f"; {judged[ev]}")

        df = pd.DataFrame(
            {
                "Indikator": cat["bezeichnung"],
                "Definition": cat["definition"],
                "Handlungsfeld": [self._role_in_fields(i, fs) for i, fs in
                                  zip(cat[S.INDICATOR], cat["handlungsfelder"], strict=True)],
                "Ebene": cat[S.LEVEL].map(
                    {S.LEVEL_AREA: "Sozialraum", S.LEVEL_MUNICIPALITY: "Kommune"}
                ),
                "Richtung": [direction(i, int(d))
                             for i, d in zip(cat[S.INDICATOR], cat["richtung"], strict=True)],
                "Quelle": cat["quelle"],
            }
        )
        return TableOutput(df, "Indikatorenkatalog", row_header="Indikator")

    def rules_text(self) -> Prose:
        b = self.cfg.bedarf
        return prose(
            "Jeder Indikator wird aus Zählungen berechnet (Zähler ÷ Nenner). Werte der Kommunen "
            "und der Region sind Quotienten der summierten Zählungen, nie Mittelwerte von "
            "Quoten. Zu jedem Wert gehört ein 95-%-Vertrauensbereich nach Wilson; Werte mit "
            f"einem Nenner unter {fmt.number(self.cfg.unsicher_nenner)} gelten als unsicher.",
            "Jeder Indikator wird über alle Sozialräume z-standardisiert (ungewichtet, "
            "Populationsstandardabweichung), so dass ein höherer Wert mehr Bedarf bedeutet. "
            "Der Feldindex ist der gewichtete Mittelwert der z-Werte der Kernindikatoren, "
            "erneut standardisiert. Standardisierung, Feldindex, Regeln und Robustheit "
            "verwenden nur veröffentlichte Werte: Ein aus Gründen der Geheimhaltung "
            "gesperrter Wert zählt dort als fehlend, der Feldindex dieses Sozialraums ist "
            "dann der Mittelwert der übrigen Kernindikatoren. Sonst ließe sich der gesperrte "
            "Wert aus dem Index und den anderen Indikatoren zurückrechnen.",
            "Ein Sozialraum hat Handlungsbedarf in einem Feld, wenn mindestens eine Regel greift:",
            items=[
                f"Regel 1 (regional): Feldindex mindestens {fmt.number(b.regional_index, 2)}.",
                f"Regel 2 (kommunal): Leitindikator mindestens das {fmt.number(b.kommunal_faktor, 2)}-Fache "
                f"des Werts der eigenen Kommune und Feldindex mindestens {fmt.number(b.kommunal_index, 2)}."
                + (f" {self.cfg.region} besteht aus nur einer Kommune: Ihr Wert ist der Wert "
                   "der Region, Regel 2 vergleicht hier also mit dem Wert der Region."
                   if self.single_municipality else ""),
                f"Regel 3 (absolut): Feldindex mindestens {fmt.number(b.absolut_index, 2)} und die Zahl der "
                f"Betroffenen im Leitindikator unter den obersten {fmt.number(b.absolut_anteil * 100)} % "
                "der Sozialräume.",
            ],
        )

    def robustness_text(self) -> Prose:
        rb = self.cfg.robustheit
        return prose(
            "Die Einstufung wird unter Varianten wiederholt: alle Indexschwellen um "
            f"± {fmt.number(rb.schwellen_delta, 2)}, jedes Gewicht um ± "
            f"{fmt.number(rb.gewichte_faktor * 100)} % und – je Indikator – ohne diesen "
            "Indikator. Die Stabilität ist der Anteil der Varianten, die einen Sozialraum als "
            f"„Handlungsbedarf“ einstufen. Stimmen mindestens {fmt.number(rb.stabil_ab * 100)} % "
            "der Varianten mit der Einstufung überein, gilt sie als stabil, sonst als Grenzfall."
        )

    def uncertainty_method_text(self) -> Prose:
        """Method: how the report marks uncertainty (knapp, unsicher, explorativ) and how
        it judges change (bewertung, noise, dynamics index, typology)."""
        dy = self.cfg.dynamik
        least = self.cfg.bedarf.mindestzahl_indikatoren
        exploratory = [self.cfg.handlungsfelder[f].kurz for f in self.cfg.exploratory_fields]
        paras = [
            f"Wo der Bericht eine Zahl von Sozialräumen mit Handlungsbedarf nennt, sagt er auch, "
            f"wie viele davon „{BORDERLINE}“ eingestuft sind – Grenzfälle der "
            "Robustheitsprüfung. In Tabellen steht dafür eine eigene Spalte oder der Zusatz "
            f"„({BORDERLINE})“, in Karten eine eigene Legendenklasse. Werte mit einem Nenner unter "
            f"{fmt.number(self.cfg.unsicher_nenner)} stehen in Klammern: Ihr Aussagewert ist "
            "eingeschränkt.",
            f"Ein Handlungsfeld mit weniger als {fmt.number_word(least)} Kernindikatoren gilt "
            "als explorativ: Seine Einstufung wird gezeigt und gekennzeichnet, zählt aber nicht "
            "zu den Sozialräumen mit besonderem Aufmerksamkeitsbedarf."
            + (f" In dieser Ausgabe betrifft das {fmt.join_de(exploratory)}."
               if exploratory else ""),
            "Jeder Indikator hat eine Bewertung: Bei „höher = ungünstiger“ ist ein Anstieg eine "
            "Verschlechterung, bei „höher = günstiger“ eine Verbesserung. Anteile, die nur die "
            "Zusammensetzung der Bevölkerung beschreiben (etwa der Anteil Älterer), sind ohne "
            "Bewertung: Ihre Veränderung heißt „gestiegen“ oder „gesunken“, nie „besser“ oder "
            "„schlechter“, und sie zählt nicht zum Dynamikindex. Als Kernindikator kann ein "
            "solcher Anteil dennoch in den Feldindex eingehen (mehr Ältere bedeuten mehr Bedarf "
            "an Angeboten für Ältere); Kontextindikatoren werden nur gezeigt.",
            f"Ein Indikator gilt als verändert, wenn er sich seit {self.cfg.vergleichsjahr or '–'} "
            f"um mindestens {fmt.number(dy.schwelle, 1)} (Prozentpunkte bzw. je 1.000) bewegt hat"
            + (f" und die Veränderung außerhalb der Zufallsschwankung liegt: größer als der "
               f"{fmt.percent(dy.vertrauensniveau * 100, 0)}-Vertrauensbereich der Differenz, "
               "berechnet aus den Wilson-Intervallen beider Jahre. In kleinen Sozialräumen "
               "gilt eine Veränderung deshalb erst ab einem größeren Betrag."
               if dy.vertrauensniveau else "."),
            "Der Dynamikindex eines Felds ist der mit den Feldgewichten gewichtete Mittelwert "
            "der Veränderungen seiner bewerteten Kernindikatoren, jede geteilt durch die "
            "Standardabweichung des Indikators zwischen den Sozialräumen im Vergleichsjahr und so "
            "gerichtet, dass Werte über 0 eine Verbesserung bedeuten. Seine Schwankungsbreite "
            "folgt aus denen der einzelnen Veränderungen. „positiv“ oder „negativ“ ist die "
            f"Dynamik, wenn der Index mindestens {fmt.number(dy.index_schwelle, 2)} von 0 "
            "abweicht und außerhalb seiner Schwankungsbreite liegt, sonst „stabil“. Aus Status "
            "(Handlungsbedarf im Berichtsjahr) und Dynamik ergeben sich fünf Typen; besonderen "
            "Aufmerksamkeitsbedarf haben Sozialräume mit Handlungsbedarf und negativer Dynamik. "
            "Dynamik und Typen werden nur aus veröffentlichten Werten gebildet.",
        ]
        return prose(*paras)

    def robustness_table(self) -> TableOutput:
        rows = []
        for f in self.cfg.fields:
            flag = self.res.need[f"{f}_bedarf_flag"]
            share = self.res.stability[f]
            labels = [
                stability_label(s, bool(h), self.cfg.robustheit.stabil_ab)
                for s, h in zip(share, flag, strict=True)
            ]
            lab = pd.Series(labels, index=flag.index)
            rows.append(
                {
                    "Handlungsfeld": self.cfg.handlungsfelder[f].titel,
                    "mit Bedarf": int(flag.sum()),
                    "davon stabil": int(((lab == "stabil") & flag).sum()),
                    "davon Grenzfall": int(((lab == "Grenzfall") & flag).sum()),
                    "ohne Bedarf, aber Grenzfall": int(((lab == "Grenzfall") & ~flag).sum()),
                }
            )
        return TableOutput(
            pd.DataFrame(rows),
            "Stabilität der Einstufung je Handlungsfeld",
            row_header="Handlungsfeld",
        )

    def borderline_table(self) -> TableOutput:
        rows, hrefs = [], []
        for f in self.cfg.fields:
            flag = self.res.need[f"{f}_bedarf_flag"]
            for code in _natural(flag.index):
                s = float(self.res.stability.loc[code, f])
                if (
                    stability_label(s, bool(flag[code]), self.cfg.robustheit.stabil_ab)
                    == "Grenzfall"
                ):
                    hrefs.append(self.area_href(code))
                    rows.append(
                        {
                            "Sozialraum": self.area_label(code),
                            "Handlungsfeld": self.cfg.handlungsfelder[f].kurz,
                            "Einstufung": NEED_LABEL[bool(flag[code])],
                            "Anteil der Varianten mit Bedarf": s * 100,
                        }
                    )
        df = pd.DataFrame(
            rows,
            columns=[
                "Sozialraum",
                "Handlungsfeld",
                "Einstufung",
                "Anteil der Varianten mit Bedarf",
            ],
        )
        return TableOutput(
            df,
            "Grenzfälle: Sozialräume mit unsicherer Einstufung",
            links={"Sozialraum": hrefs},
            number_formats={"Anteil der Varianten mit Bedarf": lambda x: fmt.percent(x, 0)},
            row_header="Sozialraum",
        )

    def disclosure_text(self) -> Prose:
        lim = self.cfg.geheimhaltung.mindestanzahl
        n_sec = int((self.protected[D.FLAG]).sum())
        return prose(
            f"Fallzahlen von 1 bis {fmt.number(lim - 1)} werden in allen Tabellen, Abbildungen "
            "und Downloads durch „•“ ersetzt (primäre Sperrung); 0 wird gezeigt. Quoten, deren "
            "Zähler oder Nenner gesperrt ist, werden ebenfalls gesperrt. Damit kein gesperrter "
            "Wert aus Summen der Kommune oder der Region zurückgerechnet werden kann, werden "
            "weitere Werte gesperrt (sekundäre Sperrung): je Kommune mindestens zwei Werte, "
            f"deren Summe mindestens {fmt.number(lim)} beträgt. Welche Werte das sind, hängt "
            "nicht von ihrer Größe ab, sondern von einem geheimen Schlüssel; eine Prüfung "
            "stellt sicher, dass sich auch mit Kenntnis dieser Regeln kein gesperrter Wert "
            "genau bestimmen lässt. Zahlen, die es nur je Kommune "
            "gibt (z. B. Eingliederungshilfe), werden ebenso gegen die Summe der Region "
            "geschützt. "
            + self._identity_sentence()
            + "Veränderungen werden nur aus veröffentlichten Werten gebildet.",
            f"In diesem Bericht sind {fmt.number(n_sec)} von {fmt.number(len(self.protected))} "
            "Zählwerten gesperrt.",
        )

    def _identity_sentence(self) -> str:
        """How sums between variables are protected (empty if none are declared)."""
        ids = self.ds.identities
        if not ids:
            return ""
        label = dict(zip(self.ds.variables[S.VARIABLE], self.ds.variables["bezeichnung"],
                         strict=True))
        sums = "; ".join(f"„{label[t]}“ = " + " + ".join(f"„{label[p]}“" for p in ps)
                         for t, ps in ids)
        return (
            f"Einige Merkmale sind die Summe anderer: {sums}. Sie werden gemeinsam geschützt, "
            "damit ein gesperrter Teil nicht aus der Summe und den übrigen Teilen "
            "zurückgerechnet werden kann; eine Prüfung mit linearer Optimierung stellt sicher, "
            "dass sich kein gesperrter Wert aus allen veröffentlichten Zahlen genau bestimmen "
            "lässt. "
        )

    def sources_table(self) -> TableOutput:
        var = self.ds.variables
        df = pd.DataFrame(
            {
                "Merkmal": var["bezeichnung"],
                "Einheit": var["einheit"],
                "Ebene": var[S.LEVEL].map(
                    {S.LEVEL_AREA: "Sozialraum", S.LEVEL_MUNICIPALITY: "Kommune"}
                ),
                "Quelle": var["quelle"],
            }
        )
        return TableOutput(
            df, "Datengrundlage: gezählte Merkmale und Quellen", row_header="Merkmal"
        )

    def parameters_table(self) -> TableOutput:
        b = self.cfg.bedarf
        rows = [
            ("Berichtsjahr", str(self.year)),
            (
                "Vergleichsjahr",
                str(self.cfg.vergleichsjahr) if self.cfg.vergleichsjahr else "–",
            ),
            ("Regel 1: Indexschwelle", fmt.number(b.regional_index, 2)),
            ("Regel 2: Faktor zum Kommunalwert", fmt.number(b.kommunal_faktor, 2)),
            ("Regel 2: Indexschwelle", fmt.number(b.kommunal_index, 2)),
            ("Regel 3: Indexschwelle", fmt.number(b.absolut_index, 2)),
            ("Regel 3: oberster Anteil", fmt.percent(b.absolut_anteil * 100, 0)),
            ("Geheimhaltung: Mindestanzahl", fmt.number(self.cfg.geheimhaltung.mindestanzahl)),
            ("Unsichere Quote: Nenner unter", fmt.number(self.cfg.unsicher_nenner)),
            ("Explorativ: weniger Kernindikatoren als",
             fmt.number(self.cfg.bedarf.mindestzahl_indikatoren)),
            ("Veränderung: Schwelle", fmt.number(self.cfg.dynamik.schwelle, 1)),
            ("Veränderung: Vertrauensniveau",
             fmt.percent(self.cfg.dynamik.vertrauensniveau * 100, 0)
             if self.cfg.dynamik.vertrauensniveau else "ohne"),
            ("Dynamikindex: Schwelle", fmt.number(self.cfg.dynamik.index_schwelle, 2)),
        ]
        return TableOutput(
            pd.DataFrame(rows, columns=["Parameter", "Wert"]),
            "Parameter dieser Ausgabe",
            row_header="Parameter",
        )

    # ------------------------------------------------------------------ downloads
    def download_tables(self) -> dict[str, tuple[str, pd.DataFrame]]:
        """Published tables: file stem → (label, disclosure-controlled DataFrame)."""
        need = need_table(self.ds, self.res, self.cfg)
        av = self.area_values[self.area_values[S.YEAR] == self.year].copy()
        av.insert(1, "name", av[S.AREA].map(self.areas["name"]))
        av = av.drop(columns=[S.RELIABLE]).assign(
            unsicher=np.where(self.res.area.loc[av.index, S.RELIABLE], "ja", "nein")
        )
        cols = [S.NUMERATOR, S.DENOMINATOR, S.VALUE, S.LOWER, S.UPPER]
        av[[S.VALUE, S.LOWER, S.UPPER]] = av[[S.VALUE, S.LOWER, S.UPPER]].round(2)
        # "unsicher" (denominator below the limit) says something about a withheld row too
        av_pub = D.publish(av, [*cols, "unsicher"], D.FLAG).drop(columns=[D.FLAG])
        av_pub = av_pub.iloc[
            sorted(
                range(len(av_pub)),
                key=lambda i: (natural_key(av_pub[S.AREA].iloc[i]), av_pub[S.INDICATOR].iloc[i]),
            )
        ]
        mv = self.municipal_values[self.municipal_values[S.YEAR] == self.year].copy()
        mv[[S.VALUE, S.LOWER, S.UPPER]] = mv[[S.VALUE, S.LOWER, S.UPPER]].round(2)
        mv.insert(1, "kommune", mv[S.AGS].map(self.ds.municipalities.set_index(S.AGS)["name"]))
        mv_pub = D.publish(mv.drop(columns=[S.RELIABLE]), cols, D.FLAG).drop(columns=[D.FLAG])
        extra = {}
        if self.has_dynamics:
            extra["dynamik"] = (f"Status und Dynamik {self.cfg.vergleichsjahr}–{self.year} je "
                                "Sozialraum und Handlungsfeld", self.dynamics_download())
        return {
            "handlungsbedarf": ("Handlungsbedarf je Sozialraum und Handlungsfeld", need),
            **extra,
            "indikatoren_sozialraeume": (
                f"Indikatoren je Sozialraum {self.year}",
                av_pub.reset_index(drop=True),
            ),
            "indikatoren_kommunen": (
                f"Indikatoren je Kommune {self.year}",
                mv_pub.reset_index(drop=True),
            ),
        }


@dataclass
class FieldView:
    """One Handlungsfeld chapter."""

    r: Report
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
        context = [self.r.label(i) for i in self.fc.kontext]
        n = len(labels)
        index = (f"Der Feldindex fasst {fmt.number_word(n)} Kernindikatoren zusammen"
                 if n > 1 else "Der Feldindex beruht auf einem einzigen Kernindikator")
        text = prose(
            self.fc.beschreibung,
            f"{index}; Leitindikator für die Regeln 2 und 3 ist "
            f"„{self.r.label(self.fc.leitindikator)}“."
            + (f" Als Kontext – gezeigt, aber nicht in Feldindex und Handlungsbedarf "
               f"gezählt – {'dient' if len(context) == 1 else 'dienen'} "
               f"{fmt.join_de(f'„{c}“' for c in context)}." if context else ""),
            items=labels,
        )
        if not self.r.is_exploratory(self.field):
            return text
        least = self.r.cfg.bedarf.mindestzahl_indikatoren
        return Stack((notice(
            f"Explorativ: Dieses Handlungsfeld beruht auf "
            f"{'nur einem Kernindikator' if n == 1 else 'nur ' + fmt.number_word(n) + ' Kernindikatoren'}"
            f", gesicherte Aussagen verlangen mindestens {fmt.number_word(least)}. Die "
            "Einstufung ist ein erster Hinweis: Zufällige Schwankungen des einen Werts "
            "können sie umkehren. Sie wird gezeigt, bis weitere Indikatoren vorliegen."), text))

    def summary(self) -> Prose:
        flag = self.flag
        codes = _natural(flag.index[flag])
        kommunen = self.r.areas.loc[codes, S.KOMMUNE]
        per = kommunen.value_counts()
        per = per.sort_index().sort_values(ascending=False, kind="stable")
        rules = {
            k: int(self.need.loc[codes, f"{self.field}_regeln"].str.contains(k).sum())
            for k in RULE_TEXT
        }
        lead = self.fc.leitindikator
        reg = self.r.region_value(lead)
        n_border = self.r.borderline_need_count(self.field)
        n_stable = len(codes) - n_border
        first = (
            f"Im Handlungsfeld „{self.fc.titel}“{self.r.exploratory_suffix(self.field)} "
            f"{fmt.verb(len(codes), 'hat', 'haben')} "
            f"{fmt.count_words(len(codes), 'Sozialraum', 'Sozialräume')}"
            + ("" if self.r.single_municipality or not len(codes) else
               f" aus {fmt.count_words(len(per), 'Kommune', 'Kommunen', 'f', 'dat')}")
            + " Handlungsbedarf"
            + borderline_tail(len(codes), n_border)
        )
        first += "."
        top = fmt.leaders(per.items(), 3)
        if (len(per) > 1 and not self.r.single_municipality and top and top[0][1] > 1
                and len(top) < len(per)):
            first += " Die meisten liegen in " + fmt.join_de(
                f"{k} ({fmt.number(v)})" for k, v in top) + "."
        return prose(
            first,
            f"Regel 1 (regional) greift in {fmt.number(rules['regional'])}, Regel 2 (kommunal) in "
            f"{fmt.number(rules['kommunal'])} und Regel 3 (absolut) in "
            f"{fmt.number(rules['absolut'])} dieser Sozialräume. "
            + (f"{fmt.count_words(n_stable, 'Einstufung ist', 'Einstufungen sind', 'f')} stabil, "
               f"{'eine' if n_border == 1 else fmt.number_word(n_border)} "
               f"{fmt.verb(n_border, 'ist', 'sind')} knapp (Grenzfälle der "
               "Robustheitsprüfung)." if n_border and n_stable else
               "Alle Einstufungen sind stabil." if codes and not n_border else
               "Alle Einstufungen sind knapp (Grenzfälle der Robustheitsprüfung)."
               if codes else ""),
            f"Der Leitindikator „{self.r.label(lead)}“ liegt in der Region bei "
            f"{self.r.value_text(lead, reg)}."
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
        codes = _natural(self.flag.index[self.flag])
        lead = self.fc.leitindikator
        lv = self.r.area_value(lead)
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
                    f"{self.r.label(lead)}": self.r.uncertain_value(lead, c),
                    "Wert der Kommune": self.r.municipal_value(lead, ags),
                    "Betroffene": lv.loc[c, S.NUMERATOR] if not lv.loc[c, D.FLAG] else D.SUPPRESSED,
                    "Stabilität": f"{fmt.percent(s * 100, 0)}"
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
                "Betroffene",
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
                "Feldindex": lambda x: fmt.signed(x, 2),
                self.r.label(lead): mark_uncertain(unit),
                "Wert der Kommune": unit,
                "Betroffene": lambda x: fmt.number(x),
            },
            row_header="Sozialraum",
        )
        return Stack((table, self.r.uncertainty_key(
            uncertain=any(isinstance(x, Uncertain) for x in df[self.r.label(lead)]),
            exploratory=self.r.is_exploratory(f))))

    def lead_chart(self, top: int = 20) -> FigureOutput:
        lead = self.fc.leitindikator
        v = self.r.area_value(lead)
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
            reference=self.r.region_value(lead),
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
        codes = _natural(self.flag.index[self.flag])
        inds = [*self.fc.indikatoren,
                *(i for i in self.fc.kontext if i in self.r.area_indicator_ids)]
        cols = {i: [] for i in inds}
        for c in codes:
            for ind in inds:
                cols[ind].append(self.r.uncertain_value(ind, c))
        for ind in inds:
            cols[ind].append(self.r.region_value(ind))
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
                row[self.r.label(ind)] = self.r.municipal_value(ind, m[S.AGS])
            rows.append(row)
        reg = {"Kommune": self.r.cfg.region, "Sozialräume mit Bedarf": int(self.flag.sum())}
        for ind in inds:
            reg[self.r.label(ind)] = self.r.region_value(ind)
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


@dataclass
class ProfileView:
    """Kommunalprofil: one Kommune and its Sozialräume."""

    r: Report
    ags: str

    @property
    def name(self) -> str:
        return str(self.r.ds.municipalities.set_index(S.AGS).loc[self.ags, "name"])

    @property
    def codes(self) -> list[str]:
        return _natural(self.r.areas.index[self.r.areas[S.AGS] == self.ags])

    def title(self) -> str:
        return f"Kommunalprofil {self.name}"

    def heading(self) -> Heading:
        return Heading(self.title(), 1)

    def intro(self) -> Prose:
        pop = self.r.published_count(self.r.population_variable, self.ags)
        need = self.r.res.need.loc[self.codes]
        items = []
        for f in self.r.cfg.fields:
            n = int(need[f"{f}_bedarf_flag"].sum())
            k = self.r.borderline_need_count(f, self.codes)
            items.append(
                f"{self.r.cfg.handlungsfelder[f].kurz}{self.r.exploratory_suffix(f)}: "
                + count_with_borderline(n, k, suffix=" mit Handlungsbedarf")
            )
        n_areas = len(self.codes)
        # an id is shown as „AGS“ only when it is one (any other id is not named at all)
        who = f"{self.name} (AGS {self.ags})" if is_ags(self.ags) else self.name
        if isinstance(pop, int):
            first = (f"{who} hat {fmt.number(pop)} Einwohnerinnen und Einwohner in "
                     f"{fmt.count_words(n_areas, 'Sozialraum', 'Sozialräumen', 'm', 'dat')}.")
        else:  # withheld (•) or not supplied: no number in the sentence
            why = ("ist aus Gründen der Geheimhaltung gesperrt" if fmt.is_suppressed(pop)
                   else "liegt nicht vor")
            first = (f"{who} hat {fmt.count_words(n_areas, 'Sozialraum', 'Sozialräume', 'm', 'akk')}; "
                     "die Zahl der Einwohnerinnen "
                     f"und Einwohner {why}.")
        return prose(
            first,
            items=items,
        )

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
                    self.name: self.r.municipal_value(ind, self.ags),
                }
                if not single:
                    row[region] = self.r.region_value(ind)
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
        top = [c for c in sorted(self.codes, key=lambda c: (-int(cum[c]), natural_key(c)))
               if int(cum[c]) > 0][:3]
        areas = fmt.count_phrase(n, "Sozialraum", "Sozialräumen")
        if n == 1:
            first = (f"Der Sozialraum von {self.name} zeigt "
                     f"{'Handlungsbedarf' if with_need else 'keinen Handlungsbedarf'}.")
        elif not with_need:
            first = f"Keiner der {fmt.number(n)} Sozialräume von {self.name} zeigt Handlungsbedarf."
        elif with_need == 1:
            first = f"Einer von {areas} zeigt Handlungsbedarf in mindestens einem Handlungsfeld."
        else:
            first = (f"{fmt.number(with_need)} von {areas} zeigen Handlungsbedarf in "
                     "mindestens einem Handlungsfeld.")
        if not with_need:
            return prose(first)
        most = fmt.join_de(
            f"{self.r.area_label(c)} ({fmt.count_phrase(int(cum[c]), 'Feld', 'Felder')})"
            for c in top)
        second = (f"Am meisten Felder mit Bedarf: {most}." if len(top) > 1 else
                  f"Handlungsbedarf hat {most}." if n > 1 else "")
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
            row["Felder mit Bedarf"] = int(self.r.res.need.loc[c, "kumulation"])
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
            title=f"{self.name}: Zahl der Handlungsfelder mit Bedarf {self.r.year}",
            scheme=self.r.cumulation_scheme,
            caption=self.r.map_caption(), mark=self.r.image_mark,
            label_municipalities=False, label_areas=True,
            links={c: self.r.area_href(c, here) for c in codes},
            area_names=self.r.area_names,
        )

    def area_profiles(self) -> AreaProfiles:
        return AreaProfiles(self.r, self.codes)

    def heatmap(self) -> FigureOutput:
        """Profile matrix: z-scores of all core indicators for the areas of the Kommune."""
        r = self.r
        inds = list(
            dict.fromkeys(i for f in r.cfg.fields for i in r.cfg.handlungsfelder[f].indikatoren)
        )
        labels = [r.label(i) for i in inds]
        z = r.res.z.loc[self.codes, inds].copy()
        hidden = pd.DataFrame({i: r.area_value(i)[D.FLAG].reindex(self.codes) for i in inds})
        z.columns = labels
        hidden.columns = labels
        z.index = [r.area_label(c) for c in self.codes]
        hidden.index = z.index
        # the data table of all indicators is far wider than a page: one table per field
        groups, shown = [], set()
        for f in r.cfg.fields:
            cols = tuple(r.label(i) for i in r.cfg.handlungsfelder[f].indikatoren
                         if i not in shown)
            shown.update(r.cfg.handlungsfelder[f].indikatoren)
            if cols:
                groups.append((r.cfg.handlungsfelder[f].kurz, cols))
        return profile_heatmap(
            z,
            hidden,
            f"Profile der Sozialräume von {self.name} {r.year}",
            caption=r.source_caption(), mark=r.image_mark,
            bounds=r.index_scheme.classes[1:-1],
            groups=tuple(groups) if len(groups) > 1 else (),
        )


@dataclass
class AreaList:
    """The areas of a Kommune as an in-page list of links to their Steckbriefe."""

    r: Report
    codes: list[str]
    kommune: str

    def _repr_html_(self) -> str:
        import html

        items = []
        for c in self.codes:
            fields = [self.r.cfg.handlungsfelder[f].kurz for f in self.r.cfg.fields
                      if self.r.res.need.loc[c, f"{f}_bedarf_flag"]]
            what = ("Handlungsbedarf: " + fmt.join_de(fields)) if fields else \
                "kein Handlungsbedarf"
            items.append(
                f'<li id="{html.escape(self.r.area_anchors[c], quote=True)}">'
                f'<a href="{html.escape(self.r.area_href(c), quote=True)}">'
                f"{html.escape(self.r.area_label(c))}</a> – {html.escape(what)}</li>")
        label = f"Sozialräume von {self.kommune}"
        return (f'<ul class="sozialraeume" aria-label="{html.escape(label, quote=True)}">'
                + "".join(items) + "</ul>")


@dataclass(frozen=True)
class Heading:
    """A computed heading (e.g. the name of a Kommune) as notebook output."""

    text: str
    level: int = 1

    def _repr_html_(self) -> str:
        import html

        return f"<h{self.level}>{html.escape(self.text)}</h{self.level}>"


@dataclass
class AreaProfiles:
    """The profiles of several Sozialräume, one section each (key figures, need, why)."""

    r: Report
    codes: list[str]

    def _one(self, code: str) -> str:
        import html

        r = self.r
        ags = r.areas.loc[code, S.AGS]
        kommune = r.areas.loc[code, S.KOMMUNE]
        rows = []
        for f in r.cfg.fields:
            fc = r.cfg.handlungsfelder[f]
            for ind in [*fc.indikatoren,
                        *(i for i in fc.kontext if i in r.area_indicator_ids)]:
                v = r.area_value(ind)
                hidden = bool(v.loc[code, D.FLAG])
                rows.append(
                    {
                        "Indikator": r.label(ind) + (" (Kontext)" if ind in fc.kontext else ""),
                        "Sozialraum": r.uncertain_value(ind, code),
                        "Kommune": r.municipal_value(ind, ags),
                        "Region": r.region_value(ind),
                        "Betroffene": D.SUPPRESSED if hidden else v.loc[code, S.NUMERATOR],
                    }
                )
        num = {c: (lambda x: fmt.number(x, 1)) for c in ("Sozialraum", "Kommune", "Region")}
        num["Sozialraum"] = mark_uncertain(num["Sozialraum"])
        num["Betroffene"] = lambda x: fmt.number(x)
        frame = pd.DataFrame(rows)
        frame["Sozialraum"] = pd.Series([x["Sozialraum"] for x in rows], dtype=object)
        marked = any(isinstance(x["Sozialraum"], Uncertain) for x in rows)
        table = TableOutput(
            frame,
            f"Kennzahlen {code} im Vergleich mit {kommune} und der Region {r.year}",
            number_formats=num,
            row_header="Indikator",
        )
        reasons = []
        for f in r.cfg.fields:
            if r.res.need.loc[code, f"{f}_bedarf_flag"]:
                s = float(r.res.stability.loc[code, f])
                rules = [
                    RULE_TEXT[x.strip()]
                    for x in str(r.res.need.loc[code, f"{f}_regeln"]).split(",")
                    if x.strip()
                ]
                reasons.append(
                    f"{r.cfg.handlungsfelder[f].kurz}: Feldindex "
                    f"{fmt.signed(r.res.need.loc[code, f'{f}_index'], 2)}; "
                    f"{fmt.join_de(rules)}; Stabilität {fmt.percent(s * 100, 0)} "
                    f"({stability_label(s, True, r.cfg.robustheit.stabil_ab)})."
                )
        text = prose(
            "Handlungsbedarf:"
            if reasons
            else "In keinem Handlungsfeld wird Handlungsbedarf festgestellt.",
            items=reasons,
        )._repr_html_()
        links = [
            (f"../handlungskonzept/52_konzept_{f}.html", r.cfg.handlungsfelder[f].kurz)
            for f in r.cfg.fields
            if r.res.need.loc[code, f"{f}_bedarf_flag"]
        ]
        if links:
            text += (
                "<p>Im Handlungskonzept-Anhang: "
                + ", ".join(f'<a href="{h}">{html.escape(t)}</a>' for h, t in links)
                + "</p>"
            )
        anchor = r.area_anchors[code]
        key = (r.uncertainty_key(borderline=False, uncertain=True)._repr_html_()
               if marked else "")
        return (
            f'<section class="profil" id="{anchor}"><h3>{html.escape(r.area_label(code))}'
            f"</h3>{text}{table._repr_html_()}{key}</section>"
        )

    def _repr_html_(self) -> str:
        return "".join(self._one(c) for c in self.codes)
