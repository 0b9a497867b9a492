"""Material's templates rendered by a forked child during a first build
(generator/engines/pagerender.py): the site is byte for byte the one a single process
builds, whatever the child does (renders all, some, dies, hangs, sends garbage or pages it
was not given); the child is always reaped; no fork with other threads or under serve."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import packfiles
import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator import forking, mkdocs_plugin
from generator.cli import main
from generator.engines import pagerender
from generator.engines.pagerender import TemplateChild

AS_OF = "2026-11-25"


def build(root: Path, site: Path, *, ok: bool = True) -> Any:
    shutil.rmtree(root / ".assay-cache", ignore_errors=True)  # a first build: every page
    result = CliRunner().invoke(
        main, ["build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF]
    )
    if ok:
        assert result.exit_code == 0, result.output
    return result


def tree(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def children() -> list[int]:
    """Processes whose parent is this one (zombies included)."""
    me, out = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if f"\nPPid:\t{me}\n" in status:
            out.append(int(entry.name))
    return out


@pytest.fixture
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    monkeypatch.setattr(pagerender, "USE_CHILD", True)
    monkeypatch.setattr(pagerender, "MIN_PAGES", 1)  # the fixture has a few dozen pages
    return root


@pytest.fixture
def single(kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """The site as one process builds it."""
    monkeypatch.setattr(pagerender, "USE_CHILD", False)
    pagerender.LAST.clear()
    build(kb, tmp_path / "single")
    assert pagerender.LAST == {}  # no child
    monkeypatch.setattr(pagerender, "USE_CHILD", True)
    yield tree(tmp_path / "single")


def wait_first(monkeypatch: pytest.MonkeyPatch, pages: Callable[[TemplateChild], int]) -> None:
    """Have the parent wait, at its first page the child may render, until the child has
    sent `pages(child)` pages (or ended): the split is then known, not left to timing."""
    output = TemplateChild.output

    def waiting(self: TemplateChild, src_uri: str) -> str | None:
        if not getattr(self, "waited_once", False):
            self.waited_once = True  # type: ignore[attr-defined]
            self._read(wait=True, until=pages(self))
        return output(self, src_uri)

    monkeypatch.setattr(TemplateChild, "output", waiting)


def test_the_child_renders_every_page_and_the_site_is_the_same(
    kb: Path, tmp_path: Path, single: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_first(monkeypatch, lambda child: len(child.expected))
    build(kb, tmp_path / "parallel")
    assert pagerender.LAST["pages"] >= 15
    assert pagerender.LAST["from_child"] == pagerender.LAST["pages"]
    assert tree(tmp_path / "parallel") == single
    assert children() == []


def test_parent_and_child_meet_and_the_site_is_the_same(
    kb: Path, tmp_path: Path, single: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child has rendered half the pages (from the last) when the parent starts: the
    # parent renders the first ones itself until the two meet.
    wait_first(monkeypatch, lambda child: len(child.expected) // 2)
    build(kb, tmp_path / "parallel")
    assert len(single) > 0
    assert pagerender.LAST["pages"] // 2 <= pagerender.LAST["from_child"]
    assert pagerender.LAST["from_child"] < pagerender.LAST["pages"]
    assert tree(tmp_path / "parallel") == single
    # As it comes (no waiting), whatever the split.
    build(kb, tmp_path / "natural")
    assert tree(tmp_path / "natural") == single
    assert children() == []


def test_the_output_cache_stores_what_the_child_rendered(
    kb: Path, tmp_path: Path, single: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    wait_first(monkeypatch, lambda child: len(child.expected))
    build(kb, tmp_path / "parallel")
    cached = packfiles.entries(kb / ".assay-cache/engine").values()
    page = single["papers/flashattention/index.html"]
    assert len([stored for stored in cached if stored.endswith(b"\n" + page)]) == 1
    # A warm build reads every page back: no child, the same site.
    pagerender.LAST.clear()
    result = CliRunner().invoke(
        main, ["build", "--root", str(kb), "--site-dir", str(tmp_path / "warm"), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    assert pagerender.LAST == {}
    assert tree(tmp_path / "warm") == single


def _dies(pages: Any, render: Any, fd: int, parent: int) -> None:
    os._exit(1)


def _sends(data: bytes, code: int) -> Callable[..., None]:
    def child(pages: Any, render: Any, fd: int, parent: int) -> None:
        os.write(fd, data)
        os._exit(code)

    return child


def _message(src_uri: str, output: str) -> bytes:
    name, data = src_uri.encode(), output.encode()
    return len(name).to_bytes(4, "big") + len(data).to_bytes(4, "big") + name + data


def _first_then(code: int) -> Callable[..., None]:
    """A child that sends a forged output for its first page, then exits with `code`."""

    def child(pages: Any, render: Any, fd: int, parent: int) -> None:
        os.write(fd, _message(pages[-1].file.src_uri, "FORGED"))
        os._exit(code)

    return child


def _out_of_order(pages: Any, render: Any, fd: int, parent: int) -> None:
    os.write(fd, _message(pages[0].file.src_uri, "FORGED"))
    os._exit(0)


def _hangs(pages: Any, render: Any, fd: int, parent: int) -> None:
    forking.detach(fd, parent)  # dies with the test run, whatever the build does
    time.sleep(3600)


@pytest.mark.parametrize(
    "child",
    [
        pytest.param(_dies, id="dies"),
        pytest.param(_sends(b"\x00\x00\x00\x05\x00\x00\x00\x00hello", 0), id="garbage"),
        pytest.param(_sends(b"\x00\x00\x00\x01\xff\xff\xff\xff" + b"x" * 100, 0), id="huge"),
        pytest.param(
            _sends(b"\x00\x00\x00\x04\x00\x00\x00\x00\xff\xfe\xfd\xfc", 0), id="not-utf-8"
        ),
        pytest.param(_sends(_message("papers/not-given.md", "FORGED"), 0), id="foreign-page"),
        pytest.param(_sends(_message("../../etc/passwd", "FORGED"), 0), id="foreign-path"),
        pytest.param(_sends(b"\x00\x00", 0), id="half-a-header"),
        pytest.param(_first_then(1), id="valid-page-then-dies"),
        pytest.param(_out_of_order, id="out-of-order"),
        pytest.param(_hangs, id="hangs"),
    ],
)
def test_a_failing_child_costs_only_time(
    kb: Path,
    tmp_path: Path,
    single: dict[str, bytes],
    monkeypatch: pytest.MonkeyPatch,
    child: Callable[..., None],
) -> None:
    monkeypatch.setattr(pagerender, "_child", child)
    monkeypatch.setattr(pagerender, "TIMEOUT", 1.0)
    began = time.monotonic()
    result = build(kb, tmp_path / "parallel")
    assert time.monotonic() - began < 60
    assert "Traceback" not in result.output
    assert pagerender.LAST["pages"] >= 15 and pagerender.LAST["from_child"] == 0
    assert tree(tmp_path / "parallel") == single
    assert children() == []


def test_a_page_whose_rendering_logs_is_rendered_by_the_parent(
    kb: Path, tmp_path: Path, single: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child stops before a page whose template logs: the parent renders it and every
    page before it, so the message is printed once, by the build."""
    render = mkdocs_plugin._render_template
    noisy = "papers/flashattention.md"

    def logging_render(page: Any, **kw: Any) -> str:
        if page.file.src_uri == noisy:
            mkdocs_plugin.log.warning("a warning while rendering %s", page.file.src_uri)
        return render(page, **kw)

    monkeypatch.setattr(mkdocs_plugin, "_render_template", logging_render)
    wait_first(monkeypatch, lambda child: len(child.expected))
    result = build(kb, tmp_path / "parallel")
    assert 0 < pagerender.LAST["from_child"] < pagerender.LAST["pages"]
    assert tree(tmp_path / "parallel") == single
    assert result.output.count("a warning while rendering") <= 1  # the parent's, if shown


def test_a_page_whose_rendering_warns_is_rendered_by_the_parent(
    kb: Path, tmp_path: Path, single: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import warnings

    render = mkdocs_plugin._render_template
    noisy = "papers/flashattention.md"

    def warning_render(page: Any, **kw: Any) -> str:
        if page.file.src_uri == noisy:
            warnings.warn("rendering " + page.file.src_uri, UserWarning, stacklevel=1)
        return render(page, **kw)

    monkeypatch.setattr(mkdocs_plugin, "_render_template", warning_render)
    wait_first(monkeypatch, lambda child: len(child.expected))
    with warnings.catch_warnings():
        warnings.simplefilter("always")  # the child sees it, whatever the filters say
        build(kb, tmp_path / "parallel")
    assert 0 < pagerender.LAST["from_child"] < pagerender.LAST["pages"]
    assert tree(tmp_path / "parallel") == single


def test_a_failing_build_reaps_the_child(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mkdocs.exceptions import PluginError

    monkeypatch.setattr(pagerender, "_child", _hangs)

    def fails(self: Any, output: str, *, page: Any, config: Any) -> str:
        assert self.child is not None and self.child.pid  # the child runs
        raise PluginError("a plugin failed")

    monkeypatch.setattr(mkdocs_plugin.EnginePlugin, "on_post_page", fails)
    result = build(kb, tmp_path / "parallel", ok=False)
    assert result.exit_code == 1
    assert "could not be built" in result.output
    assert "Traceback" not in result.output
    assert children() == []
    assert not (tmp_path / "parallel").exists()


def test_an_interrupted_build_reaps_the_child(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """KeyboardInterrupt is no build error for MkDocs (no `build_error` event): the
    engine adapter reaps the child on its way out."""
    monkeypatch.setattr(pagerender, "_child", _hangs)

    def interrupted(self: Any, output: str, *, page: Any, config: Any) -> str:
        assert self.child is not None and self.child.pid  # the child runs
        raise KeyboardInterrupt

    monkeypatch.setattr(mkdocs_plugin.EnginePlugin, "on_post_page", interrupted)
    result = build(kb, tmp_path / "site", ok=False)
    assert result.exit_code != 0
    assert children() == []


def _record_starts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    starts: list[int] = []
    start = TemplateChild.start.__func__  # type: ignore[attr-defined]

    def recording(cls: type[TemplateChild], pages: Any, render: Any) -> TemplateChild | None:
        starts.append(len(pages))
        return start(cls, pages, render)  # type: ignore[no-any-return]

    monkeypatch.setattr(TemplateChild, "start", classmethod(recording))
    return starts


def test_no_fork_while_another_thread_runs(
    kb: Path, tmp_path: Path, single: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    starts = _record_starts(monkeypatch)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        build(kb, tmp_path / "threads")
    finally:
        stop.set()
        other.join()
    assert starts == []
    assert tree(tmp_path / "threads") == single
    build(kb, tmp_path / "alone")  # the same build forks once the thread is gone
    assert len(starts) == 1


def test_serve_never_forks(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`assay serve` (the MkDocs engine's live server, in this process): its first, full
    build runs before the server's threads start, and still renders in one process."""
    import signal

    from mkdocs.livereload import LiveReloadServer

    starts = _record_starts(monkeypatch)
    built: list[bool] = []

    def serve(self: Any, *, open_in_browser: bool = False) -> None:
        built.append(Path(self.root, "papers/flashattention/index.html").is_file())
        raise KeyboardInterrupt  # stop at once: the first build is done

    monkeypatch.setattr(LiveReloadServer, "serve", serve)
    monkeypatch.setattr(signal, "signal", lambda *args: None)  # keep pytest's handlers
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = CliRunner().invoke(
        main, ["serve", "--root", str(kb), "-a", f"127.0.0.1:{port}", "--engine", "mkdocs"]
    )
    assert built == [True], result.output
    assert starts == []
