"""Chapter texts: Markdown files with placeholders, checked when the configuration is."""

from __future__ import annotations

import pytest

from analysis.common.errors import ConfigError
from analysis.contract.config import check_against_dataset, load_config, text_problems
from analysis.contract.dataset import load_dataset
from analysis.contract.texts import check, placeholders, render

from ..conftest import REPO

CONFIG = REPO / "config" / "report.yaml"


def test_placeholders_and_rendering():
    t = "Sozialräume {region_genitiv}: {n} – {{wörtlich}} {n}"
    assert placeholders(t) == ["region_genitiv", "n"]
    assert str(render(t, {"region_genitiv": "in Berlin", "n": 3})) == \
        "Sozialräume in Berlin: 3 – {wörtlich} 3"
    assert render("x", {})._repr_markdown_() == "x"


@pytest.mark.parametrize("bad, message", [
    ("{region.__class__}", "nicht erlaubt"),
    ("{0}", "nicht erlaubt"),
    ("{region:>10}", "nicht erlaubt"),
    ("{region!r}", "nicht erlaubt"),
    ("offen {", "Klammern"),
    ("{regio}", "unbekannter Platzhalter {regio}"),
])
def test_bad_templates_are_refused_with_a_reason(bad, message):
    problems = check(bad, ["region"], "Text t.md")
    assert problems and message in problems[0] and problems[0].startswith("Text t.md")
    with pytest.raises(ConfigError, match="Text t.md"):
        render(bad, {"region": "X"}, "Text t.md")


def test_shipped_texts_are_valid():
    assert text_problems(load_config(CONFIG), CONFIG) == []


def test_missing_or_broken_text_is_a_config_error_at_validation(tmp_path):
    cfg_dir = tmp_path / "config"
    cfg_dir.mkdir()
    (cfg_dir / "report.yaml").write_text(CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    texts = cfg_dir / "texte" / "handlungsfelder"
    texts.mkdir(parents=True)
    for name in ("sozialbericht.md", "handlungskonzept.md", "prioritaeten.md"):
        (cfg_dir / "texte" / name).write_text("Text {region}.", encoding="utf-8")
    for f in ("armut", "aeltere", "kinder", "integration"):
        (texts / f"{f}.md").write_text("Feld {titel} {kurz}.", encoding="utf-8")
    (texts / "kinder.md").write_text("Feld {titl}.", encoding="utf-8")  # typo
    cfg = load_config(cfg_dir / "report.yaml")
    ds = load_dataset(REPO / "data" / "demo")
    with pytest.raises(ConfigError) as err:
        check_against_dataset(cfg, ds, "report.yaml", cfg_dir / "report.yaml")
    text = str(err.value)
    assert "texte/handlungsfelder/inklusion.md: Textdatei fehlt" in text  # not written
    assert "texte/handlungsfelder/kinder.md: unbekannter Platzhalter {titl}" in text
    assert "armut.md" not in text


def test_wording_defaults_are_neutral():
    cfg = load_config(CONFIG).model_copy(update={"bezeichnungen": type(
        load_config(CONFIG).bezeichnungen)()})
    assert cfg.region_genitiv == "in StädteRegion Aachen"  # no guessed article
    assert cfg.bezeichnungen.gremium == "Rat" and "Nordrhein" not in \
        cfg.bezeichnungen.rechtsgrundlage_barrierefreiheit


def test_stichtag_must_be_day_and_month(tmp_path):
    path = tmp_path / "report.yaml"
    path.write_text(CONFIG.read_text(encoding="utf-8").replace(
        'stichtag: "31.12."', 'stichtag: "Ende Dezember"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="stichtag"):
        load_config(path)
