"""Disclosure control against a reader who knows *and replays* the published rules
(issue 10, last gap).

The reader (``replay_attack.attack``) enumerates every integer world that agrees with
the published tables, runs the whole procedure on it under other orders of the keyed
ranks, and keeps the worlds that publish exactly what was published. Before the
exchange-partner rule (``analysis.gate.disclosure.exchange_partners``) such a reader pinned
withheld values in small cases, e.g. a share pair with numerators 2, 0, 5 against
denominators 3, 0, 5: the only other withheld numerator of the Kommune (5) could not
take the place of the 2, because 5 is above the 2's denominator 3. Now such a cell gets a
whole Sozialraum as its partner (numerator and denominator of both withheld).

What is guaranteed and tested here: every withheld small count (1 … limit − 1) of a
Sozialraum, and the small total of a Kommune with a single Sozialraum, keeps at least
two possible values, as long as a valid exchange partner can be made. Totals of Kommunen
with several Sozialräume are tested on the review's shape (region total 11, B = 1 + 0,
C = 0 + 0 + 3), not guaranteed in general (README "Disclosure control").
"""

from __future__ import annotations

import os
import random

import pytest

from .replay_attack import attack

SHARE = [("n", "d")]

# Review reproduction: numerators of Kommune B 2, 0, 5 against denominators 3, 0, 5
SHARE_PAIR = [("A1", "A", {"n": 6, "d": 9}), ("A2", "A", {"n": 7, "d": 8}),
              ("B1", "B", {"n": 2, "d": 3}), ("B2", "B", {"n": 0, "d": 0}),
              ("B3", "B", {"n": 5, "d": 5})]
# Review reproduction: Kommunen with one Sozialraum each, 1 / 1 against 6, 4, 4, limit 4
SINGLE_AREA = [(f"K{i}", f"K{i}", {"v": v}) for i, v in enumerate([1, 1, 6, 4, 4])]
# Found by the random cases below on the code before this rule (seed 32): the reader
# pinned the withheld denominator 1 of A1
SEED_32 = [("A1", "A", {"n": 0, "d": 1}), ("A2", "A", {"n": 8, "d": 8}),
           ("A3", "A", {"n": 1, "d": 1})]


def guaranteed(cell: tuple, rows) -> bool:
    """Cells the exchange argument covers: Sozialraum values, and totals of Kommunen
    with a single Sozialraum."""
    if cell[0] == "sozialraum":
        return True
    if cell[0] == "kommune":
        return sum(1 for _, g, _ in rows if g == cell[1]) == 1
    return False


def small_withheld(verdict, limit: int) -> list[tuple]:
    return [c for c, t in verdict.truth.items() if 0 < t < limit]


# Review reproduction (issue 10): with a published region total of 11, Kommune B = 1 + 0
# and Kommune C = 0 + 0 + 3, the replaying reader pinned B's total 1 (and C's 3): the
# exchange partner that only small values got (a withheld zero) showed which Kommune
# held the small value
KOMMUNE_TOTALS = [("A1", "A", {"v": 7}), ("B1", "B", {"v": 1}), ("B2", "B", {"v": 0}),
                  ("C1", "C", {"v": 0}), ("C2", "C", {"v": 0}), ("C3", "C", {"v": 3})]


@pytest.mark.parametrize("rows, limit, ratios", [
    pytest.param(SINGLE_AREA, 4, [], id="single-area-kommunen"),
    pytest.param(KOMMUNE_TOTALS, 3, [], id="kommune-totals"),
    pytest.param(SEED_32, 3, SHARE, id="seed-32")])
def test_review_reproductions_keep_every_value_open(rows, limit, ratios):
    verdict = attack(rows, limit, ratios)
    assert verdict.complete
    assert verdict.truth, "the case must withhold something"
    assert verdict.pinned() == [], {c: sorted(v) for c, v in verdict.values.items()}


def test_share_pair_exchanges_whole_sozialraeume():
    """The review's share pair: no single numerator of Kommune B can take the place of
    the 2 (5 > its denominator 3; the 0's denominator is 0), so a whole Sozialraum is
    the partner – and every withheld value of a Sozialraum keeps two possible values."""
    verdict = attack(SHARE_PAIR, 3, SHARE, only=lambda c, _: guaranteed(c, SHARE_PAIR))
    assert verdict.complete
    assert ("sozialraum", "B1", "d") in verdict.truth, "the 2's denominator is withheld too"
    cells = [c for c in verdict.truth if guaranteed(c, SHARE_PAIR) and verdict.truth[c] > 0]
    assert cells and all(len(verdict.values[c]) >= 2 for c in cells), {
        c: sorted(verdict.values[c]) for c in cells}


def random_case(rng: random.Random):
    limit = rng.choice([3, 4])
    n_muni = rng.randint(1, 3)
    share = rng.random() < 0.4
    rows = []
    for m in range(n_muni):
        for j in range(rng.randint(1, 3)):
            def value() -> int:
                return rng.choice([0, rng.randint(1, limit - 1),
                                   rng.randint(limit, limit + 3), rng.randint(0, 9)])
            name, ags = f"{chr(65 + m)}{j + 1}", chr(65 + m)
            if share:
                n = value()
                rows.append((name, ags, {"n": n, "d": n + rng.choice([0, 0, 1, rng.randint(0, 5)])}))
            else:
                rows.append((name, ags, {"v": value()}))
    return rows, limit, SHARE if share else []


# each case replays the procedure up to a few thousand times: deeper runs with
# REPLAY_CASES=50 (a case whose search reaches the bound is skipped, not passed; figures
# in README "Disclosure control")
CASES = int(os.environ.get("REPLAY_CASES", "4"))


@pytest.mark.parametrize("seed", range(CASES))
def test_no_small_value_is_pinned_for_a_reader_who_replays_the_rules(seed):
    rows, limit, ratios = random_case(random.Random(seed))
    verdict = attack(rows, limit, ratios, max_replays=2000,
                     only=lambda c, t: guaranteed(c, rows) and 0 < t < limit)
    if not verdict.complete:
        pytest.skip(f"search bound reached after {verdict.replays} replays")
    pinned = [c for c in small_withheld(verdict, limit)
              if guaranteed(c, rows) and len(verdict.values[c]) < 2]
    assert pinned == [], (rows, limit, {c: sorted(v) for c, v in verdict.values.items()})
