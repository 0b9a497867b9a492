"""What every importer shares: the series a tool's file yields, and untrusted-file reading.

A benchmarking tool's output file arrives like a record does (in a pull request), so it is
read defensively: a size limit before reading, strict UTF-8, JSON without NaN/Infinity or
overflowing numbers, bounded nesting, and every sample checked to be a finite number.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from ..schema.benchmark import METRIC_NAME_PATTERN

#: Input files larger than this are refused before they are read (a record itself is
#: limited to 1 MiB; 64 MiB of tool output already holds far more samples than fit in one).
MAX_INPUT_BYTES = 64 * 1024 * 1024
#: JSON nested deeper than this is refused (tool output is a few levels deep).
MAX_JSON_DEPTH = 64

METRIC_NAME = re.compile(METRIC_NAME_PATTERN)

Better = Literal["higher", "lower"]


class ImportFailed(Exception):
    """Raised by importers and the record writer: the import is refused, nothing is written.

    The message names the file and says what to do.
    """


@dataclass
class Series:
    """The raw runs of one benchmarked thing (a method) for one measure (a metric).

    `label` is the name the tool gives the thing (benchmark name, command, model); it
    becomes the method name unless `--method` says otherwise. `keys`, when present, name
    each run (CSV `run`, lm-eval item) so that runs of different methods can be paired.
    """

    label: str
    metric: str
    unit: str | None
    better: Better
    values: list[float]
    origin: str
    keys: list[str] | None = None
    better_guessed: bool = False


@dataclass
class Reading:
    """Everything one input file yields."""

    path: str
    series: list[Series]
    hardware: str | None = None
    run_on: date | None = None
    paired: bool = False
    notes: list[str] = field(default_factory=list)


def read_bytes(path: Path) -> bytes:
    """The bytes of an input file, refusing what is not a regular file or is too large."""
    try:
        if not path.is_file():
            raise ImportFailed(f"{path}: not a file (give the path of the tool's output file)")
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ImportFailed(
                f"{path}: {size:,} bytes is more than the {MAX_INPUT_BYTES:,} bytes assay "
                "import reads; import fewer runs or benchmarks per file"
            )
        with path.open("rb") as fh:
            raw = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise ImportFailed(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_INPUT_BYTES:
        raise ImportFailed(f"{path}: the file grew beyond {MAX_INPUT_BYTES:,} bytes while read")
    return raw


def read_text(path: Path) -> str:
    raw = read_bytes(path)
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"{path}: not UTF-8 text (invalid byte at offset {exc.start}): "
            "give the file the tool wrote, unchanged"
        ) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} overflows a double")
    return value


_ESCAPE = re.compile(r"\\.", re.S)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def _depth_ok(text: str) -> bool:
    # Escapes, then strings removed (each pass linear), only brackets left: nesting is
    # bounded before the parser recurses.
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    depth = 0
    for ch in brackets:
        depth += 1 if ch in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return False
    return True


def parse_json(text: str, where: str) -> Any:
    """Strict JSON: no NaN/Infinity, no overflowing numbers, bounded nesting."""
    if not _depth_ok(text):
        raise ImportFailed(
            f"{where}: JSON nested more than {MAX_JSON_DEPTH} levels deep is not tool output"
        )
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            f"{where}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "give the file the tool wrote, unchanged"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ImportFailed(f"{where}: not valid JSON ({exc})") from None


def load_json(path: Path) -> Any:
    return parse_json(read_text(path), str(path))


def number(value: Any, where: str) -> float:
    """A finite sample value, or ImportFailed naming where it was found."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ImportFailed(f"{where}: {_show(value)} is not a number")
    result = float(value)
    if not math.isfinite(result):
        raise ImportFailed(f"{where}: {value} is not a finite number")
    return result


def numbers(values: Any, where: str) -> list[float]:
    if not isinstance(values, list):
        raise ImportFailed(f"{where}: expected a list of numbers, found {_show(values)}")
    return [number(v, f"{where}[{i}]") for i, v in enumerate(values)]


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ImportFailed(f"{where}: expected a JSON object, found {_show(value)}")
    return value


def items(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ImportFailed(f"{where}: expected a JSON list, found {_show(value)}")
    return value


def benchmark_objects(path: Path, tool: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The top-level object of a tool's JSON file and its non-empty `benchmarks` list of
    objects (the layout pytest-benchmark and Google Benchmark share)."""
    doc = obj(load_json(path), str(path))
    if "benchmarks" not in doc:
        raise ImportFailed(f"{path}: no 'benchmarks' list: is this {tool} JSON output?")
    rows = [
        obj(r, f"{path}: benchmarks[{i}]")
        for i, r in enumerate(items(doc["benchmarks"], f"{path}: benchmarks"))
    ]
    if not rows:
        raise ImportFailed(f"{path}: the file holds no benchmarks")
    return doc, rows


def text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ImportFailed(f"{where}: expected text, found {_show(value)}")
    return value


def _show(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=True, default=str)
    return shown if len(shown) <= 40 else shown[:37] + "..."


_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}


def bad_name_char(name: str) -> str | None:
    """The first character that may not appear in a method name (control, format, line
    separators, bidirectional overrides), as U+XXXX, or None."""
    for ch in name:
        if unicodedata.category(ch) in _REFUSED_CATEGORIES:
            return f"U+{ord(ch):04X}"
    return None


_LOWER_IS_BETTER = re.compile(
    r"time|latency|duration|elapsed|_ms|-ms|_s$|-s$|_us|_ns|memory|mem_|bytes|loss|error|"
    r"perplexity|cost|wait|delay"
)


def guess_better(metric: str) -> Better:
    """A direction guessed from a metric's name (time, latency, memory, loss … are lower)."""
    return "lower" if _LOWER_IS_BETTER.search(metric) else "higher"


def date_of(stamp: Any) -> date | None:
    """The day of an ISO 8601 timestamp ('2026-11-26T10:10:05+00:00'), or None."""
    if not isinstance(stamp, str):
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", stamp)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


Importer = Callable[[Path], Reading]
