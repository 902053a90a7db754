"""End to end: `python -m analysis report` builds both reports as a reviewer gets them."""

from __future__ import annotations

import contextlib
import getpass
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from analysis.build.build import SITES
from analysis.rendering.assemble import TABLE_SCRIPT

from ..german import stumbles
from .conftest import FORMULA_NAME, REPO, XSS_NAME, run_report, tree_bytes

pytestmark = pytest.mark.slow


def pages(out: Path) -> list[Path]:
    return sorted(p for s in SITES for p in (out / s).glob("*.html"))


def test_both_sites_have_all_pages(demo_build: Path):
    sb = {p.stem for p in (demo_build / "sozialbericht").glob("*.html")}
    hk = {p.stem for p in (demo_build / "handlungskonzept").glob("*.html")}
    assert {"index", "barrierefreiheit", "00_uebersicht", "20_armut", "21_aeltere", "22_kinder",
            "23_integration", "24_inklusion", "30_veraenderung", "90_methodik"} <= sb
    assert len([s for s in sb if s.startswith("40_profil_")]) == 10
    assert len([s for s in sb if s.startswith("41_sr_")]) == 93
    assert {"index", "50_empfehlungen", "51_prioritaeten", "53_wirkung", "54_interkommunal",
            "52_konzept_armut", "52_konzept_inklusion"} <= hk
    assert (demo_build / "sozialbericht" / "downloads" / "handlungsbedarf.csv").is_file()
    assert (demo_build / "sozialbericht" / "downloads" / "handlungsbedarf.xlsx").is_file()


def page_ids(page: Path, _cache: dict[Path, set[str]] = {}) -> set[str]:  # noqa: B006
    """The ids of a published page (parsed once per test session)."""
    page = page.resolve()
    if page not in _cache:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        _cache[page] = {el["id"] for el in soup.find_all(id=True)}
    return _cache[page]


def link_target(page: Path, href: str) -> tuple[Path, str]:
    """(file, fragment) that ``href`` on ``page`` points to."""
    url = urlparse(href)
    return ((page.parent / unquote(url.path)).resolve() if url.path else page), url.fragment


def test_every_link_resolves(demo_build: Path):
    for page in pages(demo_build):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for a in soup.find_all("a", href=True):
            href = a["href"]
            assert not re.match(r"^[a-z]+:", href), f"{page.name}: external link {href}"
            target, fragment = link_target(page, href)
            assert target.is_file(), f"{page.name}: broken link {href}"
            if fragment and target.suffix == ".html":
                assert fragment in page_ids(target), f"{page.name}: missing anchor {href}"


def test_no_code_prompts_errors_or_paths(demo_build: Path):
    forbidden = [re.compile(p) for p in (
        r"Traceback", r"In&nbsp;\[", r"In \[\d*\]", r"open_report\(", r"import analysis",
        r"jp-InputArea", r"/(root|work|home|tmp)/", r"file:/", r"https?://",
        r"No description has been provided")]
    names = {getpass.getuser(), socket.gethostname()} - {""}
    # the namespace names of inline SVG are identifiers, not addresses (nothing is loaded)
    namespaces = re.compile(r'xmlns(:xlink)?="http://www\.w3\.org/(2000/svg|1999/xlink)"')
    for page in pages(demo_build):
        text = namespaces.sub("", page.read_text(encoding="utf-8"))
        for pat in forbidden:
            assert not pat.search(text), f"{page.name}: {pat.pattern}"
        visible = BeautifulSoup(text, "html.parser").get_text(" ")
        for name in names:
            assert not re.search(rf"\b{re.escape(name)}\b", visible), f"{page.name}: {name}"
        assert 'lang="de"' in text
        assert "Synthetische Demodaten" in text


def test_every_figure_has_alt_text_and_a_table(demo_build: Path):
    n = 0
    for page in pages(demo_build):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for fig in soup.select("figure.chart"):
            img = fig.find("img") or fig.find("svg", recursive=False)  # maps: inline SVG
            alt = img.get("alt") or img.get("aria-label") or ""
            assert len(alt) > 40, page.name
            # the table follows the figure; figures shown side by side (Steckbrief) have
            # their tables right before and after the group
            group = fig.parent if "steckbrief-grafiken" in (fig.parent.get("class") or []) \
                else fig
            near = [group.find_next_sibling()] + (
                [group.find_previous_sibling()] if group is not fig else [])
            assert any(s is not None and s.find("table") for s in near), \
                f"{page.name}: no table"
            n += 1
    assert n >= 30


def test_prose_uses_german_number_formats(demo_build: Path):
    text = BeautifulSoup((demo_build / "sozialbericht" / "00_uebersicht.html").read_text(
        encoding="utf-8"), "html.parser").get_text(" ")
    assert "59 der 93 Sozialräume" in text
    armut = (demo_build / "sozialbericht" / "20_armut.html").read_text(encoding="utf-8")
    assert re.search(r"\d+,\d\u00a0%", armut), "no percentage like 11,5 %"
    assert not re.search(r"\d\.\d\u00a0%", armut), "English decimal point in a percentage"


def test_downloads_are_german_excel_and_disclosure_controlled(demo_build: Path):
    folder = demo_build / "sozialbericht" / "downloads"
    raw = (folder / "indikatoren_sozialraeume.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    df = pd.read_csv(io.BytesIO(raw), sep=";", dtype=str, encoding="utf-8-sig")
    for col in ("zaehler", "nenner"):
        vals = pd.to_numeric(df[col].str.replace(".", "", regex=False), errors="coerce")
        assert not ((vals > 0) & (vals < 3)).any(), f"small count visible in {col}"
    assert (df["zaehler"] == "•").any(), "nothing suppressed in the demo data?"
    need = pd.read_csv(folder / "handlungsbedarf.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert len(need) == 93 and (need["armut_bedarf"] == "ja").sum() == 15
    with zipfile.ZipFile(folder / "handlungsbedarf.xlsx") as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet


def test_suppressed_area_counts_cannot_be_recomputed(demo_build: Path):
    """An attacker with both downloads tries: Kommune total − published areas."""
    folder = demo_build / "sozialbericht" / "downloads"
    areas = pd.read_csv(folder / "indikatoren_sozialraeume.csv", sep=";", dtype=str,
                        encoding="utf-8-sig")
    mun = pd.read_csv(folder / "indikatoren_kommunen.csv", sep=";", dtype=str,
                      encoding="utf-8-sig")
    a2k = pd.read_csv(REPO / "data/demo/sozialraeume.csv", dtype=str).set_index(
        "sozialraum")["ags"]
    areas["ags"] = areas["sozialraum"].map(a2k)
    checked = 0
    assert areas["jahr"].nunique() == 2  # comparison year and report year
    for (ags, ind, year), grp in areas.groupby(["ags", "indikator", "jahr"]):
        hidden = grp["zaehler"] == "•"
        if not hidden.any():
            continue
        total = mun[(mun["ags"] == ags) & (mun["indikator"] == ind)
                    & (mun["jahr"] == year)]["zaehler"]
        if total.empty or total.iloc[0] == "•":
            continue
        checked += 1
        assert hidden.sum() >= 2, f"{ags} {ind} {year}: one hidden cell = total − published"
        rest = int(total.iloc[0].replace(".", "")) - grp.loc[~hidden, "zaehler"].str.replace(
            ".", "", regex=False).astype(int).sum()
        # 0: every withheld cell is a zero (withheld as a partner, nothing small hidden)
        assert rest == 0 or rest >= 3, f"{ags} {ind} {year}: hidden cells sum to {rest}"
    assert checked > 0


def test_noop_rebuild_does_nothing(demo_build: Path):
    before = os.readlink(demo_build / ".current")
    done = run_report(demo_build)
    assert done.returncode == 0, done.stderr
    assert "nichts zu tun" in done.stdout
    assert os.readlink(demo_build / ".current") == before


def test_rebuild_is_byte_identical(demo_build: Path, tmp_path: Path):
    out = tmp_path / "again"
    done = run_report(out, REPO / "data/demo", "--force")
    assert done.returncode == 0, done.stderr
    first, second = tree_bytes(demo_build), tree_bytes(out)
    assert first.keys() == second.keys()
    differing = [k for k in first if first[k] != second[k]]
    assert not differing, differing[:5]


def test_failed_chapter_keeps_previous_report(demo_build: Path, tmp_path: Path):
    before = tree_bytes(demo_build)
    nbs = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", nbs)
    nb = nbs / "20_handlungsfeld.ipynb"  # run once per field: only inklusion fails
    nb.write_text(nb.read_text(encoding="utf-8").replace(
        '"f.summary()"', '"f.summary(); 1 / (field != \'inklusion\')"', 1), encoding="utf-8")
    done = run_report(demo_build, env={"SOZIALPLANUNG_NOTEBOOKS": str(nbs)})
    assert done.returncode != 0
    msg = done.stdout + done.stderr
    assert "24_inklusion" in msg and "ZeroDivisionError" in msg and "Zelle" in msg
    assert "NICHT veröffentlicht" in msg
    assert "Traceback" not in msg
    assert tree_bytes(demo_build) == before


def test_tiny_data_set_builds_and_escapes_hostile_names(tiny_build):
    data, out = tiny_build
    profiles = sorted(p.stem for p in (out / "sozialbericht").glob("40_profil_*.html"))
    assert profiles == ["40_profil_05334004", "40_profil_05334008", "40_profil_05334036"]
    html = "".join(p.read_text(encoding="utf-8") for p in pages(out))
    # the one script allowed is the package's own table script, byte for byte
    html = re.sub(r"<script>(.*?)</script>",
                  lambda m: "" if m.group(1).strip() == TABLE_SCRIPT.strip() else m.group(0),
                  html, flags=re.S)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    csv = (out / "sozialbericht" / "downloads" / "handlungsbedarf.csv").read_text(
        encoding="utf-8-sig")
    assert "'" + FORMULA_NAME.replace('"', '""') in csv or "'=HYPERLINK" in csv
    assert XSS_NAME in csv  # text stays text in the CSV


def sleeping_notebooks(tmp_path: Path) -> Path:
    """A copy of notebooks/ whose field chapter sleeps (a signal surely hits a running cell)."""
    nbs = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", nbs)
    nb = json.loads((nbs / "20_handlungsfeld.ipynb").read_text(encoding="utf-8"))
    nb["cells"].insert(2, {"cell_type": "code", "execution_count": None, "id": "sleep",
                           "metadata": {}, "outputs": [],
                           "source": ["import time\n", "time.sleep(300)"]})
    (nbs / "20_handlungsfeld.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return nbs


def _processes_with_env(text: str) -> list[int]:
    """PIDs of live processes whose environment mentions ``text`` (Linux /proc)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "environ").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.mark.parametrize("how", ["SIGTERM", "Ctrl-C"])
def test_interrupt_leaves_previous_report_and_no_processes(tiny_build, tmp_path, how):
    data, out = tiny_build
    before = tree_bytes(out)
    marker = f"interrupt-{how}-{tmp_path.name}"
    # the second chapter sleeps, so the signal surely arrives while a cell is running
    nbs = sleeping_notebooks(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "report", "--data", str(data),
                             "--output", str(out), "--force"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True,
                            env={**os.environ, "TEST_MARKER": marker,
                                 "SOZIALPLANUNG_NOTEBOOKS": str(nbs)})
    line, total = "", None
    deadline = time.time() + 120
    while time.time() < deadline and "[ 1/" not in line:
        line = proc.stdout.readline()
        if "Kapitelläufen" in line:
            total = int(line.split()[2])
        if not line and proc.poll() is not None:
            break
    if how == "SIGTERM":
        proc.send_signal(signal.SIGTERM)
    else:  # the terminal sends SIGINT to the whole process group
        os.killpg(proc.pid, signal.SIGINT)
    rest = proc.communicate(timeout=120)[0]  # a hang (e.g. waiting for the sleeping kernel) fails
    assert proc.returncode != 0
    assert "abgebrochen" in rest.lower()
    assert f"[{total}/{total}]" not in rest  # the remaining chapters were not started
    assert "--existing" not in rest and "Ctrl-C will not work" not in rest  # no kernel banners
    assert tree_bytes(out) == before
    # no worker, forkserver or kernel of this build is left behind
    deadline = time.time() + 15
    while _processes_with_env(marker) and time.time() < deadline:
        time.sleep(0.2)
    assert _processes_with_env(marker) == []


def test_two_builds_at_once_publish_one_complete_report(tiny_build, tmp_path: Path):
    data, _ = tiny_build
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "analysis", "report", "--data", str(data), "--output",
           str(out)]
    a = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    b = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    out_a, out_b = a.communicate(timeout=900)[0], b.communicate(timeout=900)[0]
    assert a.returncode == 0 and b.returncode == 0, out_a + out_b
    assert "warte" in (out_a + out_b)
    files = tree_bytes(out)
    assert "sozialbericht/index.html" in files and "handlungskonzept/index.html" in files
    assert len([p for p in (out / ".versions").iterdir() if p.is_dir()]) == 1


@pytest.mark.parametrize("breakage", ["negative count", "bad config"])
def test_bad_input_stops_the_build_before_anything_is_published(demo_build: Path, tmp_path: Path,
                                                                 breakage: str):
    before = tree_bytes(demo_build)
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "demo", data)
    extra: list[str] = []
    if breakage == "negative count":
        path = data / "zaehlungen.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[4] = lines[4].rsplit(",", 1)[0] + ",-7"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        expected = "zaehlungen.csv, Zeile 5, Spalte „anzahl“: Wert „-7“"
    else:
        cfg = tmp_path / "report.yaml"
        cfg.write_text((REPO / "config" / "report.yaml").read_text(encoding="utf-8").replace(
            "regional_index: 1.0", "regional_index: hoch"), encoding="utf-8")
        extra = ["--config", str(cfg)]
        expected = "bedarf.regional_index"
    done = run_report(demo_build, data, *extra)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert tree_bytes(demo_build) == before


def test_real_data_without_contact_is_not_published(demo_build: Path, tmp_path: Path):
    # not demo data (no DEMO marker) and no herausgeber.email/anschrift in the config
    before = tree_bytes(demo_build)
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "demo", data)
    (data / "DEMO").unlink()
    cfg = tmp_path / "report.yaml"
    shutil.copytree(REPO / "config" / "texte", tmp_path / "texte")  # texts lie beside it
    text = (REPO / "config" / "report.yaml").read_text(encoding="utf-8")
    cfg.write_text(text.replace("  mindestanzahl: 3", "  mindestanzahl: 3\n  schluessel: "
                                "0123456789abcdef0123", 1), encoding="utf-8")
    done = run_report(demo_build, data, "--config", str(cfg))
    assert done.returncode == 2
    assert "herausgeber.email oder herausgeber.anschrift fehlt" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert tree_bytes(demo_build) == before


def test_real_data_without_disclosure_key_is_not_published(demo_build: Path, tmp_path: Path):
    """Without the secret key a reader who knows the rules could compute the order of
    secondary cells and tell small values from secondary ones (issue 10)."""
    before = tree_bytes(demo_build)
    data = tmp_path / "data"
    shutil.copytree(REPO / "data" / "demo", data)
    (data / "DEMO").unlink()
    done = run_report(demo_build, data)
    assert done.returncode == 2
    assert "geheimhaltung.schluessel fehlt" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert tree_bytes(demo_build) == before


def test_notebook_parameter_that_does_not_exist_is_refused(demo_build: Path, tmp_path: Path):
    before = tree_bytes(demo_build)
    nbs = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", nbs)
    nb = nbs / "40_kommunalprofil.ipynb"
    nb.write_text(nb.read_text(encoding="utf-8").replace('"kommune = ', '"gemeinde = ', 1),
                  encoding="utf-8")
    done = run_report(demo_build, env={"SOZIALPLANUNG_NOTEBOOKS": str(nbs)})
    assert done.returncode == 2
    assert "40_kommunalprofil.ipynb: Parameter „kommune“ fehlt in der parameters-Zelle" in \
        done.stderr
    assert "Traceback" not in done.stderr
    assert tree_bytes(demo_build) == before


def test_no_small_count_visible_in_any_published_table(demo_build: Path):
    """Every count column of every HTML table: no 1 … limit−1 (limit 3 in the demo)."""
    count_headers = ("Anzahl", "zaehler", "nenner", "anzahl", "Einwohner")
    checked = 0
    for page in pages(demo_build):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for table in soup.find_all("table"):
            heads = [th.get_text(" ", strip=True) for th in table.select("thead th")]
            cols = [i for i, h in enumerate(heads) if h in count_headers]
            for row in table.select("tbody tr"):
                cells = row.find_all(["th", "td"])
                for i in cols:
                    text = cells[i].get_text(strip=True).replace(".", "")
                    checked += 1
                    assert text not in ("1", "2"), f"{page.name}: {heads[i]} = {text}"
    assert checked > 100


# --------------------------------------------------------------------------- untrusted OUT
@pytest.fixture(scope="module")
def own_build(tmp_path_factory) -> tuple[Path, Path, dict[str, bytes]]:
    """(data, output folder, published bytes) of a tiny build these tests may tamper with."""
    from .conftest import make_tiny

    base = tmp_path_factory.mktemp("untrusted")
    data = make_tiny(base / "data")
    out = base / "reports"
    done = run_report(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    return data, out, tree_bytes(out)


def _rebuild(out: Path, data: Path, **kw) -> subprocess.CompletedProcess:
    """Build again without --force; the old .current is removed so that pages are assembled."""
    (out / ".current").unlink()
    return run_report(out, data, **kw)


def test_planted_cache_entries_are_neither_run_nor_published(own_build, tmp_path):
    data, out, before = own_build
    build = out / ".build"
    proof = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {proof}",))

    import pickle

    pickles = list((build / "cache").glob("context-*.pkl"))
    cached_pages = list((build / "pages-cache" / "pages").glob("*.html"))
    downloads = [p for p in (build / "pages-cache" / "downloads").rglob("*") if p.is_file()]
    assert pickles and cached_pages and downloads
    for p in pickles:
        p.write_bytes(pickle.dumps(Exploit()))
    page = '<!DOCTYPE html><html lang="de"><body><main><h1>X</h1><script>alert(1)</script>' \
           '</main></body></html>\n'
    for p in cached_pages:
        p.write_text(page, encoding="utf-8")
    for p in downloads:
        p.write_bytes(b"=HYPERLINK(\"http://example.org\")\r\n")
    nb = build / "executed" / "20_armut.ipynb"
    raw = json.loads(nb.read_text(encoding="utf-8"))
    cell = next(c for c in raw["cells"] if c["cell_type"] == "markdown")
    cell["source"] = "# MANIPULIERT\n"
    nb.write_text(json.dumps(raw), encoding="utf-8")

    done = _rebuild(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not proof.exists(), "a pickle planted in OUT/.build was executed"
    after = tree_bytes(out)
    assert not any(b"alert(1)" in v or b"MANIPULIERT" in v for v in after.values())
    assert after == before  # rebuilt, byte-identical


def test_empty_and_truncated_cache_entries_are_rebuilt(own_build):
    """What a kill while a cache entry is written could leave behind."""
    data, out, before = own_build
    build = out / ".build"
    entries = [p for sub in ("cache", "executed", "pages-cache") for p in (build / sub).rglob("*")
               if p.is_file()]
    assert len(entries) > 40
    for i, p in enumerate(entries):
        raw = p.read_bytes()
        p.write_bytes(b"" if i % 2 else raw[: len(raw) // 2])
    done = _rebuild(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Interner Fehler" not in done.stderr
    assert tree_bytes(out) == before


def test_kill_9_of_a_build_does_not_block_the_next(own_build, tmp_path):
    data, out, before = own_build
    marker = f"kill9-{tmp_path.name}"
    nbs = sleeping_notebooks(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "report", "--data", str(data),
                             "--output", str(out), "--force"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "TEST_MARKER": marker,
                                 "SOZIALPLANUNG_NOTEBOOKS": str(nbs)})
    line = ""
    deadline = time.time() + 120
    while time.time() < deadline and "[ 1/" not in line:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
    proc.kill()  # kill -9: no handler, no clean-up in the build itself
    proc.wait()
    deadline = time.time() + 15
    while _processes_with_env(marker) and time.time() < deadline:
        time.sleep(0.2)
    left = _processes_with_env(marker)
    for pid in left:  # do not leave them to the other tests
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    assert left == [], "workers or kernels outlived the killed build"
    assert tree_bytes(out) == before
    done = run_report(out, data, timeout=180)  # waited for ever before the fix
    assert done.returncode == 0, done.stdout + done.stderr
    assert tree_bytes(out) == before


def test_demo_label_travels_with_every_image_and_download(demo_build: Path):
    """Demo honesty: a picture or table copied out of a demo report still says that the
    numbers are synthetic (issue 12, item 2)."""
    import base64
    import io
    import re

    from openpyxl import load_workbook

    from analysis.rendering.tables import DEMO_MARK

    images = 0
    for page in pages(demo_build):
        html = page.read_text(encoding="utf-8")
        inline = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)  # maps, profile matrices
        for data in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html):
            inline.append(base64.b64decode(data).decode("utf-8"))
        for svg in inline:
            assert DEMO_MARK in svg, f"{page.name}: image without the demo label"
            images += 1
    assert images > 40  # every chart and map of every page
    files = sorted(p for s in SITES for p in (demo_build / s / "downloads").glob("*"))
    assert len(files) > 10
    for p in files:
        if p.suffix == ".csv":
            lines = p.read_text(encoding="utf-8-sig").splitlines()
            assert lines[0].startswith("datenart;"), p.name
            assert all(line.startswith(DEMO_MARK + ";") for line in lines[1:]), p.name
        elif p.suffix == ".xlsx":
            sheet = load_workbook(io.BytesIO(p.read_bytes()), read_only=True).active
            rows = list(sheet.iter_rows(values_only=True))
            assert rows[0][0] == "datenart" and all(r[0] == DEMO_MARK for r in rows[1:]), p.name


def test_running_text_reads_as_german_for_every_count(demo_build: Path):
    """Sentences and list items on every page: numbers agree with nouns and verbs, no
    "0 Sozialräume", no stray spaces before punctuation (checker: tests/german.py)."""
    found = []
    for page in pages(demo_build):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for el in soup.select("main p, main li"):
            if el.find_parent("table"):
                continue
            text = " ".join(el.get_text().split())
            problems = stumbles(text)
            if problems:
                found.append(f"{page.parent.name}/{page.name}: {problems}: {text[:160]}")
    assert not found, "\n".join(found[:20])
