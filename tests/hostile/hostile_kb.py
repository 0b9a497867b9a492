"""Shared helpers of the hostile-content corpus: a fresh knowledge base, the real CLI in a
subprocess (with a timeout: a hang is a failure), and the checks every case makes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

VALID_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "valid"
AS_OF = "2026-11-25"
TIMEOUT = 120


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def make_kb(tmp_path: Path, name: str = "kb") -> Path:
    """A copy of the valid fixture knowledge base (checks clean at AS_OF)."""
    root = tmp_path / name
    shutil.copytree(VALID_ROOT, root)
    return root


def assay(*args: str, env: dict[str, str] | None = None, timeout: float = TIMEOUT) -> Result:
    """Run the real `assay` command; a run that outlives `timeout` fails the test."""
    proc = subprocess.run(
        [sys.executable, "-m", "generator", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def check(root: Path, *more: str, timeout: float = TIMEOUT) -> Result:
    return assay("check", "--root", str(root), "--as-of", AS_OF, *more, timeout=timeout)


def check_json(root: Path) -> tuple[Result, list[dict[str, object]]]:
    result = check(root, "--format", "json")
    assert_clean_exit(result)
    payload = json.loads(result.out)
    return result, list(payload["errors"]) + list(payload["warnings"])


def build(root: Path, site: Path, *more: str, timeout: float = TIMEOUT) -> Result:
    return assay(
        "build", "--root", str(root), "--site-dir", str(site), "--as-of", AS_OF, *more,
        timeout=timeout,
    )  # fmt: skip


def assert_clean_exit(result: Result) -> None:
    """The contract of every case: no traceback, no crash by signal, exit 0, 1 or 2."""
    assert "Traceback" not in result.text, result.text
    assert result.code in (0, 1, 2), (result.code, result.text)


def codes_at(diags: list[dict[str, object]], path: str) -> set[object]:
    return {d["code"] for d in diags if d["path"] == path}


def site_texts(site: Path) -> str:
    """Every file of a built site as one text (bytes decoded leniently)."""
    out = []
    for p in sorted(site.rglob("*")):
        if p.is_file() and not p.is_symlink():
            out.append(p.read_bytes().decode("utf-8", "replace"))
    return "\n".join(out)


def kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
