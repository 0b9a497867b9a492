"""The theme's output per page, kept across MkDocs builds (generator/engines/outputcache.py):
reused only when nothing a page is made from changed, believed only with this machine's MAC,
and never used with a plugin that could change a page's context."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def entries(root: Path) -> dict[str, Path]:
    return {p.stem: p for p in (root / ".assay-cache/engine").glob("*/*.html")}


def entry_of(root: Path, site: Path) -> Path:
    """The cache entry holding the output of PAGE (found by its content)."""
    page = (site / PAGE).read_text("utf-8")
    found = [p for p in entries(root).values() if p.read_text("utf-8").endswith("\n" + page)]
    assert len(found) == 1
    return found[0]


def plant(entry: Path, text: str, valid: bool = True) -> None:
    name = f"engine/{entry.stem}"
    entry.write_text(seal(name, text) if valid else f"{'0' * 64}\n{text}", "utf-8")


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
    plant(entry, FAKE)
    build(kb, tmp_path / "three")
    assert (tmp_path / "three" / PAGE).read_text("utf-8") == FAKE


def test_an_entry_without_this_machines_mac_is_never_used(kb: Path, tmp_path: Path) -> None:
    build(kb, tmp_path / "one")
    entry = entry_of(kb, tmp_path / "one")
    plant(entry, FAKE, valid=False)
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
    plant(entry_of(kb, tmp_path / "one"), FAKE)
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

    cache = OutputCache(tmp_path / "engine")
    for key in ("a" * 64, "b" * 64, "c" * 64, "d" * 64):
        cache.put(key, f"page {key[0]}")
    assert cache.get("a" * 64) == "page a"
    outside = tmp_path / "outside.html"
    outside.write_text((tmp_path / "engine/aa" / f"{'a' * 64}.html").read_text("utf-8"))
    link = tmp_path / "engine/bb" / f"{'b' * 64}.html"
    link.unlink()
    link.symlink_to(outside)  # a valid entry, reached through a link: not followed
    fifo = tmp_path / "engine/cc" / f"{'c' * 64}.html"
    fifo.unlink()
    os.mkfifo(fifo)  # would block a reader that opened it for reading without O_NONBLOCK
    big = tmp_path / "engine/dd" / f"{'d' * 64}.html"
    big.write_bytes(b"x" * (17 * 1024 * 1024))
    assert [cache.get(k * 64) for k in "bcd"] == [None, None, None]
    cache.prune()  # every key was asked for: nothing goes
    assert big.exists()
    assert cache.get("a" * 64) == "page a"
    cache.prune()  # only "a" was asked for since
    assert (tmp_path / "engine/aa" / f"{'a' * 64}.html").exists()
    assert not big.exists() and not fifo.exists() and not link.exists() and outside.exists()
