"""The record kinds and their folders under the content directory, without their models:
for code that must not load pydantic (the engine plugin in a ProperDocs process, the
command line before its command runs). `generator.schema.KINDS` pairs them with the models."""

from __future__ import annotations

#: kind name → folder. Order is the site's order.
KIND_FOLDERS: dict[str, str] = {
    "paper": "papers",
    "decision": "decisions",
    "benchmark": "benchmarks",
    "prediction": "predictions",
    "runbook": "runbooks",
    "postmortem": "postmortems",
}
#: folder → kind name
FOLDER_KIND: dict[str, str] = {folder: kind for kind, folder in KIND_FOLDERS.items()}
