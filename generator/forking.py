"""Forked helpers of one build: work done on the second CPU while this process goes on.

A first build has two kinds of work that need nothing from the rest of the build: the
statistics (generator/statcache.py) and the Markdown → HTML conversion of pages
(generator/compile.py). Each runs in a child made with `fork` (it inherits the loaded
modules and the data, nothing is pickled on the way in), which

* holds nothing of the build's: every inherited descriptor but stdio and its pipe is
  closed (the build's lock among them: a killed build's helper must not keep the next
  build out), and it dies with the build (Linux: parent-death signal; elsewhere the
  closed pipe ends it when it writes);
* sends its answers over a pipe and leaves with `os._exit` (no atexit handler, no buffer
  of the parent's flushed twice), with status 1 and no traceback on any error: the
  build then does that work itself;
* is reaped by the build whatever happens (`Child.stop`, also on errors).

Forking is used only where it is safe and pays: a `fork` start method, no other thread in
this process (a live server's), and a second CPU.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

#: Off: everything runs in this process (tests of the in-process paths; benchmarks).
ENABLED = True


def cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def allowed() -> bool:
    """Whether a forked helper is safe here: `fork` exists and no other thread runs."""
    import multiprocessing

    return (
        ENABLED
        and threading.active_count() == 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def detach(keep: int, parent: int) -> None:
    """In the child: close every inherited descriptor but stdio and `keep`, and die with
    `parent`."""
    try:
        limit = int(os.sysconf("SC_OPEN_MAX"))
    except (ValueError, OSError):
        limit = 65536
    os.closerange(3, keep)
    os.closerange(keep + 1, max(limit, keep + 1))
    if not die_with(parent):
        os._exit(1)


def die_with(parent: int) -> bool:
    """In a child: be killed when `parent` dies (Linux: parent-death signal); False when
    it is already gone."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(Exception):
            import ctypes
            import signal

            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    return os.getppid() == parent  # not: the build died before the signal was asked for


def _run(target: Callable[..., None], conn: Any, parent: int, args: tuple[Any, ...]) -> None:
    try:
        detach(conn.fileno(), parent)
        target(conn, *args)
        conn.close()
    except BaseException:  # no traceback on stderr: the build does the work itself
        os._exit(1)
    os._exit(0)


class Child:
    """A forked child running `target(conn, *args)`; this side holds the other end."""

    def __init__(self, process: Any, conn: Any) -> None:
        self.process = process
        self.conn = conn

    @classmethod
    def start(cls, target: Callable[..., None], *args: Any) -> Child | None:
        """The running child, or None when it could not be forked."""
        import multiprocessing

        try:
            ctx = multiprocessing.get_context("fork")
            mine, theirs = ctx.Pipe(duplex=True)
            process = ctx.Process(
                target=_run, args=(target, theirs, os.getpid(), args), daemon=True
            )
            process.start()
        except (OSError, ValueError):
            return None
        theirs.close()
        return cls(process, mine)

    def send(self, value: Any) -> bool:
        """Send `value` to the child; False (and the child reaped) when it is gone."""
        try:
            self.conn.send(value)
        except (OSError, ValueError):
            self.stop()
            return False
        return True

    def recv(self) -> Any:
        """The child's next message; None when it ended or sent something unreadable."""
        try:
            return self.conn.recv()
        except Exception:  # died, or an unreadable answer: the caller does the work
            return None

    def ready(self) -> bool:
        """Whether a message (or the end) can be read without waiting."""
        try:
            return bool(self.conn.poll())
        except (OSError, ValueError):
            return True  # gone: `recv` says so

    def stop(self) -> None:
        """Reap the child (ended, or killed when the build no longer needs it)."""
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.join(timeout=0.05)
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
