"""Seeded generator of the synthetic demo data set for the StädteRegion Aachen.

SYNTHETIC DEMO DATA – NOT OFFICIAL FIGURES. Public facts used: the 10 member
municipalities (AGS, population 31.12.2021 as in ``shared/reference``), their outlines
(BKG VG5000, dl-de/by-2-0, ``demo_geo/``) and the 93 Sozialraum codes. Everything else
(neutral names „Stolberg 3a“ for all areas – also for the nine whose real name is
published –, populations of areas, all counts, the borders of the areas) is invented, but shaped to
look like the real region: poverty concentrated in the urban centres, ageing in the
suburban and rural areas (the Eifel south). A profile per Kommune (``PROFILE``: urban core,
old-industrial, suburban, rural Eifel) keeps the municipal rates in a plausible order:
poverty, old-age poverty included, is highest in Aachen and the old industrial towns and
lowest in the Eifel, and the children's SGB-II rate stays about 1,5 to 2 times the overall
rate in every Kommune.

How the data are made
---------------------
Each area gets, per field of action, a latent need score. The *planning design*
below says which areas the synthetic world gives a marked need in which field
(the council paper's pattern: 15 areas in 5 Kommunen for poverty, 43 in 9 for
older people, 37 in 7 for children, 12 in 5 for integration; 59 of 93 overall).
The starting scores of marked and unmarked areas overlap, so that some areas end up
near a threshold (borderline classifications, as in real data). Rates follow from the
latent scores with a persistent area effect per indicator, a deviation that persists from
year to year and a bounded yearly drift; counts of people in a situation are drawn from an
overdispersed binomial (beta-binomial) model of their denominator – never above it, small
areas noisier, deviations bounded – whose local rate persists from year to year, as do the
people of a stock (benefit recipients …), while each school-entry cohort is new: a
neighbourhood keeps its level, drifts modestly and does not jump back and forth.
A calibration loop then runs the project's *own default method* – as a report does,
disclosure control included – on the generated counts and
nudges the latent scores of areas whose classification deviates from the design, until
the method recovers it; an area lifted into need overshoots by a seeded amount of its own,
so the need areas spread above the threshold rather than pile up on it. No result is
written anywhere: the counts are the only output, and the test suite re-runs the method on the committed files.

Geometry: each Kommune's real outline is split into Voronoi cells, one per area, from
seeds of a weighted k-means (small cells near the town centre); all borders are noded
together, so neighbours share borders exactly. The inner borders are schematic, and the
GeoJSON says so in its credit line (member ``quellenangabe``), printed under every map.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from shapely.geometry import mapping

from analysis.contract import schema as S

SEED = 20211231
YEARS = list(range(2016, 2022))
REPORT_YEAR = 2021
DEMO_NOTICE = ("SYNTHETISCHE DEMODATEN – keine amtlichen Zahlen. Erzeugt mit "
               "`python -m analysis demo`; siehe data/README.md.\n"
               "Gemeindegrenzen in geometrie.geojson: © GeoBasis-DE / BKG 2021 (Daten "
               "verändert), Datenlizenz Deutschland – Namensnennung – Version 2.0 "
               "(dl-de/by-2-0); die Sozialräume darin sind schematisch (synthetisch).\n")

MUNICIPALITIES = [
    # ags, name, population 31.12.2021 (Baesweiler: 31.12.2023)
    ("05334002", "Aachen", 249070),
    ("05334004", "Alsdorf", 47678),
    ("05334008", "Baesweiler", 28005),
    ("05334012", "Eschweiler", 55784),
    ("05334016", "Herzogenrath", 46290),
    ("05334020", "Monschau", 11645),
    ("05334024", "Roetgen", 8658),
    ("05334028", "Simmerath", 15614),
    ("05334032", "Stolberg (Rhld.)", 56103),
    ("05334036", "Würselen", 38480),
]

# Area design: code, published name (or empty), name verified?, settlement type, fields
# with marked need (P armut, O aeltere, K kinder, I integration). Each small Eifel Kommune has
# one area with marked need for older people (M 1, R 1, SI 1): with all seven marked, only
# rule 1 could find them (rule 2 needs an area well above its Kommune), and the calibration
# lifted their share of people aged 65+ to 41–44 % (review 4, R4-02). Only the nine Alsdorf
# names are published (shared/reference); they are kept here for reference only: every
# area gets a neutral synthetic name („Stolberg 3a“, „Alsdorf 1a“, see _areas) so that no
# real neighbourhood carries an invented rate.
AREAS = """\
AC 1||nein|zentrum|PKI
AC 2||nein|zentrum|PKI
AC 3||nein|zentrum|PKI
AC 4||nein|stadt|PKIO
AC 5||nein|stadt|
AC 6||nein|stadt|K
AC 7||nein|stadt|
AC 8||nein|stadt|
AC 9||nein|stadt|K
AC 10||nein|vorort|O
AC 11||nein|vorort|O
AC 12||nein|vorort|O
AC 13||nein|stadt|
AC 14||nein|stadt|O
A 1a|Soziale Stadt Alsdorf Mitte|ja|zentrum|PKI
A 1b|Mitte B, Neuweiler|ja|stadt|
A 2a|Ost|ja|stadt|KO
A 2b|Kellersberg|ja|stadt|PKI
A 3|Schaufenberg, Bettendorf|ja|vorort|KO
A 4|Hoengen|ja|vorort|KO
A 5|Mariadorf|ja|vorort|KO
A 6|Warden|ja|vorort|O
A 7|Begau|ja|vorort|
A 8||nein|stadt|
A 9||nein|vorort|O
A 10||nein|vorort|O
A 11a||nein|vorort|
A 11b||nein|vorort|
B 1||nein|stadt|K
B 2||nein|stadt|PK
B 3a||nein|stadt|PKI
B 3b||nein|vorort|K
B 4a||nein|dorf|
B 4b||nein|dorf|
B 5||nein|dorf|
E 1||nein|zentrum|PKI
E 2||nein|zentrum|PKI
E 3||nein|stadt|PKI
E 4||nein|stadt|
E 5||nein|stadt|KO
E 6||nein|stadt|KO
E 7||nein|vorort|KO
E 8||nein|dorf|O
E 9||nein|vorort|KO
E 10||nein|dorf|O
E 11||nein|vorort|O
E 12||nein|dorf|
E 13||nein|stadt|
E 14||nein|dorf|
E 15||nein|dorf|
H 1||nein|zentrum|KO
H 2||nein|vorort|KO
H 3||nein|stadt|KO
H 4||nein|vorort|O
H 5||nein|stadt|
H 6||nein|stadt|KO
H 7||nein|vorort|O
H 8||nein|vorort|
H 9||nein|vorort|
H 10||nein|vorort|
H 11||nein|dorf|
M 1||nein|dorf|O
M 2||nein|dorf|
R 1||nein|dorf|O
R 2||nein|dorf|
SI 1||nein|dorf|O
SI 2||nein|dorf|
SI 3||nein|dorf|
S 1||nein|zentrum|PKI
S 2||nein|zentrum|PKIO
S 3a||nein|stadt|PK
S 3b||nein|stadt|PKO
S 4||nein|stadt|KO
S 5||nein|vorort|O
S 6||nein|dorf|KO
S 7||nein|vorort|O
S 8||nein|dorf|O
S 9||nein|dorf|
S 10||nein|dorf|O
S 11||nein|dorf|O
S 12||nein|dorf|O
S 13||nein|vorort|KO
S 14||nein|dorf|
S 15||nein|weiler|
S 16||nein|stadt|
W 1||nein|zentrum|KO
W 2||nein|vorort|
W 3||nein|vorort|
W 4||nein|stadt|KO
W 5||nein|vorort|O
W 6||nein|dorf|
W 7||nein|stadt|
W 8||nein|vorort|KO
"""

FIELD_LETTERS = {"armut": "P", "aeltere": "O", "kinder": "K", "integration": "I"}
SIZE_WEIGHT = {"zentrum": 1.7, "stadt": 1.2, "vorort": 0.9, "dorf": 0.45, "weiler": 0.12}
# settlement-type effect on latent scores: (armut, aeltere, kinder, integration)
TYPE_EFFECT = {"zentrum": (0.3, -0.5, 0.3, 0.4), "stadt": (0.0, -0.2, 0.0, 0.1),
               "vorort": (-0.3, 0.2, -0.2, -0.3), "dorf": (-0.5, 0.4, -0.4, -0.5),
               "weiler": (-0.6, 0.5, -0.5, -0.6)}

# Municipal profile of the synthetic world: which kind of Kommune each is. Poverty –
# also old-age poverty (Grundsicherung im Alter) – is highest in the city and the old
# industrial towns of the coal and metal belt, lower in the suburban Kommunen of the north
# and lowest in the rural Eifel south (as in every German region of this kind), while
# ageing is most advanced in the suburban and rural areas.
PROFILE = {"05334002": "kernstadt", "05334004": "altindustriell",
           "05334008": "suburban", "05334012": "altindustriell",
           "05334016": "suburban", "05334020": "eifel", "05334024": "eifel",
           "05334028": "eifel", "05334032": "altindustriell", "05334036": "suburban"}
# profile effect on the starting latent scores: (armut, aeltere, kinder, integration). The
# calibration only nudges areas whose classification deviates from the design, so the
# level of a Kommune's unmarked areas – most of the Eifel's – keeps this effect.
PROFILE_EFFECT = {"kernstadt": (0.3, -0.2, 0.3, 0.4), "altindustriell": (0.3, 0.0, 0.3, 0.1),
                  "suburban": (-0.4, 0.1, -0.3, -0.3), "eifel": (-1.8, 0.1, -1.4, -0.9)}
# profile effect on the rates themselves (log scale, indicator → effect per profile): a
# level of the whole Kommune that the latent scores do not carry – pensions, rents and
# take-up make Grundsicherung im Alter an urban phenomenon (rural pensioners more often own
# their home and live with family). Older people also live alone most often in the city and
# least often in the Eifel villages, where they live with family (review 4, R4-13).
# The share of people aged 65+ has a level of its own too: higher in the Eifel, a little
# lower in the suburban north, so that the Eifel Kommunen are the oldest (review 5, R5-03:
# Herzogenrath and Würselen had come out older than every Eifel Kommune).
PROFILE_RATE = {"anteil_65plus": {"suburban": -0.08, "eifel": 0.2},
                "grusi_alter": {"kernstadt": 0.45, "altindustriell": 0.3, "suburban": -0.1,
                                "eifel": -0.7},
                "alleinlebend_65plus": {"kernstadt": 0.15, "altindustriell": 0.02,
                                        "suburban": -0.05, "eifel": -0.22}}
# Indicators whose rate follows a mix of latent scores (field → weight) instead of the one
# of their own field: old-age poverty follows poverty as well as ageing (more weight on
# poverty left most of the older people's need areas borderline: the field's indicators
# then contradict each other); the SGB-II rate of children follows the SGB-II rate of the
# whole population (families with children draw SGB II about 1,5 to 2 times as often as the
# average in every Kommune) and the children's field only in part. Living alone at 65+
# follows the urban pattern of the poverty score more than ageing: single-person households
# of older people are a feature of the cities, not of old villages (review 4, R4-13; with
# the ageing score alone Simmerath and Roetgen had the highest shares and Aachen the lowest).
LATENT_MIX = {"grusi_alter": {"armut": 0.4, "aeltere": 0.6},
              "alleinlebend_65plus": {"armut": 0.8, "aeltere": 0.2},
              "sgb2_u15": {"armut": 0.75, "kinder": 0.25}}
# Indicators that share the persistent area effect and the yearly deviation of another one
# (indicator → (other, weight of its own area effect)): children's SGB-II rate and the
# overall SGB-II rate of an area are counted among the same households.
SHARED_DEVIATION = {"sgb2_u15": ("sgb2", 0.5)}

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

# No area above this share of people aged 65+ (a safety net: the soft ceiling below keeps
# every area under it). With the exponential rate of RATE_MODEL the calibration lifted the
# ageing score of areas in need until their share reached the former cap of 45 % (the Eifel
# Kommunen at 41–44 %, review 4, R4-02); with fewer Eifel areas in need (AREAS) and the soft
# ceiling the Kommunen stay between about 15 and 27 %.
P65_MAX = 0.38
# Hard-clipping the share at P65_MAX piled the lifted areas up at exactly 38,0 % (nine areas
# in 2021, M 1 in all six years; review 5, R5-02). Instead the expected share of an area
# (latent score, Kommune, persistent area effect) saturates smoothly below SOFT_CAP, and
# the yearly deviation (RATE_MODEL noise) applies after it: areas near the top differ from
# each other and move from year to year like the others. Sharpness of the bend: SATURATION.
SOFT_CAP = {"anteil_65plus": 0.34}
SATURATION = 3.0
# The 80+ among the 65+: in Germany about a third (2021: 6,1 of 18,4 million), in the
# Kommunen of a region about 0,30 to 0,40, a little more where the population is old. The
# count of the 80+ is drawn from the count of the 65+ at this share (RATE_MODEL), so the
# share of the 80+ in the population stays about a third of the share of the 65+.
RATIO_80_65 = 33.0  # %, at latent 0
RATIO_80_65_MAX = 0.55
# Published value the demo's comparison year is calibrated to: Mindestsicherungsquote of the
# StädteRegion Aachen on 31.12.2016, 11,5 % (about 65.000 people; Sozialbericht 2018,
# shared/reference/indicators_published.csv). The base rate of RATE_MODEL is set so that the
# demo's 2016 region rate lies within ± 0,5 points of it (tests/unit/test_demo_world.py).
PUBLISHED_MINDESTSICHERUNG_2016 = 11.5

# rate model: indicator -> (field of the latent, base rate in %, slope on the latent, noise sd)
RATE_MODEL = {
    "mindestsicherung": ("armut", 11.4, 0.42, 0.06),
    "sgb2": ("armut", 9.0, 0.48, 0.08),
    "arbeitslosendichte": ("armut", 5.0, 0.38, 0.10),
    "langzeitarbeitslose": ("armut", 38.0, 0.08, 0.10),
    "alleinerziehende_bg": ("armut", 40.0, 0.10, 0.08),
    "anteil_65plus": ("aeltere", 15.5, 0.20, 0.04),
    # the 80+ as a share of the 65+ (not of all people): see counts_for_year
    "anteil_80plus": ("aeltere", RATIO_80_65, 0.03, 0.05),
    "grusi_alter": ("aeltere", 3.2, 0.30, 0.12),
    "alleinlebend_65plus": ("aeltere", 31.0, 0.10, 0.06),
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
    # indicator -> log deviation of the rate from the model (year × area, persistent)
    noise: dict[str, np.ndarray]
    growth: np.ndarray  # yearly population growth per area
    u15_share: np.ndarray
    rng_small: np.ndarray  # small extra noise
    # indicator -> persistent area effect (the indicators of a field do not move in lockstep)
    offset: dict[str, np.ndarray]
    # count variable -> bounded standard normal deviates (stage rate/count × year × area) of
    # its sampling noise; those of the rate stage are correlated from year to year
    count_z: dict[str, np.ndarray]


# Latent need score of an area before calibration, uniform in these ranges: areas the
# design marks start from LATENT_MARKED[field], the others from LATENT_OTHER. The ranges
# overlap the need thresholds, so calibration leaves some areas just above or below them
# (borderline classifications, as in real data). Older people start higher, and so may
# their unmarked areas: the field index is a z-score (mean 0, SD 1 over the 93 areas), and
# with 43 areas in need most of them cannot lie far above +1,0 – part of the need must come
# from rule 2 (lead indicator ≥ 1,25 × the Kommune's value, index ≥ 0,5), which is why the
# share of people aged 65+ depends more steeply on the latent score (RATE_MODEL; 2021 from
# about 10 % to 33 %, median about 21 %, bending softly below SOFT_CAP). Unmarked areas start high too, so that
# some end up near a threshold (test_need_indices_do_not_pile_up_at_the_threshold).
LATENT_MARKED = {"armut": (0.35, 2.0), "aeltere": (1.1, 2.2), "kinder": (0.35, 2.0),
                 "integration": (0.35, 2.0)}
LATENT_OTHER = {"armut": (-1.4, 0.45), "aeltere": (-1.4, 2.2), "kinder": (-1.4, 1.0),
                "integration": (-1.4, 0.45)}
# Calibration lifts an area the design marks but the method does not classify by one step
# plus an overshoot of its own, uniform in this range (latent scale, seeded): nudged only
# across the line, the lifted areas of a crowded field piled up just above the threshold
# (28 of the 43 older people's need areas between +1,00 and +1,10).
OVERSHOOT = (0.1, 1.0)
# standard deviation of the persistent area effect per indicator (log scale)
OFFSET_SD = 0.12
# Sampling model of the counts of people in a situation (numerator of a share): a
# beta-binomial draw from the denominator n at the modelled rate p, i.e. the area's local
# rate scatters around p (beta) and the count around the local rate (binomial), with
# variance OVERDISPERSION × n·p·(1 − p). Counts of people cluster in households and
# buildings, so real small-area counts vary more than binomial (1 would be binomial); the
# count can never exceed its denominator, and shares near 0 or 1 stay inside [0, 1].
OVERDISPERSION = 1.6
# Persistence from year to year (AR(1) correlation of the normal deviates; each stays
# standard normal, so a single year scatters as much as before). A neighbourhood keeps its
# level and drifts modestly: over the five years of the change chapter a share moves by its
# trend plus a little local drift, not by two fresh draws from the whole spread of areas
# (with the old correlation of 0.6 and fresh yearly noise, 52,8 % single parents among 53
# Bedarfsgemeinschaften became 15,9 % among 44 in five years).
# * PERSIST_LEVEL – the area's deviation of a rate from the model (the multiplicative noise
#   of RATE_MODEL): a lasting local feature that changes a little each year;
# * PERSIST_RATE – the beta stage of a count, the area's local rate (its households and
#   buildings);
# * PERSIST_STOCK – the binomial stage of a stock of people (benefit recipients, the
#   unemployed, residents in a situation): most of those counted in one year are counted the
#   next, about a third turns over;
# * the binomial stage of a new cohort (COHORT_COUNTS, the children examined at school
#   entry) is drawn afresh every year – binomial noise honest for its n.
# The binomial stage (which people exactly are counted, partly or wholly new every year) is
# bounded at ± Z_COUNT: two bounded fresh draws differ by at most 2 · Z_COUNT / √2 ≈ 2.1
# standard errors of the difference, and a small stock is not drawn to the edge of the
# possible (1 long-term unemployed among 22 unemployed); the clip leaves 87 % of the draws
# unchanged and keeps 88 % of the binomial standard deviation.
PERSIST_LEVEL = 0.98
PERSIST_RATE = 0.98
PERSIST_STOCK = 0.7
COHORT_COUNTS = ("seu_sprachfoerder", "seu_migration")
Z_COUNT = 1.5
# Every other deviation is bounded at ± Z_MAX standard deviations – the local rate (beta
# stage), the rate's deviation from the model, the count as a whole and the yearly drift of
# the latent scores: a synthetic area never draws from the extreme tails (that is where a
# 38 % share would become 2 % within five years).
Z_MAX = 2.0
# rate of the 15–17-year-olds in SGB-II Bedarfsgemeinschaften relative to the under-15s
KINDER_1517 = 1.0
# children under 15 are at most this share of an area's SGB-II recipients (every
# Bedarfsgemeinschaft with children has at least one adult; the average is about 0,3)
U15_MAX_SHARE = 0.6
# count variables with sampling noise (registered population counts are exact)
NOISY_COUNTS = ("mindestsicherung", "sgb2", "arbeitslose", "langzeitarbeitslose", "sgb2_u15",
                "kinder_bg", "bg_alleinerziehend", "hh_alleinerziehend", "grusi_65plus",
                "alleinlebend_65plus", "seu_sprachfoerder", "seu_migration", "schutzsuchende",
                "sgb2_nichtdeutsche", "schwerbehinderte", "bev_80plus")


def _persistent(z: np.ndarray, rho: float, bound: float | None = None) -> np.ndarray:
    """Turn independent standard normal deviates (years × areas) into an AR(1) series with
    correlation ``rho`` from one year to the next (still standard normal), bounded at
    ± ``bound`` (default Z_MAX)."""
    out = z.copy()
    for t in range(1, len(out)):
        out[t] = rho * out[t - 1] + np.sqrt(1 - rho ** 2) * z[t]
    bound = Z_MAX if bound is None else bound
    return np.clip(out, -bound, bound)


def _areas() -> pd.DataFrame:
    rows = [line.split("|") for line in AREAS.strip().splitlines()]
    df = pd.DataFrame(rows, columns=[S.AREA, "name", "name_belegt", "typ", "design"])
    prefix_to_ags = {"AC": "05334002", "A": "05334004", "B": "05334008", "E": "05334012",
                     "H": "05334016", "M": "05334020", "R": "05334024", "SI": "05334028",
                     "S": "05334032", "W": "05334036"}
    df[S.AGS] = df[S.AREA].str.split(" ").str[0].map(prefix_to_ags)
    short = {ags: name.split(" (")[0] for ags, name, *_ in MUNICIPALITIES}
    # every area gets a neutral name („Alsdorf 1a“), also the nine whose real name is
    # published (kept in AREAS for reference): a real neighbourhood name would carry the
    # invented rates of the demo onto a real place
    df["name"] = df[S.AGS].map(short) + " " + df[S.AREA].str.split(" ").str[1]
    df["name_belegt"] = "nein"
    return df


def make_world(seed: int = SEED) -> World:
    """Draw every random quantity once (so calibration only moves latent scores)."""
    rng = np.random.default_rng(seed)
    areas = _areas()
    n = len(areas)
    weights = areas["typ"].map(SIZE_WEIGHT).to_numpy() * rng.uniform(0.75, 1.3, n)
    pop = np.zeros(n)
    for ags, _, total in MUNICIPALITIES:
        m = (areas[S.AGS] == ags).to_numpy()
        share = weights[m] / weights[m].sum()
        pop[m] = np.floor(share * total)
        pop[np.flatnonzero(m)[0]] += total - pop[m].sum()  # exact municipal total
    latent = {}
    types = areas["typ"].to_numpy()
    profiles = areas[S.AGS].map(PROFILE).to_numpy()
    for k, (field, letter) in enumerate(FIELD_LETTERS.items()):
        marked = areas["design"].str.contains(letter).to_numpy()
        effect = np.array([TYPE_EFFECT[t][k] + PROFILE_EFFECT[p][k]
                           for t, p in zip(types, profiles, strict=True)])
        base = np.where(marked, rng.uniform(*LATENT_MARKED[field], n), rng.uniform(*LATENT_OTHER[field], n))
        latent[field] = base + 0.5 * effect
    drift = {f: 0.03 + 0.06 * np.clip(rng.standard_normal(n), -Z_MAX, Z_MAX)
             for f in FIELD_LETTERS}
    sds = {i: sd for i, (_, _, _, sd) in RATE_MODEL.items()} | {"schwerbehinderte": 0.08}
    noise = {i: sd * _persistent(rng.standard_normal((len(YEARS), n)), PERSIST_LEVEL)
             for i, sd in sds.items()}
    noise["bev_80"] = rng.normal(0, 0.05, (len(YEARS), n))
    growth, u15 = rng.normal(0.002, 0.004, n), rng.uniform(0.115, 0.155, n)
    small = rng.uniform(0, 1, (len(YEARS), n))
    offset = {i: rng.normal(0, OFFSET_SD, n) for i in RATE_MODEL}
    for i, (other, own) in SHARED_DEVIATION.items():
        offset[i] = offset[other] + own * offset[i]
        noise[i] = noise[other] + own * noise[i]
    count_z = {v: np.stack([_persistent(rng.standard_normal((len(YEARS), n)), PERSIST_RATE),
                            _persistent(rng.standard_normal((len(YEARS), n)),
                                        0.0 if v in COHORT_COUNTS else PERSIST_STOCK, Z_COUNT)])
               for v in NOISY_COUNTS}
    return World(areas, pop, latent, drift, noise, growth, u15, small, offset, count_z)


def _sample(world: World, variable: str, year_idx: int, n: np.ndarray,
            rate: np.ndarray) -> np.ndarray:
    """An observed count of ``n`` people at the modelled ``rate``: beta-binomial with
    variance OVERDISPERSION × n·rate·(1 − rate), drawn by inverse distribution functions
    from the world's fixed deviates (so a higher rate never gives a lower count, and the
    calibration only moves latent scores); always between 0 and ``n``."""
    from scipy.special import betaincinv, ndtr
    from scipy.stats import binom

    z_rate, z_count = world.count_z[variable][:, year_idx]
    n = np.maximum(n, 0)
    p = np.clip(rate, 1e-9, 1 - 1e-9)
    # beta precision so that the beta-binomial has the stated overdispersion (at least 1)
    kappa = np.maximum((n - 1) / (OVERDISPERSION - 1) - 1, 1.0)
    local = betaincinv(p * kappa, (1 - p) * kappa, ndtr(z_rate))
    count = np.nan_to_num(binom.ppf(ndtr(z_count), n, local))
    # both stages together stay within ± Z_MAX standard deviations of the modelled count
    mean, sd = n * p, np.sqrt(OVERDISPERSION * n * p * (1 - p))
    count = np.clip(count, np.ceil(mean - Z_MAX * sd), np.floor(mean + Z_MAX * sd))
    return np.where(n > 0, np.clip(count, 0, n), 0)


def _rate(world: World, indicator: str, year_idx: int) -> np.ndarray:
    field, base, slope, _ = RATE_MODEL[indicator]
    back = len(YEARS) - 1 - year_idx
    mix = LATENT_MIX.get(indicator, {field: 1.0})
    lat = sum(w * (world.latent[f] - world.drift[f] * back) for f, w in mix.items())
    level = world.areas[S.AGS].map(PROFILE).map(PROFILE_RATE.get(indicator, {})).fillna(0.0)
    expected = base / 100 * np.exp(slope * lat + level.to_numpy() + world.offset[indicator])
    if indicator in SOFT_CAP:
        expected = _saturate(expected, SOFT_CAP[indicator])
    return expected * np.exp(world.noise[indicator][year_idx])


def _saturate(x: np.ndarray, cap: float) -> np.ndarray:
    """A smooth ceiling: about ``x`` well below ``cap``, approaching ``cap`` only slowly
    (x / (1 + (x / cap)^SATURATION)^(1 / SATURATION)), strictly increasing, so areas near the
    top still differ from each other and follow their latent drift."""
    return x / (1 + (x / cap) ** SATURATION) ** (1 / SATURATION)


def counts_for_year(world: World, year_idx: int) -> dict[str, np.ndarray]:
    """All area counts of one year, as integer arrays in area order.

    Registered population counts follow the model exactly; the counts of people in a
    situation (benefits, unemployment, findings at school entry …) are drawn around their
    modelled rate of their denominator with overdispersed sampling noise (:func:`_sample`),
    so they never exceed it.
    """
    back = len(YEARS) - 1 - year_idx
    c: dict[str, np.ndarray] = {}

    def draw(var: str, denominator: np.ndarray, rate: np.ndarray, cap: float) -> np.ndarray:
        return _sample(world, var, year_idx, denominator, np.clip(rate, 0, cap))

    pop = np.round(world.pop2021 * (1 - world.growth) ** back)
    c["bev_gesamt"] = pop
    # the soft ceiling of _rate keeps the share below P65_MAX; the clip is a safety net only
    p65 = np.clip(_rate(world, "anteil_65plus", year_idx), 0.08, P65_MAX)
    c["bev_65plus"] = np.round(pop * p65)
    c["bev_u15"] = np.round(pop * world.u15_share * np.exp(-0.6 * (p65 - 0.21)))
    c["bev_u18"] = np.round(c["bev_u15"] * 1.21)
    c["bev_u65"] = pop - c["bev_65plus"]
    c["bev_15_64"] = c["bev_u65"] - c["bev_u15"]
    # the people aged 80+ are drawn from those aged 65+ (about a third of them, a little
    # more in old areas), not independently of them: never more than RATIO_80_65_MAX
    c["bev_80plus"] = draw("bev_80plus", c["bev_65plus"], _rate(world, "anteil_80plus", year_idx),
                           RATIO_80_65_MAX)
    c["alleinlebend_65plus"] = draw("alleinlebend_65plus", c["bev_65plus"],
                                    _rate(world, "alleinlebend_65plus", year_idx), 0.8)
    c["grusi_65plus"] = draw("grusi_65plus", c["bev_65plus"],
                             _rate(world, "grusi_alter", year_idx), 0.4)
    # SGB II and Grundsicherung im Alter (SGB XII) are disjoint parts of Mindestsicherung
    c["sgb2"] = draw("sgb2", c["bev_u65"], _rate(world, "sgb2", year_idx), 0.6)
    c["mindestsicherung"] = np.maximum(
        draw("mindestsicherung", pop, _rate(world, "mindestsicherung", year_idx), 0.6),
        c["sgb2"] + c["grusi_65plus"])
    c["arbeitslose"] = draw("arbeitslose", c["bev_15_64"],
                            _rate(world, "arbeitslosendichte", year_idx), 0.4)
    c["langzeitarbeitslose"] = draw("langzeitarbeitslose", c["arbeitslose"],
                                    _rate(world, "langzeitarbeitslose", year_idx), 0.9)
    c["sgb2_u15"] = np.minimum(draw("sgb2_u15", c["bev_u15"],
                                    _rate(world, "sgb2_u15", year_idx), 0.8),
                               np.round(U15_MAX_SHARE * c["sgb2"]))
    # children under 18 in Bedarfsgemeinschaften = the under-15s with SGB II plus the
    # 15–17-year-olds in Bedarfsgemeinschaften (mostly their siblings), drawn at
    # KINDER_1517 × the area's observed rate of the under-15s, varied by the area effect and
    # yearly deviation of kinder_bg: so kinder_bg ≥ sgb2_u15, about 1,15–1,3 times it
    u15_rate = c["sgb2_u15"] / np.maximum(c["bev_u15"], 1)
    c["kinder_bg"] = c["sgb2_u15"] + draw(
        "kinder_bg", c["bev_u18"] - c["bev_u15"],
        u15_rate * KINDER_1517 * np.exp(world.offset["kinder_bg"]
                                        + world.noise["kinder_bg"][year_idx]), 0.8)
    c["bg_kinder"] = np.round(c["kinder_bg"] / 1.9)
    c["bg_alleinerziehend"] = draw("bg_alleinerziehend", c["bg_kinder"],
                                   _rate(world, "alleinerziehende_bg", year_idx), 0.9)
    c["hh_kinder"] = np.round(c["bev_u18"] / 1.7)
    c["hh_alleinerziehend"] = draw("hh_alleinerziehend", c["hh_kinder"],
                                   _rate(world, "alleinerziehende", year_idx), 0.7)
    c["seu_untersucht"] = np.round(c["bev_u15"] / 14.5)
    c["seu_sprachfoerder"] = draw("seu_sprachfoerder", c["seu_untersucht"],
                                  _rate(world, "sprachfoerderbedarf", year_idx), 0.9)
    c["seu_migration"] = draw("seu_migration", c["seu_untersucht"],
                              _rate(world, "kinder_migration", year_idx), 0.95)
    c["nichtdeutsche"] = np.round(pop * np.clip(_rate(world, "nichtdeutsche", year_idx), 0, 0.6))
    c["schutzsuchende"] = np.minimum(draw("schutzsuchende", pop,
                                          _rate(world, "schutzsuchende", year_idx), 0.2),
                                     c["nichtdeutsche"])
    c["sgb2_nichtdeutsche"] = np.minimum(draw("sgb2_nichtdeutsche", c["nichtdeutsche"],
                                              _rate(world, "sgb2_nichtdeutsche", year_idx),
                                              0.7), c["sgb2"])
    sb_lat = 0.6 * world.latent["aeltere"] + 0.4 * world.latent["armut"]
    c["schwerbehinderte"] = _sample(world, "schwerbehinderte", year_idx, pop, 0.095 * np.exp(
        0.12 * sb_lat + world.noise["schwerbehinderte"][year_idx]))
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
def calibrate(world: World, max_rounds: int = 400, step: float = 0.08,
              seed: int = SEED) -> int:
    """Nudge latent scores until the default method reproduces the planning design.

    The method runs exactly as in a report (:func:`analysis.method.core.run`: disclosure control
    first, then indices and rules on the published values), on the report year only.
    Returns the number of rounds used. Raises RuntimeError if it does not converge.
    """
    from analysis.contract.config import load_config
    from analysis.contract.dataset import Dataset
    from analysis.contract.identities import parse_identities
    from analysis.method.core import run

    cfg = load_config(Path(__file__).resolve().parents[3] / "config" / "report.yaml")
    cfg = cfg.model_copy(update={"vergleichsjahr": None})
    mun, var, ind = catalogue_frames()
    ind = ind.assign(handlungsfelder=ind["handlungsfelder"].str.split())
    identities, _ = parse_identities(var)
    areas = world.areas[[S.AREA, "name", S.AGS, "name_belegt"]].assign(
        **{S.KOMMUNE: world.areas[S.AGS].map(dict(zip(mun[S.AGS], mun["name"], strict=True)))})
    muni = municipal_counts(world)
    muni = muni[muni[S.YEAR] == REPORT_YEAR].reset_index(drop=True)
    design = world.areas.set_index(S.AREA)["design"]
    # an area lifted over its threshold gets an overshoot of its own (deterministic): it
    # lands somewhere above the threshold, not just across it
    jump = np.random.default_rng(seed + 2).uniform(*OVERSHOOT, len(world.areas))
    for rnd in range(max_rounds):
        ds = Dataset(mun, areas, var, ind, counts_frame(world, [REPORT_YEAR]), muni, {},
                     [REPORT_YEAR], identities=identities)
        need = run(ds, cfg, with_stability=False).need
        wrong = 0
        for field, letter in FIELD_LETTERS.items():
            want = design.reindex(need.index).str.contains(letter)
            got = need[f"{field}_bedarf_flag"]
            up = (want & ~got).reindex(world.areas[S.AREA]).to_numpy()
            down = (~want & got).reindex(world.areas[S.AREA]).to_numpy()
            world.latent[field] = world.latent[field] + (step + jump) * up - step * down
            wrong += int(up.sum() + down.sum())
        if wrong == 0:
            return rnd
    raise RuntimeError("Kalibrierung der Demodaten konvergiert nicht")


# --------------------------------------------------------------------------- geometry
# Real outlines of the Kommunen (BKG VG5000, generalised; see demo_geo/README.md), with the
# credit line the licence (dl-de/by-2-0) asks for. The Sozialräume inside are synthetic.
OUTLINES = Path(__file__).with_name("demo_geo") / "kommunen_vg5000.geojson"
MAP_CREDIT = ("Sozialräume schematisch (synthetische Flächen, nicht die amtlichen Grenzen); "
              "Gemeindegrenzen: © GeoBasis-DE / BKG 2021 (Daten verändert), "
              "Lizenz dl-de/by-2-0")
# approximate town centre (lon, lat) of each Kommune: the synthetic areas are small there
# and grow towards the edge, central area types („zentrum“) are placed nearest to it
CENTRES = {"05334002": (6.084, 50.776), "05334004": (6.168, 50.875),
           "05334008": (6.187, 50.907), "05334012": (6.262, 50.818),
           "05334016": (6.096, 50.871), "05334020": (6.242, 50.556),
           "05334024": (6.196, 50.650), "05334028": (6.300, 50.607),
           "05334032": (6.228, 50.771), "05334036": (6.126, 50.820)}
TYPE_RANK = {"zentrum": 0, "stadt": 1, "vorort": 2, "dorf": 3, "weiler": 4}
GRID_M = 150.0  # spacing of the sample points of the partition
DENSITY = (25.0, 2500.0)  # sample weight 1 + a · exp(-distance / b): settlement density


def outlines() -> dict[str, object]:
    """Kommune id → real (generalised) outline in EPSG:25832."""
    from shapely.geometry import shape

    doc = json.loads(OUTLINES.read_text(encoding="utf-8"))
    return {f["properties"]["ags"]: shape(f["geometry"]) for f in doc["features"]}


def _centre_xy(ags: str) -> tuple[float, float]:
    from pyproj import Transformer

    lon, lat = CENTRES[ags]
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True).transform(lon, lat)
    return float(x), float(y)


def _seeds(poly, k: int, centre: tuple[float, float], rounds: int = 40) -> np.ndarray:
    """k seed points for a partition of ``poly``: weighted k-means (Lloyd) on a regular
    grid of sample points, denser near ``centre``; deterministic (no random start)."""
    import shapely

    x0, y0, x1, y1 = poly.bounds
    xs = np.arange(x0 + GRID_M / 2, x1, GRID_M)
    ys = np.arange(y0 + GRID_M / 2, y1, GRID_M)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    pts = pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])]
    d = np.hypot(pts[:, 0] - centre[0], pts[:, 1] - centre[1])
    w = 1 + DENSITY[0] * np.exp(-d / DENSITY[1])
    # farthest-point start from the sample point nearest to the centre
    chosen = [int(np.argmin(d))]
    dist = np.hypot(*(pts - pts[chosen[0]]).T)
    while len(chosen) < k:
        nxt = int(np.argmax(dist * np.sqrt(w)))
        chosen.append(nxt)
        dist = np.minimum(dist, np.hypot(*(pts - pts[nxt]).T))
    seeds = pts[chosen].copy()
    for _ in range(rounds):
        lab = np.argmin(((pts[:, None, :] - seeds[None, :, :]) ** 2).sum(-1), axis=1)
        for j in range(k):
            m = lab == j
            if m.any():
                seeds[j] = (pts[m] * w[m, None]).sum(0) / w[m].sum()
    return seeds


def _partition(poly, seeds: np.ndarray) -> list[object]:
    """Voronoi cells of ``seeds`` clipped to ``poly``; a detached piece of a cell goes to
    the neighbouring cell with the longest common border (each cell one polygon)."""
    import shapely
    from shapely.geometry import MultiPoint, Point

    vor = shapely.voronoi_polygons(MultiPoint([tuple(s) for s in seeds]),
                                   extend_to=poly.envelope.buffer(1000))
    cells_raw = list(shapely.get_parts(vor))
    cells: list[object] = [None] * len(seeds)
    for c in cells_raw:  # voronoi_polygons does not keep the order of the seeds
        j = next(i for i, s in enumerate(seeds) if c.contains(Point(s)))
        cells[j] = c.intersection(poly)
    pieces = []
    for j, c in enumerate(cells):
        parts = sorted(shapely.get_parts(c), key=lambda g: -g.area)
        cells[j] = parts[0]
        pieces += [(j, g) for g in parts[1:] if g.area > 0]
    for _j, g in pieces:
        best = max(range(len(cells)), key=lambda i: (cells[i].intersection(g.buffer(0.01)).area,
                                                     -i))
        cells[best] = cells[best].union(g)
    return cells


def geometry(areas: pd.DataFrame) -> dict[str, object]:
    """Synthetic Sozialräume (EPSG:25832) inside the real outline of each Kommune.

    Each Kommune is split into as many Voronoi cells as it has areas (seeds from a
    weighted k-means, small cells near the town centre); the cells nearest to the centre
    get the most central area types. All borders are noded together once, so neighbouring
    areas – also across Kommunen – share their border exactly (no gaps, no overlaps).
    """
    import shapely

    kommunen = outlines()
    cells: dict[str, object] = {}
    for ags, sub in areas.groupby(S.AGS, sort=True):
        poly = kommunen[ags]
        centre = _centre_xy(ags)
        parts = _partition(poly, _seeds(poly, len(sub), centre))
        rank = sub.assign(_r=sub["typ"].map(TYPE_RANK), _o=range(len(sub)))
        codes = list(rank.sort_values(["_r", "_o"], kind="stable")[S.AREA])
        parts.sort(key=lambda g: (np.hypot(g.centroid.x - centre[0], g.centroid.y - centre[1])))
        cells.update(zip(codes, parts, strict=True))
    # node all borders together and rebuild every area from the faces it covers
    lines = shapely.union_all([shapely.boundary(g) for g in cells.values()])
    faces = list(shapely.get_parts(shapely.polygonize(shapely.get_parts(lines))))
    order = list(cells)
    owner: dict[str, list[object]] = {c: [] for c in order}
    for f in faces:
        pt = f.representative_point()
        code = next((c for c in order if cells[c].contains(pt)), None)
        if code is None:  # sliver outside every cell (rounding at a border)
            code = max(order, key=lambda c: cells[c].intersection(f).area)
        owner[code].append(f)
    out = {}
    for code in order:
        g = shapely.union_all(owner[code])
        g = shapely.set_precision(g, 0.001)  # mm: slivers along the outline stay tiny
        out[code] = g.normalize()
    return out


def geojson(geoms: dict[str, object]) -> str:
    features = [{"type": "Feature", "properties": {S.GEOMETRY_PROPERTY: code},
                 "geometry": mapping(geoms[code])} for code in geoms]
    doc = {"type": "FeatureCollection",
           "name": "sozialraeume_schematisch_demo",
           S.GEOMETRY_CREDIT: MAP_CREDIT,
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
           "features": features}
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=int) + "\n"


# --------------------------------------------------------------------------- write
def _csv(df: pd.DataFrame, path: Path) -> None:
    path.write_text(df.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def write_demo(out: Path, seed: int = SEED) -> dict[str, int]:
    """Generate the whole demo data set into ``out`` (byte-identical for a seed)."""
    from analysis.build.demo_planning import write_planning
    from analysis.method.concept import adjacency

    out.mkdir(parents=True, exist_ok=True)
    world = make_world(seed)
    rounds = calibrate(world, seed=seed)
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
    short = {ags: name.split(" (")[0] for ags, name, _ in MUNICIPALITIES}
    write_planning(out, world.areas, counts_frame(world), ind, adjacency(geoms), short)
    (out / "DEMO").write_text(DEMO_NOTICE, encoding="utf-8")
    return {"sozialraeume": len(areas), "zaehlwerte": len(counts), "kalibrierrunden": rounds}
