"""The MkDocs adapter: a few short hooks that call the core (docs/design.md).

* on_config  — validate the knowledge base (fail the build, writing nothing, when it has
               errors), render every generated page, set a navigation that lists sections
               but never every record, and put mkdocs-macros in a sandbox;
* on_files   — replace record sources with their rendered pages, add generated pages;
* on_page_markdown — forbid macro rendering on every generated page (records are untrusted);
* on_page_content  — sanitize generated pages' HTML; on_post_page inserts chart SVG;
* on_post_build    — write records.json.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from .diagnostics import format_text
from .model import KnowledgeBase
from .schema import KINDS

log = logging.getLogger("mkdocs.plugins.assay")

#: Set by `assay build` after it validated, so the plugin does not load everything twice.
PRELOADED: KnowledgeBase | None = None
#: Charts rendered and served from cache by the last build (for benchmarks and tests).
LAST_CHART_STATS: dict[str, int] = {}


class AssayConfig(Config):  # type: ignore[no-untyped-call]  # mkdocs' Config is untyped
    strict = c.Type(bool, default=False)
    as_of = c.Optional(c.Type(str))
    charts = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=".assay-cache")
    root = c.Optional(c.Type(str))  # knowledge base root; default: the folder of mkdocs.yml


class AssayValidationError(PluginError):
    """Raised by on_config when the knowledge base has errors; carries the diagnostics."""

    def __init__(self, kb: KnowledgeBase, strict: bool) -> None:
        diags = kb.blocking(strict)
        super().__init__(
            "the knowledge base has errors; nothing was built:\n"
            + format_text(diags, len(kb.entries))
        )
        self.kb = kb


class AssayPlugin(BasePlugin[AssayConfig]):  # type: ignore[no-untyped-call]
    """Publishes an Assay knowledge base: record pages, radar, predictions, review, tags."""

    def __init__(self) -> None:
        self.kb: KnowledgeBase | None = None
        self.pages: dict[str, str] = {}
        self.generated: set[str] = set()
        self.sink: Any = None
        self.dirty = False  # `assay serve`: rebuild only what an edit changed
        self.cache_root = Path(".assay-cache")
        self.rebuilt: set[str] = set()
        self.files: Files | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.dirty = dirty and command == "serve"

    # -- configuration ------------------------------------------------------------------
    @event_priority(-100)  # after mkdocs-macros built its Jinja environment
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        from .kb import load_knowledge_base
        from .render.charts import ChartSink
        from .render.site import CSS_PATH, SECTION_PAGES, home_page, render_site

        root = (
            Path(self.config.root).resolve()
            if self.config.root
            else Path(config.config_file_path or config.docs_dir).resolve().parent
        )
        content = Path(config.docs_dir).resolve()
        as_of = date.fromisoformat(self.config.as_of) if self.config.as_of else None
        kb = PRELOADED
        if kb is None or kb.content_dir != content or (as_of and kb.as_of != as_of):
            kb = load_knowledge_base(root, as_of, content=content)
        strict = self.config.strict or bool(config.strict)
        if kb.blocking(strict):
            raise AssayValidationError(kb, strict)
        self.kb = kb
        self.cache_root = root / self.config.cache_dir  # an absolute cache_dir stays as it is
        cache = None
        if self.config.charts:
            from .charts import ChartCache

            cache = ChartCache(self.cache_root / "charts")
        self.sink = ChartSink(cache)
        self.pages = render_site(kb, self.sink)
        if not (content / "index.md").is_file():
            self.pages["index.md"] = home_page(kb)
        self.generated = set(self.pages) | {CSS_PATH}
        if CSS_PATH not in config.extra_css:
            config.extra_css.append(CSS_PATH)
        from .render.assets import SCRIPTS, site_assets

        self.generated |= set(site_assets())
        for script in SCRIPTS:
            if script not in config.extra_javascript:
                config.extra_javascript.append(script)
        if not config.nav:
            config.nav = _navigation(content, SECTION_PAGES)
        _sandbox_macros(config, kb, self.sink)
        return config

    # -- files and pages ----------------------------------------------------------------
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        from .render.site import CSS_PATH, stylesheet

        self.files = files
        folders = tuple(f"{folder}/" for folder, _ in KINDS.values())
        for f in list(files):
            if f.src_uri in self.generated or (
                f.src_uri.startswith(folders) and f.src_uri.endswith(".md")
            ):
                files.remove(f)
        for src, markdown in sorted(self.pages.items()):
            if self.dirty:
                from .incremental import write_if_changed

                path = self.cache_root / "pages" / src
                write_if_changed(path, markdown)
                files.append(File.generated(config, src, abs_src_path=str(path)))
            else:
                files.append(File.generated(config, src, content=markdown))
        files.append(File.generated(config, CSS_PATH, content=stylesheet()))
        from .render.assets import site_assets

        for asset, text in site_assets().items():
            files.append(File.generated(config, asset, content=text))
        return files

    @event_priority(100)  # before mkdocs-macros looks at the page
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        if page.file.src_uri in self.generated:
            # Generated pages carry record text: they are never rendered as Jinja, whatever
            # the record or the macros configuration says (render_macros: false wins).
            # Only Assay wrote this page's front matter: keep its layout key (`hide`).
            hide = page.meta.get("hide")
            page.meta = {"render_macros": False, **({"hide": hide} if hide else {})}
        return markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        from .sanitize import sanitize

        self.rebuilt.add(page.url)
        if page.file.src_uri in self.generated:
            html = sanitize(html)
        # Charts go in after search has indexed the page (on_post_page): SVG text is noise
        # in the index and made indexing several times slower.
        return self.sink.defer(html) if self.sink else html

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        return self.sink.insert(output) if self.sink else output

    @event_priority(-100)  # after Material's search wrote its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        from .render.site import records_json

        if self.dirty:
            self._merge_search_index(config)
        if self.kb is not None:
            out = Path(config.site_dir) / "records.json"
            out.write_text(records_json(self.kb), encoding="utf-8")
            if self.sink and self.sink.cache is not None:
                LAST_CHART_STATS.clear()
                LAST_CHART_STATS.update(
                    rendered=self.sink.cache.rendered, hits=self.sink.cache.hits
                )
                log.info(
                    "assay: %d charts rendered, %d from cache",
                    self.sink.cache.rendered,
                    self.sink.cache.hits,
                )

    def _merge_search_index(self, config: MkDocsConfig) -> None:
        from .incremental import MERGERS, SearchIndexMerger

        index = Path(config.site_dir) / "search" / "search_index.json"
        search = config.plugins.get("search") or config.plugins.get("material/search")
        if not index.is_file() or search is None:
            return
        merger = MERGERS.setdefault(str(config.docs_dir), SearchIndexMerger())
        live = {f.url for f in self.files.documentation_pages()} if self.files else set()
        merger.merge(index, self.rebuilt, live)
        # Material merges dirty rebuilds itself, correctly only for one page: we do it.
        if hasattr(search, "search_index_prev"):
            search.search_index_prev = None
        self.rebuilt = set()


def _navigation(content: Path, sections: dict[str, str]) -> list[Any]:
    """Home, the maintainer pages, then the generated sections — never every record."""
    nav: list[Any] = [{"Home": "index.md"}]  # the user's, or a generated one
    record_folders = {folder for folder, _ in KINDS.values()} | {
        "radar",
        "review",
        "tags",
        "assets",
    }
    for child in sorted(content.iterdir()):
        if child.is_dir() and child.name not in record_folders and not child.name.startswith("."):
            pages = sorted(p.relative_to(content).as_posix() for p in child.rglob("*.md"))
            pages.sort(key=lambda p: (not p.endswith("/index.md"), p))
            if pages:
                nav.append({child.name.replace("-", " ").capitalize(): pages})
        elif child.suffix == ".md" and child.name != "index.md":
            nav.append(child.name)
    nav += [{title: src} for src, title in sections.items()]
    return nav


def _sandbox_macros(config: MkDocsConfig, kb: KnowledgeBase, sink: Any) -> None:
    """Swap mkdocs-macros' Jinja environment for a sandboxed copy and add Assay's macros.

    mkdocs-macros renders with a plain jinja2.Environment, in which a page can reach
    Python internals ({{ cycler.__init__.__globals__.os … }}). Only maintainer pages are
    ever rendered (generated pages set render_macros: false), and even they go through
    a SandboxedEnvironment.
    """
    from jinja2.sandbox import SandboxedEnvironment

    from .macros import assay_macros

    for plugin in config.plugins.values():
        if type(plugin).__name__ != "MacrosPlugin" or getattr(plugin, "_env", None) is None:
            continue
        old = plugin._env
        env = SandboxedEnvironment(
            loader=old.loader,
            undefined=old.undefined,
            block_start_string=old.block_start_string,
            block_end_string=old.block_end_string,
            variable_start_string=old.variable_start_string,
            variable_end_string=old.variable_end_string,
            comment_start_string=old.comment_start_string,
            comment_end_string=old.comment_end_string,
        )
        env.globals.update(old.globals)
        env.filters.update(old.filters)

        def page_src(plugin: Any = plugin) -> str:
            page = getattr(plugin, "page", None)
            return str(page.file.src_uri) if page is not None else ""

        for name, fn in assay_macros(kb, sink, page_src).items():
            env.globals[name] = fn
            plugin.macros[name] = fn
        plugin._env = env
