"""`assay serve`: an edit shows up (on the record's page and the pages summarizing it), the
search index stays whole and free of duplicates, and a broken edit shows its diagnostics in
the browser until it is fixed (generator/serve.py, generator/incremental.py)."""

from __future__ import annotations

import html
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest
from conftest import VALID_ROOT

from generator.engines import ENGINES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return str(r.read().decode())


def _wait_for(url: str, needle: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            last = _get(url)
            if needle in last:
                return last
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{needle!r} did not appear at {url} within {timeout}s")


@pytest.fixture(params=sorted(ENGINES))
def served(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Path, str, subprocess.Popen[bytes]]]:
    """`assay serve` of the valid fixture knowledge base, with each engine of the registry."""
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "generator",
            "serve",
            "--root",
            str(root),
            "-a",
            f"127.0.0.1:{port}",
            "--engine",
            request.param,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(base + "papers/lora/", "LoRA")
        yield root, base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # A terminated `assay serve` leaves no engine server behind (ProperDocs runs in a child).
    deadline = time.monotonic() + 10
    while _serving(port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _serving(port) == []


def _serving(port: int) -> list[str]:
    """Command lines of live processes serving on `port` (read from /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if f"127.0.0.1:{port}".encode() in args:
            found.append(b" ".join(args).decode(errors="replace"))
    return found


def _search_docs(base: str) -> list[dict[str, str]]:
    """The served search index's entries (Material: search/search_index.json `docs`;
    Zensical: search.json `items`), each with a `location` and a `title`."""
    try:
        return list(json.loads(_get(base + "search/search_index.json"))["docs"])
    except urllib.error.HTTPError:
        return list(json.loads(_get(base + "search.json"))["items"])


def test_edit_is_served_and_search_index_stays_whole(
    served: tuple[Path, str, subprocess.Popen[bytes]],
) -> None:
    root, base, _ = served
    before = _search_docs(base)
    lora = root / "content/papers/lora.md"
    lora.write_text(
        lora.read_text().replace(
            'title: "LoRA: Low-Rank Adaptation of Large Language Models"',
            "title: LoRA zebra edition",
        )
    )
    _wait_for(base + "papers/lora/", "LoRA zebra edition")
    _wait_for(base + "papers/", "LoRA zebra edition")  # the index page was rebuilt too
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        after = _search_docs(base)
        if any("zebra" in d["title"] for d in after):
            break
        time.sleep(0.2)
    locations = Counter(d["location"] for d in after)
    assert max(locations.values()) == 1  # no page indexed twice
    assert set(locations) == {d["location"] for d in before}  # nothing lost
    assert [d["location"] for d in after if "zebra" in d["title"]] == ["papers/lora/"]


def test_broken_edit_is_reported_and_fixing_it_recovers(
    served: tuple[Path, str, subprocess.Popen[bytes]],
) -> None:
    root, base, proc = served
    adopt = root / "content/decisions/flash-attention-adopt.md"
    adopt.write_text(adopt.read_text().replace("status: ADOPT", "status: adopted"))
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 30
    while b"E-SCHEMA" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.read1(65536)
    assert b"content/decisions/flash-attention-adopt.md:6:9: error[E-SCHEMA] status" in seen
    # The browser shows the diagnostics too (the record's page and the home page), rather
    # than waiting or showing the stale page.
    shown = "flash-attention-adopt.md:6:9: error[E-SCHEMA] status"
    _wait_for(base + "decisions/flash-attention-adopt/", shown)
    _wait_for(base, shown)
    fixed = adopt.read_text().replace("status: adopted", "status: ADOPT")
    adopt.write_text(
        fixed.replace("title: Adopt FlashAttention for serving", "title: Adopt it again")
    )
    _wait_for(base + "decisions/flash-attention-adopt/", "Adopt it again")


#: The pages that summarize records (besides each record's own page).
SUMMARY_PAGES = [
    "",
    "radar/",
    "review/",
    "predictions/",
    "papers/",
    "decisions/",
    "benchmarks/",
    "runbooks/",
    "postmortems/",
    "tags/",
]
FOLDERS = ("papers", "decisions", "benchmarks", "predictions", "runbooks", "postmortems")


def _page_urls(root: Path) -> list[str]:
    """Every summary page and every record page of the knowledge base as it is now."""
    records = [
        f"{folder}/{path.stem}/"
        for folder in FOLDERS
        for path in sorted((root / "content" / folder).glob("*.md"))
        if path.name != "index.md"
    ]
    return SUMMARY_PAGES + records


def _text(page: str) -> str:
    """A page's text with entities decoded (what a reader sees, markup aside)."""
    return html.unescape(page)


def _until(check: Callable[[], list[str]], timeout: float = 60.0) -> None:
    """Poll `check` (the problems it still sees) until it sees none or the deadline passes."""
    deadline = time.monotonic() + timeout

    def look() -> list[str]:
        try:
            return check()
        except OSError as exc:  # a server may drop a request while it rebuilds: ask again
            return [f"request failed: {exc}"]

    problems = look()
    while problems and time.monotonic() < deadline:
        time.sleep(0.2)
        problems = look()
    assert problems == [], problems


def _fetch(url: str) -> str | None:
    try:
        return _get(url)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise


def test_edited_title_reaches_every_page_that_shows_it(
    served: tuple[Path, str, subprocess.Popen[bytes]],
) -> None:
    root, base, _ = served
    old, new = "Adopt FlashAttention for serving", "Adopt zebra attention now"
    showing = [u for u in _page_urls(root) if old in _text(_get(base + u))]
    # The record's page, its kind's index, the tags page, the decision it supersedes (a
    # banner), and the records it references (their "Referenced by").
    assert set(showing) >= {
        "decisions/flash-attention-adopt/",
        "decisions/",
        "tags/",
        "decisions/flash-attention-assess/",
        "papers/flashattention/",
        "benchmarks/fa-latency/",
        "runbooks/fa-runbook/",
        "predictions/fa-default/",
    }
    adopt = root / "content/decisions/flash-attention-adopt.md"
    adopt.write_text(adopt.read_text().replace(f"title: {old}", f"title: {new}"))

    def stale() -> list[str]:
        return [u for u in showing if new not in (t := _text(_get(base + u))) or old in t]

    _until(stale)


def _zebra_decision() -> str:
    yesterday = date.today() - timedelta(days=1)
    return (
        "---\ntitle: Assess zebra decoding\ntags: [attention, zebrastripe]\n"
        "technique: Zebra decoding\narea: inference\nstatus: ASSESS\nstage: discovery\n"
        f"owner: priya\ndecided_on: {yesterday.isoformat()}\nrationale: Worth a look.\n"
        "next_action: {action: Read the paper, owner: priya, due: 2099-01-01}\n"
        "revisit_on: 2099-01-01\n---\n\nZebra body.\n"
    )


def test_added_renamed_and_deleted_records_leave_no_stale_page(
    served: tuple[Path, str, subprocess.Popen[bytes]],
) -> None:
    root, base, _ = served
    # Summary pages that list a new ASSESS decision decided yesterday: its kind's index,
    # the radar (a new blip), the review agenda (radar moves), the tags page; the home
    # page counts it.
    lists_it = ["decisions/", "radar/", "review/", "tags/"]
    for u in lists_it:
        assert "Zebra decoding" not in _get(base + u) and "zebrastripe" not in _get(base + u)
    assert "9 records" in _get(base)

    def shown(url_of_record: str) -> Callable[[], list[str]]:
        link = url_of_record.split("/")[1] + "/"  # links are relative: "…/<id>/"

        def check() -> list[str]:
            problems = [u for u in lists_it if link not in _get(base + u)]
            if "10 records" not in _get(base):
                problems.append("home count")
            page = _fetch(base + url_of_record)
            if page is None or "Zebra body" not in page:
                problems.append(url_of_record)
            return problems

        return check

    added = root / "content/decisions/zebra-decoding.md"
    added.write_text(_zebra_decision())
    _until(shown("decisions/zebra-decoding/"))
    assert "Zebra decoding" in _get(base + "radar/")

    # A rename is a new id: the old page is gone, every list links the new one.
    renamed = added.with_name("zebra-decoding-v2.md")
    added.rename(renamed)

    def moved() -> list[str]:
        problems = shown("decisions/zebra-decoding-v2/")()
        problems += [u for u in lists_it if "zebra-decoding/" in _get(base + u)]
        if _fetch(base + "decisions/zebra-decoding/") is not None:
            problems.append("old page still served")
        return problems

    _until(moved)

    renamed.unlink()

    def gone() -> list[str]:
        problems = [u for u in [*lists_it, *_page_urls(root)] if "zebra" in _get(base + u).lower()]
        if "9 records" not in _get(base):
            problems.append("home count")
        if _fetch(base + "decisions/zebra-decoding-v2/") is not None:
            problems.append("deleted page still served")
        return problems

    _until(gone)
    found = [d["location"] for d in _search_docs(base) if "zebra" in json.dumps(d).lower()]
    assert found == []


def test_site_settings_and_maintainer_pages_reach_every_page(
    served: tuple[Path, str, subprocess.Popen[bytes]],
) -> None:
    root, base, _ = served
    # A new mkdocs.yml (site name) shows on every page, edited or not.
    (root / "mkdocs.yml").write_text("site_name: Zebra knowledge base\ntheme: material\n")

    def renamed_site() -> list[str]:
        return [u for u in _page_urls(root) if "Zebra knowledge base" not in _get(base + u)]

    _until(renamed_site)
    # An edit of that mkdocs.yml too (the engine's file INHERITs it: its text stays the same).
    (root / "mkdocs.yml").write_text("site_name: Okapi knowledge base\ntheme: material\n")
    _until(lambda: [u for u in _page_urls(root) if "Okapi knowledge base" not in _get(base + u)])
    # A maintainer page added is served and enters the navigation of every page.
    guide = root / "content/handbook.md"
    guide.write_text("# Zebra handbook\n\nHow we work.\n")

    def with_page() -> list[str]:
        page = _fetch(base + "handbook/")
        problems = [] if page and "How we work." in page else ["handbook/"]
        return problems + [u for u in _page_urls(root) if "Zebra handbook" not in _get(base + u)]

    _until(with_page)  # every page: the navigation lists it
    guide.write_text("# Zebra handbook\n\nHow we work now.\n")
    _wait_for(base + "handbook/", "How we work now.")


#: Titles that try to leave a table cell, a list item or a section, or to open a block.
TRICKY_TITLES = [
    "pipe | in | title",
    "## not a heading",
    "```fence",
    "<div>html block</div>",
    "[ref]: https://example.invalid/ def",
    "back\\\\slash | \\\\| escaped",
    "* star _under_ `code",
    "<script>alert(1)</script>",
]


def test_pages_converted_by_parts_equal_the_whole_conversion(tmp_path: Path) -> None:
    """`assay serve` converts the tags page section by section (generator/compile.py
    SECTIONED_PAGES): the HTML must be the very same as the whole page's."""
    from generator.compile import SECTIONED_PAGES, PageCache, render_page
    from generator.kb import load_knowledge_base
    from generator.render.charts import ChartSink
    from generator.render.site import render_site

    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    lora = (root / "content/papers/lora.md").read_text()
    for i in range(40):
        title = json.dumps(f"{TRICKY_TITLES[i % len(TRICKY_TITLES)]} {i}")
        text = lora.replace('"LoRA: Low-Rank Adaptation of Large Language Models"', title)
        text = text.replace("year: 2021", f"year: 2021\ntags: [t{i % 7}, shared]")
        (root / f"content/papers/p{i:03d}.md").write_text(text)
    kb = load_knowledge_base(root, None)
    assert kb.errors == []
    sink = ChartSink(None)
    pages = render_site(kb, sink)
    assert "tags/index.md" in SECTIONED_PAGES
    markdown = pages["tags/index.md"]
    assert markdown.count("\n## ") >= 9
    by_parts = render_page("tags/index.md", markdown, sink, True, None, PageCache(None))
    assert by_parts == render_page("tags/index.md", markdown, sink, True, None, None)
    shown = html.unescape(by_parts)
    assert all(f"{title} 0" in shown for title in TRICKY_TITLES[:1])
    assert "<script>alert" not in by_parts


def _set_line(path: Path, key: str, value: str | None) -> None:
    """Replace (or, with None, drop) the top-level front-matter line `key: …` of a record."""
    lines = path.read_text().split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith(f"{key}:"))
    if value is None:
        del lines[i]
    else:
        lines[i] = f"{key}: {value}"
    path.write_text("\n".join(lines))


def test_record_pages_reused_after_an_edit_equal_a_full_render(tmp_path: Path) -> None:
    """`assay serve` renders again only the record pages an edit can affect
    (generator/incremental.py `RecordPages`): after each edit below, the pages must be
    exactly those of rendering every record."""
    from generator.incremental import RecordPages
    from generator.kb import load_knowledge_base
    from generator.render.charts import ChartSink
    from generator.render.records import record_page

    root = tmp_path / "kb"
    make_kb = Path(__file__).parents[1] / "benchmarks/make_kb.py"
    subprocess.run([sys.executable, str(make_kb), str(root), "250"], check=True)
    content = root / "content"
    kb = load_knowledge_base(root, None)
    assert kb.errors == []
    graph = kb.graph
    superseding = next(  # a decision that supersedes one that others reference
        src
        for target, sources in graph.superseded_by.items()
        for src in sources
        if graph.backlinks.get(target) and len(graph.backlinks[target]) > 1
    )
    cited_paper = next(
        t for t, links in graph.backlinks.items() if t.startswith("pape") and len(links) > 1
    )
    technique_member = next(
        d for chain in graph.history.values() if len(chain) > 2 for d in chain if d != superseding
    )
    edits: list[tuple[Path, str, str | None]] = [  # file, front-matter key, new value
        (content / f"papers/{cited_paper}.md", "title", "New title"),
        (content / f"decisions/{superseding}.md", "title", "Renamed decision"),
        (content / f"decisions/{superseding}.md", "supersedes", None),
        (content / f"decisions/{technique_member}.md", "decided_on", "2023-01-02"),
        (content / f"papers/{cited_paper}.md", "tags", "[zebra]"),
    ]
    for kind in ("predictions", "runbooks", "postmortems", "benchmarks"):
        edits.append((sorted((content / kind).glob("*.md"))[0], "title", "Zebra"))

    records = RecordPages()
    sink = ChartSink(None)
    records.render(kb, lambda e: record_page(e, kb, sink))
    refused = []
    for path, key, value in edits:
        before = path.read_text()
        _set_line(path, key, value)
        kb = load_knowledge_base(root, None)
        if kb.errors:  # an edit this base's rules refuse: serve would not render it
            refused.append((path.name, key, kb.errors[0].code))
            path.write_text(before)
            kb = load_knowledge_base(root, None)
        again = records.render(kb, partial(record_page, kb=kb, charts=sink))
        full = {
            f"{e.path.split('/')[-2]}/{e.id}.md": record_page(e, kb, sink)
            for e in sorted(kb.entries, key=lambda e: e.path)
            if e.kind != "benchmark"  # always rendered by the caller (render/site.py)
        }
        assert again == full, (path.name, key)
    assert refused == []


@pytest.mark.parametrize("served", ["mkdocs", "properdocs"], indirect=True)
def test_a_configuration_the_engine_refuses_keeps_the_site_answering(
    served: tuple[Path, str, subprocess.Popen[bytes]],
) -> None:
    root, base, proc = served
    (root / "mkdocs.yml").write_text("site_name: Broken\ntheme: {name: no-such-theme}\n")
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 60
    while b"could not rebuild the site" not in seen and time.monotonic() < deadline:
        seen += proc.stderr.read1(65536)
    assert b"could not rebuild the site" in seen
    # Every request is answered (the last good site), none waits for a build that failed.
    for url in _page_urls(root):
        assert "</html>" in _get(base + url)
    (root / "mkdocs.yml").write_text("site_name: Zebra knowledge base\ntheme: material\n")
    _until(lambda: [u for u in _page_urls(root) if "Zebra knowledge base" not in _get(base + u)])
