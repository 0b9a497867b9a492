"""The knowledge base as it was at a git ref, for `assay summary` (read with git, never a shell).

A pull request's record paths are hostile, and so is `--base` when a workflow passes it from
an event. So: git runs from an argument list (no shell); the ref is checked for shape and
resolved with `rev-parse --verify --end-of-options`; paths always follow `--` and are read as
literal pathspecs; blobs are read by object id with one `cat-file --batch` per batch. The base
tree is written into a private temporary folder (regular files only: symlinks and submodules
in record folders are left out, path parts `.`/`..` are refused, a blob over the record size
limit is written as a sparse file of its size so that the loader refuses it unread) and loaded
by the same loader as the working tree, so both sides get the same diagnostics.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath

from .kb import load_knowledge_base
from .model import KnowledgeBase
from .parse import MAX_BYTES
from .schema import FOLDER_KIND

#: Longest ref accepted; git's own limit is larger, but no branch or tag name needs more.
MAX_REF = 255
#: What a ref may not hold: whitespace and control characters, or a leading '-' (an option).
_REF_BAD = re.compile(r"[\x00-\x20\x7f]|^-")
#: Object ids per `git cat-file --batch` call (bounds the memory held for one reply).
BATCH = 256
GIT_TIMEOUT = 300


class GitError(Exception):
    """Raised when the base cannot be read: git missing, not a repository, unknown ref,
    shallow clone without the base commit. The message says what to do."""


@dataclass(frozen=True)
class BaseInfo:
    ref: str
    commit: str


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
        "GIT_OPTIONAL_LOCKS": "0",  # a read-only look must not take the index lock
        "LC_ALL": "C",
    }
    cmd = ["git", "-C", str(repo), "--literal-pathspecs", "-c", "core.quotepath=off", *args]
    try:
        return subprocess.run(
            cmd, input=stdin, capture_output=True, env=env, timeout=GIT_TIMEOUT, check=False
        )
    except FileNotFoundError:
        raise GitError(
            "git is not installed (or not on PATH): assay summary reads the base with git"
        ) from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT} s; giving up") from None


def _text(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stdout.decode("utf-8", "replace").strip()


def check_ref(ref: str) -> str:
    """`ref` unless it is empty, too long, holds whitespace or control characters, or could be
    read as an option (`-x`): then GitError. Anything else is passed to `rev-parse --verify`
    after `--end-of-options`, which accepts names and revisions (`main`, `HEAD~1`) only."""
    if not ref or len(ref) > MAX_REF or _REF_BAD.search(ref):
        shown = ref if len(ref) <= 80 else ref[:80] + "…"
        raise GitError(
            f"--base {shown!r} is not a branch, tag or commit name: give one such as "
            "main, origin/main, v1.2, HEAD~1 or a commit id"
        )
    return ref


def resolve(root: Path, ref: str) -> tuple[Path, BaseInfo]:
    """The repository's top folder and the commit `ref` names. Raises GitError."""
    check_ref(ref)
    top = _git(root, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        said = top.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(
            f"{root} is not inside a git repository: assay summary compares the working tree "
            "with a git ref (run it in a clone of the knowledge base)"
            + (f" [git: {said[0][:300]}]" if said and "not a git repository" not in said[0] else "")
        )
    found = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if found.returncode != 0:
        shallow = _text(_git(root, "rev-parse", "--is-shallow-repository")) == "true"
        if shallow:
            raise GitError(
                f"unknown ref {ref!r} in this shallow clone: the base is not fetched. In GitHub "
                "Actions give actions/checkout 'fetch-depth: 0' (or run 'git fetch --unshallow "
                "origin'), then pass --base origin/<base branch>"
            )
        raise GitError(
            f"unknown ref {ref!r}: no branch, tag or commit of that name in this repository "
            "(for a remote branch fetch it and pass e.g. origin/main; 'git branch -a' lists them)"
        )
    return Path(_text(top)), BaseInfo(ref, _text(found))


def _rel_to(path: Path, top: Path) -> PurePosixPath:
    try:
        return PurePosixPath(path.resolve().relative_to(top.resolve()).as_posix())
    except ValueError:
        raise GitError(
            f"{path} is outside the git repository at {top}: nothing to compare"
        ) from None


def _safe_parts(rel: str) -> bool:
    return all(part not in {"", ".", ".."} for part in rel.split("/"))


def changed_paths(top: Path, commit: str, content_rel: PurePosixPath) -> set[str]:
    """Paths (relative to `top`) under the content folder that differ between `commit` and
    the working tree, untracked files included."""
    spec = content_rel.as_posix()
    diff = _git(
        top, "diff", "--no-renames", "--no-ext-diff", "--name-only", "-z", commit, "--", spec
    )
    if diff.returncode != 0:
        raise GitError(f"git diff against {commit[:12]} failed: {_text(diff)[-300:]}")
    extra = _git(top, "ls-files", "-z", "--others", "--exclude-standard", "--", spec)
    names = diff.stdout.split(b"\0") + (extra.stdout.split(b"\0") if extra.returncode == 0 else [])
    return {os.fsdecode(n) for n in names if n}


def _write(path: Path, body: bytes | None, size: int) -> None:
    """One base file; a name the file system refuses (too long, …) is left out, as the
    same name could not have been checked out either."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as fh:
            if body is None:
                fh.truncate(size)  # sparse: the loader refuses it by its size, unread
            else:
                fh.write(body)
    except OSError as exc:
        if exc.errno not in {errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL}:
            raise GitError(
                f"cannot copy the base's {path.name!r} to a temporary folder: {exc}"
            ) from exc


def _write_blobs(top: Path, dest: Path, blobs: list[tuple[str, int, str]]) -> None:
    """Write (object id, size, relative path) blobs under `dest`; big ones as sparse files."""
    small = [(oid, rel) for oid, size, rel in blobs if size <= MAX_BYTES]
    for _oid, size, rel in blobs:
        if size > MAX_BYTES:
            _write(dest / rel, None, size)
    for start in range(0, len(small), BATCH):
        chunk = small[start : start + BATCH]
        out = _git(
            top, "cat-file", "--batch", stdin="".join(f"{oid}\n" for oid, _ in chunk).encode()
        )
        if out.returncode != 0:
            raise GitError(f"git cat-file failed: {out.stderr.decode('utf-8', 'replace')[-300:]}")
        data, pos = out.stdout, 0
        for oid, rel in chunk:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            if len(header) != 3 or header[0].decode() != oid:
                raise GitError(f"unexpected reply from git cat-file for {oid}")
            size = int(header[2])
            body = data[end + 1 : end + 1 + size]
            pos = end + 1 + size + 1
            _write(dest / rel, body, size)


@contextmanager
def base_knowledge_base(
    root: Path, content: Path, ref: str, as_of: date
) -> Iterator[tuple[KnowledgeBase, BaseInfo, set[str]]]:
    """The knowledge base at `ref` (loaded from a temporary copy of its record folders), the
    resolved base, and the paths (relative to `root`) the working tree changes against it."""
    top, info = resolve(root, ref)
    root_rel = _rel_to(root, top)
    content_rel = _rel_to(content, top)
    listing = _git(
        top, "ls-tree", "-r", "-l", "-z", "--full-tree", info.commit, "--", content_rel.as_posix()
    )
    if listing.returncode != 0:
        raise GitError(f"git ls-tree {info.commit[:12]} failed: {_text(listing)[-300:]}")
    prefix = "" if content_rel.as_posix() == "." else f"{content_rel.as_posix()}/"
    folders = tuple(f"{prefix}{folder}/" for folder in FOLDER_KIND)
    blobs: list[tuple[str, int, str]] = []
    for item in listing.stdout.split(b"\0"):
        if not item:
            continue
        meta, _, raw_path = item.partition(b"\t")
        rel = os.fsdecode(raw_path)
        fields = meta.split()
        if len(fields) != 4 or not _safe_parts(rel):
            continue
        mode, kind, oid, size = (f.decode() for f in fields)
        # Regular files only: a symlink or submodule in a record folder is refused on the
        # working tree's side; on the base it is simply not there.
        if kind != "blob" or mode not in {"100644", "100755"} or not size.isdigit():
            continue
        if rel.startswith(folders):
            blobs.append((oid, int(size), rel))
    changed = {
        p.relative_to(root_rel).as_posix()
        for p in map(PurePosixPath, changed_paths(top, info.commit, content_rel))
        if root_rel.as_posix() == "." or p.is_relative_to(root_rel)
    }
    with tempfile.TemporaryDirectory(prefix="assay-base-") as tmp:
        dest = Path(tmp) / "tree"
        _write_blobs(top, dest, blobs)
        base_content = dest / content_rel
        base_content.mkdir(parents=True, exist_ok=True)
        kb = load_knowledge_base(dest / root_rel, as_of, content=base_content)
        yield kb, info, changed
