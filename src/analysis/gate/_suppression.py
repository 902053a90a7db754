"""Internals of disclosure control shared by :mod:`analysis.gate.disclosure` and
:mod:`analysis.gate.disclosure_linked` (the rules are described in the docstring of
:mod:`analysis.gate.disclosure`). Private: import the public names from there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.contract import schema as S

SUPPRESSED = "•"  # the one mark of a withheld value (shown via analysis.gate.published)
FLAG = "gesperrt"  # boolean column: value is withheld
REASON = "sperrgrund"  # "primär" / "sekundär" / "" (internal, never published)
PRIMARY = "primär"
SECONDARY = "sekundär"
DEFAULT_LIMIT = 3
_MAX_ROUNDS = 10_000
LIMIT_ATTR = "limit"  # key in DataFrame.attrs that carries the limit
# internal, never published: the Kommune / region total of this row's (jahr, variable)
# is withheld to protect an identity between variables (analysis.gate.disclosure_linked)
FORCE_MUNI = "_sperre_kommune"
FORCE_REGION = "_sperre_region"
_INTERNAL = [REASON, FORCE_MUNI, FORCE_REGION]
KEY_ATTR = "rank_key"  # key in DataFrame.attrs: hash of the secret that orders candidates
FORCED_ATTR = "forced_totals"  # attrs: totals were withheld by force (internal columns)

_REASONS = ["", PRIMARY, SECONDARY]
_COUNT_COLUMNS = (S.COUNT, S.NUMERATOR, S.DENOMINATOR)


def _protect(counts: pd.DataFrame, x: np.ndarray, limit: int,
             force_cell: np.ndarray | None = None, force_muni: np.ndarray | None = None,
             force_region: np.ndarray | None = None, lv: _Levels | None = None
             ) -> tuple[pd.DataFrame, _Levels, np.ndarray]:
    """The rules of the module docstring, with optional further cells to withhold.

    ``force_*`` are row-aligned masks: withhold this area cell / the Kommune total /
    the region total of this row's ``(jahr, variable)``. Returns the protected frame
    (with the ``force_muni``/``force_region`` masks as internal columns if given), the
    totals and, per Kommune group, whether the area rule could not be met. ``lv``: the
    totals of an earlier round with the same ``force_muni``/``force_region`` (step 1
    depends on nothing else), to save recomputing them.
    """
    if lv is None:
        lv = _levels(counts, x, limit, force_muni, force_region)
    primary = (x > 0) & (x < limit)
    start = primary if force_cell is None else primary | force_cell

    # per Kommune: how many suppressed area cells, with which sum, are needed
    published = lv.muni_reason == 0
    has_locked = np.bincount(lv.row_group, weights=start, minlength=lv.n_groups) > 0
    secondary = (lv.muni_reason == 2) & (lv.muni[S.COUNT].to_numpy() > 0)
    need_count = np.select([published & has_locked, secondary], [2, 1], 0)
    need_sum = np.where(need_count > 0, limit, 0)
    locked, unmet = _fill_groups(lv.row_group, x, lv.ranker.rows, start, need_count, need_sum)

    internal = [c for c in _INTERNAL if c in counts.columns]
    out = counts.drop(columns=internal) if internal else counts.copy(deep=False)
    out[FLAG] = locked
    codes = np.where(primary, 1, np.where(locked, 2, 0))
    out[REASON] = pd.Categorical.from_codes(codes, categories=_REASONS)
    if force_muni is not None or force_region is not None:
        out[FORCE_MUNI] = np.zeros(len(out), bool) if force_muni is None else force_muni.copy()
        out[FORCE_REGION] = (np.zeros(len(out), bool) if force_region is None
                             else force_region.copy())
    out.attrs[LIMIT_ATTR] = limit
    out.attrs[KEY_ATTR] = lv.ranker.secret
    out.attrs[FORCED_ATTR] = force_muni is not None or force_region is not None
    return out, lv, unmet


def _codes(col: pd.Series, sort: bool = False) -> tuple[np.ndarray, object]:
    """Integer codes and uniques of a key column, like ``pd.factorize`` (``sort``: in
    the order ``pd.factorize(sort=True)`` gives), but without hashing millions of
    values for categoricals and for integers of a small range (years). The uniques may
    then include values that do not occur."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(dtype=np.int64), col.cat.categories
    if pd.api.types.is_integer_dtype(col.dtype) and len(col):
        v = col.to_numpy(dtype=np.int64)
        lo, hi = int(v.min()), int(v.max())
        if hi - lo < 100_000:
            return v - lo, np.arange(lo, hi + 1)
    return pd.factorize(col, sort=sort)


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------
@dataclass
class _Levels:
    """Municipal and region totals of one counts frame with their suppression."""

    ranker: _Ranker  # keyed ranks of rows and Kommune groups (order of candidates)
    row_group: np.ndarray  # per row: index into muni
    n_groups: int
    muni: pd.DataFrame  # ags, jahr, variable, anzahl (sorted)
    muni_reason: np.ndarray  # 0 published, 1 primary, 2 secondary
    region: pd.DataFrame  # jahr, variable, anzahl (sorted)
    region_suppressed: np.ndarray
    muni_region: np.ndarray  # per muni row: index into region
    row_codes: tuple[np.ndarray, np.ndarray, np.ndarray]  # per row: area, year, variable
    shape: tuple[int, int, int]  # number of areas, years, variables
    cache: dict = field(default_factory=dict)  # derived arrays, reused across rounds

    def cell_index(self) -> np.ndarray:
        """Row of every (area, year, variable) in a dense array (``-1``: no such row)."""
        if "index" not in self.cache:
            area_c, year_c, var_c = self.row_codes
            n_area, n_year, n_var = self.shape
            index = np.full(n_area * n_year * n_var, -1, dtype=np.int64)
            index[(area_c * n_year + year_c) * n_var + var_c] = np.arange(len(area_c))
            self.cache["index"] = index
        return self.cache["index"]


def _levels(counts: pd.DataFrame, x: np.ndarray, limit: int,
            force_muni: np.ndarray | None = None, force_region: np.ndarray | None = None
            ) -> _Levels:
    """Step 1 of the rules: totals and their suppression (depends on totals only).

    ``force_muni``/``force_region`` (row-aligned) withhold further totals; by default
    they are read from the internal columns a linked protection leaves in ``counts``.
    """
    if counts.attrs.get(FORCED_ATTR) and not {FORCE_MUNI, FORCE_REGION} <= set(counts.columns):
        raise ValueError("Interne Sperrspalten fehlen: Summen nur aus dem vollständigen "
                         "Ergebnis von protect_counts berechnen")
    if force_muni is None and FORCE_MUNI in counts.columns:
        force_muni = counts[FORCE_MUNI].to_numpy(dtype=bool)
    if force_region is None and FORCE_REGION in counts.columns:
        force_region = counts[FORCE_REGION].to_numpy(dtype=bool)
    missing = [c for c in (S.AREA, S.AGS, S.YEAR, S.VARIABLE) if c not in counts.columns]
    if missing:
        raise ValueError(f"Spalten fehlen: {missing}")
    codes, uniques = [], []
    for col in (S.AREA, S.AGS, S.YEAR, S.VARIABLE):
        c, u = _codes(counts[col], sort=True)
        if (c < 0).any():
            raise ValueError(f"Fehlende Werte in Spalte „{col}“")
        codes.append(c.astype(np.int64))
        uniques.append(u)
    area_c, ags_c, year_c, var_c = codes
    n_area, n_ags, n_year, n_var = (len(u) for u in uniques)
    _check_keys(area_c, ags_c, year_c, var_c, n_area, n_year, n_var)
    if KEY_ATTR not in counts.attrs:
        raise ValueError("Kein Schlüssel der Sperrreihenfolge: erst protect_counts aufrufen")

    yv = year_c * n_var + var_c
    row_group, muni_key = pd.factorize(ags_c * (n_year * n_var) + yv, sort=True)
    n_groups = len(muni_key)
    m_total = _sum(row_group, x, n_groups)
    m_ags, m_yv = np.divmod(muni_key, n_year * n_var)
    m_region, region_key = pd.factorize(m_yv, sort=True)
    r_total = _sum(m_region, m_total, len(region_key))

    n_region = len(region_key)
    r_small = (r_total > 0) & (r_total < limit)
    r_forced = np.zeros(n_region, dtype=bool)
    if force_region is not None:
        r_forced = np.bincount(m_region[row_group], weights=force_region, minlength=n_region) > 0
    r_suppressed = r_small | r_forced
    m_primary = (m_total > 0) & (m_total < limit)
    m_start = m_primary
    if force_muni is not None:
        m_start = m_primary | (np.bincount(row_group, weights=force_muni, minlength=n_groups) > 0)
    any_locked = np.bincount(m_region, weights=m_start, minlength=n_region) > 0
    # a published region total needs >= 2 withheld Kommunen (sum >= limit) or none; a
    # region total withheld only to protect an identity needs one withheld Kommune
    need_count = np.select([~r_suppressed & any_locked, r_forced & ~r_small & (r_total > 0)],
                           [2, 1], 0)
    need_sum = np.where(need_count > 0, limit, 0)
    ranker = _Ranker(int(counts.attrs[KEY_ATTR]), codes, uniques, m_ags, m_yv, n_var)
    m_locked, unmet = _fill_groups(m_region, m_total, ranker.munis, m_start, need_count,
                                   need_sum)
    r_suppressed = r_suppressed | unmet  # defensive: cannot happen with >= 1 Kommune

    muni = pd.DataFrame({
        S.AGS: uniques[1].take(m_ags),
        S.YEAR: uniques[2].take(m_yv // n_var),
        S.VARIABLE: uniques[3].take(m_yv % n_var),
        S.COUNT: m_total,
    })
    region = pd.DataFrame({
        S.YEAR: uniques[2].take(region_key // n_var),
        S.VARIABLE: uniques[3].take(region_key % n_var),
        S.COUNT: r_total,
    })
    reason = np.where(m_primary, 1, np.where(m_locked, 2, 0))
    return _Levels(ranker, row_group, n_groups, muni, reason, region, r_suppressed,
                   m_region, (area_c, year_c, var_c), (n_area, n_year, n_var))


# ---------------------------------------------------------------------------
# Audit against a reader who knows the rules
# ---------------------------------------------------------------------------
def audit_sums(out: pd.DataFrame, lv: _Levels, x: np.ndarray, limit: int,
               ratios: Sequence[tuple[str, str]] = ()
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which further cells to withhold so that no withheld value is pinned down.

    Models a reader who has every published value and knows the rules:

    * counts are integers ``>= 0``; the areas of a Kommune add up to its total, the
      Kommunen to the region; a numerator is at most its denominator (``ratios``:
      ``(numerator variable, denominator variable)`` of the same Sozialraum and year),
      and so is the numerator's total of a Kommune or the region;
    * a withheld cell is ``>= 1`` (zero is shown, secondary cells are taken non-zero
      first) unless a zero was withheld in its Kommune; a withheld region total that is
      small is below ``limit``;
    * under a published total, at least one withheld member is small (``< limit``):
      that is why anything was withheld there (applied where it is true);
    * a Kommune withheld as secondary (its total provably ``>= limit``) has withheld
      cells that add up to at least ``limit``.

    The choice of secondary cells follows a keyed rank and tells nothing about values.
    Bounds are propagated through these constraints until they no longer change (per
    ``(jahr, variable)`` the sums form a tree, for which each step is exact). A
    withheld non-zero value whose interval is shorter than 1 – a single value – gets a
    further cell withheld: another Sozialraum of its Kommune (a zero cell if no other is
    left), else the Kommune total; for a Kommune total another Kommune, else the region
    total. Returns row-aligned masks (cells, Kommune totals, region totals of that row's
    ``(jahr, variable)``).
    """
    inf = np.inf
    n = len(out)
    nr = len(lv.region)
    hid_all = out[FLAG].to_numpy(dtype=bool)
    m_hid_all = lv.muni_reason > 0
    r_hid = lv.region_suppressed
    # only the trees (one per jahr, variable) with something withheld need a look
    region_of_row = lv.muni_region[lv.row_group]
    busy = (np.bincount(region_of_row, weights=hid_all, minlength=nr) > 0) | r_hid | (
        np.bincount(lv.muni_region, weights=m_hid_all, minlength=nr) > 0)
    add_cell = np.zeros(n, bool)
    add_muni_row = np.zeros(n, bool)
    add_region_row = np.zeros(n, bool)
    if not busy.any():
        return add_cell, add_muni_row, add_region_row
    rows = np.flatnonzero(busy[region_of_row])
    munis = np.flatnonzero(busy[lv.muni_region])
    regions = np.flatnonzero(busy)
    # local numbering of the Kommune groups and regions involved
    g = np.searchsorted(munis, lv.row_group[rows])
    r = np.searchsorted(regions, lv.muni_region[munis])
    ng, nr = len(munis), len(regions)
    x_all = x
    x = x_all[rows]
    hid = hid_all[rows]
    xf = x.astype(float)
    small = (x > 0) & (x < limit)
    zero_hidden = np.bincount(g, weights=hid & (x == 0), minlength=ng) > 0
    low = np.where(hid, np.where(zero_hidden[g], 0.0, 1.0), xf)
    up = np.where(hid, inf, xf)
    pairs = np.empty((0, 2), dtype=np.int64)
    if ratios:
        pairs = _ratio_bounds(out, lv, hid_all, x_all, rows, low, up, ratios)

    pub = np.bincount(g, weights=np.where(hid, 0.0, xf), minlength=ng)
    total = lv.muni[S.COUNT].to_numpy(dtype=float)[munis]
    m_hid = m_hid_all[munis]
    m_small = (total > 0) & (total < limit)
    t_low = np.where(m_hid, np.where(total > 0, 1.0, 0.0), total)
    t_up = np.where(m_hid, inf, total)
    r_total = lv.region[S.COUNT].to_numpy(dtype=float)[regions]
    rh = r_hid[regions]
    r_low = np.where(rh, np.where(r_total > 0, 1.0, 0.0), r_total)
    r_up = np.where(rh, np.where(r_total < limit, limit - 1.0, inf), r_total)
    # "at least one withheld member is small", where that is true
    cell_disj = (~m_hid) & (np.bincount(g, weights=hid & small, minlength=ng) > 0)
    muni_disj = (~rh) & (np.bincount(r, weights=m_hid & m_small, minlength=nr) > 0)
    secondary_muni = m_hid & (lv.muni_reason[munis] == 2) & (total > 0)
    # numerator <= denominator also for the Kommune and region totals (global indices;
    # totals outside the trees looked at are published)
    none = (np.empty(0, np.int64), np.empty(0, np.int64))
    (mp_num, mp_den), (rp_num, rp_den) = _total_pairs(lv, ratios) if ratios else (none, none)
    m_local = np.full(len(lv.muni), -1, dtype=np.int64)
    m_local[munis] = np.arange(ng)
    r_local = np.full(len(lv.region), -1, dtype=np.int64)
    r_local[regions] = np.arange(nr)
    m_glob = lv.muni[S.COUNT].to_numpy(dtype=float)
    r_glob = lv.region[S.COUNT].to_numpy(dtype=float)

    r_up_prev = r_up
    for _ in range(50):
        lsum = np.bincount(g, weights=np.where(hid, low, 0.0), minlength=ng)
        u_inf = np.bincount(g, weights=hid & np.isinf(up), minlength=ng)
        u_fin = np.bincount(g, weights=np.where(hid & np.isfinite(up), up, 0.0), minlength=ng)
        usum = np.where(u_inf > 0, inf, u_fin)
        a = np.maximum(t_low - pub, lsum)  # interval of the sum of the withheld cells
        b = np.minimum(t_up - pub, usum)
        # a Kommune known to be withheld as secondary withholds cells worth >= limit
        a = np.where(secondary_muni & (t_low >= limit), np.maximum(a, float(limit)), a)
        known = np.bincount(r, weights=np.where(m_hid, pub, total), minlength=nr)
        g_lo, g_hi = r_low - known, r_up - known
        a_sum = np.bincount(r, weights=np.where(m_hid, a, 0.0), minlength=nr)
        b_inf = np.bincount(r, weights=m_hid & np.isinf(b), minlength=nr)
        b_fin = np.bincount(r, weights=np.where(m_hid & np.isfinite(b), b, 0.0), minlength=nr)
        alpha = np.where(m_hid, np.maximum(a, g_lo[r] - _others(b_fin[r], b_inf[r], b)), a)
        beta = np.where(m_hid, np.minimum(b, g_hi[r] - (a_sum[r] - a)), b)
        u_others = _others(u_fin[g], u_inf[g], up)
        lo = np.where(hid, np.maximum(low, alpha[g] - u_others), low)
        hi = np.where(hid, np.minimum(up, beta[g] - (lsum[g] - low)), up)
        t_lo = np.where(m_hid, np.maximum(t_low, pub + alpha), t_low)
        t_hi = np.where(m_hid, np.minimum(t_up, pub + beta), t_up)
        rg_lo = np.maximum(r_low, known + np.bincount(r, weights=np.where(m_hid, alpha, 0.0),
                                                      minlength=nr))
        # cross-variable: numerator <= denominator where both are withheld
        if len(pairs):
            hi[pairs[:, 0]] = np.minimum(hi[pairs[:, 0]], hi[pairs[:, 1]])
            lo[pairs[:, 1]] = np.maximum(lo[pairs[:, 1]], lo[pairs[:, 0]])
        if len(mp_num):
            t_lo, t_hi = _order_pairs(t_lo, t_hi, m_glob, m_local, munis, mp_num, mp_den)
        if len(rp_num):
            rg_lo, r_up = _order_pairs(rg_lo, r_up, r_glob, r_local, regions, rp_num, rp_den)
        # the one withheld member that can still be small must be small
        hi = _cap_last_small(g, hid & (lo < limit) & (hi >= 1), cell_disj, hi, limit, ng)
        t_hi = _cap_last_small(r, m_hid & (t_lo < limit) & (t_hi >= 1), muni_disj, t_hi,
                               limit, nr)
        changed = not (np.array_equal(lo, low) and np.array_equal(hi, up)
                       and np.array_equal(t_lo, t_low) and np.array_equal(t_hi, t_up)
                       and np.array_equal(rg_lo, r_low) and np.array_equal(r_up, r_up_prev))
        low, up, t_low, t_up, r_low, r_up_prev = lo, hi, t_lo, t_hi, rg_lo, r_up
        if not changed:
            break

    pinned_cell = hid & (x > 0) & (up - low < 1 - 1e-9)
    pinned_muni = m_hid & (total > 0) & (t_up - t_low < 1 - 1e-9)
    add_group = np.zeros(ng, bool)
    add_reg = np.zeros(nr, bool)
    if pinned_cell.any():
        groups = np.unique(g[pinned_cell])
        rank = lambda i: lv.ranker.rows(rows[i])  # noqa: E731
        pick = _first_by_rank(g, rank, ~hid & (x > 0), groups, ng)
        # no non-zero cell left: a withheld zero lifts the reader's "each >= 1"
        zero = _first_by_rank(g, rank, ~hid & (x == 0), groups, ng)
        pick = np.where(pick >= 0, pick, zero)
        add_cell[rows[pick[pick >= 0]]] = True
        add_group[groups[pick < 0]] = True  # no cell left: withhold the Kommune total
    if pinned_muni.any():
        regs = np.unique(r[pinned_muni])
        pick = _first_by_rank(r, lambda i: lv.ranker.munis(munis[i]), ~m_hid & (total > 0),
                              regs, nr)
        add_group[pick[pick >= 0]] = True
        add_reg[regs[pick < 0]] = True
    add_group &= ~m_hid
    add_reg &= ~rh
    add_muni_row[rows] = add_group[g]
    add_region_row[rows] = add_reg[r[g]]
    return add_cell, add_muni_row, add_region_row


# ---------------------------------------------------------------------------
# Exchange partners: protection against a reader who replays the rules
# ---------------------------------------------------------------------------
def exchange_partners(out: pd.DataFrame, lv: _Levels, x: np.ndarray, limit: int,
                      ratios: Sequence[tuple[str, str]] = ()
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Further cells so that every withheld value has an *exchange partner*.

    The procedure treats the Sozialräume of one Kommune alike except for their keyed
    rank. Exchange the values of two withheld cells of one Kommune (same year and
    variable) and their ranks: the procedure runs as a mirror image and publishes
    exactly the same – and without the key every order of ranks is as likely as any
    other. So a reader who replays the published rules over every possible world cannot
    tell the true world from the exchanged one. A withheld value therefore keeps at least
    two possible values if another withheld cell of its Kommune has a different value –
    its *partner* – and the exchanged world is a valid one: a numerator stays at most
    its denominator (``ratios``, same Sozialraum and year).

    Every withheld non-zero value needs a partner, not only the small ones: a rule for
    small values only would show, by the partner it adds (e.g. a withheld zero), which
    Kommune holds a small value, and so pin Kommune totals.

    If no single cell can be the partner (a share whose denominator is below the other
    numerator), the partner is a *whole Sozialraum*: the two Sozialräume exchange the
    values of the variable and of every numerator or denominator that the exchange
    would otherwise push out of order; all these cells are withheld in both. The same
    holds for a withheld Kommune total and another withheld Kommune total of the region
    (exactly so for Kommunen with one Sozialraum, such as the counts that exist only per
    Kommune), with numerator <= denominator checked on the Kommune totals.

    Returns row-aligned masks: area cells to withhold next (per Kommune without a
    partner: the first cell by keyed rank among those with a different value whose
    exchange is valid, non-zero first; else the cells of the whole-Sozialraum exchange
    that needs the fewest new cells, then by keyed rank; if none, nothing – the audit's
    protection remains), and Kommune totals to withhold (the first other non-zero
    Kommune total by keyed rank with a different value whose exchange is valid, else
    with a different value, else any other non-zero one).
    """
    n = len(out)
    add_cell = np.zeros(n, bool)
    add_muni = np.zeros(n, bool)
    hid = out[FLAG].to_numpy(dtype=bool)
    need = hid & (x > 0)
    group = lv.row_group
    if need.any():
        busy = np.zeros(lv.n_groups, bool)
        busy[group[need]] = True
        cap, floor = _ratio_partner_values(out, lv, x, ratios, busy[group])
        # every withheld non-zero cell against every withheld cell of its group
        p_rows, q_rows = _pairs_in_groups(np.flatnonzero(need), np.flatnonzero(hid & busy[group]),
                                          group)
        ok = (q_rows != p_rows) & (x[q_rows] != x[p_rows]) & _valid_exchange(
            p_rows, q_rows, x, cap, floor)
        has = np.zeros(n, bool)
        has[p_rows[ok]] = True
        lacking = np.flatnonzero(need & ~has)
        areas = _AreaSwaps(lv, x, hid, ratios, lacking) if lacking.size and ratios else None
        if areas is not None:  # a whole-Sozialraum partner that is already withheld
            lacking = lacking[[areas.best(int(p), free_only=True)[0] != 0 for p in lacking]]
        if lacking.size:
            # per group: the lacking cell with the smallest keyed rank decides the partner
            order = np.lexsort((lv.ranker.rows(lacking), group[lacking]))
            lacking = lacking[order]
            first = np.r_[True, group[lacking][1:] != group[lacking][:-1]]
            lead = lacking[first]
            need_g = np.zeros(lv.n_groups, bool)
            need_g[group[lead]] = True
            p_c, c = _pairs_in_groups(lead, np.flatnonzero(~hid & need_g[group]), group)
            # only a cell that can be the partner helps: different value, valid exchange
            fits = (x[c] != x[p_c]) & _valid_exchange(p_c, c, x, cap, floor)
            p_c, c = p_c[fits], c[fits]
            tier = (x[c] == 0).astype(np.int64)
            served = np.zeros(lv.n_groups, bool)
            if c.size:
                order = np.lexsort((lv.ranker.rows(c), tier, group[c]))
                c = c[order]
                pick = c[np.r_[True, group[c][1:] != group[c][:-1]]]
                add_cell[pick] = True
                served[group[pick]] = True
            if areas is not None:
                for p in lead[~served[group[lead]]]:
                    cost, cells = areas.best(int(p))
                    if cost is not None:
                        add_cell[cells] = True
            # no partner can be made: left to the audit (README "Disclosure control")
    add_muni[:] = _muni_partners(lv, ratios)[group]
    return add_cell, add_muni


def _muni_partners(lv: _Levels, ratios: Sequence[tuple[str, str]]) -> np.ndarray:
    """Per Kommune total: withhold it as the exchange partner of another withheld total
    of its region (rule of :func:`exchange_partners`)."""
    m_hid = lv.muni_reason > 0
    total = lv.muni[S.COUNT].to_numpy()
    need = m_hid & (total > 0)
    add = np.zeros(len(total), bool)
    if not need.any():
        return add
    cap, floor = _muni_ratio_values(lv, ratios)
    reg = lv.muni_region
    order = np.argsort(reg, kind="stable")
    bounds = np.searchsorted(reg[order], np.unique(reg[need]), side="left")
    ends = np.searchsorted(reg[order], np.unique(reg[need]), side="right")
    for lo, hi in zip(bounds, ends, strict=True):
        members = order[lo:hi]
        hidden = members[m_hid[members]]

        def partner(m: int, pool: np.ndarray) -> np.ndarray:
            other = pool[(pool != m) & (total[pool] != total[m])]
            return other[(total[other] <= cap[m]) & (total[m] <= cap[other])
                         & (total[other] >= floor[m]) & (total[m] >= floor[other])]

        lacking = [m for m in hidden[need[hidden]] if not partner(m, hidden).size]
        if not lacking:
            continue
        lead = lacking[int(np.argmin(lv.ranker.munis(np.array(lacking))))]
        free = members[~m_hid[members] & (total[members] > 0)]
        for pick in (partner(lead, free), free[total[free] != total[lead]], free):
            if pick.size:
                add[pick[np.argmin(lv.ranker.munis(pick))]] = True
                break
    return add


def _muni_ratio_values(lv: _Levels, ratios: Sequence[tuple[str, str]]
                       ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_ratio_partner_values` for the Kommune totals (sums of numerators are at
    most the sums of their denominators)."""
    total = lv.muni[S.COUNT].to_numpy()
    nm = len(total)
    cap = np.full(nm, np.iinfo(np.int64).max, dtype=np.int64)
    floor = np.zeros(nm, dtype=np.int64)
    if not ratios or not nm:
        return cap, floor
    num, den = _total_pairs(lv, ratios)[0]
    np.minimum.at(cap, num, total[den])
    np.maximum.at(floor, den, total[num])
    return cap, floor


def _total_pairs(lv: _Levels, ratios: Sequence[tuple[str, str]]
                 ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """``(numerator, denominator)`` index pairs of the Kommune totals (indices into
    ``lv.muni``) and of the region totals (into ``lv.region``) of every ratio: a reader
    knows a sum of numerators is at most the sum of their denominators."""
    m_ags, m_yv, n_var = lv.ranker.muni_codes
    r_yv = np.zeros(len(lv.region), dtype=np.int64)
    r_yv[lv.muni_region] = m_yv
    pos = {str(v): i for i, v in enumerate(lv.ranker.variables)}
    out = []
    for code in (m_ags * (lv.shape[1] * n_var) + m_yv, r_yv):
        var = code % n_var
        key = pd.Index(code)
        nums, dens = [], []
        for a, b in ratios:
            if a not in pos or b not in pos:
                continue
            at = np.flatnonzero(var == pos[a])
            j = key.get_indexer(code[at] - pos[a] + pos[b])
            nums.append(at[j >= 0])
            dens.append(j[j >= 0])
        empty = np.empty(0, dtype=np.int64)
        out.append((np.concatenate(nums) if nums else empty, np.concatenate(dens) if dens else empty))
    return out[0], out[1]


_MAX_SWAP = 3  # most variables one whole-Sozialraum exchange may withhold


class _AreaSwaps:
    """Exchanges of whole Sozialräume for :func:`exchange_partners` (few cells: built
    only when a cell has no single partner, loops in Python)."""

    def __init__(self, lv: _Levels, x: np.ndarray, hid: np.ndarray,
                 ratios: Sequence[tuple[str, str]], cells: np.ndarray) -> None:
        self.lv, self.x, self.hid = lv, x, hid
        area_c, year_c, var_c = lv.row_codes
        _, n_year, n_var = lv.shape
        self.n_var = n_var
        pos = {str(v): i for i, v in enumerate(lv.ranker.variables)}
        self.links: dict[int, list[tuple[int, bool]]] = {}  # var -> (other var, var is numerator)
        for num, den in ratios:
            if num in pos and den in pos:
                self.links.setdefault(pos[num], []).append((pos[den], True))
                self.links.setdefault(pos[den], []).append((pos[num], False))
        # only the Kommunen (same year) of the cells that look for a partner
        wanted = np.zeros(lv.n_groups, bool)
        wanted[lv.row_group[cells]] = True
        kommune_year = lv.ranker.muni_codes[0][lv.row_group] * n_year + year_c
        rows = np.flatnonzero(np.isin(kommune_year, np.unique(kommune_year[cells])))
        self.cell = np.full(len(x), -1, dtype=np.int64)
        self.cell[rows] = area_c[rows] * n_year + year_c[rows]
        self.index = dict(zip((self.cell[rows] * n_var + var_c[rows]).tolist(), rows.tolist(),
                              strict=True))
        members = rows[wanted[lv.row_group[rows]]]
        self.order = members[np.argsort(lv.row_group[members], kind="stable")]
        self.starts = np.searchsorted(lv.row_group[self.order], np.arange(lv.n_groups + 1))

    def _row(self, cell: int, var: int) -> int:
        return self.index.get(cell * self.n_var + var, -1)

    def _value(self, cell: int, var: int) -> int | None:
        r = self.index.get(cell * self.n_var + var, -1)
        return None if r < 0 else int(self.x[r])

    def swap_set(self, a: int, b: int, var: int) -> set[int] | None:
        """Variables to exchange between cells ``a`` and ``b`` (area × year) with ``var``
        so that every numerator stays at most its denominator; ``None`` if a needed
        variable is missing in one of them or more than :data:`_MAX_SWAP` are needed
        (too many withheld cells for one partner)."""
        take = {var}
        todo = [var]
        while todo:
            if len(take) > _MAX_SWAP:
                return None
            w = todo.pop()
            vw_a, vw_b = self._value(a, w), self._value(b, w)
            if vw_a is None or vw_b is None:
                return None
            for o, w_is_num in self.links.get(w, ()):
                if o in take:
                    continue
                vo_a, vo_b = self._value(a, o), self._value(b, o)
                if vo_a is None or vo_b is None:
                    continue  # no such pair in one of them: nothing to keep in order
                fine = (vw_b <= vo_a and vw_a <= vo_b) if w_is_num else (
                    vo_a <= vw_b and vo_b <= vw_a)
                if not fine:
                    take.add(o)
                    todo.append(o)
        return take

    def best(self, p: int, free_only: bool = False) -> tuple[int | None, np.ndarray]:
        """The whole-Sozialraum partner of row ``p`` that needs the fewest new withheld
        cells (then by keyed rank): number of new cells and their rows (``None`` if
        there is no partner). ``free_only``: only whether one needs none (``0``)."""
        lv, x, hid = self.lv, self.x, self.hid
        g = lv.row_group[p]
        members = self.order[self.starts[g]:self.starts[g + 1]]
        members = members[(members != p) & (x[members] != x[p])]
        if free_only:
            members = members[hid[members]]
        if not members.size:
            return None, np.empty(0, np.int64)
        var = int(lv.row_codes[2][p])
        best: tuple | None = None
        for q, rank in zip(members, lv.ranker.rows(members), strict=True):
            take = self.swap_set(int(self.cell[p]), int(self.cell[q]), var)
            if take is None:
                continue
            new = []
            for w in sorted(take):
                ra, rb = self._row(int(self.cell[p]), w), self._row(int(self.cell[q]), w)
                if hid[ra] and hid[rb]:
                    continue
                if not hid[ra] and not hid[rb] and x[ra] == x[rb]:
                    continue  # published and equal: the exchange shows the same
                new += [r for r in (ra, rb) if not hid[r]]
            key = (len(new), int(rank))
            if best is None or key < best[0]:
                best = (key, np.array(new, dtype=np.int64))
            if free_only and not new:
                break
        if best is None:
            return None, np.empty(0, np.int64)
        return best[0][0], best[1]


def _valid_exchange(p: np.ndarray, q: np.ndarray, x: np.ndarray, cap: np.ndarray,
                    floor: np.ndarray) -> np.ndarray:
    """Whether exchanging the values of rows ``p`` and ``q`` (element-wise) keeps every
    numerator at most its denominator (``cap``: the smallest denominator a row's value
    must not exceed, ``floor``: the largest numerator it must reach)."""
    return ((x[q] <= cap[p]) & (x[p] <= cap[q]) & (x[q] >= floor[p]) & (x[p] >= floor[q]))


def _pairs_in_groups(left: np.ndarray, right: np.ndarray, group: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """All pairs ``(l, r)`` of rows with ``group[l] == group[r]`` (vectorised)."""
    if not left.size or not right.size:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    right = right[np.argsort(group[right], kind="stable")]
    rg = group[right]
    lo = np.searchsorted(rg, group[left], side="left")
    hi = np.searchsorted(rg, group[left], side="right")
    size = hi - lo
    p = np.repeat(left, size)
    offset = np.arange(size.sum()) - np.repeat(np.cumsum(size) - size, size)
    return p, right[np.repeat(lo, size) + offset]


def _ratio_partner_values(out: pd.DataFrame, lv: _Levels, x: np.ndarray,
                          ratios: Sequence[tuple[str, str]], wanted: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the smallest denominator its count must stay at or below (as a
    numerator) and the largest numerator it must stay at or above (as a denominator),
    over the ``ratios`` of the same Sozialraum and year (true values); computed for the
    ``wanted`` rows only (others: no bound)."""
    n = len(x)
    cap = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    floor = np.zeros(n, dtype=np.int64)
    if not ratios or not n:
        return cap, floor
    area_c, year_c, var_c = lv.row_codes
    n_area, n_year, n_var = lv.shape
    names = lv.ranker.variables
    pos = {str(v): i for i, v in enumerate(names)}
    index = lv.cell_index()
    cell = area_c * n_year + year_c
    mine = np.flatnonzero(wanted)
    mine_var = var_c[mine]
    for num, den in ratios:
        if num not in pos or den not in pos:
            continue
        # as numerator: at most the denominator (one partner row per pair: no .at)
        rn = mine[mine_var == pos[num]]
        rd = index[cell[rn] * n_var + pos[den]]
        ok = rd >= 0
        cap[rn[ok]] = np.minimum(cap[rn[ok]], x[rd[ok]])
        # as denominator: at least the numerator
        rd = mine[mine_var == pos[den]]
        rn = index[cell[rd] * n_var + pos[num]]
        ok = rn >= 0
        floor[rd[ok]] = np.maximum(floor[rd[ok]], x[rn[ok]])
    return cap, floor


def _order_pairs(lo: np.ndarray, hi: np.ndarray, glob: np.ndarray, local: np.ndarray,
                 members: np.ndarray, num: np.ndarray, den: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Bounds ``lo``/``hi`` (of the totals ``members``) tightened by numerator <=
    denominator for the pairs ``num``/``den`` (global indices; a total that is not a
    member is published: its bounds are ``glob``)."""
    g_lo, g_hi = glob.copy(), glob.copy()
    g_lo[members], g_hi[members] = lo, hi
    hi, lo = hi.copy(), lo.copy()
    at = local[num]
    ok = at >= 0
    np.minimum.at(hi, at[ok], g_hi[den[ok]])
    at = local[den]
    ok = at >= 0
    np.maximum.at(lo, at[ok], g_lo[num[ok]])
    return lo, hi


def _cap_last_small(group: np.ndarray, can_be_small: np.ndarray, applies: np.ndarray,
                    hi: np.ndarray, limit: int, n_groups: int) -> np.ndarray:
    """Where a group must contain a small member (``applies``) and only one member can
    still be small, that member is at most ``limit - 1``."""
    count = np.bincount(group, weights=can_be_small, minlength=n_groups)
    only = applies[group] & can_be_small & (count[group] == 1)
    return np.where(only, np.minimum(hi, limit - 1.0), hi)


def _others(fin_sum: np.ndarray, inf_count: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Sum of the others' upper bounds in a group (infinite if any other is)."""
    own_inf = np.isinf(own)
    rest_inf = inf_count - own_inf > 0
    return np.where(rest_inf, np.inf, fin_sum - np.where(own_inf, 0.0, own))


def _first_by_rank(group: np.ndarray, rank, eligible: np.ndarray,
                   groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group in ``groups``: the eligible element with the smallest rank, or -1."""
    wanted = np.zeros(n_groups, bool)
    wanted[groups] = True
    cand = np.flatnonzero(eligible & wanted[group])
    best = np.full(n_groups, -1, dtype=np.int64)
    if cand.size:
        order = np.lexsort((rank(cand), group[cand]))
        cand = cand[order]
        first = np.r_[True, group[cand][1:] != group[cand][:-1]]
        best[group[cand[first]]] = cand[first]
    return best[groups]


def _ratio_bounds(out: pd.DataFrame, lv: _Levels, hid: np.ndarray, x: np.ndarray,
                  rows: np.ndarray, low: np.ndarray, up: np.ndarray,
                  ratios: Sequence[tuple[str, str]]) -> np.ndarray:
    """Bounds a reader gets from "numerator <= denominator" of the same area and year:
    a withheld numerator is at most its published denominator, a withheld denominator
    at least its published numerator (``low``/``up``, aligned with ``rows``, in place).
    Returns the pairs ``(numerator, denominator)`` where both are withheld, as indices
    into ``rows`` (their bounds are propagated by the caller)."""
    area_c, year_c, var_c = lv.row_codes
    n_area, n_year, n_var = lv.shape
    var_names = _codes(out[S.VARIABLE], sort=True)[1]
    pos = {str(v): i for i, v in enumerate(var_names)}
    pairs = [(pos[a], pos[b]) for a, b in ratios if a in pos and b in pos]
    sub_hid = hid[rows]
    both = np.empty((0, 2), dtype=np.int64)
    if not pairs or not sub_hid.any():
        return both
    index = lv.cell_index()
    local_of = np.full(len(x), -1, dtype=np.int64)
    local_of[rows] = np.arange(len(rows))
    local = np.flatnonzero(sub_hid)
    cell = area_c[rows[local]] * n_year + year_c[rows[local]]
    own_var = var_c[rows[local]]
    found = []
    for num, den in pairs:
        for mine, other, is_num in ((num, den, True), (den, num, False)):
            sel = own_var == mine
            if not sel.any():
                continue
            partner = index[cell[sel] * n_var + other]
            exists = partner >= 0
            partner_hidden = exists & hid[np.maximum(partner, 0)]
            known = exists & ~partner_hidden
            at = local[sel][known]
            value = x[partner[known]].astype(float)
            if is_num:
                up[at] = np.minimum(up[at], value)
                hidden_pair = partner_hidden
                found.append(np.stack([local[sel][hidden_pair],
                                       local_of[partner[hidden_pair]]], axis=1))
            else:
                low[at] = np.maximum(low[at], value)
    if found:
        both = np.concatenate(found)
        both = both[(both >= 0).all(axis=1)]
    return both


# ---------------------------------------------------------------------------
# Keyed order of secondary candidates
# ---------------------------------------------------------------------------
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on an uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = (z + _GOLDEN).astype(np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _label_hashes(uniques) -> np.ndarray:
    """A stable 64-bit hash of every key label (area code, AGS, year, variable)."""
    return np.array([int.from_bytes(hashlib.blake2b(str(u).encode(), digest_size=8).digest(),
                                    "little") for u in uniques], dtype=np.uint64)


def _secret_hash(key: str) -> int:
    return int(_label_hashes([f"schluessel:{key}"])[0])


class _Ranker:
    """Keyed ranks: the order in which secondary candidates are taken.

    The rank of a cell is a hash of its labels (area or Kommune, year, variable) under
    a secret key (``geheimhaltung.schluessel``). It does not depend on any value, so
    the choice of a secondary cell tells nothing about its value – with "smallest
    first", a reader knew that a secondary cell lies between the limit and the smallest
    published cell of its Kommune – and a reader without the key cannot tell which
    withheld cells are the small ones. Same labels and key, same ranks, whatever the
    row order. Ranks are computed only for the candidates that are looked at.
    """

    def __init__(self, secret: int, codes: list[np.ndarray], uniques: list,
                 m_ags: np.ndarray, m_yv: np.ndarray, n_var: int) -> None:
        self.secret = secret
        self._codes = codes
        self._uniques = uniques
        self._hashes: dict[int, np.ndarray] = {}
        self._m_ags, self._m_yv, self._n_var = m_ags, m_yv, n_var

    @property
    def muni_codes(self) -> tuple[np.ndarray, np.ndarray, int]:
        """Per Kommune total: AGS code, ``year * n_var + variable`` code, and ``n_var``."""
        return self._m_ags, self._m_yv, self._n_var

    @property
    def variables(self):
        """The variable labels, in the order of the variable codes."""
        return self._uniques[3]

    def _h(self, i: int) -> np.ndarray:
        if i not in self._hashes:
            self._hashes[i] = _label_hashes(self._uniques[i])
        return self._hashes[i]

    def _frame(self, year: np.ndarray, var: np.ndarray) -> np.ndarray:
        return _mix(self._h(2)[year] ^ _mix(self._h(3)[var] ^ np.uint64(self.secret)))

    def rows(self, idx: np.ndarray) -> np.ndarray:
        """Rank of the area cells in rows ``idx``."""
        area_c, _, year_c, var_c = self._codes
        return _mix(self._h(0)[area_c[idx]] ^ self._frame(year_c[idx], var_c[idx]))

    def munis(self, idx: np.ndarray) -> np.ndarray:
        """Rank of the Kommune totals ``idx`` (indices into the municipal frame)."""
        yv = self._m_yv[idx]
        frame = self._frame(yv // self._n_var, yv % self._n_var)
        return _mix(_mix(self._h(1)[self._m_ags[idx]] ^ frame) ^ np.uint64(self.secret))


def _fill_groups(group: np.ndarray, value: np.ndarray, tie, locked: np.ndarray,
                 need_count: np.ndarray, need_sum: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Lock further cells per group until ``need_count`` cells with sum ``need_sum``.

    Candidates are the unlocked cells of groups that fall short, taken in the order
    non-zero first, then by ``tie(indices)`` (a keyed rank, never the value: see
    :class:`_Ranker`); each group takes the shortest
    prefix of its candidates that satisfies both needs (vectorised, no loop).
    Returns the new lock mask and, per group, whether the needs are still unmet.
    """
    n = len(need_count)
    cnt = np.bincount(group, weights=locked, minlength=n).astype(np.int64)
    tot = _sum(group, np.where(locked, value, 0), n)
    short = (cnt < need_count) | (tot < need_sum)
    out = locked.copy()
    cand = np.flatnonzero(~locked & short[group])
    if cand.size:
        g, v = group[cand], value[cand]
        order = np.lexsort((tie(cand), v == 0, g))
        cand, g, v = cand[order], g[order], v[order]
        first = np.r_[True, g[1:] != g[:-1]]
        start = np.flatnonzero(first)
        seg = np.cumsum(first) - 1
        rank = np.arange(cand.size) - start[seg]  # candidates before this one
        csum = np.cumsum(v)
        before = csum - v - (csum[start] - v[start])[seg]  # their sum
        take = (cnt[g] + rank < need_count[g]) | (tot[g] + before < need_sum[g])
        out[cand[take]] = True
    cnt = np.bincount(group, weights=out, minlength=n).astype(np.int64)
    tot = _sum(group, np.where(out, value, 0), n)
    return out, (cnt < need_count) | (tot < need_sum)


def _sum(group: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Exact integer group sums (float64 bincount is exact below 2**53)."""
    return np.rint(np.bincount(group, weights=value, minlength=n)).astype(np.int64)


def _count_values(counts: pd.DataFrame) -> np.ndarray:
    if S.COUNT not in counts.columns:
        raise ValueError(f"Spalte „{S.COUNT}“ fehlt")
    col = counts[S.COUNT]
    if col.isna().any() or not pd.api.types.is_numeric_dtype(col.dtype):
        raise ValueError(f"„{S.COUNT}“ muss ganzzahlig und vollständig sein")
    if pd.api.types.is_integer_dtype(col.dtype):
        xi = col.to_numpy(dtype=np.int64)
    else:
        x = col.to_numpy(dtype=np.float64)
        xi = x.astype(np.int64)
        if (xi != x).any():
            raise ValueError(f"„{S.COUNT}“ muss ganzzahlig sein")
    if (xi < 0).any():
        raise ValueError(f"„{S.COUNT}“ muss ganzzahlig und >= 0 sein")
    return xi


def _check_keys(area_c: np.ndarray, ags_c: np.ndarray, year_c: np.ndarray, var_c: np.ndarray,
                n_area: int, n_year: int, n_var: int) -> None:
    """One row per area, year and variable; one Kommune per area."""
    key = (area_c * n_year + year_c) * n_var + var_c
    size = n_area * n_year * n_var
    if size <= 4 * len(key) + 1_000_000:  # dense count is cheaper than hashing
        dup = len(key) > 0 and np.bincount(key, minlength=size).max() > 1
    else:
        dup = len(pd.unique(key)) != len(key)
    if dup:
        raise ValueError("Doppelte Zeilen je sozialraum, jahr, variable")
    first_ags = np.empty(n_area, dtype=np.int64)
    first_ags[area_c[::-1]] = ags_c[::-1]  # last write wins: the first occurrence
    if (first_ags[area_c] != ags_c).any():
        raise ValueError("Ein Sozialraum gehört zu mehreren Kommunen (ags)")


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 1:
        raise ValueError(f"limit muss eine ganze Zahl >= 1 sein, nicht {limit!r}")


