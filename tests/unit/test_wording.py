"""German in running text: counts, agreement and ties for 0, 1, 2 and many (issue 12.6)."""

from __future__ import annotations

import pytest

from analysis.common import fmt

from ..german import stumbles


def test_the_checker_finds_the_reviewers_examples():
    for bad in ("1 davon haben ein passendes Angebot, 1 Sozialräume", "Es gibt 0 Sozialräume .",
                "Im Feld haben ein Sozialraum Bedarf", "Dort hat drei Sozialräume Handlungsbedarf",
                # review 2026-11-30
                "für keinen Sozialraum kein passendes Angebot im Sozialraum oder daneben",
                "Das Wirkungsziel „Altersarmut begrenzen“ (Stolberg (Rhld.)) ist nicht auf Kurs"):
        assert stumbles(bad), bad


@pytest.mark.parametrize(("n", "genus", "case", "expected"), [
    (0, "m", "nom", "kein Sozialraum"),
    (1, "m", "nom", "ein Sozialraum"),
    (2, "m", "nom", "zwei Sozialräume"),
    (12, "m", "nom", "zwölf Sozialräume"),
    (13, "m", "nom", "13 Sozialräume"),
    (1234, "m", "nom", "1.234 Sozialräume"),
    (0, "f", "dat", "keiner Kommune"),
    (1, "f", "dat", "einer Kommune"),
    (5, "f", "dat", "fünf Kommunen"),
    (1, "n", "nom", "ein Feld"),
])
def test_count_words_agrees_in_number_gender_and_case(n, genus, case, expected):
    noun = {"m": ("Sozialraum", "Sozialräume"), "f": ("Kommune", "Kommunen"), "n": ("Feld", "Felder")}[genus]
    assert fmt.count_words(n, *noun, genus=genus, case=case) == expected


def test_verb_agrees_with_the_count():
    assert [fmt.verb(n, "hat", "haben") for n in (0, 1, 2, 40)] == ["haben", "hat", "haben", "haben"]


def test_leaders_keep_every_tie_of_the_last_place():
    counts = [("Alsdorf", 6), ("Eschweiler", 6), ("Herzogenrath", 6), ("Würselen", 6), ("Baesweiler", 2)]
    assert [k for k, _ in fmt.leaders(counts, 2)] == ["Alsdorf", "Eschweiler", "Herzogenrath", "Würselen"]
    assert [k for k, _ in fmt.leaders([("A", 3), ("B", 2), ("C", 1)], 2)] == ["A", "B"]
    assert fmt.leaders([("A", 0)], 3) == []
    assert fmt.leaders([], 3) == []


@pytest.fixture(scope="module")
def demo_change():
    from pathlib import Path

    from analysis.views.report import open_report

    repo = Path(__file__).resolve().parents[2]
    return open_report(repo / "data" / "demo", repo / "config" / "report.yaml").change()


@pytest.mark.parametrize(("entered", "left"), [
    ([], []), (["AC 1"], []), ([], ["AC 1"]), (["AC 1", "AC 2"], ["E 1"]),
    ([f"S {i}" for i in range(15)], [f"T {i}" for i in range(2)]),
])
def test_change_phrase_reads_for_zero_one_two_and_many(demo_change, entered, left):
    field = demo_change.cfg.fields[0]
    text = demo_change.change_phrase(field, entered, left)
    assert not stumbles(text), text
    assert text.endswith(".")
    for code in entered + left:
        assert code in text
    if not entered and not left:
        assert "unverändert" in text
    else:
        assert ("kein Sozialraum neu" in text) == (not entered)
        assert ("nicht mehr mit Handlungsbedarf" in text) == bool(left)
        assert ("haben ihn weiterhin" in text) == (not left)


def test_count_pronoun_for_a_noun_named_later_in_the_sentence():
    rules = [0, 1, 3, 14]
    words = [fmt.count_pronoun(n, case="dat") for n in rules]
    assert words == ["keinem", "einem", "drei", "14"]
    text = (f"Regel 1 greift in {words[0]}, Regel 2 in {words[1]} und Regel 3 in {words[2]} "
            "dieser Sozialräume.")
    assert not stumbles(text), text
    assert stumbles("Regel 3 greift in 0 dieser Sozialräume.")
    assert fmt.count_pronoun(0) == "keiner" and fmt.count_pronoun(1, "f") == "eine"
