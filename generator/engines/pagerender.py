"""Material's templates rendered on the second core during a first build (issue 9).

After every page is read (MkDocs' `env` event), a build whose theme output is not cached
for many pages forks ONE child process. The child renders the template output of those
pages from the LAST one backwards — exactly what MkDocs' `_build_page` does up to
`template.render(context)` — and sends each `(src_uri, output)` through a pipe as soon as
it has it, while MkDocs goes on in the parent from the first page forwards. At each of
those pages the parent looks at what the child has sent: a page the child has not reached
yet is rendered in the parent as usual; where the two meet, the parent stops the child
(waiting at most for the page it is rendering), and every page after that prints the
child's output through the output cache's template (engines/outputcache.py `TEMPLATE`).
So the work splits itself between the cores whatever the load of the machine; at most
one page is rendered twice. Everything else MkDocs and the plugins do per page (every
plugin's page context, `post_page`, writing the file, storing the output in the cache)
stays in the parent.

The child never writes a file: it holds no descriptor of the build but stdio and its end
of the pipe, dies with the parent (Linux parent-death signal), and leaves with `os._exit`
(no atexit handler, no buffer of the parent's flushed twice). It stops at the first page
whose rendering logs anything or raises, so the parent renders that page and the ones
before it itself: messages, `--strict` counts and errors are those of a single-process
build. Nothing the child sent is used unless it ended well (exited 0, or was stopped by
the parent) and every message was a page it was given, in the order given: a child that
dies, hangs or sends garbage costs only time, the parent renders the pages itself.

Only where forking is safe and pays, by the rules of the build's other helpers
(generator/forking.py): `fork` exists, this process runs one thread, there is a second
CPU. `assay serve` never forks (its server runs threads; its dirty rebuilds render a few
pages anyway). `ASSAY_ENGINE_PARALLEL=0` (or `USE_CHILD = False`) turns it off, for
benchmarks/engine_parallel.py and the tests that compare both ways.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import select
import signal
import struct
from collections.abc import Callable, Sequence
from typing import Any

#: Off: every page's template is rendered in the building process.
USE_CHILD = os.environ.get("ASSAY_ENGINE_PARALLEL", "1") != "0"
#: Fewer pages to render than this: forking costs more than it saves.
MIN_PAGES = 24
#: Seconds without a byte from the child before the parent gives up on it.
TIMEOUT = 60.0
#: A message larger than this is garbage (the output cache keeps at most 16 MiB a page).
MAX_MESSAGE = 64 * 1024 * 1024
#: A message: the lengths of the page's src_uri and of its output, then both in UTF-8.
_HEADER = struct.Struct(">II")
_PIPE_BYTES = 1 << 20  # a pipe this big lets the child run ahead of the parent's reads

log = logging.getLogger("assay.engine")

#: The last template child of this process: pages given, pages whose output the parent
#: took from it (tests, benchmarks).
LAST: dict[str, int] = {}
_RUNNING: set[TemplateChild] = set()


def stop_all() -> None:
    """Reap every template child still running (an engine adapter on its way out, also
    when the build was interrupted: MkDocs sends no build error for KeyboardInterrupt)."""
    for child in list(_RUNNING):
        child.stop()


def fork_allowed() -> bool:
    """Safe (`fork`, no other thread: forking copies only the calling one) and paying (a
    second CPU); generator/forking.py's rules for the build's other helpers."""
    from .. import forking

    return USE_CHILD and hasattr(os, "fork") and forking.allowed() and forking.cpus() >= 2


def _silence(flag: list[bool]) -> None:
    """In the child: no log record reaches a handler and no warning is shown; `flag[0]`
    says one was emitted."""
    import warnings

    def call_handlers(self: logging.Logger, record: logging.LogRecord) -> None:
        flag[0] = True

    def show(*args: Any, **kwargs: Any) -> None:
        flag[0] = True

    logging.Logger.callHandlers = call_handlers  # type: ignore[method-assign]
    warnings.showwarning = show


def _send(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _child(pages: Sequence[Any], render: Callable[[Any], str], fd: int, parent: int) -> None:
    """In the child: render `pages` from the last, one message each; stop before the
    first page whose rendering logs or raises."""
    code = 1
    try:
        from ..forking import detach

        detach(fd, parent)
        logged = [False]
        _silence(logged)
        for page in reversed(pages):
            try:
                output = render(page)
            except Exception:
                break
            if logged[0]:
                break
            name = page.file.src_uri.encode("utf-8", "surrogatepass")
            data = output.encode("utf-8", "surrogatepass")
            _send(fd, _HEADER.pack(len(name), len(data)) + name + data)
        code = 0
    except BaseException:  # nothing on stderr: the parent renders the pages
        pass
    finally:
        os._exit(code)


class TemplateChild:
    """A forked process rendering the template output of `pages` from the last backwards.

    The parent calls `output(src_uri)` at each of those pages, in order: None means
    "render it here" (the child has not got that far, or failed)."""

    def __init__(self, pid: int, fd: int, pages: Sequence[Any]) -> None:
        self.pid = pid
        self.fd: int | None = fd
        self.expected = [p.file.src_uri for p in reversed(pages)]  # in the child's order
        self.received: dict[str, str] = {}
        self.buffer = bytearray()
        self.answer: dict[str, str] | None = None  # set once the child is finished
        self.ok = True  # every message so far was the page expected next
        self.ended = False  # the child closed its end of the pipe

    @classmethod
    def start(cls, pages: Sequence[Any], render: Callable[[Any], str]) -> TemplateChild | None:
        """Fork a child rendering `pages` with `render(page) -> output` (None: no fork)."""
        parent = os.getpid()
        try:
            read, write = os.pipe()
        except OSError:
            return None
        with contextlib.suppress(OSError, AttributeError, ImportError):
            import fcntl

            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        gc.freeze()  # the child's collections then leave the shared pages alone
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return None
        finally:
            gc.unfreeze()
        if pid == 0:  # pragma: no cover - the child's coverage is not collected
            os.close(read)
            _child(pages, render, write, parent)
        os.close(write)
        os.set_blocking(read, False)
        LAST.clear()
        LAST.update(pages=len(pages), from_child=0)
        child = cls(pid, read, pages)
        _RUNNING.add(child)
        return child

    # -- the parent's side ----------------------------------------------------------------
    def output(self, src_uri: str) -> str | None:
        """The child's output for the page `src_uri`, which MkDocs is about to build; None:
        render it in this process."""
        if self.answer is None:
            self._read(wait=False)
            position = self.expected.index(src_uri) if src_uri in self.expected else -1
            if src_uri in self.received or self.ended or not self.ok:
                self._finish()  # the child is past this page (or done): it has all it has
            elif position == len(self.received):
                # The child is rendering this very page: wait for it, then stop it.
                self._read(wait=True, until=position + 1)
                self._finish()
            else:
                return None  # not reached yet: rendered here, the child goes on
        assert self.answer is not None
        output = self.answer.get(src_uri)
        if output is not None:
            LAST["from_child"] = LAST.get("from_child", 0) + 1
        return output

    def poll(self) -> None:
        """Read what the child has sent (the pipe never fills while it works)."""
        if self.answer is None:
            self._read(wait=False)

    def _read(self, wait: bool, until: int = 0) -> None:
        """Read and check the child's messages; with `wait`, until it has sent `until`
        pages or ended (a child silent for TIMEOUT seconds has failed)."""
        fd = self.fd
        while fd is not None and not self.ended and self.ok:
            if wait and len(self.received) >= until:
                return
            if wait:
                ready, _, _ = select.select([fd], [], [], TIMEOUT)
                if not ready:
                    self.ok = False
                    return
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                return
            except OSError:
                self.ok = False
                return
            if not chunk:
                self.ended = True
                return
            self.buffer += chunk
            self._parse()

    def _parse(self) -> None:
        buffer, at = self.buffer, 0
        while self.ok and len(buffer) - at >= _HEADER.size:
            name_size, size = _HEADER.unpack_from(buffer, at)
            if name_size > MAX_MESSAGE or size > MAX_MESSAGE:
                self.ok = False
                break
            start = at + _HEADER.size
            end = start + name_size + size
            if len(buffer) < end:
                break
            at = end
            index = len(self.received)
            try:
                name = buffer[start : start + name_size].decode("utf-8", "surrogatepass")
                output = buffer[start + name_size : end].decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                self.ok = False
                break
            if index >= len(self.expected) or name != self.expected[index]:
                self.ok = False  # a page it was not given, or out of order: none is believed
                break
            self.received[name] = output
        del buffer[:at]

    def _finish(self) -> None:
        """Stop and reap the child, read what it sent before, and keep it if it ended well."""
        killed = self._kill()
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.set_blocking(self.fd, True)
            self._read(wait=True, until=len(self.expected) + 1)  # to the end of the pipe
        status = self._reap()
        _RUNNING.discard(self)
        well = status == 0 or (killed and status == -signal.SIGKILL)
        self.answer = self.received if (self.ok and well) else {}
        if self.received and not self.answer:
            log.debug("template child failed: its pages are rendered in the parent")
        self._close()

    def _kill(self) -> bool:
        if self.pid and not self.ended:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
                return True
        return False

    def _reap(self) -> int | None:
        """Wait for the child; its exit code (-N: killed by signal N)."""
        if not self.pid:
            return None
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            return None
        finally:
            self.pid = 0
        return os.waitstatus_to_exitcode(status)

    def _close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def stop(self) -> None:
        """Reap the child, killed when its answer is no longer wanted (the build ended or
        failed); its output is not used after this."""
        self._kill()
        self._reap()
        _RUNNING.discard(self)
        self._close()
        if self.answer is None:
            self.answer = {}
