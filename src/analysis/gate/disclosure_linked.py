"""Secondary suppression across variables that add up (linked tables, METHOD.md §6).

``variablen.csv`` may declare that a variable is the sum of others (column
``summe_aus``, e.g. ``bev_gesamt = bev_u65 + bev_65plus``). Then a withheld
``bev_65plus`` could be recomputed as ``bev_gesamt − bev_u65`` of the same Sozialraum,
Kommune or region, even though every single table is protected. This module extends
:func:`analysis.gate.disclosure.protect_counts` to such identities:

1. The ordinary rules run per ``(jahr, variable)`` (areas → Kommunen → region).
2. *Identity rule*: in every identity ``total = part₁ + … + partₖ`` of one unit (a
   Sozialraum, a Kommune or the region), a withheld cell must not stand alone, and
   withheld parts of a published total must sum to at least ``limit``. Otherwise the
   next further cell of that identity is withheld (non-zero first, Sozialraum before
   Kommune before region, then by a keyed rank that does not depend on the value).
3. Repeat 1–2 until nothing changes; then an **audit** computes, with a linear
   programme (scipy/HiGHS), the tightest bounds a reader can derive for every withheld
   non-zero cell from everything published, all identities, all sums and ``x >= 0``.
   A cell whose bounds are narrower than 1 gets a further cell of one of its equations
   withheld, and everything runs again.

Additional withholdings only ever grow, so the loop ends. A withheld zero may still be
determined; that reveals nothing the rules would not publish anyway (0 is shown).
Only variables that take part in an identity are touched; without identities, or
without any withheld cell in them, nothing changes and no LP is solved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.contract import schema as S
from analysis.gate import _suppression as core

Identity = tuple[str, tuple[str, ...]]  # total variable, its parts

_TOL = 1e-6
_MAX_ROUNDS = 10_000


@dataclass
class _Grid:
    """One year of the identity variables: cells (unit × variable) at all three levels.

    Units are numbered areas first, then Kommunen, then the region (last). ``row`` maps
    an area cell to its row in the counts frame (``-1`` for totals).
    """

    year: int
    areas: np.ndarray  # area codes
    munis: np.ndarray  # AGS
    variables: list[str]
    value: np.ndarray  # int64 [unit, var]
    hidden: np.ndarray  # bool [unit, var]
    row: np.ndarray  # int64 [unit, var], area rows only
    rank: np.ndarray  # uint64 [unit, var]: keyed rank (order of candidates)
    parent: np.ndarray  # int64 [unit]: Kommune unit of an area, region unit of a Kommune

    @property
    def n_units(self) -> int:
        return len(self.value)

    def level(self, unit: int) -> int:
        """0 area, 1 Kommune, 2 region."""
        return 0 if unit < len(self.areas) else (1 if unit < self.n_units - 1 else 2)


def protect_linked(counts: pd.DataFrame, x: np.ndarray, limit: int,
                   identities: Sequence[Identity], ratios: Sequence[tuple[str, str]] = ()
                   ) -> tuple[pd.DataFrame, core._Levels]:
    """:func:`analysis.gate.disclosure.protect_counts` with identities between variables
    (returns the protected frame and its totals)."""
    n = len(counts)
    force_cell = np.zeros(n, dtype=bool)
    force_muni = np.zeros(n, dtype=bool)
    force_region = np.zeros(n, dtype=bool)
    linked = sorted({v for total, parts in identities for v in (total, *parts)})
    for _ in range(_MAX_ROUNDS):
        out, lv, unmet = core._protect(counts, x, limit, force_cell, force_muni, force_region)
        if unmet.any():  # a Kommune cannot hide a withheld cell behind its published total
            force_muni |= unmet[lv.row_group]
            continue
        grids = _grids(out, lv, linked)
        new: list[tuple[_Grid, int, int]] = []
        for grid in grids:
            new += [(grid, u, v) for u, v in _identity_rule(grid, identities, limit)]
        if not new:
            for grid in grids:
                new += [(grid, u, v) for u, v in _audit(grid, identities)]
        if not new:
            add_cell, add_muni, add_region = core.audit_sums(out, lv, x, limit, ratios)
            if not (add_cell.any() or add_muni.any() or add_region.any()):
                add_cell, add_muni = core.exchange_partners(out, lv, x, limit, ratios)
                # an exchange of one variable would break a declared sum: the variables
                # of an identity are protected by the LP audit only
                in_identity = out[S.VARIABLE].isin(linked).to_numpy()
                add_cell &= ~in_identity
                add_muni &= ~in_identity
                if not (add_cell.any() or add_muni.any()):
                    return out, lv
            force_cell |= add_cell
            force_muni |= add_muni
            force_region |= add_region
            continue
        for grid, unit, var in new:
            _force(counts, grid, unit, var, force_cell, force_muni, force_region)
    raise RuntimeError("Sekundärsperrung über Summenbeziehungen endet nicht (interner Fehler)")


# ---------------------------------------------------------------------------
# grids and equations
# ---------------------------------------------------------------------------
def _grids(out: pd.DataFrame, lv: core._Levels, linked: list[str]) -> list[_Grid]:
    """One :class:`_Grid` per year with any withheld cell of a linked variable."""
    cells = out.loc[out[S.VARIABLE].isin(linked), [S.AREA, S.AGS, S.YEAR, S.VARIABLE,
                                                    S.COUNT, core.FLAG]]
    cells = cells.assign(_row=cells.index.to_numpy())
    muni = lv.muni.assign(**{core.FLAG: lv.muni_reason > 0})
    muni = muni[muni[S.VARIABLE].isin(linked)]
    region = lv.region.assign(**{core.FLAG: lv.region_suppressed})
    region = region[region[S.VARIABLE].isin(linked)]
    cells = cells.assign(_rank=lv.ranker.rows(cells.index.to_numpy()))
    muni = muni.assign(_rank=lv.ranker.munis(muni.index.to_numpy()))
    grids = []
    for year, part in cells.groupby(S.YEAR, sort=True):
        m = muni[muni[S.YEAR] == year]
        r = region[region[S.YEAR] == year]
        if not (part[core.FLAG].any() or m[core.FLAG].any() or r[core.FLAG].any()):
            continue
        grids.append(_grid(int(year), part, m, r, linked))
    return grids


def _grid(year: int, part: pd.DataFrame, muni: pd.DataFrame, region: pd.DataFrame,
          linked: list[str]) -> _Grid:
    areas = np.array(sorted(part[S.AREA].unique()), dtype=object)
    munis = np.array(sorted(part[S.AGS].unique()), dtype=object)
    na, nm, nv = len(areas), len(munis), len(linked)
    a_idx = pd.Index(areas)
    m_idx = pd.Index(munis)
    v_idx = pd.Index(linked)
    value = np.zeros((na + nm + 1, nv), dtype=np.int64)
    hidden = np.zeros_like(value, dtype=bool)
    row = np.full_like(value, -1)
    rank = np.zeros(value.shape, dtype=np.uint64)
    ua, vv = a_idx.get_indexer(part[S.AREA]), v_idx.get_indexer(part[S.VARIABLE])
    value[ua, vv] = part[S.COUNT].to_numpy()
    hidden[ua, vv] = part[core.FLAG].to_numpy()
    row[ua, vv] = part["_row"].to_numpy()
    rank[ua, vv] = part["_rank"].to_numpy()
    um, vm = na + m_idx.get_indexer(muni[S.AGS]), v_idx.get_indexer(muni[S.VARIABLE])
    value[um, vm] = muni[S.COUNT].to_numpy()
    hidden[um, vm] = muni[core.FLAG].to_numpy()
    rank[um, vm] = muni["_rank"].to_numpy()
    vr = v_idx.get_indexer(region[S.VARIABLE])
    value[na + nm, vr] = region[S.COUNT].to_numpy()
    hidden[na + nm, vr] = region[core.FLAG].to_numpy()
    ags_of = part.drop_duplicates(S.AREA).set_index(S.AREA)[S.AGS]
    parent = np.concatenate([na + m_idx.get_indexer(ags_of.reindex(areas)),
                             np.full(nm, na + nm), [-1]])
    return _Grid(year, areas, munis, list(linked), value, hidden, row, rank, parent)


def _equations(grid: _Grid, identities: Sequence[Identity]) -> list[list[tuple[int, int, int]]]:
    """All equations of a grid as lists of ``(unit, var, sign)``: Σ sign·cell = 0."""
    eqs: list[list[tuple[int, int, int]]] = []
    children: dict[int, list[int]] = {}
    for u, p in enumerate(grid.parent):
        if p >= 0:
            children.setdefault(int(p), []).append(u)
    for v in range(len(grid.variables)):
        for total, parts in sorted(children.items()):
            eqs.append([(total, v, 1)] + [(u, v, -1) for u in parts])
    pos = {name: i for i, name in enumerate(grid.variables)}
    for total, parts in identities:
        t, ps = pos[total], [pos[p] for p in parts]
        for u in range(grid.n_units):
            eqs.append([(u, t, 1)] + [(u, p, -1) for p in ps])
    return eqs


def _candidate(grid: _Grid, cells: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """The published cell to withhold next: non-zero first, Sozialraum before Kommune
    before region, then by keyed rank (never by value: see ``disclosure._keyed_ranks``)."""
    best = None
    for u, v in cells:
        if grid.hidden[u, v]:
            continue
        val = int(grid.value[u, v])
        key = (val == 0, grid.level(u), int(grid.rank[u, v]), v, u)
        if best is None or key < best[0]:
            best = (key, (u, v))
    return None if best is None else best[1]


def _identity_rule(grid: _Grid, identities: Sequence[Identity], limit: int
                   ) -> list[tuple[int, int]]:
    """Step 2: withheld cells of one identity need company (see module docstring)."""
    pos = {name: i for i, name in enumerate(grid.variables)}
    new: set[tuple[int, int]] = set()
    for total, parts in identities:
        t, ps = pos[total], [pos[p] for p in parts]
        cells = [(t, True)] + [(p, False) for p in ps]
        for u in range(grid.n_units):
            hid = [(v, is_total) for v, is_total in cells if grid.hidden[u, v]]
            if not hid:
                continue
            total_hidden = any(is_total for _, is_total in hid)
            hidden_sum = sum(int(grid.value[u, v]) for v, _ in hid)
            if len(hid) >= 2 and (total_hidden or hidden_sum >= limit):
                continue
            pick = _candidate(grid, [(u, v) for v, _ in cells])
            if pick is not None:
                new.add(pick)
    return sorted(new)


def _audit(grid: _Grid, identities: Sequence[Identity]) -> list[tuple[int, int]]:
    """Step 3: LP bounds of every withheld non-zero cell; cells to withhold next."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    unknown = np.argwhere(grid.hidden)
    if not len(unknown):
        return []
    index = {(int(u), int(v)): i for i, (u, v) in enumerate(unknown)}
    rows, cols, data, rhs, touches_identity = [], [], [], [], []
    eqs = _equations(grid, identities)
    n_geo = len(grid.variables) * len({int(p) for p in grid.parent if p >= 0})
    for k, eq in enumerate(eqs):
        known = 0
        members = []
        for u, v, sign in eq:
            i = index.get((u, v))
            if i is None:
                known += sign * int(grid.value[u, v])
            else:
                members.append((i, sign))
        if not members:
            continue
        r = len(rhs)
        for i, sign in members:
            rows.append(r)
            cols.append(i)
            data.append(float(sign))
        rhs.append(float(-known))
        touches_identity.append(k >= n_geo)
    n = len(unknown)
    if not rhs:
        return []
    a_eq = coo_matrix((data, (rows, cols)), shape=(len(rhs), n)).tocsr()
    # only components joined by an identity need an LP: the rest is the tree of
    # areas → Kommunen → region, which the ordinary rules protect exactly
    link = coo_matrix((np.ones(len(rows)), (np.array(rows) + n, cols)),
                      shape=(n + len(rhs), n + len(rhs)))
    _, comp = connected_components(link, directed=False)
    linked_comps = {comp[n + r] for r, flag in enumerate(touches_identity) if flag}
    b_eq = np.array(rhs)
    eq_cells = [[(u, v) for u, v, _ in eq] for eq in eqs]
    cell_eqs: dict[tuple[int, int], list[int]] = {}
    for k, cells in enumerate(eq_cells):
        for cell in cells:
            cell_eqs.setdefault(cell, []).append(k)
    new: set[tuple[int, int]] = set()
    row_comp = comp[n:]
    for c_id in sorted(linked_comps):
        members = np.flatnonzero(comp[:n] == c_id)
        sub_a = a_eq[np.flatnonzero(row_comp == c_id)][:, members]
        sub_b = b_eq[row_comp == c_id]
        # a reader knows a withheld cell is >= 1 (zero is shown, secondary cells are
        # non-zero first); withheld zeros keep the bound 0
        bounds = [(1.0 if grid.value[tuple(unknown[i])] > 0 else 0.0, None) for i in members]
        for j, i in enumerate(members):
            u, v = (int(k) for k in unknown[i])
            truth = int(grid.value[u, v])
            if truth == 0:
                continue
            if _width_below_one(linprog, sub_a, sub_b, j, len(members), truth, bounds):
                cand = _nearest_candidate(grid, (u, v), eq_cells, cell_eqs)
                if cand is None:
                    raise RuntimeError("Sekundärsperrung über Summenbeziehungen nicht erfüllbar")
                new.add(cand)
    return sorted(new)


def _width_below_one(linprog, a_eq, b_eq, j: int, n: int, truth: int,
                     bounds: list[tuple[float, float | None]] | None = None) -> bool:
    """Whether a reader can narrow unknown ``j`` to an interval shorter than 1.

    The truth lies inside the interval, so a maximum of at least ``truth + 1`` (or a
    minimum of at most ``truth − 1``) settles it with one LP; else both bounds count.
    """
    c = np.zeros(n)
    c[j] = 1.0
    hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=bounds or (0, None), method="highs")
    if hi.status == 3:  # unbounded above
        return False
    if hi.status != 0:
        raise RuntimeError(f"Prüfung der Sperrung fehlgeschlagen: {hi.message}")
    upper = -hi.fun
    if upper >= truth + 1 - _TOL:
        return False
    lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=bounds or (0, None), method="highs")
    if lo.status != 0:
        raise RuntimeError(f"Prüfung der Sperrung fehlgeschlagen: {lo.message}")
    return upper - lo.fun < 1 - _TOL


def _nearest_candidate(grid: _Grid, start: tuple[int, int], eq_cells: list[list[tuple[int, int]]],
                       cell_eqs: dict[tuple[int, int], list[int]]) -> tuple[int, int] | None:
    """The cell to withhold for an exposed cell: from its own equations if possible,
    else from equations reached through further withheld cells (nearest first)."""
    seen_cells, seen_eqs = {start}, set()
    frontier = [start]
    while frontier:
        layer = sorted({k for c in frontier for k in cell_eqs.get(c, ())} - seen_eqs)
        seen_eqs.update(layer)
        cells = [c for k in layer for c in eq_cells[k]]
        cand = _candidate(grid, cells)
        if cand is not None:
            return cand
        frontier = sorted({c for c in cells if c not in seen_cells and grid.hidden[c]})
        seen_cells.update(frontier)
    return None


def _force(counts: pd.DataFrame, grid: _Grid, unit: int, var: int, force_cell: np.ndarray,
           force_muni: np.ndarray, force_region: np.ndarray) -> None:
    """Mark one grid cell for withholding in the row-aligned force masks."""
    level = grid.level(unit)
    if level == 0:
        force_cell[grid.row[unit, var]] = True
        return
    rows = (counts[S.YEAR].to_numpy() == grid.year) & (
        counts[S.VARIABLE].to_numpy() == grid.variables[var])
    if level == 1:
        rows &= counts[S.AGS].to_numpy() == grid.munis[unit - len(grid.areas)]
        force_muni[rows] = True
    else:
        force_region[rows] = True
