"""Stopping a build cleanly on Ctrl-C (SIGINT) or SIGTERM.

Python delivers a signal by raising an exception wherever the main thread happens to
be. Inside :mod:`concurrent.futures` that can be half-way through taking a lock, which
is then never released and the process hangs at exit. The build therefore *defers*
both signals: a handler only records them, and the build checks at safe points
(between chapters, between phases) and stops there. Worker processes do not handle the
signals themselves: SIGINT is ignored (the build stops them) and SIGTERM ends them at
once, as a process without a handler would.

Worker processes also die with the build: on Linux the kernel sends them SIGKILL when
the build process ends, however it ends (``kill -9`` included), and they close the
descriptors the build keeps private (its lock), so that an orphaned worker can never
hold the lock of a build that is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterator

PR_SET_PDEATHSIG = 1

#: descriptors of the build process that worker processes must not keep open
_private_fds: set[int] = set()
_build_pid: int | None = None
#: the process that imported this module: the build, which forks the workers
_import_pid = os.getpid()


class Terminated(Exception):
    """The build received SIGTERM."""


class Stop:
    """Records a deferred SIGINT/SIGTERM; :meth:`check` raises it at a safe point."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def _record(self, signum: int, frame) -> None:  # signal handler
        if self.signum is None:
            self.signum = signum

    @property
    def requested(self) -> bool:
        return self.signum is not None

    def check(self) -> None:
        """Raise :class:`KeyboardInterrupt` (SIGINT) or :class:`Terminated` (SIGTERM)."""
        if self.signum == signal.SIGINT:
            raise KeyboardInterrupt
        if self.signum is not None:
            raise Terminated


@contextlib.contextmanager
def deferred_signals() -> Iterator[Stop]:
    """Within the block SIGINT and SIGTERM are recorded on the yielded :class:`Stop`."""
    stop = Stop()
    old = {s: signal.signal(s, stop._record) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def private_fd(fd: int) -> Iterator[None]:
    """Within the block, worker processes close ``fd`` when they start."""
    global _build_pid
    _private_fds.add(fd)
    _build_pid = os.getpid()
    try:
        yield
    finally:
        _private_fds.discard(fd)


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent ends (Linux; else no-op)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)  # the running program, libc included
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != _import_pid:  # the build was already gone before prctl took effect
        with contextlib.suppress(PermissionError):
            try:
                os.kill(_import_pid, 0)
            except ProcessLookupError:
                os._exit(1)


def worker_signals() -> None:
    """Initializer for worker processes forked inside :func:`deferred_signals`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()
    if _build_pid is not None and os.getpid() != _build_pid:
        for fd in list(_private_fds):  # closing a copy does not release the build's lock
            with contextlib.suppress(OSError):
                os.close(fd)
        _private_fds.clear()


def stop_pool(pool) -> None:
    """End a ``ProcessPoolExecutor`` at once (Ctrl-C, SIGTERM or an error): terminate its
    workers and cancel what has not started. ``ProcessPoolExecutor`` has no public way to
    stop its workers before Python 3.14, hence ``_processes``."""
    for proc in list(getattr(pool, "_processes", {}).values()):
        with contextlib.suppress(OSError, ValueError):
            proc.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
