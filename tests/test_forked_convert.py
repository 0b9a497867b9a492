"""Pages converted on the second CPU (generator/compile.py `_Converter`): a first build
forks a converter for part of the pages' Markdown; the site is byte-identical to one
converted in a single process, also when the converter dies or answers garbage, and no
converter is forked where forking is unsafe."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

import pytest
from conftest import AS_OF

from generator import compile as compile_mod
from generator import forking, statcache
from generator.compile import PageCache
from generator.kb import load_knowledge_base
from generator.publish import compile_into

REPO = Path(__file__).resolve().parents[1]


def _docs(tmp: Path, name: str) -> dict[str, bytes]:
    """The site source of the bundled knowledge base, compiled with a fresh page cache."""
    kb = load_knowledge_base(REPO, AS_OF)
    source = tmp / name
    compile_into(kb, source, pages=PageCache(tmp / f"{name}-cache" / "html"))
    docs = source / "docs"
    return {p.relative_to(docs).as_posix(): p.read_bytes() for p in docs.rglob("*") if p.is_file()}


@pytest.fixture
def alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    with monkeypatch.context() as m:
        m.setattr(forking, "ENABLED", False)
        out = _docs(tmp_path, "alone")
    assert compile_mod.LAST_CONVERTER["forked"] == 0
    return out


@pytest.fixture(autouse=True)
def _two_cpus_small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(forking, "cpus", lambda: 2)
    monkeypatch.setattr(compile_mod, "PARALLEL_MIN_CHARS", 1)
    monkeypatch.setattr(statcache, "USE_WORKER", False)  # statistics in-process


def test_converter_builds_the_same_site(tmp_path: Path, alone: dict[str, bytes]) -> None:
    forked = _docs(tmp_path, "forked")
    last = compile_mod.LAST_CONVERTER
    assert last["forked"] == 1 and last["share"] > 10
    assert last["delivered"] == last["share"]  # every page it was given came back
    assert forked == alone
    assert not multiprocessing.active_children()


def test_a_warm_compile_forks_no_converter(tmp_path: Path) -> None:
    first = _docs(tmp_path, "same")
    assert compile_mod.LAST_CONVERTER["forked"] == 1
    again = _docs(tmp_path, "same")  # the page cache of the first compile: nothing to convert
    assert compile_mod.LAST_CONVERTER["forked"] == 0
    assert again == first


def _dies(conn: object, jobs: object, directory_urls: bool) -> None:
    os._exit(1)


def _garbage(conn: object, jobs: list[tuple[str, str, str]], directory_urls: bool) -> None:
    # a wrong shape, then (if read) keys that are not the jobs' and values that are not text
    conn.send({key: 42 for _, key, _ in jobs} | {"not-a-key": "<script>x</script>"})  # type: ignore[attr-defined]


def _hangs_up(conn: object, jobs: object, directory_urls: bool) -> None:
    conn.send("not a dict")  # type: ignore[attr-defined]


@pytest.mark.parametrize("child", [_dies, _garbage, _hangs_up])
def test_a_failing_converter_costs_only_time(
    tmp_path: Path, alone: dict[str, bytes], monkeypatch: pytest.MonkeyPatch, child: object
) -> None:
    monkeypatch.setattr(compile_mod, "_convert", child)
    out = _docs(tmp_path, "failing")
    assert compile_mod.LAST_CONVERTER["forked"] == 1
    assert compile_mod.LAST_CONVERTER["delivered"] == 0
    assert out == alone  # converted here instead, the forged entry never used
    assert b"not-a-key" not in b"".join(out.values())
    assert not multiprocessing.active_children()


def test_no_converter_with_other_threads_or_one_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        _docs(tmp_path, "threads")  # `assay serve`: a live server's threads
        assert compile_mod.LAST_CONVERTER["forked"] == 0
    finally:
        stop.set()
        thread.join()
    monkeypatch.setattr(forking, "cpus", lambda: 1)
    _docs(tmp_path, "one-cpu")
    assert compile_mod.LAST_CONVERTER["forked"] == 0


def test_the_converter_waits_for_the_statistics_worker(
    tmp_path: Path, alone: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second CPU does one thing at a time: while the statistics worker computes, no
    # converter; once it is done, the converter takes half of the pages left.
    monkeypatch.setattr(statcache, "worker_busy", lambda: True)
    _docs(tmp_path, "busy")
    assert compile_mod.LAST_CONVERTER["forked"] == 0
    answers = iter([True, True])
    monkeypatch.setattr(statcache, "worker_busy", lambda: next(answers, False))
    later = _docs(tmp_path, "later")
    assert compile_mod.LAST_CONVERTER["forked"] == 1
    first_share = compile_mod.LAST_CONVERTER["share"]
    monkeypatch.setattr(statcache, "worker_busy", lambda: False)
    _docs(tmp_path, "at-once")
    assert 0 < first_share < compile_mod.LAST_CONVERTER["share"]  # fewer pages were left
    assert later == alone
