"""Writing new records for users (`assay new`); `generator/init.py` scaffolds whole knowledge bases.

Nothing here overwrites a file: records are created with O_EXCL.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from string import Template

from .link import RESERVED_IDS
from .schema import ID_PATTERN, KINDS

_ID = re.compile(ID_PATTERN)

#: Latin letters that Unicode does not decompose into a base letter and a mark.
_LATIN = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"})


class ScaffoldError(Exception):
    """Raised when a file cannot be written: it exists, or the id or kind is invalid."""


def derive_id(title: str) -> str:
    """A valid record id from a title: 'LoRA: Low-Rank Adaptation' → 'lora-low-rank-adaptation'."""
    # 'Über-schnelle Attention für LLMs' → 'uber-schnelle-attention-fur-llms', not 'ber-…-f-r-…'.
    folded = unicodedata.normalize("NFKD", title.lower().translate(_LATIN))
    ascii_title = "".join(c for c in folded if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    if len(slug) > 81:
        slug = slug[:81].rsplit("-", 1)[0] if "-" in slug[:81] else slug[:81]
    slug = slug.strip("-")
    if slug in RESERVED_IDS:
        slug += "-note"
    if not _ID.match(slug):
        raise ScaffoldError(
            f"cannot derive an id from the title {title!r}: give one with --id "
            "(lowercase letters, digits and hyphens, 2–81 characters)"
        )
    return slug


def _yaml_string(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: safe for any title.
    return json.dumps(text, ensure_ascii=False)


def render_template(kind: str, title: str, schema_ref: str, today: date) -> str:
    source = resources.files("generator.templates").joinpath("new", f"{kind}.md").read_text("utf-8")
    return Template(source).substitute(
        title=_yaml_string(title),
        schema_path=schema_ref,
        today=today.isoformat(),
        year=today.year,
        in_two_weeks=(today + timedelta(days=14)).isoformat(),
        in_three_months=(today + timedelta(days=90)).isoformat(),
    )


def new_record(
    root: Path,
    content: Path,
    kind: str,
    title: str,
    record_id: str | None,
    existing: set[str],
    today: date,
) -> Path:
    """Write a template for a new record and return its path. Raises ScaffoldError."""
    if kind not in KINDS:
        raise ScaffoldError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if not 3 <= len(title) <= 200:
        raise ScaffoldError(f"the title must have 3–200 characters (has {len(title)})")
    rid = record_id if record_id is not None else derive_id(title)
    if not _ID.match(rid) or rid in RESERVED_IDS:
        raise ScaffoldError(
            f"invalid id {rid!r}: use lowercase letters, digits and hyphens, 2–81 characters"
            + (" (that id is reserved for a generated page)" if rid in RESERVED_IDS else "")
        )
    if rid in existing:
        raise ScaffoldError(
            f"a record with the id '{rid}' already exists: choose another with --id"
        )
    folder = content / KINDS[kind][0]
    target = folder / f"{rid}.md"
    schema_ref = Path(os.path.relpath(root / "schemas" / f"{kind}.schema.json", folder)).as_posix()
    text = render_template(kind, title, schema_ref, today)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{target} already exists: assay never overwrites a record") from None
    return target
