"""pytest-benchmark JSON: one method per benchmark, its per-round times (`stats.data`).

`--benchmark-json=FILE` always writes the samples; files saved with `--benchmark-save` /
`--benchmark-autosave` hold them only with `--benchmark-save-data`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from .base import ImportFailed, Reading, Series, benchmark_objects, date_of, numbers, obj, text

RERUN = (
    "re-run pytest with --benchmark-save-data (or write the file with --benchmark-json=FILE, "
    "which always includes the samples)"
)


def read(path: Path) -> Reading:
    doc, benches = benchmark_objects(path, "pytest-benchmark")
    names = [text(b.get("name"), f"{path}: benchmarks[{i}].name") for i, b in enumerate(benches)]
    clashes = {n for n, c in Counter(names).items() if c > 1}
    series: list[Series] = []
    for i, (bench, name) in enumerate(zip(benches, names, strict=True)):
        where = f"{path}: benchmarks[{i}] ({name})"
        stats = obj(bench.get("stats"), f"{where}.stats")
        if "data" not in stats:
            raise ImportFailed(
                f"{where}: the file holds only summary statistics, no samples: {RERUN}"
            )
        label = text(bench.get("fullname"), f"{where}.fullname") if name in clashes else name
        series.append(
            Series(
                label,
                "time",
                "s",
                "lower",
                numbers(stats["data"], f"{where}.stats.data"),
                str(path),
            )
        )
    return Reading(
        str(path), series, _hardware(doc.get("machine_info")), date_of(doc.get("datetime"))
    )


def _hardware(info: Any) -> str | None:
    if not isinstance(info, dict):
        return None
    cpu: dict[str, Any] = info["cpu"] if isinstance(info.get("cpu"), dict) else {}
    parts = [
        str(cpu.get("brand_raw") or info.get("processor") or "").strip(),
        f"{cpu['count']} CPUs" if isinstance(cpu.get("count"), int) else "",
        str(info.get("machine") or "").strip(),
        " ".join(str(info.get(k) or "") for k in ("system", "release")).strip(),
        f"{info.get('python_implementation', 'Python')} {info.get('python_version', '')}".strip(),
    ]
    described = ", ".join(p for p in parts if p)
    return described or None
