"""The search index Assay writes for its own pages (generator/searchindex.py) and the
navigation rendered once per folder (generator/navcache.py).

Against the real thing: the bundled knowledge base is built by MkDocs and by ProperDocs
twice — once with Material's search parsing every page and Material rendering its
navigation into every page (the `assay-engine` options `search_index: false`,
`nav_cache: false`), once as `assay build` does — and the two sites must have the same
pages byte for byte and search entries with the same locations, titles and text.
Hostile text must reach the index escaped; a 1 MiB body must not reach it whole.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.engines.base import SiteSource
from generator.engines.mkdocs import mkdocs_config
from generator.kb import load_knowledge_base
from generator.navcache import CACHED, NavCache, material_templates
from generator.publish import compile_into
from generator.render.html import markdown_to_html, passthrough
from generator.searchindex import (
    KEPT_TAGS,
    RECORD_PAGE_CAP,
    SECTION_CAP,
    merge_entries,
    page_entries,
)

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25"
MATERIAL_ENGINES = ["mkdocs", "properdocs"]


def _page(markdown: str) -> str:
    """A page body as Assay's compile step hands it to the engine."""
    return f'<div class="assay-page">{passthrough(markdown_to_html(markdown, "papers/x.md"))}</div>'


def _tags(s: str) -> set[str]:
    return {m.lower() for m in re.findall(r"</?([a-zA-Z][a-zA-Z0-9-]*)", s)}


# -- page_entries ---------------------------------------------------------------------------
def test_sections_split_at_headings_with_ids() -> None:
    entries = page_entries(
        _page(
            "# The paper\n\nIntro *text*.\n\n## Method\n\nStep one.\n\n### Detail `x < y`\n\nMore."
        ),
        "papers/x/",
        "The paper",
    )
    assert [e["location"] for e in entries] == [
        "papers/x/",
        "papers/x/#method",
        "papers/x/#detail-x-y",
    ]
    assert [e["title"] for e in entries] == ["The paper", "Method", "Detail <code>x &lt; y</code>"]
    # The h1 has no id (it is the page title): its text opens the first section, as in Material.
    assert entries[0]["text"] == "The paper <p>Intro text.</p>"
    assert entries[1]["text"] == "<p>Step one.</p>"
    assert entries[2]["text"] == "<p>More.</p>"


def test_text_keeps_materials_tags_only_and_spaces_cells_apart() -> None:
    markdown = (
        "| Field | Value |\n|---|---|\n| Status | **ADOPT** |\n\n"
        "- one\n- [two](../y.md)\n\n1. first\n\nH~2~O x^2^ <sub>i</sub><sup>n</sup>\n\n"
        "```\nline 1\n    indented   line 2\n```\n"
    )
    (entry,) = page_entries(_page(markdown), "papers/x/", "T")
    text = entry["text"]
    assert _tags(text) <= KEPT_TAGS, text
    assert "Field Value Status ADOPT" in " ".join(re.sub(r"<[^>]+>", " ", text).split())
    assert "<ul> <li>one</li> <li>two</li> </ul>" in text
    # Whitespace is kept inside <pre> and collapsed everywhere else.
    assert "<pre><code>line 1\n    indented   line 2\n</code></pre>" in text
    assert "  " not in re.sub(r"<pre>.*?</pre>", "", text, flags=re.S)


#: (payload in a record body, what the index must then hold — as HTML source — or None
#: when the sanitizer removed it from the page, so the index holds nothing of it).
HOSTILE = [
    ("<img src=x onerror=alert('PWN-img')>", "<p>&lt;img src=x onerror=alert('PWN-img')&gt;</p>"),
    ("&lt;img src=x onerror=alert('PWN-ent')&gt;", "&lt;img src=x onerror=alert('PWN-ent')&gt;"),
    ("&amp;lt;script&amp;gt;PWN-double", "<p>&amp;lt;script&amp;gt;PWN-double</p>"),
    ("</script><script>alert('PWN-close')</script>", None),
    ("`</script><svg onload=alert('PWN-code')>`", "<code>&lt;/script&gt;&lt;svg onload="),
    ("NUL\x00byte &#0; &#x0;", "NUL\ufffdbyte \ufffd \ufffd"),
    ("bidi \u202eevil\u202c \u2066isolate\u2069 \u200fmark", "<p>bidi evil isolate mark</p>"),
    ("<svg><title>PWN-svg</title><script>alert('PWN-svg')</script></svg>", None),
    ('<h2 id="x" onclick="alert(\'PWN\')">PWN-h <img src=x onerror=alert(1)></h2>', "PWN-h"),
    ('<p data-search-exclude>PWN-shown</p><a href="javascript:alert(1)">PWN-link</a>', "PWN-link"),
    ("<!-- <script>alert('PWN-comment')</script> -->", None),
    ("<style>*{display:none}</style><object data=x>PWN-object</object>", "PWN-object"),
]


@pytest.mark.parametrize(("payload", "expected"), HOSTILE)
def test_hostile_text_reaches_the_index_as_text(payload: str, expected: str | None) -> None:
    title = "Lo\uff1c/title\uff1e \u202ePWN"  # as render/html.safe_title leaves a title
    entries = page_entries(_page(f"# T\n\n{payload}\n\n## Next\n\n{payload}\n"), "p/", title)
    for entry in entries:
        for key in ("title", "text"):
            s = entry[key]
            # Material's script inserts these strings as HTML: only its kept tags, no
            # attribute, no comment, no entity left half-open, no control character.
            assert _tags(s) <= KEPT_TAGS, s
            assert not re.search(r"<[a-z]+\s", s), s
            assert "<!--" not in s
            assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", s), repr(s)
            assert not re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]", s), repr(s)
            assert not re.search(r"&(?![a-z]+;|#[0-9]+;|#x[0-9a-f]+;)", s, re.I), s
    assert entries[0]["title"] == "Lo\uff1c/title\uff1e PWN"
    everything = " ".join(e["title"] + " " + e["text"] for e in entries)
    if expected is None:
        assert "PWN" not in everything.replace(entries[0]["title"], "")
    else:
        assert expected in everything


def test_script_style_and_object_content_is_not_indexed() -> None:
    page = (
        '<div class="assay-page"><p>kept</p><svg><style>.a{fill:red}</style>'
        "<text>label</text><script>alert(1)</script></svg></div>"
    )
    (entry,) = page_entries(page, "x/", "T")
    assert entry["text"] == "<p>kept</p> label"


def test_record_page_cap_bounds_all_sections_together() -> None:
    word = "lorem ipsum dolor sit amet, *consectetur* `adipiscing` <b>elit</b> &amp; "
    body = "\n\n".join(f"## Part {i}\n\n" + word * 40 for i in range(200))
    page = _page("# Big\n\n" + body)
    assert len(page) > 4 * RECORD_PAGE_CAP
    entries = page_entries(page, "papers/big/", "Big", cap=RECORD_PAGE_CAP)
    total = sum(len(e["title"]) + len(e["text"]) for e in entries)
    assert RECORD_PAGE_CAP * 0.9 < total <= RECORD_PAGE_CAP
    assert len(entries) < 200  # the sections past the cap are left out
    last = entries[-1]["text"]
    # Cut at a word, tags balanced, no half entity.
    assert last.count("<p>") == last.count("</p>") and last.count("<code>") == last.count("</code>")
    assert not re.search(r"&[a-z]*$|<[^>]*$", last)
    uncapped = page_entries(page, "papers/big/", "Big")
    assert len(uncapped) == 201


def test_a_page_of_escaped_markup_is_indexed_up_to_the_cap() -> None:
    """1 MiB of `<div>` shown as plain text is 4 MiB of entities in one <pre>: the index
    reads only a bounded prefix, cut between entities, and still fills the cap."""
    page = '<div class="assay-page"><h1>Big</h1><pre class="assay-plain">'
    page += "&lt;div&gt;" * 400_000 + "</pre></div>"
    (entry,) = page_entries(page, "papers/big/", "Big", cap=RECORD_PAGE_CAP)
    assert RECORD_PAGE_CAP * 0.9 < len(entry["title"]) + len(entry["text"]) <= RECORD_PAGE_CAP
    assert entry["text"].startswith("Big <pre>&lt;div&gt;&lt;div&gt;")
    assert entry["text"].endswith("&lt;div&gt;</pre>")


def test_section_cap_bounds_one_section() -> None:
    page = _page("# Tags\n\n## many\n\n" + "word " * 40_000)
    entries = page_entries(page, "tags/", "Tags")
    assert len(entries[1]["text"]) <= SECTION_CAP < len("word " * 40_000)


def test_merge_keeps_the_engines_page_order(tmp_path: Path) -> None:
    index = tmp_path / "search_index.json"
    theirs = [
        {"location": "old/", "title": "kept by a dirty rebuild", "text": ""},
        {"location": "guide/", "title": "Guide", "text": "g"},
        {"location": "guide/#a", "title": "A", "text": "a"},
    ]
    index.write_text(json.dumps({"config": {"lang": ["en"]}, "docs": theirs}))
    ours = {"papers/x/": [{"location": "papers/x/", "title": "X", "text": "x"}]}
    merge_entries(index, ours, ["papers/x/", "guide/"])
    data = json.loads(index.read_text())
    assert data["config"] == {"lang": ["en"]}
    assert [d["location"] for d in data["docs"]] == ["old/", "papers/x/", "guide/", "guide/#a"]


# -- navigation cache -----------------------------------------------------------------------
def _material_env(tmp_path: Path, custom: dict[str, str] | None = None) -> Any:
    from mkdocs.config import load_config

    (tmp_path / "docs").mkdir(parents=True, exist_ok=True)
    (tmp_path / "docs" / "index.md").write_text("# x\n")
    theme: dict[str, Any] = {"name": "material"}
    if custom:
        theme["custom_dir"] = str(tmp_path / "overrides")
        for name, text in custom.items():
            (tmp_path / "overrides" / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "overrides" / name).write_text(text)
    cfg = tmp_path / "mkdocs.yml"
    cfg.write_text(yaml.safe_dump({"site_name": "x", "docs_dir": "docs", "theme": theme}))
    return load_config(str(cfg)).theme.get_env()


def test_nav_cache_wraps_materials_own_partials_only(tmp_path: Path) -> None:
    theme_dir = material_templates()
    assert theme_dir is not None
    cache = NavCache({"", "papers/"})
    assert cache.install(_material_env(tmp_path / "a"), theme_dir) == list(CACHED)
    # A theme override of a template the navigation uses may depend on the page.
    env = _material_env(tmp_path / "b", {"partials/nav-item.html": "{{ page.title }}"})
    assert NavCache(set()).install(env, theme_dir) == []


def test_nav_cache_key_is_the_folder_of_pages_outside_the_navigation() -> None:
    class P:
        def __init__(self, url: str) -> None:
            self.url = url

    cache = NavCache({"", "papers/", "guide/intro/"})
    assert cache.key({"page": P("papers/")}) is None  # in the navigation: marked active
    assert cache.key({"page": None}) is None  # 404 page
    assert cache.key({"page": P("papers/a/")}) == cache.key({"page": P("papers/b/")})
    assert cache.key({"page": P("papers/a/")}) != cache.key({"page": P("decisions/a/")})
    assert cache.key({"page": P("papers/a.html")}) != cache.key({"page": P("papers/a/")})
    assert cache.key({"page": P("guide/")}) is None  # a navigation link below the page


# -- against Material's own indexing, on the real engines -----------------------------------
@pytest.fixture(scope="module")
def bundled_source(tmp_path_factory: pytest.TempPathFactory) -> SiteSource:
    """The bundled knowledge base (content/, mkdocs.yml) compiled once."""
    base = tmp_path_factory.mktemp("bundled")
    root = base / "kb"
    shutil.copytree(REPO / "content", root / "content")
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    kb = load_knowledge_base(root, None)
    assert not kb.blocking(False)
    return compile_into(kb, base / "source").source


def _with_options(plugin: Any, options: dict[str, Any]) -> Any:
    """A plugins entry of mkdocs.yml with `options` added when it is `assay-engine`."""
    if plugin == "assay-engine":
        return {"assay-engine": options}
    if isinstance(plugin, dict) and "assay-engine" in plugin:
        return {"assay-engine": {**(plugin["assay-engine"] or {}), **options}}
    return plugin


def _engine_build(source: SiteSource, engine: str, site: Path, options: dict[str, Any]) -> Path:
    config = mkdocs_config(source)
    config["plugins"] = [_with_options(p, options) for p in config["plugins"]]
    path = source.root / f"{engine}-{site.name}.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    if engine == "mkdocs":
        from mkdocs.commands.build import build
        from mkdocs.config import load_config

        build(load_config(str(path), site_dir=str(site)))
    else:
        proc = subprocess.run(
            [sys.executable, "-m", "properdocs", "build", "-q", "-f", str(path), "-d", str(site)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
    return site


@pytest.fixture(scope="module", params=MATERIAL_ENGINES)
def both_sites(
    request: pytest.FixtureRequest,
    bundled_source: SiteSource,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp(f"both-{request.param}")
    material = _engine_build(
        bundled_source,
        request.param,
        base / "material",
        {"search_index": False, "nav_cache": False},
    )
    assay = _engine_build(bundled_source, request.param, base / "assay", {})
    return material, assay


def _index(site: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site / "search/search_index.json").read_text("utf-8"))
    return data


def _plain(s: str) -> str:
    """The characters of an entry's title or text, whitespace and kept tags aside."""
    return "".join(html.unescape(re.sub(r"</?[a-z]+>", "", s)).split())


def test_same_entries_as_materials_own_indexing(both_sites: tuple[Path, Path]) -> None:
    material, assay = (_index(site) for site in both_sites)
    assert assay["config"] == material["config"]
    theirs, ours = material["docs"], assay["docs"]
    assert [d["location"] for d in ours] == [d["location"] for d in theirs]
    assert [d["title"] for d in ours] == [d["title"] for d in theirs]
    # The same text per section; Assay's words may only be split finer (SVG labels that
    # Material glues together), never differ.
    for a, m in zip(ours, theirs, strict=True):
        assert _plain(a["text"]) == _plain(m["text"]), a["location"]
        assert set(a) == set(m), a["location"]
    pages = {d["location"].split("#")[0] for d in ours}
    assert {"papers/", "radar/", "tags/", "guide/"} <= pages
    assert sum(1 for d in ours if d["location"].startswith("papers/lora")) >= 1
    # Most entries are identical to the byte.
    same = sum(a == m for a, m in zip(ours, theirs, strict=True))
    assert same >= 0.8 * len(ours), (same, len(ours))


def test_pages_are_the_same_bytes(both_sites: tuple[Path, Path]) -> None:
    """The navigation cache and the excluded search parse change no page a reader sees."""
    material, assay = both_sites
    names = sorted(p.relative_to(material).as_posix() for p in material.rglob("*.html"))
    assert names == sorted(p.relative_to(assay).as_posix() for p in assay.rglob("*.html"))
    assert len(names) > 50
    different = [n for n in names if (material / n).read_bytes() != (assay / n).read_bytes()]
    assert different == []


# -- one record of 1 MiB ----------------------------------------------------------------------
def test_a_1_mib_body_is_shown_whole_and_indexed_up_to_the_cap(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    lora = root / "content/papers/lora.md"
    text = lora.read_text()
    filler = "Plain words of a long narrative, with *some* emphasis. " * 18 + "\n\n"
    body = "\n" + filler * (1_000_000 // len(filler)) + "THE-LAST-WORDS\n"
    lora.write_text(text + body)
    assert len(lora.read_bytes()) <= 1024 * 1024
    site = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    assert "THE-LAST-WORDS" in (site / "papers/lora/index.html").read_text()
    docs = _index(site)["docs"]
    mine = [d for d in docs if d["location"].split("#")[0] == "papers/lora/"]
    assert mine
    assert sum(len(d["title"]) + len(d["text"]) for d in mine) <= RECORD_PAGE_CAP
    assert not any("THE-LAST-WORDS" in d["text"] for d in mine)
    assert any("Plain words of a long narrative" in d["text"] for d in mine)
    # The other pages are indexed as before.
    assert any(d["location"] == "papers/flashattention/" for d in docs)


def test_generated_pages_skip_python_markdown_with_the_same_result(
    bundled_source: SiteSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`assay-engine` renders a generated page without building a Python-Markdown parser
    for it (`_render_stored`): the site is the same as with MkDocs' own `Page.render`."""
    from generator import mkdocs_plugin

    no_output_cache: dict[str, Any] = {"cache_dir": ""}  # every page through the templates
    fast = _engine_build(bundled_source, "mkdocs", tmp_path / "fast", no_output_cache)
    calls: dict[str, set[str]] = {}

    def original(render: Any, page: Any, anchors: set[str]) -> Any:
        calls[page.file.src_uri] = anchors  # the heading ids MkDocs can check links against
        return type(page).render.__get__(page)

    monkeypatch.setattr(mkdocs_plugin, "partial", original)
    slow = _engine_build(bundled_source, "mkdocs", tmp_path / "slow", no_output_cache)
    assert len(calls) > 40  # every generated page went through the stored render
    assert any("protocol" in ids for src, ids in calls.items() if src.startswith("benchmarks/"))
    names = sorted(p.relative_to(fast).as_posix() for p in fast.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(slow).as_posix() for p in slow.rglob("*") if p.is_file())
    assert [n for n in names if (fast / n).read_bytes() != (slow / n).read_bytes()] == []
