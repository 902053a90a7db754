"""Indicators from counts: value, absolute number, denominator, Wilson interval.

An indicator is ``numerator / denominator × scale`` (METHOD.md §2). Municipal and
regional values are ratios of summed counts, never averages of area rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.contract import schema as S

Z95 = 1.959963984540054


def noise_factor(level: float) -> float:
    """Two-sided normal quantile of a confidence ``level`` (0 → 0: no noise check)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2) if level > 0 else 0.0


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


def _wide(counts: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Counts as a wide table ``keys × variable``, rows sorted by ``keys``.

    A vectorised pivot: keys and variables are factorised (sorted), combined into one
    integer row id and scattered into a dense array; duplicate keys are summed.
    """
    codes, uniques = [], []
    for k in keys:
        c, u = pd.factorize(counts[k], sort=True)
        codes.append(c)
        uniques.append(np.asarray(u, dtype=object) if u.dtype == object or
                       isinstance(u.dtype, pd.CategoricalDtype) else np.asarray(u))
    dims = tuple(max(len(u), 1) for u in uniques)
    composite = np.ravel_multi_index(tuple(codes), dims)
    inverse, rows = pd.factorize(composite, sort=True)
    var_codes, variables = pd.factorize(counts[S.VARIABLE], sort=True)
    dense = np.full((len(rows), len(variables)), np.nan)
    values = counts[S.COUNT].to_numpy(dtype=float)
    flat = inverse * len(variables) + var_codes
    if np.bincount(flat, minlength=dense.size).max(initial=0) <= 1:
        dense.ravel()[flat] = values
    else:  # duplicates (e.g. municipal sums built from parts): add them up
        dense = np.zeros_like(dense)
        np.add.at(dense.ravel(), flat, values)
        seen = np.zeros(dense.size, dtype=bool)
        seen[flat] = True
        dense.ravel()[~seen] = np.nan
    key_codes = np.unravel_index(rows, dims)
    index = pd.MultiIndex.from_arrays([u[c] for u, c in zip(uniques, key_codes, strict=True)],
                                      names=keys)
    return pd.DataFrame(dense, index=index, columns=pd.Index(np.asarray(variables, dtype=object),
                                                             name=S.VARIABLE))


def _repeat_categorical(values: pd.Index, k: int) -> pd.Categorical:
    codes, uniques = pd.factorize(values, sort=True)
    return pd.Categorical.from_codes(np.repeat(codes, k),
                                     categories=pd.Index(np.asarray(uniques, dtype=object)))


def compute(counts: pd.DataFrame, catalogue: pd.DataFrame, keys: list[str],
            unreliable_below: int = 50) -> pd.DataFrame:
    """Indicators for every row of ``keys`` (e.g. area × year) present in ``counts``.

    Parameters
    ----------
    counts : long counts with ``keys``, ``variable``, ``anzahl``.
    catalogue : indicator catalogue (``indikator``, ``zaehler``, ``nenner``, ``skala``).
    keys : grouping columns, e.g. ``[sozialraum, ags, jahr]`` or ``[ags, jahr]``.

    Returns a long frame sorted by ``keys`` then ``indikator``: ``keys``, ``indikator``,
    ``zaehler``, ``nenner`` (counts), ``wert``, ``ki_unten``, ``ki_oben`` and
    ``unsicher`` (denominator < threshold). Indicators whose variables are missing
    from ``counts`` are skipped. Vectorised over all indicators at once.
    """
    columns = [*keys, S.INDICATOR, S.NUMERATOR, S.DENOMINATOR, S.VALUE, S.LOWER, S.UPPER,
               S.RELIABLE]
    if counts.empty:
        return pd.DataFrame(columns=columns)
    wide = _wide(counts, keys)
    cat = catalogue.sort_values(S.INDICATOR)
    cat = cat[cat[S.NUMERATOR].isin(wide.columns) & cat[S.DENOMINATOR].isin(wide.columns)]
    if cat.empty:
        return pd.DataFrame(columns=columns)
    num = wide[cat[S.NUMERATOR].to_list()].to_numpy(dtype=float)
    den = wide[cat[S.DENOMINATOR].to_list()].to_numpy(dtype=float)
    scale = cat["skala"].to_numpy(dtype=float)
    lo, hi = wilson_interval(num, den)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(den > 0, num / den * scale, np.nan)
    n, k = num.shape
    # keys and indicator ids as categoricals: small, and fast to group and pivot
    out = pd.DataFrame({
        c: _repeat_categorical(wide.index.get_level_values(c), k) if c != S.YEAR
        else np.repeat(wide.index.get_level_values(c).to_numpy(), k) for c in keys})
    ids = cat[S.INDICATOR].to_numpy(dtype=object)
    out[S.INDICATOR] = pd.Categorical.from_codes(np.tile(np.arange(k), n),
                                                 categories=pd.Index(ids, dtype=object))
    out[S.NUMERATOR] = num.ravel()
    out[S.DENOMINATOR] = den.ravel()
    out[S.VALUE] = value.ravel()
    out[S.LOWER] = (lo * scale).ravel()
    out[S.UPPER] = (hi * scale).ravel()
    out[S.RELIABLE] = den.ravel() < unreliable_below
    return out


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
    """Wide table ``key × indikator`` of one column (default: value) for one year.

    Rows and columns are sorted; a key/indicator pair that occurs twice is an error.
    """
    sel = indicators[indicators[S.YEAR] == year]
    rc, ru = pd.factorize(sel[key], sort=True)
    cc, cu = pd.factorize(sel[S.INDICATOR], sort=True)
    flat = rc * len(cu) + cc
    if len(sel) and np.bincount(flat, minlength=len(ru) * len(cu)).max() > 1:
        raise ValueError(f"doppelte Werte je {key} und Indikator im Jahr {year}")
    dense = np.full((len(ru), len(cu)), np.nan)
    dense.ravel()[flat] = sel[column].to_numpy(dtype=float)
    return pd.DataFrame(dense, index=pd.Index(np.asarray(ru, dtype=object), name=key),
                        columns=pd.Index(np.asarray(cu, dtype=object), name=S.INDICATOR))
