"""The output folder ``OUT``: what the build may create, replace and delete there.

``OUT`` may hold other things (it may be a shared publishing folder, or a folder the
user chose by mistake). The build only ever replaces or deletes what it created itself:

* the links ``OUT/sozialbericht`` → ``.current/sozialbericht``,
  ``OUT/handlungskonzept`` → ``.current/handlungskonzept`` and
  ``OUT/.current`` → ``.versions/<build-id>``, recognised by their exact targets;
* the folders ``OUT/.versions``, ``OUT/.versions/<build-id>`` and ``OUT/.build``,
  recognised by a marker file (:data:`MARKER`) the build puts into each. Folders of
  the earlier layout without marker are taken over only when they have exactly the
  shape the build gave them (nothing else inside).

Anything else with one of these names stops the build before a chapter runs, with a
German message naming it. Data or configuration inside ``OUT``'s managed entries, or
``OUT`` inside the data folder, is refused as well. The build lock
(``OUT/.build/lock``) records its holder; a lock whose holder is dead is taken over.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from analysis.common.errors import UserError
from analysis.common.interrupt import Stop, private_fd
from analysis.common.trust import TMP_SUFFIX, write_atomic

SITES = ("sozialbericht", "handlungskonzept")
MARKER = ".sozialplanung-build"
MARKER_TEXT = ("Angelegt von sozialplanung (python -m analysis report). Der Build ersetzt "
               "und löscht nur Ordner mit dieser Datei.\n")
BUILD_DIR = ".build"
VERSIONS = ".versions"
CURRENT = ".current"
#: what the build of the earlier layout (without marker files) kept in OUT/.build
LEGACY_BUILD_ENTRIES = ("executed", "cache", "pages-cache", "lock", "kernel.log")
_ID_RE = re.compile(r"^[0-9a-f]{16}$")
_CURRENT_RE = re.compile(r"^\.versions/[0-9a-f]{16}$")
_FIX = ("verschieben oder umbenennen, oder einen anderen Ausgabeordner wählen "
        "(--output, bei make OUT=…)")


class OutputError(UserError):
    """The output folder cannot be used as it is; nothing was published or deleted."""


# --------------------------------------------------------------------------- recognising
def _lstat(path: Path) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None


def _kind(path: Path) -> str:
    st = _lstat(path)
    if st is None:
        return "fehlt"
    if stat.S_ISLNK(st.st_mode):
        return f"ein Verweis auf „{os.readlink(path)}“"
    return "ein Ordner" if stat.S_ISDIR(st.st_mode) else "eine Datei"


def _is_dir(path: Path) -> bool:
    st = _lstat(path)
    return st is not None and stat.S_ISDIR(st.st_mode)


def _link_to(path: Path, target: str | re.Pattern) -> bool:
    st = _lstat(path)
    if st is None or not stat.S_ISLNK(st.st_mode):
        return False
    dest = os.readlink(path)
    return bool(target.match(dest)) if isinstance(target, re.Pattern) else dest == target


def _marked(path: Path) -> bool:
    """A real folder (not a link) with the build's marker file in it."""
    st = _lstat(path / MARKER)
    return _is_dir(path) and st is not None and stat.S_ISREG(st.st_mode)


def _legacy_version(path: Path) -> bool:
    """A version folder of the earlier layout: ``<16 hex>/`` with only the two sites."""
    if not (_ID_RE.match(path.name) and _is_dir(path)):
        return False
    entries = list(path.iterdir())
    return bool(entries) and all(p.name in SITES and _is_dir(p) for p in entries)


def _own_version(path: Path) -> bool:
    return bool(_ID_RE.match(path.name)) and (_marked(path) or _legacy_version(path))


def _own_versions_dir(path: Path) -> bool:
    if _marked(path):
        return True
    return _is_dir(path) and all(_legacy_version(p) for p in path.iterdir())


def _own_build_dir(path: Path) -> bool:
    if not _is_dir(path):
        return False
    if _marked(path):
        return True
    # the earlier build created its lock file first, and nothing but these names
    names = [p.name for p in path.iterdir()]
    return "lock" in names and all(n in LEGACY_BUILD_ENTRIES or n.startswith("staging-")
                                   for n in names)


# --------------------------------------------------------------------------- checks
def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_paths(out: Path, data_dir: Path, config_file: Path) -> None:
    """Refuse an output folder that is a file, the data folder or holds the inputs."""
    out, data_dir = Path(out), Path(data_dir)
    st = None
    with contextlib.suppress(OSError):
        st = out.stat()
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"Ausgabeordner {out}: ist eine Datei, kein Ordner – einen Ordner "
                          "angeben (--output, bei make OUT=…). Nichts wurde veröffentlicht.")
    for parent in out.absolute().parents:
        with contextlib.suppress(OSError):
            if not parent.is_dir() and parent.exists():
                raise OutputError(f"Ausgabeordner {out}: „{parent}“ ist eine Datei, kein "
                                  "Ordner – einen anderen Ausgabeordner angeben (--output, "
                                  "bei make OUT=…). Nichts wurde veröffentlicht.")
    out_r, data_r = out.resolve(), data_dir.resolve()
    if _inside(out_r, data_r):
        same = out_r == data_r
        raise OutputError(
            f"Ausgabeordner {out}: {'ist der Datenordner' if same else 'liegt im Datenordner'}"
            f" {data_dir} – Berichte nie in den Datenordner schreiben; einen eigenen "
            "Ausgabeordner angeben (--output, bei make OUT=…, z. B. reports). "
            "Nichts wurde veröffentlicht.")
    managed = [out_r / name for name in (BUILD_DIR, VERSIONS, CURRENT, *SITES)]
    for what, path in (("Datenordner", data_r), ("Konfiguration", Path(config_file).resolve())):
        for m in managed:
            if _inside(path, m):
                raise OutputError(
                    f"{what} {path.name}: liegt im Ausgabeordner unter {m.name}/, den der "
                    "Build verwaltet und ersetzt – Daten und Konfiguration außerhalb von "
                    f"{out} ablegen. Nichts wurde veröffentlicht.")


def check_published(out: Path, build_id: str | None = None) -> None:
    """Everything the build would replace or delete in ``out`` must be its own."""
    problems = []
    for site in SITES:
        p = out / site
        if _lstat(p) is not None and not _link_to(p, f"{CURRENT}/{site}"):
            problems.append(f"{p} ist {_kind(p)}")
    cur = out / CURRENT
    if _lstat(cur) is not None and not _link_to(cur, _CURRENT_RE):
        problems.append(f"{cur} ist {_kind(cur)}")
    versions = out / VERSIONS
    if _lstat(versions) is not None:
        if not _own_versions_dir(versions):
            problems.append(f"{versions} ist {_kind(versions)} ohne Kennzeichnungsdatei "
                            f"{MARKER}")
        elif build_id and _lstat(versions / build_id) is not None \
                and not _own_version(versions / build_id):
            problems.append(f"{versions / build_id} ist {_kind(versions / build_id)} ohne "
                            f"Kennzeichnungsdatei {MARKER}")
    if problems:
        raise OutputError(
            f"Ausgabeordner {out}: enthält Einträge, die der Build nicht angelegt hat und "
            "darum weder ersetzt noch löscht:\n" + "\n".join("  - " + p for p in problems)
            + f"\nBitte diese Einträge {_FIX}. Nichts wurde veröffentlicht oder gelöscht.")


def prepare(out: Path) -> Path:
    """Create ``out`` and its build folder ``out/.build`` (private, marked); return it."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"Ausgabeordner {out}: kann nicht angelegt werden "
                          f"({err.strerror or type(err).__name__}) – Schreibrechte prüfen "
                          "oder einen anderen Ausgabeordner angeben (--output, bei make "
                          "OUT=…). Nichts wurde veröffentlicht.") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"Ausgabeordner {out}: nicht beschreibbar – Schreibrechte prüfen "
                          "oder einen anderen Ausgabeordner angeben (--output, bei make "
                          "OUT=…). Nichts wurde veröffentlicht.")
    build = out / BUILD_DIR
    try:
        if _lstat(build) is None:
            _create_marked(build)  # atomic: a parallel build sees it complete or not at all
        if not _own_build_dir(build):
            raise OutputError(
                f"Ausgabeordner {out}: {build} ist {_kind(build)}, den der Build nicht "
                f"angelegt hat (Kennzeichnungsdatei {MARKER} fehlt) – {_FIX}. Nichts wurde "
                "veröffentlicht oder gelöscht.")
        else:
            st = os.lstat(build)
            if st.st_uid != os.getuid():
                raise OutputError(
                    f"Ausgabeordner {out}: der Build-Zwischenstand {build} gehört einem "
                    "anderen Benutzer – den Build als dieser Benutzer ausführen, einen eigenen "
                    "Ausgabeordner verwenden und von dort kopieren, oder den Ordner .build "
                    "löschen lassen. Nichts wurde veröffentlicht.")
            if st.st_mode & 0o077:
                os.chmod(build, 0o700)  # nobody else can swap entries during a build
            if not _marked(build):
                write_atomic(build / MARKER, MARKER_TEXT.encode())
    except OSError as err:
        raise OutputError(f"Ausgabeordner {out}: {build} kann nicht angelegt oder "
                          f"beschrieben werden ({err.strerror or type(err).__name__}) – "
                          "Schreibrechte prüfen. Nichts wurde veröffentlicht.") from None
    return build


def _create_marked(build: Path) -> None:
    """Create ``build`` with its marker in one step: a marked folder under a private
    temporary name, renamed into place. If a parallel build was first, its folder stays
    and ours is removed (both are this build's own)."""
    tmp = build.with_name(f"{build.name}.{os.getpid()}{TMP_SUFFIX}")
    os.mkdir(tmp, 0o700)
    try:
        write_atomic(tmp / MARKER, MARKER_TEXT.encode())
        os.rename(tmp, build)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp / MARKER)
        with contextlib.suppress(OSError):
            os.rmdir(tmp)
        if _lstat(build) is None:  # not a lost race: a real problem
            raise err from None


def subdir(parent: Path, name: str) -> Path:
    """``parent/name`` as a real folder of this user (created if missing)."""
    path = parent / name
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        raise OutputError(f"{path} ist {_kind(path)}, nicht der Ordner, den der Build hier "
                          f"anlegt – {path.parent} löschen, der Build legt ihn neu an. "
                          "Nichts wurde veröffentlicht.")
    return path


def sweep_temporary(build: Path) -> None:
    """Remove temporary files a killed build left behind (only the build's own names)."""
    for root, _dirs, files in os.walk(build, followlinks=False):
        for name in files:
            if name.startswith(".") and name.endswith(TMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(root, name))


# --------------------------------------------------------------------------- lock
def _proc_info(pid: int) -> tuple[str, str] | None:
    """(state, start time) of a process from /proc, or ``None`` if unknown."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()
    return fields[0], fields[19]


def _holder_alive(text: str) -> tuple[int | None, bool]:
    """(pid, alive?) from the lock file contents ``"<pid> <start time>"``."""
    parts = text.split()
    if not parts or not parts[0].isdigit():
        return None, True  # not written yet: assume a live holder
    pid = int(parts[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return pid, False
    except PermissionError:
        return pid, True
    info = _proc_info(pid)
    if info is None:
        return pid, True
    state, start = info
    if state in ("Z", "X") or (len(parts) > 1 and parts[1] != start):
        return pid, False  # a zombie, or the pid was reused by another process
    return pid, True


def _read_fd(fd: int) -> str:
    with contextlib.suppress(OSError):
        return os.pread(fd, 100, 0).decode("ascii", "replace")
    return ""


def _break_stale(build: Path, path: Path, fd: int) -> bool:
    """Remove the lock file ``fd`` refers to if its holder is dead (under a folder lock)."""
    dfd = os.open(build, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(dfd, fcntl.LOCK_EX)
        st, mine = _lstat(path), os.fstat(fd)
        if st is None or (st.st_ino, st.st_dev) != (mine.st_ino, mine.st_dev):
            return True  # already replaced by another waiting build: try again
        _, alive = _holder_alive(_read_fd(fd))
        if alive:
            return False
        os.unlink(path)  # the dead holder's workers may still hold the old file
        return True
    finally:
        os.close(dfd)


@contextlib.contextmanager
def build_lock(build: Path, log: Callable[[str], object] = print,
               stop: Stop | None = None) -> Iterator[None]:
    """Serialise builds into the same output folder (a second build waits).

    The lock file holds the holder's pid and start time. A waiting build that finds the
    holder dead (killed with ``kill -9``, its orphaned helpers still holding the file)
    takes the lock over. The descriptor is closed in every worker process the build
    starts, so only the build itself holds it."""
    path = build / "lock"
    announced = None
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as err:
            raise OutputError(f"Sperrdatei {path}: kann nicht geöffnet werden "
                              f"({err.strerror or type(err).__name__}; ein Verweis wird nicht "
                              "verfolgt) – die Datei löschen, der Build legt sie neu an. "
                              "Nichts wurde veröffentlicht.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, alive = _holder_alive(_read_fd(fd))
            if not alive:
                log(f"Die Sperre {path} gehört dem beendeten Prozess {pid} (abgebrochener "
                    "Build) – sie wird übernommen.")
                if _break_stale(build, path, fd):
                    os.close(fd)
                    continue
            os.close(fd)
            if announced != pid:
                who = f" (Prozess {pid})" if pid else ""
                log(f"Ein anderer Build{who} schreibt in diesen Ausgabeordner – warte …")
                announced = pid
            if stop is not None:
                stop.check()
            time.sleep(0.2)
            continue
        st, mine = _lstat(path), os.fstat(fd)
        if st is None or (st.st_ino, st.st_dev) != (mine.st_ino, mine.st_dev):
            os.close(fd)  # a stale lock file was replaced meanwhile: lock the new one
            continue
        break
    try:
        info = _proc_info(os.getpid())
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {info[1] if info else ''}\n".encode(), 0)
        with private_fd(fd):
            yield
    finally:
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# --------------------------------------------------------------------------- publishing
def current_version(out: Path) -> str | None:
    link = out / CURRENT
    if _link_to(link, _CURRENT_RE):
        return Path(os.readlink(link)).name
    return None


def mark(folder: Path) -> None:
    write_atomic(folder / MARKER, MARKER_TEXT.encode())


def publish(staging: Path, out: Path, build_id: str) -> None:
    """Move a complete staged version into place and swap ``.current`` atomically."""
    check_published(out, build_id)
    versions = out / VERSIONS
    if _lstat(versions) is None:
        os.mkdir(versions)
    if not _marked(versions):
        mark(versions)
    target = versions / build_id
    if _lstat(target) is not None:  # checked above: a version this build made
        shutil.rmtree(target)
    mark(staging)
    os.replace(staging, target)
    while True:
        tmp_link = out / f"{CURRENT}.{secrets.token_hex(6)}{TMP_SUFFIX}"
        try:
            os.symlink(Path(VERSIONS) / build_id, tmp_link)
            break
        except FileExistsError:
            continue
    os.replace(tmp_link, out / CURRENT)  # the atomic step
    for site in SITES:
        if _lstat(out / site) is None:
            os.symlink(Path(CURRENT) / site, out / site)
    for old in versions.iterdir():
        if old.name != build_id and _own_version(old):
            shutil.rmtree(old, ignore_errors=True)


def clean(out: Path) -> tuple[list[str], list[str]]:
    """Remove what the build created in ``out``; return (removed, kept) names."""
    out = Path(out)
    removed, kept = [], []

    def note(ok: bool, path: Path) -> None:
        (removed if ok else kept).append(str(path))

    for site in SITES:
        p = out / site
        if _lstat(p) is not None:
            ok = _link_to(p, f"{CURRENT}/{site}")
            if ok:
                p.unlink()
            note(ok, p)
    cur = out / CURRENT
    if _lstat(cur) is not None:
        ok = _link_to(cur, _CURRENT_RE)
        if ok:
            cur.unlink()
        note(ok, cur)
    if _is_dir(out):
        for p in out.iterdir():
            if p.name.startswith(CURRENT + ".") and p.name.endswith(TMP_SUFFIX) and p.is_symlink():
                p.unlink()
    versions = out / VERSIONS
    if _lstat(versions) is not None:
        if _own_versions_dir(versions):
            for v in versions.iterdir():
                if v.name == MARKER:
                    continue
                ok = _own_version(v)
                if ok:
                    shutil.rmtree(v)
                note(ok, v)
            with contextlib.suppress(FileNotFoundError):
                (versions / MARKER).unlink()
            with contextlib.suppress(OSError):
                versions.rmdir()
            if not _lstat(versions):
                removed.append(str(versions))
        else:
            kept.append(str(versions))
    build = out / BUILD_DIR
    if _lstat(build) is not None:
        ok = _own_build_dir(build) and os.lstat(build).st_uid == os.getuid()
        if ok:
            shutil.rmtree(build)
        note(ok, build)
    return removed, kept
