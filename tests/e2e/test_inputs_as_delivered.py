"""End to end (issue 11): the files planners actually receive.

* counts in the wide layout (German Excel CSV export and XLSX) give the same results as
  the long layout;
* without any optional input (zaehlungen_kommune, angebote, prioritaeten, wirkungsziele,
  befunde/) both reports build, every dependent page says in German that the input was not
  supplied, and no need area is called unsupplied without a services inventory.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from .conftest import DEMO, make_tiny, run_report

pytestmark = pytest.mark.slow

OPTIONAL_TABLES = ("zaehlungen_kommune", "angebote", "prioritaeten", "wirkungsziele")


def _wide(long: pd.DataFrame, key: str) -> pd.DataFrame:
    wide = long.pivot(index=[key, "jahr"], columns="variable", values="anzahl").reset_index()
    wide.columns.name = None
    return wide


def test_wide_counts_give_the_same_need(tmp_path: Path, demo_build: Path):
    """zaehlungen as the German Excel export (;, cp1252) in the wide layout and
    zaehlungen_kommune as a wide XLSX: handlungsbedarf.csv is byte-identical."""
    data = tmp_path / "data"
    shutil.copytree(DEMO, data)
    counts = pd.read_csv(data / "zaehlungen.csv", dtype=str)
    _wide(counts, "sozialraum").to_csv(data / "zaehlungen.csv", sep=";", index=False,
                                       encoding="cp1252", lineterminator="\r\n")
    municipal = pd.read_csv(data / "zaehlungen_kommune.csv", dtype=str)
    wide_m = _wide(municipal, "ags")
    for col in wide_m.columns[1:]:
        wide_m[col] = wide_m[col].astype(int)  # numbers as numbers, AGS as text
    (data / "zaehlungen_kommune.csv").unlink()
    wide_m.to_excel(data / "zaehlungen_kommune.xlsx", index=False)
    assert "variable" not in (data / "zaehlungen.csv").read_text("cp1252").splitlines()[0]
    out = tmp_path / "reports"
    done = run_report(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("handlungsbedarf.csv", "indikatoren_sozialraeume.csv",
                 "indikatoren_kommunen.csv"):
        assert (out / "sozialbericht" / "downloads" / name).read_bytes() == \
            (demo_build / "sozialbericht" / "downloads" / name).read_bytes(), name


def _text(page: Path) -> str:
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(style|svg|nav)\b.*?</\1>", " ", raw, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw)))


@pytest.fixture(scope="module")
def without_optional(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("no-optional")
    data = make_tiny(base / "data")
    for name in OPTIONAL_TABLES:
        (data / f"{name}.csv").unlink()
    shutil.rmtree(data / "befunde")
    out = base / "reports"
    done = run_report(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Interner Fehler" not in done.stderr
    return data, out


def test_validate_and_report_agree_without_optional_files(without_optional, tmp_path):
    data, out = without_optional
    import subprocess
    import sys

    from .conftest import REPO

    check = subprocess.run([sys.executable, "-m", "analysis", "validate", str(data)],
                           cwd=REPO, capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stderr
    assert (out / "sozialbericht" / "index.html").is_file()
    assert (out / "handlungskonzept" / "index.html").is_file()


def test_pages_say_what_was_not_supplied(without_optional):
    _, out = without_optional
    hk = out / "handlungskonzept"
    field_pages = sorted(hk.glob("52_konzept_*.html"))
    assert field_pages
    for page in field_pages:
        text = _text(page)
        assert "Eine Bestandsaufnahme der Angebote liegt nicht vor" in text, page.name
        assert "Qualitative Befunde wurden nicht geliefert" in text, page.name
    assert "Kommunale Schwerpunkte wurden nicht geliefert" in _text(hk / "51_prioritaeten.html")
    assert "Wirkungsziele wurden nicht geliefert" in _text(hk / "53_wirkung.html")
    summary = _text(hk / "50_empfehlungen.html")
    assert "Nicht geliefert wurden kommunale Schwerpunkte, eine Bestandsaufnahme der Angebote, " \
        "Wirkungsziele und qualitative Befunde" in summary
    assert "Eine Bestandsaufnahme der Angebote liegt nicht vor" in summary
    inclusion = _text(out / "sozialbericht" / "24_inklusion.html")
    assert "Zählungen je Kommune (Datei „zaehlungen_kommune“) wurden nicht geliefert" in inclusion


def test_no_supply_gap_claimed_without_inventory(without_optional):
    _, out = without_optional
    hk = out / "handlungskonzept"
    claims = ("Versorgungslücke", "Lücke in der Kette", "ohne passendes Angebot",
              "weder noch", "kein Angebot", "ohne aktives Angebot", "kein aktives Angebot",
              "kein passendes Angebot", "weder im Sozialraum noch")
    for page in [hk / "50_empfehlungen.html", *sorted(hk.glob("52_konzept_*.html"))]:
        text = _text(page)
        for claim in claims:
            assert claim not in text, f"{page.name}: „{claim}“"
    recommendations = (hk / "downloads" / "empfehlungen.csv").read_text(encoding="utf-8-sig")
    assert "Versorgungslücke" not in recommendations


def test_downloads_resting_on_absent_files_are_left_out(without_optional):
    _, out = without_optional
    files = {p.name for p in (out / "handlungskonzept" / "downloads").iterdir()}
    assert {"empfehlungen.csv", "interkommunale_gebiete.csv"} <= files
    assert not files & {"versorgung.csv", "themengleiche_kommunen.csv", "wirkungsziele.csv",
                        "versorgung.xlsx", "themengleiche_kommunen.xlsx", "wirkungsziele.xlsx",
                        "versorgung_erlaeuterung.csv", "wirkungsziele_erlaeuterung.csv"}
    assert "empfehlungen_erlaeuterung.csv" in files  # every table present has its explanation
    index = (out / "handlungskonzept" / "index.html").read_text(encoding="utf-8")
    assert "versorgung.csv" not in index and "wirkungsziele.csv" not in index
