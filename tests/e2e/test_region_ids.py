"""Regions in their own id forms (issue 11): data sets built from the demo by transformation.

(a) Berlin-like: area codes of 8 digits with leading zeros (``01100101`` …), districts
    without an AGS (``bezirk_01`` …) as the middle level;
(b) one city: all areas in a single Kommune named like the region.

Both must validate and build; pages name no „AGS“ for ids that are none, the codes keep
their leading zeros, and the links to profiles and their anchors resolve.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from analysis.common.ids import natural_sorted

from .conftest import REPO, make_tiny, run_report

CITY = "Musterstadt"
CITY_ID = "11000000"  # a real-form AGS (Land 11): „AGS“ may be named for it


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def rewrite_ids(data: Path, area: dict[str, str], kommune: dict[str, str],
                names: dict[str, str] | None = None) -> None:
    """Rename area codes and Kommune ids consistently in every file of ``data``."""
    mun = _csv(data / "kommunen.csv")
    mun["ags"] = mun["ags"].map(kommune)
    if names:
        mun["name"] = mun["ags"].map(names)
    mun.drop_duplicates("ags").to_csv(data / "kommunen.csv", index=False)
    areas = _csv(data / "sozialraeume.csv")
    areas["sozialraum"] = areas["sozialraum"].map(area)
    areas["ags"] = areas["ags"].map(kommune)
    areas.to_csv(data / "sozialraeume.csv", index=False)
    cnt = _csv(data / "zaehlungen.csv")
    cnt["sozialraum"] = cnt["sozialraum"].map(area)
    cnt.to_csv(data / "zaehlungen.csv", index=False)
    cm = _csv(data / "zaehlungen_kommune.csv")
    cm["ags"] = cm["ags"].map(kommune)
    cm["anzahl"] = cm["anzahl"].astype(int)
    cm.groupby(["ags", "jahr", "variable"], as_index=False, sort=True)["anzahl"].sum() \
        .to_csv(data / "zaehlungen_kommune.csv", index=False)
    pri = _csv(data / "prioritaeten.csv")
    pri["ags"] = pri["ags"].map(kommune)
    pri.drop_duplicates(["ags", "thema"]).to_csv(data / "prioritaeten.csv", index=False)
    svc = _csv(data / "angebote.csv")
    svc["sozialraeume"] = svc["sozialraeume"].map(
        lambda s: "|".join(area[a] for a in s.split("|")))
    svc.to_csv(data / "angebote.csv", index=False)
    goals = _csv(data / "wirkungsziele.csv")
    goals["gebiet"] = goals["gebiet"].map(lambda g: area.get(g) or kommune[g])
    goals.to_csv(data / "wirkungsziele.csv", index=False)
    gj = json.loads((data / "geometrie.geojson").read_text(encoding="utf-8"))
    for f in gj["features"]:
        f["properties"]["sozialraum"] = area[f["properties"]["sozialraum"]]
    (data / "geometrie.geojson").write_text(json.dumps(gj), encoding="utf-8")
    for note in (data / "befunde").glob("*.md"):
        lines = note.read_text(encoding="utf-8").split("\n")
        for i, ln in enumerate(lines):
            key, _, value = ln.partition(":")
            if key in ("sozialraum", "ags") and value.strip():
                old = value.strip().strip('"').split("|")
                table = area if key == "sozialraum" else kommune
                lines[i] = f'{key}: "{"|".join(table[v] for v in old)}"'
        note.write_text("\n".join(lines), encoding="utf-8")


def berlin_like(dest: Path) -> tuple[Path, dict[str, str], dict[str, str]]:
    """The 3-Kommunen demo subset with Berlin-like area codes and district ids."""
    data = make_tiny(dest)
    areas = _csv(data / "sozialraeume.csv")
    kommune = {a: f"bezirk_{k:02d}" for k, a in enumerate(sorted(set(areas["ags"])), start=1)}
    area = {}
    for ags, group in areas.groupby("ags", sort=True):
        k = int(kommune[ags][-2:])
        for j, code in enumerate(natural_sorted(group["sozialraum"]), start=1):
            area[code] = f"{k:02d}1001{j:02d}"
    rewrite_ids(data, area, kommune)
    return data, area, kommune


def one_city(dest: Path) -> tuple[Path, Path]:
    """The 3-Kommunen demo subset as one city: every area in the Kommune „Musterstadt“."""
    data = make_tiny(dest / "data")
    areas = _csv(data / "sozialraeume.csv")
    rewrite_ids(data, {a: a for a in areas["sozialraum"]},
                {a: CITY_ID for a in set(areas["ags"])}, {CITY_ID: CITY})
    yaml = (REPO / "config" / "report.yaml").read_text(encoding="utf-8")
    yaml = yaml.replace('region: "StädteRegion Aachen"', f'region: "{CITY}"')
    config = dest / "config" / "report.yaml"
    config.parent.mkdir()
    (dest / "config" / "texte").symlink_to(REPO / "config" / "texte")
    config.write_text(yaml, encoding="utf-8")
    return data, config


def pages(out: Path) -> dict[str, str]:
    return {f"{s}/{p.name}": p.read_text(encoding="utf-8")
            for s in ("sozialbericht", "handlungskonzept") for p in sorted((out / s).glob("*.html"))}


def check_profile_links(out: Path, html_pages: dict[str, str]) -> int:
    """Every link to a profile page (and its anchor) resolves; returns how many."""
    n = 0
    for name, html in html_pages.items():
        for href in re.findall(r'href="([^"]*40_profil_[^"]*)"', html):
            page, _, anchor = href.partition("#")
            target = (out / name).parent / page
            assert target.is_file(), (name, href)
            if anchor:
                assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), (name, href)
            n += 1
    return n


@pytest.fixture(scope="module")
def berlin(tmp_path_factory):
    base = tmp_path_factory.mktemp("berlin")
    data, area, kommune = berlin_like(base / "data")
    out = base / "reports"
    done = run_report(out, data, "--config", str(REPO / "config" / "report.yaml"))
    assert done.returncode == 0, done.stdout + done.stderr
    return data, out, area, kommune


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    base = tmp_path_factory.mktemp("city")
    data, config = one_city(base)
    out = base / "reports"
    done = run_report(out, data, "--config", str(config))
    assert done.returncode == 0, done.stdout + done.stderr
    return data, out


def test_berlin_like_ids_build_without_ags_wording(berlin):
    _, out, area, kommune = berlin
    html = pages(out)
    assert not [n for n, h in html.items() if "AGS" in h]
    profiles = sorted(p.stem for p in (out / "sozialbericht").glob("40_profil_*.html"))
    assert profiles == [f"40_profil_{k}" for k in sorted(kommune.values())]
    profile = html["sozialbericht/40_profil_bezirk_01.html"]
    codes = sorted(c for c in area.values() if c.startswith("01"))
    assert codes[0] == "01100101"
    for code in codes:  # every area of the district, with its leading zero and anchor
        assert f'id="sr-{code}"' in profile and f"{code} " in profile
    assert check_profile_links(out, html) > 0
    need = (out / "sozialbericht" / "downloads" / "handlungsbedarf.csv").read_text(
        encoding="utf-8-sig")
    assert "01100101" in need
    import openpyxl  # the workbook download keeps the codes as text, zeros included

    ws = openpyxl.load_workbook(out / "sozialbericht" / "downloads" / "handlungsbedarf.xlsx").active
    assert ws["A1"].value == "datenart"  # synthetic data: the label column comes first
    codes_in_xlsx = [c.value for c in ws["B"][1:]]
    assert "01100101" in codes_in_xlsx
    assert all(isinstance(c, str) and len(c) == 8 for c in codes_in_xlsx)
    assert codes_in_xlsx == natural_sorted(codes_in_xlsx)


def test_berlin_like_ids_validate(berlin, cli):
    data = berlin[0]
    code, out, err = cli("validate", data)
    assert code == 0, err
    assert "Sozialräume in 3 Kommunen" in out


def test_one_city_builds(city):
    data, out = city
    html = pages(out)
    profiles = sorted(p.stem for p in (out / "sozialbericht").glob("40_profil_*.html"))
    assert profiles == [f"40_profil_{CITY_ID}"]
    profile = html[f"sozialbericht/40_profil_{CITY_ID}.html"]
    assert f"{CITY} (AGS {CITY_ID}) hat" in profile  # a real-form AGS is named
    for name, h in html.items():
        text = re.sub(r"<[^>]+>", " ", h)
        assert not re.search(r"\b1 Kommunen\b|\bin 1 Kommunen|\b1 von 1 Kommunen", text), name
        assert "Mehrere Werte" not in text
    # rule 2 compares with the level that exists, and the method says so
    assert (f"{CITY} besteht aus nur einer Kommune: Ihr Wert ist der Wert der Region, Regel 2 "
            "vergleicht hier also mit dem Wert der Region.") in html["sozialbericht/90_methodik.html"]
    # no exchange between Kommunen and no inter-municipal areas are proposed
    assert "einen Austausch themengleicher Kommunen gibt es daher nicht" in \
        html["handlungskonzept/51_prioritaeten.html"]
    assert "Hier bieten sich interkommunale" not in html["handlungskonzept/54_interkommunal.html"]
    for field_page in ("sozialbericht/20_armut.html", "sozialbericht/00_uebersicht.html"):
        assert " in 1 Kommune" not in re.sub(r"<[^>]+>", " ", html[field_page])
    assert check_profile_links(out, html) > 0
