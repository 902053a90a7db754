"""Roles instead of ids: which variable is the population, which indicator the change
chapter shows, which variable is a field's target group (issue 11, item 3)."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.common.errors import ConfigError
from analysis.contract.config import check_against_dataset, load_config
from analysis.contract.dataset import load_dataset
from analysis.method.context import compute_context
from analysis.views.report import Report

from ..conftest import REPO

CONFIG = REPO / "config" / "report.yaml"


def _config(tmp_path, old: str, new: str):
    text = CONFIG.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "report.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    (tmp_path / "texte").symlink_to(REPO / "config" / "texte")
    return path


@pytest.mark.parametrize("old, new, message", [
    ("  bevoelkerung: bev_gesamt", "  bevoelkerung: ew_insgesamt",
     "rollen.bevoelkerung: Variable „ew_insgesamt“ fehlt in variablen.csv"),
    ("  bevoelkerung: bev_gesamt", "  bevoelkerung: bev_kommune",
     "rollen.bevoelkerung: Variable „bev_kommune“ liegt nicht je Sozialraum vor"),
    ("  veraenderung: mindestsicherung", "  veraenderung: quote_x",
     "rollen.veraenderung: Indikator „quote_x“ fehlt"),
    ("    zielgruppe: bev_u18", "    zielgruppe: kinder_gesamt",
     "handlungsfelder.kinder.zielgruppe: Variable „kinder_gesamt“ fehlt"),
])
def test_a_role_pointing_nowhere_is_a_located_error(tmp_path, old, new, message):
    cfg_path = _config(tmp_path, old, new)
    ds = load_dataset(REPO / "data" / "demo")
    with pytest.raises(ConfigError, match=message):
        check_against_dataset(load_config(cfg_path), ds, "report.yaml", cfg_path)


def test_population_comes_from_the_role_not_from_an_id(demo_copy, tmp_path):
    """Renaming the population variable (as another region's data would call it) and
    pointing the role at it gives the same figures; no page shows a silent 0."""
    for name in ("variablen.csv", "zaehlungen.csv", "indikatoren.csv"):
        t = pd.read_csv(demo_copy / name, dtype=str, keep_default_na=False)
        for col in t.columns:
            if col in ("variable", "zaehler", "nenner"):
                t[col] = t[col].replace("bev_gesamt", "ew_insgesamt")
            if col == "summe_aus":
                t[col] = t[col].str.replace("bev_gesamt", "ew_insgesamt")
        t.to_csv(demo_copy / name, index=False)
    cfg_path = _config(tmp_path, "  bevoelkerung: bev_gesamt", "  bevoelkerung: ew_insgesamt")
    text = (cfg_path.read_text(encoding="utf-8")
            .replace("zielgruppe: bev_gesamt", "zielgruppe: ew_insgesamt")
            .replace("obermenge: bev_gesamt", "obermenge: ew_insgesamt"))  # teilmengen
    cfg_path.write_text(text, encoding="utf-8")
    renamed = Report(compute_context(demo_copy, cfg_path)).overview().municipal_overview().df
    original = (Report(compute_context(REPO / "data" / "demo", CONFIG))
                .overview().municipal_overview().df)
    assert renamed["Einwohner"].tolist() == original["Einwohner"].tolist()
    assert min(v for v in renamed["Einwohner"] if isinstance(v, int)) > 1000
