"""A reader who knows the published rules and *replays* them (issue 10).

The reader has everything that is published (area cells, Kommune and region totals, "•"
where withheld) and the program itself, but not the secret key. They enumerate every
integer world that agrees with the published values and sums (within a bound), run the
whole procedure (:func:`analysis.gate.disclosure.protect_with_totals`) on it under every key
of a list, and keep the worlds whose published output is exactly the observed one. What
is left is all they can know.

The unknown key is modelled by what it does: it orders the candidates by a hash of their
labels, so without it every order is as likely as any other. The reader replays under a
few keys (the true one among them) *and* with the labels of two Sozialräume of one Kommune
exchanged, or the labels (AGS) of two Kommunen exchanged (their Sozialräume keep theirs:
that exchanges the two Kommunen's ranks only), which gives the same procedure other
orders. That is a subset of all orders: a reader who knows the order is one of these is
stronger than the real one, so a cell that stays open here stays open for them.

Worlds are tried nearest to the published one first (fewest cells that differ), so the
exchanged worlds that keep a value open are found early; the search stops once every
withheld non-zero value has a second possible value.

This module is a helper for the tests (``test_disclosure_replay.py``); it uses nothing
but the public functions and the published tables.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

from analysis.contract import schema as S
from analysis.gate.disclosure import FLAG, protect_with_totals

YEAR = 2023
Row = tuple[str, str, dict[str, int]]  # area, ags, {variable: count}


def keys(n: int) -> list[str]:
    """``n`` keys as the reader's candidates (the first is the one used to publish)."""
    return [f"wiederholung-{i:03d}-geheim-0123456789" for i in range(n)]


def frame(rows: Sequence[Row]) -> pd.DataFrame:
    return pd.DataFrame([{S.AREA: a, S.AGS: g, S.YEAR: YEAR, S.VARIABLE: v, S.COUNT: int(n)}
                         for a, g, values in rows for v, n in sorted(values.items())])


Publication = tuple[tuple, tuple, tuple]


Relabel = tuple[dict[str, str], dict[str, str]]  # exchanged area labels, AGS labels


def publication(rows: Sequence[Row], limit: int, ratios: Sequence[tuple[str, str]],
                key: str, relabel: Relabel | None = None) -> Publication:
    """What a reader sees: every published cell and total, ``None`` where withheld.

    ``relabel`` (involutions on the area and on the AGS labels) runs the procedure with
    those labels exchanged – another order of the candidates – and maps the result back."""
    sw, sg = relabel or ({}, {})
    rows = [(sw.get(a, a), sg.get(g, g), vals) for a, g, vals in rows]
    out, muni, region = protect_with_totals(frame(rows), limit, ratios=list(ratios), key=key)
    if sw or sg:
        out = out.assign(**{S.AREA: out[S.AREA].map(lambda a: sw.get(a, a))})
        muni = muni.assign(**{S.AGS: muni[S.AGS].map(lambda g: sg.get(g, g))})

    def seen(df: pd.DataFrame, cols: list[str]) -> tuple:
        vals = [tuple(r) for r in df[cols].itertuples(index=False)]
        flags = df[FLAG].tolist()
        return tuple(sorted((*k, None if f else int(n)) for (*k, n), f
                            in zip(vals, flags, strict=True)))

    return (seen(out, [S.AREA, S.VARIABLE, S.COUNT]), seen(muni, [S.AGS, S.VARIABLE, S.COUNT]),
            seen(region, [S.VARIABLE, S.COUNT]))


@dataclass
class Verdict:
    """What the reader can know about each withheld non-zero value."""

    values: dict[tuple, set[int]] = field(default_factory=dict)  # cell -> possible values
    truth: dict[tuple, int] = field(default_factory=dict)
    replays: int = 0
    worlds: int = 0  # worlds consistent with the published sums that were looked at
    complete: bool = True  # False if the search stopped at ``max_replays``

    def pinned(self) -> list[tuple]:
        """Withheld non-zero cells with a single possible value."""
        return sorted(c for c, v in self.values.items() if self.truth[c] > 0 and len(v) < 2)

    def width(self, cell: tuple) -> int:
        v = self.values[cell]
        return max(v) - min(v)


def relabelings(rows: Sequence[Row]) -> list[Relabel | None]:
    """No exchange, then every exchange of two Sozialräume of one Kommune, of two
    Kommunen with one Sozialraum each (Kommune and Sozialraum labels), and of the AGS
    labels of any two Kommunen (Sozialräume keep theirs)."""
    by_muni: dict[str, list[str]] = {}
    for a, g, _ in rows:
        by_muni.setdefault(g, []).append(a)
    out: list[Relabel | None] = [None]
    for areas in by_muni.values():
        out += [({a: b, b: a}, {}) for a, b in itertools.combinations(sorted(areas), 2)]
    singles = sorted((g, areas[0]) for g, areas in by_muni.items() if len(areas) == 1)
    out += [({a: b, b: a}, {g: h, h: g}) for (g, a), (h, b) in itertools.combinations(singles, 2)]
    out += [({}, {g: h, h: g}) for g, h in itertools.combinations(sorted(by_muni), 2)]
    return out


def _compositions(total: int, k: int, hi: int) -> Iterator[tuple[int, ...]]:
    if k == 0:
        if total == 0:
            yield ()
        return
    for first in range(max(0, total - hi * (k - 1)), min(hi, total) + 1):
        for rest in _compositions(total - first, k - 1, hi):
            yield (first, *rest)


def _variable_worlds(rows: Sequence[Row], var: str, pub: Publication, bound: int,
                     max_worlds: int) -> list[dict[str, int]] | None:
    """Every assignment of the withheld cells of one variable that fits the published
    Kommune and region totals, each cell in ``0 … bound`` (``None``: more than
    ``max_worlds`` combinations to look at)."""
    cells, munis, region = pub
    shown = {a: n for a, v, n in cells if v == var}
    m_shown = {g: n for g, v, n in munis if v == var}
    r_shown = next(n for v, n in region if v == var)
    by_muni: dict[str, list[str]] = {}
    for a, g, _ in rows:
        by_muni.setdefault(g, []).append(a)
    options: dict[str, list[tuple[int, dict[str, int]]]] = {}
    for g, areas in sorted(by_muni.items()):
        hidden = [a for a in areas if shown[a] is None]
        known = sum(shown[a] for a in areas if shown[a] is not None)
        if m_shown[g] is not None:
            combos = _compositions(m_shown[g] - known, len(hidden), bound)
        else:
            combos = itertools.product(range(bound + 1), repeat=len(hidden))
        options[g] = [(known + sum(c), dict(zip(hidden, c, strict=True)))
                      for c in itertools.islice(combos, max_worlds + 1)]
    if math.prod(len(o) for o in options.values()) > max_worlds:
        return None
    out = []
    for choice in itertools.product(*options.values()):
        if r_shown is not None and sum(t for t, _ in choice) != r_shown:
            continue
        world: dict[str, int] = {}
        for _, cells_of in choice:
            world.update(cells_of)
        out.append(world)
    return out


def attack(rows: Sequence[Row], limit: int, ratios: Sequence[tuple[str, str]] = (),
           n_keys: int = 3, bound: int | None = None, max_replays: int = 20_000,
           seed: int = 0, only: Callable[[tuple, int], bool] | None = None,
           max_worlds: int = 500_000) -> Verdict:
    """Replay the procedure over all worlds consistent with the publication of ``rows``
    (published with ``keys(n_keys)[0]``); see the module docstring.

    ``bound`` (default: largest true count + ``2 * limit``) caps each withheld cell; it
    is above every truth, so it cannot pin a value by itself. ``only(cell, truth)``: the
    withheld cells the search is about (default all); it stops when each of them is open.
    More than ``max_worlds`` combinations to enumerate: the search is not done
    (``complete`` is False).
    """
    candidates = keys(n_keys)
    pub = publication(rows, limit, ratios, candidates[0])
    variables = sorted({v for _, _, vals in rows for v in vals})
    truth_cells = {(a, v): n for a, _, vals in rows for v, n in vals.items()}
    bound = bound if bound is not None else max(truth_cells.values()) + 2 * limit
    ags_of = {a: g for a, g, _ in rows}

    verdict = Verdict()
    hidden_cells = [(a, v) for a, v, n in pub[0] if n is None]
    hidden_munis = [(g, v) for g, v, n in pub[1] if n is None]
    hidden_region = [v for v, n in pub[2] if n is None]
    true_muni = {}
    for (a, v), n in truth_cells.items():
        true_muni[(ags_of[a], v)] = true_muni.get((ags_of[a], v), 0) + n
    for c in hidden_cells:
        verdict.truth[("sozialraum", *c)] = truth_cells[c]
    for c in hidden_munis:
        verdict.truth[("kommune", *c)] = true_muni[c]
    for v in hidden_region:
        verdict.truth[("region", v)] = sum(n for (_, vv), n in truth_cells.items() if vv == v)
    verdict.values = {c: {t} for c, t in verdict.truth.items()}  # the truth is possible

    per_var = [_variable_worlds(rows, v, pub, bound, 10 * max_worlds) for v in variables]
    if any(w is None for w in per_var) or math.prod(len(w) for w in per_var) > max_worlds:
        verdict.complete = False
        return verdict
    worlds = []
    for combo in itertools.product(*per_var):
        world = dict(truth_cells)
        for v, assignment in zip(variables, combo, strict=True):
            world.update({(a, v): n for a, n in assignment.items()})
        if any(world[(a, num)] > world[(a, den)] for num, den in ratios
               for a in ags_of if (a, num) in world and (a, den) in world):
            continue  # not a valid data set: a numerator above its denominator
        worlds.append(world)
    verdict.worlds = len(worlds)
    orders = relabelings(rows)
    random.Random(seed).shuffle(worlds)
    worlds.sort(key=lambda w: sum(w[c] != n for c, n in truth_cells.items()))  # stable

    def derived(world: dict) -> dict[tuple, int]:
        d = {("sozialraum", a, v): world[(a, v)] for a, v in hidden_cells}
        for g, v in hidden_munis:
            d[("kommune", g, v)] = sum(n for (a, vv), n in world.items()
                                       if vv == v and ags_of[a] == g)
        for v in hidden_region:
            d[("region", v)] = sum(n for (_, vv), n in world.items() if vv == v)
        return d

    def open_cells() -> list[tuple]:
        return [c for c, t in verdict.truth.items() if t > 0 and len(verdict.values[c]) < 2
                and (only is None or only(c, t))]

    for world in worlds:
        todo = open_cells()
        if not todo:
            break
        d = derived(world)
        if all(d[c] in verdict.values[c] for c in todo):
            continue  # would tell nothing new about an open cell
        # the rules everyone knows without a key: every small count is withheld
        if any(0 < n < limit and pub[0][i][2] is not None
               for i, n in enumerate(world[(a, v)] for a, v, _ in pub[0])):
            continue
        rows_w = [(a, g, {v: world[(a, v)] for v in vals}) for a, g, vals in rows]
        for key, sw in itertools.product(candidates, orders):
            if verdict.replays >= max_replays:
                verdict.complete = False
                return verdict
            verdict.replays += 1
            if publication(rows_w, limit, ratios, key, sw) == pub:
                for c, n in d.items():
                    verdict.values[c].add(n)
                break
    return verdict
