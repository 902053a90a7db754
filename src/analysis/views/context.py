"""The shared context of the Sozialbericht views.

:class:`ReportContext` is what every chapter view shares: the analysis context, the
published values (:attr:`ReportContext.gate`, the disclosure gate every number comes
through), configuration, chapter texts, labels, links, map classes, captions and the marks
of uncertainty. A chapter view (:class:`Chapter`) reads these as its own attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from analysis.common import fmt
from analysis.common.errors import ConfigError
from analysis.common.ids import (
    area_anchors,
    area_pages,
    field_pages,
    natural_sorted,
    profile_pages,
)
from analysis.contract import schema as S
from analysis.contract.config import (
    REPORT_SENTENCE_TEXT,
    SENTENCE_TEXT,
    sentence_texts,
    text_slots,
    text_values,
)
from analysis.contract.templates import Template
from analysis.contract.texts import TextBlock, paragraphs, read_text, render
from analysis.gate import disclosure as D
from analysis.gate.published import Published, withheld_note
from analysis.method.context import Context
from analysis.method.core import index_bounds, stability_bounds, stability_label
from analysis.rendering.figures import FigureOutput, trend_lines
from analysis.rendering.maps import ClassScheme, count_scheme, diverging_scheme
from analysis.rendering.palettes import NEED_BORDERLINE
from analysis.rendering.prose import Prose
from analysis.rendering.tables import DEMO_MARK

NEED_LABEL = {True: "Handlungsbedarf", False: "kein Handlungsbedarf"}


RULE_TEXT = {
    "regional": "Feldindex im regionalen Vergleich hoch",
    "kommunal": "Leitindikator deutlich über dem Wert der Kommune",
    "absolut": "hohe Anzahl im Zähler des Leitindikators (absolute Zahl)",
}


BORDERLINE = "knapp"


@dataclass
class ReportContext:
    """What every view of the Sozialbericht shares (see the module docstring)."""

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

    @cached_property
    def gate(self) -> Published:
        """The published values (:class:`analysis.gate.published.Published`): every
        number a view shows comes from here."""
        return Published.of(self.ds, self.res, self.year)

    def text(self, name: str, values: dict | None = None) -> TextBlock:
        """A chapter text of the configuration (e.g. ``"sozialbericht.md"``) with the
        computed values inserted (wording lives with the planners, not in code)."""
        source = f"Text {self.cfg.texte}/{name}"
        if name not in text_slots(self.cfg):
            raise ConfigError(f"{source}: nicht in der Konfiguration vorgesehen")
        template = read_text(self.cfg.text_path(self.ctx.config_file, name), source)
        return render(template, values or text_values(self.cfg), source)

    # ------------------------------------------------------------------ sentence blocks
    def sentences(self, file: str = SENTENCE_TEXT) -> dict[str, Template]:
        """The sentence blocks of a text file (``satzbausteine.md``: the annex's,
        ``satzbausteine_bericht.md``: the Sozialbericht's), parsed and checked once."""
        cache = self.__dict__.setdefault("_sentences", {})
        if file not in cache:
            cache[file] = sentence_texts(self.cfg, self.ctx.config_file, file)
        return cache[file]

    def say(self, block: str, **values) -> list[str]:
        """A sentence block rendered with ``values`` (and the common placeholders), as
        paragraphs; ``bericht.*`` blocks come from ``satzbausteine_bericht.md``, the others
        from ``satzbausteine.md``. Every count-dependent sentence of both reports is
        written through here (wording lives with the planners, not in code)."""
        file = REPORT_SENTENCE_TEXT if block.startswith("bericht.") else SENTENCE_TEXT
        return paragraphs(self.sentences(file)[block].render(
            {**text_values(self.cfg), **values}))

    def say1(self, block: str, **values) -> str:
        """A sentence block that is one phrase or paragraph."""
        return " ".join(self.say(block, **values))

    def borderline_tail(self, n: int, k: int) -> str:
        """The borderline part of a count of ``n`` areas, ``k`` of them borderline
        (block ``bericht.knapp``): ", davon drei knapp", ", beide knapp", "" for none."""
        if k < 0 or k > n:
            raise ValueError(f"davon {k} von {n}: unmöglich")
        return self.say1("bericht.knapp", anzahl=n, knapp=k, alle="ja" if k == n else "nein")

    @cached_property
    def _catalogue_text(self) -> dict[str, dict[str, str]]:
        """Name and unit of every indicator as text, looked up per table cell (a dict: a
        ``.loc`` per cell costs more than the cell; the Steckbriefe do it per area)."""
        cat = self.catalogue
        return {c: {i: str(v) for i, v in cat[c].items()} for c in ("bezeichnung", "einheit")}

    def label(self, indicator: str) -> str:
        return self._catalogue_text["bezeichnung"][indicator]

    def unit(self, indicator: str) -> str:
        return self._catalogue_text["einheit"][indicator]

    @cached_property
    def directions(self) -> dict[str, int]:
        """``richtung`` of every indicator (+1: more is more need, -1: less is)."""
        return {i: int(v) for i, v in self.catalogue["richtung"].items()}

    @cached_property
    def area_fields(self) -> dict[str, tuple[str, str, str]]:
        """Name, AGS and Kommune of every area, as text (looked up per area)."""
        a = self.areas
        return {code: (str(n), str(g), str(k)) for code, n, g, k in zip(
            a.index, a["name"], a[S.AGS], a[S.KOMMUNE], strict=True)}

    @cached_property
    def need_flags(self) -> dict[tuple[str, str], bool]:
        """(area, field) → need flag (looked up per area and field)."""
        need = self.res.need
        return {(code, f): bool(v) for f in self.cfg.fields
                for code, v in need[f"{f}_bedarf_flag"].items()}

    def label_with_unit(self, indicator: str) -> str:
        """„Anteil Alleinerziehender (%)“ – the unit in brackets, unless the name already
        ends with it („Schwerbehinderte je 1.000 Einwohner“, unit „je 1.000“)."""
        label, unit = self.label(indicator), self.unit(indicator)
        if not unit or unit in label:
            return label
        return f"{label} ({unit})"

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
        """(services active in the report year, one row per service × served area with
        its reach, ``reichweite``: local or kommunenweit) of the planning inventory
        (``angebote``); ``None`` when it was not supplied."""
        from analysis.method.concept import active_services, service_areas

        if self.ds.services is None:
            return None
        return (active_services(self.ds.services, self.year),
                service_areas(self.ds.services, self.year, self.ds.areas))

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
            for c in natural_sorted(self.areas.index)
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
    def index_bounds(self) -> tuple[float, ...]:
        """Field-index values that decide a class on some page: the rule thresholds (and
        their negatives) and the bounds of the index maps' classes."""
        inner = (b for b in self.index_scheme.classes if np.isfinite(b))
        return tuple(sorted(set(index_bounds(self.cfg)) | {float(b) for b in inner}))

    def index_text(self, x: object) -> str:
        """A field index as shown everywhere: „+0,52“; one or more places more where two
        would put it on a bound that decides its class („+0,996“, not „+1,00“)."""
        return fmt.apart(x, self.index_bounds, 2, fmt.signed)

    def stability_text(self, share: object) -> str:
        """The share of robustness variants with need in %, never rounded onto the share
        at which the classification turns borderline („79,6 %“, not „80 %“)."""
        if fmt.is_mark(share) or fmt.is_missing(share):
            return fmt.percent(share, 0)
        return fmt.apart(float(share) * 100, stability_bounds(self.cfg), 0, fmt.percent)

    def delta_text(self, delta: object) -> str:
        """A change of an indicator (points or per 1.000) with sign, never rounded onto the
        change threshold ``dynamik.schwelle`` („+0,96“, not „+1,0“)."""
        t = float(self.cfg.dynamik.schwelle)
        return fmt.apart(delta, (-t, t), 1, fmt.signed)

    @cached_property
    def need_scheme(self) -> ClassScheme:
        """Classes of every need map: no need, no need (borderline), need (borderline),
        need – codes 0 … 3, light to dark."""
        return ClassScheme((0, 1, 2, 3), (NEED_LABEL[False], f"{NEED_LABEL[False]}, {BORDERLINE}",
                                          f"{NEED_LABEL[True]}, {BORDERLINE}", NEED_LABEL[True]),
                           NEED_BORDERLINE, "Einstufung", categorical=True)

    @cached_property
    def cumulation_scheme(self) -> ClassScheme:
        """Classes of every cumulation map, regional and municipal: 0 … the number of
        counted fields (the cumulation counts only those; a class beyond is impossible)."""
        return count_scheme("Handlungsfelder mit Bedarf (Anzahl)", len(self.cfg.counted_fields))

    def area_label(self, code: str) -> str:
        return f"{code} {self.area_fields[code][0]}"

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
                + withheld_note("= aus Gründen der Geheimhaltung gesperrt."))

    def map_caption(self) -> str:
        """Caption under maps: :meth:`source_caption` plus the map's credit line from the
        data (GeoJSON member „quellenangabe“, e.g. base geometry licence, schematic areas)."""
        credit = self.ds.map_credit
        return self.source_caption() + (f" {credit.rstrip('.')}." if credit else "")

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

    @property
    def separate_fields(self) -> list[str]:
        """Short names of the fields reported separately (not counted in the total and
        the cumulation), e.g. ``["Inklusion"]``."""
        return [self.cfg.handlungsfelder[f].kurz for f in self.cfg.fields
                if f not in self.cfg.counted_fields]

    def need_fields_of(self, code: str) -> tuple[list[str], list[str]]:
        """The fields in which area ``code`` has need: (counted fields, fields reported
        separately). The first are what its cumulation (``kumulation``: maps, Kommunalprofil)
        counts – the same flags over :attr:`cfg.counted_fields`."""
        counted = [f for f in self.cfg.counted_fields if self.need_flags[(code, f)]]
        return counted, [f for f in self.cfg.fields
                         if f not in self.cfg.counted_fields and self.need_flags[(code, f)]]

    def change_threshold_text(self) -> str:
        """The change threshold in the unit of each indicator, in catalogue order: „1,0
        Prozentpunkte bzw. 1,0 je 1.000“ (a share changes by points, a rate by its unit)."""
        value = fmt.number(self.cfg.dynamik.schwelle, 1)
        units = dict.fromkeys(fmt.change_unit("" if fmt.is_missing(u) else str(u))
                              for u in self.ds.indicators["einheit"])
        return " bzw. ".join(f"{value} {u}".rstrip() for u in units)

    def cumulation_term(self, noun: str = "Handlungsfelder") -> str:
        """What the cumulation counts: „Handlungsfelder mit Bedarf“, with the fields
        reported separately named when there are any („… (ohne Inklusion)“)."""
        apart = self.separate_fields
        return f"{noun} mit Bedarf" + (f" (ohne {fmt.join_de(apart)})" if apart else "")

    def counted_scope(self) -> str:
        """Where „need in at least one field“ is counted, after „in“ (dative, block
        ``bericht.gezaehlt``): „mindestens einem der vier gezählten Felder (ohne
        Inklusion)“, „mindestens einem Handlungsfeld“ when every field counts, „dem
        Handlungsfeld Armut“ for one."""
        counted = [self.cfg.handlungsfelder[f].kurz for f in self.cfg.counted_fields]
        return self.say1("bericht.gezaehlt", gezaehlt=len(counted), felder=counted,
                         ohne=self.separate_fields)

    def counted_term(self, indicator: str) -> str:
        """Who or what an indicator counts: the label of its numerator variable
        (``variablen.csv``), e.g. „Einwohner ab 65 Jahren“ – the one term used for
        the column „Anzahl“ wherever a table shows an indicator's count."""
        numerator = str(self.catalogue.loc[indicator, S.NUMERATOR])
        var = self.ds.variables
        hit = var.loc[var[S.VARIABLE] == numerator, "bezeichnung"]
        return str(hit.iloc[0]) if len(hit) else numerator

    def uncertainty_key(self, borderline: bool = True, uncertain: bool = False,
                        exploratory: bool = False, counted: str | None = None) -> Prose:
        """The key (Zeichenerklärung) under a table or map that marks uncertainty (and,
        with ``counted``, says what the column „Anzahl“ counts)."""
        if not (counted or borderline or uncertain or exploratory):
            return Prose((), css_class="prose")
        yes = {True: "ja", False: "nein"}
        return Prose(tuple(self.say(
            "bericht.zeichenerklaerung", anzahl=yes[bool(counted)], gezaehlt=counted or "",
            knapp=yes[borderline], begriff=BORDERLINE,
            prozent=fmt.percent(self.cfg.robustheit.stabil_ab * 100, 0),
            unsicher=yes[uncertain], nenner=int(self.cfg.unsicher_nenner),
            explorativ=yes[exploratory],
            mindestens=self.cfg.bedarf.mindestzahl_indikatoren)), css_class="prose")

    @property
    def population_variable(self) -> str:
        """Count variable of the population (``rollen.bevoelkerung``)."""
        return self.cfg.population_variable(self.ds.indicators)

    def trend_chart(self, indicator: str | None = None) -> FigureOutput:
        """An indicator per Kommune and region over all years (default: the change
        chapter's indicator, ``rollen.veraenderung``)."""
        indicator = indicator or self.cfg.change_indicator()
        mv = self.gate.municipal_values
        sub = mv[mv[S.INDICATOR] == indicator].copy()
        names = self.ds.municipalities.set_index(S.AGS)["name"]
        sub["Kommune"] = sub[S.AGS].map(names)
        reg = self.gate.region_values[self.gate.region_values[S.INDICATOR] == indicator].copy()
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
            total=str(reg["Kommune"].iloc[0]) if len(reg) else None,
        )


@dataclass
class Chapter:
    """A chapter view over the shared :class:`ReportContext` ``r``: every attribute the
    view does not define itself (``cfg``, ``gate``, ``label``, ``area_href`` …) is the
    context's, so all views share one context and its cached values."""

    r: ReportContext

    def __getattr__(self, name: str):
        if name == "r" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.r, name)


@dataclass(frozen=True)
class Heading:
    """A computed heading (e.g. the name of a Kommune) as notebook output."""

    text: str
    level: int = 1

    def _repr_html_(self) -> str:
        import html

        return f"<h{self.level}>{html.escape(self.text)}</h{self.level}>"
