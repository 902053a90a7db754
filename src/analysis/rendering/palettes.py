"""Colour palettes of the maps and how distinguishable they stay for colour-blind readers.

Three kinds of palette, one per kind of measure:

- **diverging** (:data:`DIVERGING`): z-scores and indices, centred on 0. ColorBrewer
  *RdBu* (5 classes, documented as colour-blind safe), reversed so that blue means less
  need than the regional mean, red more, and the middle class (around 0) is a light grey,
  not an alarming colour.
- **sequential** (:func:`sequential`): counts and rates where more is more (e.g. the
  number of fields with need), ColorBrewer *OrRd*: from almost white to dark red (the
  widest lightness range, so neighbouring classes stay apart for up to 7 classes).
- **categorical** (:data:`CATEGORICAL`): categories without order, from the Okabe–Ito
  palette (designed for colour-vision deficiencies); "nothing to report" categories use
  :data:`NEUTRAL`.

:func:`simulate` reproduces what readers with protanopia, deuteranopia or tritanopia see
(Machado, Oliveira & Fernandes 2009, severity 1.0, applied in linear RGB) and
:func:`min_distance` the smallest CIELAB colour difference (ΔE*ab, CIE 1976) between any
two colours of a palette under normal vision and each simulation; the unit tests assert a
minimum for every palette the reports use.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import to_hex, to_rgb

__all__ = [
    "ATTENTION",
    "CATEGORICAL",
    "COVERAGE",
    "COVERAGE_BORDERLINE",
    "DIVERGING",
    "NEED",
    "NEED_BORDERLINE",
    "NEUTRAL",
    "min_distance",
    "sequential",
    "simulate",
]

#: ColorBrewer RdBu (5 classes) reversed: much less need … much more need
DIVERGING: tuple[str, ...] = ("#0571B0", "#92C5DE", "#F0F0F0", "#F4A582", "#CA0020")
#: a category that means "nothing to report" (kein Handlungsbedarf, kein Gebiet)
NEUTRAL = "#E4E4E4"
#: Okabe–Ito: blue, orange, bluish green, vermillion, sky blue, reddish purple, yellow
CATEGORICAL: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
)
#: need maps: no need (neutral) / need (Okabe–Ito vermillion)
NEED: tuple[str, str] = (NEUTRAL, "#D55E00")
#: need maps with borderline classes: no need, no need (borderline), need (borderline), need
NEED_BORDERLINE: tuple[str, str, str, str] = (NEUTRAL, "#F9D5BD", "#E8894A", "#B54B00")

#: need and services: no need / need, service in the area / only next door / none
COVERAGE: tuple[str, str, str, str] = (NEUTRAL, "#56B4E9", "#E69F00", "#D55E00")
#: need and services with borderline need as a class of its own: no need / need, borderline /
#: need, service in the area / only next door / none
COVERAGE_BORDERLINE: tuple[str, str, str, str, str] = (NEUTRAL, "#F0E442", *COVERAGE[1:])
#: status × dynamics (highest type over the fields): inconspicuous, watch (negative
#: dynamics without need), need without a secured worsening, need with a worsening in
#: another field or of single indicators, special attention (need and negative dynamics).
#: The top class is a dark purple, apart in hue and lightness from the vermillion below it
#: (two oranges merged on paper, review R4-19)
ATTENTION: tuple[str, str, str, str, str] = (NEUTRAL, "#56B4E9", "#F3C677", "#D55E00",
                                             "#5E1A5E")
#: an area that belongs to several categories at once (e.g. "mehrere Felder")
SEVERAL = "#555555"

# Machado et al. (2009), severity 1.0, for linear RGB
_CVD = {
    "protan": np.array([[0.152286, 1.052583, -0.204868],
                        [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]]),
    "deutan": np.array([[0.367322, 0.860646, -0.227968],
                        [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]]),
    "tritan": np.array([[1.255528, -0.076749, -0.178779],
                        [-0.078411, 0.930809, 0.147602],
                        [0.004733, 0.691367, 0.303900]]),
}
VISIONS = ("normal", *_CVD)


def sequential(k: int) -> list[str]:
    """``k`` sequential colours from almost white to dark red (OrRd), as hex strings."""
    if k < 1:
        raise ValueError("Mindestens eine Klasse nötig.")
    cmap = colormaps["OrRd"]
    if k == 1:
        return [to_hex(cmap(0.55))]
    return [to_hex(cmap(p)) for p in np.linspace(0.0, 1.0, k)]


def _linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def _srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    return np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)


def simulate(colour: str, vision: str) -> str:
    """``colour`` as seen with ``vision`` (``normal``, ``protan``, ``deutan``, ``tritan``)."""
    if vision == "normal":
        return to_hex(colour)
    lin = _linear(np.array(to_rgb(colour)))
    return to_hex(tuple(float(x) for x in _srgb(_CVD[vision] @ lin)))


def lab(colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour."""
    lin = _linear(np.array(to_rgb(colour)))
    m = np.array([[0.4124564, 0.3575761, 0.1804375],
                  [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str) -> float:
    """CIE 1976 colour difference ΔE*ab (about 2,3 is just noticeable)."""
    return float(np.linalg.norm(lab(a) - lab(b)))


def min_distance(colours: Sequence[str], vision: str = "normal",
                 adjacent_only: bool = False) -> float:
    """Smallest ΔE*ab between two colours of ``colours`` as seen with ``vision``.

    ``adjacent_only``: only neighbouring classes (for ordered palettes, where a reader
    compares a class with the next one and the order itself carries the meaning)."""
    seen = [simulate(c, vision) for c in colours]
    pairs = (zip(seen[:-1], seen[1:], strict=True) if adjacent_only
             else itertools.combinations(seen, 2))
    return min(delta_e(a, b) for a, b in pairs)
