"""CSV in long form: one row per run and metric, header `method,metric,run,value` (any
order), optional columns `unit` and `better` (higher/lower). `run` names the run: runs with
the same name in different methods are paired (same seed, split or input)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .base import METRIC_NAME, Better, ImportFailed, Reading, Series, guess_better, read_text

REQUIRED = ("method", "metric", "run", "value")
OPTIONAL = ("unit", "better")
_MAX_FIELD = 10_000


def read(path: Path) -> Reading:
    source = read_text(path)
    rows = csv.reader(io.StringIO(source, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(rows)]
    except StopIteration:
        raise ImportFailed(
            f"{path}: empty file: the first line must be the header {','.join(REQUIRED)}"
        ) from None
    except csv.Error as exc:
        raise ImportFailed(f"{path}:1: not valid CSV ({exc})") from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown or len(set(header)) != len(header):
        raise ImportFailed(
            f"{path}:1: the header must name the columns {','.join(REQUIRED)} (optional: "
            f"{', '.join(OPTIONAL)}), each once"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(unknown[:5])}" if unknown else "")
        )
    at = {name: header.index(name) for name in header}
    data: dict[tuple[str, str], Series] = {}
    seen: set[tuple[str, str, str]] = set()
    try:
        for row in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in row):
                continue
            where = f"{path}:{line}"
            if len(row) != len(header):
                raise ImportFailed(f"{where}: {len(row)} fields, the header has {len(header)}")
            if any(len(cell) > _MAX_FIELD for cell in row):
                raise ImportFailed(f"{where}: a field longer than {_MAX_FIELD} characters")
            method, metric, run, value = (row[at[c]].strip() for c in REQUIRED)
            if not method:
                raise ImportFailed(f"{where}: empty method name")
            if not METRIC_NAME.match(metric):
                raise ImportFailed(
                    f"{where}: {metric!r} is not a valid metric name: use 1–64 lowercase "
                    "letters, digits, '_' and '-', starting with a letter or digit"
                )
            if (method, metric, run) in seen:
                raise ImportFailed(f"{where}: run {run!r} of {method} / {metric} appears twice")
            seen.add((method, metric, run))
            try:
                number = float(value)
            except ValueError:
                raise ImportFailed(f"{where}: value {value[:40]!r} is not a number") from None
            if number != number or number in (float("inf"), float("-inf")):
                raise ImportFailed(f"{where}: value {value!r} is not a finite number")
            unit = row[at["unit"]].strip() or None if "unit" in at else None
            stated = row[at["better"]].strip() if "better" in at else ""
            if stated not in ("", "higher", "lower"):
                raise ImportFailed(
                    f"{where}: better must be 'higher' or 'lower', not {stated[:20]!r}"
                )
            better: Better | None = "lower" if stated == "lower" else "higher" if stated else None
            series = data.get((method, metric))
            if series is None:
                series = data[(method, metric)] = Series(
                    method,
                    metric,
                    unit,
                    better or guess_better(metric),
                    [],
                    str(path),
                    keys=[],
                    better_guessed=better is None,
                )
            elif unit != series.unit:
                raise ImportFailed(
                    f"{where}: unit {unit!r} differs from {series.unit!r} earlier for {metric}"
                )
            elif better is not None and series.better_guessed:
                series.better, series.better_guessed = better, False
            assert series.keys is not None
            series.keys.append(run)
            series.values.append(number)
    except csv.Error as exc:
        raise ImportFailed(f"{path}:{rows.line_num}: not valid CSV ({exc})") from None
    if not data:
        raise ImportFailed(f"{path}: no rows after the header")
    return Reading(str(path), list(data.values()), paired=True)
