"""hyperfine JSON (`--export-json`): one method per command, its wall-clock `times` in
seconds, and `memory_usage_byte` as a second metric when hyperfine recorded it."""

from __future__ import annotations

from pathlib import Path

from .base import (
    ImportFailed,
    Reading,
    Series,
    items,
    numbers,
    obj,
    parse_json,
    read_text,
    text,
)

RERUN = (
    "re-run hyperfine with --export-json FILE (its CSV and Markdown exports hold only summaries)"
)


def read(path: Path) -> Reading:
    source = read_text(path)
    if not source.lstrip().startswith("{"):
        raise ImportFailed(f"{path}: not hyperfine JSON (a CSV or Markdown export?): {RERUN}")
    doc = obj(parse_json(source, str(path)), str(path))
    if "results" not in doc:
        raise ImportFailed(f"{path}: no 'results' list: is this hyperfine --export-json output?")
    results = items(doc["results"], f"{path}: results")
    if not results:
        raise ImportFailed(f"{path}: the file holds no results")
    series: list[Series] = []
    for i, raw in enumerate(results):
        result = obj(raw, f"{path}: results[{i}]")
        command = text(result.get("command"), f"{path}: results[{i}].command")
        where = f"{path}: results[{i}] ({command})"
        if "times" not in result:
            raise ImportFailed(f"{where}: no per-run 'times': {RERUN}")
        times = numbers(result["times"], f"{where}.times")
        codes = result.get("exit_codes")
        if isinstance(codes, list):
            failed = [c for c in codes if c != 0]
            if failed:
                raise ImportFailed(
                    f"{where}: {len(failed)} of {len(codes)} runs failed (exit code "
                    f"{_code(failed[0])}); their times measure a failure. "
                    "Fix the command and re-run hyperfine (without --ignore-failure)"
                )
        series.append(Series(command, "time", "s", "lower", times, str(path)))
        if "memory_usage_byte" in result:
            memory = numbers(result["memory_usage_byte"], f"{where}.memory_usage_byte")
            series.append(Series(command, "memory", "B", "lower", memory, str(path)))
    return Reading(str(path), series)


def _code(code: object) -> str:
    # hyperfine writes null for a run killed by a signal.
    if code is None:
        return "none: killed by a signal"
    return str(code) if isinstance(code, int) and not isinstance(code, bool) else "not a number"
