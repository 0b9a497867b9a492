"""The whole-knowledge-base pass: ids, references (inside lists too), backlinks, supersede
chains, the current decision per technique and each technique's ring history (SPEC §3.7)."""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator

from .diagnostics import Diagnostic, error
from .model import Entry, Graph, Move
from .parse import Path_, dotted
from .schema import ID_PATTERN, Decision

_ID = re.compile(ID_PATTERN)
#: Ids that would collide with pages Assay generates in a kind's folder.
RESERVED_IDS = {"index", "tags", "radar", "review", "records"}


#: kind → field → (target kind, is a list). The fields of SPEC §3 that hold record ids.
REF_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "decision": {
        "papers": ("paper", True),
        "benchmarks": ("benchmark", True),
        "runbook": ("runbook", False),
        "supersedes": ("decision", True),
    },
    "benchmark": {"decision": ("decision", False)},
    "prediction": {"papers": ("paper", True), "decisions": ("decision", True)},
    "runbook": {"decision": ("decision", False)},
    "postmortem": {"decision": ("decision", False)},
}


def references(entry: Entry) -> Iterator[tuple[Path_, str, str]]:
    """(field path, target id, expected kind) for every reference a record makes.

    Read from the parsed values rather than the model, so that a record with an unrelated
    schema error still takes part in the graph (its references are checked, and what it
    supersedes stays superseded); a malformed reference is the schema's to report.
    """
    data = entry.parsed.data or {}
    for name, (kind, many) in REF_FIELDS.get(entry.kind, {}).items():
        value = data.get(name)
        if many and isinstance(value, list):
            for i, target in enumerate(value):
                if isinstance(target, str) and _ID.match(target):
                    yield (name, i), target, kind
        elif not many and isinstance(value, str) and _ID.match(value):
            yield (name,), value, kind


def _check_ids(entries: list[Entry]) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    seen: dict[str, Entry] = {}
    for e in entries:
        if not _ID.match(e.id) or e.id in RESERVED_IDS:
            why = (
                f"'{e.id}' is reserved for a generated page"
                if e.id in RESERVED_IDS
                else f"'{e.id}' is not a valid id"
            )
            diags.append(
                error(
                    e.path,
                    1,
                    1,
                    "E-ID-INVALID",
                    "id",
                    f"{why}: rename the file to lowercase letters, digits and hyphens "
                    "(2–81 characters, starting with a letter or digit), e.g. "
                    f"{_suggest_id(e.id)}.md",
                )
            )
        if e.id in seen:
            other = seen[e.id]
            diags.append(
                error(
                    e.path,
                    1,
                    1,
                    "E-ID-DUPLICATE",
                    "id",
                    f"the id '{e.id}' is already used by {other.path}: ids are unique "
                    "across all kinds; rename one of the files",
                )
            )
        else:
            seen[e.id] = e
    return diags


def _suggest_id(stem: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:81]
    if slug in RESERVED_IDS:
        slug += "-1"
    return slug if _ID.match(slug) else "my-record"


def link(entries: list[Entry]) -> tuple[Graph, list[Diagnostic]]:
    """Resolve references and compute the graph. Invalid records take part by id only."""
    diags = _check_ids(entries)
    by_id: dict[str, Entry] = {}
    for e in entries:
        by_id.setdefault(e.id, e)
    graph = Graph()
    ids_of_kind: dict[str, list[str]] = {}
    for i, e in by_id.items():
        ids_of_kind.setdefault(e.kind, []).append(i)
    for e in entries:
        # A few suggestions per record: a hostile record can name 50,000 missing ids.
        suggestions = _SUGGESTIONS_PER_RECORD
        for fpath, target, kind in references(e):
            line, col = e.parsed.pos(fpath)
            t = by_id.get(target)
            if t is None:
                close = None
                if suggestions > 0:
                    suggestions -= 1
                    close = _closest_id(target, ids_of_kind.get(kind, []))
                fix = f"did you mean '{close}'?" if close else "check the spelling"
                diags.append(
                    error(
                        e.path,
                        line,
                        col,
                        "E-REF-MISSING",
                        dotted(fpath),
                        f"no record has the id '{target}': expected a {kind} at "
                        f"{_folder(kind)}/{target}.md ({fix})",
                    )
                )
            elif t.kind != kind:
                diags.append(
                    error(
                        e.path,
                        line,
                        col,
                        "E-REF-KIND",
                        dotted(fpath),
                        f"'{target}' is a {t.kind} ({t.path}), but {dotted(fpath[:1])} "
                        f"must name a {kind}",
                    )
                )
            else:
                graph.backlinks.setdefault(target, []).append((e.id, dotted(fpath[:1])))
                if fpath[0] == "supersedes":
                    graph.superseded_by.setdefault(target, []).append(e.id)
    diags += _check_supersedes(entries, by_id)
    _history(entries, graph)
    return graph, diags


_SUGGESTIONS_PER_RECORD = 20


def _closest_id(target: str, ids: list[str]) -> str | None:
    """The id among `ids` (of the expected kind) spelt most like `target`, if one is close."""
    close = difflib.get_close_matches(target, ids, n=1, cutoff=0.8)
    return close[0] if close else None


def _folder(kind: str) -> str:
    from .schema import KINDS

    return KINDS[kind][0]


def _check_supersedes(entries: list[Entry], by_id: dict[str, Entry]) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    edges: dict[str, list[str]] = {}
    for e in entries:
        r = e.record
        if not isinstance(r, Decision):
            continue
        for i, target in enumerate(r.supersedes or ()):
            t = by_id.get(target)
            if t is None or not isinstance(t.record, Decision):
                continue
            edges.setdefault(e.id, []).append(target)
            if t.record.technique != r.technique:
                line, col = e.parsed.pos(("supersedes", i))
                diags.append(
                    error(
                        e.path,
                        line,
                        col,
                        "E-SUPERSEDE-TECHNIQUE",
                        f"supersedes.{i}",
                        f"'{target}' is about '{t.record.technique}', this decision about "
                        f"'{r.technique}': a decision supersedes only earlier decisions "
                        "about the same technique (use the same technique name)",
                    )
                )
    # A cycle is reported once, on each decision that takes part in it.
    state: dict[str, int] = {}
    in_cycle: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                in_cycle.update(stack[stack.index(nxt) :])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    for node in sorted(in_cycle):
        e = by_id[node]
        line, col = e.parsed.pos(("supersedes",))
        diags.append(
            error(
                e.path,
                line,
                col,
                "E-SUPERSEDE-CYCLE",
                "supersedes",
                f"'{node}' is part of a supersede cycle ({' → '.join(sorted(in_cycle))}): "
                "a decision can only supersede older ones; remove one of the links",
            )
        )
    return diags


def _history(entries: list[Entry], graph: Graph) -> None:
    decisions = [(e.id, e.record) for e in entries if isinstance(e.record, Decision)]
    by_technique: dict[str, list[tuple[str, Decision]]] = {}
    for did, d in decisions:
        by_technique.setdefault(d.technique, []).append((did, d))
    for technique in sorted(by_technique):
        items = sorted(by_technique[technique], key=lambda x: (x[1].decided_on, x[0]))
        graph.history[technique] = [did for did, _ in items]
        live = [(did, d) for did, d in items if did not in graph.superseded_by]
        graph.current[technique] = (live or items)[-1][0]
        for (a_id, a), (b_id, b) in itertools.pairwise(items):
            if a.status != b.status:
                graph.moves.append(
                    Move(technique, b.area, b.decided_on, a.status, b.status, a_id, b_id)
                )
    graph.moves.sort(key=lambda m: (m.on, m.technique))
