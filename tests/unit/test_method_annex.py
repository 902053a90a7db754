"""The method annex (``90_methodik``) and the pages that quote its rules (review 4: R4-05
direction of context indicators, R4-09 near-duplicate core indicators, R4-22 one set of
terms, units and number formats; R4-07 Steckbrief count; R4-17 field descriptions)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.common import fmt
from analysis.common.errors import ConfigError
from analysis.contract.config import load_config
from analysis.method.indicators import value_table
from analysis.method.indices import close_pairs
from analysis.views.report import open_report

from ..german import stumbles

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "report.yaml"


@pytest.fixture(scope="module")
def r():
    return open_report(REPO / "data" / "demo", CONFIG)


@pytest.fixture(scope="module")
def m(r):
    return r.method()


def _config_copy(tmp_path: Path, edit) -> Path:
    cfg_dir = tmp_path / "config"
    shutil.copytree(REPO / "config", cfg_dir)
    path = cfg_dir / "report.yaml"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return path


def _report(config: Path):
    from analysis.method.context import compute_context
    from analysis.views.report import Report

    return Report(compute_context(REPO / "data" / "demo", config))


# --- close pairs (method layer) -------------------------------------------------------
def test_close_pairs_within_groups_by_absolute_correlation():
    x = np.arange(10, dtype=float)
    values = pd.DataFrame({"a": x, "b": 2 * x + 1, "c": -x + np.sin(x) / 10,
                           "d": np.cos(x), "e": x})
    pairs = close_pairs(values, {"f1": ["a", "b", "c", "d"], "f2": ["d"]}, 0.8)
    assert [(p.gruppe, p.a, p.b) for p in pairs.itertuples()] == \
        [("f1", "a", "b"), ("f1", "a", "c"), ("f1", "b", "c")]
    assert pairs["r"].iloc[0] == pytest.approx(1.0)
    assert pairs["r"].iloc[1] < -0.8  # a negative correlation counts by its amount
    assert not (pairs["a"] == "e").any() and not (pairs["b"] == "e").any()  # other group
    assert (pairs["n"] == 10).all()
    assert close_pairs(values, {"f1": ["a", "b"]}, 1.0 + 1e-9).empty


def test_close_pairs_use_only_rows_where_both_values_exist():
    values = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [1.0, 2.0, np.nan, 4.0, 50.0],
                           "c": [np.nan, np.nan, np.nan, 1.0, 2.0],
                           "k": [3.0, 3.0, 3.0, 3.0, 3.0]})
    pairs = close_pairs(values, {"f": ["a", "b", "c", "k"]}, 0.5)
    row = pairs[(pairs["a"] == "a") & (pairs["b"] == "b")].iloc[0]
    assert row["n"] == 4
    assert row["r"] == pytest.approx(np.corrcoef([1, 2, 4, 5], [1, 2, 4, 50])[0, 1])
    assert not pairs.isin(["c", "k"]).any().any()  # two common rows; no spread


# --- R4-09: near duplicates in the method annex -----------------------------------------
def test_near_duplicates_come_from_the_published_values(r, m):
    published = value_table(r.gate.published_area, r.year)
    limit = r.cfg.methodik.korrelation_ab
    expected = set()
    for f in r.cfg.fields:
        inds = r.cfg.handlungsfelder[f].indikatoren
        corr = published[inds].corr()
        expected |= {(f, a, b) for i, a in enumerate(inds) for b in inds[i + 1:]
                     if abs(corr.loc[a, b]) >= limit}
    got = m.near_duplicates
    assert {(p.gruppe, p.a, p.b) for p in got.itertuples()} == expected
    assert expected, "the demo has near-duplicate core indicators (65+ and 80+)"
    # withheld values are missing: a pair with a withheld indicator uses fewer areas
    withheld = {i for i in published.columns if published[i].isna().any()}
    for p in got.itertuples():
        both = published[[p.a, p.b]].dropna()
        assert p.n == len(both)
        assert (p.n < len(published)) == bool({p.a, p.b} & withheld)


def test_method_annex_names_the_near_duplicates_and_the_weights_key(r, m):
    pairs = m.near_duplicates
    text = " ".join(m.correlation_text().paragraphs)
    assert f"betrifft das {fmt.number_word(len(pairs))} Paare" in text
    assert "„gewichte“" in text and "mindestens 0,80 beträgt" in text
    assert "Alle Kernindikatoren sind gleich gewichtet." in text  # the demo weights stay 1
    assert not stumbles(text), text
    table = m.correlation_table()
    assert len(table.df) == len(pairs)
    assert set(table.df["Handlungsfeld"]) == {r.cfg.handlungsfelder[f].kurz
                                              for f in pairs["gruppe"]}
    first = table.df.iloc[0]
    assert first["Indikator"] == r.label(pairs["a"].iloc[0])
    assert table.number_formats["Korrelation r"](first["Korrelation r"]) == \
        fmt.number(pairs["r"].iloc[0], 2)
    params = dict(m.parameters_table().df.to_numpy())
    assert params["Eng zusammenhängende Kernindikatoren: Korrelation ab"] == "0,80"


def test_correlation_limit_is_configurable(tmp_path):
    config = _config_copy(tmp_path, lambda t: t.replace("korrelation_ab: 0.8",
                                                        "korrelation_ab: 0.99"))
    m = _report(config).method()
    assert m.near_duplicates.empty
    text = " ".join(m.correlation_text().paragraphs)
    assert "kein Paar" in text and "0,99" in text
    assert not m.correlation_table().paragraphs  # no empty table


# --- R4-05 / R4-22: direction terms -----------------------------------------------------
def test_context_indicators_have_no_need_direction(r, m):
    cat = m.catalogue_table().df.set_index("Indikator")["Richtung"]
    core = {i for f in r.cfg.fields for i in r.cfg.handlungsfelder[f].indikatoren}
    context = {i for f in r.cfg.fields for i in r.cfg.handlungsfelder[f].kontext}
    assert context, "the demo has context indicators"
    for ind in r.ds.indicators["indikator"]:
        cell = cat[r.label(ind)]
        if ind in core:
            assert re.match(r"(höher|niedriger) = mehr Bedarf", cell), (ind, cell)
        else:
            assert "Bedarf" not in cell and cell.startswith("Kontext – "), (ind, cell)
    for ind in context:
        assert cat[r.label(ind)] == "Kontext – ohne Bewertung, nicht im Feldindex"


def test_catalogue_and_method_text_use_one_set_of_terms(m):
    text = " ".join(m.uncertainty_method_text().paragraphs)
    quoted = set(re.findall(r"„([^“]+)“", text))
    for cell in m.catalogue_table().df["Richtung"]:
        for term in cell.split("; "):
            assert term in quoted or term in text, (term, cell)
    assert "ungünstiger" not in text and "günstiger" not in text


def test_composition_share_as_core_indicator_says_why(r, m):
    text = " ".join(m.composition_text().paragraphs)
    shares = [i for i in r.ds.indicators["indikator"]
              if any(i in r.cfg.handlungsfelder[f].indikatoren for f in r.cfg.fields)
              and r.cfg.evaluation(i, r.directions[i]) == "neutral"]
    assert f"beschreiben {fmt.number_word(len(shares))} Kernindikatoren" in text
    for ind in shares:
        assert f"„{r.label(ind)}“" in text
    reason = r.cfg.methodik.begruendungen["schutzsuchende"]
    assert reason in text and "Anteil Schutzsuchender" in reason
    assert not stumbles(text), text


def test_reason_for_an_indicator_that_is_not_core_is_refused(tmp_path):
    config = _config_copy(tmp_path, lambda t: t.replace("    schutzsuchende: \"",
                                                        "    nichtdeutsche: \""))
    with pytest.raises(ConfigError, match=r"methodik\.begruendungen\.nichtdeutsche: kein "
                                          "Kernindikator"):
        load_config(config)


# --- R4-22: units, count forms, formats -------------------------------------------------
def test_change_threshold_carries_each_unit(r, m):
    units = list(dict.fromkeys(r.ds.indicators["einheit"]))
    assert units == ["%", "je 1.000"]
    expected = "1,0 Prozentpunkte bzw. 1,0 je 1.000"
    assert dict(m.parameters_table().df.to_numpy())["Veränderung: Schwelle"] == expected
    assert f"um mindestens {expected} bewegt" in " ".join(m.uncertainty_method_text().paragraphs)


@pytest.mark.parametrize(("least", "expected"), [
    (3, "Die Fallzahlen 1 und 2 werden"), (2, "Die Fallzahl 1 wird"),
    (5, "Die Fallzahlen 1 bis 4 werden")])
def test_primary_suppression_in_count_form(tmp_path, least, expected):
    if least == 3:
        text = open_report(REPO / "data" / "demo", CONFIG).method().disclosure_text()
    else:
        config = _config_copy(tmp_path, lambda t: t.replace("mindestanzahl: 3",
                                                            f"mindestanzahl: {least}"))
        text = _report(config).method().disclosure_text()
    first = text.paragraphs[0]
    assert first.startswith(expected), first
    assert "von 1 bis" not in first


def test_colophon_rules_formatted_like_the_method_annex(r, m):
    from analysis.build.publish_site import _parameters

    params = dict(m.parameters_table().df.to_numpy())
    rules = _parameters(r.ctx)["Regeln (Index regional / kommunal / absolut)"]
    assert rules == (f"{params['Regel 1: Indexschwelle']} / "
                     f"{params['Regel 2: Faktor zum Kommunalwert']}× und "
                     f"{params['Regel 2: Indexschwelle']} / {params['Regel 3: Indexschwelle']}"
                     f" und oberste {params['Regel 3: oberster Anteil']}")
    assert rules == "1,00 / 1,25× und 0,50 / 0,50 und oberste 10\u00a0%"


# --- R4-17: field descriptions are introduced --------------------------------------------
def test_field_description_is_introduced_not_a_fragment(r):
    for f in r.cfg.fields:
        desc = r.cfg.handlungsfelder[f].beschreibung
        paragraphs = r.field(f).intro()
        paragraphs = getattr(paragraphs, "paragraphs", None) or paragraphs.parts[-1].paragraphs
        assert desc not in paragraphs  # never a verbless paragraph of its own
        assert (f"Beschreibung des Handlungsfelds laut {r.cfg.bezeichnungen.beschluss}: "
                f"{desc}") in paragraphs


# --- R4-07: the Steckbrief counts the counted fields, like the Kommunalprofil ----------
def test_steckbrief_counts_the_counted_fields_and_names_the_others(r):
    apart = [f for f in r.cfg.fields if f not in r.cfg.counted_fields]
    assert apart, "the demo reports a field separately (Inklusion)"
    n = fmt.number_word(len(r.cfg.counted_fields))
    text = str(r.steckbrief("H 1").summary())
    assert ("Handlungsbedarf besteht in zwei der vier gezählten Handlungsfelder (Ältere "
            "sowie Kinder und Familien); außerdem in Inklusion (explorativ).") in text
    for code in r.areas.index:
        cum = int(r.res.need.at[code, "kumulation"])
        text = str(r.steckbrief(code).summary())
        assert "fünf" not in text, text
        if 0 < cum < len(r.cfg.counted_fields):
            word = "einem" if cum == 1 else fmt.number_word(cum)
            assert f"in {word} der {n} gezählten Handlungsfelder" in text, (code, text)
        elif cum == len(r.cfg.counted_fields):
            assert f"in allen {n} gezählten Handlungsfeldern" in text, (code, text)
        else:
            assert f"In keinem der {n} gezählten Handlungsfelder" in text, (code, text)
        separate = [r.cfg.handlungsfelder[f].kurz for f in apart
                    if r.res.need.at[code, f"{f}_bedarf_flag"]]
        if separate and cum:
            assert f"; außerdem in {fmt.join_de(separate)}" in text, (code, text)
        assert not stumbles(text), text
