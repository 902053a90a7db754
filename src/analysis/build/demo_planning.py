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
             "Kita {n}", "kita"),
    "familienzentrum": ("kinder", "Familienzentrum", "Familien mit Kindern", "kita",
                        "Familienzentrum {n}", "kita"),
    "ogs": ("kinder", "Offene Ganztagsschule", "Grundschulkinder", "grundschule",
            "Offener Ganztag Grundschule {n}", "frei"),
    "fruehe_hilfen": ("kinder", "Frühe Hilfen", "Familien mit Kindern unter 3 Jahren",
                      "fruehe_hilfen", "Frühe Hilfen {k}", "jugendamt"),
    "jugendtreff": ("kinder", "Offene Kinder- und Jugendarbeit", "Jugendliche",
                    "weiterfuehrende_schule", "Jugendtreff {n}", "frei"),
    "schulsozialarbeit": ("kinder", "Schulsozialarbeit", "Schülerinnen und Schüler",
                          "weiterfuehrende_schule", "Schulsozialarbeit {k}", "jugendamt"),
    "jugendberufshilfe": ("kinder", "Jugendberufshilfe",
                          "Jugendliche im Übergang von der Schule in den Beruf",
                          "uebergang_beruf", "Jugendberufshilfe {k}", "frei"),
    "schuldnerberatung": ("armut", "Schuldnerberatung", "Überschuldete Haushalte",
                          "erwerbsleben", "Schuldner- und Insolvenzberatung {k}", "frei"),
    "erwerbslosenberatung": ("armut", "Erwerbslosenberatung", "Erwerbslose",
                             "erwerbsleben", "Erwerbslosenberatung {n}", "frei"),
    "coaching": ("armut", "Beschäftigungsförderung", "Langzeitarbeitslose",
                 "erwerbsleben", "Coaching für Bedarfsgemeinschaften {k}", "jobcenter"),
    "quartier": ("armut", "Quartiersmanagement", "Bewohnerinnen und Bewohner des Quartiers",
                 "erwerbsleben", "Quartiersbüro {n}", "kommune"),
    "ausbildung": ("armut", "Beschäftigungsförderung", "Junge Erwachsene ohne Ausbildung",
                   "uebergang_beruf", "Ausbildungsprojekt {k}", "jobcenter"),
    "sozialberatung_alter": ("armut", "Sozialberatung", "Ältere mit geringem Einkommen",
                             "alter", "Antragshilfe Grundsicherung {k}", "sozialamt"),
    "seniorenberatung": ("aeltere", "Seniorenberatung", "Ältere und Angehörige", "alter",
                         "Seniorenberatung {n}", "kommune"),
    "begegnung": ("aeltere", "Begegnungsstätte", "Ältere", "alter",
                  "Seniorentreff {n}", "frei"),
    "pflegeberatung": ("aeltere", "Pflege- und Wohnberatung", "Pflegebedürftige und Angehörige",
                       "alter", "Pflege- und Wohnberatung {k}", "staedteregion"),
    "buergerbus": ("aeltere", "Mobilität", "Ältere und Menschen ohne Auto", "alter",
                   "Bürgerbus {k}", "buergerbus"),
    "sprachkita": ("integration", "Sprachförderung", "Kinder mit Sprachförderbedarf", "kita",
                   "Sprach-Kita {n}", "kita"),
    "rucksack": ("integration", "Elternbildung", "Zugewanderte Eltern von Grundschulkindern",
                 "grundschule", "Rucksack Schule {k}", "ki"),
    "jmd": ("integration", "Migrationsberatung", "Junge Zugewanderte (12 bis 27 Jahre)",
            "uebergang_beruf", "Jugendmigrationsdienst {k}", "frei"),
    "mbe": ("integration", "Migrationsberatung", "Zugewanderte Erwachsene", "erwerbsleben",
            "Migrationsberatung für Erwachsene {k}", "frei"),
    "integrationsagentur": ("integration", "Integrationsagentur", "Zugewanderte",
                            "erwerbsleben", "Integrationsagentur {n}", "frei"),
    "eutb": ("inklusion", "Teilhabeberatung", "Menschen mit Behinderung und Angehörige",
             "erwerbsleben", "Ergänzende unabhängige Teilhabeberatung {k}", "lebenshilfe"),
    "fruehfoerderung": ("inklusion", "Frühförderung", "Kinder mit Behinderung und ihre Eltern",
                        "fruehe_hilfen", "Frühförderstelle {k}", "lebenshilfe"),
}

NOTES = [
    ("2021-05-17_s1_alleinerziehende.md", "S 1|S 2", None, "kinder", "2021-05-17",
     "Sozialraumkonferenz", "Alleinerziehende finden keine Randzeiten-Betreuung",
     "In der Sozialraumkonferenz für die Stolberger Sozialräume S 1 und S 2 berichteten "
     "Fachkräfte der Kitas und "
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
     "Elternbefragung im Sozialraum AC 3",
     "In einer Befragung von 212 Eltern nannten zwei Drittel fehlende Ganztagsplätze und "
     "lange Wartezeiten auf Kinderärzte als größte Belastung."),
    ("2022-02-08_lenkungskreis_aeltere.md", None, "05334032", "aeltere", "2022-02-08",
     "Lenkungskreis", "Altersarmut als Schwerpunkt in Stolberg",
     "Der Lenkungskreis bestätigt Altersarmut als Schwerpunkt der Stadt Stolberg. Die "
     "Seniorenberatung soll aufsuchend in den Sozialräumen S 10 und S 12 tätig werden."),
    ("2022-03-22_setterich.md", "B 3a", None, "armut", "2022-03-22", "Sozialraumkonferenz",
     "Quartiersarbeit im Sozialraum B 3a",
     "Das Quartiersbüro Baesweiler 3a erreicht viele Familien; nach Auslaufen der "
     "Städtebauförderung ist die Finanzierung ab 2023 offen."),
    ("2022-04-06_inklusion_wohnen.md", None, "05334002", "inklusion", "2022-04-06",
     "Fachgespräch", "Barrierefreier Wohnraum fehlt",
     "Beratungsstellen berichten, dass Menschen mit Behinderung in Aachen kaum bezahlbaren "
     "barrierefreien Wohnraum finden; Umzüge in Einrichtungen sind die Folge."),
]

GOALS = [
    ("z_kinderarmut_s1", "Weniger Kinder im Sozialraum S 1 (Stolberg) leben von SGB II",
     "Familienbüro im Quartier|Randzeitenbetreuung für Alleinerziehende", "kinder", "S 1",
     "sgb2_u15", 0.85),
    ("z_sprachfoerderung_a1a", "Mehr Kinder in Alsdorf-Mitte starten ohne Sprachförderbedarf "
     "in die Schule", "Brückenprojekt vor der Einschulung|Sprachkita", "kinder", "A 1a",
     "sprachfoerderbedarf", 0.85),
    ("z_grusi_stolberg", "Altersarmut in Stolberg begrenzen",
     "Aufsuchende Seniorenberatung|Antragshilfe Grundsicherung", "aeltere", "05334032",
     "grusi_alter", 0.95),
    ("z_langzeit_eschweiler", "Weniger Langzeitarbeitslose im Sozialraum E 1 (Eschweiler)",
     "Arbeitslosenzentrum|Coaching für Bedarfsgemeinschaften", "armut", "E 1",
     "langzeitarbeitslose", 0.9),
    ("z_mindestsicherung_ac3", "Mindestsicherungsquote im Sozialraum AC 3 (Aachen) senken",
     "Quartiersmanagement|Beschäftigungsprojekte", "armut", "AC 3", "mindestsicherung", 0.9),
    ("z_schutzsuchende_b3a", "Schutzsuchende im Sozialraum B 3a (Baesweiler) in Arbeit bringen",
     "Integrationsagentur|Sprachkurse mit Kinderbetreuung", "integration", "B 3a",
     "sgb2_nichtdeutsche", 0.9),
]


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


def services(areas: pd.DataFrame, population: dict[str, int],
             neighbours: dict[str, set[str]], kommunen: dict[str, str],
             seed: int = 7) -> pd.DataFrame:
    """A plausible services inventory of the synthetic region.

    * Basic services follow population: every Kommune has Kitas (one per about 10.000
      residents) and open all-day primary schools (one per about 15.000), spread over its
      areas in proportion to their population.
    * Services of a field are more likely in areas with need in that field; offices of a
      Kommune sit in its most central area; small Eifel Kommunen share regional offices.
    * The Träger fits the service: youth welfare by the Kommune's own Jugendamt, in
      Monschau, Roetgen and Simmerath by the StädteRegion's; employment support by the
      Jobcenter; counselling by free welfare associations.
    """
    rng = np.random.default_rng(seed)
    rows: list[dict] = []

    def add(kind: str, name: str, served: list[str], ags: str, since: int | None = None,
            ended: bool = False) -> None:
        field, typ, group, stage, _, _ = KINDS[kind]
        start = since if since is not None else int(rng.integers(2005, 2021))
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

    def name_of(kind: str, area: pd.Series | None, kommune: str, i: int = 1) -> str:
        pattern = KINDS[kind][4]
        base = pattern.format(n=area["name"] if area is not None else kommune, k=kommune)
        return base if i == 1 else f"{base} ({i})"

    def need(a: pd.Series, field: str) -> bool:
        return LETTERS[field] in a["design"]

    eifel_areas = list(areas.loc[areas[S.AGS].isin(EIFEL), S.AREA])
    for ags in sorted(kommunen):
        sub = areas[areas[S.AGS] == ags]
        k = kommunen[ags]
        kpop = sum(population[c] for c in sub[S.AREA])
        order = sub.assign(_r=sub["typ"].map(TYPE_RANK),
                           _p=[-population[c] for c in sub[S.AREA]])
        order = order.sort_values(["_r", "_p"], kind="stable")
        centre = order.iloc[0]
        all_codes = list(sub[S.AREA])

        def local(a: str, inside: frozenset = frozenset(all_codes)) -> list[str]:
            """The area and its first neighbour in the same Kommune (outreach work)."""
            return [a] + sorted(n for n in neighbours.get(a, ()) if n in inside)[:1]

        kitas = _allocate(max(1, round(kpop / 10_000)), {c: population[c] for c in all_codes})
        schools = _allocate(max(1, round(kpop / 15_000)),
                            {c: population[c] for c in all_codes})
        for _, a in sub.iterrows():
            pop, code = population[a[S.AREA]], a[S.AREA]
            for i in range(1, kitas[code] + 1):
                add("kita", name_of("kita", a, k, i), [code], ags)
            for i in range(1, schools[code] + 1):
                add("ogs", name_of("ogs", a, k, i), [code], ags)
            if need(a, "kinder") and pop >= 3000:
                add("familienzentrum", name_of("familienzentrum", a, k), [code], ags)
            if pop >= 12_000 or (need(a, "kinder") and rng.uniform() < 0.4):
                add("jugendtreff", name_of("jugendtreff", a, k), [code], ags)
            if need(a, "armut") and a["typ"] in ("zentrum", "stadt"):
                add("quartier", name_of("quartier", a, k), [code], ags)
            if need(a, "armut") and rng.uniform() < 0.5:
                add("erwerbslosenberatung", name_of("erwerbslosenberatung", a, k), [code], ags)
            if pop >= 8000 or (need(a, "aeltere") and rng.uniform() < 0.6):
                add("begegnung", name_of("begegnung", a, k), [code], ags,
                    ended=rng.uniform() < 0.06)
            if need(a, "aeltere") and rng.uniform() < 0.3:
                add("seniorenberatung", name_of("seniorenberatung", a, k), local(code), ags)
            if need(a, "integration") or (need(a, "kinder") and rng.uniform() < 0.3):
                add("sprachkita", name_of("sprachkita", a, k), [code], ags)
            if need(a, "integration") and rng.uniform() < 0.6:
                add("integrationsagentur", name_of("integrationsagentur", a, k), local(code),
                    ags)
        c = centre[S.AREA]
        # offices of the Kommune in its centre
        if ags not in STAEDTEREGION_JUGENDAMT:
            add("fruehe_hilfen", name_of("fruehe_hilfen", None, k), all_codes, ags)
            add("jugendberufshilfe", name_of("jugendberufshilfe", None, k), local(c), ags)
        add("schulsozialarbeit", name_of("schulsozialarbeit", None, k), all_codes, ags)
        for i in range(1, 1 + kpop // 100_000 + 1):
            add("schuldnerberatung", name_of("schuldnerberatung", None, k, i),
                [order.iloc[i - 1][S.AREA]], ags)
        add("sozialberatung_alter", name_of("sozialberatung_alter", None, k), [c], ags)
        add("seniorenberatung", name_of("seniorenberatung", centre, k), [c], ags)
        if ags not in EIFEL:
            add("pflegeberatung", name_of("pflegeberatung", None, k), [c], ags)
        if any(need(a, "armut") for _, a in sub.iterrows()):
            poorest = sub[[need(a, "armut") for _, a in sub.iterrows()]]
            for i, (_, a) in enumerate(poorest.iterrows(), start=1):
                if i > 1 + kpop // 100_000:
                    break
                add("coaching", name_of("coaching", None, k, i), local(a[S.AREA]), ags)
        if kpop >= 25_000:
            add("ausbildung", name_of("ausbildung", None, k), [c], ags)
        if ags in ("05334008", "05334032", *EIFEL):
            others = [x for x in all_codes if x != c] or all_codes
            add("buergerbus", name_of("buergerbus", None, k), others, ags)
        integ = [a[S.AREA] for _, a in sub.iterrows() if need(a, "integration")]
        if integ or kpop >= 30_000:
            add("rucksack", name_of("rucksack", None, k), integ or [c], ags)
        if not any(r["name"].startswith("Sprach-Kita") and r["sozialraeume"].split("|")[0]
                   in all_codes for r in rows):  # at least one per Kommune
            add("sprachkita", name_of("sprachkita", centre, k), [c], ags)
        if kpop >= 25_000:
            add("jmd", name_of("jmd", None, k), [c], ags)
        if kpop >= 25_000:
            add("mbe", name_of("mbe", None, k), [c], ags)
        if kpop >= 35_000:  # counselling for everyone in the Kommune
            add("eutb", name_of("eutb", None, k), all_codes, ags)
        if kpop >= 55_000:
            add("fruehfoerderung", name_of("fruehfoerderung", None, k), [c], ags)
    # regional offices for the three Eifel Kommunen, in Simmerath (StädteRegion Jugendamt)
    si = areas[areas[S.AGS] == EIFEL[2]].iloc[0]
    eifel = "Eifel"
    add("fruehe_hilfen", "Familienbüro Simmerath (Frühe Hilfen Eifel)", eifel_areas, si[S.AGS])
    add("jugendberufshilfe", name_of("jugendberufshilfe", None, eifel),
        [x for x in eifel_areas if not x.startswith("R ")], si[S.AGS])
    add("pflegeberatung", name_of("pflegeberatung", None, eifel), [si[S.AREA]], si[S.AGS])
    add("mbe", name_of("mbe", None, eifel), eifel_areas, si[S.AGS])
    add("eutb", name_of("eutb", None, eifel), eifel_areas, si[S.AGS])
    add("ausbildung", name_of("ausbildung", None, eifel), eifel_areas, si[S.AGS])
    df = pd.DataFrame(rows)
    df.insert(0, "angebot", [f"ang_{i:03d}" for i in range(1, len(df) + 1)])
    return df


def write_planning(out: Path, areas: pd.DataFrame, counts: pd.DataFrame,
                   catalogue: pd.DataFrame, neighbours: dict[str, set[str]],
                   kommunen: dict[str, str]) -> None:
    """Write prioritaeten.csv, angebote.csv, wirkungsziele.csv and befunde/*.md."""
    pri = pd.DataFrame([(ags, theme, REASONS[theme]) for theme, agss in PRIORITIES.items()
                        for ags in agss], columns=[S.AGS, "thema", "begruendung"])
    _csv(pri.sort_values([S.AGS, "thema"]), out / "prioritaeten.csv")
    now = counts[(counts[S.YEAR] == counts[S.YEAR].max())
                 & (counts[S.VARIABLE] == "bev_gesamt")]
    population = dict(zip(now[S.AREA], now[S.COUNT].astype(int), strict=True))
    _csv(services(areas, population, neighbours, kommunen), out / "angebote.csv")
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
