"""The `assay` command line: each command parses options, calls the core, maps errors to exit codes.

Exit codes (SPEC §5): 0 success · 1 the content has errors (or the command's own failure,
e.g. a record that exists) · 2 usage error (bad options, no knowledge base found).
"""

from __future__ import annotations

import gc
import json
import os
import sys
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .diagnostics import (
    FORMATTERS,
    Diagnostic,
    KnowledgeBaseNotFound,
    printable_json,
    printable_lines,
)
from .engines import DEFAULT_ENGINE, ENGINES

if TYPE_CHECKING:  # the record models load when a command needs them, not before
    from .model import KnowledgeBase

FORMAT = click.Choice(["text", "github", "json"])
ROOT = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Knowledge base root (holds content/ and optionally mkdocs.yml).",
)


def _as_of_in_range(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    if value is None:
        return value  # without importing the record models (`assay build` forks first)
    from .schema.common import MAX_DAY, MIN_DAY

    if not MIN_DAY <= value.date() <= MAX_DAY:
        raise click.BadParameter(f"must lie between {MIN_DAY} and {MAX_DAY}")
    return value


AS_OF = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    callback=_as_of_in_range,
    help="Evaluate dates against this day (YYYY-MM-DD) instead of today.",
)


class UsageError(click.UsageError):
    """A usage error (exit 2) raised by the commands for problems with their arguments."""


def _load(root: Path, as_of: Any = None) -> KnowledgeBase:
    from .kb import load_knowledge_base

    try:
        return load_knowledge_base(root, as_of.date() if as_of else None)
    except KnowledgeBaseNotFound as exc:
        raise UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="assay")
def main() -> None:
    """Assay: validate a research knowledge base, compute what it implies, publish it."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@ROOT
@click.option(
    "--format",
    "fmt",
    type=FORMAT,
    default="text",
    show_default=True,
    help="text for people, github for annotations in pull requests, json for scripts.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@AS_OF
def check(paths: tuple[Path, ...], root: Path, fmt: str, strict: bool, as_of: Any) -> None:
    """Validate records: all of them, or PATHS with the whole knowledge base as context.

    Every problem is reported with file:line:col, the field and how to fix it. Exit 0 when
    there are no errors, 1 when there are (or warnings with --strict), 2 on usage errors.
    """
    # Checking creates millions of objects and no garbage cycles: the cyclic collector
    # would only walk the knowledge base over and over (docs/performance.md). Afterwards
    # the objects it made are frozen out of later collections (reference counting still
    # frees them), so that an in-process caller gets its collector back at no cost.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        kb = _load(root, as_of)
        diags = kb.diagnostics
        records = len(kb.entries)
        if paths:
            wanted = _select(kb, paths)
            diags = [d for d in diags if d.path in wanted]
            records = len(wanted & {e.path for e in kb.entries})
        if strict:
            diags = [d.as_error() for d in diags]
        click.echo(FORMATTERS[fmt](diags, records), nl=False)
        sys.exit(1 if any(d.severity == "error" for d in diags) else 0)
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def _select(kb: KnowledgeBase, paths: tuple[Path, ...]) -> set[str]:
    by_abs = {(kb.root / e.path).resolve(): e.path for e in kb.entries}
    # Files that are not records but have diagnostics (E-FOREIGN-FILE, …): never resolved,
    # so a symlink is selected as itself, not as the record it points to.
    by_name = {Path(os.path.abspath(kb.root / d.path)): d.path for d in kb.diagnostics}
    wanted: set[str] = set()
    for p in paths:
        if not os.path.lexists(p):
            raise UsageError(f"{p}: no such file")
        if (named := by_name.get(Path(os.path.abspath(p)))) is not None and p.is_symlink():
            wanted.add(named)
            continue
        resolved = p.resolve()
        if named is not None:
            wanted.add(named)
        if resolved.is_dir():
            wanted.update(rel for a, rel in by_abs.items() if a.is_relative_to(resolved))
            here = Path(os.path.abspath(p))
            wanted.update(rel for a, rel in by_name.items() if a.is_relative_to(here))
        elif resolved in by_abs:
            wanted.add(by_abs[resolved])
        elif named is None:
            click.echo(
                f"{p}: not a record (records live in the six record folders); skipped", err=True
            )
    return wanted


@main.command()
@click.argument(
    "kind",
    type=click.Choice(["paper", "decision", "benchmark", "prediction", "runbook", "postmortem"]),
)
@click.argument("title")
@click.option("--id", "record_id", help="Record id (file name); derived from TITLE by default.")
@click.option(
    "--status",
    type=click.Choice(["ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP"], case_sensitive=False),
    help="Decisions: the ring; the template then holds what that ring requires (default: ASSESS).",
)
@click.option(
    "--technique",
    help="Decisions: the radar entry's name (default: TITLE). A decision about a technique "
    "that already has one supersedes its current decision.",
)
@ROOT
def new(
    kind: str,
    title: str,
    record_id: str | None,
    status: str | None,
    technique: str | None,
    root: Path,
) -> None:
    """Write a filled-in template for a new KIND record called TITLE. Never overwrites.

    The template checks without errors (a runbook must still be pointed at its decision, an
    ADOPT decision at its benchmarks and runbook); W-PLACEHOLDER warnings list what to
    replace. A new decision whose title or --technique is close to an existing technique
    is refused with the command that records it under that technique.
    """
    from .kb import load_knowledge_base
    from .scaffold import ScaffoldError, new_record, similar_technique

    try:
        kb = load_knowledge_base(root.resolve())
    except KnowledgeBaseNotFound as exc:
        raise UsageError(str(exc)) from None
    existing = {e.id for e in kb.entries}
    try:
        path, supersedes = new_record(
            kb.root,
            kb.content_dir,
            kind,
            title,
            record_id,
            existing,
            date.today(),
            technique=technique,
            status=status.upper() if status else None,
            techniques=dict(kb.graph.current),
        )
    except ScaffoldError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {path}")
    if supersedes:
        click.echo(f"it supersedes {supersedes}, the current decision about this technique")
    elif technique is not None and (near := similar_technique(technique, list(kb.graph.current))):
        click.echo(
            f"note: '{near}' is an existing technique; this decision starts a separate radar "
            f"entry '{technique}' (use --technique {near!r} to file it under '{near}')",
            err=True,
        )


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the schemas (default: ROOT/schemas).",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Write nothing; exit 1 when a schema file is missing or stale.",
)
@ROOT
def schema(out_dir: Path | None, check_only: bool, root: Path) -> None:
    """Write (or check) the JSON Schema of each record kind, for editors and other tools."""
    from .schemas_out import stale_schemas, write_schemas

    target = out_dir or root / "schemas"
    if check_only:
        stale = stale_schemas(target)
        for name in stale:
            click.echo(f"{target / name}: stale or missing; run 'assay schema' to regenerate")
        sys.exit(1 if stale else 0)
    written = write_schemas(target)
    click.echo(
        f"wrote {len(written)} schema file(s) to {target}"
        if written
        else f"schemas in {target} are up to date"
    )


TEXT_OR_JSON = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)


@main.command()
@click.argument("record_id", metavar="ID", required=False)
@click.option("--predictions", is_flag=True, help="Calibration and scores of the predictions.")
@click.option("--owner", help="With --predictions: only this owner's predictions.")
@click.option("--tag", help="With --predictions: only predictions with this tag.")
@TEXT_OR_JSON
@ROOT
def stats(
    record_id: str | None,
    predictions: bool,
    owner: str | None,
    tag: str | None,
    fmt: str,
    root: Path,
) -> None:
    """A benchmark's computed statistics (ID), or the predictions' calibration (--predictions).

    For a benchmark: per metric and method the mean and 95 % interval, the difference to the
    baseline with its interval, the test the design calls for, Holm-adjusted p, effect size,
    the verdict in words (better, worse, below-min-effect, equivalent, inconclusive,
    non-inferior, inferior, too-few-runs, undetermined) with the interval it rests on, the
    runs needed for 80 % power, and run diagnostics. Exit 1 for an unknown id or invalid
    record.
    """
    from . import compute
    from .schema import Benchmark
    from .stats import benchmark_text, predictions_text

    if predictions == (record_id is not None):
        raise UsageError("give either a benchmark ID or --predictions")
    if (owner or tag) and not predictions:
        raise UsageError("--owner and --tag go with --predictions")
    kb = _load(root)
    if predictions:
        result = compute.prediction_stats(kb, owner, tag)
        if result.n == 0 and (owner or tag):
            # A filter that matches nothing is usually a misspelt owner or tag: say so and fail
            # rather than print a table of n/a that looks like a result.
            if fmt == "json":
                click.echo(
                    printable_json(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
                )
            click.echo(f"error: {_no_predictions_match(kb, owner, tag)}", err=True)
            sys.exit(1)
        if fmt == "json":
            click.echo(printable_json(json.dumps(result.to_json(), indent=2, ensure_ascii=False)))
        elif result.n == 0:
            click.echo("no predictions in the knowledge base yet; 'assay new prediction TITLE'")
        else:
            click.echo(printable_lines(predictions_text(result)), nl=False)
        return
    entry = kb.by_id.get(record_id or "")
    if entry is None or entry.kind != "benchmark":
        what = f"a {entry.kind}, not a benchmark" if entry else "no record has that id"
        names = ", ".join(e.id for e in kb.of_kind("benchmark")) or "none"
        click.echo(f"error: {record_id}: {what} (benchmarks: {names})", err=True)
        sys.exit(1)
    if not isinstance(entry.record, Benchmark):
        click.echo(f"error: {entry.path} is invalid; run 'assay check {entry.path}'", err=True)
        sys.exit(1)
    result_b = compute.benchmark_stats(entry.id, entry.record)
    if fmt == "json":
        click.echo(printable_json(json.dumps(result_b.to_json(), indent=2, ensure_ascii=False)))
    else:
        click.echo(printable_lines(benchmark_text(result_b, compute.units(entry.record))), nl=False)


def _no_predictions_match(kb: KnowledgeBase, owner: str | None, tag: str | None) -> str:
    from .schema import Prediction
    from .terminal import printable

    records = [e.record for e in kb.of_kind("prediction") if isinstance(e.record, Prediction)]
    parts = []
    if owner:
        owners = sorted({r.owner for r in records})
        parts.append(f"--owner {owner!r} (owners: {', '.join(owners) or 'none'})")
    if tag:
        tags = sorted({t for r in records for t in r.tags or ()})
        parts.append(f"--tag {tag!r} (tags: {', '.join(tags) or 'none'})")
    return printable("no predictions match " + " and ".join(parts))


@main.command()
@ROOT
@AS_OF
@TEXT_OR_JSON
def due(root: Path, as_of: Any, fmt: str) -> None:
    """Everything that needs attention: expired time-boxes, overdue actions, revisits, …"""
    kb = _load(root, as_of)
    warnings = kb.warnings
    groups: dict[str, list[Diagnostic]] = {}
    for d in warnings:
        groups.setdefault(d.code, []).append(d)
    if fmt == "json":
        payload = {
            "as_of": kb.as_of.isoformat(),
            "groups": {code: [asdict(d) for d in ds] for code, ds in sorted(groups.items())},
        }
        click.echo(printable_json(json.dumps(payload, indent=2, ensure_ascii=False)))
        return
    if not groups:
        click.echo(f"nothing is due as of {kb.as_of}")
    for code, ds in sorted(groups.items()):
        click.echo(f"{code} ({len(ds)})")
        for d in ds:
            click.echo(f"  {d.path}:{d.line}: {d.message}")


@main.command()
@ROOT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
def radar(root: Path, fmt: str) -> None:
    """The current radar: technique, area, ring, owner, next action, last move."""
    from .radar import radar_rows, radar_text

    kb = _load(root)
    rows = radar_rows(kb)
    if fmt == "json":
        click.echo(printable_json(json.dumps(rows, indent=2, ensure_ascii=False)))
        return
    click.echo(printable_lines(radar_text(rows)), nl=False)


ENGINE = click.option(
    "--engine",
    type=click.Choice(sorted(ENGINES)),
    default=DEFAULT_ENGINE,
    show_default=True,
    help="The engine that renders the compiled site (differences: docs/engines.md).",
)


@main.command()
@ROOT
@click.option("--strict", is_flag=True, help="Treat warnings as errors (nothing is built).")
@click.option(
    "--site-dir",
    type=click.Path(path_type=Path),  # a bad one is refused by sitedir, in one line
    default=None,
    help="Where to write the site (default: site_dir of mkdocs.yml, else ROOT/site).",
)
@AS_OF
@ENGINE
def build(root: Path, strict: bool, site_dir: Path | None, as_of: Any, engine: str) -> None:
    """Validate, then build the static site. Nothing is written when validation fails.

    Assay compiles the knowledge base into a closed site source (pages, charts,
    records.json), and the chosen engine renders it. Settings come from ROOT/mkdocs.yml
    when present, otherwise from a built-in configuration (Material, search). Works offline.
    """
    from . import statcache

    # Before the record models and the engine load: the worker imports scipy meanwhile
    # (publish.build, which would fork it too, takes it over and reaps it).
    statcache.prefork(root.resolve())
    from .publish import BuildFailed
    from .publish import build as build_site

    try:
        target, kb = build_site(
            root, site_dir, strict, as_of.date() if as_of else None, engine=engine
        )
    except KnowledgeBaseNotFound as exc:
        raise UsageError(str(exc)) from None
    except BuildFailed as exc:
        if exc.kb is not None:
            diags = exc.kb.blocking(strict)
            click.echo(FORMATTERS["text"](diags, len(exc.kb.entries)), nl=False, err=True)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    warnings = kb.warnings
    click.echo(
        f"built {len(kb.entries)} records into {target}"
        + (f" ({len(warnings)} warnings: see 'assay due')" if warnings else "")
    )


@main.command()
@ROOT
@click.option(
    "-a",
    "--dev-addr",
    default=None,
    metavar="IP:PORT",
    help="Address to serve on (default 127.0.0.1:8000).",
)
@click.option("--open", "open_browser", is_flag=True, help="Open the site in a browser.")
@ENGINE
def serve(root: Path, dev_addr: str | None, open_browser: bool, engine: str) -> None:
    """Serve the site locally and rebuild it when a record changes (live reload).

    After each save Assay recompiles and rewrites only the pages that changed; the
    engine's server rebuilds just those. An edit that makes the knowledge base invalid is
    reported in the terminal with file:line:col, and the record's page and the home page
    show the diagnostics until the record is fixed.
    """
    from .publish import BuildFailed
    from .publish import serve as serve_site

    try:
        serve_site(root, dev_addr, open_browser, engine=engine)
    except KnowledgeBaseNotFound as exc:
        raise UsageError(str(exc)) from None
    except BuildFailed as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@main.command()
@click.argument("directory", metavar="DIR", type=click.Path(path_type=Path))
@click.option("--site-name", help="The site's title (default: derived from DIR's name).")
@click.option(
    "--requirement",
    metavar="SPEC",
    help="The pip requirement CI and pre-commit install Assay with, e.g. "
    "'assay @ git+https://github.com/ORG/assay@v0.1.0' (default: the git URL this Assay was "
    "installed from, else a placeholder to edit).",
)
@AS_OF
def init(directory: Path, site_name: str | None, requirement: str | None, as_of: Any) -> None:
    """Scaffold a new knowledge base in DIR (created if missing; refused unless empty).

    Writes mkdocs.yml, content/ with one linked example record of each kind, schemas/, CI
    workflows (check pull requests, publish to GitHub Pages), a pre-commit configuration and
    a pull-request template. The examples are dated from today, so DIR checks clean at once.
    """
    from .init import PLACEHOLDER_REQUIREMENT, default_requirement, init_knowledge_base
    from .scaffold import ScaffoldError

    today = as_of.date() if as_of else date.today()
    try:
        written = init_knowledge_base(
            directory, today, site_name=site_name, requirement=requirement
        )
    except ScaffoldError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    cd = "" if directory.resolve() == Path.cwd() else f"cd {directory} && "
    click.echo(f"wrote {len(written)} files to {directory}; next: {cd}assay serve")
    if requirement is None and default_requirement() == PLACEHOLDER_REQUIREMENT:
        click.echo(
            "then name the Assay release CI and pre-commit install: replace the EDIT-THIS-LINE "
            "line of requirements.txt and .pre-commit-config.yaml (or run init with --requirement)"
        )


@main.command()
@click.option(
    "--base",
    default="main",
    show_default=True,
    metavar="REF",
    help="The git ref to compare with: the pull request's target (e.g. origin/main in CI).",
)
@ROOT
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
    help="markdown for a GitHub job summary ($GITHUB_STEP_SUMMARY), json for scripts.",
)
@AS_OF
def summary(base: str, root: Path, fmt: str, as_of: Any) -> None:
    """What the working tree changes against a git ref, for a pull request's reviewers.

    Records added, changed and removed; radar moves (ring and stage before and after); the
    verdicts of new or changed benchmarks; predictions resolved and how they move their
    owner's Brier score; errors and warnings the change introduces. Exit 0 when the summary
    is written (whatever the records hold: `assay check` fails the build), 1 when the base
    cannot be read (not a git repository, unknown ref, shallow clone).
    """
    from .gitbase import GitError, base_knowledge_base
    from .summary import summarize, to_markdown

    head = _load(root, as_of)
    try:
        with base_knowledge_base(head.root, head.content_dir, base, head.as_of) as (
            old,
            info,
            changed,
        ):
            result = summarize(old, head, changed, info.ref, info.commit)
    except GitError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(to_markdown(result), nl=False)


#: `assay import` formats, listed here so --help needs no import (a test keeps them equal
#: to generator.importers.FORMATS).
IMPORT_FORMATS = ["pytest-benchmark", "hyperfine", "google-benchmark", "asv", "lm-eval", "csv"]


@main.command("import")
@click.argument("fmt", metavar="FORMAT", type=click.Choice(IMPORT_FORMATS))
@click.argument(
    "files",
    metavar="FILE…",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--into",
    "record_id",
    required=True,
    metavar="ID",
    help="The benchmark record to create or add to (content/benchmarks/ID.md).",
)
@click.option(
    "--method",
    "methods",
    multiple=True,
    metavar="NAME",
    help="Method name for the runs (default: the tool's benchmark, command or model name). Once for all files, or once per FILE in order; each file must then hold one benchmark.",
)
@click.option(
    "--metric",
    metavar="NAME",
    help="Import only this measure (e.g. cpu_time, acc); a file with a single measure has it recorded under NAME.",
)
@click.option(
    "--select",
    metavar="NAME",
    help="Import only the benchmark (command, model) called NAME from each file.",
)
@click.option(
    "--baseline",
    metavar="NAME",
    help="The baseline method of a new record (default: the first one imported).",
)
@click.option(
    "--owner",
    metavar="NAME",
    help="Owner of a new record (default: git config user.name, else the system user).",
)
@click.option("--title", metavar="TEXT", help="Title of a new record (default: derived from ID).")
@click.option(
    "--replace",
    is_flag=True,
    help="Replace runs the record already has for an imported method and metric.",
)
@ROOT
def import_(
    fmt: str,
    files: tuple[Path, ...],
    record_id: str,
    methods: tuple[str, ...],
    metric: str | None,
    select: str | None,
    baseline: str | None,
    owner: str | None,
    title: str | None,
    replace: bool,
    root: Path,
) -> None:
    """Add raw runs from a benchmarking tool's output FILEs to a benchmark record.

    FORMAT is pytest-benchmark, hyperfine, google-benchmark, asv, lm-eval or csv. The
    record is created (valid as written) or edited in place: only runs are added, and
    existing runs change only with --replace. Files holding only summaries are refused
    with the flag to re-run the tool with. Nothing is written on any error (exit 1).
    """
    from .importers import ImportFailed, run_import

    try:
        outcome = run_import(
            fmt,
            files,
            root,
            record_id,
            methods=methods,
            metric=metric,
            select=select,
            baseline=baseline,
            owner=owner,
            replace=replace,
            title=title,
        )
    except KnowledgeBaseNotFound as exc:
        raise UsageError(str(exc)) from None
    except ImportFailed as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{'created' if outcome.created else 'updated'} {outcome.path}")
    for line in outcome.added:
        click.echo(f"  added {line}")
    for note in outcome.notes:
        click.echo(f"note: {note}", err=True)
    if outcome.warnings:
        click.echo(FORMATTERS["text"](outcome.warnings, 1), nl=False, err=True)
    click.echo(f"next: assay stats {record_id}")


def run() -> None:
    """The `assay` command: `main`, then leave without tearing the interpreter down.

    Freeing a build's objects one by one at exit takes about 0.1 s (a tenth of a bare
    build at 250 records) and does nothing a finished command needs: every file is
    closed, every forked helper reaped (generator/forking.py), and stdout and stderr are
    flushed here. Click ends `main` with SystemExit; anything else (a bug) propagates
    with its traceback as usual. Tests call `main` through click's runner, not this."""
    try:
        main()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # sys.exit("message"): printed, exit 1, as the interpreter does
            print(exc.code, file=sys.stderr)
            code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`assay check | head`)
            if stream is sys.stdout and code == 0:
                code = 1
    os._exit(code)


if __name__ == "__main__":  # `python -m generator.cli`
    run()
