"""The Steckbrief of a Sozialraum (analysis.views.steckbrief): numbers through the gate, "•" for
withheld values, wording for 0, 1 and many, links, deterministic bytes."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from analysis.common import fmt
from analysis.common.ids import area_pages
from analysis.contract import schema as S
from analysis.gate import disclosure as D
from analysis.rendering.tables import DEMO_MARK, TableOutput, html_table
from analysis.views.report import open_report
from analysis.views.steckbrief import steckbrief_html, steckbrief_notebook

from ..german import stumbles

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def r():
    return open_report(REPO / "data" / "demo", REPO / "config" / "report.yaml")


def _core(r) -> list[str]:
    return list(dict.fromkeys(i for f in r.cfg.fields for i in r.cfg.handlungsfelder[f].indikatoren))


def _withheld(r) -> tuple[str, str]:
    """An (area, core indicator) withheld in the report year (the demo has some)."""
    av = r.gate.area_values
    hit = av[av[D.FLAG] & (av["jahr"] == r.year) & av["indikator"].isin(_core(r))]
    assert len(hit), "the demo data should have a withheld core indicator"
    return str(hit["sozialraum"].iloc[0]), str(hit["indikator"].iloc[0])


def _rows(table) -> dict[str, dict]:
    df = table.df
    return {row[df.columns[0]]: row for row in df.to_dict("records")}


def test_indicator_table_shows_the_published_values(r):
    code = "AC 1"
    rows = _rows(r.steckbrief(code).indicator_table())
    ags = r.areas.loc[code, "ags"]
    for ind in _core(r):
        row = rows[r.label_with_unit(ind)]
        area = r.gate.published_value(ind, area=code)
        assert row["Sozialraum"].strip("()") == fmt.number(area, 1)
        assert row["Kommune"] == fmt.number(r.gate.published_value(ind, ags=ags), 1)
        assert row["Region"] == fmt.number(r.gate.published_value(ind), 1)
        # the value is the area's own (not the Kommune's) and equals the raw result
        raw = r.res.area[(r.res.area["sozialraum"] == code) & (r.res.area["indikator"] == ind)
                         & (r.res.area["jahr"] == r.year)]["wert"].iloc[0]
        assert fmt.number(area, 1) == fmt.number(raw, 1)


def test_indicator_names_carry_their_unit_once(r):
    """Review R2-25: „Schwerbehinderte je 1.000 Einwohner (je 1.000)“ said the unit twice."""
    names = list(_rows(r.steckbrief("AC 1").indicator_table()))
    for ind in _core(r):
        unit = r.unit(ind)
        name = r.label_with_unit(ind)
        assert name in names and (not unit or name.count(unit) == 1)
    assert any(r.unit(i) and r.unit(i) in r.label(i) for i in _core(r))  # the case exists


def test_uncertain_values_in_brackets_as_in_every_other_table(r):
    """Review R2-22: one marker for a small denominator – brackets, as the chapters."""
    res = r.res.area
    unsure = res[(res["jahr"] == r.year) & res["unsicher"].astype(bool)
                 & res["indikator"].isin(_core(r))]
    found = 0
    for code, ind in zip(unsure["sozialraum"], unsure["indikator"], strict=True):
        if r.gate.published_value(ind, area=code) == "•":
            continue
        cell = _rows(r.steckbrief(code).indicator_table())[r.label_with_unit(ind)]["Sozialraum"]
        assert cell.startswith("(") and cell.endswith(")") and "unsicher" not in cell
        found, shown = found + 1, code
        if found == 3:
            break
    assert found  # the demo has such values
    # the key sits under the table that has bracketed values, not under the need table
    # (R5-13: it has none)
    assert "Wert in Klammern" in " ".join(r.steckbrief(shown).indicator_key().paragraphs)
    assert "Klammern" not in " ".join(r.steckbrief(shown).need_text().paragraphs)


def test_withheld_indicator_shows_a_dot_everywhere_and_is_not_drawn(r):
    code, ind = _withheld(r)
    view = r.steckbrief(code)
    assert r.gate.published_value(ind, area=code) == "•"
    row = _rows(view.indicator_table())[r.label_with_unit(ind)]
    assert row["Sozialraum"] == "•" and row["Anzahl"] == "•"
    assert row["95-%-Bereich"] == "•"
    chart = view.indicator_chart()
    assert "• gesperrt" in chart.svg.decode()
    assert "gesperrt" in chart.alt


def test_population_counts_come_through_the_gate(r):
    pv = r.population_variable
    pub = D.publish(r.gate.protected, ["anzahl"], D.FLAG)
    small = pub[(pub["anzahl"] == "•") & (pub["jahr"] == r.year)]
    assert len(small)
    code, var = str(small["sozialraum"].iloc[0]), str(small["variable"].iloc[0])
    assert r.gate.published_area_count(var, code) == "•"
    view = r.steckbrief("AC 1")
    table = view.population_table()
    first = table.df.iloc[0]
    assert first["Anzahl"] == r.gate.published_area_count(pv, "AC 1")
    # the age groups are the parts of the population declared in variablen.csv
    assert len(view.age_groups) >= 2
    shares = table.df["Anteil"].iloc[1:]
    assert abs(sum(shares) - 100.0) < 0.01


def test_summary_wording_for_none_one_and_many_fields(r):
    # the Steckbrief counts the counted fields (as the Kommunalprofil and the cumulation
    # map do) and names a field reported separately after them (R4-07)
    cum = r.res.need["kumulation"].astype(int)
    from analysis.common.fmt import number_word

    w = number_word(len(r.cfg.counted_fields))
    none = str(cum.index[cum == 0][0])
    one = str(cum.index[cum == 1][0])
    many = str(cum.index[cum == 3][0])
    assert f"In keinem der {w} gezählten Handlungsfelder" in str(r.steckbrief(none).summary())
    assert f"in einem der {w} gezählten Handlungsfelder (" in str(r.steckbrief(one).summary())
    assert f"in drei der {w} gezählten Handlungsfelder (" in str(r.steckbrief(many).summary())
    for code in (none, one, many):
        assert not stumbles(str(r.steckbrief(code).summary()))


def test_need_table_names_reasons_stability_and_borderline(r):
    from analysis.method.core import stability_label

    for code in r.areas.index:
        df = r.steckbrief(code).need_table().df
        for f, row in zip(r.cfg.fields, df.to_dict("records"), strict=True):
            flag = bool(r.res.need.loc[code, f"{f}_bedarf_flag"])
            s = float(r.res.stability.loc[code, f])
            label = stability_label(s, flag, r.cfg.robustheit.stabil_ab)
            assert row["Einstufung"].startswith("Handlungsbedarf" if flag else "kein Bedarf")
            assert ("(Grenzfall)" in row["Einstufung"]) == (label == "Grenzfall")
            assert row["Varianten mit Bedarf"].endswith(label)
            assert (row["Gründe"] != "–") == flag


def test_services_in_and_around_the_area(r):
    view = r.steckbrief("AC 1")
    table = view.services()
    lage = list(table.df["Lage"])
    inside = sum(x == "im Sozialraum" for x in lage)
    wide = sum(x.startswith("kommunenweit: ") for x in lage)
    assert f"{inside} im Sozialraum AC 1, {wide} kommunenweit" in table.caption
    assert wide  # Frühe Hilfen, Schulsozialarbeit … of Aachen
    for x in lage:
        if x.startswith("angrenzend: "):
            neighbours = x.removeprefix("angrenzend: ").split(", ")
            assert set(neighbours) <= r.adjacency["AC 1"]
        elif x != "im Sozialraum":
            assert x == "kommunenweit: für alle Sozialräume von Aachen"


def _border_area(r) -> str:
    """An area with a neighbour in another Kommune that has a kommunenweit service there."""
    from analysis.method.concept import MUNICIPALITY_WIDE

    _, sa = r.active_services
    wide = set(sa.loc[sa["reichweite"] == MUNICIPALITY_WIDE, "sozialraum"])
    kommune = r.areas[S.KOMMUNE]
    for code in r.areas.index:
        if any(kommune[n] != kommune[code] and n in wide for n in r.adjacency[code]):
            return code
    raise AssertionError("no area borders another Kommune")


def test_kommunenweit_services_of_another_kommune_are_not_adjacent(r):
    """A service for every area of a Kommune shows as „kommunenweit“ in each of its areas
    and never as „angrenzend“ in an area of another Kommune (review R2-07)."""
    from analysis.method.concept import MUNICIPALITY_WIDE

    code = _border_area(r)
    kommune = r.areas.loc[code, S.KOMMUNE]
    _, sa = r.active_services
    other = {n for n in r.adjacency[code] if r.areas.loc[n, S.KOMMUNE] != kommune}
    theirs = sa[sa["sozialraum"].isin(other) & (sa["reichweite"] == MUNICIPALITY_WIDE)]
    own = set(sa.loc[sa["sozialraum"] == code, "angebot"])
    names = set(r.ds.services.set_index("angebot").loc[sorted(set(theirs["angebot"]) - own),
                                                       "name"])
    assert names
    full = r.steckbrief(code).services().df
    assert not set(full["Angebot"]) & names
    mine = full[full["Lage"].str.startswith("kommunenweit")]
    assert (mine["Lage"] == f"kommunenweit: für alle Sozialräume von {kommune}").all()


def test_services_summary_counts_every_service_once_by_field_and_kind(r):
    """The printed summary (per field: how many of which kind, inside, kommunenweit and
    bordering) adds up to the full list; the full list is kept for the screen only."""
    import collections

    for code in ("AC 3", "S 15"):
        view = r.steckbrief(code)
        full, summary = view.services().df, view.services_summary()
        where = full["Lage"].map(lambda x: x if x == "im Sozialraum" else x.split(":")[0])
        n = where.value_counts()
        count = {k: str(n.get(k, 0) or "keines")  # zero reads „keines“ (review 3 #15)
                 for k in ("im Sozialraum", "kommunenweit", "angrenzend")}
        assert (f"{count['im Sozialraum']} im Sozialraum {code}, "
                f"{count['kommunenweit']} kommunenweit (für alle Sozialräume der Kommune), "
                f"{count['angrenzend']} angrenzend") in summary.caption
        assert " 0 " not in summary.caption
        for column in ("im Sozialraum", "kommunenweit", "angrenzend"):
            part = full[where == column]
            for field, cell in zip(summary.df["Handlungsfeld"], summary.df[column], strict=True):
                kinds = collections.Counter(part.loc[part["Handlungsfeld"] == field, "Art"])
                if not kinds:
                    assert cell == "–"
                    continue
                n_kinds = sum(kinds.values())
                assert cell.startswith(f"{n_kinds} Angebot{'' if n_kinds == 1 else 'e'}: "), cell
                shown = dict(re.fullmatch(r"(.+?)(?: \((\d+)\))?", item).groups()
                             for item in cell.split(": ", 1)[1].split(", "))
                assert {k: int(v or 1) for k, v in shown.items()} == dict(kinds), (code, field)
            assert set(summary.df["Handlungsfeld"]) == set(full["Handlungsfeld"])
        html = view.services_html()
        soup = BeautifulSoup(html, "html.parser")
        details = soup.find("details")
        assert "nur-web" in details["class"]  # screen only: paper shows the summary
        assert len(details.select("tbody tr")) == len(full)
        assert details.summary.get_text().startswith(f"{len(full)} Angebote einzeln")
        assert soup.find("table").find_parent("details") is None  # the summary comes first


def test_links_back_to_profile_fields_and_method(r):
    code = "AC 1"
    html = steckbrief_html(r.steckbrief(code))
    soup = BeautifulSoup(html, "html.parser")
    hrefs = [a["href"] for a in soup.find_all("a", href=True)]
    ags = r.areas.loc[code, "ags"]
    assert f"{r.profile_pages[ags]}.html#{r.area_anchors[code]}" in hrefs
    for f in r.cfg.fields:
        assert f"{r.field_pages[f]}.html" in hrefs
    assert soup.find("section")["id"] == r.area_anchors[code]


def test_notebook_is_deterministic_and_images_carry_the_demo_label(r):
    a = steckbrief_notebook(r.steckbrief("AC 1"))
    b = steckbrief_notebook(r.steckbrief("AC 1"))
    assert a == b
    svgs = [base64.b64decode(m).decode() for m in
            re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", a.decode())]
    assert len(svgs) == 2
    assert all(DEMO_MARK in s for s in svgs)


def test_area_href_leads_to_the_steckbrief(r):
    assert r.area_href("AC 1") == f"{r.area_pages['AC 1']}.html"
    assert r.area_href("AC 1", "handlungskonzept") == f"../sozialbericht/{r.area_pages['AC 1']}.html"
    label_to_code = {r.area_label(c): c for c in r.areas.index}
    for field in r.cfg.fields:
        need = r.field(field).need_table()
        if not isinstance(need, TableOutput):  # a table with its key below (Stack)
            need = next(p for p in need.parts if isinstance(p, TableOutput))
        assert need.links["Sozialraum"] == [r.area_href(label_to_code[x])
                                            for x in need.df["Sozialraum"]]
        assert need.html.count('href="41_sr_') == len(need.df)


def test_area_pages_are_safe_and_unique_for_any_ids():
    pages = area_pages(["0110", "Mitte-Nord", "A 1", "a-1", "Süd"])
    assert pages["0110"] == "41_sr_0110"
    assert pages["Mitte-Nord"] == "41_sr_mitte-nord"
    assert pages["Süd"] == "41_sr_sued"
    assert len(set(pages.values())) == 5
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", p) for p in pages.values())


def test_html_table_links_are_escaped_and_checked():
    import pandas as pd

    df = pd.DataFrame({"Sozialraum": ["<A>", "B"], "Wert": [1.5, 2.0]})
    html = html_table(df, "T", row_header="Sozialraum", links={"Sozialraum": ['x"y.html', None]})
    assert '<a href="x&quot;y.html">&lt;A&gt;</a>' in html
    assert "<th scope=\"row\">B</th>" in html
    with pytest.raises(ValueError):
        html_table(df, "T", links={"Sozialraum": ["a.html"]})


def test_without_inventory_or_comparison_year_the_page_says_so(r):
    import dataclasses

    from analysis.views.concept_report import NO_SERVICES_SHORT
    from analysis.views.report import Report

    ctx = dataclasses.replace(r.ctx, ds=dataclasses.replace(r.ds, services=None),
                              cfg=r.cfg.model_copy(update={"vergleichsjahr": None}),
                              res=dataclasses.replace(r.res, need_previous=None))
    view = Report(ctx).steckbrief("AC 1")
    assert str(view.services()) == NO_SERVICES_SHORT
    assert not any(c.startswith("seit ") for c in view.need_table().df.columns)
    assert not any(c.startswith("seit ") for c in view.indicator_table().df.columns)
    html = steckbrief_html(view)
    assert "Veränderung seit" not in html and NO_SERVICES_SHORT in html


def test_steckbriefe_are_kept_sealed_and_reused_only_while_valid(r, tmp_path):
    from analysis.build.build import STECKBRIEF, plan, write_steckbriefe
    from analysis.common.ids import natural_sorted

    sheets = [x for x in plan(r.ctx) if x.kind == STECKBRIEF]
    assert len(sheets) == len(r.areas)
    first_kommune = [x.params["sozialraum"] for x in sheets if x.parent == sheets[0].parent]
    assert first_kommune == natural_sorted(first_kommune)  # AC 1, AC 2 … AC 10, not AC 10, AC 2
    runs = sheets[:3]
    logs: list[str] = []
    first = write_steckbriefe(r.ctx, runs, tmp_path, "inputs-a", log=logs.append)
    again = write_steckbriefe(r.ctx, runs, tmp_path, "inputs-a", log=logs.append)
    assert again == first and len(logs) == 1  # nothing written the second time
    slug = runs[0].slug
    first[slug].path.write_bytes(b"{}")  # a changed entry is not used …
    fixed = write_steckbriefe(r.ctx, runs, tmp_path, "inputs-a", log=logs.append)
    assert fixed[slug].sha256 == first[slug].sha256 and "1 Sozialraum" in logs[-1]
    other = write_steckbriefe(r.ctx, runs, tmp_path, "inputs-b", log=logs.append)
    assert "3 Sozialräume" in logs[-1] and other[slug].sha256 == first[slug].sha256


def test_change_since_the_comparison_year_marks_what_is_not_a_change(r):
    """Column „seit <Vergleichsjahr>“ (R4-08): a change below the threshold or inside the
    noise – the change chapter's rule, recomputed here from the published change table –
    is in brackets, a change beyond both is not; the key under the table says so. The
    demo has Steckbriefe where the largest change is not a secured one."""
    base = r.cfg.vergleichsjahr
    col = f"seit {base}"
    threshold = r.cfg.dynamik.schwelle
    ch = r.res.change_published.set_index([S.AREA, S.INDICATOR])
    bigger_unsecured = 0
    for code in r.areas.index:
        view = r.steckbrief(code)
        table = view.indicator_table().df
        secured, unsecured = [], []
        for ind, cell in zip(view.indicators, table[col], strict=True):
            if (code, ind) not in ch.index or cell in (fmt.MISSING, "•"):
                continue
            row = ch.loc[(code, ind)]
            delta, noise = float(row["veraenderung"]), float(row["rauschen"])
            real = abs(delta) >= threshold - 1e-9 and abs(delta) > noise
            shown = r.delta_text(delta)  # one decimal, more only beside the threshold
            assert cell == (shown if real else f"({shown})"), (code, ind, cell)
            (secured if real else unsecured).append(abs(delta))
        if secured and unsecured and max(unsecured) > max(secured):
            bigger_unsecured += 1
        key = view.indicator_key()._repr_html_()
        assert ("in Klammern: keine gesicherte Veränderung" in key) == bool(unsecured), code
        assert f"Spalte „{col}“" in key
        assert ("Spalte „Sozialraum“, Wert in Klammern" in key) == any(
            str(v).startswith("(") for v in table["Sozialraum"]), code
    assert bigger_unsecured  # e.g. S 13: Sprachförderbedarf +18,0 of 12 children
