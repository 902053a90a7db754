"""The scaled synthetic region used by ``make benchmark`` meets the data contract."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.build.scaled import scaled_region
from analysis.contract.dataset import load_dataset

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def test_scaled_region_is_valid_and_has_the_asked_size(tmp_path):
    out = scaled_region(DEMO, tmp_path / "gross", 130, 12)
    ds = load_dataset(out)
    assert len(ds.areas) == 130
    assert len(ds.municipalities) == 12
    per = ds.areas.groupby("ags").size()
    assert per.max() - per.min() <= 1  # spread evenly
    assert ds.is_demo
    # every area has a full copy of one source area's counts
    counts = pd.read_csv(out / "zaehlungen.csv")
    src = pd.read_csv(DEMO / "zaehlungen.csv")
    assert counts.groupby("sozialraum").size().nunique() == 1
    assert len(counts) == 130 * len(src) // src["sozialraum"].nunique()
