"""Count sentences of the Sozialbericht views read as German (review 2 of 2026-11-30,
R2-10 and R2-17; issue 12.6): sentence starts capitalised, numbers up to twelve in words,
singular and plural agree, ties listed, counts say what they count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.common import fmt
from analysis.views.field import _grouped
from analysis.views.report import open_report

from ..german import stumbles

REPO = Path(__file__).resolve().parents[2]
SMALL = {str(k) for k in range(1, 13)}


@pytest.fixture(scope="module")
def r():
    return open_report(REPO / "data" / "demo", REPO / "config" / "report.yaml")


def _sentences(paragraph: str) -> list[str]:
    # sentence ends: ". " followed by a capital, a digit or a lower-case word (the mistake)
    return [s for s in re.split(r"(?<=[.!?]) (?=\S)", paragraph) if s]


def _digit_words(text: str) -> list[str]:
    """Numbers 1–12 in digits in running text (names like „Regel 1“ excepted)."""
    words = text.split()
    return [w for i, w in enumerate(words) if w.strip(",.;:()") in SMALL
            and (i == 0 or words[i - 1] != "Regel")]


def _leaders(r, top):
    return fmt.join_de(r.say1("bericht.feld.meiste", kommunen=names, anzahl=v)
                       for v, names in _grouped(top))


def test_leaders_are_grouped_by_count_in_words(r):
    """R2-10: „Die meisten liegen in Aachen mit 4, Stolberg (Rhld.) mit 4 und Eschweiler mit 3“."""
    assert _leaders(r, [("Aachen", 4), ("Stolberg (Rhld.)", 4), ("Eschweiler", 3)]) == \
        "in Aachen und Stolberg (Rhld.) mit je vier und in Eschweiler mit drei"
    assert _leaders(r, [("A", 11), ("B", 6), ("C", 6), ("D", 6)]) == \
        "in A mit elf und in B, C und D mit je sechs"
    assert _leaders(r, [("A", 2), ("B", 1)]) == "in A mit zwei und in B mit einem"
    assert _leaders(r, [("A", 15)]) == "in A mit 15"


def test_field_summaries_start_sentences_capitalised_and_agree_in_number(r):
    for f in r.cfg.fields:
        view = r.field(f)
        n_border = r.borderline_need_count(f)
        text = " ".join(view.summary().paragraphs)
        assert not stumbles(text), text
        for sentence in _sentences(text):
            assert sentence[0].isupper() or sentence[0].isdigit(), (f, sentence)
        assert not _digit_words(text.split("Der Leitindikator")[0]), (f, text)
        if n_border == 1:
            assert "eine ist knapp (Grenzfall der" in text, text
        elif n_border > 1 and n_border < int(view.flag.sum()):
            assert f"{fmt.number_word(n_border)} sind knapp (Grenzfälle der" in text, text


def test_field_summary_lists_every_tied_kommune(r):
    for f in r.cfg.fields:
        flag = r.res.need[f"{f}_bedarf_flag"].astype(bool)
        per = r.areas.loc[flag.index[flag], "kommune"].value_counts()
        text = r.field(f).summary().paragraphs[0]
        if "Die meisten liegen" not in text:
            continue
        third = sorted(per, reverse=True)[min(2, len(per) - 1)]
        for kommune, k in per.items():
            assert (kommune in text.split("Die meisten liegen")[1]) == (k >= third), (kommune, text)


def test_profile_summary_says_which_fields_its_count_covers(r):
    """R2-17: „13 von 17 Sozialräumen zeigen Handlungsbedarf in mindestens einem
    Handlungsfeld“ next to a list of 14 areas with need – the sentence counts the counted
    fields only and must say so."""
    apart = [r.cfg.handlungsfelder[f].kurz for f in r.cfg.fields
             if f not in r.cfg.counted_fields]
    assert apart, "the demo reports a field separately (Inklusion)"
    counted = [f"{f}_bedarf_flag" for f in r.cfg.counted_fields]
    for ags in r.ds.municipalities["ags"]:
        view = r.profile(ags)
        need = r.res.need.loc[view.codes]
        with_need = int(need[counted].any(axis=1).sum())
        text = " ".join(view.summary().paragraphs)
        assert not stumbles(text), text
        assert f"der {fmt.number_word(len(counted))} gezählten Felder (ohne " \
            f"{fmt.join_de(apart)})" in text, text
        first = view.summary().paragraphs[0]
        n = len(view.codes)
        if 0 < with_need < n:
            # „Einer von zwei Sozialräumen zeigt …“ (der Sozialraum), not „Eins von …“
            word = "Einer" if with_need == 1 else fmt.number_word(with_need).capitalize()
            assert first.startswith(word + " von "), first
        elif with_need == n == 2:
            assert first.startswith("Beide Sozialräume"), first


def test_profile_summary_lists_every_area_with_the_most_fields(r):
    for ags in r.ds.municipalities["ags"]:
        view = r.profile(ags)
        cum = r.res.need.loc[view.codes, "kumulation"].astype(int)
        text = " ".join(view.summary().paragraphs)
        if int(cum.max()) > 1:
            for c in view.codes:
                assert (r.area_label(c) in text) == (int(cum[c]) == int(cum.max())), (c, text)


def test_steckbrief_chart_alt_texts_write_small_counts_in_words(r):
    """The text alternatives of the Steckbrief charts count indicators and withheld
    values in words up to twelve („fünf Leitindikatoren“, „Zwei Werte sind …“)."""
    counts = re.compile(r"(?:Balkendiagramm|Liniendiagramme): (\S+) |(?:^|\. )(\S+) Werte? "
                        r"(?:ist|sind|lässt|lassen)")
    seen = 0
    for code in r.areas.index:
        view = r.steckbrief(code)
        for alt in (view.indicator_chart().alt, view.trend_chart().alt):
            assert not stumbles(alt), alt
            for m in counts.finditer(alt):
                word = m.group(1) or m.group(2)
                seen += 1
                assert word not in SMALL, alt
    assert seen >= 2 * len(r.areas)
