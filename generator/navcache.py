"""Material's navigation partials rendered once per folder instead of once per page.

Material renders the site navigation (`partials/nav.html`, and `partials/tabs.html` with
the `navigation.tabs` feature) into every page. On a page that is not itself in the
navigation — every record page: the navigation lists the sections, never the records —
that HTML depends on nothing but the folder of the page's URL (the links are written
relative to it, and no item is marked active). On Assay's sites it was most of the
difference between the theme's cost per page and the bare build's.

`NavCache.install` wraps those two templates of a Jinja environment so that, for such a
page, the first page of a folder renders them and the others reuse the output: the pages
are byte for byte the same (tests/test_search_index.py builds both ways and compares).
Only Material's own partials are wrapped: a theme override of any template they use
(`custom_dir`) may depend on the page, and is rendered as usual.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from jinja2 import TemplateNotFound

#: The partials cached, and every template they include or import.
CACHED = ("partials/nav.html", "partials/tabs.html")
_USED = (
    *CACHED,
    "partials/nav-item.html",
    "partials/tabs-item.html",
    "partials/logo.html",
    "partials/source.html",
)


def material_templates() -> Path | None:
    """The folder of Material for MkDocs' own templates (None: Material is not installed)."""
    spec = importlib.util.find_spec("material.templates")
    return Path(spec.origin).resolve().parent if spec and spec.origin else None


def _folder_key(url: str) -> tuple[str, bool]:
    """Pages with the same key get the same relative links (mkdocs.utils.get_relative_url
    resolves from the URL's folder, or from the URL itself when it ends in `/`)."""
    stripped = url.rstrip("/")
    parent, _, _ = stripped.rpartition("/")
    return parent, url.endswith("/") or url == ""


class NavCache:
    """Output of the navigation partials per (template, folder) for one build."""

    def __init__(self, nav_urls: set[str]) -> None:
        self.nav_urls = nav_urls  # URLs of the pages in the navigation
        self.outputs: dict[tuple[str, str, tuple[str, bool]], str] = {}
        self.hits = 0

    def key(self, context: Any) -> tuple[str, bool] | None:
        page = context.get("page")
        url = getattr(page, "url", None)
        if not isinstance(url, str) or url in self.nav_urls:
            return None
        if url.endswith("/") and any(u.startswith(url) for u in self.nav_urls):
            return None  # a navigation link below this page: relative to the page itself
        return _folder_key(url)

    def install(self, env: Any, theme_dir: Path) -> list[str]:
        """Wrap the cached partials of `env` that come from `theme_dir` (Material's own
        templates) when every template they use does; the names wrapped."""
        loader = env.loader
        for name in _USED:
            try:
                _, filename, _ = loader.get_source(env, name)
            except TemplateNotFound:  # a theme without it: nothing to cache
                return []
            if not filename or not Path(filename).resolve().is_relative_to(theme_dir):
                return []
        wrapped = []
        for name in CACHED:
            template = env.get_template(name)
            template.root_render_func = self._wrap(name, template.root_render_func)
            wrapped.append(name)
        return wrapped

    def _wrap(
        self, name: str, render: Callable[[Any], Iterator[str]]
    ) -> Callable[[Any], Iterator[str]]:
        def cached(context: Any) -> Iterator[str]:
            key = self.key(context)
            if key is None:
                yield from render(context)
                return
            base = str(context.get("base_url", ""))
            out = self.outputs.get((name, base, key))
            if out is None:
                out = self.outputs[(name, base, key)] = "".join(render(context))
            else:
                self.hits += 1
            yield out

        return cached
