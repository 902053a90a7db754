"""Synthetic planning inputs of the demo data: priorities, services, impact goals, notes.

SYNTHETIC DEMO DATA. Priorities reproduce the council paper's counts (poverty of
older people 8 Kommunen, needs of older people 6, education chances 5, child
poverty 6, employment of families 4); services, goals and notes are invented.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import schema as S

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
# field -> list of (service type, target group, chain stage, name pattern, providers)
SERVICE_TYPES = {
    "armut": [("Quartiersmanagement", "Bewohnerinnen und Bewohner", "erwerbsleben",
               "Quartiersbüro {n}"),
              ("Beratung", "Langzeitarbeitslose", "erwerbsleben", "Arbeitslosenzentrum {n}"),
              ("Beratung", "Familien", "uebergang_beruf", "Jugendberufshilfe {n}")],
    "aeltere": [("Beratung", "Ältere", "alter", "Seniorenberatung {n}"),
                ("Begegnung", "Ältere", "alter", "Seniorentreff {n}"),
                ("Mobilität", "Ältere", "alter", "Bürgerbus {n}")],
    "kinder": [("Familienzentrum", "Familien", "kita", "Familienzentrum {n}"),
               ("Frühe Hilfen", "Familien mit Kleinkindern", "fruehe_hilfen",
                "Frühe Hilfen {n}"),
               ("Beratung", "Alleinerziehende", "kita", "Treffpunkt Alleinerziehende {n}"),
               ("Bildung", "Schulkinder", "grundschule", "Lernförderung {n}"),
               ("Jugendarbeit", "Jugendliche", "weiterfuehrende_schule", "Jugendtreff {n}")],
    "integration": [("Integrationsagentur", "Zugewanderte", "erwerbsleben",
                     "Integrationsagentur {n}"),
                    ("Sprachförderung", "Kinder mit Sprachförderbedarf", "kita", "Sprachkita {n}")],
    "inklusion": [("Beratung", "Menschen mit Behinderung", "erwerbsleben", "EUTB-Beratung {n}")],
}
PROVIDERS = ["Caritasverband", "Diakonisches Werk", "AWO Kreisverband", "DRK Kreisverband",
             "Der Paritätische", "Kommune", "StädteRegion Aachen, Jugendamt", "Jobcenter"]
NETWORKS = {"kinder": "Netzwerk Frühe Hilfen", "aeltere": "Netzwerk Älter werden im Quartier",
            "armut": "Netzwerk Armutsprävention", "integration": "Kommunales Integrationszentrum",
            "inklusion": "Netzwerk Inklusion"}
LETTERS = {"armut": "P", "aeltere": "O", "kinder": "K", "integration": "I"}

NOTES = [
    ("2021-05-17_s1_alleinerziehende.md", "S 1|S 2", None, "kinder", "2021-05-17",
     "Sozialraumkonferenz", "Alleinerziehende finden keine Randzeiten-Betreuung",
     "In der Sozialraumkonferenz Stolberg-Innenstadt berichteten Fachkräfte der Kitas und "
     "des Jobcenters, dass Alleinerziehende Arbeitsangebote mit Schichtbeginn vor 7 Uhr nicht "
     "annehmen können, weil es keine Betreuung in Randzeiten gibt. Vorgeschlagen wurde ein "
     "gemeinsames Modellprojekt mit zwei Familienzentren."),
    ("2021-06-02_e_innenstadt.md", "E 1|E 2", None, "armut", "2021-06-02", "Fachgespräch",
     "Verdeckte Armut in der Eschweiler Innenstadt",
     "Die Schuldnerberatung beobachtet eine wachsende Zahl von Haushalten, die knapp über der "
     "Grundsicherungsgrenze leben und keine Leistungen beantragen. Die Beratungsangebote sind "
     "vor Ort kaum bekannt."),
    ("2021-09-14_eifel_mobilitaet.md", "M 1|M 2|SI 2", None, "aeltere", "2021-09-14",
     "Sozialraumkonferenz", "Mobilität Älterer in der Eifel",
     "Ältere Menschen in den Eifelorten sind ohne eigenes Auto von Arztbesuchen und Einkauf "
     "weitgehend abgeschnitten. Der Bürgerbus fährt nur an zwei Tagen; gewünscht wird ein "
     "Rufbus mit Begleitung."),
    ("2021-10-05_alsdorf_sprachfoerderung.md", "A 1a|A 2b", None, "integration", "2021-10-05",
     "Fachgespräch", "Sprachförderung vor der Einschulung",
     "Grundschulen in Alsdorf-Mitte und Kellersberg melden, dass viele neu zugewanderte "
     "Kinder ohne Kita-Erfahrung eingeschult werden. Brückenangebote vor der Einschulung "
     "fehlen."),
    ("2021-11-11_aachen_ost.md", "AC 3", None, "kinder", "2021-11-11", "Befragung",
     "Elternbefragung Aachen-Ost",
     "In einer Befragung von 212 Eltern nannten zwei Drittel fehlende Ganztagsplätze und "
     "lange Wartezeiten auf Kinderärzte als größte Belastung."),
    ("2022-02-08_lenkungskreis_aeltere.md", None, "05334032", "aeltere", "2022-02-08",
     "Lenkungskreis", "Altersarmut als Schwerpunkt in Stolberg",
     "Der Lenkungskreis bestätigt Altersarmut als Schwerpunkt der Stadt Stolberg. Die "
     "Seniorenberatung soll aufsuchend in Venwegen und Zweifall tätig werden."),
    ("2022-03-22_setterich.md", "B 3a", None, "armut", "2022-03-22", "Sozialraumkonferenz",
     "Quartiersarbeit in Setterich-Nord",
     "Das Quartiersbüro Setterich-Nord erreicht viele Familien; nach Auslaufen der "
     "Städtebauförderung ist die Finanzierung ab 2023 offen."),
    ("2022-04-06_inklusion_wohnen.md", None, "05334002", "inklusion", "2022-04-06",
     "Fachgespräch", "Barrierefreier Wohnraum fehlt",
     "Beratungsstellen berichten, dass Menschen mit Behinderung in Aachen kaum bezahlbaren "
     "barrierefreien Wohnraum finden; Umzüge in Einrichtungen sind die Folge."),
]

GOALS = [
    ("z_kinderarmut_s1", "Weniger Kinder in Stolberg-Unterstolberg leben von SGB II",
     "Familienbüro im Quartier|Randzeitenbetreuung für Alleinerziehende", "kinder", "S 1",
     "sgb2_u15", 0.85),
    ("z_sprachfoerderung_a1a", "Mehr Kinder in Alsdorf-Mitte starten ohne Sprachförderbedarf "
     "in die Schule", "Brückenprojekt vor der Einschulung|Sprachkita", "kinder", "A 1a",
     "sprachfoerderbedarf", 0.85),
    ("z_grusi_stolberg", "Altersarmut in Stolberg begrenzen",
     "Aufsuchende Seniorenberatung|Antragshilfe Grundsicherung", "aeltere", "05334032",
     "grusi_alter", 0.95),
    ("z_langzeit_eschweiler", "Weniger Langzeitarbeitslose in der Eschweiler Innenstadt",
     "Arbeitslosenzentrum|Coaching für Bedarfsgemeinschaften", "armut", "E 1",
     "langzeitarbeitslose", 0.9),
    ("z_mindestsicherung_ac3", "Mindestsicherungsquote in Aachen-Ost senken",
     "Quartiersmanagement|Beschäftigungsprojekte", "armut", "AC 3", "mindestsicherung", 0.9),
    ("z_schutzsuchende_b3a", "Schutzsuchende in Setterich in Arbeit bringen",
     "Integrationsagentur|Sprachkurse mit Kinderbetreuung", "integration", "B 3a",
     "sgb2_nichtdeutsche", 0.9),
]


def _csv(df: pd.DataFrame, path: Path) -> None:
    path.write_text(df.to_csv(index=False, lineterminator="\n"), encoding="utf-8")


def services(areas: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """A plausible services inventory: most areas with designed need have an offer,
    some have none (gaps), a few offers serve several neighbouring areas."""
    rng = np.random.default_rng(seed)
    rows = []
    n = 0
    for field, types in SERVICE_TYPES.items():
        letter = LETTERS.get(field)
        for _, a in areas.iterrows():
            needy = letter is not None and letter in a["design"]
            p = 0.55 if needy else 0.10
            if field == "inklusion":
                p = 0.12 if a["typ"] in ("zentrum", "stadt") else 0.0
            if rng.uniform() >= p:
                continue
            typ, group, stage, pattern = types[int(rng.integers(len(types)))]
            n += 1
            served = [a[S.AREA]]
            same = areas[(areas[S.AGS] == a[S.AGS]) & (areas[S.AREA] != a[S.AREA])]
            if rng.uniform() < 0.25 and len(same):
                served.append(same.iloc[int(rng.integers(len(same)))][S.AREA])
            since = int(rng.integers(2008, 2021))
            until = since + int(rng.integers(3, 8)) if rng.uniform() < 0.15 else None
            rows.append({
                "angebot": f"ang_{n:03d}",
                "name": pattern.format(n=a["name"]),
                "traeger": PROVIDERS[int(rng.integers(len(PROVIDERS)))],
                "typ": typ, "zielgruppe": group, S.FIELD: field, "kettenstufe": stage,
                "sozialraeume": "|".join(served), "seit": since,
                "bis": "" if until is None else until,
                "netzwerk": NETWORKS[field] if rng.uniform() < 0.5 else "",
            })
    return pd.DataFrame(rows)


def write_planning(out: Path, areas: pd.DataFrame, counts: pd.DataFrame,
                   catalogue: pd.DataFrame) -> None:
    """Write prioritaeten.csv, angebote.csv, wirkungsziele.csv and befunde/*.md."""
    pri = pd.DataFrame([(ags, theme, REASONS[theme]) for theme, agss in PRIORITIES.items()
                        for ags in agss], columns=[S.AGS, "thema", "begruendung"])
    _csv(pri.sort_values([S.AGS, "thema"]), out / "prioritaeten.csv")
    _csv(services(areas), out / "angebote.csv")
    cat = catalogue.set_index(S.INDICATOR)
    rows = []
    for gid, goal, measures, field, area, ind, factor in GOALS:
        num, den = cat.loc[ind, S.NUMERATOR], cat.loc[ind, S.DENOMINATOR]
        key = S.AGS if area.startswith("0533") else S.AREA
        sel = counts[(counts[key] == area) & (counts[S.YEAR] == 2016)]
        c = sel.groupby(S.VARIABLE)[S.COUNT].sum()
        base = c[num] / c[den] * float(cat.loc[ind, "skala"])
        rows.append({"ziel_id": gid, "ziel": goal, "massnahmen": measures, S.FIELD: field,
                     "gebiet": area, S.INDICATOR: ind, "basisjahr": 2016,
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
