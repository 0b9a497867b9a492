"""`assay import`: raw runs from benchmarking tools' output files into benchmark records.

One module per format reads a file into `Series` (raw per-run samples, never summaries);
`plan` combines the files under the command's choices; `record` writes the benchmark
record (new, or edited in place without disturbing anything else).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from . import asv, csv_long, google_benchmark, hyperfine, lm_eval, pytest_benchmark
from .base import Importer, ImportFailed
from .plan import Plan, make_plan
from .record import Outcome, import_into

FORMATS: dict[str, Importer] = {
    "pytest-benchmark": pytest_benchmark.read,
    "hyperfine": hyperfine.read,
    "google-benchmark": google_benchmark.read,
    "asv": asv.read,
    "lm-eval": lm_eval.read,
    "csv": csv_long.read,
}

__all__ = ["FORMATS", "ImportFailed", "Outcome", "Plan", "run_import"]


def run_import(
    fmt: str,
    files: Sequence[Path],
    root: Path,
    record_id: str,
    *,
    methods: tuple[str, ...] = (),
    metric: str | None = None,
    select: str | None = None,
    baseline: str | None = None,
    owner: str | None = None,
    replace: bool = False,
    title: str | None = None,
    today: date | None = None,
) -> Outcome:
    """Read `files` in format `fmt` and add their runs to benchmark `record_id`.

    Raises ImportFailed (nothing written) or load.KnowledgeBaseNotFound.
    """
    if fmt not in FORMATS:
        raise ImportFailed(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    readings = [FORMATS[fmt](Path(f)) for f in files]
    plan = make_plan(fmt, readings, methods, metric, select)
    outcome = import_into(
        root,
        record_id,
        plan,
        baseline=baseline,
        owner=owner,
        replace=replace,
        title=title,
        today=today,
    )
    outcome.notes[:0] = plan.notes
    return outcome
