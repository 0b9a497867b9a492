"""Publishing never loses the site (SPEC §7): a real `assay build` killed with SIGKILL at
named points of the swap (the test hook in generator/sitedir.py) and at many instants,
while a reader checks that the old or the new site is complete at every moment; two builds
at once; leftovers of killed builds; site folders Assay must refuse."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hostile_kb import AS_OF, assay, assert_clean_exit, build, kill, make_kb

from generator.sitedir import MANIFEST, is_complete, lock_path


def _state(site: Path) -> str:
    """'complete', 'missing' or 'incomplete', judged on one directory inode: a swap during
    the check is not mistaken for a broken site."""
    while True:
        try:
            fd = os.open(site, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            return "missing"
        try:
            ino = os.fstat(fd).st_ino
            ok = is_complete(Path(f"/proc/self/fd/{fd}"))
            try:
                current = os.stat(site).st_ino
            except FileNotFoundError:
                return "missing"
            if ok:
                return "complete"
            if current == ino:
                return "incomplete"
        finally:
            os.close(fd)


class Reader(threading.Thread):
    """Checks the site as fast as it can until stopped; remembers every bad state."""

    def __init__(self, site: Path) -> None:
        super().__init__(daemon=True)
        self.site = site
        self.stop = threading.Event()
        self.bad: list[str] = []
        self.checks = 0

    def run(self) -> None:
        while not self.stop.is_set():
            state = _state(self.site)
            self.checks += 1
            if state != "complete":
                self.bad.append(state)

    def finish(self) -> list[str]:
        self.stop.set()
        self.join(timeout=30)
        return self.bad


def _edit(root: Path, marker: str) -> None:
    path = root / "content/papers/lora.md"
    text = path.read_text()
    start = text.index("summary: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + f"summary: {marker}" + text[end:])


def _start(root: Path, site: Path, hook: str | None) -> subprocess.Popen[str]:
    env = {**os.environ}
    if hook:
        env["ASSAY_TEST_HOOK"] = hook
    return subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--root", str(root),
         "--site-dir", str(site), "--as-of", AS_OF],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _wait_paused(proc: subprocess.Popen[str], point: str) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            break
        seen.append(line)
        if line.strip() == f"ASSAY-PAUSED {point}":
            return
    raise AssertionError(f"the build never paused at {point}: {''.join(seen)}")


def _leftovers(site: Path) -> list[str]:
    return sorted(
        p.name
        for p in site.parent.iterdir()
        if p.name.startswith(f".{site.name}.assay-") and p != lock_path(site)
    )


def _summary_of(site: Path) -> str:
    return (site / "papers/lora/index.html").read_text()


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path]:
    root = make_kb(tmp_path)
    site = tmp_path / "site"
    _edit(root, "OLD-SITE-MARKER")
    first = build(root, site)
    assert first.code == 0, first.text
    assert is_complete(site)
    _edit(root, "NEW-SITE-MARKER")
    return root, site


@pytest.mark.parametrize("point", ["locked", "compiled", "staged", "exchanged", "published"])
def test_kill_at_each_point_of_the_swap(built: tuple[Path, Path], point: str) -> None:
    root, site = built
    reader = Reader(site)
    reader.start()
    proc = _start(root, site, f"pause:{point}")
    try:
        _wait_paused(proc, point)
    finally:
        kill(proc)
    assert reader.finish() == []
    assert reader.checks > 0
    expected = "OLD-SITE-MARKER" if point in ("locked", "compiled", "staged") else "NEW-SITE-MARKER"
    assert expected in _summary_of(site)
    if point == "compiled":  # the site source of the killed build lies beside the site
        assert [n for n in _leftovers(site) if "-source-" in n], _leftovers(site)
    again = build(root, site)
    assert again.code == 0, again.text
    assert _leftovers(site) == []
    assert "NEW-SITE-MARKER" in _summary_of(site)


def test_kill_between_the_fallback_renames_is_recovered(built: tuple[Path, Path]) -> None:
    """Without renameat2 (not Linux, or a file system without it) two renames leave a short
    window with no site; a kill inside it is undone by the next build, first thing."""
    root, site = built
    proc = _start(root, site, "pause:between-renames,no-exchange")
    try:
        _wait_paused(proc, "between-renames")
    finally:
        kill(proc)
    assert not site.exists()
    nxt = _start(root, site, "pause:locked")
    try:
        _wait_paused(nxt, "locked")
        assert is_complete(site)  # the old site is back before anything else happens
        assert "OLD-SITE-MARKER" in _summary_of(site)
    finally:
        kill(nxt)
    again = build(root, site)
    assert again.code == 0, again.text
    assert "NEW-SITE-MARKER" in _summary_of(site)
    assert _leftovers(site) == []


def test_fallback_publishes_without_exchange(built: tuple[Path, Path]) -> None:
    root, site = built
    result = assay(
        "build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF,
        env={"ASSAY_TEST_HOOK": "no-exchange"},
    )  # fmt: skip
    assert result.code == 0, result.text
    assert "NEW-SITE-MARKER" in _summary_of(site)
    assert _leftovers(site) == []


def test_kill_at_many_instants(built: tuple[Path, Path]) -> None:
    root, site = built
    started = time.monotonic()
    probe = build(root, site)
    assert probe.code == 0
    duration = time.monotonic() - started
    reader = Reader(site)
    reader.start()
    for i in range(12):
        _edit(root, f"MARKER-{i}")
        proc = _start(root, site, None)
        time.sleep(duration * (i + 0.5) / 12)
        kill(proc)
        assert proc.returncode in (0, -9)
    bad = reader.finish()
    assert bad == [], bad
    assert reader.checks > 100
    final = build(root, site)
    assert final.code == 0
    assert _leftovers(site) == []  # the killed builds' staging and site-source folders too


def test_two_builds_at_once_second_is_refused(built: tuple[Path, Path]) -> None:
    root, site = built
    first = _start(root, site, "pause:locked")
    try:
        _wait_paused(first, "locked")
        second = build(root, site)
        assert_clean_exit(second)
        assert second.code == 1
        assert "another assay build is writing" in second.err
        assert len(second.err.strip().splitlines()) == 1
        assert is_complete(site)
    finally:
        kill(first)
    third = build(root, site)
    assert third.code == 0, third.text
    assert _leftovers(site) == []


def test_builds_started_together(built: tuple[Path, Path]) -> None:
    root, site = built
    procs = [_start(root, site, None) for _ in range(3)]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert "Traceback" not in out + err, err
        outcomes.append((proc.returncode, err))
    assert any(code == 0 for code, _ in outcomes)
    for code, err in outcomes:
        assert code == 0 or "another assay build is writing" in err, err
    assert is_complete(site)
    assert _leftovers(site) == []


def test_leftovers_of_killed_builds_are_cleaned(built: tuple[Path, Path]) -> None:
    root, site = built
    for name in (".site.assay-staging-x1", ".site.assay-old-x2"):
        (site.parent / name / "sub").mkdir(parents=True)
        (site.parent / name / "sub" / "f.html").write_text("half")
    other = site.parent / ".unrelated"
    other.mkdir()
    result = build(root, site)
    assert result.code == 0
    assert _leftovers(site) == []
    assert other.exists()


def _one_line_error(result: object, fragment: str) -> None:
    from hostile_kb import Result

    assert isinstance(result, Result)
    assert_clean_exit(result)
    assert result.code == 1, result.text
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ") and fragment in lines[0], lines[0]


def test_bad_site_dirs(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    a_file = tmp_path / "file.txt"
    a_file.write_text("keep me")
    cases = {
        a_file / "site": "is a file, not a folder",
        a_file / "deeper" / "site": "is a file, not a folder",
        a_file: "not a folder",
        Path("/proc/assay-site"): "cannot write the site folder",
        Path("/proc/self/assay-site"): "cannot",
        Path("/dev/null"): "not a folder",
        root: "overlaps the knowledge base",
        root / "content": "overlaps the knowledge base",
        root / "content" / "site": "overlaps the knowledge base",
        root.parent: "overlaps the knowledge base",
        Path("/"): "cannot be a site folder",
        tmp_path / ("x" * 300): "cannot",
    }
    for site, fragment in cases.items():
        _one_line_error(build(root, site), fragment)
    assert a_file.read_text() == "keep me"


def test_site_dir_symlink_is_refused(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "site"
    link.symlink_to(real, target_is_directory=True)
    _one_line_error(build(root, link), "a link")
    assert link.is_symlink()


def test_foreign_folder_is_refused_never_emptied(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    home = tmp_path / "home"
    (home / "docs").mkdir(parents=True)
    (home / "docs" / "thesis.tex").write_text("years of work")
    (home / "index.html").write_text("<html>my page</html>")
    _one_line_error(build(root, home), "does not look like a built site")
    assert (home / "docs" / "thesis.tex").read_text() == "years of work"


def test_site_with_files_assay_did_not_write_is_refused(built: tuple[Path, Path]) -> None:
    root, site = built
    (site / "CNAME").write_text("docs.example.org")
    (site / "papers" / "notes.txt").write_text("mine")
    _one_line_error(build(root, site), "2 file(s) Assay did not write")
    assert (site / "CNAME").exists() and (site / "papers" / "notes.txt").exists()
    assert is_complete(site)


def test_manifest_that_lies_does_not_hide_files(built: tuple[Path, Path]) -> None:
    root, site = built
    (site / "mine.txt").write_text("mine")
    (site / MANIFEST).write_text('{"files": "everything"}')
    _one_line_error(build(root, site), "does not look like a built site")
    assert (site / "mine.txt").exists()


def test_site_built_by_an_older_assay_is_accepted(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    site = tmp_path / "site"
    (site / "search").mkdir(parents=True)
    (site / "index.html").write_text(
        '<html><head><meta name="generator" content="mkdocs-1.6.1, mkdocs-material-9.5">'
    )
    (site / "404.html").write_text("<html></html>")
    (site / "sitemap.xml").write_text("<urlset/>")
    (site / "old-page.html").write_text("old")
    result = build(root, site)
    assert result.code == 0, result.text
    assert not (site / "old-page.html").exists()
    assert is_complete(site)


def test_unwritable_parent(tmp_path: Path) -> None:
    """A parent folder the build cannot write: sysfs refuses even root; for an ordinary
    user a read-only folder does too."""
    root = make_kb(tmp_path)
    targets = [Path("/sys/assay-site"), Path("/sys/kernel/assay/site")]
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    if os.geteuid() != 0:  # root ignores permission bits
        readonly.chmod(0o555)
        targets.append(readonly / "site")
    try:
        for site in targets:
            _one_line_error(build(root, site), "cannot")
            assert not site.exists()
    finally:
        readonly.chmod(0o755)
