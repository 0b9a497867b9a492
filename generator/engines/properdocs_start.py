"""A ProperDocs process started before its arguments are known (`assay build --engine properdocs`).

    python -P -m generator.engines.properdocs_start PARENT_PID

`ProperDocsEngine.start` runs this when the build begins. It imports what a build of Assay's
site source needs (ProperDocs' build command and configuration, Material, the Markdown
extensions of Assay's default configuration, the `assay-engine` plugin) while Assay loads,
validates and compiles the records, then waits for one JSON line on its standard input: the
arguments of `properdocs`, ``["build", "-q", "-f", CONFIG, "-d", SITE_DIR]``, known only once
the compile has written the site source. It then runs ProperDocs' command line exactly as
`python -m properdocs ARGS` does (same module run as `__main__`, same exit status, same
output), so the caller handles its failures as before.

It never outlives the build: end of input before a line (the build failed or stopped before
its engine ran) ends it with status 0, and on Linux it dies with PARENT_PID (parent-death
signal, as the forked helpers of generator/forking.py do).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import runpy
import sys
from pathlib import Path

#: What a build of the site source Assay compiles imports before it reads a page (found
#: with `python -X importtime -m properdocs build`); a missing one is imported by the build
#: itself if its configuration asks for it.
PRELOAD = (
    "properdocs.replacement",  # first: `mkdocs.*` means `properdocs.*` from here on
    "click",
    "properdocs.config",
    "properdocs.utils",
    "properdocs.commands.build",
    "properdocs.config.defaults",
    "properdocs.contrib.search",
    "properdocs.structure.files",
    "properdocs.structure.nav",
    "properdocs.structure.pages",
    "properdocs.theme",
    "material.plugins.search.plugin",
    "generator.mkdocs_plugin",
    "jinja2",
    "markdown",
    "markdown.extensions.admonition",
    "markdown.extensions.attr_list",
    "markdown.extensions.codehilite",
    "markdown.extensions.def_list",
    "markdown.extensions.footnotes",
    "markdown.extensions.tables",
    "markdown.extensions.toc",
    "pygments.formatters.html",
)


#: The nice value of the imports: they run on what CPU the compile and the statistics worker
#: leave idle (both CPUs of a 2-CPU machine are busy while Assay compiles).
IMPORT_NICE = 19
_CAP_SYS_NICE = 23


def lower_priority() -> int | None:
    """Run the imports at IMPORT_NICE when the priority can be raised back before the build
    (this process may lower its nice value: CAP_SYS_NICE, or RLIMIT_NICE allows it); the
    value to go back to, or None (nothing changed: a build must never run at a lower
    priority than the `assay build` that started it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        before = os.getpriority(os.PRIO_PROCESS, 0)
        if not _may_raise_priority(before):
            return None
        os.setpriority(os.PRIO_PROCESS, 0, max(before, IMPORT_NICE))
    except OSError:
        return None
    return before


def _may_raise_priority(nice: int) -> bool:
    """Whether this process may set its nice value back to `nice` (sched(7), setrlimit(2))."""
    import resource

    try:
        status = Path("/proc/self/status").read_text(encoding="ascii", errors="replace")
    except OSError:
        status = ""
    return may_lower_nice(nice, status, resource.getrlimit(resource.RLIMIT_NICE)[0])


def may_lower_nice(nice: int, proc_status: str, rlimit_nice: int) -> bool:
    """Whether a process with this /proc/PID/status text and soft RLIMIT_NICE may lower its
    nice value to `nice`: CAP_SYS_NICE in its effective capabilities, or the limit allows it
    (the kernel's can_nice: 20 - nice <= limit)."""
    import resource

    for line in proc_status.splitlines():
        if line.startswith("CapEff:"):
            with contextlib.suppress(IndexError, ValueError):
                if int(line.split()[1], 16) >> _CAP_SYS_NICE & 1:
                    return True
    return rlimit_nice == resource.RLIM_INFINITY or 20 - nice <= rlimit_nice


def preload() -> None:
    """Import PRELOAD; a module that fails to import is left to the build, which reports it."""
    for name in PRELOAD:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def read_arguments() -> list[str] | None:
    """The JSON list of strings on standard input; None at end of input or on anything else."""
    line = sys.stdin.readline()
    if not line:
        return None
    try:
        args = json.loads(line)
    except ValueError:
        return None
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return None
    return args


def main(argv: list[str]) -> int:
    from ..forking import die_with

    if len(argv) != 1 or not argv[0].isdigit() or not die_with(int(argv[0])):
        return 1
    restore = lower_priority()
    preload()
    args = read_arguments()
    if restore is not None:  # the build runs at the build's own priority
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, restore)
    if args is None:  # the build ended before its engine ran
        return 0
    import properdocs

    # As `python -m properdocs ARGS`: the package's __main__ run as `__main__`, argv[0] its
    # path; it leaves through SystemExit with ProperDocs' status.
    sys.argv = [properdocs.__file__ or "properdocs", *args]
    runpy.run_module("properdocs", run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":  # pragma: no cover - run by ProperDocsEngine.start
    sys.exit(main(sys.argv[1:]))
