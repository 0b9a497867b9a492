"""Incremental rebuilds for `assay serve`.

`assay serve` keeps a live site source (generator/serve.py): after an edit Assay recompiles
and `write_if_changed` rewrites only the files whose bytes changed, so an engine server in
dirty mode rebuilds just those pages. Material's search merges a dirty rebuild's index
correctly only when one page changed; `SearchIndexMerger` (run by the `assay-engine`
plugin) keeps the index per page across rebuilds instead: the pages rebuilt replace their
entries, pages that no longer exist lose theirs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .schema import KINDS

if TYPE_CHECKING:
    from .model import Entry, KnowledgeBase


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write `data` unless the file already holds it (keeps its mtime, so a watching server
    rebuilds only what changed); True when the file was written."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_bytes(data)
    except FileNotFoundError:  # its folder is new (a first build writes hundreds of files)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
    tmp.replace(path)
    return True


def _page_of(location: str) -> str:
    return location.split("#", 1)[0]


class SearchIndexMerger:
    """Keeps the full search index of a served site: page URL → its search entries."""

    def __init__(self) -> None:
        self.entries: dict[str, list[dict[str, Any]]] = {}
        self.order: list[str] = []

    def merge(self, index_path: Path, rebuilt: set[str], live: set[str]) -> None:
        """Fold the index MkDocs just wrote (rebuilt pages only, after the first build) into
        the full index, drop pages that are gone, and write the full index back."""
        data = json.loads(index_path.read_text("utf-8"))
        fresh: dict[str, list[dict[str, Any]]] = {}
        for entry in data.get("docs", []):
            page = _page_of(str(entry.get("location", "")))
            if page in rebuilt or not self.entries:
                fresh.setdefault(page, []).append(entry)
        for page, items in fresh.items():
            if page not in self.entries:
                self.order.append(page)
            self.entries[page] = items
        for page in [p for p in self.order if p not in live]:
            self.order.remove(page)
            self.entries.pop(page, None)
        data["docs"] = [e for page in self.order for e in self.entries.get(page, [])]
        index_path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


#: One merger per served docs_dir; plugin instances may be recreated between rebuilds.
MERGERS: dict[str, SearchIndexMerger] = {}


class RecordPages:
    """The record pages' Markdown, kept across the recompiles of `assay serve`: after an
    edit only the pages that can show something of an edited record are rendered again.

    A record page shows its own record, its warnings, the date, and — by id — the title,
    kind and superseded state of the records it references, of those that reference it,
    of its superseders and of the decisions of its technique (render/records.py reads
    nothing else of the knowledge base). So a page is rendered again when its record or its
    warnings changed, or when it lies within two such steps of a changed record in the
    graph before or after the edit (two: a decision that newly supersedes D changes how
    every page referencing D shows D). Benchmark pages, which hand charts to the page's
    chart sink and whose statistics come last, are left to the caller; an added or removed
    record or a new date renders all.
    tests/test_serve.py checks the result against rendering every page, edit by edit."""

    def __init__(self) -> None:
        self.kb: KnowledgeBase | None = None
        self.pages: dict[str, str] = {}  # record id → its page's Markdown
        self.warnings: dict[str, list[tuple[str, str]]] = {}

    def render(
        self,
        kb: KnowledgeBase,
        render_one: Callable[[Entry], str],
    ) -> dict[str, str]:
        """src path → Markdown of every valid record's page but benchmarks', in path order."""
        valid = sorted((e for e in kb.entries if e.record is not None), key=lambda e: e.path)
        warnings: dict[str, list[tuple[str, str]]] = {}
        for d in kb.warnings:
            warnings.setdefault(d.path, []).append((d.code, d.message))
        affected = self._affected(kb, valid, warnings)
        out: dict[str, str] = {}
        pages: dict[str, str] = {}
        for e in valid:
            if e.kind == "benchmark":
                continue
            cached = self.pages.get(e.id)
            if affected is None or e.id in affected or cached is None:
                cached = render_one(e)
            pages[e.id] = cached
            out[f"{KINDS[e.kind][0]}/{e.id}.md"] = cached
        self.kb, self.pages, self.warnings = kb, pages, warnings
        return out

    def _affected(
        self,
        kb: KnowledgeBase,
        valid: list[Entry],
        warnings: dict[str, list[tuple[str, str]]],
    ) -> set[str] | None:
        """Ids whose page must be rendered again; None for all."""
        prev = self.kb
        if prev is None or prev.as_of != kb.as_of:
            return None
        before = {e.id: e for e in prev.entries if e.record is not None}
        if set(before) != {e.id for e in valid} or len(valid) != len(kb.entries):
            return None
        changed = set()
        for e in valid:
            old = before[e.id]
            if old.record is not e.record or old.parsed is not e.parsed or old.path != e.path:
                changed.add(e.id)
            if old.kind != e.kind:
                return None
            if self.warnings.get(e.path) != warnings.get(e.path):
                changed.add(e.id)
        near = set(changed)
        for _ in range(2):
            near |= {n for rid in near for g in (prev, kb) for n in _neighbours(g, rid)}
        return near


def _neighbours(kb: KnowledgeBase, rid: str) -> set[str]:
    """Records whose page shows something of `rid`, or whose data `rid`'s page shows."""
    from .link import references
    from .schema import Decision

    out = {src for src, _ in kb.graph.backlinks.get(rid, [])}
    out |= set(kb.graph.superseded_by.get(rid, []))
    e = kb.by_id.get(rid)
    if e is not None:
        out |= {target for _, target, _ in references(e)}
        if isinstance(e.record, Decision):
            out |= set(kb.graph.history.get(e.record.technique, []))
    return out
