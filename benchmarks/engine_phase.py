"""CPU time of the engine phase of `assay build` (MkDocs, ProperDocs) against the bare build.

    python benchmarks/engine_phase.py [--sizes 250,1250] [--repeats 3] [--workdir DIR]
                                      [--engines mkdocs,properdocs] [--big]

For each size N a synthetic knowledge base (benchmarks/make_kb.py) is compiled once into a
site source, then, alternating, each a median of --repeats child processes' CPU time (user
+ system, so the figures hold on a machine others are using):

* the engine rendering the compiled source as `assay build` does, without the theme's
  output cache (`cache_dir: ""`: every page through the templates), and with it warm;
* "before": with --baseline DIR (a source tree of an earlier commit, e.g. `git archive
  main | tar -x -C DIR`), the same with that tree's `generator` package; without it, the
  same with the `assay-engine` plugin's search index and navigation cache off
  (`search_index: false`, `nav_cache: false`: Material parses every page and renders its
  navigation into every page);
* the engine's bare build of the same record files (benchmarks/run.py's BARE_MKDOCS);
* a whole warm `assay build` (caches from a previous build).

With --big, what one record of at most 1 MiB adds to a warm `assay build` (page cache
cleared before every run so its page is rendered), for each body of run.py's BIG_BODIES.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_kb import make_kb  # noqa: E402
from run import BARE_MKDOCS, BIG_BODIES  # noqa: E402

COMPILE = """
import json, sys
from pathlib import Path
from generator.kb import load_knowledge_base
from generator.publish import compile_into
kb = load_knowledge_base(Path(sys.argv[1]), None)
result = compile_into(kb, Path(sys.argv[2]))
Path(sys.argv[3]).write_text(json.dumps(result.source.config, default=str))
"""

ENGINE = """
import json, sys, yaml
from pathlib import Path
from generator.engines import get_engine
from generator.engines.base import SiteSource
from generator.engines import mkdocs as adapter
source = SiteSource(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()))
engine, site, options = sys.argv[3], Path(sys.argv[4]), json.loads(sys.argv[5])
if options:
    original = adapter.mkdocs_config
    def patched(src):
        config = original(src)
        config["plugins"] = [
            {"assay-engine": {**(p["assay-engine"] or {}), **options}}
            if isinstance(p, dict) and "assay-engine" in p
            else {"assay-engine": options} if p == "assay-engine" else p
            for p in config["plugins"]
        ]
        return config
    adapter.mkdocs_config = patched
    if engine == "properdocs":
        from generator.engines import properdocs
        properdocs.mkdocs_config = patched
get_engine(engine).build(source, site)
"""


def cpu_of(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    """CPU seconds (user + system) of a child process and its own children."""
    wrapper = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(r.ru_utime + r.ru_stime)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if out.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-3000:]}")
    return float(out.stdout.strip().splitlines()[-1])


def medians(repeats: int, runs: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Each run `repeats` times, interleaved (a change of load shifts all alike)."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            times[name].append(fn())
    return {name: statistics.median(t) for name, t in times.items()}


def bare_command(engine: str, config: Path, site: Path) -> list[str]:
    tool = ["-m", "properdocs"] if engine == "properdocs" else ["-m", "mkdocs"]
    return [sys.executable, *tool, "build", "-q", "-f", str(config), "-d", str(site)]


def measure_engine(
    work: Path,
    root: Path,
    source: Path,
    neutral: Path,
    engine: str,
    repeats: int,
    baseline: Path | None,
) -> dict[str, float]:
    """Medians of the engine phase (now and before), the bare build and a warm build."""
    build = [sys.executable, "-m", "generator", "build", "--root", str(root)]

    def engine_run(options: dict[str, str], env: dict[str, str] | None = None) -> float:
        cmd = [sys.executable, "-c", ENGINE, str(source), str(neutral), engine]
        cmd += [str(work / f"site-{engine}"), json.dumps(options)]
        return cpu_of(cmd, cwd=work, env=env)  # not run from a source tree: PYTHONPATH wins

    no_output_cache = {"cache_dir": ""}

    def before() -> float:
        if baseline is not None:
            return engine_run(no_output_cache, {"PYTHONPATH": str(baseline)})
        return engine_run({**no_output_cache, "search_index": False, "nav_cache": False})

    # The theme's output cache (engines/outputcache.py) in a folder of its own, warmed first.
    warm = {"cache_dir": str(work / f"output-cache-{engine}-{root.name}")}
    engine_run(warm)
    return medians(
        repeats,
        {
            "engine": lambda: engine_run(no_output_cache),
            "engine_before": before,
            "engine_output_cache": lambda: engine_run(warm),
            "bare": lambda: cpu_of(
                bare_command(engine, root / "bare.yml", work / f"bare-{engine}"), cwd=root
            ),
            "build_warm": lambda: cpu_of(
                [*build, "--site-dir", str(work / f"build-{engine}"), "--engine", engine]
            ),
        },
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="250,1250")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--engines", default="mkdocs,properdocs")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--big", action="store_true", help="also the 1 MiB records (first size)")
    ap.add_argument("--baseline", type=Path, default=None, help="source tree measured as 'before'")
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="assay-engine-phase-"))
    work.mkdir(parents=True, exist_ok=True)
    engines = [e for e in args.engines.split(",") if e]
    for n in [int(s) for s in args.sizes.split(",") if s]:
        root = work / f"kb-{n}"
        if not (root / "content").is_dir():
            make_kb(root, n, 0)
        (root / "bare.yml").write_text(BARE_MKDOCS, encoding="utf-8")
        source, neutral = work / f"source-{n}", work / f"source-{n}.json"
        shutil.rmtree(source, ignore_errors=True)
        subprocess.run(
            [sys.executable, "-c", COMPILE, str(root), str(source), str(neutral)], check=True
        )
        build = [sys.executable, "-m", "generator", "build", "--root", str(root)]
        subprocess.run([*build, "--site-dir", str(work / "warm")], check=True)  # warm caches
        for engine in engines:
            m = measure_engine(work, root, source, neutral, engine, args.repeats, args.baseline)
            b = m["bare"]
            print(
                f"N={n} {engine}: bare {b:.2f}s; engine phase without output cache "
                f"{m['engine']:.2f}s (x{m['engine'] / b:.2f}), before "
                f"{m['engine_before']:.2f}s (x{m['engine_before'] / b:.2f}); with a warm output "
                f"cache {m['engine_output_cache']:.2f}s (x{m['engine_output_cache'] / b:.2f}); "
                f"whole warm assay build {m['build_warm']:.2f}s (x{m['build_warm'] / b:.2f})",
                flush=True,
            )
    if args.big:
        n = int(args.sizes.split(",")[0])
        root = work / f"kb-{n}"
        build = [sys.executable, "-m", "generator", "build", "--root", str(root)]
        build += ["--site-dir", str(work / "big")]
        head = next((root / "content/papers").glob("*.md")).read_text(encoding="utf-8")
        head = head[: head.index("\n---\n", 4) + 5]
        path = root / "content/papers/big-record.md"

        def run() -> float:
            shutil.rmtree(root / ".assay-cache" / "html", ignore_errors=True)
            return cpu_of(build)

        try:
            for name, body in BIG_BODIES.items():
                data = (head + body).encode()[: 1024 * 1024].decode("utf-8", "ignore")
                base, big = [], []
                for _ in range(args.repeats):
                    path.unlink(missing_ok=True)
                    base.append(run())
                    path.write_text(data, encoding="utf-8")
                    big.append(run())
                added = statistics.median(big) - statistics.median(base)
                print(
                    f"N={n} one 1 MiB record ({name}) adds {added:+.2f}s CPU "
                    f"(build {statistics.median(base):.2f}s → {statistics.median(big):.2f}s)",
                    flush=True,
                )
        finally:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
