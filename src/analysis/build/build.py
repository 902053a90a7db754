"""Build orchestration: run the chapters with papermill in parallel, assemble the two
reports and publish them atomically.

Layout under the output folder ``OUT`` (default ``reports/``)::

    OUT/sozialbericht      -> .current/sozialbericht     (symlinks, stable paths)
    OUT/handlungskonzept   -> .current/handlungskonzept
    OUT/.current           -> .versions/<build-id>       (swapped atomically)
    OUT/.build/            executed notebooks, stamps, cache, staging, lock

A build writes a complete new version into staging and only then swaps the
``.current`` link with one atomic rename, so readers always see either the
complete previous or the complete new reports. A failed chapter stops the build
before anything is published.

``OUT`` is not trusted: the build replaces or deletes only what it created there
(:mod:`analysis.build.outdir`), and uses what it kept in ``OUT/.build`` only after checking
that it wrote it (:mod:`analysis.common.trust`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from analysis.build.outdir import (
    SITES,
    build_lock,
    check_paths,
    check_published,
    current_version,
    prepare,
    publish,
    subdir,
    sweep_temporary,
)
from analysis.common import trust
from analysis.common.errors import ConfigError, UserError
from analysis.common.fmt import count_phrase
from analysis.common.interrupt import Stop, Terminated, deferred_signals, stop_pool, worker_signals

# jsonschema (imported by nbformat) loads the optional ``rfc3987_syntax`` when it is
# installed (it comes with JupyterLab); that module compiles a grammar at import time,
# 2,3 s of CPU per process. Notebook schemas use no IRI formats, so the build blocks
# the optional import (a ``None`` entry makes ``import`` raise ImportError).
sys.modules.setdefault("rfc3987_syntax", None)

REPO = Path(__file__).resolve().parents[3]
NOTEBOOKS = REPO / "notebooks"


def notebooks_dir() -> Path:
    """The chapter notebooks: ``$SOZIALPLANUNG_NOTEBOOKS`` or ``notebooks/``."""
    return Path(os.environ.get("SOZIALPLANUNG_NOTEBOOKS", NOTEBOOKS))


def max_jobs() -> int:
    """Most parallel chapter runs ``--jobs`` accepts: 4 per core, at most 64.

    Each parallel run costs a worker, its kernel server and a kernel, about 0,6 GiB
    together; an unbounded value started one for every chapter at once and ran the
    machine out of memory."""
    return min(64, 4 * max(os.cpu_count() or 1, 1))


@dataclass(frozen=True)
class ChapterRun:
    """One papermill run of a chapter notebook."""

    slug: str  # page file name, unique across both sites
    notebook: str  # file name in notebooks/
    title: str
    site: str  # "sozialbericht" or "handlungskonzept"
    params: dict = field(default_factory=dict)
    texts: str = ""  # digest of the chapter texts it shows (part of its stamp)
    kind: str = "notebook"  # "notebook" (papermill) or "steckbrief" (written by the package)
    parent: str = ""  # slug of the page it belongs to (a Steckbrief: its Kommunalprofil)


STECKBRIEF = "steckbrief"


def notebook_runs(runs: list[ChapterRun]) -> list[ChapterRun]:
    """The runs that execute a chapter notebook (not the Steckbriefe)."""
    return [r for r in runs if r.kind != STECKBRIEF]


class BuildError(UserError):
    """A chapter failed; nothing was published."""


class Executed(NamedTuple):
    """An executed chapter notebook and the SHA-256 of its bytes (checked when rendered)."""

    path: Path
    sha256: str


def parse_jobs(value: object) -> int:
    """``--jobs``: 0 (= cores + 1) or 1 … :func:`max_jobs`; anything else is a UserError."""
    text = str(value).strip()
    try:
        jobs = int(text)
    except ValueError:
        jobs = None
    if jobs is None or not 0 <= jobs <= max_jobs():
        raise UserError(f"Option --jobs: Wert „{text[:20]}“ – erlaubt sind 0 (automatisch: "
                        f"Prozessorkerne + 1) oder eine ganze Zahl von 1 bis {max_jobs()} "
                        "(4 je Prozessorkern). Nichts wurde veröffentlicht.")
    return jobs


def plan(ctx) -> list[ChapterRun]:
    """All chapter runs of both reports, in reading order."""
    from analysis.common.ids import area_pages, field_pages, natural_key, profile_pages
    from analysis.contract.config import (
        RECOMMENDATION_TEXT,
        REPORT_SENTENCE_TEXT,
        SENTENCE_TEXT,
    )
    from analysis.contract.schema import AGS, AREA
    from analysis.views.steckbrief import METHOD_PAGE

    cfg = ctx.cfg
    texts = ctx.text_digest
    runs = [ChapterRun("00_uebersicht", "00_uebersicht.ipynb", "Das Wichtigste in Kürze",
                       "sozialbericht", texts=texts(["sozialbericht.md", RECOMMENDATION_TEXT,
                                                     SENTENCE_TEXT, REPORT_SENTENCE_TEXT]))]
    field_slugs = field_pages(cfg.fields)
    for f in cfg.fields:  # one parameterised notebook, run once per field
        runs.append(ChapterRun(field_slugs[f], "20_handlungsfeld.ipynb",
                               cfg.handlungsfelder[f].titel, "sozialbericht", {"field": f},
                               texts=texts([cfg.field_text(f), REPORT_SENTENCE_TEXT])))
    if cfg.vergleichsjahr is not None:
        runs.append(ChapterRun("30_veraenderung", "30_veraenderung.ipynb",
                               f"Veränderung seit {cfg.vergleichsjahr}", "sozialbericht",
                               texts=texts([REPORT_SENTENCE_TEXT])))
    pages = profile_pages(ctx.ds.municipalities[AGS])
    sheets = area_pages(ctx.ds.areas[AREA])
    for _, m in ctx.ds.municipalities.iterrows():
        runs.append(ChapterRun(pages[m[AGS]], "40_kommunalprofil.ipynb",
                               f"Kommunalprofil {m['name']}", "sozialbericht",
                               {"kommune": m[AGS]}, texts=texts([REPORT_SENTENCE_TEXT])))
        # the Steckbriefe of its areas follow their Kommunalprofil (reading order)
        areas = ctx.ds.areas[ctx.ds.areas[AGS] == m[AGS]]
        for code, name in sorted(zip(areas[AREA], areas["name"], strict=True),
                                 key=lambda a: natural_key(a[0])):
            runs.append(ChapterRun(sheets[code], "", f"Steckbrief {code} {name}",
                                   "sozialbericht", {"sozialraum": code},
                                   kind=STECKBRIEF, parent=pages[m[AGS]],
                                   texts=texts([REPORT_SENTENCE_TEXT])))
    runs.append(ChapterRun(METHOD_PAGE, "90_methodik.ipynb", "Methodik und Daten",
                           "sozialbericht", texts=texts([REPORT_SENTENCE_TEXT])))
    runs.append(ChapterRun("50_empfehlungen", "50_empfehlungen.ipynb",
                           "Das Wichtigste und die Empfehlungen", "handlungskonzept",
                           texts=texts(["handlungskonzept.md", RECOMMENDATION_TEXT,
                                        SENTENCE_TEXT])))
    runs.append(ChapterRun("51_prioritaeten", "51_prioritaeten.ipynb",
                           "Kommunale Schwerpunkte, Austausch und Beteiligung",
                           "handlungskonzept", texts=texts(["prioritaeten.md",
                                                            RECOMMENDATION_TEXT,
                                                            SENTENCE_TEXT])))
    for f in cfg.fields:
        runs.append(ChapterRun(f"52_konzept_{f}", "52_konzept_handlungsfeld.ipynb",
                               cfg.handlungsfelder[f].titel, "handlungskonzept", {"field": f},
                               texts=texts([RECOMMENDATION_TEXT, SENTENCE_TEXT])))
    runs.append(ChapterRun("53_wirkung", "53_wirkung.ipynb", "Wirkungskreisläufe",
                           "handlungskonzept"))
    runs.append(ChapterRun("54_interkommunal", "54_interkommunal.ipynb",
                           "Interkommunale Ansätze", "handlungskonzept"))
    runs.append(ChapterRun("55_arbeitspakete", "55_arbeitspakete.ipynb",
                           "Auftrag und Arbeitspakete", "handlungskonzept",
                           texts=texts(["arbeitspakete.md", RECOMMENDATION_TEXT,
                                        SENTENCE_TEXT])))
    runs.append(ChapterRun("59_methode", "59_methode.ipynb", "Methodische Hinweise",
                           "handlungskonzept", texts=texts([SENTENCE_TEXT])))
    return runs


def check_parameters(runs: list[ChapterRun], params: dict) -> None:
    """Every parameter the build passes must exist in the notebook's ``parameters`` cell.

    Papermill would inject an unknown name silently and the chapter would run with its
    demo default (e.g. the wrong Kommune); this stops the build with a clear message.
    """
    import ast

    import nbformat

    problems = []
    runs = notebook_runs(runs)
    for notebook in sorted({r.notebook for r in runs}):
        path = notebooks_dir() / notebook
        if not path.is_file():
            problems.append(f"{notebook}: Notebook fehlt im Ordner notebooks/")
            continue
        nb = nbformat.read(path, as_version=4)
        cell = next((c for c in nb.cells if c.cell_type == "code"
                     and "parameters" in c.metadata.get("tags", [])), None)
        if cell is None:
            problems.append(f"{notebook}: keine Zelle mit dem Tag „parameters“ – die erste "
                            "Code-Zelle mit den Parametern so markieren")
            continue
        names = {t.id for node in ast.parse(cell.source).body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)}
        wanted = set(params) | {k for r in runs if r.notebook == notebook for k in r.params}
        for name in sorted(wanted - names):
            problems.append(f"{notebook}: Parameter „{name}“ fehlt in der parameters-Zelle "
                            f"(vorhanden: {', '.join(sorted(names)) or 'keine'}) – "
                            f"„{name} = …“ mit einem Beispielwert ergänzen")
    if problems:
        raise BuildError("Kapitel-Notebooks passen nicht zum Build; nichts wurde "
                         "veröffentlicht:\n" + "\n".join("  - " + p for p in problems))


def check_publishable(ctx, config_file: Path) -> None:
    """A report on real data needs a contact for its accessibility statement (BITV NRW)
    and a secret key for disclosure control."""
    if ctx.ds.is_demo:
        return
    if not ctx.cfg.geheimhaltung.schluessel:
        raise BuildError(
            f"Konfiguration {Path(config_file).name}: geheimhaltung.schluessel fehlt. Mit "
            "diesem geheimen Schlüssel wählt die Geheimhaltung die sekundär gesperrten "
            "Werte so, dass Leser, die die Regeln kennen, nicht erkennen, welche Werte klein "
            "sind. Bitte einen langen Zufallstext eintragen (z. B. Ausgabe von "
            "python3 -c 'import secrets; print(secrets.token_hex(16))'), ihn für jede "
            "Ausgabe beibehalten und nicht veröffentlichen. Nichts wurde veröffentlicht.")
    if ctx.cfg.herausgeber.has_contact:
        return
    raise BuildError(
        f"Konfiguration {Path(config_file).name}: herausgeber.email oder herausgeber.anschrift "
        "fehlt. Die Erklärung zur Barrierefreiheit muss eine Kontaktmöglichkeit nennen "
        "(BITV NRW); bitte im Abschnitt „herausgeber:“ E-Mail-Adresse und/oder Anschrift "
        "eintragen. Nichts wurde veröffentlicht.")


# --------------------------------------------------------------------------- running
def _execute(nb_in: str, nb_out: str, params: dict, cache: str) -> tuple[float, str | None]:
    """Run one notebook (in a worker process); return (seconds, error text or None)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    os.environ["SOZIALPLANUNG_CACHE"] = cache
    os.environ.setdefault("MPLBACKEND", "Agg")
    # the kernel's own start-up warnings go to a log, not to the user's terminal
    log = os.open(str(Path(cache).parent / "kernel.log"),
                  os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    os.dup2(log, 2)
    from analysis.build import kernels

    # chapters run in fresh kernels forked from a pre-loaded server (see analysis.build.kernels)
    extra = {"kernel_manager_class": kernels.PreloadedKernelManager} if kernels.enabled() else {}
    t0 = time.perf_counter()
    try:
        for attempt in range(3):
            try:
                pm.execute_notebook(nb_in, nb_out, parameters=params, cwd=str(Path(nb_in).parent),
                                    kernel_name="python3", progress_bar=False, log_output=False,
                                    report_mode=False, request_save_on_cell_execute=False, **extra)
            except PapermillExecutionError as err:
                return time.perf_counter() - t0, (f"Zelle {err.exec_count or err.cell_index}: "
                                                  f"{err.ename}: {err.evalue}")
            except Exception as err:  # kernel died, missing notebook, bad parameter …
                # a kernel that dies while starting (e.g. a port taken by a parallel start)
                # is an infrastructure hiccup, not a chapter error: try again
                if "Kernel died" in str(err) and attempt < 2:
                    time.sleep(0.5 + attempt)
                    continue
                return time.perf_counter() - t0, f"{type(err).__name__}: {err}"
            return time.perf_counter() - t0, None
        return time.perf_counter() - t0, "Kernel konnte nicht gestartet werden"
    finally:
        kernels.stop_orphans()  # only after an interruption is one left


def _stamp(run: ChapterRun, inputs_key: str) -> str:
    # a Steckbrief is written by the package: data, configuration and package (all in
    # inputs_key) and its area decide its content
    nb = (STECKBRIEF.encode() if run.kind == STECKBRIEF
          else (notebooks_dir() / run.notebook).read_bytes())
    raw = (json.dumps(run.params, sort_keys=True).encode() + nb + inputs_key.encode()
           + run.texts.encode())
    return hashlib.sha256(raw).hexdigest()[:16]


def _seconds(x: float) -> str:
    return f"{x:.1f} s".replace(".", ",")


def _stamp_name(run: ChapterRun, stamp: str) -> str:
    return f"executed/{run.slug}/{stamp}"


def _up_to_date(run: ChapterRun, out: Path, stamp: str, stamp_file: Path) -> Executed | None:
    """The executed notebook if its sealed stamp matches its inputs and its bytes."""
    want = trust.read_sealed(stamp_file, _stamp_name(run, stamp))
    data = trust.read_regular(out) if want is not None else None
    if data is None or trust.sha256(data).encode() != want:
        return None
    return Executed(out, want.decode())


def _lookup(run: ChapterRun, exec_dir: Path, inputs_key: str, force: bool
            ) -> tuple[Path, str, Path, Executed | None]:
    """A run's executed notebook, its stamp and stamp file, and the notebook itself if it
    can be reused (never with ``force``)."""
    out = exec_dir / f"{run.slug}.ipynb"
    stamp = _stamp(run, inputs_key)
    stamp_file = exec_dir / f"{run.slug}.stamp"
    return out, stamp, stamp_file, None if force else _up_to_date(run, out, stamp, stamp_file)


def _store(run: ChapterRun, out: Path, stamp: str, stamp_file: Path, data: bytes) -> Executed:
    """Write an executed notebook and its sealed stamp."""
    digest = trust.sha256(data)
    trust.write_atomic(out, data)
    trust.write_sealed(stamp_file, _stamp_name(run, stamp), digest.encode())
    return Executed(out, digest)


def run_chapters(runs: list[ChapterRun], params: dict, build_dir: Path, inputs_key: str,
                 jobs: int, force: bool, log=print, stop: Stop | None = None,
                 on_started=None) -> dict[str, Executed]:
    """Execute every chapter whose inputs changed; return slug → executed notebook.

    A chapter is reused only when its stamp carries a valid tag of the build key for
    the same inputs and the digest of exactly the notebook that lies there (see
    :mod:`analysis.common.trust`); anything else in ``.build/executed`` is run again.
    With ``stop`` (see :mod:`analysis.common.interrupt`) a requested Ctrl-C/SIGTERM ends the
    run between two checks: running chapters are stopped, no further one starts.
    ``on_started`` is called once every chapter has been handed to the workers (their
    processes exist then), so that other work of this process can overlap with them."""
    exec_dir = subdir(build_dir, "executed")
    todo, done = [], {}
    for r in runs:
        out, stamp, stamp_file, hit = _lookup(r, exec_dir, inputs_key, force)
        if hit is not None:
            done[r.slug] = hit
        else:
            todo.append((r, out, stamp, stamp_file))
    if not todo:
        log(f"Alle {len(runs)} Kapitel sind aktuell.")
        return done
    log(f"{len(todo)} von {len(runs)} Kapitelläufen werden ausgeführt "
        f"({jobs} parallel) …")
    failures = []
    # papermill writes into a private folder, never through a name in OUT
    private = Path(tempfile.mkdtemp(prefix="sozialplanung-run-"))
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=worker_signals)
    try:
        futures = {}
        for r, out, stamp, stamp_file in todo:
            tmp_out = private / f"{r.slug}.ipynb"
            fut = pool.submit(_execute, str(notebooks_dir() / r.notebook), str(tmp_out),
                              {**params, **r.params}, str(build_dir / "cache"))
            futures[fut] = (r, out, tmp_out, stamp, stamp_file)
        if on_started is not None:
            # with "fork" the pool starts all its workers at the first submit and none
            # later, so no fork happens after this point while another thread runs
            on_started()
        pending = set(futures)
        finished = 0
        while pending:
            if stop is not None:
                stop.check()
            complete, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in complete:
                r, out, tmp_out, stamp, stamp_file = futures[fut]
                secs, error = fut.result()
                finished += 1
                if error:
                    failures.append(f"Kapitel „{r.title}“ ({r.notebook}, {r.slug}): {error}")
                    log(f"[{finished:>2}/{len(todo)}] FEHLER {r.slug} ({_seconds(secs)})")
                    continue
                done[r.slug] = _store(r, out, stamp, stamp_file, tmp_out.read_bytes())
                log(f"[{finished:>2}/{len(todo)}] {r.slug} ({_seconds(secs)})")
    except BaseException:
        # Ctrl-C, SIGTERM or an error here: start no further chapter and end the running
        # ones (SIGTERM ends a worker at once; its kernel notices that its parent is gone
        # and exits)
        stop_pool(pool)
        raise
    finally:
        shutil.rmtree(private, ignore_errors=True)
    pool.shutdown()
    if failures:
        raise BuildError("Der Bericht wurde NICHT veröffentlicht; der vorige Stand bleibt "
                         "erhalten.\n" + "\n".join("  - " + f for f in failures))
    return done


def write_steckbriefe(ctx, runs: list[ChapterRun], build_dir: Path, inputs_key: str,
                      force: bool = False, log=print, stop=None) -> dict[str, Executed]:
    """Write the Steckbrief of every area as an executed notebook (no kernel: the package
    renders the views, :func:`analysis.views.steckbrief.steckbrief_notebook`), kept in
    ``.build/executed`` under a sealed stamp like every chapter and reused while data,
    configuration and package are unchanged. Return slug → executed notebook."""
    from analysis.views.report import Report
    from analysis.views.steckbrief import steckbrief_notebook

    exec_dir = subdir(build_dir, "executed")
    sheets = [r for r in runs if r.kind == STECKBRIEF]
    done: dict[str, Executed] = {}
    report = None
    fresh = 0
    t0 = time.perf_counter()
    for r in sheets:
        out, stamp, stamp_file, hit = _lookup(r, exec_dir, inputs_key, force)
        if hit is not None:
            done[r.slug] = hit
            continue
        if stop is not None:
            stop.check()
        report = report or Report(ctx)
        data = steckbrief_notebook(report.steckbrief(r.params["sozialraum"]))
        done[r.slug] = _store(r, out, stamp, stamp_file, data)
        fresh += 1
    if fresh:
        log(f"Steckbriefe geschrieben ({count_phrase(fresh, 'Sozialraum', 'Sozialräume')}, "
            f"{_seconds(time.perf_counter() - t0)}).")
    return done


def _while_kernels_run(ctx, runs: list[ChapterRun], build_dir: Path, inputs_key: str,
                       force: bool, log, cache: Path | None, stop=None):
    """The build's own work during the chapter runs: the Steckbriefe (slug → executed
    notebook) and the download files (:func:`analysis.build.publish_site.site_downloads`)."""
    from analysis.build.publish_site import site_downloads

    sheets = write_steckbriefe(ctx, runs, build_dir, inputs_key, force, log, stop)
    if stop is not None:
        stop.check()
    return sheets, site_downloads(ctx, cache)


class _Background:
    """``fn(*args, stop=…)`` run in a thread once :meth:`start` is called (or in the
    caller's thread by :meth:`result` if it never was).

    The thread is started only after the chapter workers have been forked (forking
    while another thread runs is unsafe). ``fn`` calls ``stop.check()`` between units
    of work: it raises on Ctrl-C/SIGTERM (the build's ``stop``) and after
    :meth:`cancel` (the main thread failed)."""

    def __init__(self, fn, stop: Stop | None, *args) -> None:
        import threading

        self._fn, self._args, self._stop = fn, args, stop
        self._cancelled = threading.Event()
        self._thread: threading.Thread | None = None
        self._value: object = None
        self._error: BaseException | None = None

    def check(self) -> None:
        if self._stop is not None:
            self._stop.check()
        if self._cancelled.is_set():
            raise KeyboardInterrupt

    def _run(self) -> None:
        try:
            self._value = self._fn(*self._args, stop=self)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            self._error = err

    def start(self) -> None:
        import threading

        self._thread = threading.Thread(target=self._run, name="steckbriefe", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop the thread at its next check and wait for it; its outcome is dropped."""
        self._cancelled.set()
        if self._thread is not None:
            self._thread.join()

    def result(self):
        if self._thread is None:
            self._run()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def build_reports(data_dir: Path, config_file: Path, out: Path, jobs: int = 0,
                  force: bool = False, log=print, pdf: bool = False) -> int:
    """Validate, run the chapters, assemble and publish both reports (with ``pdf`` also
    their PDF editions; without it a PDF edition is kept while its pages are unchanged)."""
    from analysis.method.context import _key, load_context, package_hash

    t0 = time.perf_counter()
    data_dir, config_file, out = Path(data_dir), Path(config_file), Path(out)
    # one more worker than cores: kernels spend part of their start-up waiting, not computing
    jobs = parse_jobs(jobs) or (os.cpu_count() or 1) + 1
    if not config_file.is_file():
        raise ConfigError(f"Konfigurationsdatei {config_file}: nicht gefunden oder keine Datei "
                          "– Pfad prüfen (--config, bei make CONFIG=…; Standard: "
                          "config/report.yaml). Nichts wurde veröffentlicht.")
    # nothing is created in OUT before it is known that nothing there is in the way
    check_paths(out, data_dir, config_file)
    check_published(out)
    build_dir = prepare(out)
    os.environ["SOZIALPLANUNG_CACHE"] = str(subdir(build_dir, "cache").resolve())
    os.environ.update(trust.key_for_children())  # kernels check the cache with it
    staging: Path | None = None
    try:
        with deferred_signals() as stop, build_lock(build_dir, log, stop):
            sweep_temporary(build_dir)
            check_published(out)  # again: another build may have run while this one waited
            key = _key(data_dir, config_file)
            ctx = load_context(data_dir, config_file)
            stop.check()
            log(f"Daten geprüft: {len(ctx.ds.areas)} Sozialräume, "
                f"{count_phrase(len(ctx.ds.municipalities), 'Kommune', 'Kommunen')}, "
                f"Berichtsjahr {ctx.cfg.berichtsjahr}"
                f"{' (synthetische Demodaten)' if ctx.ds.is_demo else ''}.")
            check_publishable(ctx, config_file)
            runs = plan(ctx)
            params = {"data_dir": str(data_dir.resolve()),
                      "config_file": str(config_file.resolve())}
            check_parameters(runs, params)
            inputs_key = f"{key}|{package_hash()}"
            stamps = "|".join(_stamp(r, inputs_key) for r in runs)
            build_id = hashlib.sha256((stamps + ("|pdf" if pdf else "")).encode()
                                      ).hexdigest()[:16]
            # a version built with its PDF editions also serves a build without --pdf
            with_pdf = hashlib.sha256((stamps + "|pdf").encode()).hexdigest()[:16]
            check_published(out, build_id)
            if not force and current_version(out) in (build_id, with_pdf) and \
                    all((out / s / "index.html").exists() for s in SITES):
                log(f"Berichte sind aktuell (Build {current_version(out)}); nichts zu tun "
                    f"({_seconds(time.perf_counter() - t0)}).")
                return 0
            # the Steckbriefe and the download files are made in this process while the
            # chapter kernels run (the main thread only waits for them); a Ctrl-C stops
            # both at the next area
            pages_cache = None if force else subdir(build_dir, "pages-cache")
            sheets = _Background(_while_kernels_run, stop, ctx, runs, build_dir, inputs_key,
                                 force, log, pages_cache)
            try:
                executed = run_chapters(notebook_runs(runs), params, build_dir, inputs_key,
                                        jobs, force, log, stop, on_started=sheets.start)
            except BaseException:
                sheets.cancel()
                raise
            steckbriefe, downloads = sheets.result()
            executed.update(steckbriefe)
            from analysis.build.publish_site import write_sites

            staging = build_dir / f"staging-{os.urandom(6).hex()}"
            staging.mkdir()  # a fresh name; fails rather than reuse anything
            log("Seiten werden zusammengesetzt und geprüft …")
            write_sites(ctx, runs, executed, staging, build_id, jobs=jobs,
                        cache=pages_cache, pdf=pdf, stop=stop, log=log, downloads=downloads)
            stop.check()  # last safe point: after it the new version is published
            publish(staging, out, build_id)
    except Terminated:
        log("Build abgebrochen (SIGTERM); der vorige Bericht bleibt unverändert.")
        return 143
    except KeyboardInterrupt:
        log("Build abgebrochen; der vorige Bericht bleibt unverändert.")
        return 130
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    log(f"Fertig in {_seconds(time.perf_counter() - t0)}: {out / 'sozialbericht' / 'index.html'}"
        f" und {out / 'handlungskonzept' / 'index.html'}")
    sys.stdout.flush()
    return 0
