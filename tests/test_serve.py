"""`assay serve`: an edit shows up (on the record's page and the pages summarizing it), the
search index stays whole and free of duplicates, and a broken edit shows its diagnostics in
the browser until it is fixed (generator/serve.py, generator/incremental.py)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
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
