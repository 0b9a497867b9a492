"""Writing new records for users (`assay new`); `generator/init.py` scaffolds whole knowledge bases.

Nothing here overwrites a file: records are created with O_EXCL.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
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


#: `assay new decision --status S` picks the template that checks without errors for S.
STATUS_TEMPLATES = {
    "ASSESS": "decision.md",
    "TRIAL": "decision-trial.md",
    "ADOPT": "decision-adopt.md",
    "HOLD": "decision-hold.md",
    "SKIP": "decision-skip.md",
}


def render_template(
    kind: str,
    title: str,
    schema_ref: str,
    today: date,
    *,
    technique: str | None = None,
    status: str | None = None,
    supersedes: str | None = None,
) -> str:
    name = STATUS_TEMPLATES[status or "ASSESS"] if kind == "decision" else f"{kind}.md"
    source = resources.files("generator.templates").joinpath("new", name).read_text("utf-8")
    if not supersedes:
        source = source.replace("$supersedes_line\n", "")
    return Template(source).substitute(
        title=_yaml_string(title),
        technique=_yaml_string(technique if technique is not None else title),
        supersedes_line=f"supersedes: [{supersedes}]" if supersedes else "",
        schema_path=schema_ref,
        today=today.isoformat(),
        year=today.year,
        in_two_weeks=(today + timedelta(days=14)).isoformat(),
        in_six_weeks=(today + timedelta(days=42)).isoformat(),
        in_three_months=(today + timedelta(days=90)).isoformat(),
    )


_RING_WORDS = re.compile(
    r"\b(adopt|adopting|trial|trialling|trialing|assess|assessing|hold|skip|"
    r"skipping)\b",
    re.IGNORECASE,
)


def _norm(technique: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", technique.lower()).split())


def similar_technique(technique: str, existing: list[str]) -> str | None:
    """An existing technique that `technique` probably means, although it is spelt differently:
    the same words in another case or punctuation, the title of a decision that names a ring
    ("Trial speculative decoding"), or a close spelling. None when it matches one exactly."""
    if technique in existing:
        return None
    wanted = _norm(technique)
    stripped = _norm(_RING_WORDS.sub(" ", technique))
    by_norm = {_norm(t): t for t in existing}
    for candidate in (wanted, stripped):
        if candidate in by_norm:
            return by_norm[candidate]
    for norm, original in by_norm.items():
        if norm and f" {norm} " in f" {wanted} ":  # its words, in order, within the title
            return original
    close = difflib.get_close_matches(stripped or wanted, list(by_norm), n=1, cutoff=0.85)
    return by_norm[close[0]] if close else None


def new_record(
    root: Path,
    content: Path,
    kind: str,
    title: str,
    record_id: str | None,
    existing: set[str],
    today: date,
    *,
    technique: str | None = None,
    status: str | None = None,
    techniques: dict[str, str] | None = None,
) -> tuple[Path, str | None]:
    """Write a template for a new record; return its path and the id of the decision it
    supersedes (a new decision about a technique that already has one). `techniques` maps
    each existing technique to its current decision. Raises ScaffoldError."""
    if kind not in KINDS:
        raise ScaffoldError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if kind != "decision" and (technique is not None or status is not None):
        raise ScaffoldError("--technique and --status apply to decisions only")
    if status is not None and status not in STATUS_TEMPLATES:
        raise ScaffoldError(f"unknown status {status!r}: use one of {', '.join(STATUS_TEMPLATES)}")
    supersedes = None
    if kind == "decision":
        techniques = techniques or {}
        name = technique if technique is not None else title
        near = similar_technique(name, list(techniques))
        if near is not None and technique is None:
            raise ScaffoldError(
                f"the technique '{near}' already has a decision ({techniques[near]}): to record "
                f"a new decision about it, run\n  assay new decision {_shell(title)} "
                f"--technique {_shell(near)}\nor, for a separate radar entry, pass "
                f"--technique {_shell(name)}"
            )
        supersedes = techniques.get(name)
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
    text = render_template(
        kind, title, schema_ref, today, technique=technique, status=status, supersedes=supersedes
    )
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{target} already exists: assay never overwrites a record") from None
    return target, supersedes


def _shell(text: str) -> str:
    """`text` as one shell word, double-quoted when that is safe (it reads best)."""
    if re.fullmatch(r"[\w.-]+", text):
        return text
    return shlex.quote(text) if re.search(r"[\\$`\"!]", text) else f'"{text}"'
