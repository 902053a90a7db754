"""The output folder is not trusted (security audit, issue 10).

* nothing read back from ``OUT/.build`` is unpickled or published unless the build wrote
  it (HMAC under a key outside OUT); a bad cache entry is rebuilt, never fatal;
* the build replaces or deletes only what it created in OUT;
* a killed build leaves no worker holding the lock, and a dead holder's lock is taken over;
* bad options and unusable output folders give German messages, exit code 2.

These tests stop before any chapter runs (or call the pieces directly), so they are fast.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ..conftest import DEMO, REPO

CONFIG = REPO / "config" / "report.yaml"


@pytest.fixture(autouse=True)
def private_key_dir(tmp_path_factory, monkeypatch):
    """Each test gets its own build key folder (not the user's ~/.cache)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.delenv("SOZIALPLANUNG_BUILD_KEY", raising=False)
    try:
        from analysis.common import trust
    except ImportError:  # the code before the fix, for checking that these tests fail there
        return
    monkeypatch.setattr(trust, "_process_key", None)


def report(out: Path, *extra: str | Path, data: Path = DEMO, timeout: float = 600,
           env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "analysis", "report", "--data", str(data), "--output", str(out),
         *map(str, extra)], cwd=REPO, capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})})


def listing(root: Path) -> dict[str, bytes | str]:
    """Every entry below ``root`` without following links: files → bytes, links → target."""
    found: dict[str, bytes | str] = {}
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                found[rel] = "-> " + os.readlink(p)
            elif p.is_file():
                found[rel] = p.read_bytes()
            else:
                found[rel] = "dir"
    return found


# --------------------------------------------------------------------------- 1 caches
def test_planted_context_pickle_is_not_unpickled(tmp_path, monkeypatch):
    from analysis.method import context

    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("SOZIALPLANUNG_CACHE", str(cache))
    context.load_context.cache_clear()
    proof = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {proof}",))

    key = context._key(DEMO, CONFIG)
    (cache / f"context-{key}.pkl").write_bytes(pickle.dumps(Exploit()))
    ctx = context.load_context(DEMO, CONFIG)
    context.load_context.cache_clear()
    assert not proof.exists(), "a pickle planted in the cache folder was executed"
    assert len(ctx.ds.areas) == 93
    # the entry was replaced by an authenticated one, which is used next time
    from analysis.common import trust

    blob = (cache / f"context-{key}.pkl").read_bytes()
    assert trust.unseal(trust.build_key(), f"context/{key}", blob) is not None


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "directory"])
def test_damaged_context_cache_is_recomputed(tmp_path, monkeypatch, damage):
    from analysis.method import context

    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("SOZIALPLANUNG_CACHE", str(cache))
    context.load_context.cache_clear()
    key = context._key(DEMO, CONFIG)
    path = cache / f"context-{key}.pkl"
    context.load_context(DEMO, CONFIG)
    context.load_context.cache_clear()
    good = path.read_bytes()
    path.unlink()
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x80\x05not a pickle")
    else:
        path.mkdir()  # cannot be replaced by a file: computed, just not cached
    ctx = context.load_context(DEMO, CONFIG)
    context.load_context.cache_clear()
    assert len(ctx.ds.areas) == 93
    assert path.is_dir() or path.read_bytes() != b""


def test_cached_context_reads_the_texts_beside_its_configuration(tmp_path, monkeypatch):
    """The context cache is keyed by the configuration's content: a copy of the
    configuration elsewhere (same report.yaml, an edited text beside it) must use its
    own texts, and the edit must change the chapter's stamp (the benchmark's edit)."""
    from analysis.method import context

    monkeypatch.setenv("SOZIALPLANUNG_CACHE", str(tmp_path / "cache"))
    context.load_context.cache_clear()
    name = "handlungsfelder/aeltere.md"
    original = context.load_context(DEMO, CONFIG)
    copy = tmp_path / "config"
    shutil.copytree(CONFIG.parent, copy)
    text = copy / "texte" / name
    text.write_text(text.read_text(encoding="utf-8") + "\nNeu.\n", encoding="utf-8")
    context.load_context.cache_clear()  # a new process: the context comes from the cache
    ctx = context.load_context(DEMO, copy / "report.yaml")
    context.load_context.cache_clear()
    assert context._key(DEMO, copy / "report.yaml") == context._key(DEMO, CONFIG)
    assert ctx.config_file == str((copy / "report.yaml").resolve())
    assert ctx.text_digest([name]) != original.text_digest([name])


def test_a_valid_entry_is_bound_to_its_name():
    from analysis.common import trust

    key = os.urandom(32)
    blob = trust.seal(key, "page/20_armut/abc", b"<html>")
    assert trust.unseal(key, "page/20_armut/abc", blob) == b"<html>"
    assert trust.unseal(key, "page/21_aeltere/abc", blob) is None  # not under another name
    assert trust.unseal(os.urandom(32), "page/20_armut/abc", blob) is None
    assert trust.unseal(key, "page/20_armut/abc", blob[:-1]) is None
    assert trust.unseal(key, "page/20_armut/abc", b"") is None


def test_build_key_is_private_and_not_in_the_output_folder(tmp_path):
    from analysis.common import trust

    key = trust.build_key()
    path = trust.key_file()
    assert path.read_bytes() == key and len(key) == 32
    assert (path.stat().st_mode & 0o777) == 0o600
    assert (path.parent.stat().st_mode & 0o777) == 0o700
    # a key file others could read is not used
    os.chmod(path, 0o644)
    trust._process_key = None
    assert trust.build_key() != key
    assert (path.stat().st_mode & 0o777) == 0o600


def test_cached_page_with_a_script_is_rendered_afresh(tmp_path):
    """A reused page goes through the same final checks as a fresh one."""
    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    from analysis.rendering.assemble import Page, SiteMeta, assemble_site

    nb = new_notebook(cells=[new_markdown_cell("# Armut\n\nEchter Inhalt.")])
    path = tmp_path / "20_armut.ipynb"
    nbformat.write(nb, str(path))
    pages = [Page("20_armut", "Armut", path)]
    meta = SiteMeta(site_title="Sozialbericht 2021", edition="Ausgabe 2021", data_hash="abc",
                    parameters={}, version="1", is_demo=True)
    fresh = assemble_site(pages, meta, tmp_path / "a")[1].read_text(encoding="utf-8")
    planted = fresh.replace("Echter Inhalt.", "<script>alert(1)</script>")
    truncated = fresh[: len(fresh) // 2]
    for bad in (planted, truncated):
        out = assemble_site(pages, meta, tmp_path / "b", rendered={"20_armut": bad})
        assert out[1].read_text(encoding="utf-8") == fresh


def test_atomic_write_replaces_a_planted_link_instead_of_following_it(tmp_path):
    from analysis.common import trust

    victim = tmp_path / "victim.txt"
    victim.write_text("eigene Datei")
    link = tmp_path / "cache-entry"
    link.symlink_to(victim)
    trust.write_atomic(link, b"neu")
    assert victim.read_text() == "eigene Datei"
    assert not link.is_symlink() and link.read_bytes() == b"neu"
    assert trust.read_regular(tmp_path / "missing") is None
    os.mkfifo(tmp_path / "fifo")
    assert trust.read_regular(tmp_path / "fifo") is None  # no hang on a planted FIFO


# --------------------------------------------------------------------------- 2 folders
def _user_folder(out: Path, name: str) -> None:
    p = out / name
    if name == "link":
        elsewhere = out.parent / "anderswo"
        elsewhere.mkdir()
        (elsewhere / "wichtig.txt").write_text("nicht anfassen")
        (out / "sozialbericht").symlink_to(elsewhere)
    elif name == "handlungskonzept":
        p.write_text("eine Datei des Benutzers")
    else:
        p.mkdir()
        (p / "eigene-notizen.txt").write_text("nicht löschen")


@pytest.mark.parametrize("name", ["sozialbericht", "handlungskonzept", ".current", ".versions",
                                  ".build", "link"])
def test_build_refuses_to_replace_what_it_did_not_create(tmp_path, name):
    out = tmp_path / "Abteilung"
    out.mkdir()
    (out / "protokoll.docx").write_text("fremd")
    _user_folder(out, name)
    before = listing(tmp_path)
    done = report(out)
    assert done.returncode == 2, done.stdout + done.stderr
    shown = "sozialbericht" if name == "link" else name
    assert str(out / shown) in done.stderr
    assert "nicht angelegt" in done.stderr and "Nichts wurde veröffentlicht" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Kapitel" not in done.stdout  # refused before any chapter ran
    assert listing(tmp_path) == before  # nothing created, replaced or deleted


def test_publish_deletes_only_old_versions_it_created(tmp_path):
    from analysis.build.build import publish

    out = tmp_path / "out"
    versions = out / ".versions"
    old = versions / "0123456789abcdef"
    for site in ("sozialbericht", "handlungskonzept"):
        (old / site).mkdir(parents=True)
    (old / ".sozialplanung-build").write_text("x")
    (versions / ".sozialplanung-build").write_text("x")
    foreign = versions / "fedcba9876543210"
    foreign.mkdir()
    (foreign / "notizen.txt").write_text("fremd")
    other = versions / "entwurf"
    other.mkdir()
    (out / ".current").symlink_to(".versions/0123456789abcdef")
    staging = tmp_path / "staging"
    for site in ("sozialbericht", "handlungskonzept"):
        (staging / site).mkdir(parents=True)
        (staging / site / "index.html").write_text(site)
    publish(staging, out, "aaaaaaaaaaaaaaaa")
    assert (out / "sozialbericht" / "index.html").read_text() == "sozialbericht"
    assert not old.exists()  # the build's own previous version is cleaned
    assert (foreign / "notizen.txt").read_text() == "fremd"
    assert other.is_dir()


def test_output_folder_of_the_earlier_layout_is_taken_over(tmp_path):
    """Guard for the upgrade (not an audit finding): reports built before the marker
    files existed are recognised by their exact shape; a lookalike with more is not."""
    from analysis.build.outdir import OutputError, check_published, prepare

    out = tmp_path / "reports"
    for site in ("sozialbericht", "handlungskonzept"):
        (out / ".versions" / "0123456789abcdef" / site).mkdir(parents=True)
        (out / site).symlink_to(f".current/{site}")
    (out / ".current").symlink_to(".versions/0123456789abcdef")
    (out / ".build" / "executed").mkdir(parents=True)
    (out / ".build" / "lock").write_text("")
    check_published(out, "fedcba9876543210")
    assert prepare(out) == out / ".build"
    assert (out / ".build" / ".sozialplanung-build").is_file()
    (out / ".versions" / "0123456789abcdef" / "notizen.txt").write_text("x")
    with pytest.raises(OutputError, match=r"\.versions"):
        check_published(out)
    other = tmp_path / "other"
    (other / ".build" / "cache").mkdir(parents=True)  # a tool's own .build/cache
    with pytest.raises(OutputError, match=r"\.build"):
        prepare(other)


@pytest.mark.parametrize("where", ["out=data", "out in data", "data in out/.build"])
def test_output_folder_and_data_folder_must_be_apart(tmp_path, where):
    data = tmp_path / "daten"
    shutil.copytree(DEMO, data)
    if where == "out=data":
        out = data
    elif where == "out in data":
        out = data / "berichte"
    else:
        out = tmp_path / "out"
        (out / ".build").mkdir(parents=True)
        shutil.move(data, out / ".build" / "daten")
        data = out / ".build" / "daten"
    before = listing(tmp_path)
    done = report(out, data=data)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Datenordner" in done.stderr and "Traceback" not in done.stderr
    assert listing(tmp_path) == before


def test_clean_removes_only_what_the_build_created(tmp_path, cli):
    out = tmp_path / "out"
    version = out / ".versions" / "0123456789abcdef"
    for site in ("sozialbericht", "handlungskonzept"):
        (version / site).mkdir(parents=True)
    (out / ".versions" / ".sozialplanung-build").write_text("x")
    (version / ".sozialplanung-build").write_text("x")
    (out / ".current").symlink_to(".versions/0123456789abcdef")
    (out / "sozialbericht").symlink_to(".current/sozialbericht")
    (out / "handlungskonzept").mkdir()  # the user's own folder
    (out / "handlungskonzept" / "eigen.txt").write_text("bleibt")
    code, stdout, stderr = cli("clean", "--output", out)
    assert code == 0, stderr
    assert sorted(p.name for p in out.iterdir()) == ["handlungskonzept"]
    assert (out / "handlungskonzept" / "eigen.txt").read_text() == "bleibt"
    assert "Nicht gelöscht" in stdout and "handlungskonzept" in stdout


@pytest.mark.parametrize("name", ["Abteilung", "Ab teilung's"])
def test_make_clean_keeps_the_users_folders_and_handles_quotes(tmp_path, name):
    work = tmp_path / "repo"
    work.mkdir()
    (work / "src").symlink_to(REPO / "src")
    out = tmp_path / name
    (out / "sozialbericht").mkdir(parents=True)
    (out / "sozialbericht" / "eigen.txt").write_text("bleibt")
    done = subprocess.run(["make", "-f", str(REPO / "Makefile"), "-C", str(work), "clean",
                           f"OUT={out}", f"VENV={tmp_path / 'no venv'}", f"PY={sys.executable}"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out / "sozialbericht" / "eigen.txt").read_text() == "bleibt"


# --------------------------------------------------------------------------- 3 lock
WORKER_SCRIPT = textwrap.dedent("""
    import sys, time
    from concurrent.futures import ProcessPoolExecutor
    from pathlib import Path
    from analysis.build.build import build_lock
    from analysis.common.interrupt import worker_signals

    def fds():
        import os
        return sorted(os.readlink(f"/proc/self/fd/{n}") for n in os.listdir("/proc/self/fd")
                      if os.path.exists(f"/proc/self/fd/{n}"))

    if __name__ == "__main__":
        build = Path(sys.argv[1])
        with build_lock(build, log=lambda m: None):
            pool = ProcessPoolExecutor(1, initializer=worker_signals)  # one worker, reused
            print("fds", *pool.submit(fds).result(), flush=True)
            pool.submit(time.sleep, 300)
            print("workers", *[p.pid for p in pool._processes.values()], flush=True)
            time.sleep(300)
""")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_killed_build_leaves_no_worker_and_no_lock(tmp_path):
    build = tmp_path / ".build"
    build.mkdir()
    script = tmp_path / "holder.py"
    script.write_text(WORKER_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script), str(build)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    workers: list[int] = []
    try:
        fds_line = proc.stdout.readline()
        workers = [int(x) for x in proc.stdout.readline().split()[1:]]
        assert workers, fds_line
        assert str(build / "lock") not in fds_line, "a worker holds the build lock"
        proc.kill()  # kill -9 of the build
        proc.wait()
        deadline = time.time() + 10
        while any(_alive(w) for w in workers) and time.time() < deadline:
            time.sleep(0.1)
        left = [w for w in workers if _alive(w)]
    finally:
        proc.kill()
        proc.wait()
        for w in workers:
            if _alive(w):
                os.kill(w, signal.SIGKILL)
    assert not left, f"orphaned workers {left} outlived the killed build"


LOCK_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from analysis.build.build import build_lock

    with build_lock(Path(sys.argv[1]), log=lambda m: print(m, flush=True)):
        print("LOCKED", flush=True)
""")


def test_lock_of_a_dead_build_is_taken_over(tmp_path):
    build = tmp_path / ".build"
    build.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (build / "lock").write_text(f"{dead.pid} 0\n")
    # an orphan of the dead build still holds the file lock
    orphan = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
        "print('held', flush=True); time.sleep(300)"), str(build / "lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert orphan.stdout.readline().strip() == "held"
        script = tmp_path / "lock.py"
        script.write_text(LOCK_SCRIPT)
        done = subprocess.run([sys.executable, str(script), str(build)], cwd=REPO,
                              capture_output=True, text=True, timeout=30)
    finally:
        orphan.kill()
        orphan.wait()
    assert "LOCKED" in done.stdout, done.stdout + done.stderr
    assert f"beendeten Prozess {dead.pid}" in done.stdout


def test_waiting_build_names_the_live_holder(tmp_path):
    build = tmp_path / ".build"
    build.mkdir()
    script = tmp_path / "lock.py"
    script.write_text(LOCK_SCRIPT.replace('print("LOCKED", flush=True)',
                                          'print("LOCKED", flush=True); import time; '
                                          'time.sleep(2)'))
    first = subprocess.Popen([sys.executable, str(script), str(build)], cwd=REPO,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert first.stdout.readline().strip() == "LOCKED"
        second = subprocess.run([sys.executable, str(script), str(build)], cwd=REPO,
                                capture_output=True, text=True, timeout=30)
    finally:
        first.wait(30)
    assert f"Ein anderer Build (Prozess {first.pid})" in second.stdout
    assert "warte" in second.stdout and "LOCKED" in second.stdout


# --------------------------------------------------------------------------- 4 messages
@pytest.mark.parametrize("value", ["-1", "1000000", "zwei"])
def test_bad_jobs_value_is_a_located_message(tmp_path, value):
    out = tmp_path / "out"
    done = report(out, "--jobs", value)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--jobs" in done.stderr and f"„{value}“" in done.stderr
    assert "Traceback" not in done.stderr and "Interner Fehler" not in done.stderr
    assert not out.exists()


def test_missing_config_is_a_located_message(tmp_path):
    out = tmp_path / "out"
    done = report(out, "--config", tmp_path / "fehlt.yaml")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "fehlt.yaml" in done.stderr and "nicht gefunden" in done.stderr
    assert "Interner Fehler" not in done.stderr and not out.exists()


@pytest.mark.parametrize("kind", ["file", "below a file"])
def test_output_folder_that_is_a_file(tmp_path, kind):
    target = tmp_path / "bericht.pdf"
    target.write_text("eine Datei")
    out = target if kind == "file" else target / "reports"
    done = report(out)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "bericht.pdf" in done.stderr and "ist eine Datei, kein Ordner" in done.stderr
    assert "Interner Fehler" not in done.stderr and "Traceback" not in done.stderr
    assert target.read_text() == "eine Datei"


def test_read_only_output_folder_is_a_located_message(tmp_path, monkeypatch):
    """As root, chmod does not stop writing; the check itself is what is tested."""
    from analysis.build import build
    from analysis.common.errors import UserError

    out = tmp_path / "out"
    out.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == out
                        else real_access(p, mode, **kw))
    with pytest.raises(UserError, match="nicht beschreibbar"):
        build.build_reports(DEMO, CONFIG, out, log=lambda m: None)
    assert list(out.iterdir()) == []


def test_make_passes_paths_with_spaces_and_quotes(tmp_path):
    data = tmp_path / "Daten 2021's"
    shutil.copytree(DEMO, data)
    done = subprocess.run(["make", "-s", "validate", f"DATA={data}"], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Daten in Ordnung" in done.stdout


def test_pyproj_warnings_do_not_show_the_environment_path(tmp_path, cli):
    data = tmp_path / "daten"
    shutil.copytree(DEMO, data)
    geo = data / "geometrie.geojson"
    raw = json.loads(geo.read_text(encoding="utf-8"))
    raw["crs"] = {"type": "name", "properties": {"name": "+init=epsg:25832"}}
    geo.write_text(json.dumps(raw), encoding="utf-8")
    code, stdout, stderr = cli("validate", data)
    assert code == 0, stderr
    assert "Warning" not in stderr and "site-packages" not in stderr and sys.prefix not in stderr


def test_two_builds_creating_the_build_folder_at_once(tmp_path, monkeypatch):
    """The loser of the race to create OUT/.build used to stop with "kann nicht angelegt"
    (seen in CI: two builds at once into a fresh folder). Now the folder is created with
    its marker in one step, and a lost race just uses the winner's folder."""
    from analysis.build import outdir

    out = tmp_path / "reports"
    first = outdir.prepare(out)  # the other build won
    real = outdir._lstat
    calls = []

    def stale(path):  # our check ran before the winner's rename
        calls.append(path)
        return None if path == first and len(calls) == 1 else real(path)

    monkeypatch.setattr(outdir, "_lstat", stale)
    assert outdir.prepare(out) == first
    assert calls and not list(out.glob(".build.*"))  # no temporary folder left behind
