"""The concept a committee decides on (issue 12, item 3): key messages, responsible
levels, recommendations with priority and horizon, priorities × need, participation,
work packages of the decision document, and the validation of their configuration."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.build.cli import main
from analysis.common import fmt
from analysis.common.errors import ConfigError
from analysis.contract.config import (
    RECOMMENDATION_SLOTS,
    Concept,
    Theme,
    load_config,
    recommendation_texts,
)
from analysis.method import concept as C
from analysis.rendering.tables import Links, html_table

from ..configs import edited_config

REPO = Path(__file__).resolve().parents[2]
AGS_A, AGS_B, AGS_C = "001", "002", "003"
NAMES = {AGS_A: "Adorf", AGS_B: "Bestadt", AGS_C: "Cedorf"}
LABELS = {"armut": "Armut", "aeltere": "Ältere", "kinder": "Kinder", "extra": "Extra"}
LEVELS = {"eigen": "Kreis X in eigener Zuständigkeit",
          "gemeinsam": "Kreis X gemeinsam mit den Kommunen",
          "empfehlung": "Empfehlung an die Kommunen"}


def _need(flags: dict[str, list[str]], codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame({f"{f}_bedarf_flag": [c in flags.get(f, []) for c in codes]
                         for f in LABELS}, index=pd.Index(codes, name="sozialraum"))


def _say():
    """The sentence blocks of the shipped text folder (the key messages' wording)."""
    from analysis.contract.config import sentence_texts
    from analysis.contract.texts import paragraphs

    config = REPO / "config" / "report.yaml"
    blocks = sentence_texts(load_config(config), config)
    return lambda name, **values: " ".join(paragraphs(blocks[name].render(values)))


def _messages(need, area_ags, **kw) -> dict[str, str]:
    msgs = C.key_messages(need, list(LABELS), ["armut", "aeltere", "kinder"], LABELS,
                          area_ags, NAMES, say=_say(), **kw)
    return {m["art"]: m["text"] for m in msgs}


# --------------------------------------------------------------------------- key messages
def test_key_messages_many_with_a_tie_and_change():
    codes = [f"S {i}" for i in range(1, 9)]
    area_ags = {c: (AGS_A if i < 4 else AGS_B) for i, c in enumerate(codes)}
    need = _need({"armut": codes[:3], "aeltere": ["S 1", "S 4", "S 5"], "kinder": ["S 1"]},
                 codes)
    before = _need({"armut": codes[:1], "aeltere": codes[3:6] + ["S 8"]}, codes)
    m = _messages(need, area_ags, need_previous=before, base_year=2016)
    assert m["bedarf"] == (
        "Fünf der acht Sozialräume haben Handlungsbedarf in mindestens einem der drei "
        "gezählten Handlungsfelder. Am häufigsten besteht Handlungsbedarf in den Feldern "
        "Armut und Ältere, in je drei Sozialräumen.")
    assert m["veraenderung"] == ("Die größte Veränderung seit 2016: Im Feld Armut haben zwei "
                                 "Sozialräume neu Handlungsbedarf; in keinem ist er entfallen.")
    # only one area (S 1) has need in all three counted fields
    assert m["kumulation"] == ("In einem Sozialraum kommt Handlungsbedarf in allen drei "
                               "gezählten Feldern zusammen.")
    assert list(m) == ["bedarf", "veraenderung", "kumulation"]


def test_key_messages_one_area_one_field_and_tied_change():
    codes = ["S 1", "S 2", "S 3"]
    area_ags = {"S 1": AGS_A, "S 2": AGS_A, "S 3": AGS_B}
    need = _need({"kinder": ["S 2"], "armut": ["S 3"]}, codes)
    m = _messages(need, area_ags, need_previous=_need({}, codes), base_year=2016)
    assert m["bedarf"].startswith("Zwei der drei Sozialräume haben Handlungsbedarf")
    assert "in den Feldern Armut und Kinder, in je einem Sozialraum." in m["bedarf"]
    assert m["veraenderung"] == ("Die größte Veränderung seit 2016: In den Feldern Armut und "
                                 "Kinder hat je ein Sozialraum neu Handlungsbedarf.")
    assert m["kumulation"] == "Kein Sozialraum hat Handlungsbedarf in allen drei gezählten Feldern."
    one = _messages(_need({"kinder": ["S 2"]}, codes), area_ags)
    assert one["bedarf"] == ("Einer der drei Sozialräume hat Handlungsbedarf in mindestens einem "
                             "der drei gezählten Handlungsfelder. Am häufigsten besteht "
                             "Handlungsbedarf im Feld Kinder: in einem Sozialraum in einer "
                             "Kommune.")


def test_key_messages_zero_need_no_change_and_all():
    codes = ["S 1", "S 2"]
    area_ags = {"S 1": AGS_A, "S 2": AGS_B}
    m = _messages(_need({}, codes), area_ags, need_previous=_need({}, codes),
                  base_year=2016)
    assert m["bedarf"] == ("In keinem der zwei Sozialräume besteht nach den Regeln des Berichts "
                           "Handlungsbedarf.")
    assert m["veraenderung"] == ("Seit 2016 ist in keinem Feld ein Sozialraum neu mit "
                                 "Handlungsbedarf hinzugekommen; auch entfallen ist er "
                                 "nirgends.")
    gone = _messages(_need({}, codes), area_ags, need_previous=_need({"armut": codes}, codes),
                     base_year=2016)
    assert gone["veraenderung"].endswith("; in zwei Fällen ist der Handlungsbedarf entfallen.")
    everything = _need({"armut": codes, "aeltere": codes, "kinder": codes}, codes)
    m = _messages(everything, area_ags)
    assert m["bedarf"].startswith("Alle zwei Sozialräume haben Handlungsbedarf")
    assert "in den Feldern Armut, Ältere und Kinder, in je zwei Sozialräumen." in m["bedarf"]
    # the Kommunen tie: both listed, and the sentence says it is an even split
    assert m["kumulation"] == ("In zwei Sozialräumen kommt Handlungsbedarf in allen drei "
                               "gezählten Feldern zusammen, gleich verteilt auf Adorf und "
                               "Bestadt (je eins).")


def test_key_messages_cumulation_ties_among_more_kommunen():
    codes = ["S 1", "S 2", "S 3", "S 4", "S 5"]
    area_ags = {"S 1": AGS_A, "S 2": AGS_A, "S 3": AGS_B, "S 4": AGS_B, "S 5": AGS_C}
    all3 = ["S 1", "S 2", "S 3", "S 4", "S 5"]
    m = _messages(_need({"armut": all3, "aeltere": all3, "kinder": all3}, codes), area_ags)
    assert m["kumulation"].endswith("die meisten in Adorf und Bestadt (je zwei).")


def test_key_messages_borderline_and_concept():
    codes = ["S 1", "S 2", "S 3", "S 4"]
    area_ags = dict.fromkeys(codes, AGS_A)
    need = _need({"aeltere": ["S 1", "S 2", "S 3"], "armut": ["S 4"]}, codes)
    stab = pd.DataFrame({f: [1.0] * 4 for f in LABELS}, index=codes)
    stab.loc[["S 1", "S 2"], "aeltere"] = 0.6
    rec = pd.DataFrame({"prioritaet": ["hoch", "mittel", "hoch"],
                        "ebene": ["eigen", "empfehlung", "empfehlung"]})
    m = _messages(need, area_ags, stability=stab, stable_from=0.8, recommendations=rec,
                  level_labels=LEVELS)
    assert m["sicherheit"].startswith(
        "Wie sicher die Einstufung ist: Zwei der vier Einstufungen mit Handlungsbedarf in den "
        "drei gezählten Feldern sind Grenzfälle, die meisten im Feld Ältere (2 von 3). Bei Grenzfällen kommen weniger "
        "als 80 % der Varianten")
    assert m["konzept"] == ("Das Handlungskonzept schlägt drei Empfehlungen vor, zwei davon mit "
                            "hoher Priorität. Nach Zuständigkeit: eine „Kreis X in eigener "
                            "Zuständigkeit“ und zwei „Empfehlung an die Kommunen“.")
    stab.loc["S 2", "aeltere"] = 1.0
    one = _messages(need, area_ags, stability=stab, recommendations=rec.iloc[:1],
                    level_labels=LEVELS)
    assert one["sicherheit"].startswith("Wie sicher die Einstufung ist: Eine der vier "
                                        "Einstufungen mit Handlungsbedarf in den drei "
                                        "gezählten Feldern ist ein Grenzfall "
                                        "(Feld Ältere (1 von 3)).")
    assert one["konzept"].startswith("Das Handlungskonzept schlägt eine Empfehlung vor, eine "
                                     "mit hoher Priorität.")
    stab.loc["S 1", "aeltere"] = 1.0
    none = _messages(need, area_ags, stability=stab, recommendations=rec.iloc[:0])
    assert none["sicherheit"].startswith("Alle vier Einstufungen mit Handlungsbedarf in den drei "
                                         "gezählten Feldern sind stabil")
    assert none["konzept"] == "Aus den Ergebnissen ergibt sich keine Empfehlung."
    # a single Kommune: no „in einer Kommune“, no Kommune ranking
    assert "Kommune" not in _messages(need, area_ags)["bedarf"]


def test_key_messages_are_four_to_six_on_the_demo():
    from analysis.views.concept_report import open_concept

    c = open_concept(REPO / "data" / "demo", REPO / "config" / "report.yaml")
    msgs = c.key_messages().items
    assert 4 <= len(msgs) <= 6
    for text, link in msgs:
        assert text.endswith(".") and "{" not in text and "  " not in text
        assert link is None or link[1].endswith(".html") or ".html#" in link[1]
    # the seed's headline and the change since the comparison year are stated
    assert "59 der 93 Sozialräume" in msgs[0][0]
    assert msgs[1][0].startswith("Die größte Veränderung seit 2016")


# --------------------------------------------------------------------------- responsibility
def _concept(**kw) -> Concept:
    base = {"aufgaben": {"jugendhilfe": {"titel": "Jugendamt", "region_traegt": [AGS_C]}},
            "zustaendigkeit": {"kinder": "jugendhilfe", "extra": "region"}}
    base.update(kw)
    return Concept.model_validate(base)


def test_carrier_follows_the_task_per_kommune():
    k = _concept()
    assert C.carrier("kinder", AGS_C, k) == "region"  # the region's Jugendamt
    assert C.carrier("kinder", AGS_A, k) == "kommune"  # its own Jugendamt
    assert C.carrier("extra", AGS_A, k) == "region"
    assert C.carrier("armut", AGS_C, k) == "kommune"  # not listed: the Kommune


def test_responsible_levels_defaults_split_and_override():
    k = _concept()
    assert C.responsible_levels("versorgungsluecke", "kinder", [AGS_A, AGS_C, AGS_A], k) == [
        ("eigen", [AGS_C]), ("empfehlung", [AGS_A])]
    assert C.responsible_levels("versorgungsluecke", "armut", [AGS_C], k) == [
        ("empfehlung", [AGS_C])]
    assert C.responsible_levels("interkommunal", "kinder", [AGS_B, AGS_A], k) == [
        ("gemeinsam", [AGS_A, AGS_B])]
    assert C.responsible_levels("themengleich", "armut", [AGS_A], k)[0][0] == "gemeinsam"
    assert C.responsible_levels("grenzfaelle", "armut", [AGS_A], k)[0][0] == "eigen"
    # a shared task: developed jointly, beside the region's own and the recommendations
    shared = _concept(zustaendigkeit={"kinder": "jugendhilfe", "extra": "gemeinsam"})
    assert C.carrier("extra", AGS_A, shared) == "gemeinsam"
    assert C.responsible_levels("versorgungsluecke", "extra", [AGS_B, AGS_A], shared) == [
        ("gemeinsam", [AGS_A, AGS_B])]
    assert C.responsible_levels("wirkungsziel", "extra", [], shared) == [("gemeinsam", [])]
    fixed = _concept(empfehlungen={"versorgungsluecke": {"ebene": "gemeinsam"}})
    assert C.responsible_levels("versorgungsluecke", "kinder", [AGS_A, AGS_C], fixed) == [
        ("gemeinsam", [AGS_A, AGS_C])]


def test_shipped_configuration_derives_the_jugendamt_split():
    cfg = load_config(REPO / "config" / "report.yaml")
    names = {"05334020": "Monschau", "05334024": "Roetgen", "05334028": "Simmerath"}
    for ags in names:
        assert C.carrier("kinder", ags, cfg.konzept) == "region"
    for ags in ("05334002", "05334004", "05334008", "05334012", "05334016", "05334032",
                "05334036"):
        assert C.carrier("kinder", ags, cfg.konzept) == "kommune"
    assert C.carrier("armut", "05334020", cfg.konzept) == "gemeinsam"
    # the Kommunales Integrationszentrum of the region works for all Kommunen but Aachen
    assert C.carrier("integration", "05334002", cfg.konzept) == "kommune"
    assert C.carrier("integration", "05334020", cfg.konzept) == "region"


# --------------------------------------------------------------------------- recommendations
@pytest.fixture
def texts() -> dict[str, tuple[str, str]]:
    cfg = load_config(REPO / "config" / "report.yaml")
    return recommendation_texts(cfg, REPO / "config" / "report.yaml")


def _gaps(rows):
    return pd.DataFrame(rows, columns=["sozialraum", "handlungsfeld", "versorgung", "luecke"])


def test_recommendations_priority_level_horizon_and_text(texts):
    codes = ["A 1", "A 2", "C 1", "C 2"]
    area_ags = {"A 1": AGS_A, "A 2": AGS_A, "C 1": AGS_C, "C 2": AGS_C}
    need = _need({"kinder": ["A 1", "C 1", "C 2"], "armut": ["A 1", "A 2"],
                  "aeltere": ["A 1"]}, codes)
    stab = pd.DataFrame({f: [1.0] * 4 for f in LABELS}, index=codes)
    stab.loc[["A 2"], "armut"] = 0.5
    gaps = _gaps([("A 1", "kinder", C.NONE, True), ("C 1", "kinder", C.NONE, True),
                  ("C 2", "kinder", C.NEIGHBOUR_ONLY, False), ("A 2", "armut", C.NONE, True)])
    groups = pd.DataFrame([{"thema": "t1", "titel": "Kinderarmut", "handlungsfeld": "kinder",
                            "kommunen": "Adorf|Bestadt", "ags": f"{AGS_A}|{AGS_B}",
                            "anzahl": 2, "format": "Werkstatt"}])
    progress = pd.DataFrame([{"ziel_id": "z1", "ziel": "Weniger Armut", "handlungsfeld": "armut",
                              "gebiet": AGS_A, "basisjahr": 2016, "fortschritt": -0.2,
                              "erwartet": 0.5, "status": C.OFF_TRACK}])
    rec = C.recommendations(["armut", "kinder"], _concept(), texts, 2021, gap_table=gaps,
                            groups=groups, progress=progress, need=need, stability=stab,
                            counted=["armut", "aeltere", "kinder"], area_ags=area_ags,
                            names=NAMES, labels=LABELS, level_labels=LEVELS,
                            values={"region": "Kreis X"})
    assert list(rec.columns) == C.REC_COLUMNS
    assert list(rec["nr"]) == list(range(1, len(rec) + 1))
    armut = rec[rec["handlungsfeld"] == "armut"]
    # the goal moved away from its target: hoch; the only gap area is borderline: niedrig;
    # one of two armut classifications is borderline (≥ 25 %): a check, mittel
    assert list(zip(armut["art"], armut["prioritaet"], strict=True)) == [
        ("wirkungsziel", "hoch"), ("grenzfaelle", "mittel"), ("versorgungsluecke", "niedrig")]
    kinder = rec[rec["handlungsfeld"] == "kinder"].set_index(["art", "ebene"])
    # the kinder gap concerns a Kommune with its own Jugendamt and one without: two
    # recommendations; A 1 has need in all three counted fields, stable: hoch
    own = kinder.loc[("versorgungsluecke", "eigen")]
    other = kinder.loc[("versorgungsluecke", "empfehlung")]
    assert (own["sozialraeume"], own["kommunen"], own["zustaendig"]) == (
        "C 1", "Cedorf", "Kreis X in eigener Zuständigkeit")
    assert (other["sozialraeume"], other["zustaendig"], other["prioritaet"]) == (
        "A 1", "Empfehlung an Adorf", "hoch")
    assert own["prioritaet"] == "mittel"
    assert own["zeithorizont"] == "mittelfristig" and own["bis"] == 2025
    assert own["text"].startswith("Handlungsbedarf im Feld Kinder besteht im Sozialraum C 1;")
    # the theme: Bestadt named it but has no area with need in the field → mittel
    theme = kinder.loc[("themengleich", "gemeinsam")]
    assert theme["prioritaet"] == "mittel" and theme["kommunen"] == "Adorf|Bestadt"
    assert theme["text"].startswith("Adorf und Bestadt haben „Kinderarmut“ als Schwerpunkt")
    assert "(Format: Werkstatt)" in theme["schritt"]
    near = kinder.loc[("nur_angrenzend", "eigen")]
    assert near["zeithorizont"] == "kurzfristig" and near["bis"] == 2023
    for text in [*rec["text"], *rec["schritt"]]:
        assert "{" not in text and "Vorschlag –" not in text and "  " not in text
        assert text.endswith(".")
    goal = armut.iloc[0]
    assert "vom Zielwert entfernt" in goal["text"] and goal["zustaendig"] == "Empfehlung an Adorf"
    # configured priority and horizon win over the computed ones
    k = _concept(empfehlungen={"versorgungsluecke": {"prioritaet": "hoch",
                                                     "zeithorizont": "langfristig"}})
    again = C.recommendations(["armut"], k, texts, 2021, gap_table=gaps, need=need,
                              stability=None, area_ags=area_ags, names=NAMES, labels=LABELS)
    assert list(again["prioritaet"]) == ["hoch"] and list(again["bis"]) == [2027]
    assert C.recommendations(["armut"], k, texts, 2021).empty
    # horizons count from the configured start year (the year of adoption), not the data
    later = _concept(startjahr=2023, empfehlungen={"versorgungsluecke": {
        "zeithorizont": "langfristig"}})
    moved = C.recommendations(["armut"], later, texts, 2021, gap_table=gaps, need=need,
                              stability=None, area_ags=area_ags, names=NAMES, labels=LABELS)
    assert list(moved["bis"]) == [2023 + later.zeithorizonte["langfristig"]]


def test_start_year_of_the_horizons_is_checked(tmp_path):
    from analysis.contract.config import check_against_dataset
    from analysis.contract.dataset import load_dataset

    text = (REPO / "config" / "report.yaml").read_text(encoding="utf-8")
    assert "  startjahr: 2022" in text
    ds = load_dataset(REPO / "data" / "demo")
    check_against_dataset(load_config(REPO / "config" / "report.yaml"), ds, "report.yaml")
    for bad in ("2020", "2040"):
        path = tmp_path / f"report-{bad}.yaml"
        path.write_text(text.replace("  startjahr: 2022", f"  startjahr: {bad}", 1),
                        encoding="utf-8")
        with pytest.raises(ConfigError, match=f"konzept.startjahr {bad}: frühestens"):
            check_against_dataset(load_config(path), ds, "report.yaml")


def test_borderline_check_from_the_first_borderline_case_format_from_the_share(texts):
    """Every counted field with borderline need classifications gets the check the key
    messages announce (the region's own task); from ``grenzfaelle_anteil`` of them it is a
    workshop, below an expert talk; ``grenzfaelle_pruefen_ab`` raises the bar."""
    codes = ["A 1", "A 2", "A 3", "A 4"]
    need = _need({"aeltere": codes}, codes)
    stab = pd.DataFrame({f: [1.0] * 4 for f in LABELS}, index=codes)
    stab.loc["A 3", "aeltere"] = 0.7
    kw = dict(need=need, stability=stab, area_ags=dict.fromkeys(codes, AGS_A), names=NAMES,
              labels=LABELS, level_labels=LEVELS)
    rec = C.recommendations(["aeltere"], _concept(), texts, 2021, **kw)
    assert list(rec["art"]) == ["grenzfaelle"]  # 1 of 4 = 25 % ≥ grenzfaelle_anteil
    assert rec.iloc[0]["ebene"] == "eigen" and rec.iloc[0]["sozialraeume"] == "A 3"
    assert "(Grenzfälle: 1 von 4 Einstufungen mit Handlungsbedarf)" in rec.iloc[0]["text"]
    assert "(Format: Werkstatt)" in rec.iloc[0]["schritt"]
    few = C.recommendations(["aeltere"], _concept(grenzfaelle_anteil=0.5), texts, 2021, **kw)
    assert list(few["art"]) == ["grenzfaelle"] and few.iloc[0]["ebene"] == "eigen"
    assert "(Format: Fachgespräch)" in few.iloc[0]["schritt"]
    assert C.recommendations(["aeltere"], _concept(grenzfaelle_pruefen_ab=2), texts, 2021,
                             **kw).empty


# --------------------------------------------------------------------------- matrix
def test_priority_need_matrix_classes():
    mun = pd.DataFrame({"ags": [AGS_A, AGS_B], "name": ["Adorf", "Bestadt"]})
    themes = {"t_k": Theme(titel="K", handlungsfeld="kinder"),
              "t_a": Theme(titel="A", handlungsfeld="aeltere")}
    pri = pd.DataFrame({"ags": [AGS_A, AGS_B], "thema": ["t_k", "t_a"]})
    codes = ["A 1", "A 2", "B 1"]
    need = _need({"kinder": ["A 1", "A 2", "B 1"]}, codes)
    m = C.priority_need_matrix(pri, themes, mun, need, {"A 1": AGS_A, "A 2": AGS_A,
                                                        "B 1": AGS_B})
    assert list(m.columns) == C.MATRIX_COLUMNS
    got = {(r["kommune"], r["handlungsfeld"]): (r["bedarf"], r["klasse"])
           for _, r in m.iterrows()}
    assert got == {("Adorf", "kinder"): (2, C.MATCH), ("Adorf", "aeltere"): (0, C.NEITHER),
                   ("Bestadt", "kinder"): (1, C.MEASURED_ONLY),
                   ("Bestadt", "aeltere"): (0, C.NAMED_ONLY)}


# --------------------------------------------------------------------------- participation
def test_participation_plan_per_theme_cluster_kommune_and_field():
    codes = ["A 1", "A 2", "B 1"]
    area_ags = {"A 1": AGS_A, "A 2": AGS_A, "B 1": AGS_B}
    need = _need({"armut": codes, "aeltere": ["A 1", "B 1"], "kinder": ["A 1", "B 1"]}, codes)
    stab = pd.DataFrame({f: [1.0] * 3 for f in LABELS}, index=codes)
    stab.loc["A 2", "armut"] = 0.5
    groups = pd.DataFrame([{"thema": "t", "titel": "Thema T", "handlungsfeld": "armut",
                            "kommunen": "Adorf|Bestadt", "ags": f"{AGS_A}|{AGS_B}",
                            "anzahl": 2, "format": "Werkstatt"},
                           {"thema": "u", "titel": "Thema U", "handlungsfeld": "armut",
                            "kommunen": "Adorf", "ags": AGS_A, "anzahl": 1, "format": ""}])
    clusters = pd.DataFrame([{"handlungsfeld": "armut", "cluster": "armut-1",
                              "sozialraeume": "A 2|B 1", "kommunen": "Adorf|Bestadt",
                              "ags": f"{AGS_A}|{AGS_B}", "anzahl_sozialraeume": 2,
                              "anzahl_kommunen": 2}])
    k = _concept(beteiligung={"interkommunal": "Runder Tisch", "sozialraum": "Konferenz"})
    p = C.participation_plan(groups, clusters, need, stab, list(LABELS),
                             ["armut", "aeltere", "kinder"], area_ags, NAMES, k, 2021,
                             labels=LABELS)
    assert list(p.columns) == C.PARTICIPATION_COLUMNS
    assert list(p["format"]) == ["Werkstatt", "Runder Tisch", "Konferenz", "Konferenz",
                                 "Werkstatt"]
    assert list(p["anlass"]) == ["Thema", "Gemeindeübergreifendes Gebiet",
                                 "Kumulation von Handlungsbedarfen",
                                 "Kumulation von Handlungsbedarfen", "Grenzfälle der Einstufung"]
    assert p.iloc[2]["kommunen"] == "Adorf" and p.iloc[2]["sozialraeume"] == "A 1"
    assert p.iloc[4]["bezug"] == "Armut" and p.iloc[4]["sozialraeume"] == "A 2"
    # the conference for areas of cumulated need comes first, as its recommendation
    assert list(p["bis"]) == [2023, 2025, 2023, 2023, 2023]


# --------------------------------------------------------------------------- work packages
def test_work_packages_of_the_decision_all_present_and_linked():
    from analysis.views.concept_report import open_concept

    c = open_concept(REPO / "data" / "demo", REPO / "config" / "report.yaml")
    wp = c.work_packages
    seed = (REPO.parent / "shared" / "seed" / "beschlussvorlage-2018-0233.txt")
    if seed.is_file():  # the decision document lists its work packages with „⇒“ bullets
        text = seed.read_text(encoding="utf-8")
        n_seed = sum(1 for line in text.splitlines() if line.lstrip("- ").startswith("⇒"))
        assert len(wp) == n_seed
    assert len(wp) == 11 and list(wp["nr"]) == list(range(1, 12))
    assert set(C.WORK_PACKAGE_COLUMNS) == set(wp.columns)
    for _, row in wp.iterrows():
        assert row["umsetzung"].endswith("."), row["arbeitspaket"]
        assert row["links"], row["arbeitspaket"]
        for _, href in row["links"]:
            page = href.split("#")[0]
            assert page.endswith(".html") and (page.startswith("../sozialbericht/")
                                               or "/" not in page), href
    table = c.work_packages_table()
    html = table.html
    assert html.count("<tr>") == 12 and 'href="54_interkommunal.html"' in html
    assert "Beschlussvorlage 2018/0233" in table.caption
    assert "Beschlussvorlage 2018/0233 vom 16.08.2018" in str(c.decision_text())


def test_links_cell_renders_anchors_and_text():
    df = pd.DataFrame({"A": ["x"], "Seiten": [Links((("Eins", "a.html"), ("<2>", "b.html#c")))]})
    html = html_table(df, "T")
    assert '<td><a href="a.html">Eins</a>, <a href="b.html#c">&lt;2&gt;</a></td>' in html
    assert str(df["Seiten"].iloc[0]) == "Eins, <2>"


# --------------------------------------------------------------------------- configuration


@pytest.mark.parametrize("old,new,expected", [
    ("    kinder: jugendhilfe\n", "    kinder: jugendamt\n",
     "konzept.zustaendigkeit.kinder: „jugendamt“ – erlaubt sind region, kommune, gemeinsam "
     "oder eine Aufgabe aus konzept.aufgaben (jugendhilfe, integration)"),
    ("    inklusion: gemeinsam\n", "    wohnen: region\n",
     "konzept.zustaendigkeit.wohnen: kein Handlungsfeld"),
    ("      bausteine: [wirkung]\n", "      bausteine: [wirkungen]\n",
     "bausteine: „wirkungen“ ist kein Baustein"),
    ('    eigen: "{region} in eigener Zuständigkeit"', '    eigen: "{kreis} in eigener Zuständigkeit"',
     "ebenen.eigen: nur der Platzhalter {region} ist erlaubt"),
    ("    kurzfristig: 2\n", "    kurzfristig: 5\n",
     "kurzfristig ≤ mittelfristig ≤ langfristig"),
    ("    interkommunal: {zeithorizont: mittelfristig}",
     "    gemeindeuebergreifend: {zeithorizont: mittelfristig}",
     "empfehlungen.gemeindeuebergreifend: keine Art von Empfehlung"),
    ("    interkommunal: {zeithorizont: mittelfristig}",
     "    interkommunal: {zeithorizont: bald}", "konzept.empfehlungen.interkommunal.zeithorizont"),
    ("  kumulation_ab: 3 ", "  kumulation_ab: 1 ", "konzept.kumulation_ab: muss mindestens 2 sein"),
    ("  beteiligung:              # Beteiligungsformat je Anlass\n",
     "  beteiligung:              # Beteiligungsformat je Anlass\n    konferenz: x\n",
     "konzept.beteiligung.konferenz: unbekannter Schlüssel"),
])
def test_concept_configuration_errors_are_located_in_german(tmp_path, old, new, expected):
    path = edited_config(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert expected in str(err.value)
    assert "report.yaml" in str(err.value)


def test_defaults_without_a_konzept_section(tmp_path):
    text = (REPO / "config" / "report.yaml").read_text(encoding="utf-8")
    start, end = text.index("konzept:\n"), text.index("# Stufen der Präventionskette")
    path = tmp_path / "report.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    k = load_config(path).konzept
    assert k.ebenen["eigen"] == "{region} in eigener Zuständigkeit"
    assert k.zustaendigkeit == {} and k.arbeitspakete == {}
    assert C.carrier("kinder", "05334020", k) == "kommune"
    assert k.zeithorizonte == {"kurzfristig": 2, "mittelfristig": 4, "langfristig": 6}


def test_recommendation_texts_are_checked_per_section(tmp_path, capsys):
    cfg = load_config(REPO / "config" / "report.yaml")
    shutil.copytree(REPO / "config", tmp_path / "config")
    texts = tmp_path / "config" / "texte" / "empfehlungen.md"
    original = texts.read_text(encoding="utf-8")
    assert set(recommendation_texts(cfg, tmp_path / "config" / "report.yaml")) == \
        set(RECOMMENDATION_SLOTS)
    texts.write_text(original.replace("für {ort} ist nicht auf Kurs", "für {ort} ist {thema}"),
                     encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        recommendation_texts(cfg, tmp_path / "config" / "report.yaml")
    assert ("Text texte/empfehlungen.md, Abschnitt „## wirkungsziel“, Zeile „Empfehlung“: "
            "Platzhalter „{thema}“: unbekannter Platzhalter {thema}") in str(err.value)
    cut = original[:original.index("## grenzfaelle")]
    texts.write_text(cut + "## grenzfaelle\nEmpfehlung: Prüfen.\n", encoding="utf-8")
    code = main(["validate", str(REPO / "data" / "demo"), "--config",
                 str(tmp_path / "config" / "report.yaml")])
    out = capsys.readouterr()
    assert code == 2 and "Traceback" not in out.err
    assert ("Text texte/empfehlungen.md, Abschnitt „## grenzfaelle“: Zeile „Nächster Schritt: "
            "…“ fehlt") in out.out + out.err


def test_priority_high_only_when_half_of_the_areas_cumulate(texts):
    codes = ["A 1", "A 2", "A 3"]
    a2k = dict.fromkeys(codes, AGS_A)
    need = _need({"armut": codes, "aeltere": ["A 1"], "kinder": ["A 1"]}, codes)

    def prio(areas):
        gaps = _gaps([(a, "armut", C.NONE, True) for a in areas])
        rec = C.recommendations(["armut"], _concept(), texts, 2021, gap_table=gaps,
                                need=need, counted=["armut", "aeltere", "kinder"],
                                area_ags=a2k, names=NAMES, labels=LABELS)
        return rec["prioritaet"].tolist()

    assert prio(["A 1"]) == ["hoch"]
    assert prio(["A 1", "A 2"]) == ["hoch"]  # one of two: half
    assert prio(["A 1", "A 2", "A 3"]) == ["mittel"]  # one of three: less than half
    assert prio(["A 2"]) == ["mittel"]


# --------------------------------------------------------------------------- review 2026-11-30
def test_annex_sentences_a_planner_can_defend_on_the_demo():
    """What the review of 2026-11-30 found, checked on the demo build's views: counts
    that add up and name their borderline cases, no double negative, the prevention
    chains as configured per field, goals „erreicht“ only outside the interval, names
    instead of internal ids."""
    from analysis.views.concept_report import open_concept

    from ..german import stumbles

    c = open_concept(REPO / "data" / "demo", REPO / "config" / "report.yaml")
    cfg, need = c.cfg, c.r.res.need
    for f in cfg.fields:
        text = str(c.field_intro(f))
        assert not stumbles(text), text
        n = int(need[f"{f}_bedarf_flag"].sum())
        k = int((C.borderline(need, c.stability, f, cfg.robustheit.stabil_ab)
                 & need[f"{f}_bedarf_flag"].astype(bool)).sum())
        assert ("knapp" in text) == bool(k), text
        assert "kein passendes Angebot im Sozialraum oder daneben" not in text
        if n > 12:
            assert text.startswith(f"{n} Sozialräume haben"), text
    # the prevention chain: one per field, with the configured number of stages
    wp = c.work_packages.set_index("nr")
    chain = next(row["umsetzung"] for _, row in wp.iterrows()
                 if "praeventionskette" in str(row["bausteine"]))
    for f in cfg.fields:
        stages = cfg.chain_stages(f)
        if stages:
            assert f"{c.labels[f]}: {fmt.count_words(len(stages), 'Stufe', 'Stufen', 'f')}" \
                in chain, chain
    assert f"{len(cfg.praeventionskette)} Stufen je Kommune" not in chain
    for text in wp["umsetzung"]:
        assert not stumbles(text) and not re.match(r"\d\b|1[0-2]\b", text), text
    # goals: „erreicht“ never with the target inside the 95 % interval
    p = c.progress
    inside = (p["ki_unten"] <= p["zielwert"]) & (p["zielwert"] <= p["ki_oben"])
    assert not (inside & (p["status"] == C.REACHED)).any()
    # the goal recommendations state their numbers with the unit
    goals = c.recommendations[c.recommendations["art"] == "wirkungsziel"]
    assert len(goals) and all(" im Jahr " in t and "%" in t for t in goals["text"])
    # titles tell recommendations apart; cards list areas whose names contain commas
    titles = [f"{t} {f}" for t, f in zip(c.recommendations["titel"],
                                         c.recommendations["handlungsfeld"], strict=True)]
    assert len(set(titles)) == len(titles)
    # a finding on a Kommune names it, an inter-municipal area has a readable name
    html = "".join(c.notes(f)._repr_html_() for f in cfg.fields)
    assert not re.search(r"0533\d{4}", html) and "Stolberg (Rhld.))" not in html
    assert not stumbles(str(c.clusters_text())), str(c.clusters_text())
    assert not any(re.fullmatch(r"[a-z_]+-\d+", n) for n in c.cluster_names())
    assert list(c.cluster_names()) and all(n.split()[-1].isdigit() for n in c.cluster_names())
    # the matrix text: one entry per Kommune, no „Stolberg (Rhld.) (Ältere)“
    matrix = str(c.matrix_text())
    assert not stumbles(matrix) and ") (" not in matrix, matrix


def test_cumulation_gets_a_recommendation_per_kommune_under_its_field():
    """Areas with need in ≥ kumulation_ab counted fields: one joint recommendation per
    Kommune, short-term, listed under the configured field – the seed's „benachteiligte
    Sozialräume … Kumulationen“ get something proposed, not only a conference in a table."""
    cfg = load_config(REPO / "config" / "report.yaml")
    texts = recommendation_texts(cfg, REPO / "config" / "report.yaml")
    codes = ["A 1", "A 2", "B 1", "C 1"]
    area_ags = {"A 1": AGS_A, "A 2": AGS_A, "B 1": AGS_B, "C 1": AGS_C}
    need = _need({"armut": ["A 1", "A 2", "B 1"], "aeltere": ["A 1", "A 2", "B 1"],
                  "kinder": ["A 1", "A 2"]}, codes)
    fields = ["armut", "aeltere", "kinder"]
    for k, scope in ((3, "in allen drei gezählten Handlungsfeldern"),
                     (2, "in zwei oder mehr der drei gezählten Handlungsfelder")):
        rec = C.recommendations(fields, _concept(kumulation_ab=k), texts, 2021, need=need,
                                counted=fields, area_ags=area_ags, names=NAMES, labels=LABELS,
                                level_labels={"gemeinsam": "Kreis X gemeinsam mit den Kommunen"},
                                cumulation_field="aeltere")
        cum = rec[rec["art"] == "kumulation"]
        assert set(cum["handlungsfeld"]) == {"aeltere"}
        assert list(cum["kommunen"]) == (["Adorf"] if k == 3 else ["Adorf", "Bestadt"])
        assert list(cum["sozialraeume"])[0] == "A 1|A 2"
        assert set(cum["ebene"]) == {"gemeinsam"} and set(cum["zeithorizont"]) == {"kurzfristig"}
        first = cum.iloc[0]
        assert first["text"].startswith(f"Handlungsbedarf {scope} kommt in den Sozialräumen "
                                        "A 1 und A 2 in Adorf zusammen."), first["text"]
        assert first["titel"] == "Mehrfacher Handlungsbedarf: Adorf"
        assert "{" not in first["schritt"] and first["schritt"].endswith(".")
    # without a field named: the first counted field; too few counted fields: none
    rec = C.recommendations(fields, _concept(), texts, 2021, need=need, counted=fields,
                            area_ags=area_ags, names=NAMES, labels=LABELS)
    assert set(rec.loc[rec["art"] == "kumulation", "handlungsfeld"]) == {"armut"}
    rec = C.recommendations(fields, _concept(kumulation_ab=3), texts, 2021, need=need,
                            counted=["armut", "aeltere"], area_ags=area_ags, names=NAMES,
                            labels=LABELS)
    assert not (rec["art"] == "kumulation").any()


def test_cumulation_in_a_single_area_reads_in_the_singular():
    """„… kommt im Sozialraum A 1 in Adorf zusammen. Es wird empfohlen, für diesen
    Sozialraum …“ – the count form of empfehlungen.md, not „diese Sozialräume“."""
    cfg = load_config(REPO / "config" / "report.yaml")
    texts = recommendation_texts(cfg, REPO / "config" / "report.yaml")
    codes = ["A 1", "A 2"]
    need = _need({"armut": ["A 1", "A 2"], "aeltere": ["A 1"], "kinder": ["A 1", "A 2"]}, codes)
    fields = ["armut", "aeltere", "kinder"]
    rec = C.recommendations(fields, _concept(kumulation_ab=3), texts, 2021, need=need,
                            counted=fields, area_ags=dict.fromkeys(codes, AGS_A), names=NAMES,
                            labels=LABELS)
    one = rec[rec["art"] == "kumulation"].iloc[0]
    assert one["sozialraeume"] == "A 1"
    assert "für diesen Sozialraum ein abgestimmtes" in one["text"], one["text"]
    assert "für diesen Sozialraum vereinbaren" in one["schritt"], one["schritt"]
    assert "diese Sozialräume" not in one["text"] + one["schritt"]
    need = _need({f: codes for f in fields}, codes)
    rec = C.recommendations(fields, _concept(kumulation_ab=3), texts, 2021, need=need,
                            counted=fields, area_ags=dict.fromkeys(codes, AGS_A), names=NAMES,
                            labels=LABELS)
    assert "für diese Sozialräume ein abgestimmtes" in rec[rec["art"] == "kumulation"].iloc[0]["text"]


def test_recommendation_titles_come_from_the_text_file(tmp_path):
    """Planners edit the headings in empfehlungen.md („Titel:“, optional); a subject that
    comes out empty leaves no dangling colon; an unknown placeholder is reported."""
    cfg = load_config(REPO / "config" / "report.yaml")
    shutil.copytree(REPO / "config", tmp_path / "config")
    path = tmp_path / "config" / "texte" / "empfehlungen.md"
    original = path.read_text(encoding="utf-8")
    shipped = recommendation_texts(cfg, tmp_path / "config" / "report.yaml")
    assert shipped["interkommunal"][2] == "Interkommunaler Ansatz: {kommunen}"
    path.write_text(original.replace("Titel: Interkommunaler Ansatz: {kommunen}",
                                     "Titel: Gemeinsam planen über die Grenze: {kommunen}")
                    .replace("Titel: Grenzfälle vor Ort prüfen\n", ""), encoding="utf-8")
    texts = recommendation_texts(cfg, tmp_path / "config" / "report.yaml")
    assert texts["grenzfaelle"][2] == ""  # no line: the built-in title
    clusters = pd.DataFrame([{"handlungsfeld": "armut", "cluster": "armut-1",
                              "sozialraeume": "A 1|B 1", "kommunen": "Adorf|Bestadt",
                              "ags": f"{AGS_A}|{AGS_B}", "anzahl_sozialraeume": 2,
                              "anzahl_kommunen": 2}])
    rec = C.recommendations(["armut"], _concept(), texts, 2021, clusters=clusters,
                            area_ags={"A 1": AGS_A, "B 1": AGS_B}, names=NAMES, labels=LABELS)
    assert list(rec["titel"]) == ["Gemeinsam planen über die Grenze: Adorf und Bestadt"]
    assert C._dangling("Angebot prüfen: ") == "Angebot prüfen"
    assert C._dangling("Wirkungsziel überprüfen: „“") == "Wirkungsziel überprüfen"
    path.write_text(original.replace("Titel: Grenzfälle vor Ort prüfen",
                                     "Titel: Grenzfälle {thema}"), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        recommendation_texts(cfg, tmp_path / "config" / "report.yaml")
    assert ("Abschnitt „## grenzfaelle“, Zeile „Titel“: Platzhalter „{thema}“: unbekannter "
            "Platzhalter {thema}") in str(err.value)


def test_key_message_change_says_how_many_new_areas_are_borderline():
    """Review R2-02: „19 Sozialräume neu Handlungsbedarf“ without saying that most are
    threshold crossings cannot be defended as the largest change."""
    codes = ["S 1", "S 2", "S 3", "S 4"]
    area_ags = dict.fromkeys(codes, AGS_A)
    need = _need({"aeltere": ["S 1", "S 2", "S 3"]}, codes)
    before = _need({}, codes)
    stab = pd.DataFrame({f: [1.0] * 4 for f in LABELS}, index=codes)
    stab.loc[["S 1", "S 2"], "aeltere"] = 0.6
    m = _messages(need, area_ags, need_previous=before, base_year=2016, stability=stab)
    assert m["veraenderung"] == (
        "Die größte Veränderung seit 2016: Im Feld Ältere haben drei Sozialräume neu "
        "Handlungsbedarf, davon zwei knapp (Grenzfälle der Robustheitsprüfung); in keinem "
        "ist er entfallen.")
    stab.loc["S 2", "aeltere"] = 1.0
    one = _messages(need, area_ags, need_previous=before, base_year=2016, stability=stab)
    assert ", davon einer knapp (Grenzfall der Robustheitsprüfung);" in one["veraenderung"]
    single = _messages(_need({"aeltere": ["S 1"]}, codes), area_ags, need_previous=before,
                       base_year=2016, stability=stab)
    assert ("Im Feld Ältere hat ein Sozialraum neu Handlungsbedarf – ein Grenzfall der "
            "Robustheitsprüfung;") in single["veraenderung"]
    assert "knapp" not in _messages(need, area_ags, need_previous=before,
                                    base_year=2016)["veraenderung"]


@pytest.mark.parametrize("n, borderline, expected", [
    (1, 1, "ein Sozialraum mit Bedarf (knapp)"),
    (2, 2, "zwei Sozialräume mit Bedarf (beide knapp)"),
    (3, 3, "drei Sozialräume mit Bedarf (alle knapp)"),
    (3, 1, "drei Sozialräume mit Bedarf (davon einer knapp)"),
])
def test_matrix_cell_says_beide_for_two(n, borderline, expected):
    """Review R2-28: „zwei Sozialräume mit Bedarf (alle knapp)“ – German says „beide“."""
    from analysis.views.concept_report import ConceptReport

    cell = ConceptReport._matrix_cell(pd.Series({"bedarf": n, "benannt": True}), borderline)
    assert cell == "benannt; " + expected
