"""Benchmark rules: one baseline, runs for every metric, enough runs, paired shape, ablations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..diagnostics import Diagnostic
from ..model import Entry
from ..parse import Path_
from ..schema import Benchmark
from .base import Context, err, warn

MIN_RUNS = 2
FEW_RUNS = 3


def check(e: Entry, ctx: Context) -> list[Diagnostic]:
    r = e.record
    assert isinstance(r, Benchmark)
    out: list[Diagnostic] = []
    metrics = [m.name for m in r.metrics]
    for names, key in ((metrics, "metrics"), ([m.name for m in r.methods], "methods")):
        seen: set[str] = set()
        for i, name in enumerate(names):
            if name in seen:
                out.append(
                    err(
                        e,
                        (key, i, "name"),
                        "E-BENCHMARK-DUPLICATE",
                        f"two {key} are named '{name}': names must be unique",
                    )
                )
            seen.add(name)
    for i, mt in enumerate(r.metrics):
        if mt.guardrail and mt.min_effect is None:
            out.append(
                err(
                    e,
                    ("metrics", i, "guardrail"),
                    "E-BENCHMARK-GUARDRAIL",
                    f"guardrail metric '{mt.name}' needs a min_effect: the largest loss that "
                    "is still acceptable, as a fraction of the baseline mean (0.01 = 1 %)",
                )
            )
    baselines = [i for i, m in enumerate(r.methods) if m.baseline]
    if len(baselines) != 1:
        where: Path_ = ("methods", baselines[1], "baseline") if len(baselines) > 1 else ("methods",)
        out.append(
            err(
                e,
                ("methods",),
                "E-BENCHMARK-BASELINE",
                f"exactly one method must have 'baseline: true' (found {len(baselines)}): "
                "the one every other method is compared against",
                at=where,
            )
        )
    counts: dict[str, int] = {}
    for i, m in enumerate(r.methods):
        out += _runs(e, ("methods", i, "runs"), m.runs, metrics, f"method '{m.name}'")
        for metric, values in m.runs.items():
            if r.paired and metric in metrics:
                first = counts.setdefault(metric, len(values))
                if len(values) != first:
                    out.append(
                        err(
                            e,
                            ("methods", i, "runs", metric),
                            "E-BENCHMARK-PAIRED",
                            f"a paired benchmark needs the same number of runs for every "
                            f"method: '{m.name}' has {len(values)} runs of {metric}, the "
                            f"first method {first} (run i of each method shares a seed)",
                        )
                    )
    if r.ablations:
        out += _ablations(e, r, metrics)
    return out


def _runs(
    e: Entry, base: Path_, runs: Mapping[str, Sequence[float]], metrics: list[str], who: str
) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for metric in metrics:
        if metric not in runs:
            out.append(
                err(
                    e,
                    (*base, metric),
                    "E-BENCHMARK-RUNS",
                    f"{who} has no runs for metric '{metric}': add '{metric}: [..]'",
                    at=base,
                )
            )
    for metric, values in runs.items():
        path = (*base, metric)
        if metric not in metrics:
            out.append(
                err(
                    e,
                    path,
                    "E-BENCHMARK-RUNS",
                    f"runs for '{metric}', which is not among the metrics "
                    f"({', '.join(metrics)}): add it to metrics or fix the name",
                    at=path,
                )
            )
        elif len(values) < MIN_RUNS:
            out.append(
                err(
                    e,
                    path,
                    "E-BENCHMARK-RUNS",
                    f"{who} has {len(values)} run of {metric}: at least 2 are needed to "
                    "estimate variance (3 or more recommended)",
                )
            )
        elif len(values) < FEW_RUNS:
            out.append(
                warn(
                    e,
                    path,
                    "W-FEW-RUNS",
                    f"{who} has only {len(values)} runs of {metric}: use at least 3, "
                    "better 5–10 for decisions that matter",
                )
            )
    return out


def _ablations(e: Entry, r: Benchmark, metrics: list[str]) -> list[Diagnostic]:
    assert r.ablations is not None
    out: list[Diagnostic] = []
    full = next((m for m in r.methods if m.name == r.ablations.of), None)
    if full is None:
        names = ", ".join(m.name for m in r.methods)
        out.append(
            err(
                e,
                ("ablations", "of"),
                "E-BENCHMARK-ABLATION",
                f"ablations.of names '{r.ablations.of}', which is not a method ({names})",
            )
        )
    for i, v in enumerate(r.ablations.variants):
        base: Path_ = ("ablations", "variants", i, "runs")
        for d in _runs(e, base, v.runs, metrics, f"variant '{v.name}'"):
            out.append(
                d
                if d.code == "W-FEW-RUNS"
                else type(d)(
                    d.path, d.line, d.col, d.severity, "E-BENCHMARK-ABLATION", d.field, d.message
                )
            )
        if r.paired and full is not None:
            for metric, values in v.runs.items():
                n_full = len(full.runs.get(metric, ()))
                if metric in full.runs and len(values) != n_full:
                    out.append(
                        err(
                            e,
                            (*base, metric),
                            "E-BENCHMARK-PAIRED",
                            f"a paired benchmark needs as many runs per variant as the full "
                            f"method: '{v.name}' has {len(values)} runs of {metric}, "
                            f"'{full.name}' {n_full}",
                        )
                    )
    return out
