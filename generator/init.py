"""`assay init DIR`: scaffold a new knowledge base (SPEC §5).

The files come from `generator/templates/init/` (package data). A template whose name ends
in `.tmpl` is rendered with `string.Template` and loses the suffix; every other file is copied
as it is (the workflows contain `${{ … }}`). A path part written `dot-x` becomes `.x`, so that
the templates never act as configuration of the Assay repository itself (`dot-github`,
`dot-gitignore`). The example records' dates are computed from `today`, so the new knowledge
base checks with 0 errors and 0 warnings on the day it is created.

Nothing is ever overwritten, and a failure leaves no half-written knowledge base: a missing
DIR is assembled in a hidden folder beside it and renamed into place; an existing empty DIR
receives the finished files from a hidden staging folder inside it, and whatever was moved is
removed again if a later step fails.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from . import __version__
from .scaffold import ScaffoldError
from .schemas_out import schema_documents

#: Written to requirements.txt and .pre-commit-config.yaml when Assay's origin is unknown.
#: Assay is not on PyPI (the name `assay` there belongs to another project), so a team pins a
#: git URL and tag. The placeholder is deliberately not a requirement: pip refuses it at once,
#: quoting the line (no network access, no password prompt for a repository that does not
#: exist), and the workflows stop earlier with an annotation that says what to write.
PLACEHOLDER_REQUIREMENT = (
    "EDIT-THIS-LINE to name the Assay release CI installs (see README.md), "
    f"e.g. assay @ git+https://github.com/YOUR-ORG/assay@v{__version__}"
)


class InitError(ScaffoldError):
    """Raised by `init_knowledge_base` when DIR is not a new or empty folder, or when the
    files cannot be written (the message says which); nothing is left behind."""


def site_name_for(directory: Path) -> str:
    """A site title from a folder name: 'ml-research_kb' → 'Ml research kb'."""
    words = " ".join(w for w in re.split(r"[-_.\s]+", directory.name) if w)
    return (words[:1].upper() + words[1:]) if words else "Research knowledge base"


def default_requirement() -> str:
    """The pip requirement CI should install: the git URL and revision Assay was installed
    from when pip recorded one (PEP 610), else a placeholder the README asks to edit."""
    try:
        raw = metadata.distribution("assay").read_text("direct_url.json")
        direct = json.loads(raw) if raw else None
    except (metadata.PackageNotFoundError, ValueError):
        direct = None
    if isinstance(direct, dict) and isinstance(direct.get("vcs_info"), dict):
        vcs = direct["vcs_info"]
        url = str(direct.get("url", ""))
        rev = vcs.get("requested_revision") or vcs.get("commit_id")
        if vcs.get("vcs") == "git" and url.startswith(("https://", "ssh://")) and rev:
            return f"assay @ git+{url}@{rev}"
    return PLACEHOLDER_REQUIREMENT


def check_requirement(requirement: str) -> str:
    """`requirement` stripped, or InitError when it cannot be one line of requirements.txt."""
    text = requirement.strip()
    if not text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text) or text.startswith("#"):
        raise InitError(
            f"--requirement {requirement!r} is not a pip requirement: give one line such as "
            "'assay @ git+https://github.com/ORG/assay@v0.1.0'"
        )
    return text


def _variables(site_name: str, today: date, requirement: str) -> dict[str, str]:
    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    return {
        "site_name": site_name,
        "site_name_yaml": json.dumps(site_name, ensure_ascii=False),
        "requirement": requirement,
        "requirement_yaml": json.dumps(requirement),
        "today": today.isoformat(),
        # The example records tell one story, all dated relative to today:
        "read_on": day(-21),  # the paper note
        "decided_on": day(-14),  # the TRIAL decision, its discovery gate and prediction
        "run_on": day(-10),  # the benchmark
        "incident_day": day(-6),  # the post-mortem
        "day_after_incident": day(-5),
        "in_two_weeks": day(14),  # next actions
        "timebox_end": day(28),  # the trial's time-box and the prediction's resolve_on
    }


def _walk(node: Traversable, parts: tuple[str, ...] = ()) -> Iterator[tuple[str, Traversable]]:
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name.startswith((".", "__")):
            continue  # editor and bytecode leftovers, never templates
        name = "." + child.name[4:] if child.name.startswith("dot-") else child.name
        if child.is_dir():
            yield from _walk(child, (*parts, name))
        else:
            yield "/".join((*parts, name)), child


def render_files(site_name: str, today: date, requirement: str) -> dict[str, str]:
    """Every file of a new knowledge base: relative POSIX path → text. Reads only package data."""
    variables = _variables(site_name, today, requirement)
    files: dict[str, str] = {}
    for rel, source in _walk(resources.files("generator.templates").joinpath("init")):
        text = source.read_text(encoding="utf-8")
        if rel.endswith(".tmpl"):
            rel, text = rel.removesuffix(".tmpl"), Template(text).substitute(variables)
        files[rel] = text
    for name, text in schema_documents().items():
        files[f"schemas/{name}"] = text
    return files


def init_knowledge_base(
    directory: Path,
    today: date,
    *,
    site_name: str | None = None,
    requirement: str | None = None,
) -> list[Path]:
    """Scaffold a knowledge base in `directory` (created if missing; it must be empty) and
    return the paths written. Raises InitError; never overwrites anything."""
    target = directory.absolute()
    if target.exists() or target.is_symlink():
        if not target.is_dir():
            raise InitError(f"{directory} exists and is not a folder")
        try:
            entries = sorted(p.name for p in target.iterdir())
        except OSError as exc:
            raise InitError(f"cannot read {directory}: {exc.strerror or exc}") from exc
        if entries:
            shown = ", ".join(entries[:5]) + (", …" if len(entries) > 5 else "")
            raise InitError(
                f"{directory} is not empty ({shown}): assay init writes only into a new or "
                "empty folder and never overwrites; choose another DIR"
            )
    if requirement is not None:
        requirement = check_requirement(requirement)
    files = render_files(
        site_name or site_name_for(target.resolve()), today, requirement or default_requirement()
    )
    try:
        if target.is_dir():
            _fill_empty(target, files)
        else:
            _create(target, files)
    except OSError as exc:
        raise InitError(f"cannot write the knowledge base to {directory}: {exc}") from exc
    return [target / rel for rel in files]


def _write_tree(base: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)


def _create(target: Path, files: dict[str, str]) -> None:
    """Assemble the knowledge base beside `target`, then rename it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.assay-init-{secrets.token_hex(4)}"
    staging.mkdir()  # the umask applies, as for any new folder
    try:
        _write_tree(staging, files)
        if target.exists():  # created meanwhile: rename would replace an empty folder
            raise FileExistsError(f"{target} appeared while the knowledge base was written")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _fill_empty(target: Path, files: dict[str, str]) -> None:
    """Assemble the knowledge base in a hidden folder inside the empty `target` (which may be
    the working directory, so it is not replaced), then move the top-level entries up."""
    staging = target / f".assay-init-{secrets.token_hex(4)}"
    staging.mkdir()
    moved: list[Path] = []
    try:
        _write_tree(staging, files)
        for child in sorted(staging.iterdir()):
            dest = target / child.name
            if dest.exists() or dest.is_symlink():
                raise FileExistsError(f"{dest} appeared while the knowledge base was written")
            child.rename(dest)
            moved.append(dest)
        staging.rmdir()
    except BaseException:
        for path in moved:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise
