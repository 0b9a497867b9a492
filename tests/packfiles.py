"""The caches' pack files read and written by hand, from the format documented in
generator/cachestore.py (not with its code), for tests that look at or tamper with entries."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest

MAGIC = b"assay-pack 1\n"


def packs(folder: Path) -> list[Path]:
    return sorted(folder.glob("pack-*.pack"))


def read_pack(path: Path) -> dict[str, bytes]:
    """key → the entry's bytes (its MAC line, then its text), as stored in one pack."""
    data = path.read_bytes()
    assert data.startswith(MAGIC)
    trailer = re.fullmatch(rb"([0-9a-f]{16}) ([0-9a-f]{16}) assay-pack-end\n", data[-49:])
    assert trailer is not None, data[-49:]
    at, size = int(trailer.group(1), 16), int(trailer.group(2), 16)
    assert at + size == len(data) - 49
    out = {}
    for line in data[at : at + size].decode("ascii").splitlines():
        key, offset, length = line.split(" ")
        out[key] = data[int(offset) : int(offset) + int(length)]
    return out


def entries(folder: Path) -> dict[str, bytes]:
    """Every entry of every pack in `folder`."""
    out: dict[str, bytes] = {}
    for path in packs(folder):
        out.update(read_pack(path))
    return out


def pack_bytes(items: dict[str, bytes]) -> bytes:
    body = bytearray(MAGIC)
    index = b""
    for key, data in items.items():
        index += f"{key} {len(body)} {len(data)}\n".encode()
        body += data
    at = len(body)
    return bytes(body) + index + f"{at:016x} {len(index):016x} assay-pack-end\n".encode()


def write_pack(folder: Path, items: dict[str, bytes]) -> Path:
    """A new pack holding `items`, as Assay names them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"pack-{secrets.token_hex(8)}.pack"
    path.write_bytes(pack_bytes(items))
    return path


def replace_entries(folder: Path, items: dict[str, bytes]) -> Path:
    """Every pack in `folder` replaced by one holding `items`."""
    for path in packs(folder):
        path.unlink()
    return write_pack(folder, items)


def count_preads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The lengths of every `os.pread` from now on (how much of a pack was read)."""
    reads: list[int] = []
    real_pread = os.pread

    def counting_pread(fd: int, length: int, offset: int) -> bytes:
        reads.append(length)
        return real_pread(fd, length, offset)

    monkeypatch.setattr(os, "pread", counting_pread)
    return reads
