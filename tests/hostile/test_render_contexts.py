"""Record text in every context it lands in (SPEC §7), on every engine in the registry.

One knowledge base carries hostile strings in every free-text field a reader sees — titles
(which Material writes into <title> and its header after decoding entities), summaries,
technique and owner names (radar, tables, the home page's {{ assay_radar() }}), method
names (chart SVG), bodies (raw HTML, every scheme, macro syntax, Python-Markdown's own
placeholder markers, preprocessor syntax, unicode line separators). Each is a real build;
the assertions read every output file: HTML, SVG, the search index (whose strings the
theme inserts as HTML) and records.json.

Every payload that would run carries the word PWN: an output element holding PWN in a
script, an event handler or a javascript:/data: URL is a live injection.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.engines import ENGINES

AS_OF = "2026-11-25"
MARKER = "/tmp/assay-render-contexts-payload-ran"
JINJA_RCE = f"{{{{ cycler.__init__.__globals__.os.makedirs('{MARKER}') }}}}"
# Executed by any macro layer this prints PWNMACRO; shown literally it never does.
JINJA_EVAL = "{{ 'PWN' ~ 'MACRO' }} {% set x = 'PWN' ~ 'MACRO2' %}{{ x }} {# PWNCOMMENT #}"

TITLE = "Lo</title><script>alert('PWN-title')</script> &lt;/title&gt;&lt;script&gt;PWN&lt;/script&gt; {{ 'PWN' ~ 'MACRO' }}"
SUMMARY = "<img src=x onerror=alert('PWN-summary')> {{ 'PWN' ~ 'MACRO' }}"
TECHNIQUE = "<svg onload=alert('PWN-technique')> {{ 'PWN' ~ 'MACRO' }}"
OWNER = "<script>alert('PWN-owner')</script>"
METHOD = "<script>alert('PWN-method')</script>&amp;<b onmouseover=alert('PWN')>"

BODY = f"""
{JINJA_RCE}

{JINJA_EVAL}

<script>alert('PWN-body')</script>
<img src="x.png" onerror="alert('PWN-img')">
<img src="https://tracker.example/PWN.png">
<iframe src="https://evil.example/PWN"></iframe>
<object data="PWN.swf"></object><embed src="PWN.swf">
<svg><script>alert('PWN-svg')</script><a xlink:href="javascript:alert('PWN')">x</a></svg>
<math><mi xlink:href="javascript:alert('PWN')">m</mi></math>
<a href="javascript:alert('PWN-a')">a</a> <a href="jav&#x09;ascript:alert('PWN-tab')">tab</a>
<a href="data:text/html;base64,PHNjcmlwdD5QV048L3NjcmlwdD4=">PWN-data</a>
<a href=" JaVaScRiPt:alert('PWN-case')">case</a>
<form action="javascript:alert('PWN')"><button formaction="javascript:alert('PWN')">b</button></form>
<base href="https://evil.example/PWN/">
<meta http-equiv="refresh" content="0;url=javascript:alert('PWN')">
<link rel="stylesheet" href="https://evil.example/PWN.css">
<style>body {{ display: none }} /* PWN */</style>
<div style="position:fixed;top:0" onclick="alert('PWN-div')">overlay</div>
<h2 id="__config">clobber</h2> <p class="md-dialog">theme class</p>
[md](javascript:alert('PWN-md')) [data](data:text/html,PWN) ![img](javascript:alert('PWN'))
<javascript:alert('PWN-autolink')>
&lt;script&gt;alert('PWN-entity')&lt;/script&gt;

--8<-- "/etc/passwd"

```
```python
# a fence inside a fence
```

\x02wzxhzdk:0\x03 and \x02klzzwxh:0000\x03 (Python-Markdown's placeholder markers)

line\u2028separator\u2029paragraph\x85next

!!! note "PWN admonition"
    admonition body

/// html | script
PWN-blocks
///

\u202ereversed {{ 'PWN' ~ 'MACRO' }}
"""


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)
        for name, value in attrs:
            value = value or ""
            low = re.sub(r"[\s\x00-\x20]+", "", value).lower()
            if name.startswith("on") and "pwn" in low:
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction", "xlink:href", "data") and (
                (low.startswith(("javascript:", "data:", "vbscript:")) and "pwn" in value.lower())
                or (
                    low.startswith(("http:", "https:", "//"))
                    and "pwn" in value.lower()
                    and tag in ("img", "iframe", "script", "link", "object", "embed", "base")
                )
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag in ("iframe", "object", "embed", "base", "form") and "pwn" in str(attrs).lower():
            self.problems.append(f"<{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in ("script", "style") and "PWN" in data:
            self.problems.append(f"<{self.stack[-1]}> {data[:80]!r}")


def html_problems(text: str) -> list[str]:
    parser = _Collect()
    parser.feed(text)
    parser.close()
    return parser.problems


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))


def _q(value: str) -> str:
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def make_hostile_kb(root: Path) -> Path:
    """The valid fixture knowledge base at `root`, with the payloads above in every field."""
    shutil.copytree(VALID_ROOT, root)
    c = root / "content"
    lora = c / "papers/lora.md"
    _replace(
        lora, 'title: "LoRA: Low-Rank Adaptation of Large Language Models"', f"title: {_q(TITLE)}"
    )
    _replace(
        lora,
        "summary: Freeze the weights and train low-rank update matrices.",
        f"summary: {_q(SUMMARY)}",
    )
    lora.write_text(lora.read_text() + BODY)
    adopt = c / "decisions/flash-attention-adopt.md"
    for path in (adopt, c / "decisions/flash-attention-assess.md"):
        _replace(path, "technique: FlashAttention", f"technique: {_q(TECHNIQUE)}")
    _replace(adopt, "owner: priya", f"owner: {_q(OWNER)}")
    bench = c / "benchmarks/fa-latency.md"
    text = bench.read_text().replace("- name: flash-attn-2", f"- name: {_q(METHOD)}")
    bench.write_text(text.replace("of: flash-attn-2", f"of: {_q(METHOD)}"))
    (c / "index.md").write_text(
        "---\nrender_macros: true\n---\n# Home\n\n{{ assay_radar() }}\n\n"
        "{{ assay_figure('fa-latency', 'p99-latency') }}\n\n{{ assay_verdicts('fa-latency') }}\n"
    )
    return root


def build_with(root: Path, site: Path, engine: str) -> None:
    args = ["build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF]
    result = CliRunner().invoke(main, [*args, "--engine", engine])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


@pytest.fixture(scope="module", params=sorted(ENGINES))
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp(f"hostile-{request.param}")
    root = make_hostile_kb(base / "kb")
    shutil.rmtree(MARKER, ignore_errors=True)
    build_with(root, base / "site", request.param)
    return base / "site"


def test_payloads_reached_the_site(site: Path) -> None:
    """The hostile records were built (so the other tests examine real pages)."""
    page = (site / "papers/lora/index.html").read_text()
    assert "PWN-data" in html.unescape(page)
    assert "PWN-technique" in html.unescape((site / "index.html").read_text())


def test_no_live_markup_in_any_html_or_svg(site: Path) -> None:
    problems = {}
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".svg", ".xml"):
            found = html_problems(path.read_text(encoding="utf-8", errors="replace"))
            if found:
                problems[str(path.relative_to(site))] = found
    assert problems == {}


def test_title_element_cannot_be_broken_out_of(site: Path) -> None:
    for page in ("papers/lora/index.html", "papers/index.html", "index.html"):
        text = (site / page).read_text()
        head = text[: text.index("</head>")]
        titles = re.findall(r"<title>(.*?)</title>", head, re.S)
        assert len(titles) == 1, page
        assert "<" not in titles[0] and "&lt;" not in titles[0].lower(), titles[0]
        assert head.count("<title>") == 1 and head.count("</title>") == 1


def _search_index(site: Path) -> Path:
    # MkDocs and ProperDocs (Material) write search/search_index.json; Zensical search.json.
    for rel in ("search/search_index.json", "search.json"):
        if (site / rel).is_file():
            return site / rel
    raise AssertionError(f"no search index in {site}")


def test_search_index_strings_are_inert_as_html(site: Path) -> None:
    index = json.loads(_search_index(site).read_text())
    strings = _strings(index)
    assert any("PWN-data" in html.unescape(s) for s in strings)  # the record was indexed
    for s in strings:
        assert html_problems(s) == [], s[:200]
        # The theme inserts these strings as HTML: no raw tag may come from a record.
        assert not re.search(r"<(script|img|svg|iframe|a |object|embed|style)", s, re.I), s[:200]


def test_records_json_holds_no_markup_bytes(site: Path) -> None:
    raw = (site / "records.json").read_text()
    assert "<" not in raw and ">" not in raw
    data = json.loads(raw)
    lora = next(r for r in data["records"] if r["id"] == "lora")
    assert lora["fields"]["title"] == TITLE  # the data itself is kept exactly


def test_macro_syntax_is_inert_everywhere(site: Path) -> None:
    assert not os.path.exists(MARKER)
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".svg", ".xml"):
            text = html.unescape(path.read_text(encoding="utf-8", errors="replace"))
            assert "PWNMACRO" not in text and "PWNCOMMENT" not in text.replace(
                "{# PWNCOMMENT #}", ""
            ), path
    shown = html.unescape((site / "papers/lora/index.html").read_text())
    assert "{{ 'PWN' ~ 'MACRO' }}" in shown  # shown literally


def test_no_host_file_and_no_preprocessor_ran(site: Path) -> None:
    page = html.unescape((site / "papers/lora/index.html").read_text())
    assert "root:x:0:0" not in page  # --8<-- snippets never included /etc/passwd
    assert '--8<-- "/etc/passwd"' in page
    article = page[page.index('<div class="assay-page">') :]
    assert 'class="admonition' not in article  # body Markdown is CommonMark, nothing more


def test_body_cannot_pull_in_another_stash_entry(site: Path) -> None:
    page = (site / "papers/lora/index.html").read_text()
    assert "\x02" not in page and "\x03" not in page
    assert "wzxhzdk:0" in page  # shown as text (markers replaced), not substituted


ADVERSARIAL = {
    "links": "[a](" * 262_144,  # unclosed links: minutes in Python-Markdown
    "quotes": "> " * 200_000 + "x",  # deep blockquotes
    "lists": "- " * 200_000 + "x",  # deep lists
    "emphasis": "*a **b " * 100_000,  # unmatched emphasis
    "divs": "<div>" * 100_000,  # unclosed raw HTML: quadratic in the sanitizer
    "backticks": "`" * 500_000,  # backtick runs
    "refdefs": "[x]: /u\n" * 80_000 + "[x]" * 40_000,  # reference definitions
    "prose": ("Plain words of a long narrative, with *some* emphasis. " * 20 + "\n\n") * 900,
}


def test_adversarial_markdown_builds_in_bounded_time(tmp_path: Path) -> None:
    """Records of up to 1 MiB built for real; a hang guard, not a performance test
    (benchmarks/run.py measures the cost): the old renderer took minutes on `links`."""
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    head = (root / "content/papers/lora.md").read_text()
    for name, body in ADVERSARIAL.items():
        text = head.replace('title: "LoRA', f'title: "{name} LoRA') + "\n" + body
        data = text.encode()[: 1024 * 1024 - 1].decode("utf-8", "ignore")
        (root / f"content/papers/adv-{name}.md").write_text(data)
    started = time.perf_counter()
    result = CliRunner().invoke(
        main, ["build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 180
    for name in ADVERSARIAL:
        page = (tmp_path / f"site/papers/adv-{name}/index.html").read_text()
        assert f"{name} LoRA" in page
        assert html_problems(page) == []


def test_planted_cache_files_never_reach_the_site(tmp_path: Path) -> None:
    """.assay-cache/ lies in the repository: a pull request could commit files into it."""
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    args = ["build", "--root", str(root), "--site-dir", str(tmp_path / "site"), "--as-of", AS_OF]
    assert CliRunner().invoke(main, args).exit_code == 0
    payload = (  # shaped like an SVG document, as a cache reader might check
        '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(\'PWN\')">'
        "<script>alert('PWN-cache')</script><a href=\"javascript:alert('PWN')\">x</a></svg>"
    )
    # Charts are drawn on every build and have no cache (issue 9): files planted where the
    # old chart cache lived (`charts/<sha256>.svg`) must be ignored all the same.
    old_cache = root / ".assay-cache/charts"
    old_cache.mkdir(parents=True, exist_ok=True)
    for i in range(5):
        (old_cache / f"{i:064x}.svg").write_text("")
    import packfiles

    for suffix in (".svg", ".html"):  # the (old) chart cache alone, then the page caches too
        planted = 0
        for path in (root / ".assay-cache").rglob(f"*{suffix}"):
            path.write_text(payload)
            planted += 1
        if suffix == ".html":  # every entry of the page HTML and theme output packs, and
            for folder in (root / ".assay-cache/html", root / ".assay-cache/engine"):
                entries = packfiles.entries(folder)  # the same as earlier versions' files
                packfiles.replace_entries(folder, dict.fromkeys(entries, payload.encode()))
                for key in entries:
                    (folder / key[:2]).mkdir(exist_ok=True)
                    (folder / key[:2] / f"{key}.html").write_text(payload)
                planted += len(entries)
        assert planted > 3, suffix
        shutil.rmtree(tmp_path / "site")
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        for page in (tmp_path / "site").rglob("*.html"):
            assert html_problems(page.read_text()) == [], page
        if suffix == ".svg":
            bench = (tmp_path / "site/benchmarks/fa-latency/index.html").read_text()
            # The planted SVG is never read: the chart is drawn again, neither inserted nor
            # omitted.
            assert "PWN" not in bench and "Chart omitted" not in bench
            assert "<svg" in bench
