"""Assay's macros for maintainer pages (home, guide), called from mkdocs-macros.

Each returns Markdown. Records never reach Jinja: these only read the validated knowledge
base. Example in a page with `render_macros: true`: ``{{ assay_radar() }}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .model import KnowledgeBase


def assay_macros(
    kb: KnowledgeBase, sink: Any, page_src: Callable[[], str]
) -> dict[str, Callable[..., str]]:
    """The macros, bound to a knowledge base; `page_src` gives the calling page's src path."""
    from . import compute
    from .radar import radar_rows
    from .render.markdown import badge, cell, link_to, table
    from .schema import Benchmark

    def prefix() -> str:
        return "../" * page_src().count("/")

    def assay_radar() -> str:
        """The current radar as a table."""
        return table(
            ["Ring", "Technique", "Area", "Owner"],
            [
                [
                    badge(r["ring"], r["ring"].lower()),
                    link_to("decision", r["id"], r["technique"], prefix()),
                    cell(r["area"]),
                    cell(r["owner"]),
                ]
                for r in radar_rows(kb)
            ],
        )

    def assay_count(kind: str) -> str:
        """How many valid records of a kind there are."""
        return str(len(kb.of_kind(kind)))

    def assay_due() -> str:
        """How many items need attention (the review agenda's size)."""
        return str(len(kb.warnings))

    def benchmark(benchmark_id: str) -> Benchmark | None:
        entry = kb.by_id.get(benchmark_id)
        return entry.record if entry and isinstance(entry.record, Benchmark) else None

    def assay_figure(benchmark_id: str, metric: str) -> str:
        """The runs chart of one metric of a benchmark."""
        b = benchmark(benchmark_id)
        if b is None:
            return f"_No benchmark '{benchmark_id}'._"
        m = next((m for m in b.metrics if m.name == metric), None)
        if m is None:
            return f"_Benchmark '{benchmark_id}' has no metric '{metric}'._"
        methods = [(x.name, list(x.runs.get(metric, [])), x.baseline) for x in b.methods]
        return str(sink.benchmark(m.name, m.unit, m.better, methods))

    def assay_verdicts(benchmark_id: str) -> str:
        """One line per comparison of a benchmark: method, metric, verdict."""
        b = benchmark(benchmark_id)
        if b is None:
            return f"_No benchmark '{benchmark_id}'._"
        s = compute.benchmark_stats(benchmark_id, b)
        return table(
            ["Metric", "Method", "Verdict"],
            [[cell(c.metric), cell(c.method), c.verdict] for c in s.comparisons],
        )

    return {
        f.__name__: f for f in (assay_radar, assay_count, assay_due, assay_figure, assay_verdicts)
    }
