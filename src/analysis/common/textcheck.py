"""Checks of published text, shared by the validator and the page check.

* :func:`forbidden_char` – characters that must not appear in any text field: C0 control
  characters (tab, line feed and carriage return excepted), DEL, C1 control characters,
  bidirectional controls (a right-to-left override makes a name display as another) and
  zero-width characters (including U+FEFF inside text).
* :func:`leak` – text that looks like a machine path or a timestamp; the page check of
  :mod:`analysis.rendering.assemble` refuses such pages, so ``validate`` refuses such input with
  the same predicate.

Text is not NFC-normalised: decomposed umlauts display like composed ones and area codes
are plain ASCII, so input is published as delivered.
"""

from __future__ import annotations

import re
import unicodedata

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
FORBIDDEN_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS + ZERO_WIDTH + "]")

_PATH_ROOTS = ("root", "work", "home", "tmp", "Users", "var/folders", "private/var")
ABS_PATH_RE = re.compile(
    r"file:/"
    r"|(?<![\w.~/-])/(?:" + "|".join(_PATH_ROOTS) + r")(?:/|\b)"
    r"|\b[A-Za-z]:\\(?:Users|Documents|Dokumente)\\"
)
#: every match of ABS_PATH_RE contains one of these: a text without them holds no path
#: (a substring test is much faster than the regex on a long page)
ABS_PATH_HINTS = ("file:/", ":\\", *(f"/{root}" for root in _PATH_ROOTS))
TIMESTAMP_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
#: every match of TIMESTAMP_RE contains a match of this one, which starts with a literal
#: (the regex engine scans for it quickly): a text without one holds no timestamp
TIMESTAMP_HINT_RE = re.compile(r"-\d{2}[T ]\d{2}:")
#: a page containing it is taken for a crashed chapter and refused
TRACEBACK_MARK = "Traceback (most recent call last)"


def path_matches(text: str) -> list[str]:
    """Every match of :data:`ABS_PATH_RE` in ``text``, in order (fast when there is none)."""
    if not any(hint in text for hint in ABS_PATH_HINTS):
        return []
    return [m.group(0) for m in ABS_PATH_RE.finditer(text)]


def timestamp_matches(text: str) -> list[str]:
    """Every match of :data:`TIMESTAMP_RE` in ``text``, in order (fast when there is none)."""
    if TIMESTAMP_HINT_RE.search(text) is None:
        return []
    return [m.group(0) for m in TIMESTAMP_RE.finditer(text)]


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "")
    code = f"U+{ord(ch):04X}"
    if name:
        return f"{code} {name}"
    return f"{code} (Steuerzeichen)"


def forbidden_char(text: str) -> tuple[int, str] | None:
    """``(position, description)`` of the first forbidden character, or ``None``."""
    m = FORBIDDEN_RE.search(text)
    if m is None:
        return None
    return m.start(), _describe(m.group(0))


def leak(text: str) -> str | None:
    """What makes ``text`` look like a machine path, a timestamp or a Python error
    message (each refused by the page check), or ``None``."""
    # every match contains "/" or "\\" resp. ":" – a cheap test first (large columns)
    m = ABS_PATH_RE.search(text) if "/" in text or "\\" in text else None
    if m is not None:
        return f"Rechnerpfad „{m.group(0)}“"
    m = TIMESTAMP_RE.search(text) if ":" in text else None
    if m is not None:
        return f"Zeitstempel „{m.group(0)}“"
    if TRACEBACK_MARK in text:
        return "Python-Fehlermeldung („Traceback …“)"
    return None


def text_problem(text: str) -> tuple[int, str, str] | None:
    """``(position, message, hint)`` of the first problem of a text field, or ``None``."""
    bad = forbidden_char(text)
    if bad is not None:
        pos, what = bad
        return (pos, f"unerlaubtes Zeichen {what} (Steuer-, Richtungs- oder "
                "unsichtbares Zeichen)",
                "Zeichen löschen (oft beim Kopieren aus anderen Programmen eingefügt); "
                "Text neu eintippen")
    found = leak(text)
    if found is not None:
        m = ABS_PATH_RE.search(text) or TIMESTAMP_RE.search(text)
        return (m.start() if m else text.find(TRACEBACK_MARK),
                f"Text enthält einen {found}; solche Angaben dürfen nicht veröffentlicht "
                "werden (Berichtsseiten werden sonst abgelehnt)",
                "Pfad, Uhrzeit bzw. Fehlermeldung entfernen (ein Datum allein, z. B. "
                "2021-05-17, ist erlaubt)")
    return None
