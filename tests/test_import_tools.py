"""The real tools, run inside the test: their output is imported, checked and analysed.

pytest-benchmark and asv come from the `test` extra; hyperfine, Google Benchmark and g++
from Debian (tests/system-deps.sh installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.parse import parse_record

FIX = Path(__file__).parent / "fixtures" / "import"
BIN = Path(sys.executable).parent


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    shutil.copytree(VALID_ROOT, tmp_path / "kb")
    return tmp_path / "kb"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _imported_then_checked(
    kb: Path, record_id: str, *args: str
) -> dict[str, dict[str, list[float]]]:
    code, out, err = cli("import", *args, "--into", record_id, "--root", str(kb))
    assert code == 0, out + err
    code, out, _ = cli("check", "--root", str(kb))
    assert code == 0, out
    code, out, _ = cli("stats", record_id, "--root", str(kb), "--format", "json")
    assert code == 0, out
    stats = json.loads(out)
    assert stats["comparisons"], stats
    parsed = parse_record((kb / "content/benchmarks" / f"{record_id}.md").read_bytes(), "x")
    assert parsed.data is not None
    return {
        m["name"]: {k: [float(v) for v in vs] for k, vs in m["runs"].items()}
        for m in parsed.data["methods"]
    }


def test_pytest_benchmark_live(kb: Path, tmp_path: Path) -> None:
    (tmp_path / "test_demo.py").write_text(
        "def test_sorted(benchmark):\n    benchmark(sorted, list(range(500, 0, -1)))\n\n"
        "def test_reversed(benchmark):\n    benchmark(lambda: list(reversed(range(500))))\n"
    )
    out = tmp_path / "bench.json"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_demo.py",
         f"--benchmark-json={out}", "--benchmark-min-rounds=5", "--benchmark-max-time=0.01"],
        cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    raw = json.loads(out.read_text())
    runs = _imported_then_checked(kb, "sorting", "pytest-benchmark", str(out))
    assert runs == {b["name"]: {"time": b["stats"]["data"]} for b in raw["benchmarks"]}


def test_hyperfine_live(kb: Path, tmp_path: Path) -> None:
    out = tmp_path / "h.json"
    subprocess.run(
        ["hyperfine", "--runs", "4", "--export-json", str(out), "sleep 0.001", "sleep 0.003"],
        check=True, capture_output=True,
    )  # fmt: skip
    raw = json.loads(out.read_text())
    runs = _imported_then_checked(kb, "sleeps", "hyperfine", str(out))
    assert runs == {r["command"]: {"time": r["times"]} for r in raw["results"]}


def test_google_benchmark_live(kb: Path, tmp_path: Path) -> None:
    exe = tmp_path / "demo"
    subprocess.run(
        ["g++", "-O2", str(FIX / "google_benchmark_demo.cc"), "-o", str(exe), "-lbenchmark", "-lpthread"],
        check=True, capture_output=True,
    )  # fmt: skip
    out = tmp_path / "gb.json"
    subprocess.run(
        [str(exe), "--benchmark_repetitions=3", "--benchmark_min_time=0.01",
         f"--benchmark_out={out}", "--benchmark_out_format=json"],
        check=True, capture_output=True,
    )  # fmt: skip
    rows = [r for r in json.loads(out.read_text())["benchmarks"] if r["run_type"] == "iteration"]
    runs = _imported_then_checked(
        kb, "strings", "google-benchmark", str(out), "--metric", "cpu_time"
    )
    assert runs == {
        name: {"cpu_time": [r["cpu_time"] for r in rows if r["name"] == name]}
        for name in ("BM_StringCopy", "BM_StringCreation")
    }


def test_asv_live(kb: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "benchmarks").mkdir(parents=True)
    (project / "benchmarks" / "__init__.py").write_text("")
    shutil.copy(FIX / "asv_benchmarks.py", project / "benchmarks" / "bench.py")
    shutil.copy(FIX / "asv.conf.json", project / "asv.conf.json")
    env = {**os.environ, "HOME": str(tmp_path), "GIT_CONFIG_GLOBAL": "/dev/null"}

    def run(*args: str) -> None:
        subprocess.run(args, cwd=project, env=env, check=True, capture_output=True, timeout=300)

    run("git", "init", "-q", ".")
    run("git", "add", "-A")
    run("git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "init")
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=project, capture_output=True, text=True, check=True
    ).stdout.strip()
    asv = str(BIN / "asv")
    run(asv, "machine", "--yes", "--machine", "testbox")
    run(asv, "run", "--python=same", "--record-samples", "-a", "repeat=3", "-a", "warmup_time=0",
        "--set-commit-hash", commit, "--machine", "testbox", "--bench", "TimeSuite")  # fmt: skip
    results = [
        p for p in (project / ".asv/results/testbox").glob("*.json") if p.name != "machine.json"
    ]
    assert len(results) == 1
    raw = json.loads(results[0].read_text())
    samples = raw["result_columns"].index("samples")
    runs = _imported_then_checked(kb, "dict-views", "asv", str(results[0]))
    assert runs == {name: {"time": row[samples][0]} for name, row in raw["results"].items()}
