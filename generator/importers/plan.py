"""Readings of several files → one import plan: methods, metrics and their runs.

Applies the command's choices (`--select`, `--metric`, `--method`) and decides how runs
line up: series whose runs are named (CSV `run`, lm-eval items) are sorted by name, and the
design is paired when every method has the same run names for every metric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .base import METRIC_NAME, Better, ImportFailed, Reading, Series, bad_name_char

MAX_METHOD_NAME = 200


@dataclass
class MetricInfo:
    unit: str | None
    better: Better
    better_guessed: bool = False


@dataclass
class Plan:
    """What an import adds: runs per method and metric, in the order the files give them."""

    fmt: str
    files: list[str]
    runs: dict[str, dict[str, list[float]]]
    metrics: dict[str, MetricInfo]
    paired: bool
    hardware: str | None = None
    run_on: date | None = None
    notes: list[str] = field(default_factory=list)

    def origin(self) -> str:
        return ", ".join(self.files)


def _natural(key: str) -> tuple[tuple[int, int | str], ...]:
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", key) if part
    )


def _labels(series: list[Series]) -> list[str]:
    return list(dict.fromkeys(s.label for s in series))


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:8])
    return shown + (f", … ({len(names)} in all)" if len(names) > 8 else "")


def make_plan(
    fmt: str,
    readings: list[Reading],
    methods: tuple[str, ...] = (),
    metric: str | None = None,
    select: str | None = None,
) -> Plan:
    """Combine the files' series into one plan. Raises ImportFailed."""
    if select is not None:
        for reading in readings:
            kept = [s for s in reading.series if s.label == select]
            if not kept:
                raise ImportFailed(
                    f"{reading.path}: nothing called {select!r} to --select "
                    f"(the file holds: {_listing(_labels(reading.series))})"
                )
            reading.series = kept
    _choose_metric(readings, metric)
    _name_methods(readings, methods)

    merged: dict[tuple[str, str], Series] = {}
    for reading in readings:
        for s in reading.series:
            key = (s.label, s.metric)
            earlier = merged.get(key)
            if earlier is None:
                merged[key] = Series(**{**s.__dict__, "values": list(s.values)})
                if s.keys is not None:
                    merged[key].keys = list(s.keys)
            elif fmt == "lm-eval" and earlier.keys is not None and s.keys is not None:
                dup = set(earlier.keys) & set(s.keys)
                if dup:
                    raise ImportFailed(
                        f"{s.origin}: item {sorted(dup)[0]} of {s.label} / {s.metric} is also "
                        f"in {earlier.origin}: give each task's file once per model (files of two models in "
                        "one folder need --method NAME once per FILE)"
                    )
                earlier.keys.extend(s.keys)
                earlier.values.extend(s.values)
                earlier.origin += f", {s.origin}"
            else:
                raise ImportFailed(
                    f"{s.origin}: {s.label!r} / {s.metric} is also in {earlier.origin}: name "
                    "each file's method with --method, once per FILE in order "
                    "(e.g. --method before --method after)"
                )

    paired = _align(fmt, list(merged.values()))
    runs: dict[str, dict[str, list[float]]] = {}
    metrics: dict[str, MetricInfo] = {}
    for s in merged.values():
        runs.setdefault(s.label, {})[s.metric] = s.values
        info = metrics.get(s.metric)
        if info is None:
            metrics[s.metric] = MetricInfo(s.unit, s.better, s.better_guessed)
        elif info.unit != s.unit:
            raise ImportFailed(
                f"{s.origin}: {s.metric} of {s.label} is in {s.unit or 'no unit'}, but in "
                f"{info.unit or 'no unit'} elsewhere: a metric has one unit; re-run the tools "
                "with the same unit"
            )
        elif info.better_guessed and not s.better_guessed:
            metrics[s.metric] = MetricInfo(s.unit, s.better)
    run_days = [r.run_on for r in readings if r.run_on is not None]
    hardware = list(dict.fromkeys(r.hardware for r in readings if r.hardware))
    return Plan(
        fmt=fmt,
        files=[r.path for r in readings],
        runs=runs,
        metrics=metrics,
        paired=paired,
        hardware="; ".join(hardware) if hardware else None,
        run_on=max(run_days) if run_days else None,
        notes=[n for r in readings for n in r.notes],
    )


def _choose_metric(readings: list[Reading], metric: str | None) -> None:
    if metric is None:
        return
    if not METRIC_NAME.match(metric):
        raise ImportFailed(
            f"--metric {metric!r} is not a valid metric name: use 1–64 lowercase letters, "
            "digits, '_' and '-', starting with a letter or digit (e.g. p99_latency_ms)"
        )
    names = list(dict.fromkeys(s.metric for r in readings for s in r.series))
    if metric in names:
        for r in readings:
            r.series = [s for s in r.series if s.metric == metric]
        return
    if len(names) == 1:
        for r in readings:
            for s in r.series:
                s.metric = metric
        return
    raise ImportFailed(
        f"{readings[0].path}: the files measure {_listing(names)}; --metric picks one of "
        "these (it renames the measure only when a file has just one)"
    )


def _name_methods(readings: list[Reading], methods: tuple[str, ...]) -> None:
    if methods:
        if len(methods) == 1:
            groups = [readings]
        elif len(methods) == len(readings):
            groups = [[r] for r in readings]
        else:
            raise ImportFailed(
                f"--method is given {len(methods)} times for {len(readings)} files: give it "
                "once (all files hold one method) or once per FILE, in the same order"
            )
        for name, group in zip(methods, groups, strict=True):
            labels = _labels([s for r in group for s in r.series])
            if len(labels) != 1:
                raise ImportFailed(
                    f"{group[0].path}: holds {len(labels)} benchmarks ({_listing(labels)}) "
                    f"but --method {name!r} names one: keep one with --select NAME"
                )
            for r in group:
                for s in r.series:
                    s.label = name
    for r in readings:
        for s in r.series:
            problem = _method_name_problem(s.label)
            if problem:
                raise ImportFailed(
                    f"{r.path}: the method name {s.label[:60]!r} {problem}: name it with --method NAME"
                )


def _method_name_problem(name: str) -> str | None:
    if not name.strip():
        return "is empty"
    if name != name.strip():
        return "starts or ends with spaces"
    if len(name) > MAX_METHOD_NAME:
        return f"is longer than {MAX_METHOD_NAME} characters"
    bad = bad_name_char(name)
    return f"contains the control or formatting character {bad}" if bad else None


def _align(fmt: str, series: list[Series]) -> bool:
    """Sort named runs by name; True when the runs of every method pair up by name."""
    keyed = [s for s in series if s.keys is not None]
    if not keyed or len(keyed) != len(series):
        return False
    for s in keyed:
        assert s.keys is not None
        order = sorted(range(len(s.keys)), key=lambda i, k=s.keys: _natural(k[i]))  # type: ignore[misc]
        s.keys = [s.keys[i] for i in order]
        s.values = [s.values[i] for i in order]
    paired = len({s.label for s in series}) > 1
    by_metric: dict[str, list[Series]] = {}
    for s in keyed:
        by_metric.setdefault(s.metric, []).append(s)
    for metric, group in by_metric.items():
        first = group[0]
        for other in group[1:]:
            if other.keys == first.keys:
                continue
            if fmt != "lm-eval":
                paired = False
                continue
            missing = sorted(set(first.keys or []) ^ set(other.keys or []), key=_natural)
            raise ImportFailed(
                f"{other.origin}: {other.label} was scored on {len(other.keys or [])} items of "
                f"{metric} and {first.label} on {len(first.keys or [])} ({first.origin}); item "
                f"{missing[0]} is in one only. A paired comparison needs the same items: run "
                "both models on the same tasks with the same --limit"
            )
    return paired
