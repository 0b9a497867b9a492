"""Find a knowledge base on disk and read its files (the only I/O before publishing).

The file system is hostile (SPEC §1): every name, link and special file under `content/` may
be an attack. This module is the one place that touches it on the way in, so the rules live
here:

* a record folder holds only regular files named `<id>.md`; anything else is
  `E-FOREIGN-FILE` and is never read;
* no file is read through a symlink it did not vet, nothing is opened in a way that blocks
  (FIFOs) and no file is read past its size limit (a link to `/dev/zero` or a sparse 10 GB
  file costs nothing);
* maintainer files (everything else under `content/`) are read only when they resolve inside
  the knowledge base, outside the record folders and hidden paths; walks never loop.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, KnowledgeBaseNotFound, error, warning
from .schema import FOLDER_KIND

DEFAULT_DOCS_DIR = "content"

#: Records are limited to 1 MiB (SPEC §2); maintainer pages too (they are Markdown an
#: engine renders); other maintainer assets (images, PDF) to 20 MiB each.
MAX_RECORD_BYTES = 1024 * 1024
MAX_PAGE_BYTES = MAX_RECORD_BYTES
MAX_ASSET_BYTES = 20 * 1024 * 1024
#: mkdocs.yml is read before anything else; it is never legitimately this large.
MAX_CONFIG_BYTES = MAX_RECORD_BYTES
#: Folders nested deeper than this under content/ are not walked (a diagnostic says so).
MAX_DEPTH = 24

#: What a maintainer folder may publish besides Markdown pages (docs/design.md). Scripts
#: (`.js`) only when mkdocs.yml lists them in `extra_javascript`; HTML files never.
PAGE_SUFFIXES = frozenset({".md"})
ASSET_SUFFIXES = frozenset(
    {
        ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".svg",
        ".css", ".pdf", ".txt", ".csv", ".json",
        ".woff", ".woff2", ".ttf", ".otf",
        ".mp4", ".webm",
    }
)  # fmt: skip

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOCTTY", 0)
)


class UnsafeRead(OSError):
    """Raised by `read_bounded` for a file that is not a regular file or is too large."""

    def __init__(self, message: str, size: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.size = size


@dataclass(frozen=True)
class SourceFile:
    """One record file: where it is and its raw bytes (or why they were not read)."""

    kind: str
    rel_path: str  # relative to the knowledge base root, with '/' separators
    abs_path: Path
    raw: bytes | None
    io_error: str | None = None
    #: set instead of `raw` when the file was refused before reading (too large)
    diagnostic: Diagnostic | None = None

    @property
    def id(self) -> str:
        return self.abs_path.stem


@dataclass(frozen=True)
class MaintainerFile:
    """A trusted maintainer file under content/ (a page or an asset), checked and read."""

    rel_path: str  # relative to the content folder, with '/' separators
    data: bytes

    @property
    def is_page(self) -> bool:
        return self.rel_path.endswith(".md")


# -- reading -----------------------------------------------------------------------------


def describe_mode(mode: int) -> str:
    """What kind of file system object a mode is, in words for a diagnostic."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISREG(mode):
        return "a regular file"
    return "a special file"


def read_bounded(path: Path | str, limit: int) -> bytes:
    """The bytes of the regular file at `path`, refusing anything else before reading.

    Never follows a symlink in the last component, never blocks on a FIFO, and never reads
    more than `limit` + 1 bytes: the size is checked with fstat before reading, and again
    while reading (a file growing under us). Raises OSError, or UnsafeRead.
    """
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeRead(f"{describe_mode(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise UnsafeRead(f"{st.st_size:,} bytes", st.st_size)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:
            raise UnsafeRead(f"more than {limit:,} bytes", total)
        return b"".join(chunks)
    finally:
        os.close(fd)


def display_path(path: str) -> str:
    """`path` made safe for a one-line diagnostic: control, format and undecodable
    characters are written as escapes (a file name must not forge output lines)."""
    out = []
    for ch in path:
        code = ord(ch)
        if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


def _safe_name(name: str) -> bool:
    return display_path(name) == name and "\\" not in name


# -- configuration -----------------------------------------------------------------------


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!!python/name:` and `!ENV` tags only MkDocs should resolve."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    return None


_LenientLoader.add_multi_constructor("", _ignore_tag)


def read_mkdocs_config(root: Path) -> dict[str, Any]:
    """The user's mkdocs.yml as plain data ({} when absent or not a mapping).

    Read size-bounded and without following a symlink to a special file. Raises OSError or
    yaml.YAMLError for a file that cannot be read or parsed."""
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        cfg = root / name
        if cfg.is_file():
            raw = read_bounded(cfg.resolve(), MAX_CONFIG_BYTES)
            data = yaml.load(raw.decode("utf-8"), Loader=_LenientLoader)
            return data if isinstance(data, dict) else {}
    return {}


def locate(root: Path) -> Path:
    """The content directory of the knowledge base at `root` (docs_dir of mkdocs.yml)."""
    try:
        docs_dir = str(read_mkdocs_config(root).get("docs_dir") or DEFAULT_DOCS_DIR)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
        raise KnowledgeBaseNotFound(f"cannot read {root / 'mkdocs.yml'}: {exc}") from exc
    content = (root / docs_dir).resolve()
    if content == root.resolve() or not content.is_relative_to(root.resolve()):
        raise KnowledgeBaseNotFound(
            f"docs_dir '{docs_dir}' in {root / 'mkdocs.yml'} must be a folder inside the "
            "knowledge base, not the root itself or a folder outside it (e.g. docs_dir: content)"
        )
    if not content.is_dir():
        raise KnowledgeBaseNotFound(
            f"no knowledge base at {root}: expected a '{docs_dir}/' folder with papers/, "
            "decisions/, … (run 'assay init DIR' to create one, or pass --root)"
        )
    return content


# -- record folders ----------------------------------------------------------------------


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()


def _foreign(rel: str, what: str, fix: str) -> Diagnostic:
    return error(
        display_path(rel),
        1,
        1,
        "E-FOREIGN-FILE",
        "",
        f"{what} in a record folder: a record folder holds only records named <id>.md; "
        f"{fix} (it is not checked and never published)",
    )


def scan_records(root: Path, content: Path) -> tuple[list[SourceFile], list[Diagnostic]]:
    """Every record file of the six record folders, read size-bounded, and an
    `E-FOREIGN-FILE` diagnostic for everything else found in them (never read)."""
    files: list[SourceFile] = []
    diags: list[Diagnostic] = []
    for folder, kind in FOLDER_KIND.items():
        base = content / folder
        rel_base = _rel(base, root)
        try:
            st = base.lstat()
        except FileNotFoundError:
            continue
        except OSError as exc:
            diags.append(error(rel_base, 1, 1, "E-IO", "", f"cannot read the folder: {exc}"))
            continue
        if not stat.S_ISDIR(st.st_mode):
            diags.append(
                error(
                    rel_base,
                    1,
                    1,
                    "E-FOREIGN-FILE",
                    "",
                    f"the record folder {folder}/ is {describe_mode(st.st_mode)}: it must be a "
                    "real folder holding <id>.md files; replace it with one",
                )
            )
            continue
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError as exc:
            diags.append(error(rel_base, 1, 1, "E-IO", "", f"cannot list the folder: {exc}"))
            continue
        for entry in entries:
            rel = f"{rel_base}/{entry.name}"
            try:
                mode = entry.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                diags.append(error(display_path(rel), 1, 1, "E-IO", "", f"cannot stat: {exc}"))
                continue
            problem = _record_name_problem(entry.name, mode)
            if problem is not None:
                diags.append(_foreign(rel, *problem))
                continue
            files.append(_read_record(kind, rel, Path(entry.path)))
    files.sort(key=lambda f: f.rel_path)
    return files, diags


def _record_name_problem(name: str, mode: int) -> tuple[str, str] | None:
    """(what it is, the fix) for an entry that is not a record file, else None."""
    if stat.S_ISLNK(mode):
        return (
            "a symbolic link",
            "replace the link with the record itself, or remove it",
        )
    if not stat.S_ISREG(mode):
        return (describe_mode(mode), "remove it")
    if not _safe_name(name):
        return (
            "a file whose name holds control or invisible characters",
            "rename it to <id>.md (lowercase letters, digits, hyphens) or remove it",
        )
    if name.startswith("."):
        return ("a hidden file", "remove it")
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix != ".md":
        what = f"a '{suffix}' file" if suffix else "a file without an extension"
        return (what, "rename it to <id>.md if it is a record, or remove it")
    return None


def _read_record(kind: str, rel: str, path: Path) -> SourceFile:
    try:
        raw = read_bounded(path, MAX_RECORD_BYTES)
    except UnsafeRead as exc:
        if exc.size is not None:
            diag = error(
                rel,
                1,
                1,
                "E-TOO-LARGE",
                "",
                f"the record is {exc.message}; records are limited to 1 MiB "
                f"({MAX_RECORD_BYTES:,} bytes): move bulky data out of the record",
            )
        else:
            diag = _foreign(rel, exc.message, "remove it")
        return SourceFile(kind, rel, path, None, None, diag)
    except OSError as exc:
        return SourceFile(kind, rel, path, None, exc.strerror or str(exc))
    return SourceFile(kind, rel, path, raw)


def discover(root: Path, content: Path) -> list[SourceFile]:
    """Every record file (`<id>.md` in the six record folders), sorted by path."""
    return scan_records(root, content)[0]


# -- maintainer files --------------------------------------------------------------------


#: Characters a maintainer file or folder name may not hold: names become URLs, titles and
#: navigation labels in engines that do not all escape them.
_MARKUP_CHARS = frozenset("<>\"'`")

_SVG_ACTIVE = re.compile(
    rb"<\s*script|<\s*foreignobject|<\s*iframe|<\s*embed|<\s*object|<!entity|"
    rb"[\s\"'/]on[a-z]+\s*=|javascript\s*:|href\s*=\s*[\"']?\s*data:|"
    rb"href\s*=\s*[\"']?[^\"'>]*&(?!amp;)|<\s*(?:set|animate)\b[^>]*attributename\s*=\s*[\"']?"
    rb"(?:xlink:)?href",
    re.IGNORECASE,
)


def _script_allowlist(root: Path) -> set[str]:
    """Local scripts the maintainer's mkdocs.yml names in `extra_javascript`."""
    try:
        listed = read_mkdocs_config(root).get("extra_javascript") or []
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return set()
    out: set[str] = set()
    for item in listed if isinstance(listed, list) else []:
        src = item.get("path") if isinstance(item, dict) else item
        if isinstance(src, str) and "://" not in src:
            out.add(src.lstrip("/"))
    return out


#: Top-level pages Assay generates besides the record folders' indexes (render/site.py).
GENERATED_SECTIONS = frozenset({"radar", "review", "tags", "predictions", "records"})


def _top_level_problem(name: str) -> tuple[str, str] | None:
    """A top-level maintainer name that impersonates a record folder or replaces a
    generated page, as (code, message); else None."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    if folded in FOLDER_KIND and name not in FOLDER_KIND:
        return (
            "E-UNSAFE-FILE",
            f"looks like the record folder {folded}/ but is not one: what it holds would be "
            f"published as trusted maintainer pages; move records into {folded}/ or rename it",
        )
    stem = folded.removesuffix(".md")
    if folded.endswith(".md") and (stem in FOLDER_KIND or stem in GENERATED_SECTIONS):
        return (
            "E-PATH-COLLISION",
            f"would be published at {stem}/, the address of a page Assay generates: rename it",
        )
    return None


class _MaintainerWalk:
    """Walks content/ outside the record folders; collects files and diagnostics."""

    def __init__(self, root: Path, content: Path) -> None:
        self.root = root.resolve()
        self.content = content.resolve()
        self.records = tuple(self.content / folder for folder in FOLDER_KIND)
        self.scripts = _script_allowlist(self.root)
        self.files: list[MaintainerFile] = []
        self.diags: list[Diagnostic] = []
        self.visited: set[tuple[int, int]] = set()

    def report(self, rel: str, code: str, message: str, *, warn: bool = False) -> None:
        path = display_path(_rel(self.content / rel, self.root))
        make = warning if warn else error
        self.diags.append(make(path, 1, 1, code, "", message))

    def run(self) -> None:
        st = os.stat(self.content)
        self.visited.add((st.st_dev, st.st_ino))
        stack: list[tuple[Path, str, int]] = [(self.content, "", 0)]
        while stack:
            folder, prefix, depth = stack.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                self.report(prefix.rstrip("/") or ".", "E-IO", f"cannot list the folder: {exc}")
                continue
            subfolders: list[tuple[Path, str, int]] = []
            for entry in entries:
                if not prefix and entry.name in FOLDER_KIND:
                    continue  # record folders: scan_records checks them
                found = self.visit(entry, prefix + entry.name, depth)
                if found is not None:
                    subfolders.append(found)
            stack.extend(reversed(subfolders))

    def visit(self, entry: os.DirEntry[str], rel: str, depth: int) -> tuple[Path, str, int] | None:
        if entry.name.startswith("."):
            return None  # hidden files (.gitkeep, .DS_Store, .pages) are never published
        if not _safe_name(entry.name):
            self.report(
                rel,
                "E-UNSAFE-FILE",
                "the name holds control or invisible characters: rename it (it is not published)",
            )
            return None
        if _MARKUP_CHARS.intersection(entry.name):
            self.report(
                rel,
                "E-UNSAFE-FILE",
                "the name holds characters that are markup in HTML (< > \" ' `): it would "
                "reach page titles, navigation and links; rename it (it is not published)",
            )
            return None
        if not rel.count("/") and (impostor := _top_level_problem(entry.name)) is not None:
            self.report(rel, *impostor)
            return None
        path = Path(entry.path)
        try:
            is_link = entry.is_symlink()
            if is_link:
                target = Path(os.path.realpath(path))
                problem = self.link_problem(target)
                if problem is not None:
                    self.report(
                        rel,
                        "E-UNSAFE-FILE",
                        f"a symbolic link to {problem}: it is not read or published; replace "
                        "it with the file itself or remove it",
                    )
                    return None
                st = os.stat(target)
            else:
                target = path
                st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            what = "a symbolic link loop" if exc.errno == errno.ELOOP else str(exc)
            self.report(rel, "E-UNSAFE-FILE", f"cannot be read ({what}): fix or remove it")
            return None
        if stat.S_ISDIR(st.st_mode):
            if depth + 1 >= MAX_DEPTH:
                self.report(
                    rel,
                    "E-UNSAFE-FILE",
                    f"folders are nested more than {MAX_DEPTH} levels deep here: flatten them "
                    "(nothing below is published)",
                )
                return None
            key = (st.st_dev, st.st_ino)
            if key in self.visited:
                self.report(
                    rel,
                    "E-UNSAFE-FILE",
                    "a linked folder that is already published elsewhere (a symlink loop or "
                    "a duplicate): remove the link",
                )
                return None
            self.visited.add(key)
            return (target, rel + "/", depth + 1)
        if not stat.S_ISREG(st.st_mode):
            self.report(
                rel,
                "E-UNSAFE-FILE",
                f"{describe_mode(st.st_mode)}, not a regular file: remove it (it is not read)",
            )
            return None
        self.take(rel, target)
        return None

    def link_problem(self, target: Path) -> str | None:
        """Why a resolved link target must not be read, or None."""
        if not target.is_relative_to(self.root):
            return f"{target}, outside the knowledge base"
        inside = target.relative_to(self.root).parts
        if any(part.startswith(".") for part in inside):
            return "a hidden path of the repository (e.g. .git)"
        if any(target == r or target.is_relative_to(r) for r in self.records):
            return "a record folder (records are untrusted and published only as records)"
        if target == self.content or self.content.is_relative_to(target):
            return "a folder that contains this one (a loop)"
        return None

    def take(self, rel: str, target: Path) -> None:
        suffix = Path(rel).suffix.lower()
        is_page = suffix in PAGE_SUFFIXES and rel.endswith(".md")
        allowed = is_page or suffix in ASSET_SUFFIXES or (suffix == ".js" and rel in self.scripts)
        if not allowed:
            self.report(
                rel,
                "W-NOT-PUBLISHED",
                f"a '{suffix or 'no extension'}' file is not published: maintainer folders "
                "publish Markdown pages (.md), images, CSS, PDF, text, data and font files, "
                "and scripts listed in mkdocs.yml extra_javascript; remove it or convert it",
                warn=True,
            )
            return
        limit = MAX_PAGE_BYTES if is_page else MAX_ASSET_BYTES
        try:
            data = _read_cached(target, limit)
        except UnsafeRead as exc:
            if exc.size is not None:
                self.report(
                    rel,
                    "E-TOO-LARGE",
                    f"the file is {exc.message}; maintainer "
                    f"{'pages' if is_page else 'files'} are limited to {limit:,} bytes: "
                    "make it smaller or host it elsewhere",
                )
            else:
                self.report(rel, "E-UNSAFE-FILE", f"{exc.message}: remove it")
            return
        except OSError as exc:
            self.report(rel, "E-IO", f"cannot read the file: {exc.strerror or exc}")
            return
        if suffix == ".svg" and _SVG_ACTIVE.search(data):
            self.report(
                rel,
                "E-UNSAFE-FILE",
                "an SVG with active content (a script, event handler, javascript: or data: "
                "link, embedded HTML or an entity declaration): anyone opening it would run "
                "it; remove that content or export a plain SVG",
            )
            return
        self.files.append(MaintainerFile(rel, data))


#: Maintainer bytes by (path, inode, size, mtime): `assay serve` reloads the knowledge base
#: after every edit and should not re-read every image each time.
_CACHE: dict[tuple[str, int, int, int], bytes] = {}
_CACHE_MAX_BYTES = 256 * 1024 * 1024
_cached_bytes = 0


def _read_cached(path: Path, limit: int) -> bytes:
    st = os.stat(path, follow_symlinks=False)
    key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns)
    if (hit := _CACHE.get(key)) is not None and len(hit) <= limit:
        return hit
    data = read_bounded(path, limit)
    global _cached_bytes
    if _cached_bytes + len(data) > _CACHE_MAX_BYTES:
        _CACHE.clear()
        _cached_bytes = 0
    if key not in _CACHE:
        _CACHE[key] = data
        _cached_bytes += len(data)
    return data


def maintainer_files(root: Path, content: Path) -> tuple[list[MaintainerFile], list[Diagnostic]]:
    """Every maintainer file under `content` outside the six record folders, checked and
    read size-bounded, sorted by path; and a diagnostic for each thing not published.

    Nothing that resolves outside the knowledge base, into a record folder or into a hidden
    path is read; special files are never opened; loops terminate. Errors (`E-UNSAFE-FILE`,
    `E-TOO-LARGE`, `E-IO`, `E-PATH-COLLISION`) block a build; `W-NOT-PUBLISHED` (a file type
    a site does not publish) does not. Hidden files are skipped silently.
    """
    walk = _MaintainerWalk(root, content)
    walk.run()
    files: list[MaintainerFile] = []
    seen: dict[str, str] = {}
    for f in sorted(walk.files, key=lambda f: f.rel_path):
        folded = unicodedata.normalize("NFC", f.rel_path).casefold()
        if folded in seen:
            walk.report(
                f.rel_path,
                "E-PATH-COLLISION",
                f"differs from {seen[folded]} only by letter case or Unicode normalization: on "
                "case-insensitive systems one would overwrite the other; rename one",
            )
            continue
        seen[folded] = f.rel_path
        files.append(f)
    return files, walk.diags
