"""asv (airspeed velocity) results JSON (`.asv/results/<machine>/<commit>-<env>.json`): one
method per benchmark (and per parameter combination), its timing samples, recorded only
with `asv run --record-samples`."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .base import ImportFailed, Reading, Series, items, load_json, numbers, obj, text

RERUN = "re-run asv with --record-samples (e.g. asv run --record-samples …)"


def read(path: Path) -> Reading:
    doc = obj(load_json(path), str(path))
    if "results" not in doc or "result_columns" not in doc:
        raise ImportFailed(
            f"{path}: no 'results' and 'result_columns': is this an asv results file "
            "(.asv/results/<machine>/<commit>-<env>.json, asv ≥ 0.5)?"
        )
    columns = [
        text(c, f"{path}: result_columns")
        for c in items(doc["result_columns"], f"{path}: result_columns")
    ]
    if "samples" not in columns:
        raise ImportFailed(f"{path}: the file holds no samples column: {RERUN}")
    col = {name: i for i, name in enumerate(columns)}
    results = obj(doc["results"], f"{path}: results")
    series: list[Series] = []
    notes: list[str] = []
    started: list[float] = []
    for name, raw in results.items():
        row = items(raw, f"{path}: results.{name}")
        short = name.rsplit(".", 1)[-1]
        timing = short.startswith("time_")

        def cell(column: str, row: list[Any] = row) -> Any:
            i = col[column]
            return row[i] if i < len(row) else None

        if isinstance(cell("started_at"), int | float):
            started.append(float(cell("started_at")))
        if not timing:
            notes.append(f"{name}: asv records samples only for time_ benchmarks; skipped")
            continue
        samples = cell("samples")
        if samples is None:
            raise ImportFailed(f"{path}: {name} has no samples: {RERUN}")
        params = cell("params") or []
        combos = [", ".join(str(v) for v in combo) for combo in itertools.product(*params)] or [""]
        per_combo = items(samples, f"{path}: results.{name}.samples")
        if len(per_combo) != len(combos):
            raise ImportFailed(
                f"{path}: {name}: {len(per_combo)} sample lists for {len(combos)} parameter combinations"
            )
        for combo, values in zip(combos, per_combo, strict=True):
            label = f"{name}({combo})" if combo else name
            if values is None:
                notes.append(f"{label}: no samples (the benchmark failed or was skipped); skipped")
                continue
            values_ = numbers(values, f"{path}: results.{name}.samples")
            series.append(Series(label, "time", "s", "lower", values_, str(path)))
    if not series:
        raise ImportFailed(f"{path}: no benchmark in the file has samples: {RERUN}")
    run_on = datetime.fromtimestamp(max(started) / 1000, UTC).date() if started else None
    return Reading(str(path), series, _hardware(doc.get("params")), run_on, notes=notes)


def _hardware(params: Any) -> str | None:
    if not isinstance(params, dict):
        return None
    parts = [str(params[k]) for k in ("machine", "cpu") if isinstance(params.get(k), str)]
    if isinstance(params.get("num_cpu"), str | int):
        parts.append(f"{params['num_cpu']} CPUs")
    if isinstance(params.get("ram"), str | int) and str(params["ram"]).isdigit():
        parts.append(f"{int(params['ram']) / 2**30:.0f} GiB RAM")
    if isinstance(params.get("os"), str):
        parts.append(params["os"])
    return ", ".join(parts) or None
