"""German number formats (analysis.common.fmt)."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis.common import fmt

NBSP = "\u00a0"
MINUS = "\u2212"


@pytest.mark.parametrize(
    ("x", "decimals", "expected"),
    [
        (0, 0, "0"),
        (999, 0, "999"),
        (1234, 0, "1.234"),
        (1234567, 0, "1.234.567"),
        (11.5, 1, "11,5"),
        (11.54, 1, "11,5"),
        (0.15, 1, "0,2"),  # half up, not banker's rounding
        (2.5, 0, "3"),
        (1234.5, 2, "1.234,50"),
        (-1234.56, 1, f"{MINUS}1.234,6"),
        (-0.04, 1, "0,0"),  # no negative zero
        (np.int64(42), 0, "42"),
        (np.float64(3.25), 1, "3,3"),
    ],
)
def test_number(x, decimals, expected):
    assert fmt.number(x, decimals) == expected


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, float("nan")])
def test_missing_is_en_dash_everywhere(missing):
    for f in (fmt.number, fmt.percent, fmt.per_thousand, fmt.signed):
        assert f(missing) == "–"


def test_withheld_mark_passes_through():
    from analysis.gate.published import MARK

    assert MARK == "•" and fmt.is_mark(MARK) and not fmt.is_mark("12")
    for f in (fmt.number, fmt.percent, fmt.per_thousand, fmt.signed):
        assert f(MARK) == MARK


def test_percent_uses_non_breaking_space():
    assert fmt.percent(11.5) == f"11,5{NBSP}%"
    assert fmt.percent(11.46) == f"11,5{NBSP}%"
    assert fmt.percent(3, 0) == f"3{NBSP}%"
    assert fmt.percent(-2.25) == f"{MINUS}2,3{NBSP}%"


def test_per_thousand():
    assert fmt.per_thousand(12.34) == "12,3 je 1.000"
    assert fmt.per_thousand(1500) == "1.500,0 je 1.000"


def test_signed_uses_real_minus_sign():
    assert fmt.signed(1.23) == "+1,2"
    assert fmt.signed(-0.4) == f"{MINUS}0,4"
    assert fmt.signed(-1234.5, 0) == f"{MINUS}1.235"
    assert fmt.signed(0) == "±0,0"
    assert fmt.signed(-0.01) == "±0,0"
    assert "-" not in fmt.signed(-3)


def test_with_unit():
    assert fmt.with_unit(11.5, "%") == f"11,5{NBSP}%"
    assert fmt.with_unit(12.3, "je 1.000") == "12,3 je 1.000"
    assert fmt.with_unit(4, "Personen", 0) == f"4{NBSP}Personen"
    assert fmt.with_unit(4.25, None) == "4,3"
    assert fmt.with_unit("•", "%") == "•"


def test_count_phrase():
    assert fmt.count_phrase(1, "Sozialraum", "Sozialräume") == "1 Sozialraum"
    assert fmt.count_phrase(15, "Sozialraum", "Sozialräume") == "15 Sozialräume"
    assert fmt.count_phrase(0, "Sozialraum", "Sozialräume") == "0 Sozialräume"
    assert fmt.count_phrase(1234, "Person", "Personen") == "1.234 Personen"
    assert fmt.count_phrase(np.int64(1), "Kommune", "Kommunen") == "1 Kommune"


def test_join_de():
    assert fmt.join_de([]) == ""
    assert fmt.join_de(["A"]) == "A"
    assert fmt.join_de(["Armut", "Kinder und Familien"], last="sowie") == \
        "Armut sowie Kinder und Familien"
    assert fmt.join_de(["A", "B"]) == "A und B"
    assert fmt.join_de(["A", "B", "C"]) == "A, B und C"
    assert fmt.join_de(x for x in ("Aachen", "Stolberg")) == "Aachen und Stolberg"


def test_rejects_text_and_infinity():
    with pytest.raises(TypeError):
        fmt.number("12")
    with pytest.raises(ValueError):
        fmt.number(math.inf)


def test_digits_match_babel_german_pattern():
    """fmt writes German digits itself (speed); they must be exactly Babel's de_DE output."""
    from decimal import Decimal

    from babel.numbers import format_decimal

    rng = np.random.default_rng(7)
    values = [0, 1, 9, 10, 999, 1000, 1234, 99999, 100000, 999999, 1000000, 12345678901]
    values += list(rng.integers(0, 10**12, 300)) + list(rng.random(300) * 10.0 ** rng.integers(-3, 10, 300))
    for decimals in range(4):
        for v in values:
            q = fmt._quantize(v, decimals)
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            want = format_decimal(abs(q), format=pattern, locale="de_DE", decimal_quantization=True)
            assert fmt._digits(abs(q), decimals) == want, (v, decimals)
    assert fmt.number(Decimal("1234567.5"), 1) == "1.234.567,5"


def test_change_unit_of_a_share_is_percentage_points():
    assert fmt.change_unit("%") == "Prozentpunkte"
    assert fmt.change_unit("je 1.000") == "je 1.000"
    assert fmt.change_unit(None) == "" and fmt.change_unit("") == ""
