"""The report configuration (``config/report.yaml``), loaded once into typed objects.

Unknown keys and wrong types are errors with the key path and the file named.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from analysis.common import safeyaml
from analysis.common.errors import ConfigError, UserError
from analysis.common.textcheck import text_problem
from analysis.contract.inputfiles import TEXT_FILE_LIMIT, read_text_file
from analysis.contract.schema import is_id
from analysis.contract.templates import COUNT, LIST, TEXT, Template


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class FieldConfig(_Strict):
    """One Handlungsfeld: its core indicators, lead indicator and weights."""

    titel: str
    kurz: str
    indikatoren: list[str] = Field(min_length=1)
    leitindikator: str
    gewichte: dict[str, float] = Field(default_factory=dict)
    beschreibung: str = ""
    # reported on its own: not counted in the cumulation and the headline total
    separat: bool = False
    # what need in this field makes an area, e.g. "benachteiligt" ("… gelten als
    # benachteiligt"); empty = no such term
    gebietsbegriff: str = ""
    # count variable of the field's target group (services per 1.000 of it); empty =
    # the denominator of the lead indicator
    zielgruppe: str = ""
    # chapter text (Markdown with placeholders), relative to the text folder
    text: str = ""
    # context indicators: shown with the field, never counted in its index or need
    kontext: list[str] = Field(default_factory=list)
    # stages of the prevention chain (ids from praeventionskette) shown for this field,
    # counting only the field's own services; None = every stage; [] = no chain
    kettenstufen: list[str] | None = None

    @model_validator(mode="after")
    def _lead_in_list(self) -> FieldConfig:
        if self.leitindikator not in self.indikatoren:
            raise ValueError(f"leitindikator „{self.leitindikator}“ steht nicht in indikatoren")
        both = sorted(set(self.kontext) & set(self.indikatoren))
        if both:
            raise ValueError(f"{', '.join(both)}: steht in indikatoren und in kontext (ein "
                             "Indikator ist entweder Kern- oder Kontextindikator)")
        unknown = set(self.gewichte) - set(self.indikatoren)
        if unknown:
            raise ValueError(f"gewichte für Indikatoren, die nicht in indikatoren stehen: "
                             f"{', '.join(sorted(unknown))}")
        if any(w <= 0 for w in self.gewichte.values()):
            raise ValueError("gewichte müssen größer als 0 sein")
        return self

    def weight(self, indicator: str) -> float:
        return self.gewichte.get(indicator, 1.0)


class NeedRules(_Strict):
    """Thresholds of the three need rules (METHOD.md §5)."""

    regional_index: float = 1.0
    kommunal_faktor: float = 1.25
    kommunal_index: float = 0.5
    absolut_index: float = 0.5
    absolut_anteil: float = Field(0.10, gt=0, lt=1)
    # a field with fewer core indicators is shown as exploratory ("explorativ")
    mindestzahl_indikatoren: int = Field(2, ge=1)


class Robustness(_Strict):
    """Perturbations for the robustness check."""

    schwellen_delta: float = Field(0.25, ge=0)
    gewichte_faktor: float = Field(0.5, ge=0, lt=1)
    indikator_weglassen: bool = True
    stabil_ab: float = Field(0.8, gt=0.5, le=1)


class Dynamics(_Strict):
    """Change since the comparison year (METHOD.md §5, *Change*)."""

    # an indicator changed when its change is at least this (in its unit) …
    schwelle: float = Field(1.0, gt=0)
    # … and outside the noise: beyond this confidence level of the difference of the two
    # years' values (from their Wilson intervals); 0 = no noise check
    vertrauensniveau: float = Field(0.95, ge=0, lt=1)
    # dynamics index of a field (mean standardised change, in standard deviations of the
    # areas' spread): at least this far from 0 (and outside the noise) for "positiv"/"negativ"
    index_schwelle: float = Field(0.2, gt=0)


class Disclosure(_Strict):
    """Statistical disclosure control."""

    mindestanzahl: int = Field(3, ge=1)
    # secret that orders the choice of secondary cells (never published); required for
    # real data, so that a reader who knows the rules cannot tell which cells are small
    schluessel: str = Field("", max_length=1000)

    @model_validator(mode="after")
    def _key_long_enough(self) -> Disclosure:
        if self.schluessel and len(self.schluessel) < 16:
            raise ValueError("schluessel muss mindestens 16 Zeichen lang sein (z. B. "
                             "python3 -c 'import secrets; print(secrets.token_hex(16))')")
        return self


class MethodNotes(_Strict):
    """What the method annex says about the indicators beyond the rules."""

    # core indicators of one field whose values correlate at least this strongly between
    # the areas (|r|, Pearson) are named in the method annex as near duplicates
    korrelation_ab: float = Field(0.8, gt=0, le=1)
    # core indicator id → sentence why it is a core indicator although it only describes
    # the composition of the population (bewertung neutral); shown in the method annex
    begruendungen: dict[str, str] = Field(default_factory=dict)


class SubsetPair(_Strict):
    """Plausibility rule „Teilmenge ≤ Obermenge“: every person counted in ``teilmenge`` is
    also counted in ``obermenge`` (same area or Kommune, same year), so its count can never
    be larger, e.g. children under 15 with SGB II among the children under 18 in
    Bedarfsgemeinschaften. Every indicator's numerator and denominator are such a pair
    without being listed."""

    teilmenge: str
    obermenge: str

    @model_validator(mode="after")
    def _check(self) -> SubsetPair:
        for name in (self.teilmenge, self.obermenge):
            if not is_id(name):
                raise ValueError(f"„{name}“ ist keine Kennung einer Variable (nur a–z, 0–9, _)")
        if self.teilmenge == self.obermenge:
            raise ValueError(f"„{self.teilmenge}“ ist Teilmenge und Obermenge zugleich "
                             "(zwei verschiedene Variablen nennen)")
        return self


class Theme(_Strict):
    titel: str
    handlungsfeld: str


class Publisher(_Strict):
    """Who publishes the report; the contact is required by BITV NRW (feedback mechanism)."""

    stelle: str = ""  # e.g. "Amt für Inklusion und Sozialplanung"
    behoerde: str = ""  # e.g. "StädteRegion Aachen"
    anschrift: str = ""  # postal address, one line; "|" separates lines
    email: str = ""
    telefon: str = ""

    @model_validator(mode="after")
    def _check(self) -> Publisher:
        if self.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.email):
            raise ValueError(f"email „{self.email}“ ist keine E-Mail-Adresse")
        if self.telefon and not re.fullmatch(r"[+0-9][0-9 ()/-]{4,}", self.telefon):
            raise ValueError(f"telefon „{self.telefon}“: nur Ziffern, Leerzeichen, + ( ) / -")
        return self

    @property
    def has_contact(self) -> bool:
        """A reader can reach someone: e-mail or postal address given."""
        return bool(self.email.strip() or self.anschrift.strip())


class Wording(_Strict):
    """How the report names the region, its bodies and its legal frame (the defaults are
    neutral; the shipped configuration sets the StädteRegion Aachen's)."""

    # "Sozialräume {region_genitiv}": "der StädteRegion Aachen", "in Berlin" (default
    # "in <region>"); "{region_dativ}": "in der StädteRegion Aachen" (default "in <region>")
    region_genitiv: str = ""
    region_dativ: str = ""
    gremium: str = "Rat"  # the body that decided on the report, e.g. "Städteregionstag"
    gremium_genitiv: str = "des Rates"  # "Beschluss {gremium_genitiv}"
    steuerungsgremium: str = "Steuerungsgremium"  # where the Kommunen named priorities
    beschluss: str = ""  # the decision document, e.g. "Beschlussvorlage 2018/0233"
    beschluss_titel: str = ""  # its subject as printed on it (cited in the annex)
    beschluss_datum: str = ""  # its date as printed, e.g. "16.08.2018"
    stichtag: str = "31.12."  # day and month of the reference date of all counts
    # accessibility statement: legal basis and enforcement body of the Land
    rechtsgrundlage_barrierefreiheit: str = (
        "Rechtsgrundlage sind das Behindertengleichstellungsgesetz und die Verordnung zur "
        "barrierefreien Informationstechnik des Landes. Technischer Maßstab sind – wie in der "
        "Barrierefreie-Informationstechnik-Verordnung des Bundes (BITV 2.0) – die Web Content "
        "Accessibility Guidelines (WCAG) 2.1 in der Konformitätsstufe AA bzw. die harmonisierte "
        "Norm EN 301 549.")
    durchsetzung_barrierefreiheit: str = (
        "Wenn Sie auf Ihre Rückmeldung keine zufriedenstellende Antwort erhalten haben, können "
        "Sie sich an die Durchsetzungs- bzw. Ombudsstelle für barrierefreie "
        "Informationstechnik Ihres Landes wenden. Das Verfahren ist kostenfrei.")

    @model_validator(mode="after")
    def _stichtag(self) -> Wording:
        if not re.fullmatch(r"(0?[1-9]|[12][0-9]|3[01])\.(0?[1-9]|1[0-2])\.", self.stichtag):
            raise ValueError(f"stichtag „{self.stichtag}“: Tag und Monat wie „31.12.“")
        return self


class Roles(_Strict):
    """Which variable or indicator plays a role the code needs (never a literal id)."""

    # count variable of the population (overview, profiles); empty = the denominator of
    # the first field's lead indicator
    bevoelkerung: str = ""
    # indicator the change chapter shows per Kommune over time; empty = the lead
    # indicator of the first field
    veraenderung: str = ""


#: responsible levels of a recommendation (the decision document's distinction): the
#: region decides in its own competence, develops jointly with the Kommunen, or recommends
LEVELS = ("eigen", "gemeinsam", "empfehlung")
#: kinds of recommendation the concept derives (METHOD.md §7; docs in analysis.method.concept)
RECOMMENDATION_KINDS = ("kumulation", "versorgungsluecke", "nur_angrenzend", "interkommunal",
                        "themengleich", "wirkungsziel", "grenzfaelle")
#: building blocks of the two reports a work package of the decision can be served by
BUILDING_BLOCKS = ("bedarf", "befunde", "lebenslagen", "bestand", "luecken", "ziele",
                   "praeventionskette", "wirkung", "austausch", "interkommunal", "konzept")
HORIZONS = ("kurzfristig", "mittelfristig", "langfristig")
Level = Literal["auto", "eigen", "gemeinsam", "empfehlung"]
Priority = Literal["auto", "hoch", "mittel", "niedrig"]
Horizon = Literal["kurzfristig", "mittelfristig", "langfristig"]
#: effort classes of a recommendation, from low to high (labels: ``konzept.aufwand``)
EFFORTS = ("gering", "mittel", "hoch")
EffortClass = Literal["gering", "mittel", "hoch"]


class Task(_Strict):
    """A task whose carrier differs per Kommune (e.g. the Jugendamt)."""

    titel: str
    # Kommunen (ids as in kommunen.csv) for which the region carries the task itself;
    # all others carry it themselves. Ids not in the data are ignored (smaller data).
    region_traegt: list[str] = Field(default_factory=list)


class RecommendationKind(_Strict):
    """Defaults of one kind of recommendation; ``auto`` = computed (METHOD.md §7)."""

    prioritaet: Priority = "auto"
    ebene: Level = "auto"
    zeithorizont: Horizon | None = None  # None = the kind's default
    # base effort class of the kind (None = the built-in one, METHOD.md §7); the size
    # rule of konzept.aufwand still raises it
    aufwand: EffortClass | None = None


class WorkPackage(_Strict):
    """One work package of the decision document and what in the reports serves it."""

    titel: str
    bausteine: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _blocks(self) -> WorkPackage:
        bad = [b for b in self.bausteine if b not in BUILDING_BLOCKS]
        if bad:
            raise ValueError(f"bausteine: „{bad[0]}“ ist kein Baustein (erlaubt: "
                             f"{', '.join(BUILDING_BLOCKS)})")
        return self


class Participation(_Strict):
    """Participation format per occasion (wording of the format, e.g. „Dialogforum“)."""

    thema: str = "Dialogforum"  # a theme named by at least ``thema_ab`` Kommunen
    thema_ab: int = Field(3, ge=2)
    tandem: str = "Werkstatt"  # a theme named by two Kommunen
    interkommunal: str = "Runder Tisch"  # an area of need across a Kommune border
    sozialraum: str = "Sozialraumkonferenz"  # an area with cumulated need
    grenzfaelle: str = "Werkstatt"  # a field with many borderline classifications
    # the check of a few borderline classifications (below ``grenzfaelle_anteil``)
    grenzfaelle_wenige: str = "Fachgespräch"


class Effort(_Strict):
    """How the effort of a recommendation („Aufwand“) is classed: a base class per kind
    (``konzept.empfehlungen.<art>.aufwand``, else built in), one class higher from
    ``kommunen_ab`` Kommunen or ``sozialraeume_ab`` areas; ``empfehlungen`` fixes the
    class of single recommendations by their number."""

    # the labels of the three classes on the page and in the downloads
    bezeichnungen: dict[str, str] = Field(default_factory=lambda: {
        "gering": "gering", "mittel": "mittel", "hoch": "hoch"})
    kommunen_ab: int = Field(5, ge=2)
    sozialraeume_ab: int = Field(10, ge=2)
    # recommendation number → class (wins over the rule; check after the data change)
    empfehlungen: dict[int, EffortClass] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Effort:
        if set(self.bezeichnungen) != set(EFFORTS):
            raise ValueError(f"bezeichnungen: genau die Schlüssel {', '.join(EFFORTS)} angeben")
        for key, label in self.bezeichnungen.items():
            if not label.strip() or "{" in label or "}" in label:
                raise ValueError(f"bezeichnungen.{key}: eine Bezeichnung ohne Klammern "
                                 f"eintragen (Wert: „{label}“)")
        if len(set(self.bezeichnungen.values())) < len(EFFORTS):
            raise ValueError("bezeichnungen: drei verschiedene Bezeichnungen eintragen")
        bad = [n for n in self.empfehlungen if n < 1]
        if bad:
            raise ValueError(f"empfehlungen.{bad[0]}: Nummer einer Empfehlung (ab 1)")
        return self


class Capacity(_Strict):
    """What the funded posts can carry: participation formats are staggered over periods
    (half-years or years) so that no period holds more than the posts can prepare."""

    stellen: float = Field(1.5, gt=0, le=100)  # funded posts (Beschluss: about 1,5)
    # formats one full post prepares, runs and documents per year
    formate_je_stelle: float = Field(4.0, gt=0, le=100)
    zeitraum: Literal["halbjahr", "jahr"] = "halbjahr"
    # formats of the same kind and field are merged when this share of the Kommunen of
    # the smaller one also take part in the other
    zusammenlegen_ab: float = Field(0.75, gt=0, le=1)


#: placeholders a lead-office text (``konzept.federfuehrung``) may use
LEAD_PLACEHOLDERS = ("region", "region_genitiv")


class Lead(_Strict):
    """Who leads a recommendation („Federführung“ on each card): by default the region's
    social planning where the region decides or coordinates, the Kommune where the
    recommendation is addressed to it; per field (where the region carries the field's
    services, e.g. the Jugendamt) and per kind of recommendation configurable."""

    region: str = "Sozialplanung {region_genitiv}"  # levels eigen and gemeinsam
    kommune: str = "die Kommune"  # level empfehlung, one Kommune
    kommunen: str = "jede Kommune für ihre Sozialräume"  # level empfehlung, several
    # field id → lead where the region (co-)carries the field's services (recommendations
    # on services and goals at level eigen or gemeinsam), e.g. kinder: "Jugendamt …"
    felder: dict[str, str] = Field(default_factory=dict)
    # kind of recommendation → lead, whatever the level (wins over everything else)
    arten: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Lead:
        bad = [k for k in self.arten if k not in RECOMMENDATION_KINDS]
        if bad:
            raise ValueError(f"arten.{bad[0]}: keine Art von Empfehlung (erlaubt: "
                             f"{', '.join(RECOMMENDATION_KINDS)})")
        texts = {"region": self.region, "kommune": self.kommune, "kommunen": self.kommunen,
                 **{f"felder.{k}": v for k, v in self.felder.items()},
                 **{f"arten.{k}": v for k, v in self.arten.items()}}
        for key, text in texts.items():
            if not text.strip():
                raise ValueError(f"{key}: leer – eine Stelle eintragen")
            rest = re.sub(r"\{(" + "|".join(LEAD_PLACEHOLDERS) + r")\}", "", text)
            if "{" in rest or "}" in rest:
                raise ValueError(f"{key}: nur die Platzhalter "
                                 + ", ".join("{" + p + "}" for p in LEAD_PLACEHOLDERS)
                                 + f" sind erlaubt (Wert: „{text}“)")
        return self

    def fill(self, text: str, values: dict[str, object]) -> str:
        """``text`` with the placeholders of :data:`LEAD_PLACEHOLDERS` filled in."""
        for p in LEAD_PLACEHOLDERS:
            text = text.replace("{" + p + "}", str(values.get(p, "")))
        return text


class Concept(_Strict):
    """The Handlungskonzept: who is responsible, priorities, horizons, participation."""

    # labels of the responsible levels; {region} is replaced by the region's name
    ebenen: dict[str, str] = Field(default_factory=lambda: {
        "eigen": "{region} in eigener Zuständigkeit",
        "gemeinsam": "{region} gemeinsam mit den Kommunen",
        "empfehlung": "Empfehlung an die Kommunen"})
    # tasks whose carrier differs per Kommune, e.g. jugendhilfe (Jugendamt)
    aufgaben: dict[str, Task] = Field(default_factory=dict)
    # who carries the services of a field: "region", "kommune" or a task id of aufgaben;
    # fields not listed: "kommune"
    zustaendigkeit: dict[str, str] = Field(default_factory=dict)
    # areas with need in at least this many counted fields: cumulation (priority „hoch“)
    kumulation_ab: int = Field(3, ge=2)
    # a counted field with at least this many borderline classifications gets the
    # recommendation to check them („Grenzfälle vor Ort prüfen“, the region's own task)
    grenzfaelle_pruefen_ab: int = Field(1, ge=1)
    # from this share of borderline classifications the check is a workshop
    # (``beteiligung.grenzfaelle``), below it an expert talk (``grenzfaelle_wenige``)
    grenzfaelle_anteil: float = Field(0.25, gt=0, le=1)
    # the year from which the horizons count, e.g. the year the concept is adopted
    # (default: the report year)
    startjahr: int | None = Field(None, ge=1900, le=2200)
    # years after the start year up to which a horizon reaches
    zeithorizonte: dict[str, int] = Field(default_factory=lambda: {
        "kurzfristig": 2, "mittelfristig": 4, "langfristig": 6})
    empfehlungen: dict[str, RecommendationKind] = Field(default_factory=dict)
    beteiligung: Participation = Participation()
    # work packages of the decision document (order = order in the annex)
    arbeitspakete: dict[str, WorkPackage] = Field(default_factory=dict)
    # lead office per recommendation („Federführung“)
    federfuehrung: Lead = Lead()
    # effort class per recommendation („Aufwand“) and the capacity for the formats
    aufwand: Effort = Effort()
    kapazitaet: Capacity = Capacity()

    @model_validator(mode="after")
    def _check(self) -> Concept:
        if set(self.ebenen) != set(LEVELS):
            raise ValueError(f"ebenen: genau die Schlüssel {', '.join(LEVELS)} angeben")
        for level, label in self.ebenen.items():
            rest = label.replace("{region}", "")
            if "{" in rest or "}" in rest:
                raise ValueError(f"ebenen.{level}: nur der Platzhalter {{region}} ist erlaubt "
                                 f"(Wert: „{label}“)")
        if set(self.zeithorizonte) != set(HORIZONS):
            raise ValueError(f"zeithorizonte: genau die Schlüssel {', '.join(HORIZONS)} angeben")
        years = [self.zeithorizonte[h] for h in HORIZONS]
        if any(y < 0 for y in years) or years != sorted(years):
            raise ValueError("zeithorizonte: Jahre ab dem Startjahr, nicht negativ und "
                             "kurzfristig ≤ mittelfristig ≤ langfristig")
        bad = [k for k in self.empfehlungen if k not in RECOMMENDATION_KINDS]
        if bad:
            raise ValueError(f"empfehlungen.{bad[0]}: keine Art von Empfehlung (erlaubt: "
                             f"{', '.join(RECOMMENDATION_KINDS)})")
        for tid in self.aufgaben:
            if not is_id(tid) or tid in ("region", "kommune"):
                raise ValueError(f"aufgaben.{tid}: Kennung nur a–z, 0–9, _ und nicht "
                                 "„region“ oder „kommune“")
        return self

    def kind(self, kind: str) -> RecommendationKind:
        return self.empfehlungen.get(kind, RecommendationKind())


class ReportConfig(_Strict):
    """The whole report configuration."""

    region: str
    # wording of the region, its bodies, Stichtag and legal frame
    bezeichnungen: Wording = Wording()
    # folder of the chapter texts (Markdown), relative to this configuration file
    texte: str = "texte"
    rollen: Roles = Roles()
    ausgabe: str
    berichtsjahr: int = Field(ge=1990, le=2100)
    vergleichsjahr: int | None = Field(default=None, ge=1990, le=2100)
    unsicher_nenner: int = Field(50, ge=0)
    handlungsfelder: dict[str, FieldConfig]
    bedarf: NeedRules = NeedRules()
    robustheit: Robustness = Robustness()
    dynamik: Dynamics = Dynamics()
    geheimhaltung: Disclosure = Disclosure()
    themen: dict[str, Theme] = Field(default_factory=dict)
    praeventionskette: list[str] = Field(default_factory=list)
    herausgeber: Publisher = Publisher()
    # how a change of an indicator is judged: hoch_schlecht (higher = worse), hoch_gut
    # (higher = better), neutral (composition/context: neither); default from the
    # catalogue's richtung (1 → hoch_schlecht, -1 → hoch_gut)
    bewertung: dict[str, Literal["hoch_schlecht", "hoch_gut", "neutral"]] = Field(
        default_factory=dict)
    konzept: Concept = Concept()
    methodik: MethodNotes = MethodNotes()

    # plausibility rule „Teilmenge ≤ Obermenge“ for pairs of count variables, checked on
    # the counts of every year when the data are loaded; empty = only the numerator ≤
    # denominator of every indicator
    teilmengen: list[SubsetPair] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> ReportConfig:
        pairs = [(p.teilmenge, p.obermenge) for p in self.teilmengen]
        twice = sorted({p for p in pairs if pairs.count(p) > 1})
        if twice:
            raise ValueError(f"teilmengen: das Paar (teilmenge {twice[0][0]}, obermenge "
                             f"{twice[0][1]}) steht mehrmals (einmal genügt)")
        if any((b, a) in pairs for a, b in pairs):
            a, b = next((a, b) for a, b in pairs if (b, a) in pairs)
            raise ValueError(f"teilmengen: {a} ist Teilmenge von {b} und {b} von {a} – dann "
                             "wären beide Zählungen stets gleich; ein Paar entfernen")
        bad = [f for f in self.handlungsfelder if not is_id(f)]
        if bad:
            raise ValueError(f"Kennung eines Handlungsfelds „{bad[0]}“: nur a–z, 0–9, _ "
                             "(beginnend mit einem Buchstaben)")
        if not self.handlungsfelder:
            raise ValueError("handlungsfelder: mindestens ein Handlungsfeld eintragen")
        for tid, theme in self.themen.items():
            if theme.handlungsfeld not in self.handlungsfelder:
                raise ValueError(f"themen.{tid}.handlungsfeld „{theme.handlungsfeld}“ ist kein "
                                 f"Handlungsfeld (vorhanden: {', '.join(self.handlungsfelder)})")
        for fid, who in self.konzept.zustaendigkeit.items():
            if fid not in self.handlungsfelder:
                raise ValueError(f"konzept.zustaendigkeit.{fid}: kein Handlungsfeld "
                                 f"(vorhanden: {', '.join(self.handlungsfelder)})")
            if who not in ("region", "kommune", "gemeinsam", *self.konzept.aufgaben):
                raise ValueError(f"konzept.zustaendigkeit.{fid}: „{who}“ – erlaubt sind "
                                 "region, kommune, gemeinsam oder eine Aufgabe aus "
                                 "konzept.aufgaben ("
                                 + (", ".join(self.konzept.aufgaben) or "keine eingetragen")
                                 + ")")
        for fid in self.konzept.federfuehrung.felder:
            if fid not in self.handlungsfelder:
                raise ValueError(f"konzept.federfuehrung.felder.{fid}: kein Handlungsfeld "
                                 f"(vorhanden: {', '.join(self.handlungsfelder)})")
        core = {i for fc in self.handlungsfelder.values() for i in fc.indikatoren}
        for ind, sentence in sorted(self.methodik.begruendungen.items()):
            if ind not in core:
                raise ValueError(f"methodik.begruendungen.{ind}: kein Kernindikator eines "
                                 "Handlungsfelds (eine Begründung gilt nur für Kernindikatoren)")
            if not sentence.strip():
                raise ValueError(f"methodik.begruendungen.{ind}: leer – einen Satz eintragen "
                                 "oder den Eintrag löschen")
        if self.vergleichsjahr is not None and self.vergleichsjahr >= self.berichtsjahr:
            raise ValueError("vergleichsjahr muss vor dem berichtsjahr liegen")
        for fid, fc in self.handlungsfelder.items():
            unknown = [s for s in fc.kettenstufen or [] if s not in self.praeventionskette]
            if unknown:
                raise ValueError(f"handlungsfelder.{fid}.kettenstufen: „{unknown[0]}“ ist keine "
                                 "Stufe der praeventionskette (vorhanden: "
                                 f"{', '.join(self.praeventionskette) or 'keine'})")
        return self

    def chain_stages(self, field: str) -> list[str]:
        """The prevention-chain stages shown for ``field`` (in chain order)."""
        chosen = self.handlungsfelder[field].kettenstufen
        return list(self.praeventionskette) if chosen is None else \
            [s for s in self.praeventionskette if s in chosen]

    @property
    def subsets(self) -> list[tuple[str, str]]:
        """The configured pairs (part, whole) of ``teilmengen``, for the data check."""
        return [(p.teilmenge, p.obermenge) for p in self.teilmengen]

    @property
    def fields(self) -> list[str]:
        """The fields of action in the order of the configuration."""
        return list(self.handlungsfelder)

    @property
    def counted_fields(self) -> list[str]:
        """Fields counted in the cumulation and headline total (not ``separat``)."""
        return [f for f, c in self.handlungsfelder.items() if not c.separat]

    @property
    def exploratory_fields(self) -> list[str]:
        """Fields with fewer core indicators than ``bedarf.mindestzahl_indikatoren``:
        their classification is shown as exploratory."""
        least = self.bedarf.mindestzahl_indikatoren
        return [f for f, c in self.handlungsfelder.items() if len(c.indikatoren) < least]

    def evaluation(self, indicator: str, direction: int = 1) -> str:
        """How a change of ``indicator`` is judged (``bewertung``; default from the
        catalogue's ``richtung``)."""
        return self.bewertung.get(indicator, "hoch_gut" if direction < 0 else "hoch_schlecht")

    @property
    def region_genitiv(self) -> str:
        return self.bezeichnungen.region_genitiv or f"in {self.region}"

    @property
    def region_dativ(self) -> str:
        return self.bezeichnungen.region_dativ or f"in {self.region}"

    def text_path(self, config_file: Path | str, name: str) -> Path:
        """A chapter text file: ``name`` inside the text folder next to the config."""
        return Path(config_file).resolve().parent / self.texte / name

    def population_variable(self, catalogue) -> str:
        """The count variable of the population (role ``rollen.bevoelkerung``)."""
        from analysis.contract import schema as S

        if self.rollen.bevoelkerung:
            return self.rollen.bevoelkerung
        lead = self.handlungsfelder[self.fields[0]].leitindikator
        return str(catalogue.set_index(S.INDICATOR)[S.DENOMINATOR].get(lead, ""))

    def change_indicator(self) -> str:
        """The indicator of the change chapter's trend chart (``rollen.veraenderung``)."""
        return self.rollen.veraenderung or self.handlungsfelder[self.fields[0]].leitindikator

    def target_group(self, field: str, catalogue) -> str:
        """Count variable of a field's target group: ``zielgruppe`` or the denominator
        of the lead indicator."""
        from analysis.contract import schema as S

        f = self.handlungsfelder[field]
        if f.zielgruppe:
            return f.zielgruppe
        lead = catalogue.set_index(S.INDICATOR)[S.DENOMINATOR]
        return str(lead.get(f.leitindikator, ""))

    def field_text(self, field: str) -> str:
        """Relative name of a field's chapter text."""
        return self.handlungsfelder[field].text or f"handlungsfelder/{field}.md"


_MESSAGES = {
    "float_parsing": "keine Zahl",
    "float_type": "keine Zahl",
    "int_parsing": "keine ganze Zahl",
    "int_type": "keine ganze Zahl",
    "int_from_float": "keine ganze Zahl (Nachkommastellen entfernen)",
    "bool_parsing": "nur true oder false erlaubt",
    "bool_type": "nur true oder false erlaubt",
    "string_type": "Text erwartet",
    "list_type": "Liste erwartet, z. B. [a, b]",
    "dict_type": "Unterschlüssel erwartet (eingerückte „schlüssel: wert“-Zeilen)",
    "model_type": "Unterschlüssel erwartet (eingerückte „schlüssel: wert“-Zeilen)",
    "too_short": "Liste ist zu kurz (mindestens ein Eintrag)",
    "literal_error": "Wert nicht erlaubt",
    "finite_number": "keine endliche Zahl (.inf und .nan sind nicht erlaubt)",
}
_LIMITS = {"greater_than": "muss größer als {gt} sein",
           "greater_than_equal": "muss mindestens {ge} sein",
           "less_than": "muss kleiner als {lt} sein",
           "less_than_equal": "darf höchstens {le} sein"}


def _allowed_keys(loc: tuple) -> list[str]:
    """The keys allowed next to the unknown key at ``loc`` (for a spelling suggestion)."""
    model: type[BaseModel] | None = ReportConfig
    for part in loc[:-1]:
        if model is None:
            return []
        info = model.model_fields.get(str(part))
        if info is None:  # a dict entry such as handlungsfelder.armut
            continue
        ann = info.annotation
        args = [a for a in getattr(ann, "__args__", ()) if isinstance(a, type)]
        cands = [ann, *args] if isinstance(ann, type) else args
        model = next((c for c in reversed(cands) if issubclass(c, BaseModel)), None)
    return list(model.model_fields) if model is not None else []


def _format_errors(err: ValidationError, file: str) -> str:
    lines = [f"Konfiguration {file} ist ungültig:"]
    for e in err.errors():
        path = ".".join(str(p) for p in e["loc"]) or "(oben)"
        kind = e["type"]
        ctx = e.get("ctx") or {}
        value = e.get("input")
        if kind == "extra_forbidden":
            close = difflib.get_close_matches(str(e["loc"][-1]), _allowed_keys(e["loc"]), n=1,
                                              cutoff=0.6)
            msg = (f"unbekannter Schlüssel – Tippfehler? Gemeint ist wohl „{close[0]}“"
                   if close else "unbekannter Schlüssel – Tippfehler? (erlaubte Schlüssel: "
                   "siehe Kommentare in config/report.yaml)")
        elif kind == "missing":
            msg = "Pflichtschlüssel fehlt"
        elif kind in _LIMITS:
            msg = _LIMITS[kind].format(**{k: str(v).replace(".", ",") for k, v in ctx.items()})
        elif kind in _MESSAGES:
            msg = _MESSAGES[kind]
            if kind == "literal_error" and "expected" in ctx:
                msg += f" (erlaubt: {ctx['expected']})"
            if kind.startswith("float") and isinstance(value, str) and "," in value:
                msg += " – Dezimalpunkt verwenden, z. B. 1.5"
        else:
            msg = e["msg"].removeprefix("Value error, ")
        shown = "" if kind in ("missing",) or isinstance(value, dict) else f" (Wert: {value!r})"
        lines.append(f"  - {path}: {msg}{shown}")
    return "\n".join(lines)


def load_config(path: Path | str) -> ReportConfig:
    """Read and validate the report configuration; raise :class:`ConfigError` if invalid."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"Konfigurationsdatei {path.name} nicht gefunden "
                          "(Standard: config/report.yaml)")
    try:  # a regular file of at most 1 MB (no FIFO, no device)
        text = read_text_file(path, TEXT_FILE_LIMIT).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"Konfiguration {path.name}: nicht in UTF-8 gespeichert "
                          "(im Editor „UTF-8“ als Kodierung wählen)") from None
    except UserError as exc:
        raise ConfigError(f"Konfiguration {exc}") from None
    except OSError as exc:
        raise ConfigError(f"Konfiguration {path.name} kann nicht gelesen werden "
                          f"({exc.strerror or type(exc).__name__})") from None
    try:
        raw = safeyaml.load(text)  # safe tags only, no aliases (“billion laughs”)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # an unclosed bracket or quote is noticed later; point at where it starts
        if "block" not in str(getattr(exc, "context", None) or "block"):
            mark = getattr(exc, "context_mark", None) or mark
        where = f", Zeile {mark.line + 1}" if mark is not None else ""
        refused = safeyaml.refused(exc)
        if refused:
            raise ConfigError(f"Konfiguration {path.name}{where}: {refused} (Werte "
                              "ausschreiben)") from None
        raise ConfigError(f"Konfiguration {path.name}{where}: kein gültiges YAML "
                          "(Einrückung und Doppelpunkte prüfen)") from None
    except ValueError as exc:  # e.g. an impossible date such as 2021-13-45
        raise ConfigError(f"Konfiguration {path.name}: ungültiger Wert ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"Konfiguration {path.name}: erwartet Schlüssel: Wert-Paare")
    bad = _text_problems(raw, ())
    if bad:
        raise ConfigError("\n".join([f"Konfiguration {path.name} ist ungültig:", *bad]))
    try:
        return ReportConfig.model_validate(raw)
    except ValidationError as err:
        raise ConfigError(_format_errors(err, path.name)) from None


def _text_problems(value, loc: tuple) -> list[str]:
    """Every string (keys too) must pass :func:`analysis.common.textcheck.text_problem`: texts
    of the configuration are published."""
    from analysis.common.errors import _visible

    out = []
    items = (value.items() if isinstance(value, dict)
             else enumerate(value) if isinstance(value, list) else ())
    for k, v in items:
        path = (*loc, str(k))
        for text in ([k] if isinstance(k, str) else []) + ([v] if isinstance(v, str) else []):
            found = text_problem(text)
            if found is not None:
                out.append(f"  - {'.'.join(path)}: {found[1]} (Wert: „{_visible(text)[:60]}“)"
                           f" → {found[2]}")
                break
        out += _text_problems(v, path)
    return out


def check_against_catalogue(cfg: ReportConfig, indicator_ids: set[str], file: str) -> None:
    """Every indicator named in the configuration must exist in the catalogue."""
    missing = []
    for fid, f in cfg.handlungsfelder.items():
        for key, inds in (("indikatoren", f.indikatoren), ("kontext", f.kontext)):
            for ind in inds:
                if ind not in indicator_ids:
                    missing.append(f"  - handlungsfelder.{fid}.{key}: „{ind}“ fehlt in "
                                   "indikatoren.csv")
    for ind in cfg.bewertung:
        if ind not in indicator_ids:
            missing.append(f"  - bewertung: „{ind}“ fehlt in indikatoren.csv")
    if missing:
        raise ConfigError("\n".join([f"Konfiguration {file} passt nicht zu den Daten:", *missing]))


def check_against_dataset(cfg: ReportConfig, ds, file: str,
                          config_path: Path | str | None = None) -> None:
    """Configuration and data must fit together: indicators, years, fields, roles,
    themes, chain stages and (with ``config_path``) the chapter texts.

    Raises :class:`ConfigError` (configuration side) or ``DataContractError`` (data
    side, e.g. a service with an unknown prevention-chain stage) listing all problems.
    """
    from analysis.common.errors import DataContractError, Problem

    check_against_catalogue(cfg, set(ds.indicators["indikator"]), file)
    lines = _role_problems(cfg, ds)
    if config_path is not None:
        lines += text_problems(cfg, config_path)
    if cfg.berichtsjahr not in ds.years:
        lines.append(f"  - berichtsjahr: {cfg.berichtsjahr} kommt in den Zählungen nicht vor "
                     f"(vorhanden: {ds.years[0]}–{ds.years[-1]})")
    if cfg.vergleichsjahr is not None and cfg.vergleichsjahr not in ds.years:
        lines.append(f"  - vergleichsjahr: {cfg.vergleichsjahr} kommt in den Zählungen nicht vor "
                     f"(vorhanden: {ds.years[0]}–{ds.years[-1]}; leer lassen für keinen "
                     "Vergleich)")
    start = cfg.konzept.startjahr
    if start is not None and not cfg.berichtsjahr <= start <= cfg.berichtsjahr + 10:
        lines.append(f"  - konzept.startjahr {start}: frühestens das Berichtsjahr "
                     f"{cfg.berichtsjahr}, höchstens zehn Jahre danach (Jahr des Beschlusses)")
    if lines:
        raise ConfigError("\n".join([f"Konfiguration {file} passt nicht zu den Daten:", *lines]))
    problems = _field_problems(cfg, ds)

    def not_configured(table, file: str, column: str, allowed, what: str, key: str) -> None:
        """A value of ``column`` that the configuration (``key``) does not list."""
        if table is None or not allowed:
            return
        for i, v in table[column].items():
            if v not in allowed:
                problems.append(Problem(file, int(i) + 2, column, str(v), what,
                                        f"erlaubt ({key} in config/report.yaml): "
                                        + ", ".join(allowed)))

    not_configured(ds.priorities, "prioritaeten.csv", "thema", cfg.themen,
                   "unbekanntes Thema", "themen")
    not_configured(ds.services, "angebote.csv", "kettenstufe", cfg.praeventionskette,
                   "unbekannte Stufe der Präventionskette", "praeventionskette")
    if ds.goals is not None:
        for i, g in ds.goals.iterrows():
            if g["basisjahr"] not in ds.years:
                problems.append(Problem("wirkungsziele.csv", int(i) + 2, "basisjahr",
                                        str(g["basisjahr"]), "Basisjahr fehlt in den Zählungen",
                                        f"ein Jahr von {ds.years[0]} bis {ds.years[-1]} wählen"))
            if g["zieljahr"] <= g["basisjahr"]:
                problems.append(Problem("wirkungsziele.csv", int(i) + 2, "zieljahr",
                                        str(g["zieljahr"]), "Zieljahr liegt nicht nach dem "
                                        f"Basisjahr ({g['basisjahr']})", "Jahre prüfen"))
    if problems:
        raise DataContractError(problems)


def _field_problems(cfg: ReportConfig, ds) -> list:
    """Field ids used in the data must be configured fields (located problems)."""
    from analysis.common.errors import Problem
    from analysis.contract import schema as S

    known = cfg.fields
    hint = "erlaubt (handlungsfelder in der Konfiguration): " + ", ".join(known)
    out = []
    for i, v in ds.indicators["handlungsfelder"].items():
        for f in (v.split() if isinstance(v, str) else v if isinstance(v, list) else ()):
            if f not in known:
                out.append(Problem("indikatoren.csv", int(i) + 2, "handlungsfelder", f,
                                   "Handlungsfeld ist nicht konfiguriert", hint))
    for name, table in (("angebote.csv", ds.services), ("wirkungsziele.csv", ds.goals)):
        if table is None:
            continue
        for i, f in table[S.FIELD].items():
            if f not in known:
                out.append(Problem(name, int(i) + 2, S.FIELD, str(f),
                                   "Handlungsfeld ist nicht konfiguriert", hint))
    for note in ds.notes:
        if note.field not in known:
            out.append(Problem(f"{S.NOTES_DIR}/{note.file}", None, S.FIELD, note.field,
                               "Handlungsfeld ist nicht konfiguriert", hint))
    return out


def _role_problems(cfg: ReportConfig, ds) -> list[str]:
    """Variables the configuration names by role must exist (never a silent 0)."""
    variables = set(ds.variables["variable"])
    out = []
    for fid in cfg.fields:
        group = cfg.target_group(fid, ds.indicators)
        if group not in variables:
            out.append(f"  - handlungsfelder.{fid}.zielgruppe: Variable „{group}“ fehlt in "
                       "variablen.csv (Kennung der Zielgruppen-Variable eintragen)")
    pop = cfg.population_variable(ds.indicators)
    levels = ds.variables.set_index("variable")["ebene"]
    if pop not in variables:
        out.append(f"  - rollen.bevoelkerung: Variable „{pop}“ fehlt in variablen.csv "
                   "(Kennung der Einwohnerzahl je Sozialraum eintragen)")
    elif levels.get(pop) != "sozialraum":
        out.append(f"  - rollen.bevoelkerung: Variable „{pop}“ liegt nicht je Sozialraum vor "
                   "(ebene in variablen.csv)")
    change = cfg.change_indicator()
    if change not in set(ds.indicators["indikator"]):
        out.append(f"  - rollen.veraenderung: Indikator „{change}“ fehlt in indikatoren.csv")
    for n, (part, whole) in enumerate(cfg.subsets, start=1):
        where = f"  - teilmengen, Paar {n} (teilmenge {part}, obermenge {whole})"
        missing = [v for v in (part, whole) if v not in variables]
        if missing:
            out.append(f"{where}: Variable „{missing[0]}“ fehlt in variablen.csv (Kennung "
                       "korrigieren oder das Paar entfernen)")
        elif levels.get(part) != levels.get(whole):
            out.append(f"{where}: die Variablen liegen auf verschiedenen Ebenen vor "
                       f"({levels.get(part)}, {levels.get(whole)}; ebene in variablen.csv) – "
                       "nur Variablen derselben Ebene vergleichen")
    return out


def recommendation_texts(cfg: ReportConfig, config_path: Path | str
                         ) -> dict[str, tuple[str, str, str]]:
    """The wording of each kind of recommendation: kind → (recommendation, next step,
    title); the title line („Titel:“) is optional ("" = the built-in title).

    Raises :class:`ConfigError` naming the file and section for a missing file, a
    missing or unknown section, a missing line or an unknown placeholder.
    """
    from analysis.contract.texts import check, read_text, sections

    source = f"Text {cfg.texte}/{RECOMMENDATION_TEXT}"
    parts = sections(read_text(cfg.text_path(config_path, RECOMMENDATION_TEXT), source),
                     source, RECOMMENDATION_LINES, optional=(RECOMMENDATION_TITLE,))
    problems = []
    for kind in parts:
        if kind not in RECOMMENDATION_SLOTS:
            problems.append(f"{source}: Abschnitt „## {kind}“ ist keine Art von Empfehlung "
                            f"(erlaubt: {', '.join(RECOMMENDATION_SLOTS)})")
    for kind, slots in RECOMMENDATION_SLOTS.items():
        if kind not in parts:
            problems.append(f"{source}: Abschnitt „## {kind}“ fehlt (mit den Zeilen "
                            "„Empfehlung:“ und „Nächster Schritt:“; python -m analysis texte "
                            "--ergaenzen übernimmt ihn aus der Programmvorlage)")
            continue
        for line in (*RECOMMENDATION_LINES, RECOMMENDATION_TITLE):
            if line in parts[kind]:
                kinds = {n: COUNT if n in RECOMMENDATION_COUNTS else TEXT
                         for n in (*COMMON_PLACEHOLDERS, *slots)}
                problems += check(parts[kind][line], kinds,
                                  f"{source}, Abschnitt „## {kind}“, Zeile „{line}“", 0)
    if problems:
        raise ConfigError("\n".join(problems))
    return {k: (parts[k][RECOMMENDATION_LINES[0]], parts[k][RECOMMENDATION_LINES[1]],
                parts[k].get(RECOMMENDATION_TITLE, ""))
            for k in RECOMMENDATION_SLOTS}


def sentence_texts(cfg: ReportConfig, config_path: Path | str,
                   name: str = "") -> dict[str, Template]:
    """The sentence blocks of one file (:data:`SENTENCE_TEXT`, the annex's, or
    :data:`REPORT_SENTENCE_TEXT`, the Sozialbericht's), parsed: block name → template.

    Raises :class:`ConfigError` listing every problem with file, line, placeholder and
    fix: a missing file or block, an unknown block or placeholder, a malformed count form
    or one that does not fit the value (``plural`` on a text, ``select`` with a value the
    report never gives).
    """
    from analysis.contract.texts import blocks, check, parse_template, read_text

    file = name or SENTENCE_TEXT
    all_slots = SENTENCE_FILES[file]
    source = f"Text {cfg.texte}/{file}"
    found = blocks(read_text(cfg.text_path(config_path, file), source), source)
    problems, out = [], {}
    for block in found:
        if block not in all_slots:
            problems.append(f"{source}, Zeile {found[block][1] - 1}: Abschnitt „## {block}“ "
                            "wird nicht verwendet – Tippfehler? Vorgesehen sind: "
                            + ", ".join(all_slots))
    common = dict.fromkeys(COMMON_PLACEHOLDERS, TEXT)
    for block, slots in all_slots.items():
        if block not in found:
            problems.append(f"{source}: Abschnitt „## {block}“ fehlt – aus config/texte/"
                            f"{file} des Programms übernehmen (python -m analysis texte "
                            "--ergaenzen)")
            continue
        text, line = found[block]
        found_problems = check(text, {**common, **slots}, f"{source}, Abschnitt „## {block}“",
                               line)
        if found_problems:
            problems += found_problems
            continue
        out[block] = parse_template(text, f"{source}, Abschnitt „## {block}“", line)
    if problems:
        raise ConfigError("\n".join(problems))
    return out


def text_problems(cfg: ReportConfig, config_path: Path | str) -> list[str]:
    """Every chapter text exists, is readable and uses only known placeholders."""
    from analysis.contract.texts import check, read_text

    out = []
    try:
        recommendation_texts(cfg, config_path)
    except ConfigError as err:
        out += [f"  - {line}" for line in str(err).splitlines()]
    for file in SENTENCE_FILES:
        try:
            sentence_texts(cfg, config_path, file)
        except ConfigError as err:
            out += [f"  - {line}" for line in str(err).splitlines()]
    for name, allowed in text_slots(cfg).items():
        path = cfg.text_path(config_path, name)
        source = f"Text {cfg.texte}/{name}"
        try:
            text = read_text(path, source)
        except ConfigError as err:
            out.append(f"  - {err}")
            continue
        out += [f"  - {p}" for p in check(text, allowed, source)]
    return out


#: placeholders every text may use (computed by :func:`text_values`)
COMMON_PLACEHOLDERS = ("region", "region_genitiv", "region_dativ", "gremium", "gremium_genitiv",
                       "steuerungsgremium", "beschluss", "berichtsjahr", "vergleichsjahr",
                       "stichtag")
FIELD_PLACEHOLDERS = ("titel", "kurz", "leitindikator", "indikatoren")
REPORT_TEXTS = ("sozialbericht.md", "handlungskonzept.md", "prioritaeten.md",
                "arbeitspakete.md")
#: the wording of the recommendations: one section per kind (``## <art>``) with the
#: lines „Empfehlung:“ and „Nächster Schritt:“
RECOMMENDATION_TEXT = "empfehlungen.md"
RECOMMENDATION_LINES = ("Empfehlung", "Nächster Schritt")
#: optional line: the heading of the recommendation („Titel: Angebot prüfen: {kommunen}“)
RECOMMENDATION_TITLE = "Titel"
_AREA_SLOTS = ("feld", "feld_titel", "gebiete", "im_gebiet", "kommunen", "format", "bis",
               "anzahl_gebiete")
#: the placeholders of the recommendations that are counts (may carry a count form)
RECOMMENDATION_COUNTS = ("anzahl_gebiete",)
#: placeholders each kind of recommendation may use (besides COMMON_PLACEHOLDERS)
RECOMMENDATION_SLOTS = {
    "kumulation": (*_AREA_SLOTS, "in_feldern"),
    "versorgungsluecke": _AREA_SLOTS,
    "nur_angrenzend": _AREA_SLOTS,
    "interkommunal": _AREA_SLOTS,
    "themengleich": ("feld", "feld_titel", "kommunen", "format", "bis", "thema",
                     "anzahl_kommunen"),
    "wirkungsziel": ("feld", "feld_titel", "kommunen", "bis", "ziel", "ort", "grund"),
    "grenzfaelle": (*_AREA_SLOTS, "anzahl_grenzfaelle", "anzahl_bedarf"),
}


#: the sentences of the reports whose words depend on counts (Satzbausteine): one
#: ``## <name>`` block each, with count forms (:mod:`analysis.contract.templates`)
SENTENCE_TEXT = "satzbausteine.md"
_YES_NO = ("ja", "nein")
#: per block: the placeholders it may use (besides COMMON_PLACEHOLDERS) and their kind –
#: a count (``zahl``), a list (``liste``), text, or the values a ``select`` can get
SENTENCE_SLOTS: dict[str, dict[str, str | tuple[str, ...]]] = {
    "konzept.zusammenfassung": {"jahr": TEXT, "quellen": LIST, "fehlend": LIST,
                                "bestand": _YES_NO, "luecken": COUNT, "gebiete": COUNT,
                                "explorativ": COUNT, "gezaehlt": COUNT},
    "konzept.quelle.schwerpunkte": {},
    "konzept.quelle.angebote": {"angebote": COUNT},
    "konzept.quelle.befunde": {"befunde": COUNT},
    "konzept.fehlt.schwerpunkte": {},
    "konzept.fehlt.angebote": {},
    "konzept.fehlt.ziele": {},
    "konzept.fehlt.befunde": {},
    "konzept.ebenen": {"eigen": TEXT, "gemeinsam": TEXT, "empfehlung": TEXT},
    "konzept.ebenen.traeger": {"feld": TEXT, "traeger": ("region", "gemeinsam", "aufgabe",
                                                          "kommune"),
                               "aufgabe": TEXT, "region_traegt": LIST},
    "konzept.prioritaet": {"kumulation_ab": COUNT, "ab": TEXT, "kurzfristig": TEXT,
                           "mittelfristig": TEXT, "langfristig": TEXT},
    "konzept.beteiligung": {"formate": COUNT, "thema": TEXT, "tandem": TEXT,
                            "interkommunal": TEXT, "sozialraum": TEXT, "grenzfaelle": TEXT,
                            "thema_ab": COUNT, "kumulation_ab": COUNT, "anteil": TEXT,
                            "fachgespraech": TEXT},
    "konzept.beteiligung.format": {"format": TEXT, "anzahl": COUNT},
    # how the formats are ordered and staggered against the capacity
    "konzept.beteiligung.staffelung": {"formate": COUNT, "stellen": TEXT,
                                       "stellen_form": ("eins", "mehr"), "je_stelle": TEXT,
                                       "je_stelle_form": ("eins", "mehr"),
                                       "je_zeitraum": COUNT, "zeitraum": ("halbjahr", "jahr"),
                                       "zusammengelegt": COUNT, "aufbauend": COUNT,
                                       "anteil": TEXT},
    # the effort rule (analysis.method.concept.effort_class)
    "konzept.aufwand": {"gering": TEXT, "mittel": TEXT, "hoch": TEXT,
                        "arten_gering": LIST, "arten_mittel": LIST, "arten_hoch": LIST,
                        "kommunen_ab": COUNT, "sozialraeume_ab": COUNT, "festgelegt": LIST},
    "konzept.feld.bedarf": {"feld": TEXT, "bedarf": COUNT, "knapp": COUNT,
                            "alle_knapp": _YES_NO},
    "konzept.feld.explorativ": {"feld": TEXT},
    "konzept.feld.anderswo": {"anzahl": COUNT, "bedarf": COUNT, "alle": _YES_NO,
                              "empfehlungen": LIST},
    "konzept.feld.versorgung": {"teile": LIST},
    "konzept.feld.versorgung.teil": {"anzahl": COUNT, "gesamt": COUNT, "alle": _YES_NO,
                                     "angebot": ("im_sozialraum", "angrenzend", "keines"),
                                     "knapp": COUNT, "knapp_alle": _YES_NO},
    "konzept.methode": {"anteil": TEXT, "fehlend": LIST, "kumulation_ab": COUNT,
                        "pruefen_ab": COUNT},
    "konzept.methode.fehlt.angebote": {},
    "konzept.methode.fehlt.schwerpunkte": {},
    "konzept.methode.fehlt.ziele": {},
    "konzept.methode.fehlt.befunde": {},
    "arbeitspaket.bedarf": {"mit_bedarf": COUNT, "sozialraeume": COUNT, "felder": COUNT},
    "arbeitspaket.befunde": {"geliefert": _YES_NO, "befunde": COUNT},
    "arbeitspaket.lebenslagen": {"indikatoren": COUNT, "separat": LIST},
    "arbeitspaket.bestand": {"bestand": _YES_NO, "angebote": COUNT},
    "arbeitspaket.luecken": {"bestand": _YES_NO, "luecken": COUNT, "explorativ": COUNT,
                             "gezaehlt": COUNT},
    "arbeitspaket.ziele": {"schwerpunkte": _YES_NO, "empfehlungen": COUNT},
    "arbeitspaket.praeventionskette": {"stand": ("ja", "ohne_bestand", "keine_stufen"),
                                       "ketten": LIST},
    "arbeitspaket.praeventionskette.feld": {"feld": TEXT, "stufen": COUNT},
    "arbeitspaket.wirkung": {"geliefert": _YES_NO, "ziele": COUNT, "jahr": TEXT},
    "arbeitspaket.austausch": {"schwerpunkte": _YES_NO, "themen": COUNT, "formate": COUNT},
    "arbeitspaket.interkommunal": {"gebiete": COUNT},
    "arbeitspaket.konzept": {},
    # „Das Wichtigste in Kürze“ (analysis.method.concept.key_messages)
    "kernaussage.bedarf": {"sozialraeume": COUNT, "mit_bedarf": COUNT, "bester": COUNT,
                           "alle": _YES_NO, "gezaehlt": LIST, "felder": LIST,
                           "kommunen": COUNT, "kommunen_zeigen": _YES_NO, "knapp": COUNT},
    "kernaussage.veraenderung": {"seit": TEXT, "meiste": COUNT, "felder": LIST,
                                 "entfallen": COUNT, "knapp": COUNT},
    "kernaussage.kumulation": {"sozialraeume": COUNT, "ab": COUNT, "gezaehlt": COUNT,
                               "alle_felder": _YES_NO, "kommunen_zeigen": _YES_NO,
                               "meiste": LIST, "je": COUNT,
                               "verteilung": ("gleich", "meiste")},
    "kernaussage.sicherheit": {"einstufungen": COUNT, "grenzfaelle": COUNT, "felder": LIST,
                               "prozent": TEXT, "gezaehlt": COUNT},
    "kernaussage.sicherheit.feld": {"feld": TEXT, "grenzfaelle": COUNT, "bedarf": COUNT},
    "kernaussage.konzept": {"empfehlungen": COUNT, "hoch": COUNT, "ebenen": LIST},
    "kernaussage.konzept.ebene": {"ebene": TEXT, "anzahl": COUNT},
    "kernaussage.beschluss": {"empfehlungen": COUNT, "hoch": COUNT, "formate": COUNT},
    "kernaussage.aufwand": {"klassen": LIST, "formate": COUNT, "stellen": TEXT,
                            "stellen_form": ("eins", "mehr"), "je_zeitraum": COUNT,
                            "zeitraum": ("halbjahr", "jahr"), "zeitraeume": COUNT,
                            "von": TEXT, "bis": TEXT, "spaet": COUNT},
    "kernaussage.aufwand.klasse": {"klasse": TEXT, "anzahl": COUNT, "erste": _YES_NO},
    "konzept.karte.knapp": {"knapp": COUNT, "alle": _YES_NO, "zuerst": _YES_NO,
                            "empfehlung": TEXT, "titel": TEXT},
    "konzept.befund.empfehlungen": {"empfehlungen": COUNT},
}


#: the count-dependent sentences of the Sozialbericht (its own file: editing it re-runs
#: only the Sozialbericht chapters that show them); per block as :data:`SENTENCE_SLOTS`
REPORT_SENTENCE_TEXT = "satzbausteine_bericht.md"
REPORT_SENTENCE_SLOTS: dict[str, dict[str, str | tuple[str, ...]]] = {
    # a count with its borderline part („…, davon drei knapp“, „…, beide knapp“)
    "bericht.knapp": {"anzahl": COUNT, "knapp": COUNT, "alle": _YES_NO},
    # field chapter (analysis.views.field)
    "bericht.feld.einleitung": {"indikatoren": COUNT, "leitindikator": TEXT, "kontext": LIST},
    "bericht.feld.explorativ": {"indikatoren": COUNT, "mindestens": COUNT},
    "bericht.feld.bedarf": {"titel": TEXT, "explorativ": _YES_NO, "bedarf": COUNT,
                            "einzeln": _YES_NO, "kommunen": COUNT, "davon_knapp": TEXT,
                            "meiste": LIST},
    "bericht.feld.meiste": {"kommunen": LIST, "anzahl": COUNT},
    "bericht.feld.regeln": {"regional": COUNT, "kommunal": COUNT, "absolut": COUNT,
                            "bedarf": COUNT, "stabil": COUNT, "knapp": COUNT},
    "bericht.feld.leitindikator": {"leitindikator": TEXT, "wert": TEXT},
    # the field's description (handlungsfelder.<feld>.beschreibung), introduced
    "bericht.feld.beschreibung": {"beschreibung": TEXT, "laut": _YES_NO},
    # where „need in at least one field“ is counted (the counted fields, those apart)
    "bericht.gezaehlt": {"gezaehlt": COUNT, "felder": LIST, "ohne": LIST},
    # Kommunalprofil (analysis.views.profile)
    "bericht.profil.einwohner": {"kommune": TEXT, "einwohner": TEXT, "sozialraeume": COUNT,
                                 "einwohnerzahl": ("ja", "gesperrt", "nein")},
    "bericht.profil.feld": {"feld": TEXT, "explorativ": _YES_NO, "bedarf": COUNT,
                            "davon_knapp": TEXT},
    "bericht.profil.bedarf": {"kommune": TEXT, "sozialraeume": COUNT, "mit_bedarf": COUNT,
                              "alle": _YES_NO, "bereich": TEXT},
    "bericht.profil.meiste": {"sozialraeume": COUNT, "mit_bedarf": COUNT, "meiste": COUNT,
                              "gebiete": LIST, "begriff": TEXT},
    # overview chapter (analysis.views.overview)
    "bericht.uebersicht.bedarf": {"mit_bedarf": COUNT, "sozialraeume": COUNT, "felder": LIST,
                                  "nur_knapp": COUNT},
    "bericht.uebersicht.gebiet": {"anzahl": COUNT, "begriff": TEXT, "feld": TEXT},
    "bericht.uebersicht.kumulation": {"anzahl": COUNT, "ab": COUNT, "gezaehlt": COUNT,
                                      "alle": _YES_NO},
    "bericht.uebersicht.feld": {"feld": TEXT, "explorativ": _YES_NO, "bedarf": COUNT,
                                "einzeln": _YES_NO, "kommunen": COUNT, "davon_knapp": TEXT},
    # change chapter: dynamics per field and in total (analysis.views.change)
    "bericht.dynamik.feld": {"feld": TEXT, "explorativ": _YES_NO, "bewertet": _YES_NO,
                             "positiv": COUNT, "stabil": COUNT, "negativ": COUNT,
                             "nicht_bewertbar": COUNT, "aufmerksamkeit": COUNT,
                             "davon_knapp": TEXT, "einzeln": COUNT, "karte": _YES_NO},
    "bericht.dynamik.gesamt": {"felder": LIST, "anzahl": COUNT, "davon_knapp": TEXT,
                               "knapp": COUNT, "beobachten": COUNT, "anderswo": COUNT},
    # the keys under the status × dynamics table and the table of special attention
    "bericht.dynamik.typen": {"zufall": _YES_NO, "ohne_dynamik": _YES_NO},
    "bericht.dynamik.schluessel": {"index_schwelle": TEXT, "schwelle": TEXT,
                                   "zufall": _YES_NO},
    # method annex: how uncertainty and change are marked (analysis.views.method_annex)
    "bericht.methodik.unsicherheit": {"knapp": TEXT, "nenner": COUNT, "mindestens": COUNT,
                                      "explorativ": LIST, "seit": TEXT, "schwelle": TEXT,
                                      "zufall": _YES_NO, "vertrauen": TEXT,
                                      "index_schwelle": TEXT, "typen": COUNT,
                                      "schwelle_einheit": TEXT},
    # composition shares that are core indicators (bewertung neutral), with the reasons
    # of methodik.begruendungen appended after the block
    "bericht.methodik.kernanteile": {"anteile": LIST},
    # near-duplicate core indicators (|r| at least methodik.korrelation_ab within a field)
    "bericht.methodik.korrelation": {"paare": COUNT, "felder": LIST, "grenze": TEXT,
                                     "gleich": _YES_NO},
    # primary suppression: which counts are replaced by the mark
    "bericht.methodik.sperrung": {"bis": COUNT, "zeichen": TEXT},
    "bericht.methodik.regeln": {"nenner": COUNT},
    "bericht.methodik.robustheit": {"schwellen": TEXT, "gewichte": TEXT, "stabil": TEXT},
    "bericht.methodik.gesperrt": {"gesperrt": COUNT, "zaehlwerte": COUNT},
    # the key under tables and maps that mark uncertainty (ReportContext.uncertainty_key)
    "bericht.zeichenerklaerung": {"anzahl": _YES_NO, "gezaehlt": TEXT, "knapp": _YES_NO,
                                  "begriff": TEXT, "prozent": TEXT, "unsicher": _YES_NO,
                                  "nenner": COUNT, "explorativ": _YES_NO,
                                  "mindestens": COUNT},
    # Steckbrief of a Sozialraum: population, need, borderline fields (views.steckbrief)
    "bericht.steckbrief": {"sozialraum": TEXT, "kommune": TEXT, "einzeln": _YES_NO,
                           "einwohnerzahl": ("ja", "gesperrt", "nein"), "einwohner": TEXT,
                           "felder": LIST, "gezaehlt": LIST, "ohne": LIST,
                           "separat": LIST, "alle": _YES_NO, "grenzfaelle": LIST},
    # change chapter: how a field's classification changed since the comparison year
    "bericht.veraenderung.feld": {"feld": TEXT, "explorativ": _YES_NO, "wandel": _YES_NO,
                                  "neu": LIST, "davon_knapp": TEXT, "entfallen": LIST},
    "bericht.dynamik.methode": {"seit": TEXT, "index_schwelle": TEXT, "zufall": _YES_NO,
                                "vertrauen": TEXT},
    # Steckbrief: the text alternatives of its two charts
    "bericht.steckbrief.balken": {"kernindikatoren": COUNT, "sozialraum": TEXT,
                                  "darueber": LIST, "darunter": LIST,
                                  "ohne_abweichung": _YES_NO, "gesperrt": COUNT,
                                  "ohne_wert": COUNT},
    # Steckbrief: the key under the table of core indicators (brackets)
    "bericht.steckbrief.kernindikatoren": {"unsicher": _YES_NO, "nenner": COUNT,
                                           "veraenderung": _YES_NO, "seit": TEXT,
                                           "ungesichert": _YES_NO, "schwelle": TEXT,
                                           "zufall": _YES_NO},
    "bericht.steckbrief.verlauf": {"leitindikatoren": COUNT, "sozialraum": TEXT,
                                   "vergleich": TEXT, "von": TEXT, "bis": TEXT,
                                   "verlauf": LIST},
}

#: every file of sentence blocks → its blocks
SENTENCE_FILES = {SENTENCE_TEXT: SENTENCE_SLOTS, REPORT_SENTENCE_TEXT: REPORT_SENTENCE_SLOTS}


def text_slots(cfg: ReportConfig) -> dict[str, tuple[str, ...]]:
    """Every chapter text of this configuration and the placeholders it may use."""
    slots = {name: COMMON_PLACEHOLDERS for name in REPORT_TEXTS}
    for f in cfg.fields:
        slots[cfg.field_text(f)] = COMMON_PLACEHOLDERS + FIELD_PLACEHOLDERS
    return slots


def text_values(cfg: ReportConfig) -> dict[str, object]:
    """The values of :data:`COMMON_PLACEHOLDERS`."""
    w = cfg.bezeichnungen
    return {"region": cfg.region, "region_genitiv": cfg.region_genitiv,
            "region_dativ": cfg.region_dativ, "gremium": w.gremium,
            "gremium_genitiv": w.gremium_genitiv, "steuerungsgremium": w.steuerungsgremium,
            "beschluss": w.beschluss, "berichtsjahr": cfg.berichtsjahr,
            "vergleichsjahr": cfg.vergleichsjahr or "", "stichtag": w.stichtag}
