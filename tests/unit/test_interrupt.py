"""Deferred Ctrl-C/SIGTERM handling of the build (analysis.common.interrupt)."""

from __future__ import annotations

import os
import signal

import pytest

from analysis.common.interrupt import Terminated, deferred_signals


@pytest.mark.parametrize(("signum", "raised"), [(signal.SIGTERM, Terminated),
                                                 (signal.SIGINT, KeyboardInterrupt)])
def test_signal_is_recorded_and_raised_at_the_check(signum, raised):
    before = signal.getsignal(signum)
    reached = False
    with pytest.raises(raised):
        with deferred_signals() as stop:
            stop.check()  # nothing requested yet
            os.kill(os.getpid(), signum)  # delivered now, but only recorded
            reached = True
            assert stop.requested
            stop.check()
    assert reached
    assert signal.getsignal(signum) is before  # handlers restored


def test_first_signal_wins():
    with deferred_signals() as stop:
        os.kill(os.getpid(), signal.SIGTERM)
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.signum == signal.SIGTERM
