"""Targeted edits that add an import's runs to an existing benchmark record.

Only three kinds of change are made: a metric's run list of an existing method is replaced
(with `--replace`), a run list is added to a method's `runs`, and a method or metric is
appended to its list. Everything else in the file keeps its bytes.
"""

from __future__ import annotations

import re

import yaml

from ..parse import parse_record
from .base import ImportFailed
from .plan import Plan
from .yamltext import Node, Unsupported, flow_list, nodes, scalar

_DELIMITER = re.compile(r"---[ \t]*\r?\n?")
_TRUE = {"true", "yes", "on", "y", "t", "1"}
_UNIT_ALIASES = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "ms": "ms", "millisecond": "ms", "milliseconds": "ms", "msec": "ms",
    "us": "us", "µs": "us", "μs": "us", "microsecond": "us", "microseconds": "us", "usec": "us",
    "ns": "ns", "nanosecond": "ns", "nanoseconds": "ns", "nsec": "ns",
    "b": "B", "byte": "B", "bytes": "B",
}  # fmt: skip


def same_unit(a: str | None, b: str | None) -> bool:
    def norm(u: str | None) -> str | None:
        return None if u is None else _UNIT_ALIASES.get(u.strip().lower(), u.strip())

    return norm(a) == norm(b)


class _Edits:
    def __init__(self, text: str) -> None:
        self.text = text
        self.nl = "\r\n" if "\r\n" in text else "\n"
        self.edits: list[tuple[int, int, int, int, str]] = []

    def add(self, start: int, end: int, replacement: str, *, last: bool = False) -> None:
        """Replace [start, end). Insertions at one position keep the order they were added
        in, except that `last` ones (appended list items) follow all others: a key added to
        the last method's runs must stay inside that method."""
        self.edits.append(
            (start, end, int(last), len(self.edits), replacement.replace("\n", self.nl))
        )

    def line_end(self, pos: int) -> int:
        i = self.text.find("\n", pos)
        if i == -1:
            return len(self.text)
        return i - 1 if i > 0 and self.text[i - 1] == "\r" else i

    def apply(self) -> str:
        text = self.text
        for start, end, _, _, replacement in sorted(
            self.edits, key=lambda e: (-e[0], -e[2], -e[3])
        ):
            text = text[:start] + replacement + text[end:]
        return text


def edit_record(
    raw: bytes, rel: str, plan: Plan, *, replace: bool, baseline: str | None
) -> tuple[str, list[str], list[str]]:
    """The record's new text, a line per change, and notes. Raises ImportFailed."""
    parsed = parse_record(raw, rel)
    if parsed.data is None:
        problems = "; ".join(f"line {d.line}: {d.message}" for d in parsed.diagnostics)
        raise ImportFailed(f"{rel} cannot be read as a record ({problems}): fix it first")
    text = raw.decode("utf-8")
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom) :]
    opening = _DELIMITER.match(text)
    assert opening is not None  # parse_record accepted the front matter
    fm_start = opening.end()
    closing = re.compile(r"^---[ \t]*\r?$", re.M).search(text, fm_start)
    assert closing is not None
    try:
        root = nodes(text[fm_start : closing.start()])
    except (Unsupported, yaml.YAMLError) as exc:
        raise ImportFailed(
            f"{rel}: cannot edit this front matter safely ({exc}): fix it first"
        ) from None
    _shift(root, fm_start)
    edits = _Edits(text)
    added: list[str] = []
    notes: list[str] = []

    metrics = _seq(root, "metrics", rel)
    methods = _seq(root, "methods", rel)
    existing_metrics = {_scalar_of(m, "name"): m for m in metrics.entries if m.kind == "map"}
    existing_methods = {_scalar_of(m, "name"): m for m in methods.entries if m.kind == "map"}
    current_baseline = [
        name
        for name, m in existing_methods.items()
        if (_scalar_of(m, "baseline") or "").lower() in _TRUE
    ]
    if baseline is not None and baseline not in current_baseline:
        raise ImportFailed(
            f"--baseline {baseline!r}: the record's baseline is "
            f"{current_baseline[0] if current_baseline else 'not set'}; assay import does not "
            f"move it: edit 'baseline: true' in {rel} by hand"
        )

    for metric, info in plan.metrics.items():
        node = existing_metrics.get(metric)
        if node is not None:
            unit = _scalar_of(node, "unit")
            unit = None if unit in (None, "", "~", "null") else unit
            if info.unit is not None and not same_unit(unit, info.unit):
                raise ImportFailed(
                    f"{plan.origin()}: {metric} is measured in {info.unit}, but the record's "
                    f"metric {metric} is in {unit or 'no unit'}: import it as another metric "
                    f"with --metric NAME, or fix the unit in {rel}"
                )
            continue
        item = [f"name: {metric}"] + ([f"unit: {scalar(info.unit)}"] if info.unit else [])
        item.append(f"better: {info.better}")
        _append_item(edits, metrics, item, [])
        added.append(
            f"metric {metric}"
            + (f" ({info.unit})" if info.unit else "")
            + f", {info.better} is better"
        )
        if info.better_guessed:
            notes.append(f"better: {info.better} for {metric} is guessed from its name: check it")

    conflicts: list[str] = []
    for method, per_metric in plan.runs.items():
        entry = existing_methods.get(method)
        if entry is None:
            _append_item(
                edits,
                methods,
                [f"name: {scalar(method)}", "runs:"],
                list(per_metric.items()),
                runs_indent=_runs_indent(methods),
            )
            added += [f"{method}: {len(v)} runs of {m}" for m, v in per_metric.items()]
            continue
        pair = entry.get("runs")
        if pair is None or pair[1].kind != "map":
            raise ImportFailed(f"{rel}: method {method} has no 'runs' mapping: fix it first")
        runs = pair[1]
        for metric, values in per_metric.items():
            found = runs.get(metric)
            if found is None:
                _add_key(edits, runs, metric, values)
                added.append(f"{method}: {len(values)} runs of {metric}")
            elif not replace:
                conflicts.append(f"{method} / {metric}")
            else:
                _replace_value(edits, found[0], found[1], values)
                added.append(f"{method}: {len(values)} runs of {metric} (replaced)")
    if conflicts:
        raise ImportFailed(
            f"{rel} already has runs of {', '.join(conflicts)}: pass --replace to replace them "
            f"with the runs of {plan.origin()} (the other runs stay as they are)"
        )
    _check_paired(parsed.data, plan, rel)
    return bom + edits.apply(), added, notes


def _check_paired(data: dict[str, object], plan: Plan, rel: str) -> None:
    if str(data.get("paired", "")).lower() not in _TRUE:
        return
    counts: dict[str, dict[str, int]] = {}
    for m in data.get("methods") or []:  # type: ignore[attr-defined]
        if isinstance(m, dict) and isinstance(m.get("runs"), dict):
            for metric, values in m["runs"].items():
                if isinstance(values, list):
                    counts.setdefault(str(metric), {})[str(m.get("name"))] = len(values)
    for method, per_metric in plan.runs.items():
        for metric, values in per_metric.items():
            counts.setdefault(metric, {})[method] = len(values)
    for metric, by_method in counts.items():
        if len(set(by_method.values())) > 1:
            shown = ", ".join(f"{m} {n}" for m, n in by_method.items())
            raise ImportFailed(
                f"{plan.origin()}: {rel} is paired (run i of every method shares seed and "
                f"input), but {metric} would have unequal run counts ({shown}): import runs "
                "over the same seeds or inputs, or set 'paired: false' if they are independent"
            )


def _shift(node: Node, offset: int) -> None:
    node.start += offset
    node.end += offset
    if node.close >= 0:
        node.close += offset
    for k, v in node.pairs:
        _shift(k, offset)
        _shift(v, offset)
    for e in node.entries:
        _shift(e, offset)


def _seq(root: Node, key: str, rel: str) -> Node:
    pair = root.get(key) if root.kind == "map" else None
    if pair is None or pair[1].kind != "seq":
        raise ImportFailed(f"{rel}: no '{key}' list: is this a benchmark record?")
    return pair[1]


def _scalar_of(node: Node, key: str) -> str | None:
    pair = node.get(key)
    return pair[1].value if pair is not None and pair[1].kind == "scalar" else None


def _runs_indent(methods: Node) -> int:
    for entry in methods.entries:
        pair = entry.get("runs")
        if (
            entry.kind == "map"
            and not entry.flow
            and pair
            and pair[1].kind == "map"
            and not pair[1].flow
            and pair[1].pairs
        ):
            return pair[1].pairs[0][0].col - entry.col
    return 2


def _append_item(
    edits: _Edits,
    seq: Node,
    lines: list[str],
    runs: list[tuple[str, list[float]]],
    runs_indent: int = 2,
) -> None:
    """Append a mapping to a list: `lines` are its first keys, `runs` its run lists."""
    if seq.flow or not seq.entries:
        parts = [line.rstrip(":") if line == "runs:" else line for line in lines]
        body = ", ".join(p for p in parts if p != "runs")
        if runs:
            flows = ", ".join(f"{m}: {flow_list(v, 0, 0, width=10**9)}" for m, v in runs)
            body += f", runs: {{{flows}}}"
        if seq.flow:
            sep = _flow_separator(
                edits.text, seq.close, seq.entries[-1].end if seq.entries else None
            )
            edits.add(seq.close, seq.close, sep + "{" + body + "}", last=True)
            return
        raise ImportFailed("the record's list is empty: fill it in by hand first")
    first = seq.entries[0]
    dash = seq.col
    key_col = first.col if first.kind == "map" and not first.flow else dash + 2
    pad = " " * key_col
    text = "\n" + " " * dash + "-" + " " * (key_col - dash - 1) + lines[0]
    for line in lines[1:]:
        text += "\n" + pad + line
    inner = key_col + runs_indent
    for metric, values in runs:
        text += (
            "\n"
            + " " * inner
            + f"{metric}: "
            + flow_list(values, inner + len(metric) + 2, inner + 2)
        )
    edits.add(edits.line_end(seq.end), edits.line_end(seq.end), text, last=True)


def _flow_separator(text: str, close: int, last_end: int | None) -> str:
    """What goes before an item added at a flow collection's closing bracket: nothing in an
    empty collection, else a comma unless one already follows the last item (`[a, b,]`,
    possibly with comments between)."""
    if last_end is None:
        return ""
    gap = re.sub(r"#[^\n]*", "", text[last_end:close])
    return " " if "," in gap else ", "


def _add_key(edits: _Edits, mapping: Node, key: str, values: list[float]) -> None:
    if mapping.flow:
        prefix = _flow_separator(
            edits.text, mapping.close, mapping.pairs[-1][1].end if mapping.pairs else None
        )
        edits.add(
            mapping.close, mapping.close, f"{prefix}{key}: {flow_list(values, 0, 0, width=10**9)}"
        )
        return
    col = mapping.pairs[0][0].col
    text = "\n" + " " * col + f"{key}: " + flow_list(values, col + len(key) + 2, col + 2)
    edits.add(edits.line_end(mapping.end), edits.line_end(mapping.end), text)


def _replace_value(edits: _Edits, key: Node, value: Node, values: list[float]) -> None:
    if value.kind == "seq" and not value.flow:
        # `key:\n  - 1\n  - 2` becomes `key: [1, 2]`: replace from the end of the key.
        edits.add(
            key.end,
            value.end,
            ": " + flow_list(values, key.col + (key.end - key.start) + 2, key.col + 2),
        )
    else:
        col = value.col
        edits.add(value.start, value.end, flow_list(values, col, key.col + 2))
