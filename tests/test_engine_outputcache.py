"""The theme's output per page, kept across MkDocs builds (generator/engines/outputcache.py):
reused only when nothing a page is made from changed, believed only with this machine's MAC,
and never used with a plugin that could change a page's context."""

from __future__ import annotations

import shutil
from pathlib import Path

import packfiles
import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cacheauth import seal
from generator.cli import main

AS_OF = "2026-11-25"
PAGE = "papers/flashattention/index.html"  # a record page of the valid knowledge base
FAKE = "<!doctype html><title>from the cache</title>REUSED-OUTPUT"


def build(root: Path, site: Path) -> None:
    result = CliRunner().invoke(
        main, ["build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output


def entries(root: Path) -> dict[str, bytes]:
    return packfiles.entries(root / ".assay-cache/engine")


def entry_of(root: Path, site: Path) -> str:
    """The key of the cache entry holding the output of PAGE (found by its content)."""
    page = (site / PAGE).read_bytes()
    found = [key for key, stored in entries(root).items() if stored.endswith(b"\n" + page)]
    assert len(found) == 1
    return found[0]


def plant(root: Path, key: str, text: str, valid: bool = True) -> None:
    stored = seal(f"engine/{key}", text) if valid else f"{'0' * 64}\n{text}"
    packfiles.replace_entries(
        root / ".assay-cache/engine", {**entries(root), key: stored.encode("utf-8")}
    )


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    return root


def test_a_rebuild_reuses_every_page_and_the_site_is_the_same(kb: Path, tmp_path: Path) -> None:
    build(kb, tmp_path / "one")
    pages = sorted(p.relative_to(tmp_path / "one") for p in (tmp_path / "one").rglob("*.html"))
    assert len(entries(kb)) >= 15
    entry = entry_of(kb, tmp_path / "one")
    build(kb, tmp_path / "two")
    for rel in pages:
        assert (tmp_path / "two" / rel).read_bytes() == (tmp_path / "one" / rel).read_bytes(), rel
    # The entry is what the second build wrote: a sealed stand-in shows it is read back.
    plant(kb, entry, FAKE)
    build(kb, tmp_path / "three")
    assert (tmp_path / "three" / PAGE).read_text("utf-8") == FAKE


def test_an_entry_without_this_machines_mac_is_never_used(kb: Path, tmp_path: Path) -> None:
    build(kb, tmp_path / "one")
    entry = entry_of(kb, tmp_path / "one")
    plant(kb, entry, FAKE, valid=False)
    build(kb, tmp_path / "two")
    assert (tmp_path / "two" / PAGE).read_text("utf-8") == (tmp_path / "one" / PAGE).read_text(
        "utf-8"
    )


@pytest.mark.parametrize(
    "change",
    [
        "record",  # the page's own record
        "other-title",  # a record whose title the page shows (backlink / reference)
        "site-name",  # configuration
        "nav",  # a maintainer page adds a navigation entry
        "theme-override",  # a template in the user's custom_dir
    ],
)
def test_what_a_page_is_made_from_is_in_its_key(kb: Path, tmp_path: Path, change: str) -> None:
    build(kb, tmp_path / "one")
    plant(kb, entry_of(kb, tmp_path / "one"), FAKE)
    if change == "record":
        path = kb / "content/papers/flashattention.md"
        path.write_text(path.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    elif change == "other-title":
        page = (tmp_path / "one" / PAGE).read_text("utf-8")
        others = [
            p
            for p in (kb / "content").glob("*/*.md")
            if p.stem != "flashattention" and f"/{p.stem}/" in page and p.parent.name != "guide"
        ]
        assert others, "the page links no other record"
        text = others[0].read_text("utf-8")
        others[0].write_text(text.replace("title: ", "title: Renamed ", 1), "utf-8")
    elif change == "site-name":
        (kb / "mkdocs.yml").write_text(
            (kb / "mkdocs.yml").read_text("utf-8").replace("site_name:", "site_name: Renamed", 1)
            if (kb / "mkdocs.yml").exists()
            else "site_name: Renamed\ndocs_dir: content\n",
            "utf-8",
        )
    elif change == "nav":
        (kb / "content/about.md").write_text("# About\n\nA maintainer page.\n", "utf-8")
    else:
        overrides = kb / "overrides"
        overrides.mkdir()
        (overrides / "main.html").write_text(
            '{% extends "base.html" %}{% block footer %}OVERRIDDEN{% endblock %}', "utf-8"
        )
        config = kb / "mkdocs.yml"
        text = (
            config.read_text("utf-8") if config.exists() else "site_name: KB\ndocs_dir: content\n"
        )
        config.write_text(
            text + "theme: {name: material, font: false, custom_dir: overrides}\n", "utf-8"
        )
    build(kb, tmp_path / "two")
    page = (tmp_path / "two" / PAGE).read_text("utf-8")
    assert "REUSED-OUTPUT" not in page
    if change == "theme-override":
        assert "OVERRIDDEN" in page


def test_a_plugin_that_may_change_a_pages_context_turns_the_cache_off(
    kb: Path, tmp_path: Path
) -> None:
    config = kb / "mkdocs.yml"
    text = config.read_text("utf-8") if config.exists() else "site_name: KB\ndocs_dir: content\n"
    config.write_text(text + "plugins:\n  - search\n  - material/tags\n", "utf-8")
    build(kb, tmp_path / "one")
    assert entries(kb) == {}


def test_entries_that_are_links_special_files_or_too_big_are_misses(tmp_path: Path) -> None:
    import os

    from generator.engines.outputcache import OutputCache

    folder = tmp_path / "engine"
    cache = OutputCache(folder)
    for key in ("a" * 64, "b" * 64, "c" * 64, "d" * 64):
        cache.put(key, f"page {key[0]}")
    cache.prune()
    assert cache.get("a" * 64) == "page a"
    stored = packfiles.entries(folder)
    # each other entry in a pack of its own, planted as a link, a FIFO, or with an index
    # that claims more than the 16 MiB an entry may hold
    packfiles.replace_entries(folder, {"a" * 64: stored["a" * 64]})
    outside = tmp_path / "outside.pack"
    outside.write_bytes(packfiles.pack_bytes({"b" * 64: stored["b" * 64]}))
    (folder / "pack-bbbbbbbbbbbbbbbb.pack").symlink_to(outside)
    os.mkfifo(folder / "pack-cccccccccccccccc.pack")  # would block a reader without O_NONBLOCK
    big = packfiles.pack_bytes({"d" * 64: b"x"}).replace(b" 1\n", b" 16777217\n")
    (folder / "pack-dddddddddddddddd.pack").write_bytes(big + b"x" * 16777216)
    # and the same as earlier versions stored entries, one file each
    legacy = {k: folder / (k * 2) / f"{k * 64}.html" for k in "bcd"}
    for path in legacy.values():
        path.parent.mkdir()
    legacy["b"].symlink_to(tmp_path / "outside-entry")
    (tmp_path / "outside-entry").write_bytes(stored["b" * 64])
    os.mkfifo(legacy["c"])
    legacy["d"].write_bytes(b"x" * (17 * 1024 * 1024))
    cache = OutputCache(folder)
    assert [cache.get(k * 64) for k in "bcd"] == [None, None, None]
    assert cache.get("a" * 64) == "page a"
    cache.prune()  # what is not a well-formed pack goes; entries asked for stay
    (pack,) = packfiles.packs(folder)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["bb", "cc", "dd", pack.name])
    assert cache.get("a" * 64) == "page a"
    cache.prune()  # only "a" was asked for since: the old entries go too
    assert [p.name for p in folder.iterdir()] == [packfiles.packs(folder)[0].name]
    assert outside.exists() and (tmp_path / "outside-entry").exists()
