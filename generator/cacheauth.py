"""Authenticated cache entries: a cache folder may hold files nobody on this machine wrote.

The caches (page HTML, chart SVG, chart aliases) live by default in `.assay-cache/` inside
the knowledge base's repository, where a pull request can add files (`git add -f` passes
any `.gitignore`); their keys are hashes of inputs anyone can compute by building the same
repository. So every entry carries an HMAC-SHA256 of its name and content under a key kept
outside the repository, in the user's cache folder (`$XDG_CACHE_HOME/assay/cache.key`,
else `~/.cache/assay/cache.key`, created readable by its owner only). An entry whose MAC is
missing or wrong is a miss: it is rendered again and overwritten (FINDINGS.md A7). When the
key file cannot be read or created, a key drawn for this process only is used: the caches
then work within one process (`assay serve`) and are never believed across builds. How the
entries are kept on disk: generator/cachestore.py.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def key_file() -> Path:
    """Where the cache key is kept: the user's cache folder, never the repository."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    folder = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return folder / "assay" / "cache.key"


@functools.cache
def cache_key() -> bytes:
    """This machine's cache key (created on first use), else one for this process."""
    path = key_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(KEY_BYTES))
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            key = f.read(KEY_BYTES + 1)
        if len(key) == KEY_BYTES:
            return key
    except OSError:
        pass
    return secrets.token_bytes(KEY_BYTES)


def _mac(name: str, text: str) -> str:
    message = name.encode("utf-8") + b"\0" + text.encode("utf-8", "surrogatepass")
    return hmac.new(cache_key(), message, hashlib.sha256).hexdigest()


def seal(name: str, text: str) -> str:
    """`text` as stored in the cache entry `name`: its MAC on the first line, then it."""
    return f"{_mac(name, text)}\n{text}"


def unseal(name: str, stored: str) -> str | None:
    """The text of a cache entry `name`, or None when its MAC is missing or wrong."""
    mac, sep, text = stored.partition("\n")
    if not sep or not hmac.compare_digest(mac.encode(), _mac(name, text).encode()):
        return None
    return text


class CacheFolderError(Exception):
    """A cache folder that holds symbolic links or special files (planted, not written by
    Assay): reading or writing through them would reach files outside the cache."""


def check_cache_folder(folder: Path, root: Path) -> None:
    """Raise CacheFolderError when `folder`, a folder between it and `root`, or anything in
    it is a symbolic link or a special file. A repository can carry these (`git add -f`);
    the caches' writes and pruning would follow them out of the repository."""
    import stat

    def refuse(path: Path, what: str) -> CacheFolderError:
        try:
            shown = path.relative_to(root).as_posix()
        except ValueError:
            shown = str(path)
        from .load import display_path

        return CacheFolderError(
            f"{display_path(shown)} is {what} inside Assay's cache folder, which Assay never "
            f"creates there (a repository can carry one): delete "
            f"{display_path(str(folder))} (it is rebuilt) and build again"
        )

    here = folder
    while here != root and root in here.parents:
        if here.is_symlink():
            raise refuse(here, "a symbolic link")
        here = here.parent
    if not folder.is_dir():
        return
    for top, dirs, files in os.walk(folder, followlinks=False):
        for name in dirs + files:
            path = Path(top) / name
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                raise refuse(path, "a symbolic link")
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise refuse(path, "a special file")
