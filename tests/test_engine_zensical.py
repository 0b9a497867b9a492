"""The Zensical adapter against the real `zensical` (generator/engines/zensical.py).

A hand-made site source, shaped as Assay's compile step writes it (front matter with an
HTML-escaped title and description, record parts as raw-HTML blocks, chart SVG, CSS,
records.json), is built with the real engine; the tests read the files it wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import test_e2e as e2e
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.engines import EngineError, SiteSource, get_engine
from generator.engines.base import SourceChange
from generator.engines.zensical import CONFIG_NAME, ZensicalEngine, zensical_config

REPO = Path(__file__).resolve().parents[1]
HOSTILE = "</title><script>alert('title')</script>\" onmouseover=\"alert('attr')"
HOSTILE_DESC = "</title><script>alert('desc')</script>\" onfocus=\"alert('desc-attr')"


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# Raw-HTML blocks as Assay's renderer writes them: they must reach the page byte for byte.
TABLE = (
    '<table class="assay-claims"><thead><tr><th>claim</th><th>reproduced</th></tr></thead>'
    "<tbody><tr><td>nDCG@10 +4.1 &lt;script&gt;alert(1)&lt;/script&gt; zebrafishword</td>"
    '<td><span class="assay-badge assay-badge--no">no</span></td></tr></tbody></table>'
)
BADGES = (
    '<p class="assay-badges"><span class="assay-badge assay-badge--adopt">ADOPT</span> '
    '<span class="assay-badge">stage: trial</span></p>'
)
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" class="assay-chart" width="40" height="20" '
    'viewBox="0 0 40 20" role="img"><title>runs &lt;b&gt;</title>'
    '<rect x="0" y="0" width="40" height="20" fill="#3f51b5"></rect></svg>'
)

PAGES = {
    "index.md": """\
        ---
        title: Home
        ---
        # Research knowledge base

        See the [papers](papers/index.md) and the [guide](guide/writing.md).
        """,
    "papers/index.md": f"""\
        ---
        title: Papers
        ---
        # Papers

        <table class="assay-index"><tbody><tr><td><a href="../hostile/">{_escape(HOSTILE)}</a></td></tr></tbody></table>
        """,
    "papers/hostile.md": f"""\
        ---
        title: "{_escape(HOSTILE)}"
        description: "{_escape(HOSTILE_DESC)}"
        ---
        <h1 id="top">{_escape(HOSTILE)}</h1>

        {BADGES}

        {TABLE}

        <figure class="assay-figure">{SVG}</figure>

        <p>Macro syntax stays text: {{{{ 7 * 7 }}}} {{% raw %}} quokkaword</p>
        """,
    "guide/writing.md": """\
        # Writing records

        Maintainer text with a [link](../papers/index.md) and `{{ 6 * 7 }}` in code.

        | a | b |
        |---|---|
        | 1 | 2 |
        """,
}
NAV = [{"Home": "index.md"}, {"Guide": ["guide/writing.md"]}, {"Papers": "papers/index.md"}]
CONFIG = {
    "site_name": "Assay test site",
    "site_description": "A test site",
    "theme": {"name": "material", "palette": {"primary": "indigo"}},
    "nav": NAV,
    "extra_css": ["assets/assay.css"],
    "plugins": ["search", {"macros": {"render_by_default": True}}, "privacy", "offline"],
    "markdown_extensions": ["tables", "admonition", {"toc": {"permalink": True}}],
}

#: What the theme's vendored JavaScript bundle can fetch from a CDN, and only on demand
#: (mermaid diagrams, Pyodide code blocks, the lightbox plugin, a polyfill for browsers
#: without ResizeObserver, repository facts when repo_url is set). A new entry after a
#: Zensical upgrade must be reviewed (docs/engines.md) before this set is extended.
BUNDLE_LAZY_HOSTS = {"unpkg.com", "cdn.jsdelivr.net", "api.github.com"}
#: XML namespace and schema names, which are identifiers, never fetched.
NAMESPACES = {"www.w3.org", "www.sitemaps.org"}


def make_source(root: Path, pages: dict[str, str] | None = None) -> SiteSource:
    docs = root / "docs"
    for rel, text in (pages or PAGES).items():
        path = docs / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (docs / "assets").mkdir(exist_ok=True)
    (docs / "assets" / "assay.css").write_text(".assay-badge{font-weight:600}\n", encoding="utf-8")
    (docs / "charts").mkdir(exist_ok=True)
    (docs / "charts" / "radar.svg").write_text(SVG + "\n", encoding="utf-8")
    (docs / "records.json").write_text('{"records": []}\n', encoding="utf-8")
    (root / "config.json").write_text(json.dumps(CONFIG), encoding="utf-8")
    return SiteSource(root=root, config=CONFIG)


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One real build, with HOME, TMPDIR and the XDG folders pointed at empty folders."""
    base = tmp_path_factory.mktemp("zensical")
    source = make_source(base / "source")
    docs_before = tree_digest(source.docs_dir)
    home, tmp = base / "home", base / "tmp"
    home.mkdir()
    tmp.mkdir()
    site = base / "out" / "site"
    site.mkdir(parents=True)
    saved = dict(os.environ)
    os.environ.update(
        HOME=str(home),
        TMPDIR=str(tmp),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local"),
    )
    try:
        get_engine("zensical").build(source, site)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert tree_digest(source.docs_dir) == docs_before, "the engine changed the site source"
    return {"base": base, "site": site, "source": source.root, "home": home, "tmp": tmp}


def read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


class Elements(HTMLParser):
    """Every start tag with its attributes, the text of <title> and of every <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.titles: list[str] = []
        self.scripts: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("title", "script"):
            self._in = tag
            (self.titles if tag == "title" else self.scripts).append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.titles[-1] += data
        elif self._in == "script":
            self.scripts[-1] += data


def parse(html: str) -> Elements:
    p = Elements()
    p.feed(html)
    p.close()
    return p


def test_pages_exist_at_their_urls(built: dict[str, Path]) -> None:
    site = built["site"]
    for rel in (
        "index.html",
        "404.html",
        "sitemap.xml",
        "search.json",
        "papers/index.html",
        "papers/hostile/index.html",
        "guide/writing/index.html",
        "assets/assay.css",
        "charts/radar.svg",
        "records.json",
    ):
        assert (site / rel).is_file(), rel
    assert read(site, "records.json") == '{"records": []}\n'
    assert read(site, "charts/radar.svg") == SVG + "\n"
    assert '<link rel="stylesheet" href="../../assets/assay.css">' in read(
        site, "papers/hostile/index.html"
    )


def test_raw_html_blocks_pass_through_unchanged(built: dict[str, Path]) -> None:
    page = read(built["site"], "papers/hostile/index.html")
    for block in (TABLE, BADGES, SVG, f'<h1 id="top">{_escape(HOSTILE)}</h1>'):
        assert block in page


def test_maintainer_markdown_is_rendered(built: dict[str, Path]) -> None:
    page = read(built["site"], "guide/writing/index.html")
    assert "<table>" in page and "<td>1</td>" in page
    assert '<a href="../../papers/">link</a>' in page


def test_macro_syntax_is_never_evaluated(built: dict[str, Path]) -> None:
    # mkdocs-macros is configured with render_by_default: the adapter does not pass it on.
    record = read(built["site"], "papers/hostile/index.html")
    assert "{{ 7 * 7 }} {% raw %} quokkaword" in record
    assert "<code>{{ 6 * 7 }}</code>" in read(built["site"], "guide/writing/index.html")


def test_search_index_holds_page_text(built: dict[str, Path]) -> None:
    index = json.loads(read(built["site"], "search.json"))
    by_location: dict[str, list[dict[str, object]]] = {}
    for item in index["items"]:
        by_location.setdefault(item["location"], []).append(item)
    hostile = " ".join(str(i["text"]) for i in by_location["papers/hostile/"])
    assert "zebrafishword" in hostile and "quokkaword" in hostile
    assert "Writing records" in [i["title"] for i in by_location["guide/writing/"]]


def test_hostile_title_and_description_stay_text_everywhere(built: dict[str, Path]) -> None:
    site = built["site"]
    page = parse(read(site, "papers/hostile/index.html"))
    # <title>: the browser sees the whole hostile string as text; the second title element
    # is the chart's own, inside the inline SVG.
    assert page.titles == [f"{HOSTILE} - Assay test site", "runs <b>"]
    metas = [a for t, a in page.tags if t == "meta" and a.get("name") == "description"]
    assert metas == [{"name": "description", "content": HOSTILE_DESC}]
    for html_file in site.rglob("*.html"):
        doc = parse(html_file.read_text(encoding="utf-8"))
        assert not any("alert" in s for s in doc.scripts), html_file
        for tag, attrs in doc.tags:
            assert not any(k.startswith("on") for k in attrs), (html_file, tag, attrs)
    # The theme's search shows titles, texts and paths from the index as HTML: parsed as
    # HTML, they hold no script and no event handler.
    for item in json.loads(read(site, "search.json"))["items"]:
        for field in (item["title"], item["text"], *item["path"]):
            doc = parse(str(field))
            assert doc.scripts == [], item
            assert all(t in ("p", "code", "em", "strong") for t, _ in doc.tags), item
            assert not any(attrs for _, attrs in doc.tags), item


def test_records_are_not_listed_in_the_navigation(built: dict[str, Path]) -> None:
    home = parse(read(built["site"], "index.html"))
    links = {
        a.get("href") for t, a in home.tags if t == "a" and "md-nav__link" in (a.get("class") or "")
    }
    assert "./papers/" in links and "./guide/writing/" in links
    assert not any(h and "hostile" in h for h in links)


def _external_hosts(text: str) -> set[str]:
    hosts = {m.lower() for m in re.findall(r"https?://([^/\"'\s)`<>$\\]+)", text)}
    return hosts - NAMESPACES - {"127.0.0.1", "localhost"}


CSS_FETCH = re.compile(r"(?:url\(\s*[\"']?|@import\s+[\"']?)(?:https?:)?//", re.I)
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "xlink:href"}


def test_no_request_can_leave_the_site(built: dict[str, Path]) -> None:
    """Pages, styles, data and the search worker reference nothing off the site; the theme
    bundle's only external URLs are its on-demand loaders (BUNDLE_LAZY_HOSTS)."""
    site = built["site"]
    checked = 0
    for path in sorted(p for p in site.rglob("*") if p.is_file() and p.suffix != ".png"):
        text = path.read_text(encoding="utf-8", errors="replace")
        checked += 1
        if path.suffix == ".html":
            doc = parse(text)
            for tag, attrs in doc.tags:
                for name, value in attrs.items():
                    if name in URL_ATTRIBUTES and value:
                        assert not _external_hosts(value), (path, tag, name, value)
            assert not CSS_FETCH.search(text), path
        elif path.suffix == ".css":
            assert not CSS_FETCH.search(text), path
        elif path.name.startswith("bundle.") and path.suffix == ".js":
            hosts = _external_hosts(text)
            assert hosts <= BUNDLE_LAZY_HOSTS, (path, hosts - BUNDLE_LAZY_HOSTS)
        else:
            assert not _external_hosts(text), path
    assert checked > 15
    for html_file in site.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in text and "fonts.gstatic" not in text


def test_nothing_is_written_outside_the_site_folder(built: dict[str, Path]) -> None:
    assert not any(built["home"].iterdir())
    assert not any(built["tmp"].iterdir())
    assert sorted(p.name for p in (built["base"] / "out").iterdir()) == ["site"]
    # In the source folder: its configuration and Zensical's cache, beside what Assay wrote.
    assert sorted(p.name for p in built["source"].iterdir()) == [
        ".cache",
        "config.json",
        "docs",
        CONFIG_NAME,
    ]


def test_configuration_keeps_only_what_is_safe() -> None:
    cfg = zensical_config(
        {
            "site_name": "KB",
            "docs_dir": "../../etc",
            "site_dir": "/tmp/elsewhere",
            "hooks": ["hooks.py"],
            "INHERIT": "../base.yml",
            "watch": ["/"],
            "theme": {"name": "material", "font": {"text": "Roboto"}, "variant": "modern"},
            "plugins": [
                "search",
                "assay",
                {"macros": {"module_name": "main"}},
                {"markdown-exec": {}},
                "privacy",
                "offline",
                {"tags": {"tags_allowed": ["a"]}},
            ],
        }
    )
    assert cfg["docs_dir"] == "docs" and cfg["site_dir"] == ".zensical-site"
    assert not {"hooks", "INHERIT", "watch"} & cfg.keys()
    assert cfg["theme"] == {"name": "material", "font": False, "variant": "modern"}
    assert cfg["plugins"] == ["search", {"tags": {"tags_allowed": ["a"]}}]
    assert cfg["markdown_extensions"] == ["toc", "tables", "fenced_code"]
    assert cfg["extra"] == {"generator": False}


def test_configuration_defaults() -> None:
    cfg = zensical_config({"plugins": {"search": None, "assay": {}}})
    assert cfg["site_name"] == "Research knowledge base"
    assert cfg["theme"] == {"name": "material", "font": False, "variant": "classic"}
    assert cfg["plugins"] == ["search"]


def test_configuration_from_a_users_mkdocs_yml() -> None:
    cfg = zensical_config(
        {
            "config_file": "/kb/mkdocs.yml",
            "theme": {"name": "material", "custom_dir": "overrides"},
            # `emoji_index: !!python/name:…` reaches the adapter as None (unresolved tag).
            "markdown_extensions": [
                "tables",
                {"pymdownx.emoji": {"emoji_index": None}},
                {"toc": {"permalink": True, "slugify": None}},
            ],
        }
    )
    assert cfg["theme"]["custom_dir"] == "/kb/overrides"
    assert cfg["markdown_extensions"] == ["tables", "pymdownx.emoji", {"toc": {"permalink": True}}]
    assert "config_file" not in cfg


def test_link_validation_is_off_unless_configured() -> None:
    off = {"invalid_links": False, "invalid_link_anchors": False}
    assert zensical_config({})["validation"] == off
    nav_only = {"nav": {"omitted_files": "ignore"}}
    assert zensical_config({"validation": nav_only})["validation"] == {**nav_only, **off}
    links = {"links": {"not_found": "warn"}}
    assert zensical_config({"validation": links})["validation"] == links
    assert zensical_config({"validation": True})["validation"] is True


def test_configured_link_validation_reports_a_broken_link(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pages = {"index.md": "---\ntitle: Home\n---\n# Home\n\n[gone](nowhere.md)\n"}
    source = make_source(tmp_path / "source", pages)
    site = tmp_path / "site"
    site.mkdir()
    config = {"nav": [], "validation": {"links": {"not_found": "warn"}}}
    with caplog.at_level("WARNING", logger="generator.engines.zensical"):
        ZensicalEngine().build(SiteSource(source.root, config), site)
    assert "zensical: page does not exist (index.md:6:8)" in caplog.messages
    caplog.clear()
    again = tmp_path / "again"
    again.mkdir()
    with caplog.at_level("WARNING", logger="generator.engines.zensical"):
        ZensicalEngine().build(SiteSource(source.root, {**config, "validation": {}}), again)
    assert not [m for m in caplog.messages if "does not exist" in m]


def test_unwritable_setting_is_a_one_line_error() -> None:
    with pytest.raises(EngineError, match=r"'extra\.when' holds a set"):
        zensical_config({"extra": {"when": {1, 2}}})
    with pytest.raises(EngineError, match=r"'extra' must be a mapping, not list"):
        zensical_config({"extra": ["a"]})
    with pytest.raises(EngineError, match=r"'theme' must be a mapping, not int"):
        zensical_config({"theme": 3})


def test_engine_failure_is_one_line(tmp_path: Path) -> None:
    source = make_source(tmp_path / "source", {"index.md": "# Home\n"})
    bad = SiteSource(source.root, {**CONFIG, "nav": [], "theme": {"name": "no-such-theme"}})
    site = tmp_path / "site"
    site.mkdir()
    with pytest.raises(EngineError) as err:
        ZensicalEngine().build(bad, site)
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith("zensical build failed: Theme 'no-such-theme' is not installed")
    assert not any(site.iterdir())


def test_a_build_that_overruns_its_time_is_stopped(tmp_path: Path) -> None:
    source = make_source(tmp_path / "source")
    site = tmp_path / "site"
    site.mkdir()
    started = time.monotonic()
    with pytest.raises(EngineError, match=r"^zensical did not finish within 0\.05 s"):
        ZensicalEngine(timeout=0.05).build(source, site)
    assert time.monotonic() - started < 5
    assert not any(site.iterdir())


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(EngineError, match="unknown engine 'hugo'"):
        get_engine("hugo")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return str(r.read().decode("utf-8"))


def test_serve_shows_an_edit_and_stops_on_interrupt(tmp_path: Path) -> None:
    source = make_source(tmp_path / "source")
    port = _free_port()
    script = (
        "import sys, pathlib, json\n"
        "from generator.engines import SiteSource, get_engine\n"
        "from generator.engines.base import SourceChange\n"
        "root = pathlib.Path(sys.argv[1])\n"
        "cfg = json.loads((root / 'config.json').read_text())\n"
        "source = SiteSource(root, cfg)\n"
        "class Unchanged:\n"  # the test edits the site source itself
        "    def changed(self): return False\n"
        "    def update(self): return SourceChange(source)\n"
        "try:\n"
        "    get_engine('zensical').serve(source, sys.argv[2], False, Unchanged())\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(3)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(source.root), f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/guide/writing/"
    try:
        deadline = time.monotonic() + 30
        page = ""
        while time.monotonic() < deadline:
            try:
                page = _get(url)
                break
            except OSError:
                time.sleep(0.1)
        assert "Writing records" in page
        edited = source.docs_dir / "guide" / "writing.md"
        edited.write_text("# Writing records\n\nnarwhalword\n", encoding="utf-8")
        edit_time = time.monotonic()
        while "narwhalword" not in page and time.monotonic() - edit_time < 10:
            time.sleep(0.05)
            with contextlib.suppress(OSError):  # a request that meets the rebuild
                page = _get(url)
        assert "narwhalword" in page
        proc.send_signal(2)  # SIGINT, as Ctrl-C sends
        assert proc.wait(timeout=15) == 0
        assert proc.stdout is not None
        shown = proc.stdout.read().decode()
        assert f"zensical: Serving {source.root}/.zensical-site on http://127.0.0.1:{port}" in shown
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class _Unchanged:
    """A knowledge base that never changes (`LiveUpdates` for engine-level serve tests)."""

    def __init__(self, source: SiteSource) -> None:
        self.source = source

    def changed(self) -> bool:
        return False

    def update(self) -> SourceChange:
        return SourceChange(self.source)


def test_serve_on_a_busy_address_is_a_one_line_error(tmp_path: Path) -> None:
    source = make_source(tmp_path / "source", {"index.md": "# Home\n"})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EngineError) as err:
            get_engine("zensical").serve(source, f"127.0.0.1:{port}", False, _Unchanged(source))
    assert str(err.value) == "zensical serve failed: Address already in use (os error 98)"


def test_same_source_builds_byte_identical_site(built: dict[str, Path], tmp_path: Path) -> None:
    # A second source folder (no cache) and a rebuild of the first (warm cache).
    cold = tmp_path / "cold"
    cold.mkdir()
    get_engine("zensical").build(make_source(tmp_path / "source"), cold)
    warm = tmp_path / "warm"
    warm.mkdir()
    get_engine("zensical").build(SiteSource(built["source"], CONFIG), warm)
    reference = tree_digest(built["site"])
    assert tree_digest(cold) == reference
    assert tree_digest(warm) == reference


def test_a_file_already_in_the_site_folder_is_never_overwritten(tmp_path: Path) -> None:
    source = make_source(tmp_path / "source", {"index.md": "---\ntitle: Home\n---\n# Home\n"})
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("mine", encoding="utf-8")
    with pytest.raises(EngineError, match=r"already holds index\.html"):
        ZensicalEngine().build(source, site)
    assert (site / "index.html").read_text(encoding="utf-8") == "mine"


# -- the whole pipeline: `assay build --engine zensical` ------------------------------------

MARKER = "/tmp/assay-zensical-payload-ran"
JINJA = f"{{{{ cycler.__init__.__globals__.os.makedirs('{MARKER}') }}}}"
RECORD_TITLE = "LoRA </title><script>alert('t')</script> & \"q\" {{ 7*7 }}"
RECORD_BODY = f"""
Jinja payload: {JINJA} {{% for x in range(3) %}}loop{{% endfor %}}

<script>alert('body'); window.pwned = 'script'</script>
<img src="x.png" onerror="window.pwned = 'img'">
<svg><animate onbegin="window.pwned = 'svg'" attributeName="x" dur="1s"/></svg>
<a href="javascript:alert('link')">click</a>

<pre class="mermaid">graph TD; A--&gt;B</pre>

<div class="pyodide"><pre id="p--editor">import js</pre><span id="p--run">run</span><span
id="p--clear">c</span><pre id="p--output"></pre></div>

--8<-- "/etc/passwd"

!!! note "admonition from a record"
    text
"""


@pytest.fixture(scope="module")
def bundled_hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The valid fixture knowledge base with a hostile record and maintainer pages that use
    Assay's macros and a user macro, built by `assay build --engine zensical`."""
    base = tmp_path_factory.mktemp("kb")
    kb = base / "kb"
    shutil.copytree(VALID_ROOT, kb)
    lora = kb / "content/papers/lora.md"
    text = lora.read_text(encoding="utf-8").replace(
        'title: "LoRA: Low-Rank Adaptation of Large Language Models"',
        "title: " + json.dumps(RECORD_TITLE),
    )
    lora.write_text(text + RECORD_BODY, encoding="utf-8")
    (kb / "mkdocs.yml").write_text(
        "site_name: hostile\ndocs_dir: content\ntheme: {name: material, font: false}\n"
        "plugins:\n  - search\n  - assay\n  - macros: {render_by_default: true}\n"
        "markdown_extensions: [attr_list, md_in_html, tables, admonition, pymdownx.snippets]\n",
        encoding="utf-8",
    )
    (kb / "content/index.md").write_text(
        "---\nrender_macros: true\n---\n# Home\n\nPapers: {{ assay_count('paper') }}.\n",
        encoding="utf-8",
    )
    (kb / "content/guide").mkdir()
    (kb / "content/guide/escape.md").write_text(
        f"---\nrender_macros: true\n---\n# Escape attempt\n\n{JINJA}\n", encoding="utf-8"
    )
    shutil.rmtree(MARKER, ignore_errors=True)
    site = base / "site"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--root",
            str(kb),
            "--site-dir",
            str(site),
            "--as-of",
            "2026-11-25",
            "--engine",
            "zensical",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return site


def test_bundled_site_builds_every_section(bundled_hostile: Path) -> None:
    site = bundled_hostile
    for rel in (
        "index.html",
        "papers/index.html",
        "papers/lora/index.html",
        "decisions/index.html",
        "benchmarks/index.html",
        "predictions/index.html",
        "radar/index.html",
        "review/index.html",
        "tags/index.html",
        "guide/escape/index.html",
        "records.json",
        "search.json",
        "assets/assay.css",
    ):
        assert (site / rel).is_file(), rel
    assert "<svg" in read(site, "radar/index.html")
    home = read(site, "index.html")
    assert "Papers: 2." in home  # Assay's own macros are expanded by Assay on every engine
    records = json.loads(read(site, "records.json"))
    assert {r["id"] for r in records["records"]} >= {"lora"}
    index = json.loads(read(site, "search.json"))
    assert any(i["location"].startswith("papers/lora/") for i in index["items"])


def test_hostile_record_is_inert_on_zensical(bundled_hostile: Path) -> None:
    site = bundled_hostile
    assert not os.path.exists(MARKER)
    page = read(site, "papers/lora/index.html")
    doc = parse(page)
    head_title = doc.titles[0]
    assert "<" not in head_title and "LoRA" in head_title
    assert "49" not in head_title
    for html_file in site.rglob("*.html"):
        d = parse(html_file.read_text(encoding="utf-8"))
        assert not any("alert" in s or "import js" in s for s in d.scripts), html_file
        for tag, attrs in d.tags:
            assert not any(k.startswith("on") for k in attrs), (html_file, tag, attrs)
            assert tag not in ("iframe", "object", "embed"), html_file
            classes = (attrs.get("class") or "").split()
            assert "mermaid" not in classes and "pyodide" not in classes, (html_file, tag)
            href = (attrs.get("href") or "").strip().lower()
            assert not href.startswith("javascript:"), html_file
    # No file from the build machine, no admonition or snippet syntax taken from a record.
    assert "root:x:0:0" not in page
    assert 'class="admonition' not in page
    for item in json.loads(read(site, "search.json"))["items"]:
        for field in (item["title"], item["text"], *item["path"]):
            d = parse(str(field))
            assert d.scripts == [] and not any(a for _, a in d.tags), item


def test_user_macros_do_not_run_on_zensical(bundled_hostile: Path) -> None:
    escape = read(bundled_hostile, "guide/escape/index.html")
    assert not os.path.exists(MARKER)
    assert "cycler" in escape  # shown (or refused by Assay's sandbox), never executed


# -- end to end: the bundled site built by Zensical, in Debian's headless Chromium ----------
# The browser machinery (DevTools client, local server, Chromium) is tests/test_e2e.py's.

SEARCH_ROOT = "document.querySelector('div.focus-visible').shadowRoot"


@pytest.fixture(scope="module")
def zensical_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("bundled") / "site"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--root",
            str(REPO),
            "--site-dir",
            str(site),
            "--as-of",
            "2026-11-25",
            "--engine",
            "zensical",
        ],
    )
    assert result.exit_code == 0, result.output
    with e2e.serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[e2e.DevTools]:
    with e2e.chromium_page(e2e.find_chromium()) as devtools:
        yield devtools


def zensical_search(page: e2e.DevTools, base_url: str, query: str, expected: str) -> None:
    """Open Zensical's search dialog (a shadow-DOM component, unlike Material's), type
    `query` and wait until a result links to `expected`."""
    page.goto(base_url)
    page.wait_for("!!document.querySelector('.md-search__button')", "the search button")
    page.evaluate("document.querySelector('.md-search__button').click()")
    page.wait_for(
        f"!!{SEARCH_ROOT} && !!{SEARCH_ROOT}.activeElement"
        f" && {SEARCH_ROOT}.activeElement.getAttribute('role') === 'combobox'",
        "the search input to take the focus",
    )
    page.type_text(query)
    links = f"[...{SEARCH_ROOT}.querySelectorAll('ol[role=listbox] a')].map(a => a.href)"
    try:
        page.wait_for(
            f"{links}.some(h => h.split(/[?#]/)[0] === {json.dumps(expected)})",
            f"a search result for {query!r} linking to {expected}",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the results link to {page.evaluate(links)}") from None


def test_zensical_search_finds_a_paper_by_a_word_of_its_summary(
    browser: e2e.DevTools, zensical_url: str
) -> None:
    word, paper_id = e2e.distinctive_summary_word()
    zensical_search(browser, zensical_url, word, f"{zensical_url}papers/{paper_id}/")


def test_zensical_benchmark_chart_svg_is_visible(browser: e2e.DevTools, zensical_url: str) -> None:
    browser.goto(f"{zensical_url}benchmarks/fa2-vs-sdpa-ranking-encoder/")
    charts = browser.wait_for(
        "(() => { const s = [...document.querySelectorAll('figure.assay-chart svg')];"
        "  return s.length ? s.map(e => { const r = e.getBoundingClientRect();"
        "    return {width: r.width, height: r.height, role: e.getAttribute('role'),"
        "            visible: getComputedStyle(e).visibility !== 'hidden'"
        "                     && getComputedStyle(e).display !== 'none'}; }) : null; })()",
        "a chart (figure.assay-chart svg) on the benchmark page",
    )
    for chart in charts:
        assert chart["width"] > 0 and chart["height"] > 0 and chart["visible"], chart
        assert chart["role"] == "img", chart


def test_zensical_pages_request_nothing_but_the_local_server(
    browser: e2e.DevTools, zensical_url: str
) -> None:
    browser.requests.clear()
    for _, path in e2e.SCREENSHOTS:
        browser.goto(zensical_url + path)
    word, paper_id = e2e.distinctive_summary_word()
    zensical_search(browser, zensical_url, word, f"{zensical_url}papers/{paper_id}/")
    origin = urlsplit(zensical_url)
    foreign = [
        url
        for url in browser.requests
        if not (
            url.startswith(("data:", "blob:"))
            or (urlsplit(url).scheme, urlsplit(url).netloc) == (origin.scheme, origin.netloc)
        )
    ]
    assert not foreign, "requests to other hosts:\n" + "\n".join(sorted(set(foreign)))
    assert any(url.endswith(".js") for url in browser.requests)
    assert any(url.endswith(".css") for url in browser.requests)
    assert any(url.endswith("/search.json") for url in browser.requests), browser.requests


def test_hostile_record_is_inert_in_the_dom(browser: e2e.DevTools, bundled_hostile: Path) -> None:
    with e2e.serve(bundled_hostile) as url:
        browser.requests.clear()
        browser.goto(f"{url}papers/lora/")
        state = browser.evaluate(
            "({title: document.title,"
            "  scripts: [...document.scripts].map(s => s.textContent).filter(t => /alert|pwned/.test(t)),"
            "  handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
            "    .filter(a => a.name.startsWith('on')).map(a => e.tagName + ' ' + a.name)),"
            "  hooks: document.querySelectorAll('.mermaid, .pyodide, [data-md-exec-state]').length,"
            "  frames: document.querySelectorAll('iframe, object, embed').length,"
            "  pwned: window.pwned === undefined ? null : window.pwned})"
        )
        assert state["title"].startswith("LoRA ＜/title＞＜script＞"), state["title"]
        assert state["scripts"] == [] and state["handlers"] == [], state
        assert state["hooks"] == 0 and state["frames"] == 0 and state["pwned"] is None, state
        zensical_search(browser, url, "LoRA", f"{url}papers/lora/")
        results = browser.evaluate(
            f"({{tags: [...{SEARCH_ROOT}.querySelectorAll('ol[role=listbox] *')]"
            "   .map(e => e.tagName.toLowerCase())"
            "   .filter(t => ['script', 'img', 'iframe', 'object', 'embed', 'style'].includes(t)),"
            f" text: {SEARCH_ROOT}.querySelector('ol[role=listbox]').textContent}})"
        )
        assert results["tags"] == [], results
        assert "LoRA" in results["text"]
        foreign = [u for u in browser.requests if not u.startswith((url, "data:", "blob:"))]
        assert foreign == [], foreign


def test_pipeline_builds_byte_identical_sites(bundled_hostile: Path, tmp_path: Path) -> None:
    # Each build compiles into a new temporary source folder: no path of it may leak out.
    again = tmp_path / "again"
    args = ["build", "--root", str(bundled_hostile.parent / "kb"), "--site-dir", str(again)]
    result = CliRunner().invoke(main, [*args, "--as-of", "2026-11-25", "--engine", "zensical"])
    assert result.exit_code == 0, result.output
    assert tree_digest(again) == tree_digest(bundled_hostile)
