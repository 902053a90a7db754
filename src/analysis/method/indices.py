"""Standardisation and field indices (METHOD.md §4)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Spread below this fraction of a column's largest magnitude is rounding noise, not spread.
_NOISE = 1e-12


def zscores(values: pd.DataFrame, directions: dict[str, int] | None = None,
            ddof: int = 0) -> pd.DataFrame:
    """Column-wise z-scores over all rows with a value (unweighted, population SD).

    ``directions`` maps a column to +1 (higher = more need) or -1 (sign flipped).
    A column without spread gives 0 for every row with a value; so does a column
    whose spread is only floating-point noise (e.g. 7/50 and 14/100 as percentages).
    """
    mean = values.mean(axis=0, skipna=True)
    sd = values.std(axis=0, ddof=ddof, skipna=True)
    sd = sd.where(sd > _NOISE * values.abs().max(axis=0))
    z = (values - mean) / sd
    z = z.where(values.isna() | sd.notna(), 0.0)
    if directions:
        signs = pd.Series({c: directions.get(c, 1) for c in values.columns}, dtype=float)
        z = z * signs
    return z


def field_index(z: pd.DataFrame, indicators: list[str], weights: dict[str, float] | None = None,
                restandardise: bool = True, ddof: int = 0) -> pd.Series:
    """Field index = weighted mean of the indicators' z-scores, re-standardised.

    Areas lacking some indicators are averaged over the available ones (weights
    renormalised); an area with none gets NaN.
    """
    w = np.array([(weights or {}).get(i, 1.0) for i in indicators], dtype=float)
    sub = z[indicators].to_numpy(dtype=float)
    avail = ~np.isnan(sub)
    num = (np.where(avail, sub, 0.0) * w).sum(axis=1)
    den = (avail * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    if restandardise:
        ok = ~np.isnan(raw)
        if ok.sum() > ddof:
            mean = raw[ok].mean()
            sd = raw[ok].std(ddof=ddof)
            spread = sd > _NOISE * np.abs(raw[ok]).max()
            raw = (raw - mean) / sd if spread else np.where(ok, 0.0, np.nan)
        else:
            raw = np.where(ok, 0.0, np.nan) if ok.any() else raw
    return pd.Series(raw, index=z.index, name="index")


def municipal_reference(area_values: pd.Series, municipal_values: pd.Series,
                        area_to_ags: pd.Series) -> pd.DataFrame:
    """An area's value relative to its Kommune: ratio and difference (in the
    indicator's unit, i.e. percentage points for shares)."""
    mun = area_to_ags.reindex(area_values.index).map(municipal_values)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = area_values / mun.replace(0.0, np.nan)
    return pd.DataFrame({"kommunalwert": mun, "verhaeltnis": ratio,
                         "differenz": area_values - mun})


def close_pairs(values: pd.DataFrame, groups: dict[str, list[str]],
                limit: float) -> pd.DataFrame:
    """Pairs of columns of one group whose values go together across the rows (areas):
    Pearson correlation over the rows where both have a value, at least ``limit`` in
    absolute value. Columns ``gruppe``, ``a``, ``b``, ``r``, ``n`` (rows used); in group
    order, then the strongest first. Fewer than three common rows or a column without
    spread give no correlation (no pair)."""
    rows = []
    for group, cols in groups.items():
        cols = [c for c in dict.fromkeys(cols) if c in values.columns]
        found = []
        for i, a in enumerate(cols):
            for b in cols[i + 1:]:
                both = values[[a, b]].dropna()
                if len(both) < 3:
                    continue
                x, y = both[a].to_numpy(dtype=float), both[b].to_numpy(dtype=float)
                if x.std() <= _NOISE * np.abs(x).max() or y.std() <= _NOISE * np.abs(y).max():
                    continue
                r = float(np.corrcoef(x, y)[0, 1])
                if abs(r) >= limit:
                    found.append({"gruppe": group, "a": a, "b": b, "r": r, "n": len(both)})
        rows += sorted(found, key=lambda p: -abs(p["r"]))
    return pd.DataFrame(rows, columns=["gruppe", "a", "b", "r", "n"])
