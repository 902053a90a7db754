"""Status and dynamics (METHOD.md §5, *Change*): noise-aware change classes, the judgement
of a change (``bewertung``, neutral indicators), the dynamics index per field, the
status × dynamics typology, and how the report words borderline counts."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.common import fmt
from analysis.common.errors import ConfigError
from analysis.common.ids import natural_sorted
from analysis.contract import schema as S
from analysis.contract.config import ReportConfig, check_against_catalogue, load_config
from analysis.gate.published import Uncertain, mark_uncertain
from analysis.method import indicators as I
from analysis.method.core import change_table, dynamics, typology

REPO = Path(__file__).resolve().parents[2]

CATALOGUE = pd.DataFrame({
    S.INDICATOR: ["q1", "q2", "q3", "g"],
    S.NUMERATOR: ["n1", "n2", "n3", "m"],
    S.DENOMINATOR: ["bev"] * 4,
    "skala": [100] * 4,
    "richtung": [1, 1, 1, -1],
    S.LEVEL: [S.LEVEL_AREA] * 4,
})


def counts(rows: list[tuple[str, int, dict[str, int]]]) -> pd.DataFrame:
    return pd.DataFrame([(a, "05334001", y, v, n) for a, y, d in rows for v, n in d.items()],
                        columns=[S.AREA, S.AGS, S.YEAR, S.VARIABLE, S.COUNT])


def cfg_for(fields: dict[str, list[str]], **extra) -> ReportConfig:
    return ReportConfig.model_validate({
        "region": "Test", "ausgabe": "Test", "berichtsjahr": 2021, "vergleichsjahr": 2016,
        "handlungsfelder": {f: {"titel": f, "kurz": f, "indikatoren": inds,
                                "leitindikator": inds[0]} for f, inds in fields.items()},
        **extra,
    })


# ---------------------------------------------------------------------------
# change of one indicator: threshold and noise
# ---------------------------------------------------------------------------

def test_same_change_is_stable_inside_the_noise_and_a_change_outside_it():
    # both areas +7.5 percentage points; S has 40 inhabitants, L 4,000
    c = counts([("S", 2016, {"n1": 5, "bev": 40}), ("S", 2021, {"n1": 8, "bev": 40}),
                ("L", 2016, {"n1": 500, "bev": 4000}), ("L", 2021, {"n1": 800, "bev": 4000})])
    cat = CATALOGUE[CATALOGUE[S.INDICATOR] == "q1"]
    area = I.area_indicators(c, cat)
    ch = change_table(area, cat, 2021, 2016, threshold=1.0, level=0.95).set_index(S.AREA)
    assert ch.loc["S", "veraenderung"] == pytest.approx(7.5)
    assert ch.loc["L", "veraenderung"] == pytest.approx(7.5)
    # S: the 95 % band of the difference is wider than 7.5 points → inside the noise
    assert ch.loc["S", "rauschen"] > 7.5
    assert ch.loc["S", "dynamik"] == "stabil"
    assert ch.loc["L", "rauschen"] < 7.5
    assert ch.loc["L", "dynamik"] == "verschlechtert"
    # without the noise check (level 0) both count as worse, as before
    plain = change_table(area, cat, 2021, 2016, threshold=1.0, level=0.0)
    assert plain["dynamik"].tolist() == ["verschlechtert", "verschlechtert"]
    assert (plain["rauschen"] == 0).all()


def test_neutral_indicator_is_never_better_or_worse():
    c = counts([("A", 2016, {"n1": 100, "m": 100, "bev": 1000}),
                ("A", 2021, {"n1": 200, "m": 50, "bev": 1000}),
                ("B", 2016, {"n1": 200, "m": 100, "bev": 1000}),
                ("B", 2021, {"n1": 100, "m": 101, "bev": 1000})])
    cat = CATALOGUE[CATALOGUE[S.INDICATOR].isin(["q1", "g"])]
    area = I.area_indicators(c, cat)
    ev = {"q1": "neutral", "g": "neutral"}
    ch = change_table(area, cat, 2021, 2016, 1.0, ev, 0.95).set_index([S.AREA, S.INDICATOR])
    assert ch.loc[("A", "q1"), "dynamik"] == "gestiegen"
    assert ch.loc[("B", "q1"), "dynamik"] == "gesunken"
    assert ch.loc[("A", "g"), "dynamik"] == "gesunken"
    assert ch.loc[("B", "g"), "dynamik"] == "stabil"  # +0.1 points: below the threshold
    assert not ch["dynamik"].isin(["verbessert", "verschlechtert"]).any()
    # judged: q1 higher = worse, g (richtung −1) higher = better by default
    judged = change_table(area, cat, 2021, 2016, 1.0, None, 0.95).set_index(
        [S.AREA, S.INDICATOR])
    assert judged.loc[("A", "q1"), "dynamik"] == "verschlechtert"
    assert judged.loc[("A", "g"), "dynamik"] == "verschlechtert"
    # hoch_gut set in the configuration turns a rise of q1 into an improvement
    good = change_table(area, cat, 2021, 2016, 1.0, {"q1": "hoch_gut"}, 0.95).set_index(
        [S.AREA, S.INDICATOR])
    assert good.loc[("A", "q1"), "dynamik"] == "verbessert"


# ---------------------------------------------------------------------------
# dynamics index per field
# ---------------------------------------------------------------------------

BASE = {"Z1": 10, "Z2": 12, "Z3": 14, "Z4": 16, "Z5": 18, "W": 20, "B": 15, "N": 15}


def dynamics_region() -> pd.DataFrame:
    """8 areas; q1, q2 in % of 10,000 people (N: of 40). W worsens by 5 points on q1 and
    q2, B improves by 5, N (tiny) worsens by 5 on both – inside the noise; Z* stay. q3
    (neutral) jumps everywhere."""
    rows = []
    for a, p in BASE.items():
        n = 40 if a == "N" else 10_000
        delta = {"W": 5, "B": -5, "N": 5}.get(a, 0)
        for y, d in ((2016, 0), (2021, delta)):
            rows.append((a, y, {"n1": round((p + d) * n / 100), "n2": round((p + d) * n / 100),
                                "n3": round((p + (10 if y == 2021 else 0)) * n / 100),
                                "bev": n}))
    return counts(rows)


def run_dynamics(cfg: ReportConfig) -> pd.DataFrame:
    cat = CATALOGUE[CATALOGUE[S.INDICATOR].isin(["q1", "q2", "q3"])]
    area = I.area_indicators(dynamics_region(), cat)
    ev = {i: cfg.evaluation(i, 1) for i in ("q1", "q2", "q3")}
    ch = change_table(area, cat, 2021, 2016, cfg.dynamik.schwelle, ev,
                      cfg.dynamik.vertrauensniveau)
    return dynamics(ch, I.value_table(area, 2016), cfg)


def test_dynamics_classes_and_reasons():
    cfg = cfg_for({"f": ["q1", "q2"], "k": ["q3"]}, bewertung={"q3": "neutral"})
    d = run_dynamics(cfg)
    assert d.loc["W", "f_dynamik"] == "negativ"
    assert d.loc["W", "f_dynamik_index"] < -cfg.dynamik.index_schwelle
    assert d.loc["W", "f_schlechter"] == "q1, q2"
    assert d.loc["B", "f_dynamik"] == "positiv"
    assert d.loc["B", "f_besser"] == "q1, q2"
    for z in ("Z1", "Z2", "Z3", "Z4", "Z5"):
        assert d.loc[z, "f_dynamik"] == "stabil"
        assert d.loc[z, "f_dynamik_index"] == pytest.approx(0.0)
    # N moved as much as W, but with 40 inhabitants that is inside the noise: stable
    assert d.loc["N", "f_dynamik_index"] == pytest.approx(d.loc["W", "f_dynamik_index"],
                                                          rel=0.1)
    assert abs(d.loc["N", "f_dynamik_index"]) < d.loc["N", "f_dynamik_rauschen"]
    assert d.loc["N", "f_dynamik"] == "stabil"
    assert d.loc["N", "f_schlechter"] == ""
    # a field of neutral indicators only has no dynamics at all
    assert (d["k_dynamik"] == "").all()
    assert d["k_dynamik_index"].isna().all()


def test_dynamics_threshold_and_noise_switch():
    # index threshold above W's movement: stable although outside the noise
    cfg = cfg_for({"f": ["q1", "q2"]}, dynamik={"index_schwelle": 5.0})
    assert (run_dynamics(cfg)["f_dynamik"] == "stabil").all()
    # without the noise check the tiny area N counts as negative like W
    cfg = cfg_for({"f": ["q1", "q2"]}, dynamik={"vertrauensniveau": 0})
    d = run_dynamics(cfg)
    assert d.loc["N", "f_dynamik"] == "negativ"
    assert d.loc["W", "f_dynamik"] == "negativ"


def test_judged_hoch_gut_turns_the_index_round():
    cfg = cfg_for({"f": ["q1", "q2"]}, bewertung={"q1": "hoch_gut", "q2": "hoch_gut"})
    d = run_dynamics(cfg)
    assert d.loc["W", "f_dynamik"] == "positiv"
    assert d.loc["B", "f_dynamik"] == "negativ"


# ---------------------------------------------------------------------------
# status × dynamics typology
# ---------------------------------------------------------------------------

def test_typology_all_types():
    idx = ["a", "b", "c", "d", "e", "f", "g"]
    need = pd.Series([True, True, True, True, False, False, False], index=idx)
    dyn = pd.Series(["negativ", "stabil", "positiv", "", "negativ", "positiv", ""], index=idx)
    t = typology(need, dyn)
    assert t.tolist() == ["aufmerksamkeit", "bedarf_stabil", "bedarf_positiv", "bedarf_stabil",
                          "beobachten", "unauffaellig", "unauffaellig"]


# ---------------------------------------------------------------------------
# configuration: bewertung, kontext, mindestzahl_indikatoren
# ---------------------------------------------------------------------------

def test_evaluation_default_from_direction_and_exploratory_fields():
    cfg = cfg_for({"f": ["q1", "q2"], "k": ["q3"]}, bewertung={"q2": "neutral"})
    assert cfg.evaluation("q1", 1) == "hoch_schlecht"
    assert cfg.evaluation("g", -1) == "hoch_gut"
    assert cfg.evaluation("q2", 1) == "neutral"
    assert cfg.exploratory_fields == ["k"]
    cfg = cfg_for({"f": ["q1", "q2"], "k": ["q3"]}, bedarf={"mindestzahl_indikatoren": 1})
    assert cfg.exploratory_fields == []


def test_config_errors_for_bewertung_and_kontext(tmp_path):
    raw = yaml.safe_load((REPO / "config" / "report.yaml").read_text(encoding="utf-8"))
    raw["bewertung"] = {"anteil_65plus": "egal"}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bewertung\.anteil_65plus: Wert nicht erlaubt"):
        load_config(tmp_path / "a.yaml")
    raw["bewertung"] = {}
    first = next(iter(raw["handlungsfelder"]))
    raw["handlungsfelder"][first]["kontext"] = [raw["handlungsfelder"][first]["leitindikator"]]
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match="in indikatoren und in kontext"):
        load_config(tmp_path / "b.yaml")
    cfg = cfg_for({"f": ["q1"]}, bewertung={"nope": "neutral"})
    with pytest.raises(ConfigError, match="bewertung: „nope“ fehlt"):
        check_against_catalogue(cfg, {"q1"}, "report.yaml")
    cfg = ReportConfig.model_validate({
        "region": "T", "ausgabe": "T", "berichtsjahr": 2021,
        "handlungsfelder": {"f": {"titel": "f", "kurz": "f", "indikatoren": ["q1"],
                                  "leitindikator": "q1", "kontext": ["weg"]}}})
    with pytest.raises(ConfigError, match=r"handlungsfelder\.f\.kontext: „weg“ fehlt"):
        check_against_catalogue(cfg, {"q1"}, "report.yaml")


def test_demo_configuration_keeps_seed_indicators_counted():
    """Composition shares that feed the seed's counts stay core indicators (judged
    neutral); the others are context."""
    cfg = load_config(REPO / "config" / "report.yaml")
    for fid, fc in cfg.handlungsfelder.items():
        assert not set(fc.kontext) & set(fc.indikatoren), fid
    neutral = {i for i, v in cfg.bewertung.items() if v == "neutral"}
    context = {i for fc in cfg.handlungsfelder.values() for i in fc.kontext}
    assert context <= neutral


# ---------------------------------------------------------------------------
# wording of borderline counts and uncertain values
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "k", "text"), [
    (0, 0, "kein Sozialraum"),
    (1, 0, "ein Sozialraum"),
    (1, 1, "ein Sozialraum, knapp"),
    (2, 0, "zwei Sozialräume"),
    (2, 1, "zwei Sozialräume, davon einer knapp"),
    (2, 2, "zwei Sozialräume, beide knapp"),
    (43, 0, "43 Sozialräume"),
    (43, 1, "43 Sozialräume, davon einer knapp"),
    (43, 2, "43 Sozialräume, davon zwei knapp"),
    (43, 21, "43 Sozialräume, davon 21 knapp"),
    (5, 5, "fünf Sozialräume, alle knapp"),
    (1234, 1000, "1.234 Sozialräume, davon 1.000 knapp"),
])
def test_count_with_borderline(demo_report, n, k, text):
    """The borderline part (block ``bericht.knapp``) after a count of areas."""
    r = demo_report
    count = fmt.count_words(n, "Sozialraum", "Sozialräume")
    assert count + r.borderline_tail(n, k) == text


def test_borderline_part_refuses_the_impossible(demo_report):
    with pytest.raises(ValueError):
        demo_report.borderline_tail(2, 3)


def test_uncertain_values_in_parentheses():
    show = mark_uncertain(lambda x: fmt.percent(x, 1))
    assert show(Uncertain(12.25)) == "(12,3\u00a0%)"
    assert show(12.25) == "12,3\u00a0%"
    assert show("•") == "•"  # withheld: the mark alone, never in parentheses
    assert show(Uncertain(float("nan"))) == "–"


# ---------------------------------------------------------------------------
# the report views on the demo data
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_report():
    from analysis.views.report import open_report

    return open_report(REPO / "data" / "demo", REPO / "config" / "report.yaml")


def test_change_table_has_no_judgement_for_neutral_indicators(demo_report):
    r = demo_report
    out = r.change().change_table()
    tables = [p for p in out.parts if hasattr(p, "df")]
    judged, neutral = tables
    assert "verschlechtert" not in neutral.df.columns
    assert {"gestiegen", "gesunken"} <= set(neutral.df.columns)
    neutral_ids = {i for i, v in r.cfg.bewertung.items() if v == "neutral"}
    labels = {r.label(i) for i in neutral_ids}
    shown = {x.removesuffix(" (Kontext)") for x in neutral.df["Indikator"]}
    assert shown == labels
    assert not labels & set(judged.df["Indikator"])
    # every row adds up to all areas: what is not judged is counted, not lost (R2-27)
    for t, classes in ((judged, ["verbessert", "stabil", "verschlechtert"]),
                       (neutral, ["gestiegen", "stabil", "gesunken"])):
        total = t.df[[*classes, "nicht bewertbar"]].astype(int).sum(axis=1)
        assert (total == len(r.areas)).all()
    assert (judged.df["nicht bewertbar"].astype(int) > 0).any()  # withheld values exist


def test_borderline_counts_agree_with_the_robustness_table(demo_report):
    r = demo_report
    head = r.overview().headline_table().parts[0].df.set_index("Handlungsfeld")
    robust = r.method().robustness_table().df.set_index("Handlungsfeld")
    for f in r.cfg.fields:
        title = r.cfg.handlungsfelder[f].titel
        row = head.loc[title + r.exploratory_suffix(f)]
        assert row["davon knapp"] == robust.loc[title, "davon Grenzfall"]
        item = next(i for i in r.overview().headline_text().items
                    if i.startswith(r.cfg.handlungsfelder[f].kurz + r.exploratory_suffix(f)))
        k = int(row["davon knapp"])
        assert ("knapp" in item) == (k > 0), item


def test_attention_table_lists_exactly_need_with_negative_dynamics(demo_report):
    r = demo_report
    change = r.change()
    table = change.attention_table().parts[0].df
    expected = sum(int((change.typology(f) == "aufmerksamkeit").sum())
                   for f in change.attention_fields)
    assert len(table) == expected > 0
    assert not any(r.is_exploratory(f) for f in change.attention_fields)
    dl = r.download_tables()["dynamik"][1]
    assert len(dl) == len(r.areas) * len(r.cfg.fields)
    assert set(dl["dynamik"]) <= {"positiv", "stabil", "negativ", "nicht bewertet"}


@pytest.mark.parametrize(("n", "text"), [
    (0, "kein weiterer Sozialraum ohne Handlungsbedarf, aber mit negativer Dynamik wird "),
    (1, "ein weiterer Sozialraum ohne Handlungsbedarf, aber mit negativer Dynamik wird "),
    (2, "zwei weitere Sozialräume ohne Handlungsbedarf, aber mit negativer Dynamik werden "),
    (17, "17 weitere Sozialräume ohne Handlungsbedarf, aber mit negativer Dynamik werden "),
])
@pytest.mark.parametrize(("m", "tail"), [
    (0, "."),
    (1, ", ebenso ein Sozialraum mit Handlungsbedarf, in dem sich ein anderes Feld oder "
        "einzelne Indikatoren verschlechtert haben."),
    (12, ", ebenso zwölf Sozialräume mit Handlungsbedarf, in denen sich ein anderes Feld "
         "oder einzelne Indikatoren verschlechtert haben."),
])
def test_watch_phrase(n, text, m, tail):
    """The areas to watch, at the end of block ``bericht.dynamik.gesamt``: without need
    and with negative dynamics, and with need and a worsening elsewhere (R4-03)."""
    from analysis.contract.config import REPORT_SENTENCE_TEXT, load_config, sentence_texts
    from analysis.contract.texts import paragraphs

    config = Path(__file__).resolve().parents[2] / "config" / "report.yaml"
    block = sentence_texts(load_config(config), config, REPORT_SENTENCE_TEXT)[
        "bericht.dynamik.gesamt"]
    rendered = " ".join(paragraphs(block.render({"felder": ["A"], "anzahl": 2,
                                                 "davon_knapp": "", "knapp": 0,
                                                 "beobachten": n, "anderswo": m})))
    assert rendered.endswith("; " + text + "zur Beobachtung genannt" + tail), rendered


# ---------------------------------------------------------------------------
# status × dynamics never says „nicht verschlechtert“ where something worsened (R4-03,
# R4-06, R4-18 of the fourth review); the examples are found in the demo data
# ---------------------------------------------------------------------------

def _worsened_indicators(r) -> dict[tuple[str, str], set[str]]:
    """(area, field) → judged core indicators of the field that worsened beyond the
    threshold and the noise, read from the published change table itself."""
    ch = r.res.change_published
    ch = ch[(ch["dynamik"] == "verschlechtert") & (ch["bewertung"] != "neutral")]
    out: dict[tuple[str, str], set[str]] = {}
    for f in r.cfg.fields:
        inds = set(r.cfg.handlungsfelder[f].indikatoren)
        for code, ind in zip(ch[S.AREA], ch[S.INDICATOR], strict=True):
            if ind in inds:
                out.setdefault((code, f), set()).add(ind)
    return out


def test_need_with_stable_field_but_worsened_indicators_is_counted_and_named(demo_report):
    r = demo_report
    change = r.change()
    worse = _worsened_indicators(r)
    table = change.typology_table().parts[0].df.set_index("Handlungsfeld")
    examples = 0
    for f in r.cfg.fields:
        if not change.judged_areas(f).any():
            continue
        typ = change.typology(f)
        stable = [c for c in typ.index if typ[c] == "bedarf_stabil"
                  and change.judged_areas(f)[c]]
        hidden = [c for c in stable if (c, f) in worse]
        examples += len(hidden)
        row = table.loc[r.cfg.handlungsfelder[f].kurz + r.exploratory_suffix(f)]
        assert int(row["davon mit einzelnen verschlechterten Indikatoren"]) == len(hidden), f
        assert int(row["Bedarf, Feld stabil"]) == len(stable), f
    assert examples > 0  # the demo has such areas (S 1 in Kinder, review R4-03)
    # no label of the change chapter says „nicht verschlechtert“ any more …
    from analysis.views.change import AREA_TYPE_LABELS, TYPE_LABEL
    assert not [t for t in (*TYPE_LABEL.values(), *AREA_TYPE_LABELS)
                if "nicht verschlechtert" in t]
    # … and the download's type of such a pair does not either, while it names them
    dl = r.download_tables()["dynamik"][1]
    for (code, f), inds in worse.items():
        row = dl[(dl["sozialraum"] == code) & (dl["handlungsfeld"] == f)].iloc[0]
        assert "nicht verschlechtert" not in row["typ"]
        assert set(row["verschlechtert"].split(", ")) == {r.label(i) for i in inds}


def test_map_type_of_need_with_a_worsening_elsewhere_is_not_the_quiet_need_class(demo_report):
    """An area with need whose situation worsened in another field (negative dynamics) or
    in single indicators is its own map class, counted with the areas to watch."""
    r = demo_report
    change = r.change()
    worse = _worsened_indicators(r)
    types = change._area_types()
    from analysis.views.change import AREA_TYPE_LABELS

    fields = change.attention_fields
    cross = []
    for code in types.index:
        need = {f for f in fields if r.res.need.loc[code, f"{f}_bedarf_flag"]}
        negative = {f for f in fields if change.dynamics_class(f)[code] == "negativ"}
        single = {f for f in fields if (code, f) in worse}
        if need & negative:
            assert types[code] == len(AREA_TYPE_LABELS) - 1, code
        elif need and (negative or single):
            assert types[code] == 3, code
            if negative:
                cross.append(code)
        elif need:
            assert types[code] == 2, code
    assert cross  # B 1 and SI 1 in the demo: need in one field, negative Armut dynamics
    svg = change.attention_map().svg
    svg = svg.decode() if isinstance(svg, bytes) else svg
    label = AREA_TYPE_LABELS[3]
    assert label.split(";")[0] in svg and "nicht verschlechtert" not in svg
    # the sentence names as many areas to watch as the map shows in that class
    text = change.dynamics_text()._repr_html_()
    n = int((types == 3).sum())
    assert f"ebenso {fmt.count_words(n, 'Sozialraum', 'Sozialräume')} mit Handlungsbedarf" \
        in text, text


def test_areas_whose_dynamics_cannot_be_judged_are_counted_apart(demo_report):
    r = demo_report
    change = r.change()
    table = change.typology_table().parts[0].df.set_index("Handlungsfeld")
    dl = r.download_tables()["dynamik"][1]
    text = change.dynamics_text()._repr_html_()
    from analysis.method.core import TYPES
    from analysis.views.change import NOT_JUDGED, TYPE_SHORT

    seen = 0
    for f in r.cfg.fields:
        row = table.loc[r.cfg.handlungsfelder[f].kurz + r.exploratory_suffix(f)]
        if row[NOT_JUDGED] == fmt.MISSING:
            continue
        unjudged = int((dl[dl["handlungsfeld"] == f]["dynamik"] == "nicht bewertet").sum())
        assert int(row[NOT_JUDGED]) == unjudged, f
        # the types and the unjudged add up to all areas: none counted as „stabil“
        assert sum(int(row[TYPE_SHORT[t]]) for t in TYPES) + unjudged == len(r.areas), f
        item = next(i for i in text.split("<li>")
                    if i.startswith(r.cfg.handlungsfelder[f].kurz + ":"))
        assert ("nicht bewertbar" in item) == (unjudged > 0), item
        if unjudged:
            seen += 1
            assert f"in {fmt.count_words(unjudged, 'x', 'x').split()[0]} nicht bewertbar" \
                in item, item
    assert seen  # Integration in the demo: S 13 and S 15 (2016 value withheld)


def test_dynamics_key_follows_the_configured_rule(demo_report):
    r = demo_report
    change = r.change()
    key = change.attention_table().parts[-1]._repr_html_()
    dy = r.cfg.dynamik
    assert "unter 0 = Lage verschlechtert" not in key
    assert fmt.signed(-dy.index_schwelle, 2) in key
    assert ("Zufallsschwankung" in key) == bool(dy.vertrauensniveau)
    # the old key was wrong on the data: some areas have an index below 0 and are stable
    d = r.res.dynamics
    below = [(c, f) for f in change.attention_fields for c in d.index
             if d.loc[c, f"{f}_dynamik_index"] < 0 and d.loc[c, f"{f}_dynamik"] == "stabil"]
    assert below
    from analysis.contract.config import REPORT_SENTENCE_TEXT, sentence_texts
    from analysis.contract.texts import paragraphs

    block = sentence_texts(r.cfg, REPO / "config" / "report.yaml", REPORT_SENTENCE_TEXT)[
        "bericht.dynamik.schluessel"]
    plain = " ".join(paragraphs(block.render({"index_schwelle": "0,50", "schwelle": "2,0",
                                              "zufall": "nein"})))
    assert "−0,50" in plain and "± 2,0" in plain and "Zufallsschwankung" not in plain


def test_exploratory_field_and_context_indicators_on_the_demo(demo_report):
    r = demo_report
    least = r.cfg.bedarf.mindestzahl_indikatoren
    for f, fc in r.cfg.handlungsfelder.items():
        intro = r.field(f).intro()._repr_html_()
        assert ("Explorativ:" in intro) == (len(fc.indikatoren) < least), f
        assert r.is_exploratory(f) == (len(fc.indikatoren) < least)
        table = r.field(f).indicator_table()
        df = (table.parts[0] if hasattr(table, "parts") else table).df
        for ind in fc.kontext:
            if ind in r.gate.area_indicator_ids:
                assert f"{r.label(ind)} (Kontext)" in df.columns
        # a value flagged unsicher is shown in parentheses, and then the key says so
        html = table._repr_html_()
        marked = any(isinstance(v, Uncertain) for c in df.columns[1:] for v in df[c])
        assert ("Aussagewert eingeschränkt" in html) == marked, f
        assert bool(re.search(r"<td class=\"num\">\(\d+,\d", html)) == marked, f


def test_watch_table_names_need_with_a_worsening_elsewhere(demo_report):
    """The areas of map class 3 are listed by name, with the fields of need and what
    worsened – among them an area whose field with need stayed stable while one of its
    indicators worsened (S 1 in the demo, R4-03)."""
    r = demo_report
    change = r.change()
    worse = _worsened_indicators(r)
    table = change.watch_table()
    types = change._area_types()
    expected = [r.area_label(c) for c in natural_sorted(types.index[types == 3])]
    assert table.df["Sozialraum"].tolist() == expected
    rows = table.df.set_index("Sozialraum")
    found = 0
    for f in change.attention_fields:
        typ = change.typology(f)
        for code in typ.index[(typ == "bedarf_stabil") & change.judged_areas(f)]:
            if (code, f) not in worse or types[code] != 3:
                continue
            found += 1
            text = rows.loc[r.area_label(code), "Verschlechterung"]
            for ind in worse[(code, f)]:
                assert r.label(ind) in text, (code, f, text)
    assert found
