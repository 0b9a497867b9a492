"""CPU time per chart: drawing it, against reading it back from a cache (issue 9).

    python benchmarks/charts.py [--charts N] [--repeats R]

Draws N charts of each kind Assay draws from records (benchmark runs, calibration, ring
history) with deterministic, distinct inputs shaped like a real knowledge base's (3 methods
× 5 runs; 10 calibration bins; 10 techniques × 2 moves), and measures what a chart cache
would cost instead: reading the sealed file, checking its MAC (`cacheauth.unseal`) and
checking the SVG is inert (`render.charts.svg_is_inert`, an XML parse) — what any cache in
the repository must do before trusting an entry (FINDINGS.md A7). Prints the median over
R repeats of CPU milliseconds per chart (`time.process_time`) and the ratio draw / read, both
measured in the same run. A ratio below 1 means drawing is cheaper than a verified read, so
no chart cache (docs/design.md, "Charts drawn by Assay").
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from generator.cacheauth import seal, unseal
from generator.charts import MethodRuns, benchmark_chart, calibration_chart, ring_history_chart
from generator.render.charts import svg_is_inert


def _benchmark(rng: random.Random, i: int) -> str:
    methods = []
    for j in range(3):
        runs = [rng.gauss(100 + 10 * j, 3) for _ in range(5)]
        mean = sum(runs) / len(runs)
        methods.append(MethodRuns(f"method-{j}-{i}", runs, j == 0, mean, (mean - 3, mean + 3)))
    return benchmark_chart(f"latency-{i}", "ms", "lower", methods)


def _calibration(rng: random.Random, i: int) -> str:
    bins = []
    for b in range(10):
        n = rng.randint(0, 12)
        k = rng.randint(0, n)
        bins.append(
            {
                "lo": b / 10,
                "hi": (b + 1) / 10,
                "n": n,
                "k": k,
                "mean_forecast": (b + 0.5) / 10 if n else None,
                "observed": k / n if n else None,
                "ci": None,
            }
        )
    return calibration_chart(bins)


def _history(rng: random.Random, i: int) -> str:
    rings = ["ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP"]
    moves = [
        (
            f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            f"technique {t}-{i}",
            rng.choice(rings),
        )
        for t in range(10)
        for _ in range(2)
    ]
    return ring_history_chart(moves)


KINDS: dict[str, Callable[[random.Random, int], str]] = {
    "benchmark": _benchmark,
    "calibration": _calibration,
    "history": _history,
}


def measure(kind: str, n: int, folder: Path) -> tuple[float, float, float]:
    """(draw, verified read, SVG KiB) per chart, CPU ms, for n charts of `kind`."""
    draw = KINDS[kind]
    rng = random.Random(9)
    t0 = time.process_time()
    svgs = [draw(rng, i) for i in range(n)]
    t1 = time.process_time()
    for i, svg in enumerate(svgs):
        (folder / f"{kind}-{i}.svg").write_text(seal(f"svg/{kind}-{i}", svg), encoding="utf-8")
    t2 = time.process_time()
    for i in range(n):
        text = unseal(f"svg/{kind}-{i}", (folder / f"{kind}-{i}.svg").read_text(encoding="utf-8"))
        if text is None or not svg_is_inert(text):
            raise SystemExit(f"{kind} {i}: the stored chart does not read back")
    t3 = time.process_time()
    return (t1 - t0) / n * 1000, (t3 - t2) / n * 1000, sum(map(len, svgs)) / n / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=200, help="charts of each kind per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"CPU ms per chart, median of {args.repeats} repeats of {args.charts} charts each")
    print(f"{'chart':<12} {'draw':>8} {'cached read':>12} {'draw/read':>10} {'SVG KiB':>8}")
    for kind in KINDS:
        draws, reads, size = [], [], 0.0
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory(prefix="assay-charts-") as tmp:
                d, r, size = measure(kind, args.charts, Path(tmp))
            draws.append(d)
            reads.append(r)
        d, r = statistics.median(draws), statistics.median(reads)
        print(f"{kind:<12} {d:>8.3f} {r:>12.3f} {d / r:>10.2f} {size:>8.1f}")


if __name__ == "__main__":
    main()
