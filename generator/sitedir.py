"""The published site folder: refuse a dangerous target, build into staging, swap in atomically.

`publishing()` is the only way a build writes a site. Under an exclusive lock beside the
target it cleans what killed builds left behind, refuses a target holding files Assay did not
write, and yields an empty staging folder next to the target. When the body finishes, it
writes the manifest of what was built (`.assay-site.json`) and exchanges staging and target
in one `renameat2(RENAME_EXCHANGE)` system call: at every instant the target is either the
complete old site or the complete new one, whatever kills the process. Where the exchange is
not available (not Linux, or a file system without it), two renames are used and the next
build restores the old site if a kill fell between them (docs/design.md).

Test hook (docs/design.md): `ASSAY_TEST_HOOK=pause:NAME` makes a build print
`ASSAY-PAUSED NAME` on stderr and sleep at that named point, so a test can kill it exactly
there; `ASSAY_TEST_HOOK=no-exchange` forces the two-rename fallback. Both may be combined
with a comma. Without the variable, nothing happens.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from . import __version__


class SiteDirError(Exception):
    """Raised by `check_target` / `publishing` for a site folder Assay must not (or cannot)
    write, and when another build holds the lock; the message is one line."""


#: What a build writes into the site it produced: the relative path of every file.
MANIFEST = ".assay-site.json"
#: Files that mark a folder built by an Assay older than the manifest (MkDocs output).
LEGACY_MARKERS = ("index.html", "404.html", "sitemap.xml")
_LOCK_SUFFIX = ".assay-lock"
_STAGING_INFIX = ".assay-staging-"
_OLD_INFIX = ".assay-old-"
_MAX_LISTED = 3


def pause_point(name: str) -> None:
    """Pause at a named point of a build when the test hook asks for it (see the module
    docstring): a test can kill the build exactly there."""
    spec = os.environ.get("ASSAY_TEST_HOOK")
    if spec and f"pause:{name}" in spec.split(","):
        print(f"ASSAY-PAUSED {name}", file=sys.stderr, flush=True)
        time.sleep(30)


def _hook_set(flag: str) -> bool:
    return flag in (os.environ.get("ASSAY_TEST_HOOK") or "").split(",")


def _staging_prefix(target: Path) -> str:
    return f".{target.name}{_STAGING_INFIX}"


def _old_prefix(target: Path) -> str:
    return f".{target.name}{_OLD_INFIX}"


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{_LOCK_SUFFIX}")


# -- what is in a site folder ---------------------------------------------------------------


def _files_in(folder: Path) -> list[str]:
    """Every non-folder entry under `folder` (symlinks not followed, a link to a folder
    counts as an entry), as relative paths; unreadable folders are skipped (as `os.walk`
    does)."""
    out: list[str] = []
    stack = [("", str(folder))]
    while stack:
        rel, path = stack.pop()
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append((f"{rel}{entry.name}/", entry.path))
                    else:
                        out.append(rel + entry.name)
        except OSError:
            continue
    return sorted(out)


def _read_manifest(folder: Path) -> set[str] | None:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return set(files)


def _is_legacy_site(target: Path) -> bool:
    """A site an older Assay built with MkDocs: the markers and MkDocs' generator tag."""
    if not all((target / m).is_file() for m in LEGACY_MARKERS):
        return False
    try:
        with open(target / "index.html", "rb") as fh:
            head = fh.read(64 * 1024)
    except OSError:
        return False
    return b'name="generator" content="mkdocs-' in head


def write_manifest(folder: Path) -> None:
    """Record every file of a finished site (the manifest is how a later build knows that
    replacing the folder loses nothing)."""
    payload = {"generator": f"assay {__version__}", "files": _files_in(folder)}
    (folder / MANIFEST).write_text(json.dumps(payload, indent=0) + "\n", encoding="utf-8")


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds a whole site: a manifest and every file it names."""
    files = _read_manifest(folder)
    return files is not None and all((folder / f).exists() for f in files)


# -- refusing targets -----------------------------------------------------------------------


def check_target(target: Path, root: Path, content: Path) -> None:
    """Refuse a site folder whose replacement could lose a user's files."""
    root, content = root.resolve(), content.resolve()
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise SiteDirError(f"{target} is a file or a link, not a folder: choose another --site-dir")
    if (
        target in (root, content)
        or root.is_relative_to(target)
        or content.is_relative_to(target)
        or target.is_relative_to(content)
    ):
        raise SiteDirError(
            f"{target} overlaps the knowledge base ({content}): the site folder must be "
            "outside the content folder and must not contain the knowledge base"
        )
    if not target.is_dir():
        return
    present = _files_in(target)
    if not present:
        return
    manifest = _read_manifest(target)
    if manifest is None:
        if not (target / MANIFEST).exists() and _is_legacy_site(target):
            return
        raise SiteDirError(
            f"{target} is not empty and does not look like a built site (no {MANIFEST}): "
            "refusing to replace it; choose an empty or new --site-dir"
        )
    foreign = [f for f in present if f not in manifest and f != MANIFEST]
    if foreign:
        listed = ", ".join(foreign[:_MAX_LISTED]) + (", …" if len(foreign) > _MAX_LISTED else "")
        raise SiteDirError(
            f"{target} holds {len(foreign)} file(s) Assay did not write ({listed}): move them "
            "out or choose another --site-dir; Assay never deletes files it did not write"
        )


# -- swapping -------------------------------------------------------------------------------

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> None:
    """Atomically exchange two paths (Linux renameat2). Raises OSError, ENOSYS when the
    call does not exist."""
    if _hook_set("no-exchange") or not sys.platform.startswith("linux"):
        raise OSError(errno.ENOSYS, "renameat2 is not used here")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError) as exc:
        raise OSError(errno.ENOSYS, "renameat2 is not available") from exc
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(b))


def _swap_in(staging: Path, target: Path) -> None:
    """Make `staging` the target; the previous site ends up at a path the next build (or
    this one) removes. Never a moment without a site, except in the fallback."""
    if not target.exists():
        staging.rename(target)
        return
    try:
        _exchange(staging, target)
    except OSError as exc:
        if exc.errno not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
    else:
        pause_point("exchanged")
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous site
        return
    # Fallback: two renames. A kill between them leaves no target but an "old" folder,
    # which `_recover` renames back at the start of the next build.
    old = Path(tempfile.mkdtemp(prefix=_old_prefix(target), dir=target.parent))
    old.rmdir()
    target.rename(old)
    pause_point("between-renames")
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    """Under the lock: undo what killed builds left. A missing target with a complete
    "old" site beside it (a kill between the fallback's renames) gets that site back;
    every staging and old folder is then removed."""
    parent = target.parent
    leftovers = sorted(
        p
        for p in parent.iterdir()
        if p.name.startswith((_staging_prefix(target), _old_prefix(target)))
        and p.is_dir()
        and not p.is_symlink()
    )
    if not target.exists():
        for p in leftovers:
            if p.name.startswith(_old_prefix(target)) and is_complete(p):
                p.rename(target)
                leftovers.remove(p)
                break
    for p in leftovers:
        shutil.rmtree(p, ignore_errors=True)


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    path = lock_path(target)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SiteDirError(
                f"another assay build is writing {target} (it holds {path}): wait for it to "
                "finish, then build again"
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays, so the lock is never raced


def _prepare_parent(target: Path) -> None:
    for ancestor in target.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise SiteDirError(
                    f"cannot create the site folder {target}: {ancestor} is a file, not a "
                    "folder: choose another --site-dir"
                )
            break
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SiteDirError(
            f"cannot create the site folder {target}: {exc.strerror or exc}: choose another "
            "--site-dir"
        ) from None
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise SiteDirError(
            f"cannot write the site folder {target}: its parent folder is not writable: "
            "choose another --site-dir"
        )


@contextmanager
def publishing(target: Path, *, root: Path, content: Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success it becomes `target`, else it is removed.

    Raises SiteDirError (one line) for a target that must not or cannot be written and
    when another build holds the target's lock. Exceptions of the body pass unchanged."""
    target = Path(os.path.abspath(target))
    with contextlib.suppress(OSError, RuntimeError):  # RuntimeError: a symlink loop
        target = target.parent.resolve() / target.name
    if target.name in ("", ".", ".."):
        raise SiteDirError(f"{target} cannot be a site folder: choose another --site-dir")
    in_body = False
    try:
        check_target(target, root, content)
        _prepare_parent(target)
        with _locked(target):
            _recover(target)
            pause_point("locked")
            check_target(target, root, content)  # again, now that no one else writes it
            staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
            try:
                in_body = True
                yield staging
                in_body = False
                write_manifest(staging)
                umask = os.umask(0)
                os.umask(umask)
                staging.chmod(0o777 & ~umask)  # mkdtemp made it private; the usual mode
                pause_point("staged")
                _swap_in(staging, target)
                pause_point("published")
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        if in_body:
            raise
        raise SiteDirError(
            f"cannot write the site folder {target}: {exc.strerror or exc}: choose another "
            "--site-dir"
        ) from None
