"""Incremental rebuilds for `assay serve` (MkDocs' dirty mode).

`mkdocs serve` rebuilds the whole site on every change; at a thousand records that takes
tens of seconds. In dirty mode MkDocs rebuilds only pages whose source is newer than their
output, but it treats in-memory generated pages as always modified, and Material's search
merges a dirty rebuild's index correctly only when one page changed. This module fixes
both, for serve only (`assay build` always builds everything):

* generated pages are written to `.assay-cache/pages/` and rewritten only when their
  Markdown changed, so an edit rebuilds just the pages it affects;
* the search index is kept per page across rebuilds and merged here: the pages rebuilt
  replace their entries, pages that no longer exist lose theirs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write `data` unless the file already holds it (keeps its mtime, so a watching server
    rebuilds only what changed); True when the file was written."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
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
