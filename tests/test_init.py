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
from generator.diagnostics import GUIDE_RULES_PAGE
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
    # The Guide section of the navigation has pages, not just a heading.
    home = (kb / "site/index.html").read_text("utf-8")
    for page in ("rules", "writing-records", "recording-a-benchmark", "pull-requests"):
        assert (kb / "site/guide" / page / "index.html").is_file(), page
        assert f'href="guide/{page}/"' in home, page
    for folder in FOLDERS.values():
        assert (kb / "site" / folder / "index.html").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name != "team-kb"]  # no staging leftovers


def test_a_build_leaves_the_git_working_tree_clean(tmp_path: Path) -> None:
    # The site, the caches, the build's lock beside the site and what a killed build
    # leaves there are all ignored by the .gitignore `assay init` writes (a real git).
    assert assay("init", "kb", cwd=tmp_path).returncode == 0
    kb = tmp_path / "kb"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run([*git, *args], cwd=kb, check=True, capture_output=True)
    assert assay("build", cwd=kb).returncode == 0
    (kb / ".site.assay-staging-x1-source-y2").mkdir()  # as a build killed while compiling
    (kb / ".site.assay-old-x3").mkdir()
    (kb / ".site.assay-old-x3" / "index.html").write_text("old")
    (kb / ".site.assay-staging-x1-source-y2" / "mkdocs.yml").write_text("x")
    status = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=all"],
        cwd=kb,
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == "", status.stdout


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

    checkout = check["jobs"]["records"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@")
    assert checkout["with"]["fetch-depth"] == 0  # assay summary needs the base branch
    summary = next(
        s for s in check["jobs"]["records"]["steps"] if "assay summary" in s.get("run", "")
    )
    assert summary["run"] == 'assay summary --base "origin/$BASE_REF" >> "$GITHUB_STEP_SUMMARY"'
    assert summary["env"] == {"BASE_REF": "${{ github.base_ref }}"}  # never spliced into the script
    assert "!cancelled()" in summary["if"] and "pull_request" in summary["if"]

    hooks = yaml.safe_load((kb / ".pre-commit-config.yaml").read_text("utf-8"))["repos"]
    assert hooks[0]["repo"] == "local"
    hook = hooks[0]["hooks"][0]
    # The whole knowledge base on every commit (a deletion breaks references elsewhere), with
    # Assay installed by pre-commit itself rather than expected on PATH.
    assert (hook["entry"], hook["language"]) == ("assay check", "python")
    assert (hook["pass_filenames"], hook["always_run"]) == (False, True)
    assert "files" not in hook
    requirement = (kb / "requirements.txt").read_text("utf-8").splitlines()[-1]
    assert hook["additional_dependencies"] == [requirement]


def test_the_repository_hook_checks_everything_and_installs_assay() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert (hook["id"], hook["entry"], hook["language"]) == ("assay-check", "assay check", "python")
    assert (hook["pass_filenames"], hook["always_run"]) == (False, True)


def test_placeholder_requirement_fails_at_once_with_a_clear_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for an Assay installed from a local folder or a wheel: its git origin is unknown.
    monkeypatch.setattr(init_mod, "default_requirement", lambda: init_mod.PLACEHOLDER_REQUIREMENT)
    kb = tmp_path / "kb"
    init_knowledge_base(kb, DAY)
    line = (kb / "requirements.txt").read_text("utf-8").splitlines()[-1]
    assert line == init_mod.PLACEHOLDER_REQUIREMENT
    # pip refuses the line while parsing it, before any download, quoting what to do.
    pip = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--no-index",
            "-r",
            "requirements.txt",
        ],
        cwd=kb,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert pip.returncode != 0
    assert "EDIT-THIS-LINE to name the Assay release CI installs (see README.md)" in pip.stderr
    # The workflows stop before pip with an annotation on requirements.txt.
    for name in ("check.yml", "publish.yml"):
        flow = (kb / ".github/workflows" / name).read_text("utf-8")
        assert "grep -q '^EDIT-THIS-LINE' requirements.txt" in flow
        assert "::error file=requirements.txt::" in flow
        guard = subprocess.run(
            ["bash", "-c", re.search(r"run: \|\n((?:          .*\n)+)", flow)[1]],  # type: ignore[index]
            cwd=kb,
            capture_output=True,
            text=True,
        )
        assert guard.returncode == 1 and "still holds the placeholder" in guard.stdout


def test_requirement_option_is_written_to_ci_and_pre_commit(tmp_path: Path) -> None:
    spec = "assay @ git+https://github.com/acme/assay@v0.1.0"
    result = CliRunner().invoke(
        main, ["init", str(tmp_path / "kb"), "--requirement", spec, "--as-of", "2026-11-25"]
    )
    assert result.exit_code == 0, result.output
    assert "EDIT-THIS-LINE" not in result.output
    kb = tmp_path / "kb"
    assert (kb / "requirements.txt").read_text("utf-8").splitlines()[-1] == spec
    hook = yaml.safe_load((kb / ".pre-commit-config.yaml").read_text("utf-8"))["repos"][0]
    assert hook["hooks"][0]["additional_dependencies"] == [spec]
    bad = CliRunner().invoke(main, ["init", str(tmp_path / "kb2"), "--requirement", "a\nb"])
    assert bad.exit_code == 1 and "is not a pip requirement" in bad.stderr
    assert not (tmp_path / "kb2").exists()


def test_guide_pages_the_diagnostics_point_at_exist(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    init_knowledge_base(kb, DAY)
    rules = kb / "content" / GUIDE_RULES_PAGE
    assert rules.is_file()
    assert "### E-TRIAL-INCOMPLETE" in rules.read_text("utf-8")
    # Every relative link between the knowledge base's own pages resolves (generated pages
    # such as review/index.md exist only in the built site).
    generated = {"radar", "review", "predictions", "tags", *FOLDERS.values()}
    for page in (kb / "content").rglob("*.md"):
        for target in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text("utf-8")):
            resolved = (page.parent / target).resolve()
            top = resolved.relative_to((kb / "content").resolve()).parts[0]
            assert resolved.is_file() or top in generated, f"{page}: {target}"


def test_guide_pages_are_the_repository_guide() -> None:
    """The init guide ships copies of this repository's guide pages; they must not drift.
    After editing content/guide/X.md: cp content/guide/X.md generator/templates/init/content/guide/"""
    shipped = resources.files("generator.templates").joinpath("init", "content", "guide")
    names = sorted(p.name for p in shipped.iterdir() if p.name != "index.md")
    assert names == sorted(
        p.name for p in (REPO / "content/guide").glob("*.md") if p.name != "index.md"
    )
    for name in names:
        assert shipped.joinpath(name).read_text("utf-8") == (
            REPO / "content/guide" / name
        ).read_text("utf-8"), f"cp content/guide/{name} generator/templates/init/content/guide/"


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
