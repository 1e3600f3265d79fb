"""Children that tests interrupt: Ctrl-C reaches them as it would from a terminal.

A shell that starts a job in the background (`make test &`, some CI runners) ignores SIGINT in it,
and every child inherits that; Python then installs no KeyboardInterrupt handler. Tests that send
SIGINT start their child with the default disposition restored, so they measure the CLI and not
how the test run was launched.
"""

from __future__ import annotations

import signal


def interruptible() -> None:
    """`preexec_fn` for a child that a test interrupts with SIGINT."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
