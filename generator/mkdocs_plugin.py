"""MkDocs-family plugins (MkDocs 1.6, ProperDocs): thin adapters over the compile step.

* `assay-engine` — added by Assay's engine adapters to the configuration of a compiled
  site source. It hands each page Assay generated to the theme as the HTML Assay wrote
  (no Python-Markdown parser is even built for it: same output, less time), forbids
  macros on those pages, and puts mkdocs-macros in a Jinja sandbox for maintainer pages.
  It writes the search entries of those pages itself (generator/searchindex.py) instead
  of letting Material's search parse them, renders Material's navigation once per folder
  (generator/navcache.py), keeps the theme's output per page across builds
  (engines/outputcache.py), renders part of a first build's templates in a forked child
  on the second core (engines/pagerender.py), and in `serve`'s dirty mode keeps the
  search index whole (generator/incremental.py).
* `assay` — for those who run `mkdocs build` with `plugins: [assay]` in their mkdocs.yml:
  on_config validates the knowledge base (fails the build, writing nothing, when it has
  errors), compiles it into `.assay-cache/source/`, and points `docs_dir` there; MkDocs
  then renders the compiled source like any engine, with the hooks above.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page

from .diagnostics import format_text
from .engines.outputcache import TEMPLATE as CACHED_TEMPLATE
from .engines.outputcache import TEMPLATE_SOURCE as CACHED_TEMPLATE_SOURCE
from .engines.outputcache import OutputCache, config_signature, nav_signature, page_key
from .engines.pagerender import TemplateChild

if TYPE_CHECKING:  # the record models load only for the `assay` plugin (ProperDocs' start-up)
    from .model import KnowledgeBase

log = logging.getLogger("mkdocs.plugins.assay")

_PASSTHROUGH = "ASSAY-PASSTHROUGH-PAGE"
_PAGE_START = '<div class="assay-page">'
_FIGURE = re.compile(r'<figure class="assay-chart">.*?</figure>', re.S)
_FIGURE_MARK = re.compile(r"<!--assay-figure:(\d+)-->")


class EngineConfig(Config):  # type: ignore[no-untyped-call]  # mkdocs' Config is untyped
    # False: Material's search parses Assay's pages itself (slower; tests compare the two).
    search_index = c.Type(bool, default=True)
    # False: Material renders its navigation into every page (tests compare the two).
    nav_cache = c.Type(bool, default=True)
    #: where the theme's output per page is kept across builds (engines/outputcache.py);
    #: empty: not kept
    cache_dir = c.Type(str, default="")


def _material_search(config: MkDocsConfig) -> Any:
    """Material's search plugin when it is on and indexes as `searchindex` does (no
    Chinese segmentation with jieba), else None: then whatever search there is indexes
    every page itself."""
    for plugin in config.plugins.values():
        cls = type(plugin)
        if cls.__name__ != "SearchPlugin" or not cls.__module__.startswith("material."):
            continue
        module = sys.modules.get(cls.__module__)
        if plugin.config.get("enabled", True) and getattr(module, "jieba", None) is None:
            return plugin
    return None


_ID = re.compile(r'\sid="([^"<>]*)"')


def _render_stored(page: Page, anchors: set[str], config: MkDocsConfig, files: Files) -> None:
    """`Page.render` for a page whose HTML Assay wrote (`on_page_markdown` stored it): what
    Python-Markdown makes of the placeholder, and the anchors of the stored HTML (MkDocs
    checks links to them), without building a Markdown parser for the page."""
    from mkdocs.structure.toc import get_toc

    page.content = f"<p>{_PASSTHROUGH}</p>"
    page.toc = get_toc([])
    page._title_from_render = None
    page.present_anchor_ids = anchors
    page.links_to_anchors = {}


def _record_page(src_uri: str) -> bool:
    from .kinds import FOLDER_KIND

    folder, _, name = src_uri.partition("/")
    return folder in FOLDER_KIND and "/" not in name and name != "index.md"


class EnginePlugin(BasePlugin[EngineConfig]):  # type: ignore[no-untyped-call]
    """Renders Assay's compiled pages as written; sandboxes mkdocs-macros."""

    def __init__(self) -> None:
        self.html: dict[str, str] = {}
        self.figures: dict[str, list[str]] = {}
        self.dirty = False
        self.rebuilt: set[str] = set()
        self.files: Files | None = None
        self.search: Any = None  # Material's search plugin, when Assay writes its entries
        self.entries: dict[str, list[dict[str, Any]]] = {}  # page URL → search entries
        self.order: list[str] = []  # URLs of the pages built, in order
        self.nav_urls: set[str] = set()
        self.output = OutputCache(None)
        self.signature: str | None = None  # of the configuration (None: cache off)
        self.site: str | None = None  # of configuration and navigation
        self.serving = False
        self.nav: Navigation | None = None
        self.child: TemplateChild | None = None  # rendering some pages' templates
        self.fork: Callable[[], None] | None = None  # starts the child, once

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.dirty = dirty and command == "serve"
        self.serving = command == "serve"

    @event_priority(-100)  # after mkdocs-macros built its Jinja environment
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        _sandbox_macros(config)
        own = self.config.get("search_index", True) is not False
        self.search = _material_search(config) if own else None
        self.entries, self.order = {}, []
        # `assay` (plain `mkdocs build`) drives an EnginePlugin whose config is a plain dict.
        folder = str(self.config.get("cache_dir") or "")
        self.output = OutputCache(Path(folder) if folder else None)
        # Known plugins only (None: neither the cache nor the parallel render is used);
        # with no cache folder, page keys still say which pages a child may render.
        self.signature = config_signature(config)
        self.stop_child()
        return config

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        self.files = files
        return files

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        self.nav_urls = {p.url for p in nav.pages}
        self.nav = nav
        sig = self.signature
        self.site = None if sig is None else f"{sig}:{nav_signature(nav)}"
        return nav

    @event_priority(-100)  # last: the child forks with the environment as pages see it
    def on_env(
        self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        if env.loader is not None:
            env.loader = jinja2.ChoiceLoader(
                [jinja2.DictLoader({CACHED_TEMPLATE: CACHED_TEMPLATE_SOURCE}), env.loader]
            )
            _print_stored_output(env, config)
        if self.config.get("nav_cache", True) is not False and config.theme.name == "material":
            from .navcache import NavCache, material_templates

            if (theme_dir := material_templates()) is not None:
                NavCache(self.nav_urls).install(env, theme_dir)
        self.fork = None
        fork = functools.partial(self._fork_child, env, config, files)
        if "404.html" in config.theme.static_templates:
            # Forked once the theme's 404 page is rendered: Material's templates are then
            # compiled, and the child does not compile them again.
            self.fork = fork
        else:
            fork()
        return env

    def on_post_template(self, output: str, *, template_name: str, config: MkDocsConfig) -> str:
        if template_name == "404.html" and self.fork is not None:
            fork, self.fork = self.fork, None
            fork()
        return output

    def _fork_child(self, env: jinja2.Environment, config: MkDocsConfig, files: Files) -> None:
        """Fork a child rendering the templates of the pages still to render from the last
        backwards (engines/pagerender.py): each reads as a cache hit whose output the child
        sent, or, when the child has not got that far, renders `main.html` here."""
        from mkdocs.structure.files import InclusionLevel

        from .engines import pagerender

        if self.dirty or self.serving or self.site is None or self.nav is None:
            return
        if env.loader is None or not pagerender.fork_allowed():
            return
        doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
        todo = [
            f.page
            for f in doc_files
            if f.page is not None
            and getattr(f.page, "assay_key", None)
            and getattr(f.page, "assay_output", None) is None
            and "template" not in f.page.meta
        ]
        if len(todo) < pagerender.MIN_PAGES:
            return
        render = functools.partial(
            _render_template, config=config, doc_files=doc_files, nav=self.nav, env=env
        )
        self.child = TemplateChild.start(todo, render)
        if self.child is None:
            return
        for page in todo:
            page.assay_child = page.assay_hit = True  # type: ignore[attr-defined]

    def stop_child(self) -> None:
        """Reap the template child, if any (killed when its answer was not read)."""
        if self.child is not None:
            self.child.stop()
            self.child = None

    @event_priority(100)  # before mkdocs-macros looks at the page
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        from .engines.base import GENERATED_KEY

        if not page.meta.get(GENERATED_KEY):
            return markdown
        # A generated page carries record text: never rendered as Jinja, whatever the
        # macros configuration says (render_macros: false is final for mkdocs-macros).
        page.meta["render_macros"] = False
        body = markdown.strip()
        if body.startswith(_PAGE_START) and "\n" not in body:
            self.html[page.file.src_uri] = body
            # Python-Markdown has nothing to do on this page: MkDocs would still build a
            # parser with every extension for it (a fifth of the engine phase).
            anchors = set(_ID.findall(body))
            page.render = partial(_render_stored, page, anchors)  # type: ignore[method-assign]
            return _PASSTHROUGH
        return markdown

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        self.rebuilt.add(page.url)
        stored = self.html.pop(page.file.src_uri, None)
        generated = stored is not None and _PASSTHROUGH in html
        if generated:
            assert stored is not None
            html = stored
        # Charts go back in after search has indexed the page (on_post_page): SVG text is
        # noise in the index and made indexing several times slower.
        figures: list[str] = []

        def stash(m: re.Match[str]) -> str:
            figures.append(m.group(0))
            return f"<!--assay-figure:{len(figures) - 1}-->"

        html = _FIGURE.sub(stash, html)
        if figures:
            self.figures[page.file.src_uri] = figures
        self.order.append(page.url)
        if generated and self.search is not None:
            self._index(page, html)
        self._look_up_output(page, html)
        return html

    def _look_up_output(self, page: Page, html: str) -> None:
        page.assay_key = page.assay_output = None  # type: ignore[attr-defined]
        page.assay_hit = page.assay_child = False  # type: ignore[attr-defined]
        if self.site is None or "template" in page.meta:
            return
        key = page_key(self.site, page, html)
        page.assay_key = key  # type: ignore[attr-defined]
        page.assay_html = html  # type: ignore[attr-defined]
        cached = self.output.get(key)
        if cached is not None:
            page.assay_output = cached  # type: ignore[attr-defined]
            page.assay_hit = True  # type: ignore[attr-defined]

    @event_priority(-100)  # after every other plugin's context
    def on_page_context(
        self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> Any:
        if getattr(page, "assay_key", None) and page.content != page.assay_html:  # type: ignore[attr-defined]
            # A plugin changed the page after its key was taken: render it, keep nothing.
            page.assay_key = page.assay_output = None  # type: ignore[attr-defined]
        elif getattr(page, "assay_child", False) and self.child is not None:
            # None (not reached by the child, or it failed): TEMPLATE renders main.html.
            page.assay_output = self.child.output(page.file.src_uri)  # type: ignore[attr-defined]
        elif self.child is not None:
            self.child.poll()
        return context

    def _index(self, page: Page, html: str) -> None:
        """Search entries of a generated page, written by Assay; Material skips the page."""
        from .searchindex import RECORD_PAGE_CAP, page_entries

        meta = page.meta.get("search")
        search = dict(meta) if isinstance(meta, dict) else {}
        page.meta["search"] = {**search, "exclude": True}
        if search.get("exclude"):
            return
        cap = RECORD_PAGE_CAP if _record_page(page.file.src_uri) else None
        title = str(page.meta.get("title", page.title))
        entries: list[dict[str, Any]] = list(page_entries(html, page.url, title, cap=cap))
        tags = page.meta.get("tags")
        for entry in entries:  # as Material adds them to every entry of the page
            if isinstance(tags, list):
                entry["tags"] = [
                    str(t) for t in tags if t and isinstance(t, (str, int, float, bool))
                ]
            if "boost" in search:
                entry["boost"] = search["boost"]
        self.entries[page.url] = entries

    @event_priority(100)  # the theme's output as it was rendered, before any change
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        key = getattr(page, "assay_key", None)
        if key and (
            getattr(page, "assay_output", None) is None or getattr(page, "assay_child", False)
        ):
            self.output.put(key, output)
        figures = self.figures.pop(page.file.src_uri, None)
        if not figures:
            return output
        return _FIGURE_MARK.sub(lambda m: figures[int(m.group(1))], output)

    def on_build_error(self, *, error: Exception) -> None:
        self.fork = None
        self.stop_child()

    @event_priority(-50)  # after Material's search wrote its index, before `offline` reads it
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self.fork = None
        self.stop_child()
        if self.search is not None:
            from .searchindex import merge_entries

            index = Path(config.site_dir) / "search" / "search_index.json"
            if index.is_file():
                merge_entries(index, self.entries, self.order)
            self.entries, self.order = {}, []
        if self.dirty:
            self._merge_search_index(config)
            self.output.flush()
        else:  # a dirty rebuild renders only some pages: the others' entries stay
            self.output.prune()

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


class AssayConfig(Config):  # type: ignore[no-untyped-call]
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
    """`plugins: [assay]` for a plain `mkdocs build`: compile, then let MkDocs render the
    compiled source (the content folder itself is never MkDocs' docs folder)."""

    def __init__(self) -> None:
        self.engine = EnginePlugin()

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.engine.on_startup(command=command, dirty=dirty)

    @event_priority(-100)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        from .compile import CompileError, compile_site, site_config
        from .kb import load_knowledge_base
        from .render.charts import ChartSink

        root = (
            Path(self.config.root).resolve()
            if self.config.root
            else Path(config.config_file_path or config.docs_dir).resolve().parent
        )
        content = Path(config.docs_dir).resolve()
        as_of = date.fromisoformat(self.config.as_of) if self.config.as_of else None
        kb = load_knowledge_base(root, as_of, content=content)
        strict = self.config.strict or bool(config.strict)
        if kb.blocking(strict):
            raise AssayValidationError(kb, strict)
        cache_root = root / self.config.cache_dir
        from .cacheauth import CacheFolderError, check_cache_folder

        try:  # written and pruned: never through a link a repository carries
            check_cache_folder(cache_root, root)
        except (CacheFolderError, OSError) as exc:
            raise PluginError(str(exc)) from exc
        user, user_file = site_config(root)
        try:
            result = compile_site(
                kb,
                cache_root / "source",
                config=user,
                config_file=user_file,
                sink=ChartSink(bool(self.config.charts)),
            )
        except CompileError as exc:
            raise PluginError(str(exc)) from exc
        neutral = result.source.config
        config.docs_dir = str(result.source.docs_dir)
        if str(content) not in config.watch:  # `mkdocs serve` then sees edits to records
            config.watch.append(str(content))
        if not config.nav:
            config.nav = neutral["nav"]
        for css in neutral["extra_css"]:
            if css not in config.extra_css:
                config.extra_css.append(css)
        for script in neutral["extra_javascript"]:
            if script not in config.extra_javascript:
                config.extra_javascript.append(script)
        return self.engine.on_config(config)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        return self.engine.on_files(files, config=config)

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig, files: Files) -> Navigation:
        return self.engine.on_nav(nav, config=config, files=files)

    @event_priority(-100)
    def on_env(
        self, env: jinja2.Environment, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        return self.engine.on_env(env, config=config, files=files)

    @event_priority(100)
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str:
        return self.engine.on_page_markdown(markdown, page=page, config=config, files=files)

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        return self.engine.on_page_content(html, page=page, config=config, files=files)

    @event_priority(-100)
    def on_page_context(
        self, context: Any, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> Any:
        return self.engine.on_page_context(context, page=page, config=config, nav=nav)

    def on_post_template(self, output: str, *, template_name: str, config: MkDocsConfig) -> str:
        return self.engine.on_post_template(output, template_name=template_name, config=config)

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        return self.engine.on_post_page(output, page=page, config=config)

    def on_build_error(self, *, error: Exception) -> None:
        self.engine.on_build_error(error=error)

    @event_priority(-50)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self.engine.on_post_build(config=config)


def _print_stored_output(env: jinja2.Environment, config: MkDocsConfig) -> None:
    """Have MkDocs build a page whose output is stored (`page.assay_hit`: a cache hit, or
    a page the template child may render) with `CACHED_TEMPLATE` instead of `main.html`.

    MkDocs picks a page's template (`env.get_template(page.meta.get("template",
    "main.html"))`) with the page in `config._current_page`, before the page_context
    event; naming the template there, rather than in `page.meta`, leaves the page's meta
    as the theme would see it (Material prints more for a page with any meta)."""
    get_template = env.get_template

    def pick(name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        page = getattr(config, "_current_page", None)
        if name == "main.html" and parent is None and getattr(page, "assay_hit", False):
            name = CACHED_TEMPLATE
        return get_template(name, parent, globals)

    env.get_template = pick  # type: ignore[method-assign]


def _render_template(
    page: Page,
    *,
    config: MkDocsConfig,
    doc_files: Any,
    nav: Navigation,
    env: jinja2.Environment,
) -> str:
    """A page's template output, as MkDocs' `_build_page` renders it (in the child)."""
    from mkdocs.commands.build import get_context

    config._current_page = page
    try:
        page.active = True
        context = get_context(nav, doc_files, config, page)
        template = env.get_template(page.meta.get("template", "main.html"))
        context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)
        return template.render(context)
    finally:
        page.active = False
        config._current_page = None


def _sandbox_macros(config: MkDocsConfig) -> None:
    """Swap mkdocs-macros' Jinja environment for a sandboxed copy.

    mkdocs-macros renders with a plain jinja2.Environment, in which a page can reach
    Python internals ({{ cycler.__init__.__globals__.os … }}). Only maintainer pages are
    ever rendered (generated pages set render_macros: false and contain no braces), and
    even they go through a SandboxedEnvironment.
    """
    from jinja2.sandbox import SandboxedEnvironment

    for plugin in config.plugins.values():
        if type(plugin).__name__ != "MacrosPlugin" or getattr(plugin, "_env", None) is None:
            continue
        old: Any = plugin._env
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
        plugin._env = env
