"""The README tells a new user what to run and what they will see; these tests keep it true.

* Its second line — the test command — is exactly `.ci/run`'s last line (what CI runs).
* The record example, broken as the README says, gives exactly the output the README shows.
* The commands of "Everyday use" that only read name records and owners that exist.
* `tests/system-deps.sh`, which the test command runs first, installs through sudo when it is
  not root (GitHub's hosted runners) and directly when it is (a fresh Debian container).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import yaml
from click.testing import CliRunner

from generator.cli import main

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text("utf-8")


def _commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block, "the README starts with a sh block of commands"
    return [line.split("    #")[0].strip() for line in block[1].splitlines()]


def test_readme_test_command_is_what_ci_runs() -> None:
    first, test_command = _commands()[:2]
    assert first.startswith("python3 -m venv .venv && .venv/bin/pip install -e .")
    lines = [ln for ln in (REPO / ".ci/run").read_text("utf-8").splitlines() if ln.strip()]
    assert lines[-1] == test_command
    assert test_command.startswith("sh tests/system-deps.sh && ")


def test_readme_example_output_is_what_assay_prints(tmp_path: Path) -> None:
    intro = re.search(
        r"A record looks like this \(`([^`]+)`\):\n\n```markdown\n(.*?)```", README, re.S
    )
    assert intro, "the README shows a record and names its file"
    path, record = intro[1], intro[2]
    told = re.search(r"Break it — say `(\w+): ([^`]+)` — and `(assay check [^`]+)` answers", README)
    assert told
    key, bad_value, command = told[1], told[2], told[3]
    shown = re.search(r"answers\n.*?\n\n```\n(.*?)```", README, re.S)
    assert shown

    kb = tmp_path / "kb"  # the bundled knowledge base, as after the README's first command
    shutil.copytree(REPO / "content", kb / "content")
    shutil.copy(REPO / "mkdocs.yml", kb / "mkdocs.yml")
    assert not (kb / path).exists()
    broken, n = re.subn(rf"(?m)^{key}: .*$", f"{key}: {bad_value}", record)
    assert n == 1
    (kb / path).write_text(broken, "utf-8")

    args = shlex.split(command)[1:]
    cwd = Path.cwd()
    try:
        os.chdir(kb)
        result = CliRunner().invoke(main, args)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1
    assert result.stdout == shown[1], "update the README's example output to:\n" + result.stdout

    # Unbroken, the record checks clean in the bundled knowledge base.
    (kb / path).write_text(record, "utf-8")
    clean = CliRunner().invoke(
        main, ["check", "--root", str(kb), path.replace("content/", str(kb / "content") + "/", 1)]
    )
    assert clean.exit_code == 0, clean.stdout


def test_everyday_commands_name_what_exists() -> None:
    block = re.search(r"## Everyday use\n\n```sh\n(.*?)```", README, re.S)
    assert block
    commands = [line.split("#")[0].strip() for line in block[1].splitlines()]
    read_only = [c for c in commands if re.match(r"assay (stats|due|radar|check)\b", c)]
    assert len(read_only) >= 5
    for command in read_only:
        args = shlex.split(command)[1:]
        if args[0] == "check" and len(args) > 1:
            continue  # the file `assay new` would have written just above
        result = CliRunner().invoke(main, [*args, "--root", str(REPO)])
        assert result.exit_code == 0, f"{command}: {result.output}"


def _fake_bin(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _system_deps(tmp_path: Path, uid: int) -> list[str]:
    """Run tests/system-deps.sh with nothing installed and `id -u` answering `uid`; return the
    commands it ran through the recording sudo and apt-get stand-ins."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    _fake_bin(bin_dir, "id", f"echo {uid}\n")
    _fake_bin(bin_dir, "sudo", f'echo "sudo $*" >> {log}\n')
    _fake_bin(bin_dir, "apt-get", f'echo "apt-get $*" >> {log}\n')
    _fake_bin(bin_dir, "env", f'echo "env $*" >> {log}\n')
    _fake_bin(bin_dir, "python3", "exit 1\n")  # no ensurepip: python3-venv is needed
    sh = shutil.which("sh")
    assert sh
    result = subprocess.run(
        [sh, str(REPO / "tests/system-deps.sh")],
        env={"PATH": str(bin_dir)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return log.read_text().splitlines()


def test_system_deps_uses_sudo_when_not_root(tmp_path: Path) -> None:
    calls = _system_deps(tmp_path, 1001)
    assert calls[0] == "sudo apt-get update -qq"
    assert calls[1].startswith("sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ")
    # (libbenchmark-dev is found by its header file, so it depends on this machine.)
    for package in ("chromium", "hyperfine", "g++", "git", "python3-venv"):
        assert f" {package}" in calls[1], package


def test_system_deps_as_root_needs_no_sudo(tmp_path: Path) -> None:
    calls = _system_deps(tmp_path, 0)
    assert calls[0] == "apt-get update -qq"
    assert calls[1].startswith("env DEBIAN_FRONTEND=noninteractive apt-get install")


def test_workflow_runs_on_hosted_runners_without_root() -> None:
    flow = yaml.safe_load((REPO / ".github/workflows/check.yml").read_text("utf-8"))
    runs = [s.get("run", "") for job in flow["jobs"].values() for s in job["steps"]]
    for run in runs:  # nothing that needs root, outside system-deps.sh's sudo
        assert not re.search(r"(^|[;&|]\s*)(apt-get|apt|dpkg)\b", run), run
    assert "bash .ci/run" in runs
    assert all(job["runs-on"] == "ubuntu-latest" for job in flow["jobs"].values())
    records = flow["jobs"]["records"]["steps"]
    assert records[0]["with"]["fetch-depth"] == 0
    assert any("assay summary --base" in s.get("run", "") for s in records)
