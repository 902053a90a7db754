"""The method annex of the Sozialbericht (Methodik): indicator catalogue, rules,
robustness, uncertainty, disclosure control, sources and parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from analysis.common import fmt
from analysis.common.ids import natural_sorted
from analysis.contract import schema as S
from analysis.gate import disclosure as D
from analysis.gate.published import MARK
from analysis.method.core import TYPES, stability_label
from analysis.method.indicators import value_table
from analysis.method.indices import close_pairs
from analysis.rendering.prose import Prose, prose
from analysis.rendering.tables import TableOutput
from analysis.views.context import (
    BORDERLINE,
    NEED_LABEL,
    Chapter,
)


@dataclass
class MethodAnnex(Chapter):
    """The method annex (notebook ``90_methodik``)."""

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

    @property
    def core_indicators(self) -> set[str]:
        """Indicators that are a core indicator of some field (in a field index)."""
        return {i for fc in self.cfg.handlungsfelder.values() for i in fc.indikatoren}

    def direction_text(self, indicator: str) -> str:
        """The catalogue's column „Richtung“: the need direction of a core indicator and,
        where it differs from what that implies, how its change is judged; a context
        indicator has no need direction („Kontext – ohne Bewertung, nicht im Feldindex“).
        The terms are the ones the method text explains."""
        d = self.directions[indicator]
        ev = self.cfg.evaluation(indicator, d)
        judged = {"hoch_schlecht": "Veränderung: Anstieg = Verschlechterung",
                  "hoch_gut": "Veränderung: Anstieg = Verbesserung"}
        if indicator not in self.core_indicators:
            # a change is judged only for the indicators a field lists (change chapter)
            listed = any(indicator in fc.kontext for fc in self.cfg.handlungsfelder.values())
            return ("Kontext – ohne Bewertung, nicht im Feldindex" if ev == "neutral"
                    or not listed else f"Kontext – nicht im Feldindex; {judged[ev]}")
        need = "höher = mehr Bedarf" if d > 0 else "niedriger = mehr Bedarf"
        if ev == "neutral":
            return f"{need}; Veränderung ohne Bewertung (Zusammensetzung)"
        implied = "hoch_schlecht" if d > 0 else "hoch_gut"
        return need if ev == implied else f"{need}; {judged[ev]}"

    def catalogue_table(self) -> TableOutput:
        cat = self.ds.indicators
        df = pd.DataFrame(
            {
                "Indikator": cat["bezeichnung"],
                "Definition": cat["definition"],
                "Handlungsfeld": [self._role_in_fields(i, fs) for i, fs in
                                  zip(cat[S.INDICATOR], cat["handlungsfelder"], strict=True)],
                "Ebene": cat[S.LEVEL].map(
                    {S.LEVEL_AREA: "Sozialraum", S.LEVEL_MUNICIPALITY: "Kommune"}
                ),
                "Richtung": [self.direction_text(str(i)) for i in cat[S.INDICATOR]],
                "Quelle": cat["quelle"],
            }
        )
        return TableOutput(df, "Indikatorenkatalog", row_header="Indikator")

    def rules_text(self) -> Prose:
        b = self.cfg.bedarf
        return prose(
            *self.say("bericht.methodik.regeln", nenner=int(self.cfg.unsicher_nenner)),
            items=[
                f"Regel 1 (regional): Feldindex mindestens {fmt.number(b.regional_index, 2)}.",
                f"Regel 2 (kommunal): Leitindikator mindestens das {fmt.number(b.kommunal_faktor, 2)}-Fache "
                f"des Werts der eigenen Kommune und Feldindex mindestens {fmt.number(b.kommunal_index, 2)}."
                + (f" {self.cfg.region} besteht aus nur einer Kommune: Ihr Wert ist der Wert "
                   "der Region, Regel 2 vergleicht hier also mit dem Wert der Region."
                   if self.single_municipality else ""),
                f"Regel 3 (absolut): Feldindex mindestens {fmt.number(b.absolut_index, 2)} und die Anzahl "
                f"im Zähler des Leitindikators unter den obersten {fmt.number(b.absolut_anteil * 100)} % "
                "der Sozialräume.",
            ],
        )

    def robustness_text(self) -> Prose:
        rb = self.cfg.robustheit
        return prose(*self.say(
            "bericht.methodik.robustheit", schwellen=fmt.number(rb.schwellen_delta, 2),
            gewichte=fmt.number(rb.gewichte_faktor * 100), stabil=fmt.number(rb.stabil_ab * 100)))

    def uncertainty_method_text(self) -> Prose:
        """Method: how the report marks uncertainty (knapp, unsicher, explorativ) and how
        it judges change (bewertung, noise, dynamics index, typology)."""
        dy = self.cfg.dynamik
        return prose(*self.say(
            "bericht.methodik.unsicherheit", knapp=BORDERLINE, nenner=int(self.cfg.unsicher_nenner),
            mindestens=self.cfg.bedarf.mindestzahl_indikatoren,
            explorativ=[self.cfg.handlungsfelder[f].kurz for f in self.cfg.exploratory_fields],
            seit=str(self.cfg.vergleichsjahr or "–"), schwelle=fmt.number(dy.schwelle, 1),
            schwelle_einheit=self.change_threshold_text(),
            zufall="ja" if dy.vertrauensniveau else "nein",
            vertrauen=fmt.number(dy.vertrauensniveau * 100, 0) if dy.vertrauensniveau else "",
            index_schwelle=fmt.number(dy.index_schwelle, 2), typen=len(TYPES)))

    def composition_text(self) -> Prose:
        """Which composition shares (``bewertung: neutral``) are core indicators, and why
        (the sentences of ``methodik.begruendungen``)."""
        core = self.core_indicators
        shares = [str(i) for i in self.ds.indicators[S.INDICATOR]
                  if i in core and self.cfg.evaluation(i, self.directions[i]) == "neutral"]
        reasons = [self.cfg.methodik.begruendungen[i].strip() for i in shares
                   if i in self.cfg.methodik.begruendungen]
        return prose(" ".join([self.say1("bericht.methodik.kernanteile",
                                         anteile=[f"„{self.label(i)}“" for i in shares]),
                               *reasons]))

    @cached_property
    def near_duplicates(self) -> pd.DataFrame:
        """Core-indicator pairs of a field whose published area values correlate at least
        ``methodik.korrelation_ab`` (|r|, Pearson over the areas; withheld values are
        missing): near duplicates that equal weights count twice."""
        values = value_table(self.gate.published_area, self.year)
        groups = {f: list(self.cfg.handlungsfelder[f].indikatoren) for f in self.cfg.fields}
        return close_pairs(values, groups, self.cfg.methodik.korrelation_ab)

    def correlation_text(self) -> Prose:
        pairs = self.near_duplicates
        fields = list(dict.fromkeys(pairs["gruppe"]))
        hf = self.cfg.handlungsfelder
        weights = {hf[f].weight(i) for f in self.cfg.fields for i in hf[f].indikatoren}
        return prose(*self.say(
            "bericht.methodik.korrelation", paare=len(pairs),
            felder=[hf[f].kurz for f in fields],
            grenze=fmt.number(self.cfg.methodik.korrelation_ab, 2),
            gleich="ja" if len(weights) == 1 else "nein"))

    def correlation_table(self) -> TableOutput | Prose:
        """The pairs of :attr:`near_duplicates` with field, both indicators, r and the areas
        used; nothing when there are none (the text says so)."""
        pairs = self.near_duplicates
        if pairs.empty:
            return Prose((), css_class="prose")
        hf = self.cfg.handlungsfelder
        df = pd.DataFrame({
            "Handlungsfeld": [hf[f].kurz for f in pairs["gruppe"]],
            "Indikator": [self.label(i) for i in pairs["a"]],
            "eng verbunden mit": [self.label(i) for i in pairs["b"]],
            "Korrelation r": pairs["r"].to_numpy(),
            "Gewichte": [f"{fmt.number(hf[f].weight(a), 2)} / {fmt.number(hf[f].weight(b), 2)}"
                         for f, a, b in zip(pairs["gruppe"], pairs["a"], pairs["b"],
                                            strict=True)],
            "Sozialräume": pairs["n"].to_numpy(),
        })
        return TableOutput(
            df,
            "Eng zusammenhängende Kernindikatoren je Handlungsfeld (Korrelation r, Betrag "
            f"ab {fmt.number(self.cfg.methodik.korrelation_ab, 2)})",
            number_formats={"Korrelation r": lambda x: fmt.number(x, 2),
                            "Sozialräume": fmt.number},
            row_header="Indikator",
        )

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
            for code in natural_sorted(flag.index):
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
        n_sec = int((self.gate.protected[D.FLAG]).sum())
        return prose(
            self.say1("bericht.methodik.sperrung", bis=lim - 1, zeichen=MARK)
            + " Quoten, deren "
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
            self.say1("bericht.methodik.gesperrt", gesperrt=n_sec,
                      zaehlwerte=len(self.gate.protected)),
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
            ("Veränderung: Schwelle", self.change_threshold_text()),
            ("Veränderung: Vertrauensniveau",
             fmt.percent(self.cfg.dynamik.vertrauensniveau * 100, 0)
             if self.cfg.dynamik.vertrauensniveau else "ohne"),
            ("Dynamikindex: Schwelle", fmt.number(self.cfg.dynamik.index_schwelle, 2)),
            ("Eng zusammenhängende Kernindikatoren: Korrelation ab",
             fmt.number(self.cfg.methodik.korrelation_ab, 2)),
        ]
        return TableOutput(
            pd.DataFrame(rows, columns=["Parameter", "Wert"]),
            "Parameter dieser Ausgabe",
            row_header="Parameter",
        )
