"""A larger synthetic region made from a data folder (for ``make benchmark`` and tests).

``scaled_region`` writes a data folder of ``n_areas`` Sozialräume in ``n_municipalities``
Kommunen that meets the data contract: each new area takes over the complete counts of
one source area (cycling through the source), so every identity of the source
(``summe_aus``, numerator ≤ denominator) holds; the map is a grid of rectangles, one block
per Kommune. Kommune ids are ``K01``, ``K02`` … (no AGS), area codes ``K01 1`` … — ids
in a region's own form. Municipal-level counts, services, targets and notes are left out
(they are optional in the contract). The result is labelled as demo data (``DEMO``)."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd

from analysis.common.ids import natural_sorted
from analysis.contract import schema as S

_CELL = 1000.0  # side of one area's square, metres (EPSG:25832)
_ORIGIN = (290_000.0, 5_600_000.0)  # lower left corner of the grid


def _split(n: int, k: int) -> list[int]:
    """``n`` areas over ``k`` Kommunen, as even as possible (larger ones first)."""
    base, rest = divmod(n, k)
    return [base + (1 if i < rest else 0) for i in range(k)]


def scaled_region(source: Path, out: Path, n_areas: int, n_municipalities: int) -> Path:
    """Write the scaled data folder to ``out`` (replaced if it exists) and return it."""
    if not 1 <= n_municipalities <= n_areas:
        raise ValueError("1 ≤ Kommunen ≤ Sozialräume")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in ("variablen.csv", "indikatoren.csv"):
        shutil.copy2(source / name, out / name)
    (out / "DEMO").write_text("Synthetische Daten (skalierte Demoregion)\n", encoding="utf-8")
    counts = pd.read_csv(source / "zaehlungen.csv", dtype={S.AREA: str})
    src_areas = natural_sorted(counts[S.AREA].unique())
    width = len(str(n_municipalities))
    munis = [f"K{i + 1:0{width}d}" for i in range(n_municipalities)]
    sizes = _split(n_areas, n_municipalities)
    rows, features, parts = [], [], []
    per_row = math.ceil(math.sqrt(n_municipalities))  # Kommune blocks per row of the grid
    side = math.ceil(math.sqrt(max(sizes)))  # area cells per row inside a block
    j = 0
    for m, (muni, size) in enumerate(zip(munis, sizes, strict=True)):
        bx = _ORIGIN[0] + (m % per_row) * side * _CELL
        by = _ORIGIN[1] + (m // per_row) * side * _CELL
        for i in range(size):
            code = f"{muni} {i + 1}"
            rows.append({S.AREA: code, "name": f"Gebiet {muni}-{i + 1}", S.AGS: muni,
                         "name_belegt": "nein"})
            x0, y0 = bx + (i % side) * _CELL, by + (i // side) * _CELL
            ring = [[x0, y0], [x0 + _CELL, y0], [x0 + _CELL, y0 + _CELL], [x0, y0 + _CELL], [x0, y0]]
            features.append({"type": "Feature", "properties": {S.AREA: code},
                             "geometry": {"type": "Polygon", "coordinates": [ring]}})
            part = counts[counts[S.AREA] == src_areas[j % len(src_areas)]].copy()
            part[S.AREA] = code
            parts.append(part)
            j += 1
    pd.DataFrame(rows).to_csv(out / "sozialraeume.csv", index=False)
    pd.DataFrame({S.AGS: munis, "name": [f"Gemeinde {m}" for m in munis]}).to_csv(
        out / "kommunen.csv", index=False)
    pd.concat(parts, ignore_index=True).to_csv(out / "zaehlungen.csv", index=False)
    geo = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
           "features": features}
    (out / "geometrie.geojson").write_text(json.dumps(geo, separators=(",", ":")), encoding="utf-8")
    return out
