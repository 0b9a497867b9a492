"""The published site: hostile records cannot run code or inject markup, builds are
deterministic and atomic, an invalid knowledge base writes nothing."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator import mkdocs_plugin, publish
from generator.cli import main

AS_OF = "2026-11-25"
# Executed, this would create the folder MARKER: the tests assert that it never exists.
MARKER = "/tmp/assay-jinja-payload-ran"
JINJA = f"{{{{ cycler.__init__.__globals__.os.makedirs('{MARKER}') }}}}"
HOSTILE_BODY = f"""
Jinja payload: {JINJA} and {{% for x in range(3) %}}loop{{% endfor %}}

<script>alert('body')</script>
<img src="x.png" onerror="alert('img')">
<iframe src="https://evil.example"></iframe>
<a href="javascript:alert('link')">click</a>
[md link](javascript:alert('md'))
<div onclick="alert('div')" style="position:fixed">overlay</div>
"""


def build(root: Path, site: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF, *extra]
    )
    return result.exit_code, result.output


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    return root


def _hostile(kb: Path, render_by_default: bool) -> None:
    lora = kb / "content/papers/lora.md"
    text = lora.read_text().replace(
        "summary: Freeze the weights and train low-rank update matrices.",
        f'summary: "<script>alert(1)</script> {JINJA}"',
    )
    lora.write_text(text + HOSTILE_BODY)
    (kb / "mkdocs.yml").write_text(
        "site_name: hostile\ndocs_dir: content\ntheme: {name: material, font: false}\n"
        "plugins:\n  - search\n  - assay\n"
        f"  - macros: {{render_by_default: {str(render_by_default).lower()}}}\n"
        "markdown_extensions: [attr_list, md_in_html, tables]\n"
    )
    (kb / "content/index.md").write_text(
        "---\nrender_macros: true\n---\n# Home\n\nPapers: {{ assay_count('paper') }}.\n"
    )
    (kb / "content/guide").mkdir()
    (kb / "content/guide/escape.md").write_text(
        f"---\nrender_macros: true\n---\n# Escape attempt\n\n{JINJA}\n"
    )


@pytest.mark.parametrize("render_by_default", [True, False])
def test_hostile_record_cannot_run_code_or_inject_markup(
    kb: Path, tmp_path: Path, render_by_default: bool
) -> None:
    _hostile(kb, render_by_default)
    shutil.rmtree(MARKER, ignore_errors=True)
    code, out = build(kb, tmp_path / "site")
    assert code == 0, out
    page = (tmp_path / "site/papers/lora/index.html").read_text()
    article = page[page.index("<article") : page.index("</article>")]
    shutil.rmtree(MARKER, ignore_errors=True)
    for bad in ("<script", "onerror=", "onclick=", '="javascript:', "<iframe", "position:fixed"):
        assert bad not in article.lower(), bad
    assert "[md link](javascript:alert('md'))" in article  # shown, not a link
    # Shown literally (Markdown still reads __init__ as bold, as in any Markdown text); the
    # braces reach the engine as entities, which no macro layer reads.
    assert "{" not in article.split('<div class="assay-page">')[1]
    shown = html.unescape(article)
    assert "{{ cycler." in shown and "os.makedirs(" in shown
    assert "{% for x in range(3) %}loop{% endfor %}" in shown
    home = (tmp_path / "site/index.html").read_text()
    assert "Papers: 2." in home  # maintainer pages still get Assay's macros ...
    escape = (tmp_path / "site/guide/escape/index.html").read_text()
    assert "SecurityError" in escape  # ... in a sandbox
    assert not os.path.exists(MARKER)  # no payload ran, in records or maintainer pages


def test_record_cannot_switch_macros_on(kb: Path, tmp_path: Path) -> None:
    lora = kb / "content/papers/lora.md"
    lora.write_text(lora.read_text().replace("pass: 1", "pass: 1\nrender_macros: true"))
    code, out = build(kb, tmp_path / "site")
    assert code == 1
    assert "E-UNKNOWN-KEY" in out and "render_macros" in out
    assert not (tmp_path / "site").exists()


def test_generated_pages_never_go_to_jinja(kb: Path, tmp_path: Path) -> None:
    """Whatever a generated page's front matter says, the engine plugin forces macros off."""
    plugin = mkdocs_plugin.EnginePlugin()

    class FakeFile:
        src_uri = "papers/lora.md"

    class FakePage:
        def __init__(self) -> None:
            self.file = FakeFile()
            self.meta = {"render_macros": True, "assay_generated": True}

    page = FakePage()
    plugin.on_page_markdown("x", page=page, config=None, files=None)  # type: ignore[arg-type]
    assert page.meta["render_macros"] is False


def test_invalid_kb_writes_nothing_and_keeps_old_site(kb: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert build(kb, site)[0] == 0
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    marker = (site / "index.html").read_bytes()
    adopt = kb / "content/decisions/flash-attention-adopt.md"
    adopt.write_text(adopt.read_text().replace("runbook: fa-runbook\n", ""))
    code, out = build(kb, site)
    assert code == 1
    assert "E-ADOPT-INCOMPLETE" in out and "flash-attention-adopt.md:6:" in out
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    assert (site / "index.html").read_bytes() == marker
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site-")]


def test_strict_build_fails_on_warnings(kb: Path, tmp_path: Path) -> None:
    runbook = kb / "content/runbooks/fa-runbook.md"
    runbook.write_text(
        runbook.read_text().replace("last_reviewed: 2026-10-01", "last_reviewed: 2026-01-01")
    )
    assert build(kb, tmp_path / "a")[0] == 0
    code, out = build(kb, tmp_path / "b", "--strict")
    assert code == 1 and "W-RUNBOOK-STALE" in out
    assert not (tmp_path / "b").exists()


def test_same_content_builds_byte_identical_and_charts_are_drawn_not_cached(
    kb: Path, tmp_path: Path
) -> None:
    # A chart cache file planted in the repository (the old cache folder) is never read:
    # charts are drawn on every build (issue 9).
    planted = kb / ".assay-cache/charts"
    planted.mkdir(parents=True)
    (planted / "x.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><text>PLANTED</text></svg>'
    )
    assert build(kb, tmp_path / "one")[0] == 0
    first_stats = dict(publish.LAST_CHART_STATS)
    assert first_stats["drawn"] > 0
    assert build(kb, tmp_path / "two")[0] == 0
    assert first_stats == publish.LAST_CHART_STATS  # the same charts, drawn again
    assert sorted(p.name for p in planted.iterdir()) == ["x.svg"]  # nothing written there
    files_one = sorted(
        p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*") if p.is_file()
    )
    files_two = sorted(
        p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*") if p.is_file()
    )
    assert files_one == files_two
    for rel in files_one:
        assert (tmp_path / "one" / rel).read_bytes() == (tmp_path / "two" / rel).read_bytes(), rel
        assert b"PLANTED" not in (tmp_path / "one" / rel).read_bytes(), rel


def test_site_contents(kb: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert build(kb, site)[0] == 0
    for page in (
        "radar",
        "review",
        "predictions",
        "tags",
        "papers",
        "decisions",
        "benchmarks",
        "runbooks",
        "postmortems",
        "decisions/flash-attention-adopt",
        "benchmarks/fa-latency",
    ):
        assert (site / page / "index.html").is_file(), page
    bench = (site / "benchmarks/fa-latency/index.html").read_text()
    assert '<figure class="assay-chart"><svg' in bench and 'role="img"' in bench
    assert "Referenced by" in bench
    adopt = (site / "decisions/flash-attention-adopt/index.html").read_text()
    assert "Payback" in adopt and "ASSESS" in adopt  # cost-benefit and the supersede history
    assessed = (site / "decisions/flash-attention-assess/index.html").read_text()
    assert "superseded by" in assessed
    records = (site / "records.json").read_text()
    assert (
        '"superseded_by": [\n    "flash-attention-adopt"'
        in records.replace("  ", " ").replace("\n  ", "\n ")
        or "flash-attention-adopt" in records
    )
    nav = (
        (site / "index.html").read_text()
        if (site / "index.html").exists()
        else (site / "radar/index.html").read_text()
    )
    assert "papers/lora/" not in nav.split('class="md-content"')[0]  # records are not in the nav
    for html_file in site.rglob("*.html"):
        text = html_file.read_text()
        assert "fonts.googleapis" not in text and "cdn.jsdelivr" not in text, html_file


def test_user_mkdocs_yml_without_the_plugin_builds_with_assay(kb: Path, tmp_path: Path) -> None:
    """`assay build` compiles the records itself: a mkdocs.yml needs no `assay` plugin."""
    (kb / "mkdocs.yml").write_text("site_name: x\ndocs_dir: content\nplugins: [search]\n")
    code, out = build(kb, tmp_path / "site")
    assert code == 0, out
    assert (tmp_path / "site/papers/lora/index.html").is_file()
    assert "<title>x</title>" in (tmp_path / "site/index.html").read_text()


def _mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    return subprocess.run(command, capture_output=True, text=True)


def test_plain_mkdocs_build_uses_the_plugin(kb: Path, tmp_path: Path) -> None:
    (kb / "mkdocs.yml").write_text(
        "site_name: plain\ndocs_dir: content\ntheme: {name: material, font: false}\n"
        f"plugins:\n  - search\n  - assay:\n      as_of: '{AS_OF}'\n"
    )
    ok = _mkdocs_build(kb / "mkdocs.yml", tmp_path / "site")
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "site/radar/index.html").is_file()
    adopt = kb / "content/decisions/flash-attention-adopt.md"
    adopt.write_text(adopt.read_text().replace("status: ADOPT", "status: adopt"))
    bad = _mkdocs_build(kb / "mkdocs.yml", tmp_path / "bad")
    assert bad.returncode != 0
    assert "E-SCHEMA" in bad.stderr and "flash-attention-adopt.md:6:9" in bad.stderr
    assert not (tmp_path / "bad" / "index.html").exists()


def test_site_dir_that_could_lose_files_is_refused(kb: Path, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me too")
    cases = (
        (kb, 1, "overlaps"),
        (kb / "content" / "out", 1, "overlaps"),
        (precious, 1, "does not look like a built site"),
        (a_file, 1, "is a file"),
    )
    for target, want, why in cases:
        code, out = build(kb, target)
        assert code == want and why in out, (target, out)
    assert (precious / "notes.txt").read_text() == "keep me"
    assert a_file.read_text() == "keep me too"
    assert (kb / "content/papers/lora.md").is_file()


def test_charts_can_be_switched_off(kb: Path, tmp_path: Path) -> None:
    (kb / "mkdocs.yml").write_text(
        "site_name: no charts\ndocs_dir: content\ntheme: {name: material, font: false}\n"
        "plugins:\n  - search\n  - assay:\n      charts: false\n"
    )
    code, out = build(kb, tmp_path / "site")
    assert code == 0, out
    page = (tmp_path / "site/benchmarks/fa-latency/index.html").read_text()
    assert "Chart omitted" in page and "<svg" not in page.split('class="md-content"')[1]


# -- the compile step's pure parts ---------------------------------------------------------
def test_links_between_pages_are_written_as_final_urls() -> None:
    from generator.render.html import relative_url

    cases = [
        ("papers/index.md", "../papers/lora.md", True, "lora/"),
        ("papers/lora.md", "../tags/index.md#llm", True, "../../tags/#llm"),
        ("index.md", "review/index.md", True, "review/"),
        ("radar/index.md", "../index.md", True, "../"),
        ("guide/a.md", "b.md#x", True, "../b/#x"),
        ("papers/lora.md", "../tags/index.md#llm", False, "../tags/index.html#llm"),
        ("index.md", "papers/lora.md", False, "papers/lora.html"),
        ("papers/lora.md", "https://x.org/a.md", True, "https://x.org/a.md"),
        ("papers/lora.md", "../../../etc/passwd.md", True, "../../../etc/passwd.md"),
        ("papers/lora.md", "#claims", True, "#claims"),
    ]
    for src, href, directory_urls, want in cases:
        assert relative_url(src, href, directory_urls) == want, (src, href, directory_urls)


def test_titles_cannot_form_markup_or_macros_after_entity_decoding() -> None:
    from generator.render.html import safe_title

    title = safe_title("A </title><script>x</script> &lt;b&gt; \"q\" 'a' {{ 7 }} {% x %} {#c#}")
    assert not set(title) & set("<>&\"'")
    for opener in ("{{", "{%", "{#"):
        assert opener not in title
    assert safe_title("  line\nbreak\x00 ") == "line break"


def test_passthrough_html_is_one_line_without_braces_or_control_characters() -> None:
    from generator.render.html import passthrough

    out = passthrough("<p>{{ x }}\n\x02wzxhzdk:0\x03\u2028</p>\r")
    assert "\n" not in out and "\r" not in out and "{" not in out and "}" not in out
    assert "\x02" not in out and "\u2028" not in out
    assert html.unescape(out) == "<p>{{ x }}\n\ufffdwzxhzdk:0\ufffd\u2028</p>\r"


def test_assay_macros_take_only_literal_arguments(kb: Path) -> None:
    from generator.kb import load_knowledge_base
    from generator.macros import expand_macros
    from generator.render.charts import ChartSink

    knowledge = load_knowledge_base(kb, None)
    page = (
        "{{ assay_count('paper') }} | {{ assay_count(cycler.__init__) }} | "
        "{{ assay_nope() }} | {% raw %}{{ assay_count('paper') }}{% endraw %} | {{ user() }}"
    )
    out = expand_macros(page, knowledge, ChartSink(None), "index.md", True)
    first, literal_only, unknown, raw, user = out.split(" | ")
    assert first == "2"
    assert "arguments must be literals" in literal_only and "{" not in literal_only
    assert "unknown Assay macro" in unknown
    assert raw == "{% raw %}{{ assay_count('paper') }}{% endraw %}"  # left to the engine
    assert user == "{{ user() }}"


def test_maintainer_file_on_a_generated_path_is_refused(kb: Path, tmp_path: Path) -> None:
    (kb / "content/radar").mkdir()
    (kb / "content/radar/index.md").write_text("# My radar\n")
    code, out = build(kb, tmp_path / "site")
    assert code == 1
    assert "content/radar/index.md has the path of a page Assay generates" in out
    assert not (tmp_path / "site").exists()


def test_user_settings_only_mkdocs_reads_keep_working(kb: Path, tmp_path: Path) -> None:
    """The generated configuration INHERITs the user's mkdocs.yml: a `!!python/name:` tag
    (here Material's emoji index) still reaches the Markdown extension."""
    (kb / "content/index.md").write_text("# Home\n\nA smile :smile:\n")
    (kb / "mkdocs.yml").write_text(
        "site_name: tags\ndocs_dir: content\nuse_directory_urls: false\n"
        "theme: {name: material, font: false}\nplugins: [search]\n"
        "markdown_extensions:\n  - attr_list\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
        "      emoji_generator: !!python/name:material.extensions.emoji.to_svg\n"
    )
    code, out = build(kb, tmp_path / "site")
    assert code == 0, out
    home = (tmp_path / "site/index.html").read_text()
    assert 'class="twemoji"' in home  # the tagged settings were applied
    papers = (tmp_path / "site/papers/index.html").read_text()
    assert 'href="lora.html"' in papers  # links follow use_directory_urls: false
