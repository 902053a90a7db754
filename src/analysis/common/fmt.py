"""German number and text formats for tables, figures and prose (Zahlenformate).

All numbers in the report are written in German notation (locale ``de_DE``, via Babel):
thousands separator ``.``, decimal comma, commercial rounding (0,05 → 0,1, *kaufmännisch*,
not banker's rounding), the typographic minus sign ``−`` (U+2212) for negative values.

Conventions shared by every formatter:

* missing values (``None``, ``NaN``, ``pd.NA``) become :data:`MISSING` (en dash ``–``);
* a mark – text without digits, such as the disclosure gate's mark for a withheld cell
  (:mod:`analysis.gate.published`) or :data:`MISSING` – is passed through unchanged, so
  formatted tables keep it; a number given as text is an error;
* units follow DIN 5008: a non-breaking space (U+00A0) between number and ``%``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

LOCALE = "de_DE"
MISSING = "–"  # en dash: no value available (keine Angabe)
MINUS = "\u2212"  # typographic minus sign
NBSP = "\u00a0"  # non-breaking space

__all__ = [
    "LOCALE",
    "MINUS",
    "MISSING",
    "NBSP",
    "apart",
    "apart_decimals",
    "round_apart",
    "count_phrase",
    "count_words",
    "is_missing",
    "is_mark",
    "join_de",
    "leaders",
    "number_word",
    "number",
    "per_thousand",
    "percent",
    "signed",
    "verb",
    "with_unit",
]


def is_mark(x: object) -> bool:
    """True if ``x`` is a mark that formatters pass through: text without a digit (the
    disclosure gate's mark of a withheld cell, :data:`MISSING`)."""
    return isinstance(x, str) and not any(c.isdigit() for c in x)


def is_missing(x: object) -> bool:
    """True for ``None``, float/NumPy ``NaN``, ``pd.NA`` and ``pd.NaT``."""
    if x is None:
        return True
    if isinstance(x, str):
        return False
    if isinstance(x, Decimal):
        return x.is_nan()
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        try:
            return math.isnan(x)
        except (TypeError, ValueError):
            return False
    # pd.NA / pd.NaT without importing pandas here
    return type(x).__name__ in {"NAType", "NaTType"}


def _quantize(x: object, decimals: int) -> Decimal:
    """Round ``x`` half up to ``decimals`` places; ``-0`` becomes ``0``."""
    if decimals < 0:
        raise ValueError(f"decimals muss >= 0 sein, erhalten: {decimals}")
    return _round(_exact(x), decimals)


def _exact(x: object) -> Decimal:
    """``x`` as the Decimal a reader would write (the shortest that round-trips)."""
    if isinstance(x, Decimal) and x.is_finite():
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"Zahl erwartet, erhalten: {x!r} ({type(x).__name__})")
    if isinstance(x, numbers.Integral):
        d = Decimal(int(x))
    else:
        f = float(x)
        if math.isinf(f):
            raise ValueError(f"Unendlicher Wert kann nicht formatiert werden: {x!r}")
        # repr() gives the shortest decimal that round-trips, so 0.15 stays 0.15
        # (not 0.1499999...) and rounds half up to 0.2 as a reader expects.
        try:
            d = Decimal(repr(f))
        except InvalidOperation as err:  # pragma: no cover - repr of a finite float
            raise ValueError(f"Wert nicht formatierbar: {x!r}") from err
    return d


def _round(d: Decimal, decimals: int) -> Decimal:
    q = d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return abs(q) if q == 0 else q


#: Python's separators (``1,234.5``) → German ones (``1.234,5``)
_GERMAN_SEPARATORS = str.maketrans({",": ".", ".": ","})


def _digits(q: Decimal, decimals: int) -> str:
    """A non-negative, already rounded Decimal in German digits: groups of three with
    ``.``, decimal comma, exactly ``decimals`` places (what Babel's ``de_DE`` pattern
    ``#,##0.0…`` gives, without its per-call pattern parsing: reports format hundreds of
    thousands of numbers)."""
    return f"{q:,.{decimals}f}".translate(_GERMAN_SEPARATORS)


def number(x: object, decimals: int = 0) -> str:
    """A number in German notation: ``1234`` → ``"1.234"``, ``11.5`` → ``"11,5"``.

    Parameters
    ----------
    x : int, float, NumPy number, ``None``/``NaN`` or a mark (:func:`is_mark`)
    decimals : int
        Decimal places (rounded half up), default 0.

    Returns
    -------
    str
        ``"–"`` for a missing value, a mark unchanged, negative values with
        the minus sign U+2212 (``"−1.234"``).
    """
    if is_mark(x):
        return x
    if is_missing(x):
        return MISSING
    q = _quantize(x, decimals)
    text = _digits(abs(q), decimals)
    return MINUS + text if q < 0 else text


def percent(x: object, decimals: int = 1) -> str:
    """A value already in percent: ``11.5`` → ``"11,5 %"`` (non-breaking space before %)."""
    text = number(x, decimals)
    if is_mark(text):
        return text
    return f"{text}{NBSP}%"


def per_thousand(x: object, decimals: int = 1) -> str:
    """A rate per 1,000: ``12.3`` → ``"12,3 je 1.000"``."""
    text = number(x, decimals)
    if is_mark(text):
        return text
    return f"{text} je 1.000"


def signed(x: object, decimals: int = 1) -> str:
    """A change with explicit sign: ``"+1,2"``, ``"−0,4"``, ``"±0,0"`` for zero."""
    text = number(x, decimals)
    if is_mark(text):
        return text
    if text.startswith(MINUS):
        return text
    if _quantize(x, decimals) == 0:
        return "±" + text
    return "+" + text


def change_unit(unit: str | None) -> str:
    """The unit of a change of a value in ``unit``: a share (%) changes by
    „Prozentpunkte“, any other value by its own unit („je 1.000“)."""
    return "Prozentpunkte" if unit == "%" else (unit or "")


#: at most this many decimals more than asked for to tell a value from a bound
APART_EXTRA = 3


def _sides(x: object, bounds: Iterable[object]) -> list[tuple[Decimal, int]]:
    """Each finite bound other than ``x`` with the side ``x`` lies on (−1 below, 1 above)."""
    exact = _exact(x)
    out = []
    for b in bounds:
        if is_missing(b) or is_mark(b):
            continue
        bound = _exact(b)
        if bound != exact:
            out.append((bound, -1 if exact < bound else 1))
    return sorted(out)


def apart_decimals(x: object, bounds: Iterable[object], decimals: int,
                   extra: int = APART_EXTRA) -> int:
    """The decimals to show ``x`` with so that it never appears *as* a bound that
    decides its class (a threshold, a target, an interval limit) nor on its other side.

    ``decimals`` as a rule; one more at a time – up to ``extra`` more – while ``x``
    rounded lands on or across one of ``bounds`` it is not equal to: ``0.996`` against
    the threshold ``1.0`` with 2 decimals gives 3 („0,996“, not „1,00“), ``1.004`` also 3
    („1,004“). A value equal to a bound keeps ``decimals``; so does a missing value or
    a mark. The bounds are compared as they are (not rounded): the rule serves a reader
    who compares the shown value with the bound as the report states it.
    """
    if is_mark(x) or is_missing(x):
        return decimals
    sides = _sides(x, bounds)
    d = decimals
    while d < decimals + extra and not _clear(x, sides, d):
        d += 1
    return d


def _clear(x: object, sides: list[tuple[Decimal, int]], decimals: int) -> bool:
    q = _quantize(x, decimals)
    return all((q - bound) * side > 0 for bound, side in sides)


def apart(x: object, bounds: Iterable[object], decimals: int = 1,
          style: Callable[[object, int], str] | None = None) -> str:
    """``x`` formatted by ``style`` (default :func:`number`; :func:`signed`,
    :func:`percent` …) with :func:`apart_decimals`, so that a value on one side of a
    bound never reads as the bound: ``apart(0.996, [1.0], 2, signed)`` → ``"+0,996"``.

    Should even ``extra`` more decimals not tell it apart (a difference in the float
    noise), the value is shown with ``decimals`` after „knapp unter“ / „knapp über“ the
    bound. Missing values and marks as :func:`number`.
    """
    style = style or number
    if is_mark(x) or is_missing(x):
        return style(x, decimals)
    bounds = list(bounds)
    d = apart_decimals(x, bounds, decimals)
    sides = _sides(x, bounds)
    if _clear(x, sides, d):
        return style(x, d)
    bound, side = next((b, s) for b, s in sides if (_quantize(x, d) - b) * s <= 0)
    return f"knapp {'unter' if side < 0 else 'über'} {style(bound, decimals)}"


def round_apart(x: float, bounds: Iterable[object], decimals: int) -> float:
    """``x`` rounded for a download (a number, not text) by the rule of :func:`apart`:
    ``decimals`` places, more only where that would put it on or across a bound. Missing
    values stay missing."""
    if is_missing(x):
        return x
    return round(float(x), apart_decimals(x, bounds, decimals))


def with_unit(x: object, unit: str | None = None, decimals: int = 1) -> str:
    """A value followed by its unit, as written in prose, alt texts and tables.

    ``unit`` ``"%"`` → :func:`percent`; ``"je 1.000"`` (or ``"‰"``) → :func:`per_thousand`;
    any other unit is appended after a non-breaking space; ``None``/``""`` → bare number.
    """
    if unit in (None, ""):
        return number(x, decimals)
    if unit == "%":
        return percent(x, decimals)
    if unit in ("je 1.000", "‰", "je 1000"):
        return per_thousand(x, decimals)
    text = number(x, decimals)
    if is_mark(text):
        return text
    return f"{text}{NBSP}{unit}"


def count_phrase(n: int, singular: str, plural: str) -> str:
    """Count and noun in agreement: ``"1 Sozialraum"``, ``"15 Sozialräume"``, ``"1.234 …"``."""
    if is_missing(n) or isinstance(n, bool) or not isinstance(n, numbers.Integral):
        if isinstance(n, float) and not is_missing(n) and float(n).is_integer():
            n = int(n)
        else:
            raise TypeError(f"Ganze Zahl erwartet, erhalten: {n!r}")
    return f"{number(int(n))} {singular if int(n) == 1 else plural}"


def join_de(items: Iterable[object], last: str = "und") -> str:
    """German enumeration: ``[]`` → ``""``, ``["A"]`` → ``"A"``, ``["A","B","C"]`` →
    ``"A, B und C"``; ``last="sowie"`` when an item may itself contain „und“
    („Armut, Ältere sowie Kinder und Familien“)."""
    parts = [str(i) for i in items]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + f" {last} " + parts[-1]


_WORDS = ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun",
          "zehn", "elf", "zwölf")


def number_word(n: int) -> str:
    """A count in words up to twelve (German style for running text), else digits."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"Ganze Zahl erwartet, erhalten: {n!r}")
    return _WORDS[int(n)] if 0 <= int(n) <= 12 else number(int(n))


# ---------------------------------------------------------------------------
# Counts in running text (German agreement)
# ---------------------------------------------------------------------------
# indefinite and negative article by grammatical gender ("m", "f", "n") and case
_ARTICLE = {
    ("m", "nom"): ("ein", "kein"), ("f", "nom"): ("eine", "keine"), ("n", "nom"): ("ein", "kein"),
    ("m", "akk"): ("einen", "keinen"), ("f", "akk"): ("eine", "keine"), ("n", "akk"): ("ein", "kein"),
    ("m", "dat"): ("einem", "keinem"), ("f", "dat"): ("einer", "keiner"), ("n", "dat"): ("einem", "keinem"),
}


def _whole(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        if isinstance(n, float) and not is_missing(n) and float(n).is_integer():
            return int(n)
        raise TypeError(f"Ganze Zahl erwartet, erhalten: {n!r}")
    return int(n)


def count_words(n: int, singular: str, plural: str, genus: str = "m", case: str = "nom") -> str:
    """A count with its noun as running text requires it.

    0 → ``"kein Sozialraum"`` / ``"keine Kommune"``, 1 → ``"ein Sozialraum"`` /
    ``"einer Kommune"`` (dative), 2–12 in words (``"drei Kommunen"``), from 13 on digits
    (``"15 Sozialräume"``, ``"1.234 …"``). ``genus`` is the noun's grammatical gender
    (``m``, ``f``, ``n``), ``case`` ``nom``, ``akk`` or ``dat`` (pass the dative plural,
    e.g. ``"Sozialräumen"``, as ``plural`` for ``dat``)."""
    k = _whole(n)
    one, none = _ARTICLE[(genus, case)]
    if k == 0:
        return f"{none} {singular}"
    if k == 1:
        return f"{one} {singular}"
    return f"{number_word(k)} {plural}"


def count_pronoun(n: int, genus: str = "m", case: str = "nom") -> str:
    """A count standing for a noun named elsewhere in the sentence: 0 → ``"keinem"``,
    1 → ``"einem"`` (dative masculine), else as :func:`number_word` (``"in keinem, einem
    und drei dieser Sozialräume"``)."""
    k = _whole(n)
    one, none = _ARTICLE[(genus, case)]
    if k > 1:
        return number_word(k)
    word = none if k == 0 else one
    # standing alone, the masculine/neuter nominative takes the pronoun ending (keiner/eins)
    if case == "nom" and genus in ("m", "n"):
        word += "er" if genus == "m" else "s"
    return word


def verb(n: int, singular: str, plural: str) -> str:
    """The verb form agreeing with a count (``1`` → ``"hat"``, else ``"haben"``)."""
    return singular if _whole(n) == 1 else plural


def leaders(counts: Iterable[tuple[str, int]], k: int = 3) -> list[tuple[str, int]]:
    """The ``k`` largest counts **with every tie of the last one** (descending, input
    order among equals): ``[(A, 6), (B, 6), (C, 6), (D, 6), (E, 2)]`` with ``k=2`` gives all
    four 6s. Zero counts are never leaders."""
    ranked = sorted(((name, _whole(v)) for name, v in counts if _whole(v) > 0),
                    key=lambda t: -t[1])
    if len(ranked) <= k:
        return ranked
    cut = ranked[k - 1][1]
    return [t for t in ranked if t[1] >= cut]
