"""`assay init DIR`: the new knowledge base checks and builds clean at once, nothing is ever
overwritten, a failure leaves nothing behind, and every file SPEC §5 promises is there."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator import init as init_mod
from generator.cli import main
from generator.init import InitError, init_knowledge_base, render_files, site_name_for
from generator.scaffold import ScaffoldError
from generator.schema import KINDS
from generator.schemas_out import stale_schemas

REPO = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 25)
FOLDERS = {kind: folder for kind, (folder, _) in KINDS.items()}


def assay(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
        for p in sorted(folder.rglob("*"))
    }


def test_new_knowledge_base_checks_and_builds_clean_today(tmp_path: Path) -> None:
    made = assay("init", "team-kb", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    kb = tmp_path / "team-kb"
    checked = assay("check", cwd=kb)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "0 errors, 0 warnings in 6 records"
    strict = assay("check", "--strict", "--format", "json", cwd=kb)
    assert strict.returncode == 0, strict.stdout
    built = assay("build", cwd=kb)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stderr and "warnings" not in built.stdout
    assert (kb / "site/index.html").is_file()
    for folder in FOLDERS.values():
        assert (kb / "site" / folder / "index.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name != "team-kb"]  # no staging leftovers


def test_every_promised_file_exists(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    written = init_knowledge_base(kb, DAY)
    assert sorted(written) == sorted(p for p in kb.rglob("*") if p.is_file())
    for rel in (
        "mkdocs.yml",
        ".github/workflows/check.yml",
        ".github/workflows/publish.yml",
        ".github/pull_request_template.md",
        ".pre-commit-config.yaml",
        ".gitignore",
        "README.md",
        "requirements.txt",
        "content/index.md",
        "content/guide/index.md",
    ):
        assert (kb / rel).is_file(), rel
    for kind, folder in FOLDERS.items():
        records = list((kb / "content" / folder).glob("*.md"))
        assert len(records) == 1, folder
        text = records[0].read_text("utf-8")
        assert text.startswith(
            f"---\n# yaml-language-server: $schema=../../schemas/{kind}.schema.json\n"
        )
        assert re.search(r'^title: "Example: ', text, re.M), records[0]
    assert stale_schemas(kb / "schemas") == []
    assert {"site/", ".assay-cache/"} <= set((kb / ".gitignore").read_text().split())


def test_mkdocs_yml_is_configured_like_the_repository(tmp_path: Path) -> None:
    kb = tmp_path / "ml_research-notes"
    init_knowledge_base(kb, DAY)
    cfg = yaml.safe_load((kb / "mkdocs.yml").read_text("utf-8"))
    ours = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    assert cfg["site_name"] == "Ml research notes"
    for key in ("docs_dir", "theme", "plugins", "markdown_extensions", "validation"):
        assert cfg[key] == ours[key], key
    assert cfg["theme"]["font"] is False
    assert {"macros": {"render_by_default": False}} in cfg["plugins"]


def test_site_name_option_and_derivation(tmp_path: Path) -> None:
    init_knowledge_base(tmp_path / "a", DAY, site_name='Team "R&D": notes')
    cfg = yaml.safe_load((tmp_path / "a/mkdocs.yml").read_text("utf-8"))
    assert cfg["site_name"] == 'Team "R&D": notes'
    assert (tmp_path / "a/content/index.md").read_text().startswith('# Team "R&D": notes\n')
    assert site_name_for(Path("/x/kb")) == "Kb"
    assert site_name_for(Path("/")) == "Research knowledge base"


def test_workflows_and_pre_commit_config(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    init_knowledge_base(kb, DAY)
    check = yaml.safe_load((kb / ".github/workflows/check.yml").read_text("utf-8"))
    steps = [s.get("run", "") for s in check["jobs"]["records"]["steps"]]
    assert "assay check --format github" in steps
    assert check[True]["pull_request"] is None  # YAML 1.1 reads the key `on` as True
    publish = yaml.safe_load((kb / ".github/workflows/publish.yml").read_text("utf-8"))
    assert publish[True]["push"]["branches"] == ["main"]
    uses = [s.get("uses", "") for job in publish["jobs"].values() for s in job["steps"]]
    assert "assay build" in [s.get("run") for s in publish["jobs"]["build"]["steps"]]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert publish["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}

    hooks = yaml.safe_load((kb / ".pre-commit-config.yaml").read_text("utf-8"))["repos"]
    assert hooks[0]["repo"] == "local"
    hook = hooks[0]["hooks"][0]
    assert (hook["entry"], hook["language"]) == ("assay check", "system")
    files = re.compile(hook["files"])
    for folder in FOLDERS.values():
        assert files.search(f"content/{folder}/some-record.md")
    assert not files.search("content/guide/index.md")
    assert not files.search("content/index.md")


def test_refuses_a_non_empty_dir_and_changes_nothing(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    (kb / "content").mkdir(parents=True)
    (kb / "notes.txt").write_text("mine\n")
    before = snapshot(kb)
    result = CliRunner().invoke(main, ["init", str(kb)])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ") and "not empty" in result.stderr
    assert snapshot(kb) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb"]


def test_refuses_a_dir_with_only_hidden_files(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    with pytest.raises(InitError, match="not empty"):
        init_knowledge_base(tmp_path, DAY)
    assert [p.name for p in tmp_path.iterdir()] == [".git"]


def test_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "kb").write_text("")
    result = CliRunner().invoke(main, ["init", str(tmp_path / "kb")])
    assert result.exit_code == 1
    assert "is not a folder" in result.stderr


def test_existing_empty_dir_and_missing_parents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")
    result = CliRunner().invoke(main, ["init", ".", "--as-of", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert "next: assay serve" in result.stdout
    assert (tmp_path / "empty/mkdocs.yml").is_file()
    assert not list((tmp_path / "empty").glob(".assay-init-*"))
    assert Path.cwd() == tmp_path / "empty" and Path("mkdocs.yml").is_file()

    init_knowledge_base(tmp_path / "a/b/c", DAY)
    assert (tmp_path / "a/b/c/content/papers").is_dir()


@pytest.mark.parametrize("existing", [False, True], ids=["new-dir", "empty-dir"])
def test_a_failure_midway_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, existing: bool
) -> None:
    kb = tmp_path / "kb"
    if existing:
        kb.mkdir()
    real = init_mod._write_tree

    def half(base: Path, files: dict[str, str]) -> None:
        real(base, dict(list(files.items())[:5]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(init_mod, "_write_tree", half)
    with pytest.raises(InitError, match="No space left"):
        init_knowledge_base(kb, DAY)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["kb"] if existing else [])
    if existing:
        assert list(kb.iterdir()) == []


def test_a_failure_while_moving_into_an_empty_dir_is_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    real_rename = Path.rename
    calls = []

    def flaky(self: Path, target: Path) -> Path:
        calls.append(self)
        if len(calls) == 3:
            raise OSError(5, "Input/output error")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", flaky)
    with pytest.raises(ScaffoldError):
        init_knowledge_base(kb, DAY)
    assert list(kb.iterdir()) == []


def test_example_dates_follow_today() -> None:
    files = render_files("KB", date(2030, 1, 31), "assay")
    decision = files["content/decisions/example-speculative-decoding-trial.md"]
    assert "decided_on: 2030-01-17" in decision
    assert "  due: 2030-02-14" in decision and "  end: 2030-02-28" in decision
    assert (
        "last_reviewed: 2030-01-31"
        in files["content/runbooks/example-speculative-decoding-canary.md"]
    )
    assert files["requirements.txt"].rstrip().endswith("\nassay")
    assert not [rel for rel in files if rel.endswith(".tmpl") or "/dot-" in f"/{rel}"]


def test_templates_are_package_data() -> None:
    root = resources.files("generator.templates").joinpath("init")
    assert root.joinpath("mkdocs.yml.tmpl").is_file()
    assert root.joinpath("dot-github", "workflows", "check.yml").is_file()
    for folder in FOLDERS.values():
        assert len(list(root.joinpath("content", folder).iterdir())) == 1


def test_help() -> None:
    result = CliRunner().invoke(main, ["init", "--help"])
    assert result.exit_code == 0
    assert (
        "Usage: main init [OPTIONS] DIR" in result.output or "init [OPTIONS] DIR" in result.output
    )
    assert "--site-name" in result.output
