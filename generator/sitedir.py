"""The published site folder: refuse a dangerous target, build into staging, swap in.

`publishing()` is the only way a build writes a site: it yields an empty staging folder
beside the target, and replaces the target with it only when the body finished without an
exception. A failed build leaves the previous site as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class SiteDirError(Exception):
    """Raised by `check_target` / `publishing` for a site folder Assay must not write."""


#: Files that mark a folder as a built site: only such a folder is ever replaced.
SITE_MARKERS = ("index.html", "404.html", "sitemap.xml", "search/search_index.json")


def check_target(target: Path, root: Path, content: Path) -> None:
    """Refuse a site folder whose replacement could lose a user's files."""
    if target.exists() and not target.is_dir():
        raise SiteDirError(f"{target} is a file, not a folder: choose another --site-dir")
    if (
        target in (root, content)
        or content.is_relative_to(target)
        or target.is_relative_to(content)
    ):
        raise SiteDirError(
            f"{target} overlaps the knowledge base ({content}): the site folder must be "
            "outside the content folder and must not contain it"
        )
    is_site = any((target / marker).exists() for marker in SITE_MARKERS)
    if target.is_dir() and any(target.iterdir()) and not is_site:
        raise SiteDirError(
            f"{target} is not empty and does not look like a built site: refusing to "
            "replace it; choose an empty or new --site-dir"
        )


@contextmanager
def publishing(target: Path, *, root: Path, content: Path) -> Iterator[Path]:
    """Yield an empty staging folder; on success it becomes `target`, else it is removed."""
    target = target.resolve()
    check_target(target, root, content)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _replace(staging, target)


def _replace(staging: Path, target: Path) -> None:
    """Move the finished site into place; the old one is removed only afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        target.rename(old)
    staging.rename(target)
    umask = os.umask(0)
    os.umask(umask)
    target.chmod(0o777 & ~umask)  # mkdtemp made it private; give it the usual mode
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
