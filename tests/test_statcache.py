"""The statistics cache (generator/statcache.py): round trips, hits and misses, hostile
entries, invalidation, pruning, the scipy-free warm path and the forked worker."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import packfiles
import pytest
from click.testing import CliRunner
from conftest import AS_OF, VALID_ROOT

from generator import compute, forking, statcache
from generator.cacheauth import seal
from generator.cli import main
from generator.kb import load_knowledge_base
from generator.model import KnowledgeBase
from generator.render.charts import ChartSink
from generator.render.records import record_page
from generator.schema import Benchmark
from generator.stats import BenchmarkStats, PredictionStats

REPO = Path(__file__).resolve().parents[1]


def _kbs() -> list[KnowledgeBase]:
    return [load_knowledge_base(REPO, AS_OF), load_knowledge_base(VALID_ROOT, AS_OF)]


def _benchmarks(kb: KnowledgeBase) -> list[tuple[str, Benchmark]]:
    out = []
    for e in kb.of_kind("benchmark"):
        assert isinstance(e.record, Benchmark)
        out.append((e.id, e.record))
    return out


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    """Each test starts without statistics remembered by the process."""
    compute._BENCHMARK_STATS.clear()
    statcache._BUNDLES.clear()
    yield
    compute._BENCHMARK_STATS.clear()
    statcache._BUNDLES.clear()


@pytest.fixture
def kb() -> KnowledgeBase:
    return load_knowledge_base(VALID_ROOT, AS_OF)


def _entries(folder: Path) -> dict[str, bytes]:
    return packfiles.entries(folder)


def _session(kb: KnowledgeBase, folder: Path) -> dict[str, int]:
    """One build's use of the statistics: every benchmark and the prediction pages."""
    with statcache.session(kb, folder):
        for rid, b in _benchmarks(kb):
            compute.benchmark_stats(rid, b)
        compute.prediction_stats(kb)
        compute.predictions_by_owner(kb)
    compute._BENCHMARK_STATS.clear()
    statcache._BUNDLES.clear()
    return dict(statcache.LAST)


# -- round trips ---------------------------------------------------------------------------
@pytest.mark.parametrize("which", [0, 1], ids=["content", "fixtures-valid"])
def test_every_benchmark_round_trips_exactly(which: int) -> None:
    kb = _kbs()[which]
    benchmarks = _benchmarks(kb)
    assert benchmarks
    for rid, b in benchmarks:
        s = compute.benchmark_stats(rid, b)
        text = json.dumps(s.to_json(), allow_nan=False)
        back = BenchmarkStats.from_json(json.loads(text))
        assert back == s
        assert repr(back) == repr(s)  # same types too: 1 == 1.0 would hide an int for a float


def test_prediction_statistics_round_trip_exactly(kb: KnowledgeBase) -> None:
    bundle = compute.prediction_bundle(kb)
    assert bundle.overall.n > 0 and bundle.by_owner and bundle.by_tag
    back = statcache.PredictionBundle.from_json(json.loads(json.dumps(bundle.to_json())))
    assert back == bundle and repr(back) == repr(bundle)
    assert PredictionStats.from_json(bundle.overall.to_json()) == bundle.overall


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("comparisons"),
        lambda d: d.update(alpha="0.05"),
        lambda d: d.update(paired=1),
        lambda d: d["summaries"][0].update(ci=[1.0]),
        lambda d: d["summaries"][0].update(n=3.0),
        lambda d: d["comparisons"][0].update(verdict="<script>"),
        lambda d: d["comparisons"][0]["verdict_interval"].update(level=None),
        lambda d: d.update(warnings="a string, not a list"),
    ],
)
def test_from_json_refuses_what_to_json_never_writes(kb: KnowledgeBase, damage: object) -> None:
    from generator.stats.results import ResultFormatError

    rid, b = _benchmarks(kb)[0]
    data = compute.benchmark_stats(rid, b).to_json()
    assert data["comparisons"]
    damage(data)  # type: ignore[operator]
    with pytest.raises(ResultFormatError):
        BenchmarkStats.from_json(data)


def test_record_page_from_cached_statistics_is_byte_identical(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    entries = [e for e in kb.of_kind("benchmark") if e.record is not None]
    fresh = {e.id: record_page(e, kb, ChartSink(None)) for e in entries}
    compute._BENCHMARK_STATS.clear()
    _session(kb, tmp_path / "stats")  # computes and stores
    with statcache.session(kb, tmp_path / "stats"):
        cached = {e.id: record_page(e, kb, ChartSink(None)) for e in entries}
    assert statcache.LAST["hits"] == len(entries) + 1 and statcache.LAST["computed"] == 0
    assert cached == fresh


# -- hits and misses -------------------------------------------------------------------------
def test_first_build_computes_and_stores_the_next_reads(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "stats"
    n = len(_benchmarks(kb)) + 1  # and the predictions
    first = _session(kb, folder)
    assert (first["hits"], first["computed"]) == (0, n)
    stored = _entries(folder)
    assert len(stored) == n
    files = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert len(files) == 1  # one pack
    second = _session(kb, folder)
    assert (second["hits"], second["computed"]) == (n, 0)
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == files  # hits rewrite nothing


def test_an_edited_benchmark_is_the_only_miss(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    e = kb.of_kind("benchmark")[0]
    assert isinstance(e.record, Benchmark)
    e.record = e.record.model_copy(update={"alpha": 0.01})
    again = _session(kb, folder)
    assert again["computed"] == 1 and again["hits"] == len(_benchmarks(kb))
    with statcache.session(kb, folder):
        assert compute.benchmark_stats(e.id, e.record).alpha == 0.01


def test_changing_the_engine_version_invalidates(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    old = set(_entries(folder))
    monkeypatch.setattr(statcache, "engine_version", lambda: "another-engine")
    again = _session(kb, folder)
    assert again["hits"] == 0 and again["computed"] == len(old)
    assert set(_entries(folder)).isdisjoint(old)  # the old entries were pruned


def test_the_engine_version_follows_the_statistics_source() -> None:
    version = statcache.engine_version()
    assert len(version) == 64 and version == statcache.engine_version()
    script = (
        "import importlib.metadata as m, generator.statcache as s;"
        "real = m.version;"
        "m.version = lambda d: '0.0-other' if d == 'scipy' else real(d);"
        "print(s.engine_version())"
    )
    other = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert other != version  # another scipy gives other keys


def test_entries_no_build_used_are_pruned(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    kept = _entries(folder)
    stale_key = "ab" + "0" * 62
    stale = packfiles.write_pack(folder, {stale_key: seal(f"stats/{stale_key}", "{}").encode()})
    # and one as earlier versions stored entries, a file each
    legacy = folder / "cd" / f"{'cd' + '1' * 62}.json"
    legacy.parent.mkdir()
    legacy.write_text(seal(f"stats/{legacy.stem}", "{}"))
    _session(kb, folder)
    assert not stale.exists() and not legacy.parent.exists()
    assert _entries(folder) == kept


# -- hostile entries -----------------------------------------------------------------------
def _first_key(folder: Path) -> str:
    return sorted(_entries(folder))[0]


def _forge(folder: Path, key: str, content: bytes) -> None:
    packfiles.replace_entries(folder, {**_entries(folder), key: content})


def test_forged_entry_is_a_miss_and_is_overwritten(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    good = _entries(folder)
    forged = {}
    for key, stored in good.items():
        mac, _, text = stored.decode().partition("\n")
        data = json.loads(text)
        if "comparisons" in data:  # same shape, other numbers, the old MAC
            for c in data["comparisons"]:
                c["verdict"], c["p"] = "better", 0.0
        else:
            data["overall"]["brier"] = 0.0
        forged[key] = (mac + "\n" + json.dumps(data)).encode()
    packfiles.replace_entries(folder, forged)
    again = _session(kb, folder)
    assert again["hits"] == 0 and again["computed"] == len(good)
    assert _entries(folder) == good


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\xff\xfe not utf-8",
        b"no newline, no mac",
        b"0" * 64 + b"\n{}",
        b"\n" * 10,
    ],
    ids=["empty", "not-utf8", "no-mac", "wrong-mac", "newlines"],
)
def test_corrupt_entry_is_a_miss(kb: KnowledgeBase, tmp_path: Path, content: bytes) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    good = _entries(folder)
    _forge(folder, _first_key(folder), content)
    again = _session(kb, folder)
    assert again["computed"] == 1
    assert _entries(folder) == good


def test_authentic_entry_of_the_wrong_shape_is_a_miss(kb: KnowledgeBase, tmp_path: Path) -> None:
    # An entry sealed with this machine's key but not the JSON of a result (a bug, or an
    # older format under the same key) is recomputed, never half-believed.
    folder = tmp_path / "stats"
    _session(kb, folder)
    good = _entries(folder)
    packfiles.replace_entries(
        folder,
        {
            key: seal(f"stats/{key}", json.dumps({"id": "x", "deep": [[[[]]]]})).encode()
            for key in good
        },
    )
    again = _session(kb, folder)
    assert again["hits"] == 0 and again["computed"] == len(good)
    assert _entries(folder) == good


def test_oversized_entry_is_a_miss_without_being_read(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    key = _first_key(folder)
    size = len(_entries(folder)[key])
    monkeypatch.setattr(statcache, "MAX_ENTRY_BYTES", size - 1)
    reads = packfiles.count_preads(monkeypatch)
    assert statcache.StatCache(folder).read(key) is None
    assert reads and max(reads) < size  # refused from its size in the index, never read


def test_oversized_result_is_not_stored(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statcache, "MAX_ENTRY_BYTES", 200)
    folder = tmp_path / "stats"
    first = _session(kb, folder)
    assert first["computed"] > 0 and not _entries(folder)


def test_symlinked_entry_is_never_followed(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    (pack,) = packfiles.packs(folder)
    key = _first_key(folder)
    outside = tmp_path / "outside"
    outside.mkdir()
    moved = outside / pack.name
    pack.rename(moved)
    pack.symlink_to(moved)  # authentic content, reached through a link
    # and an entry as earlier versions stored them, linked the same way
    legacy = folder / key[:2] / f"{key}.json"
    legacy.parent.mkdir()
    (outside / "entry").write_bytes(_entries(outside)[key])
    legacy.symlink_to(outside / "entry")
    assert statcache.StatCache(folder).read(key) is None


def test_special_file_entry_is_a_miss(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "stats"
    _session(kb, folder)
    (pack,) = packfiles.packs(folder)
    key = _first_key(folder)
    pack.unlink()
    os.mkfifo(pack)  # opening it for reading must not block
    legacy = folder / key[:2] / f"{key}.json"
    legacy.parent.mkdir()
    os.mkfifo(legacy)
    assert statcache.StatCache(folder).read(key) is None


def test_build_refuses_a_planted_link_in_the_stats_cache(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    (root / ".assay-cache/stats/ab").mkdir(parents=True)
    (root / ".assay-cache/stats/ab/x.json").symlink_to("/etc/passwd")
    result = CliRunner().invoke(
        main, ["build", "--root", str(root), "--site-dir", str(tmp_path / "site")]
    )
    assert result.exit_code == 1
    assert "symbolic link" in result.output and "Traceback" not in result.output
    assert Path("/etc/passwd").exists() and not (tmp_path / "site").exists()


def test_unwritable_cache_folder_only_costs_time(kb: KnowledgeBase, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    first = _session(kb, blocker / "stats")
    assert first["computed"] == len(_benchmarks(kb)) + 1


# -- the worker ------------------------------------------------------------------------------
def _no_children() -> bool:
    return not multiprocessing.active_children()


def _expected(kb: KnowledgeBase) -> tuple[dict[str, BenchmarkStats], PredictionStats]:
    """Every statistic computed in-process, then forgotten by the process."""
    expected = {rid: compute.benchmark_stats(rid, b) for rid, b in _benchmarks(kb)}
    overall = compute.prediction_stats(kb)
    compute._BENCHMARK_STATS.clear()
    statcache._BUNDLES.clear()
    return expected, overall


def _in_the_worker(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """The prediction analysis runs `action` first when it runs in a forked worker."""
    build = os.getpid()
    real = statcache.analyse_prediction_bundle

    def patched(inputs: list[object]) -> object:
        if os.getpid() != build:
            action()
        return real(inputs)  # type: ignore[arg-type]

    monkeypatch.setattr(statcache, "analyse_prediction_bundle", patched)


def test_worker_computes_the_missing_statistics(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected, overall = _expected(kb)
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    with statcache.session(kb, tmp_path / "stats"):
        got = {rid: compute.benchmark_stats(rid, b) for rid, b in _benchmarks(kb)}
        assert compute.prediction_stats(kb) == overall
    assert statcache.LAST["worker"] == 1
    assert statcache.LAST["from_worker"] == len(expected) + 1
    assert statcache.LAST["computed"] == 0
    assert got == expected
    assert len(_entries(tmp_path / "stats")) == len(expected) + 1
    assert _no_children()


@pytest.mark.parametrize("how", ["exit", "raise", "kill"])
def test_a_dying_worker_is_recomputed_in_process(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    expected = {rid: compute.benchmark_stats(rid, b) for rid, b in _benchmarks(kb)}
    compute._BENCHMARK_STATS.clear()

    def dying(*args: object) -> None:
        if how == "exit":
            os._exit(3)
        if how == "kill":
            os.kill(os.getpid(), 9)
        raise RuntimeError("worker bug")

    if how == "raise":  # the real worker, failing inside: no traceback on stderr
        monkeypatch.setattr(statcache, "analyse_prediction_bundle", dying)
    else:
        monkeypatch.setattr(statcache, "_work", dying)
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    with statcache.session(kb, tmp_path / "stats"):
        got = {rid: compute.benchmark_stats(rid, b) for rid, b in _benchmarks(kb)}
    # Failing on its last job (the predictions), the worker has sent the benchmarks.
    streamed = len(expected) if how == "raise" else 0
    assert statcache.LAST["worker"] == 1 and statcache.LAST["from_worker"] == streamed
    assert statcache.LAST["computed"] == len(expected) - streamed
    assert got == expected
    assert _no_children()


def test_worker_is_reaped_when_the_compile_fails(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    with pytest.raises(KeyError), statcache.session(kb, tmp_path / "stats"):
        raise KeyError("the compile failed before asking for statistics")
    assert statcache.LAST["worker"] == 1
    assert _no_children()
    assert not _entries(tmp_path / "stats")  # nothing half-written, nothing pruned wrongly


def test_no_worker_without_fork_or_with_threads_or_scipy(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.delitem(sys.modules, "scipy", raising=False)
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    assert statcache.worker_allowed()
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert not statcache.worker_allowed()  # Windows, macOS default: in-process
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["fork", "spawn"])
    monkeypatch.setattr(threading, "active_count", lambda: 3)
    assert not statcache.worker_allowed()  # a live server's threads: forking is unsafe
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setitem(sys.modules, "scipy", sys)
    assert not statcache.worker_allowed()  # scipy already paid for: nothing to overlap


def test_fork_failure_falls_back_in_process(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork(method: str | None = None) -> object:
        raise ValueError("cannot find context for 'fork'")

    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    monkeypatch.setattr(multiprocessing, "get_context", no_fork)
    first = _session(kb, tmp_path / "stats")
    assert first["worker"] == 0 and first["computed"] == len(_benchmarks(kb)) + 1


def test_a_preforked_worker_gets_the_jobs_and_streams_the_answers(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `assay build` forks the worker before loading the records (it imports scipy
    # meanwhile); the session hands it the jobs. Each answer is sent when it is computed:
    # a worker that dies on its last job (the predictions) has already delivered every
    # benchmark.
    expected, overall = _expected(kb)
    _in_the_worker(monkeypatch, lambda: os._exit(1))
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    monkeypatch.setattr(forking, "cpus", lambda: 2)
    assert kb.root is not None
    statcache.prefork(kb.root / "no-cache-here")
    waiting = statcache._PREFORKED
    assert waiting is not None and waiting.child.process.is_alive()
    with statcache.session(kb, tmp_path / "stats") as current:
        assert current.worker is waiting and statcache._PREFORKED is None
        got = {rid: compute.benchmark_stats(rid, b) for rid, b in _benchmarks(kb)}
        assert compute.prediction_stats(kb) == overall
    assert got == expected
    assert statcache.LAST["from_worker"] == len(expected)  # streamed before it died
    assert statcache.LAST["computed"] == 1  # the predictions, again in-process
    assert _no_children()


def test_prefork_only_for_a_cold_cache_with_a_second_cpu(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "kb"
    (root / ".assay-cache" / "stats").mkdir(parents=True)
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    monkeypatch.setattr(forking, "cpus", lambda: 1)
    statcache.prefork(root)
    assert statcache._PREFORKED is None  # one CPU: the worker would only slow the build
    monkeypatch.setattr(forking, "cpus", lambda: 2)
    statcache.prefork(root)  # an empty stats folder: a first build, worth it
    assert statcache._PREFORKED is not None
    statcache.discard_prefork()
    assert statcache._PREFORKED is None and _no_children()
    (root / ".assay-cache" / "stats" / "entry.json").write_text("{}")
    statcache.prefork(root)  # statistics kept from a previous build: most likely no jobs
    assert statcache._PREFORKED is None


def test_a_preforked_worker_that_died_is_replaced(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = {rid: compute.benchmark_stats(rid, b) for rid, b in _benchmarks(kb)}
    compute._BENCHMARK_STATS.clear()
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    monkeypatch.setattr(forking, "cpus", lambda: 2)
    assert kb.root is not None
    statcache.prefork(kb.root)
    assert statcache._PREFORKED is not None
    statcache._PREFORKED.child.process.kill()
    statcache._PREFORKED.child.process.join()
    with statcache.session(kb, tmp_path / "stats"):
        got = {rid: compute.benchmark_stats(rid, b) for rid, b in _benchmarks(kb)}
    assert got == expected
    assert statcache.LAST["worker"] == 1 and statcache.LAST["from_worker"] == len(expected)
    assert _no_children()


def test_a_preforked_worker_with_nothing_to_do_is_reaped(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _session(kb, tmp_path / "stats")  # every statistic cached
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    monkeypatch.setattr(forking, "cpus", lambda: 2)
    statcache.prefork(tmp_path / "elsewhere")
    assert statcache._PREFORKED is not None
    second = _session(kb, tmp_path / "stats")
    assert second["worker"] == 0 and statcache._PREFORKED is None
    assert _no_children()


# -- whole builds in fresh processes ----------------------------------------------------------
_PROBE = """
import sys
from click.testing import CliRunner
from generator import statcache
from generator.cli import main
statcache.USE_WORKER = {worker}
r = CliRunner().invoke(main, ["build", "--root", sys.argv[1], "--site-dir", sys.argv[2],
                              "--as-of", "{as_of}"])
assert r.exit_code == 0, r.output
print(sorted(m for m in ("scipy", "numpy") if m in sys.modules), dict(statcache.LAST))
"""


def _build(root: Path, site: Path, worker: bool = True) -> str:
    script = _PROBE.format(worker=worker, as_of=AS_OF.isoformat())
    out = subprocess.run(
        [sys.executable, "-c", script, str(root), str(site)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    return out.stdout.strip()


def _tree(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_warm_build_imports_no_scipy_and_worker_builds_the_same_site(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    n = len(_benchmarks(load_knowledge_base(root, AS_OF))) + 1
    cold = _build(root, tmp_path / "cold")  # a fresh process: scipy not yet imported
    # The worker computes every statistic, and charts no longer import scipy (issue 9):
    # a cold build's own process imports neither.
    assert cold.startswith("[] "), cold
    assert f"'from_worker': {n}" in cold and "'worker': 1" in cold
    warm = _build(root, tmp_path / "warm")
    assert warm.startswith("[] "), warm  # neither scipy nor numpy on a warm build
    assert f"'hits': {n}" in warm and "'worker': 0" in warm
    shutil.rmtree(root / ".assay-cache")
    alone = _build(root, tmp_path / "alone", worker=False)
    assert "'worker': 0" in alone and f"'computed': {n}" in alone
    assert _tree(tmp_path / "cold") == _tree(tmp_path / "warm") == _tree(tmp_path / "alone")


def test_render_path_imports_no_scipy() -> None:
    script = (
        "import sys, generator.stats, generator.compute, generator.statcache, "
        "generator.publish, generator.compile, generator.render.site, generator.macros;"
        "print(sorted(m for m in ('scipy', 'numpy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_worker_holds_none_of_the_builds_files(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A build holds its lock (flock) while it compiles; a build killed with SIGKILL must not
    # leave a worker that keeps the next build out: the worker closes what it inherited.
    import fcntl
    import time

    lock = tmp_path / "site.assay-lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def slow(*args: object) -> None:
        time.sleep(3)

    monkeypatch.setattr(statcache, "analyse_prediction_bundle", slow)
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    with statcache.session(kb, tmp_path / "stats") as current:
        assert current.worker is not None and current.worker.child.process.is_alive()
        time.sleep(0.5)  # the worker has started and detached
        os.close(fd)  # the build "dies": only the worker could still hold the lock
        other = os.open(lock, os.O_RDWR)
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if held
        finally:
            os.close(other)
    assert _no_children()


def test_worker_busy_until_every_answer_is_in(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    _in_the_worker(monkeypatch, lambda: time.sleep(1.5))
    monkeypatch.setattr(statcache, "worker_allowed", lambda: True)
    assert not statcache.worker_busy()  # no compile under way
    with statcache.session(kb, tmp_path / "stats") as current:
        assert current.worker is not None
        assert statcache.worker_busy()  # the predictions take 1.5 s in the worker
        compute.prediction_stats(kb)  # waits for the last answer
        assert not statcache.worker_busy()
    assert _no_children()
