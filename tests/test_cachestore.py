"""The caches' entries on disk (generator/cachestore.py): one pack per build, read back
only when well formed and sealed by this machine, pruned and compacted, never written by a
forked helper; the format is checked with an independent reader (tests/packfiles.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import packfiles
import pytest

from generator import cachestore
from generator.cacheauth import seal
from generator.cachestore import SealedFiles

KEYS = [f"{i:02x}" * 32 for i in range(6)]


def store(folder: Path) -> SealedFiles:
    return SealedFiles(folder, "html", ".html", 1 << 20)


def filled(folder: Path, n: int = 4, size: int = 100) -> dict[str, str]:
    texts = {KEYS[i]: f"<p>{i}</p>" + "x" * size for i in range(n)}
    s = store(folder)
    for key, text in texts.items():
        assert s.write(key, text)
    s.prune()
    return texts


def test_a_build_writes_one_pack_in_the_documented_format(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    texts = filled(folder)
    assert [p.name for p in folder.iterdir()] == [packfiles.packs(folder)[0].name]
    stored = packfiles.entries(folder)  # read by hand from the format
    assert stored == {k: seal(f"html/{k}", t).encode() for k, t in texts.items()}
    again = store(folder)
    assert {k: again.read(k) for k in texts} == texts
    assert again.read(KEYS[5]) is None


def test_a_pack_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    s = store(folder)
    s.write(KEYS[0], "one")
    assert packfiles.packs(folder) == []  # not before the build stores it
    (tmp,) = folder.iterdir()
    assert tmp.name.startswith(".pack-") and tmp.name.endswith(".tmp")
    assert s.read(KEYS[0]) == "one"  # this build reads what it wrote
    s.flush()
    assert [p.name for p in folder.iterdir()] == [packfiles.packs(folder)[0].name]


def _magic(data: bytes) -> bytes:
    return b"assay-pack 2\n" + data[13:]


def _trailer_past_end(data: bytes) -> bytes:
    return data[:-49] + b"%016x %016x assay-pack-end\n" % (len(data), 10)


def _index_garbage(data: bytes) -> bytes:
    at = int(data[-49:-33], 16)
    return data[:at] + b"../../etc/passwd 13 5\n".ljust(len(data) - 49 - at, b" ") + data[-49:]


def _entry_over_index(data: bytes) -> bytes:
    at = int(data[-49:-33], 16)
    index = data[at:-49].split(b"\n")
    key, offset, _ = index[0].split(b" ")
    index[0] = b"%s %s %d" % (key, offset, at)  # runs into the index
    new = b"\n".join(index)
    return data[:at] + new + b"%016x %016x assay-pack-end\n" % (at, len(new))


def _entry_before_magic(data: bytes) -> bytes:
    at = int(data[-49:-33], 16)
    index = data[at:-49].split(b"\n")
    key, _, length = index[0].split(b" ")
    index[0] = b"%s 0 %s" % (key, length)
    new = b"\n".join(index)
    return data[:at] + new + b"%016x %016x assay-pack-end\n" % (at, len(new))


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: b"",
        lambda d: d[:20],
        lambda d: d[:-1],
        _magic,
        _trailer_past_end,
        _index_garbage,
        _entry_over_index,
        _entry_before_magic,
        lambda d: d[:-49] + b"0" * 48 + b"\n",
    ],
    ids=[
        "empty",
        "truncated",
        "no-trailer-newline",
        "magic",
        "trailer-past-end",
        "index-garbage",
        "entry-over-index",
        "entry-before-magic",
        "zero-trailer",
    ],
)
def test_a_malformed_pack_is_a_miss_and_is_removed(tmp_path: Path, damage: object) -> None:
    folder = tmp_path / "html"
    filled(folder)
    (pack,) = packfiles.packs(folder)
    pack.write_bytes(damage(pack.read_bytes()))  # type: ignore[operator]
    s = store(folder)
    assert [s.read(k) for k in KEYS[:4]] == [None] * 4
    s.prune()
    assert list(folder.iterdir()) == []


def test_a_tampered_entry_is_a_miss_and_its_pack_is_rewritten_without_it(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    texts = filled(folder)
    stored = packfiles.entries(folder)
    forged = stored[KEYS[1]].replace(b"<p>1</p>", b"<p>X</p>")  # the old MAC, other text
    packfiles.replace_entries(folder, {**stored, KEYS[1]: forged})
    s = store(folder)
    assert s.read(KEYS[1]) is None
    assert [s.read(k) for k in (KEYS[0], KEYS[2], KEYS[3])] == [texts[KEYS[i]] for i in (0, 2, 3)]
    s.write(KEYS[1], texts[KEYS[1]])  # the build renders it again
    s.prune()
    assert packfiles.entries(folder) == stored
    assert all(forged not in p.read_bytes() for p in packfiles.packs(folder))


def test_an_entry_sealed_for_another_key_is_a_miss(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    filled(folder)
    stored = packfiles.entries(folder)
    packfiles.replace_entries(folder, {KEYS[0]: stored[KEYS[1]]})
    assert store(folder).read(KEYS[0]) is None


def test_unused_entries_are_pruned_and_a_mostly_dead_pack_is_rewritten(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    texts = filled(folder, n=4)
    (first,) = packfiles.packs(folder)
    s = store(folder)
    assert s.read(KEYS[0]) == texts[KEYS[0]]
    s.prune()  # 1 of 4 entries used: the pack is rewritten with it alone
    assert not first.exists()
    assert packfiles.entries(folder) == {KEYS[0]: seal(f"html/{KEYS[0]}", texts[KEYS[0]]).encode()}
    s = store(folder)
    s.prune()  # nothing used: nothing left
    assert list(folder.iterdir()) == []


def test_a_rebuild_that_changed_one_entry_rewrites_no_pack(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    texts = filled(folder, n=4)
    (first,) = packfiles.packs(folder)
    before = first.stat()
    s = store(folder)
    for key in KEYS[:3]:
        assert s.read(key) == texts[key]
    assert s.read(KEYS[4]) is None
    s.write(KEYS[4], "new")
    s.prune()
    after = first.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(packfiles.packs(folder)) == 2
    s = store(folder)
    assert s.read(KEYS[4]) == "new" and s.read(KEYS[0]) == texts[KEYS[0]]
    # the unused entry waits in its pack until half of the pack is unused


def test_many_small_packs_are_merged(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    s = store(folder)
    keys = [f"{i:064x}" for i in range(cachestore.MAX_PACKS + 3)]
    for i, key in enumerate(keys):  # `assay serve`: one small pack per edit
        for k in keys[:i]:
            assert s.read(k) == f"v{k}"
        s.write(key, f"v{key}")
        s.prune()
        assert len(packfiles.packs(folder)) <= cachestore.MAX_PACKS + 1
    assert set(packfiles.entries(folder)) == set(keys)
    fresh = store(folder)
    assert all(fresh.read(k) == f"v{k}" for k in keys)


def test_a_pack_left_by_a_killed_build_is_removed_but_not_one_being_written(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "html"
    script = (
        "import os, signal, sys; from pathlib import Path;"
        "from generator.cachestore import SealedFiles;"
        f"s = SealedFiles(Path({str(folder)!r}), 'html', '.html', 1 << 20);"
        f"s.write({KEYS[0]!r}, 'lost');"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    proc = subprocess.run([sys.executable, "-c", script], check=False)
    assert proc.returncode == -signal.SIGKILL
    (left,) = folder.iterdir()
    assert left.name.startswith(".pack-")
    writing = store(folder)
    writing.write(KEYS[1], "in progress")  # another process (serve) writing its pack now
    other = store(folder)
    assert other.read(KEYS[0]) is None  # a half-written pack is never read
    other.prune()
    assert not left.exists()
    writing.prune()
    assert store(folder).read(KEYS[1]) == "in progress"


def test_a_forked_helper_neither_reads_nor_writes_the_store(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    texts = filled(folder, n=2)
    s = store(folder)
    assert s.read(KEYS[0]) == texts[KEYS[0]]
    s.write(KEYS[2], "parent")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0 if s.write(KEYS[3], "child") is False and s.read(KEYS[1]) is None else 1
        s.flush()
        s.prune()
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    s.prune()
    assert KEYS[3] not in packfiles.entries(folder)
    fresh = store(folder)
    assert [fresh.read(k) for k in (KEYS[0], KEYS[2], KEYS[3])] == [texts[KEYS[0]], "parent", None]


def test_entries_of_earlier_versions_are_read_and_moved_into_the_pack(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    legacy = folder / KEYS[0][:2] / f"{KEYS[0]}.html"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(seal(f"html/{KEYS[0]}", "old"))
    unused = folder / KEYS[1][:2] / f".{KEYS[1]}.html.tmp"
    unused.parent.mkdir()
    unused.write_text("a write an earlier version did not finish")
    s = store(folder)
    assert s.read(KEYS[0]) == "old"
    s.prune()
    assert [p.name for p in folder.iterdir()] == [packfiles.packs(folder)[0].name]
    assert store(folder).read(KEYS[0]) == "old"


def test_files_that_are_not_the_caches_are_left_alone(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    filled(folder)
    mine = [folder / "notes.txt", folder / "zz", folder / "pack-x.pack"]
    mine[0].write_text("kept")
    mine[1].mkdir()
    mine[2].write_text("not a name Assay gives")
    store(folder).prune()
    assert all(p.exists() for p in mine)


def test_an_unwritable_cache_only_costs_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    s = store(blocker / "html")
    assert s.write(KEYS[0], "x") is False
    assert s.read(KEYS[0]) is None
    s.prune()
    assert blocker.read_text() == "a file where the cache folder should be"


def test_keys_are_names_not_paths(tmp_path: Path) -> None:
    folder = tmp_path / "html"
    s = store(folder)
    for key in ("../escape", "a/b", "", "x" * 129, "é"):
        assert s.write(key, "x") is False and s.read(key) is None
    s.prune()
    assert not (tmp_path / "escape").exists() and not folder.exists()


def test_packs_whose_indexes_are_too_big_are_not_read_and_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A pull request can carry packs with huge, well-compressed indexes: a build reads at
    # most MAX_INDEX_BYTES of one and MAX_INDEXES_BYTES of all of a cache's.
    folder = tmp_path / "html"
    texts = filled(folder, n=2)
    (mine,) = packfiles.packs(folder)

    def index_bytes(path: Path) -> int:
        return int(path.read_bytes()[-32:-16], 16)

    planted = []
    for name, n in (("0" * 16, 4), ("f" * 16, 2)):  # read before and after `mine`
        path = packfiles.write_pack(
            folder, {f"{n:02x}{j:062x}": seal("html/x", "x").encode() for j in range(n)}
        )
        planted.append(path.rename(folder / f"pack-{name}.pack"))
    # the first is over the limit of one index; the last over what is left of the total
    limit = max(index_bytes(mine), index_bytes(planted[1]))
    assert index_bytes(planted[0]) > limit
    monkeypatch.setattr(cachestore, "MAX_INDEX_BYTES", limit)
    monkeypatch.setattr(
        cachestore, "MAX_INDEXES_BYTES", index_bytes(mine) + index_bytes(planted[1]) - 1
    )
    s = store(folder)
    s._load()
    loaded = {p.path for p in s._packs or ()}
    assert loaded == {mine}
    assert [s.read(k) for k in KEYS[:2]] == [texts[k] for k in KEYS[:2]]
    s.prune()
    assert packfiles.packs(folder) == [mine]


def test_reading_forged_entries_stops_after_a_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every key of a planted pack points at the same large region: each read would hash it
    # whole, so after MAX_BAD_BYTES of entries that failed their MAC a store reads no more.
    folder = tmp_path / "html"
    big = b"0" * 64 + b"\n" + b"x" * 100_000
    keys = [f"{i:064x}" for i in range(50)]
    body = packfiles.MAGIC + big
    index = "".join(f"{k} {len(packfiles.MAGIC)} {len(big)}\n" for k in keys).encode()
    trailer = f"{len(body):016x} {len(index):016x} assay-pack-end\n".encode()
    folder.mkdir()
    (folder / "pack-0123456789abcdef.pack").write_bytes(body + index + trailer)
    monkeypatch.setattr(cachestore, "MAX_BAD_BYTES", 5 * len(big))
    reads = packfiles.count_preads(monkeypatch)
    s = store(folder)
    assert [s.read(k) for k in keys] == [None] * len(keys)
    assert reads.count(len(big)) == 6  # the one that crossed the budget included
    assert s.write(keys[0], "rendered again") and s.read(keys[0]) == "rendered again"


def test_at_most_so_many_packs_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "html"
    for i in range(5):
        packfiles.write_pack(folder, {KEYS[i]: seal(f"html/{KEYS[i]}", f"v{i}").encode()})
    monkeypatch.setattr(cachestore, "MAX_PACK_FILES", 3)
    s = store(folder)
    assert sum(s.read(k) is not None for k in KEYS[:5]) == 3
    s.prune()  # the two not read are removed; the three read stay
    assert len(packfiles.packs(folder)) == 3


def test_flushes_without_prunes_merge_their_packs(tmp_path: Path) -> None:
    folder = tmp_path / "engine"
    s = store(folder)
    keys = [f"{i:064x}" for i in range(3 * cachestore.MAX_PACKS)]
    for key in keys:  # `assay serve`'s dirty rebuilds: a flush each, never a prune
        s.write(key, f"v{key}")
        s.flush()
        assert len(packfiles.packs(folder)) <= 2 * cachestore.MAX_PACKS
    fresh = store(folder)
    assert all(fresh.read(k) == f"v{k}" for k in keys)  # nothing dropped
