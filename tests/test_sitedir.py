"""sitedir.publishing(): the in-process contract (the killed-build cases are in
tests/hostile/test_publish.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from generator.sitedir import MANIFEST, SiteDirError, is_complete, publishing


@pytest.fixture
def kb(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "kb"
    (root / "content").mkdir(parents=True)
    return root, root / "content"


def _publish(site: Path, kb: tuple[Path, Path], files: dict[str, str]) -> None:
    with publishing(site, root=kb[0], content=kb[1]) as staging:
        for name, text in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(text)


def test_publish_writes_manifest_and_replaces(tmp_path: Path, kb: tuple[Path, Path]) -> None:
    site = tmp_path / "site"
    _publish(site, kb, {"index.html": "one", "a/b.html": "b"})
    assert json.loads((site / MANIFEST).read_text())["files"] == ["a/b.html", "index.html"]
    assert is_complete(site)
    _publish(site, kb, {"index.html": "two"})
    assert (site / "index.html").read_text() == "two"
    assert not (site / "a").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.assay-lock", "kb", "site"]


def test_failed_body_keeps_the_old_site(tmp_path: Path, kb: tuple[Path, Path]) -> None:
    site = tmp_path / "site"
    _publish(site, kb, {"index.html": "one"})
    with pytest.raises(RuntimeError), publishing(site, root=kb[0], content=kb[1]) as staging:
        (staging / "index.html").write_text("half")
        raise RuntimeError("engine failed")
    assert (site / "index.html").read_text() == "one"
    assert [p.name for p in tmp_path.iterdir() if "staging" in p.name] == []


def test_body_oserror_is_not_blamed_on_the_site_dir(tmp_path: Path, kb: tuple[Path, Path]) -> None:
    with pytest.raises(FileNotFoundError), publishing(tmp_path / "s", root=kb[0], content=kb[1]):
        raise FileNotFoundError("engine lost a file")


def test_second_publisher_is_refused(tmp_path: Path, kb: tuple[Path, Path]) -> None:
    site = tmp_path / "site"
    with publishing(site, root=kb[0], content=kb[1]) as staging:
        (staging / "index.html").write_text("x")
        with pytest.raises(SiteDirError, match="another assay build is writing"):
            _publish(site, kb, {"index.html": "y"})
    assert (site / "index.html").read_text() == "x"


def test_new_site_gets_the_usual_mode_not_mkdtemps_private_one(
    tmp_path: Path, kb: tuple[Path, Path]
) -> None:
    site = tmp_path / "site"
    old = os.umask(0o022)
    try:
        _publish(site, kb, {"index.html": "one"})
    finally:
        os.umask(old)
    assert site.stat().st_mode & 0o777 == 0o755
