"""E-RECORD-LOOKALIKE: maintainer files that a reviewer would take for records (issue 9).

Only the six exact folder names under the content folder hold records; every other page is
a maintainer page, trusted (raw HTML kept, macros on request). A pull request adding
`content/Papers/lora-v2.md` — a paper note in every respect, plus a script — would be
published as a trusted page while looking like a record in the diff (FINDINGS.md A8).
So `assay check` refuses, as errors:

* a folder (at any depth) whose name is not a record folder's but reads as one once
  NFKC-normalized, case-folded and stripped of everything but letters and digits
  (`Papers`, `PAPERS`, `papers `, `pa-pers`, `ｐａｐｅｒｓ`), or the singular (`paper`);
* a maintainer page whose front matter has the keys of a record: `title` and every key a
  kind requires (a record written outside its folder, e.g. `papers.d/x.md`).

The front matter is read as text (top-level `key:` lines), never parsed as YAML: the page is
not trusted yet.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from .diagnostics import Diagnostic, error
from .load import MaintainerFile, display_path
from .schema import KINDS

CODE = "E-RECORD-LOOKALIKE"
#: How much of a page is read for its front matter keys.
_HEAD = 64 * 1024
_FRONT = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*\r?$", re.S | re.M)
_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:", re.M)


def _squash(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if ch.isalnum())


@functools.cache
def _lookalikes() -> dict[str, str]:
    """Squashed name → the record folder it imitates."""
    out: dict[str, str] = {}
    for kind, (folder, _) in KINDS.items():
        out[folder] = folder
        out[_squash(kind)] = folder
    return out


@functools.cache
def _required() -> dict[str, frozenset[str]]:
    out = {}
    for kind, (_, model) in KINDS.items():
        keys = {f.alias or name for name, f in model.model_fields.items() if f.is_required()}
        out[kind] = frozenset(keys | {"title"})
    return out


def _record_kind(data: bytes) -> str | None:
    m = _FRONT.match(data[:_HEAD].decode("utf-8", errors="replace"))
    if not m:
        return None
    keys = set(_KEY.findall(m.group(1)))
    return next((kind for kind, need in _required().items() if need <= keys), None)


def lookalike_diagnostics(content_name: str, files: Sequence[MaintainerFile]) -> list[Diagnostic]:
    """Errors for maintainer files a reviewer could take for records."""
    diags: list[Diagnostic] = []
    seen: set[str] = set()
    for f in files:
        parts = f.rel_path.split("/")
        for depth, part in enumerate(parts[:-1]):
            folder = "/".join(parts[: depth + 1])
            imitated = _lookalikes().get(_squash(part))
            if imitated is None or (part == imitated and depth == 0) or folder in seen:
                continue
            seen.add(folder)
            where = display_path(f"{content_name}/{folder}")
            diags.append(
                error(
                    where,
                    1,
                    1,
                    CODE,
                    "",
                    f"this folder looks like the record folder '{imitated}/' but is not one: "
                    "its pages are trusted maintainer pages (raw HTML kept) that no record "
                    f"rule checks. Move records into {content_name}/{imitated}/, or rename the "
                    "folder so it does not read as a record folder",
                )
            )
        if f.is_page and (kind := _record_kind(f.data)) is not None:
            where = display_path(f"{content_name}/{f.rel_path}")
            folder = KINDS[kind][0]
            diags.append(
                error(
                    where,
                    1,
                    1,
                    CODE,
                    "",
                    f"this maintainer page has the front matter of a {kind} record but is not "
                    f"in {content_name}/{folder}/: it would be published as a trusted page "
                    f"(raw HTML kept) without the record checks. Move it to "
                    f"{content_name}/{folder}/, or remove the record keys",
                )
            )
    return diags
