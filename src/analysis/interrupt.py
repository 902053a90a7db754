"""Stopping a build cleanly on Ctrl-C (SIGINT) or SIGTERM.

Python delivers a signal by raising an exception wherever the main thread happens to
be. Inside :mod:`concurrent.futures` that can be half-way through taking a lock, which
is then never released and the process hangs at exit. The build therefore *defers*
both signals: a handler only records them, and the build checks at safe points
(between chapters, between phases) and stops there. Worker processes do not handle the
signals themselves: SIGINT is ignored (the build stops them) and SIGTERM ends them at
once, as a process without a handler would.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator


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


def worker_signals() -> None:
    """Initializer for worker processes forked inside :func:`deferred_signals`."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
