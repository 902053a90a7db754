"""The notebooks call a small API: every view method a chapter notebook calls exists on
the view it calls it on (the report facade and one view per chapter type)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from analysis.views.change import Change
from analysis.views.concept_report import ConceptReport
from analysis.views.context import ReportContext
from analysis.views.field import FieldView
from analysis.views.method_annex import MethodAnnex
from analysis.views.overview import Overview
from analysis.views.profile import ProfileView
from analysis.views.report import Report

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
#: the call that makes a view → the view's class
MAKERS = {"open_report": Report, "overview": Overview, "change": Change,
          "method": MethodAnnex, "field": FieldView, "profile": ProfileView,
          "open_concept": ConceptReport}


def _calls(path: Path) -> tuple[dict[str, type], list[tuple[str, str]]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    tree = ast.parse(code)
    views: dict[str, type] = {}
    calls = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and isinstance(node.targets[0], ast.Name)):
            func = node.value.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in MAKERS:
                views[node.targets[0].id] = MAKERS[name]
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)):
            calls.append((node.func.value.id, node.func.attr))
    return views, calls


def test_every_notebook_call_exists_on_its_view():
    seen = set()
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        views, calls = _calls(path)
        for var, method in calls:
            if var not in views:
                continue
            cls = views[var]
            # a chapter view reads the shared context's attributes as its own
            shared = ReportContext if cls in (Overview, Change, MethodAnnex) else cls
            assert hasattr(cls, method) or hasattr(shared, method), f"{path.name}: {var}.{method}"
            seen.add(cls)
    assert {Overview, Change, MethodAnnex, FieldView, ProfileView, ConceptReport} <= seen


def test_chapter_views_are_not_one_object():
    # the facade gives the chapter views; their methods are not the facade's own
    for view, method in ((Overview, "headline_table"), (Change, "attention_table"),
                         (MethodAnnex, "disclosure_text")):
        assert hasattr(view, method) and not hasattr(Report, method)
    assert not hasattr(ReportContext, "published_value")  # numbers come from r.gate
