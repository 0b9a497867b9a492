"""The record an import writes: a new benchmark, or targeted edits to an existing one.

An existing record is changed only where runs are added or replaced: text is inserted or
replaced at the positions of the YAML nodes (`yamltext.nodes`), so comments, key order,
quoting and the body stay byte-identical everywhere else. The result is checked exactly as
`assay check` checks it, in the context of the whole knowledge base, before anything is
written; then it is written atomically, never over a file that changed meanwhile.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..diagnostics import Diagnostic, format_text
from ..kb import analyse, compile_entries
from ..link import RESERVED_IDS
from ..load import UnsafeRead, discover, locate, read_bounded
from ..parse import MAX_BYTES
from ..schema import ID_PATTERN
from . import defaults
from .base import ImportFailed
from .edit import edit_record
from .plan import Plan
from .yamltext import flow_list, scalar

_ID = re.compile(ID_PATTERN)


@dataclass
class Outcome:
    """What an import did: the file, whether it was created, and a line per change."""

    path: str
    created: bool
    added: list[str]
    warnings: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


#: How to get fewer runs out of each tool, for a record that would exceed 1 MiB.
FEWER_RUNS = {
    "pytest-benchmark": "pytest-benchmark runs a fast function for tens of thousands of rounds "
    "by default: re-run pytest with --benchmark-max-time=0.05, or time it with "
    "benchmark.pedantic(..., rounds=30)",
    "hyperfine": "re-run hyperfine with fewer --runs",
    "google-benchmark": "re-run with fewer --benchmark_repetitions",
    "asv": "re-run asv with a smaller repeat setting",
    "lm-eval": "each item is a run: evaluate fewer items with lm-eval's --limit",
    "csv": "keep fewer rows per method and metric",
}


def import_into(
    root: Path,
    record_id: str,
    plan: Plan,
    *,
    baseline: str | None = None,
    owner: str | None = None,
    replace: bool = False,
    title: str | None = None,
    today: date | None = None,
) -> Outcome:
    """Add the plan's runs to benchmark `record_id` (created when missing). Raises
    ImportFailed (nothing written) or load.KnowledgeBaseNotFound."""
    today = today or date.today()
    root = root.resolve()
    content = locate(root)
    if not _ID.match(record_id) or record_id in RESERVED_IDS:
        raise ImportFailed(
            f"--into {record_id!r} is not a valid record id: use 2–81 lowercase letters, "
            "digits and hyphens"
            + (" (that id is reserved for a generated page)" if record_id in RESERVED_IDS else "")
        )
    folder = content / "benchmarks"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise ImportFailed(f"{folder}: not a plain folder; assay import writes only into one")
    target = folder / f"{record_id}.md"
    rel = target.relative_to(root).as_posix() if target.is_relative_to(root) else str(target)
    files = discover(root, content)
    for f in files:
        if f.id == record_id and f.abs_path != target:
            raise ImportFailed(
                f"the id {record_id!r} is taken by {f.rel_path}: ids are unique across the "
                "knowledge base; choose another with --into"
            )
    old: bytes | None = None
    if os.path.lexists(target):
        if target.is_symlink() or not target.is_file():
            raise ImportFailed(f"{rel}: not a regular file; assay import edits only regular files")
        try:
            old = read_bounded(target, MAX_BYTES)
        except UnsafeRead as exc:
            raise ImportFailed(f"{rel}: {exc.message}; run 'assay check {rel}'") from None
        except OSError as exc:
            raise ImportFailed(f"{rel}: cannot read it: {exc.strerror or exc}") from None
        new_text, added, notes = edit_record(old, rel, plan, replace=replace, baseline=baseline)
        new = new_text.encode("utf-8")
        notes += [
            f"{option} applies to new records only; {rel} keeps its own"
            for option, value in (("--title", title), ("--owner", owner))
            if value is not None
        ]
    else:
        new_text, added = new_record_text(
            root, folder, record_id, plan, baseline, title, owner, today
        )
        new = new_text.encode("utf-8")
        notes = [
            f"better: {info.better} for {name} is guessed from its name: check it"
            for name, info in plan.metrics.items()
            if info.better_guessed
        ]
    if len(new) > MAX_BYTES:
        raise ImportFailed(
            f"{rel} would be {len(new):,} bytes; records are limited to 1 MiB: import fewer "
            f"runs or fewer methods ({FEWER_RUNS.get(plan.fmt, 'fewer rounds or repetitions')})"
        )
    diags = _check(
        root, content, rel, new, [(f.kind, f.rel_path, f.raw, f.io_error) for f in files], today
    )
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        raise ImportFailed(
            f"the record would not be valid, so nothing was written ({plan.origin()}):\n"
            + format_text(errors, 1).rstrip("\n")
        )
    _write(target, new, old)
    return Outcome(rel, old is None, added, [d for d in diags if d.severity == "warning"], notes)


def new_record_text(
    root: Path,
    folder: Path,
    record_id: str,
    plan: Plan,
    baseline: str | None,
    title: str | None,
    owner: str | None,
    today: date,
) -> tuple[str, list[str]]:
    """A new benchmark record in the layout of `assay new benchmark`, holding the plan."""
    methods = list(plan.runs)
    if len(methods) < 2:
        raise ImportFailed(
            f"{plan.origin()}: holds one method ({methods[0]}); a new benchmark needs at least "
            "two (a baseline and a candidate): import both files at once, e.g. "
            "'assay import FORMAT before.json after.json --into ID --method before --method after'"
        )
    if baseline is not None and baseline not in plan.runs:
        raise ImportFailed(
            f"--baseline {baseline!r} is not among the imported methods: {', '.join(methods)}"
        )
    chosen = baseline if baseline is not None else methods[0]
    methods.sort(key=lambda m: m != chosen)  # the baseline first, the rest in file order
    if title is None:
        title = record_id.replace("-", " ").capitalize()
        if len(title) < 3:
            title = f"Benchmark {title}"
    title = defaults.clean(title)
    schema_ref = Path(
        os.path.relpath(root / "schemas" / "benchmark.schema.json", folder)
    ).as_posix()
    hardware = defaults.clean(plan.hardware or "") or defaults.host_hardware()
    files = ", ".join(Path(f).name for f in plan.files)
    lines = [
        "---",
        f"# yaml-language-server: $schema={schema_ref}",
        f"title: {scalar(title)}",
        "tags: []",
        f"owner: {scalar(defaults.owner(owner, root) or 'unknown')}",
        f"run_on: {(plan.run_on or today).isoformat()}",
        f"hardware: {scalar(hardware)}",
        f"paired: {'true' if plan.paired else 'false'}  # true when run i of every method "
        "shares seed, data split and input",
        "alpha: 0.05",
        f"protocol: {scalar(f'Imported with assay import {plan.fmt} from {files}.')}",
        "metrics:",
    ]
    added = []
    for name, info in plan.metrics.items():
        added.append(
            f"metric {name}"
            + (f" ({info.unit})" if info.unit else "")
            + f", {info.better} is better"
        )
        lines.append(f"  - name: {name}")
        if info.unit:
            lines.append(f"    unit: {scalar(info.unit)}")
        lines.append(
            f"    better: {info.better}"
            + ("  # guessed from the name: check it" if info.better_guessed else "")
        )
        lines.append(
            "    # min_effect: 0.05  # smallest change that matters: 5 % of the baseline mean"
        )
    lines.append("methods:")
    for method in methods:
        lines.append(f"  - name: {scalar(method)}")
        if method == chosen:
            lines.append("    baseline: true")
        lines.append("    runs:")
        for metric, values in plan.runs[method].items():
            lines.append(f"      {metric}: " + flow_list(values, 8 + len(metric), 8))
            added.append(_added(method, metric, values, method == chosen))
    lines += [
        "---",
        "",
        f"Runs imported with `assay import {plan.fmt}`. Say what was measured, on which inputs",
        "and with which settings, and what limits the comparison. Assay computes the means,",
        "intervals, tests and verdict (`assay stats "
        + record_id
        + "`): never write a p-value here.",
        "",
    ]
    return "\n".join(lines), added


def _added(method: str, metric: str, values: list[float], baseline: bool = False) -> str:
    return f"{method}{' (baseline)' if baseline else ''}: {len(values)} runs of {metric}"


def _check(
    root: Path,
    content: Path,
    rel: str,
    new: bytes,
    files: list[tuple[str, str, bytes | None, str | None]],
    today: date,
) -> list[Diagnostic]:
    """The diagnostics `assay check` would report for the record, in its knowledge base."""
    others = [f for f in files if f[1] != rel]
    kb = analyse(compile_entries([*others, ("benchmark", rel, new, None)]), today)
    return [d for d in kb.diagnostics if d.path == rel]


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write(target: Path, data: bytes, expected: bytes | None) -> None:
    """Write atomically: a new file never replaces one that appeared meanwhile, and an
    edited file is replaced only if it still holds the bytes the edit was made from."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".assay-import", dir=target.parent)
    try:
        # mkstemp creates the file 0600; a new record gets the mode any new file would.
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if expected is None:
            try:
                os.link(tmp, target)
            except FileExistsError:
                raise ImportFailed(
                    f"{target} appeared while importing; nothing was written"
                ) from None
        else:
            st = target.lstat()
            try:
                current = read_bounded(target, MAX_BYTES)
            except OSError:
                current = None
            if not stat.S_ISREG(st.st_mode) or current != expected:
                raise ImportFailed(
                    f"{target} changed while importing; nothing was written: run the import again"
                )
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            os.replace(tmp, target)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
