"""Steckbrief: one page per Sozialraum in the Sozialbericht.

A Steckbrief shows one area on one or two printed A4 pages: population and age
structure, the core indicators against Kommune and region (as deviations, with a table),
the time series of the lead indicators since the first year, need per field with its
reasons, stability and change since the comparison year, the services recorded in and
around it, and links back to its Kommunalprofil and the field chapters.

Every number comes through the disclosure gate :class:`analysis.gate.published.Published`
(``published_value``, ``published_area_count``, ``published_count``): a withheld value
shows as "•" and is never drawn. The charts are small hand-written SVGs (no matplotlib:
93 pages must not cost a minute); like every figure they carry the demo label in the
picture and have the table with the same values right beside them.

The build does not run a kernel per area: :func:`steckbrief_notebook` writes the views
as the outputs of an executed notebook, which then goes through exactly the same page
template, final checks, cache and atomic publish as every chapter
(:mod:`analysis.rendering.assemble`, :mod:`analysis.build.publish_site`).
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass
from functools import cached_property

import nbformat
import pandas as pd

from analysis.common import fmt
from analysis.contract import schema as S
from analysis.gate.published import display, is_withheld, withheld_note
from analysis.method.core import stability_label
from analysis.rendering.prose import Prose, prose
from analysis.rendering.tables import TableOutput

ESC = html.escape
#: colours: more need (orange), less need (blue), Kommune marker, region line
MORE, LESS, KOMMUNE_MARK, REGION_LINE, AREA_LINE = "#b35806", "#2166ac", "#1b1b1b", "#6b6b6b", "#003b73"
DEMO_COLOUR = "#8a1c00"
METHOD_PAGE = "90_methodik"  # page slug of the method chapter (analysis.build.build.plan)
#: the need rules (analysis.method.need) as a Steckbrief names them; explained in need_text
RULE_SHORT = {"regional": "Regel 1 (Index hoch)", "kommunal": "Regel 2 (über der Kommune)",
              "absolut": "Regel 3 (hohe Anzahl)"}
FONT = "font-family=\"DejaVu Sans, Arial, Helvetica, sans-serif\""


def _svg_text(x: float, y: float, text: str, size: float = 11, anchor: str = "start",
              weight: str = "normal", colour: str = "#1b1b1b", italic: bool = False) -> str:
    style = ' font-style="italic"' if italic else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{colour}"{style}>{ESC(text)}</text>')


def _wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` characters (at spaces)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _svg_document(width: int, height: int, body: list[str], title: str,
                  mark: str | None) -> bytes:
    if mark:
        body = [*body, _svg_text(4, height - 6, mark, 10, weight="bold", colour=DEMO_COLOUR)]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" {FONT} role="img">'
        f"<title>{ESC(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
        + "".join(body) + "</svg>"
    ).encode("utf-8")


def _nice_limit(x: float) -> float:
    for step in (25, 50, 100, 200, 400, 800):
        if x <= step:
            return float(step)
    return float(math.ceil(x / 1000.0) * 1000)


def _compact(table: TableOutput) -> TableOutput:
    """The table with cells kept on one line (class ``steckbrief-werte``) so that values
    with units and intervals do not break; only the row headers wrap."""
    return _CompactTable(table.df, table.caption, table.number_formats, table.row_header,
                         table.table_id, table.links)


class _CompactTable(TableOutput):
    @property
    def html(self) -> str:
        return super().html.replace("<table>", '<table class="steckbrief-werte">', 1)


@dataclass(frozen=True)
class ChartWithTable:
    """A chart (SVG image with alt text) and, right beside it, the table with its
    values – shown, not folded away, so that it prints too."""

    svg: bytes
    alt: str
    title: str
    table: TableOutput
    caption: str
    css_class: str = ""

    def figure_html(self) -> str:
        uri = "data:image/svg+xml;base64," + base64.b64encode(self.svg).decode("ascii")
        return (
            f'<figure class="chart steckbrief-abbildung {self.css_class}">\n'
            f'<img alt="{ESC(self.alt, quote=True)}" src="{uri}">\n'
            f"<figcaption><strong>{ESC(self.title)}</strong><br>"
            f'<span class="chart-note">{ESC(self.caption)}</span></figcaption>\n'
            "</figure>"
        )

    def _repr_html_(self) -> str:
        return self.figure_html() + "\n" + self.table._repr_html_()


@dataclass(frozen=True)
class LinkBlock:
    """A paragraph of links (escaped): label, then (href, text) pairs."""

    label: str
    links: tuple[tuple[str, str], ...]

    def _repr_html_(self) -> str:
        items = " · ".join(f'<a href="{ESC(h, quote=True)}">{ESC(t)}</a>' for h, t in self.links)
        return f'<p class="links">{ESC(self.label)}: {items}</p>'


@dataclass
class SteckbriefView:
    """The Steckbrief of one Sozialraum (see the module docstring)."""

    r: object  # analysis.views.context.ReportContext (not imported: it imports this module lazily)
    code: str

    # ------------------------------------------------------------------ basics
    @property
    def cfg(self):
        return self.r.cfg

    @property
    def name(self) -> str:
        return self.r.area_fields[self.code][0]

    @property
    def ags(self) -> str:
        return self.r.area_fields[self.code][1]

    @property
    def kommune(self) -> str:
        return self.r.area_fields[self.code][2]

    @property
    def label(self) -> str:
        return self.r.area_label(self.code)

    @property
    def title(self) -> str:
        return f"Steckbrief {self.label}"

    @property
    def region_name(self) -> str:
        """The region as a column name (distinct from a Kommune of the same name)."""
        return (f"{self.cfg.region} insgesamt" if self.cfg.region == self.kommune
                else self.cfg.region)

    @cached_property
    def indicators(self) -> list[str]:
        """Core indicators of all fields, each once, in field order."""
        return list(dict.fromkeys(
            i for f in self.cfg.fields for i in self.cfg.handlungsfelder[f].indikatoren))

    @cached_property
    def leads(self) -> list[str]:
        return list(dict.fromkeys(self.cfg.handlungsfelder[f].leitindikator
                                  for f in self.cfg.fields))

    def _area(self, ind: str, year: int | None = None) -> object:
        return self.r.gate.published_value(ind, area=self.code, year=year)

    def _muni(self, ind: str, year: int | None = None) -> object:
        return self.r.gate.published_value(ind, ags=self.ags, year=year)

    def _region(self, ind: str, year: int | None = None) -> object:
        return self.r.gate.published_value(ind, year=year)

    def _need(self, field: str) -> bool:
        return self.r.need_flags[(self.code, field)]

    @property
    def need_fields(self) -> list[str]:
        return [f for f in self.cfg.fields if self._need(f)]

    def _stability(self, field: str) -> tuple[float, str]:
        s = float(self.r.res.stability.at[self.code, field])
        return s, stability_label(s, self._need(field), self.cfg.robustheit.stabil_ab)

    # ------------------------------------------------------------------ page parts
    def back_links(self) -> LinkBlock:
        profile = f"{self.r.profile_pages[self.ags]}.html"
        return LinkBlock("Gehört zu", (
            (f"{profile}#{self.r.area_anchors[self.code]}", f"Kommunalprofil {self.kommune}"),
        ))

    def summary(self) -> Prose:
        """Two or three sentences computed from the numbers."""
        pop = self.r.gate.published_area_count(self.r.population_variable, self.code)
        known = isinstance(pop, int)
        counted, apart = self.r.need_fields_of(self.code)
        name = {f: self.cfg.handlungsfelder[f].kurz + self.r.exploratory_suffix(f)
                for f in self.cfg.fields}
        return prose(*self.r.say(
            "bericht.steckbrief", sozialraum=self.label, kommune=self.kommune,
            einzeln="ja" if self.r.single_municipality else "nein",
            einwohnerzahl="ja" if known else "gesperrt" if is_withheld(pop) else "nein",
            einwohner=fmt.number(pop) if known else "",
            felder=[name[f] for f in counted],
            gezaehlt=[name[f] for f in self.cfg.counted_fields],
            ohne=[name[f] for f in self.cfg.fields if f not in self.cfg.counted_fields],
            separat=[name[f] for f in apart],
            alle="ja" if len(counted) == len(self.cfg.counted_fields) else "nein",
            grenzfaelle=[self.cfg.handlungsfelder[f].kurz for f in self.cfg.fields
                         if self._stability(f)[1] == "Grenzfall"]))

    # ------------------------------------------------------------------ population
    @cached_property
    def age_groups(self) -> list[str]:
        """The parts of the population variable as declared sums in ``variablen.csv``
        (``summe_aus``), expanded to the finest level: the age groups in the demo data.
        Empty when the population is not declared as a sum."""
        tree = dict(self.r.ds.identities)
        pop = self.r.population_variable

        def leaves(v: str, seen: frozenset) -> list[str]:
            if v not in tree or v in seen:
                return [v]
            return [x for p in tree[v] for x in leaves(p, seen | {v})]

        return [] if pop not in tree else leaves(pop, frozenset())

    def population_table(self) -> TableOutput | Prose:
        pop_var = self.r.population_variable
        labels = dict(zip(self.r.ds.variables[S.VARIABLE], self.r.ds.variables["bezeichnung"],
                          strict=True))
        pop = self.r.gate.published_area_count(pop_var, self.code)
        pop_m = self.r.gate.published_count(pop_var, self.ags)
        pop_r = self.r.gate.published_count(pop_var)

        def share(part: object, whole: object) -> object:
            if is_withheld(part) or is_withheld(whole):
                return display(part, True)
            if fmt.is_missing(part) or fmt.is_missing(whole) or not whole:
                return float("nan")
            return 100.0 * float(part) / float(whole)

        rows = [{"Merkmal": labels.get(pop_var, pop_var), "Anzahl": pop, "Anteil": 100.0,
                 f"Anteil {self.kommune}": 100.0, f"Anteil {self.region_name}": 100.0}]
        for v in self.age_groups:
            c = self.r.gate.published_area_count(v, self.code)
            rows.append({
                "Merkmal": labels.get(v, v), "Anzahl": c, "Anteil": share(c, pop),
                f"Anteil {self.kommune}": share(self.r.gate.published_count(v, self.ags), pop_m),
                f"Anteil {self.region_name}": share(self.r.gate.published_count(v), pop_r),
            })
        df = pd.DataFrame(rows)
        if self.r.single_municipality:
            df = df.drop(columns=[f"Anteil {self.kommune}"])
        if not self.age_groups:
            df = df[["Merkmal", "Anzahl"]]
        pct = {c: (lambda x: fmt.percent(x, 1)) for c in df.columns if c.startswith("Anteil")}
        return TableOutput(
            df,
            f"Bevölkerung{' und Altersstruktur' if self.age_groups else ''} {self.label} "
            f"{self.r.year}",
            number_formats={"Anzahl": fmt.number, **pct},
            row_header="Merkmal",
        )

    # ------------------------------------------------------------------ indicators
    def _deviation(self, value: object, reference: object) -> float | None:
        if any(is_withheld(x) or fmt.is_missing(x) for x in (value, reference)):
            return None
        if float(reference) == 0:
            return None
        return 100.0 * (float(value) / float(reference) - 1.0)

    def _direction(self, ind: str) -> int:
        return self.r.directions[ind]

    def indicator_chart(self) -> ChartWithTable:
        """Core indicators as deviations from the region (bar: area, ◆: Kommune), and
        the table of their values with units, Kommune, region, people concerned, the
        95 % interval and the change since the comparison year."""
        inds = self.indicators
        single = self.r.single_municipality
        rows = []
        for ind in inds:
            rows.append((ind, self._deviation(self._area(ind), self._region(ind)),
                         None if single else self._deviation(self._muni(ind), self._region(ind))))
        finite = [abs(d) for _, a, k in rows for d in (a, k) if d is not None]
        lim = _nice_limit(max(finite, default=25.0))
        # compact rows: the chart prints at full text width on the Steckbrief's second page
        label_w, plot_w, right = 290, 340, 90
        width = label_w + plot_w + right
        row_h, top = 18, 46
        height = top + row_h * len(rows) + 50
        x0 = label_w + plot_w / 2

        def x(d: float) -> float:
            return x0 + max(-lim, min(lim, d)) / lim * (plot_w / 2)

        body = [
            _svg_text(4, 16, "Abweichung vom Wert der Region in %", 12, weight="bold"),
            f'<rect x="4" y="26" width="16" height="10" fill="{MORE}"/>',
            _svg_text(24, 35, "Sozialraum: mehr Bedarf", 11),
            f'<rect x="174" y="26" width="16" height="10" fill="{LESS}"/>',
            _svg_text(194, 35, "weniger Bedarf", 11),
        ]
        if not single:
            body += [f'<path d="M 311 31 l 6 -6 l 6 6 l -6 6 z" fill="{KOMMUNE_MARK}"/>',
                     _svg_text(328, 35, f"Kommune {self.kommune}", 11)]
        for t in (-lim, -lim / 2, 0.0, lim / 2, lim):
            body.append(f'<line x1="{x(t):.1f}" y1="{top - 6}" x2="{x(t):.1f}" '
                        f'y2="{top + row_h * len(rows)}" stroke="{"#1b1b1b" if t == 0 else "#d0d3d6"}" '
                        f'stroke-width="{1.2 if t == 0 else 0.8}"/>')
            body.append(_svg_text(x(t), top + row_h * len(rows) + 14,
                                  fmt.signed(t, 0) if t else "0 = Region", 10, "middle",
                                  colour="#4a4a4a"))
        for n, (ind, dev, dev_k) in enumerate(rows):
            yc = top + n * row_h + row_h / 2
            lines = _wrap(self.r.label(ind), 50)[:2]
            for j, line in enumerate(lines):
                body.append(_svg_text(4, yc + 3.5 + (j - (len(lines) - 1) / 2) * 8.5, line,
                                      8.5 if len(lines) > 1 else 11))
            if dev is None:  # nothing drawn; said where the value would stand
                value = self._area(ind)
                body.append(_svg_text(label_w + plot_w + 6, yc + 4,
                                      withheld_note("gesperrt") if is_withheld(value) else "–", 11,
                                      italic=True))
            else:
                more = dev * self._direction(ind) > 0
                x1, x2 = sorted((x0, x(dev)))
                body.append(f'<rect x="{x1:.1f}" y="{yc - 6:.1f}" width="{max(x2 - x1, 1):.1f}" '
                            f'height="12" fill="{MORE if more else LESS}"/>')
                clipped = abs(dev) > lim
                body.append(_svg_text(label_w + plot_w + 6, yc + 4,
                                      fmt.signed(dev, 0) + " %" + (" ›" if clipped else ""), 11))
            if dev_k is not None:
                xk = x(dev_k)
                body.append(f'<path d="M {xk - 5:.1f} {yc:.1f} l 5 -5 l 5 5 l -5 5 z" '
                            f'fill="{KOMMUNE_MARK}" stroke="#ffffff" stroke-width="1"/>')
        body.append(_svg_text(label_w, top + row_h * len(rows) + 28,
                              "Balken über die Achse hinaus: Wert rechts (›)", 10,
                              colour="#4a4a4a"))
        title = f"Kernindikatoren {self.label} {self.r.year} im Vergleich"
        svg = _svg_document(width, height, body, title, self.r.image_mark)
        return ChartWithTable(svg, self._indicator_alt(rows), title, self.indicator_table(),
                              self._chart_caption("Werte in der Tabelle „Kernindikatoren“ dieses Abschnitts."))

    def _indicator_alt(self, rows) -> str:
        shown = [(ind, d) for ind, d, _ in rows if d is not None]
        above = sorted((p for p in shown if p[1] >= 25), key=lambda p: -p[1])[:3]
        below = sorted((p for p in shown if p[1] <= -25), key=lambda p: p[1])[:3]
        withheld = sum(1 for ind, d, _ in rows
                       if d is None and is_withheld(self._area(ind)))
        return self.r.say1(
            "bericht.steckbrief.balken", kernindikatoren=len(shown), sozialraum=self.label,
            darueber=[f"{self.r.label(i)} ({fmt.signed(d, 0)} %)" for i, d in above],
            darunter=[f"{self.r.label(i)} ({fmt.signed(d, 0)} %)" for i, d in below],
            ohne_abweichung="ja" if not above and not below and shown else "nein",
            gesperrt=withheld, ohne_wert=len(rows) - len(shown) - withheld)

    def _chart_caption(self, extra: str) -> str:
        return f"{self.r.source_caption()} {extra}"

    @cached_property
    def _change_classes(self) -> dict[str, str]:
        """Indicator → class of its change since the comparison year in this area
        (``verbessert``/``verschlechtert``/``gestiegen``/``gesunken`` or ``stabil`` =
        below the threshold or inside the noise), from the published change table: the
        same rule as the change chapter."""
        ch = self.r.res.change_published
        if ch is None:
            return {}
        sub = ch[ch[S.AREA] == self.code]
        return dict(zip(sub[S.INDICATOR], sub["dynamik"], strict=True))

    def indicator_key(self) -> Prose:
        """The key under the table of core indicators: brackets around a value (small
        denominator) and around a change (no change by the change chapter's rule)."""
        table = self.indicator_table().df
        base = self.cfg.vergleichsjahr
        col = f"seit {base}"

        def bracketed(column: str) -> bool:
            return column in table and any(str(v).startswith("(") for v in table[column])

        dy = self.cfg.dynamik
        return Prose(tuple(self.r.say(
            "bericht.steckbrief.kernindikatoren",
            unsicher="ja" if bracketed("Sozialraum") else "nein",
            nenner=int(self.cfg.unsicher_nenner),
            veraenderung="ja" if col in table else "nein", seit=str(base or ""),
            ungesichert="ja" if bracketed(col) else "nein",
            schwelle=fmt.number(dy.schwelle, 1),
            zufall="ja" if dy.vertrauensniveau else "nein")), css_class="prose erlaeuterung")

    def indicator_table(self) -> TableOutput:
        base = self.cfg.vergleichsjahr
        single = self.r.single_municipality
        groups = self.r.gate.area_value_groups
        rows = []
        for ind in self.indicators:
            value = self._area(ind)
            g = groups.get((ind, self.r.year))
            lo, hi, num, unsure = (float("nan"),) * 3 + (False,)
            if g is not None and self.code in g.index and not is_withheld(value):
                # cell by cell: a whole row of mixed columns is slow to build (per area)
                lo, hi, num = (g.at[self.code, c] for c in (S.LOWER, S.UPPER, S.NUMERATOR))
                unsure = bool(g.at[self.code, S.RELIABLE])
            interval = (f"{fmt.number(lo, 1)}–{fmt.number(hi, 1)}"
                        if not (fmt.is_missing(lo) or fmt.is_missing(hi)) else
                        display(fmt.MISSING, is_withheld(value)))
            # uncertain (small denominator): in brackets, as in every other table
            shown = f"({fmt.number(value, 1)})" if unsure else fmt.number(value, 1)
            row = {"Indikator": self.r.label_with_unit(ind), "Sozialraum": shown,
                   "95-%-Bereich": interval}
            if not single:
                row["Kommune"] = fmt.number(self._muni(ind), 1)
            row["Region"] = fmt.number(self._region(ind), 1)
            row["Anzahl"] = display(fmt.number(num), is_withheld(value))
            if base is not None:
                before = self._area(ind, base)
                if is_withheld(value) or is_withheld(before):
                    change = display(value, True)
                elif fmt.is_missing(value) or fmt.is_missing(before):
                    change = fmt.MISSING
                else:
                    change = self.r.delta_text(float(value) - float(before))
                    if self._change_classes.get(ind) == "stabil":
                        # not a change by the change chapter's rule (threshold, noise):
                        # in brackets like an uncertain value (R4-08)
                        change = f"({change})"
                row[f"seit {base}"] = change
            rows.append(row)
        df = pd.DataFrame(rows)
        return _compact(TableOutput(
            df,
            f"Kernindikatoren {self.label} {self.r.year}"
            + ("" if single else f" mit {self.kommune}") + f" und {self.region_name}",
            row_header="Indikator",
        ))

    # ------------------------------------------------------------------ time series
    def trend_chart(self) -> ChartWithTable:
        """Lead indicators of the fields over all years: area (line) and region (dashed)."""
        years = list(self.r.ds.years)
        leads = self.leads
        # up to five small panels in one row (one band across the printed page)
        cols = len(leads) if len(leads) <= 5 else min(3, len(leads))
        pw, ph, gap = (236, 128, 14) if cols <= 3 else (round((744 - 14 * (cols - 1)) / cols), 116, 14)
        top = 34
        width = cols * pw + (cols - 1) * gap + 8
        nrows = math.ceil(len(leads) / cols)
        height = top + nrows * (ph + gap) + 22
        body = [
            f'<line x1="4" y1="16" x2="28" y2="16" stroke="{AREA_LINE}" stroke-width="2.5"/>',
            _svg_text(32, 20, f"Sozialraum {self.code}", 11),
            f'<line x1="190" y1="16" x2="214" y2="16" stroke="{REGION_LINE}" stroke-width="2" '
            'stroke-dasharray="5 3"/>',
            _svg_text(218, 20, self.region_name, 11),
        ]
        summaries = []
        for n, ind in enumerate(leads):
            ox = 4 + (n % cols) * (pw + gap)
            oy = top + (n // cols) * (ph + gap)
            area = [self._area(ind, y) for y in years]
            region = [self._region(ind, y) for y in years]
            vals = [float(v) for v in area + region
                    if not (is_withheld(v) or fmt.is_missing(v))]
            body.append(f'<rect x="{ox}" y="{oy}" width="{pw}" height="{ph}" fill="none" '
                        'stroke="#d0d3d6"/>')
            narrow = pw < 200
            lines = _wrap(self.r.label(ind), 22 if narrow else 36)[:3]
            for j, line in enumerate(lines):
                body.append(_svg_text(ox + 5, oy + 14 + 11 * j, line, 8.8 if narrow else 10.5,
                                      weight="bold"))
            px0, px1 = ox + 40, ox + pw - 10
            py0, py1 = oy + ph - 24, oy + 18 + 11 * len(lines)
            if not vals:
                body.append(_svg_text(ox + 6, oy + ph / 2, "keine veröffentlichten Werte", 10,
                                      italic=True))
                continue
            lo, hi = min(vals), max(vals)
            pad = max((hi - lo) * 0.15, abs(hi) * 0.05, 0.5)
            lo, hi = max(lo - pad, 0.0) if lo >= 0 else lo - pad, hi + pad

            def px(i: int, px0: float = px0, px1: float = px1) -> float:
                return px0 + (px1 - px0) * (i / max(len(years) - 1, 1))

            def py(v: float, py0: float = py0, py1: float = py1, lo: float = lo,
                   hi: float = hi) -> float:
                return py0 - (py0 - py1) * ((v - lo) / (hi - lo))

            for t in (lo, hi):
                body.append(_svg_text(px0 - 4, py(t) + 4, fmt.number(t, 1), 9.5, "end",
                                      colour="#4a4a4a"))
            body.append(_svg_text(px0, oy + ph - 8, str(years[0]), 9.5, colour="#4a4a4a"))
            body.append(_svg_text(px1, oy + ph - 8, str(years[-1]), 9.5, "end",
                                  colour="#4a4a4a"))
            for series, colour, dash, w in ((region, REGION_LINE, ' stroke-dasharray="5 3"', 2),
                                            (area, AREA_LINE, "", 2.5)):
                segment: list[str] = []
                for i, v in enumerate([*series, None]):
                    ok = v is not None and not (is_withheld(v) or fmt.is_missing(v))
                    if ok:
                        segment.append(f"{px(i):.1f} {py(float(v)):.1f}")
                    if not ok or i == len(series):
                        if len(segment) > 1:
                            body.append(f'<path d="M {" L ".join(segment)}" fill="none" '
                                        f'stroke="{colour}" stroke-width="{w}"{dash}/>')
                        elif len(segment) == 1:
                            cx, cy = segment[0].split()
                            body.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{colour}"/>')
                        segment = []
            for i, v in enumerate(area):
                if is_withheld(v):
                    body.append(_svg_text(px(i), py0 - 2, display(v), 12, "middle"))
            first = next(((y, v) for y, v in zip(years, area, strict=True)
                          if not (is_withheld(v) or fmt.is_missing(v))), None)
            last = area[-1]
            if first is not None and not (is_withheld(last) or fmt.is_missing(last)):
                summaries.append(f"{self.r.label(ind)} von {self.r.value_text(ind, first[1])} "
                                 f"({first[0]}) auf {self.r.value_text(ind, last)} "
                                 f"({years[-1]})")
        title = f"Leitindikatoren {self.label} {years[0]}–{years[-1]}"
        svg = _svg_document(width, height, body, title, self.r.image_mark)
        alt = self.r.say1("bericht.steckbrief.verlauf", leitindikatoren=len(leads),
                          sozialraum=self.label, vergleich=self.region_name,
                          von=str(years[0]), bis=str(years[-1]), verlauf=summaries)
        return ChartWithTable(svg, alt, title, self.trend_table(),
                              self._chart_caption("Durchgezogen: Sozialraum; gestrichelt: "
                                                  "Region. Werte in der Tabelle „Leitindikatoren“ darunter."),
                              "steckbrief-verlauf")

    def trend_table(self) -> TableOutput:
        years = list(self.r.ds.years)
        rows = []
        for ind in self.leads:
            row = {"Leitindikator": self.r.label_with_unit(ind)}
            for y in years:
                row[str(y)] = fmt.number(self._area(ind, y), 1)
            rows.append(row)
        return _compact(TableOutput(
            pd.DataFrame(rows),
            f"Leitindikatoren {self.label} {years[0]}–{years[-1]}",
            row_header="Leitindikator",
        ))

    # ------------------------------------------------------------------ need
    def need_table(self) -> TableOutput:
        base = self.cfg.vergleichsjahr
        previous = self.r.res.need_previous
        rows = []
        for f in self.cfg.fields:
            fc = self.cfg.handlungsfelder[f]
            flag = self._need(f)
            s, lab = self._stability(f)
            rules = [RULE_SHORT[x.strip()] for x in
                     str(self.r.res.need.at[self.code, f"{f}_regeln"]).split(",")
                     if x.strip() in RULE_SHORT]
            row = {
                "Handlungsfeld": fc.kurz,
                "Einstufung": ("Handlungsbedarf" if flag else "kein Bedarf")
                + (" (Grenzfall)" if lab == "Grenzfall" else ""),
                "Feldindex": self.r.index_text(self.r.res.need.at[self.code, f"{f}_index"]),
                "Gründe": fmt.join_de(rules) if flag and rules else "–",
                "Varianten mit Bedarf": f"{self.r.stability_text(s)} – {lab}",
            }
            if base is not None and previous is not None and self.code in previous.index:
                before = bool(previous.at[self.code, f"{f}_bedarf_flag"])
                row[f"seit {base}"] = ("neu mit Bedarf" if flag and not before else
                                       "Bedarf entfallen" if before and not flag else
                                       "weiterhin Bedarf" if flag else "weiterhin kein Bedarf")
            rows.append(row)
        return TableOutput(
            pd.DataFrame(rows),
            f"Handlungsbedarf {self.label} {self.r.year} je Handlungsfeld",
            row_header="Handlungsfeld",
        )

    def need_text(self) -> Prose:
        b = self.cfg.bedarf
        return Prose((
            f"Regel 1: Feldindex ab {fmt.number(b.regional_index, 2)}; Regel 2: Leitindikator "
            f"ab dem {fmt.number(b.kommunal_faktor, 2)}-Fachen des Werts der Kommune und "
            f"Feldindex ab {fmt.number(b.kommunal_index, 2)}; Regel 3: Feldindex ab "
            f"{fmt.number(b.absolut_index, 2)} und Anzahl im Zähler des Leitindikators unter den obersten "
            f"{fmt.number(b.absolut_anteil * 100)} %. Varianten mit Bedarf: Anteil der "
            "Varianten der Robustheitsprüfung mit Handlungsbedarf; Grenzfall, wenn weniger als "
            f"{fmt.number(self.cfg.robustheit.stabil_ab * 100)} % mit der Einstufung "
            "übereinstimmen.",
        ), css_class="prose erlaeuterung")  # brackets are explained under the indicator table

    def field_links(self) -> LinkBlock:
        from analysis.views.concept_report import concept_href

        links = [(f"{self.r.field_pages[f]}.html", self.cfg.handlungsfelder[f].kurz)
                 for f in self.cfg.fields]
        links.append((f"{METHOD_PAGE}.html", "Methodik und Daten"))
        links += [(concept_href(f), f"Handlungskonzept {self.cfg.handlungsfelder[f].kurz}")
                  for f in self.need_fields]
        return LinkBlock("Kapitel zu den Handlungsfeldern", tuple(links))

    # ------------------------------------------------------------------ services
    def _service_rows(self) -> tuple[list[dict[str, str]], int, int, int] | None:
        """The active services in and around the area (``None`` without an inventory):
        one row per service (local ones first, then kommunenweit, then bordering), and the
        numbers of each. A service serving every area of the Kommune is *kommunenweit*
        (:func:`analysis.method.concept.service_scope`): counted apart, and never listed
        as bordering for an area of another Kommune."""
        if self.r.active_services is None:
            return None
        from analysis.common.ids import natural_key
        from analysis.method.concept import LOCAL, MUNICIPALITY_WIDE

        act, sa = self.r.active_services
        here = sa[sa[S.AREA] == self.code]
        inside = set(here.loc[here["reichweite"] == LOCAL, "angebot"])
        wide = set(here.loc[here["reichweite"] == MUNICIPALITY_WIDE, "angebot"]) - inside
        neighbours = self.r.adjacency.get(self.code, set())
        near: dict[str, list[str]] = {}
        for a, svc, reach in zip(sa[S.AREA], sa["angebot"], sa["reichweite"], strict=True):
            if a in neighbours and reach == LOCAL and svc not in inside | wide:
                near.setdefault(svc, []).append(a)
        act = act.set_index("angebot")
        kurz = {f: fc.kurz for f, fc in self.cfg.handlungsfelder.items()}
        kommune = str(self.r.areas.loc[self.code, S.KOMMUNE])
        rank = {**dict.fromkeys(inside, 0), **dict.fromkeys(wide, 1), **dict.fromkeys(near, 2)}
        rows = []
        for svc in sorted(rank, key=lambda s: (
                rank[s], str(act.loc[s, S.FIELD]), str(act.loc[s, "name"]),
                natural_key(s))):  # the id breaks ties of equal names (no set order)
            field = str(act.loc[svc, S.FIELD])
            where = ("im Sozialraum" if rank[svc] == 0 else
                     f"kommunenweit: für alle Sozialräume von {kommune}" if rank[svc] == 1
                     else "angrenzend: " + ", ".join(sorted(set(near[svc]), key=natural_key)))
            rows.append({
                "Angebot": str(act.loc[svc, "name"]),
                "Handlungsfeld": kurz.get(field, field),
                "Art": str(act.loc[svc, "typ"]) if "typ" in act.columns else "",
                "Lage": where,
                "_feld": field, "_lage": rank[svc],
            })
        return rows, len(inside), len(wide), len(near)

    def _no_services(self, found) -> Prose:
        """What the Steckbrief says without an inventory, or with nothing in it near the area."""
        from analysis.views.concept_report import NO_SERVICES_SHORT

        if found is None:
            return prose(NO_SERVICES_SHORT)
        return prose(
            f"Im Bestand der Angebote ({self.r.year}) ist weder im Sozialraum noch in "
            "einem angrenzenden Sozialraum noch kommunenweit ein aktives Angebot verzeichnet.")

    def _services_caption(self, head: str, n_inside: int, n_wide: int, n_near: int) -> str:
        def n(k: int) -> str:  # a count in a caption: „keines“ rather than „0“
            return "keines" if k == 0 else fmt.number(k)

        return (f"{head}: {n(n_inside)} im Sozialraum {self.code}, "
                f"{n(n_wide)} kommunenweit (für alle Sozialräume der Kommune), "
                f"{n(n_near)} angrenzend")

    def services_summary(self) -> TableOutput | Prose:
        """Services per field, inside the area, kommunenweit and in bordering areas,
        counted by kind (``Kita (2), Familienzentrum``): short enough for the printed
        Steckbrief."""
        found = self._service_rows()
        if found is None or not found[0]:
            return self._no_services(found)
        rows, n_inside, n_wide, n_near = found
        order = {f: n for n, f in enumerate(self.cfg.handlungsfelder)}
        fields = sorted({r["_feld"] for r in rows}, key=lambda f: (order.get(f, len(order)), f))

        def cell(part: list[dict[str, str]]) -> str:
            if not part:
                return "–"
            kinds: dict[str, int] = {}
            for r in part:
                kinds[r["Art"]] = kinds.get(r["Art"], 0) + 1
            listed = [k if n == 1 else f"{k} ({fmt.number(n)})"
                      for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])) if k]
            head = fmt.count_phrase(len(part), "Angebot", "Angebote")
            return head + (": " + ", ".join(listed) if listed else "")

        table = []
        for f in fields:
            mine = [r for r in rows if r["_feld"] == f]
            table.append({
                "Handlungsfeld": mine[0]["Handlungsfeld"],
                "im Sozialraum": cell([r for r in mine if r["_lage"] == 0]),
                "kommunenweit": cell([r for r in mine if r["_lage"] == 1]),
                "angrenzend": cell([r for r in mine if r["_lage"] == 2]),
            })
        return TableOutput(
            pd.DataFrame(table),
            self._services_caption(f"Aktive Angebote {self.r.year} nach Handlungsfeld und Art",
                                   n_inside, n_wide, n_near),
            row_header="Handlungsfeld",
        )

    def services(self) -> TableOutput | Prose:
        """Every service in and around the area, one row each (on screen: the printed
        Steckbrief shows :meth:`services_summary`)."""
        found = self._service_rows()
        if found is None or not found[0]:
            return self._no_services(found)
        rows, n_inside, n_wide, n_near = found
        return TableOutput(
            pd.DataFrame(rows).drop(columns=["_feld", "_lage"]),
            self._services_caption(f"Aktive Angebote {self.r.year}", n_inside, n_wide, n_near),
            row_header="Angebot",
        )

    def services_html(self) -> str:
        """The summary, then (on screen only, folded) the list of every service."""
        summary = self.services_summary()
        detail = self.services()
        if not isinstance(detail, TableOutput):
            return summary._repr_html_()
        n = len(detail.df)
        return (summary._repr_html_() + "\n"
                '<details class="nur-web angebote-einzeln">'
                f"<summary>{ESC(fmt.count_phrase(n, 'Angebot', 'Angebote'))} einzeln, "
                "mit Lage</summary>\n" + detail._repr_html_() + "\n</details>")


def steckbrief_html(view: SteckbriefView) -> str:
    """The content of one Steckbrief: a ``<section class="steckbrief">`` whose id is the
    area's anchor (:attr:`Report.area_anchors`), most important first (need), then
    population, indicators, development and services."""
    base = view.cfg.vergleichsjahr
    years = view.r.ds.years

    def h2(text: str) -> str:
        return f"<h2>{ESC(text)}</h2>"

    dev, trend = view.indicator_chart(), view.trend_chart()
    parts = [
        f"<h1>{ESC(view.title)}</h1>", view.back_links(), view.summary(),
        h2("Bevölkerung"), view.population_table(),
        h2("Handlungsbedarf" + (f" und Veränderung seit {base}" if base is not None else "")),
        view.need_table(), view.need_text(), view.field_links(),
        h2(f"Kernindikatoren im Vergleich und Entwicklung seit {years[0]}"),
        # the values first (a long table may break across pages), then both charts side
        # by side on paper, then the table of the time series
        dev.table, view.indicator_key(),
        '<div class="steckbrief-grafiken">', dev.figure_html(), trend.figure_html(), "</div>",
        trend.table,
        h2("Angebote im und um den Sozialraum"), view.services_html(),
    ]
    body = "\n".join(p if isinstance(p, str) else p._repr_html_() for p in parts)
    anchor = ESC(view.r.area_anchors[view.code], quote=True)
    return f'<section class="steckbrief" id="{anchor}">\n{body}\n</section>'


def steckbrief_notebook(view: SteckbriefView) -> bytes:
    """The Steckbrief as an executed notebook of one output (deterministic bytes): it is
    rendered, checked and published like every chapter (:mod:`analysis.rendering.assemble`)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"language_info": {"name": "python"}}
    cell = nbformat.v4.new_code_cell("", execution_count=None)
    cell.outputs = [nbformat.v4.new_output("display_data",
                                           data={"text/html": steckbrief_html(view)})]
    cell["id"] = "steckbrief"  # fixed id: same inputs, same bytes
    nb.cells = [cell]
    # nbformat.writes would validate the notebook once more only to log a problem (the
    # new_* constructors above raise on one); the same bytes without that second pass
    return nbformat.v4.writes(nb).encode("utf-8")
