"""Backtest: the default method on data/demo reproduces the council paper's headline
figures (METHOD.md §8), counted from the CSV written by ``python -m analysis need``.

Expected figures and their tolerance (0 = exact) are in ``expected_headline.csv``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).with_name("expected_headline.csv")
FIELDS = ["armut", "aeltere", "kinder", "integration", "inklusion"]
SEED_FIELDS = ["armut", "aeltere", "kinder", "integration"]
SHORT = {"armut": "Armut", "aeltere": "Ältere", "kinder": "Kinder und Familien",
         "integration": "Integration", "inklusion": "Inklusion"}


@pytest.fixture(scope="module")
def need_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, pd.DataFrame]:
    out = tmp_path_factory.mktemp("need") / "handlungsbedarf.csv"
    proc = subprocess.run([sys.executable, "-m", "analysis", "need", "--output", str(out)],
                          cwd=REPO, capture_output=True, text=True, encoding="utf-8",
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    return proc, table


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(EXPECTED, dtype={"kommunen": "Int64"}).set_index("handlungsfeld")


def headline_from_csv(table: pd.DataFrame) -> dict[str, tuple[int, int]]:
    counts = {}
    for f in FIELDS:
        need = table[table[f"{f}_bedarf"] == "ja"]
        counts[f] = (len(need), need["kommune"].nunique())
    return counts


def test_csv_has_the_documented_columns(need_run):
    _, table = need_run
    # demo data: a first column says in every row that the values are synthetic
    expected = ["datenart", "sozialraum", "name", "kommune"]
    for f in FIELDS:
        expected += [f"{f}_index", f"{f}_bedarf", f"{f}_regeln", f"{f}_stabilitaet"]
    assert list(table.columns) == expected
    assert (table["datenart"] == "Synthetische Demodaten – keine amtlichen Zahlen").all()
    assert len(table) == 93
    assert table["sozialraum"].is_unique


def test_csv_values_are_well_formed(need_run):
    _, table = need_run
    rule_text = re.compile(r"^((regional|kommunal|absolut)(, (regional|kommunal|absolut))*)?$")
    for f in FIELDS:
        assert set(table[f"{f}_bedarf"]) <= {"ja", "nein"}
        stab = table[f"{f}_stabilitaet"].astype(float)
        assert stab.between(0.0, 1.0).all()
        pd.to_numeric(table[f"{f}_index"], errors="raise")
        assert table[f"{f}_regeln"].str.match(rule_text).all()
        # need ⇔ at least one rule fired
        assert ((table[f"{f}_bedarf"] == "ja") == (table[f"{f}_regeln"] != "")).all()


@pytest.mark.parametrize("field", SEED_FIELDS)
def test_headline_per_field(need_run, expected, field):
    _, table = need_run
    areas, kommunen = headline_from_csv(table)[field]
    row = expected.loc[field]
    tol = int(row["toleranz"])
    assert abs(areas - int(row["sozialraeume"])) <= tol, f"{field}: {areas} Sozialräume"
    assert abs(kommunen - int(row["kommunen"])) <= tol, f"{field}: {kommunen} Kommunen"


def test_headline_any_field(need_run, expected):
    _, table = need_run
    any_need = (table[[f"{f}_bedarf" for f in SEED_FIELDS]] == "ja").any(axis=1).sum()
    row = expected.loc["mindestens_ein_feld"]
    assert abs(int(any_need) - int(row["sozialraeume"])) <= int(row["toleranz"])


def test_printed_summary_matches_csv(need_run):
    proc, table = need_run
    out = proc.stdout
    for f, (areas, kommunen) in headline_from_csv(table).items():
        assert f"  {SHORT[f]}: {areas} Sozialräume in {kommunen} Kommunen" in out, f
    any_need = (table[[f"{f}_bedarf" for f in SEED_FIELDS]] == "ja").any(axis=1).sum()
    assert f"{any_need} von {len(table)} Sozialräumen" in out
