"""The loop Assay exists for, driven end to end on a temporary git repository: `assay init`, a
first commit, a branch that adds a TRIAL decision and a benchmark and resolves a prediction,
then `assay check --format github` (the annotations) and `assay summary --base main` (the job
summary). Then the generated pre-commit configuration, run by the real pre-commit: it passes on
a clean knowledge base and stops a deletion that breaks a reference.

Real tools only: git, and pre-commit from PyPI, which installs Assay from this checkout
(`assay init --requirement <this repository>`) and its dependencies from PyPI.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 25)

ENV = {
    **os.environ,
    "PYTHONPATH": str(REPO),
    "GIT_AUTHOR_NAME": "Priya",
    "GIT_AUTHOR_EMAIL": "priya@example.org",
    "GIT_COMMITTER_NAME": "Priya",
    "GIT_COMMITTER_EMAIL": "priya@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def run(
    cwd: Path, *cmd: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(cmd), cwd=cwd, env=env or ENV, capture_output=True, text=True, timeout=1200
    )


def assay(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run(cwd, sys.executable, "-m", "generator", *args, "--as-of", TODAY.isoformat())


def git(cwd: Path, *args: str) -> str:
    result = run(cwd, "git", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


TRIAL = f"""---
title: Trial int8 KV cache on the chat endpoint
technique: KV cache quantization
area: inference
status: TRIAL
stage: discovery
owner: priya
decided_on: {day(-1)}
rationale: Halving KV-cache memory would let the chat endpoint double its batch size.
hypothesis: int8 KV cache doubles the batch size at most 0.5 points of accuracy lost.
benchmarks: [kv-int8-memory]
success_criteria:
  - {{metric: peak-memory-gb, op: "<=", value: 40, unit: GB}}
time_box: {{start: {day(-1)}, end: {day(30)}}}
next_action: {{action: run the accuracy suite, owner: priya, due: {day(7)}}}
---
Why now: the batch size is memory-bound.
"""

BENCHMARK = f"""---
title: int8 vs fp16 KV cache, peak memory
owner: priya
run_on: {day(-1)}
hardware: 1x A100 80GB
paired: true
decision: kv-int8-trial
metrics:
  - {{name: peak-memory-gb, unit: GB, better: lower, min_effect: 0.1}}
methods:
  - name: fp16
    baseline: true
    runs:
      peak-memory-gb: [71.8, 72.1, 71.9, 72.3, 72.0]
  - name: int8
    runs:
      peak-memory-gb: [39.6, 39.9, 39.7, 40.1, 39.8]
---
"""

RESOLUTION = f"""resolution:
  outcome: true
  resolved_on: {day(0)}
  note: The canary showed 33 % lower median time per output token.
"""

PREDICTION = "content/predictions/example-speculative-decoding-30pct.md"


@pytest.fixture(scope="module")
def knowledge_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new knowledge base, committed on main, that CI and pre-commit install Assay into
    from this checkout."""
    kb = tmp_path_factory.mktemp("loop") / "team-kb"
    made = assay(kb.parent, "init", "team-kb", "--requirement", str(REPO))
    assert made.returncode == 0, made.stderr
    git(kb, "init", "-q", "-b", "main")
    git(kb, "add", "-A")
    git(kb, "commit", "-q", "-m", "assay init")
    return kb


def test_the_pull_request_loop(knowledge_base: Path, tmp_path: Path) -> None:
    kb = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(knowledge_base), str(kb))
    git(kb, "switch", "-q", "-c", "kv-int8")
    (kb / "content/decisions/kv-int8-trial.md").write_text(TRIAL)
    (kb / "content/benchmarks/kv-int8-memory.md").write_text(BENCHMARK)
    prediction = kb / PREDICTION
    text = prediction.read_text()
    head, _, body = text.partition("\n---\n")
    prediction.write_text(head + "\n" + RESOLUTION + "---\n" + body)
    git(kb, "add", "-A")
    git(kb, "commit", "-q", "-m", "Trial int8 KV cache")

    # 1. The author forgot the kill criteria: CI annotates the decision's status (line 5,
    # column 9: the ring that asks for them), and the check fails.
    check = assay(kb, "check", "--format", "github")
    assert check.returncode == 1
    lines = check.stdout.splitlines()
    (annotation,) = [line for line in lines if line.startswith("::")]
    assert annotation.startswith(
        "::error file=content/decisions/kv-int8-trial.md,line=5,col=9,"
        "title=E-TRIAL-INCOMPLETE kill_criteria::"
    )
    assert "kill_criteria" in annotation and "guide/rules.md#e-trial-incomplete" in annotation
    assert lines[-1] == "1 error, 0 warnings in 8 records"

    summary = assay(kb, "summary", "--base", "main")
    assert summary.returncode == 0, summary.stderr
    md = summary.stdout
    assert "**1 error** (1 new) · **0 warnings** (0 new)" in md
    assert "records: 2 added, 1 changed, 0 removed (8 in all)" in md
    assert "| error | `content/decisions/kv-int8-trial.md:5:9` | `E-TRIAL-INCOMPLETE` |" in md

    # 2. Fixed: the check passes, and the summary tells the reviewer what the PR does.
    trial = kb / "content/decisions/kv-int8-trial.md"
    trial.write_text(
        trial.read_text().replace(
            "time_box:",
            "kill_criteria:\n  - {condition: accuracy drops more than 0.5 points}\ntime_box:",
        )
    )
    git(kb, "commit", "-q", "-am", "Kill criteria")
    check = assay(kb, "check", "--format", "github")
    assert check.returncode == 0, check.stdout
    assert check.stdout == "0 errors, 0 warnings in 8 records\n"

    summary = assay(kb, "summary", "--base", "main")
    assert summary.returncode == 0, summary.stderr
    md = summary.stdout
    assert md.startswith("## Assay: what this pull request changes\n")
    assert "**0 errors** (0 new) · **0 warnings** (0 new)" in md
    assert "| added | decision | Trial int8 KV cache on the chat endpoint | `kv-int8-trial` |" in md
    assert "| added | benchmark | int8 vs fp16 KV cache, peak memory | `kv-int8-memory` |" in md
    assert "| changed | prediction |" in md and "`example-speculative-decoding-30pct` |" in md
    assert "| KV cache quantization | inference | new → TRIAL | discovery | `kv-int8-trial` |" in md
    assert "**int8 vs fp16 KV cache, peak memory** (`kv-int8-memory`, added)" in md
    # (39.82 − 72.02) / 72.02 = −44.7 %, the means of the runs above.
    assert "| peak-memory-gb | int8 vs fp16 | -44.7 % [" in md and "| **better** |" in md
    assert "| sam | 60 % | **true** |" in md
    # Brier by hand: nothing was scored before; now one prediction at 0.6 came true,
    # (0.6 − 1)² = 0.16, for everyone and for its owner.
    assert "| everyone | 0 → 1 | n/a | 0.160 |" in md
    assert "| sam | 0 → 1 | n/a | 0.160 |" in md

    data = json.loads(assay(kb, "summary", "--base", "main", "--format", "json").stdout)
    assert data["base"]["commit"] == git(kb, "rev-parse", "main").strip()
    assert data["diagnostics"] == {
        "errors": 0,
        "warnings": 0,
        "new_errors": [],
        "new_warnings": [],
        "fixed": 0,
    }
    (verdict,) = data["benchmarks"][0]["comparisons"]
    assert (verdict["metric"], verdict["method"], verdict["verdict"]) == (
        "peak-memory-gb",
        "int8",
        "better",
    )


def _pre_commit(kb: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("pre-commit", path=str(Path(sys.executable).parent))
    assert exe is not None, "pre-commit is in the test extra: pip install -e '.[test]'"
    env = {**ENV, "PRE_COMMIT_HOME": str(home)}
    env.pop("PYTHONPATH")  # the hook must run the Assay that pre-commit installed
    return run(kb, exe, *args, env=env)


def test_pre_commit_checks_the_whole_knowledge_base(
    knowledge_base: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb = knowledge_base
    home = tmp_path_factory.mktemp("pre-commit-home")
    clean = _pre_commit(kb, home, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "assay check" in clean.stdout and "Passed" in clean.stdout

    # Deleting the paper that the decision and the prediction cite: no record file is left
    # in the commit to "check", yet the commit breaks two references.
    git(kb, "rm", "-q", "content/papers/example-speculative-decoding.md")
    try:
        staged = _pre_commit(kb, home, "run")
        assert staged.returncode == 1, staged.stdout
        assert "Failed" in staged.stdout and "E-REF-MISSING" in staged.stdout
        assert "(no files to check)" not in staged.stdout
        every = _pre_commit(kb, home, "run", "--all-files")
        assert every.returncode == 1 and "E-REF-MISSING" in every.stdout

        installed = _pre_commit(kb, home, "install")
        assert installed.returncode == 0, installed.stderr
        commit = run(
            kb,
            "git",
            "commit",
            "-q",
            "-m",
            "remove the paper",
            env={**ENV, "PRE_COMMIT_HOME": str(home)},
        )
        assert commit.returncode != 0
        assert "E-REF-MISSING" in commit.stdout + commit.stderr
        assert git(kb, "log", "--format=%s") == "assay init\n"  # the commit was refused
    finally:
        git(kb, "reset", "-q", "--hard")


def test_the_repository_hook_installs_assay_and_checks_everything(
    knowledge_base: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Another repository uses this one's `.pre-commit-hooks.yaml` (repo: this checkout, by
    path, at its HEAD commit): pre-commit installs Assay from it and checks every record."""
    kb = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(knowledge_base), str(kb))
    rev = git(REPO, "rev-parse", "HEAD").strip()
    (kb / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {json.dumps(str(REPO))}\n    rev: {rev}\n"
        "    hooks: [{id: assay-check}]\n"
    )
    git(kb, "add", ".pre-commit-config.yaml")  # pre-commit refuses an unstaged configuration
    home = tmp_path_factory.mktemp("pre-commit-home-repo")
    clean = _pre_commit(kb, home, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "assay check" in clean.stdout and "Passed" in clean.stdout
    git(kb, "rm", "-q", "content/papers/example-speculative-decoding.md")
    broken = _pre_commit(kb, home, "run")
    assert broken.returncode == 1 and "E-REF-MISSING" in broken.stdout
