"""Performance figures of Assay against its budgets (docs/performance.md).

    python benchmarks/run.py [--sizes 250,1250,10000] [--repeats 3] [--max-build 1250]
                             [--serve-size 1250] [--workdir DIR]

For each size N a synthetic knowledge base is generated (benchmarks/make_kb.py) and measured:

* ``assay check --root R --format json`` against a FLOOR measured in the same run: a bare
  Python process that reads every record and parses its front matter with libyaml;
* ``assay build --engine E`` for each engine (cold: empty caches; warm: caches from the
  previous build), each against the same engine building the same record files bare
  (Material + search, a nav of just the home page), all medians of --repeats runs;
* what one record of at most 1 MiB adds to a build, for several hostile bodies;
* peak memory (ru_maxrss) of each child, reported by the child itself;
* the size of the search index, the charts drawn per build (drawing costs well under a
  millisecond each) and the statistics computed again on a rebuild with no change;
* at --serve-size: how long ``assay serve`` takes to show an edited record's new title.

Every figure is a median of --repeats runs and is reported with a ratio against its
reference or budget; the machine's load shifts absolute times, ratios much less. Builds
above --max-build records are skipped (and said so): ``check`` is always measured.

Each child runs through this file's --child mode, which runs the command in-process and
writes its own peak RSS (and, after a build, the plugin's chart counters) to a JSON file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NoReturn

HERE = Path(__file__).resolve().parent

FLOOR_CODE = r"""
import os, sys, yaml
content = os.path.join(sys.argv[1], "content")
n = 0
for folder in ("papers", "decisions", "benchmarks", "predictions", "runbooks", "postmortems"):
    base = os.path.join(content, folder)
    for name in sorted(os.listdir(base)):
        if not name.endswith(".md"):
            continue
        with open(os.path.join(base, name), encoding="utf-8") as f:
            text = f.read()
        end = text.index("\n---\n", 3)
        yaml.load(text[4:end], Loader=yaml.CSafeLoader)
        n += 1
print(n)
"""

BARE_MKDOCS = """\
# A bare Material build of the same files, for comparison with `assay build`.
site_name: bare
docs_dir: content
theme:
  name: material
  font: false
  features: [navigation.sections, navigation.indexes, navigation.top, search.highlight,
             content.code.copy]
  palette: {primary: indigo}
plugins: [search]
nav:
  - Home: index.md
markdown_extensions: [tables, admonition, def_list, footnotes, {toc: {permalink: true}}]
validation:
  nav: {omitted_files: ignore}
"""

BUDGETS = {
    "check_ratio": 1.5,  # check / floor at 10,000 records (issue 12)
    "check_rss_mb": 300.0,  # check at 10,000 records (issue 12)
    "linear": 1.25,  # build per-record time at 1,250 / at 250
    "cold_ratio_default": 1.75,  # default engine: first build from empty caches / bare
    "warm_ratio_default": 1.25,  # default engine: rebuild with warm caches / bare
    "cold_ratio_other": 2.0,  # other engines: first build / bare
    "big_record_s": 2.0,  # what one record of at most 1 MiB adds to a build
    "rebuild_stats": 0,  # statistics computed on a rebuild with nothing changed
    "serve_s": 1.0,
}
DEFAULT_ENGINE = "mkdocs"


def bare_command(engine: str, config: Path, site: Path) -> list[str]:
    """The engine building the record files bare (the reference of the build ratios)."""
    if engine == "mkdocs":
        return [script("mkdocs"), "build", "-q", "-f", str(config), "-d", str(site)]
    if engine == "properdocs":
        return ["-m", "properdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    if engine == "zensical":
        return ["-m", "zensical", "build", "-f", str(config)]
    raise SystemExit(f"no bare build command for engine {engine!r}")


# -- the child wrapper ------------------------------------------------------------------
def child(out: str, argv: list[str]) -> None:
    """Run `argv` in this process (a console script path, `-c CODE`), then write peak RSS.

    `assay` leaves with `os._exit` once its output is flushed (generator/cli.py `run`):
    the report is written on the way out of that call too (by this process only, not by
    the helpers a build forks)."""
    import resource
    import runpy

    me = os.getpid()
    real_exit = os._exit
    written = False

    def report(code: int) -> None:
        nonlocal written
        if written or os.getpid() != me:
            return
        written = True
        extra: dict[str, object] = {}
        plugin = sys.modules.get("generator.publish")
        if plugin is not None:
            extra["charts"] = dict(getattr(plugin, "LAST_CHART_STATS", {}))
        stats_cache = sys.modules.get("generator.statcache")
        if stats_cache is not None:
            extra["stats"] = dict(getattr(stats_cache, "LAST", {}))
        rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        Path(out).write_text(json.dumps({"rss_mb": rss_kb / 1024, "code": code, **extra}))

    def exit_with_report(code: int) -> NoReturn:
        report(code)
        real_exit(code)

    os._exit = exit_with_report
    code = 0
    try:
        if argv[0] == "-c":
            sys.argv = ["-c", *argv[2:]]
            exec(compile(argv[1], "<floor>", "exec"), {"__name__": "__main__"})
        elif argv[0] == "-m":
            sys.argv = [argv[1], *argv[2:]]
            runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        else:
            sys.argv = argv
            runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        report(code)
    sys.exit(code)


def run_child(argv: list[str], cwd: Path | None = None) -> tuple[float, dict, str]:
    """(wall seconds, child's report, stdout) of one wrapped child process."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        report = Path(f.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(report), "--", *argv]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    try:
        data = json.loads(report.read_text())
    finally:
        report.unlink(missing_ok=True)
    if proc.returncode not in (0,) or data.get("code"):
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, data, proc.stdout


def compile_assay() -> None:
    """Byte-compile Assay's own modules, as installing a wheel does (pip writes the .pyc of
    everything it installs, MkDocs' and Material's included). An editable checkout run with
    PYTHONDONTWRITEBYTECODE=1 (this machine's default) would otherwise compile Assay's source
    on every start, ~0.1 s the bare build never pays."""
    import compileall

    import generator

    compileall.compile_dir(Path(generator.__file__).parent, quiet=1)


def script(name: str) -> str:
    path = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(path).exists():
        raise SystemExit(f"cannot find the '{name}' command next to {sys.executable}")
    return path


# -- measurements -----------------------------------------------------------------------
def median_of(repeats: int, fn) -> tuple[float, list[dict]]:
    walls, reports = [], []
    for _ in range(repeats):
        wall, data, _ = fn()
        walls.append(wall)
        reports.append(data)
    return statistics.median(walls), reports


def measure_check(root: Path, repeats: int) -> dict:
    assay = script("assay")
    # Verify first: the synthetic knowledge base must be valid.
    _, _, out = run_child([assay, "check", "--root", str(root), "--format", "json"])
    result = json.loads(out)
    if result["errors"]:
        raise SystemExit(f"{root}: the synthetic knowledge base has errors: {result['errors'][:3]}")
    floor, floor_r = median_of(repeats, lambda: run_child(["-c", FLOOR_CODE, str(root)]))
    check, check_r = median_of(
        repeats, lambda: run_child([assay, "check", "--root", str(root), "--format", "json"])
    )
    return {
        "records": result["records"],
        "warnings": len(result["warnings"]),
        "floor_s": floor,
        "check_s": check,
        "check_ratio": check / floor,
        "floor_rss_mb": max(r["rss_mb"] for r in floor_r),
        "check_rss_mb": max(r["rss_mb"] for r in check_r),
    }


def _clear_caches(root: Path) -> None:
    shutil.rmtree(root / ".assay-cache", ignore_errors=True)


def measure_build(root: Path, repeats: int, engine: str) -> dict:
    assay = script("assay")
    site = root / f"site-{engine}"
    build = [assay, "build", "--root", str(root), "--site-dir", str(site), "--engine", engine]

    def cold_run() -> tuple[float, dict, str]:
        _clear_caches(root)
        return run_child(build)

    cold, cold_r = median_of(repeats, cold_run)
    warm, warm_r = median_of(repeats, lambda: run_child(build))
    config = root / "bare-mkdocs.yml"
    config.write_text(
        BARE_MKDOCS.replace("site_name: bare", f"site_name: bare\nsite_dir: bare-{engine}"),
        encoding="utf-8",
    )
    bare_site = root / f"bare-{engine}"

    def bare_run() -> tuple[float, dict, str]:
        # A first build against a first build: Zensical keeps pages it built in `.cache/`
        # beside its configuration; Assay's Zensical build never has it (it runs in a new
        # site source each time, and a cache in the repository would be read unverified).
        shutil.rmtree(root / ".cache", ignore_errors=True)
        return run_child(bare_command(engine, config, bare_site), cwd=root)

    bare, bare_r = median_of(repeats, bare_run)
    n = sum(1 for _ in (root / "content").glob("*/*.md")) - sum(
        1 for _ in (root / "content").glob("guide/*.md")
    )
    return {
        "cold_s": cold,
        "warm_s": warm,
        "bare_s": bare,
        "per_record_ms": warm / n * 1000,
        "cold_ratio": cold / bare,
        "warm_ratio": warm / bare,
        "cold_charts": cold_r[0].get("charts", {}),
        "charts_drawn": warm_r[0].get("charts", {}).get("drawn", 0),
        # Statistics computed again on a rebuild with nothing changed (the statistics cache).
        "rebuild_stats": max(
            r.get("stats", {}).get("computed", 0) + r.get("stats", {}).get("from_worker", 0)
            for r in warm_r
        ),
        "build_rss_mb": max(r["rss_mb"] for r in warm_r),
        "bare_rss_mb": max(r["rss_mb"] for r in bare_r),
        "index_kb": _search_index(site).stat().st_size / 1024,
        "bare_index_kb": _search_index(bare_site).stat().st_size / 1024,
    }


def _search_index(site: Path) -> Path:
    """The search index an engine wrote: Material's, or Zensical's `search.json`."""
    material = site / "search/search_index.json"
    return material if material.is_file() else site / "search.json"


#: Bodies of one record of at most 1 MiB (whatever a pull request may carry).
BIG_BODIES = {
    "prose": ("Plain words of a long narrative, with *some* emphasis. " * 20 + "\n\n") * 900,
    "links": "[a](" * 262_144,
    "emphasis": "*a **b " * 150_000,
    "divs": "<div>" * 200_000,
    "refdefs": "[x]: /u\n" * 80_000 + "[x]" * 40_000,
    "table": "| a | b |\n|---|---|\n" + "| `x` | [y](z) |\n" * 60_000,
}


def measure_big_record(root: Path, repeats: int) -> dict:
    """Seconds one record of at most 1 MiB adds to a build (page and engine output caches
    cleared before every run, so every page is converted and rendered each time; the
    statistics cache kept)."""
    assay = script("assay")
    site = root / "site-big"
    build = [assay, "build", "--root", str(root), "--site-dir", str(site)]

    def run() -> tuple[float, dict, str]:
        shutil.rmtree(root / ".assay-cache" / "html", ignore_errors=True)
        shutil.rmtree(root / ".assay-cache" / "engine", ignore_errors=True)
        return run_child(build)

    run_child(build)  # statistics and engine caches warm
    head = next((root / "content/papers").glob("*.md")).read_text(encoding="utf-8")
    head = head[: head.index("\n---\n", 4) + 5]
    out: dict = {}
    path = root / "content/papers/big-record.md"
    try:
        for name, body in BIG_BODIES.items():
            data = (head + body).encode()[: 1024 * 1024].decode("utf-8", "ignore")
            # Runs with and without the record alternate, so a change in the machine's
            # load shifts both sides of the difference alike.
            base, with_record = [], []
            for _ in range(repeats):
                path.unlink(missing_ok=True)
                base.append(run()[0])
                path.write_text(data, encoding="utf-8")
                with_record.append(run()[0])
            out[f"big_{name}_s"] = statistics.median(with_record) - statistics.median(base)
            out["big_base_s"] = statistics.median(base)
    finally:
        path.unlink(missing_ok=True)
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8", "replace")
    except OSError:
        return None


def measure_serve(root: Path, repeats: int, engine: str, timeout: float = 900.0) -> dict:
    """Seconds from saving an edited record's title to the served page showing it."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            script("assay"),
            "serve",
            "--root",
            str(root),
            "-a",
            f"127.0.0.1:{port}",
            "--engine",
            engine,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    record = sorted((root / "content/papers").glob("*.md"))[
        len(list((root / "content/papers").glob("*.md"))) // 2
    ]
    url = f"{base}/papers/{record.stem}/"
    original = record.read_text(encoding="utf-8")
    times: list[float] = []
    try:
        t0 = time.perf_counter()
        while _get(url) is None:
            if proc.poll() is not None or time.perf_counter() - t0 > timeout:
                raise RuntimeError("assay serve did not come up")
            time.sleep(0.2)
        startup = time.perf_counter() - t0
        for i in range(repeats):
            marker = f"Edited title {i} {time.time_ns()}"
            record.write_text(
                re.sub(r"^title: .*$", f'title: "{marker}"', original, count=1, flags=re.M),
                encoding="utf-8",
            )
            t0 = time.perf_counter()
            while True:
                page = _get(url)
                if page and marker in page:
                    break
                if time.perf_counter() - t0 > timeout:
                    raise RuntimeError("the edit never appeared")
                time.sleep(0.05)
            times.append(time.perf_counter() - t0)
            time.sleep(1.0)  # let the server settle before the next edit
    finally:
        record.write_text(original, encoding="utf-8")
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    return {"serve_startup_s": startup, "serve_s": statistics.median(times), "serve_all": times}


# -- report -----------------------------------------------------------------------------
def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("PASS" if ok else "FAIL")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="250,1250,10000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-build", type=int, default=1250, help="skip builds above this size")
    ap.add_argument("--engines", default="", help="comma-separated (default: every engine)")
    ap.add_argument("--big-size", type=int, default=250, help="0 to skip the 1 MiB records")
    ap.add_argument("--serve-size", type=int, default=1250, help="0 to skip the serve test")
    ap.add_argument("--serve-repeats", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()

    sys.path.insert(0, str(HERE))
    from make_kb import make_kb

    from generator.engines import ENGINES

    engines = [e for e in args.engines.split(",") if e] or sorted(ENGINES)
    compile_assay()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="assay-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; python {sys.version.split()[0]}"
    )
    print(f"workdir: {work}; repeats: {args.repeats}; engines: {', '.join(engines)}; medians\n")
    figures: dict[int, dict] = {}
    rows: list[tuple[str, str, str, str]] = []
    for n in sizes:
        root = work / f"kb-{n}"
        make_kb(root, n, args.seed)
        f: dict = {}
        f.update(measure_check(root, args.repeats))
        print(
            f"N={n:>6}: check {f['check_s']:.2f}s, floor {f['floor_s']:.2f}s "
            f"(x{f['check_ratio']:.2f}); check RSS {f['check_rss_mb']:.0f} MB",
            flush=True,
        )
        big = n >= 10_000
        rows.append(
            (
                f"check / floor @ {n}",
                f"{f['check_s']:.2f}s / {f['floor_s']:.2f}s = x{f['check_ratio']:.2f}",
                f"<= x{BUDGETS['check_ratio']}" + ("" if big else " (at 10k)"),
                verdict(f["check_ratio"] <= BUDGETS["check_ratio"] if big else None),
            )
        )
        if n > args.max_build:
            print(f"          builds skipped (N > --max-build {args.max_build})", flush=True)
        for engine in engines if n <= args.max_build else []:
            b = measure_build(root, args.repeats, engine)
            f[engine] = b
            print(
                f"          {engine}: cold {b['cold_s']:.1f}s, warm {b['warm_s']:.1f}s, "
                f"bare {b['bare_s']:.1f}s (cold x{b['cold_ratio']:.2f}, warm "
                f"x{b['warm_ratio']:.2f}); {b['per_record_ms']:.1f} ms/record; RSS "
                f"{b['build_rss_mb']:.0f} MB; charts drawn per build {b['charts_drawn']}; "
                f"statistics computed on rebuild {b['rebuild_stats']}",
                flush=True,
            )
            default = engine == DEFAULT_ENGINE
            cold_budget = BUDGETS["cold_ratio_default" if default else "cold_ratio_other"]
            rows.append(
                (
                    f"{engine} first build / bare @ {n}",
                    f"{b['cold_s']:.1f}s / {b['bare_s']:.1f}s = x{b['cold_ratio']:.2f}",
                    f"<= x{cold_budget}",
                    verdict(b["cold_ratio"] <= cold_budget),
                )
            )
            rows.append(
                (
                    f"{engine} warm rebuild / bare @ {n}",
                    f"{b['warm_s']:.1f}s / {b['bare_s']:.1f}s = x{b['warm_ratio']:.2f}",
                    f"<= x{BUDGETS['warm_ratio_default']}" if default else "-",
                    verdict(b["warm_ratio"] <= BUDGETS["warm_ratio_default"]) if default else "-",
                )
            )
            rows.append(
                (
                    f"{engine} statistics computed on rebuild @ {n}",
                    str(b["rebuild_stats"]),
                    "0",
                    verdict(b["rebuild_stats"] == 0),
                )
            )
        if n == args.big_size:
            big_f = measure_big_record(root, args.repeats)
            f.update(big_f)
            for key, value in big_f.items():
                if key != "big_base_s":
                    name = key.removeprefix("big_").removesuffix("_s")
                    rows.append(
                        (
                            f"1 MiB record ({name}) adds @ {n}",
                            f"{value:.2f}s (build {big_f['big_base_s']:.1f}s)",
                            f"<= {BUDGETS['big_record_s']:.0f}s",
                            verdict(value <= BUDGETS["big_record_s"]),
                        )
                    )
            print(f"          1 MiB records: {big_f}", flush=True)
        if n == args.serve_size:
            sv = measure_serve(root, args.serve_repeats, DEFAULT_ENGINE)
            f.update(sv)
            print(
                f"          serve ({DEFAULT_ENGINE}): up after {sv['serve_startup_s']:.1f}s; edit "
                f"shown after {sv['serve_s']:.2f}s (runs: "
                f"{', '.join(f'{t:.2f}' for t in sv['serve_all'])})",
                flush=True,
            )
            rows.append(
                (
                    f"serve: edit -> page @ {n}",
                    f"{sv['serve_s']:.2f}s (start-up {sv['serve_startup_s']:.1f}s)",
                    f"<= {BUDGETS['serve_s']:.0f}s",
                    verdict(sv["serve_s"] <= BUDGETS["serve_s"]),
                )
            )
        figures[n] = f

    small = [n for n in (250, 1250) if DEFAULT_ENGINE in figures.get(n, {})]
    if len(small) == 2:
        a, b = (figures[n][DEFAULT_ENGINE]["per_record_ms"] for n in small)
        rows.append(
            (
                "build per record 1250 / 250",
                f"{b:.1f} / {a:.1f} ms = x{b / a:.2f}",
                f"<= x{BUDGETS['linear']}",
                verdict(b / a <= BUDGETS["linear"]),
            )
        )
    head = ("figure", "measured", "budget", "verdict")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    print()
    for r in (head, tuple("-" * w for w in widths), *rows):
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    if args.json:
        args.json.write_text(json.dumps({str(k): v for k, v in figures.items()}, indent=1))


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[4:] if sys.argv[3] == "--" else sys.argv[3:])
    else:
        main()
