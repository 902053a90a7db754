"""A value on one side of a bound that decides its class never shows as that bound
(review-3 #11, #13): ``fmt.apart`` and every place that shows a field index, a share of
robustness variants, an indicator change, a dynamics index or a goal's values, in pages,
map tables and downloads."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.common import fmt
from analysis.gate.published import is_withheld
from analysis.method.core import index_bounds, need_table, stability_bounds
from analysis.views.concept_report import open_concept
from analysis.views.report import Report, open_report

REPO = Path(__file__).resolve().parents[2]
DATA, CONFIG = REPO / "data" / "demo", REPO / "config" / "report.yaml"


# --------------------------------------------------------------------------- fmt.apart
@pytest.mark.parametrize("x, shown", [
    (0.996, "+0,996"), (1.004, "+1,004"), (0.9996, "+0,9996"), (1.0, "+1,00"),
    (0.5049, "+0,505"), (0.49986, "+0,4999"), (-0.4999, "−0,4999"), (0.73, "+0,73"),
])
def test_a_value_beside_a_threshold_is_told_apart_from_it(x, shown):
    assert fmt.apart(x, [-0.5, 0.5, 1.0], 2, fmt.signed) == shown
    # without bounds: exactly the ordinary format
    assert fmt.apart(x, [], 2, fmt.signed) == fmt.signed(x, 2)


def test_just_below_and_just_above_differ_from_the_threshold_and_each_other():
    t = 1.0
    below, at, above = (fmt.apart(x, [t], 2, fmt.signed) for x in (t - 0.004, t, t + 0.004))
    assert len({below, at, above}) == 3
    assert at == fmt.signed(t, 2)


def test_rounding_never_crosses_a_bound_with_more_places_than_shown():
    # 0.246 < 0.249, but two places give 0.25 > 0.249
    assert fmt.number(0.246, 2) == "0,25"
    assert fmt.apart(0.246, [0.249], 2) == "0,246"
    assert fmt.apart_decimals(0.2, [0.249], 2) == 2  # clearly below: unchanged


def test_percent_share_and_unit_styles():
    assert fmt.apart(79.6, [80], 0, fmt.percent) == f"79,6{fmt.NBSP}%"
    assert fmt.apart(80.0, [80], 0, fmt.percent) == f"80{fmt.NBSP}%"
    assert fmt.apart(4.33, [4.3], 1, lambda v, d: fmt.with_unit(v, "%", d)) == \
        f"4,33{fmt.NBSP}%"


def test_float_noise_falls_back_to_words():
    assert fmt.apart(0.9999999999, [1.0], 2, fmt.signed) == "knapp unter +1,00"
    assert fmt.apart(1.0000000001, [1.0], 2, fmt.signed) == "knapp über +1,00"


def test_marks_and_missing_values_pass_through():
    assert fmt.apart("•", [1.0], 2, fmt.signed) == "•"
    assert fmt.apart(float("nan"), [1.0], 2, fmt.signed) == fmt.MISSING
    assert fmt.apart(0.996, [float("nan"), "•"], 2, fmt.signed) == "+1,00"


def test_round_apart_for_downloads():
    assert fmt.round_apart(0.996, [1.0], 2) == 0.996
    assert fmt.round_apart(0.73, [1.0], 2) == 0.73
    assert np.isnan(fmt.round_apart(float("nan"), [1.0], 2))


# --------------------------------------------------------------------------- the views
_NUMBER = re.compile(r"[+\-−]?\d+(?:\.\d{3})*(?:,\d+)?")


def _shown(text: str) -> float | None:
    """The first number of a cell as a reader takes it („+0,50“ → 0.5)."""
    m = _NUMBER.search(text)
    if m is None:
        return None
    return float(m.group(0).replace("−", "-").replace(".", "").replace(",", "."))


def _contradicts(text: str, raw: object, bounds) -> list[float]:
    """The bounds that ``text`` shows ``raw`` on or across (raw differs from them)."""
    if is_withheld(raw) or fmt.is_missing(raw) or "knapp" in text:
        return []
    shown = _shown(text)
    if shown is None:
        return []
    raw = float(raw)
    return [b for b in bounds if raw != b and (shown - b) * (1 if raw > b else -1) <= 0]


def _download_text(x: float) -> str:
    """A download's number as a reader sees it in Excel (up to four places)."""
    return fmt.number(x, 4).rstrip("0").rstrip(",")


def _cells(html: str) -> list[dict[str, str]]:
    """The body rows of the first table in ``html`` as {column header: text}."""
    table = BeautifulSoup(html, "html.parser").find("table")
    heads = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    return [dict(zip(heads, (c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])),
                     strict=False)) for tr in table.select("tbody tr")]


def _first_table(out) -> str:
    """The HTML of a view's output (a Stack: of its first table)."""
    parts = getattr(out, "parts", None)
    if parts is not None:
        return next(p.html for p in parts if hasattr(p, "df"))
    return out.html


def _contradictions(r, k) -> list[tuple]:
    """Every shown value that sits on or across a bound that decides its class."""
    bad = []
    need, stab = r.res.need, r.res.stability
    ib, sb = r.index_bounds, stability_bounds(r.cfg)
    t = float(r.cfg.dynamik.schwelle)
    base = r.cfg.vergleichsjahr
    for code in need.index:
        view = r.steckbrief(code)
        rows = {row["Handlungsfeld"]: row for row in _cells(view.need_table().html)}
        for f in r.cfg.fields:
            row = rows[r.cfg.handlungsfelder[f].kurz]
            bad += [("Steckbrief Feldindex", code, f, row["Feldindex"], b)
                    for b in _contradicts(row["Feldindex"], need.at[code, f"{f}_index"], ib)]
            bad += [("Steckbrief Varianten", code, f, row["Varianten mit Bedarf"], b)
                    for b in _contradicts(row["Varianten mit Bedarf"],
                                          stab.at[code, f] * 100, sb)]
        if base is None:
            continue
        labels = {r.label_with_unit(i): i for f in r.cfg.fields
                  for i in r.cfg.handlungsfelder[f].indikatoren}
        for row in _cells(view.indicator_table().html):
            ind = labels[row["Indikator"]]
            now, before = (r.gate.published_value(ind, area=code, year=y) for y in (None, base))
            if is_withheld(now) or is_withheld(before):
                continue
            delta = float(now) - float(before)
            bad += [("Steckbrief Veränderung", code, ind, row[f"seit {base}"], b)
                    for b in _contradicts(row[f"seit {base}"], delta, (-t, t))]
    for f in r.cfg.fields:
        fv = r.field(f)
        for row in _cells(_first_table(fv.need_table())):
            code = next(c for c in need.index if r.area_label(c) == row["Sozialraum"])
            bad += [("Feld Bedarfstabelle", code, f, row["Feldindex"], b)
                    for b in _contradicts(row["Feldindex"], need.at[code, f"{f}_index"], ib)]
        fig = fv.index_map()
        for row in _cells(fig.html):
            code = row[next(iter(row))]
            value = next(v for h, v in row.items() if h.startswith("Wert"))
            bad += [("Karte Feldindex", code, f, value, b)
                    for b in _contradicts(value, need.at[code, f"{f}_index"], ib)]
    ch = r.change()
    if ch.has_dynamics:
        kurz = {r.cfg.handlungsfelder[f].kurz: f for f in r.cfg.fields}
        for row in _cells(_first_table(ch.attention_table())):
            code = next(c for c in need.index if r.area_label(c) == row["Sozialraum"])
            f = kurz[row["Handlungsfeld"].split(" (")[0]]
            bad += [("Aufmerksamkeit Dynamikindex", code, f, row["Dynamikindex"], b)
                    for b in _contradicts(row["Dynamikindex"],
                                          r.res.dynamics.at[code, f"{f}_dynamik_index"],
                                          ch.dynamics_bounds(f, code))]
            bad += [("Aufmerksamkeit Feldindex", code, f, row["Feldindex"], b)
                    for b in _contradicts(row["Feldindex"], need.at[code, f"{f}_index"], ib)]
        dl = ch.dynamics_download()
        for _, row in dl.iterrows():
            d = r.res.dynamics.loc[row["sozialraum"]]
            f = row["handlungsfeld"]
            bounds = ch.dynamics_bounds(f, row["sozialraum"])
            text = _download_text(row["dynamikindex"])
            bad += [("dynamik.csv", row["sozialraum"], f, text, b)
                    for b in _contradicts(text, d[f"{f}_dynamik_index"], bounds)]
    nt = need_table(r.ds, r.res, r.cfg, ib).set_index("sozialraum")
    for f in r.cfg.fields:
        for code, x in nt[f"{f}_index"].items():
            text = _download_text(x)
            bad += [("handlungsbedarf.csv", code, f, text, b)
                    for b in _contradicts(text, need.at[code, f"{f}_index"], ib)]
    if k.ds.goals is not None:
        p = k.progress
        for row, (_, g) in zip(_cells(k.progress_table().parts[1].html), p.iterrows(),
                               strict=True):
            for col, raw in (("Aktueller Wert", g["wert"]), ("Ausgangswert", g["basiswert"])):
                bad += [("Wirkungsziel", g["ziel_id"], col, row[col], b)
                        for b in _contradicts(row[col], raw, [g["zielwert"]])]
            lo, _, hi = row["95-%-Vertrauensbereich"].partition(" bis ")
            for text, raw in ((lo, g["ki_unten"]), (hi, g["ki_oben"])):
                bad += [("Wirkungsziel Intervall", g["ziel_id"], "", text, b)
                        for b in _contradicts(text, raw, [g["zielwert"]])]
    return bad


@pytest.fixture(scope="module")
def demo():
    r = open_report(DATA, CONFIG)
    return r, open_concept(r)


def test_no_demo_page_shows_a_value_on_the_bound_that_decides_its_class(demo):
    r, k = demo
    assert _contradictions(r, k) == []


def test_planted_values_beside_every_bound_are_told_apart():
    """The demo need not have a value beside every bound: plant some and look again."""
    shared = open_report(DATA, CONFIG)
    # the analysis is cached and shared between reports: plant into copies only
    res = dataclasses.replace(shared.res, need=shared.res.need.copy(),
                              stability=shared.res.stability.copy())
    r = Report(dataclasses.replace(shared.ctx, res=res))
    k = open_concept(r)
    need, f = r.res.need, r.cfg.fields[0]
    t = float(r.cfg.bedarf.regional_index)
    codes = list(need.index[~need[f"{f}_bedarf_flag"].astype(bool)][:2])
    need.loc[codes[0], f"{f}_index"] = t - 0.004  # no need, just below rule 1
    need.loc[codes[1], f"{f}_index"] = -t + 0.004  # in the class above the map's lowest
    st = float(r.cfg.robustheit.stabil_ab)
    r.res.stability.loc[codes[0], f] = (1 - st) - 0.004  # no need, stable by a hair
    if k.ds.goals is not None and len(k.progress):
        p = k.progress.copy()
        p.loc[p.index[0], "wert"] = p.loc[p.index[0], "zielwert"] + 0.04
        p.loc[p.index[0], "ki_unten"] = p.loc[p.index[0], "zielwert"] + 0.03
        k.__dict__["progress"] = p
    assert _contradictions(r, k) == []
    assert open_report(DATA, CONFIG).res.need is not need  # nothing leaked
    row = {x["Handlungsfeld"]: x for x in _cells(r.steckbrief(codes[0]).need_table().html)}
    shown = row[r.cfg.handlungsfelder[f].kurz]
    assert shown["Feldindex"] == fmt.signed(t - 0.004, 3)
    assert shown["Varianten mit Bedarf"].startswith(fmt.percent((1 - st) * 100 - 0.4, 1))


def test_index_bounds_follow_the_configuration(demo):
    r, _ = demo
    b = r.cfg.bedarf
    bounds = index_bounds(r.cfg)
    for t in (b.regional_index, b.kommunal_index, b.absolut_index):
        assert t in bounds and -t in bounds
    assert set(bounds) <= set(r.index_bounds)
    assert stability_bounds(r.cfg) == pytest.approx(
        ((1 - r.cfg.robustheit.stabil_ab) * 100, r.cfg.robustheit.stabil_ab * 100))


def test_downloads_carry_the_same_rule_and_stay_numbers(demo):
    r, _ = demo
    nt = need_table(r.ds, r.res, r.cfg, r.index_bounds)
    raw = r.res.need.reindex(nt["sozialraum"])
    for f in r.cfg.fields:
        col = nt[f"{f}_index"]
        assert pd.api.types.is_float_dtype(col)
        # at most two places unless two would land on a bound
        for x, v in zip(col, raw[f"{f}_index"], strict=True):
            if fmt.apart_decimals(v, r.index_bounds, 2) == 2:
                assert x == pytest.approx(round(v, 2))
