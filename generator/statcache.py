"""Statistics kept across builds: a warm build imports no scipy; a cold one overlaps them.

A build needs every benchmark's statistics and the prediction scores. Computing them means
importing scipy (about 0.7 s) and running dozens of tests per benchmark, on every build,
although nothing changed. `session()` wraps one compile (generator/publish.py):

* it looks every benchmark's statistics and the prediction statistics up in a cache folder
  (`.assay-cache/stats/`, beside the page cache), keyed by a hash of the statistics engine's
  version (`engine_version()`), the record id and the record's validated fields; a hit is
  read back with the results' `from_json()` without importing scipy;
* what is missing is computed in a forked worker process, started before any page is
  rendered, while the main process renders the pages that need no statistics
  (`render/site.py` renders the benchmark pages last). Results come back as `to_json()`
  dicts. Without `fork`, in a process that already imported scipy (`assay serve` after its
  first build) or with other threads running, the statistics are computed in-process on
  first use, as before; a worker that dies is recomputed in-process too;
* everything computed is stored back, and entries this build did not use are pruned.

The cache folder lies in the user's repository, where a pull request can plant files.
Entries carry the HMAC of `cacheauth.py` (key outside the repository); an entry that is
unreadable, forged, oversized, malformed, not a regular file or a symbolic link is a miss:
computed again and overwritten, never trusted, never a crash. `compile_into` also refuses a
cache folder holding links or special files (`cacheauth.check_cache_folder`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import forking, stats

if TYPE_CHECKING:  # imported by `assay build` before the record models (`prefork`)
    from .model import KnowledgeBase

#: Largest entry read or written (a benchmark's statistics are a few KiB to a few hundred).
MAX_ENTRY_BYTES = 4 * 1024 * 1024
#: Whether a cold build may compute missing statistics in a forked worker (tests and the
#: benchmark that measures the overlap turn it off).
USE_WORKER = True
#: The format of an entry; part of every key.
FORMAT = "assay-stats-1"


@functools.cache
def engine_version() -> str:
    """A hash that changes whenever the statistics code or its libraries change: the source
    bytes of generator/stats/*.py and of the adapter (compute.py), and the installed
    versions of scipy and numpy (read from their metadata: importing scipy is what the cache
    avoids)."""
    h = hashlib.sha256(FORMAT.encode())
    here = Path(__file__).parent
    for path in [*sorted((here / "stats").glob("*.py")), here / "compute.py"]:
        h.update(b"\0" + path.name.encode() + b"\0" + path.read_bytes())
    for dist in ("scipy", "numpy"):
        try:
            version = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            version = "absent"
        h.update(f"\0{dist}={version}".encode())
    return h.hexdigest()


def benchmark_key(record_id: str, fields_json: str) -> str:
    text = f"benchmark\0{engine_version()}\0{record_id}\0{fields_json}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def predictions_key(inputs: list[stats.Prediction]) -> str:
    """Key of the prediction statistics: every prediction's inputs (no date enters them)."""
    rows = [[p.id, p.owner, p.probability, list(p.tags), p.outcome] for p in inputs]
    text = f"predictions\0{engine_version()}\0" + json.dumps(rows, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# -- the prediction statistics as one value ------------------------------------------------
@dataclass(frozen=True)
class PredictionBundle:
    """Every prediction statistic a build shows: overall, per owner, per tag."""

    overall: stats.PredictionStats
    by_owner: dict[str, stats.PredictionStats]
    by_tag: dict[str, stats.PredictionStats]

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_json(),
            "by_owner": [[k, v.to_json()] for k, v in self.by_owner.items()],
            "by_tag": [[k, v.to_json()] for k, v in self.by_tag.items()],
        }

    @classmethod
    def from_json(cls, data: object) -> PredictionBundle:
        from .stats.results import ResultFormatError

        if not isinstance(data, dict):
            raise ResultFormatError("expected an object")

        def groups(value: object) -> dict[str, stats.PredictionStats]:
            if not isinstance(value, list):
                raise ResultFormatError("expected a list of groups")
            out: dict[str, stats.PredictionStats] = {}
            for item in value:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                    raise ResultFormatError("expected [name, statistics]")
                out[item[0]] = stats.PredictionStats.from_json(item[1])
            return out

        try:
            return cls(
                stats.PredictionStats.from_json(data["overall"]),
                groups(data["by_owner"]),
                groups(data["by_tag"]),
            )
        except KeyError as exc:
            raise ResultFormatError(f"missing field {exc}") from None


def analyse_prediction_bundle(inputs: list[stats.Prediction]) -> PredictionBundle:
    return PredictionBundle(
        stats.analyse_predictions(inputs), stats.by_owner(inputs), stats.by_tag(inputs)
    )


#: The last prediction statistics of this process, by key (`assay serve` recompiles after
#: every edit; the benchmarks' counterpart is `compute._BENCHMARK_STATS`).
_BUNDLES: dict[str, PredictionBundle] = {}


def remember_bundle(key: str, bundle: PredictionBundle) -> None:
    if len(_BUNDLES) >= 4:
        _BUNDLES.clear()
    _BUNDLES[key] = bundle


# -- entries on disk ----------------------------------------------------------------------
class StatCache:
    """Statistics entries in `directory` (None: nothing on disk), authenticated by
    `cacheauth`; `used` collects the keys this build asked for, for `prune`."""

    def __init__(self, directory: Path | None) -> None:
        from .cachestore import SealedFiles

        self.files = SealedFiles(directory, "stats", ".json", MAX_ENTRY_BYTES)
        self.hits = 0  # read from disk
        self.computed = 0  # computed in this process
        self.from_worker = 0  # computed by the worker

    @property
    def directory(self) -> Path | None:
        return self.files.directory

    @property
    def used(self) -> set[str]:
        return self.files.used

    def read(self, key: str) -> Any | None:
        """The JSON value stored under `key`, or None (missing, unreadable, forged, too big)."""
        text = self.files.read(key)
        try:
            return None if text is None else json.loads(text)
        except (ValueError, RecursionError):
            return None

    def write(self, key: str, value: Any) -> None:
        """Store `value` (JSON data) under `key`; an unwritable cache only costs time."""
        try:
            text = json.dumps(value, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError):
            self.files.used.add(key)
            return
        self.files.write(key, text)

    def flush(self) -> None:
        """Store the entries written (a compile that failed still keeps its statistics)."""
        self.files.flush()

    def prune(self) -> None:
        """Store the entries written, and delete the entries this build did not use."""
        self.files.prune()


# -- a compile's statistics ---------------------------------------------------------------
@dataclass
class _Job:
    key: str
    kind: str  # "benchmark" or "predictions"
    inputs: Any


@dataclass
class Session:
    """The statistics of one compile: read from the cache, computed by a worker, or
    computed in-process on first use; `compute.py` asks it before computing."""

    cache: StatCache
    benchmarks: dict[str, stats.BenchmarkStats] = field(default_factory=dict)
    predictions: dict[str, PredictionBundle] = field(default_factory=dict)
    worker: _Worker | None = None
    waited: float = 0.0

    def benchmark(
        self, record_id: str, fields_json: str, make: Callable[[], stats.Benchmark]
    ) -> stats.BenchmarkStats:
        key = benchmark_key(record_id, fields_json)
        self.cache.used.add(key)
        if (hit := self.benchmarks.get(key)) is None:
            hit = self._from_worker(key, stats.BenchmarkStats.from_json)
            if hit is None:
                hit = stats.analyse_benchmark(make())
                self.cache.computed += 1
            self.cache.write(key, hit.to_json())
            self.benchmarks[key] = hit
        return hit

    def prediction_bundle(self, inputs: list[stats.Prediction]) -> PredictionBundle:
        key = predictions_key(inputs)
        self.cache.used.add(key)
        if (hit := self.predictions.get(key)) is None:
            hit = self._from_worker(key, PredictionBundle.from_json)
            if hit is None:
                hit = analyse_prediction_bundle(inputs)
                self.cache.computed += 1
            self.cache.write(key, hit.to_json())
            self.predictions[key] = hit
            remember_bundle(key, hit)
        return hit

    def _from_worker(self, key: str, read: Callable[[Any], Any]) -> Any:
        if self.worker is None:
            return None
        value = self.worker.result(key)
        if value is None:
            return None
        try:
            result = read(value)
        except (ValueError, TypeError):  # ResultFormatError is a ValueError
            return None
        self.cache.from_worker += 1
        return result

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.waited = self.worker.waited
            self.worker = None


_ACTIVE: Session | None = None
#: What the last session did: entries read from disk, computed in-process, computed by a
#: worker, and whether a worker was started (tests and benchmarks read it).
LAST: dict[str, int] = {}


def worker_busy() -> bool:
    """Whether the compile under way still waits for statistics from its worker (the
    converter is forked once it is not: generator/compile.py)."""
    current = _ACTIVE
    return current is not None and current.worker is not None and not current.worker.finished()


def active() -> Session | None:
    """The session of the compile under way, if any (`compute.py` asks it)."""
    return _ACTIVE


def _lookup(cache: StatCache, kb: KnowledgeBase, session: Session) -> list[_Job]:
    """Fill `session` with every cached statistic of `kb`; the jobs of those missing."""
    from . import compute
    from .schema import Benchmark

    jobs: list[_Job] = []
    for e in sorted(kb.of_kind("benchmark"), key=lambda e: e.path):  # the order pages ask
        r = e.record
        if not isinstance(r, Benchmark):
            continue
        fields_json = r.model_dump_json()
        key = benchmark_key(e.id, fields_json)
        result = compute.remembered_benchmark(e.id, fields_json)
        if result is not None:  # this process computed or read it before (`assay serve`)
            cache.used.add(key)
            session.benchmarks[key] = result
            continue
        value = cache.read(key)
        if value is not None:
            with contextlib.suppress(ValueError, TypeError):
                result = stats.BenchmarkStats.from_json(value)
        if result is not None and result.id == e.id:
            cache.hits += 1
            session.benchmarks[key] = result
        else:
            jobs.append(_Job(key, "benchmark", compute.benchmark_input(e.id, r)))
    inputs = compute.prediction_inputs(kb)
    key = predictions_key(inputs)
    if (bundle := _BUNDLES.get(key)) is not None:
        cache.used.add(key)
        session.predictions[key] = bundle
        return jobs
    value = cache.read(key)
    if value is not None:
        with contextlib.suppress(ValueError, TypeError):
            bundle = PredictionBundle.from_json(value)
    if bundle is not None:
        cache.hits += 1
        session.predictions[key] = bundle
        remember_bundle(key, bundle)
    else:
        jobs.append(_Job(key, "predictions", inputs))
    return jobs


@contextlib.contextmanager
def session(kb: KnowledgeBase, directory: Path | None) -> Iterator[Session]:
    """The statistics of one compile of `kb` (see the module docstring). Entries not used
    are pruned when the block ends without an error; a worker is always reaped."""
    global _ACTIVE
    cache = StatCache(directory)
    current = Session(cache)
    jobs = _lookup(cache, kb, current)
    waiting = _take_prefork()
    if jobs and waiting is not None and waiting.send(jobs):
        current.worker = waiting
    elif waiting is not None:
        waiting.stop()
    if jobs and current.worker is None and worker_allowed():
        current.worker = _Worker.start(jobs)
    started = current.worker is not None
    previous, _ACTIVE = _ACTIVE, current
    try:
        yield current
        cache.prune()
    finally:
        cache.flush()
        _ACTIVE = previous
        current.close()
        LAST.clear()
        LAST.update(
            hits=cache.hits,
            computed=cache.computed,
            from_worker=cache.from_worker,
            worker=int(started),
            waited_ms=round(current.waited * 1000),
        )


# -- the worker ---------------------------------------------------------------------------
def worker_allowed() -> bool:
    """A forked worker pays off only where scipy is still to be imported, and forking is
    safe only without other threads (a live server's): generator/forking.py."""
    return USE_WORKER and "scipy" not in sys.modules and forking.allowed()


def _work(conn: Any, jobs: list[_Job] | None) -> None:
    """In the worker: compute every job and send `(key, to_json())` for each as soon as it
    is done, then `None`. A worker started before the knowledge base was loaded
    (`prefork`, `jobs` None) imports the analyses first, then waits for its jobs (an empty
    list: nothing to do)."""
    if jobs is None:
        _ = stats.analyse_benchmark, stats.analyse_predictions  # imports scipy (0.7 s)
        jobs = conn.recv()
    for job in jobs or []:
        if job.kind == "benchmark":
            value = stats.analyse_benchmark(job.inputs).to_json()
        else:
            value = analyse_prediction_bundle(job.inputs).to_json()
        conn.send((job.key, value))
    conn.send(None)


class _Worker:
    """A forked process computing missing statistics; `result` reads its answers in the
    order it sends them, waiting only for the one asked for."""

    def __init__(self, child: forking.Child) -> None:
        self.child = child
        self.results: dict[str, Any] = {}
        self.keys: set[str] | None = None  # the keys of the jobs it was given
        self.done = False  # every answer read (or the worker is gone)
        self.waited = 0.0  # seconds the compile spent waiting for answers

    @classmethod
    def start(cls, jobs: list[_Job] | None) -> _Worker | None:
        """A worker for `jobs` (None: sent later with `send`); None: no fork here, the
        statistics are computed in-process on first use."""
        child = forking.Child.start(_work, jobs)
        if child is None:
            return None
        worker = cls(child)
        if jobs is not None:
            worker.keys = {job.key for job in jobs}
        return worker

    def send(self, jobs: list[_Job]) -> bool:
        """Hand a preforked worker its jobs; False when it is gone."""
        self.keys = {job.key for job in jobs}
        return self.child.send(jobs)

    def result(self, key: str) -> Any | None:
        """The worker's result for `key`; None when it has none or died (then the caller
        computes in-process)."""
        if key not in self.results and not self.done:
            import time

            began = time.perf_counter()
            while key not in self.results and self._take(self.child.recv()):
                pass
            self.waited += time.perf_counter() - began
        return self.results.get(key)

    def finished(self) -> bool:
        """Whether every answer is in (read without waiting what has come so far): the
        worker ended, or it answered every job it was given (its end may still be on the
        way)."""
        while not self.done and self.child.ready():
            self._take(self.child.recv())
        return self.done or (self.keys is not None and self.keys <= self.results.keys())

    def _take(self, received: Any) -> bool:
        """Keep one answer; False at the end (or on garbage: what is missing is recomputed)."""
        if not (isinstance(received, tuple) and len(received) == 2):
            self.done = True
            self.stop()
            return False
        if isinstance(received[0], str):
            self.results[received[0]] = received[1]
        return True

    def stop(self) -> None:
        """Reap the worker (ended, or killed when the compile no longer needs it)."""
        self.child.stop()


_PREFORKED: _Worker | None = None


def prefork(root: Path) -> None:
    """Start the statistics worker now, before the knowledge base is loaded, so that it
    imports scipy while this process loads the records (`assay build` calls it first
    thing). Only where a worker would be allowed, with a second CPU to run it on, and when
    the default cache folder holds no statistics yet (a rebuild usually needs no worker:
    the cost of a wrong guess is a process importing scipy on the idle CPU, then killed).
    `session` hands it its jobs; `discard_prefork` reaps it when no session came."""
    global _PREFORKED
    if _PREFORKED is not None or not worker_allowed() or forking.cpus() < 2:
        return
    folder = root / ".assay-cache" / "stats"
    with contextlib.suppress(OSError):
        if folder.is_dir() and any(folder.iterdir()):
            return
    _PREFORKED = _Worker.start(None)


def discard_prefork() -> None:
    """Reap a preforked worker that no session took."""
    if (worker := _take_prefork()) is not None:
        worker.stop()


def _take_prefork() -> _Worker | None:
    global _PREFORKED
    worker, _PREFORKED = _PREFORKED, None
    return worker
