"""Benchmark (``make benchmark``): build times, analysis core at scale, peak memory.

Writes a Markdown table to ``benchmark/results.md`` (kept in the repository, so the
last measured figures travel with the code) and prints it. Timings are wall-clock
seconds on the machine it runs on. The cold build is measured twice: as ``make report``
runs it (chapter kernels forked from a pre-loaded server, :mod:`analysis.build.kernels`) and
with ordinary kernel start-up (``SOZIALPLANUNG_KERNEL=plain``) for comparison.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.build.scaled import scaled_region
from analysis.contract import schema as S

REPO = Path(__file__).resolve().parents[3]


# --------------------------------------------------------------------------- synthetic core
def synthetic_inputs(n_areas: int, n_indicators: int = 40, n_years: int = 10, seed: int = 1):
    """Counts, catalogue and configuration of a made-up region of ``n_areas`` areas."""
    from analysis.contract.config import ReportConfig

    rng = np.random.default_rng(seed)
    areas = np.array([f"X {i + 1}" for i in range(n_areas)])
    n_mun = max(2, n_areas // 10)
    ags = np.array([f"05999{(i % n_mun):03d}" if n_mun <= 1000 else f"0{i % n_mun:07d}"
                    for i in range(n_areas)])
    pop = rng.integers(200, 20000, n_areas)
    latent = rng.normal(size=(n_indicators, n_areas))
    years = list(range(2021 - n_years + 1, 2022))
    variables = ["pop"] + [f"v{k}" for k in range(n_indicators)]
    n_var = len(variables)
    block = np.empty((len(years), n_var, n_areas), dtype=np.int64)
    for y in range(len(years)):
        block[y, 0] = pop
        for k in range(n_indicators):
            rate = np.clip(0.1 * np.exp(0.4 * latent[k] + rng.normal(0, 0.05, n_areas)), 0, 1)
            block[y, k + 1] = rng.binomial(pop, rate)
    n = len(years) * n_var * n_areas
    # categorical keys: what a loader of large data would hand over (small in memory)
    counts = pd.DataFrame({
        S.AREA: pd.Categorical.from_codes(np.tile(np.arange(n_areas), len(years) * n_var),
                                          categories=areas),
        S.AGS: pd.Categorical.from_codes(
            np.tile(pd.factorize(ags, sort=True)[0], len(years) * n_var),
            categories=np.unique(ags)),
        S.YEAR: np.repeat(np.array(years), n_var * n_areas),
        S.VARIABLE: pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n_var), n_areas),
                                                      len(years)), categories=variables),
        S.COUNT: block.reshape(n),
    })
    fields = ["armut", "aeltere", "kinder", "integration", "inklusion"]  # five made-up fields
    catalogue = pd.DataFrame({
        S.INDICATOR: [f"i{k}" for k in range(n_indicators)],
        S.NUMERATOR: [f"v{k}" for k in range(n_indicators)],
        S.DENOMINATOR: "pop", "skala": 100, "einheit": "%", "richtung": 1,
        S.LEVEL: S.LEVEL_AREA,
        "handlungsfelder": [[fields[k % len(fields)]] for k in range(n_indicators)],
    })
    per_field = {f: [f"i{k}" for k in range(n_indicators) if k % len(fields) == i]
                 for i, f in enumerate(fields)}
    cfg = ReportConfig.model_validate({
        "region": "Testregion", "ausgabe": "Benchmark", "berichtsjahr": years[-1],
        "vergleichsjahr": years[0],
        "handlungsfelder": {f: {"titel": f, "kurz": f, "indikatoren": inds,
                                "leitindikator": inds[0]} for f, inds in per_field.items()},
    })
    return counts, catalogue, cfg


def core_pipeline(counts: pd.DataFrame, catalogue: pd.DataFrame, cfg) -> dict[str, float]:
    """indicators → disclosure → indices → need → robustness → change, timed (as
    :func:`analysis.method.core.run`: derived results from published values only)."""
    from analysis.gate.disclosure import protect_with_totals, withhold_values
    from analysis.method import indicators as I
    from analysis.method.core import change_table, classify_year, share_pairs, stability

    t = {}
    t0 = time.perf_counter()
    area_all = I.area_indicators(counts, catalogue)
    mun_all = I.municipal_indicators(counts, catalogue)
    I.region_indicators(counts, catalogue)
    t["Indikatoren"] = time.perf_counter() - t0
    t4 = time.perf_counter()
    protected, muni_flags, _ = protect_with_totals(counts, cfg.geheimhaltung.mindestanzahl,
                                                   ratios=share_pairs(catalogue))
    area = withhold_values(area_all, catalogue, protected)
    mun = withhold_values(mun_all, catalogue, muni_flags)
    t["Geheimhaltung"] = time.perf_counter() - t4
    t1 = time.perf_counter()
    classify_year(area, mun, catalogue, cfg, cfg.berichtsjahr)
    t["Indizes und Bedarf"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    stability(area, mun, catalogue, cfg, cfg.berichtsjahr)
    t["Robustheit"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    change_table(area_all, catalogue, cfg.berichtsjahr, cfg.vergleichsjahr, 1.0)
    classify_year(area, mun, catalogue, cfg, cfg.vergleichsjahr)
    t["Veränderung"] = time.perf_counter() - t3
    t["gesamt"] = time.perf_counter() - t0
    return t


def linked_disclosure_case(n_areas: int, n_years: int = 10, seed: int = 2) -> pd.DataFrame:
    """Counts where ``pop = a + b`` and ``b`` is tiny (about 0,03 %): a hard case for the
    secondary suppression across variables (many small parts, many LP audits)."""
    rng = np.random.default_rng(seed)
    n_mun = max(2, n_areas // 10)
    areas = [f"X {i + 1}" for i in range(n_areas)]
    ags = [f"05999{i % n_mun:03d}" for i in range(n_areas)]
    pop = rng.integers(200, 20000, n_areas)
    frames = []
    for y in range(n_years):
        b = rng.binomial(pop, 0.0003)
        for var, val in (("pop", pop), ("a", pop - b), ("b", b)):
            frames.append(pd.DataFrame({S.AREA: areas, S.AGS: ags, S.YEAR: 2012 + y,
                                        S.VARIABLE: var, S.COUNT: val}))
    return pd.concat(frames, ignore_index=True)


def _linked_child(n_areas: int) -> None:
    from analysis.gate.disclosure import protect_counts

    counts = linked_disclosure_case(n_areas)
    small = int(((counts[S.COUNT] > 0) & (counts[S.COUNT] < 3)).sum())
    t = time.perf_counter()
    out = protect_counts(counts, 3, [("pop", ("a", "b"))])
    print(json.dumps({"s": time.perf_counter() - t, "small": small,
                      "withheld": int(out["gesperrt"].sum()), "rows": len(counts)}))


def _linked_at(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c",
                          f"from analysis.build.benchmark import _linked_child; _linked_child({n})"],
                         cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _core_child(n_areas: int) -> None:
    """Run in a fresh process: prints JSON with timings and peak memory."""
    counts, catalogue, cfg = synthetic_inputs(n_areas)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = core_pipeline(counts, catalogue, cfg)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"times": times, "peak_mib": peak / 1024, "input_mib": base / 1024,
                      "rows": len(counts)}))


def _demo_core() -> dict:
    code = ("import json,time,resource;from analysis.contract.dataset import load_dataset;"
            "from analysis.contract.config import load_config;from analysis.method.core import run;"
            "ds=load_dataset('data/demo');cfg=load_config('config/report.yaml');"
            "t=time.perf_counter();run(ds,cfg);"
            "print(json.dumps({'s':time.perf_counter()-t,"
            "'mib':resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def _core_at(n: int) -> dict:
    out = subprocess.run([sys.executable, "-c",
                          f"from analysis.build.benchmark import _core_child; _core_child({n})"],
                         cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- build
def _timed(cmd: list[str], env: dict | None = None) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, **(env or {})})
    return time.perf_counter() - t


#: the benchmark's edit of one chapter: a sentence appended to the text of one field
EDIT_TEXT = ("texte", "handlungsfelder", "aeltere.md")
EDIT_SENTENCE = "Benchmark: dieser Satz ist neu."


def _timed_edit(py: str, out: Path, cfg_dir: Path) -> float:
    """Time the rebuild after editing one chapter's text (in ``cfg_dir``, a copy of the
    configuration); fail unless the edit changed the file and the published chapter."""
    text = cfg_dir.joinpath(*EDIT_TEXT)
    before = text.read_text(encoding="utf-8")
    text.write_text(before.rstrip("\n") + f"\n\n{EDIT_SENTENCE}\n", encoding="utf-8")
    if text.read_text(encoding="utf-8") == before:
        raise RuntimeError(f"Benchmark: die Änderung von {text.name} hat die Datei nicht geändert")
    version = os.readlink(out / ".current")
    t = _timed([py, "-m", "analysis", "report", "--output", str(out), "--config",
                str(cfg_dir / "report.yaml")])
    pages = [p for p in (out / "sozialbericht").glob("*.html")
             if EDIT_SENTENCE in p.read_text(encoding="utf-8")]
    if os.readlink(out / ".current") == version or len(pages) != 1:
        raise RuntimeError("Benchmark: der Neubau nach der Änderung hat kein Kapitel erneuert "
                           f"(Seiten mit dem neuen Satz: {len(pages)})")
    return t


def _int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _fmt(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def _pdf_info(out: Path) -> str:
    """Pages and size of each PDF edition in ``out``: ``Sozialbericht 185 Seiten, 2,9 MB``."""
    from analysis.rendering.pdf_edition import size_de

    try:
        from pypdf import PdfReader  # a dev dependency (make setup installs it)
    except ImportError:  # pragma: no cover
        PdfReader = None  # noqa: N806
    parts = []
    for site in ("sozialbericht", "handlungskonzept"):
        for pdf in sorted((out / site).glob("*.pdf")):
            pages = f"{_int(len(PdfReader(pdf).pages))} Seiten, " if PdfReader else ""
            parts.append(f"{pdf.stem}: {pages}{size_de(pdf.stat().st_size)}")
    return "; ".join(parts) or "keine PDF-Ausgabe"


def run_benchmark(output: Path, quick: bool = False) -> int:
    """Measure and write the results table; ``quick`` = analysis core only."""
    rows: list[tuple[str, str, str]] = []
    cores = os.cpu_count() or 1
    demo = _demo_core()
    rows.append(("Analysekern, Demodaten (93 Sozialräume)", _fmt(demo["s"]) + " s",
                 f"Ziel < 0,5 s; Spitze {demo['mib']:.0f} MiB"))
    for n in (1000, 10000):
        r = _core_at(n)
        parts = ", ".join(f"{k} {_fmt(v)} s" for k, v in r["times"].items() if k != "gesamt")
        target = "Ziel < 5 s und < 1 GiB; " if n == 10000 else ""
        rows.append((f"Analysekern, {n:,} Sozialräume × 40 Indikatoren × 10 Jahre".replace(
            ",", ".").replace("Analysekern.", "Analysekern,"), _fmt(r["times"]["gesamt"]) + " s",
            f"{target}Spitze {r['peak_mib']:.0f} MiB ({parts})"))
    for n in (93, 1000):
        r = _linked_at(n)
        rows.append((f"Geheimhaltung mit Summenbeziehung, {_int(n)} Sozialräume × 10 Jahre",
                     _fmt(r["s"]) + " s",
                     "Extremfall: Gesamt = Teil a + Teil b, Teil b fast überall klein "
                     f"({_int(r['small'])} primär gesperrte Werte, {_int(r['withheld'])} "
                     "gesperrt insgesamt); ohne Ziel"))
    if not quick:
        with tempfile.TemporaryDirectory() as td:
            tmp = Path(td)
            out = tmp / "reports"
            py = sys.executable
            cold = _timed([py, "-m", "analysis", "report", "--output", str(out)])
            noop = _timed([py, "-m", "analysis", "report", "--output", str(out)])
            # edit one chapter: the text of one field (a copy of the configuration)
            cfg_dir = tmp / "config"
            shutil.copytree(REPO / "config", cfg_dir)
            one = _timed_edit(py, out, cfg_dir)
            # the PDF editions (make pdf) on top of the build just made: only the PDFs are
            # new; then make report again, which takes them from the cache
            pdf = _timed([py, "-m", "analysis", "report", "--pdf", "--output", str(out),
                          "--config", str(cfg_dir / "report.yaml")])
            pdf_info = _pdf_info(out)
            again = _timed([py, "-m", "analysis", "report", "--output", str(out), "--config",
                            str(cfg_dir / "report.yaml")])
            # the same cold build with ordinary kernel start-up (python -m ipykernel per
            # chapter), to show what the pre-loaded kernels (analysis.build.kernels) save
            plain = _timed([py, "-m", "analysis", "report", "--output", str(tmp / "plain")],
                           {"SOZIALPLANUNG_KERNEL": "plain"})
            rows.append(("make report kalt (alle Kapitel)", _fmt(cold) + " s",
                         f"Ziel < 60 s; mit gewöhnlichem Kernelstart {_fmt(plain)} s"))
            # larger regions in the same run: cold builds relative to the demo's
            for n, k, limit in ((536, 10, 1.5), (1000, 20, 2.5)):
                data = scaled_region(REPO / "data" / "demo", tmp / f"daten-{n}", n, k)
                t = _timed([py, "-m", "analysis", "report", "--data", str(data),
                            "--output", str(tmp / f"reports-{n}")])
                ratio = t / cold
                rows.append((f"make report kalt, {_int(n)} Sozialräume in {k} Kommunen",
                             _fmt(t) + " s",
                             f"{_fmt(ratio)} × Demo; Ziel ≤ {_fmt(limit)} × "
                             f"({'erreicht' if ratio <= limit else 'verfehlt'})"))
            rows.append(("Neubau ohne Änderung", _fmt(noop) + " s", "Ziel < 3 s"))
            rows.append(("Neubau nach Änderung eines Kapitels", _fmt(one) + " s",
                         "Ziel < 15 s"))
            rows.append(("make pdf nach make report (PDF-Ausgabe beider Berichte)",
                         _fmt(pdf) + " s", f"ohne Ziel; {pdf_info}"))
            rows.append(("make report nach make pdf, nichts geändert (PDF aus dem Cache)",
                         _fmt(again) + " s", "Ziel < 3 s"))
            venv = tmp / "venv"
            src = tmp / "quelle"  # a copy, so that pip's build folder stays out of the repo
            shutil.copytree(REPO / "src", src / "src",
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
            for name in ("pyproject.toml", "constraints.txt", "README.md"):
                shutil.copy2(REPO / name, src / name)
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                            "-c", str(src / "constraints.txt"), str(src) + "[dev]"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rows.append(("Umgebung neu aufsetzen (venv + pip, mit Paket-Cache)",
                         _fmt(time.perf_counter() - t) + " s", "einmalig"))
    head = (f"# Benchmark\n\nGemessen mit `make benchmark` auf {platform.machine()}, "
            f"{cores} Kerne, Python {platform.python_version()}.\n\n"
            "| Messung | Zeit | Bemerkung |\n|---|---:|---|\n")
    text = head + "".join(f"| {a} | {b} | {c} |\n" for a, b, c in rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(text)
    return 0
