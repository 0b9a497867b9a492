"""Each format reads the raw per-run samples of real tool output, and refuses summaries.

The fixtures are files the tools wrote (tests/fixtures/import/README.md names versions and
commands); expected values are read from those files with the json module, independently
of the importer.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from generator.importers import (
    FORMATS,
    ImportFailed,
    asv,
    csv_long,
    google_benchmark,
    hyperfine,
    lm_eval,
    pytest_benchmark,
)
from generator.importers.plan import make_plan

FIX = Path(__file__).parent / "fixtures" / "import"
LM = FIX / "lm-eval"


def _json(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((FIX / name).read_text())


def test_cli_lists_every_format() -> None:
    from generator.cli import IMPORT_FORMATS

    assert list(FORMATS) == IMPORT_FORMATS


def test_pytest_benchmark_reads_stats_data() -> None:
    raw = _json("pytest-benchmark.json")
    reading = pytest_benchmark.read(FIX / "pytest-benchmark.json")
    assert [(s.label, s.metric, s.unit, s.better) for s in reading.series] == [
        ("test_sum_builtin", "time", "s", "lower"),
        ("test_sum_loop", "time", "s", "lower"),
    ]
    for series, bench in zip(reading.series, raw["benchmarks"], strict=True):
        assert series.values == bench["stats"]["data"]
        assert len(series.values) == bench["stats"]["rounds"]
    assert reading.run_on == date(2026, 11, 26)
    assert reading.hardware is not None
    assert raw["machine_info"]["cpu"]["brand_raw"] in reading.hardware


def test_pytest_benchmark_summary_only_names_the_flag() -> None:
    with pytest.raises(ImportFailed, match="--benchmark-save-data") as exc:
        pytest_benchmark.read(FIX / "pytest-benchmark-summary-only.json")
    assert "pytest-benchmark-summary-only.json" in str(exc.value)


def test_hyperfine_reads_times_per_command() -> None:
    raw = _json("hyperfine.json")
    reading = hyperfine.read(FIX / "hyperfine.json")
    assert [s.label for s in reading.series] == ["sleep 0.002", "sleep 0.004"]
    assert [s.values for s in reading.series] == [r["times"] for r in raw["results"]]
    assert {s.metric for s in reading.series} == {"time"}


def test_hyperfine_memory_is_a_second_metric(tmp_path: Path) -> None:
    # Newer hyperfine releases add memory_usage_byte per run (Option<Vec<u64>> in its
    # BenchmarkResult); Debian ships 1.15, so this is the real 1.15 output with that key added.
    raw = _json("hyperfine.json")
    for i, result in enumerate(raw["results"]):
        result["memory_usage_byte"] = [4_000_000 + 1000 * i + j for j in range(5)]
    path = tmp_path / "h.json"
    path.write_text(json.dumps(raw))
    reading = hyperfine.read(path)
    memory = [s for s in reading.series if s.metric == "memory"]
    assert [(s.label, s.unit, s.values[0]) for s in memory] == [
        ("sleep 0.002", "B", 4_000_000),
        ("sleep 0.004", "B", 4_001_000),
    ]


def test_hyperfine_csv_and_failures_are_refused() -> None:
    with pytest.raises(ImportFailed, match="--export-json"):
        hyperfine.read(FIX / "hyperfine-summary.csv")
    with pytest.raises(ImportFailed, match=r"3 of 3 runs failed \(exit code 1\)"):
        hyperfine.read(FIX / "hyperfine-failing.json")


def test_google_benchmark_reads_iteration_rows() -> None:
    raw = _json("google-benchmark.json")
    reading = google_benchmark.read(FIX / "google-benchmark.json")
    rows = [r for r in raw["benchmarks"] if r["run_type"] == "iteration"]
    for name in ("BM_StringCopy", "BM_StringCreation"):
        mine = [r for r in rows if r["name"] == name]
        assert len(mine) == 5
        got = {s.metric: s for s in reading.series if s.label == name}
        assert got["real_time"].values == [r["real_time"] for r in mine]
        assert got["cpu_time"].values == [r["cpu_time"] for r in mine]
        assert got["real_time"].unit == mine[0]["time_unit"] == "ns"
    assert reading.run_on == date(2026, 11, 26)
    assert reading.hardware is not None and "2 CPUs" in reading.hardware


def test_google_benchmark_aggregates_and_single_runs_are_refused() -> None:
    with pytest.raises(ImportFailed, match="only aggregates") as exc:
        google_benchmark.read(FIX / "google-benchmark-aggregates-only.json")
    assert "--benchmark_report_aggregates_only" in str(exc.value)
    with pytest.raises(ImportFailed, match="--benchmark_repetitions"):
        google_benchmark.read(FIX / "google-benchmark-no-repetitions.json")


def test_asv_reads_samples_per_parameter() -> None:
    raw = _json("asv-results.json")
    samples = raw["result_columns"].index("samples")
    reading = asv.read(FIX / "asv-results.json")
    by_label = {s.label: s for s in reading.series}
    assert set(by_label) == {
        "bench.TimeSuite.time_keys",
        "bench.TimeSuite.time_values",
        "bench.time_range(10)",
        "bench.time_range(1000)",
    }
    assert (
        by_label["bench.TimeSuite.time_keys"].values
        == raw["results"]["bench.TimeSuite.time_keys"][samples][0]
    )
    assert (
        by_label["bench.time_range(1000)"].values == raw["results"]["bench.time_range"][samples][1]
    )
    assert by_label["bench.time_range(10)"].unit == "s"
    assert any("bench.mem_list" in note for note in reading.notes)
    assert reading.hardware is not None and "Intel" in reading.hardware


def test_asv_without_samples_names_the_flag() -> None:
    with pytest.raises(ImportFailed, match="--record-samples"):
        asv.read(FIX / "asv-results-no-samples.json")


def _lm_files() -> list[Path]:
    return sorted(LM.glob("*/samples_*.jsonl"))


def test_lm_eval_items_are_runs_and_pair_by_item() -> None:
    readings = [lm_eval.read(p) for p in _lm_files()]
    plan = make_plan("lm-eval", readings, metric="acc")
    # The README lists the hand-written scores: 160m right on items 0, 3, 5, 8; 410m on
    # 0, 1, 3, 5, 6, 8, 9. Runs are ordered by item.
    assert plan.runs == {
        "EleutherAI__pythia-160m": {"acc": [1, 0, 0, 1, 0, 1, 0, 0, 1, 0]},
        "EleutherAI__pythia-410m": {"acc": [1, 1, 0, 1, 0, 1, 1, 0, 1, 1]},
    }
    assert plan.paired is True
    assert plan.metrics["acc"].better == "higher"
    assert plan.run_on == date(2026, 11, 20)


def test_lm_eval_different_items_are_refused(tmp_path: Path) -> None:
    small, big = _lm_files()
    shorter = tmp_path / "m" / big.name
    shorter.parent.mkdir()
    shorter.write_text("".join(big.read_text().splitlines(keepends=True)[:7]))
    with pytest.raises(ImportFailed, match="same items"):
        make_plan("lm-eval", [lm_eval.read(small), lm_eval.read(shorter)])


def test_lm_eval_corpus_metrics_are_refused(tmp_path: Path) -> None:
    row = {
        "doc_id": 0,
        "metrics": ["word_perplexity"],
        "filter": "none",
        "word_perplexity": [-42.1, 17],
    }
    path = tmp_path / "samples_wikitext_2026-01-01T00-00-00.000000.jsonl"
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(ImportFailed, match="not a per-item score"):
        lm_eval.read(path)


def test_csv_long_form_pairs_by_run(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text(
        "method,metric,run,value\n"
        "fp16,p99_latency_ms,seed-2,41.0\n"
        "fp16,p99_latency_ms,seed-10,40.5\n"
        "fp16,p99_latency_ms,seed-1,41.5\n"
        "int8,p99_latency_ms,seed-1,30.5\n"
        "int8,p99_latency_ms,seed-2,30.0\n"
        "int8,p99_latency_ms,seed-10,29.5\n"
    )
    plan = make_plan("csv", [csv_long.read(path)])
    # natural order of run names: seed-1, seed-2, seed-10
    assert plan.runs == {
        "fp16": {"p99_latency_ms": [41.5, 41.0, 40.5]},
        "int8": {"p99_latency_ms": [30.5, 30.0, 29.5]},
    }
    assert plan.paired is True
    assert plan.metrics["p99_latency_ms"].better == "lower"
    assert plan.metrics["p99_latency_ms"].better_guessed is True


def test_csv_unmatched_runs_are_unpaired_and_columns_are_read(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text(
        "value,run,metric,method,unit,better\n"
        "0.81,a,f1,old,,higher\n0.80,b,f1,old,,higher\n0.79,c,f1,old,,higher\n"
        "0.84,x,f1,new,,higher\n0.83,y,f1,new,,higher\n0.85,z,f1,new,,higher\n"
    )
    plan = make_plan("csv", [csv_long.read(path)])
    assert plan.paired is False
    assert plan.metrics["f1"].better == "higher" and not plan.metrics["f1"].better_guessed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("method,metric,value\nm,t,1\n", "missing: run"),
        ("method,metric,run,value,extra\n", "unknown: extra"),
        ("method,metric,run,value\nm,Bad Name,1,2\n", "not a valid metric name"),
        ("method,metric,run,value\nm,t,1,fast\n", "is not a number"),
        ("method,metric,run,value\nm,t,1,nan\n", "not a finite number"),
        ("method,metric,run,value\nm,t,1,1e400\n", "not a finite number"),
        ("method,metric,run,value\nm,t,1,2\nm,t,1,3\n", "appears twice"),
        ("method,metric,run,value\nm,t,1\n", "3 fields"),
        ("", "empty file"),
        ("method,metric,run,value\n", "no rows"),
        ('method,metric,run,value\n"m,t,1,2\n', "not valid CSV"),
    ],
)
def test_csv_errors_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(content)
    with pytest.raises(ImportFailed, match=message) as exc:
        csv_long.read(path)
    assert str(path) in str(exc.value)


def test_metric_option_selects_or_renames() -> None:
    gb = google_benchmark.read(FIX / "google-benchmark.json")
    plan = make_plan("google-benchmark", [gb], metric="cpu_time")
    assert set(plan.metrics) == {"cpu_time"}
    hf = hyperfine.read(FIX / "hyperfine.json")
    plan = make_plan("hyperfine", [hf], metric="wall_s")
    assert set(plan.metrics) == {"wall_s"}
    with pytest.raises(ImportFailed, match="picks one of"):
        make_plan(
            "google-benchmark",
            [google_benchmark.read(FIX / "google-benchmark.json")],
            metric="wall",
        )
    with pytest.raises(ImportFailed, match="not a valid metric name"):
        make_plan("hyperfine", [hyperfine.read(FIX / "hyperfine.json")], metric="Wall Time")


def test_method_option_once_per_file_and_select() -> None:
    readings = [hyperfine.read(FIX / "hyperfine.json"), hyperfine.read(FIX / "hyperfine.json")]
    plan = make_plan("hyperfine", readings, methods=("before", "after"), select="sleep 0.004")
    assert list(plan.runs) == ["before", "after"]
    with pytest.raises(ImportFailed, match="keep one with --select"):
        make_plan("hyperfine", [hyperfine.read(FIX / "hyperfine.json")], methods=("x",))
    with pytest.raises(ImportFailed, match="also in"):
        make_plan(
            "hyperfine",
            [hyperfine.read(FIX / "hyperfine.json"), hyperfine.read(FIX / "hyperfine.json")],
        )
    with pytest.raises(ImportFailed, match="nothing called 'sleep 9'"):
        make_plan("hyperfine", [hyperfine.read(FIX / "hyperfine.json")], select="sleep 9")


def test_lm_eval_task_files_of_one_model_join(tmp_path: Path) -> None:
    def write(model: str, task: str, scores: list[int]) -> Path:
        path = tmp_path / model / f"samples_{task}_2026-11-20T09-00-00.000000.jsonl"
        path.parent.mkdir(exist_ok=True)
        rows = [
            {"doc_id": i, "filter": "none", "metrics": ["acc"], "acc": s}
            for i, s in enumerate(scores)
        ]
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        return path

    files = [
        write("m1", "mmlu_anatomy", [1, 0]),
        write("m1", "mmlu_astronomy", [1, 1, 0]),
        write("m2", "mmlu_anatomy", [0, 0]),
        write("m2", "mmlu_astronomy", [1, 0, 0]),
    ]
    plan = make_plan("lm-eval", [lm_eval.read(p) for p in files])
    assert plan.runs == {"m1": {"acc": [1, 0, 1, 1, 0]}, "m2": {"acc": [0, 0, 1, 0, 0]}}
    assert plan.paired is True


def test_hyperfine_run_killed_by_a_signal_is_refused(tmp_path: Path) -> None:
    raw = _json("hyperfine.json")
    raw["results"][0]["exit_codes"][2] = None  # hyperfine writes null for a killed run
    path = tmp_path / "h.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ImportFailed, match="killed by a signal"):
        hyperfine.read(path)


def test_lm_eval_two_models_in_one_folder_need_method_names(tmp_path: Path) -> None:
    small, big = _lm_files()
    for src in (small, big):
        shutil.copy(src, tmp_path / src.name)
    files = sorted(tmp_path.glob("samples_*.jsonl"))
    with pytest.raises(ImportFailed, match="--method NAME once per FILE"):
        make_plan("lm-eval", [lm_eval.read(p) for p in files])
    plan = make_plan(
        "lm-eval", [lm_eval.read(p) for p in files], methods=("m160", "m410"), metric="acc"
    )
    assert list(plan.runs) == ["m160", "m410"] and plan.paired
