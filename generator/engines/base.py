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

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


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

    def serve(self, source: SiteSource, dev_addr: str, open_browser: bool) -> None:
        """Serve `source` with live reload until interrupted; the engine watches
        `source.docs_dir`, which Assay rewrites (only changed files) after each edit."""
