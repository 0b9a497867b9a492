"""`assay serve`: a live site source, recompiled on every edit, served by the engine.

Assay compiles the knowledge base into a temporary site source and serves it with the
engine's live server (`Engine.serve`). The engine polls `LiveSource.changed()` (the content
folder and mkdocs.yml, every 0.1 s); after a change `LiveSource.update()` recompiles, and
the compile step rewrites only the files whose bytes changed, so the engine rebuilds only
the affected pages — the record, and every summary page (home, indexes, radar, review,
tags) whose content moved. What a recompile reuses: docs/design.md, "serve: what an edit
rebuilds".

An edit that makes the knowledge base invalid does not stop the server: the diagnostics
are printed, and the pages of the records at fault and the home page show them, until
the next save fixes them.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

from .compile import CompileResult, PageCache
from .diagnostics import format_text
from .engines import get_engine
from .engines.base import SiteSource, SourceChange
from .model import KnowledgeBase

log = logging.getLogger("assay.serve")


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
    """Keeps the site source in step with the knowledge base (`engines.base.LiveUpdates`)."""

    def __init__(self, root: Path, source: Path, as_of: date | None = None) -> None:
        self.root = root
        self.source = source
        self.as_of = as_of
        self.last_good: KnowledgeBase | None = None
        self.last_errors: str = ""
        self.last_source: SiteSource | None = None
        from .load import locate

        self.content = locate(root)
        self.seen = snapshot(root, self.content)
        # Kept across recompiles: an edit re-renders only the pages whose Markdown changed.
        self.pages = PageCache(root / ".assay-cache" / "html")

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
            result = compile_into(kb, self.source, pages=self.pages)
        else:
            report = format_text(errors, len(kb.entries))
            if report != self.last_errors:
                print(report, end="", file=sys.stderr, flush=True)
            self.last_errors = report
            result = compile_into(
                self.last_good or kb, self.source, broken=errors, pages=self.pages
            )
        self.last_source = result.source
        return result

    def changed(self) -> bool:
        """Whether a file the site depends on changed since the last look."""
        now = snapshot(self.root, self.content)
        if now == self.seen:
            return False
        self.seen = now
        return True

    def update(self) -> SourceChange:
        """Recompile after a change; never raises (the engine keeps serving)."""
        started = time.perf_counter()
        try:
            result = self.compile()
        except Exception as exc:  # keep serving the last site; the next save may fix it
            print(f"assay: could not recompile: {exc}", file=sys.stderr, flush=True)
            assert self.last_source is not None  # the first compile ran before serving
            return SourceChange(self.last_source)
        log.info(
            "recompiled in %.2fs: %d files changed",
            time.perf_counter() - started,
            len(result.written) + len(result.removed),
        )
        return SourceChange(result.source, tuple(result.written), tuple(result.removed))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve_site(root: Path, dev_addr: str, open_browser: bool, engine_name: str) -> None:
    engine = get_engine(engine_name)
    if threading.current_thread() is threading.main_thread():
        # A terminated server stops like an interrupted one: the engine's child process is
        # stopped and the temporary site source removed.
        signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="assay-serve-") as work:
        live = LiveSource(root, Path(work))
        source = live.compile().source
        engine.serve(source, dev_addr, open_browser, live)
