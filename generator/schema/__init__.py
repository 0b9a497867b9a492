"""The pydantic models of the six record kinds: the single source of `schemas/*.schema.json`."""

from __future__ import annotations

from ..kinds import FOLDER_KIND, KIND_FOLDERS
from .benchmark import Benchmark
from .common import ID_PATTERN, Record
from .decision import Decision
from .paper import Paper
from .postmortem import Postmortem
from .prediction import Prediction
from .runbook import Runbook

#: kind name → (folder under the content directory, model). Order is the site's order.
KINDS: dict[str, tuple[str, type[Record]]] = {
    "paper": (KIND_FOLDERS["paper"], Paper),
    "decision": (KIND_FOLDERS["decision"], Decision),
    "benchmark": (KIND_FOLDERS["benchmark"], Benchmark),
    "prediction": (KIND_FOLDERS["prediction"], Prediction),
    "runbook": (KIND_FOLDERS["runbook"], Runbook),
    "postmortem": (KIND_FOLDERS["postmortem"], Postmortem),
}

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
