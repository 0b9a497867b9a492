"""ProperDocs' process started while Assay compiles (generator/engines/properdocs_start.py):
the same site byte for byte as a ProperDocs started after the compile; no process left
behind when the build fails before its engine runs or is killed; the repository's own
files are never on the engine's module search path."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.engines import properdocs
from generator.engines.properdocs import ProperDocsEngine

AS_OF = "2026-11-25"


def build(root: Path, site: Path) -> Any:
    shutil.rmtree(root / ".assay-cache", ignore_errors=True)  # a first build
    args = ["build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF]
    return CliRunner().invoke(main, [*args, "--engine", "properdocs"])


def tree(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def children(parent: int) -> dict[int, str]:
    """Processes whose parent is `parent` (zombies included) → their command line."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"\nPPid:\t{parent}\n" in status:
            out[int(entry.name)] = cmdline
    return out


def alive(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(VALID_ROOT, root)
    return root


class Spy:
    """What each `ProperDocsEngine.build` of the test was given: a started process or not."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[int | None] = []
        real = ProperDocsEngine.build

        def spied(engine: ProperDocsEngine, source: Any, site_dir: Path) -> None:
            started = engine._started
            self.started.append(None if started is None else started.pid)
            real(engine, source, site_dir)

        monkeypatch.setattr(ProperDocsEngine, "build", spied)


def test_same_site_started_early_or_not(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = Spy(monkeypatch)
    monkeypatch.setattr(properdocs, "PRESTART", False)
    result = build(kb, tmp_path / "late")
    assert result.exit_code == 0, result.output
    monkeypatch.setattr(properdocs, "PRESTART", True)
    result = build(kb, tmp_path / "early")
    assert result.exit_code == 0, result.output
    assert spy.started[0] is None and spy.started[1] is not None  # both ways were taken
    late, early = tree(tmp_path / "late"), tree(tmp_path / "early")
    assert len(late) > 50 and "papers/lora/index.html" in late
    assert sorted(early) == sorted(late)
    assert [p for p in late if late[p] != early[p]] == []
    assert not alive(spy.started[1])
    assert children(os.getpid()) == {}


def test_an_engine_failure_reads_as_before(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A markdown extension that does not exist: ProperDocs stops with its own message.
    (kb / "mkdocs.yml").write_text(
        "site_name: KB\ntheme:\n  name: material\nmarkdown_extensions:\n  - no_such_extension_x\n"
    )
    messages = []
    for prestart in (False, True):
        monkeypatch.setattr(properdocs, "PRESTART", prestart)
        result = build(kb, tmp_path / f"site-{prestart}")
        assert result.exit_code == 1
        messages.append(result.output)
    assert "ProperDocs failed" in messages[0] and "no_such_extension_x" in messages[0]
    assert messages[0] == messages[1]
    assert children(os.getpid()) == {}


def test_invalid_records_leave_no_process(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    real = ProperDocsEngine.start

    def spied(engine: ProperDocsEngine) -> None:
        real(engine)
        assert engine._started is not None
        started.append(engine._started.pid)

    monkeypatch.setattr(ProperDocsEngine, "start", spied)
    monkeypatch.setattr(properdocs, "PRESTART", True)
    paper = kb / "content/papers/lora.md"
    paper.write_text(paper.read_text().replace("title: ", "title_x: ", 1))
    result = build(kb, tmp_path / "site")
    assert result.exit_code == 1
    assert "nothing was built" in result.output
    assert len(started) == 1 and not alive(started[0])
    assert children(os.getpid()) == {}
    assert not (tmp_path / "site").exists()


def test_killed_build_takes_the_started_process_with_it(kb: Path, tmp_path: Path) -> None:
    env = {**os.environ, "ASSAY_TEST_HOOK": "pause:compiled", "ASSAY_ENGINE_PRESTART": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", "--root", str(kb), "--site-dir",
         str(tmp_path / "site"), "--as-of", AS_OF, "--engine", "properdocs"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        while line and line.strip() != "ASSAY-PAUSED compiled":
            line = proc.stderr.readline()
        assert line.strip() == "ASSAY-PAUSED compiled"
        started = [pid for pid, cmd in children(proc.pid).items() if "properdocs_start" in cmd]
        assert len(started) == 1 and alive(started[0])
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while alive(started[0]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(started[0])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def run_start(stdin: str) -> subprocess.CompletedProcess[str]:
    """The started process on its own, given `stdin` (its parent: this test)."""
    return subprocess.run(
        [sys.executable, "-P", "-m", "generator.engines.properdocs_start", str(os.getpid())],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("stdin", ["", "not json\n", '{"a": 1}\n', '["build", 3]\n'])
def test_no_arguments_ends_it_quietly(stdin: str) -> None:
    done = run_start(stdin)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_another_parent_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-P", "-m", "generator.engines.properdocs_start", "1"],
        input='["--version"]\n', capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (1, "")


def test_runs_properdocs_command_line() -> None:
    done = run_start('["--version"]\n')
    plain = subprocess.run(
        [sys.executable, "-m", "properdocs", "--version"], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode == plain.returncode == 0
    assert done.stdout == plain.stdout and "properdocs" in done.stdout.lower()
    assert done.stderr == plain.stderr == ""
    bad = run_start('["build", "--no-such-option"]\n')
    plain = subprocess.run(
        [sys.executable, "-m", "properdocs", "build", "--no-such-option"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == plain.returncode == 2
    assert bad.stderr == plain.stderr and "no-such-option" in bad.stderr


@pytest.mark.parametrize("prestart", [False, True])
def test_repository_modules_are_not_imported(
    kb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prestart: bool
) -> None:
    """A pull request can add `jinja2.py` (or any module name) at the repository's root,
    the folder `assay build` usually runs in: ProperDocs' process must not import it."""
    marker = tmp_path / "ran"
    for name in ("jinja2", "markdown", "click", "yaml", "properdocs"):
        (kb / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    monkeypatch.chdir(kb)
    monkeypatch.setattr(properdocs, "PRESTART", prestart)
    result = build(kb, tmp_path / "site")
    assert result.exit_code == 0, result.output
    assert not marker.exists()
    assert (tmp_path / "site/index.html").is_file()


PRIORITY = """
import os
from generator.engines import properdocs_start as s
restore = s.lower_priority()
during = os.getpriority(os.PRIO_PROCESS, 0)
if restore is not None:
    os.setpriority(os.PRIO_PROCESS, 0, restore)
print(restore, during, os.getpriority(os.PRIO_PROCESS, 0))
"""


def priority_run(**kwargs: Any) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-P", "-c", PRIORITY], capture_output=True, text=True, check=True,
        timeout=60, **kwargs,
    )  # fmt: skip
    return done.stdout.split()


def test_imports_run_at_low_priority_when_it_can_be_raised_back() -> None:
    # Whether this machine lets a process raise its priority back, tried here on its own.
    trial = subprocess.run(
        [sys.executable, "-c", "import os; os.nice(1); os.setpriority(os.PRIO_PROCESS, 0, 0)"],
        capture_output=True, check=False,
    )  # fmt: skip
    expected = ["0", "19", "0"] if trial.returncode == 0 else ["None", "0", "0"]
    assert priority_run() == expected


@pytest.mark.parametrize(
    ("status", "limit", "may"),
    [
        ("CapEff:\t000001fffeffffff\n", 0, True),  # root in this container: CAP_SYS_NICE
        ("Name:\tx\nCapEff:\t0000000000800000\n", 0, True),  # that capability alone
        ("CapEff:\t0000000000000000\n", 0, False),  # a user, default limit
        ("CapEff:\t00000000007fffff\n", 19, False),  # every capability below it; 20 > 19
        ("CapEff:\t0000000000000000\n", 20, True),  # the limit allows nice 0
        ("", -1, True),  # RLIM_INFINITY
        ("CapEff:\tzz\n", 0, False),
    ],
)
def test_who_may_raise_priority(status: str, limit: int, may: bool) -> None:
    from generator.engines.properdocs_start import may_lower_nice

    assert may_lower_nice(0, status, limit) is may
