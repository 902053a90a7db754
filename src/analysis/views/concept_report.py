"""Views of the Handlungskonzept annex: one call per table, map or text block."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from analysis.common import fmt
from analysis.common.ids import field_pages, natural_key, slug
from analysis.contract import schema as S
from analysis.contract.config import recommendation_texts, text_values
from analysis.gate.published import display
from analysis.method import concept as C
from analysis.rendering.assemble import slugify
from analysis.rendering.figures import FigureOutput
from analysis.rendering.maps import ClassScheme, choropleth
from analysis.rendering.palettes import CATEGORICAL, COVERAGE_BORDERLINE, NEUTRAL, SEVERAL
from analysis.rendering.prose import Prose, Stack, notice, prose
from analysis.rendering.tables import Links, TableOutput
from analysis.views.context import BORDERLINE, Chapter
from analysis.views.downloads import readable
from analysis.views.report import Report, open_report

#: what a page says when an optional input was not supplied (instead of a table that
#: would look like „nothing there“)
NO_SERVICES = (
    "Eine Bestandsaufnahme der Angebote liegt nicht vor (die Datei „angebote“ wurde nicht "
    "geliefert). Ob es in den Sozialräumen mit Handlungsbedarf passende Angebote gibt, lässt "
    "sich daher nicht beurteilen; fehlende Angebote werden nicht ausgewiesen."
)
NO_SERVICES_SHORT = "Ohne Bestandsaufnahme der Angebote werden hier keine Angebote aufgeführt."
NO_CHAIN = ("Ohne Bestandsaufnahme der Angebote lässt sich nicht prüfen, auf welchen Stufen der "
            "Präventionskette Angebote bestehen.")
NO_PRIORITIES = (
    "Kommunale Schwerpunkte wurden nicht geliefert (die Datei „prioritaeten“ fehlt). "
    "Themengleiche Kommunen können daher nicht vorgeschlagen werden."
)
#: the field column of a cumulation recommendation (need in several counted fields)
CUMULATION_FIELDS = "mehrere Felder"
DEMO_THEME_NOTE = " Die Themen der Kommunen sind in den Demodaten erfunden."
DEMO_CLUSTER_NOTE = (" In den Demodaten folgt die Nachbarschaft der Sozialräume aus "
                     "schematischen Flächen; das Gebiet ist daher erfunden.")
NO_GOALS = (
    "Wirkungsziele wurden nicht geliefert (die Datei „wirkungsziele“ fehlt). Ein Fortschritt "
    "kann daher nicht berichtet werden."
)
NO_NOTES = ("Qualitative Befunde wurden nicht geliefert (der Ordner „befunde“ fehlt).")

SUGGESTION_NOTE = (
    "Die Empfehlungen sind aus den Daten abgeleitete Vorschläge. Wo sie sich an die Kommunen "
    "richten, haben sie empfehlenden Charakter; über Ziele und Maßnahmen entscheiden die "
    "Kommunen und die Gremien {region_genitiv}."
)
PRIORITY_WORD = {"hoch": "hohe Priorität", "mittel": "mittlere Priorität",
                 "niedrig": "niedrige Priorität"}
#: sections that evidence links point at (the headings of the notebooks, as anchors)
SECTION = {
    "kumulation": slugify("Kumulation von Handlungsbedarfen"),  # 00_uebersicht
    "robustheit": slugify("Robustheit der Einstufung"),  # 90_methodik
    "beteiligung": slugify("Beteiligungsformate"),  # 51_prioritaeten
    "themen": slugify("Themengleiche Kommunen"),  # 51_prioritaeten
    "versorgung": slugify("Bedarf und Versorgung"),  # 52_konzept_<feld>
    "befunde": slugify("Befunde aus Sozialraumkonferenzen und Fachgesprächen"),  # 52_…
    "zustaendig": slugify("Wer zuständig ist"),  # 50_empfehlungen
}


def goal_anchor(goal_id: str) -> str:
    """Anchor of an impact goal's rows on the page Wirkungskreisläufe."""
    return f"ziel-{slug(goal_id)}"


def cluster_anchor(cluster_id: str) -> str:
    """Anchor of an inter-municipal area's row on the page Interkommunale Ansätze."""
    return f"gebiet-{slug(cluster_id)}"


def note_anchor(note) -> str:
    """Anchor of a qualitative finding (its file name is unique in the folder)."""
    return f"befund-{slug(note.file.rsplit('.', 1)[0])}"


#: pages of the two sites (slug) that a building block of a work package links to
BLOCK_PAGES = {"ziele": ("50_empfehlungen", "51_prioritaeten"), "wirkung": ("53_wirkung",),
               "austausch": ("51_prioritaeten",), "interkommunal": ("54_interkommunal",),
               "konzept": ("50_empfehlungen",)}


def open_concept(
    report_or_data: Report | str | Path = "../data/demo",
    config_file: str | Path = "../config/report.yaml",
) -> ConceptReport:
    """Entry point for the annex notebooks."""
    r = (
        report_or_data
        if isinstance(report_or_data, Report)
        else open_report(report_or_data, config_file)
    )
    return ConceptReport(r)


def concept_href(field: str) -> str:
    """Link from the Sozialbericht to the annex chapter of a field."""
    return f"../handlungskonzept/52_konzept_{field}.html"


@dataclass(frozen=True)
class LinkList:
    """A labelled list of links (escaped), e.g. to area profiles."""

    label: str
    links: tuple[tuple[str, str], ...]

    def _repr_html_(self) -> str:
        if not self.links:
            return ""
        items = ", ".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>' for h, t in self.links)
        return f'<p class="links">{html.escape(self.label)}: {items}</p>'


@dataclass(frozen=True)
class NoteList:
    """Qualitative findings quoted as block quotes with their source."""

    notes: tuple
    supplied: bool = True  # False: no befunde/ folder at all
    names: tuple[tuple[str, str], ...] = ()  # Kommune id → name (a finding on a Kommune)
    # per note: the numbers of the recommendations that take it up (same order as notes);
    # empty tuple = no recommendation yet; None = not shown
    taken_up: tuple[tuple[int, ...], ...] | None = None
    # per note: the lead-in before the numbers („aufgegriffen in Empfehlung“ …)
    taken_up_text: tuple[str, ...] = ()

    def _repr_html_(self) -> str:
        if not self.supplied:
            return f"<p>{html.escape(NO_NOTES)}</p>"
        if not self.notes:
            return "<p>Zu diesem Thema liegen noch keine qualitativen Befunde vor.</p>"
        parts = []
        for i, n in enumerate(self.notes):
            # areas in parentheses; a Kommune after a comma (its name may hold parentheses)
            where = (f" ({fmt.join_de(list(n.areas))})" if n.areas else
                     f", {dict(self.names).get(n.ags, n.ags)}" if n.ags else "")
            follow = ""
            if self.taken_up is not None:
                nrs = self.taken_up[i]
                links = fmt.join_de([f'<a href="#empfehlung-{k}">{k}</a>' for k in nrs])
                follow = (f'<p class="befund-empfehlung">{html.escape(self.taken_up_text[i])}'
                          + (f" {links}" if nrs else "") + ".</p>")
            parts.append(
                f'<figure class="befund" id="{note_anchor(n)}"><blockquote>'
                f"<p>{html.escape(n.text)}</p></blockquote>"
                f"<figcaption>{html.escape(n.title)} – {html.escape(n.source)}, "
                f"{html.escape(_date_de(n.date))}{html.escape(where)}"
                + "</figcaption></figure>" + follow
            )
        return "".join(parts)


def _fields_de(names: list[str]) -> str:
    """Field names as a list: „Armut, Ältere sowie Kinder und Familien“ („sowie“ because a
    name may itself contain „und“)."""
    return fmt.join_de(names, last="sowie")


def _decimal(x: float) -> str:
    """A configured amount as written: „1,5“, „0,75“; whole numbers up to twelve in
    words („vier“), as the house style wants (no rounding to whole numbers)."""
    if float(x).is_integer():
        return fmt.number_word(int(x))
    places = next((d for d in range(1, 3) if round(x, d) == x), 2)
    return fmt.number(x, places)


def _date_de(iso: str) -> str:
    y, m, d = iso[:10].split("-")
    return f"{int(d)}.{int(m)}.{y}"


@dataclass(frozen=True)
class KeyMessages:
    """Key messages as a list, each sentence followed by a link to where it is shown."""

    items: tuple[tuple[str, tuple[str, str] | None], ...]

    def _repr_html_(self) -> str:
        lis = []
        for text, link in self.items:
            more = (f' <a href="{html.escape(link[1])}">Mehr: {html.escape(link[0])}</a>'
                    if link else "")
            lis.append(f"<li>{html.escape(text)}{more}</li>")
        return '<ul class="kernaussagen">' + "".join(lis) + "</ul>"

    def __str__(self) -> str:
        return "\n".join("- " + t for t, _ in self.items)


@dataclass(frozen=True)
class Card:
    """One recommendation with everything a committee needs to decide on it."""

    nr: int
    title: str
    field: str
    text: str
    priority: str
    responsible: str
    areas: str
    kommunen: str
    evidence: tuple[tuple[str, str], ...]
    step: str
    horizon: str
    lead: str = ""  # Federführung
    effort: str = ""  # Aufwand (label of its class)
    findings: tuple[tuple[str, str], ...] = ()  # qualitative findings taken up: (text, href)


@dataclass(frozen=True)
class RecommendationCards:
    """Recommendations as sections with a description list (readable at any width)."""

    cards: tuple[Card, ...]
    level: int = 3

    def _repr_html_(self) -> str:
        e = html.escape
        out = []
        for c in self.cards:
            rows = [("Priorität", e(c.priority)), ("Zuständig", e(c.responsible))]
            if c.lead:
                rows.append(("Federführung", e(c.lead)))
            if c.areas:
                rows.append(("Sozialräume", e(c.areas)))
            if c.kommunen:
                rows.append(("Kommunen", e(c.kommunen)))
            rows.append(("Grundlage", ", ".join(f'<a href="{e(h)}">{e(t)}</a>'
                                                for t, h in c.evidence)))
            if c.findings:
                rows.append(("Befund", "; ".join(f'<a href="{e(h)}">{e(t)}</a>'
                                                 for t, h in c.findings)))
            rows += [("Nächster Schritt", e(c.step)), ("Zeithorizont", e(c.horizon))]
            if c.effort:
                rows.append(("Aufwand", e(c.effort)))
            dl = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
            h = self.level
            out.append(f'<section class="empfehlung" id="empfehlung-{c.nr}">'
                       f"<h{h}>Empfehlung {c.nr} ({e(c.field)}): {e(c.title)}</h{h}>"
                       f"<p>{e(c.text)}</p>"
                       f"<dl>{dl}</dl></section>")
        return "".join(out)


@dataclass
class ConceptReport(Chapter):
    """The Handlungskonzept-Anhang views over the report's shared context (``cfg``,
    ``ds``, ``year``, ``adjacency`` … are the context's, :class:`Chapter`)."""

    r: Report

    @cached_property
    def labels(self) -> dict[str, str]:
        return {f: fc.kurz for f, fc in self.cfg.handlungsfelder.items()}

    def marked(self, field: str) -> str:
        """The field's short name, „(explorativ)“ added for an exploratory field."""
        return self.labels[field] + self.r.exploratory_suffix(field)

    def rec_field(self, field: str, kind: str) -> str:
        """The field a recommendation is shown under: a cumulation spans several counted
        fields (it is only listed under one), so it says so instead of naming that one."""
        return CUMULATION_FIELDS if kind == "kumulation" else self.marked(field)

    @property
    def assessed_fields(self) -> list[str]:
        """Fields whose classification carries area-based recommendations and
        inter-municipal approaches: an exploratory field's classification is a first hint,
        not a finding to plan services on."""
        return [f for f in self.cfg.fields if not self.r.is_exploratory(f)]

    @property
    def has_services(self) -> bool:
        """Whether a services inventory (``angebote``) was supplied."""
        return self.ds.services is not None

    @cached_property
    def gaps(self) -> pd.DataFrame:
        g = C.gaps(
            self.r.res.need,
            self.ds.services,
            self.adjacency,
            self.year,
            self.cfg.fields,
            self.labels,
            areas=self.ds.areas,
        )
        if not self.has_services:  # no inventory: supply unknown, never a gap
            g = g.assign(versorgung=C.UNKNOWN, luecke=False, empfehlung="")
        return g

    @cached_property
    def clusters(self) -> pd.DataFrame:
        return C.intermunicipal_clusters(
            self.r.res.need, self.ds.areas, self.adjacency, self.assessed_fields
        )

    @cached_property
    def groups(self) -> pd.DataFrame:
        b = self.cfg.konzept.beteiligung
        return C.theme_groups(self.ds.priorities, self.ds.municipalities, self.cfg.themen,
                              forum_from=b.thema_ab, forum=b.thema, pair=b.tandem)

    @cached_property
    def progress(self) -> pd.DataFrame:
        # from published values only: a withheld value shows as „keine Daten“
        return C.impact_progress(self.ds.goals, self.r.gate.published_area,
                                 self.r.gate.published_municipal, self.year,
                                 level=self.cfg.dynamik.vertrauensniveau)

    @cached_property
    def names(self) -> dict[str, str]:
        """Kommune id → name and area code → label (for goals and texts)."""
        out = dict(zip(self.ds.municipalities[S.AGS], self.ds.municipalities["name"],
                       strict=True))
        out.update({c: self.r.area_label(c) for c in self.r.areas.index})
        return out

    @cached_property
    def area_ags(self) -> dict[str, str]:
        return dict(zip(self.ds.areas[S.AREA], self.ds.areas[S.AGS], strict=True))

    @cached_property
    def level_labels(self) -> dict[str, str]:
        """Responsible level → label (``konzept.ebenen``, region inserted)."""
        return {k: v.replace("{region}", self.cfg.region)
                for k, v in self.cfg.konzept.ebenen.items()}

    @property
    def stability(self) -> pd.DataFrame | None:
        st = self.r.res.stability
        return st if all(f in st.columns for f in self.cfg.fields) else None

    @property
    def assessed_stability(self) -> pd.DataFrame | None:
        """:attr:`stability` of the :attr:`assessed_fields` only (no borderline checks
        are proposed for an exploratory field)."""
        st = self.stability
        return None if st is None else st[[f for f in st.columns if f in self.assessed_fields]]

    @cached_property
    def recommendations(self) -> pd.DataFrame:
        cfg = self.cfg
        texts = recommendation_texts(cfg, self.r.ctx.config_file)
        assessed = self.assessed_fields
        rec = C.recommendations(
            cfg.fields, cfg.konzept, texts, self.year,
            gap_table=self.gaps[self.gaps[S.FIELD].isin(assessed)],
            clusters=self.clusters, groups=self.groups, progress=self.progress,
            need=self.r.res.need, stability=self.assessed_stability,
            stable_from=cfg.robustheit.stabil_ab, counted=cfg.counted_fields,
            area_ags=self.area_ags, names=self.names, labels=self.labels,
            titles={f: fc.titel for f, fc in cfg.handlungsfelder.items()},
            level_labels=self.level_labels, values=text_values(cfg),
            cumulation_field=next((f for f in cfg.counted_fields
                                   if cfg.handlungsfelder[f].gebietsbegriff), None),
            units={i: self.r.unit(i) for i in self.progress[S.INDICATOR]},
            indicator_labels={i: self.r.label(i) for i in self.progress[S.INDICATOR]})
        if self.ds.is_demo and not rec.empty:  # the themes of the Kommunen are invented
            theme = rec["grundlage"] == "thema"
            rec.loc[theme, "text"] = rec.loc[theme, "text"] + DEMO_THEME_NOTE
            cluster = rec["art"] == "interkommunal"  # neighbours of schematic areas
            rec.loc[cluster, "text"] = rec.loc[cluster, "text"] + DEMO_CLUSTER_NOTE
        values = text_values(cfg)
        rec["federfuehrung"] = [
            C.lead_office(r["art"], r[S.FIELD], r["ebene"],
                          len([k for k in str(r["kommunen"]).split(C.SEP) if k]),
                          cfg.konzept, values)
            for _, r in rec.iterrows()] if not rec.empty else pd.Series(dtype=str)
        return rec

    @cached_property
    def participation_formats(self) -> pd.DataFrame:
        """The formats as the results call for them (before merging and staggering)."""
        cfg = self.cfg
        return C.participation_plan(
            self.groups if self.ds.priorities is not None else None, self.clusters,
            self.r.res.need, self.assessed_stability, cfg.fields, cfg.counted_fields, self.area_ags,
            self.names, cfg.konzept, self.year, cfg.robustheit.stabil_ab, self.labels)

    @cached_property
    def participation(self) -> pd.DataFrame:
        """The formats merged, ordered by priority and staggered against the capacity
        (:func:`analysis.method.concept.stagger_formats`)."""
        return C.stagger_formats(self.participation_formats, self.recommendations,
                                 self.cfg.konzept, self.year)

    @property
    def effort_labels(self) -> dict[str, str]:
        """Effort class → its label (``konzept.aufwand.bezeichnungen``)."""
        return dict(self.cfg.konzept.aufwand.bezeichnungen)

    @cached_property
    def matrix(self) -> pd.DataFrame:
        return C.priority_need_matrix(self.ds.priorities, self.cfg.themen,
                                      self.ds.municipalities, self.r.res.need, self.area_ags)

    # ------------------------------------------------------------------ links
    def href(self, site: str, target_site: str, page: str, anchor: str = "") -> str:
        """Relative link from a page of ``site`` to ``page`` of ``target_site``."""
        base = f"{page}.html" if site == target_site else f"../{target_site}/{page}.html"
        return base + (f"#{anchor}" if anchor else "")

    def field_link(self, field: str, site: str = "handlungskonzept") -> tuple[str, str]:
        """(label, href) of a field's chapter in the Sozialbericht."""
        page = field_pages(self.cfg.fields)[field]
        return (f"Sozialbericht: {self.labels[field]}",
                self.href(site, "sozialbericht", page))

    def evidence_links(self, rec: pd.Series, site: str = "handlungskonzept"
                       ) -> tuple[tuple[str, str], ...]:
        """What a recommendation rests on, each link to its section: the field chapter
        (the cumulation map for a cumulation), the annex section of its kind (the goal's
        or the area's row) and the profiles of its areas."""
        f, kind = rec[S.FIELD], rec["grundlage"]
        sb, hk = "sozialbericht", "handlungskonzept"
        links = ([("Sozialbericht: Kumulation", self.href(site, sb, "00_uebersicht",
                                                          SECTION["kumulation"]))]
                 if kind == "kumulation" else [self.field_link(f, site)])
        annex = {
            "feld": (f"Anhang: {self.labels[f]}", f"52_konzept_{f}", SECTION["versorgung"]),
            "grenzfaelle": (f"Anhang: {self.labels[f]}", f"52_konzept_{f}", ""),
            "cluster": ("Interkommunale Ansätze", "54_interkommunal",
                        cluster_anchor(str(rec["bezug"]))),
            "thema": ("Kommunale Schwerpunkte", "51_prioritaeten", SECTION["themen"]),
            "kumulation": ("Beteiligungsformate", "51_prioritaeten", SECTION["beteiligung"]),
            "ziel": ("Wirkungskreisläufe", "53_wirkung", goal_anchor(str(rec["bezug"]))),
        }[kind]
        links.append((annex[0], self.href(site, hk, annex[1], annex[2])))
        if kind == "grenzfaelle":
            links.append(("Methodik: Robustheit", self.href(site, sb, "90_methodik",
                                                            SECTION["robustheit"])))
        for code in [c for c in str(rec["sozialraeume"]).split(C.SEP) if c]:
            links.append((code, self.href(site, sb, self.r.area_pages[code])))
        return tuple(links)

    # ------------------------------------------------------------------ wording
    # say / say1: the shared sentence blocks (analysis.views.context.ReportContext.say)

    # ------------------------------------------------------------------ key messages
    def key_messages(self, site: str = "handlungskonzept") -> KeyMessages:
        """„Das Wichtigste in Kürze“: four to six key messages computed from the results,
        each with a link to where the reader finds more."""
        cfg, res = self.cfg, self.r.res
        msgs = C.key_messages(
            res.need, cfg.fields, cfg.counted_fields, self.labels, self.area_ags,
            self.names, say=self.say1, stability=self.stability, stable_from=cfg.robustheit.stabil_ab,
            need_previous=res.need_previous, base_year=cfg.vergleichsjahr,
            kumulation_ab=cfg.konzept.kumulation_ab, recommendations=self.recommendations,
            level_labels=self.level_labels)
        items = []
        for m in msgs:
            if m["art"] == "veraenderung":
                link = ("Veränderung", self.href(site, "sozialbericht", "30_veraenderung"))
            elif m["art"] == "konzept":
                link = ("Empfehlungen", self.href(site, "handlungskonzept", "50_empfehlungen"))
            elif m["art"] == "sicherheit":
                link = ("Grenzfälle", self.href(site, "sozialbericht", "90_methodik",
                                                SECTION["robustheit"]))
            elif m["art"] == "kumulation":
                link = ("Kumulation", self.href(site, "sozialbericht", "00_uebersicht",
                                                SECTION["kumulation"]))
            elif m["feld"]:
                link = (f"Kapitel {self.labels[m['feld']]}",
                        self.href(site, "sozialbericht", field_pages(cfg.fields)[m["feld"]]))
            else:
                link = None
            text = m["text"]
            if m["art"] == "konzept":  # what the proposals cost in effort and time
                text += " " + self.effort_message()
            items.append((text, link))
        if site == "handlungskonzept":  # the annex asks the committee for a decision
            items.append((self.decision_request(), (
                "Wer zuständig ist", self.href(site, "handlungskonzept", "50_empfehlungen",
                                               SECTION["zustaendig"]))))
        return KeyMessages(tuple(items))

    def decision_request(self) -> str:
        """One sentence on what the committee is asked to decide (text block
        ``kernaussage.beschluss``)."""
        rec = self.recommendations
        return self.say1("kernaussage.beschluss", empfehlungen=len(rec),
                         hoch=int((rec["prioritaet"] == "hoch").sum()),
                         formate=len(self.participation))

    def decision_text(self, refer: bool = True) -> Prose:
        """The decision document the concept serves, cited from the configuration;
        ``refer``: point to the chapter on its work packages (not on that chapter)."""
        w = self.cfg.bezeichnungen
        more = (" Wie die Arbeitspakete des Auftrags bedient werden, zeigt das Kapitel „Auftrag "
                "und Arbeitspakete“." if refer else "")
        if not w.beschluss:
            return prose(f"Das Handlungskonzept setzt den Auftrag {w.gremium_genitiv} um. Er "
                         "unterscheidet nicht ausdrücklich zwischen den Ebenen; jede Empfehlung "
                         "nennt trotzdem, wer zuständig ist." + more)
        cite = w.beschluss + (f" vom {w.beschluss_datum}" if w.beschluss_datum else "")
        title = f" („{w.beschluss_titel}“)" if w.beschluss_titel else ""
        return prose(
            f"Grundlage: {cite}{title}. Der Beschluss unterscheidet, was die Region selbst "
            "entscheidet, was sie gemeinsam mit den Kommunen erarbeitet und was sie den "
            "Kommunen empfiehlt; jede Empfehlung nennt deshalb ihre Zuständigkeit." + more)

    def levels_text(self) -> Prose:
        """The three responsible levels and who carries each field's services."""
        k = self.cfg.konzept
        lv = self.level_labels
        carriers = []
        for f in self.cfg.fields:
            who = k.zustaendigkeit.get(f, "kommune")
            task = k.aufgaben.get(who) if who not in ("region", "gemeinsam") else None
            own = ([self.names[a] for a in task.region_traegt if a in self.names]
                   if task is not None else [])
            carriers.append(self.say1(
                "konzept.ebenen.traeger", feld=self.labels[f],
                traeger=(who if who in ("region", "gemeinsam") else
                         "aufgabe" if task is not None else "kommune"),
                aufgabe=task.titel if task is not None else "", region_traegt=own))
        return prose(*self.say("konzept.ebenen", eigen=lv["eigen"],
                               gemeinsam=lv["gemeinsam"], empfehlung=lv["empfehlung"]),
                     items=carriers)

    def priority_text(self) -> Prose:
        """How priority and horizon are set."""
        k = self.cfg.konzept
        start = k.startjahr or self.year
        return prose(*self.say(
            "konzept.prioritaet", kumulation_ab=k.kumulation_ab, ab=start,
            **{h: start + k.zeithorizonte[h]
               for h in ("kurzfristig", "mittelfristig", "langfristig")}))

    def effort_text(self) -> Prose:
        """How the effort class of a recommendation is set (text block
        ``konzept.aufwand``): the kinds per base class, the size rule, fixed numbers."""
        k, a = self.cfg.konzept, self.cfg.konzept.aufwand
        kinds = {c: [C.KIND_TITLES[kind] for kind in C.BASE_EFFORT
                     if C.base_effort(kind, k) == c] for c in C.EFFORTS}
        return prose(*self.say(
            "konzept.aufwand", **a.bezeichnungen,
            **{f"arten_{c}": kinds[c] for c in C.EFFORTS},
            kommunen_ab=a.kommunen_ab, sozialraeume_ab=a.sozialraeume_ab,
            festgelegt=[str(n) for n in sorted(a.empfehlungen)]))

    def effort_message(self) -> str:
        """One sentence for „Das Wichtigste“: recommendations per effort class and how the
        formats are staggered against the funded posts (``kernaussage.aufwand``)."""
        k = self.cfg.konzept
        s = C.effort_summary(self.recommendations, self.participation, k, self.year)
        labels = self.effort_labels
        counted = [(c, n) for c, n in s["klassen"].items() if n]
        parts = [self.say1("kernaussage.aufwand.klasse", klasse=labels[c], anzahl=n,
                           erste="ja" if i == 0 else "nein")
                 for i, (c, n) in enumerate(counted)]
        return self.say1(
            "kernaussage.aufwand", klassen=parts, formate=s["formate"],
            stellen=_decimal(k.kapazitaet.stellen),
            stellen_form="eins" if k.kapazitaet.stellen == 1 else "mehr",
            je_zeitraum=s["je_zeitraum"], zeitraum=k.kapazitaet.zeitraum,
            zeitraeume=s["zeitraeume"], von=s["von"], bis=s["bis"], spaet=s["spaet"])

    # ------------------------------------------------------------------ recommendations
    def recommendation_cards(self, field: str | None = None,
                             site: str = "handlungskonzept") -> RecommendationCards | Prose:
        rec = self.recommendations
        if field is not None:
            rec = rec[rec[S.FIELD] == field]
            elsewhere = self._covered_elsewhere(field, site)
            own = (self.recommendation_cards_of(rec, site) if not rec.empty else
                   prose("In diesem Handlungsfeld ergibt sich aus den Ergebnissen keine "
                         "eigene Empfehlung."))
            return Stack((own, *elsewhere)) if elsewhere else own
        if rec.empty:
            return prose("Aus den Ergebnissen ergibt sich keine Empfehlung.")
        return self.recommendation_cards_of(rec, site)

    def _covered_elsewhere(self, field: str, site: str) -> tuple:
        """The recommendations listed under another field (mehrfacher Handlungsbedarf)
        that include areas with need in ``field`` – so that a field page whose areas are
        taken up there does not read as if nothing were proposed for it."""
        flag = self.r.res.need[f"{field}_bedarf_flag"].astype(bool)
        mine = set(flag.index[flag])
        rec = self.recommendations
        other = rec[(rec[S.FIELD] != field) & (rec["art"] == "kumulation")]
        hits = [(int(r["nr"]), r["titel"], mine & set(r["sozialraeume"].split(C.SEP)))
                for _, r in other.iterrows()]
        hits = [h for h in hits if h[2]]
        if not hits:
            return ()
        n = len(set().union(*(h[2] for h in hits)))
        text = self.say1("konzept.feld.anderswo", anzahl=n, bedarf=len(mine),
                         alle="ja" if n == len(mine) else "nein",
                         empfehlungen=[str(nr) for nr, _t, _a in hits])
        links = tuple((self.href(site, "handlungskonzept", "50_empfehlungen",
                                 f"empfehlung-{nr}"), f"{nr}: {title}")
                      for nr, title, _a in hits)
        return (prose(text), LinkList("Diese Empfehlungen", links))

    def recommendation_cards_of(self, rec: pd.DataFrame,
                                site: str = "handlungskonzept") -> RecommendationCards:
        """The cards of the recommendations ``rec``."""
        cards = []
        for _, r in rec.iterrows():
            areas = [c for c in r["sozialraeume"].split(C.SEP) if c]
            kommunen = [k for k in r["kommunen"].split(C.SEP) if k]
            knapp = self._knapp_areas(r)
            labels = [self.r.area_label(c) + (f" ({BORDERLINE})" if c in knapp else "")
                      for c in areas]
            note = self._borderline_note(r, areas, knapp)
            cards.append(Card(
                nr=int(r["nr"]), title=r["titel"], field=self.rec_field(r[S.FIELD], r["art"]),
                text=r["text"], priority=PRIORITY_WORD[r["prioritaet"]],
                responsible=r["zustaendig"],
                # the borderline count before the list, not after its last item
                areas=(f"{fmt.number_word(len(areas)).capitalize()} Sozialräume, {note}: "
                       if note else "") + "; ".join(labels),
                kommunen=fmt.join_de(kommunen), evidence=self.evidence_links(r, site),
                step=r["schritt"],
                horizon=f"{r['zeithorizont']} (bis {r['bis']})",
                lead=r.get("federfuehrung", ""),
                effort=self.effort_labels.get(r.get("aufwand", ""), ""),
                findings=tuple(
                    (f"„{n.title}“ ({n.source}, {_date_de(n.date)})",
                     self.href(site, "handlungskonzept", f"52_konzept_{n.field}",
                               note_anchor(n)))
                    for n in self.findings_of(int(r["nr"])))))
        return RecommendationCards(tuple(cards), level=3)

    #: kinds whose areas carry a need classification in the recommendation's own field
    #: (a cumulation spans several fields; a borderline check lists borderline cases only)
    MARKED_KINDS = ("versorgungsluecke", "nur_angrenzend", "interkommunal")

    def _knapp_areas(self, r: pd.Series) -> set[str]:
        """The recommendation's areas whose need classification in its field is
        borderline (marked „(knapp)“ on the card)."""
        f = r[S.FIELD]
        if r["art"] not in self.MARKED_KINDS or f not in self.cfg.fields:
            return set()
        bl = self.r.borderline(f)
        return {c for c in str(r["sozialraeume"]).split(C.SEP) if c and bool(bl.get(c, False))}

    def _borderline_note(self, r: pd.Series, areas: list[str], knapp: set[str]) -> str:
        """„davon 14 knapp – zuerst Empfehlung 13 (…)“: how many of the card's areas are
        borderline and, when most are and a borderline check of the same field covers
        them, which recommendation comes first (text block ``konzept.karte.knapp``)."""
        if not knapp or len(areas) < 2:
            return ""
        rec = self.recommendations
        check = rec[(rec[S.FIELD] == r[S.FIELD]) & (rec["art"] == "grenzfaelle")]
        first = next((c for _, c in check.iterrows()
                      if knapp <= set(str(c["sozialraeume"]).split(C.SEP))), None)
        mostly = 2 * len(knapp) > len(areas)
        return self.say1("konzept.karte.knapp", knapp=len(knapp),
                         alle="ja" if len(knapp) == len(areas) else "nein",
                         zuerst="ja" if mostly and first is not None else "nein",
                         empfehlung=str(int(first["nr"])) if first is not None else "",
                         titel=str(first["titel"]) if first is not None else "")

    # ------------------------------------------------------------------ findings
    @cached_property
    def _findings(self) -> dict[int, tuple]:
        """Recommendation number → the qualitative findings it takes up: same field, and
        a shared area (or, for a finding on a whole Kommune, a shared Kommune)."""
        rec = self.recommendations
        out: dict[int, list] = {int(n): [] for n in rec["nr"]} if not rec.empty else {}
        for note in sorted(self.ds.notes, key=lambda n: (n.date, n.file)):
            for _, r in rec[rec[S.FIELD] == note.field].iterrows():
                codes = {c for c in str(r["sozialraeume"]).split(C.SEP) if c}
                ags = {a for a in str(r[S.AGS]).split(C.SEP) if a}
                if (set(note.areas) & codes) or (not note.areas and note.ags in ags):
                    out[int(r["nr"])].append(note)
        return {k: tuple(v) for k, v in out.items()}

    def findings_of(self, nr: int) -> tuple:
        """The qualitative findings recommendation ``nr`` takes up."""
        return self._findings.get(nr, ())

    def recommendations_for(self, note) -> tuple[int, ...]:
        """Numbers of the recommendations that take up a qualitative finding."""
        return tuple(n for n, notes in self._findings.items() if note in notes)

    def recommendations_table(self, field: str | None = None) -> TableOutput:
        """Compact overview: number, field, what, priority, who, until when."""
        rec = self.recommendations
        if field is not None:
            rec = rec[rec[S.FIELD] == field]
        df = pd.DataFrame({
            "Nr.": [Links(((str(n), f"#empfehlung-{n}"),)) for n in rec["nr"]],
            "Handlungsfeld": [self.rec_field(f, k) for f, k in zip(rec[S.FIELD], rec["art"],
                                                                  strict=True)],
            "Empfehlung": rec["titel"].to_numpy(),
            "Priorität": rec["prioritaet"].to_numpy(),
            "Zuständig": rec["ebene"].map({"eigen": "eigene Zuständigkeit",
                                           "gemeinsam": "gemeinsam mit Kommunen",
                                           "empfehlung": "Empfehlung an Kommune"}).to_numpy(),
            "Aufwand": rec["aufwand"].map(self.effort_labels).to_numpy(),
            "Bis": rec["bis"].astype(int).astype(str).to_numpy(),
        })
        title = ("Empfehlungen" + (f" im Handlungsfeld {self.labels[field]}" if field
                                   else " aller Handlungsfelder")
                 + ": Priorität, Zuständigkeit, Aufwand und Zeithorizont")
        return TableOutput(df.reset_index(drop=True), title, row_header="Nr.")

    def recommendations_by_level(self) -> TableOutput:
        """Number of recommendations per responsible level and priority."""
        rec = self.recommendations
        rows = []
        for level in ("eigen", "gemeinsam", "empfehlung"):
            sub = rec[rec["ebene"] == level]
            rows.append({"Zuständigkeit": self.level_labels[level],
                         **{p: int((sub["prioritaet"] == p).sum()) for p in C.PRIORITIES},
                         "zusammen": len(sub)})
        return TableOutput(pd.DataFrame(rows), "Empfehlungen nach Zuständigkeit und Priorität",
                           row_header="Zuständigkeit")

    def text(self, name: str):
        """A chapter text of the configuration (see :meth:`analysis.views.report.Report.text`)."""
        return self.r.text(name)

    def field_title(self, field: str) -> str:
        return self.cfg.handlungsfelder[field].titel

    # ------------------------------------------------------------------ 50 summary
    def suggestion_note(self) -> Prose:
        return notice(SUGGESTION_NOTE.format(region_genitiv=self.cfg.region_genitiv))

    def summary_text(self) -> Prose:
        """Which inputs the annex combines and which were not supplied."""
        ds = self.ds
        sources = []
        if ds.priorities is not None:
            sources.append(self.say1("konzept.quelle.schwerpunkte"))
        if ds.services is not None:
            sources.append(self.say1("konzept.quelle.angebote", angebote=len(ds.services)))
        if ds.notes_supplied:
            sources.append(self.say1("konzept.quelle.befunde", befunde=len(ds.notes)))
        missing = [self.say1(f"konzept.fehlt.{what}") for what, absent in (
            ("schwerpunkte", ds.priorities is None), ("angebote", ds.services is None),
            ("ziele", ds.goals is None), ("befunde", not ds.notes_supplied)) if absent]
        return prose(*self.say(
            "konzept.zusammenfassung", jahr=self.year, quellen=sources, fehlend=missing,
            bestand="ja" if self.has_services else "nein",
            gebiete=len(self.clusters), **self._gap_counts()))

    def _gap_counts(self) -> dict[str, int]:
        """Gaps (need, no service in or next to the area): all, in exploratory fields, in
        counted fields."""
        g = self.gaps
        if not len(g):
            return {"luecken": 0, "explorativ": 0, "gezaehlt": 0}
        n = int(g["luecke"].sum())
        explorative = int(g.loc[~g[S.FIELD].isin(self.assessed_fields), "luecke"].sum())
        return {"luecken": n, "explorativ": explorative, "gezaehlt": n - explorative}

    # ------------------------------------------------------------------ 51 priorities
    def priorities_text(self) -> Prose:
        if self.ds.priorities is None:
            return notice(NO_PRIORITIES)
        g = self.groups
        items = [
            f"{r['titel']}: {fmt.count_phrase(int(r['anzahl']), 'Kommune', 'Kommunen')}"
            for _, r in g.iterrows()
        ]
        if self.r.single_municipality:
            return prose(
                f"Im {self.cfg.bezeichnungen.steuerungsgremium} wurden die Schwerpunkte "
                f"benannt. {self.cfg.region} besteht aus nur einer Kommune; einen Austausch "
                "themengleicher Kommunen gibt es daher nicht.",
                items=items,
            )
        return prose(
            "Benannte Schwerpunkte und Zahl der Kommunen, die sie benannt haben; Kommunen mit "
            "gleichem Thema werden für einen Austausch vorgeschlagen (themengleiche Kommunen):",
            items=items,
        )

    def _demo_suffix(self) -> str:
        return " (erfundene Zuordnung der Demodaten)" if self.ds.is_demo else ""

    def priorities_table(self) -> TableOutput | Prose:
        if self.ds.priorities is None:
            return prose("Ohne kommunale Schwerpunkte entfällt diese Tabelle.")
        g = self.groups
        df = pd.DataFrame(
            {
                "Thema": g["titel"],
                "Handlungsfeld": g["handlungsfeld"].map(self.labels).fillna(""),
                "Kommunen": g["kommunen"].str.replace("|", ", ", regex=False),
                "Anzahl": g["anzahl"].astype(int),
                "Vorgeschlagenes Format": g["format"],
            }
        )
        return TableOutput(
            df, "Kommunale Schwerpunkte und themengleiche Kommunen" + self._demo_suffix(),
            row_header="Thema"
        )

    def priorities_demo_note(self) -> Prose:
        """On demo data: which Kommune named which theme is invented."""
        if not self.ds.is_demo or self.ds.priorities is None:
            return prose("")
        return notice(
            "Demodaten: Welche Kommune welches Thema benannt hat, ist für die Demo erfunden. "
            "Belegt ist nur, wie viele Kommunen ein Thema benannt haben; die Zuordnung zu "
            "einzelnen Kommunen in den Tabellen und in der Gegenüberstellung mit dem "
            "gemessenen Bedarf ist ein Beispiel, keine Aussage über die Kommunen.")

    def priorities_matrix(self) -> TableOutput | Prose:
        """Work package 6: per Kommune and field, the named priorities against the
        measured need (number of its Sozialräume with need)."""
        if self.ds.priorities is None:
            return prose("Ohne kommunale Schwerpunkte entfällt diese Gegenüberstellung.")
        m = self._matrix_in_field_order()
        rows = []
        for ags, sub in m.groupby(S.AGS, sort=False):
            row = {"Kommune": sub[S.KOMMUNE].iloc[0]}
            for _, r in sub.iterrows():
                row[self.labels.get(r[S.FIELD], r[S.FIELD])] = self._matrix_cell(
                    r, self._borderline_in(r[S.FIELD], ags))
            rows.append(row)
        caption = ("Schwerpunkte der Kommunen und gemessener Bedarf "
                   f"{self.year} je Handlungsfeld" + (" (Demo: Zuordnung erfunden)"
                                                      if self.ds.is_demo else ""))
        return TableOutput(pd.DataFrame(rows), caption, row_header="Kommune")

    def _matrix_in_field_order(self) -> pd.DataFrame:
        """The matrix with its fields in the configured order (as on every other page)."""
        m = self.matrix
        rank = {f: i for i, f in enumerate(self.cfg.fields)}
        kommune = {a: i for i, a in enumerate(dict.fromkeys(m[S.AGS]))}
        return m.iloc[sorted(range(len(m)), key=lambda i: (
            kommune[m[S.AGS].iloc[i]], rank.get(m[S.FIELD].iloc[i], len(rank)), i))]

    def _borderline_in(self, field: str, ags: str) -> int:
        """How many of the Kommune's areas with need in ``field`` are borderline."""
        if field not in self.cfg.fields:
            return 0
        bl = C.borderline(self.r.res.need, self.stability, field, self.cfg.robustheit.stabil_ab)
        bl = bl & self.r.res.need[f"{field}_bedarf_flag"].astype(bool)
        return int(sum(1 for a in bl.index[bl] if self.area_ags.get(a) == ags))

    @staticmethod
    def _matrix_cell(r: pd.Series, n_borderline: int = 0) -> str:
        n = int(r["bedarf"])
        need = ("kein Sozialraum mit Bedarf" if n == 0 else
                f"{fmt.count_words(n, 'Sozialraum', 'Sozialräume')} mit Bedarf")
        if n and n_borderline:
            need += (" (knapp)" if n == 1 else " (beide knapp)" if n_borderline == n == 2 else
                     " (alle knapp)" if n_borderline == n else
                     f" (davon {'einer' if n_borderline == 1 else fmt.number_word(n_borderline)}"
                     " knapp)")
        return ("benannt; " if r["benannt"] else "nicht benannt; ") + need

    def matrix_text(self) -> Prose:
        if self.ds.priorities is None:
            return prose("")
        m = self._matrix_in_field_order()
        items = []
        for cls, say in ((C.MATCH, "Benannt und gemessen"),
                         (C.MEASURED_ONLY, "Bedarf gemessen, aber nicht als Schwerpunkt benannt"),
                         (C.NAMED_ONLY, "Als Schwerpunkt benannt, aber kein Sozialraum mit "
                                        "Bedarf gemessen")):
            sub = m[m["klasse"] == cls]
            who = [f"{kommune}: {_fields_de([self.labels.get(f, f) for f in part[S.FIELD]])}"
                   for kommune, part in sub.groupby(S.KOMMUNE, sort=False)]
            items.append(f"{say} – " + ("; ".join(who) if who else "in keinem Fall"))
        return prose(
            "Die Gegenüberstellung zeigt je Kommune und Handlungsfeld, ob die Kommune dort "
            "einen Schwerpunkt benannt hat und wie viele ihrer Sozialräume nach den Regeln "
            "des Berichts Handlungsbedarf haben. Wo beides auseinandergeht, lohnt das "
            "Gespräch: Ein benannter Schwerpunkt ohne gemessenen Bedarf kann qualitative "
            "Gründe haben, die die Indikatoren nicht abbilden; gemessener Bedarf ohne "
            "benannten Schwerpunkt ist ein Thema für die Beratung der Kommune.",
            items=items)

    # ------------------------------------------------------------------ participation
    def participation_text(self) -> Prose:
        p = self.participation
        b = self.cfg.konzept.beteiligung
        counts = p["format"].value_counts()
        items = [self.say1("konzept.beteiligung.format", format=f, anzahl=int(counts[f]))
                 for f in sorted(counts.index)]
        return prose(*self.say(
            "konzept.beteiligung", formate=len(p), thema=b.thema, tandem=b.tandem,
            interkommunal=b.interkommunal, sozialraum=b.sozialraum, grenzfaelle=b.grenzfaelle,
            thema_ab=b.thema_ab, kumulation_ab=self.cfg.konzept.kumulation_ab,
            anteil=self._borderline_share(), fachgespraech=b.grenzfaelle_wenige), items=items)

    def _borderline_share(self) -> str:
        """„mindestens 25 %“ – from when a field gets a borderline check."""
        return f"mindestens {fmt.percent(100 * self.cfg.konzept.grenzfaelle_anteil, 0)}"

    def staggering_text(self) -> Prose:
        """How the formats are ordered, merged and staggered against the capacity."""
        p, cap = self.participation, self.cfg.konzept.kapazitaet
        per, _ = C.capacity_per_period(cap)
        return prose(*self.say(
            "konzept.beteiligung.staffelung", formate=len(p), stellen=_decimal(cap.stellen),
            stellen_form="eins" if cap.stellen == 1 else "mehr",
            je_stelle=_decimal(cap.formate_je_stelle),
            je_stelle_form="eins" if cap.formate_je_stelle == 1 else "mehr", je_zeitraum=per,
            zeitraum=cap.zeitraum,
            zusammengelegt=int((p["zusammengelegt"] > 1).sum()) if len(p) else 0,
            aufbauend=int((p["baut_auf"] != "").sum()) if len(p) else 0,
            anteil=fmt.percent(100 * cap.zusammenlegen_ab, 0)))

    def participation_table(self) -> TableOutput | None:
        p = self.participation
        if p.empty:
            return None

        def occasion(r: pd.Series) -> str:
            text = f"{r['anlass']}: {r['bezug']}"
            if r["zusammengelegt"] > 1:
                text += f" (zusammengelegt aus {fmt.number_word(int(r['zusammengelegt']))} Formaten)"
            before = [b for b in str(r["baut_auf"]).split(C.SEP) if b]
            if before:
                text += f"; baut auf Nr. {fmt.join_de(before)} auf"
            return text

        df = pd.DataFrame({
            "Nr.": p["nr"].astype(str).to_numpy(),
            "Beginn": p["beginn"].to_numpy(),
            "Format": p["format"].to_numpy(),
            "Anlass": [occasion(r) for _, r in p.iterrows()],
            "Beteiligte Kommunen": p["kommunen"].str.replace("|", ", ", regex=False).to_numpy(),
            "Priorität, Zeithorizont": [f"{pr}, {h} (bis {y})" for pr, h, y in zip(
                p["prioritaet"], p["zeithorizont"], p["bis"], strict=True)],
        })
        return TableOutput(df, "Geplante Beteiligungsformate in der Reihenfolge ihres Beginns",
                           row_header="Nr.")

    # ------------------------------------------------------------------ 55 work packages
    def _block_status(self) -> dict[str, tuple[str, tuple[tuple[str, str], ...]]]:
        """Per building block: what the reports show for it (a sentence) and links."""
        site = "handlungskonzept"
        cfg, ds, res = self.cfg, self.ds, self.r.res
        fields_annex = tuple((self.labels[f], self.href(site, site, f"52_konzept_{f}"))
                             for f in cfg.fields)
        page = {"50_empfehlungen": "Empfehlungen", "51_prioritaeten": "Schwerpunkte",
                "53_wirkung": "Wirkungskreisläufe", "54_interkommunal": "Interkommunal"}

        def pages(block: str) -> tuple[tuple[str, str], ...]:
            return tuple((page[s], self.href(site, site, s)) for s in BLOCK_PAGES[block])

        separate = [self.marked(f) for f in cfg.fields if cfg.handlungsfelder[f].separat]
        chains = [self.say1("arbeitspaket.praeventionskette.feld", feld=self.labels[f],
                            stufen=len(cfg.chain_stages(f)))
                  for f in cfg.fields if cfg.chain_stages(f)]
        yes = {True: "ja", False: "nein"}
        services, priorities = self.has_services, ds.priorities is not None
        say = self.say1
        out = {
            "bedarf": (
                say("arbeitspaket.bedarf", mit_bedarf=int(res.any_need),
                    sozialraeume=len(self.r.areas), felder=len(cfg.counted_fields)),
                (("Das Wichtigste", self.href(site, "sozialbericht", "00_uebersicht")),
                 *(self.field_link(f, site) for f in cfg.fields))),
            "befunde": (
                say("arbeitspaket.befunde", geliefert=yes[ds.notes_supplied],
                    befunde=len(ds.notes)),
                fields_annex if ds.notes_supplied else ()),
            "lebenslagen": (
                say("arbeitspaket.lebenslagen", indikatoren=len(ds.indicators),
                    separat=separate),
                (("Methodik und Daten", self.href(site, "sozialbericht",
                                                          "90_methodik")),)),
            "bestand": (
                say("arbeitspaket.bestand", bestand=yes[services],
                    angebote=len(ds.services) if services else 0),
                fields_annex if services else ()),
            "luecken": (
                say("arbeitspaket.luecken", bestand=yes[services],
                    **(self._gap_counts() if services else
                       {"luecken": 0, "explorativ": 0, "gezaehlt": 0})),
                fields_annex if services else ()),
            "ziele": (
                say("arbeitspaket.ziele", schwerpunkte=yes[priorities],
                    empfehlungen=len(self.recommendations)),
                pages("ziele")),
            "praeventionskette": (
                say("arbeitspaket.praeventionskette", ketten=chains,
                    stand=("ohne_bestand" if not services else
                           "ja" if chains else "keine_stufen")),
                fields_annex if services else ()),
            "wirkung": (
                say("arbeitspaket.wirkung", geliefert=yes[ds.goals is not None],
                    ziele=len(self.progress) if ds.goals is not None else 0, jahr=self.year),
                pages("wirkung")),
            "austausch": (
                say("arbeitspaket.austausch", schwerpunkte=yes[priorities],
                    themen=int((self.groups["anzahl"] >= 2).sum()) if priorities else 0,
                    formate=len(self.participation)),
                pages("austausch")),
            "interkommunal": (
                say("arbeitspaket.interkommunal", gebiete=len(self.clusters)),
                pages("interkommunal")),
            "konzept": (say("arbeitspaket.konzept"), pages("konzept")),
        }
        return out

    @cached_property
    def work_packages(self) -> pd.DataFrame:
        return C.work_packages(self.cfg.konzept.arbeitspakete, self._block_status())

    def work_packages_table(self) -> TableOutput | Prose:
        wp = self.work_packages
        if wp.empty:
            return prose("In der Konfiguration sind keine Arbeitspakete eingetragen "
                         "(konzept.arbeitspakete).")
        df = pd.DataFrame({
            "Nr.": wp["nr"].astype(int).to_numpy(),
            "Arbeitspaket": wp["titel"].to_numpy(),
            "Was der Bericht dazu zeigt": wp["umsetzung"].to_numpy(),
            "Seiten": [Links(links) for links in wp["links"]],
        })
        w = self.cfg.bezeichnungen
        caption = (f"Arbeitspakete ({w.beschluss}) und ihre Umsetzung" if w.beschluss
                   else f"Arbeitspakete des Auftrags {w.gremium_genitiv} und ihre Umsetzung")
        return TableOutput(df, caption, row_header="Arbeitspaket")

    # ------------------------------------------------------------------ 52 per field
    def heading(self, field: str):
        from analysis.views.context import Heading

        return Heading(self.field_title(field), 1)

    def field_intro(self, field: str) -> Prose:
        flag = self.r.res.need[f"{field}_bedarf_flag"]
        g = self.gaps[self.gaps["handlungsfeld"] == field]
        covered = int((g["versorgung"] == C.COVERED).sum())
        neighbour = int((g["versorgung"] == C.NEIGHBOUR_ONLY).sum())
        none = int((g["versorgung"] == C.NONE).sum())
        n = int(flag.sum())
        bl = C.borderline(self.r.res.need, self.stability, field,
                          self.cfg.robustheit.stabil_ab) & flag
        n_bl = int(bl.sum())
        # the supply map shows borderline areas as a class of their own: say how many
        # of each supply class are borderline, so text and legend add up
        knapp = {what: int(bl.reindex(g.loc[g["versorgung"] == what, "sozialraum"])
                           .fillna(False).astype(bool).sum())
                 for what in (C.COVERED, C.NEIGHBOUR_ONLY, C.NONE)}
        need = self.say1("konzept.feld.bedarf", feld=self.marked(field), bedarf=n,
                         knapp=n_bl, alle_knapp="ja" if n and n_bl == n else "nein")
        hint = (self.say("konzept.feld.explorativ", feld=self.labels[field])
                if self.r.is_exploratory(field) else [])
        if not self.has_services or not covered + neighbour + none:
            return prose(need, *hint)
        total = covered + neighbour + none
        parts = [self.say1("konzept.feld.versorgung.teil", anzahl=k, gesamt=total,
                           alle="ja" if k == total else "nein", angebot=what,
                           knapp=knapp[cls], knapp_alle="ja" if knapp[cls] == k else "nein")
                 for k, what, cls in ((covered, "im_sozialraum", C.COVERED),
                                      (neighbour, "angrenzend", C.NEIGHBOUR_ONLY),
                                      (none, "keines", C.NONE)) if k]
        return prose(need + " " + self.say1("konzept.feld.versorgung", teile=parts), *hint)

    def supply_map(self, field: str) -> FigureOutput | Prose:
        if not self.has_services:
            return notice(NO_SERVICES)
        g = self.gaps[self.gaps["handlungsfeld"] == field].set_index("sozialraum")
        status = pd.Series("kein Handlungsbedarf", index=self.r.areas.index)
        status.loc[g.index] = "Bedarf: " + g["versorgung"]
        # borderline need as a class of its own (as on the need maps of the Sozialbericht);
        # its supply is in the table below the map
        knapp = self.r.borderline(field).reindex(g.index, fill_value=False)
        knapp_class = f"Bedarf {BORDERLINE} (Grenzfall)"
        status.loc[knapp.index[knapp.astype(bool)]] = knapp_class
        order = [
            "kein Handlungsbedarf",
            knapp_class,
            f"Bedarf: {C.COVERED}",
            f"Bedarf: {C.NEIGHBOUR_ONLY}",
            f"Bedarf: {C.NONE}",
        ]
        return choropleth(
            status,
            self.ds.geometry,
            self.r.areas[S.KOMMUNE],
            title=f"Handlungsbedarf und Angebote: {self.labels[field]} {self.year}",
            scheme=ClassScheme(tuple(order), tuple(order), COVERAGE_BORDERLINE,
                               "Bedarf und Versorgung", categorical=True),
            caption=self.r.map_caption() + " Angebote laut Bestandsaufnahme. "
            f"„Bedarf {BORDERLINE}“: Grenzfall der Robustheitsprüfung (siehe Methodik); "
            "seine Versorgung steht in der Tabelle.",
            mark=self.r.image_mark,
            links=self.r.area_links(f"handlungskonzept/52_konzept_{field}"),
            area_names=self.r.area_names,
        )

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """Services per 1.000 of the target group; withheld („•“) where the target-group
        count is suppressed (rate × published number of services would reveal it)."""
        from analysis.gate import disclosure as D

        groups = {f: self.cfg.target_group(f, self.ds.indicators) for f in self.cfg.fields}
        cov = C.coverage(self.ds.services, self.ds.areas, self.ds.counts, self.year,
                         self.cfg.fields, groups)
        prot = self.r.gate.protected
        prot = prot[prot[S.YEAR] == self.year].set_index([S.AREA, S.VARIABLE])[D.FLAG]
        hidden = [bool(prot.get((a, v), False)) for a, v in
                  zip(cov["sozialraum"], cov["zielgruppe_variable"], strict=True)]
        cov["angebote_je_1000"] = pd.Series(
            [display(x, h) for x, h in zip(cov["angebote_je_1000"], hidden, strict=True)],
            index=cov.index, dtype=object)
        return cov.set_index(["sozialraum", "handlungsfeld"])

    def gaps_table(self, field: str) -> TableOutput | None:
        if not self.has_services:
            return None  # supply_map says why
        g = self.gaps[self.gaps["handlungsfeld"] == field]
        bl = self.r.borderline(field)
        df = pd.DataFrame(
            {
                "Sozialraum": [self.r.area_label(c)
                               + (f" ({BORDERLINE})" if bool(bl.get(c, False)) else "")
                               for c in g["sozialraum"]],
                "Kommune": [self.r.areas.loc[c, S.KOMMUNE] for c in g["sozialraum"]],
                "Angebote im Sozialraum": g["angebote_im_raum"].astype(int).to_numpy(),
                "Angebote angrenzend": g["angebote_angrenzend"].astype(int).to_numpy(),
                "Angebote kommunenweit": g["angebote_kommunenweit"].astype(int).to_numpy(),
                "Angebote je 1.000 der Zielgruppe": [
                    self.coverage.loc[(c, field), "angebote_je_1000"] for c in g["sozialraum"]
                ],
                "Versorgung": g["versorgung"].to_numpy(),
            }
        )
        return TableOutput(
            df,
            f"Sozialräume mit Handlungsbedarf im Feld {self.labels[field]} und ihre Versorgung",
            number_formats={"Angebote je 1.000 der Zielgruppe": lambda x: fmt.number(x, 2)},
            links={"Sozialraum": [self.r.area_href(c, "handlungskonzept")
                                  for c in g["sozialraum"]]},
            row_header="Sozialraum",
        )

    def services_table(self, field: str) -> TableOutput | Prose:
        if not self.has_services:
            return prose(NO_SERVICES_SHORT)
        svc = (
            C.active_services(self.ds.services, self.year)
            if self.ds.services is not None
            else pd.DataFrame(columns=["name"])
        )
        svc = svc[svc[S.FIELD] == field] if len(svc) else svc
        df = pd.DataFrame(
            {
                "Angebot": svc.get("name", pd.Series(dtype=str)).to_numpy(),
                "Träger": svc.get("traeger", pd.Series(dtype=str)).to_numpy(),
                "Art": svc.get("typ", pd.Series(dtype=str)).to_numpy(),
                "Zielgruppe": svc.get("zielgruppe", pd.Series(dtype=str)).to_numpy(),
                "Sozialräume": svc.get("sozialraeume", pd.Series(dtype=str))
                .str.replace("|", ", ", regex=False)
                .to_numpy(),
                "Netzwerk": svc.get("netzwerk", pd.Series(dtype=str)).fillna("").to_numpy(),
            }
        )
        if len(df):
            first = [natural_key(s.split(", ")[0]) for s in df["Sozialräume"]]
            df = df.iloc[sorted(range(len(df)), key=lambda i: (first[i], df["Angebot"].iloc[i]))]
        return TableOutput(
            df.reset_index(drop=True),
            f"Bestehende Angebote im Handlungsfeld {self.labels[field]} ({self.year})",
            row_header="Angebot",
        )

    def _chain(self, field: str | None) -> tuple[pd.DataFrame, list[str]]:
        stages = self.cfg.chain_stages(field) if field else list(self.cfg.praeventionskette)
        return C.chain_gaps(self.ds.services, self.ds.areas, stages, self.year, field), stages

    def chain_table(self, field: str | None = None) -> TableOutput | None:
        """Services per Kommune and stage of the field's prevention chain (``None``: all
        services on every stage)."""
        if not self.has_services:
            return None  # chain_text says why
        ch, stages = self._chain(field)
        if not stages:
            return None  # chain_text says why
        wide = ch.pivot(index="kommune", columns="kettenstufe", values="angebote")
        wide = wide[[s for s in stages if s in wide.columns]]
        order = self.ds.municipalities["name"]
        wide = wide.reindex([n for n in order if n in wide.index])
        wide.columns = [STAGE_LABELS.get(c, c) for c in wide.columns]
        df = wide.reset_index().rename(columns={"kommune": "Kommune"})
        where = f" im Handlungsfeld {self.labels[field]}" if field else ""
        return TableOutput(
            df,
            f"Präventionskette{where}: aktive Angebote je Kommune und Stufe (0 = in der "
            "Bestandsaufnahme kein Angebot erfasst)",
            row_header="Kommune",
        )

    def chain_text(self, field: str | None = None) -> Prose:
        if not self.has_services:
            return prose(NO_CHAIN)
        ch, stages = self._chain(field)
        label = self.labels[field] if field else ""
        if not stages:
            return prose(f"Für das Handlungsfeld {label} ist keine Präventionskette "
                         "festgelegt.")
        gaps = ch[ch["luecke"]]
        items = []
        for kommune, sub in gaps.groupby("kommune", sort=False):
            names = [STAGE_LABELS.get(s, s) for s in sub["kettenstufe"]]
            items.append(f"{kommune}: {fmt.join_de(names)}")
        where = f" im Handlungsfeld {label}" if field else ""
        chain = ", ".join(STAGE_LABELS.get(s, s) for s in stages)
        lead = (f"Die Präventionskette{where} umfasst die Stufen {chain}; gezählt werden "
                "die Angebote dieses Handlungsfelds." if field else "")
        return prose(
            lead,
            f"Stufen, auf denen in der Bestandsaufnahme kein Angebot{where} erfasst ist:"
            if items
            else f"Jede Kommune hat auf jeder Stufe der Präventionskette{where} mindestens "
                 "ein erfasstes Angebot.",
            items=items,
        )

    def notes(self, field: str) -> NoteList:
        """The field's qualitative findings, each with the recommendations that take it
        up („noch ohne Empfehlung“ where none does)."""
        notes = tuple(C.notes_for(self.ds.notes, field=field))
        taken = tuple(self.recommendations_for(n) for n in notes)
        return NoteList(notes, supplied=self.ds.notes_supplied,
                        names=tuple(zip(self.ds.municipalities[S.AGS],
                                        self.ds.municipalities["name"], strict=True)),
                        taken_up=taken,
                        taken_up_text=tuple(self.say1("konzept.befund.empfehlungen",
                                                      empfehlungen=len(t)) for t in taken))

    def profile_links(self, field: str) -> LinkList:
        flag = self.r.res.need[f"{field}_bedarf_flag"]
        codes = sorted(flag.index[flag], key=natural_key)
        bl = self.r.borderline(field)
        return LinkList(
            "Steckbriefe dieser Sozialräume im Sozialbericht",
            tuple((self.r.area_href(c, "handlungskonzept"),
                   c + (f" ({BORDERLINE})" if bool(bl.get(c, False)) else "")) for c in codes),
        )

    # ------------------------------------------------------------------ 53 impact
    def progress_text(self) -> Prose:
        if self.ds.goals is None:
            return notice(NO_GOALS)
        p = self.progress
        counts = p["status"].value_counts()
        items = [
            f"{k}: {fmt.number(int(counts.get(k, 0)))}"
            for k in (C.REACHED, C.ON_TRACK, C.UNCERTAIN, C.OFF_TRACK, C.NO_DATA)
            if counts.get(k)
        ]
        head = fmt.count_words(len(p), "Wirkungsziel ist", "Wirkungsziele sind", "n")
        demo = (" Die Wirkungsziele und ihre Maßnahmen sind für die Demo erfunden."
                if self.ds.is_demo and len(p) else "")
        return prose(
            f"{head[:1].upper()}{head[1:]} "
            "nach dem Raster „Was soll bewirkt werden ⇒ was muss dafür getan werden ⇒ "
            f"woran ist Veränderung erkennbar“ hinterlegt.{demo} Stand "
            f"{self.year}:",
            items=items,
        )

    def progress_table(self) -> Stack | None:
        """The impact cycles as two tables that fit a page: what is to be achieved, how
        and measured by what (text), then the progress in numbers with the status."""
        if self.ds.goals is None:
            return None  # progress_text says so
        p = self.progress
        goals = self.ds.goals.set_index("ziel_id")
        goal = "Ziel (Was soll bewirkt werden?)"
        cycles = pd.DataFrame(
            {
                goal: p["ziel"],
                "Maßnahmen (Was muss dafür getan werden?)": [
                    goals.loc[g, "massnahmen"].replace("|", "; ") for g in p["ziel_id"]
                ],
                "Indikator (Woran ist Veränderung erkennbar?)": [
                    self.r.label(i) for i in p[S.INDICATOR]
                ],
                "Gebiet": [self._place(g) for g in p["gebiet"]],
            }
        )
        def with_unit(col: str) -> list[str]:  # „4,9 %“, „91,1 je 1.000“
            return [self.r.value_text(i, v) for i, v in zip(p[S.INDICATOR], p[col], strict=True)]

        def beside_target(col: str) -> list[str]:  # never rounded onto the target
            return [C.goal_value_text(row[col], row, self.r.unit(row[S.INDICATOR]))
                    for _, row in p.iterrows()]

        progress = pd.DataFrame(
            {
                "Ziel": p["ziel"],
                "Ausgangswert": beside_target("basiswert"),
                "Aktueller Wert": beside_target("wert"),
                "95-%-Vertrauensbereich": [
                    f"{lo} bis {hi}" if lo != fmt.MISSING and hi != fmt.MISSING else "–"
                    for lo, hi in zip(beside_target("ki_unten"), beside_target("ki_oben"),
                                      strict=True)
                ],
                "Zielwert": with_unit("zielwert"),
                "Zieljahr": p["zieljahr"].astype(int).astype(str),
                "Status": [
                    f"{st} (Veränderung nicht gesichert)"
                    if st in (C.ON_TRACK, C.OFF_TRACK) and not ok else st
                    for st, ok in zip(p["status"], p["gesichert"], strict=True)
                ],
            }
        )
        return Stack((
            TableOutput(cycles, f"Wirkungskreisläufe: Ziele, Maßnahmen und Indikatoren "
                                f"(Stand {self.year})", row_header=goal,
                        row_ids=[goal_anchor(g) for g in p["ziel_id"]]),
            TableOutput(progress, f"Fortschritt der Wirkungsziele (Stand {self.year})",
                        row_header="Ziel"),
            *((prose(
                "„Veränderung nicht gesichert“: Die Veränderung seit dem Ausgangsjahr ist nicht "
                "größer als die zufällige Schwankung – gemessen am "
                f"{fmt.number(self.cfg.dynamik.vertrauensniveau * 100, 0)}-%-Vertrauensbereich "
                "der Differenz beider Jahre (aus ihren Wilson-Intervallen), wie im Kapitel "
                "zur Veränderung. Das kann auch gelten, wenn der Ausgangswert knapp außerhalb des "
                "Vertrauensbereichs des aktuellen Werts liegt."),)
              if (~p["gesichert"] & p["status"].isin([C.ON_TRACK, C.OFF_TRACK])).any()
              else ()),
        ))

    def _place(self, code: str) -> str:
        """Area label or Kommune name for a goal's ``gebiet``."""
        if code in self.r.areas.index:
            return self.r.area_label(code)
        names = self.ds.municipalities.set_index(S.AGS)["name"]
        return str(names.get(code, code))

    # ------------------------------------------------------------------ 54 clusters
    def clusters_text(self) -> Prose:
        c = self.clusters
        items = [
            f"{self.labels[r['handlungsfeld']]}: {r['sozialraeume'].replace('|', ', ')} – "
            f"{fmt.join_de(r['kommunen'].split('|'))}"
            for _, r in c.iterrows()
        ]
        if self.r.single_municipality:
            return prose(f"{self.cfg.region} besteht aus nur einer Kommune: Gebiete, die eine "
                         "Gemeindegrenze überschreiten, gibt es daher nicht.")
        n = len(c)
        subject = fmt.count_words(n, "zusammenhängendes Gebiet", "zusammenhängende Gebiete",
                                  "n")
        subject = subject[:1].upper() + subject[1:]
        return prose(
            f"{subject} aus benachbarten Sozialräumen mit Handlungsbedarf im selben Feld "
            + ("überschreitet" if n <= 1 else "überschreiten") + " eine Gemeindegrenze."
            + (" Hier bieten sich interkommunale Arbeitsansätze an." if n else "")
            + (self._exploratory_left_out())
            + (DEMO_CLUSTER_NOTE.replace("das Gebiet ist", "die Gebiete sind")
               if self.ds.is_demo and n else ""),
            items=items,
        )

    def _exploratory_left_out(self) -> str:
        """„ Das explorative Feld Inklusion ist nicht einbezogen.“ (or none, or several)."""
        apart = [self.labels[f] for f in self.cfg.fields if f not in self.assessed_fields]
        if not apart:
            return ""
        if len(apart) == 1:
            return f" Das explorative Feld {apart[0]} ist nicht einbezogen."
        return f" Die explorativen Felder {fmt.join_de(apart)} sind nicht einbezogen."

    def clusters_map(self) -> FigureOutput:
        c = self.clusters
        status = pd.Series("kein gemeindeübergreifendes Gebiet", index=self.r.areas.index)
        for _, row in c.iterrows():
            for code in row["sozialraeume"].split("|"):
                prev = status[code]
                label = self.labels[row["handlungsfeld"]]
                status[code] = label if prev.startswith("kein") else "mehrere Felder"
        order = [
            "kein gemeindeübergreifendes Gebiet",
            *[self.labels[f] for f in self.cfg.fields if (status == self.labels[f]).any()],
            *(["mehrere Felder"] if (status == "mehrere Felder").any() else []),
        ]
        # a field keeps its colour whichever fields occur (order of the configuration)
        hue = {self.labels[f]: CATEGORICAL[i % len(CATEGORICAL)]
               for i, f in enumerate(self.cfg.fields)}
        colours = tuple(NEUTRAL if c.startswith("kein") else hue.get(c, SEVERAL) for c in order)
        return choropleth(
            status,
            self.ds.geometry,
            self.r.areas[S.KOMMUNE],
            title="Gemeindeübergreifende Gebiete mit Handlungsbedarf",
            scheme=ClassScheme(tuple(order), tuple(order), colours, "Handlungsfeld",
                               categorical=True),
            caption=self.r.map_caption(), mark=self.r.image_mark,
            links=self.r.area_links("handlungskonzept/54_interkommunal"),
            area_names=self.r.area_names,
        )

    def cluster_names(self) -> list[str]:
        """„Ältere 1“, „Ältere 2“, „Kinder und Familien 1“ … (numbered within a field)."""
        seen: dict[str, int] = {}
        out = []
        for f in self.clusters["handlungsfeld"]:
            seen[f] = seen.get(f, 0) + 1
            out.append(f"{self.labels.get(f, f)} {seen[f]}")
        return out

    def clusters_table(self) -> TableOutput:
        c = self.clusters
        df = pd.DataFrame(
            {
                "Gebiet": self.cluster_names(),
                "Handlungsfeld": c["handlungsfeld"].map(self.labels),
                "Sozialräume": [self._marked_codes(f, codes) for f, codes in
                                zip(c["handlungsfeld"], c["sozialraeume"], strict=True)],
                "Kommunen": c["kommunen"].str.replace("|", ", ", regex=False),
                "Zahl der Sozialräume": c["anzahl_sozialraeume"],
            }
        )
        return TableOutput(
            df, "Gemeindeübergreifende Gebiete mit Handlungsbedarf", row_header="Gebiet",
            row_ids=[cluster_anchor(x) for x in c["cluster"]] if "cluster" in c else None,
        )

    def _marked_codes(self, field: str, codes: str) -> str:
        """„A 3 (knapp), A 10, …“: ``|``-joined area codes, borderline ones marked."""
        bl = self.r.borderline(field) if field in self.cfg.fields else pd.Series(dtype=bool)
        return ", ".join(c + (f" ({BORDERLINE})" if bool(bl.get(c, False)) else "")
                         for c in codes.split(C.SEP) if c)

    # ------------------------------------------------------------------ 59 method
    def method_text(self) -> Prose:
        missing = [self.say1(f"konzept.methode.fehlt.{what}") for what, absent in (
            ("angebote", not self.has_services), ("schwerpunkte", self.ds.priorities is None),
            ("ziele", self.ds.goals is None), ("befunde", not self.ds.notes_supplied))
            if absent]
        k = self.cfg.konzept
        return prose(*self.say("konzept.methode", anteil=self._borderline_share(),
                               fehlend=missing, kumulation_ab=k.kumulation_ab,
                               pruefen_ab=k.grenzfaelle_pruefen_ab))

    # ------------------------------------------------------------------ downloads
    def download_tables(self) -> dict[str, tuple[str, pd.DataFrame]]:
        """Published tables: file stem → (label, DataFrame); a table that rests on an
        optional input that was not supplied is left out (the pages say why)."""
        g = self.gaps.copy()
        g["luecke"] = g["luecke"].map({True: "ja", False: "nein"})
        g["bedarf"] = "ja"
        rec = self.recommendations.copy()
        rec["zustaendig"] = rec["zustaendig"].astype(str)
        rec["aufwand"] = rec["aufwand"].map(self.effort_labels)
        wp = self.work_packages.copy()
        wp["links"] = [", ".join(t for t, _ in links) for links in wp["links"]]
        wp = wp.rename(columns={"links": "seiten"})
        tables = {
            "empfehlungen": ("Empfehlungen mit Priorität, Zuständigkeit, Aufwand und "
                             "Zeithorizont", rec),
            "beteiligung": ("Geplante Beteiligungsformate, gestaffelt", self.participation),
            "arbeitspakete": ("Arbeitspakete des Beschlusses und ihre Umsetzung", wp),
            "schwerpunkte_bedarf": ("Schwerpunkte der Kommunen und gemessener Bedarf",
                                    self.matrix),
            "versorgung": ("Handlungsbedarf und Versorgung je Sozialraum", g),
            "themengleiche_kommunen": ("Themengleiche Kommunen", self.groups),
            "wirkungsziele": ("Wirkungsziele und Fortschritt", self.progress.round(2)),
            "interkommunale_gebiete": ("Gemeindeübergreifende Gebiete", self.clusters),
        }
        for name, absent in (("versorgung", not self.has_services),
                             ("themengleiche_kommunen", self.ds.priorities is None),
                             ("schwerpunkte_bedarf", self.ds.priorities is None),
                             ("wirkungsziele", self.ds.goals is None)):
            if absent:
                del tables[name]
        return {stem: (label, readable(self.r, df)) for stem, (label, df) in tables.items()}


STAGE_LABELS = {
    "fruehe_hilfen": "Frühe Hilfen",
    "kita": "Kita",
    "grundschule": "Grundschule",
    "weiterfuehrende_schule": "Weiterführende Schule",
    "uebergang_beruf": "Übergang Beruf",
    "erwerbsleben": "Erwerbsleben",
    "alter": "Alter",
}
