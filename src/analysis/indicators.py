"""Indicators from counts: value, absolute number, denominator, Wilson interval.

An indicator is ``numerator / denominator × scale`` (METHOD.md §2). Municipal and
regional values are ratios of summed counts, never averages of area rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import schema as S

Z95 = 1.959963984540054


def wilson_interval(x: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """95 % Wilson score interval for a proportion ``x / n`` (as proportions 0…1).

    ``n == 0`` gives NaN bounds.
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        z2n = z * z / n
        centre = (p + z2n / 2) / (1 + z2n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z2n)
        lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def _rates(keys: pd.DataFrame, num: np.ndarray, den: np.ndarray, scale: float,
           unreliable_below: int) -> pd.DataFrame:
    lo, hi = wilson_interval(num, den)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / den * scale, np.nan)
    out = keys.copy()
    out[S.NUMERATOR] = num
    out[S.DENOMINATOR] = den
    out[S.VALUE] = value
    out[S.LOWER] = lo * scale
    out[S.UPPER] = hi * scale
    out[S.RELIABLE] = den < unreliable_below
    return out


def _wide(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return counts.pivot_table(index=keys, columns=S.VARIABLE, values=S.COUNT, aggfunc="sum",
                              observed=True)


def compute(counts: pd.DataFrame, catalogue: pd.DataFrame, keys: list[str],
            unreliable_below: int = 50) -> pd.DataFrame:
    """Indicators for every row of ``keys`` (e.g. area × year) present in ``counts``.

    Parameters
    ----------
    counts : long counts with ``keys``, ``variable``, ``anzahl``.
    catalogue : indicator catalogue (``indikator``, ``zaehler``, ``nenner``, ``skala``).
    keys : grouping columns, e.g. ``[sozialraum, ags, jahr]`` or ``[ags, jahr]``.

    Returns a long frame: ``keys``, ``indikator``, ``zaehler``, ``nenner`` (counts),
    ``wert``, ``ki_unten``, ``ki_oben`` and ``unsicher`` (denominator < threshold).
    Indicators whose variables are missing from ``counts`` are skipped.
    """
    wide = _wide(counts, keys)
    frames = []
    key_frame = wide.index.to_frame(index=False)
    for _, ind in catalogue.sort_values(S.INDICATOR).iterrows():
        num_var, den_var = ind[S.NUMERATOR], ind[S.DENOMINATOR]
        if num_var not in wide.columns or den_var not in wide.columns:
            continue
        num = wide[num_var].to_numpy(dtype=float)
        den = wide[den_var].to_numpy(dtype=float)
        part = _rates(key_frame, num, den, float(ind["skala"]), unreliable_below)
        part.insert(len(keys), S.INDICATOR, ind[S.INDICATOR])
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=[*keys, S.INDICATOR, S.NUMERATOR, S.DENOMINATOR, S.VALUE,
                                     S.LOWER, S.UPPER, S.RELIABLE])
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values([*keys, S.INDICATOR], kind="stable").reset_index(drop=True)


def area_indicators(counts: pd.DataFrame, catalogue: pd.DataFrame,
                    unreliable_below: int = 50) -> pd.DataFrame:
    """Indicators per Sozialraum and year (area-level indicators only)."""
    cat = catalogue[catalogue[S.LEVEL] == S.LEVEL_AREA]
    return compute(counts, cat, [S.AREA, S.AGS, S.YEAR], unreliable_below)


def municipal_indicators(counts: pd.DataFrame, catalogue: pd.DataFrame,
                         counts_municipal: pd.DataFrame | None = None,
                         unreliable_below: int = 50) -> pd.DataFrame:
    """Indicators per Kommune and year: ratio of summed area counts, plus the
    indicators that exist only at municipal level (from ``counts_municipal``)."""
    allc = _summed_counts(counts, counts_municipal, [S.AGS, S.YEAR])
    return compute(allc, catalogue, [S.AGS, S.YEAR], unreliable_below)


def region_indicators(counts: pd.DataFrame, catalogue: pd.DataFrame,
                      counts_municipal: pd.DataFrame | None = None,
                      unreliable_below: int = 50) -> pd.DataFrame:
    """Indicators for the whole region and year (ratio of summed counts)."""
    allc = _summed_counts(counts, counts_municipal, [S.YEAR])
    return compute(allc, catalogue, [S.YEAR], unreliable_below)


def _summed_counts(counts: pd.DataFrame, counts_municipal: pd.DataFrame | None,
                   keys: list[str]) -> pd.DataFrame:
    """Counts per ``keys`` × variable: sums of the area counts, plus the municipal-only
    counts. A variable that also comes per area is taken from the area sums only
    (adding the municipal count as well would double it)."""
    cols = [*keys, S.VARIABLE]
    from_areas = counts.groupby(cols, as_index=False, observed=True)[S.COUNT].sum()
    if counts_municipal is None or counts_municipal.empty:
        return from_areas
    from_mun = counts_municipal.groupby(cols, as_index=False, observed=True)[S.COUNT].sum()
    seen = pd.MultiIndex.from_frame(from_areas[cols])
    from_mun = from_mun[~pd.MultiIndex.from_frame(from_mun[cols]).isin(seen)]
    return pd.concat([from_areas, from_mun], ignore_index=True)


def value_table(indicators: pd.DataFrame, year: int, key: str = S.AREA,
                column: str = S.VALUE) -> pd.DataFrame:
    """Wide table ``key × indikator`` of one column (default: value) for one year."""
    sel = indicators[indicators[S.YEAR] == year]
    return sel.pivot(index=key, columns=S.INDICATOR, values=column)
