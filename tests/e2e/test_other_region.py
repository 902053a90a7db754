"""Another region from configuration and text files alone (issue 11, first part).

A made-up "Landkreis Musterland": its own name forms, bodies, legal frame and publisher,
the field ``armut`` renamed to ``arbeit`` and a sixth field ``teilhabe`` — with no change
to the code or the notebooks. The published pages must name none of the StädteRegion
Aachen's words, and must say what the configuration says.
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from ..unit.test_geo import east_variant
from .conftest import REPO, make_tiny, run_report


def pages(out: Path) -> list[Path]:
    return sorted(p for s in ("sozialbericht", "handlungskonzept") for p in (out / s).glob("*.html"))

AACHEN_WORDS = ("Aachen", "StädteRegion", "Städteregion", "Städteregionstag",
                "Amt für Inklusion", "Lenkungskreis", "NRW", "Nordrhein")

WORDING = '''bezeichnungen:
  region_genitiv: "des Landkreises Musterland"
  region_dativ: "im Landkreis Musterland"
  gremium: "Kreistag"
  gremium_genitiv: "des Kreistags"
  steuerungsgremium: "Arbeitskreis Sozialplanung"
  stichtag: "30.6."
'''


def _rename_field(data: Path, old: str, new: str) -> None:
    ind = pd.read_csv(data / "indikatoren.csv", dtype=str, keep_default_na=False)
    ind["handlungsfelder"] = ind["handlungsfelder"].str.replace(
        rf"\b{old}\b", new, regex=True)
    # the sixth field shares two indicators
    two = ind["indikator"].isin(["alleinlebend_65plus", "schwerbehinderte"])
    ind.loc[two, "handlungsfelder"] = ind.loc[two, "handlungsfelder"] + " teilhabe"
    ind.to_csv(data / "indikatoren.csv", index=False)
    for name in ("angebote.csv", "wirkungsziele.csv"):
        t = pd.read_csv(data / name, dtype=str, keep_default_na=False)
        t["handlungsfeld"] = t["handlungsfeld"].replace(old, new)
        t.to_csv(data / name, index=False)
    for p in (data / "befunde").glob("*.md"):
        text = p.read_text(encoding="utf-8")
        text = re.sub(rf"^handlungsfeld: {old}$", f"handlungsfeld: {new}", text, flags=re.M)
        p.write_text(text, encoding="utf-8")


def _scrub(data: Path) -> None:
    """The demo's services and notes name Aachen institutions: data, not wording."""
    for p in [*data.glob("*.csv"), *(data / "befunde").glob("*.md")]:
        text = p.read_text(encoding="utf-8")
        for word, repl in (("StädteRegion Aachen", "Landkreis Musterland"),
                           ("Städteregion", "Kreis"), ("Lenkungskreis", "Steuerungsgremium"),
                           ("Aachen", "Musterstadt"), ("IT.NRW", "Landesstatistik")):
            text = text.replace(word, repl)
        p.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def other_region(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("musterland")
    data = make_tiny(base / "data")
    _rename_field(data, "armut", "arbeit")
    _scrub(data)
    cfg_dir = base / "config"
    shutil.copytree(REPO / "config" / "texte", cfg_dir / "texte")
    texts = cfg_dir / "texte" / "handlungsfelder"
    (texts / "armut.md").rename(texts / "arbeit.md")
    (texts / "teilhabe.md").write_text(
        "Teilhabe {region_dativ}: {titel} mit den Kernindikatoren {indikatoren}.\n",
        encoding="utf-8")
    yaml = (REPO / "config" / "report.yaml").read_text(encoding="utf-8")
    start, end = yaml.index("bezeichnungen:"), yaml.index("texte: ")
    yaml = yaml[:start] + WORDING + "\n" + yaml[end:]
    yaml = yaml.replace('region: "StädteRegion Aachen"', 'region: "Landkreis Musterland"')
    yaml = yaml.replace("  armut:\n    titel: \"Benachteiligte Sozialräume und materielle Armut\"",
                        "  arbeit:\n    titel: \"Arbeit und Einkommen\"")
    yaml = yaml.replace("handlungsfeld: armut}", "handlungsfeld: arbeit}")
    yaml = yaml.replace("\n    armut: gemeinsam\n", "\n    arbeit: gemeinsam\n")  # zustaendigkeit
    yaml = yaml.replace("    separat: true\n", "    separat: true\n"
                        "  teilhabe:\n    titel: \"Soziale Teilhabe\"\n    kurz: \"Teilhabe\"\n"
                        "    indikatoren: [alleinlebend_65plus, schwerbehinderte]\n"
                        "    leitindikator: alleinlebend_65plus\n", 1)
    yaml = yaml.replace('stelle: "Amt für Inklusion und Sozialplanung"',
                        'stelle: "Fachdienst Sozialplanung"')
    yaml = yaml.replace('behoerde: "StädteRegion Aachen"', 'behoerde: "Landkreis Musterland"')
    content = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in yaml.splitlines())
    assert not [w for w in AACHEN_WORDS if w in content]  # comments may name Aachen
    config = cfg_dir / "report.yaml"
    config.write_text(yaml, encoding="utf-8")
    out = base / "reports"
    done = run_report(out, data, "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    return out, config


def test_no_aachen_wording_on_any_page(other_region):
    out, _ = other_region
    for page in pages(out):
        html = page.read_text(encoding="utf-8")
        # images are base64 data: search their decoded SVG text, not random letters
        html = re.sub(r'data:image/svg\+xml;base64,([^"]+)',
                      lambda m: base64.b64decode(m.group(1)).decode("utf-8"), html)
        found = [w for w in AACHEN_WORDS if w in html]
        assert not found, f"{page.name}: {found}"


def test_configured_fields_and_wording_are_used(other_region):
    out, _ = other_region
    sb = out / "sozialbericht"
    names = sorted(p.stem for p in sb.glob("2*_*.html"))
    assert names == ["20_arbeit", "21_aeltere", "22_kinder", "23_integration", "24_inklusion",
                     "25_teilhabe"]
    teilhabe = (sb / "25_teilhabe.html").read_text(encoding="utf-8")
    assert "<h1" in teilhabe and "Soziale Teilhabe</h1>" in teilhabe
    assert "Teilhabe im Landkreis Musterland: Soziale Teilhabe mit den Kernindikatoren" in teilhabe
    arbeit = (sb / "20_arbeit.html").read_text(encoding="utf-8")
    assert "Arbeit und Einkommen</h1>" in arbeit
    assert "Stand 30.6.2021" in arbeit
    overview = (sb / "00_uebersicht.html").read_text(encoding="utf-8")
    assert "Sozialräumen des Landkreises Musterland" in overview
    statement = (sb / "barrierefreiheit.html").read_text(encoding="utf-8")
    assert "Landkreis Musterland" in statement and "Ombudsstelle" in statement
    priorities = (out / "handlungskonzept" / "51_prioritaeten.html").read_text(encoding="utf-8")
    assert "Arbeitskreis Sozialplanung" in priorities


def test_unknown_field_in_the_data_is_located(tmp_path, cli):
    data = make_tiny(tmp_path / "data")
    ind = pd.read_csv(data / "indikatoren.csv", dtype=str, keep_default_na=False)
    ind.loc[0, "handlungsfelder"] = "arbeit"
    ind.to_csv(data / "indikatoren.csv", index=False)
    code, out, err = cli("validate", data)
    assert code == 2 and "Traceback" not in err
    assert "indikatoren.csv, Zeile 2, Spalte „handlungsfelder“: Wert „arbeit“" in err
    assert "Handlungsfeld ist nicht konfiguriert" in err


SVG_RE = re.compile(r'src="data:image/svg\+xml;base64,([^"]+)"|(<svg\b.*?</svg>)', re.S)


def test_region_in_eastern_germany_builds_with_north_up_maps(demo_build, tmp_path):
    """The demo's map moved to Bautzen / Görlitz and delivered in EPSG:25833 (refused as
    „nicht in Deutschland“ before): it builds, and every figure – maps drawn north up in
    zone 33 – is the same picture as in the demo build."""
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "demo", data)
    east_variant(data)
    out = tmp_path / "reports"
    done = run_report(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    compared = 0
    for page in pages(demo_build):
        mine = out / page.parent.name / page.name
        theirs = SVG_RE.findall(page.read_text(encoding="utf-8"))
        assert SVG_RE.findall(mine.read_text(encoding="utf-8")) == theirs, page.name
        compared += len(theirs)
    assert compared > 20


@pytest.mark.browser
def test_other_region_has_no_axe_violations(other_region):
    """The other region's pages (own ids, fields and wording) pass axe-core, offline."""
    from .browser import run_axe, summarize

    out, _ = other_region
    paths = pages(out)
    assert len(paths) > 10
    results = run_axe(paths)
    assert set(results) == {str(p.resolve()) for p in paths}
    assert summarize(results) == []
    assert all(r["external_requests"] == [] for r in results.values())


def test_downloads_explain_themselves_in_the_region_s_terms(other_region):
    """The downloads' names and explanations come from the configuration and catalogue:
    the renamed and the new field with their names, the region's Stichtag, its
    publisher – and no word of the StädteRegion Aachen in any file."""
    out, _ = other_region
    import io

    from openpyxl import load_workbook

    for site in ("sozialbericht", "handlungskonzept"):
        folder = out / site / "downloads"
        for p in sorted(folder.glob("*.csv")):
            text = p.read_text(encoding="utf-8-sig")
            assert not [w for w in AACHEN_WORDS if w in text], p.name
            if p.stem.endswith("_erlaeuterung"):
                data = pd.read_csv(folder / f"{p.stem.removesuffix('_erlaeuterung')}.csv",
                                   sep=";", dtype=str, encoding="utf-8-sig")
                notes = pd.read_csv(p, sep=";", dtype=str, encoding="utf-8-sig",
                                    keep_default_na=False)
                assert notes.loc[notes["art"] == "Spalte", "eintrag"].tolist() == list(
                    data.columns), p.name
                assert "Landkreis Musterland" in text and "Stand 30.6.2021" in text, p.name
                assert "Berechnung: Fachdienst Sozialplanung, Landkreis Musterland" in text
        for p in sorted(folder.glob("*.xlsx")):
            book = load_workbook(io.BytesIO(p.read_bytes()), read_only=True)
            assert book.sheetnames[1] == "Erläuterung", p.name
    sb = out / "sozialbericht" / "downloads"
    need = pd.read_csv(sb / "handlungsbedarf.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert {"arbeit_stabilitaet_prozent", "teilhabe_stabilitaet_prozent"} <= set(need.columns)
    notes = (sb / "handlungsbedarf_erlaeuterung.csv").read_text(encoding="utf-8-sig")
    assert "Teilhabe: Soziale Teilhabe" in notes and "Arbeit und Einkommen" in notes
    dyn = sb / "dynamik.csv"
    if dyn.exists():
        d = pd.read_csv(dyn, sep=";", dtype=str, encoding="utf-8-sig")
        assert set(d.loc[d["handlungsfeld"] == "teilhabe", "handlungsfeld_name"]) == {
            "Teilhabe"}
    ind = pd.read_csv(sb / "indikatoren_sozialraeume.csv", sep=";", dtype=str,
                      encoding="utf-8-sig")
    assert set(ind["stand"]) == {f"30.6.{y}" for y in ind["jahr"]}
