"""Accessible, reproducible charts (Diagramme) for the report.

Every chart function returns a :class:`FigureOutput`: an SVG image with German alt text
generated from the plotted data, a caption and the data as an accessible table ("a table
beside every chart"). SVGs are byte-identical on rebuild (fixed hash salt, no date or
creator metadata, text kept as text). Colours are colour-blind-safe (Okabe–Ito hues,
darkened to at least 3:1 contrast against white), text is near-black, and colour is
never the only cue (markers, labels, bold highlight).

Suppressed values (``"•"``, or ``NaN`` flagged in a ``suppressed_col``) are not plotted;
the alt text says how many were suppressed, the table shows the ``•``.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, Formatter, FuncFormatter, MaxNLocator, MultipleLocator

from analysis.common import fmt
from analysis.common.ids import natural_key
from analysis.gate import published as P
from analysis.rendering.tables import html_table, wrap_region

__all__ = [
    "FigureOutput",
    "LINE_COLOURS",
    "NO_DESCRIPTION",
    "RC",
    "bar_with_intervals",
    "profile_chart",
    "render_svg",
    "trend_lines",
]

# Settings that make the SVG deterministic and its text selectable/scalable.
RC: dict[str, object] = {
    "svg.hashsalt": "sozialplanung",
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Liberation Sans", "Helvetica"],
    "font.size": 10,
    "text.color": "#222222",
    "axes.labelcolor": "#222222",
    "axes.edgecolor": "#444444",
    "xtick.color": "#444444",
    "ytick.color": "#444444",
    "xtick.labelcolor": "#222222",
    "ytick.labelcolor": "#222222",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": True,
    "axes.formatter.use_locale": False,
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "path.simplify": True,
}
SVG_METADATA = {"Date": None, "Creator": None}
# nbconvert's default alt text: must never appear in the report.
NO_DESCRIPTION = "No description has been provided for this image"

TEXT = "#222222"
GRID = "#D9D9D9"
NEUTRAL = "#0072B2"  # Okabe-Ito blue, 5.2:1 on white
NEUTRAL_PALE = "#BFD7EA"
HIGHLIGHT = "#C45200"  # darkened Okabe-Ito vermillion, 4.6:1
HIGHLIGHT_PALE = "#F6CBAA"
ABOVE = "#C45200"  # profile: more need than the region
BELOW = "#0072B2"  # profile: less need than the region
# Okabe-Ito hues darkened to >= 3:1 contrast on white (WCAG 1.4.11).
LINE_COLOURS = ("#0072B2", "#C45200", "#007A5E", "#AA6F00", "#B35A8C", "#000000", "#666666")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LINESTYLES = ("-", "--", ":", "-.")
WIDTH_IN = 7.5


# ---------------------------------------------------------------------------
# Output object
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class FigureOutput:
    """A chart or map with alt text, caption and data table; shows as HTML in notebooks.

    Attributes
    ----------
    svg : bytes
        The image (deterministic SVG).
    alt : str
        German alternative text derived from the data.
    title : str
        First line of the ``<figcaption>``.
    table : DataFrame
        The plotted data as displayed in the accompanying table.
    caption : str, optional
        Second line of the caption (source, note).
    number_formats, row_header : see :func:`analysis.rendering.tables.html_table`.
    figure : matplotlib Figure, optional
        Kept for saving other formats (:meth:`save_png`); not part of the HTML.
    column_groups : tuple of (label, columns), optional
        Show the data as several tables, one per group (the row header repeated in each),
        so that a table of many columns fits a page: "Daten zur Abbildung: title – label".
    """

    svg: bytes = field(repr=False)
    alt: str
    title: str
    table: pd.DataFrame = field(repr=False)
    caption: str | None = None
    number_formats: Mapping[str, Callable[[object], str]] | None = field(default=None, repr=False)
    row_header: str | None = None
    figure: Figure | None = field(default=None, repr=False, compare=False)
    inline: bool = False  # True: ``svg`` is made for the page (:func:`inline_svg`), not <img>
    row_links: Sequence[str | None] | None = field(default=None, repr=False, compare=False)
    column_groups: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def __post_init__(self) -> None:
        if not self.alt or not self.alt.strip() or NO_DESCRIPTION in self.alt:
            raise ValueError("Eine Abbildung braucht einen Alternativtext.")

    @property
    def table_caption(self) -> str:
        return f"Daten zur Abbildung: {self.title}"

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")

    @property
    def html(self) -> str:
        esc = html.escape
        figcaption = f"<strong>{esc(self.title)}</strong>"
        if self.caption:
            figcaption += f'<br><span class="chart-note">{esc(self.caption)}</span>'
        parts = []
        for label, columns in self.column_groups or (("", tuple(self.table.columns)),):
            keep = [c for c in self.table.columns if c == self.row_header or c in columns]
            caption = f"{self.table_caption} – {label}" if label else self.table_caption
            formats = {c: f for c, f in (self.number_formats or {}).items() if c in keep}
            parts.append(wrap_region(
                html_table(self.table[keep], caption, number_formats=formats,
                           row_header=self.row_header, row_links=self.row_links), caption))
        image = (self.svg.decode("utf-8") if self.inline
                 else f'<img alt="{esc(self.alt, quote=True)}" src="{self.data_uri}">')
        return (
            f'<figure class="chart{" inline" if self.inline else ""}">\n'
            f"{image}\n"
            f"<figcaption>{figcaption}</figcaption>\n"
            "</figure>\n"
            '<details class="chart-data">\n'
            "<summary>Tabelle zur Abbildung</summary>\n"
            + "\n".join(parts) + "\n"
            "</details>"
        )

    def _repr_html_(self) -> str:
        return self.html

    def save_svg(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_bytes(self.svg)
        return path

    def save_png(self, path: str | Path, dpi: int = 150) -> Path:
        """PNG for viewing or slides (metadata-free, but PNG is not the report format)."""
        if self.figure is None:
            raise ValueError("Keine Figur vorhanden.")
        path = Path(path)
        with rc_context(RC):
            self.figure.savefig(
                path, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight"
            )
        return path


_PATH_DATA = re.compile(rb'(?<= d=")[^"]*(?=")')
_NUMBER = re.compile(rb"-?\d+\.\d+")


def _compact_path(match: re.Match[bytes]) -> bytes:
    """Path data with 2 decimals (1/100 pt) and single spaces: much smaller maps."""

    def short(m: re.Match[bytes]) -> bytes:
        text = f"{float(m.group()):.2f}".rstrip("0").rstrip(".")
        return b"0" if text in ("-0", "") else text.encode()

    return b" ".join(_NUMBER.sub(short, match.group()).split())


def render_svg(fig: Figure, mark: str | None = None) -> bytes:
    """Serialise ``fig`` as deterministic SVG (fixed ids, no date, no creator).

    ``mark`` (e.g. "Synthetische Demodaten") is written into the image itself, bottom
    left, so that it travels with the picture when it is copied out of the report.
    Path coordinates are rounded to 1/100 pt, which is far below what a screen or
    printer resolves and keeps maps small."""
    if mark:
        fig.text(0.0, 0.0, mark, ha="left", va="top", fontsize=8, fontweight="bold",
                 color="#8a1c00", transform=fig.transFigure)
    buf = io.BytesIO()
    with rc_context(RC):
        fig.savefig(buf, format="svg", metadata=SVG_METADATA, bbox_inches="tight")
    return _PATH_DATA.sub(_compact_path, buf.getvalue())


#: gid prefixes that :func:`inline_svg` turns into links / hides from assistive technology
LINK_GID = "sozialplanung-link-"
DECOR_GID = "sozialplanung-decor-"
_ID_ATTR = re.compile(r' id="([^"]*)"')
_ID_REF = re.compile(r'url\(#([^)"\s]+)\)|xlink:href="#([^"]+)"')
_ROTATE_0 = re.compile(r' transform="rotate\(-?0 [^")]*\)"')
_ROOT = re.compile(r"<svg\b([^>]*)>")


_FONT_FAMILY = re.compile(r" font-family: [^;\"]*;?")
_COORD = re.compile(r'(?<= )(x|y|width|height)="(-?\d+\.\d+)"')
_ROTATE = re.compile(r'rotate\((-?\d+(?:\.\d+)?) (-?\d+\.\d+) (-?\d+\.\d+)\)')


def _short(x: str) -> str:
    text = f"{float(x):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def inline_svg(svg: bytes, label: str, links: Mapping[str, tuple[str, str]] | None = None) -> bytes:
    """``svg`` from :func:`render_svg` made for being placed in the page as it is.

    - ``links``: gid → (href, title). The group of the artist with that gid (set with
      ``artist.set_gid(LINK_GID + key)``, one path) becomes ``<a href>`` with a
      ``<title>`` (tooltip and accessible name); artists with a gid starting with
      :data:`DECOR_GID` (labels drawn over the areas) are hidden from assistive
      technology and let clicks through to the link below them.
    - ids are unique on a page with several figures and the same on every rebuild:
      ids nothing refers to are dropped, the others (clip paths, hatch patterns) get a
      prefix made from a hash of the picture.
    - the root gets ``role="group"`` (with links) or ``role="img"`` and ``aria-label`` =
      ``label`` (the alt text).
    - smaller: no XML declaration, doctype, RDF metadata or no-op rotations; coordinates
      to 1/100 pt; the font named once in a style scoped to this picture (a ``<style>``
      in an inline SVG would otherwise apply to the whole page).
    """
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, count=1, flags=re.S)
    text = _ROTATE_0.sub("", text)
    text = _COORD.sub(lambda m: f'{m.group(1)}="{_short(m.group(2))}"', text)
    text = _ROTATE.sub(lambda m: f"rotate({_short(m.group(1))} {_short(m.group(2))} "
                       f"{_short(m.group(3))})", text)
    prefix = "f" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8] + "-"
    fonts = ", ".join(f"'{f}'" for f in RC["font.sans-serif"]) + ", sans-serif"
    text = text.replace(f" font-family: {fonts};", "")
    text = re.sub(r'<style type="text/css">\*\{([^}]*)\}</style>',
                  lambda m: f"<style>#{prefix}svg *{{{m.group(1)}}} "
                            f"#{prefix}svg text{{font-family: {fonts}}}</style>", text, count=1)
    referenced = {a or b for a, b in _ID_REF.findall(text)}
    keep = (LINK_GID, DECOR_GID)

    def new_id(m: re.Match[str]) -> str:
        i = m.group(1)
        if i.startswith(keep):
            return m.group(0)
        return f' id="{prefix}{i}"' if i in referenced else ""

    text = _ID_ATTR.sub(new_id, text)
    text = _ID_REF.sub(lambda m: f"url(#{prefix}{m.group(1)})" if m.group(1)
                       else f'xlink:href="#{prefix}{m.group(2)}"', text)
    links = links or {}
    done: set[str] = set()

    def link(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in links:
            raise ValueError(f"Kein Link für {key!r}.")
        done.add(key)
        href, title = links[key]
        return (f'<a href="{html.escape(href, quote=True)}">'
                f"<title>{html.escape(title, quote=False)}</title>{m.group(2)}</a>")

    text = re.sub(rf'<g id="{LINK_GID}([^"]*)">(\s*<path [^>]*/>\s*)</g>', link, text)
    missing = sorted(set(links) - done, key=natural_key)
    if missing:
        raise ValueError(f"Nicht verlinkt (keine Fläche gezeichnet?): {', '.join(missing)}")
    text = re.sub(rf'<g id="{DECOR_GID}[^"]*">', '<g aria-hidden="true" pointer-events="none">',
                  text)
    role = "group" if links else "img"
    text = _ROOT.sub(lambda m: f'<svg id="{prefix}svg"{m.group(1)} role="{role}" '
                     f'aria-label="{html.escape(label, quote=True)}">', text, count=1)
    return text.encode("utf-8")


def new_figure(width: float, height: float) -> Figure:
    """A Figure outside pyplot (no global state, freed when unreferenced)."""
    with rc_context(RC):
        return Figure(figsize=(width, height), layout="constrained")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _is_number(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _classify(values: pd.Series, flags: pd.Series | None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Split cells into (numeric values, suppressed mask, missing mask)."""
    suppressed = values.map(P.is_withheld).astype(bool)
    if flags is not None:
        suppressed |= flags.fillna(False).astype(bool)
    numeric = pd.to_numeric(values.where(~suppressed), errors="coerce")
    bad = values[~suppressed & numeric.isna() & ~values.map(fmt.is_missing).astype(bool)]
    if len(bad):
        raise ValueError(f"Keine Zahl: {bad.iloc[0]!r} (Zeile {bad.index[0]!r})")
    missing = numeric.isna() & ~suppressed
    return numeric.astype(float), suppressed, missing


def _tick_decimals(locs: Iterable[float]) -> int:
    """Fewest decimal places (0-3) that show all tick values exactly."""
    for d in range(4):
        if all(abs(round(v, d) - v) < 1e-9 for v in locs):
            return d
    return 3


class GermanFormatter(Formatter):
    """Axis ticks in German notation with the same number of decimals on every tick."""

    def __init__(self) -> None:
        self._decimals: int | None = None

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        self._decimals = _tick_decimals(locs) if len(locs) else None

    def __call__(self, x: float, pos: int | None = None) -> str:
        d = self._decimals if self._decimals is not None else _tick_decimals([x])
        return fmt.number(x, d)


def _decimals_phrase(unit: str | None, decimals: int) -> Callable[[object], str]:
    return lambda x: fmt.with_unit(x, unit, decimals)


def _change_unit(unit: str | None) -> str:
    if unit == "%":
        return "Prozentpunkte"
    return unit or ""


def _label_text(col: str, labels: Mapping[str, str] | None) -> str:
    if labels and col in labels:
        return labels[col]
    return col[:1].upper() + col[1:]


def _exclusion_sentence(n_suppressed: int, n_missing: int, noun: tuple[str, str]) -> str:
    parts = []
    if n_suppressed:
        parts.append(
            f"{fmt.count_phrase(n_suppressed, *noun)} aus Datenschutzgründen unterdrückt ({P.MARK})"
        )
    if n_missing:
        parts.append(f"{fmt.count_phrase(n_missing, *noun)} ohne Angabe")
    return (fmt.join_de(parts) + ".") if parts else ""


def _sentence(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def _as_list(x: str | Iterable[str] | None) -> list[str]:
    if x is None:
        return []
    if isinstance(x, str):
        return [x]
    return [str(i) for i in x]


# ---------------------------------------------------------------------------
# bar chart with intervals
# ---------------------------------------------------------------------------
def bar_with_intervals(
    df: pd.DataFrame,
    label_col: str,
    value_col: str,
    lower_col: str | None,
    upper_col: str | None,
    title: str,
    unit: str | None,
    highlight: str | Sequence[str] | None = None,
    reference: float | None = None,
    reference_label: str | None = None,
    *,
    caption: str | None = None,
    mark: str | None = None,
    suppressed_col: str | None = None,
    decimals: int = 1,
    axis_label: str | None = None,
    column_labels: Mapping[str, str] | None = None,
) -> FigureOutput:
    """Horizontal bar chart (Balkendiagramm) of one indicator with 95 % intervals.

    One bar per row of ``df``, sorted from highest to lowest value; a dot marks the value,
    a whisker the interval ``lower_col``–``upper_col`` (e.g. Wilson interval), a dashed
    line the ``reference`` (e.g. the regional value, labelled ``reference_label``,
    default "Referenzwert"). Labels in ``highlight`` are drawn in orange and bold.

    Parameters
    ----------
    df : DataFrame
        Columns ``label_col`` (str), ``value_col``, ``lower_col``, ``upper_col`` (floats
        in ``unit``; ``"•"`` = suppressed, NaN = missing) and optionally
        ``suppressed_col`` (bool, True = suppressed).
    unit : str or None
        ``"%"``, ``"je 1.000"`` or any unit text; used in alt text, axis and table.
    decimals : int
        Decimal places in labels, alt text and table.
    column_labels : dict, optional
        Display names of the table columns (default: column name capitalised).

    Returns
    -------
    FigureOutput
        Alt text: title, number of bars, highest and lowest value, reference value and
        how many lie above it, highlighted areas, suppressed and missing counts.
    """
    for c in (label_col, value_col, lower_col, upper_col, suppressed_col):
        if c is not None and c not in df.columns:
            raise KeyError(f"Spalte fehlt: {c!r}")
    data = df.reset_index(drop=True)
    flags = data[suppressed_col] if suppressed_col else None
    values, suppressed, missing = _classify(data[value_col], flags)
    lower = (
        pd.to_numeric(data[lower_col].where(~suppressed), errors="coerce")
        if lower_col
        else pd.Series(np.nan, index=data.index)
    )
    upper = (
        pd.to_numeric(data[upper_col].where(~suppressed), errors="coerce")
        if upper_col
        else pd.Series(np.nan, index=data.index)
    )
    labels = data[label_col].astype(str)
    marked = set(_as_list(highlight))
    unknown = sorted(marked - set(labels))
    if unknown:
        raise ValueError(f"Hervorzuhebende Einträge fehlen: {fmt.join_de(unknown)}")
    ref_label = reference_label or "Referenzwert"
    show = _decimals_phrase(unit, decimals)

    # order: value descending, ties by label; suppressed/missing rows last (table only)
    order = (
        pd.DataFrame({"v": values, "l": labels, "u": suppressed | missing})
        .sort_values(["u", "v", "l"], ascending=[True, False, True], kind="mergesort")
        .index
    )
    plotted = [i for i in order if not (suppressed[i] or missing[i])]

    # ---- figure
    n = len(plotted)
    excluded = [i for i in order if suppressed[i] or missing[i]]
    rows = max(len(order), 1)
    height = max(2.2, 0.9 + 0.32 * rows)
    fig = new_figure(WIDTH_IN, height)
    with rc_context(RC):
        ax = fig.add_subplot()
        y_all = np.arange(len(order))[::-1]  # highest value on top, excluded rows last
        y, y_excluded = y_all[:n], y_all[n:]
        vals = values[plotted].to_numpy()
        lo = lower[plotted].to_numpy(dtype=float)
        hi = upper[plotted].to_numpy(dtype=float)
        is_hl = np.array([labels[i] in marked for i in plotted], dtype=bool)
        ax.barh(
            y,
            vals,
            height=0.62,
            color=[HIGHLIGHT_PALE if h else NEUTRAL_PALE for h in is_hl],
            edgecolor="none",
            zorder=1,
        )
        has_ci = ~(np.isnan(lo) | np.isnan(hi))
        if has_ci.any():
            ax.hlines(y[has_ci], lo[has_ci], hi[has_ci], color=TEXT, linewidth=1.2, zorder=2)
            ax.scatter(lo[has_ci], y[has_ci], marker="|", s=60, color=TEXT, zorder=2)
            ax.scatter(hi[has_ci], y[has_ci], marker="|", s=60, color=TEXT, zorder=2)
        ax.scatter(
            vals,
            y,
            s=34,
            color=[HIGHLIGHT if h else NEUTRAL for h in is_hl],
            edgecolors="white",
            linewidths=0.6,
            zorder=3,
        )
        ax.set_yticks(y_all, [labels[i] for i in plotted + excluded])
        hl_all = list(is_hl) + [labels[i] in marked for i in excluded]
        for tick, h in zip(ax.get_yticklabels(), hl_all, strict=True):
            if h:
                tick.set_fontweight("bold")
        finite = np.concatenate([vals, lo[has_ci], hi[has_ci]])
        top = float(np.nanmax(finite)) if finite.size else 1.0
        bottom = float(np.nanmin(finite)) if finite.size else 0.0
        if reference is not None and not fmt.is_missing(reference):
            top = max(top, float(reference))
            bottom = min(bottom, float(reference))
        left = min(0.0, bottom)
        span = (top - left) or 1.0
        ax.set_xlim(left, top + 0.16 * span)
        ax.set_ylim(-0.7, rows - 0.3 + (0.5 if reference is not None else 0))
        for yi, i in zip(y_excluded, excluded, strict=True):
            ax.text(
                left + 0.01 * span,
                yi,
                P.withheld_note("unterdrückt") if suppressed[i] else "keine Angabe",
                va="center",
                ha="left",
                fontsize=8.5,
                color=TEXT,
                style="italic",
            )
        if n <= 40:
            for yi, v, h in zip(y, vals, np.where(has_ci, hi, vals), strict=True):
                ax.text(
                    max(v, h) + 0.015 * span,
                    yi,
                    fmt.number(v, decimals),
                    va="center",
                    ha="left",
                    fontsize=8.5,
                    color=TEXT,
                )
        if reference is not None and not fmt.is_missing(reference):
            ax.axvline(float(reference), color="#000000", linestyle="--", linewidth=1, zorder=4)
            ax.text(
                float(reference),
                rows - 0.05,
                f" {ref_label}: {show(reference)}",
                ha="left",
                va="center",
                fontsize=8.5,
                color=TEXT,
            )
        if n == 0:
            ax.text(0.5, 0.5, "Keine darstellbaren Werte", transform=ax.transAxes, ha="center")
        ax.xaxis.set_major_formatter(GermanFormatter())
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.grid(axis="x", color=GRID, linewidth=0.6, zorder=0)
        ax.set_axisbelow(True)
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(axis_label if axis_label is not None else _axis_unit(unit))
    svg = render_svg(fig, mark)

    # ---- alt text
    noun = ("Wert", "Werte")
    parts = [f"Balkendiagramm: {title}."]
    if n:
        first, last = plotted[0], plotted[-1]
        parts.append(
            f"{fmt.count_phrase(n, *noun)} mit 95-%-Intervall."
            if has_ci.any()
            else f"{fmt.count_phrase(n, *noun)}."
        )
        if n > 1:
            parts.append(
                f"Höchster Wert: {labels[first]} mit {show(values[first])}, "
                f"niedrigster: {labels[last]} mit {show(values[last])}."
            )
        else:
            parts.append(f"{labels[first]}: {show(values[first])}.")
    else:
        parts.append("Keine darstellbaren Werte.")
    if reference is not None and not fmt.is_missing(reference):
        above = int((values[plotted] > float(reference)).sum())
        parts.append(
            f"{ref_label}: {show(reference)}; "
            f"{fmt.number(above)} von {fmt.number(n)} {'Wert' if n == 1 else 'Werten'} "
            f"{'liegt' if above == 1 else 'liegen'} darüber."
            if n
            else f"{ref_label}: {show(reference)}."
        )
    if marked:
        hl = [
            f"{labels[i]} ({show(values[i]) if i in plotted else P.MARK})"
            for i in order
            if labels[i] in marked
        ]
        parts.append(f"Hervorgehoben: {fmt.join_de(hl)}.")
    parts.append(_exclusion_sentence(int(suppressed.sum()), int(missing.sum()), noun))
    alt = _sentence(*parts)

    # ---- table (same order as the chart, excluded rows last)
    value_name = (
        _label_text(value_col, column_labels)
        if column_labels and value_col in (column_labels)
        else f"Wert ({unit})"
        if unit
        else "Wert"
    )
    label_name = _label_text(label_col, column_labels)
    table = pd.DataFrame(
        {
            label_name: labels[order].to_list(),
            value_name: [P.display(values[i], suppressed[i]) for i in order],
        }
    )
    formats: dict[str, Callable[[object], str]] = {value_name: lambda x: fmt.number(x, decimals)}
    if lower_col and upper_col:
        lo_name = (
            _label_text(lower_col, column_labels)
            if column_labels and lower_col in (column_labels)
            else "95-%-Intervall von"
        )
        hi_name = (
            _label_text(upper_col, column_labels)
            if column_labels and upper_col in (column_labels)
            else "95-%-Intervall bis"
        )
        table[lo_name] = [P.display(lower[i], suppressed[i]) for i in order]
        table[hi_name] = [P.display(upper[i], suppressed[i]) for i in order]
        formats[lo_name] = formats[hi_name] = lambda x: fmt.number(x, decimals)
    return FigureOutput(
        svg=svg,
        alt=alt,
        title=title,
        table=table,
        caption=caption,
        number_formats=formats,
        row_header=label_name,
        figure=fig,
    )


def _axis_unit(unit: str | None) -> str:
    if not unit:
        return ""
    return "in %" if unit == "%" else unit


# ---------------------------------------------------------------------------
# trend lines
# ---------------------------------------------------------------------------
def _x_text(x: object) -> str:
    if _is_number(x) and float(x).is_integer():
        return str(int(x))  # years: never "2.021"
    if _is_number(x):
        return fmt.number(x, 1)
    return str(x)


def _spread(positions: list[float], min_gap: float) -> list[float]:
    """Push sorted label positions apart by at least ``min_gap`` (direct labels)."""
    if not positions:
        return []
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for _ in range(50):
        moved = False
        for k in range(1, len(placed)):
            if placed[k] - placed[k - 1] < min_gap - 1e-12:
                mid = (placed[k] + placed[k - 1]) / 2
                placed[k - 1], placed[k] = mid - min_gap / 2, mid + min_gap / 2
                moved = True
        if not moved:
            break
    out = [0.0] * len(positions)
    for k, i in enumerate(order):
        out[i] = placed[k]
    return out


def trend_lines(
    df: pd.DataFrame,
    x_col: str,
    y_col: str,
    group_col: str,
    title: str,
    unit: str | None,
    *,
    caption: str | None = None,
    mark: str | None = None,
    suppressed_col: str | None = None,
    decimals: int = 1,
    axis_label: str | None = None,
    column_labels: Mapping[str, str] | None = None,
    total: str | None = None,
) -> FigureOutput:
    """Line chart (Liniendiagramm) of one indicator over time, one line per group.

    Parameters
    ----------
    df : DataFrame
        Long format: ``x_col`` (year), ``y_col`` (value in ``unit``; ``"•"`` =
        suppressed, NaN = missing), ``group_col`` (area, municipality or region).
        Lines get distinct colours, markers and line styles and are labelled directly at
        their last point, so no legend lookup is needed.

    Returns
    -------
    FigureOutput
        Alt text: title, groups and period; start and end value and change per group
        (up to four groups) or the highest value and strongest rise and fall; suppressed
        and missing counts. Table: one row per group, one column per year; groups in
        natural order, the group ``total`` (e.g. the region) last.
    """
    for c in (x_col, y_col, group_col, suppressed_col):
        if c is not None and c not in df.columns:
            raise KeyError(f"Spalte fehlt: {c!r}")
    data = df.reset_index(drop=True)
    if data.duplicated([group_col, x_col]).any():
        raise ValueError(f"Mehrere Werte je {group_col} und {x_col}.")
    flags = data[suppressed_col] if suppressed_col else None
    values, suppressed, missing = _classify(data[y_col], flags)
    data = data.assign(_v=values, _s=suppressed, _m=missing)
    groups = sorted(data[group_col].astype(str).unique(),
                    key=lambda g: (g == total, natural_key(g)))
    xs = sorted(data[x_col].unique(), key=lambda v: (not _is_number(v), v))
    show = _decimals_phrase(unit, decimals)

    fig = new_figure(WIDTH_IN, 4.2)
    ends: list[tuple[str, float, float, str]] = []
    summaries: list[tuple[str, object, float, object, float]] = []
    with rc_context(RC):
        ax = fig.add_subplot()
        xpos = {x: i for i, x in enumerate(xs)} if not all(map(_is_number, xs)) else None
        for k, g in enumerate(groups):
            sub = data[data[group_col].astype(str) == g]
            sub = sub.assign(_o=sub[x_col].map(lambda v: xs.index(v))).sort_values("_o")
            ok = sub[~(sub["_s"] | sub["_m"])]
            if ok.empty:
                continue
            px = ok[x_col].map(xpos) if xpos else ok[x_col].astype(float)
            colour = LINE_COLOURS[k % len(LINE_COLOURS)]
            style = LINESTYLES[(k // len(LINE_COLOURS)) % len(LINESTYLES)]
            ax.plot(
                px.to_numpy(),
                ok["_v"].to_numpy(),
                color=colour,
                linestyle=style,
                marker=MARKERS[k % len(MARKERS)],
                markersize=5,
                linewidth=1.8,
                label=g,
            )
            ends.append((g, float(px.iloc[-1]), float(ok["_v"].iloc[-1]), colour))
            summaries.append(
                (
                    g,
                    ok[x_col].iloc[0],
                    float(ok["_v"].iloc[0]),
                    ok[x_col].iloc[-1],
                    float(ok["_v"].iloc[-1]),
                )
            )
        if xpos:
            ax.xaxis.set_major_locator(FixedLocator(list(range(len(xs)))))
            ax.set_xticks(list(range(len(xs))), [_x_text(x) for x in xs])
        elif len(xs) <= 12:
            ax.set_xticks([float(x) for x in xs], [_x_text(x) for x in xs])
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _x_text(v)))
        ax.yaxis.set_major_formatter(GermanFormatter())
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_ylabel(axis_label if axis_label is not None else _axis_unit(unit))
        if ends:
            lo, hi = ax.get_ylim()
            gap = (hi - lo) * 0.055
            ys = _spread([e[2] for e in ends], gap)
            x_right = max(e[1] for e in ends)
            for (g, _ex, _ey, _colour), ly in zip(ends, ys, strict=True):
                ax.annotate(
                    g,
                    xy=(x_right, ly),
                    xytext=(8, 0),
                    textcoords="offset points",
                    ha="left",
                    va="center",
                    fontsize=9,
                    color=TEXT,
                    annotation_clip=False,
                )
        else:
            ax.text(0.5, 0.5, "Keine darstellbaren Werte", transform=ax.transAxes, ha="center")
    svg = render_svg(fig, mark)

    # ---- alt text
    first_x, last_x = (_x_text(xs[0]), _x_text(xs[-1])) if xs else ("", "")
    change_unit = _change_unit(unit)
    parts = [
        f"Liniendiagramm: {title}.",
        f"{fmt.count_phrase(len(summaries), 'Verlauf', 'Verläufe')} von {first_x} bis "
        f"{last_x}"
        + (f" ({fmt.join_de(s[0] for s in summaries)})." if 0 < len(summaries) <= 6 else "."),
    ]

    def delta_text(s: tuple[str, object, float, object, float]) -> str:
        return f"{fmt.signed(s[4] - s[2], decimals)} {change_unit}".rstrip()

    if 0 < len(summaries) <= 4:
        for s in summaries:
            parts.append(
                f"{s[0]}: von {show(s[2])} ({_x_text(s[1])}) auf {show(s[4])} "
                f"({_x_text(s[3])}), {delta_text(s)}."
            )
    elif summaries:
        top = max(summaries, key=lambda s: (s[4], s[0]))
        rise = max(summaries, key=lambda s: (s[4] - s[2], s[0]))
        fall = min(summaries, key=lambda s: (s[4] - s[2], s[0]))
        parts.append(f"Höchster letzter Wert: {top[0]} mit {show(top[4])}.")
        parts.append(
            f"Stärkster Anstieg: {rise[0]} ({delta_text(rise)}), "
            f"stärkster Rückgang: {fall[0]} ({delta_text(fall)})."
        )
    else:
        parts.append("Keine darstellbaren Werte.")
    parts.append(_exclusion_sentence(int(suppressed.sum()), int(missing.sum()), ("Wert", "Werte")))
    alt = _sentence(*parts)

    # ---- table: groups × x
    group_name = _label_text(group_col, column_labels)
    cells = {
        (str(r[group_col]), r[x_col]): P.display(r["_v"], r["_s"])
        for _, r in data.iterrows()
    }
    table = pd.DataFrame({group_name: groups})
    formats: dict[str, Callable[[object], str]] = {}
    for x in xs:
        col = _x_text(x)
        table[col] = [cells.get((g, x), np.nan) for g in groups]
        formats[col] = lambda v: fmt.number(v, decimals)
    return FigureOutput(
        svg=svg,
        alt=alt,
        title=title,
        table=table,
        caption=caption,
        number_formats=formats,
        row_header=group_name,
        figure=fig,
    )


# ---------------------------------------------------------------------------
# z-score profile
# ---------------------------------------------------------------------------
def profile_chart(
    df: pd.DataFrame,
    indicator_label_col: str,
    z_col: str,
    title: str,
    *,
    caption: str | None = None,
    mark: str | None = None,
    suppressed_col: str | None = None,
    threshold: float = 1.0,
    column_labels: Mapping[str, str] | None = None,
) -> FigureOutput:
    """Profile (Profildiagramm) of one area: z-scores of its indicators as diverging bars.

    z > 0 (orange, right) means more need than the regional mean, z < 0 (blue, left)
    less; the direction of each indicator is assumed to be already applied. Dotted lines
    mark ±``threshold`` (default 1 standard deviation). Rows keep the order of ``df``.

    Returns
    -------
    FigureOutput
        Alt text: title, number of indicators, how many above/below the mean, those at or
        beyond the threshold with their z-values, suppressed and missing counts.
    """
    for c in (indicator_label_col, z_col, suppressed_col):
        if c is not None and c not in df.columns:
            raise KeyError(f"Spalte fehlt: {c!r}")
    data = df.reset_index(drop=True)
    flags = data[suppressed_col] if suppressed_col else None
    z, suppressed, missing = _classify(data[z_col], flags)
    labels = data[indicator_label_col].astype(str)
    plotted = [i for i in data.index if not (suppressed[i] or missing[i])]
    n_all = len(data)

    fig = new_figure(WIDTH_IN, max(2.2, 0.9 + 0.36 * max(n_all, 1)))
    with rc_context(RC):
        ax = fig.add_subplot()
        y = np.arange(n_all)[::-1]
        vals = z.to_numpy()
        for i in data.index:
            if i in plotted:
                v = vals[i]
                ax.barh(y[i], v, height=0.6, color=ABOVE if v > 0 else BELOW, edgecolor="none")
                ax.text(
                    v + (0.06 if v >= 0 else -0.06),
                    y[i],
                    fmt.signed(v, 1),
                    ha="left" if v >= 0 else "right",
                    va="center",
                    fontsize=8.5,
                    color=TEXT,
                )
            else:
                ax.text(
                    0.06,
                    y[i],
                    P.withheld_note("unterdrückt") if suppressed[i] else "keine Angabe",
                    ha="left",
                    va="center",
                    fontsize=8.5,
                    color=TEXT,
                    style="italic",
                )
        finite = vals[plotted] if plotted else np.array([0.0])
        lim = max(float(np.nanmax(np.abs(finite))), threshold, 0.5) * 1.25
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-0.7, n_all - 0.3)
        ax.axvline(0, color="#000000", linewidth=1)
        for t in (-threshold, threshold):
            ax.axvline(t, color="#666666", linewidth=0.8, linestyle=":")
        ax.set_yticks(y, labels.to_list())
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.xaxis.set_major_formatter(GermanFormatter())
        ax.xaxis.set_major_locator(MultipleLocator(1.0 if lim > 2.5 else 0.5))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel("z-Wert (Abweichung vom Regionsmittel)\n← weniger Bedarf | mehr Bedarf →")
    svg = render_svg(fig, mark)

    noun = ("Indikator", "Indikatoren")
    above = [i for i in plotted if z[i] > 0]
    below = [i for i in plotted if z[i] < 0]
    strong = sorted(
        (i for i in plotted if abs(z[i]) >= threshold), key=lambda i: (-abs(z[i]), labels[i])
    )
    parts = [
        f"Profildiagramm: {title}.",
        f"{fmt.count_phrase(len(plotted), *noun)} als Abweichung vom Regionsmittel (z-Wert).",
        f"Über dem Mittel: {fmt.number(len(above))}, darunter: {fmt.number(len(below))}.",
    ]
    if strong:
        parts.append(
            f"Deutliche Abweichung (mindestens {fmt.number(threshold, 1)}): "
            + fmt.join_de(f"{labels[i]} ({fmt.signed(z[i], 1)})" for i in strong)
            + "."
        )
    elif plotted:
        parts.append(
            f"Keine Abweichung von mindestens {fmt.number(threshold, 1)} Standardabweichungen."
        )
    parts.append(_exclusion_sentence(int(suppressed.sum()), int(missing.sum()), ("Wert", "Werte")))
    alt = _sentence(*parts)

    label_name = _label_text(indicator_label_col, column_labels)
    z_name = column_labels[z_col] if column_labels and z_col in column_labels else "z-Wert"
    table = pd.DataFrame(
        {
            label_name: labels.to_list(),
            z_name: [P.display(z[i], suppressed[i]) for i in data.index],
        }
    )
    return FigureOutput(
        svg=svg,
        alt=alt,
        title=title,
        table=table,
        caption=caption,
        number_formats={z_name: lambda v: fmt.signed(v, 1)},
        row_header=label_name,
        figure=fig,
    )
