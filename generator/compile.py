"""Compile a validated knowledge base into a closed site source (emit stage, I/O out).

The site source (see `generator/engines/base.py`) holds only what Assay wrote:

* every generated page — records, kind indexes, radar, predictions, review, tags, and a
  home page when the knowledge base has none — as a Markdown file whose front matter Assay
  writes and whose body is one line of sanitized, passthrough-encoded HTML
  (`render/html.py`), chart SVG inlined;
* the maintainer pages and assets (checked, copied), with Assay's macros expanded;
* `assets/assay.css` and `records.json`;
* the engine-neutral configuration, derived from the user's `mkdocs.yml` (or Assay's
  defaults) minus the `assay` plugin.

An engine renders that folder and nothing else: it never sees `content/`. Files are
written only when their bytes change and files no longer produced are removed, so a
server watching the folder (`assay serve`) rebuilds only what an edit affected.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import forking
from .diagnostics import Diagnostic
from .engines.base import GENERATED_KEY, SiteSource
from .incremental import RecordPages, write_if_changed
from .load import read_mkdocs_config
from .model import KnowledgeBase
from .render.assets import LICENSES, SCRIPTS, site_assets
from .render.charts import PLACEHOLDER, ChartSink
from .render.html import (
    is_heavy,
    markdown_to_html,
    passthrough,
    plain_text_block,
    relative_url,
    safe_title,
)
from .sanitize import sanitize
from .schema import KINDS

#: The configuration of a knowledge base without mkdocs.yml (SPEC §1), engine-neutral.
DEFAULT_CONFIG: dict[str, Any] = {
    "site_name": "Research knowledge base",
    "theme": {
        "name": "material",
        "font": False,  # no web fonts: the site works offline
        "features": [
            "navigation.tabs",  # the sections stay reachable on wide pages without a sidebar
            "navigation.sections",
            "navigation.indexes",
            "navigation.top",
            "search.highlight",
            "content.code.copy",
        ],
        # A light/dark toggle in the header; the first visit follows the reader's system.
        "palette": [
            {
                "media": "(prefers-color-scheme: light)",
                "scheme": "default",
                "primary": "indigo",
                "toggle": {"icon": "material/brightness-7", "name": "Switch to dark mode"},
            },
            {
                "media": "(prefers-color-scheme: dark)",
                "scheme": "slate",
                "primary": "indigo",
                "toggle": {"icon": "material/brightness-4", "name": "Switch to light mode"},
            },
        ],
    },
    "plugins": ["search"],
    "markdown_extensions": [
        "tables",
        "admonition",
        "def_list",
        "footnotes",
        {"toc": {"permalink": True}},
    ],
}
_RESERVED_FILES = {"records.json", "assets/assay.css", *SCRIPTS, *LICENSES}


class CompileError(Exception):
    """Raised by `compile_site` when the configuration or a maintainer file cannot be used;
    the message names the file and the fix."""


@dataclass
class CompileResult:
    source: SiteSource
    written: list[str] = field(default_factory=list)  # docs-relative paths rewritten
    removed: list[str] = field(default_factory=list)
    charts: dict[str, int] = field(default_factory=dict)  # {"drawn": n}; empty without charts


# -- configuration ------------------------------------------------------------------------
def _plugin_name(p: Any) -> str:
    return p if isinstance(p, str) else str(next(iter(p), "")) if isinstance(p, dict) else ""


def site_config(root: Path) -> tuple[dict[str, Any], Path | None]:
    """The user's mkdocs.yml as plain data, or Assay's defaults; and the file it came from."""
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        if (root / name).is_file():
            try:
                data = read_mkdocs_config(root)
            except (OSError, yaml.YAMLError) as exc:
                raise CompileError(f"cannot read {root / name}: {exc}") from exc
            return data, root / name
    return json.loads(json.dumps(DEFAULT_CONFIG)), None


def assay_options(config: dict[str, Any]) -> dict[str, Any]:
    """The options the user gave the `assay` plugin in mkdocs.yml (charts, cache_dir, …)."""
    for p in config.get("plugins") or []:
        if isinstance(p, dict) and _plugin_name(p) == "assay":
            opts = next(iter(p.values()))
            return dict(opts) if isinstance(opts, dict) else {}
    return {}


def macros_by_default(config: dict[str, Any]) -> bool:
    """Whether mkdocs-macros (as configured) renders pages that do not ask for it."""
    for p in config.get("plugins") or []:
        if _plugin_name(p) == "macros":
            opts = next(iter(p.values())) if isinstance(p, dict) else None
            return not isinstance(opts, dict) or opts.get("render_by_default", True) is not False
    return False


def engine_config(
    config: dict[str, Any], config_file: Path | None, nav: list[Any]
) -> dict[str, Any]:
    """The engine-neutral configuration of the site source: the user's settings, with the
    docs folder pointing at the compiled pages and without the `assay` plugin."""
    out = {k: v for k, v in config.items() if k not in ("docs_dir", "site_dir", "INHERIT")}
    out["docs_dir"] = "docs"
    out["plugins"] = [p for p in config.get("plugins") or [] if _plugin_name(p) != "assay"]
    if not out.get("nav"):
        out["nav"] = nav
    css = [str(c) for c in out.get("extra_css") or []]
    if "assets/assay.css" not in css:
        css.append("assets/assay.css")
    out["extra_css"] = css
    js = [str(j) for j in out.get("extra_javascript") or []]
    out["extra_javascript"] = js + [path for path in SCRIPTS if path not in js]
    validation = dict(out.get("validation") or {})
    validation.setdefault("nav", {"omitted_files": "ignore"})
    out["validation"] = validation
    if config_file is not None:
        out["config_file"] = str(config_file)  # engines that read mkdocs.yml may INHERIT it
    return out


def navigation(maintainer: list[str], sections: dict[str, str]) -> list[Any]:
    """Home, the maintainer pages, then the generated sections — never every record."""
    nav: list[Any] = [{"Home": "index.md"}]
    folders: dict[str, list[str]] = {}
    for rel in maintainer:
        if not rel.endswith(".md") or rel == "index.md":
            continue
        top, sep, _ = rel.partition("/")
        if sep:
            folders.setdefault(top, []).append(rel)
        else:
            nav.append(rel)
    for top, pages in sorted(folders.items()):
        pages.sort(key=lambda p: (not p.endswith("/index.md"), p))
        nav.append({top.replace("-", " ").capitalize(): pages})
    nav += [{title: src} for src, title in sections.items()]
    return nav


# -- maintainer pages ---------------------------------------------------------------------
_MACRO_META = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", re.S)


def _front_matter(text: str) -> dict[str, Any]:
    m = _MACRO_META.match(text)
    if not m:
        return {}
    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


# -- the compile step ---------------------------------------------------------------------
def _page_file(title: str, html: str, hide: list[str] | None = None) -> str:
    meta: dict[str, Any] = {"title": safe_title(title), "render_macros": False, GENERATED_KEY: True}
    if hide:
        meta["hide"] = hide  # layout only: the sidebars a data page leaves out
    front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items())
    return f'---\n{front}\n---\n\n<div class="assay-page">{passthrough(html)}</div>\n'


_H1 = re.compile(r"\A# (.*)$", re.M)


def _write_new(docs: Path, files: dict[str, bytes]) -> None:
    """Create every file of a new site source folder `docs` (no file there to compare with,
    to replace atomically or to remove: a new source is made in a new folder)."""
    made: set[str] = set()
    for rel, data in files.items():
        folder = rel.rpartition("/")[0]
        if folder not in made:
            (docs / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        with open(docs / rel, "xb") as f:  # never through a file already there
            f.write(data)


def _update(docs: Path, files: dict[str, bytes], result: CompileResult) -> None:
    """Bring the live site source folder `docs` (`assay serve`, the MkDocs plugin) to
    `files`: write the files whose bytes changed, remove the ones no longer there."""
    for rel, data in sorted(files.items()):
        if write_if_changed(docs / rel, data):
            result.written.append(rel)
    for path in sorted(docs.rglob("*"), reverse=True):
        rel = path.relative_to(docs).as_posix()
        if path.is_file() and rel not in files:
            path.unlink()
            result.removed.append(rel)
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


class PageCache:
    """Each generated page's sanitized HTML, keyed by a hash of its Markdown, its path and
    the renderer's version: a rebuild converts only pages whose inputs changed. Kept in
    memory (`assay serve`) and, with a folder, on disk across builds; entries no build used
    are pruned by `prune`."""

    #: Largest entry believed (a page of a 1 MiB record is a few MiB of HTML).
    MAX_ENTRY_BYTES = 64 * 1024 * 1024

    def __init__(self, directory: Path | None) -> None:
        from .cachestore import SealedFiles

        self.directory = directory
        self.files = SealedFiles(directory, "html", ".html", self.MAX_ENTRY_BYTES)
        self.memory: dict[str, str] = {}
        # whole page files, with the keys of their HTML (kept on disk while the page is used)
        self.final: dict[tuple[str, str, bool, str], tuple[str, list[str]]] = {}
        #: record pages' Markdown across recompiles (`assay serve`: an edit renders only the
        #: pages it can affect)
        self.records = RecordPages()
        self.final_used: set[tuple[str, str, bool, str]] = set()
        #: HTML the forked converter made this compile, by key (taken by `html`)
        self.converted: dict[str, str] = {}
        self.hits = 0

    @staticmethod
    def key(src: str, markdown: str, directory_urls: bool) -> str:
        """The cache key of a page's HTML: its renderer version, path, URL style, Markdown."""
        from .render.charts import without_nonce
        from .render.html import RENDERER_VERSION

        # Chart placeholders carry a secret of this process (FINDINGS.md A1): keyed and
        # stored without it, so a later build reuses the page.
        return hashlib.sha256(
            f"{RENDERER_VERSION}\0{src}\0{directory_urls}\0{without_nonce(markdown)}".encode()
        ).hexdigest()

    @property
    def used(self) -> set[str]:
        return self.files.used

    def lookup(self, key: str) -> str | None:
        """The HTML kept under `key` (memory, then disk), or None."""
        from .render.charts import with_nonce

        cached = self.memory.get(key)
        if cached is not None:
            self.files.used.add(key)
            return cached
        # The cache folder lies in the repository, where a pull request could plant a
        # file: an entry is believed only with this machine's MAC (FINDINGS.md A7), and
        # sanitized again all the same (nh3 is cheap; Markdown was the cost).
        stored = self.files.read(key)
        if stored is None:
            return None
        cached = self.memory[key] = sanitize(with_nonce(stored))
        return cached

    def html(self, src: str, markdown: str, directory_urls: bool, key: str | None = None) -> str:
        """The HTML of `markdown` on the page `src` (`key`: its `key()`, when known)."""
        from .render.charts import without_nonce

        key = key or self.key(src, markdown, directory_urls)
        cached = self.lookup(key)
        if cached is not None:
            self.hits += 1
        else:  # converted by the forked converter (`_Converter`), or here
            cached = self.converted.pop(key, None) or markdown_to_html(
                markdown, src, directory_urls
            )
            self.files.write(key, without_nonce(cached))
        self.memory[key] = cached
        return cached

    def prune(self) -> None:
        """Forget what the last compile did not use (memory and disk)."""
        self.memory = {k: v for k, v in self.memory.items() if k in self.used}
        self.final = {k: v for k, v in self.final.items() if k in self.final_used}
        self.final_used = set()
        self.converted = {}
        self.files.prune()


def render_page(
    src: str,
    markdown: str,
    sink: ChartSink,
    directory_urls: bool,
    title: str | None = None,
    cache: PageCache | None = None,
) -> str:
    """One generated page, from Assay's Markdown to the file an engine passes through."""
    key = (src, markdown, directory_urls, title or "")
    if cache is not None:
        cache.final_used.add(key)
        if (hit := cache.final.get(key)) is not None:
            page, html_keys = hit
            cache.used.update(html_keys)  # its HTML (each section's) stays cached
            cache.hits += 1
            return page
    hide, markdown = _layout(markdown)
    if cache is not None:
        parts = _parts(src, markdown)
        html_keys = [cache.key(src, part, directory_urls) for part in parts]
        html = "".join(
            cache.html(src, part, directory_urls, k)
            for part, k in zip(parts, html_keys, strict=True)
        )
    else:
        html = markdown_to_html(markdown, src, directory_urls)
    html = insert_charts(html, sink, src, directory_urls)
    if title is None:
        m = _H1.match(markdown)
        title = m.group(1) if m else src
    page = _page_file(title, html, hide)
    if cache is not None:
        cache.final[key] = (page, html_keys)
    return page


#: Generated pages that `assay serve` converts section by section (`## ` headings), each
#: section cached on its own, so an edit re-converts only the sections it changed. Assay
#: writes all of their Markdown: a section is a heading (a tag, a slug: ids never collide)
#: and a list of one-line links (record text escaped), nothing that reaches across a heading
#: (no code fence, no reference definition, no HTML block) — the HTML is the same as the
#: whole page's (tests/test_serve.py checks it).
SECTIONED_PAGES = frozenset({"tags/index.md"})
_SECTION = re.compile(r"(?m)^(?=## )")
#: `hide:` front matter that Assay's page functions put on data pages (render/pages.py WIDE).
_LAYOUT = re.compile(r"\A---\nhide:\n((?:  - [a-z]+\n)+)---\n\n")
_MD_HREF = re.compile(r'href="([^"#?]+\.md(?:#[^"]*)?)"')


def _layout(markdown: str) -> tuple[list[str] | None, str]:
    """The `hide:` list of Assay's page Markdown, and the Markdown without it."""
    if layout := _LAYOUT.match(markdown):  # front matter of Assay's own page Markdown
        return re.findall(r"  - ([a-z]+)\n", layout.group(1)), markdown[layout.end() :]
    return None, markdown


def _parts(src: str, markdown: str) -> list[str]:
    """The pieces of a page's Markdown converted (and cached) one by one."""
    return _SECTION.split(markdown) if src in SECTIONED_PAGES else [markdown]


# -- converting pages on the second CPU ----------------------------------------------------
#: Least Markdown (characters) to convert for which a forked converter pays: below it the
#: fork and the answer cost more than the conversion it takes over (a rebuild converts
#: next to nothing; a first build at 250 records about 2.5 MB).
PARALLEL_MIN_CHARS = 200_000
#: Share of the conversion left (in characters) the converter takes.
CONVERTER_SHARE = 0.5


#: What the last compile's converter did: forked (0/1), pages given, pages delivered.
LAST_CONVERTER: dict[str, int] = {}


def _convert(conn: Any, jobs: list[tuple[str, str, str]], directory_urls: bool) -> None:
    """In the converter: {key: HTML} of every (src, key, Markdown) job, sent at once."""
    conn.send({key: markdown_to_html(md, src, directory_urls) for src, key, md in jobs})


class _Converter:
    """A forked process converting the Markdown of some pages (`share`, src paths) while
    this one renders the others (generator/forking.py); `collect` hands its HTML to the
    page cache. A converter that dies or answers garbage costs only time: the pages it
    did not deliver are converted here."""

    def __init__(self, child: forking.Child, jobs: list[tuple[str, str, str]]) -> None:
        self.child = child
        self.share = {src for src, _, _ in jobs}
        self.keys = {key for _, key, _ in jobs}

    @classmethod
    def start(
        cls, items: list[tuple[str, str]], pages: PageCache | None, directory_urls: bool
    ) -> _Converter | None:
        if pages is None or not forking.allowed() or forking.cpus() < 2:
            return None
        todo: list[tuple[str, str, str]] = []  # (src, key, Markdown) not cached
        for src, markdown in items:
            if src in SECTIONED_PAGES:
                continue  # its sections are converted here
            _, body = _layout(markdown)
            key = pages.key(src, body, directory_urls)
            if pages.lookup(key) is None:
                todo.append((src, key, body))
        total = sum(len(md) for _, _, md in todo)
        if total < PARALLEL_MIN_CHARS:
            return None
        # the tail of the list: this process renders the pages in order meanwhile
        cut, taken = len(todo), 0
        while cut > 0 and taken < total * CONVERTER_SHARE:
            cut -= 1
            taken += len(todo[cut][2])
        child = forking.Child.start(_convert, todo[cut:], directory_urls)
        return None if child is None else cls(child, todo[cut:])

    def collect(self, pages: PageCache) -> None:
        """Wait for the converter's answer and reap it."""
        answer = self.child.recv()
        self.child.stop()
        if isinstance(answer, dict):  # only what it was asked for, only text
            pages.converted.update(
                (k, v) for k, v in answer.items() if k in self.keys and isinstance(v, str)
            )
        LAST_CONVERTER.update(forked=1, share=len(self.share), delivered=len(pages.converted))

    def stop(self) -> None:
        self.child.stop()


def insert_charts(html: str, sink: ChartSink, src: str = "", directory_urls: bool = True) -> str:
    """Chart placeholders → inline SVG rendered by Assay (never record markup). Hand-written
    markup (radar, forest plots) links to pages as `x.md`: those links become the URLs of
    the built pages, as Markdown links do."""

    def link(m: re.Match[str]) -> str:
        return f'href="{relative_url(src, m.group(1), directory_urls)}"'

    def repl(m: re.Match[str]) -> str:
        if (raw := sink.raw.get(m.group(1))) is not None:
            return _MD_HREF.sub(link, raw)
        svg = sink.svgs.get(m.group(1))
        return f'<figure class="assay-chart">{svg}</figure>' if svg else ""

    return PLACEHOLDER.sub(repl, html)


def diagnostics_page(diags: list[Diagnostic], n_records: int) -> str:
    """The page `assay serve` shows while the knowledge base has errors."""
    from .diagnostics import format_text

    return (
        "# The knowledge base has errors\n\n"
        "Fix these and save: the site reloads by itself.\n\n"
        "```text\n" + format_text(diags, n_records).replace("```", "'''") + "```\n"
    )


def compile_site(
    kb: KnowledgeBase,
    source_root: Path,
    *,
    config: dict[str, Any],
    config_file: Path | None,
    sink: ChartSink,
    broken: list[Diagnostic] | None = None,
    pages: PageCache | None = None,
) -> CompileResult:
    """Write the site source for `kb` into `source_root` (created or updated in place).

    `broken`, used by `assay serve`, lists diagnostics of an edit that made the knowledge
    base invalid: the pages of the records at fault then show them instead."""
    from . import statcache
    from .macros import MacroMarkerError, expand_macros, marker_characters
    from .render.site import (
        CSS_PATH,
        SECTION_PAGES,
        home_page,
        iter_plain_pages,
        iter_statistics_pages,
        records_json,
        stylesheet,
    )

    assert kb.root is not None and kb.content_dir is not None
    content = kb.content_dir
    directory_urls = config.get("use_directory_urls", True) is not False
    docs = source_root / "docs"
    # A new site source (`assay build`): its files are created, not compared with old ones
    fresh = not docs.exists()
    files: dict[str, bytes] = {}

    titles = {f"{KINDS[e.kind][0]}/{e.id}.md": e.record.title for e in kb.entries if e.record}
    heavy = {
        f"{KINDS[e.kind][0]}/{e.id}.md": e.parsed.body.strip()
        for e in kb.entries
        if e.record and is_heavy(e.parsed.body)
    }
    records = pages.records if pages is not None else None

    def plain(items: Iterable[tuple[str, str]]) -> Iterator[tuple[str, str]]:
        for src, markdown in items:
            if src in heavy:  # shown as plain text: bounded time whatever the body holds
                markdown = markdown.replace(heavy[src], plain_text_block(heavy[src]), 1)
            yield src, markdown

    def render(src: str, markdown: str) -> None:
        page = render_page(src, markdown, sink, directory_urls, titles.get(src), pages)
        files[src] = page.encode()

    # The pages without statistics first (a worker computes the statistics meanwhile:
    # generator/statcache.py). Once the worker is done (or when there is none), a forked
    # converter turns the Markdown of the second half of the pages left into HTML while
    # this process converts the first half: the second CPU is never asked for two things.
    first = list(plain(iter_plain_pages(kb, sink, records)))
    LAST_CONVERTER.clear()
    LAST_CONVERTER.update(forked=0, share=0, delivered=0)
    converter: _Converter | None = None
    share: set[str] = set()
    tried = False
    try:
        for i, (src, markdown) in enumerate(first):
            if not tried and i % 8 == 0 and not statcache.worker_busy():
                tried = True
                converter = _Converter.start(first[i:], pages, directory_urls)
                share = converter.share if converter is not None else set()
            if src not in share:
                render(src, markdown)
        if converter is not None:  # done by now, most often; the worker too, meanwhile
            assert pages is not None
            converter.collect(pages)
            for src, markdown in first:
                if src in share:
                    render(src, markdown)
        for src, markdown in plain(iter_statistics_pages(kb, sink)):
            render(src, markdown)
    finally:
        if converter is not None:
            converter.stop()
    maintainer = kb.maintainer_files  # checked and read by load.maintainer_files()
    render_all = macros_by_default(config)
    for f in maintainer:
        rel, data = f.rel_path, f.data
        if rel in files or rel in _RESERVED_FILES:
            raise CompileError(
                f"{content.name}/{rel} has the path of a page Assay generates: rename or move it"
            )
        if f.is_page:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise CompileError(
                    f"{content.name}/{rel}: not UTF-8 ({exc.reason} at byte {exc.start}): "
                    "save it as UTF-8"
                ) from exc
            wants = _front_matter(text).get("render_macros")
            if wants is True or (render_all and wants is not False):
                try:
                    encode = marker_characters(config)
                except MacroMarkerError as exc:
                    raise CompileError(
                        f"{content.name}/{rel} calls Assay's macros: {exc}"
                    ) from None
                text = expand_macros(text, kb, sink, rel, directory_urls, encode)
            data = text.encode()
        files[rel] = data
    if "index.md" not in files:
        files["index.md"] = render_page("index.md", home_page(kb), sink, directory_urls).encode()
    if broken:
        page = diagnostics_page(broken, len(kb.entries))
        for d in broken:
            stem = d.path.rsplit("/", 1)[-1].removesuffix(".md")
            kind = next((k for k, (f, _) in KINDS.items() if f"/{f}/" in f"/{d.path}"), None)
            if kind is not None:
                src = f"{KINDS[kind][0]}/{stem}.md"
                files[src] = render_page(src, page, sink, directory_urls).encode()
        files["index.md"] = render_page("index.md", page, sink, directory_urls).encode()
    files[CSS_PATH] = stylesheet().encode()
    for asset, text in site_assets().items():  # scripts and their licences
        files[asset] = text.encode()
    files["records.json"] = records_json(kb).encode()

    result = CompileResult(SiteSource(source_root, {}))
    if fresh:
        _write_new(docs, files)
        result.written.extend(sorted(files))
    else:
        _update(docs, files, result)
    nav = navigation([f.rel_path for f in maintainer], SECTION_PAGES)
    neutral = engine_config(config, config_file, nav)
    write_if_changed(
        source_root / "config.json",
        (json.dumps(neutral, indent=1, sort_keys=True, default=str) + "\n").encode(),
    )
    if pages is not None:
        pages.prune()
    result.charts = sink.stats
    engine_cache = pages.directory.parent / "engine" if pages and pages.directory else None
    result.source = SiteSource(source_root, neutral, engine_cache)
    return result
