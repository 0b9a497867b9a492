"""What an engine adapter is: it renders a site source that Assay compiled, nothing else.

A *site source* is a folder Assay wrote after validation (docs/design.md, "Pipeline"):

    <source>/docs/…        every page as Markdown (record-derived parts already rendered and
                           sanitized by Assay), assets, chart SVG, records.json
    <source>/config.json   the engine-neutral site configuration (`SiteSource.config`)

An engine writes its own configuration file from `SiteSource.config` into the source
folder, runs its build or server on it, and reports failure as `EngineError`. Adding an
engine is one module in this package with one class implementing `Engine`.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

#: Front matter key that marks a page Assay generated (the compile step writes it, the
#: engine plugins read it).
GENERATED_KEY = "assay_generated"


class EngineError(Exception):
    """Raised by an engine adapter when the engine fails or is not installed; the message
    is one line for the user (what failed and what to do)."""


@dataclass(frozen=True)
class SiteSource:
    """A compiled site source on disk."""

    root: Path
    #: MkDocs-style settings: site_name, site_description, site_url, copyright, theme
    #: (Material options), nav, extra_css, extra_javascript, markdown_extensions, extra,
    #: and `plugins` the user listed besides Assay's own.
    config: dict[str, Any] = field(default_factory=dict)
    #: a folder where the engine may keep what it reuses across builds (None: nothing kept)
    cache_dir: Path | None = None

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"


class Engine(Protocol):
    """One static-site engine."""

    #: the `--engine` name
    name: str
    #: whether the engine runs mkdocs-macros for users' own macros on maintainer pages
    #: (Assay's own macros are always expanded by Assay while compiling)
    runs_user_macros: bool

    def build(self, source: SiteSource, site_dir: Path) -> None:
        """Render `source` into the empty folder `site_dir`; raise EngineError on failure."""

    def serve(
        self, source: SiteSource, dev_addr: str, open_browser: bool, live: LiveUpdates
    ) -> None:
        """Serve `source` with live reload until interrupted. The engine polls
        `live.changed()` every POLL_INTERVAL seconds and after a change calls `live.update()`,
        which recompiles the site source (rewriting only changed files), then brings its
        site up to date: the changed pages, the pages of removed files deleted, every page
        when the configuration changed."""


@dataclass(frozen=True)
class SourceChange:
    """What a recompile of a served site source did."""

    source: SiteSource
    #: docs-relative paths of files written and removed
    written: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


class LiveUpdates(Protocol):
    """The knowledge base behind a served site source (generator/serve.py `LiveSource`)."""

    def changed(self) -> bool:
        """Whether the knowledge base changed since the last call (a cheap poll)."""

    def update(self) -> SourceChange:
        """Recompile the site source (only changed files are written) and say what changed; never
        raises: a broken edit compiles into diagnostics pages, and a failure that leaves
        nothing to show keeps the previous source and is reported in the terminal."""


#: Seconds between two looks at the knowledge base while serving.
POLL_INTERVAL = 0.1


def stop_process(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """Stop an engine's child process: SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
