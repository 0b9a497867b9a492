"""The compiler front end: load → parse → validate → link → rules, for a whole knowledge base.

All files are loaded before any rule runs because references, duplicate ids and supersede
chains are properties of the whole knowledge base, not of one file.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from .diagnostics import Diagnostic, error, sort_diagnostics
from .link import link
from .load import locate, maintainer_files, scan_records
from .model import Entry, KnowledgeBase
from .parse import Parsed, parse_record
from .rules import apply_rules
from .schema import KINDS
from .validate import partial_record, validate_model

#: Entries compiled from exactly these bytes, reused while one process rebuilds the same
#: knowledge base (`assay serve`): an edit re-parses one file, not a thousand. Entries are
#: never mutated after compilation, so sharing them is safe.
_COMPILED: dict[tuple[str, str, bytes], Entry] = {}
_COMPILED_MAX = 50_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """Run a block with the cyclic garbage collector off (restored after).

    Compiling and linking create millions of small objects and no reference cycles; with the
    collector on, its full passes over the growing heap cost about a third of `assay check`
    at 10,000 records (docs/performance.md). Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def compile_entries(files: list[tuple[str, str, bytes | None, str | None]]) -> list[Entry]:
    """(kind, path, bytes, io error) → parsed and validated entries."""
    with paused_gc():
        return _compile_entries(files)


def _compile_entries(files: list[tuple[str, str, bytes | None, str | None]]) -> list[Entry]:
    entries: list[Entry] = []
    for kind, path, raw, io_error in files:
        if raw is not None and (cached := _COMPILED.get((kind, path, raw))) is not None:
            entries.append(cached)
            continue
        stem = path.rsplit("/", 1)[-1].removesuffix(".md")
        if raw is None:
            parsed = Parsed(
                None,
                diagnostics=[error(path, 1, 1, "E-IO", "", f"cannot read the file: {io_error}")],
            )
            entries.append(Entry(stem, kind, path, parsed, None))
            continue
        parsed = parse_record(raw, path)
        entry = Entry(stem, kind, path, parsed, None)
        if parsed.data is not None:
            model = KINDS[kind][1]
            entry.record, diags = validate_model(model, parsed, path)
            parsed.diagnostics.extend(diags)
            if entry.record is None:
                entry.partial, entry.broken = partial_record(model, parsed.data, diags)
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[(kind, path, raw)] = entry
        entries.append(entry)
    return entries


def analyse(
    entries: list[Entry], as_of: date, file_diagnostics: list[Diagnostic] | None = None
) -> KnowledgeBase:
    """Link and apply the rules to compiled entries (`file_diagnostics`: what loading
    found besides records, e.g. E-FOREIGN-FILE)."""
    with paused_gc():
        graph, link_diags = link(entries)
        diags = [d for e in entries for d in e.parsed.diagnostics]
        diags += file_diagnostics or []
        diags += link_diags
        diags += apply_rules(entries, graph, as_of)
        return KnowledgeBase(entries, graph, sort_diagnostics(diags), as_of)


def load_knowledge_base(
    root: Path, as_of: date | None = None, content: Path | None = None
) -> KnowledgeBase:
    """Read and check every record under `root` (content dir: `content`, else located from
    mkdocs.yml). Raises KnowledgeBaseNotFound."""
    root = root.resolve()
    content = content.resolve() if content is not None else locate(root)
    sources, file_diags = scan_records(root, content)
    refused = [f for f in sources if f.diagnostic is not None]
    files = [(f.kind, f.rel_path, f.raw, f.io_error) for f in sources if f.diagnostic is None]
    entries = compile_entries(files)
    for f in refused:  # read refused (too large): a record that exists, with its diagnostic
        assert f.diagnostic is not None
        stem = f.rel_path.rsplit("/", 1)[-1].removesuffix(".md")
        entries.append(
            Entry(stem, f.kind, f.rel_path, Parsed(None, diagnostics=[f.diagnostic]), None)
        )
    entries.sort(key=lambda e: e.path)
    maintainer, maintainer_diags = maintainer_files(root, content)
    kb = analyse(entries, as_of or date.today(), file_diags + maintainer_diags)
    kb.root, kb.content_dir = root, content
    kb.maintainer_files = maintainer
    return kb
