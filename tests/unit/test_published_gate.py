"""The published values (analysis.gate.published): the one object every view gets its
numbers from, and the one display form of a withheld cell."""

from __future__ import annotations

import ast
import math
from pathlib import Path

import pandas as pd
import pytest

from analysis.contract import schema as S
from analysis.gate import disclosure as D
from analysis.gate.published import MARK, Published, display, is_withheld, withheld_note

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "analysis"


def test_display_form_of_a_cell():
    assert display(12.5) == 12.5 and display(12.5, withheld=True) == MARK
    assert display(MARK) == MARK and is_withheld(MARK)
    assert not is_withheld("–") and not is_withheld(0) and not is_withheld(float("nan"))
    assert withheld_note("gesperrt") == f"{MARK} gesperrt"


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings."""
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docs.add(id(body[0].value))
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs]


def test_no_module_outside_the_gate_writes_the_mark():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "gate":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PACKAGE)}:{line}" for line, text in _strings(tree)
                      if MARK in text]
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        offenders += [f"{path.relative_to(PACKAGE)}: {n}" for n in ("SUPPRESSED", "is_suppressed")
                      if n in names]
    assert offenders == []


@pytest.fixture(scope="module")
def gate() -> Published:
    from analysis.method.context import compute_context

    ctx = compute_context(REPO / "data" / "demo", REPO / "config" / "report.yaml")
    return Published.of(ctx.ds, ctx.res, ctx.cfg.berichtsjahr)


def test_published_values_follow_the_flags(gate):
    av = gate.area_values
    year = gate.year
    now = av[av[S.YEAR] == year]
    hidden, shown = now[now[D.FLAG]], now[~now[D.FLAG]]
    assert len(hidden) and len(shown)
    for _, row in hidden.head(20).iterrows():
        assert gate.published_value(row[S.INDICATOR], area=row[S.AREA]) == MARK
        assert gate.uncertain_value(row[S.INDICATOR], row[S.AREA]) == MARK
        assert gate.affected(row[S.INDICATOR], row[S.AREA]) == MARK
    for _, row in shown.head(20).iterrows():
        value = gate.published_value(row[S.INDICATOR], area=row[S.AREA])
        assert value == pytest.approx(row[S.VALUE]) or (math.isnan(value)
                                                         and math.isnan(row[S.VALUE]))
        assert not is_withheld(gate.affected(row[S.INDICATOR], row[S.AREA]))
    assert math.isnan(gate.published_value(now[S.INDICATOR].iloc[0], area="kein Sozialraum"))


def test_published_frame_marks_withheld_rows_and_drops_the_flag(gate):
    av = gate.area_values
    frame = Published.frame(av.head(200), [S.VALUE])
    assert D.FLAG not in frame.columns
    flags = av.head(200)[D.FLAG].to_numpy()
    assert (frame[S.VALUE].to_numpy()[flags] == MARK).all()
    assert not pd.Series(frame[S.VALUE].to_numpy()[~flags]).map(is_withheld).any()
