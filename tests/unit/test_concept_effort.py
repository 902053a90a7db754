"""Effort of the recommendations and staggering of the participation formats (issue 12,
item 3; review finding R2-16 and third read #10): the effort rule and its overrides, the
capacity per period, merged and ordered overlapping formats, and the sentence on both in
„Das Wichtigste“."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest

from analysis.common import fmt
from analysis.common.errors import ConfigError
from analysis.contract.config import Concept, load_config, recommendation_texts
from analysis.method import concept as C

from ..configs import edited_config

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "report.yaml"
AGS_A, AGS_B, AGS_C = "001", "002", "003"
NAMES = {AGS_A: "Adorf", AGS_B: "Bestadt", AGS_C: "Cedorf"}
LABELS = {"armut": "Armut", "kinder": "Kinder"}


def _concept(**kw) -> Concept:
    return Concept.model_validate(kw)


# --------------------------------------------------------------------------- effort rule
@pytest.mark.parametrize(("kind", "expected"), [
    ("grenzfaelle", "gering"), ("wirkungsziel", "gering"), ("nur_angrenzend", "gering"),
    ("kumulation", "mittel"), ("themengleich", "mittel"),
    ("versorgungsluecke", "hoch"), ("interkommunal", "hoch"),
])
def test_effort_base_class_per_kind_as_documented(kind, expected):
    k = _concept()
    assert C.effort_class(kind, 1, 1, k) == expected
    # every kind of recommendation has a base class
    assert set(C.BASE_EFFORT) == set(C.KIND_TITLES)


def test_effort_one_class_higher_from_the_size_thresholds_at_most_hoch():
    k = _concept(aufwand={"kommunen_ab": 4, "sozialraeume_ab": 6})
    # just below both thresholds: the base class
    assert C.effort_class("nur_angrenzend", 3, 5, k) == "gering"
    # at either threshold: one class up (not two when both are reached)
    assert C.effort_class("nur_angrenzend", 4, 0, k) == "mittel"
    assert C.effort_class("nur_angrenzend", 1, 6, k) == "mittel"
    assert C.effort_class("nur_angrenzend", 9, 60, k) == "mittel"
    assert C.effort_class("themengleich", 4, 0, k) == "hoch"
    assert C.effort_class("interkommunal", 9, 60, k) == "hoch"  # capped
    # defaults: five Kommunen, ten areas
    d = _concept()
    assert (d.aufwand.kommunen_ab, d.aufwand.sozialraeume_ab) == (5, 10)
    assert C.effort_class("kumulation", 4, 9, d) == "mittel"
    assert C.effort_class("kumulation", 5, 1, d) == "hoch"


def test_effort_base_class_of_a_kind_is_configurable():
    k = _concept(empfehlungen={"interkommunal": {"aufwand": "gering"}})
    assert C.base_effort("interkommunal", k) == "gering"
    assert C.effort_class("interkommunal", 2, 3, k) == "gering"
    assert C.effort_class("interkommunal", 2, 30, k) == "mittel"  # size rule still applies
    assert C.base_effort("themengleich", k) == "mittel"  # other kinds unchanged


@pytest.fixture
def texts() -> dict[str, tuple[str, ...]]:
    return recommendation_texts(load_config(CONFIG), CONFIG)


def _gap_recommendations(texts, concept: Concept) -> pd.DataFrame:
    """Two areas with a gap in Adorf (field kinder), six with services only next door in
    three Kommunen (field armut)."""
    codes = ["A 1", "A 2", "B 1", "B 2", "C 1", "C 2", "C 3", "C 4"]
    area_ags = {c: {"A": AGS_A, "B": AGS_B, "C": AGS_C}[c[0]] for c in codes}
    need = pd.DataFrame({"armut_bedarf_flag": [c != "A 1" for c in codes],
                         "kinder_bedarf_flag": [c in ("A 1", "A 2") for c in codes]},
                        index=pd.Index(codes, name="sozialraum"))
    rows = [("A 1", "kinder", C.NONE, True), ("A 2", "kinder", C.NONE, True)]
    rows += [(c, "armut", C.NEIGHBOUR_ONLY, False) for c in codes if c != "A 1"]
    gaps = pd.DataFrame(rows, columns=["sozialraum", "handlungsfeld", "versorgung", "luecke"])
    return C.recommendations(["armut", "kinder"], concept, texts, 2021, gap_table=gaps,
                             need=need, area_ags=area_ags, names=NAMES, labels=LABELS)


def test_recommendations_carry_the_effort_of_the_rule(texts):
    rec = _gap_recommendations(texts, _concept(aufwand={"sozialraeume_ab": 7}))
    assert "aufwand" in C.REC_COLUMNS and list(rec.columns) == C.REC_COLUMNS
    by_kind = dict(zip(rec["art"], rec["aufwand"], strict=True))
    # seven areas next door reach the (lowered) threshold: gering → mittel;
    # a gap (a service to build or extend) is hoch
    assert by_kind == {"nur_angrenzend": "mittel", "versorgungsluecke": "hoch"}
    default = _gap_recommendations(texts, _concept())
    assert dict(zip(default["art"], default["aufwand"], strict=True))["nur_angrenzend"] == \
        "gering"


def test_effort_override_per_recommendation_number_wins(texts):
    rec = _gap_recommendations(texts, _concept())
    nr_gap = int(rec.loc[rec["art"] == "versorgungsluecke", "nr"].iloc[0])
    fixed = _gap_recommendations(texts, _concept(aufwand={"empfehlungen": {nr_gap: "gering"}}))
    assert fixed.set_index("nr").loc[nr_gap, "aufwand"] == "gering"
    others = fixed[fixed["nr"] != nr_gap]
    assert list(others["aufwand"]) == list(rec.loc[rec["nr"] != nr_gap, "aufwand"])
    # a number without a recommendation is a clear configuration error
    with pytest.raises(ConfigError, match=r"konzept\.aufwand\.empfehlungen\.9: keine "
                                          r"Empfehlung mit dieser Nummer \(vorhanden: 1–2\)"):
        _gap_recommendations(texts, _concept(aufwand={"empfehlungen": {9: "hoch"}}))


# --------------------------------------------------------------------------- staggering
def _plan(rows: list[dict]) -> pd.DataFrame:
    base = {"format": "Forum", "anlass": "Thema", "handlungsfeld": "", "bezug": "",
            "kommunen": "", "sozialraeume": "", "zeithorizont": "kurzfristig", "bis": 2024,
            "art": "themengleich", "schluessel": ""}
    return pd.DataFrame([{**base, **r} for r in rows], columns=C.PARTICIPATION_COLUMNS)


def _rec(rows: list[tuple[int, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["nr", "art", "bezug", "prioritaet"])


def test_capacity_per_period_from_posts_and_formats():
    assert C.capacity_per_period(_concept().kapazitaet) == (3, 2)  # 1,5 × 4 / 2
    assert C.capacity_per_period(_concept(kapazitaet={"zeitraum": "jahr"}).kapazitaet) == (6, 1)
    assert C.capacity_per_period(_concept(kapazitaet={
        "stellen": 0.5, "formate_je_stelle": 1}).kapazitaet) == (1, 2)  # at least one
    assert C.capacity_per_period(_concept(kapazitaet={
        "stellen": 1.25, "formate_je_stelle": 3}).kapazitaet) == (1, 2)  # 1,875 → 1


@pytest.mark.parametrize(("posts", "per_post", "period", "n"),
                         list(itertools.product((0.5, 1.5, 3), (2, 4), ("halbjahr", "jahr"),
                                                (1, 7, 20))))
def test_formats_never_exceed_the_capacity_of_a_period(posts, per_post, period, n):
    k = _concept(startjahr=2022, kapazitaet={"stellen": posts, "formate_je_stelle": per_post,
                                             "zeitraum": period})
    # formats in two fields, some sharing areas, so that building on each other and the
    # capacity both shape the waves
    rows = [{"format": "Runder Tisch", "anlass": "Gebiet", "handlungsfeld": ("armut", "kinder")[i % 2],
             "bezug": f"G{i}", "kommunen": f"K{i % 3}", "sozialraeume": f"X {i % 4}|Y {i}",
             "art": "interkommunal", "schluessel": f"g{i}"} for i in range(n)]
    out = C.stagger_formats(_plan(rows), None, k, 2021)
    cap, per_year = C.capacity_per_period(k.kapazitaet)
    assert out["welle"].value_counts().max() <= cap
    assert out["zusammengelegt"].sum() == n  # nothing lost by merging
    assert list(out["nr"]) == list(range(1, len(out) + 1))
    assert list(out["welle"]) == sorted(out["welle"])  # numbered in the order they start
    # a format starts after every format it builds on
    wave = dict(zip(out["nr"], out["welle"], strict=True))
    for _, r in out.iterrows():
        for b in [int(x) for x in r["baut_auf"].split("|") if x]:
            assert b < r["nr"] and wave[b] < r["welle"]
    first = "1. Halbjahr 2022" if period == "halbjahr" else "2022"
    assert out["beginn"].iloc[0] == first


def test_formats_ordered_by_the_priority_of_what_they_serve():
    k = _concept(startjahr=2022, kapazitaet={"stellen": 1, "formate_je_stelle": 2})  # one a half-year
    plan = _plan([
        {"handlungsfeld": "armut", "bezug": "Thema T", "kommunen": "Adorf|Bestadt",
         "schluessel": "t"},
        {"handlungsfeld": "kinder", "bezug": "Thema U", "kommunen": "Cedorf",
         "schluessel": "u"},
        {"format": "Konferenz", "anlass": "Kumulation", "bezug": "C 1", "kommunen": "Cedorf",
         "sozialraeume": "C 1", "art": "kumulation", "schluessel": "C 1", "bis": 2026},
    ])
    rec = _rec([(1, "kumulation", "C 1", "hoch"), (2, "themengleich", "t", "niedrig"),
                (3, "themengleich", "u", "mittel"), (4, "themengleich", "u", "hoch")])
    out = C.stagger_formats(plan, rec, k, 2021)
    # hoch first (the theme U takes the highest of its two recommendations); among equal
    # priority the earlier horizon; „niedrig“ last
    assert list(out["bezug"]) == ["Thema U", "C 1", "Thema T"]
    assert list(out["prioritaet"]) == ["hoch", "hoch", "niedrig"]
    assert list(out["empfehlungen"]) == ["3|4", "1", "2"]
    assert list(out["beginn"]) == ["1. Halbjahr 2022", "2. Halbjahr 2022", "1. Halbjahr 2023"]
    # a format no recommendation serves is „mittel“
    alone = C.stagger_formats(plan, None, k, 2021)
    assert set(alone["prioritaet"]) == {"mittel"}


def test_overlapping_formats_are_merged_or_build_on_the_earlier():
    k = _concept(startjahr=2022)  # three a half-year: capacity does not separate them
    plan = _plan([
        # two theme forums of one field: Adorf and Bestadt take part in both → merged
        {"handlungsfeld": "kinder", "bezug": "Bildung", "kommunen": "Adorf|Bestadt|Cedorf",
         "schluessel": "b"},
        {"handlungsfeld": "kinder", "bezug": "Armut", "kommunen": "Adorf|Bestadt",
         "schluessel": "a"},
        # a round table in the same field and Kommunen: builds on the forum
        {"format": "Runder Tisch", "anlass": "Gebiet", "handlungsfeld": "kinder",
         "bezug": "A 1, B 1", "kommunen": "Adorf|Bestadt", "sozialraeume": "A 1|B 1",
         "art": "interkommunal", "schluessel": "kinder-1", "bis": 2026},
        # a conference on cumulated need in A 1 (all fields): shares A 1 with the table
        {"format": "Konferenz", "anlass": "Kumulation", "bezug": "A 1", "kommunen": "Adorf",
         "sozialraeume": "A 1", "art": "kumulation", "schluessel": "A 1"},
        # a theme in another field: overlaps nothing
        {"handlungsfeld": "armut", "bezug": "Arbeit", "kommunen": "Adorf|Bestadt",
         "schluessel": "w"},
    ])
    rec = _rec([(1, "kumulation", "A 1", "hoch"), (2, "themengleich", "b", "hoch"),
                (3, "themengleich", "a", "mittel"), (4, "interkommunal", "kinder-1", "mittel"),
                (5, "themengleich", "w", "mittel")])
    out = C.stagger_formats(plan, rec, k, 2021)
    assert len(out) == 4
    forum = out[out["bezug"].str.contains("Bildung")].iloc[0]
    assert forum["bezug"] == "„Bildung“ und „Armut“" and forum["zusammengelegt"] == 2
    assert forum["empfehlungen"] == "2|3" and forum["kommunen"] == "Adorf|Bestadt|Cedorf"
    conf = out[out["art"] == "kumulation"].iloc[0]
    table = out[out["art"] == "interkommunal"].iloc[0]
    other = out[out["bezug"] == "Arbeit"].iloc[0]
    # the table builds on the forum (field, Kommunen) and the conference (area A 1)
    assert sorted(int(x) for x in table["baut_auf"].split("|")) == \
        sorted([int(forum["nr"]), int(conf["nr"])])
    assert table["welle"] == max(forum["welle"], conf["welle"]) + 1
    assert conf["baut_auf"] == "" and other["baut_auf"] == "" and forum["baut_auf"] == ""
    assert other["welle"] == 1
    # a lower merge share merges fewer: with 1.0 the forums still merge (Armut ⊂ Bildung)
    strict = C.stagger_formats(plan, rec, _concept(kapazitaet={"zusammenlegen_ab": 1.0}),
                               2021)
    assert int(strict["zusammengelegt"].max()) == 2
    apart = plan.copy()
    apart.loc[1, "kommunen"] = "Adorf|Dedorf"  # one of two Kommunen shared: 50 % < 75 %
    out2 = C.stagger_formats(apart, rec, k, 2021)
    assert len(out2) == 5 and out2["zusammengelegt"].max() == 1
    later = out2[out2["bezug"] == "Armut"].iloc[0]
    assert later["baut_auf"] != ""  # it still builds on the earlier forum of its field


def test_effort_summary_counts_classes_waves_and_late_formats():
    k = _concept(startjahr=2022, kapazitaet={"stellen": 1, "formate_je_stelle": 2})
    rows = [{"handlungsfeld": "armut", "bezug": f"T{i}", "kommunen": f"K{i}",
             "schluessel": f"t{i}", "bis": 2022} for i in range(3)]
    out = C.stagger_formats(_plan(rows), None, k, 2021)
    rec = pd.DataFrame({"aufwand": ["gering", "hoch", "hoch"]})
    s = C.effort_summary(rec, out, k, 2021)
    assert s["klassen"] == {"gering": 1, "mittel": 0, "hoch": 2}
    assert (s["formate"], s["je_zeitraum"], s["zeitraeume"]) == (3, 1, 3)
    assert (s["von"], s["bis"]) == ("1. Halbjahr 2022", "1. Halbjahr 2023")
    assert s["spaet"] == 1  # the third starts in 2023, after its horizon (2022)
    empty = C.effort_summary(rec.iloc[:0], out.iloc[:0], k, 2021)
    assert empty["formate"] == 0 and empty["zeitraeume"] == 0 and empty["von"] == ""


# --------------------------------------------------------------------------- sentence
def _say():
    from analysis.contract.config import sentence_texts, text_values
    from analysis.contract.texts import paragraphs

    cfg = load_config(CONFIG)
    blocks = sentence_texts(cfg, CONFIG)
    return lambda name, **v: " ".join(paragraphs(blocks[name].render(
        {**text_values(cfg), **v})))


@pytest.mark.parametrize(("n", "expected"), [
    (0, "Beteiligungsformate sind nicht geplant."),
    (1, "Den Aufwand schätzt das Handlungskonzept bei einer Empfehlung als „gering“ ein. "
        "Das geplante Beteiligungsformat beginnt im 1. Halbjahr 2022; die 1,5 geförderten "
        "Stellen reichen für ein Format je Halbjahr."),
    (2, "Den Aufwand schätzt das Handlungskonzept bei einer Empfehlung als „gering“ und bei "
        "zwei als „hoch“ ein. Mit den 1,5 geförderten Stellen lässt sich ein "
        "Beteiligungsformat je Halbjahr vorbereiten; die zwei geplanten Formate sind daher auf "
        "zwei Halbjahre gestaffelt (vom 1. Halbjahr 2022 bis zum 2. Halbjahr 2022), die mit "
        "hoher Priorität zuerst."),
    (14, "Den Aufwand schätzt das Handlungskonzept bei 14 Empfehlungen als „gering“ und bei "
         "einer als „hoch“ ein. Mit den 1,5 geförderten Stellen lassen sich drei "
         "Beteiligungsformate je Halbjahr vorbereiten; die 14 geplanten Formate sind daher auf "
         "fünf Halbjahre gestaffelt (vom 1. Halbjahr 2022 bis zum 1. Halbjahr 2024), die mit "
         "hoher Priorität zuerst. 14 Formate beginnen erst nach dem Ende ihres "
         "Zeithorizonts."),
])
def test_key_message_on_effort_for_0_1_2_and_many(n, expected):
    say = _say()
    classes = {0: [], 1: [("gering", 1)], 2: [("gering", 1), ("hoch", 2)],
               14: [("gering", 14), ("hoch", 1)]}[n]
    parts = [say("kernaussage.aufwand.klasse", klasse=c, anzahl=m,
                 erste="ja" if i == 0 else "nein") for i, (c, m) in enumerate(classes)]
    waves, per, last = {0: (0, 1, ""), 1: (1, 1, "1. Halbjahr 2022"),
                        2: (2, 1, "2. Halbjahr 2022"), 14: (5, 3, "1. Halbjahr 2024")}[n]
    text = say("kernaussage.aufwand", klassen=parts, formate=n, stellen="1,5",
               stellen_form="mehr", je_zeitraum=per, zeitraum="halbjahr", zeitraeume=waves,
               von="1. Halbjahr 2022" if n else "", bis=last, spaet=14 if n == 14 else 0)
    assert text == expected


# --------------------------------------------------------------------------- demo and config
def test_demo_shows_effort_on_cards_tables_downloads_and_key_messages():
    from analysis.views.concept_report import open_concept

    c = open_concept(REPO / "data" / "demo", CONFIG)
    rec = c.recommendations
    assert set(rec["aufwand"]) <= set(C.EFFORTS) and rec["aufwand"].notna().all()
    # each recommendation's class follows the documented rule (no override in the demo)
    k = c.cfg.konzept
    for _, r in rec.iterrows():
        n_k = len([x for x in r["ags"].split("|") if x])
        n_a = len([x for x in r["sozialraeume"].split("|") if x])
        assert r["aufwand"] == C.effort_class(r["art"], n_k, n_a, k), r["titel"]
    cards = c.recommendation_cards()._repr_html_()
    assert cards.count("<dt>Aufwand</dt>") == len(rec)
    table = c.recommendations_table().df
    assert list(table["Aufwand"]) == list(rec["aufwand"])
    dl = c.download_tables()
    assert list(dl["empfehlungen"][1]["aufwand"]) == list(rec["aufwand"])
    part = dl["beteiligung"][1]
    assert {"nr", "beginn", "welle", "baut_auf", "prioritaet"} <= set(part.columns)
    cap, _ = C.capacity_per_period(k.kapazitaet)
    assert part["welle"].value_counts().max() <= cap
    # the participation table on 51_prioritaeten: numbered, with start and order
    pt = c.participation_table().df
    assert list(pt.columns[:3]) == ["Nr.", "Beginn", "Format"]
    assert list(pt["Nr."]) == [str(i) for i in range(1, len(pt) + 1)]
    # „Das Wichtigste“: the effort sentence, the number of formats as in the table
    msgs = [t for t, _ in c.key_messages().items]
    effort = next(t for t in msgs if "Den Aufwand schätzt" in t)
    counts = rec["aufwand"].value_counts()
    first = True
    for cls in C.EFFORTS:  # in the order of the classes; the noun only with the first
        n = int(counts.get(cls, 0))
        if not n:
            continue
        word = "einer" if n == 1 else fmt.number_word(n)
        noun = (" Empfehlung" if n == 1 else " Empfehlungen") if first else ""
        assert f"bei {word}{noun} als „{cls}“" in effort, effort
        first = False
    waves = c.participation["welle"]
    assert f"auf {fmt.number_word(int(waves.max() - waves.min() + 1))} Halbjahre" in effort
    assert "1,5 geförderten Stellen" in effort and "gestaffelt" in effort
    rule = str(c.effort_text())
    assert "eine Stufe höher" in rule and "Interkommunaler Ansatz" in rule


def test_effort_labels_and_capacity_come_from_the_configuration(tmp_path):
    from analysis.views.concept_report import open_concept

    path = edited_config(tmp_path, '    bezeichnungen: {gering: "gering", mittel: "mittel", '
                                   'hoch: "hoch"}',
                         '    bezeichnungen: {gering: "klein", mittel: "mittel", hoch: "groß"}')
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    stellen: 1.5\n", "    stellen: 3\n"), encoding="utf-8")
    c = open_concept(REPO / "data" / "demo", path)
    assert set(c.recommendations_table().df["Aufwand"]) <= {"klein", "mittel", "groß"}
    assert "als „groß“" in c.effort_message() and "drei geförderten Stellen" in \
        c.effort_message()
    assert "„klein“ für Prüfaufträge" in str(c.effort_text())
    assert c.participation["welle"].max() < C.stagger_formats(
        c.participation_formats, c.recommendations,
        c.cfg.konzept.model_copy(update={"kapazitaet": _concept().kapazitaet}),
        c.year)["welle"].max()  # twice the posts: fewer periods


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('    bezeichnungen: {gering: "gering", mittel: "mittel", hoch: "hoch"}',
     '    bezeichnungen: {gering: "gering", hoch: "hoch"}',
     "bezeichnungen: genau die Schlüssel gering, mittel, hoch"),
    ("    kommunen_ab: 5\n", "    kommunen_ab: 1\n", "konzept.aufwand.kommunen_ab"),
    ("    empfehlungen: {}\n", "    empfehlungen: {3: riesig}\n",
     "konzept.aufwand.empfehlungen.3"),
    ("    stellen: 1.5\n", "    stellen: 0\n", "konzept.kapazitaet.stellen"),
    ("    zeitraum: halbjahr\n", "    zeitraum: quartal\n", "konzept.kapazitaet.zeitraum"),
    ("    zusammenlegen_ab: 0.75\n", "    zusammenlegen_ab: 0.75\n    welle: 3\n",
     "konzept.kapazitaet.welle: unbekannter Schlüssel"),
    ("    interkommunal: {zeithorizont: mittelfristig}",
     "    interkommunal: {zeithorizont: mittelfristig, aufwand: enorm}",
     "konzept.empfehlungen.interkommunal.aufwand"),
])
def test_effort_configuration_errors_are_located_in_german(tmp_path, old, new, expected):
    path = edited_config(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert expected in str(err.value) and "report.yaml" in str(err.value)


def test_defaults_without_the_new_keys_reproduce_the_shipped_values(tmp_path):
    text = CONFIG.read_text(encoding="utf-8")
    start = text.index("  # Aufwand je Empfehlung")
    end = text.index("  beteiligung:              # Beteiligungsformat je Anlass")
    path = tmp_path / "report.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    (tmp_path / "texte").symlink_to(REPO / "config" / "texte")
    k, shipped = load_config(path).konzept, load_config(CONFIG).konzept
    assert k.aufwand == shipped.aufwand and k.kapazitaet == shipped.kapazitaet
    assert k.kapazitaet.stellen == 1.5


def test_no_formats_no_periods_and_a_sentence_that_says_so():
    k = _concept(startjahr=2022)
    out = C.stagger_formats(_plan([]), None, k, 2021)
    assert out.empty and list(out.columns) == C.STAGGER_COLUMNS
    s = C.effort_summary(pd.DataFrame({"aufwand": []}), out, k, 2021)
    assert s["formate"] == 0 and s["klassen"] == {"gering": 0, "mittel": 0, "hoch": 0}
    say = _say()
    text = say("kernaussage.aufwand", klassen=[], formate=0, stellen="1,5",
               stellen_form="mehr", je_zeitraum=3, zeitraum="halbjahr", zeitraeume=0,
               von="", bis="", spaet=0)
    assert text == "Beteiligungsformate sind nicht geplant."
    assert say("konzept.beteiligung.staffelung", formate=0, stellen="1,5",
               stellen_form="mehr", je_stelle="vier", je_stelle_form="mehr", je_zeitraum=3,
               zeitraum="halbjahr", zusammengelegt=0, aufbauend=0, anteil="75 %") == ""
