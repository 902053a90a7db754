"""Synthetic planning inputs of the demo data: priorities, services, impact goals, notes.

SYNTHETIC DEMO DATA. Priorities reproduce the council paper's counts (poverty of
older people 8 Kommunen, needs of older people 6, education chances 5, child
poverty 6, employment of families 4), but which Kommune named which theme is invented
(the reports say so). Services, goals and notes are invented; notes and goals name
areas by code, never by a real neighbourhood name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.common.ids import natural_sorted
from analysis.contract import schema as S

PRIORITIES = {
    "armut_aeltere": ["05334002", "05334004", "05334008", "05334012", "05334016", "05334028",
                      "05334032", "05334036"],
    "bedarfe_aeltere": ["05334016", "05334020", "05334024", "05334028", "05334032", "05334036"],
    "bildungschancen": ["05334002", "05334004", "05334008", "05334012", "05334032"],
    "kinderarmut": ["05334002", "05334004", "05334008", "05334012", "05334032", "05334036"],
    "erwerbsbeteiligung": ["05334004", "05334012", "05334016", "05334032"],
}
REASONS = {
    "armut_aeltere": "Steigende Zahl Älterer mit Grundsicherung, vor allem in den Ortskernen",
    "bedarfe_aeltere": "Ausgedünnte Nahversorgung und Mobilitätsangebote in den Ortsteilen",
    "bildungschancen": "Hoher Sprachförderbedarf bei der Schuleingangsuntersuchung",
    "kinderarmut": "Hoher Anteil von Kindern in Bedarfsgemeinschaften",
    "erwerbsbeteiligung": "Viele Bedarfsgemeinschaften mit Kindern ohne Erwerbseinkommen",
}
# Who runs youth welfare (Jugendamt) where: the StädteRegion's own youth office only for
# these three Kommunen, the other seven have their own (shared/reference/README.md).
STAEDTEREGION_JUGENDAMT = ("05334020", "05334024", "05334028")
GEMEINDEN = ("05334024", "05334028")  # the others are Städte
EIFEL = STAEDTEREGION_JUGENDAMT  # small Kommunen served together by regional offices
FREE = ["Caritasverband", "Diakonisches Werk", "AWO Kreisverband", "DRK Kreisverband",
        "Der Paritätische"]
NETWORKS = {"kinder": "Netzwerk Frühe Hilfen", "aeltere": "Netzwerk Älter werden im Quartier",
            "armut": "Netzwerk Armutsprävention", "integration": "Kommunales Integrationszentrum",
            "inklusion": "Netzwerk Inklusion"}
LETTERS = {"armut": "P", "aeltere": "O", "kinder": "K", "integration": "I"}

# Kinds of service: id -> (field, typ, zielgruppe, kettenstufe, name pattern, provider).
# Provider: "jugendamt" (the Kommune's own or the StädteRegion's Jugendamt, see above),
# "kommune", "sozialamt", "frei" (a free welfare association), "kita" (free or municipal),
# "jobcenter", "staedteregion", "ki" (the StädteRegion's integration centre), "lebenshilfe",
# "buergerbus". Type, provider and target group are chosen to fit together.
KINDS = {
    "kita": ("kinder", "Kita", "Kinder im Kita-Alter und ihre Eltern", "kita",
             "Kita {s}", "kita"),
    "familienzentrum": ("kinder", "Familienzentrum", "Familien mit Kindern", "kita",
                        "Familienzentrum {s}", "kita"),
    "ogs": ("kinder", "Offene Ganztagsschule", "Grundschulkinder", "grundschule",
            "Offener Ganztag Grundschule {s}", "frei"),
    "fruehe_hilfen": ("kinder", "Frühe Hilfen", "Familien mit Kindern unter 3 Jahren",
                      "fruehe_hilfen", "Frühe Hilfen {k}", "jugendamt"),
    "jugendtreff": ("kinder", "Offene Kinder- und Jugendarbeit", "Jugendliche",
                    "weiterfuehrende_schule", "Jugendtreff {s}", "frei"),
    "schulsozialarbeit": ("kinder", "Schulsozialarbeit", "Schülerinnen und Schüler",
                          "weiterfuehrende_schule", "Schulsozialarbeit {k}", "jugendamt"),
    "jugendberufshilfe": ("kinder", "Jugendberufshilfe",
                          "Jugendliche im Übergang von der Schule in den Beruf",
                          "uebergang_beruf", "Jugendberufshilfe {k}", "frei"),
    "schuldnerberatung": ("armut", "Schuldnerberatung", "Überschuldete Haushalte",
                          "erwerbsleben", "Schuldner- und Insolvenzberatung {k}", "frei"),
    "erwerbslosenberatung": ("armut", "Erwerbslosenberatung", "Erwerbslose",
                             "erwerbsleben", "Erwerbslosenberatung {k}", "frei"),
    "coaching": ("armut", "Beschäftigungsförderung", "Langzeitarbeitslose",
                 "erwerbsleben", "Coaching für Bedarfsgemeinschaften {k}", "jobcenter"),
    "quartier": ("armut", "Quartiersmanagement", "Bewohnerinnen und Bewohner des Quartiers",
                 "erwerbsleben", "Quartiersbüro {k}, {s}", "kommune"),
    "ausbildung": ("armut", "Beschäftigungsförderung", "Junge Erwachsene ohne Ausbildung",
                   "uebergang_beruf", "Ausbildungsprojekt {k}", "jobcenter"),
    "sozialberatung_alter": ("armut", "Sozialberatung", "Ältere mit geringem Einkommen",
                             "alter", "Antragshilfe Grundsicherung {k}", "sozialamt"),
    "seniorenberatung": ("aeltere", "Seniorenberatung", "Ältere und Angehörige", "alter",
                         "Seniorenberatung {k}", "kommune"),
    "begegnung": ("aeltere", "Begegnungsstätte", "Ältere", "alter",
                  "Seniorentreff {s}", "frei"),
    "pflegeberatung": ("aeltere", "Pflege- und Wohnberatung", "Pflegebedürftige und Angehörige",
                       "alter", "Pflege- und Wohnberatung {k}", "staedteregion"),
    "buergerbus": ("aeltere", "Mobilität", "Ältere und Menschen ohne Auto", "alter",
                   "Bürgerbus {k}", "buergerbus"),
    "sprachkita": ("integration", "Sprachförderung", "Kinder mit Sprachförderbedarf", "kita",
                   "Sprach-Kita {s}", "kita"),
    "rucksack": ("integration", "Elternbildung", "Zugewanderte Eltern von Grundschulkindern",
                 "grundschule", "Rucksack Schule {k}", "ki"),
    "jmd": ("integration", "Migrationsberatung", "Junge Zugewanderte (12 bis 27 Jahre)",
            "uebergang_beruf", "Jugendmigrationsdienst {k}", "frei"),
    "mbe": ("integration", "Migrationsberatung", "Zugewanderte Erwachsene", "erwerbsleben",
            "Migrationsberatung für Erwachsene {k}", "frei"),
    "integrationsagentur": ("integration", "Integrationsagentur", "Zugewanderte",
                            "erwerbsleben", "Integrationsagentur {k}", "frei"),
    "eutb": ("inklusion", "Teilhabeberatung", "Menschen mit Behinderung und Angehörige",
             "erwerbsleben", "Ergänzende unabhängige Teilhabeberatung {k}", "lebenshilfe"),
    "fruehfoerderung": ("inklusion", "Frühförderung", "Kinder mit Behinderung und ihre Eltern",
                        "fruehe_hilfen", "Frühförderstelle {k}", "lebenshilfe"),
    "fud": ("inklusion", "Familienunterstützender Dienst",
            "Menschen mit Behinderung und ihre Familien", "erwerbsleben",
            "Offene Hilfen {k}", "lebenshilfe"),
}

# How many services of a kind a Kommune has: (target-group variable, services per 1.000 of
# the target group, minimum per Kommune, field whose need attracts them or None). The
# expected number gets multiplicative noise (sd NOISE on the log scale) and is spread over
# the Kommune's areas in proportion to the target group there, areas with need in the
# field weighted NEED_WEIGHT-fold (D'Hondt).
PER_1000 = {
    "kita": ("bev_u15", 1.0, 1, None),
    "ogs": ("bev_u15", 0.6, 1, None),
    "familienzentrum": ("bev_u15", 0.25, 1, "kinder"),
    "jugendtreff": ("bev_u15", 0.25, 1, "kinder"),
    "sprachkita": ("nichtdeutsche", 0.5, 1, "integration"),
    "integrationsagentur": ("nichtdeutsche", 0.1, 0, "integration"),
    "schuldnerberatung": ("mindestsicherung", 0.15, 1, "armut"),
    "erwerbslosenberatung": ("arbeitslose", 0.6, 0, "armut"),
    "coaching": ("sgb2", 0.15, 0, "armut"),
    "seniorenberatung": ("bev_65plus", 0.2, 1, "aeltere"),
    "begegnung": ("bev_65plus", 0.35, 1, "aeltere"),
    "pflegeberatung": ("bev_65plus", 0.06, 1, None),
    "fud": ("schwerbehinderte", 0.2, 1, None),
}
NOISE = 0.2
NEED_WEIGHT = 3.0
# kinds that reach out into one neighbouring area of the same Kommune: the neighbour with
# the largest target group among those without a service of the kind of their own and not
# reached by another one yet (none left: no outreach) – never simply the first by code
OUTREACH = ("seniorenberatung", "integrationsagentur", "erwerbslosenberatung", "coaching")
# the Jugendberufshilfe office reaches from the centre into the neighbour with most children
YOUTH = "bev_u15"
# generic street names for the services of a neighbourhood (no real address)
STREETS = (
    "Ahornweg", "Akazienweg", "Am Anger", "Am Bach", "Am Bahnhof", "Am Brunnen",
    "Am Friedhof", "Am Hang", "Am Kirchberg", "Am Markt", "Am Mühlenbach", "Am Park",
    "Am Rathaus", "Am Sportplatz", "Am Steinbruch", "Am Weiher", "Amselweg", "An der Burg",
    "An der Kapelle", "An der Linde", "An der Schule", "Auf dem Berg", "Bachstraße",
    "Bahnhofstraße", "Berliner Straße", "Birkenweg", "Blumenstraße", "Brückenstraße",
    "Buchenweg", "Burgstraße", "Dorfstraße", "Drosselweg", "Eichendorffstraße", "Eichenweg",
    "Elisabethstraße", "Erlenweg", "Fasanenweg", "Feldstraße", "Finkenweg", "Fliederweg",
    "Friedenstraße", "Friedhofstraße", "Gartenstraße", "Goethestraße", "Grabenstraße",
    "Hauptstraße", "Heidestraße", "Heinestraße", "Hochstraße", "Hofstraße", "Holunderweg",
    "Im Winkel", "In den Gärten", "Jahnstraße", "Kastanienallee", "Kirchgasse",
    "Kirchstraße", "Kirschenweg", "Klosterstraße", "Kolpingstraße", "Lerchenweg",
    "Lessingstraße", "Lindenstraße", "Lindenplatz", "Marienstraße", "Marktplatz",
    "Meisenweg", "Mittelstraße", "Mozartstraße", "Mühlenstraße", "Mühlenweg", "Neue Straße",
    "Nordstraße", "Nussbaumweg", "Parkstraße", "Pestalozzistraße", "Poststraße",
    "Rathausplatz", "Ringstraße", "Rosenstraße", "Rosenweg", "Schillerstraße",
    "Schlossstraße", "Schulstraße", "Schulweg", "Sonnenweg", "Südstraße", "Tannenweg",
    "Talstraße", "Uhlandstraße", "Ulmenweg", "Wallstraße", "Waldstraße", "Weiherstraße",
    "Weidenweg", "Wiesenstraße", "Wiesenweg", "Wilhelmstraße", "Zum Sportplatz",
    "Zur Mühle", "Am Dorfplatz", "Am Eichenhain", "Am Feldrain", "Am Gericht",
    "Am Hohen Weg", "Am Kreuz", "Am Lindenhof", "Am Schlossberg", "Am Wasserturm",
    "An der Mühle", "Auf der Heide", "Beethovenstraße", "Bergstraße", "Blumenweg",
    "Brunnenstraße", "Dahlienweg", "Eschenweg", "Gerberstraße", "Glockengasse",
    "Hubertusstraße", "Kapellenweg", "Kreuzstraße", "Lärchenweg", "Ludwigstraße",
    "Luisenstraße", "Martinstraße", "Nelkenweg", "Querstraße", "Quellenweg",
    "Richard-Wagner-Straße", "Rotdornweg", "Sankt-Josef-Straße", "Schubertstraße",
    "Schützenstraße", "Sebastianusstraße", "Steinstraße", "Tulpenweg", "Veilchenweg",
    "Weberstraße", "Wendelinusstraße", "Ziegeleiweg",
)

# Outreach that is planned, not running (note 2022-02-08, goal z_grusi_stolberg): kind →
# areas no service of the kind reaches into yet
PLANNED_OUTREACH = {"seniorenberatung": ("S 10", "S 12")}
_PLANNED_SEN = " und ".join(PLANNED_OUTREACH["seniorenberatung"])

NOTES = [
    ("2021-05-17_s1_alleinerziehende.md", "S 1|S 2", None, "kinder", "2021-05-17",
     "Sozialraumkonferenz", "Alleinerziehende finden keine Randzeiten-Betreuung",
     "In der Sozialraumkonferenz für die Stolberger Sozialräume S 1 und S 2 berichteten "
     "Fachkräfte der Kitas und "
     "des Jobcenters, dass Alleinerziehende Arbeitsangebote mit Schichtbeginn vor 7 Uhr nicht "
     "annehmen können, weil es keine Betreuung in Randzeiten gibt. Vorgeschlagen wurde ein "
     "gemeinsames Modellprojekt mit zwei Familienzentren."),
    ("2021-06-02_e_innenstadt.md", "E 1|E 2", None, "armut", "2021-06-02", "Fachgespräch",
     "Verdeckte Armut in den Eschweiler Sozialräumen E 1 und E 2",
     "Die Schuldnerberatung beobachtet in den Sozialräumen E 1 und E 2 eine wachsende Zahl "
     "von Haushalten, die knapp über der Grundsicherungsgrenze leben und keine Leistungen "
     "beantragen. Die Beratungsangebote sind vor Ort kaum bekannt."),
    ("2021-09-14_eifel_mobilitaet.md", "M 1|M 2|SI 2", None, "aeltere", "2021-09-14",
     "Sozialraumkonferenz", "Mobilität Älterer in der Eifel",
     "Ältere Menschen in den Eifelorten sind ohne eigenes Auto von Arztbesuchen und Einkauf "
     "weitgehend abgeschnitten. Der Bürgerbus fährt nur an zwei Tagen; gewünscht wird ein "
     "Rufbus mit Begleitung."),
    ("2021-10-05_alsdorf_sprachfoerderung.md", "A 1a|A 2b", None, "integration", "2021-10-05",
     "Fachgespräch", "Sprachförderung vor der Einschulung",
     "Grundschulen in den Alsdorfer Sozialräumen A 1a und A 2b melden, dass viele neu zugewanderte "
     "Kinder ohne Kita-Erfahrung eingeschult werden. Brückenangebote vor der Einschulung "
     "fehlen."),
    ("2021-11-11_aachen_ost.md", "AC 3", None, "kinder", "2021-11-11", "Befragung",
     "Elternbefragung im Sozialraum AC 3",
     "In einer Befragung von 212 Eltern nannten zwei Drittel zu wenige Plätze im Offenen "
     "Ganztag und lange Wartezeiten auf Kinderärzte als größte Belastung."),
    ("2022-02-08_lenkungskreis_aeltere.md", None, "05334032", "aeltere", "2022-02-08",
     "Lenkungskreis", "Altersarmut als Schwerpunkt in Stolberg",
     "Der Lenkungskreis bestätigt Altersarmut als Schwerpunkt der Stadt Stolberg. Die "
     f"Seniorenberatung soll aufsuchend in den Sozialräumen {_PLANNED_SEN} tätig werden."),
    ("2022-03-22_setterich.md", "B 3a", None, "armut", "2022-03-22", "Sozialraumkonferenz",
     "Quartiersarbeit im Sozialraum B 3a",
     "Das Quartiersbüro im Sozialraum B 3a erreicht viele Familien; nach Auslaufen der "
     "Städtebauförderung ist die Finanzierung ab 2023 offen."),
    ("2022-04-06_inklusion_wohnen.md", None, "05334002", "inklusion", "2022-04-06",
     "Fachgespräch", "Barrierefreier Wohnraum fehlt",
     "Beratungsstellen berichten, dass Menschen mit Behinderung in Aachen kaum bezahlbaren "
     "barrierefreien Wohnraum finden; Umzüge in Einrichtungen sind die Folge."),
]

# Impact goals: (id, goal, measures, field, area or AGS, indicator, target factor). A
# measure is (text, kind): with a kind, the inventory has a service of that kind for the
# goal's area (or Kommune) – ``services`` adds one, started after the base year, where the
# generator placed none; without a kind the measure is not running yet and its text says
# „(geplant …)“, in line with the notes (review 3, #8).
GOALS = [
    ("z_kinderarmut_s1", "Weniger Kinder im Sozialraum S 1 (Stolberg) leben von SGB II",
     (("Familienzentrum im Quartier", "familienzentrum"),
      ("Randzeitenbetreuung für Alleinerziehende (geplant als Modellprojekt zweier "
       "Familienzentren)", None)),
     "kinder", "S 1", "sgb2_u15", 0.85),
    ("z_sprachfoerderung_a1a", "Mehr Kinder im Sozialraum A 1a (Alsdorf) starten ohne "
     "Sprachförderbedarf in die Schule",
     (("Sprach-Kita", "sprachkita"),
      ("Brückenprojekt vor der Einschulung (geplant ab dem Schuljahr 2022/23)", None)),
     "kinder", "A 1a", "sprachfoerderbedarf", 0.85),
    ("z_grusi_stolberg", "Verdeckte Altersarmut in Stolberg abbauen: mehr Ältere erhalten die "
     "Grundsicherung, die ihnen zusteht",
     (("Antragshilfe Grundsicherung", "sozialberatung_alter"),
      (f"Aufsuchende Seniorenberatung in {_PLANNED_SEN} (geplant)", None)),
     "aeltere", "05334032", "grusi_alter", 1.1),
    ("z_langzeit_eschweiler", "Geringerer Anteil Langzeitarbeitsloser unter den Arbeitslosen "
     "im Sozialraum E 1 (Eschweiler)",
     (("Erwerbslosenberatung", "erwerbslosenberatung"),
      ("Coaching für Bedarfsgemeinschaften", "coaching")),
     "armut", "E 1", "langzeitarbeitslose", 0.9),
    ("z_mindestsicherung_ac3", "Mindestsicherungsquote im Sozialraum AC 3 (Aachen) senken",
     (("Quartiersmanagement", "quartier"), ("Ausbildungsprojekt", "ausbildung")),
     "armut", "AC 3", "mindestsicherung", 0.9),
    ("z_sgb2_nichtdeutsche_b3a", "Weniger nichtdeutsche Einwohner im Sozialraum B 3a "
     "(Baesweiler) sind auf SGB II angewiesen",
     (("Migrationsberatung für Erwachsene", "mbe"),
      ("Sprachkurse mit Kinderbetreuung (geplant)", None)),
     "integration", "B 3a", "sgb2_nichtdeutsche", 0.9),
]
#: (kind, area code or AGS) each goal needs in the inventory
GOAL_SERVICES = tuple((kind, g[4]) for g in GOALS for _, kind in g[2] if kind)
BASE_YEAR = 2016  # base year of the goals


def _csv(df: pd.DataFrame, path: Path) -> None:
    path.write_text(df.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


TYPE_RANK = {"zentrum": 0, "stadt": 1, "vorort": 2, "dorf": 3, "weiler": 4}


def _allocate(n: int, population: dict[str, int]) -> dict[str, int]:
    """``n`` facilities spread over areas in proportion to population (D'Hondt: each next
    one goes to the area with the most residents per facility; ties in given order)."""
    got = dict.fromkeys(population, 0)
    for _ in range(n):
        best = max(population, key=lambda c: population[c] / (got[c] + 1))
        got[best] += 1
    return got


def _provider(kind: str, ags: str, kommune: str, rng: np.random.Generator) -> str:
    """The Träger of a service of ``kind`` in Kommune ``ags`` (see KINDS)."""
    rule = KINDS[kind][5]
    body = "Gemeinde" if ags in GEMEINDEN else "Stadt"
    if rule == "jugendamt":
        return ("StädteRegion Aachen, Jugendamt" if ags in STAEDTEREGION_JUGENDAMT
                else f"{body} {kommune}, Jugendamt")
    if rule == "kommune":
        return f"{body} {kommune}"
    if rule == "sozialamt":
        return f"{body} {kommune}, Sozialamt"
    if rule == "kita":
        choice = [*FREE[:4], "Katholische Kirchengemeinde", "Elterninitiative e. V."]
        if ags not in STAEDTEREGION_JUGENDAMT:  # municipal Kitas where the Kommune is the Jugendamt
            choice.append(f"{body} {kommune}, Jugendamt")
        return choice[int(rng.integers(len(choice)))]
    if rule == "jobcenter":
        return "Jobcenter StädteRegion Aachen"
    if rule == "staedteregion":
        return "StädteRegion Aachen"
    if rule == "ki":
        return (f"{body} {kommune}, Kommunales Integrationszentrum" if ags == "05334002"
                else "StädteRegion Aachen, Kommunales Integrationszentrum")
    if rule == "lebenshilfe":
        return ["Lebenshilfe e. V.", "Der Paritätische"][int(rng.integers(2))]
    if rule == "buergerbus":
        return f"Bürgerbusverein {kommune} e. V."
    return FREE[int(rng.integers(len(FREE)))]


def _reach(home: str, group: dict[str, int], neighbours: dict[str, set[str]],
           taken: set[str]) -> list[str]:
    """``home`` and the neighbour in ``group`` (the Kommune's areas → target group) with the
    largest target group that is not in ``taken`` (ties: natural code order); just
    ``home`` when no such neighbour is left."""
    free = [n for n in natural_sorted(neighbours.get(home, ())) if n in group and n not in taken]
    return [home, max(free, key=lambda n: group[n])] if free else [home]


def services(areas: pd.DataFrame, target: dict[str, dict[str, int]],
             neighbours: dict[str, set[str]], kommunen: dict[str, str],
             seed: int = 7, required: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
    """A plausible services inventory of the synthetic region.

    * The number of services of a kind follows its target group (``PER_1000``: services
      per 1.000 of the target group, with noise, at least the minimum per Kommune – every
      Kommune has Kitas and Grundschulen with Offener Ganztag); they are spread over the
      Kommune's areas in proportion to the target group there, areas with need in the
      field weighted more. ``target``: variable → area code → count (report year).
    * Offices of a Kommune sit in its most central area; Frühe Hilfen, Schulsozialarbeit
      and the Teilhabeberatung serve the whole Kommune (*kommunenweit*); the three small
      Eifel Kommunen share regional offices in Simmerath.
    * The Träger fits the service: youth welfare by the Kommune's own Jugendamt, in
      Monschau, Roetgen and Simmerath by the StädteRegion's; employment support by the
      Jobcenter; counselling by free welfare associations.
    * Names are unique: neighbourhood services carry a generic street name, offices the
      Kommune's name (and a street where a Kommune has more than one).
    * Outreach (``OUTREACH``, the Jugendberufshilfe) serves one adjacent area of the same
      Kommune, chosen by its target group (:func:`_reach`).
    * ``required``: (kind, area code or AGS) pairs – the impact goals' measures. Where no
      service of the kind serves the area (any area of the Kommune), one is added there
      (in the Kommune's centre), started after the goals' base year.
    """
    rng = np.random.default_rng(seed)
    rows: list[dict] = []
    kinds: list[str] = []  # the kind of each row
    streets: dict[str, list[str]] = {}  # kind → street names not used yet

    def street(kind: str) -> str:
        pool = streets.setdefault(kind, list(STREETS))
        return pool.pop(int(rng.integers(len(pool))))

    def add(kind: str, name: str, served: list[str], ags: str, ended: bool = False,
            since: tuple[int, int] = (2005, 2021)) -> None:
        field, typ, group, stage, _, _ = KINDS[kind]
        start = int(rng.integers(*since))
        until = ""
        if ended:  # an offer that ran out before the report year
            start = int(rng.integers(2008, 2015))
            until = str(start + int(rng.integers(3, 6)))
        rows.append({
            "name": name, "traeger": _provider(kind, ags, kommunen[ags], rng), "typ": typ,
            "zielgruppe": group, S.FIELD: field, "kettenstufe": stage,
            "sozialraeume": "|".join(served), "seit": start, "bis": until,
            "netzwerk": NETWORKS[field] if rng.uniform() < 0.5 else "",
        })
        kinds.append(kind)

    def office(kind: str, kommune: str) -> str:
        return KINDS[kind][4].format(k=kommune, s="", n=kommune)

    def need(a: pd.Series, field: str | None) -> bool:
        return field in LETTERS and LETTERS[field] in a["design"]

    eifel_areas = list(areas.loc[areas[S.AGS].isin(EIFEL), S.AREA])
    centre: dict[str, str] = {}
    for ags in sorted(kommunen):
        sub = areas[areas[S.AGS] == ags]
        k = kommunen[ags]
        kpop = sum(target["bev_gesamt"][c] for c in sub[S.AREA])
        order = sub.assign(_r=sub["typ"].map(TYPE_RANK),
                           _p=[-target["bev_gesamt"][c] for c in sub[S.AREA]])
        order = order.sort_values(["_r", "_p"], kind="stable")
        c = centre[ags] = order.iloc[0][S.AREA]
        all_codes = list(sub[S.AREA])
        wide_ok = len(all_codes) >= 3  # outreach into a neighbour is still local there

        # neighbourhood services: number from the target group, spread by need
        for kind, (var, rate, minimum, field) in PER_1000.items():
            if kind == "pflegeberatung" and ags in EIFEL:
                continue  # one regional office for the Eifel below
            group = {a: target[var][a] for a in all_codes}
            expected = rate * sum(group.values()) / 1000 * float(np.exp(rng.normal(0, NOISE)))
            wanted = max(minimum, round(expected))
            if kind in ("integrationsagentur", "coaching", "erwerbslosenberatung") and any(
                    need(a, field) for _, a in sub.iterrows()):
                wanted = max(wanted, 1)
            weight = {a: group[a] * (NEED_WEIGHT if need(r, field) else 1.0)
                      for a, r in zip(sub[S.AREA], sub.to_dict("records"), strict=True)}
            got = _allocate(wanted, weight)
            per_kommune = sum(got.values())
            # own service, reached already or planned (PLANNED_OUTREACH)
            taken = {a for a in all_codes if got[a]} | set(PLANNED_OUTREACH.get(kind, ()))
            for a in all_codes:
                for _ in range(got[a]):
                    pattern = KINDS[kind][4]
                    if "{s}" in pattern:
                        name = pattern.format(s=street(kind))
                    elif per_kommune == 1:
                        name = office(kind, k)
                    else:
                        name = f"{office(kind, k)}, {street(kind)}"
                    served = [a]
                    if kind in OUTREACH and wide_ok:
                        served = _reach(a, group, neighbours, taken)
                        taken.update(served)
                    add(kind, name, served, ags,
                        ended=kind == "begegnung" and rng.uniform() < 0.06)
        for _, a in sub.iterrows():
            if need(a, "armut") and a["typ"] in ("zentrum", "stadt"):
                add("quartier", KINDS["quartier"][4].format(k=k, s=street("quartier")),
                    [a[S.AREA]], ags)
        # offices of the Kommune: for all its areas, or in its centre
        if ags not in STAEDTEREGION_JUGENDAMT:
            add("fruehe_hilfen", office("fruehe_hilfen", k), all_codes, ags)
            youth = {a: target[YOUTH][a] for a in all_codes}
            add("jugendberufshilfe", office("jugendberufshilfe", k),
                _reach(c, youth, neighbours, {c}) if wide_ok else [c], ags)
        add("schulsozialarbeit", office("schulsozialarbeit", k), all_codes, ags)
        add("sozialberatung_alter", office("sozialberatung_alter", k), [c], ags)
        if kpop >= 25_000:
            add("ausbildung", office("ausbildung", k), [c], ags)
            add("jmd", office("jmd", k), [c], ags)
            add("mbe", office("mbe", k), [c], ags)
            add("eutb", office("eutb", k), all_codes, ags)
        if kpop >= 45_000:
            add("fruehfoerderung", office("fruehfoerderung", k), [c], ags)
        if ags in ("05334008", "05334032", *EIFEL):
            others = [x for x in all_codes if x != c] or all_codes
            add("buergerbus", office("buergerbus", k), others, ags)
        integ = [a[S.AREA] for _, a in sub.iterrows() if need(a, "integration")]
        if integ or kpop >= 30_000:
            add("rucksack", office("rucksack", k), integ or [c], ags)
    # regional offices for the three Eifel Kommunen, in Simmerath (StädteRegion Jugendamt)
    si = areas[areas[S.AGS] == EIFEL[2]].iloc[0]
    eifel = "Eifel"
    add("fruehe_hilfen", "Familienbüro Simmerath (Frühe Hilfen Eifel)", eifel_areas, si[S.AGS])
    add("jugendberufshilfe", office("jugendberufshilfe", eifel),
        [x for x in eifel_areas if not x.startswith("R ")], si[S.AGS])
    add("pflegeberatung", office("pflegeberatung", eifel), [si[S.AREA]], si[S.AGS])
    add("mbe", office("mbe", eifel), eifel_areas, si[S.AGS])
    add("eutb", office("eutb", eifel), eifel_areas, si[S.AGS])
    add("ausbildung", office("ausbildung", eifel), eifel_areas, si[S.AGS])
    # the impact goals' measures: a service of the kind where the goal is (see GOALS)
    ags_of = dict(zip(areas[S.AREA], areas[S.AGS], strict=True))
    names = {r["name"] for r in rows}
    for kind, place in required:
        ags = place if place in kommunen else ags_of[place]
        inside = set(areas.loc[areas[S.AGS] == ags, S.AREA]) if place in kommunen else {place}
        if any(kd == kind and inside & set(r["sozialraeume"].split("|"))
               for kd, r in zip(kinds, rows, strict=True)):
            continue
        home = centre[ags] if place in kommunen else place
        pattern = KINDS[kind][4]
        name = (pattern.format(k=kommunen[ags], s=street(kind)) if "{s}" in pattern
                else office(kind, kommunen[ags]))
        if name in names:
            name = f"{name}, {street(kind)}"
        names.add(name)
        add(kind, name, [home], ags, since=(BASE_YEAR + 1, 2021))
    df = pd.DataFrame(rows)
    dup = df.loc[df["name"].duplicated(), "name"]
    if not dup.empty:  # pragma: no cover - the street pools are large enough
        raise RuntimeError(f"Demo-Angebote: doppelte Namen {sorted(set(dup))}")
    df.insert(0, "angebot", [f"ang_{i:03d}" for i in range(1, len(df) + 1)])
    return df


def write_planning(out: Path, areas: pd.DataFrame, counts: pd.DataFrame,
                   catalogue: pd.DataFrame, neighbours: dict[str, set[str]],
                   kommunen: dict[str, str]) -> None:
    """Write prioritaeten.csv, angebote.csv, wirkungsziele.csv and befunde/*.md."""
    pri = pd.DataFrame([(ags, theme, REASONS[theme]) for theme, agss in PRIORITIES.items()
                        for ags in agss], columns=[S.AGS, "thema", "begruendung"])
    _csv(pri.sort_values([S.AGS, "thema"]), out / "prioritaeten.csv")
    now = counts[counts[S.YEAR] == counts[S.YEAR].max()]
    target = {v: dict(zip(g[S.AREA], g[S.COUNT].astype(int), strict=True))
              for v, g in now.groupby(S.VARIABLE)}
    _csv(services(areas, target, neighbours, kommunen, required=GOAL_SERVICES),
         out / "angebote.csv")
    cat = catalogue.set_index(S.INDICATOR)
    rows = []
    for gid, goal, measures, field, area, ind, factor in GOALS:
        num, den = cat.loc[ind, S.NUMERATOR], cat.loc[ind, S.DENOMINATOR]
        key = S.AGS if area in kommunen else S.AREA
        sel = counts[(counts[key] == area) & (counts[S.YEAR] == BASE_YEAR)]
        c = sel.groupby(S.VARIABLE)[S.COUNT].sum()
        base = c[num] / c[den] * float(cat.loc[ind, "skala"])
        rows.append({"ziel_id": gid, "ziel": goal,
                     "massnahmen": "|".join(text for text, _ in measures), S.FIELD: field,
                     "gebiet": area, S.INDICATOR: ind, "basisjahr": BASE_YEAR,
                     "zielwert": round(base * factor, 1), "zieljahr": 2025})
    _csv(pd.DataFrame(rows), out / "wirkungsziele.csv")
    notes = out / S.NOTES_DIR
    notes.mkdir(exist_ok=True)
    for fname, area, ags, field, date, source, title, text in NOTES:
        head = ["---", f"titel: \"{title}\""]
        if area:
            head.append(f"sozialraum: \"{area}\"")
        if ags:
            head.append(f"ags: \"{ags}\"")
        head += [f"handlungsfeld: {field}", f"datum: {date}", f"quelle: {source}", "---", ""]
        (notes / fname).write_text("\n".join(head) + "Synthetischer Demo-Befund. " + text + "\n",
                                   encoding="utf-8")
