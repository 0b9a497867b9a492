"""lm-evaluation-harness per-item scores (`samples_<task>_<timestamp>.jsonl`, written with
`--log_samples`).

Runs are **items**: each evaluated document is one run, its value the item's score (e.g.
`acc` 0 or 1). Two models evaluated on the same items form a paired design (item *i* of
every method is the same question), which is what makes the comparison sharp: the paired
t-test on per-item differences is the standard test for two classifiers scored on one test
set, where independent samples would waste the shared difficulty of each item. Items are
keyed by task and `doc_id`, so several task files of one model (e.g. MMLU's subjects) join
into one method, and the writer checks that every method covers the same items.

The method is named after the folder lm-eval writes the file into (the sanitized model
name, e.g. `EleutherAI__pythia-160m`) unless `--method` says otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .base import (
    METRIC_NAME,
    ImportFailed,
    Reading,
    Series,
    date_of,
    number,
    obj,
    parse_json,
    read_text,
    text,
)

_FILE = re.compile(r"^samples_(?P<task>.+?)_(?P<stamp>\d{4}-\d{2}-\d{2}T[0-9:.\-]+)\.jsonl$")
_LOWER = ("perplexity", "bits_per_byte", "ter", "loss", "error")


def read(path: Path) -> Reading:
    m = _FILE.match(path.name)
    task = m["task"] if m else path.stem.removeprefix("samples_")
    lines = read_text(path).splitlines()
    per_metric: dict[str, tuple[list[str], list[float]]] = {}
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        row = obj(parse_json(line, where), where)
        if "doc_id" not in row or "metrics" not in row:
            raise ImportFailed(
                f"{where}: no 'doc_id' and 'metrics': is this an lm-eval samples_*.jsonl file "
                "written with --log_samples?"
            )
        doc_id = row["doc_id"]
        if isinstance(doc_id, bool) or not isinstance(doc_id, int | str):
            raise ImportFailed(f"{where}: doc_id must be a number or text")
        filt = row.get("filter", "none")
        filt = text(filt, f"{where}.filter")
        metric_names = row["metrics"]
        if not isinstance(metric_names, list) or not metric_names:
            raise ImportFailed(f"{where}: 'metrics' must list the item's metric names")
        for raw_name in metric_names:
            name = text(raw_name, f"{where}.metrics")
            metric = name if filt == "none" else f"{name}_{filt}"
            metric = re.sub(r"[^a-z0-9_-]+", "-", metric.lower()).strip("-_")[:64]
            if not METRIC_NAME.match(metric):
                raise ImportFailed(f"{where}: metric {name!r} gives no valid metric name")
            if name not in row:
                raise ImportFailed(f"{where}: metric {name!r} is listed but has no value")
            value = _score(row[name], f"{where}.{name}")
            keys, values = per_metric.setdefault(metric, ([], []))
            key = f"{task}/{doc_id}"
            if key in keys:
                raise ImportFailed(f"{where}: doc_id {doc_id} appears twice for {metric}")
            keys.append(key)
            values.append(value)
    if not per_metric:
        raise ImportFailed(f"{path}: the file holds no scored items")
    label = path.resolve().parent.name or "model"
    series = [
        Series(
            label,
            metric,
            None,
            "lower" if any(w in metric for w in _LOWER) else "higher",
            values,
            str(path),
            keys=keys,
        )
        for metric, (keys, values) in per_metric.items()
    ]
    return Reading(str(path), series, run_on=date_of(m["stamp"]) if m else None, paired=True)


def _score(value: Any, where: str) -> float:
    if isinstance(value, list):
        raise ImportFailed(
            f"{where}: not a per-item score (lm-eval aggregates this metric over the whole "
            "corpus, e.g. perplexity); import a per-item metric with --metric NAME (e.g. acc)"
        )
    return number(value, where)
