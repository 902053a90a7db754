"""Area codes and Kommune ids: their form, natural order and safe slugs.

Area codes (``sozialraum``) and Kommune ids (column ``ags``) are free-text ids in the
region's own form – ``AC 1``, ``0110``, ``01100101``, ``Mitte-Nord``, ``12.3`` – always
read as text (leading zeros are kept). A Kommune id is shown to readers as an „AGS“ only
when it is a real Amtlicher Gemeindeschlüssel (8 digits, Land 01–16).

This module is the single implementation of the natural order of codes and names
(:func:`natural_key`) and of the slugs derived from ids for file names and anchors
(:func:`id_slugs`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

# letters (any script, incl. umlauts) and digits 0–9, then also space, "-", "_", "."
_LETTER_OR_DIGIT = r"(?:[^\W\d_]|[0-9])"
ID_MAX_LENGTH = 40
ID_RE = rf"^{_LETTER_OR_DIGIT}(?:{_LETTER_OR_DIGIT}|[ ._\-])*$"
# a Kommune id made of digits only must be an AGS (guards against lost leading zeros)
AGS_RE = r"^(?:0[1-9]|1[0-6])[0-9]{6}$"
KOMMUNE_ID_DIGITS_RE = rf"^(?:.*[^0-9].*|{AGS_RE[1:-1]})$"


def is_ags(text: object) -> bool:
    """Whether ``text`` is a real Amtlicher Gemeindeschlüssel: 8 digits, Land 01–16."""
    return isinstance(text, str) and re.fullmatch(AGS_RE[1:-1], text) is not None


def natural_key(text: object) -> tuple:
    """Natural sort key: digit runs compare as numbers, text case-insensitively.

    ``AC 2`` < ``AC 10``, ``A 1a`` < ``A 1b``, ``0110`` < ``0111``; the raw text breaks
    ties (``01`` / ``1``, ``a`` / ``A``), so the order is total and stable.
    """
    s = str(text)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold())
                  for p in re.split(r"([0-9]+)", s) if p != "")
    return (parts, s)


def natural_sorted(items: Iterable) -> list:
    """``items`` sorted by :func:`natural_key`."""
    return sorted(items, key=natural_key)


def natural_rows(frame, column: str, *then: str):
    """The rows of a DataFrame in the natural order of ``column`` (:func:`natural_key`),
    ties broken by the plain order of the columns ``then``; the index is kept."""
    order = sorted(range(len(frame)), key=lambda i: (
        natural_key(frame[column].iloc[i]), *(frame[c].iloc[i] for c in then)))
    return frame.iloc[order]


def slug(text: str) -> str:
    """A file-name and anchor safe form of an id: ``a–z``, ``0–9``, ``_``, ``-``.

    Umlauts are transliterated (``ä`` → ``ae``), other accents dropped, runs of other
    characters become one ``-``. Not unique on its own: use :func:`id_slugs`.
    """
    t = unicodedata.normalize("NFC", str(text)).strip().lower()
    t = t.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"}))
    t = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode("ascii")
    t = re.sub(r"[^a-z0-9_]+", "-", t).strip("-_")
    return t or "id"


def id_slugs(ids: Iterable[str]) -> dict[str, str]:
    """Unique slugs of ``ids``: :func:`slug`, and where two ids give the same slug, each of
    them gets a short hash of the id appended (the same id always gets the same slug for
    the same set of ids)."""
    ids = sorted({str(i) for i in ids}, key=natural_key)
    base = {i: slug(i) for i in ids}
    count: dict[str, int] = {}
    for s in base.values():
        count[s] = count.get(s, 0) + 1
    out = {}
    for i in ids:
        s = base[i]
        if count[s] > 1:
            s = f"{s}-{hashlib.sha256(i.encode()).hexdigest()[:8]}"
        out[i] = s
    return out


PROFILE_PAGE = "40_profil_{}"  # page slug of a Kommunalprofil (Sozialbericht)
AREA_ANCHOR = "sr-{}"  # anchor of an area: its entry on the Kommunalprofil, its Steckbrief
AREA_PAGE = "41_sr_{}"  # page slug of an area's Steckbrief (Sozialbericht)


def profile_pages(kommune_ids: Iterable[str]) -> dict[str, str]:
    """Kommune id → page slug of its Kommunalprofil (safe and unique for any ids)."""
    return {k: PROFILE_PAGE.format(s) for k, s in id_slugs(kommune_ids).items()}


def field_pages(fields: Iterable[str]) -> dict[str, str]:
    """Field id → page slug of its chapter in the Sozialbericht (``2<n>_<id>``, n = its
    position in the configuration)."""
    return {f: f"2{i}_{f}" for i, f in enumerate(fields)}


def area_anchors(codes: Iterable[str]) -> dict[str, str]:
    """Area code → anchor id of the area (safe and unique for any codes): its entry in
    the list of areas on the Kommunalprofil and the main section of its Steckbrief."""
    return {c: AREA_ANCHOR.format(s) for c, s in id_slugs(codes).items()}


def area_pages(codes: Iterable[str]) -> dict[str, str]:
    """Area code → page slug of its Steckbrief (safe and unique for any codes; the same
    slug as in its anchor, so ``0110`` → ``41_sr_0110``, ``Mitte-Nord`` → ``41_sr_mitte-nord``)."""
    return {c: AREA_PAGE.format(s) for c, s in id_slugs(codes).items()}

