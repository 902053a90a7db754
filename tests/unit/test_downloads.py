"""The downloads of both reports can be used without asking (issue 12, review R4-10).

Every indicator row carries the indicator's name, unit and source from the catalogue
(``indikatoren.csv``, read here on its own), every field id its configured name; the
indicator downloads hold the comparison year as well as the report year, and the
comparison year passes the disclosure gate exactly like the report year (checked here
against the raw counts, not the gate's flags); every XLSX has a second sheet
„Erläuterung“ that explains each column of its data sheet, and each CSV a
``…_erlaeuterung.csv`` with the same rows; the demo label is in every row of both.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from analysis.build.publish_site import SITE_TITLES, _downloads
from analysis.contract.config import load_config
from analysis.gate import disclosure as D
from analysis.rendering.tables import DEMO_COLUMN, DEMO_MARK

from ..conftest import REPO

DEMO = REPO / "data" / "demo"
CONFIG = REPO / "config" / "report.yaml"
MASKED = ["zaehler", "nenner", "wert", "ki_unten", "ki_oben"]


def _report(data=DEMO):
    from analysis.method.context import compute_context
    from analysis.views.report import Report

    return Report(compute_context(data, CONFIG))


@pytest.fixture(scope="module")
def report():
    return _report()


@pytest.fixture(scope="module")
def tables(report):
    from analysis.views.concept_report import open_concept

    return {"sozialbericht": report.download_tables(),
            "handlungskonzept": open_concept(report).download_tables()}


@pytest.fixture(scope="module")
def files(report, tables):
    from analysis.views.downloads import download_files

    return {site: download_files(report, tables[site], SITE_TITLES[site]) for site in tables}


@pytest.fixture(scope="module")
def written(files):
    return {site: _downloads(files[site])[0] for site in files}


@pytest.fixture(scope="module")
def catalogue():
    return pd.read_csv(DEMO / "indikatoren.csv", dtype=str).set_index("indikator")


@pytest.fixture(scope="module")
def settings():
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def _csv(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), sep=";", dtype=str, encoding="utf-8-sig",
                       keep_default_na=False)


# --------------------------------------------------------------------------- names, units
@pytest.mark.parametrize("stem", ["indikatoren_sozialraeume", "indikatoren_kommunen"])
def test_every_indicator_row_names_its_indicator_unit_and_source(written, catalogue, stem):
    df = _csv(written["sozialbericht"][f"{stem}.csv"])
    cols = list(df.columns)
    # the ids stay, the names come right after them
    assert cols[cols.index("indikator") + 1:cols.index("indikator") + 3] == [
        "indikator_name", "einheit"]
    assert "quelle" in cols
    assert len(df) > 100
    for col, source in (("indikator_name", "bezeichnung"), ("einheit", "einheit"),
                        ("quelle", "quelle")):
        expected = df["indikator"].map(catalogue[source])
        assert expected.notna().all()
        assert (df[col] == expected).all(), col
    # per 100 and per 1.000 are told apart in every row
    assert set(df["einheit"]) == {"%", "je 1.000"}


def test_impact_goals_name_indicator_and_field(written, catalogue, settings):
    df = _csv(written["handlungskonzept"]["wirkungsziele.csv"])
    assert (df["indikator_name"] == df["indikator"].map(catalogue["bezeichnung"])).all()
    assert (df["einheit"] == df["indikator"].map(catalogue["einheit"])).all()
    kurz = {f: spec["kurz"] for f, spec in settings["handlungsfelder"].items()}
    assert (df["handlungsfeld_name"] == df["handlungsfeld"].map(kurz)).all()


def test_every_field_id_has_its_name_beside_it(written, settings):
    kurz = {f: spec["kurz"] for f, spec in settings["handlungsfelder"].items()}
    seen = 0
    for files in written.values():
        for name, data in files.items():
            if not name.endswith(".csv") or name.endswith("_erlaeuterung.csv"):
                continue
            df = _csv(data)
            if "handlungsfeld" not in df.columns:
                continue
            cols = list(df.columns)
            assert cols[cols.index("handlungsfeld") + 1] == "handlungsfeld_name", name
            ids = df["handlungsfeld"]
            assert (df["handlungsfeld_name"] == ids.map(lambda f: kurz.get(f, ""))).all(), name
            assert (df.loc[ids != "", "handlungsfeld_name"] != "").all(), name
            seen += 1
    assert seen >= 6  # dynamik and the annex's tables by field


def test_stability_is_in_percent_as_on_the_pages(report, written, settings):
    df = _csv(written["sozialbericht"]["handlungsbedarf.csv"])
    fields = list(settings["handlungsfelder"])
    assert not [c for c in df.columns if c.endswith("_stabilitaet")]
    shown = set()
    for f in fields:
        col = df[f"{f}_stabilitaet_prozent"].str.replace(",", ".").astype(float)
        assert col.between(0, 100).all()
        # the number the field pages and Steckbriefe print („79,6 %“, „100 %“)
        share = report.res.stability[f].reindex(df["sozialraum"])
        printed = [report.stability_text(x).removesuffix("\u00a0%").replace(",", ".")
                   for x in share]
        assert col.tolist() == [float(t) for t in printed], f
        shown |= set(col)
    assert shown - {0, 100}, "no stability between 0 and 100 % in the demo?"


# --------------------------------------------------------------------------- comparison year
def test_indicator_downloads_hold_the_comparison_year(report, tables, settings):
    base, year = int(settings["vergleichsjahr"]), int(settings["berichtsjahr"])
    for stem, key in (("indikatoren_sozialraeume", "sozialraum"),
                      ("indikatoren_kommunen", "ags")):
        df = tables["sozialbericht"][stem][1]
        assert set(df["jahr"]) == {base, year}, stem
        per_key = df.groupby([key, "indikator"], observed=True)["jahr"].apply(sorted)
        assert (per_key.map(tuple) == (base, year)).all(), stem  # both years, side by side
        assert f"{base} und {year}" in tables["sozialbericht"][stem][0]
        assert (df["stand"] == df["jahr"].map(lambda y: f"31.12.{y}")).all()
    # the published comparison-year values are the gate's, number for number
    df = tables["sozialbericht"]["indikatoren_sozialraeume"][1]
    av = report.gate.area_values
    gate = av[(av["jahr"] == base) & ~av[D.FLAG]].set_index(["sozialraum", "indikator"])
    shown = df[(df["jahr"] == base) & (df["wert"] != D.SUPPRESSED)].set_index(
        ["sozialraum", "indikator"])
    assert len(shown) == len(gate) > 1000
    assert (shown["zaehler"].astype(int) == gate.loc[shown.index, "zaehler"]).all()
    assert ((shown["wert"].astype(float) - gate.loc[shown.index, "wert"].round(2)).abs()
            < 1e-9).all()


def test_no_withheld_comparison_year_count_appears(report, tables, catalogue, settings):
    """Against the raw counts: every area count of the comparison year below the limit
    (1 … limit − 1) hides every row that uses it as numerator or denominator, in all of
    its value columns – as in the report year – and the gate's secondary cells too."""
    base = int(settings["vergleichsjahr"])
    limit = int(settings["geheimhaltung"]["mindestanzahl"])
    raw = pd.read_csv(DEMO / "zaehlungen.csv", dtype={"sozialraum": str})
    small = raw[(raw["jahr"] == base) & raw["anzahl"].between(1, limit - 1)]
    assert len(small) > 0, "the demo has small counts in the comparison year"
    df = tables["sozialbericht"]["indikatoren_sozialraeume"][1]
    this = df[df["jahr"] == base]
    uses = {i: (r["zaehler"], r["nenner"]) for i, r in catalogue.iterrows()}
    checked = 0
    for r in small.itertuples(index=False):
        for ind, (num, den) in uses.items():
            if r.variable not in (num, den):
                continue
            row = this[(this["sozialraum"] == r.sozialraum) & (this["indikator"] == ind)]
            if row.empty:
                continue
            assert (row[[*MASKED, "unsicher"]] == D.SUPPRESSED).all(axis=None), (
                r.sozialraum, ind)
            checked += 1
    assert checked > 0
    D.assert_no_small_counts(df, limit)
    D.assert_no_small_counts(tables["sozialbericht"]["indikatoren_kommunen"][1], limit)
    # secondary cells: the comparison year is masked exactly where the gate flags it
    av = report.gate.area_values
    flags = av[av["jahr"] == base].set_index(["sozialraum", "indikator"])[D.FLAG]
    masked = this.set_index(["sozialraum", "indikator"])["zaehler"] == D.SUPPRESSED
    assert masked.sort_index().equals(flags.loc[masked.index].sort_index().rename("zaehler"))
    assert flags.sum() > len(small)  # more than the small cells themselves


# --------------------------------------------------------------------------- explanation
def test_explanation_lists_every_column_of_its_data(files):
    n = 0
    for downloads in files.values():
        for d in downloads:
            notes = d.notes
            cols = notes.loc[notes["art"] == "Spalte", "eintrag"].tolist()
            assert cols == [str(c) for c in d.data.columns], d.stem
            meanings = notes.loc[notes["art"] == "Spalte", "bedeutung"]
            assert (meanings.str.strip() != "").all(), (d.stem, cols)
            kinds = set(notes["art"])
            assert {"Tabelle", "Datenstand", "Hinweis", "Zeichen"} <= kinds, d.stem
            assert (notes.loc[notes["art"] == "Zeichen", "eintrag"] == "•").any()
            assert "31.12.2021" in notes.loc[notes["art"] == "Datenstand", "bedeutung"].iloc[0]
            n += 1
    assert n == 12


def test_explanation_names_units_indicators_and_uncertain(files, catalogue):
    sb = {d.stem: d for d in files["sozialbericht"]}
    notes = sb["indikatoren_sozialraeume"].notes
    assert "unsicher" in set(notes.loc[notes["art"] == "Zeichen", "eintrag"])
    ind = notes[notes["art"] == "Indikator"].set_index("eintrag")
    data = sb["indikatoren_sozialraeume"].data
    assert set(ind.index) == set(data["indikator"])
    assert (ind["einheit"] == catalogue.loc[ind.index, "einheit"]).all()
    for i, row in ind.iterrows():
        assert row["bedeutung"].startswith(catalogue.loc[i, "bezeichnung"] + ": ")
        assert catalogue.loc[i, "quelle"] in row["bedeutung"]
    need = sb["handlungsbedarf"].notes.set_index("eintrag")
    assert need.loc["armut_stabilitaet_prozent", "einheit"] == "%"
    assert "Armut" in need.loc["armut_stabilitaet_prozent", "bedeutung"]


def test_demo_label_in_every_row_of_data_and_explanation(files, written):
    for downloads in files.values():
        for d in downloads:
            for frame in (d.data, d.notes):
                assert frame.columns[0] == DEMO_COLUMN
                assert (frame[DEMO_COLUMN] == DEMO_MARK).all(), d.stem
            note = d.notes.loc[d.notes["art"] == "Hinweis", "bedeutung"].iloc[0]
            assert "synthetischen Demodaten" in note
    for site, data in written.items():
        for d in files[site]:
            book = load_workbook(io.BytesIO(data[f"{d.stem}.xlsx"]), read_only=True)
            assert book.sheetnames == [d.stem[:31], "Erläuterung"]
            sheet = [r for r in book["Erläuterung"].iter_rows(values_only=True)]
            assert list(sheet[0]) == list(d.notes.columns)
            assert all(r[0] == DEMO_MARK for r in sheet[1:])
            assert [r[2] or "" for r in sheet[1:]] == d.notes["eintrag"].tolist()
            notes_csv = _csv(data[f"{d.stem}_erlaeuterung.csv"])
            assert notes_csv["eintrag"].tolist() == d.notes["eintrag"].tolist()


def test_downloads_are_byte_identical_on_rebuild(written):
    from analysis.views.concept_report import open_concept
    from analysis.views.downloads import download_files

    again = _report()
    tables = {"sozialbericht": again.download_tables(),
              "handlungskonzept": open_concept(again).download_tables()}
    for site in SITE_TITLES:
        files, _ = _downloads(download_files(again, tables[site], SITE_TITLES[site]))
        assert files.keys() == written[site].keys()
        for name in files:
            assert files[name] == written[site][name], name
    assert len(written["sozialbericht"]) == 12 and len(written["handlungskonzept"]) == 24


def test_real_data_explanation_has_no_demo_rows(demo_copy, settings):
    (demo_copy / "DEMO").unlink()
    r = _report(demo_copy)
    from analysis.views.downloads import download_files

    for d in download_files(r, r.download_tables(), "Sozialbericht"):
        assert DEMO_COLUMN not in d.data.columns and DEMO_COLUMN not in d.notes.columns
        assert "Hinweis" not in set(d.notes["art"])
        cols = d.notes.loc[d.notes["art"] == "Spalte", "eintrag"].tolist()
        assert cols == list(d.data.columns)
        who = settings["herausgeber"]["stelle"]
        assert f"Berechnung: {who}" in " ".join(d.notes["bedeutung"])


def test_explanations_say_what_the_columns_hold(files, tables):
    """Review 5 (R5-01, R5-05, R5-06, R5-08, R5-09): the stability column is the share of
    variants WITH need (not „in which the classification holds“); the effort class is
    explained by the configured rule; every kind and evidence id in the recommendations is
    decoded; a 0 is not among the withheld counts; the borderline column counts areas with
    and without need."""
    from analysis.method.concept import KIND_TITLES

    sb = {d.stem: d for d in files["sozialbericht"]}
    hk = {d.stem: d for d in files["handlungskonzept"]}
    need = sb["handlungsbedarf"].notes.set_index("eintrag")["bedeutung"]
    assert "Handlungsbedarf hat" in need["armut_stabilitaet_prozent"]
    assert "hält" not in need["armut_stabilitaet_prozent"]
    dyn = sb["dynamik"].notes.set_index("eintrag")["bedeutung"]
    assert "ohne Handlungsbedarf" in dyn["einstufung_knapp"]
    rec = hk["empfehlungen"]
    notes = rec.notes.set_index("eintrag")["bedeutung"]
    effort = load_config(CONFIG).konzept.aufwand
    assert f"ab {effort.kommunen_ab} Kommunen oder {effort.sozialraeume_ab} Sozialräumen" \
        in notes["aufwand"]
    for kind in set(rec.data["art"]):
        assert f"{kind} = „{KIND_TITLES[kind]}“" in notes["art"], kind
    for evidence in set(rec.data["grundlage"]):
        assert f"{evidence} = " in notes["grundlage"], evidence
    withheld = notes["•"]
    assert "Fallzahlen 1 und 2" in withheld and "eine 0 wird gezeigt" in withheld
