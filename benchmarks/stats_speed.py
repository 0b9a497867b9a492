"""CPU time of computing the statistics of a cold build (issue 9).

    python benchmarks/stats_speed.py [--size N] [--repeats R] [--kb ROOT]

Writes a synthetic knowledge base of N records (benchmarks/make_kb.py; or uses ROOT, an
existing one) and computes every statistic a first build computes — each benchmark record's
`analyse_benchmark` and the prediction bundle — exactly as the statistics worker of
`generator/statcache.py` does (the jobs `_lookup` finds with an empty cache). Prints the CPU
seconds (`time.process_time`) of importing scipy.stats and of the first pass (what the worker
pays once), the median over R further passes, and the median CPU milliseconds of each job,
slowest first. A ratio before/after a change cannot be measured in one run: run it on both
commits in the same session.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _jobs(root: Path) -> list[tuple[str, Callable[[], Any]]]:
    import generator.statcache as sc
    from generator.kb import load_knowledge_base

    kb = load_knowledge_base(root.resolve(), None)
    cache = sc.StatCache(None)
    found = sc._lookup(cache, kb, sc.Session(cache))
    out: list[tuple[str, Callable[[], Any]]] = []
    for job in found:
        if job.kind == "benchmark":
            name = f"benchmark {job.inputs.id}"
            out.append((name, lambda i=job.inputs: _benchmark(i)))
        else:
            name = f"predictions ({len(job.inputs)})"
            out.append((name, lambda i=job.inputs: sc.analyse_prediction_bundle(i).to_json()))
    return out


def _benchmark(inputs: Any) -> Any:
    from generator import stats

    return stats.analyse_benchmark(inputs).to_json()


def _pass(jobs: list[tuple[str, Callable[[], Any]]]) -> tuple[float, list[float]]:
    each = []
    start = time.process_time()
    for _, run in jobs:
        t = time.process_time()
        run()
        each.append(time.process_time() - t)
    return time.process_time() - start, each


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=250, help="records in the knowledge base")
    ap.add_argument("--repeats", type=int, default=5, help="passes after the first")
    ap.add_argument("--kb", type=Path, help="an existing knowledge base (default: make one)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    if args.kb is None:
        sys.path.insert(0, str(HERE))
        from make_kb import make_kb

        root = Path(tempfile.mkdtemp(prefix="assay-stats-speed-"))
        make_kb(root, args.size, args.seed)
    else:
        root = args.kb
    jobs = _jobs(root)

    t = time.process_time()
    import scipy.stats  # noqa: F401

    from generator.stats import benchmark, predictions  # noqa: F401

    imported = time.process_time() - t
    first, _ = _pass(jobs)
    totals, per_job = [], []
    for _ in range(args.repeats):
        total, each = _pass(jobs)
        totals.append(total)
        per_job.append(each)

    n_bench = sum(1 for name, _ in jobs if name.startswith("benchmark"))
    print(f"knowledge base: {root} ({n_bench} benchmark records, {len(jobs)} jobs)")
    print(f"import scipy.stats + analyses   CPU s {imported:.3f}")
    print(f"first pass (what a worker pays) CPU s {first:.3f}")
    print(f"median of {args.repeats} further passes    CPU s {statistics.median(totals):.3f}")
    medians = [statistics.median(col) for col in zip(*per_job, strict=True)]
    bench = [m for (name, _), m in zip(jobs, medians, strict=True) if name.startswith("bench")]
    if bench:
        print(
            f"per benchmark record: median {statistics.median(bench) * 1000:.1f} ms, "
            f"max {max(bench) * 1000:.1f} ms CPU"
        )
    print("slowest jobs (median CPU ms):")
    ranked = sorted(zip(medians, (name for name, _ in jobs), strict=True), reverse=True)
    for m, name in ranked[:10]:
        print(f"  {m * 1000:8.2f}  {name}")


if __name__ == "__main__":
    main()
