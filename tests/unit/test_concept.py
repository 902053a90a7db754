"""Tests for analysis.method.concept: the computations of the Handlungskonzept annex."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import box

from analysis.contract.config import Theme
from analysis.contract.notes import Note
from analysis.method import concept as C

REPO = Path(__file__).resolve().parents[2]
YEAR = 2021
FIELDS = ["armut", "aeltere", "kinder", "integration", "inklusion"]
AGS_A, AGS_B, AGS_C = "05334004", "05334008", "05334012"

# 2 × 3 grid of 1 km squares (column, row); Kommune A on the left, B on the right:
#   row 1:  A 3 | B 2 | B 3
#   row 0:  A 1 | A 2 | B 1
CELLS = {"A 1": (0, 0), "A 2": (1, 0), "B 1": (2, 0), "A 3": (0, 1), "B 2": (1, 1),
         "B 3": (2, 1)}
X0, Y0, D = 300_000.0, 5_600_000.0, 1000.0


@pytest.fixture
def geometry() -> dict:
    return {a: box(X0 + c * D, Y0 + r * D, X0 + (c + 1) * D, Y0 + (r + 1) * D)
            for a, (c, r) in CELLS.items()}


@pytest.fixture
def adj(geometry) -> dict[str, set[str]]:
    return C.adjacency(geometry)


@pytest.fixture
def areas() -> pd.DataFrame:
    codes = ["A 1", "A 2", "A 3", "B 1", "B 2", "B 3"]
    return pd.DataFrame({
        "sozialraum": codes,
        "ags": [AGS_A] * 3 + [AGS_B] * 3,
        "kommune": ["Alsdorf"] * 3 + ["Baesweiler"] * 3,
    })


@pytest.fixture
def services() -> pd.DataFrame:
    rows = [
        # angebot, handlungsfeld, kettenstufe, sozialraeume, seit, bis
        ("s1", "armut", "erwerbsleben", "B 2", 2010, None),  # touches A 1 only at a corner
        ("s2", "armut", "erwerbsleben", "B 1", 2015, 2021),  # ends in the report year: active
        ("s3", "kinder", "kita", "A 2", 2018, None),
        ("s4", "kinder", "fruehe_hilfen", "A 2|A 3", 2019, None),
        ("s5", "kinder", "kita", "B 1", 2012, 2019),  # ended before the year
        ("s6", "kinder", "kita", "B 2", 2022, None),  # starts after the year
        ("s7", "aeltere", "alter", "B 3", 2000, None),
    ]
    df = pd.DataFrame(rows, columns=["angebot", "handlungsfeld", "kettenstufe",
                                     "sozialraeume", "seit", "bis"])
    df["name"] = "Angebot " + df["angebot"]
    return df.astype({"seit": "Int64", "bis": "Int64"})


def _need(flags: dict[str, list[str]]) -> pd.DataFrame:
    codes = ["A 1", "A 2", "A 3", "B 1", "B 2", "B 3"]
    return pd.DataFrame({f"{f}_bedarf_flag": [a in flags.get(f, []) for a in codes]
                         for f in FIELDS}, index=pd.Index(codes, name="sozialraum"))


@pytest.fixture
def need() -> pd.DataFrame:
    return _need({
        "armut": ["A 1", "A 2", "B 1"],  # one component across the border
        "aeltere": ["A 1", "A 3"],  # a component inside Kommune A only
        "kinder": ["A 1", "B 3"],
        "integration": ["A 1", "B 2"],  # corner contact only: two components
    })


# --------------------------------------------------------------------------- adjacency
def test_adjacency_rook_not_queen(adj):
    assert adj["A 1"] == {"A 2", "A 3"}
    assert adj["A 2"] == {"A 1", "B 1", "B 2"}
    assert adj["B 2"] == {"A 2", "A 3", "B 3"}
    # corner contacts are not neighbours
    assert "B 2" not in adj["A 1"] and "A 3" not in adj["A 2"] and "B 2" not in adj["B 1"]
    # symmetric
    assert all(a in adj[b] for a, ns in adj.items() for b in ns)


def test_adjacency_corner_only_squares_are_not_adjacent():
    geom = {"X 1": box(0, 0, 1, 1), "X 2": box(1, 1, 2, 2)}
    assert C.adjacency(geom) == {"X 1": set(), "X 2": set()}
    assert C.adjacency(geom, tolerance=0.01) == {"X 1": set(), "X 2": set()}


def test_adjacency_tolerance_closes_small_gaps():
    geom = {"X 1": box(0, 0, 100, 100), "X 2": box(100.5, 0, 200, 100)}
    assert C.adjacency(geom)["X 1"] == set()
    assert C.adjacency(geom, tolerance=1.0)["X 1"] == {"X 2"}


def test_adjacency_single_and_empty():
    assert C.adjacency({}) == {}
    assert C.adjacency({"X 1": box(0, 0, 1, 1)}) == {"X 1": set()}


# --------------------------------------------------------------------------- services
def test_active_services_respects_seit_and_bis(services):
    act = C.active_services(services, YEAR)
    assert set(act["angebot"]) == {"s1", "s2", "s3", "s4", "s7"}
    assert "s2" in set(C.active_services(services, 2021)["angebot"])
    assert "s2" not in set(C.active_services(services, 2022)["angebot"])
    assert "s5" in set(C.active_services(services, 2019)["angebot"])


def test_coverage_counts_and_rates(services, areas):
    counts = pd.DataFrame({
        "sozialraum": ["A 2", "A 3", "B 1", "A 2"],
        "jahr": [YEAR, YEAR, YEAR, 2020],
        "variable": ["bev_u18", "bev_u18", "bev_u18", "bev_u18"],
        "anzahl": [500, 0, 400, 9999],
    })
    cov = C.coverage(services, areas, counts, YEAR, ["kinder", "armut"],
                     {"kinder": "bev_u18", "armut": "bev_gesamt"})
    assert list(cov.columns) == C.COVERAGE_COLUMNS
    assert len(cov) == 12
    assert list(cov["handlungsfeld"].unique()) == ["kinder", "armut"]
    k = cov[cov["handlungsfeld"] == "kinder"].set_index("sozialraum")
    assert k.loc["A 2", "angebote"] == 2
    assert k.loc["A 2", "angebote_je_1000"] == pytest.approx(4.0)
    assert k.loc["A 3", "angebote"] == 1
    assert math.isnan(k.loc["A 3", "angebote_je_1000"])  # denominator 0
    assert k.loc["B 1", "angebote"] == 0  # s5 ended in 2019
    assert k.loc["B 1", "angebote_je_1000"] == 0.0
    assert k.loc["B 2", "angebote"] == 0  # s6 starts in 2022
    assert math.isnan(k.loc["B 2", "zielgruppe"])  # no count for B 2
    assert set(k["zielgruppe_variable"]) == {"bev_u18"}
    a = cov[cov["handlungsfeld"] == "armut"].set_index("sozialraum")
    assert a["zielgruppe_variable"].iloc[0] == "bev_gesamt"
    assert a["angebote_je_1000"].isna().all()
    nothing = C.coverage(None, areas, None, YEAR, ["kinder"], {"kinder": "bev_u18"})
    assert (nothing["angebote"] == 0).all() and nothing["angebote_je_1000"].isna().all()


# --------------------------------------------------------------------------- gaps
def test_gaps_found_and_closed_by_neighbour(need, services, adj):
    g = C.gaps(need, services, adj, YEAR, FIELDS, labels={"kinder": "Kinder und Familien"})
    assert list(g.columns) == C.GAP_COLUMNS
    assert g["bedarf"].all()
    idx = g.set_index(["handlungsfeld", "sozialraum"])
    # kinder A 1: no service in the area, but two in adjacent areas → closed by neighbour
    row = idx.loc[("kinder", "A 1")]
    assert not row["luecke"]
    assert row["versorgung"] == C.NEIGHBOUR_ONLY
    assert row["angebote_im_raum"] == 0 and row["angebote_angrenzend"] == 2
    assert row["angrenzend_mit_angebot"] == "A 2|A 3"
    assert row["empfehlung"] == ("Handlungsbedarf im Feld Kinder und Familien in A 1; passende "
                                 "Angebote sind in der Bestandsaufnahme nur in den angrenzenden "
                                 "Sozialräumen A 2 und A 3 erfasst. Zu prüfen ist, ob sie "
                                 "erreichbar sind.")
    # kinder B 3: neighbour B 1's service ended 2019, B 2's starts 2022 → gap
    row = idx.loc[("kinder", "B 3")]
    assert row["luecke"] and row["versorgung"] == C.NONE
    assert row["empfehlung"] == ("Handlungsbedarf im Feld Kinder und Familien in B 3; in der "
                                 "Bestandsaufnahme ist dort und in den angrenzenden "
                                 "Sozialräumen kein passendes Angebot erfasst. Zu prüfen ist, "
                                 "ob eines aufgebaut oder ausgeweitet werden kann.")
    # armut A 1: the only service is in B 2, which touches A 1 at a corner → gap
    assert idx.loc[("armut", "A 1"), "luecke"]
    # armut B 1: served in the area (s2 ends in the report year)
    row = idx.loc[("armut", "B 1")]
    assert row["versorgung"] == C.COVERED and row["empfehlung"] == "" and not row["luecke"]
    assert row["angebote_im_raum"] == 1
    # armut A 2: served from B 1 and B 2
    row = idx.loc[("armut", "A 2")]
    assert row["versorgung"] == C.NEIGHBOUR_ONLY and row["angrenzend_mit_angebot"] == "B 1|B 2"
    assert "nur in den angrenzenden Sozialräumen B 1 und B 2 erfasst" in row["empfehlung"]
    # only areas with need, fields in the given order, areas in natural order
    assert list(zip(g["handlungsfeld"], g["sozialraum"], strict=True)) == [
        ("armut", "A 1"), ("armut", "A 2"), ("armut", "B 1"),
        ("aeltere", "A 1"), ("aeltere", "A 3"),
        ("kinder", "A 1"), ("kinder", "B 3"),
        ("integration", "A 1"), ("integration", "B 2"),
    ]


def test_gaps_without_services_everything_is_a_gap(need, adj):
    g = C.gaps(need, None, adj, YEAR, FIELDS, labels={"kinder": "Kinder"})
    assert g["luecke"].all()
    assert "im Feld Kinder in A 1;" in g.loc[g["handlungsfeld"] == "kinder",
                                             "empfehlung"].iloc[0]


def test_gaps_empty_need_has_columns(adj, services):
    g = C.gaps(_need({}), services, adj, YEAR, FIELDS)
    assert g.empty and list(g.columns) == C.GAP_COLUMNS


# --------------------------------------------------------------------------- kommunenweit
def _wide_services(*rows: tuple[str, str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["angebot", "handlungsfeld", "sozialraeume"])
    return df.assign(kettenstufe="kita", seit=2010, bis=None, name="Angebot " + df["angebot"])


def test_service_scope_is_per_kommune(areas):
    # all of A plus one area of B: kommunenweit in A, local in B
    scope = C.service_scope(["A 1", "A 2", "A 3", "B 1"], areas)
    assert scope == {"A 1": C.MUNICIPALITY_WIDE, "A 2": C.MUNICIPALITY_WIDE,
                     "A 3": C.MUNICIPALITY_WIDE, "B 1": C.LOCAL}
    assert set(C.service_scope(["A 1", "A 2"], areas).values()) == {C.LOCAL}
    # a Kommune of a single area: its one area is local, not kommunenweit
    one = pd.DataFrame({"sozialraum": ["X 1"], "ags": ["05334999"]})
    assert C.service_scope(["X 1"], one) == {"X 1": C.LOCAL}
    # without areas nothing is kommunenweit (the old rule)
    assert set(C.service_scope(["A 1", "A 2", "A 3"], None).values()) == {C.LOCAL}
    sa = C.service_areas(_wide_services(("w", "kinder", "A 1|A 2|A 3|B 1")), YEAR, areas)
    assert dict(zip(sa["sozialraum"], sa["reichweite"], strict=True)) == scope


def test_kommunenweit_service_does_not_close_a_local_gap(adj, areas):
    svc = _wide_services(("w", "kinder", "A 1|A 2|A 3"))
    need = _need({"kinder": ["A 1"]})
    row = C.gaps(need, svc, adj, YEAR, ["kinder"], areas=areas).iloc[0]
    assert row["luecke"] and row["versorgung"] == C.NONE
    assert row["angebote_im_raum"] == 0 and row["angebote_kommunenweit"] == 1
    assert row["empfehlung"].endswith(
        "Kommunenweit erfasst (für alle Sozialräume der Kommune, nicht als Angebot vor Ort "
        "gezählt): Angebot w.")
    # the same inventory without areas: the service counts in the area (old rule)
    old = C.gaps(need, svc, adj, YEAR, ["kinder"]).iloc[0]
    assert old["versorgung"] == C.COVERED and old["angebote_kommunenweit"] == 0
    # a local service next door still closes the gap (reachability to check)
    both = pd.concat([svc, _wide_services(("l", "kinder", "A 2"))], ignore_index=True)
    row = C.gaps(need, both, adj, YEAR, ["kinder"], areas=areas).iloc[0]
    assert row["versorgung"] == C.NEIGHBOUR_ONLY and row["angebote_angrenzend"] == 1
    assert row["angebote_kommunenweit"] == 1 and "Angebot w" in row["empfehlung"]


def test_kommunenweit_service_is_never_adjacent_across_a_kommune_border(adj, areas):
    # A 2 borders B 1 and B 2; B's Kommune-wide service is not A 2's neighbour service
    need = _need({"kinder": ["A 2"]})
    wide = _wide_services(("wb", "kinder", "B 1|B 2|B 3"))
    row = C.gaps(need, wide, adj, YEAR, ["kinder"], areas=areas).iloc[0]
    assert row["luecke"] and row["angebote_angrenzend"] == 0
    assert row["angebote_kommunenweit"] == 0 and row["angrenzend_mit_angebot"] == ""
    # a service of B that serves B 1 only is local there: adjacent for A 2
    local = _wide_services(("lb", "kinder", "B 1"))
    row = C.gaps(need, local, adj, YEAR, ["kinder"], areas=areas).iloc[0]
    assert row["versorgung"] == C.NEIGHBOUR_ONLY and row["angrenzend_mit_angebot"] == "B 1"
    # kommunenweit in A, local in B 1: adjacent for B 3 (same service, other Kommune)
    mixed = _wide_services(("m", "kinder", "A 1|A 2|A 3|B 1"))
    row = C.gaps(_need({"kinder": ["B 3"]}), mixed, adj, YEAR, ["kinder"],
                 areas=areas).iloc[0]
    assert row["versorgung"] == C.NEIGHBOUR_ONLY and row["angrenzend_mit_angebot"] == "B 1"


def test_coverage_counts_kommunenweit_services_apart(areas):
    svc = _wide_services(("w", "kinder", "A 1|A 2|A 3"), ("l", "kinder", "A 1"))
    counts = pd.DataFrame({"sozialraum": ["A 1", "A 2"], "jahr": [YEAR, YEAR],
                           "variable": ["bev_u18", "bev_u18"], "anzahl": [500, 250]})
    cov = C.coverage(svc, areas, counts, YEAR, ["kinder"], {"kinder": "bev_u18"})
    k = cov.set_index("sozialraum")
    assert k.loc["A 1", "angebote"] == 1 and k.loc["A 1", "angebote_kommunenweit"] == 1
    assert k.loc["A 1", "angebote_je_1000"] == pytest.approx(2.0)  # local services only
    assert k.loc["A 2", "angebote"] == 0 and k.loc["A 2", "angebote_je_1000"] == 0.0
    assert k.loc["B 1", "angebote_kommunenweit"] == 0


# --------------------------------------------------------------------------- chain
def test_chain_gaps(services, areas):
    stages = ["fruehe_hilfen", "kita", "alter"]
    ch = C.chain_gaps(services, areas, stages, YEAR)
    assert list(ch.columns) == C.CHAIN_COLUMNS
    got = {(r.ags, r.kettenstufe): r.angebote for r in ch.itertuples()}
    assert got == {
        (AGS_A, "fruehe_hilfen"): 1,  # s4 serves two areas of A: counted once
        (AGS_A, "kita"): 1,
        (AGS_A, "alter"): 0,
        (AGS_B, "fruehe_hilfen"): 0,
        (AGS_B, "kita"): 0,  # s5 ended, s6 not started
        (AGS_B, "alter"): 1,
    }
    assert list(ch["kettenstufe"])[:3] == stages and list(ch["stufe_nr"])[:3] == [1, 2, 3]
    assert (ch["luecke"] == (ch["angebote"] == 0)).all()
    assert set(ch["kommune"]) == {"Alsdorf", "Baesweiler"}


def test_chain_gaps_of_one_field_count_only_its_services(services, areas):
    """Each field has its own chain: an Ältere service does not fill the Kinder chain."""
    stages = ["fruehe_hilfen", "kita", "alter"]
    kinder = C.chain_gaps(services, areas, stages, YEAR, field="kinder")
    got = {(r.ags, r.kettenstufe): r.angebote for r in kinder.itertuples()}
    assert got[(AGS_A, "fruehe_hilfen")] == 1 and got[(AGS_A, "kita")] == 1
    assert got[(AGS_B, "alter")] == 0  # s7 is an Ältere service
    aeltere = C.chain_gaps(services, areas, stages, YEAR, field="aeltere")
    got = {(r.ags, r.kettenstufe): r.angebote for r in aeltere.itertuples()}
    assert got[(AGS_B, "alter")] == 1 and got[(AGS_A, "kita")] == 0


# --------------------------------------------------------------------------- clusters
def test_clusters_only_across_kommune_border(need, areas, adj):
    cl = C.intermunicipal_clusters(need, areas, adj, FIELDS)
    assert list(cl.columns) == C.CLUSTER_COLUMNS
    assert len(cl) == 1  # aeltere A 1 + A 3 lies in one Kommune; integration only corners
    row = cl.iloc[0]
    assert row["handlungsfeld"] == "armut" and row["cluster"] == "armut-1"
    assert row["sozialraeume"] == "A 1|A 2|B 1"
    assert row["kommunen"] == "Alsdorf|Baesweiler" and row["ags"] == f"{AGS_A}|{AGS_B}"
    assert row["anzahl_sozialraeume"] == 3 and row["anzahl_kommunen"] == 2


def test_cluster_ids_numbered_by_smallest_area(areas):
    geom = {a: box(c * 10, 0, (c + 1) * 10, 10) for c, a in
            enumerate(["A 1", "B 1", "B 2", "A 2", "A 3", "B 3"])}  # a row of squares
    adj = C.adjacency(geom)
    need = _need({"kinder": ["A 1", "B 1", "A 2", "A 3", "B 3"]})  # B 2 breaks the row
    cl = C.intermunicipal_clusters(need, areas, adj, ["kinder"])
    assert list(cl["cluster"]) == ["kinder-1", "kinder-2"]
    assert list(cl["sozialraeume"]) == ["A 1|B 1", "A 2|A 3|B 3"]


# --------------------------------------------------------------------------- impact
def _ind(rows, key):
    cols = [key, "jahr", "indikator", "wert", "ki_unten", "ki_oben"]
    return pd.DataFrame(rows, columns=cols)


def test_impact_progress_statuses():
    area_ind = _ind([
        ("A 1", 2016, "x", 20.0, 19.0, 21.0), ("A 1", YEAR, "x", 16.0, 15.5, 16.5),
        ("A 2", 2016, "x", 20.0, 19.0, 21.0), ("A 2", YEAR, "x", 19.0, 18.5, 19.5),
        ("A 3", 2016, "x", 20.0, 19.0, 21.0), ("A 3", YEAR, "x", 18.0, 14.0, 22.0),
    ], "sozialraum")
    mun_ind = _ind([(AGS_B, 2016, "y", 40.0, 39.0, 41.0), (AGS_B, YEAR, "y", 52.0, 51.0, 53.0)],
                   "ags")
    goals = pd.DataFrame({
        "ziel_id": ["g_kurs", "g_nicht", "g_erreicht", "g_unsicher", "g_ohne"],
        "ziel": ["a", "b", "c", "d", "e"],
        "handlungsfeld": ["armut"] * 5,
        "gebiet": ["A 1", "A 2", AGS_B, "A 3", "B 3"],
        "indikator": ["x", "x", "y", "x", "x"],
        "basisjahr": [2016] * 5,
        "zielwert": [15.0, 10.0, 50.0, 15.0, 10.0],
        "zieljahr": [2026] * 5,
    })
    pr = C.impact_progress(goals, area_ind, mun_ind, YEAR).set_index("ziel_id")
    assert list(pr.reset_index().columns) == C.PROGRESS_COLUMNS
    assert pr["status"].to_dict() == {"g_kurs": "auf Kurs", "g_nicht": "nicht auf Kurs",
                                      "g_erreicht": "erreicht", "g_unsicher": "im Schwankungsbereich",
                                      "g_ohne": "keine Daten"}
    assert pr.loc["g_kurs", "fortschritt"] == pytest.approx(0.8)
    assert pr.loc["g_kurs", "erwartet"] == pytest.approx(0.5)
    assert pr.loc["g_kurs", "richtung"] == "senken"
    assert pr.loc["g_kurs", "ki_unten"] == 15.5 and pr.loc["g_kurs", "ebene"] == "sozialraum"
    assert pr.loc["g_nicht", "fortschritt"] == pytest.approx(0.1)
    assert pr.loc["g_erreicht", "richtung"] == "erhöhen"
    assert pr.loc["g_erreicht", "ebene"] == "kommune"
    assert pr.loc["g_erreicht", "basiswert"] == 40.0 and pr.loc["g_erreicht", "wert"] == 52.0
    assert pr.loc["g_unsicher", "fortschritt"] == pytest.approx(0.4)
    assert math.isnan(pr.loc["g_ohne", "wert"])


def test_impact_progress_expected_share_is_clipped():
    area_ind = _ind([("A 1", 2010, "x", 10.0, 9.0, 11.0), ("A 1", YEAR, "x", 9.5, 9.4, 9.6)],
                    "sozialraum")
    goals = pd.DataFrame({"ziel_id": ["g"], "ziel": ["z"], "handlungsfeld": ["armut"],
                          "gebiet": ["A 1"], "indikator": ["x"], "basisjahr": [2010],
                          "zielwert": [8.0], "zieljahr": [2020]})
    pr = C.impact_progress(goals, area_ind, area_ind.iloc[:0].rename(
        columns={"sozialraum": "ags"}), YEAR)
    assert pr.loc[0, "erwartet"] == 1.0  # target year passed
    assert pr.loc[0, "status"] == "nicht auf Kurs"
    assert C.impact_progress(None, area_ind, area_ind, YEAR).empty


# --------------------------------------------------------------------------- themes
def test_theme_groups_counts_and_formats():
    mun = pd.DataFrame({"ags": [AGS_A, AGS_B, AGS_C], "name": ["Alsdorf", "Baesweiler",
                                                                "Eschweiler"]})
    pri = pd.DataFrame({
        "ags": [AGS_C, AGS_A, AGS_B, AGS_B, AGS_C, AGS_A, AGS_B],
        "thema": ["t_drei", "t_drei", "t_drei", "t_zwei", "t_zwei", "t_eins", "extra"],
    })
    themes = {
        "t_drei": Theme(titel="Drei", handlungsfeld="kinder"),
        "t_zwei": {"titel": "Zwei", "handlungsfeld": "aeltere"},
        "t_eins": Theme(titel="Eins", handlungsfeld="armut"),
        "t_null": Theme(titel="Null", handlungsfeld="armut"),
    }
    tg = C.theme_groups(pri, mun, themes)
    assert list(tg.columns) == C.THEME_COLUMNS
    assert list(tg["thema"]) == ["t_drei", "t_zwei", "t_eins", "t_null", "extra"]
    assert list(tg["anzahl"]) == [3, 2, 1, 0, 1]
    assert list(tg["format"]) == ["Dialogforum", "Werkstatt", "", "", ""]
    named = C.theme_groups(pri, mun, themes, forum_from=2, forum="Forum", pair="Tandem")
    assert list(named["format"]) == ["Forum", "Forum", "", "", ""]
    assert tg.loc[0, "kommunen"] == "Alsdorf|Baesweiler|Eschweiler"
    assert tg.loc[0, "ags"] == f"{AGS_A}|{AGS_B}|{AGS_C}"
    assert tg.loc[1, "handlungsfeld"] == "aeltere" and tg.loc[4, "titel"] == "extra"
    assert list(C.theme_groups(None, mun, themes)["anzahl"]) == [0, 0, 0, 0]


# --------------------------------------------------------------------------- recommendations
def test_recommendations_order_kinds_and_wording(need, services, areas, adj):
    from analysis.contract.config import Concept, load_config, recommendation_texts

    cfg = load_config(REPO / "config" / "report.yaml")
    texts = recommendation_texts(cfg, REPO / "config" / "report.yaml")
    g = C.gaps(need, services, adj, YEAR, FIELDS)
    cl = C.intermunicipal_clusters(need, areas, adj, FIELDS)
    tg = pd.DataFrame([{"thema": "t", "titel": "Armut im Alter", "handlungsfeld": "armut",
                        "kommunen": "Alsdorf|Baesweiler", "ags": f"{AGS_A}|{AGS_B}",
                        "anzahl": 2, "format": "Werkstatt"}])
    pr = pd.DataFrame([{"ziel_id": "g1", "ziel": "Weniger Armut", "handlungsfeld": "armut",
                        "gebiet": AGS_A, "basisjahr": 2016, "fortschritt": 0.1,
                        "erwartet": 0.5, "status": "nicht auf Kurs"}])
    a2k = dict(zip(areas["sozialraum"], areas["ags"], strict=True))
    kw = dict(gap_table=g, clusters=cl, groups=tg, progress=pr, need=need, area_ags=a2k,
              names={AGS_A: "Alsdorf", AGS_B: "Baesweiler"})
    rec = C.recommendations(FIELDS, Concept(), texts, YEAR, **kw)
    assert list(rec.columns) == C.RECOMMENDATION_COLUMNS
    armut = rec[rec["handlungsfeld"] == "armut"]
    # both Kommunen that named the theme have armut need: „hoch“ first; the rest „mittel“
    # (no stability, no area in three counted fields) in the order of the kinds
    assert list(armut["art"]) == ["themengleich", "versorgungsluecke", "nur_angrenzend",
                                  "interkommunal", "wirkungsziel"]
    assert list(armut["prioritaet"]) == ["hoch", "mittel", "mittel", "mittel", "mittel"]
    assert list(rec["nr"]) == list(range(1, len(rec) + 1))
    assert armut.iloc[1]["sozialraeume"] == "A 1" and armut.iloc[1]["bezug"] == "A 1"
    assert "besteht im Sozialraum A 1;" in armut.iloc[1]["text"]
    assert armut.iloc[3]["text"].startswith("Die aneinandergrenzenden Sozialräume A 1, A 2 und "
                                            "B 1 in Alsdorf und Baesweiler")
    assert "(Format: Werkstatt)" in armut.iloc[0]["schritt"]
    assert "„Weniger Armut“ für Alsdorf ist nicht auf Kurs. Erreicht ist 10 % der geplanten " \
        "Veränderung, erwartet waren 50 %." in armut.iloc[4]["text"]
    # two recommendations of one kind are told apart by their title
    assert armut.iloc[0]["titel"] == "Austausch themengleicher Kommunen: „Armut im Alter“"
    assert armut.iloc[3]["titel"] == "Interkommunaler Ansatz: Alsdorf und Baesweiler"
    assert armut.iloc[4]["titel"] == "Wirkungsziel überprüfen: „Weniger Armut“"
    assert list(rec["handlungsfeld"].unique()) == ["armut", "aeltere", "kinder", "integration"]
    pd.testing.assert_frame_equal(rec, C.recommendations(FIELDS, Concept(), texts, YEAR, **kw))
    assert not rec["text"].str.contains("Vorschlag").any()
    assert C.recommendations(FIELDS, Concept(), texts, YEAR).empty


def test_goal_recommendation_states_the_numbers_with_their_unit():
    """„nicht auf Kurs“ is shown with the values it rests on, not as a bare claim."""
    from analysis.contract.config import Concept, load_config, recommendation_texts

    cfg = load_config(REPO / "config" / "report.yaml")
    texts = recommendation_texts(cfg, REPO / "config" / "report.yaml")
    pr = pd.DataFrame([{"ziel_id": "g1", "ziel": "Altersarmut begrenzen", "handlungsfeld": "armut",
                        "gebiet": AGS_A, "indikator": "x", "basisjahr": 2016, "basiswert": 4.5,
                        "jahr": YEAR, "wert": 4.9, "zielwert": 4.3, "zieljahr": 2025,
                        "fortschritt": -2.0, "erwartet": 0.5, "status": "nicht auf Kurs"}])
    rec = C.recommendations(["armut"], Concept(), texts, YEAR, progress=pr,
                            area_ags={}, names={AGS_A: "Alsdorf"}, units={"x": "%"},
                            indicator_labels={"x": "Grundsicherung im Alter"})
    text = rec.iloc[0]["text"]
    assert ("vom Zielwert entfernt (Grundsicherung im Alter: 4,5 % im Jahr 2016, 4,9 % im Jahr "
            f"{YEAR}, Zielwert 4,3 % bis 2025).") in text
    assert rec.iloc[0]["prioritaet"] == "hoch" and "(Alsdorf)" not in text


def test_goal_reached_inside_the_interval_is_uncertain():
    """A value just past the target whose interval still holds the target is „im
    Schwankungsbereich“, as the method note says – not „erreicht“."""
    area_ind = _ind([("A 1", 2016, "x", 41.9, 40.0, 44.0), ("A 1", YEAR, "x", 35.9, 31.6, 40.4),
                     ("A 2", 2016, "x", 15.1, 14.6, 15.6), ("A 2", YEAR, "x", 11.8, 11.4, 12.2)],
                    "sozialraum")
    goals = pd.DataFrame({"ziel_id": ["knapp", "klar"], "ziel": ["a", "b"],
                          "handlungsfeld": ["armut"] * 2, "gebiet": ["A 1", "A 2"],
                          "indikator": ["x", "x"], "basisjahr": [2016] * 2,
                          "zielwert": [37.7, 13.6], "zieljahr": [2025] * 2})
    pr = C.impact_progress(goals, area_ind, _ind([], "ags"), YEAR).set_index("ziel_id")
    assert pr["status"].to_dict() == {"knapp": "im Schwankungsbereich", "klar": "erreicht"}


# --------------------------------------------------------------------------- notes
def test_notes_for_filters_and_sorts():
    def note(file, areas, ags, field, date):
        return Note(file, file, tuple(areas), ags, field, date, "Fachgespräch", "Text")

    notes = [
        note("b.md", ["A 1"], None, "kinder", "2021-05-01"),
        note("a.md", ["A 1", "B 2"], None, "kinder", "2021-05-01"),
        note("c.md", [], AGS_B, "armut", "2020-01-01"),
        note("d.md", ["B 3"], None, "armut", "2022-01-01"),
    ]
    assert [n.file for n in C.notes_for(notes)] == ["c.md", "a.md", "b.md", "d.md"]
    assert [n.file for n in C.notes_for(notes, field="kinder")] == ["a.md", "b.md"]
    assert [n.file for n in C.notes_for(notes, area="B 2")] == ["a.md"]
    assert [n.file for n in C.notes_for(notes, ags=AGS_B)] == ["c.md"]
    a2k = {"A 1": AGS_A, "B 2": AGS_B, "B 3": AGS_B}
    assert [n.file for n in C.notes_for(notes, ags=AGS_B, area_ags=a2k)] == ["c.md", "a.md",
                                                                              "d.md"]
    assert [n.file for n in C.notes_for(notes, field="armut", ags=AGS_B, area_ags=a2k)] == [
        "c.md", "d.md"]


# --------------------------------------------------------------------------- demo smoke
def test_demo_smoke():
    from analysis.contract.config import load_config
    from analysis.contract.dataset import load_dataset
    from analysis.method.core import run

    ds = load_dataset(REPO / "data" / "demo")
    cfg = load_config(REPO / "config" / "report.yaml")
    res = run(ds, cfg, with_stability=False)
    tg = C.theme_groups(ds.priorities, ds.municipalities, cfg.themen).set_index("thema")
    assert tg["anzahl"].to_dict() == {"armut_aeltere": 8, "bedarfe_aeltere": 6,
                                      "bildungschancen": 5, "kinderarmut": 6,
                                      "erwerbsbeteiligung": 4}
    adj = C.adjacency(ds.geometry)
    assert set(adj) == set(ds.areas["sozialraum"])
    g = C.gaps(res.need, ds.services, adj, cfg.berichtsjahr, cfg.fields, areas=ds.areas)
    assert list(g.columns) == C.GAP_COLUMNS and not g.empty
    # every Kommune has at least one kommunenweit service in the demo inventory
    sa = C.service_areas(ds.services, cfg.berichtsjahr, ds.areas)
    wide = sa[sa["reichweite"] == C.MUNICIPALITY_WIDE].merge(ds.areas, on="sozialraum")
    assert set(wide["ags"]) == set(ds.areas["ags"])
    cl = C.intermunicipal_clusters(res.need, ds.areas, adj, cfg.fields)
    assert list(cl.columns) == C.CLUSTER_COLUMNS
    assert (cl["anzahl_kommunen"] >= 2).all()
    cov = C.coverage(ds.services, ds.areas, ds.counts, cfg.berichtsjahr, cfg.fields,
                     {f: cfg.target_group(f, ds.indicators) for f in cfg.fields})
    assert len(cov) == len(ds.areas) * len(cfg.fields)
    ch = C.chain_gaps(ds.services, ds.areas, cfg.praeventionskette, cfg.berichtsjahr)
    assert len(ch) == len(ds.municipalities) * len(cfg.praeventionskette)
    pr = C.impact_progress(ds.goals, res.area, res.municipal, cfg.berichtsjahr)
    assert len(pr) == len(ds.goals) and (pr["status"] != C.NO_DATA).all()
    from analysis.contract.config import recommendation_texts

    texts = recommendation_texts(cfg, REPO / "config" / "report.yaml")
    rec = C.recommendations(cfg.fields, cfg.konzept, texts, cfg.berichtsjahr, gap_table=g,
                            clusters=cl, groups=tg.reset_index(), progress=pr, need=res.need)
    assert not rec.empty and set(rec["ebene"]) <= {"eigen", "gemeinsam", "empfehlung"}


def test_goal_change_within_the_noise_is_not_called_moved_away():
    """Review R2-01: Stolberg 4,7 % → 5,0 % (interval 4,7–5,4) has not measurably moved away
    from its target; the recommendation says so and is not „hoch“. A change beyond the
    noise still is."""
    from analysis.contract.config import Concept, load_config, recommendation_texts

    area_ind = _ind([
        ("A 1", 2016, "x", 4.7, 4.4, 5.0), ("A 1", YEAR, "x", 5.0, 4.7, 5.4),
        ("A 2", 2016, "x", 4.7, 4.5, 4.9), ("A 2", YEAR, "x", 6.0, 5.8, 6.2),
    ], "sozialraum")
    goals = pd.DataFrame({"ziel_id": ["rauschen", "klar"], "ziel": ["a", "b"],
                          "handlungsfeld": ["armut"] * 2, "gebiet": ["A 1", "A 2"],
                          "indikator": ["x", "x"], "basisjahr": [2016] * 2,
                          "zielwert": [4.3, 4.3], "zieljahr": [2025] * 2})
    pr = C.impact_progress(goals, area_ind, _ind([], "ags"), YEAR, level=0.95)
    assert list(pr["status"]) == ["nicht auf Kurs"] * 2
    assert list(pr["gesichert"]) == [False, True]
    # without a noise check (level 0) every change counts, as before
    assert C.impact_progress(goals, area_ind, _ind([], "ags"), YEAR)["gesichert"].all()
    cfg = load_config(REPO / "config" / "report.yaml")
    texts = recommendation_texts(cfg, REPO / "config" / "report.yaml")
    rec = C.recommendations(["armut"], Concept(), texts, YEAR, progress=pr,
                            area_ags={"A 1": AGS_A, "A 2": AGS_A}, names={})
    by = rec.set_index("bezug")
    assert by.loc["rauschen", "prioritaet"] == "mittel"
    assert "nicht über die zufällige Schwankung hinaus verändert" in by.loc["rauschen", "text"]
    assert "entfernt" not in by.loc["rauschen", "text"]
    assert by.loc["klar", "prioritaet"] == "hoch"
    assert "vom Zielwert entfernt" in by.loc["klar", "text"]


def test_theme_priority_is_high_only_with_stable_need_in_every_kommune(areas):
    """Review 3: a theme named by six Kommunen was „hoch“ although in three of them every
    classification was borderline; „hoch“ needs stable need in every Kommune."""
    from analysis.contract.config import Concept, load_config, recommendation_texts

    cfg = load_config(REPO / "config" / "report.yaml")
    texts = recommendation_texts(cfg, REPO / "config" / "report.yaml")
    need = _need({"armut": ["A 1", "B 1"]})
    tg = pd.DataFrame([{"thema": "t", "titel": "Armut im Alter", "handlungsfeld": "armut",
                        "kommunen": "Alsdorf|Baesweiler", "ags": f"{AGS_A}|{AGS_B}",
                        "anzahl": 2, "format": "Werkstatt"}])
    a2k = dict(zip(areas["sozialraum"], areas["ags"], strict=True))
    stab = pd.DataFrame({f: [1.0] * 6 for f in FIELDS}, index=need.index)

    def prio(stability):
        rec = C.recommendations(["armut"], Concept(), texts, YEAR, groups=tg, need=need,
                                stability=stability, area_ags=a2k,
                                names={AGS_A: "Alsdorf", AGS_B: "Baesweiler"})
        return rec.loc[rec["art"] == "themengleich", "prioritaet"].iloc[0]

    assert prio(stab) == "hoch"
    stab.loc["B 1", "armut"] = 0.6  # Baesweiler's only need area is borderline
    assert prio(stab) == "mittel"
