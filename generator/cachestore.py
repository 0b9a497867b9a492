"""Cache entries on disk, a few files per cache instead of one file per entry (issue 9).

Each cache (`.assay-cache/html/`, `engine/`, `stats/`) keeps its entries in *packs*: a build
appends the entries it writes to one new file and, at its end, adds an index and renames it
to `pack-<token>.pack`. A first build of 250 records used to create ~550 entry files (and
~300 folders for them); creating a file costs far more than writing its bytes (0.2–0.5 ms
each on an ext4 file system that has seen many builds), so the caches cost a first build
about 0.3 s. A pack is one file, written sequentially.

Format (all integers decimal or fixed-width hex ASCII, so a pack can be read with `less`):

    b"assay-pack 1\\n"                      MAGIC
    <entry bytes>...                        each entry: seal(<namespace>/<key>, text), UTF-8
    <key> <offset> <length>\\n ...          the index: one line per entry
    <index offset:016x> <index length:016x> assay-pack-end\\n     the trailer (fixed size)

A pack lies in the repository like every cache entry did, where a pull request can plant
one: nothing in it is believed but an entry whose MAC is this machine's (`cacheauth`), read
at the offset and length the index gives, within the file and within the cache's entry
limit; any malformed part (magic, trailer, index line, bounds) makes the whole pack a miss,
removed at the next prune. A pack is opened with O_NOFOLLOW and O_NONBLOCK, and read only if
it is a regular file.

While a build writes its pack it is `.pack-<token>.tmp`, locked (`flock`); a build that was
killed leaves one, which the next prune removes when nobody holds its lock (an `assay serve`
of the same knowledge base may be writing its own meanwhile).

`prune()` removes what the build did not use, a pack at a time: packs none of whose entries
was used are deleted; a pack more than half of whose bytes were not used, a pack holding an entry that
failed to verify, and all but the largest pack when there are more than `MAX_PACKS`, are
rewritten into one new pack. So a rebuild that changed one page writes one small pack and
rewrites nothing; `assay serve`, which prunes after every edit, merges its small packs now
and then. A store that only flushes (the theme output under `assay serve`'s dirty rebuilds)
merges all but its largest pack, dropping nothing, when it holds more than twice
`MAX_PACKS`.

Entries that earlier versions of Assay stored one per file (`<key[:2]>/<key><suffix>`) are
still read; a build that reads one stores it in its pack, and the prune removes those files.

Only the process that made a store reads or writes it: a forked helper of the build
(statistics worker, converter, template child) that reached one would get misses and store
nothing, never write into the descriptor it inherited.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import stat
import time
from pathlib import Path

from .cacheauth import seal, unseal

MAGIC = b"assay-pack 1\n"
_TRAILER = re.compile(rb"([0-9a-f]{16}) ([0-9a-f]{16}) assay-pack-end\n")
TRAILER_BYTES = 16 + 1 + 16 + len(b" assay-pack-end\n")
_INDEX_LINE = re.compile(rb"([0-9A-Za-z_-]{1,128}) ([0-9]{1,15}) ([0-9]{1,15})")
_KEY = re.compile(r"[0-9A-Za-z_-]{1,128}")
_PACK_NAME = re.compile(r"pack-[0-9a-f]{16}\.pack")
_PACK_TMP = re.compile(r"\.pack-[0-9a-f]{16}\.tmp")
_LEGACY_FOLDER = re.compile(r"[0-9a-f]{2}")
#: Live packs above this many are merged (all but the largest) by `prune`.
MAX_PACKS = 8
#: An index larger than this is not read (1,250 records make ~230 KiB), nor more than
#: `MAX_INDEXES_BYTES` of indexes for one cache: a pull request can carry packs (git
#: compresses a repetitive index well), and a build must not spend minutes reading them.
MAX_INDEX_BYTES = 16 * 1024 * 1024
MAX_INDEXES_BYTES = 64 * 1024 * 1024
#: Packs read per cache at most (a build leaves one to nine; a long `assay serve` session
#: adds one per edit until its next prune).
MAX_PACK_FILES = 256
#: Bytes of entries that failed to verify after which a store reads no more entries (a
#: planted pack can point every key at the same large region; each read hashes it whole).
MAX_BAD_BYTES = 64 * 1024 * 1024
_OPEN_READ = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC


class _Malformed(Exception):
    pass


class _Pack:
    """A pack on disk and its index: key → (offset, length)."""

    __slots__ = ("bad", "entries", "index_bytes", "path", "size")

    def __init__(
        self, path: Path, entries: dict[str, tuple[int, int]], size: int, index_bytes: int
    ) -> None:
        self.path = path
        self.entries = entries
        self.size = size
        self.index_bytes = index_bytes
        self.bad: set[str] = set()  # entries that failed to read or to verify

    def read(self, key: str) -> bytes | None:
        try:
            fd = os.open(self.path, _OPEN_READ)
        except OSError:  # removed meanwhile (another build's prune): a miss
            return None
        try:
            return _pread(fd, *self.entries[key])
        finally:
            os.close(fd)


def _pread(fd: int, offset: int, length: int) -> bytes | None:
    """`length` bytes at `offset`, or None when they cannot all be read."""
    try:
        data = os.pread(fd, length, offset)
    except OSError:
        return None
    return data if len(data) == length else None


def _read_exact(fd: int, length: int, offset: int) -> bytes:
    data = _pread(fd, offset, length)
    if data is None:
        raise _Malformed
    return data


def _open_regular(path: Path) -> tuple[int, int] | None:
    """(descriptor, size) of the regular file at `path`, opened without following a link
    and without blocking on a FIFO; None for anything else."""
    try:
        fd = os.open(path, _OPEN_READ)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        os.close(fd)
        return None
    return fd, info.st_size


def open_pack(path: Path, max_bytes: int, max_index: int = MAX_INDEX_BYTES) -> _Pack | None:
    """The pack at `path` with its index, or None when it is not a well-formed pack of
    entries of at most `max_bytes` with an index of at most `max_index` bytes."""
    opened = _open_regular(path)
    if opened is None:
        return None
    fd, size = opened
    try:
        if size < len(MAGIC) + TRAILER_BYTES:
            raise _Malformed
        if _read_exact(fd, len(MAGIC), 0) != MAGIC:
            raise _Malformed
        trailer = _TRAILER.fullmatch(_read_exact(fd, TRAILER_BYTES, size - TRAILER_BYTES))
        if trailer is None:
            raise _Malformed
        index_at, index_bytes = int(trailer.group(1), 16), int(trailer.group(2), 16)
        if (
            index_at < len(MAGIC)
            or index_bytes > min(max_index, MAX_INDEX_BYTES)
            or index_at + index_bytes != size - TRAILER_BYTES
        ):
            raise _Malformed
        entries: dict[str, tuple[int, int]] = {}
        index = _read_exact(fd, index_bytes, index_at)
        if index and not index.endswith(b"\n"):
            raise _Malformed
        for line in index.split(b"\n")[:-1]:
            m = _INDEX_LINE.fullmatch(line)
            if m is None:
                raise _Malformed
            offset, length = int(m.group(2)), int(m.group(3))
            if offset < len(MAGIC) or offset + length > index_at or length > max_bytes:
                raise _Malformed
            entries[m.group(1).decode("ascii")] = (offset, length)
        return _Pack(path, entries, size, index_bytes)
    except (OSError, _Malformed):
        return None
    finally:
        os.close(fd)


class _Writer:
    """The pack a build is writing: `.pack-<token>.tmp`, locked until it is finished."""

    def __init__(self, directory: Path) -> None:
        token = secrets.token_hex(8)
        self.tmp = directory / f".pack-{token}.tmp"
        self.final = directory / f"pack-{token}.pack"
        directory.mkdir(parents=True, exist_ok=True)
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        self.fd = os.open(self.tmp, flags, 0o666)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.offset = 0
            self.entries: dict[str, tuple[int, int]] = {}
            self._write(MAGIC)
        except OSError:
            self.abandon()
            raise

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self.fd, view)
            view = view[written:]
        self.offset += len(data)

    def add(self, key: str, data: bytes) -> None:
        at = self.offset
        self._write(data)
        self.entries[key] = (at, len(data))

    def read(self, key: str) -> bytes | None:
        return _pread(self.fd, *self.entries[key])

    def finish(self) -> _Pack:
        """Write the index and trailer, and give the pack its final name."""
        index = b"".join(
            b"%s %d %d\n" % (key.encode("ascii"), at, length)
            for key, (at, length) in self.entries.items()
        )
        index_at = self.offset
        self._write(index)
        self._write(b"%016x %016x assay-pack-end\n" % (index_at, len(index)))
        os.rename(self.tmp, self.final)
        size = self.offset
        os.close(self.fd)
        return _Pack(self.final, dict(self.entries), size, len(index))

    def abandon(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _newer(path: Path, when: float) -> bool:
    try:
        return os.lstat(path).st_mtime >= when
    except OSError:
        return False


def _stale_tmp(path: Path) -> bool:
    """True when nobody holds the lock of the pack being written at `path`."""
    try:
        fd = os.open(path, _OPEN_READ)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    else:
        return True
    finally:
        os.close(fd)


class SealedFiles:
    """Authenticated cache entries of one cache folder, in packs (see above), each sealed
    under the name `<namespace>/<key>`. An entry that is missing, unreadable, too big or not
    sealed by this machine reads as None (a miss). Writing is best effort (an unwritable
    cache only costs time). `used` collects the keys asked for; `flush` stores what was
    written; `prune` flushes and removes every other entry."""

    def __init__(self, directory: Path | None, namespace: str, suffix: str, max_bytes: int):
        self.directory = directory
        self.namespace = namespace
        self.suffix = suffix
        self.max_bytes = max_bytes
        self.used: set[str] = set()
        self._pid = os.getpid()
        self._packs: list[_Pack] | None = None  # read on first use
        self._where: dict[str, list[_Pack]] = {}
        self._writer: _Writer | None = None
        self._bad_bytes = 0  # read, then refused by the MAC check
        self._started = 0.0  # when the packs were listed (for `_remove_leftovers`)

    def _mine(self) -> bool:
        return self.directory is not None and os.getpid() == self._pid

    def _load(self) -> list[_Pack]:
        if self._packs is None:
            self._packs = []
            assert self.directory is not None
            self._started = time.time()
            try:
                names = sorted(os.listdir(self.directory))
            except OSError:
                names = []
            budget = MAX_INDEXES_BYTES
            for name in names:
                if _PACK_NAME.fullmatch(name) and budget > 0 and len(self._packs) < MAX_PACK_FILES:
                    pack = open_pack(self.directory / name, self.max_bytes, budget)
                    if pack is not None:
                        budget -= pack.index_bytes
                        self._add_pack(pack)
        return self._packs

    def _keep(self, packs: list[_Pack]) -> None:
        """Believe `packs` only (the others were removed or are being merged)."""
        self._packs, self._where = [], {}
        for pack in packs:
            self._add_pack(pack)

    def _add_pack(self, pack: _Pack) -> None:
        assert self._packs is not None
        self._packs.append(pack)
        for key in pack.entries:
            self._where.setdefault(key, []).insert(0, pack)

    def read(self, key: str) -> str | None:
        self.used.add(key)
        if not self._mine() or not _KEY.fullmatch(key):
            return None
        self._load()
        name = f"{self.namespace}/{key}"
        sources: list[_Pack | _Writer] = []
        if self._bad_bytes <= MAX_BAD_BYTES:
            sources = list(self._where.get(key, ()))
        if self._writer is not None and key in self._writer.entries:
            sources.insert(0, self._writer)
        for source in sources:
            raw = source.read(key)
            try:
                text = None if raw is None else unseal(name, raw.decode("utf-8"))
            except UnicodeDecodeError:
                text = None
            if text is not None:
                return text
            self._bad_bytes += len(raw or b"")
            if isinstance(source, _Pack):
                source.bad.add(key)  # the prune rewrites its pack without it
        if self._bad_bytes > MAX_BAD_BYTES:
            return None
        text = self._read_legacy(key)
        if text is not None:
            self.write(key, text)  # into this build's pack; prune removes the old file
        return text

    def _read_legacy(self, key: str) -> str | None:
        """An entry an earlier version stored in a file of its own."""
        assert self.directory is not None
        opened = _open_regular(self.directory / key[:2] / f"{key}{self.suffix}")
        if opened is None:
            return None
        fd, size = opened
        try:
            if size > self.max_bytes:
                return None
            raw = os.read(fd, self.max_bytes + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        text = None
        if len(raw) <= self.max_bytes:
            with contextlib.suppress(UnicodeDecodeError):
                text = unseal(f"{self.namespace}/{key}", raw.decode("utf-8"))
        if text is None:
            self._bad_bytes += len(raw)
        return text

    def write(self, key: str, text: str) -> bool:
        """Store `text` under `key`; False when it will not be stored (too big, unwritable)."""
        self.used.add(key)
        if not self._mine() or not _KEY.fullmatch(key):
            return False
        data = seal(f"{self.namespace}/{key}", text).encode("utf-8", "surrogatepass")
        if len(data) > self.max_bytes:
            return False
        assert self.directory is not None
        try:
            if self._writer is None:
                self._writer = _Writer(self.directory)
            self._writer.add(key, data)
        except OSError:  # the pack cannot be written: what it held is lost, not wrong
            if self._writer is not None:
                self._writer.abandon()
                self._writer = None
            return False
        return True

    def flush(self) -> None:
        """Store the entries written since the last flush (one new pack)."""
        writer, self._writer = self._writer, None
        if writer is None or not self._mine():
            return
        if not writer.entries:
            writer.abandon()
            return
        self._load()
        try:
            pack = writer.finish()
        except OSError:
            writer.abandon()
            return
        self._add_pack(pack)
        packs = self._packs or []
        if len(packs) > 2 * MAX_PACKS:  # flushes without prunes (dirty rebuilds of serve)
            largest = max(packs, key=lambda p: p.size)
            self._keep([largest])
            self._merge([p for p in packs if p is not largest], None)

    def prune(self) -> None:
        """Flush, then remove the entries not asked for since the last prune."""
        used, self.used = self.used, set()
        if not self._mine():
            return
        self.flush()
        packs = self._load()
        useful: dict[int, int] = {}  # id(pack) → bytes of the entries it serves
        for key in used:
            holders = self._where.get(key)
            if holders:
                pack = holders[0]
                useful[id(pack)] = useful.get(id(pack), 0) + pack.entries[key][1]
        live = [p for p in packs if id(p) in useful]
        for pack in packs:
            if id(pack) not in useful:
                _unlink(pack.path)
        rewrite = [p for p in live if p.bad or useful[id(p)] * 2 < _payload(p)]
        rest = sorted((p for p in live if p not in rewrite), key=lambda p: p.size)
        if len(rest) > MAX_PACKS:
            rewrite += rest[:-1]
        self._keep([p for p in live if p not in rewrite])
        if rewrite:
            self._merge(rewrite, used)
        self._remove_leftovers(used)

    def _merge(self, packs: list[_Pack], used: set[str] | None) -> None:
        """Copy the used entries of `packs` (all, with `used` None) into one new pack and
        remove them."""
        assert self.directory is not None
        try:
            writer = _Writer(self.directory)
            try:
                for pack in packs:
                    for key in pack.entries:
                        if (
                            (used is None or key in used)
                            and key not in pack.bad
                            and key not in self._where
                            and key not in writer.entries
                            and (raw := pack.read(key)) is not None
                        ):
                            writer.add(key, raw)
                merged = writer.finish()
            except OSError:
                writer.abandon()
                raise
        except OSError:  # nothing merged: the packs stay as they are
            for pack in packs:
                self._add_pack(pack)
            return
        self._add_pack(merged)
        for pack in packs:
            _unlink(pack.path)

    def _remove_leftovers(self, used: set[str]) -> None:
        """Packs that are malformed or that a killed build left half-written, and entries of
        earlier versions."""
        assert self.directory is not None
        try:
            names = os.listdir(self.directory)
        except OSError:
            return
        known = {pack.path.name for pack in self._packs or ()}
        for name in names:
            path = self.directory / name
            if _PACK_NAME.fullmatch(name):
                # Not one this store believed: malformed or over the index budget (removed),
                # unless it appeared after the store listed the packs (another process's).
                if name not in known and not _newer(path, self._started):
                    _unlink(path)
            elif _PACK_TMP.fullmatch(name):
                if _stale_tmp(path):
                    _unlink(path)
            elif _LEGACY_FOLDER.fullmatch(name) and path.is_dir() and not path.is_symlink():
                self._remove_legacy_folder(path, used)

    def _remove_legacy_folder(self, folder: Path, used: set[str]) -> None:
        with contextlib.suppress(OSError):
            for name in os.listdir(folder):
                # `<key><suffix>`, or `.<key><suffix>.tmp` (a write that did not finish)
                key = name.removeprefix(".").removesuffix(".tmp").removesuffix(self.suffix)
                if _KEY.fullmatch(key) and (key not in used or key in self._where):
                    _unlink(folder / name)
            folder.rmdir()


def _payload(pack: _Pack) -> int:
    return sum(length for _, length in pack.entries.values())
