"""Configuration and data must fit together (checked by `validate`, `need` and `report`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.build.cli import main

REPO = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, old: str, new: str) -> Path:
    text = (REPO / "config" / "report.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "report.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _validate(capsys, data: Path, config: Path | None = None) -> tuple[int, str]:
    args = ["validate", str(data)] + (["--config", str(config)] if config else [])
    code = main(args)
    cap = capsys.readouterr()
    return code, cap.out + cap.err


@pytest.mark.parametrize(
    "old,new,expected",
    [
        (
            "berichtsjahr: 2021",
            "berichtsjahr: 2024",
            "berichtsjahr: 2024 kommt in den Zählungen nicht vor",
        ),
        (
            "vergleichsjahr: 2016",
            "vergleichsjahr: 2012",
            "vergleichsjahr: 2012 kommt in den Zählungen",
        ),
    ],
)
def test_years_must_exist_in_the_data(tmp_path, capsys, old, new, expected):
    code, text = _validate(capsys, REPO / "data" / "demo", _config(tmp_path, old, new))
    assert code == 2
    assert expected in text
    assert "Traceback" not in text


def test_unknown_theme_and_chain_stage_are_located(demo_copy, capsys):
    pri = demo_copy / "prioritaeten.csv"
    lines = pri.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("armut_aeltere", "armut_aelter")
    pri.write_text("\n".join(lines) + "\n", encoding="utf-8")
    svc = demo_copy / "angebote.csv"
    text = svc.read_text(encoding="utf-8")
    svc.write_text(text.replace(",kita,", ",krippe,", 1), encoding="utf-8")
    code, out = _validate(capsys, demo_copy)
    assert code == 2
    assert "prioritaeten.csv, Zeile 2, Spalte „thema“" in out and "unbekanntes Thema" in out
    assert "angebote.csv" in out and "„krippe“" in out and "Präventionskette" in out


def test_goal_years_are_checked(demo_copy, capsys):
    goals = demo_copy / "wirkungsziele.csv"
    text = goals.read_text(encoding="utf-8")
    goals.write_text(text.replace(",2016,", ",2010,", 1), encoding="utf-8")
    code, out = _validate(capsys, demo_copy)
    assert code == 2
    assert "wirkungsziele.csv, Zeile 2, Spalte „basisjahr“: Wert „2010“" in out


def test_area_level_variable_in_municipal_counts_is_refused(demo_copy, capsys):
    path = demo_copy / "zaehlungen_kommune.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + "05334002,2021,bev_gesamt,249070\n", encoding="utf-8"
    )
    code, out = _validate(capsys, demo_copy)
    assert code == 2
    assert "zaehlungen_kommune.csv" in out and "je Sozialraum vor" in out


def test_unknown_chain_stage_of_a_field_is_refused(tmp_path, capsys):
    config = _config(tmp_path, "    kettenstufen: []\n", "    kettenstufen: [krippe]\n")
    code, text = _validate(capsys, REPO / "data" / "demo", config)
    assert code == 2
    assert "kettenstufen" in text and "„krippe“" in text and "praeventionskette" in text
    assert "Traceback" not in text
