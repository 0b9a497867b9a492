"""Google Benchmark JSON (`--benchmark_out_format=json` or `--benchmark_format=json`): one
method per benchmark; each repetition's `run_type: iteration` row is one run, with
`real_time` and `cpu_time` as two metrics in the row's `time_unit`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .base import ImportFailed, Reading, Series, benchmark_objects, date_of, number, text

RERUN = (
    "re-run the benchmark with --benchmark_repetitions=N (N ≥ 3; the raw repetitions are "
    "written unless --benchmark_report_aggregates_only=true is given, so leave that out)"
)
_UNITS = {"ns", "us", "ms", "s"}


def read(path: Path) -> Reading:
    doc, rows = benchmark_objects(path, "Google Benchmark")
    runs: dict[str, list[dict[str, Any]]] = {}
    for i, row in enumerate(rows):
        where = f"{path}: benchmarks[{i}]"
        name = text(row.get("run_name", row.get("name")), f"{where}.name")
        if row.get("error_occurred"):
            message = row.get("error_message")
            raise ImportFailed(
                f"{where} ({name}): the benchmark reported an error"
                + (f" ({message})" if isinstance(message, str) else "")
                + ": fix it and re-run"
            )
        if row.get("run_type", "iteration") == "iteration":
            runs.setdefault(name, []).append(row)
    if not runs:
        raise ImportFailed(
            f"{path}: the file holds only aggregates (mean, median, stddev), no repetitions: {RERUN}"
        )
    series: list[Series] = []
    units: set[str] = set()
    for name, group in runs.items():
        if len(group) < 2:
            raise ImportFailed(f"{path}: {name} has a single run (no repetitions): {RERUN}")
        unit = text(group[0].get("time_unit", "ns"), f"{path}: {name}.time_unit")
        if unit not in _UNITS or any(r.get("time_unit", "ns") != unit for r in group):
            raise ImportFailed(f"{path}: {name}: unexpected time_unit {unit!r}")
        units.add(unit)
        for metric in ("real_time", "cpu_time"):
            values = [
                number(r.get(metric), f"{path}: {name} repetition {j}.{metric}")
                for j, r in enumerate(group)
            ]
            series.append(Series(name, metric, unit, "lower", values, str(path)))
    if len(units) > 1:
        raise ImportFailed(
            f"{path}: the benchmarks use different time units ({', '.join(sorted(units))}); "
            "a metric has one unit: re-run with one unit for all (--benchmark_time_unit=ms, "
            "or ->Unit(...) on each benchmark)"
        )
    context: dict[str, Any] = doc["context"] if isinstance(doc.get("context"), dict) else {}
    return Reading(str(path), series, _hardware(context), date_of(context.get("date")))


def _hardware(context: dict[str, Any]) -> str | None:
    parts = []
    if isinstance(context.get("host_name"), str):
        parts.append(context["host_name"])
    if isinstance(context.get("num_cpus"), int):
        cpus = f"{context['num_cpus']} CPUs"
        if isinstance(context.get("mhz_per_cpu"), int | float):
            cpus += f" @ {context['mhz_per_cpu']:g} MHz"
        parts.append(cpus)
    if context.get("cpu_scaling_enabled") is True:
        parts.append("CPU frequency scaling on")
    return ", ".join(parts) or None
