"""Plausibility rule „Teilmenge ≤ Obermenge“ (``teilmengen`` in the configuration): a count
of a subset above the count of its superset is a located German error at ``validate``
(file, row, column, value, the other value, the fix), exit 2, in every year of the data;
a missing count on either side is not checked; the configuration is checked against the
variable catalogue; without the key only numerators and denominators are checked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.build.cli import main
from analysis.common.errors import ConfigError, DataContractError
from analysis.contract.config import load_config
from analysis.contract.dataset import _subset_pairs, _subset_problems, load_dataset

from ..configs import edited_config
from ..csvrows import read_rows, write_rows

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "report.yaml"
PAIR = "  - {teilmenge: sgb2_u15, obermenge: kinder_bg}"


def _count(d: Path, area: str, year: int, variable: str) -> tuple[int, int]:
    """(Excel row, count) of one count in ``zaehlungen.csv``."""
    for n, r in enumerate(read_rows(d, "zaehlungen.csv")[1:], start=2):
        if r[:3] == [area, str(year), variable]:
            return n, int(r[3])
    raise AssertionError(f"{area} {year} {variable} not in the demo counts")


def _set_count(d: Path, row: int, value: int) -> None:
    rows = read_rows(d, "zaehlungen.csv")
    rows[row - 1][3] = str(value)
    write_rows(d, "zaehlungen.csv", rows)


def _validate(data: Path, config: Path, capsys) -> tuple[int, str, str]:
    code = main(["validate", str(data), "--config", str(config)])
    out, err = capsys.readouterr()
    return code, out, err


def test_shipped_configuration_declares_the_subsets_of_the_catalogue():
    pairs = load_config(CONFIG).subsets
    assert ("sgb2_u15", "kinder_bg") in pairs
    assert ("bev_80plus", "bev_65plus") in pairs
    assert ("grusi_65plus", "mindestsicherung") in pairs
    assert len(set(pairs)) == len(pairs)


def test_subset_above_superset_is_located_in_both_years(demo_copy, capsys):
    """Report year and comparison year: one line each, with row, value, the other value."""
    lines = []
    for year in (2016, 2021):
        row, _ = _count(demo_copy, "AC 1", year, "sgb2_u15")
        _, whole = _count(demo_copy, "AC 1", year, "kinder_bg")
        _set_count(demo_copy, row, whole + 1)
        lines.append(f"  - zaehlungen.csv, Zeile {row}, Spalte „anzahl“: Wert „{whole + 1}“ – "
                     f"Teilmenge „sgb2_u15“ größer als ihre Obermenge „kinder_bg“ ({whole}) "
                     f"für AC 1, {year} (teilmengen in der Konfiguration) → Zählungen von "
                     "„sgb2_u15“ und „kinder_bg“ prüfen")
    code, out, err = _validate(demo_copy, CONFIG, capsys)
    assert code == 2
    assert "Traceback" not in err and "Daten in Ordnung" not in out
    shown = err.splitlines()
    for line in lines:
        assert any(s.startswith(line) for s in shown), f"{line}\nnot in:\n{err}"
    assert "„teilmengen“ in config/report.yaml entfernen" in err
    # the same counts pass when the pair is not configured: the error comes from the rule
    text = CONFIG.read_text(encoding="utf-8")
    shutil.copytree(CONFIG.parent / "texte", demo_copy.parent / "texte")
    without = demo_copy.parent / "ohne_paar.yaml"
    without.write_text("".join(line for line in text.splitlines(keepends=True)
                               if not line.startswith(PAIR)), encoding="utf-8")
    code, out, err = _validate(demo_copy, without, capsys)
    assert (code, err) == (0, ""), err


def test_subset_rule_in_the_wide_layout_names_the_variable_column(demo_copy, capsys):
    long = pd.read_csv(demo_copy / "zaehlungen.csv", dtype={"anzahl": "int64"})
    wide = long.pivot(index=["sozialraum", "jahr"], columns="variable",
                      values="anzahl").reset_index()
    wide.columns.name = None
    i = wide.index[(wide["sozialraum"] == "E 2") & (wide["jahr"] == 2021)][0]
    whole = int(wide.loc[i, "kinder_bg"])
    wide.loc[i, "sgb2_u15"] = whole + 3
    wide.to_csv(demo_copy / "zaehlungen.csv", index=False)
    code, _, err = _validate(demo_copy, CONFIG, capsys)
    assert code == 2 and "Traceback" not in err
    assert (f"zaehlungen.csv, Zeile {i + 2}, Spalte „sgb2_u15“: Wert „{whole + 3}“ – Teilmenge "
            f"„sgb2_u15“ größer als ihre Obermenge „kinder_bg“ ({whole}) für E 2, 2021") in err


def test_valid_data_pass_every_configured_pair(capsys):
    code, out, err = _validate(REPO / "data" / "demo", CONFIG, capsys)
    assert (code, err) == (0, ""), err
    assert "Daten in Ordnung" in out


def test_missing_count_on_either_side_is_not_checked(demo_copy):
    """A variable counted for one Kommune only (``zaehlungen_kommune``): the Kommunen without
    its count are skipped, the Kommune with it is checked."""
    var = read_rows(demo_copy, "variablen.csv")
    var.append(["eingliederungshilfe_alle", "Eingliederungshilfe insgesamt", "Personen",
                "kommune", "Landschaftsverband Rheinland", ""])
    write_rows(demo_copy, "variablen.csv", var)
    cm = read_rows(demo_copy, "zaehlungen_kommune.csv")
    ehs = {r[1]: int(r[3]) for r in cm[1:]
           if r[0] == "05334002" and r[2] == "eingliederungshilfe"}
    for year, n in sorted(ehs.items()):  # the superset only for Aachen: all years ≥ …
        cm.append(["05334002", year, "eingliederungshilfe_alle", str(n + 10)])
    write_rows(demo_copy, "zaehlungen_kommune.csv", cm)
    pairs = [("eingliederungshilfe", "eingliederungshilfe_alle")]
    ds = load_dataset(demo_copy, pairs)  # nine Kommunen without the superset: skipped
    assert set(ds.counts_municipal["variable"]) >= {"eingliederungshilfe_alle"}
    cm[-1][3] = str(ehs[cm[-1][1]] - 1)  # … but in the last year one below the subset
    write_rows(demo_copy, "zaehlungen_kommune.csv", cm)
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy, pairs)
    (p,) = exc.value.problems
    assert (p.file, p.row, p.column, p.value) == (
        "zaehlungen_kommune.csv", _kommune_row(cm, "05334002", cm[-1][1], "eingliederungshilfe"),
        "anzahl", str(ehs[cm[-1][1]]))
    assert f"„eingliederungshilfe_alle“ ({ehs[cm[-1][1]] - 1}) für 05334002" in p.message


def _kommune_row(rows: list[list[str]], ags: str, year: str, variable: str) -> int:
    return next(n for n, r in enumerate(rows[1:], start=2) if r[:3] == [ags, year, variable])


def test_withheld_or_empty_count_is_skipped():
    """At the level of the rule: a count that is not there (NaN after reading, e.g. a
    withheld or empty cell) never raises a problem, the other area is still checked."""
    counts = pd.DataFrame({"sozialraum": ["X 1", "X 1", "X 2", "X 2"],
                           "jahr": [2021] * 4,
                           "variable": ["teil", "ganz"] * 2,
                           "anzahl": [9.0, float("nan"), 9.0, 5.0]})
    ind = pd.DataFrame(columns=["indikator", "zaehler", "nenner"])
    problems = _subset_problems(counts, _subset_pairs(ind, [("teil", "ganz")]),
                                "zaehlungen.csv", "sozialraum")
    assert [(p.row, p.value) for p in problems] == [(4, "9")]
    assert "(5) für X 2, 2021" in problems[0].message


def test_many_violations_of_one_pair_are_summarised():
    n = 14
    counts = pd.DataFrame({"sozialraum": [f"X {i}" for i in range(n) for _ in (0, 1)],
                           "jahr": [2021] * (2 * n), "variable": ["teil", "ganz"] * n,
                           "anzahl": [3, 2] * n})
    ind = pd.DataFrame(columns=["indikator", "zaehler", "nenner"])
    problems = _subset_problems(counts, _subset_pairs(ind, [("teil", "ganz")]),
                                "zaehlungen.csv", "sozialraum")
    assert len([p for p in problems if p.row is not None]) == 10
    (summary,) = [p for p in problems if p.row is None]
    assert "außer den 10 genannten in 4 weiteren Fällen" in summary.message


def test_numerator_pair_is_not_reported_twice(demo_copy):
    """A configured pair that is also an indicator's numerator and denominator: one problem."""
    row, _ = _count(demo_copy, "AC 1", 2021, "bev_80plus")
    _, whole = _count(demo_copy, "AC 1", 2021, "bev_gesamt")
    _set_count(demo_copy, row, whole + 1)
    with pytest.raises(DataContractError) as exc:
        load_dataset(demo_copy, [("bev_80plus", "bev_gesamt")])
    assert [p.message.split(" (")[0] for p in exc.value.problems if p.row == row] == [
        "Zähler „bev_80plus“ größer als Nenner „bev_gesamt“"]


@pytest.mark.parametrize(("new", "message"), [
    ("  - {teilmenge: sgb2_u15, obermenge: kinder_unter18}",
     "teilmengen, Paar 1 (teilmenge sgb2_u15, obermenge kinder_unter18): Variable "
     "„kinder_unter18“ fehlt in variablen.csv"),
    ("  - {teilmenge: eingliederungshilfe, obermenge: schwerbehinderte}",
     "teilmengen, Paar 1 (teilmenge eingliederungshilfe, obermenge schwerbehinderte): die "
     "Variablen liegen auf verschiedenen Ebenen vor (kommune, sozialraum"),
])
def test_configured_pair_must_fit_the_catalogue(demo_copy, capsys, new, message):
    code, out, err = _validate(demo_copy, edited_config(demo_copy.parent, PAIR, new), capsys)
    assert code == 2 and "Traceback" not in err and out == ""
    assert err.startswith("Fehler: Konfiguration report.yaml passt nicht zu den Daten:")
    assert message in err


@pytest.mark.parametrize(("new", "message"), [
    ("  - {teilmenge: sgb2_u15, obermenge: sgb2_u15}", "Teilmenge und Obermenge zugleich"),
    (PAIR + "\n" + PAIR, "steht mehrmals"),
    ("  - {teilmenge: kinder_bg, obermenge: sgb2_u15}\n" + PAIR, "Teilmenge von"),
    ("  - {teilmenge: sgb2_u15, obermenge: kinder_bg, jahr: 2021}", "jahr"),
    ("  - {teilmenge: sgb2-u15, obermenge: kinder_bg}", "keine Kennung einer Variable"),
])
def test_invalid_pair_is_a_config_error(tmp_path, new, message):
    with pytest.raises(ConfigError) as exc:
        load_config(edited_config(tmp_path, PAIR, new))
    assert "teilmengen" in str(exc.value) and message in str(exc.value)


def test_configuration_without_the_key_checks_numerators_only(tmp_path):
    text = CONFIG.read_text(encoding="utf-8")
    start = text.index("teilmengen:\n")
    end = text.index("\n\n", start)
    path = tmp_path / "report.yaml"
    path.write_text(text[:start] + text[end + 2:], encoding="utf-8")
    assert load_config(path).subsets == []
