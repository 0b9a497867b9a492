"""The pydantic models of the six record kinds: the single source of `schemas/*.schema.json`."""

from __future__ import annotations

from .benchmark import Benchmark
from .common import ID_PATTERN, Record
from .decision import Decision
from .paper import Paper
from .postmortem import Postmortem
from .prediction import Prediction
from .runbook import Runbook

#: kind name → (folder under the content directory, model). Order is the site's order.
KINDS: dict[str, tuple[str, type[Record]]] = {
    "paper": ("papers", Paper),
    "decision": ("decisions", Decision),
    "benchmark": ("benchmarks", Benchmark),
    "prediction": ("predictions", Prediction),
    "runbook": ("runbooks", Runbook),
    "postmortem": ("postmortems", Postmortem),
}
FOLDER_KIND = {folder: kind for kind, (folder, _) in KINDS.items()}

__all__ = [
    "FOLDER_KIND",
    "ID_PATTERN",
    "KINDS",
    "Benchmark",
    "Decision",
    "Paper",
    "Postmortem",
    "Prediction",
    "Record",
    "Runbook",
]
