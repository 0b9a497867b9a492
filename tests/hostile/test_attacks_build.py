"""Attacks on the build's time, memory and page contents through one record (FINDINGS.md).

Each test adds hostile records to a copy of the valid fixture knowledge base and runs the
real command line (`python -m generator build …`) in a child process with a timeout: a
build that hangs fails the test after the timeout instead of hanging the suite. The budget
checked is the contract's (issue 9: a record of at most 1 MiB, whatever it holds, adds at
most 2 s to a build); the timeouts leave several times that for a loaded machine.
"""

from __future__ import annotations

import hashlib
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import VALID_ROOT

AS_OF = "2026-11-25"
LIMIT = 1024 * 1024


def _kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    return root


def _paper(root: Path, name: str, *, extra: str = "", body: str = "") -> Path:
    """A valid paper `name` with `extra` front matter lines and `body`, at most 1 MiB."""
    head = (root / "content/papers/lora.md").read_text()
    head = head.replace('title: "LoRA', f'title: "{name} LoRA', 1)
    head = head.replace("\n---\n", "\n" + extra + "---\n", 1) if extra else head
    data = (head + body).encode()
    assert len(data) <= LIMIT, len(data)
    path = root / f"content/papers/{name}.md"
    path.write_bytes(data)
    return path


def _build(root: Path, site: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "generator", "build", "--root", str(root)]
    args += ["--site-dir", str(site), "--as-of", AS_OF]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"assay build did not finish within {timeout} s")
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    return proc


def test_chart_placeholder_in_a_body_is_text(tmp_path: Path) -> None:
    """A1: a body that writes the placeholder of a chart of this build gets text, not the
    SVG (each 37 bytes of body must not become a 20 KB chart: 1 MiB of them is ~700 MB)."""
    root = _kb(tmp_path)
    first = _build(root, tmp_path / "site1", timeout=120)
    assert first.returncode == 0, first.stderr
    pages = [p.read_text() for p in (tmp_path / "site1").rglob("index.html")]
    svgs = {
        s for page in pages for s in re.findall(r'<figure class="assay-chart">(.*?)</figure>', page)
    }
    assert svgs, "the fixture knowledge base has charts"
    keys = [hashlib.sha256(s.encode()).hexdigest()[:24] for s in sorted(svgs)]
    body = "\n\n".join(f"ASSAY-CHART-{k}" for k in keys * 20) + "\n"
    _paper(root, "chart-bomb", body=body)
    proc = _build(root, tmp_path / "site", timeout=120)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "site/papers/chart-bomb/index.html").read_text()
    article = page[page.index('<div class="assay-page">') : page.index("</article>")]
    assert article.count("<svg") == 0, f"{article.count('<svg')} charts in a chart-less page"
    assert f"ASSAY-CHART-{keys[0]}" in article  # shown as the text it is


def test_nested_html_in_a_field_builds_in_bounded_time(tmp_path: Path) -> None:
    """A2: raw HTML nested 40,000 deep behind stray end tags, in a free-text field (no
    `is_heavy` check there): 580 s on the old code."""
    root = _kb(tmp_path)
    _paper(root, "deep-field", extra="key_insight: |\n  " + "<div></x>" * 40_000 + "\n")
    proc = _build(root, tmp_path / "site", timeout=45)
    assert proc.returncode in (0, 1), proc.stderr
    if proc.returncode == 0:
        page = (tmp_path / "site/papers/deep-field/index.html").read_text()
        assert page.count("<div") < 1000


def test_nested_html_in_a_body_behind_stray_end_tags(tmp_path: Path) -> None:
    """A2 in the body: under the `is_heavy` threshold (20,000 `<`) the body is rendered, and
    `_too_deep` must still see 10,000 nested `<div>`s through the `</x>`s between them and
    in `<div/>` (not self-closing in HTML)."""
    root = _kb(tmp_path)
    _paper(root, "deep-body", body="<div></x>" * 5_000 + "<div/>" * 5_000 + "\n")
    proc = _build(root, tmp_path / "site", timeout=60)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "site/papers/deep-body/index.html").read_text()
    assert page.count("<div") < 1000  # shown as text, not handed on as a 10,000-deep tree


DENSE = {"list-items": "- a\n", "table-rows": "|x|y|\n"}


def test_token_dense_bodies_are_bounded(tmp_path: Path) -> None:
    """A3: 1 MiB of tiny blocks (none of `is_heavy`'s characters): list items alone added
    17 s of CPU and ~800 MB on the old code. Two such records, measured against the same
    build without them (CPU time of the child: the machine is shared)."""
    root = _kb(tmp_path)
    base = _timed_build(root, tmp_path / "site0", timeout=60)
    head = len((root / "content/papers/lora.md").read_bytes()) + 200
    for name, unit in DENSE.items():
        body = "|a|b|\n|-|-|\n" if unit.startswith("|") else ""
        body += unit * ((LIMIT - head - len(body)) // len(unit))
        _paper(root, name, body=body)
    with_records = _timed_build(root, tmp_path / "site", timeout=45)
    added = with_records - base
    # 2 s per record in the contract; 3 s each leaves room for a loaded machine.
    assert added < 3.0 * len(DENSE), f"{len(DENSE)} records added {added:.1f} s of CPU"


def test_token_dense_field_is_bounded(tmp_path: Path) -> None:
    """A3 in a free-text field: `key_insight` (any length, Markdown) is not checked by
    `is_heavy`, which only looks at the body. 1 MiB of list items there."""
    root = _kb(tmp_path)
    base = _timed_build(root, tmp_path / "site0", timeout=60)
    head = len((root / "content/papers/lora.md").read_bytes()) + 200
    lines = "  - a\n" * ((LIMIT - head) // 6)
    _paper(root, "dense-field", extra="key_insight: |\n" + lines)
    # Decided (docs/design.md): front matter text over the markup limit is refused by
    # `assay check` (E-SCHEMA naming file and field), so the build stops, fast and clean.
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = _build(root, tmp_path / "site", timeout=30)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    added = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime) - base
    assert added < 3.0, f"the record added {added:.1f} s of CPU"
    assert proc.returncode == 1, proc.stdout[-800:]
    out = proc.stdout + proc.stderr
    assert re.search(r"dense-field\.md:\d+:\d+: error\[E-SCHEMA\] key_insight: .*20,000", out), out
    assert not (tmp_path / "site").exists()


def _timed_build(root: Path, site: Path, timeout: float) -> float:
    """CPU seconds (user + system) of one build in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = _build(root, site, timeout=timeout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def test_check_output_cannot_forge_lines_or_terminal_escapes(tmp_path: Path) -> None:
    """A4: a YAML key (or value) written with escapes holds ESC, BEL and newlines; `assay
    check` must not print them raw (terminal title/clear-screen sequences, and a line that
    starts with `::error` is a GitHub Actions workflow command)."""
    root = _kb(tmp_path)
    key = '"bogus\\e]0;PWNED\\a\\e[2J\\n::error file=x::PWN"'
    _paper(root, "escapes", extra=f'{key}: 1\nkey_insight: "\\e[31m\\r\\n::warning::PWN"\n')
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--root", str(root), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "escapes.md" in out and "Traceback" not in out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", out), repr(out[-600:])
    assert not re.search(r"^::", out, re.M), out


def test_cache_files_a_pull_request_carries_cannot_replace_a_page(tmp_path: Path) -> None:
    """A7: `.assay-cache/` lies in the repository, so a pull request can carry files in it.
    A page HTML planted under the key of another record's page (the key is a hash of
    inputs anyone can compute by building the same repository) replaced that page."""
    root = _kb(tmp_path)
    first = _build(root, tmp_path / "site1", timeout=120)
    assert first.returncode == 0, first.stderr
    import packfiles

    planted = 0
    fake = b"<h1>LoRA</h1><p>Verdict: PLANTED by a pull request</p>"
    for folder in (root / ".assay-cache").iterdir():
        entries = packfiles.entries(folder)
        for key, stored in entries.items():
            if b"Freeze the weights" in stored:
                entries[key] = fake  # in the pack, and as earlier versions kept entries
                (folder / key[:2]).mkdir(exist_ok=True)
                (folder / key[:2] / f"{key}.html").write_bytes(fake)
                planted += 1
        packfiles.replace_entries(folder, entries)
    assert planted, "the page cache keeps the LoRA page (else this test tests nothing)"
    proc = _build(root, tmp_path / "site", timeout=120)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "site/papers/lora/index.html").read_text()
    assert "PLANTED" not in page
    assert "Freeze the weights" in page


def test_record_look_alike_folder_is_reported(tmp_path: Path) -> None:
    """A8: `content/Papers/` (case) is not a record folder, so a record-shaped page there is
    a *trusted* maintainer page: published with raw HTML, script included, and `assay
    check` says nothing. A reviewer sees a paper note; the site gets a script."""
    root = _kb(tmp_path)
    folder = root / "content/Papers"
    folder.mkdir()
    text = (root / "content/papers/lora.md").read_text()
    (folder / "lora-v2.md").write_text(text + '\n<script>alert("PWN")</script>\n')
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--root", str(root), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "Papers" in proc.stdout + proc.stderr, proc.stdout[-500:]


def test_benchmark_with_many_runs_is_bounded(tmp_path: Path) -> None:
    """A9: the runs chart draws one mark per run. 10,000 runs for two methods (220 KB,
    valid; 30,000 each made an 18 MB SVG and 4.8 GB peak memory in the build)."""
    root = _kb(tmp_path)
    bench = root / "content/benchmarks/fa-latency.md"
    text = bench.read_text()
    for old in ("[101.2, 99.8, 100.5, 102.0, 100.9]", "[69.5, 70.2, 68.9, 70.8, 69.9]"):
        assert old in text
        base = [float(v) for v in old.strip("[]").split(", ")]
        runs = ", ".join(f"{base[i % 5] + (i % 97) / 1000:.3f}" for i in range(10_000))
        text = text.replace(old, f"[{runs}]")
    bench.write_text(text.replace("paired: true", "paired: false"))  # else invalid (lengths)
    assert len(text.encode()) < LIMIT
    proc = _build(root, tmp_path / "site", timeout=45)
    # Valid today; a fix may as well limit the runs with a diagnostic that names the field.
    assert proc.returncode == 0 or "fa-latency.md" in proc.stdout + proc.stderr, proc.stderr
    if proc.returncode == 0:
        page = tmp_path / "site/benchmarks/fa-latency/index.html"
        assert page.stat().st_size < 2_000_000, f"{page.stat().st_size:,} bytes"


def test_record_look_alike_folder_with_a_trailing_space_is_reported(tmp_path: Path) -> None:
    """A8, rest: `content/papers /` (trailing space) looks exactly like `papers/` in a
    pull request's file list; `Papers/` and `Ｐapers/` are reported, this one is not."""
    root = _kb(tmp_path)
    folder = root / "content/papers "
    folder.mkdir()
    text = (root / "content/papers/lora.md").read_text()
    (folder / "lora-v2.md").write_text(text + '\n<script>alert("PWN")</script>\n')
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "check", "--root", str(root), "--as-of", AS_OF],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1 and "papers " in proc.stdout, proc.stdout[-500:]
