"""Formula injection: every CSV the command line writes goes through the downloads' writer.

Text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR get a leading ``'`` (as in
the report downloads, :mod:`analysis.rendering.tables`); numbers, negative ones included, stay
numbers.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from analysis.build.cli import main

REPO = Path(__file__).resolve().parents[2]
MSS = REPO / "config" / "schemes" / "mss-status.yaml"
HOSTILE = ["=HYPERLINK(\"http://example.org\";\"x\")", "+1+2", "-2+3", "@SUM(A1)",
           "\tTab", "\rCR"]


def test_index_output_neutralises_formulas_and_keeps_negative_numbers(tmp_path):
    src = tmp_path / "werte.csv"
    rows = ["id,S1,S3,S4"]
    values = [(1, 1, 1), (1, 3, 3), (3, 1, 3), (3, 3, 1), (2, 2, 2), (1, 2, 3)]
    ids = [*HOSTILE[:4], "Nord", "Süd"]  # the reader strips leading tabs / CRs itself
    for name, (a, b, c) in zip(ids, values, strict=True):
        quoted = '"' + name.replace('"', '""') + '"'
        rows.append(f"{quoted},{a},{b},{c}")
    src.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "index.csv"
    assert main(["index", "--scheme", str(MSS), "--input", str(src), "--output", str(out)]) == 0
    res = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert res["id"].tolist() == ["'" + h for h in HOSTILE[:4]] + ["Nord", "Süd"]
    # negative z values are written as numbers, not as protected text
    assert "-0.928477" in res["z_S1"].tolist()
    assert all(not v.startswith("'") for c in res.columns[1:] for v in res[c])
    assert pd.to_numeric(res["index"]).notna().all()


def test_need_output_neutralises_formulas_and_keeps_negative_numbers(demo_copy, tmp_path):
    areas = pd.read_csv(demo_copy / "sozialraeume.csv", dtype=str, keep_default_na=False)
    areas.loc[0, "name"] = HOSTILE[0]
    areas.loc[1, "name"] = "-Ost"
    areas.to_csv(demo_copy / "sozialraeume.csv", index=False)
    out = tmp_path / "need.csv"
    assert main(["need", "--data", str(demo_copy), "--output", str(out)]) == 0
    raw = out.read_bytes()
    table = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
    names = table["name"].tolist()
    assert "'" + HOSTILE[0] in names and "'-Ost" in names
    assert not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)
    index = table["armut_index"]
    assert index.str.startswith("-").any(), "negative index values must stay numbers"
    assert pd.to_numeric(index).notna().all()
    # same format as before: plain CSV with decimal point, UTF-8 without BOM
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
