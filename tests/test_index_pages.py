"""Kind index pages promise sorting and filters only where assay.js adds them (two rows or
more; found by a new user on the site `assay init` makes, one example of each kind)."""

from __future__ import annotations

from conftest import AS_OF, valid_files

from generator.kb import analyse, compile_entries
from generator.render.pages import kind_index


def test_index_promises_sort_and_filter_only_for_two_rows_or_more() -> None:
    kb = analyse(compile_entries(valid_files()), AS_OF)
    decisions = kind_index(kb, "decision")  # two records in the fixture
    assert "Sort by any column; filter below." in decisions
    benchmarks = kind_index(kb, "benchmark")  # one record
    assert "fa-latency" in benchmarks
    assert "Sort by any column" not in benchmarks and "filter below" not in benchmarks
