"""Views of the Handlungskonzept annex: one call per table, map or text block."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import concept as C
from . import fmt
from . import schema as S
from .figures import FigureOutput
from .ids import natural_key
from .maps import ClassScheme, choropleth
from .palettes import CATEGORICAL, COVERAGE, NEUTRAL, SEVERAL
from .prose import Prose, notice, prose
from .report import Report, open_report
from .tables import TableOutput

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
NO_GOALS = (
    "Wirkungsziele wurden nicht geliefert (die Datei „wirkungsziele“ fehlt). Ein Fortschritt "
    "kann daher nicht berichtet werden."
)
NO_NOTES = ("Qualitative Befunde wurden nicht geliefert (der Ordner „befunde“ fehlt).")

SUGGESTION_NOTE = (
    "Die folgenden Empfehlungen sind aus den Daten abgeleitete Vorschläge. "
    "Sie haben empfehlenden Charakter; über Ziele und Maßnahmen entscheiden "
    "die Kommunen und die Gremien {region_genitiv}."
)


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

    def _repr_html_(self) -> str:
        if not self.supplied:
            return f"<p>{html.escape(NO_NOTES)}</p>"
        if not self.notes:
            return "<p>Zu diesem Thema liegen noch keine qualitativen Befunde vor.</p>"
        parts = []
        for n in self.notes:
            where = " | ".join(n.areas) if n.areas else (n.ags or "")
            parts.append(
                f'<figure class="befund"><blockquote><p>{html.escape(n.text)}</p></blockquote>'
                f"<figcaption>{html.escape(n.title)} – {html.escape(n.source)}, "
                f"{html.escape(_date_de(n.date))}"
                + (f" ({html.escape(where)})" if where else "")
                + "</figcaption></figure>"
            )
        return "".join(parts)


def _date_de(iso: str) -> str:
    y, m, d = iso[:10].split("-")
    return f"{int(d)}.{int(m)}.{y}"


@dataclass
class ConceptReport:
    """The Handlungskonzept-Anhang views."""

    r: Report

    @property
    def cfg(self):
        return self.r.cfg

    @property
    def ds(self):
        return self.r.ds

    @property
    def year(self) -> int:
        return self.r.year

    @cached_property
    def labels(self) -> dict[str, str]:
        return {f: fc.kurz for f, fc in self.cfg.handlungsfelder.items()}

    @cached_property
    def adjacency(self) -> dict[str, set[str]]:
        return C.adjacency(self.ds.geometry)

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
        )
        if not self.has_services:  # no inventory: supply unknown, never a gap
            g = g.assign(versorgung=C.UNKNOWN, luecke=False, empfehlung="")
        return g

    @cached_property
    def clusters(self) -> pd.DataFrame:
        return C.intermunicipal_clusters(
            self.r.res.need, self.ds.areas, self.adjacency, self.cfg.fields
        )

    @cached_property
    def groups(self) -> pd.DataFrame:
        return C.theme_groups(self.ds.priorities, self.ds.municipalities, self.cfg.themen)

    @cached_property
    def progress(self) -> pd.DataFrame:
        # from published values only: a withheld value shows as „keine Daten“
        return C.impact_progress(self.ds.goals, self.r.published_area, self.r.published_municipal,
                                 self.year)

    @cached_property
    def recommendations(self) -> pd.DataFrame:
        names = dict(
            zip(self.ds.municipalities[S.AGS], self.ds.municipalities["name"], strict=True)
        )
        names.update({c: self.r.area_label(c) for c in self.r.areas.index})
        return C.recommendations(
            self.cfg.fields,
            self.gaps,
            self.clusters,
            self.groups,
            self.progress,
            self.labels,
            names,
        )

    def text(self, name: str):
        """A chapter text of the configuration (see :meth:`analysis.report.Report.text`)."""
        return self.r.text(name)

    def field_title(self, field: str) -> str:
        return self.cfg.handlungsfelder[field].titel

    # ------------------------------------------------------------------ 50 summary
    def suggestion_note(self) -> Prose:
        return notice(SUGGESTION_NOTE.format(region_genitiv=self.cfg.region_genitiv))

    def summary_text(self) -> Prose:
        g = self.gaps
        n_gap = int(g["luecke"].sum()) if len(g) else 0
        items = []
        for f in self.cfg.fields:
            rec = self.recommendations[self.recommendations["handlungsfeld"] == f]
            items.append(
                f"{self.labels[f]}: {fmt.count_phrase(len(rec), 'Empfehlung', 'Empfehlungen')}"
            )
        ds = self.ds
        sources = []
        if ds.priorities is not None:
            sources.append("den Schwerpunkten der Kommunen")
        if ds.services is not None:
            sources.append("der Bestandsaufnahme von "
                           + fmt.count_phrase(len(ds.services), "Angebot", "Angeboten"))
        if ds.notes_supplied:
            sources.append(fmt.count_phrase(len(ds.notes), "qualitativem Befund",
                                            "qualitativen Befunden"))
        missing = [what for what, absent in (
            ("kommunale Schwerpunkte", ds.priorities is None),
            ("eine Bestandsaufnahme der Angebote", ds.services is None),
            ("Wirkungsziele", ds.goals is None),
            ("qualitative Befunde", not ds.notes_supplied)) if absent]
        clusters = (fmt.count_phrase(len(self.clusters), "Gebiet mit Handlungsbedarf reicht",
                                     "Gebiete mit Handlungsbedarf reichen")
                    + " über eine Gemeindegrenze hinaus.")
        return prose(
            f"Der Anhang verbindet die Ergebnisse des Sozialberichts {self.year}"
            + (f" mit {fmt.join_de(sources)}." if sources else "."),
            (f"Nicht geliefert wurden {fmt.join_de(missing)}; die betreffenden Abschnitte "
             "sagen das jeweils." if missing else ""),
            (f"In {fmt.count_phrase(n_gap, 'Fall', 'Fällen')} besteht Handlungsbedarf ohne "
             "passendes Angebot im Sozialraum oder angrenzend; " + clusters
             if self.has_services else
             "Eine Bestandsaufnahme der Angebote liegt nicht vor; ob Angebote fehlen, lässt "
             "sich daher nicht beurteilen. " + clusters[0].upper() + clusters[1:]),
            "Empfehlungen je Handlungsfeld:",
            items=items,
        )

    def recommendations_table(self, field: str | None = None) -> TableOutput:
        rec = self.recommendations
        if field is not None:
            rec = rec[rec["handlungsfeld"] == field]
        df = pd.DataFrame(
            {
                "Handlungsfeld": rec["handlungsfeld"].map(self.labels),
                "Art": rec["art"],
                "Empfehlung (Vorschlag)": rec["text"],
            }
        )
        title = "Empfehlungen" + (
            f" im Handlungsfeld {self.labels[field]}" if field else " aller Handlungsfelder"
        )
        return TableOutput(df.reset_index(drop=True), title, row_header=None)

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
            f"Im {self.cfg.bezeichnungen.steuerungsgremium} haben die Kommunen ihre "
            "Schwerpunkte benannt. Kommunen "
            "mit gleichem Thema werden für einen Austausch vorgeschlagen "
            "(themengleiche Kommunen).",
            items=items,
        )

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
            df, "Kommunale Schwerpunkte und themengleiche Kommunen", row_header="Thema"
        )

    def priorities_matrix(self) -> TableOutput | Prose:
        pri = self.ds.priorities
        if pri is None:
            return prose("Ohne kommunale Schwerpunkte entfällt diese Übersicht.")
        rows = []
        for _, m in self.ds.municipalities.iterrows():
            row = {"Kommune": m["name"]}
            mine = set(pri.loc[pri[S.AGS] == m[S.AGS], "thema"]) if pri is not None else set()
            for tid, t in self.cfg.themen.items():
                row[t.titel] = "ja" if tid in mine else "–"
            rows.append(row)
        return TableOutput(pd.DataFrame(rows), "Schwerpunkte je Kommune", row_header="Kommune")

    # ------------------------------------------------------------------ 52 per field
    def heading(self, field: str):
        from .report import Heading

        return Heading(self.field_title(field), 1)

    def field_intro(self, field: str) -> Prose:
        flag = self.r.res.need[f"{field}_bedarf_flag"]
        g = self.gaps[self.gaps["handlungsfeld"] == field]
        covered = int((g["versorgung"] == C.COVERED).sum())
        neighbour = int((g["versorgung"] == C.NEIGHBOUR_ONLY).sum())
        none = int((g["versorgung"] == C.NONE).sum())
        need = (f"{fmt.count_phrase(int(flag.sum()), 'Sozialraum hat', 'Sozialräume haben')} "
                f"im Handlungsfeld {self.labels[field]} Handlungsbedarf (siehe Sozialbericht).")
        if not self.has_services:
            return prose(need)
        return prose(
            f"{need} "
            f"{fmt.number(covered)} davon haben ein passendes Angebot im Sozialraum, "
            f"{fmt.number(neighbour)} nur in einem angrenzenden Sozialraum, "
            f"{fmt.number(none)} weder noch."
        )

    def supply_map(self, field: str) -> FigureOutput | Prose:
        if not self.has_services:
            return notice(NO_SERVICES)
        g = self.gaps[self.gaps["handlungsfeld"] == field].set_index("sozialraum")
        status = pd.Series("kein Handlungsbedarf", index=self.r.areas.index)
        status.loc[g.index] = "Bedarf: " + g["versorgung"]
        order = [
            "kein Handlungsbedarf",
            f"Bedarf: {C.COVERED}",
            f"Bedarf: {C.NEIGHBOUR_ONLY}",
            f"Bedarf: {C.NONE}",
        ]
        return choropleth(
            status,
            self.ds.geometry,
            self.r.areas[S.KOMMUNE],
            title=f"Handlungsbedarf und Angebote: {self.labels[field]} {self.year}",
            scheme=ClassScheme(tuple(order), tuple(order), COVERAGE, "Bedarf und Versorgung",
                               categorical=True),
            caption=self.r.source_caption() + " Angebote laut Bestandsaufnahme.",
            mark=self.r.image_mark,
            links=self.r.area_links(f"handlungskonzept/52_konzept_{field}"),
            area_names=self.r.area_names,
        )

    @cached_property
    def coverage(self) -> pd.DataFrame:
        """Services per 1.000 of the target group; withheld („•“) where the target-group
        count is suppressed (rate × published number of services would reveal it)."""
        from . import disclosure as D

        groups = {f: self.cfg.target_group(f, self.ds.indicators) for f in self.cfg.fields}
        cov = C.coverage(self.ds.services, self.ds.areas, self.ds.counts, self.year,
                         self.cfg.fields, groups)
        prot = self.r.protected
        prot = prot[prot[S.YEAR] == self.year].set_index([S.AREA, S.VARIABLE])[D.FLAG]
        hidden = [bool(prot.get((a, v), False)) for a, v in
                  zip(cov["sozialraum"], cov["zielgruppe_variable"], strict=True)]
        cov["angebote_je_1000"] = cov["angebote_je_1000"].astype(object).where(
            ~pd.Series(hidden, index=cov.index), D.SUPPRESSED)
        return cov.set_index(["sozialraum", "handlungsfeld"])

    def gaps_table(self, field: str) -> TableOutput | None:
        if not self.has_services:
            return None  # supply_map says why
        g = self.gaps[self.gaps["handlungsfeld"] == field]
        df = pd.DataFrame(
            {
                "Sozialraum": [self.r.area_label(c) for c in g["sozialraum"]],
                "Kommune": [self.r.areas.loc[c, S.KOMMUNE] for c in g["sozialraum"]],
                "Angebote im Sozialraum": g["angebote_im_raum"].astype(int).to_numpy(),
                "Angebote angrenzend": g["angebote_angrenzend"].astype(int).to_numpy(),
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

    def chain_table(self) -> TableOutput | None:
        if not self.has_services:
            return None  # chain_text says why
        ch = C.chain_gaps(self.ds.services, self.ds.areas, self.cfg.praeventionskette, self.year)
        wide = ch.pivot(index="kommune", columns="kettenstufe", values="angebote")
        wide = wide[[s for s in self.cfg.praeventionskette if s in wide.columns]]
        order = self.ds.municipalities["name"]
        wide = wide.reindex([n for n in order if n in wide.index])
        wide.columns = [STAGE_LABELS.get(c, c) for c in wide.columns]
        df = wide.reset_index().rename(columns={"kommune": "Kommune"})
        return TableOutput(
            df,
            "Präventionskette: aktive Angebote je Kommune und Stufe (0 = Lücke in der Kette)",
            row_header="Kommune",
        )

    def chain_text(self) -> Prose:
        if not self.has_services:
            return prose(NO_CHAIN)
        ch = C.chain_gaps(self.ds.services, self.ds.areas, self.cfg.praeventionskette, self.year)
        gaps = ch[ch["luecke"]]
        items = []
        for kommune, sub in gaps.groupby("kommune", sort=False):
            stages = [STAGE_LABELS.get(s, s) for s in sub["kettenstufe"]]
            items.append(f"{kommune}: {fmt.join_de(stages)}")
        return prose(
            "Stufen der Präventionskette ohne aktives Angebot:"
            if items
            else "Jede Kommune hat auf jeder Stufe der Präventionskette mindestens ein Angebot.",
            items=items,
        )

    def notes(self, field: str) -> NoteList:
        return NoteList(tuple(C.notes_for(self.ds.notes, field=field)),
                        supplied=self.ds.notes_supplied)

    def profile_links(self, field: str) -> LinkList:
        flag = self.r.res.need[f"{field}_bedarf_flag"]
        codes = sorted(flag.index[flag], key=natural_key)
        return LinkList(
            "Profile dieser Sozialräume im Sozialbericht",
            tuple((self.r.area_href(c, f"handlungskonzept/52_konzept_{field}"), c)
                  for c in codes),
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
        return prose(
            f"{fmt.count_phrase(len(p), 'Wirkungsziel ist', 'Wirkungsziele sind')} "
            "nach dem Raster „Was soll bewirkt werden ⇒ was muss dafür getan werden ⇒ "
            "woran ist Veränderung erkennbar“ hinterlegt. Stand "
            f"{self.year}:",
            items=items,
        )

    def progress_table(self) -> TableOutput | None:
        if self.ds.goals is None:
            return None  # progress_text says so
        p = self.progress
        goals = self.ds.goals.set_index("ziel_id") if self.ds.goals is not None else None
        df = pd.DataFrame(
            {
                "Ziel (Was soll bewirkt werden?)": p["ziel"],
                "Maßnahmen (Was muss dafür getan werden?)": [
                    goals.loc[g, "massnahmen"].replace("|", "; ") if goals is not None else ""
                    for g in p["ziel_id"]
                ],
                "Indikator (Woran ist Veränderung erkennbar?)": [
                    self.r.label(i) for i in p[S.INDICATOR]
                ],
                "Gebiet": [self._place(g) for g in p["gebiet"]],
                "Ausgangswert": p["basiswert"],
                "Aktueller Wert": p["wert"],
                "95-%-Vertrauensbereich": [
                    f"{fmt.number(lo, 1)} bis {fmt.number(hi, 1)}" if lo == lo and hi == hi else "–"
                    for lo, hi in zip(p["ki_unten"], p["ki_oben"], strict=True)
                ],
                "Zielwert": p["zielwert"],
                "Zieljahr": p["zieljahr"].astype(int).astype(str),
                "Status": p["status"],
            }
        )
        f1 = lambda x: fmt.number(x, 1)  # noqa: E731
        return TableOutput(
            df,
            f"Wirkungskreisläufe und Fortschritt (Stand {self.year})",
            number_formats={"Ausgangswert": f1, "Aktueller Wert": f1, "Zielwert": f1},
            row_header="Ziel (Was soll bewirkt werden?)",
        )

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
            f"{self.labels[r['handlungsfeld']]}: {r['sozialraeume'].replace('|', ', ')} "
            f"({r['kommunen'].replace('|', ', ')})"
            for _, r in c.iterrows()
        ]
        if self.r.single_municipality:
            return prose(f"{self.cfg.region} besteht aus nur einer Kommune: Gebiete, die eine "
                         "Gemeindegrenze überschreiten, gibt es daher nicht.")
        return prose(
            f"{fmt.count_phrase(len(c), 'zusammenhängendes Gebiet', 'zusammenhängende Gebiete')} "
            "aus benachbarten Sozialräumen mit Handlungsbedarf im selben Feld "
            "überschreiten eine Gemeindegrenze. Hier bieten sich interkommunale "
            "Arbeitsansätze an.",
            items=items,
        )

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
            caption=self.r.source_caption(), mark=self.r.image_mark,
            links=self.r.area_links("handlungskonzept/54_interkommunal"),
            area_names=self.r.area_names,
        )

    def clusters_table(self) -> TableOutput:
        c = self.clusters
        df = pd.DataFrame(
            {
                "Gebiet": c["cluster"],
                "Handlungsfeld": c["handlungsfeld"].map(self.labels),
                "Sozialräume": c["sozialraeume"].str.replace("|", ", ", regex=False),
                "Kommunen": c["kommunen"].str.replace("|", ", ", regex=False),
                "Zahl der Sozialräume": c["anzahl_sozialraeume"],
            }
        )
        return TableOutput(
            df, "Gemeindeübergreifende Gebiete mit Handlungsbedarf", row_header="Gebiet"
        )

    # ------------------------------------------------------------------ 59 method
    def method_text(self) -> Prose:
        missing = [what for what, absent in (
            ("keine Bestandsaufnahme der Angebote", not self.has_services),
            ("keine kommunalen Schwerpunkte", self.ds.priorities is None),
            ("keine Wirkungsziele", self.ds.goals is None),
            ("keine qualitativen Befunde", not self.ds.notes_supplied)) if absent]
        return prose(
            "Handlungsbedarf je Sozialraum und Handlungsfeld stammt aus dem Sozialbericht. "
            "Ein Angebot gilt als passend, wenn es im selben Handlungsfeld arbeitet, im "
            "Berichtsjahr aktiv ist und den Sozialraum versorgt. Eine Versorgungslücke liegt "
            "vor, wenn weder im Sozialraum noch in einem angrenzenden Sozialraum (gemeinsame "
            "Grenze, nicht nur ein Eckpunkt) ein passendes Angebot besteht.",
            "Gemeindeübergreifende Gebiete sind zusammenhängende Gruppen benachbarter "
            "Sozialräume mit Handlungsbedarf im selben Feld, die zu mehr als einer Kommune "
            "gehören. Der Fortschritt eines Wirkungsziels vergleicht die erreichte mit der bei "
            "gleichmäßigem Verlauf erwarteten Veränderung; liegt der Zielwert im "
            "95-%-Vertrauensbereich des aktuellen Werts, gilt der Stand als unsicher.",
            "Qualitative Befunde stammen aus Sozialraumkonferenzen, Fachgesprächen, "
            f"Befragungen und dem {self.cfg.bezeichnungen.steuerungsgremium}; sie werden "
            "wörtlich und mit Quelle zitiert.",
            (f"Für diese Ausgabe wurden {fmt.join_de(missing)} geliefert; die darauf beruhenden "
             "Abschnitte und Downloads entfallen." if missing else ""),
        )

    # ------------------------------------------------------------------ downloads
    def download_tables(self) -> dict[str, tuple[str, pd.DataFrame]]:
        """Published tables: file stem → (label, DataFrame); a table that rests on an
        optional input that was not supplied is left out (the pages say why)."""
        g = self.gaps.copy()
        g["luecke"] = g["luecke"].map({True: "ja", False: "nein"})
        g["bedarf"] = "ja"
        tables = {
            "empfehlungen": ("Empfehlungen (Vorschläge)", self.recommendations),
            "versorgung": ("Handlungsbedarf und Versorgung je Sozialraum", g),
            "themengleiche_kommunen": ("Themengleiche Kommunen", self.groups),
            "wirkungsziele": ("Wirkungsziele und Fortschritt", self.progress.round(2)),
            "interkommunale_gebiete": ("Gemeindeübergreifende Gebiete", self.clusters),
        }
        for name, absent in (("versorgung", not self.has_services),
                             ("themengleiche_kommunen", self.ds.priorities is None),
                             ("wirkungsziele", self.ds.goals is None)):
            if absent:
                del tables[name]
        return tables


STAGE_LABELS = {
    "fruehe_hilfen": "Frühe Hilfen",
    "kita": "Kita",
    "grundschule": "Grundschule",
    "weiterfuehrende_schule": "Weiterführende Schule",
    "uebergang_beruf": "Übergang Beruf",
    "erwerbsleben": "Erwerbsleben",
    "alter": "Alter",
}
