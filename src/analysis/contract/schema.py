"""The data contract: input files, their columns, types and rules.

This module is the single machine-readable source of the contract. The validator
(:mod:`analysis.contract.validate`) builds pandera schemas from it, and ``data/README.md``
documents the same columns (a test keeps both in step).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from analysis.common.ids import ID_MAX_LENGTH, ID_RE, KOMMUNE_ID_DIGITS_RE

# ---------------------------------------------------------------------------
# Column names used throughout the package
# ---------------------------------------------------------------------------
AREA = "sozialraum"
AGS = "ags"
KOMMUNE = "kommune"
YEAR = "jahr"
VARIABLE = "variable"
COUNT = "anzahl"
INDICATOR = "indikator"
NUMERATOR = "zaehler"
DENOMINATOR = "nenner"
VALUE = "wert"
LOWER = "ki_unten"
UPPER = "ki_oben"
RELIABLE = "unsicher"
LEVEL = "ebene"
FIELD = "handlungsfeld"

LEVEL_AREA = "sozialraum"
LEVEL_MUNICIPALITY = "kommune"

MAX_COUNT = 5_000_000  # larger than the whole region: certainly a typo


@dataclass(frozen=True)
class Check:
    """A value rule of a column, turned into a pandera check when validating.

    Kept as plain data so that importing the contract does not import pandera
    (the chapter notebooks only need the column names).
    """

    kind: str  # name of a pandera.Check constructor: str_matches, isin, in_range, ge, …
    args: tuple
    error: str

    def to_pandera(self):
        import pandera.pandas as pa

        return getattr(pa.Check, self.kind)(*self.args, error=self.error)


class _CheckFactory:
    """``pa.Check.isin([...], error=…)``-like spelling for :class:`Check`."""

    def __getattr__(self, kind: str):
        def make(*args, error: str) -> Check:
            return Check(kind, tuple(tuple(a) if isinstance(a, list) else a for a in args),
                         error)
        return make


class _Pa:
    Check = _CheckFactory()


pa = _Pa()


@dataclass(frozen=True)
class Column:
    """One column of an input file."""

    name: str
    dtype: str  # "str", "int", "float"
    description: str
    example: str
    required: bool = True
    checks: tuple = ()
    unique: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class InputFile:
    """One input file of the contract."""

    name: str  # file name without extension (CSV or XLSX accepted)
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    optional: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


_ID_RE = r"^[a-z][a-z0-9_]*$"


def is_id(text: str) -> bool:
    """A configuration id (field, theme …): lower-case letter, then a–z, 0–9, _."""
    return re.fullmatch(_ID_RE, text) is not None


# messages of the id rules (analysis.common.ids); the validator gives each its own fix
ID_FORM_ERROR = "Kennung mit unerlaubten Zeichen"
ID_LENGTH_ERROR = "Kennung leer oder länger als 40 Zeichen"
AGS_FORM_ERROR = "rein aus Ziffern, aber kein gültiger AGS (8 Ziffern, Land 01–16)"


def _id_checks(kommune: bool) -> tuple:
    """Checks of an area code / Kommune id column (:mod:`analysis.common.ids`)."""
    checks = (pa.Check.str_length(1, ID_MAX_LENGTH, error=ID_LENGTH_ERROR),
              pa.Check.str_matches(ID_RE, error=ID_FORM_ERROR))
    if kommune:
        checks += (pa.Check.str_matches(KOMMUNE_ID_DIGITS_RE, error=AGS_FORM_ERROR),)
    return checks


KOMMUNEN = InputFile(
    "kommunen",
    "Die Kommunen der Region (Städte und Gemeinden), je eine Zeile.",
    (
        Column(AGS, "str", "Kennung der Kommune: der Amtliche Gemeindeschlüssel (8 Ziffern) "
               "oder eine freie Kennung (Buchstaben, Ziffern, Leerzeichen, - _ .)", "05334002",
               checks=_id_checks(kommune=True), unique=True),
        Column("name", "str", "Name der Kommune", "Aachen",
               checks=(pa.Check.str_length(1, 80, error="Name leer oder zu lang"),)),
    ),
    key=(AGS,),
)

SOZIALRAEUME = InputFile(
    "sozialraeume",
    "Die Sozialräume (kleinräumige Gebiete), je eine Zeile; jeder gehört zu genau einer Kommune.",
    (
        Column(AREA, "str", "Kennung des Sozialraums wie im Bericht, in der Form der Region "
               "(Buchstaben, Ziffern, Leerzeichen, - _ .; führende Nullen bleiben)", "AC 1",
               checks=_id_checks(kommune=False), unique=True),
        Column("name", "str", "Name des Sozialraums", "Soziale Stadt Alsdorf Mitte",
               checks=(pa.Check.str_length(1, 120, error="Name leer oder zu lang"),)),
        Column(AGS, "str", "Kennung der Kommune (AGS oder eigene Kennung), zu der der Sozialraum gehört",
               "05334004"),
        Column("name_belegt", "str", "ja = Name aus einer Veröffentlichung belegt; nein = "
               "Arbeitsname", "ja",
               checks=(pa.Check.isin(["ja", "nein"], error="nur „ja“ oder „nein“ erlaubt"),)),
    ),
    key=(AREA,),
)

VARIABLEN = InputFile(
    "variablen",
    "Katalog der gezählten Merkmale (Zählvariablen). Zählungen liegen immer als absolute "
    "Zahlen vor; Quoten werden daraus berechnet.",
    (
        Column(VARIABLE, "str", "Kennung der Variable (klein, a–z, 0–9, _)", "bev_gesamt",
               checks=(pa.Check.str_matches(_ID_RE, error="Kennung nur aus a–z, 0–9, _"),),
               unique=True),
        Column("bezeichnung", "str", "Deutsche Bezeichnung", "Einwohnerinnen und Einwohner",
               checks=(pa.Check.str_length(1, 200, error="Bezeichnung leer"),)),
        Column("einheit", "str", "Zähleinheit", "Personen",
               checks=(pa.Check.str_length(1, 40, error="Einheit leer"),)),
        Column(LEVEL, "str", "Kleinste Ebene, auf der die Variable vorliegt: sozialraum "
               "oder kommune", "sozialraum",
               checks=(pa.Check.isin([LEVEL_AREA, LEVEL_MUNICIPALITY],
                                     error="nur „sozialraum“ oder „kommune“ erlaubt"),)),
        Column("quelle", "str", "Datenquelle", "IT.NRW, Einwohnermelderegister",
               checks=(pa.Check.str_length(1, 300, error="Quelle leer"),)),
        Column("summe_aus", "str", "Optional. Nur wenn die Variable in jedem Gebiet und Jahr "
               "die Summe anderer Variablen derselben Ebene ist: deren Kennungen mit „+“ "
               "verbunden, sonst leer. Die Geheimhaltung schützt gesperrte Teile dann auch "
               "gegen diese Summe; die Zählungen werden darauf geprüft",
               "bev_u65 + bev_65plus", required=False, nullable=True,
               checks=(pa.Check.str_matches(r"^[a-z][a-z0-9_]*(\s*\+\s*[a-z][a-z0-9_]*)+$",
                                            error="Kennungen mit „+“ verbinden"),)),
    ),
    key=(VARIABLE,),
)

INDIKATOREN = InputFile(
    "indikatoren",
    "Indikatorenkatalog: jeder Indikator = Zähler / Nenner × Skala.",
    (
        Column(INDICATOR, "str", "Kennung des Indikators", "mindestsicherung",
               checks=(pa.Check.str_matches(_ID_RE, error="Kennung nur aus a–z, 0–9, _"),),
               unique=True),
        Column("bezeichnung", "str", "Deutsche Bezeichnung", "Mindestsicherungsquote",
               checks=(pa.Check.str_length(1, 200, error="Bezeichnung leer"),)),
        Column(NUMERATOR, "str", "Variable im Zähler", "mindestsicherung"),
        Column(DENOMINATOR, "str", "Variable im Nenner", "bev_gesamt"),
        Column("skala", "int", "Faktor: 100 für Prozent, 1000 für je 1.000", "100",
               checks=(pa.Check.isin([100, 1000], error="nur 100 oder 1000 erlaubt"),)),
        Column("einheit", "str", "Einheit des Werts", "%",
               checks=(pa.Check.isin(["%", "je 1.000"], error="nur „%“ oder „je 1.000“"),)),
        Column("richtung", "int", "+1: höherer Wert = mehr Bedarf; -1: niedrigerer Wert = "
               "mehr Bedarf", "1",
               checks=(pa.Check.isin([1, -1], error="nur 1 oder -1 erlaubt"),)),
        Column("handlungsfelder", "str", "Handlungsfeld(er), durch Leerzeichen getrennt "
               "(Kennungen aus handlungsfelder in config/report.yaml); leer = nur Kontext",
               "armut kinder",
               nullable=True),
        Column(LEVEL, "str", "sozialraum oder kommune (nur kommunal verfügbar)", "sozialraum",
               checks=(pa.Check.isin([LEVEL_AREA, LEVEL_MUNICIPALITY],
                                     error="nur „sozialraum“ oder „kommune“ erlaubt"),)),
        Column("definition", "str", "Definition in einem Satz",
               "Personen mit Mindestsicherungsleistungen je 100 Einwohner"),
        Column("quelle", "str", "Datenquelle", "Jobcenter, Sozialamt"),
    ),
    key=(INDICATOR,),
)

ZAEHLUNGEN = InputFile(
    "zaehlungen",
    "Zählungen je Sozialraum, Jahr und Variable (Langformat; Stichtag 31.12.).",
    (
        Column(AREA, "str", "Kennung des Sozialraums", "AC 1"),
        Column(YEAR, "int", "Berichtsjahr (Stichtag 31.12.)", "2021",
               checks=(pa.Check.in_range(1990, 2100, error="Jahr außerhalb 1990–2100"),)),
        Column(VARIABLE, "str", "Kennung der Variable (aus variablen.csv)", "bev_gesamt"),
        Column(COUNT, "int", "Anzahl (ganze Zahl ≥ 0)", "17843",
               checks=(pa.Check.ge(0, error="negative Anzahl"),
                       pa.Check.le(MAX_COUNT, error="unplausibel große Anzahl"))),
    ),
    key=(AREA, YEAR, VARIABLE),
)

ZAEHLUNGEN_KOMMUNE = InputFile(
    "zaehlungen_kommune",
    "Zählungen, die nur je Kommune vorliegen (z. B. Eingliederungshilfe), Langformat.",
    (
        Column(AGS, "str", "AGS der Kommune", "05334002"),
        Column(YEAR, "int", "Berichtsjahr (Stichtag 31.12.)", "2021",
               checks=(pa.Check.in_range(1990, 2100, error="Jahr außerhalb 1990–2100"),)),
        Column(VARIABLE, "str", "Kennung der Variable (Ebene kommune)", "eingliederungshilfe"),
        Column(COUNT, "int", "Anzahl (ganze Zahl ≥ 0)", "1520",
               checks=(pa.Check.ge(0, error="negative Anzahl"),
                       pa.Check.le(MAX_COUNT, error="unplausibel große Anzahl"))),
    ),
    key=(AGS, YEAR, VARIABLE),
    optional=True,
)

PRIORITAETEN = InputFile(
    "prioritaeten",
    "Von den Kommunen im Steuerungsgremium benannte Schwerpunktthemen (Kommune × Thema).",
    (
        Column(AGS, "str", "AGS der Kommune", "05334032"),
        Column("thema", "str", "Kennung des Themas (siehe themen in config/report.yaml)",
               "armut_aeltere", checks=(pa.Check.str_matches(_ID_RE,
                                                             error="Kennung nur a–z, 0–9, _"),)),
        Column("begruendung", "str", "Kurze Begründung aus dem Steuerungsgremium",
               "Hoher Anteil Älterer mit Grundsicherung in der Innenstadt"),
    ),
    key=(AGS, "thema"),
    optional=True,
)

ANGEBOTE = InputFile(
    "angebote",
    "Bestandsaufnahme der Angebote, Netzwerke und Träger.",
    (
        Column("angebot", "str", "Kennung des Angebots", "ang_001",
               checks=(pa.Check.str_matches(_ID_RE, error="Kennung nur a–z, 0–9, _"),),
               unique=True),
        Column("name", "str", "Name des Angebots", "Familienzentrum Kellersberg"),
        Column("traeger", "str", "Träger", "Caritasverband"),
        Column("typ", "str", "Art des Angebots", "Beratung"),
        Column("zielgruppe", "str", "Zielgruppe", "Alleinerziehende"),
        Column(FIELD, "str", "Handlungsfeld (Kennung aus handlungsfelder in "
               "config/report.yaml)", "kinder",
               checks=(pa.Check.str_matches(_ID_RE, error="Kennung nur a–z, 0–9, _"),)),
        Column("kettenstufe", "str", "Stufe der Präventionskette (siehe config)", "kita"),
        Column("sozialraeume", "str", "Versorgte Sozialräume, durch „|“ getrennt", "A 2b|A 3"),
        Column("seit", "int", "Beginn (Jahr)", "2015"),
        Column("bis", "int", "Ende (Jahr), leer = läuft", "", nullable=True),
        Column("netzwerk", "str", "Netzwerk, in dem das Angebot mitarbeitet (leer = keins)",
               "Netzwerk Frühe Hilfen", nullable=True),
    ),
    key=("angebot",),
    optional=True,
)

WIRKUNGSZIELE = InputFile(
    "wirkungsziele",
    "Wirkungskreisläufe: Ziel ⇒ Maßnahmen ⇒ Indikator mit Ausgangs- und Zielwert.",
    (
        Column("ziel_id", "str", "Kennung des Ziels", "z_kinderarmut_s",
               checks=(pa.Check.str_matches(_ID_RE, error="Kennung nur a–z, 0–9, _"),),
               unique=True),
        Column("ziel", "str", "Was soll bewirkt werden?", "Weniger Kinder im SGB-II-Bezug"),
        Column("massnahmen", "str", "Was muss dafür getan werden? (durch „|“ getrennt)",
               "Familienbüro|Sprachkita"),
        Column(FIELD, "str", "Handlungsfeld (Kennung aus handlungsfelder in "
               "config/report.yaml)", "kinder",
               checks=(pa.Check.str_matches(_ID_RE, error="Kennung nur a–z, 0–9, _"),)),
        Column("gebiet", "str", "Sozialraum-Kennung oder AGS, auf die sich das Ziel bezieht",
               "S 1"),
        Column(INDICATOR, "str", "Woran ist Veränderung erkennbar? Indikator aus dem Katalog",
               "sgb2_u15"),
        Column("basisjahr", "int", "Ausgangsjahr", "2016"),
        Column("zielwert", "float", "Zielwert des Indikators", "25.0"),
        Column("zieljahr", "int", "Zieljahr", "2025"),
    ),
    key=("ziel_id",),
    optional=True,
)

TABLE_FILES: tuple[InputFile, ...] = (
    KOMMUNEN, SOZIALRAEUME, VARIABLEN, INDIKATOREN, ZAEHLUNGEN, ZAEHLUNGEN_KOMMUNE,
    PRIORITAETEN, ANGEBOTE, WIRKUNGSZIELE,
)

GEOMETRY_FILE = "geometrie.geojson"
# internal CRS of a data set without any usable area (documented default); otherwise the
# ETRS89 / UTM zone of the data's centre is used (analysis.contract.geo.local_crs)
GEOMETRY_CRS = "EPSG:25832"
GEOMETRY_PROPERTY = AREA
# optional top-level member of the GeoJSON: credit / source line printed under every map
# (e.g. the licence note of the base geometry); at most GEOMETRY_CREDIT_MAX characters
GEOMETRY_CREDIT = "quellenangabe"
GEOMETRY_CREDIT_MAX = 500
NOTES_DIR = "befunde"
NOTE_FIELDS = {
    "titel": "Überschrift des Befunds",
    "sozialraum": "Kennung(en) der betroffenen Sozialräume, durch „|“ getrennt (optional)",
    "ags": "AGS der Kommune (optional, wenn sozialraum fehlt)",
    "handlungsfeld": "Handlungsfeld",
    "datum": "Datum (JJJJ-MM-TT)",
    "quelle": ("Art: Sozialraumkonferenz, Fachgespräch, Befragung, Beteiligungsformat, Werkstatt, "
               "Runder Tisch, Arbeitskreis, Lenkungskreis, Steuerungsgremium"),
}


def pandera_schema(spec: InputFile):
    """Build the pandera schema of one input file from the contract."""
    import pandera.pandas as pa

    dtypes = {"str": str, "int": "Int64", "float": float}
    cols = {
        c.name: pa.Column(
            dtypes[c.dtype],
            checks=[ch.to_pandera() for ch in c.checks],
            nullable=c.nullable,
            unique=False,  # duplicates are reported by the validator with both rows
            coerce=True,
            required=c.required,
        )
        for c in spec.columns
    }
    return pa.DataFrameSchema(cols, strict=False, coerce=True)
