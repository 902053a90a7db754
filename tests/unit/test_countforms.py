"""Count forms in the text files (ICU-style ``plural``/``select``) and the sentence blocks
of ``config/texte/satzbausteine.md`` for 0, 1, 2 and many (review finding 28, issue 12.6)."""

from __future__ import annotations

import itertools
import re
import shutil

import pytest

from analysis.common.errors import ConfigError
from analysis.contract.config import (
    REPORT_SENTENCE_TEXT,
    SENTENCE_FILES,
    SENTENCE_SLOTS,
    SENTENCE_TEXT,
    load_config,
    sentence_texts,
    text_problems,
)
from analysis.contract.templates import COUNT, LIST, TEXT, plural_categories
from analysis.contract.texts import blocks, check, paragraphs, placeholders, render

from ..conftest import REPO
from ..german import stumbles

CONFIG = REPO / "config" / "report.yaml"
SPACES = "{n, plural, =0 {kein Sozialraum} one {ein Sozialraum} other {# Sozialräume}}"


def test_german_plural_categories_come_from_cldr():
    assert plural_categories() == ("one", "other")


@pytest.mark.parametrize(("n", "expected"), [
    (0, "kein Sozialraum"), (1, "ein Sozialraum"), (2, "zwei Sozialräume"),
    (12, "zwölf Sozialräume"), (13, "13 Sozialräume"), (1234, "1.234 Sozialräume"),
])
def test_plural_exact_form_category_and_hash(n, expected):
    assert str(render(SPACES, {"n": n})) == expected


def test_exact_form_wins_over_category_and_other_is_the_fallback():
    t = "{n, plural, =2 {ein Paar} one {eins} other {# Stück}}"
    assert [str(render(t, {"n": k})) for k in (0, 1, 2, 3)] == \
        ["null Stück", "eins", "ein Paar", "drei Stück"]


def test_number_formats_and_lists():
    values = {"n": 1234, "k": 3, "xs": ["Alsdorf", "Eschweiler", "Würselen"], "one": ["A"]}
    t = "{n, zahl} {k, wort} {k, Wort} {xs, liste}; {xs, liste, sowie}; {xs, liste, semikolon} {one, liste}"
    assert str(render(t, values)) == ("1.234 drei Drei Alsdorf, Eschweiler und Würselen; "
                                      "Alsdorf, Eschweiler sowie Würselen; "
                                      "Alsdorf; Eschweiler; Würselen A")


@pytest.mark.parametrize(("tied", "expected"), [
    ([], "Kein Feld ist führend."),
    (["Armut"], "Am häufigsten im Feld Armut."),
    (["Armut", "Ältere"], "Am häufigsten in den Feldern Armut und Ältere (je zwei)."),
    (["A", "B", "C", "D"], "Am häufigsten in den Feldern A, B, C und D (je zwei)."),
])
def test_plural_over_a_list_lists_every_tie_and_nests_placeholders(tied, expected):
    t = ("{felder, plural, =0 {Kein Feld ist führend.} one {Am häufigsten im Feld "
         "{felder, liste}.} other {Am häufigsten in den Feldern {felder, liste} (je "
         "{n, plural, one {einer} other {#}}).}}")
    assert str(render(t, {"felder": tied, "n": 2})) == expected


def test_select_and_hash_of_the_enclosing_plural():
    t = "{n, plural, other {{alle, select, ja {alle #} other {# davon}}}}"
    assert str(render(t, {"n": 3, "alle": "ja"})) == "alle drei"
    assert str(render(t, {"n": 3, "alle": "nein"})) == "drei davon"
    # outside a plural form, # is a character (Markdown headings keep working)
    assert str(render("# Titel {x, select, a {#1} other {}}", {"x": "a"})) == "# Titel #1"


def test_literal_braces_and_plain_placeholders_as_before():
    assert placeholders("{{x}} {a} {b, plural, other {{c}}}") == ["a", "b", "c"]
    assert str(render("{{wörtlich}} {a}", {"a": 1})) == "{wörtlich} 1"


@pytest.mark.parametrize(("bad", "message"), [
    ("Text {n, plural, =0 {kein} one {ein}}", "die Form „other“ fehlt"),
    ("Text {n, plural, few {x} other {y}}", "keine Zählform des Deutschen"),
    ("Text {n, plural, =x {x} other {y}}", "keine ganze Zahl"),
    ("Text {n, plural, other {y} other {z}}", "steht zweimal"),
    ("Text {n, plural, other y}", "fehlt der Text"),
    ("Text {n, plural, other {y}", "nicht geschlossen"),
    ("Text {n, plral, other {y}}", "unbekannte Form „plral“"),
    ("Text {n, plural}", "ohne Formen"),
    ("Text {n, zahl, 2}", "keine weiteren Angaben"),
    ("Text {xs, liste, oder}", "„liste“ erlaubt nur"),
    ("Text {n:>3}", "nicht erlaubt"),
    ("Text } offen", "ohne öffnende"),
])
def test_malformed_count_forms_are_located(bad, message):
    problems = check("Zeile eins\n" + bad, ["n", "xs"], "Text t.md", line=5)
    assert len(problems) == 1, problems
    assert problems[0].startswith("Text t.md, Zeile 6: Platzhalter „"), problems[0]
    assert message in problems[0] and "→" in problems[0], problems[0]


def test_count_form_on_a_text_value_is_a_located_config_error_when_rendered():
    with pytest.raises(ConfigError, match=r"Text t.md, Zeile 2: .*\{region\} ist keine Anzahl"):
        render("Titel\n{region, plural, other {#}}", {"region": "Kreis"}, "Text t.md")


def test_count_forms_must_fit_the_kind_of_value():
    slots = {"n": COUNT, "xs": LIST, "name": TEXT, "art": ("ja", "nein")}
    ok = "{n, plural, other {#}} {xs, liste} {xs, plural, other {#}} {name} {art, select, ja {} other {}}"
    assert check(ok, slots, "T") == []
    for bad, message in [("{name, plural, other {#}}", "keine Anzahl"),
                         ("{n, liste}", "keine Liste"),
                         ("{xs, zahl}", "ist eine Liste"),
                         ("{n}", "die Form angeben"),
                         ("{art, select, vielleicht {x} other {}}", "nicht „vielleicht“ sein"),
                         ("{name, select, a {x} other {}}", "keine festen Werte"),
                         ("{m, wort}", "unbekannter Platzhalter {m}")]:
        problems = check("\n\n" + bad, slots, "T")
        assert len(problems) == 1 and message in problems[0], (bad, problems)
        assert problems[0].startswith("T, Zeile 3: Platzhalter"), problems[0]


def test_blocks_keep_file_line_numbers_and_refuse_doubles():
    text = "Kommentar\n## a\n<!-- x -->\nEins {n}\n\n## b\nZwei\n"
    assert blocks(text, "T") == {"a": ("Eins {n}", 4), "b": ("Zwei", 7)}
    with pytest.raises(ConfigError, match="Zeile 3: Abschnitt „## a“ steht zweimal"):
        blocks("## a\nx\n## a\ny\n", "T")


def test_paragraphs_collapse_breaks_and_empty_forms():
    assert paragraphs("Ein Satz\nweiter .\n\n \n\nZweiter  Absatz\n\n") == \
        ["Ein Satz weiter .", "Zweiter Absatz"]
    assert paragraphs("a\u00a0%") == ["a\u00a0%"]  # non-breaking space kept


def test_shipped_sentence_blocks_are_complete_and_valid():
    cfg = load_config(CONFIG)
    assert text_problems(cfg, CONFIG) == []
    assert set(sentence_texts(cfg, CONFIG)) == set(SENTENCE_SLOTS)
    for file, slots in SENTENCE_FILES.items():
        assert set(sentence_texts(cfg, CONFIG, file)) == set(slots)


def _copy_config(tmp_path):
    cfg_dir = tmp_path / "config"
    shutil.copytree(REPO / "config", cfg_dir)
    return cfg_dir / "report.yaml", cfg_dir / "texte" / SENTENCE_TEXT


def test_broken_sentence_block_is_a_located_error_at_validation(tmp_path):
    cfg_path, text = _copy_config(tmp_path)
    lines = text.read_text(encoding="utf-8").splitlines()
    no = next(i for i, line in enumerate(lines) if line.startswith("## arbeitspaket.interkommunal"))
    lines[no + 1] = "{gebiete, plural, =0 {Kein Gebiet} one {Ein Gebiet}"  # 'other' now missing below
    lines[no + 2] = "}} mit Handlungsbedarf."
    lines[no + 3] = ""
    text.write_text("\n".join(lines) + "\n## arbeitspaket.unbekannt\nx\n", encoding="utf-8")
    problems = "\n".join(text_problems(load_config(cfg_path), cfg_path))
    assert (f"satzbausteine.md, Abschnitt „## arbeitspaket.interkommunal“, Zeile {no + 2}: "
            "Platzhalter „{gebiete, plural") in problems, problems
    assert "die Form „other“ fehlt" in problems
    assert "Abschnitt „## arbeitspaket.unbekannt“ wird nicht verwendet" in problems


def test_missing_sentence_block_is_named(tmp_path):
    cfg_path, text = _copy_config(tmp_path)
    body = text.read_text(encoding="utf-8")
    text.write_text(body.replace("## arbeitspaket.konzept", "## arbeitspaket.konzpt"),
                    encoding="utf-8")
    problems = "\n".join(text_problems(load_config(cfg_path), cfg_path))
    assert "Abschnitt „## arbeitspaket.konzept“ fehlt" in problems
    assert "„## arbeitspaket.konzpt“ wird nicht verwendet" in problems


def test_validate_cli_reports_a_broken_block_without_traceback(tmp_path, cli):
    cfg_path, text = _copy_config(tmp_path)
    text.write_text(text.read_text(encoding="utf-8").replace(
        "{gebiete, Wort} gemeindeübergreifende Gebiete}}", "{gebiete, Wort} Gebiete}"),
        encoding="utf-8")
    code, out, err = cli("validate", "data/demo", "--config", cfg_path)
    assert code == 2, out + err
    out += err
    assert "Traceback" not in out
    assert "satzbausteine.md" in out and "Zeile" in out


# --- every sentence block renders German for 0, 1, 2 and many --------------------------
#: counts that cannot be below a minimum where the block is used (a region has an area,
#: a threshold of the configuration is at least two, a part of the supply sentence and a
#: planned format are only named when there is one, at least one field is counted)
MINIMUM = {"kumulation_ab": 2, "thema_ab": 2, "felder": 1, "pruefen_ab": 1,
           # a small-area report of a region with a single area is not a use case
           "sozialraeume": 2, ("kernaussage.kumulation", "sozialraeume"): 0,
           ("konzept.feld.versorgung.teil", "anzahl"): 1,
           ("konzept.feld.versorgung.teil", "gesamt"): 1,
           ("konzept.beteiligung.format", "anzahl"): 1,
           # key messages: a cumulation threshold of two or more fields, the Kommunen with
           # the most such areas are named only when there are some; the reliability
           # message needs a classification; a level is named only with a recommendation
           ("kernaussage.kumulation", "ab"): 2, ("kernaussage.kumulation", "gezaehlt"): 2,
           ("kernaussage.kumulation", "meiste"): 1, ("kernaussage.kumulation", "je"): 1,
           ("kernaussage.sicherheit", "einstufungen"): 1,
           ("kernaussage.sicherheit", "gezaehlt"): 1,  # only with counted fields
           ("arbeitspaket.praeventionskette", "ketten"): 1,  # „ja“ only with chains
           # only shown when some of the field's need areas are taken up elsewhere
           ("konzept.feld.anderswo", "anzahl"): 1, ("konzept.feld.anderswo", "bedarf"): 2,
           ("konzept.feld.anderswo", "empfehlungen"): 1,
           ("kernaussage.konzept.ebene", "anzahl"): 1,
           # effort: thresholds of the size rule are at least two, a class is named only
           # with a recommendation in it, a period holds at least one format and the
           # formats use at least one period
           ("konzept.aufwand", "kommunen_ab"): 2, ("konzept.aufwand", "sozialraeume_ab"): 2,
           ("kernaussage.aufwand.klasse", "anzahl"): 1,
           ("kernaussage.aufwand", "je_zeitraum"): 1, ("kernaussage.aufwand", "zeitraeume"): 1,
           ("konzept.beteiligung.staffelung", "je_zeitraum"): 1,
           # Sozialbericht: a field has a core indicator, a threshold of at least one; the
           # borderline part is at most the count; a group of leaders has a Kommune
           ("bericht.feld.einleitung", "indikatoren"): 1,
           ("bericht.feld.explorativ", "indikatoren"): 1,
           ("bericht.feld.explorativ", "mindestens"): 2,
           ("bericht.feld.meiste", "kommunen"): 1, ("bericht.feld.meiste", "anzahl"): 1,
           # a Kommune has at least one area; at least one field is counted
           ("bericht.profil.bedarf", "sozialraeume"): 1,
           ("bericht.profil.meiste", "sozialraeume"): 1,
           ("bericht.profil.einwohner", "sozialraeume"): 1,
           ("bericht.gezaehlt", "gezaehlt"): 1,
           ("bericht.uebersicht.kumulation", "ab"): 2,
           ("bericht.uebersicht.kumulation", "gezaehlt"): 2,
           ("bericht.methodik.unsicherheit", "mindestens"): 2,
           ("bericht.methodik.unsicherheit", "typen"): 2,
           ("bericht.zeichenerklaerung", "mindestens"): 2,
           ("bericht.steckbrief", "gezaehlt"): 1,  # at least one field is counted
           ("bericht.steckbrief.verlauf", "leitindikatoren"): 1,
           # a threshold, not a count of things („Nenner unter 1 gelten“ reads as one)
           ("bericht.methodik.regeln", "nenner"): 2}


def _values(name: str, slots: dict, n: int) -> list[dict]:
    """Value sets for a block: every count ``n`` (lists of ``n`` items), every select value."""
    choices = {k: v for k, v in slots.items() if isinstance(v, tuple)}
    base = {}
    for k, kind in slots.items():
        least = max(n, MINIMUM.get((name, k), MINIMUM.get(k, 0)))
        if kind == COUNT:
            base[k] = least
        elif kind == LIST:
            base[k] = [f"Eintrag {chr(65 + i)}" for i in range(least)]
        elif kind == TEXT:
            base[k] = f"Wert {k}"
    out = []
    for combo in itertools.product(*choices.values()):
        out.append({**base, **dict(zip(choices, combo, strict=True))})
    return out or [base]


@pytest.mark.parametrize("n", [0, 1, 2, 5, 15])
def test_every_sentence_block_reads_as_german_for_every_count(n):
    from analysis.contract.config import text_values

    cfg = load_config(CONFIG)
    found = []
    every = {name: (template, slots[name]) for file, slots in SENTENCE_FILES.items()
             for name, template in sentence_texts(cfg, CONFIG, file).items()}
    assert set(every) == {b for slots in SENTENCE_FILES.values() for b in slots}
    for name, (template, slots) in every.items():
        for values in _values(name, slots, n):
            for p in paragraphs(template.render({**text_values(cfg), **values})):
                problems = stumbles(p)
                # the rules of need are named by their number („Regel 1“, „Regeln 2 und 3“)
                named = re.sub(r"\bRegeln? \d( und \d)?", "Regel", p)
                digit_words = [w for w in named.split() if w.rstrip(",.;") in
                               {str(k) for k in range(1, 13)}]
                if re.search(r"\beins [A-ZÄÖÜ]", p):
                    problems.append("eins vor einem Nomen")
                if problems or "  " in p or "{" in p or " null " in f" {p} " \
                        or (digit_words and name != "konzept.beteiligung.format"
                            and "zahl" not in template.text):
                    found.append(f"{name} {values}: {problems} {p}")
    assert not found, "\n".join(found[:10])


def test_editing_a_sentence_block_reruns_exactly_the_chapters_that_show_it(
        tmp_path, monkeypatch):
    """The build's chapter stamps include satzbausteine.md for the chapters whose
    notebooks call a sentence view (the annex and the key messages of the overview); the
    other Sozialbericht chapters are not re-run."""
    from analysis.build.build import plan
    from analysis.method import context

    monkeypatch.setenv("SOZIALPLANUNG_CACHE", str(tmp_path / "cache"))
    context.load_context.cache_clear()
    demo = REPO / "data" / "demo"
    before = {r.slug: r.texts for r in plan(context.load_context(demo, CONFIG))}
    cfg_path, text = _copy_config(tmp_path)
    text.write_text(text.read_text(encoding="utf-8") + "\n<!-- bearbeitet -->\n",
                    encoding="utf-8")
    context.load_context.cache_clear()
    after = {r.slug: r.texts for r in plan(context.load_context(demo, cfg_path))}
    context.load_context.cache_clear()
    changed = {s for s in before if before[s] != after[s]}
    fields = load_config(CONFIG).fields
    assert changed == {"00_uebersicht", "50_empfehlungen", "51_prioritaeten", "55_arbeitspakete", "59_methode",
                       *(f"52_konzept_{f}" for f in fields)}
    # and every notebook that calls a sentence view is among them
    views = ("summary_text", "levels_text", "priority_text", "participation_text",
             "field_intro", "work_packages_table", "c.method_text", "key_messages")
    for nb in sorted((REPO / "notebooks").glob("*.ipynb")):
        if any(v in nb.read_text(encoding="utf-8") for v in views):
            assert any(s.startswith(nb.stem.replace("_handlungsfeld", "_")) for s in changed), nb


@pytest.mark.parametrize(("bedarf", "knapp", "expected"), [
    (0, 0, ""),
    (1, 0, "Die Einstufung ist stabil."),
    (1, 1, "Die Einstufung ist knapp (Grenzfall der Robustheitsprüfung)."),
    (2, 2, "Alle Einstufungen sind knapp (Grenzfälle der Robustheitsprüfung)."),
    (15, 1, "14 Einstufungen sind stabil, eine ist knapp (Grenzfall der Robustheitsprüfung)."),
    (12, 1, "Elf Einstufungen sind stabil, eine ist knapp (Grenzfall der Robustheitsprüfung)."),
    (3, 2, "Eine Einstufung ist stabil, zwei sind knapp (Grenzfälle der Robustheitsprüfung)."),
    (43, 28, "15 Einstufungen sind stabil, 28 sind knapp (Grenzfälle der Robustheitsprüfung)."),
    (5, 0, "Alle Einstufungen sind stabil."),
])
def test_field_stability_sentence_agrees_for_every_split(bedarf, knapp, expected):
    """R2-10: „elf Einstufungen sind stabil, eine ist knapp (Grenzfälle …)“ – lower-case
    start, singular next to plural."""
    cfg = load_config(CONFIG)
    t = sentence_texts(cfg, CONFIG, REPORT_SENTENCE_TEXT)["bericht.feld.regeln"]
    text = " ".join(paragraphs(t.render({"regional": bedarf, "kommunal": 1, "absolut": 0,
                                         "bedarf": bedarf, "stabil": bedarf - knapp,
                                         "knapp": knapp})))
    rules, _, rest = text.partition(" dieser Sozialräume.")
    assert rules.endswith("in einem und Regel 3 (absolut) in keinem")
    assert rest.strip() == expected


@pytest.mark.parametrize(("n", "k", "expected"), [
    (3, 0, ""), (1, 1, ", knapp"), (2, 2, ", beide knapp"), (5, 5, ", alle knapp"),
    (2, 1, ", davon einer knapp"), (15, 3, ", davon drei knapp"), (43, 21, ", davon 21 knapp"),
])
def test_borderline_part_of_a_count(n, k, expected):
    cfg = load_config(CONFIG)
    t = sentence_texts(cfg, CONFIG, REPORT_SENTENCE_TEXT)["bericht.knapp"]
    rendered = paragraphs(t.render({"anzahl": n, "knapp": k, "alle": "ja" if k == n else "nein"}))
    assert " ".join(rendered) == expected


def test_editing_the_report_sentence_blocks_reruns_the_field_chapters_and_profiles(
        tmp_path, monkeypatch):
    """satzbausteine_bericht.md is part of the stamp of the chapters that show its blocks
    (overview, field chapters, change, Kommunalprofile, Steckbriefe, method) and of no Handlungskonzept chapter."""
    from analysis.build.build import plan
    from analysis.method import context

    monkeypatch.setenv("SOZIALPLANUNG_CACHE", str(tmp_path / "cache"))
    context.load_context.cache_clear()
    demo = REPO / "data" / "demo"
    before = {r.slug: r.texts for r in plan(context.load_context(demo, CONFIG))}
    cfg_path, _ = _copy_config(tmp_path)
    text = cfg_path.parent / "texte" / REPORT_SENTENCE_TEXT
    text.write_text(text.read_text(encoding="utf-8") + "\n<!-- bearbeitet -->\n",
                    encoding="utf-8")
    context.load_context.cache_clear()
    ctx = context.load_context(demo, cfg_path)
    after = {r.slug: r.texts for r in plan(ctx)}
    context.load_context.cache_clear()
    changed = {s for s in before if before[s] != after[s]}
    fields = load_config(CONFIG).fields
    assert {f"2{i}_{f}" for i, f in enumerate(fields)} <= changed
    assert sum(s.startswith("40_profil_") for s in changed) == len(ctx.ds.municipalities)
    assert {"00_uebersicht", "30_veraenderung", "90_methodik"} <= changed
    assert sum(s.startswith("41_sr_") for s in changed) == len(ctx.ds.areas)  # Steckbriefe
    assert not any(s.startswith("5") for s in changed), changed


@pytest.mark.parametrize(("k", "expected"), [
    (0, "."),
    (1, ". Bei einem davon beruht das nur auf einer knappen Einstufung (Grenzfall der "
        "Robustheitsprüfung)."),
    (5, ". Bei fünf davon beruht das nur auf knappen Einstufungen (Grenzfälle der "
        "Robustheitsprüfung)."),
])
def test_overview_borderline_part_in_words_and_number(k, expected):
    """Before: „Bei 5 davon …“ in digits, „(Grenzfälle …)“ also for one."""
    from analysis.contract.config import text_values

    cfg = load_config(CONFIG)
    t = sentence_texts(cfg, CONFIG, REPORT_SENTENCE_TEXT)["bericht.uebersicht.bedarf"]
    text = " ".join(paragraphs(t.render({**text_values(cfg), "mit_bedarf": 1,
                                         "sozialraeume": 7, "felder": ["Armut"],
                                         "nur_knapp": k})))
    assert text.startswith("Im Berichtsjahr 2021 zeigt einer der sieben Sozialräume ")
    assert "Handlungsbedarf im Handlungsfeld Armut" in text
    assert text.endswith("Armut" + expected)


@pytest.mark.parametrize(("luecken", "explorativ", "expected"), [
    (0, 0, "In keinem Fall besteht Handlungsbedarf, für den in der Bestandsaufnahme weder im "
           "Sozialraum noch angrenzend ein passendes Angebot erfasst ist."),
    (1, 1, "… erfasst ist – in einem explorativen Feld, daraus folgt keine Empfehlung."),
    (4, 4, "… erfasst ist – alle in explorativen Feldern, daraus folgt keine Empfehlung."),
    (6, 5, "… erfasst ist, davon fünf in explorativen Feldern (ohne Empfehlung)."),
    (2, 1, "… erfasst ist, davon einer in einem explorativen Feld (ohne Empfehlung)."),
    (3, 0, "… erfasst ist."),
])
def test_gap_sentence_says_all_when_every_gap_is_exploratory(luecken, explorativ, expected):
    """R4-16: „In vier Fällen …, davon vier in explorativen Feldern“ read like a template."""
    cfg = load_config(CONFIG)
    t = sentence_texts(cfg, CONFIG)["konzept.zusammenfassung"]
    text = " ".join(paragraphs(t.render({
        "jahr": "2021", "quellen": [], "fehlend": [], "bestand": "ja", "luecken": luecken,
        "explorativ": explorativ, "gezaehlt": luecken - explorativ, "gebiete": 0})))
    sentence = next(s for s in re.split(r"(?<=\.) ", text) if "Bestandsaufnahme" in s)
    if expected.startswith("…"):
        assert sentence.endswith(expected[2:]), sentence
    else:
        assert sentence == expected
    wp = sentence_texts(cfg, CONFIG)["arbeitspaket.luecken"]
    wp_text = " ".join(paragraphs(wp.render({"bestand": "ja", "luecken": luecken,
                                             "explorativ": explorativ,
                                             "gezaehlt": luecken - explorativ})))
    assert ("alle in explorativen Feldern" in wp_text) == (luecken == explorativ > 1), wp_text
    assert not stumbles(text + " " + wp_text)
