"""Seeded generator of the synthetic demo data set for the StädteRegion Aachen.

SYNTHETIC DEMO DATA – NOT OFFICIAL FIGURES. Public facts used: the 10 member
municipalities (AGS, population 31.12.2021 as in ``shared/reference``), the 93
Sozialraum codes and the nine published Alsdorf area names. Everything else
(area names marked ``name_belegt = nein``, populations of areas, all counts,
shapes) is invented, but shaped to look like the real region: poverty
concentrated in the urban centres (Aachen-Ost, Stolberg-Unterstolberg,
Eschweiler-Innenstadt, Alsdorf-Mitte, Setterich), ageing in the suburban and
rural areas (Venwegen, the Eifel south).

How the data are made
---------------------
Each area gets, per field of action, a latent need score. The *planning design*
below says which areas the synthetic world gives a marked need in which field
(the council paper's pattern: 15 areas in 5 Kommunen for poverty, 43 in 9 for
older people, 37 in 7 for children, 12 in 5 for integration; 59 of 93 overall).
Rates follow from the latent scores with fixed multiplicative noise, counts are
rates × population. A calibration loop then runs the project's *own default
method* on the generated counts and nudges the latent scores of areas whose
classification deviates from the design, until the method recovers it. No result
is written anywhere: the counts are the only output, and the test suite re-runs
the method on the committed files.

Geometry is schematic: a hand-drawn grid map of the 10 municipalities (2 km
cells, split into 1 km cells) with their real neighbours, each municipality's
cells grown into its Sozialräume from seeds. It is not the real map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import box, mapping
from shapely.ops import unary_union

from . import schema as S

SEED = 20211231
YEARS = list(range(2016, 2022))
REPORT_YEAR = 2021
DEMO_NOTICE = ("SYNTHETISCHE DEMODATEN – keine amtlichen Zahlen. Erzeugt mit "
               "`python -m analysis demo`; siehe data/README.md.\n")

MUNICIPALITIES = [
    # ags, name, population 31.12.2021 (Baesweiler: 31.12.2023), letter on the grid map
    ("05334002", "Aachen", 249070, "C"),
    ("05334004", "Alsdorf", 47678, "L"),
    ("05334008", "Baesweiler", 28005, "B"),
    ("05334012", "Eschweiler", 55784, "E"),
    ("05334016", "Herzogenrath", 46290, "H"),
    ("05334020", "Monschau", 11645, "M"),
    ("05334024", "Roetgen", 8658, "R"),
    ("05334028", "Simmerath", 15614, "I"),
    ("05334032", "Stolberg (Rhld.)", 56103, "S"),
    ("05334036", "Würselen", 38480, "W"),
]

# Schematic map, north at the top; one character = 2 km × 2 km.
GRID_MAP = """\
..HHLLLBB...
.HHHLLLBB...
.HHWWLLLB...
CCCWWWLLL...
CCCCWWEEEE..
CCCCCCEEEEE.
CCCCCCSEEEE.
CCCCCSSSEE..
.CCCCSSSS...
..CCRSSSSS..
..RRRRSSS...
...RRIISS...
....IIIII...
..MMIIIIII..
.MMMMIIIII..
.MMMMMIII...
..MMMMII....
...MMM......
"""
ORIGIN = (283_000, 5_646_000)  # upper-left corner in EPSG:25832

# Area design: code, name, name verified?, settlement type, fields with marked need
# (P armut, O aeltere, K kinder, I integration). Names with "nein" are working names.
AREAS = """\
AC 1|Mitte|nein|zentrum|PKI
AC 2|Nord|nein|zentrum|PKI
AC 3|Ost / Rothe Erde|nein|zentrum|PKI
AC 4|Forst / Driescher Hof|nein|stadt|PKI
AC 5|Burtscheid|nein|stadt|
AC 6|Preuswald|nein|stadt|K
AC 7|Brand|nein|stadt|
AC 8|Eilendorf|nein|stadt|
AC 9|Haaren|nein|stadt|K
AC 10|Kornelimünster / Walheim|nein|vorort|
AC 11|Laurensberg|nein|vorort|
AC 12|Richterich|nein|vorort|
AC 13|Westpark / Hörn|nein|stadt|
AC 14|Südviertel|nein|stadt|
A 1a|Soziale Stadt Alsdorf Mitte|ja|zentrum|PKI
A 1b|Mitte B, Neuweiler|ja|stadt|
A 2a|Ost|ja|stadt|KO
A 2b|Kellersberg|ja|stadt|PKI
A 3|Schaufenberg, Bettendorf|ja|vorort|KO
A 4|Hoengen|ja|vorort|KO
A 5|Mariadorf|ja|vorort|KO
A 6|Warden|ja|vorort|O
A 7|Begau|ja|vorort|
A 8|Ofden|nein|stadt|
A 9|Schleibach|nein|vorort|
A 10|Zopp|nein|vorort|O
A 11a|Busch|nein|vorort|
A 11b|Blumenrath|nein|vorort|
B 1|Baesweiler-Mitte|nein|stadt|KO
B 2|Baesweiler-West|nein|stadt|PK
B 3a|Setterich-Nord|nein|stadt|PKI
B 3b|Setterich-Süd|nein|vorort|K
B 4a|Oidtweiler|nein|dorf|
B 4b|Beggendorf / Floverich|nein|dorf|
B 5|Loverich / Puffendorf|nein|dorf|
E 1|Innenstadt Nordwest|nein|zentrum|PKI
E 2|Innenstadt Süd|nein|zentrum|PKI
E 3|Ost|nein|stadt|PKI
E 4|West|nein|stadt|
E 5|Röthgen|nein|stadt|KO
E 6|Bergrath|nein|stadt|KO
E 7|Dürwiß|nein|vorort|KO
E 8|Kinzweiler|nein|dorf|O
E 9|Weisweiler|nein|vorort|KO
E 10|Hehlrath|nein|dorf|O
E 11|Nothberg|nein|vorort|
E 12|Hastenrath / Scherpenseel|nein|dorf|
E 13|Pumpe-Stich|nein|stadt|
E 14|Neu-Lohn / Fronhoven|nein|dorf|
E 15|St. Jöris / Volkenrath|nein|dorf|
H 1|Herzogenrath-Mitte|nein|zentrum|KO
H 2|Straß|nein|vorort|KO
H 3|Kohlscheid-Mitte|nein|stadt|KO
H 4|Kohlscheid-Nord|nein|vorort|O
H 5|Merkstein-Mitte|nein|stadt|
H 6|Merkstein-Nord|nein|stadt|KO
H 7|Hofstadt|nein|vorort|O
H 8|Noppenberg|nein|vorort|
H 9|Pannesheide|nein|vorort|
H 10|Afden|nein|vorort|
H 11|Worm-Wildnis|nein|dorf|
M 1|Monschau / Imgenbroich|nein|dorf|O
M 2|Höfen / Kalterherberg / Mützenich|nein|dorf|O
R 1|Roetgen|nein|dorf|O
R 2|Rott / Mulartshütte|nein|dorf|O
SI 1|Simmerath-Mitte|nein|dorf|O
SI 2|Rurseegemeinden|nein|dorf|O
SI 3|Lammersdorf / Kesternich|nein|dorf|O
S 1|Unterstolberg|nein|zentrum|PKI
S 2|Oberstolberg|nein|zentrum|PKIO
S 3a|Donnerberg|nein|stadt|PK
S 3b|Münsterbusch / Liester|nein|stadt|PKO
S 4|Atsch|nein|stadt|KO
S 5|Büsbach|nein|vorort|O
S 6|Dorff|nein|dorf|KO
S 7|Werth|nein|vorort|
S 8|Breinig|nein|dorf|O
S 9|Breinigerberg|nein|dorf|
S 10|Venwegen|nein|dorf|O
S 11|Vicht|nein|dorf|O
S 12|Zweifall|nein|dorf|O
S 13|Mausbach|nein|vorort|KO
S 14|Gressenich|nein|dorf|
S 15|Schevenhütte|nein|weiler|O
S 16|Velau / Mühle|nein|stadt|
W 1|Würselen-Mitte|nein|zentrum|KO
W 2|Morsbach|nein|vorort|O
W 3|Bardenberg|nein|vorort|O
W 4|Broichweiden|nein|stadt|KO
W 5|Linden-Neusen|nein|vorort|O
W 6|Euchen|nein|dorf|
W 7|Scherberg|nein|stadt|
W 8|Weiden|nein|vorort|KO
"""

FIELD_LETTERS = {"armut": "P", "aeltere": "O", "kinder": "K", "integration": "I"}
SIZE_WEIGHT = {"zentrum": 1.7, "stadt": 1.2, "vorort": 0.9, "dorf": 0.45, "weiler": 0.12}
# settlement-type effect on latent scores: (armut, aeltere, kinder, integration)
TYPE_EFFECT = {"zentrum": (0.3, -0.5, 0.3, 0.4), "stadt": (0.0, -0.2, 0.0, 0.1),
               "vorort": (-0.3, 0.2, -0.2, -0.3), "dorf": (-0.5, 0.4, -0.4, -0.5),
               "weiler": (-0.6, 0.5, -0.5, -0.6)}

# exact sums among the demo variables (variablen.summe_aus, used by disclosure control)
SUMS = {"bev_gesamt": "bev_u65 + bev_65plus", "bev_u65": "bev_u15 + bev_15_64"}

VARIABLES = [
    # variable, label, unit, level, source
    ("bev_gesamt", "Einwohnerinnen und Einwohner (Hauptwohnsitz)", "Personen", "sozialraum",
     "Einwohnermeldeamt"),
    ("bev_u15", "Einwohner unter 15 Jahren", "Personen", "sozialraum", "Einwohnermeldeamt"),
    ("bev_u18", "Einwohner unter 18 Jahren", "Personen", "sozialraum", "Einwohnermeldeamt"),
    ("bev_15_64", "Einwohner von 15 bis unter 65 Jahren", "Personen", "sozialraum",
     "Einwohnermeldeamt"),
    ("bev_u65", "Einwohner unter 65 Jahren", "Personen", "sozialraum", "Einwohnermeldeamt"),
    ("bev_65plus", "Einwohner ab 65 Jahren", "Personen", "sozialraum", "Einwohnermeldeamt"),
    ("bev_80plus", "Einwohner ab 80 Jahren", "Personen", "sozialraum", "Einwohnermeldeamt"),
    ("alleinlebend_65plus", "Alleinlebende ab 65 Jahren", "Personen", "sozialraum",
     "Einwohnermeldeamt (Haushaltegenerierung)"),
    ("mindestsicherung", "Empfänger von Mindestsicherungsleistungen (SGB II, SGB XII, AsylbLG)",
     "Personen", "sozialraum", "Jobcenter, Sozialamt"),
    ("sgb2", "Leistungsberechtigte nach SGB II", "Personen", "sozialraum",
     "Statistik der Bundesagentur für Arbeit"),
    ("sgb2_u15", "Nicht erwerbsfähige Leistungsberechtigte unter 15 Jahren (SGB II)",
     "Personen", "sozialraum", "Statistik der Bundesagentur für Arbeit"),
    ("kinder_bg", "Kinder unter 18 Jahren in SGB-II-Bedarfsgemeinschaften", "Personen",
     "sozialraum", "Statistik der Bundesagentur für Arbeit"),
    ("arbeitslose", "Arbeitslose", "Personen", "sozialraum",
     "Statistik der Bundesagentur für Arbeit"),
    ("langzeitarbeitslose", "Langzeitarbeitslose (12 Monate und länger)", "Personen",
     "sozialraum", "Statistik der Bundesagentur für Arbeit"),
    ("bg_kinder", "SGB-II-Bedarfsgemeinschaften mit Kindern", "Bedarfsgemeinschaften",
     "sozialraum", "Statistik der Bundesagentur für Arbeit"),
    ("bg_alleinerziehend", "SGB-II-Bedarfsgemeinschaften von Alleinerziehenden",
     "Bedarfsgemeinschaften", "sozialraum", "Statistik der Bundesagentur für Arbeit"),
    ("hh_kinder", "Haushalte mit Kindern unter 18 Jahren", "Haushalte", "sozialraum",
     "Einwohnermeldeamt (Haushaltegenerierung)"),
    ("hh_alleinerziehend", "Haushalte von Alleinerziehenden", "Haushalte", "sozialraum",
     "Einwohnermeldeamt (Haushaltegenerierung)"),
    ("grusi_65plus", "Empfänger von Grundsicherung im Alter (SGB XII, ab 65 Jahren)",
     "Personen", "sozialraum", "Sozialamt"),
    ("seu_untersucht", "Bei der Schuleingangsuntersuchung untersuchte Kinder", "Kinder",
     "sozialraum", "Gesundheitsamt"),
    ("seu_sprachfoerder", "Kinder mit Sprachförderbedarf (Schuleingangsuntersuchung)",
     "Kinder", "sozialraum", "Gesundheitsamt"),
    ("seu_migration", "Kinder mit Migrationshintergrund (Schuleingangsuntersuchung)",
     "Kinder", "sozialraum", "Gesundheitsamt"),
    ("nichtdeutsche", "Einwohner ohne deutsche Staatsangehörigkeit", "Personen", "sozialraum",
     "Einwohnermeldeamt"),
    ("schutzsuchende", "Schutzsuchende", "Personen", "sozialraum", "Ausländerbehörde"),
    ("sgb2_nichtdeutsche", "Leistungsberechtigte nach SGB II ohne deutsche "
     "Staatsangehörigkeit", "Personen", "sozialraum",
     "Statistik der Bundesagentur für Arbeit"),
    ("schwerbehinderte", "Schwerbehinderte Menschen (GdB ab 50)", "Personen", "sozialraum",
     "Versorgungsamt"),
    ("eingliederungshilfe", "Empfänger von Eingliederungshilfe (SGB IX)", "Personen",
     "kommune", "Landschaftsverband Rheinland"),
    ("bev_kommune", "Einwohner (für kommunale Quoten)", "Personen", "kommune",
     "Einwohnermeldeamt"),
]

INDICATORS = [
    # id, label, numerator, denominator, scale, unit, fields, level, definition, source
    ("mindestsicherung", "Mindestsicherungsquote", "mindestsicherung", "bev_gesamt", 100, "%",
     "armut", "sozialraum", "Empfänger von Mindestsicherungsleistungen je 100 Einwohner",
     "Jobcenter, Sozialamt"),
    ("sgb2", "SGB-II-Quote", "sgb2", "bev_u65", 100, "%", "armut", "sozialraum",
     "Leistungsberechtigte nach SGB II je 100 Einwohner unter 65 Jahren",
     "Statistik der Bundesagentur für Arbeit"),
    ("arbeitslosendichte", "Arbeitslosendichte", "arbeitslose", "bev_15_64", 100, "%", "armut",
     "sozialraum", "Arbeitslose je 100 Einwohner von 15 bis unter 65 Jahren",
     "Statistik der Bundesagentur für Arbeit"),
    ("langzeitarbeitslose", "Anteil Langzeitarbeitsloser", "langzeitarbeitslose",
     "arbeitslose", 100, "%", "armut", "sozialraum",
     "Langzeitarbeitslose je 100 Arbeitslose", "Statistik der Bundesagentur für Arbeit"),
    ("alleinerziehende_bg", "Alleinerziehende unter den Bedarfsgemeinschaften mit Kindern",
     "bg_alleinerziehend", "bg_kinder", 100, "%", "armut", "sozialraum",
     "Bedarfsgemeinschaften von Alleinerziehenden je 100 Bedarfsgemeinschaften mit Kindern",
     "Statistik der Bundesagentur für Arbeit"),
    ("anteil_65plus", "Anteil der Einwohner ab 65 Jahren", "bev_65plus", "bev_gesamt", 100, "%",
     "aeltere", "sozialraum", "Einwohner ab 65 Jahren je 100 Einwohner", "Einwohnermeldeamt"),
    ("anteil_80plus", "Anteil der Hochaltrigen (ab 80 Jahren)", "bev_80plus", "bev_gesamt", 100,
     "%", "aeltere", "sozialraum", "Einwohner ab 80 Jahren je 100 Einwohner",
     "Einwohnermeldeamt"),
    ("grusi_alter", "Grundsicherung im Alter", "grusi_65plus", "bev_65plus", 100, "%",
     "aeltere", "sozialraum", "Empfänger von Grundsicherung im Alter je 100 Einwohner ab 65",
     "Sozialamt"),
    ("alleinlebend_65plus", "Alleinlebende ab 65 Jahren", "alleinlebend_65plus", "bev_65plus",
     100, "%", "aeltere", "sozialraum", "Alleinlebende ab 65 je 100 Einwohner ab 65",
     "Einwohnermeldeamt"),
    ("sgb2_u15", "SGB-II-Quote unter 15 Jahren", "sgb2_u15", "bev_u15", 100, "%", "kinder",
     "sozialraum", "Nicht erwerbsfähige Leistungsberechtigte unter 15 je 100 Einwohner unter 15",
     "Statistik der Bundesagentur für Arbeit"),
    ("alleinerziehende", "Anteil Alleinerziehender", "hh_alleinerziehend", "hh_kinder", 100, "%",
     "kinder", "sozialraum", "Haushalte von Alleinerziehenden je 100 Haushalte mit Kindern",
     "Einwohnermeldeamt"),
    ("sprachfoerderbedarf", "Kinder mit Sprachförderbedarf", "seu_sprachfoerder",
     "seu_untersucht", 100, "%", "kinder", "sozialraum",
     "Kinder mit Sprachförderbedarf je 100 bei der Schuleingangsuntersuchung untersuchte Kinder",
     "Gesundheitsamt"),
    ("kinder_bg", "Kinder in Bedarfsgemeinschaften", "kinder_bg", "bev_u18", 100, "%", "kinder",
     "sozialraum", "Kinder unter 18 in SGB-II-Bedarfsgemeinschaften je 100 Einwohner unter 18",
     "Statistik der Bundesagentur für Arbeit"),
    ("nichtdeutsche", "Anteil Nichtdeutscher", "nichtdeutsche", "bev_gesamt", 100, "%",
     "integration", "sozialraum", "Einwohner ohne deutsche Staatsangehörigkeit je 100 Einwohner",
     "Einwohnermeldeamt"),
    ("schutzsuchende", "Anteil Schutzsuchender", "schutzsuchende", "bev_gesamt", 100, "%",
     "integration", "sozialraum", "Schutzsuchende je 100 Einwohner", "Ausländerbehörde"),
    ("sgb2_nichtdeutsche", "SGB-II-Quote Nichtdeutscher", "sgb2_nichtdeutsche", "nichtdeutsche",
     100, "%", "integration", "sozialraum",
     "Nichtdeutsche Leistungsberechtigte nach SGB II je 100 nichtdeutsche Einwohner",
     "Statistik der Bundesagentur für Arbeit"),
    ("kinder_migration", "Kinder mit Migrationshintergrund (Schuleingang)", "seu_migration",
     "seu_untersucht", 100, "%", "integration", "sozialraum",
     "Kinder mit Migrationshintergrund je 100 untersuchte Kinder", "Gesundheitsamt"),
    ("schwerbehinderte", "Schwerbehinderte je 1.000 Einwohner", "schwerbehinderte",
     "bev_gesamt", 1000, "je 1.000", "inklusion", "sozialraum",
     "Schwerbehinderte Menschen (GdB ab 50) je 1.000 Einwohner", "Versorgungsamt"),
    ("eingliederungshilfe", "Eingliederungshilfe je 1.000 Einwohner", "eingliederungshilfe",
     "bev_kommune", 1000, "je 1.000", "inklusion", "kommune",
     "Empfänger von Eingliederungshilfe je 1.000 Einwohner (nur je Kommune verfügbar)",
     "Landschaftsverband Rheinland"),
]

# rate model: indicator -> (field of the latent, base rate in %, slope on the latent, noise sd)
RATE_MODEL = {
    "mindestsicherung": ("armut", 10.5, 0.42, 0.06),
    "sgb2": ("armut", 9.0, 0.48, 0.08),
    "arbeitslosendichte": ("armut", 5.0, 0.38, 0.10),
    "langzeitarbeitslose": ("armut", 38.0, 0.12, 0.10),
    "alleinerziehende_bg": ("armut", 40.0, 0.10, 0.08),
    "anteil_65plus": ("aeltere", 21.0, 0.17, 0.04),
    "anteil_80plus": ("aeltere", 6.5, 0.24, 0.08),
    "grusi_alter": ("aeltere", 3.2, 0.30, 0.12),
    "alleinlebend_65plus": ("aeltere", 33.0, 0.10, 0.06),
    "sgb2_u15": ("kinder", 15.0, 0.45, 0.08),
    "alleinerziehende": ("kinder", 19.0, 0.18, 0.08),
    "sprachfoerderbedarf": ("kinder", 17.0, 0.30, 0.12),
    "kinder_bg": ("kinder", 13.0, 0.45, 0.08),
    "nichtdeutsche": ("integration", 10.0, 0.45, 0.06),
    "schutzsuchende": ("integration", 1.6, 0.55, 0.15),
    "sgb2_nichtdeutsche": ("integration", 17.0, 0.28, 0.10),
    "kinder_migration": ("integration", 27.0, 0.30, 0.10),
}


@dataclass
class World:
    """The synthetic region before counting: areas, sizes, latent scores and noise."""

    areas: pd.DataFrame  # sozialraum, name, name_belegt, typ, ags, design letters
    pop2021: np.ndarray
    latent: dict[str, np.ndarray]  # field -> latent score 2021
    drift: dict[str, np.ndarray]  # field -> change of the latent per year back in time
    noise: dict[str, np.ndarray]  # indicator -> multiplicative noise (per area, per year)
    growth: np.ndarray  # yearly population growth per area
    u15_share: np.ndarray
    rng_small: np.ndarray  # small extra noise


def _areas() -> pd.DataFrame:
    rows = [line.split("|") for line in AREAS.strip().splitlines()]
    df = pd.DataFrame(rows, columns=[S.AREA, "name", "name_belegt", "typ", "design"])
    prefix_to_ags = {"AC": "05334002", "A": "05334004", "B": "05334008", "E": "05334012",
                     "H": "05334016", "M": "05334020", "R": "05334024", "SI": "05334028",
                     "S": "05334032", "W": "05334036"}
    df[S.AGS] = df[S.AREA].str.split(" ").str[0].map(prefix_to_ags)
    return df


def make_world(seed: int = SEED) -> World:
    """Draw every random quantity once (so calibration only moves latent scores)."""
    rng = np.random.default_rng(seed)
    areas = _areas()
    n = len(areas)
    weights = areas["typ"].map(SIZE_WEIGHT).to_numpy() * rng.uniform(0.75, 1.3, n)
    pop = np.zeros(n)
    for ags, _, total, _ in MUNICIPALITIES:
        m = (areas[S.AGS] == ags).to_numpy()
        share = weights[m] / weights[m].sum()
        pop[m] = np.floor(share * total)
        pop[np.flatnonzero(m)[0]] += total - pop[m].sum()  # exact municipal total
    latent = {}
    types = areas["typ"].to_numpy()
    for k, (field, letter) in enumerate(FIELD_LETTERS.items()):
        marked = areas["design"].str.contains(letter).to_numpy()
        effect = np.array([TYPE_EFFECT[t][k] for t in types])
        base = np.where(marked, rng.uniform(1.2, 2.2, n), rng.uniform(-1.3, 0.0, n))
        latent[field] = base + 0.5 * effect
    drift = {f: rng.normal(0.03, 0.06, n) for f in FIELD_LETTERS}
    noise = {i: rng.normal(0, sd, (len(YEARS), n)) for i, (_, _, _, sd) in RATE_MODEL.items()}
    noise["schwerbehinderte"] = rng.normal(0, 0.08, (len(YEARS), n))
    noise["bev_80"] = rng.normal(0, 0.05, (len(YEARS), n))
    return World(areas, pop, latent, drift, noise, rng.normal(0.002, 0.004, n),
                 rng.uniform(0.115, 0.155, n), rng.uniform(0, 1, (len(YEARS), n)))


def _rate(world: World, indicator: str, year_idx: int) -> np.ndarray:
    field, base, slope, _ = RATE_MODEL[indicator]
    back = len(YEARS) - 1 - year_idx
    lat = world.latent[field] - world.drift[field] * back
    return base / 100 * np.exp(slope * lat + world.noise[indicator][year_idx])


def counts_for_year(world: World, year_idx: int) -> dict[str, np.ndarray]:
    """All area counts of one year, as integer arrays in area order."""
    back = len(YEARS) - 1 - year_idx
    c: dict[str, np.ndarray] = {}
    pop = np.round(world.pop2021 * (1 - world.growth) ** back)
    c["bev_gesamt"] = pop
    p65 = np.clip(_rate(world, "anteil_65plus", year_idx), 0.08, 0.45)
    c["bev_65plus"] = np.round(pop * p65)
    c["bev_u15"] = np.round(pop * world.u15_share * np.exp(-0.6 * (p65 - 0.21)))
    c["bev_u18"] = np.round(c["bev_u15"] * 1.21)
    c["bev_u65"] = pop - c["bev_65plus"]
    c["bev_15_64"] = c["bev_u65"] - c["bev_u15"]
    c["bev_80plus"] = np.round(c["bev_65plus"] * np.clip(
        _rate(world, "anteil_80plus", year_idx) / p65, 0.15, 0.6))
    c["alleinlebend_65plus"] = np.round(c["bev_65plus"] * np.clip(
        _rate(world, "alleinlebend_65plus", year_idx), 0, 0.8))
    c["grusi_65plus"] = np.round(c["bev_65plus"] * np.clip(_rate(world, "grusi_alter", year_idx),
                                                          0, 0.4))
    c["mindestsicherung"] = np.round(pop * np.clip(_rate(world, "mindestsicherung", year_idx),
                                                   0, 0.6))
    c["sgb2"] = np.minimum(np.round(c["bev_u65"] * np.clip(_rate(world, "sgb2", year_idx),
                                                           0, 0.6)),
                           c["mindestsicherung"])
    c["arbeitslose"] = np.round(c["bev_15_64"] * np.clip(
        _rate(world, "arbeitslosendichte", year_idx), 0, 0.4))
    c["langzeitarbeitslose"] = np.round(c["arbeitslose"] * np.clip(
        _rate(world, "langzeitarbeitslose", year_idx), 0, 0.9))
    c["sgb2_u15"] = np.minimum(np.round(c["bev_u15"] * np.clip(_rate(world, "sgb2_u15", year_idx),
                                                              0, 0.8)), c["sgb2"])
    c["kinder_bg"] = np.minimum(np.round(c["bev_u18"] * np.clip(
        _rate(world, "kinder_bg", year_idx), 0, 0.8)), c["sgb2"])
    c["bg_kinder"] = np.round(c["kinder_bg"] / 1.9)
    c["bg_alleinerziehend"] = np.round(c["bg_kinder"] * np.clip(
        _rate(world, "alleinerziehende_bg", year_idx), 0, 0.9))
    c["hh_kinder"] = np.round(c["bev_u18"] / 1.7)
    c["hh_alleinerziehend"] = np.round(c["hh_kinder"] * np.clip(
        _rate(world, "alleinerziehende", year_idx), 0, 0.7))
    c["seu_untersucht"] = np.round(c["bev_u15"] / 14.5)
    c["seu_sprachfoerder"] = np.round(c["seu_untersucht"] * np.clip(
        _rate(world, "sprachfoerderbedarf", year_idx), 0, 0.9))
    c["seu_migration"] = np.round(c["seu_untersucht"] * np.clip(
        _rate(world, "kinder_migration", year_idx), 0, 0.95))
    c["nichtdeutsche"] = np.round(pop * np.clip(_rate(world, "nichtdeutsche", year_idx), 0, 0.6))
    c["schutzsuchende"] = np.minimum(np.round(pop * np.clip(
        _rate(world, "schutzsuchende", year_idx), 0, 0.2)), c["nichtdeutsche"])
    c["sgb2_nichtdeutsche"] = np.minimum(np.round(c["nichtdeutsche"] * np.clip(
        _rate(world, "sgb2_nichtdeutsche", year_idx), 0, 0.7)), c["sgb2"])
    sb_lat = 0.6 * world.latent["aeltere"] + 0.4 * world.latent["armut"]
    c["schwerbehinderte"] = np.round(pop * 0.095 * np.exp(0.12 * sb_lat
                                                           + world.noise["schwerbehinderte"][
                                                               year_idx]))
    return {k: v.astype(np.int64) for k, v in c.items()}


def counts_frame(world: World, years: list[int] | None = None) -> pd.DataFrame:
    """Long area counts for the given years (default: all demo years)."""
    years = years or YEARS
    parts = []
    for y in years:
        c = counts_for_year(world, YEARS.index(y))
        for var, arr in c.items():
            parts.append(pd.DataFrame({S.AREA: world.areas[S.AREA], S.AGS: world.areas[S.AGS],
                                       S.YEAR: y, S.VARIABLE: var, S.COUNT: arr}))
    return pd.concat(parts, ignore_index=True)


def municipal_counts(world: World) -> pd.DataFrame:
    """Counts that exist only per Kommune (Eingliederungshilfe and its denominator)."""
    rng = np.random.default_rng(SEED + 1)
    rows = []
    area_counts = counts_frame(world)
    pop = area_counts[area_counts[S.VARIABLE] == "bev_gesamt"].groupby([S.AGS, S.YEAR])[
        S.COUNT].sum()
    rate = {ags: rng.uniform(6.5, 10.5) for ags, *_ in MUNICIPALITIES}
    for (ags, year), p in pop.items():
        r = rate[ags] * (1 + 0.02 * (year - YEARS[0]))
        rows.append((ags, year, "bev_kommune", int(p)))
        rows.append((ags, year, "eingliederungshilfe", int(round(p * r / 1000))))
    return pd.DataFrame(rows, columns=[S.AGS, S.YEAR, S.VARIABLE, S.COUNT])


# --------------------------------------------------------------------------- catalogue
def catalogue_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(kommunen, variablen, indikatoren) tables of the demo data."""
    mun = pd.DataFrame([(a, n) for a, n, *_ in MUNICIPALITIES], columns=[S.AGS, "name"])
    var = pd.DataFrame(VARIABLES, columns=[S.VARIABLE, "bezeichnung", "einheit", S.LEVEL,
                                           "quelle"])
    var["summe_aus"] = var[S.VARIABLE].map(SUMS).fillna("")
    ind = pd.DataFrame(INDICATORS, columns=[S.INDICATOR, "bezeichnung", S.NUMERATOR,
                                            S.DENOMINATOR, "skala", "einheit", "handlungsfelder",
                                            S.LEVEL, "definition", "quelle"])
    ind.insert(6, "richtung", 1)
    return mun, var, ind


# --------------------------------------------------------------------------- calibration
def calibrate(world: World, max_rounds: int = 400, step: float = 0.08) -> int:
    """Nudge latent scores until the default method reproduces the planning design.

    Returns the number of rounds used. Raises RuntimeError if it does not converge.
    """
    from .config import load_config
    from .core import classify_year
    from .indicators import area_indicators, municipal_indicators

    cfg = load_config(Path(__file__).resolve().parents[2] / "config" / "report.yaml")
    _, _, ind = catalogue_frames()
    ind = ind.assign(handlungsfelder=ind["handlungsfelder"].str.split())
    design = world.areas.set_index(S.AREA)["design"]
    for rnd in range(max_rounds):
        counts = counts_frame(world, [REPORT_YEAR])
        a = area_indicators(counts, ind)
        m = municipal_indicators(counts, ind)
        _, need = classify_year(a, m, ind, cfg, REPORT_YEAR, list(FIELD_LETTERS))
        wrong = 0
        for field, letter in FIELD_LETTERS.items():
            want = design.reindex(need.index).str.contains(letter)
            got = need[f"{field}_bedarf_flag"]
            up = (want & ~got).reindex(world.areas[S.AREA]).to_numpy()
            down = (~want & got).reindex(world.areas[S.AREA]).to_numpy()
            world.latent[field] = world.latent[field] + step * up - step * down
            wrong += int(up.sum() + down.sum())
        if wrong == 0:
            return rnd
    raise RuntimeError("Kalibrierung der Demodaten konvergiert nicht")


# --------------------------------------------------------------------------- geometry
def _grow_regions(cells: list[tuple[int, int]], k: int) -> list[list[tuple[int, int]]]:
    """Split a connected set of grid cells into k connected regions (balanced BFS)."""
    cellset = set(cells)
    # seeds: farthest-point sampling from the north-west-most cell
    seeds = [min(cells)]
    while len(seeds) < k:
        far = max(sorted(cells), key=lambda c: min(abs(c[0] - s[0]) + abs(c[1] - s[1])
                                                   for s in seeds))
        seeds.append(far)
    owner = {s: i for i, s in enumerate(seeds)}
    frontier = [[s] for s in seeds]
    while len(owner) < len(cells):
        grew = False
        for i in sorted(range(k), key=lambda j: sum(1 for v in owner.values() if v == j)):
            new_front = []
            for (r, c) in frontier[i]:
                for nb in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
                    if nb in cellset and nb not in owner:
                        owner[nb] = i
                        new_front.append(nb)
                        grew = True
                        break
                if new_front:
                    break
            frontier[i] = frontier[i] + new_front if new_front else \
                [x for x in frontier[i] if any(
                    nb in cellset and nb not in owner
                    for nb in ((x[0] - 1, x[1]), (x[0] + 1, x[1]), (x[0], x[1] - 1),
                               (x[0], x[1] + 1)))]
        if not grew:
            break
    regions: list[list[tuple[int, int]]] = [[] for _ in range(k)]
    for cell, i in owner.items():
        regions[i].append(cell)
    return regions


def geometry(areas: pd.DataFrame) -> dict[str, object]:
    """Schematic polygons (EPSG:25832) for every area, grown inside its municipality."""
    letter_to_ags = {letter: ags for ags, _, _, letter in MUNICIPALITIES}
    rows = GRID_MAP.splitlines()
    cells: dict[str, list[tuple[int, int]]] = {}
    for r, line in enumerate(rows):
        for c, ch in enumerate(line):
            if ch in letter_to_ags:
                for dr in (0, 1):
                    for dc in (0, 1):
                        cells.setdefault(letter_to_ags[ch], []).append((2 * r + dr, 2 * c + dc))
    geoms: dict[str, object] = {}
    x0, y0 = ORIGIN
    for ags, codes in areas.groupby(S.AGS, sort=True)[S.AREA]:
        regions = _grow_regions(sorted(cells[ags]), len(codes))
        # order regions north-west to south-east, matched to codes in file order
        regions.sort(key=lambda reg: (min(reg)[0] + min(reg)[1], min(reg)))
        for code, reg in zip(codes, regions, strict=True):
            polys = [box(x0 + c * 1000, y0 - (r + 1) * 1000, x0 + (c + 1) * 1000, y0 - r * 1000)
                     for r, c in reg]
            geoms[code] = unary_union(polys).normalize()
    return geoms


def geojson(geoms: dict[str, object]) -> str:
    features = [{"type": "Feature", "properties": {S.GEOMETRY_PROPERTY: code},
                 "geometry": mapping(geoms[code])} for code in geoms]
    doc = {"type": "FeatureCollection",
           "name": "sozialraeume_schematisch_demo",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
           "features": features}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=int) + "\n"


# --------------------------------------------------------------------------- write
def _csv(df: pd.DataFrame, path: Path) -> None:
    path.write_text(df.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def write_demo(out: Path, seed: int = SEED) -> dict[str, int]:
    """Generate the whole demo data set into ``out`` (byte-identical for a seed)."""
    from .demo_planning import write_planning

    out.mkdir(parents=True, exist_ok=True)
    world = make_world(seed)
    rounds = calibrate(world)
    mun, var, ind = catalogue_frames()
    areas = world.areas[[S.AREA, "name", S.AGS, "name_belegt"]]
    counts = counts_frame(world)[[S.AREA, S.YEAR, S.VARIABLE, S.COUNT]]
    counts = counts.sort_values([S.AREA, S.YEAR, S.VARIABLE], kind="stable")
    _csv(mun, out / "kommunen.csv")
    _csv(areas, out / "sozialraeume.csv")
    _csv(var, out / "variablen.csv")
    _csv(ind, out / "indikatoren.csv")
    _csv(counts, out / "zaehlungen.csv")
    _csv(municipal_counts(world), out / "zaehlungen_kommune.csv")
    geoms = geometry(world.areas)
    (out / S.GEOMETRY_FILE).write_text(geojson(geoms), encoding="utf-8")
    write_planning(out, world.areas, counts_frame(world), ind)
    (out / "DEMO").write_text(DEMO_NOTICE, encoding="utf-8")
    return {"sozialraeume": len(areas), "zaehlwerte": len(counts), "kalibrierrunden": rounds}
