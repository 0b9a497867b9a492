"""The record an import writes: new records valid as written, existing ones edited in place.

Round trips compare bytes: everything outside the edited runs stays byte-identical.
"""

from __future__ import annotations

import os
import shutil
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.importers import ImportFailed, run_import
from generator.importers.base import bad_name_char
from generator.importers.yamltext import scalar
from generator.parse import parse_record

FIX = Path(__file__).parent / "fixtures" / "import"
HYPERFINE = FIX / "hyperfine.json"
FA = "content/benchmarks/fa-latency.md"

COMMENTED = """\
---
# yaml-language-server: $schema=../../schemas/benchmark.schema.json
# A hand-written header comment that must survive.
title: 'Sleep timing, quoted in single quotes'
owner: marco   # owner comment
run_on: 2026-03-20
hardware: "1x laptop"
paired: false
metrics:
  - name: time   # the metric
    unit: s
    better: lower
methods:   # methods comment
  - name: sleep 0.002
    baseline: true
    runs:
      time:   # block-style runs, replaced with --replace
        - 0.1
        - 0.2
        - 0.3
  - {name: other, runs: {time: [0.5, 0.6, 0.7]}}
# trailing comment in the front matter
---

Body with **Markdown**, `code` and a hard line break.\\
Second line.
"""


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    shutil.copytree(VALID_ROOT, tmp_path / "kb")
    return tmp_path / "kb"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _record(kb: Path, name: str, text: str, newline: str = "\n", bom: bool = False) -> Path:
    path = kb / "content" / "benchmarks" / f"{name}.md"
    data = text.replace("\n", newline).encode()
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def _runs(path: Path) -> dict[str, dict[str, list[float]]]:
    parsed = parse_record(path.read_bytes(), "x.md")
    assert parsed.data is not None, parsed.diagnostics
    return {
        m["name"]: {k: [float(v) for v in vs] for k, vs in m["runs"].items()}
        for m in parsed.data["methods"]
    }


def _check(kb: Path) -> None:
    code, out, _ = cli("check", "--root", str(kb))
    assert code == 0, out


def test_new_record_is_valid_and_stats_work(kb: Path) -> None:
    code, out, _ = cli(
        "import",
        "hyperfine",
        str(HYPERFINE),
        "--into",
        "sleep-timing",
        "--root",
        str(kb),
        "--owner",
        "priya",
    )
    assert code == 0, out
    assert "created content/benchmarks/sleep-timing.md" in out
    assert "added sleep 0.002 (baseline): 5 runs of time" in out
    path = kb / "content/benchmarks/sleep-timing.md"
    text = path.read_text()
    assert text.startswith(
        "---\n# yaml-language-server: $schema=../../schemas/benchmark.schema.json\n"
    )
    assert "owner: priya\n" in text and "paired: false" in text
    assert f"run_on: {date.today().isoformat()}" in text  # hyperfine states no date
    _check(kb)
    code, out, _ = cli("stats", "sleep-timing", "--root", str(kb), "--format", "json")
    assert code == 0 and '"method": "sleep 0.004"' in out


def test_round_trip_changes_nothing_but_the_runs(kb: Path) -> None:
    path = _record(kb, "sleep-timing", COMMENTED)
    before = path.read_bytes()
    code, out, err = cli(
        "import", "hyperfine", str(HYPERFINE), "--into", "sleep-timing", "--root", str(kb),
        "--select", "sleep 0.002", "--replace",
    )  # fmt: skip
    assert code == 0, out + err
    after = path.read_bytes()
    times = [
        float(t) for t in __import__("json").loads(HYPERFINE.read_text())["results"][0]["times"]
    ]
    assert _runs(path)["sleep 0.002"]["time"] == times
    # Exactly the block list under `time:` changed, into one flow list.
    old_block = "time:   # block-style runs, replaced with --replace\n        - 0.1\n        - 0.2\n        - 0.3"
    head, tail = before.decode().split(old_block)
    assert after.decode().startswith(head)
    assert after.decode().endswith(tail)
    assert after.decode()[len(head) :].startswith("time: [")
    _check(kb)


def test_adding_a_method_and_metric_appends_only(kb: Path, tmp_path: Path) -> None:
    path = kb / FA
    before = path.read_text()
    csv = tmp_path / "more.csv"
    csv.write_text(
        "method,metric,run,value\n"
        + "".join(
            f"xformers,p99-latency,{i},{v}\n" for i, v in enumerate([80.1, 79.5, 80.9, 81.0, 80.2])
        )
        + "".join(
            f"xformers,accuracy,{i},{v}\n" for i, v in enumerate([85.0, 85.1, 85.2, 85.1, 85.0])
        )
    )
    code, out, err = cli("import", "csv", str(csv), "--into", "fa-latency", "--root", str(kb))
    assert code == 0, out + err
    after = path.read_text()
    insert = (
        "  - name: xformers\n    runs:\n      p99-latency: [80.1, 79.5, 80.9, 81, 80.2]\n"
        "      accuracy: [85, 85.1, 85.2, 85.1, 85]\n"
    )
    anchor = "      accuracy: [85.2, 85.1, 85.3, 85.2, 85.3]\n"
    assert after == before.replace(anchor, anchor + insert, 1)
    _check(kb)


def test_adding_a_metric_to_every_method(kb: Path, tmp_path: Path) -> None:
    path = kb / FA
    before = path.read_text()
    csv = tmp_path / "mem.csv"
    rows = ["method,metric,run,value,unit,better"]
    for method in ("sdpa", "flash-attn-2"):
        rows += [f"{method},peak_mem_gb,{i},{20 + i / 10},GB,lower" for i in range(5)]
    csv.write_text("\n".join(rows) + "\n")
    code, _, err = cli("import", "csv", str(csv), "--into", "fa-latency", "--root", str(kb))
    # The ablation variant has no peak_mem_gb runs: the record would be invalid, so the
    # import is refused and names the problem.
    assert code == 1
    assert "would not be valid" in err and "no-recompute" in err
    assert path.read_text() == before


def test_crlf_and_bom_are_kept(kb: Path) -> None:
    path = _record(kb, "sleep-timing", COMMENTED, newline="\r\n", bom=True)
    before = path.read_bytes()
    code, out, err = cli(
        "import", "hyperfine", str(HYPERFINE), "--into", "sleep-timing", "--root", str(kb),
        "--select", "sleep 0.004", "--method", "sleep longer",
    )  # fmt: skip
    assert code == 0, out + err
    after = path.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf---\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")
    marker = b"  - {name: other, runs: {time: [0.5, 0.6, 0.7]}}\r\n"
    head, tail = before.split(marker)
    assert after.startswith(head + marker + b"  - name: sleep longer\r\n    runs:\r\n      time: [")
    assert after.endswith(tail)
    _check(kb)


def test_existing_runs_need_replace(kb: Path) -> None:
    path = _record(kb, "sleep-timing", COMMENTED)
    before = path.read_bytes()
    code, _, err = cli(
        "import",
        "hyperfine",
        str(HYPERFINE),
        "--into",
        "sleep-timing",
        "--root",
        str(kb),
        "--select",
        "sleep 0.002",
    )
    assert code == 1
    assert "already has runs of sleep 0.002 / time: pass --replace" in err
    assert path.read_bytes() == before


def test_unit_mismatch_is_refused(kb: Path) -> None:
    path = kb / FA
    before = path.read_bytes()
    code, _, err = cli(
        "import", "hyperfine", str(HYPERFINE), "--into", "fa-latency", "--root", str(kb), "--metric", "p99-latency",
    )  # fmt: skip
    assert code == 1
    assert "measured in s, but the record's metric p99-latency is in ms" in err
    assert path.read_bytes() == before


def test_paired_record_needs_equal_run_counts(kb: Path, tmp_path: Path) -> None:
    path = kb / FA
    before = path.read_bytes()
    csv = tmp_path / "x.csv"
    csv.write_text(
        "method,metric,run,value\n" + "".join(f"new,p99-latency,{i},{70 + i}\n" for i in range(3))
    )
    code, _, err = cli("import", "csv", str(csv), "--into", "fa-latency", "--root", str(kb))
    assert code == 1
    assert "is paired" in err and "sdpa 5" in err and "new 3" in err
    assert path.read_bytes() == before


def test_new_record_needs_two_methods_and_a_known_baseline(kb: Path) -> None:
    target = kb / "content/benchmarks/one.md"
    code, _, err = cli(
        "import",
        "hyperfine",
        str(HYPERFINE),
        "--into",
        "one",
        "--root",
        str(kb),
        "--select",
        "sleep 0.002",
    )
    assert code == 1 and "at least two" in err and not target.exists()
    code, _, err = cli(
        "import",
        "hyperfine",
        str(HYPERFINE),
        "--into",
        "one",
        "--root",
        str(kb),
        "--baseline",
        "nope",
    )
    assert code == 1 and "--baseline 'nope'" in err and not target.exists()
    code, _, _ = cli(
        "import",
        "hyperfine",
        str(HYPERFINE),
        "--into",
        "one",
        "--root",
        str(kb),
        "--baseline",
        "sleep 0.004",
    )
    assert code == 0
    text = target.read_text()
    assert text.index("name: sleep 0.004\n    baseline: true") < text.index("name: sleep 0.002")


def test_baseline_of_an_existing_record_is_not_moved(kb: Path, tmp_path: Path) -> None:
    csv = tmp_path / "x.csv"
    csv.write_text(
        "method,metric,run,value\n" + "".join(f"new,p99-latency,{i},{70 + i}\n" for i in range(5))
    )
    code, _, err = cli(
        "import", "csv", str(csv), "--into", "fa-latency", "--root", str(kb), "--baseline", "new"
    )
    assert code == 1 and "baseline is sdpa" in err


def test_id_taken_by_another_kind_and_invalid_ids(kb: Path) -> None:
    code, _, err = cli("import", "hyperfine", str(HYPERFINE), "--into", "lora", "--root", str(kb))
    assert code == 1 and "content/papers/lora.md" in err
    for bad in ("Bad_Id", "records", "../x"):
        code, _, err = cli("import", "hyperfine", str(HYPERFINE), "--into", bad, "--root", str(kb))
        assert code == 1 and "not a valid record id" in err


def test_symlinked_record_is_not_followed(kb: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text(COMMENTED)
    (kb / "content/benchmarks/linked.md").symlink_to(outside)
    code, _, err = cli("import", "hyperfine", str(HYPERFINE), "--into", "linked", "--root", str(kb))
    assert code == 1 and "not a regular file" in err
    assert outside.read_text() == COMMENTED


def test_usage_errors_exit_2(kb: Path, tmp_path: Path) -> None:
    assert cli("import", "hyperfine", str(HYPERFINE), "--root", str(kb))[0] == 2  # no --into
    assert cli("import", "perf", str(HYPERFINE), "--into", "x", "--root", str(kb))[0] == 2
    assert (
        cli(
            "import", "hyperfine", str(tmp_path / "missing.json"), "--into", "x", "--root", str(kb)
        )[0]
        == 2
    )
    assert (
        cli("import", "hyperfine", str(HYPERFINE), "--into", "x", "--root", str(tmp_path / "nokb"))[
            0
        ]
        == 2
    )


def test_no_temporary_file_is_left_and_mode_is_kept(kb: Path) -> None:
    path = _record(kb, "sleep-timing", COMMENTED)
    path.chmod(0o640)
    code, *_ = cli(
        "import",
        "hyperfine",
        str(HYPERFINE),
        "--into",
        "sleep-timing",
        "--root",
        str(kb),
        "--select",
        "sleep 0.002",
        "--replace",
    )
    assert code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(os.listdir(path.parent)) == ["fa-latency.md", "sleep-timing.md"]


def test_owner_falls_back_to_git_then_system_user(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(kb)], check=True)
    subprocess.run(["git", "-C", str(kb), "config", "user.name", "Ada\tLovelace\u202e"], check=True)
    run_import("hyperfine", [HYPERFINE], kb, "by-git")
    assert "owner: Ada Lovelace\n" in (kb / "content/benchmarks/by-git.md").read_text()
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    subprocess.run(["git", "-C", str(kb), "config", "--unset", "user.name"], check=True)
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", "/dev/null")
    monkeypatch.setattr("getpass.getuser", lambda: "sysuser")
    run_import("hyperfine", [HYPERFINE], kb, "by-user")
    assert "owner: sysuser\n" in (kb / "content/benchmarks/by-user.md").read_text()


def test_method_names_that_break_yaml_or_markdown_are_quoted(kb: Path, tmp_path: Path) -> None:
    names = [
        "a: b # c",
        "- [x]",
        "yes",
        "<script>alert(1)</script>",
        '"quoted" \\ back',
        "*bold* | pipe",
        "'single'",
    ]
    csv = tmp_path / "n.csv"
    csv.write_text(
        "method,metric,run,value\n"
        + "".join(
            f'"{n.replace(chr(34), chr(34) * 2)}",t,{i},{j + i}\n'
            for j, n in enumerate(names)
            for i in range(3)
        )
    )
    code, out, err = cli("import", "csv", str(csv), "--into", "names", "--root", str(kb))
    assert code == 0, out + err
    assert "note: better: higher for t is guessed from its name: check it" in err
    assert (
        "better: higher  # guessed from the name: check it"
        in (kb / "content/benchmarks/names.md").read_text()
    )
    assert list(_runs(kb / "content/benchmarks/names.md")) == names
    _check(kb)


def test_control_characters_in_names_are_refused(kb: Path, tmp_path: Path) -> None:
    csv = tmp_path / "n.csv"
    csv.write_text(
        "method,metric,run,value\n" + "".join(f"a\u202eb,t,{i},1\nc,t,{i},2\n" for i in range(3))
    )
    code, _, err = cli("import", "csv", str(csv), "--into", "names", "--root", str(kb))
    assert code == 1 and "U+202E" in err and "--method" in err


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=40).filter(lambda s: s == s.strip() and not bad_name_char(s)))
def test_scalar_reads_back_as_the_same_text(name: str) -> None:
    text = f"---\nname: {scalar(name)}\nother: [{scalar(name)}]\n---\n"
    parsed = parse_record(text.encode(), "x.md")
    assert parsed.data == {"name": name, "other": [name]}, scalar(name)


def test_nothing_is_written_when_the_file_changes_meanwhile(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _record(kb, "sleep-timing", COMMENTED)
    from generator.importers import record

    real_check = record._check

    def check_then_edit(*args: object, **kwargs: object) -> object:
        result = real_check(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(COMMENTED + "\nA colleague's edit.\n")
        return result

    monkeypatch.setattr(record, "_check", check_then_edit)
    with pytest.raises(ImportFailed, match="changed while importing"):
        run_import("hyperfine", [HYPERFINE], kb, "sleep-timing", select="sleep 0.002", replace=True)
    assert path.read_text().endswith("A colleague's edit.\n")
    assert sorted(os.listdir(path.parent)) == ["fa-latency.md", "sleep-timing.md"]


def test_lm_eval_models_make_a_paired_record(kb: Path) -> None:
    files = sorted(str(p) for p in (FIX / "lm-eval").glob("*/samples_*.jsonl"))
    code, out, err = cli(
        "import", "lm-eval", *files, "--into", "pythia-arc", "--root", str(kb), "--metric", "acc"
    )
    assert code == 0, out + err
    text = (kb / "content/benchmarks/pythia-arc.md").read_text()
    assert "paired: true" in text and "run_on: 2026-11-20" in text
    code, out, _ = cli("stats", "pythia-arc", "--root", str(kb), "--format", "json")
    assert code == 0
    comparison = __import__("json").loads(out)["comparisons"][0]
    # Per-item differences (410m − 160m) are 0,1,0,0,0,0,1,0,0,1: mean 0.3 over 10 items.
    assert comparison["test"].startswith("paired") and comparison["n_method"] == 10
    assert comparison["diff"] == pytest.approx(0.3)


STYLES = {
    "flow-everywhere": """\
---
title: Flow style record
owner: marco
run_on: 2026-03-20
hardware: laptop
paired: false
metrics: [{name: lat, unit: ms, better: lower}]
methods: [{name: a, baseline: true, runs: {lat: [1, 2, 3]}}, {name: b, runs: {lat: [2, 3, 4]}}]
---
""",
    "flow-trailing-commas": """\
---
title: Flow style with trailing commas
owner: marco
run_on: 2026-03-20
hardware: laptop
paired: false
metrics: [{name: lat, unit: ms, better: lower},]
methods: [
  {name: a, baseline: true, runs: {lat: [1, 2, 3],}},
  {name: b, runs: {lat: [2, 3, 4], }},  # comment inside the flow list
]
---
""",
    "indentless-block": """\
---
title: Indentless block style
owner: marco
run_on: 2026-03-20
hardware: laptop
paired: false
metrics:
- name: lat
  unit: ms
  better: lower
methods:
- name: a
  baseline: true
  runs:
    lat:
    - 1
    - 2
    - 3
- name: "b"
  runs: {lat: [2, 3, 4]}  # trailing comment
---
body
""",
    "wide-indent": """\
---
title: Four-space indentation
owner: marco
run_on: 2026-03-20
hardware: laptop
paired: false
metrics:
    -   name: lat
        unit: ms
        better: lower
methods:
    -   name: a
        baseline: true
        runs:
            lat: [1, 2, 3]
    -   name: b
        runs:
            lat: [2, 3, 4]
---
""",
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_edits_in_every_yaml_style(kb: Path, tmp_path: Path, style: str) -> None:
    path = _record(kb, "styled", STYLES[style])
    long_runs = [round(1.0 + i / 7, 6) for i in range(60)]  # long enough to wrap
    csv = tmp_path / "x.csv"
    csv.write_text(
        "method,metric,run,value,unit,better\n"
        + "".join(f"a,lat,{i},{v},ms,lower\n" for i, v in enumerate(long_runs))
        + "".join(f"c: new,lat,{i},{v},ms,lower\n" for i, v in enumerate(long_runs))
        + "".join(f"a,tput,{i},{v},req/s,higher\n" for i, v in enumerate(long_runs))
        + "".join(f"b,tput,{i},{v},req/s,higher\n" for i, v in enumerate(long_runs))
        + "".join(f"c: new,tput,{i},{v},req/s,higher\n" for i, v in enumerate(long_runs))
    )
    code, out, err = cli(
        "import", "csv", str(csv), "--into", "styled", "--root", str(kb), "--replace"
    )
    assert code == 0, out + err
    assert _runs(path) == {
        "a": {"lat": long_runs, "tput": long_runs},
        "b": {"lat": [2, 3, 4], "tput": long_runs},
        "c: new": {"lat": long_runs, "tput": long_runs},
    }
    parsed = parse_record(path.read_bytes(), "x")
    assert parsed.data is not None
    assert parsed.data["metrics"][1] == {"name": "tput", "unit": "req/s", "better": "higher"}
    original = parse_record(STYLES[style].encode(), "x").data
    assert original is not None
    for key in ("title", "owner", "run_on", "hardware", "paired"):
        assert parsed.data[key] == original[key]
    assert path.read_text().endswith(STYLES[style].split("---\n", 2)[2])  # the body
    _check(kb)


def test_symlinked_benchmarks_folder_and_folder_target_are_refused(
    kb: Path, tmp_path: Path
) -> None:
    (kb / "content/benchmarks/odd.md").mkdir()
    code, _, err = cli("import", "hyperfine", str(HYPERFINE), "--into", "odd", "--root", str(kb))
    assert code == 1 and "not a regular file" in err
    elsewhere = tmp_path / "elsewhere"
    shutil.move(kb / "content/benchmarks", elsewhere)
    (kb / "content/benchmarks").symlink_to(elsewhere)
    code, _, err = cli("import", "hyperfine", str(HYPERFINE), "--into", "fresh", "--root", str(kb))
    assert code == 1 and "not a plain folder" in err
    assert not (elsewhere / "fresh.md").exists()


@pytest.mark.parametrize("paired", [False, True])
def test_thousands_of_runs_are_analysed(kb: Path, tmp_path: Path, paired: bool) -> None:
    # pytest-benchmark easily records thousands of rounds per benchmark.
    n = 1500
    csv = tmp_path / "big.csv"
    csv.write_text(
        "method,metric,run,value\n"
        + "".join(f"a,t,{i},{1 + (i % 7) / 100}\n" for i in range(n))
        + "".join(f"b,t,{i if paired else n + i},{1.02 + (i % 5) / 100}\n" for i in range(n))
    )
    code, out, err = cli("import", "csv", str(csv), "--into", "big", "--root", str(kb))
    assert code == 0, out + err
    assert (
        f"paired: {'true' if paired else 'false'}" in (kb / "content/benchmarks/big.md").read_text()
    )
    code, out, _ = cli("stats", "big", "--root", str(kb), "--format", "json")
    assert code == 0
    assert __import__("json").loads(out)["comparisons"][0]["n_method"] == n


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_a_new_record_gets_the_mode_of_any_new_file(kb: Path, mask: int) -> None:
    # Found by a new user: records created by import were 0600 (mkstemp's mode) while
    # `assay new` and every other tool honour the umask.
    old = os.umask(mask)
    try:
        run_import("hyperfine", [HYPERFINE], kb, "mode-check")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((kb / "content/benchmarks/mode-check.md").stat().st_mode)
    assert mode == 0o666 & ~mask
