"""Statistical disclosure control (Geheimhaltung) for published counts (METHOD.md §6).

Rules, with ``limit`` (config ``geheimhaltung.mindestanzahl``, default 3):

* **Primary suppression** (*primäre Sperrung*): a count ``0 < x < limit`` is replaced by
  :data:`SUPPRESSED`; zero is shown.
* **Secondary suppression** (*sekundäre Sperrung*) so that no suppressed value can be
  recomputed from what is published. Per ``(jahr, variable)`` the published tables are
  the area cells, the municipal totals (sum of the areas of a Kommune) and the region
  total (sum of all areas). The suppressed values of one ``(jahr, variable)`` are
  protected as follows:

  1. *Municipal level* (depends on the true totals only). A municipal total is
     primary-suppressed if ``0 < total < limit``. If the region total is published and
     any municipal total is suppressed, further municipal totals are suppressed
     (non-zero first, then by keyed rank) until at least two are suppressed
     and their sum is ``>= limit`` — otherwise *region total − published totals*
     reveals or tightly bounds them. The region total is suppressed if
     ``0 < total < limit``; then this step is void.
  2. *Area level*. In a Kommune whose total is **published**, the suppressed area cells
     are either none, or at least two whose sum is ``>= limit`` (the reader knows their
     sum = total − published cells). In a Kommune whose total is **secondarily**
     suppressed, at least one area cell with sum ``>= limit`` is suppressed (otherwise
     the hidden total is the sum of published cells). Cells are added non-zero first,
     then by keyed rank. A Kommune with a single area needs no extra
     rule: its area cell equals its total, so both are primary-suppressed together.

  3. *Audit* (:func:`audit_sums`) against a reader who knows these rules: a withheld
     cell is >= 1 (zero is shown; secondary cells are non-zero first), a numerator is
     at most its denominator, all sums hold. A withheld value whose exact bounds leave a
     single value gets a further cell withheld; steps 1–3 repeat until none is left.

  4. *Exchange partners* (:func:`exchange_partners`) against a reader who replays the
     whole procedure over every world that fits the publication: every withheld
     non-zero area cell (small or not: a partner given to small values only would show
     where they are) needs another withheld cell of its Kommune with a different value
     whose exchange keeps numerators <= denominators; otherwise the first cell (keyed
     rank) that can be such a partner is withheld as well. If no single cell can be one
     (a share whose denominator is below the other numerators), the partner is a
     *whole Sozialraum*: the two exchange the variable and each numerator or
     denominator the exchange would push out of order (at most three variables), all
     withheld in both. A withheld non-zero Kommune total needs another withheld
     Kommune total with a different value whose exchange keeps the Kommune totals'
     numerators <= denominators. Then 1–4 repeat (if no partner can be made, nothing
     is added). The audit also knows that a Kommune's or the region's numerator total
     is at most its denominator total.

  *Keyed rank*: the order of secondary candidates is a hash of the cell's labels under
  a secret key (``geheimhaltung.schluessel``), never the value. With "smallest first"
  a reader knew that a secondary cell lies between the limit and the smallest
  published cell of its Kommune, which pinned cells down; a reader without the key
  cannot even tell which withheld cells are the small ones.

* **Year differences** (*Veränderungen*) are computed from published values only (a
  difference involving a suppressed value is itself suppressed), so they need no
  extra rule. Other tables (indicator numerators, downloads, figures) must take their
  flags from the same :func:`protect_counts` result and go through :func:`publish`.
* **Derived results** (z-scores, field indices, need, robustness) are computed from
  published values only (:func:`withhold_values`, used by :func:`analysis.method.core.run`):
  otherwise an index and the other indicators of an area give a withheld one back.

Counts that exist only per Kommune go through the same function with each Kommune as
its own single area (``sozialraum = ags``), so step 1 protects them against the
region total.

Variables that add up (``bev_gesamt = bev_u65 + bev_65plus``, declared in
``variablen.csv``, column ``summe_aus``) are protected across variables as well: pass
them as ``identities``; the rules and the audit are in :mod:`analysis.gate.disclosure_linked`.

Not covered: against a reader who replays the procedure, totals of Kommunen with
several areas and the region total are not guaranteed (no exchange of the same shape
exists in general; the partner rule above closes the known case, tests in
``tests/unit/test_disclosure_replay.py``); the guarantee is two possible values, not
an interval of a given width. A reader who
has the key (it must stay secret: with it, the order of the candidates tells which
withheld cells are small, and then e.g. two small cells 2 + 2 are determined); with
``limit`` 2 "small" means 1, so a reader who can tell that a withheld value is small
knows it. Bounds from "numerator <= denominator" are applied in one propagation step
(exact bounds within each tree of sums, not across variables).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Number

import numpy as np
import pandas as pd

from analysis.contract import schema as S
from analysis.gate._suppression import (  # noqa: F401 (re-exported)
    _COUNT_COLUMNS,
    _INTERNAL,
    _MAX_ROUNDS,
    DEFAULT_LIMIT,
    FLAG,
    FORCE_MUNI,
    FORCE_REGION,
    FORCED_ATTR,
    KEY_ATTR,
    LIMIT_ATTR,
    PRIMARY,
    REASON,
    SECONDARY,
    SUPPRESSED,
    _check_limit,
    _codes,
    _count_values,
    _Levels,
    _levels,
    _protect,
    _secret_hash,
    audit_sums,
    exchange_partners,
)
from analysis.gate.disclosure_linked import protect_linked


class DisclosureError(AssertionError):
    """A published table would show a value that disclosure control withholds."""


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------
def protect_counts(counts: pd.DataFrame, limit: int = DEFAULT_LIMIT,
                   identities: Sequence[tuple[str, Sequence[str]]] = (),
                   ratios: Sequence[tuple[str, str]] = (), key: str = "") -> pd.DataFrame:
    """Primary and secondary suppression of area counts (rules: module docstring).

    Parameters
    ----------
    counts : long counts with ``sozialraum``, ``ags``, ``jahr``, ``variable``,
        ``anzahl`` (integer >= 0); one row per area, year and variable; each area
        belongs to one ``ags``.
    limit : counts ``0 < x < limit`` are withheld (``geheimhaltung.mindestanzahl``).
    identities : ``(total, (part, …))`` pairs: per area and year, the count of
        ``total`` equals the sum of the parts. Pairs whose variables are not all in
        ``counts`` are ignored.
    ratios : ``(numerator, denominator)`` variable pairs of published rates; a reader
        knows numerator <= denominator, and the audit (:func:`audit_sums`) uses it.
    key : the secret that orders secondary candidates (``geheimhaltung.schluessel``).

    Returns
    -------
    A copy with ``gesperrt`` (bool) and ``sperrgrund`` (categorical: ``"primär"``,
    ``"sekundär"``, ``""``); ``attrs["limit"]`` carries ``limit`` for
    :func:`municipal_totals` and :func:`region_totals`.
    """
    return _protect_all(counts, limit, identities, ratios, key)[0]


def protect_with_totals(counts: pd.DataFrame, limit: int = DEFAULT_LIMIT,
                        identities: Sequence[tuple[str, Sequence[str]]] = (),
                        ratios: Sequence[tuple[str, str]] = (), key: str = ""
                        ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`protect_counts` plus, from the same pass, what :func:`municipal_totals`
    and :func:`region_totals` would return (saves recomputing them on large data)."""
    out, lv = _protect_all(counts, limit, identities, ratios, key)
    return out, _municipal_frame(lv, limit), _region_frame(lv, limit)


def _protect_all(counts: pd.DataFrame, limit: int,
                 identities: Sequence[tuple[str, Sequence[str]]],
                 ratios: Sequence[tuple[str, str]] = (), key: str = ""
                 ) -> tuple[pd.DataFrame, _Levels]:
    _check_limit(limit)
    x = _count_values(counts)
    counts = counts.copy(deep=False)
    counts.attrs[KEY_ATTR] = _secret_hash(key)
    present = set(counts[S.VARIABLE].unique()) if len(counts) else set()
    active = [(str(t), tuple(str(p) for p in ps)) for t, ps in identities
              if t in present and all(p in present for p in ps)]
    if active:
        return protect_linked(counts, x, limit, active, ratios)
    force_cell = force_muni = force_region = None
    lv = None
    for _ in range(_MAX_ROUNDS):
        out, lv, unmet = _protect(counts, x, limit, force_cell, force_muni, force_region, lv)
        if unmet.any():  # cannot happen: a published/secondary total is >= limit
            raise RuntimeError("Sekundärsperrung nicht erfüllbar (interner Fehler)")
        add_cell, add_muni, add_region = audit_sums(out, lv, x, limit, ratios)
        if not (add_cell.any() or add_muni.any() or add_region.any()):
            add_cell, add_muni = exchange_partners(out, lv, x, limit, ratios)
            if not (add_cell.any() or add_muni.any()):
                return out, lv
        n = len(counts)
        if add_muni.any() or add_region.any():
            lv = None  # the totals change: step 1 runs again
        force_cell = add_cell | (np.zeros(n, bool) if force_cell is None else force_cell)
        force_muni = add_muni | (np.zeros(n, bool) if force_muni is None else force_muni)
        force_region = add_region | (np.zeros(n, bool) if force_region is None else force_region)
    raise RuntimeError("Sekundärsperrung endet nicht (interner Fehler)")


def municipal_totals(protected: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Municipal totals (sum of the true area counts) with their suppression flag.

    ``gesperrt`` follows step 1 of the rules: ``0 < total < limit`` or needed so that
    the region total does not reveal a suppressed total. ``limit`` defaults to
    ``protected.attrs["limit"]`` (set by :func:`protect_counts`).

    Returns ``ags``, ``jahr``, ``variable``, ``anzahl``, ``gesperrt``, sorted.
    """
    limit = _carried_limit(protected, limit)
    return _municipal_frame(_levels(protected, _count_values(protected), limit), limit)


def _municipal_frame(lv: _Levels, limit: int) -> pd.DataFrame:
    out = lv.muni[[S.AGS, S.YEAR, S.VARIABLE, S.COUNT]].copy()
    out[FLAG] = lv.muni_reason > 0
    out.attrs[LIMIT_ATTR] = limit
    return out


def region_totals(protected: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Region totals (sum of all true area counts) per year and variable.

    ``gesperrt`` if ``0 < total < limit``; ``limit`` as in :func:`municipal_totals`.

    Returns ``jahr``, ``variable``, ``anzahl``, ``gesperrt``, sorted.
    """
    limit = _carried_limit(protected, limit)
    return _region_frame(_levels(protected, _count_values(protected), limit), limit)


def _region_frame(lv: _Levels, limit: int) -> pd.DataFrame:
    out = lv.region[[S.YEAR, S.VARIABLE, S.COUNT]].copy()
    out[FLAG] = lv.region_suppressed
    out.attrs[LIMIT_ATTR] = limit
    return out


def publish(values: pd.DataFrame, columns: list[str], suppressed: pd.Series | str
            ) -> pd.DataFrame:
    """The one gate for every published table: withheld cells become ``"•"``.

    Parameters
    ----------
    values : the table to publish.
    columns : columns whose cells are withheld in suppressed rows (counts, rates,
        interval bounds …); they become object dtype.
    suppressed : boolean Series aligned with ``values.index``, or the name of a
        boolean column of ``values`` (usually ``"gesperrt"``).

    Returns a copy; the internal columns (``sperrgrund`` would tell primary, i.e.
    small, from secondary cells) are dropped.
    """
    mask = values[suppressed] if isinstance(suppressed, str) else suppressed
    if not isinstance(mask, pd.Series) or not mask.index.equals(values.index):
        raise ValueError("suppressed muss eine zu values passende boolesche Spalte sein")
    if not pd.api.types.is_bool_dtype(mask.dtype) or mask.isna().any():
        raise ValueError("suppressed muss boolesch und ohne fehlende Werte sein")
    missing = [c for c in columns if c not in values.columns]
    if missing:
        raise KeyError(f"Spalten fehlen: {missing}")
    hide = mask.to_numpy(dtype=bool)
    out = values.drop(columns=_INTERNAL, errors="ignore").copy()
    for col in columns:
        cells = out[col].to_numpy(dtype=object, copy=True)
        cells[hide] = SUPPRESSED
        out[col] = pd.Series(cells, index=out.index, dtype=object)
    return out


def suppress_rates(rates: pd.DataFrame, protected_counts: pd.DataFrame, numerator_col: str,
                   denominator_col: str) -> pd.DataFrame:
    """Withhold a rate if its numerator or its denominator count is withheld.

    Parameters
    ----------
    rates : one rate per row, keyed by ``jahr`` plus ``sozialraum`` (area rates), else
        ``ags`` (municipal rates), else nothing (region rates).
    protected_counts : result of :func:`protect_counts`; municipal and region flags
        come from :func:`municipal_totals` / :func:`region_totals`.
    numerator_col, denominator_col : if a column of ``rates`` of that name exists, it
        holds the variable name per row; otherwise the string is the variable name.

    Returns a copy of ``rates`` with ``gesperrt`` (OR-ed with an existing one). A rate
    whose count is not found raises ``ValueError`` (nothing is published unchecked).
    """
    if S.AREA in rates.columns:
        keys, flags = [S.AREA, S.YEAR], protected_counts
    elif S.AGS in rates.columns:
        keys, flags = [S.AGS, S.YEAR], municipal_totals(protected_counts)
    else:
        keys, flags = [S.YEAR], region_totals(protected_counts)
    if S.YEAR not in rates.columns:
        raise ValueError("rates braucht die Spalte „jahr“")
    lookup = flags[[*keys, S.VARIABLE, FLAG]]
    hide = np.zeros(len(rates), dtype=bool)
    for col in (numerator_col, denominator_col):
        var = rates[col] if col in rates.columns else col
        probe = rates[keys].assign(**{S.VARIABLE: var}).reset_index(drop=True)
        hit = probe.merge(lookup, on=[*keys, S.VARIABLE], how="left", validate="many_to_one")
        if hit[FLAG].isna().any():
            first = hit[hit[FLAG].isna()].iloc[0].to_dict()
            raise ValueError(f"Keine geschützte Zahl für {first} gefunden")
        hide |= hit[FLAG].to_numpy(dtype=bool)
    out = rates.copy()
    if FLAG in out.columns:
        hide |= out[FLAG].to_numpy(dtype=bool)
    out[FLAG] = hide
    return out


def flag_indicators(rates: pd.DataFrame, catalogue: pd.DataFrame, protected: pd.DataFrame,
                    protected_municipal: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rates`` (rows per area, Kommune or region and year) with ``gesperrt``.

    A value is withheld if its numerator or denominator count is (as
    :func:`suppress_rates`). Indicators of ``ebene = kommune`` take their flags from
    ``protected_municipal`` (counts that exist only per Kommune, protected with each
    Kommune as its own area); all others from ``protected``.
    """
    if S.AREA in rates.columns:
        flags, flags_m = protected, None
    else:
        totals = municipal_totals if S.AGS in rates.columns else region_totals
        flags = totals(protected)
        flags_m = None if protected_municipal is None else totals(protected_municipal)
    out = rates.copy()
    out[FLAG] = withheld_mask(rates, catalogue, flags, flags_m)
    return out


def withhold_values(rates: pd.DataFrame, catalogue: pd.DataFrame, flags: pd.DataFrame,
                    flags_municipal_only: pd.DataFrame | None = None) -> pd.DataFrame:
    """``rates`` with every withheld value, count and interval set to missing.

    Input for everything that is computed *from* indicator values and then published
    (z-scores, field indices, need, robustness): computed from published values only,
    it cannot give a withheld value back. ``flags`` are the count flags at the level of
    ``rates``: :func:`protect_counts` for area rows, :func:`municipal_totals` for
    Kommune rows, :func:`region_totals` for region rows; ``flags_municipal_only`` the
    same for the counts that exist only per Kommune. Same result as
    :func:`flag_indicators`, vectorised for millions of rows; order and index kept.
    """
    hide = withheld_mask(rates, catalogue, flags, flags_municipal_only)
    out = rates.copy(deep=False)  # new arrays for the masked columns, no full copy
    for col in (S.VALUE, S.NUMERATOR, S.DENOMINATOR, S.LOWER, S.UPPER):
        if col in out.columns:
            out[col] = np.where(hide, np.nan, rates[col].to_numpy(dtype=float))
    return out


def withheld_mask(rates: pd.DataFrame, catalogue: pd.DataFrame, flags: pd.DataFrame,
                  flags_municipal_only: pd.DataFrame | None = None) -> np.ndarray:
    """Rows of ``rates`` whose numerator or denominator count is withheld (flags as in
    :func:`withhold_values`). A count that is not found counts as withheld."""
    cat = catalogue.set_index(S.INDICATOR)
    ind_codes, ind_uniq = _codes(rates[S.INDICATOR])
    ind_uniq = pd.Index(np.asarray(ind_uniq, dtype=object))
    unknown = ~ind_uniq.isin(cat.index)
    if unknown.any():
        raise ValueError(f"Indikator nicht im Katalog: {ind_uniq[unknown][0]!r}")
    key = S.AREA if S.AREA in rates.columns else S.AGS if S.AGS in rates.columns else None
    dims = ([key] if key else []) + [S.YEAR]
    tables = [(flags, None)]
    if key != S.AREA and flags_municipal_only is not None:
        muni_only = ind_uniq.isin(cat.index[cat[S.LEVEL] == S.LEVEL_MUNICIPALITY])
        if muni_only.any():
            rows = muni_only[ind_codes]
            tables = [(flags, ~rows), (flags_municipal_only, rows)]
    row_codes = [_codes(rates[d]) for d in dims]
    hide = np.zeros(len(rates), dtype=bool)
    for table, rows in tables:
        cube, index = _cube(table, [*dims, S.VARIABLE])
        pos = [_positions(i, c, u) for i, (c, u) in zip(index[:-1], row_codes, strict=True)]
        for col in (S.NUMERATOR, S.DENOMINATOR):
            var = _positions(index[-1], ind_codes, cat.loc[ind_uniq, col].to_numpy())
            hit = cube[(*pos, var)]
            hide |= hit if rows is None else (hit & rows)
    if FLAG in rates.columns:
        hide |= rates[FLAG].to_numpy(dtype=bool)
    return hide


def _positions(index: pd.Index, codes: np.ndarray, uniques) -> np.ndarray:
    """Position in ``index`` of every row given as ``pd.factorize`` codes/uniques;
    ``len(index)`` (the cube's "not found" slot) where it is missing."""
    where = index.get_indexer(np.asarray(uniques, dtype=object))
    where[where < 0] = len(index)
    return np.where(codes < 0, len(index), where[codes])


def _cube(flags: pd.DataFrame, dims: list[str]) -> tuple[np.ndarray, list[pd.Index]]:
    """The ``gesperrt`` flags as a dense boolean cube over ``dims`` (plus one slot per
    dimension, set to withheld, for keys that are not there)."""
    codes, index = [], []
    for d in dims:
        c, u = _codes(flags[d])
        codes.append(c)
        index.append(pd.Index(np.asarray(u, dtype=object)))
    cube = np.zeros([len(i) + 1 for i in index], dtype=bool)
    cube[tuple(codes)] = flags[FLAG].to_numpy(dtype=bool)
    for i in index:
        cube[tuple(len(j) if j is i else slice(None) for j in index)] = True
    return cube, index


def assert_no_small_counts(table: pd.DataFrame, limit: int,
                           columns: Sequence[str] | None = None) -> None:
    """Raise :class:`DisclosureError` if a published count cell is ``0 < x < limit``.

    ``columns`` defaults to those of ``anzahl``, ``zaehler``, ``nenner`` present.
    Cells may be numbers, ``"•"`` or German-formatted numbers (``"1.234"``).
    """
    cols = [c for c in _COUNT_COLUMNS if c in table.columns] if columns is None else columns
    bad = []
    for col in cols:
        vals = np.array([_as_number(v) for v in table[col].tolist()], dtype=float)
        for pos in np.flatnonzero((vals > 0) & (vals < limit))[:5]:
            bad.append(f"Zeile {table.index[pos]!r}, Spalte „{col}“: {table[col].iloc[pos]!r}")
    if bad:
        raise DisclosureError(f"Kleine Fallzahlen (< {limit}) veröffentlicht: " + "; ".join(bad))


def _carried_limit(protected: pd.DataFrame, limit: int | None) -> int:
    carried = protected.attrs.get(LIMIT_ATTR)
    if limit is None:
        limit = carried
    if limit is None:
        raise ValueError("Kein limit: erst protect_counts aufrufen oder limit angeben")
    if carried is not None and carried != limit:
        raise ValueError(f"limit {limit} widerspricht dem Schutz mit limit {carried}")
    _check_limit(limit)
    return int(limit)


def _as_number(v: object) -> float:
    """A published cell as number; NaN for marks, text and missing values."""
    if isinstance(v, bool) or v is None:
        return np.nan
    if isinstance(v, Number):
        return float(v)  # NaN stays NaN
    if isinstance(v, str):
        t = v.strip().replace(".", "").replace("\u00a0", "").replace("\u202f", "")
        t = t.replace(" ", "").replace(",", ".").replace("\u2212", "-")
        try:
            return float(t)
        except ValueError:
            return np.nan
    return np.nan
