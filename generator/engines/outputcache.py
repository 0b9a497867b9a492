"""The theme's output for each page, reused by the next MkDocs/ProperDocs build when
nothing it is made from changed (the `assay-engine` plugin's page cache).

Rendering Material's templates is most of what MkDocs does for a page Assay compiled (its
Markdown is passed through): about 2 ms a page, every build. A page's output is a function
of the page (URL, title, meta, HTML, table of contents, previous and next pages), the
navigation, the configuration (theme options, `extra`, plugins' options, custom templates)
and the versions of the engine and the theme; the key below hashes all of them, so a change
to any re-renders the page.

Only configurations whose plugins are known to leave the theme's context alone use it
(`search`, `macros`, `assay-engine`): a plugin that adds to a page's context could make its
output differ with an unchanged key. Entries are authenticated like Assay's other caches
(`cacheauth`: the folder lies in the repository, where a pull request can plant files), and
the entries a build did not use are removed after it.

How a hit skips the templates: MkDocs picks a page's template before the `page_context`
event, so on a hit the plugin has it pick `TEMPLATE` (mkdocs_plugin.py
`_print_stored_output`), which prints the stored output; if the page's HTML changed after
the key was taken (a later plugin), the template renders `main.html` as usual. The parallel
render of a first build (engines/pagerender.py) hands its pages over the same way.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: The template a cache hit renders, and what it holds.
TEMPLATE = "assay-engine-cached.html"
TEMPLATE_SOURCE = (
    "{% if page.assay_output is string %}{{ page.assay_output }}"
    "{% else %}{% include 'main.html' %}{% endif %}"
)
#: Plugins that add nothing to a page's template context.
KNOWN_PLUGINS = frozenset({"search", "material/search", "macros", "assay-engine"})
#: Configuration entries that differ between builds of the same site without changing a page.
_VOLATILE = frozenset({"site_dir", "docs_dir", "config_file_path", "watch", "dev_addr"})
_PACKAGES = (
    "mkdocs",
    "properdocs",
    "mkdocs-material",
    "jinja2",
    "markupsafe",
    "pymdown-extensions",
)
#: A custom theme folder is hashed whole; a bigger one turns the cache off.
_MAX_THEME_BYTES = 32 * 1024 * 1024
MAX_ENTRY_BYTES = 16 * 1024 * 1024


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def _stable(obj: object) -> object:
    """A JSON-able stand-in for a configuration value (themes, plugins, callables)."""
    from mkdocs.plugins import BasePlugin
    from mkdocs.theme import Theme

    if isinstance(obj, Theme):
        return {"theme": obj.name, "options": dict(obj), "dirs": [str(d) for d in obj.dirs]}
    if isinstance(obj, BasePlugin):
        kind = type(obj)
        return {"plugin": f"{kind.__module__}.{kind.__qualname__}", "config": dict(obj.config)}
    if isinstance(obj, Mapping):
        return {str(k): v for k, v in obj.items()}
    if isinstance(obj, set | frozenset):
        return sorted(str(x) for x in obj)
    if isinstance(obj, Path):
        return str(obj)
    if callable(obj):
        return (
            f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', type(obj).__name__)}"
        )
    text = repr(obj)
    if " at 0x" in text:  # the default repr: identity, not value
        raise TypeError(f"no stable form for {type(obj).__name__}")
    return f"{type(obj).__qualname__}:{text}"


def _theme_files(dirs: Iterable[str]) -> str | None:
    """A hash of the user's own template folders (not the installed themes'), or None when
    they are too big to hash on every build."""
    h = hashlib.sha256()
    total = 0
    site_packages = {str(Path(p).resolve()) for p in _package_dirs()}
    for d in dirs:
        base = Path(d).resolve()
        if any(str(base).startswith(sp) for sp in site_packages):
            continue
        for path in sorted(base.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            data = path.read_bytes()
            total += len(data)
            if total > _MAX_THEME_BYTES:
                return None
            h.update(str(path.relative_to(base)).encode() + b"\0" + data + b"\0")
    return h.hexdigest()


def _package_dirs() -> list[str]:
    import jinja2
    import mkdocs

    out = [os.path.dirname(mkdocs.__file__), os.path.dirname(jinja2.__file__)]
    spec = importlib.util.find_spec("material")
    if spec is not None and spec.origin:
        out.append(os.path.dirname(spec.origin))
    return out


def config_signature(config: Any) -> str | None:
    """A hash of everything in the configuration that can change a page's output, or None
    when the cache must stay off for this configuration."""
    plugins = set(config["plugins"].keys())
    if not plugins <= KNOWN_PLUGINS:
        return None
    try:
        values = {k: v for k, v in dict(config).items() if k not in _VOLATILE}
        text = json.dumps(values, sort_keys=True, default=_stable)
        theme = _theme_files(config["theme"].dirs)
    except (TypeError, ValueError, OSError, RecursionError):
        return None
    if theme is None:
        return None
    versions = ",".join(f"{p}={_version(p)}" for p in _PACKAGES)
    return hashlib.sha256(f"{versions}\0{theme}\0{text}".encode()).hexdigest()


def _nav_items(items: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        children = getattr(item, "children", None)
        out.append(
            [
                type(item).__name__,
                str(getattr(item, "title", "") or ""),
                str(getattr(item, "url", "") or ""),
                _nav_items(children) if children else None,
            ]
        )
    return out


def nav_signature(nav: Any) -> str:
    return hashlib.sha256(json.dumps(_nav_items(nav.items)).encode()).hexdigest()


def _toc(items: Iterable[Any]) -> list[Any]:
    return [[t.title, t.id, t.level, _toc(t.children)] for t in items]


def _neighbour(page: Any) -> list[str] | None:
    return None if page is None else [str(page.url), str(page.title)]


def page_key(site: str, page: Any, content: str) -> str:
    """The key of `page`'s output in a site whose configuration and navigation hash to `site`."""
    meta = json.dumps(page.meta, sort_keys=True, default=str)
    parts = [
        site,
        page.file.src_uri,
        page.url,
        str(page.title),
        meta,
        json.dumps(_toc(page.toc)),
        json.dumps([_neighbour(page.previous_page), _neighbour(page.next_page)]),
        str(page.canonical_url),
        str(page.edit_url),
        hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest(),
    ]
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


class OutputCache:
    """Stored theme output per page key, in `directory` (None: off)."""

    def __init__(self, directory: Path | None) -> None:
        from ..cachestore import SealedFiles

        self.files = SealedFiles(directory, "engine", ".html", MAX_ENTRY_BYTES)
        self.hits = 0
        self.stored = 0

    @property
    def directory(self) -> Path | None:
        return self.files.directory

    def get(self, key: str) -> str | None:
        out = self.files.read(key)
        if out is not None:
            self.hits += 1
        return out

    def put(self, key: str, output: str) -> None:
        if self.files.directory is not None and self.files.write(key, output):
            self.stored += 1

    def flush(self) -> None:
        """Store the outputs put since the last flush (a dirty rebuild, which prunes nothing)."""
        self.files.flush()

    def prune(self) -> None:
        """Store the outputs put, and remove the entries this build did not use."""
        self.files.prune()
