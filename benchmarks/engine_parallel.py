"""A first build with Material's templates rendered on both cores, and on one.

    python benchmarks/engine_parallel.py [--sizes 250,1250] [--repeats 5]
        [--engines mkdocs,properdocs] [--workdir DIR]

For each size a synthetic knowledge base is generated (make_kb.py); then, for each engine,
`assay build --engine E` runs from empty caches (``.assay-cache/`` removed before every
run) with the template child on (``ASSAY_ENGINE_PARALLEL=1``, the default) and off
(``ASSAY_ENGINE_PARALLEL=0``: every template rendered in the building process;
generator/engines/pagerender.py). Runs alternate on/off so both see the same load; the
figures are medians of --repeats runs: wall seconds, and CPU seconds (user + system) of
the build and every process it started, and the on/off ratio of each, measured in this
run. Each run's site is compared with the first single-process site: the two modes must
build the same bytes.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_kb import make_kb  # noqa: E402
from run import script  # noqa: E402


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_build(
    assay: str, root: Path, site: Path, engine: str, parallel: bool
) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `assay build` from empty caches."""
    shutil.rmtree(root / ".assay-cache", ignore_errors=True)
    shutil.rmtree(site, ignore_errors=True)
    env = {**os.environ, "ASSAY_ENGINE_PARALLEL": "1" if parallel else "0"}
    argv = [assay, "build", "--engine", engine, "--root", str(root), "--site-dir", str(site)]
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, _children_cpu() - cpu0


def same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, [str(p) for p in files_a], shallow=False)
    return not mismatch and not errors


def measure(root: Path, engine: str, repeats: int) -> dict[str, float]:
    assay = script("assay")
    reference = root / f"site-{engine}-reference"
    cold_build(assay, root, reference, engine, parallel=False)
    runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for _ in range(repeats):
        for parallel in (True, False):
            site = root / f"site-{engine}-{int(parallel)}"
            runs[parallel].append(cold_build(assay, root, site, engine, parallel))
            if not same_tree(site, reference):
                raise SystemExit(f"{engine}: the site built with parallel={parallel} differs")
    on_wall = statistics.median(w for w, _ in runs[True])
    off_wall = statistics.median(w for w, _ in runs[False])
    on_cpu = statistics.median(c for _, c in runs[True])
    off_cpu = statistics.median(c for _, c in runs[False])
    return {
        "on_wall": on_wall,
        "off_wall": off_wall,
        "wall_ratio": on_wall / off_wall,
        "on_cpu": on_cpu,
        "off_cpu": off_cpu,
        "cpu_ratio": on_cpu / off_cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="250,1250")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--engines", default="mkdocs,properdocs")
    parser.add_argument("--workdir", help="where the knowledge bases go (default: a temp dir)")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="assay-enginepar-"))
    print(f"work folder: {work}  (load: {os.getloadavg()[0]:.2f})")
    print("size   engine      cold wall on / off = ratio      CPU on / off = ratio")
    for size in (int(s) for s in args.sizes.split(",")):
        root = work / f"kb-{size}"
        if not (root / "content").is_dir():
            make_kb(root, size)
        for engine in args.engines.split(","):
            f = measure(root, engine, args.repeats)
            print(
                f"{size:<6} {engine:<11} {f['on_wall']:5.2f} s / {f['off_wall']:5.2f} s"
                f" = x{f['wall_ratio']:.2f}      {f['on_cpu']:5.2f} s / {f['off_cpu']:5.2f} s"
                f" = x{f['cpu_ratio']:.2f}",
                flush=True,
            )
    print(f"(medians of {args.repeats}; load at the end: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
