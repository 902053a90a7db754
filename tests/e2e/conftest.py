"""Shared fixtures for the end-to-end tests: one demo build, one tiny 3-Kommunen data set."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo"
TINY_AGS = ("05334004", "05334008", "05334036")  # Alsdorf, Baesweiler, Würselen
XSS_NAME = "<script>alert(1)</script>"
FORMULA_NAME = "=HYPERLINK(\"http://example.org\")"


def run_report(out: Path, data: Path = DEMO, *extra: str, env: dict | None = None,
               timeout: int = 900) -> subprocess.CompletedProcess:
    """`python -m analysis report` into ``out`` (a subprocess, as make does)."""
    import os

    return subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--data", str(data), "--output", str(out),
         *extra],
        cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every published file below ``root`` (following the site symlinks)."""
    files = {}
    for site in ("sozialbericht", "handlungskonzept"):
        base = root / site
        for p in sorted(base.rglob("*")):
            if p.is_file():
                files[f"{site}/{p.relative_to(base).as_posix()}"] = p.read_bytes()
    return files


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """The demo data built once into a temporary output folder."""
    out = tmp_path_factory.mktemp("build") / "reports"
    done = run_report(out)
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def make_tiny(dest: Path, area_name: str | None = None) -> Path:
    """A copy of the demo data reduced to three Kommunen (optionally renaming one area)."""
    shutil.copytree(DEMO, dest)
    keep = set(TINY_AGS)
    mun = pd.read_csv(dest / "kommunen.csv", dtype=str)
    mun[mun["ags"].isin(keep)].to_csv(dest / "kommunen.csv", index=False)
    areas = pd.read_csv(dest / "sozialraeume.csv", dtype=str)
    areas = areas[areas["ags"].isin(keep)]
    if area_name is not None:
        areas.loc[areas.index[0], "name"] = area_name
    areas.to_csv(dest / "sozialraeume.csv", index=False)
    codes = set(areas["sozialraum"])
    cnt = pd.read_csv(dest / "zaehlungen.csv", dtype=str)
    cnt[cnt["sozialraum"].isin(codes)].to_csv(dest / "zaehlungen.csv", index=False)
    cm = pd.read_csv(dest / "zaehlungen_kommune.csv", dtype=str)
    cm[cm["ags"].isin(keep)].to_csv(dest / "zaehlungen_kommune.csv", index=False)
    pri = pd.read_csv(dest / "prioritaeten.csv", dtype=str)
    pri[pri["ags"].isin(keep)].to_csv(dest / "prioritaeten.csv", index=False)
    svc = pd.read_csv(dest / "angebote.csv", dtype=str, keep_default_na=False)
    ok = svc["sozialraeume"].map(lambda s: all(a in codes for a in s.split("|")))
    svc[ok].to_csv(dest / "angebote.csv", index=False)
    goals = pd.read_csv(dest / "wirkungsziele.csv", dtype=str)
    goals[goals["gebiet"].isin(codes | keep)].to_csv(dest / "wirkungsziele.csv", index=False)
    gj = json.loads((dest / "geometrie.geojson").read_text(encoding="utf-8"))
    gj["features"] = [f for f in gj["features"] if f["properties"]["sozialraum"] in codes]
    (dest / "geometrie.geojson").write_text(json.dumps(gj), encoding="utf-8")
    for note in (dest / "befunde").glob("*.md"):
        text = note.read_text(encoding="utf-8")
        head = text.split("---")[1]
        refs = [ln.split(":", 1)[1].strip().strip('"') for ln in head.splitlines()
                if ln.startswith(("sozialraum:", "ags:"))]
        names = [x for r in refs for x in r.split("|")]
        if not all(n in codes or n in keep for n in names):
            note.unlink()
    return dest


@pytest.fixture(scope="session")
def tiny_build(tmp_path_factory) -> tuple[Path, Path]:
    """(data folder, output folder) of the 3-Kommunen data set with hostile area names."""
    base = tmp_path_factory.mktemp("tiny")
    data = make_tiny(base / "data", area_name=XSS_NAME)
    areas = pd.read_csv(data / "sozialraeume.csv", dtype=str)
    areas.loc[areas.index[1], "name"] = FORMULA_NAME
    areas.to_csv(data / "sozialraeume.csv", index=False)
    out = base / "reports"
    done = run_report(out, data)
    assert done.returncode == 0, done.stdout + done.stderr
    return data, out
