"""The in-memory knowledge base handed from stage to stage: records, graph, diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .diagnostics import Diagnostic
from .load import MaintainerFile
from .parse import Parsed
from .schema import Record


@dataclass
class Entry:
    """One record file after parsing and validation. `record` is None when it is invalid.

    An invalid record still has its well-typed fields checked by the rules (one run reports
    every problem): `partial` is the record built from those fields only, and `broken`
    names the top-level fields that are missing or invalid (rules say nothing about them).
    """

    id: str
    kind: str
    path: str
    parsed: Parsed
    record: Record | None
    partial: Record | None = None
    broken: frozenset[str] = frozenset()

    @property
    def checked(self) -> Record | None:
        """What the rules read: the record, else its well-typed part."""
        return self.record if self.record is not None else self.partial

    def has(self, name: str) -> bool:
        """Whether field `name` (the model's name, e.g. ``pass_``) is usable by the rules."""
        return name not in self.broken


@dataclass(frozen=True)
class Move:
    """A technique changing ring: from one decision's status to the next one's."""

    technique: str
    area: str
    on: date
    from_status: str
    to_status: str
    from_id: str
    to_id: str


@dataclass
class Graph:
    """What the link stage computes over the whole knowledge base (SPEC §3.7)."""

    backlinks: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # id → [(from id, field)]
    superseded_by: dict[str, list[str]] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)  # technique → current decision id
    history: dict[str, list[str]] = field(default_factory=dict)  # technique → decision ids by date
    moves: list[Move] = field(default_factory=list)


@dataclass
class KnowledgeBase:
    """Everything known after load → parse → validate → link → rules."""

    entries: list[Entry]
    graph: Graph
    diagnostics: list[Diagnostic]
    as_of: date

    root: Path = Path(".")
    content_dir: Path = Path("content")
    #: checked maintainer pages and assets (load.maintainer_files), for the compile step
    maintainer_files: list[MaintainerFile] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id: dict[str, Entry] = {}
        for e in self.entries:
            self.by_id.setdefault(e.id, e)

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind and e.record is not None]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        """What needs attention: the items of `assay due` and the review agenda."""
        return [d for d in self.diagnostics if d.severity == "warning"]

    def blocking(self, strict: bool) -> list[Diagnostic]:
        """The diagnostics that fail a check or a build, as errors: all of them under
        --strict (warnings promoted), else the errors."""
        return [d.as_error() for d in self.diagnostics] if strict else self.errors
