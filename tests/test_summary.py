"""`assay summary`: the comparison itself (pure, on in-memory knowledge bases), its Markdown
and JSON, and reading the base with real git — including the ways that can go wrong."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import AS_OF, VALID_ROOT, valid_files

from generator.cli import main
from generator.gitbase import GitError, base_knowledge_base, check_ref
from generator.kb import analyse, compile_entries
from generator.model import KnowledgeBase
from generator.summary import md, summarize, to_markdown

NEW_TRIAL = b"""---
title: Trial LoRA for the support model
technique: LoRA
area: training
status: TRIAL
stage: discovery
owner: sam
decided_on: 2026-11-20
rationale: Cheap adapters may match full fine-tuning for our support model.
hypothesis: LoRA rank 16 matches full fine-tuning within 1 point of accuracy.
success_criteria:
  - {metric: accuracy, op: ">=", value: 0.8}
kill_criteria:
  - {condition: accuracy more than 2 points below full fine-tuning}
time_box: {start: 2026-11-20, end: 2026-12-20}
next_action: {action: run the first sweep, owner: sam, due: 2026-12-01}
---
"""

BROKEN = b"""---
title: A paper with a typo
authors: [A. Author]
year: 2024
url: https://example.org/paper
read_on: 2026-11-01
pass: 1
relevance: 9
summary: One sentence.
verdict: likely-viable
---
"""

FA_RESOLUTION = b"resolution: {outcome: false, resolved_on: 2026-11-20, note: Still SDPA.}\n---\n"


def _kb(files: list[tuple[str, str, bytes | None, str | None]]) -> KnowledgeBase:
    return analyse(compile_entries(files), AS_OF)


def _head_files() -> list[tuple[str, str, bytes | None, str | None]]:
    files = []
    for kind, path, raw, err in valid_files():
        assert raw is not None
        if path.endswith("fa-default.md"):
            raw = raw.rstrip(b"\n").removesuffix(b"---") + FA_RESOLUTION
        if path.endswith("fa-latency.md"):
            raw = raw.replace(
                b"[101.2, 99.8, 100.5, 102.0, 100.9]", b"[101.2, 99.8, 100.5, 102.0, 100.7]"
            )
        if path.endswith("custom-attention.md"):
            continue  # removed
        files.append((kind, path, raw, err))
    files.append(("decision", "content/decisions/lora-trial.md", NEW_TRIAL, None))
    files.append(("paper", "content/papers/broken.md", BROKEN, None))
    return files


CHANGED = {"content/predictions/fa-default.md", "content/benchmarks/fa-latency.md"}


def test_summary_of_a_pull_request() -> None:
    base, head = _kb(valid_files()), _kb(_head_files())
    s = summarize(base, head, CHANGED, "main", "0" * 40)
    changes = {(c.change, c.kind, c.id, c.valid) for c in s.changes}
    assert changes == {
        ("added", "decision", "lora-trial", True),
        ("added", "paper", "broken", False),
        ("changed", "prediction", "fa-default", True),
        ("changed", "benchmark", "fa-latency", True),
        ("removed", "postmortem", "custom-attention", True),
    }
    (move,) = s.radar
    assert (move.technique, move.area, move.before) == ("LoRA", "training", None)
    assert move.after is not None
    assert (move.after.ring, move.after.stage, move.after.decision) == (
        "TRIAL",
        "discovery",
        "lora-trial",
    )

    (bench,) = s.benchmarks
    assert (bench.id, bench.change) == ("fa-latency", "changed")
    p99 = next(c for c in bench.comparisons if c.metric == "p99-latency")
    assert (p99.method, p99.baseline, p99.verdict, p99.verdict_before) == (
        "flash-attn-2",
        "sdpa",
        "better",
        "better",
    )
    assert p99.rel_diff is not None and -0.32 < p99.rel_diff < -0.29

    (res,) = s.resolved
    assert (res.id, res.owner, res.probability, res.outcome, res.outcome_before) == (
        "fa-default",
        "priya",
        0.7,
        "false",
        None,
    )
    # Brier by hand: base scores only lora-wins, (0.6 − 1)² = 0.16; the PR adds fa-default
    # resolved false at 0.7, (0.7 − 0)² = 0.49, so everyone's mean is (0.16 + 0.49) / 2.
    everyone, priya = s.calibration
    assert (everyone.owner, everyone.n_before, everyone.n_after) == (None, 1, 2)
    assert everyone.brier_before == pytest.approx(0.16)
    assert everyone.brier_after == pytest.approx(0.325)
    assert (priya.owner, priya.n_before, priya.n_after, priya.brier_before) == ("priya", 0, 1, None)
    assert priya.brier_after == pytest.approx(0.49)

    assert s.errors == 1 and [d.code for d in s.new_diagnostics] == ["E-SCHEMA"]
    assert s.new_diagnostics[0].path == "content/papers/broken.md"


def test_markdown_and_json() -> None:
    s = summarize(_kb(valid_files()), _kb(_head_files()), CHANGED, "main", "ab" * 20)
    text = to_markdown(s)
    assert text.startswith("## Assay: what this pull request changes\n")
    assert "Compared with `main` (abababababab) as of 2026-11-25." in text
    assert (
        "**1 error** (1 new) · **0 warnings** (0 new) · records: 2 added, 2 changed, 1 removed (10 in all)"
        in text
    )
    assert "| LoRA | training | new → TRIAL | discovery | `lora-trial` |" in text
    assert "| p99-latency | flash-attn-2 vs sdpa | " in text and "| **better** |" in text
    assert (
        "| FlashAttention becomes the PyTorch default by end of 2026 (`fa-default`) | priya | 70 % | **false** |"
        in text
    )
    assert "| everyone | 1 → 2 | 0.160 | 0.325 |" in text
    assert "| priya | 0 → 1 | n/a | 0.490 |" in text
    assert "| error | `content/papers/broken.md:8:12` | `E-SCHEMA` | relevance |" in text
    doc = s.to_json()
    json.dumps(doc, allow_nan=False)
    assert doc["base"] == {"ref": "main", "commit": "ab" * 20}
    assert [c["id"] for c in doc["changes"]["removed"]] == ["custom-attention"]
    assert doc["radar_moves"][0]["before"] is None
    assert doc["calibration"][0]["brier_after"] == pytest.approx(0.325)
    assert doc["diagnostics"]["new_errors"][0]["code"] == "E-SCHEMA"


def test_an_unchanged_knowledge_base_says_so() -> None:
    s = summarize(_kb(valid_files()), _kb(valid_files()), set(), "main", "1" * 40)
    assert (s.changes, s.radar, s.benchmarks, s.resolved, s.new_diagnostics) == ([], [], [], [], [])
    assert "No record is added, changed or removed." in to_markdown(s)


def test_record_text_cannot_inject_markdown_or_html() -> None:
    hostile = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) | cell \x1b[31m `code` $x$"
    escaped = md(hostile)
    assert "<" not in escaped.replace("\\<", "") and "|" not in escaped.replace("\\|", "")
    assert "[" not in escaped.replace("\\[", "") and "\x1b" not in escaped
    title = NEW_TRIAL.replace(
        b"title: Trial LoRA for the support model",
        b'title: "' + hostile.replace("\x1b", "\\e").encode() + b'"',
    ).replace(b"technique: LoRA", b'technique: "LoRA</td><script>x</script>"')
    files = [*valid_files(), ("decision", "content/decisions/lora-trial.md", title, None)]
    text = to_markdown(summarize(_kb(valid_files()), _kb(files), set(), "main", "1" * 40))
    assert not re.search(
        r"(?<!\\)[<>\[\]`]",
        text.replace("`lora-trial`", "").replace("`main`", "").replace("`content/", ""),
    )
    assert "\x1b" not in text
    assert "LoRA\\</td\\>\\<script\\>x\\</script\\>" in text
    for line in text.splitlines():
        if line.startswith("| "):  # every table row keeps its number of cells
            assert line.replace("\\|", "").count("|") in {5, 6}, line


# --- reading the base with git ------------------------------------------------------------

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.org",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return out.stdout


def summary(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main, ["summary", "--root", str(root), "--as-of", AS_OF.isoformat(), *args]
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(VALID_ROOT, root)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def test_working_tree_changes_against_a_branch(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature")
    (repo / "content/decisions/lora-trial.md").write_bytes(NEW_TRIAL)  # untracked
    path = repo / "content/predictions/fa-default.md"
    path.write_bytes(path.read_bytes().rstrip(b"\n").removesuffix(b"---") + FA_RESOLUTION)
    git(repo, "commit", "-q", "-am", "resolve")
    (repo / "content/postmortems/custom-attention.md").unlink()  # not even committed
    code, out, err = summary(repo, "--base", "main", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["base"]["commit"] == git(repo, "rev-parse", "main").strip()
    assert [c["id"] for c in doc["changes"]["added"]] == ["lora-trial"]
    assert [c["id"] for c in doc["changes"]["changed"]] == ["fa-default"]
    assert [c["id"] for c in doc["changes"]["removed"]] == ["custom-attention"]
    assert [m["technique"] for m in doc["radar_moves"]] == ["LoRA"]
    assert [r["id"] for r in doc["predictions_resolved"]] == ["fa-default"]


def test_knowledge_base_in_a_subfolder_of_the_repository(tmp_path: Path) -> None:
    import shutil

    top = tmp_path / "mono"
    shutil.copytree(VALID_ROOT, top / "research" / "kb")
    (top / "README").write_text("other things\n")
    git(top, "init", "-q", "-b", "main")
    git(top, "add", "-A")
    git(top, "commit", "-q", "-m", "base")
    (top / "research/kb/content/decisions/lora-trial.md").write_bytes(NEW_TRIAL)
    code, out, err = summary(top / "research" / "kb", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["changes"]["added"][0]["path"] == "content/decisions/lora-trial.md"
    assert doc["changes"]["changed"] == [] and doc["changes"]["removed"] == []


def test_not_a_git_repository(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(VALID_ROOT, tmp_path / "kb")
    code, out, err = summary(tmp_path / "kb")
    assert (code, out) == (1, "")
    assert "is not inside a git repository" in err


def test_unknown_ref(repo: Path) -> None:
    code, out, err = summary(repo, "--base", "origin/main")
    assert (code, out) == (1, "")
    assert err.startswith("error: unknown ref 'origin/main': no branch, tag or commit")


def test_shallow_clone_without_the_base(repo: Path, tmp_path: Path) -> None:
    (repo / "content/decisions/lora-trial.md").write_bytes(NEW_TRIAL)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    code, _, err = summary(clone, "--base", "HEAD~1")
    assert code == 1
    assert "shallow clone" in err and "fetch-depth: 0" in err


@pytest.mark.parametrize(
    "ref", ["-h", "--output=/tmp/x", "--upload-pack=touch /tmp/pwned", "main bad", "a\nb", ""]
)
def test_refs_that_could_be_options_are_refused(repo: Path, ref: str) -> None:
    code, out, err = summary(repo, "--base", ref)
    assert (code, out) == (1, "")
    assert "is not a branch, tag or commit name" in err
    with pytest.raises(GitError):
        check_ref(ref)


def test_revision_expressions_work(repo: Path) -> None:
    (repo / "content/decisions/lora-trial.md").write_bytes(NEW_TRIAL)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    code, out, err = summary(repo, "--base", "HEAD~1", "--format", "json")
    assert code == 0, err
    assert [c["id"] for c in json.loads(out)["changes"]["added"]] == ["lora-trial"]


def test_hostile_base_tree_is_read_safely(repo: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: host file\n---\n")
    decisions = repo / "content/decisions"
    (decisions / "link.md").symlink_to(secret)  # a symlink record in the base
    (decisions / "-rf.md").write_bytes(NEW_TRIAL.replace(b"LoRA", b"Dash"))  # option-like name
    (decisions / "big.md").write_bytes(b"---\ntitle: x\n---\n" + b"a" * (1024 * 1024 + 10))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "hostile")
    content = repo / "content"
    with base_knowledge_base(repo, content, "main", AS_OF) as (base, info, changed):
        ids = {e.id for e in base.entries}
        # The symlink is not followed on the base's side (the working tree's loader refuses it
        # on its own side); the option-like name is an ordinary file; the big blob is refused
        # by its size.
        assert "link" not in ids and "-rf" in ids
        big = next(e for e in base.entries if e.id == "big")
        assert [d.code for d in big.parsed.diagnostics] == ["E-TOO-LARGE"]
        assert changed == set()
        assert info.commit == git(repo, "rev-parse", "HEAD").strip()
        tmp = base.root
    assert not tmp.exists()  # the temporary copy is gone


def test_summary_help_and_docs() -> None:
    result = CliRunner().invoke(main, ["summary", "--help"])
    assert result.exit_code == 0 and "--base REF" in result.output
    assert "$GITHUB_STEP_SUMMARY" in result.output


def test_markdown_stays_bounded_for_huge_pull_requests() -> None:
    prediction = (VALID_ROOT / "content/predictions/lora-wins.md").read_bytes()
    files = valid_files()
    for i in range(150):
        files.append(("prediction", f"content/predictions/p{i:03d}.md", prediction, None))
    long_title = b"---\ntitle: " + b"x" * 5000 + b"\n---\n"  # too long, fields missing
    files.append(("paper", "content/papers/long.md", long_title, None))
    s = summarize(_kb(valid_files()), _kb(files), set(), "main", "1" * 40)
    assert len(s.changes) == 151 and len(s.to_json()["changes"]["added"]) == 151
    text = to_markdown(s)
    records = text[text.index("### Records") :]
    assert records.count("\n| added") == 100
    assert "… and 51 more: run with --format json." in records
    assert "| added (invalid) | paper | " + "x" * 299 + "…" + " | `long` |" in text
    assert "x" * 300 not in text
    assert len(text) < 100_000
