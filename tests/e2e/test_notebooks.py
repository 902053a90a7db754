"""The chapter notebooks: committed clean, thin, and runnable as they are in JupyterLab."""

from __future__ import annotations

import ast
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_a_literal_parameters_cell(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in _code_cells(nb):
        assert cell.get("outputs") == [] and cell.get("execution_count") is None, path.name
    first = _code_cells(nb)[0]
    assert "parameters" in first.metadata.get("tags", []), f"{path.name}: no parameters cell"
    for node in ast.parse(first.source).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), \
            f"{path.name}: parameters must be literals"
    assert any(c.cell_type == "markdown" for c in nb.cells)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_code_is_thin(path: Path):
    """No def, class, loops or comprehensions: logic belongs in the package."""
    nb = nbformat.read(path, as_version=4)
    banned = (ast.FunctionDef, ast.ClassDef, ast.For, ast.While, ast.ListComp, ast.DictComp,
              ast.SetComp, ast.GeneratorExp, ast.Lambda)
    for cell in _code_cells(nb):
        for node in ast.walk(ast.parse(cell.source)):
            assert not isinstance(node, banned), f"{path.name}: {type(node).__name__}"
        assert len(cell.source.splitlines()) <= 4, f"{path.name}: long code cell"


def _run_with_defaults(args: tuple[str, str, str]) -> str:
    """Run one notebook as `make lab` would (worker process: papermill changes the cwd)."""
    import papermill as pm

    path, out, cache = args
    os.environ["SOZIALPLANUNG_CACHE"] = cache
    nb = pm.execute_notebook(path, out, cwd=str(Path(path).parent), kernel_name="python3",
                             progress_bar=False)
    errors = [o for c in nb.cells for o in c.get("outputs", [])
              if o.get("output_type") == "error" or o.get("name") == "stderr"]
    assert not errors, f"{Path(path).name}: {errors[:1]}"
    return Path(path).name


@pytest.mark.slow
def test_every_notebook_runs_top_to_bottom_with_its_defaults(tmp_path: Path):
    """As in `make lab`: cwd notebooks/, the defaults of the parameters cell, no injection."""
    jobs = [(str(p), str(tmp_path / p.name), str(tmp_path / "cache")) for p in NOTEBOOKS]
    with ProcessPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(_run_with_defaults, jobs))
    assert done == [p.name for p in NOTEBOOKS]
