"""The `assay new` and `assay check` examples in the README and the guide work as written on
the bundled knowledge base (found by a new user: both collided with bundled records)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", REPO / "content/guide/writing-records.md"]


def _commands(doc: Path) -> list[list[str]]:
    """Every `assay new` / `assay check PATH` line of the document's code blocks, as argv."""
    out = []
    for line in doc.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^(?:\$ )?assay (new|check content/\S+)(.*)$", line)
        if m:
            out.append(shlex.split(line.removeprefix("$ "), comments=True)[1:])
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_new_and_check_examples_work_on_the_bundled_knowledge_base(
    doc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = _commands(doc)
    assert any(c[0] == "new" for c in commands), f"no 'assay new' example in {doc.name}"
    root = tmp_path / "kb"
    shutil.copytree(REPO / "content", root / "content")
    monkeypatch.chdir(root)  # as a user runs them: from the knowledge base's root
    for argv in commands:
        result = CliRunner().invoke(main, argv)
        assert result.exit_code == 0, f"{doc.name}: assay {shlex.join(argv)}\n{result.output}"
        if argv[0] == "new":
            assert "wrote " in result.output
    for written in re.findall(r"# writes (content/\S+)", doc.read_text(encoding="utf-8")):
        assert (root / written).is_file(), f"{doc.name} says a command writes {written}"


@pytest.mark.parametrize("command", ["build", "serve"])
def test_engine_help_points_at_the_page_on_engine_differences(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "docs/engines.md" in result.output and (REPO / "docs/engines.md").is_file()
