"""`assay serve`: a live site source, recompiled on every edit, served by the engine.

Assay compiles the knowledge base into a temporary site source and starts the engine's
own live-reloading server on it. A watcher thread polls the knowledge base (content
folder and mkdocs.yml); after a change it recompiles, and the compile step rewrites only
the files whose bytes changed, so the engine rebuilds only the affected pages — the record,
and every summary page (home, indexes, radar, review, tags) whose content moved.

An edit that makes the knowledge base invalid does not stop the server: the diagnostics
are printed, and the pages of the records at fault and the home page show them, until
the next save fixes them.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from .compile import CompileResult
from .diagnostics import format_text
from .engines import get_engine
from .model import KnowledgeBase

log = logging.getLogger("assay.serve")

#: Seconds between two looks at the knowledge base.
POLL_INTERVAL = 0.2


def snapshot(root: Path, content: Path) -> dict[str, tuple[int, int]]:
    """path → (mtime_ns, size) of every file the site depends on (no links followed)."""
    out: dict[str, tuple[int, int]] = {}
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        try:
            st = (root / name).stat()
            out[name] = (st.st_mtime_ns, st.st_size)
        except OSError:
            pass
    for dirpath, dirnames, filenames in os.walk(content, followlinks=False):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue
            out[path] = (st.st_mtime_ns, st.st_size)
    return out


class LiveSource:
    """Keeps the site source in step with the knowledge base."""

    def __init__(self, root: Path, source: Path, as_of: date | None = None) -> None:
        self.root = root
        self.source = source
        self.as_of = as_of
        self.last_good: KnowledgeBase | None = None
        self.last_errors: str = ""
        from .load import locate

        self.content = locate(root)

    def compile(self) -> CompileResult:
        """Reload and recompile (only changed files are written); bad records do not raise."""
        from .kb import load_knowledge_base
        from .publish import compile_into

        kb = load_knowledge_base(self.root, self.as_of)
        errors = kb.errors
        if not errors:
            self.last_good = kb
            if self.last_errors:
                print("assay: the knowledge base is valid again", file=sys.stderr, flush=True)
            self.last_errors = ""
            result = compile_into(kb, self.source)
        else:
            report = format_text(errors, len(kb.entries))
            if report != self.last_errors:
                print(report, end="", file=sys.stderr, flush=True)
            self.last_errors = report
            result = compile_into(self.last_good or kb, self.source, broken=errors)
        return result

    def watch(self, stop: threading.Event) -> None:
        """Poll the knowledge base and recompile after each change, until `stop` is set."""
        content = self.content
        seen = snapshot(self.root, content)
        while not stop.wait(POLL_INTERVAL):
            now = snapshot(self.root, content)
            if now == seen:
                continue
            seen = now
            started = time.perf_counter()
            try:
                result = self.compile()
            except Exception as exc:  # keep serving; the next save may fix it
                print(f"assay: could not recompile: {exc}", file=sys.stderr, flush=True)
                continue
            log.info(
                "recompiled in %.2fs: %d files changed",
                time.perf_counter() - started,
                len(result.written) + len(result.removed),
            )


def serve_site(root: Path, dev_addr: str, open_browser: bool, engine_name: str) -> None:
    engine = get_engine(engine_name)
    with tempfile.TemporaryDirectory(prefix="assay-serve-") as work:
        live = LiveSource(root, Path(work))
        source = live.compile().source
        stop = threading.Event()
        watcher = threading.Thread(target=live.watch, args=(stop,), daemon=True)
        watcher.start()
        try:
            engine.serve(source, dev_addr, open_browser)
        finally:
            stop.set()
            watcher.join(timeout=5)
