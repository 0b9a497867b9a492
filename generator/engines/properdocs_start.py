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
import runpy
import sys

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
    preload()
    args = read_arguments()
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
