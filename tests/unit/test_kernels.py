"""Chapter kernels forked from the pre-loaded server (analysis.build.kernels)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from papermill.exceptions import PapermillExecutionError

from analysis.build import kernels

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="no forkserver on this platform")


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def _run(nb: Path, out: Path, **kwargs) -> nbformat.NotebookNode:
    pm.execute_notebook(str(nb), str(out), kernel_name="python3", progress_bar=False,
                        kernel_manager_class=kernels.PreloadedKernelManager, **kwargs)
    return nbformat.read(out, as_version=4)


def _last_output(nb: nbformat.NotebookNode) -> dict:
    return json.loads(nb.cells[-1].outputs[0]["text"])


@pytest.fixture
def private_tmp(monkeypatch):
    """Socket folders go to a fresh temporary folder we can inspect.

    Not under ``tmp_path``: a Unix socket path has at most 107 bytes, and pytest's
    folders (longer still under pytest-xdist) can exceed that. Not removed afterwards
    either: the forkserver, started once per test process, keeps its listening socket
    in the temporary folder that was current when it started.
    """
    sockets = Path(tempfile.mkdtemp(prefix="spk-"))
    monkeypatch.setattr(tempfile, "tempdir", str(sockets))
    return sockets


PROBE = ("import json, os, sys\n"
         "print(json.dumps({'pid': os.getpid(), 'preloaded': 'analysis.views.report' in sys.modules,"
         " 'x': x, 'leftover': 'secret' in globals(), 'cwd': os.getcwd(),"
         " 'mpl': os.environ.get('MPLBACKEND')}))")


def test_each_run_is_a_fresh_preloaded_kernel(tmp_path, private_tmp, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = _notebook(tmp_path / "probe.ipynb", "secret = 42", PROBE)
    first = _last_output(_run(nb, tmp_path / "a.ipynb", parameters={"x": 1}, cwd=str(tmp_path)))
    second = _last_output(_run(nb, tmp_path / "b.ipynb", parameters={"x": 2}))
    assert first["preloaded"] and second["preloaded"]  # the heavy imports came with the fork
    assert first["pid"] != second["pid"] != os.getpid()  # one process per run
    assert (first["x"], second["x"]) == (1, 2)  # parameters injected as usual
    assert first["cwd"] == str(tmp_path)
    assert first["mpl"] == "Agg"  # the environment is passed on
    # the kernels have exited and their Unix sockets are gone
    for info in (first, second):
        with pytest.raises(ProcessLookupError):
            os.kill(info["pid"], 0)
    assert list(private_tmp.glob("sozialplanung-*")) == []


def test_kernel_talks_over_private_unix_sockets(tmp_path, private_tmp):
    nb = _notebook(tmp_path / "conn.ipynb",
                   "import json\nfrom ipykernel.connect import get_connection_info\n"
                   "info = get_connection_info(unpack=True)\n"
                   "print(json.dumps({'transport': info['transport'], 'ip': info['ip']}))")
    info = _last_output(_run(nb, tmp_path / "out.ipynb"))
    assert info["transport"] == "ipc"
    assert info["ip"].startswith(str(private_tmp))


def test_cell_error_is_reported(tmp_path, private_tmp):
    nb = _notebook(tmp_path / "err.ipynb", "1 / 0")
    with pytest.raises(PapermillExecutionError) as err:
        _run(nb, tmp_path / "out.ipynb")
    assert err.value.ename == "ZeroDivisionError"


def test_dead_kernel_is_detected(tmp_path, private_tmp):
    nb = _notebook(tmp_path / "dies.ipynb", "import os\nos._exit(3)")
    with pytest.raises(Exception, match="(?i)kernel died"):
        _run(nb, tmp_path / "out.ipynb")


def test_timeout_interrupts_the_kernel(tmp_path, private_tmp):
    # nbclient interrupts a cell that runs too long (SIGINT to the forked kernel's group)
    nb = _notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(60)")
    with pytest.raises(Exception, match="(?i)timed out|timeout"):
        _run(nb, tmp_path / "out.ipynb", execution_timeout=3)
