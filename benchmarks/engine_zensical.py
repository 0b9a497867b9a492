"""`assay build --engine zensical` against a bare Zensical build of the same record files.

    python benchmarks/engine_zensical.py [--sizes 250,1250] [--repeats 3] [--workdir DIR]

For each size a synthetic knowledge base is generated (make_kb.py) and four figures are
measured, each the median of --repeats runs through run.py's child wrapper:

* bare cold: ``zensical build`` of ``content/`` (Material's successor theme, search, a nav
  of just the home page, the same Markdown extensions as Assay's defaults), its cache
  (``.cache/``) removed before each run;
* bare warm: the same with Zensical's cache kept;
* assay cold: ``assay build --engine zensical`` with Assay's caches (``.assay-cache/``) removed
  before each run
  (Zensical's own cache is always cold here: every build compiles into a fresh site source);
* assay warm: the same with Assay's caches kept.

The budget (issue 9) is a first build at most 2x the engine's bare build: assay cold / bare
cold. Ratios are measured in one run on the same machine; absolute times move with load.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from make_kb import make_kb  # noqa: E402
from run import median_of, run_child, script  # noqa: E402

BARE_ZENSICAL = """\
# A bare Zensical build of the same files, for comparison with `assay build --engine zensical`.
site_name: bare
docs_dir: content
site_dir: bare-zensical-site
theme:
  name: material
  font: false
  variant: classic
  features: [navigation.sections, navigation.indexes, navigation.top, search.highlight,
             content.code.copy]
  palette: {primary: indigo}
plugins: [search]
nav:
  - Home: index.md
markdown_extensions: [tables, admonition, def_list, footnotes, {toc: {permalink: true}}]
extra: {generator: false}
"""

BUDGET_COLD_RATIO = 2.0


def measure_zensical(root: Path, repeats: int) -> dict[str, Any]:
    """Bare and Assay Zensical builds of the knowledge base at `root` (seconds, ratios)."""
    assay, zensical = script("assay"), script("zensical")
    config = root / "bare-zensical.yml"
    config.write_text(BARE_ZENSICAL, encoding="utf-8")
    bare = [zensical, "build", "--config-file", str(config)]

    def bare_cold() -> tuple[float, dict[str, Any], str]:
        shutil.rmtree(root / ".cache", ignore_errors=True)
        shutil.rmtree(root / "bare-zensical-site", ignore_errors=True)
        return run_child(bare, cwd=root)

    site = root / "site-zensical"
    build = [assay, "build", "--engine", "zensical", "--root", str(root), "--site-dir", str(site)]

    def assay_cold() -> tuple[float, dict[str, Any], str]:
        shutil.rmtree(root / ".assay-cache", ignore_errors=True)
        return run_child(build)

    bare_cold_s, _ = median_of(repeats, bare_cold)
    bare_warm_s, bare_r = median_of(repeats, lambda: run_child(bare, cwd=root))
    cold_s, _ = median_of(repeats, assay_cold)
    warm_s, warm_r = median_of(repeats, lambda: run_child(build))
    return {
        "bare_cold_s": bare_cold_s,
        "bare_warm_s": bare_warm_s,
        "assay_cold_s": cold_s,
        "assay_warm_s": warm_s,
        "cold_ratio": cold_s / bare_cold_s,
        "warm_ratio": warm_s / bare_warm_s,
        "assay_rss_mb": max(r["rss_mb"] for r in warm_r),
        "bare_rss_mb": max(r["rss_mb"] for r in bare_r),
        "index_kb": (site / "search.json").stat().st_size / 1024,
        "bare_index_kb": (root / "bare-zensical-site" / "search.json").stat().st_size / 1024,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="250,1250")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="assay-bench-zensical-"))
    print(f"workdir: {work}; repeats: {args.repeats}; times are medians")
    for n in (int(s) for s in args.sizes.split(",") if s):
        root = work / f"kb-{n}"
        make_kb(root, n, args.seed)
        f = measure_zensical(root, args.repeats)
        verdict = "PASS" if f["cold_ratio"] <= BUDGET_COLD_RATIO else "FAIL"
        print(
            f"N={n}: bare zensical cold {f['bare_cold_s']:.2f}s, warm {f['bare_warm_s']:.2f}s; "
            f"assay --engine zensical cold {f['assay_cold_s']:.2f}s, warm "
            f"{f['assay_warm_s']:.2f}s; first build x{f['cold_ratio']:.2f} (budget <= "
            f"x{BUDGET_COLD_RATIO:g}: {verdict}), warm x{f['warm_ratio']:.2f}; RSS "
            f"{f['assay_rss_mb']:.0f} MB (bare {f['bare_rss_mb']:.0f} MB); search.json "
            f"{f['index_kb']:.0f} KB (bare {f['bare_index_kb']:.0f} KB)",
            flush=True,
        )


if __name__ == "__main__":
    main()
