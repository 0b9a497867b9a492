"""Assay's macros on maintainer pages (home, guide), expanded by Assay while compiling.

A page with macros on (``render_macros: true``, or mkdocs-macros configured to render
every page) may call ``{{ assay_radar() }}``, ``{{ assay_count("paper") }}``,
``{{ assay_due() }}``, ``{{ assay_figure("bench-id", "metric") }}`` and
``{{ assay_verdicts("bench-id") }}``. Assay finds these calls itself — no template engine
runs: arguments must be literals (read with `ast.literal_eval`), so nothing on the page can
reach Python — and replaces each with its output, on every engine (Zensical's templates
cannot call Python). Anything else between braces is left for the engine's own macro
layer (mkdocs-macros on MkDocs and ProperDocs), and ``{% raw %}…{% endraw %}`` is respected.

What a macro returns carries record text, so it is rendered like a record page: Markdown
→ sanitized HTML → passthrough-encoded (no braces, one line), never Markdown for the engine.
mkdocs-macros may be configured with other markers (``j2_variable_start_string: "[["``…):
then the first character of each such marker is also written as an entity in the output,
so record text never forms a marker (FINDINGS.md A5); a marker whose first character can
be part of HTML markup (``<``, ``&``, letters…) cannot be encoded so, and is refused.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Callable
from typing import Any

from .model import KnowledgeBase
from .render.charts import ChartSink

_CALL = re.compile(r"\{\{-?\s*(assay_[a-z_]+)\s*\((.*?)\)\s*-?\}\}", re.S)
#: mkdocs-macros options that set where a template construct starts.
_J2_STARTS = ("j2_variable_start_string", "j2_block_start_string", "j2_comment_start_string")
#: Characters that sanitized HTML holds only in text and attribute values, where an entity
#: means the same: a custom marker starting with one of them is neutralised by encoding it.
_ENCODABLE = frozenset("[]()@$%^*+|~\\`,.")


class MacroMarkerError(ValueError):
    """mkdocs-macros markers that Assay's macro output cannot be kept out of."""


def marker_characters(config: dict[str, Any]) -> str:
    """The characters to encode in macro output for the user's mkdocs-macros markers
    (none for the default, brace-based ones). Raises MacroMarkerError for a marker whose
    first character could be HTML markup."""
    chars = ""
    for p in config.get("plugins") or []:
        if not (isinstance(p, dict) and "macros" in p and isinstance(p["macros"], dict)):
            continue
        for option in _J2_STARTS:
            marker = p["macros"].get(option)
            if not marker or not isinstance(marker, str) or marker.startswith("{"):
                continue
            first = marker[0]
            if first not in _ENCODABLE:
                raise MacroMarkerError(
                    f"mkdocs.yml sets the macros option {option}: {marker!r}; Assay's macros "
                    "return record text, which mkdocs-macros would then read as a template, and "
                    f"{first!r} cannot be encoded out of HTML. Use a marker starting with "
                    "'{' or one of " + " ".join(sorted(_ENCODABLE))
                )
            if first not in chars:
                chars += first
    return chars


_RAW = re.compile(r"(\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\})", re.S)


def assay_macros(
    kb: KnowledgeBase, sink: ChartSink, page_src: str
) -> dict[str, Callable[..., str]]:
    """The macros, bound to a knowledge base and the calling page; each returns Markdown."""
    from . import compute
    from .radar import radar_rows
    from .render.markdown import badge, cell, link_to, table
    from .schema import KINDS, Benchmark

    prefix = "../" * page_src.count("/")

    def assay_radar() -> str:
        """The current radar as a table."""
        return table(
            ["Ring", "Technique", "Area", "Owner"],
            [
                [
                    badge(r["ring"], r["ring"].lower()),
                    link_to("decision", r["id"], r["technique"], prefix),
                    cell(r["area"]),
                    cell(r["owner"]),
                ]
                for r in radar_rows(kb)
            ],
        )

    def assay_count(kind: str) -> str:
        """How many valid records of a kind there are."""
        if kind not in KINDS:
            return f"_Unknown kind '{cell(kind)}'._"
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
            return f"_No benchmark '{cell(benchmark_id)}'._"
        m = next((m for m in b.metrics if m.name == metric), None)
        if m is None:
            return f"_Benchmark '{cell(benchmark_id)}' has no metric '{cell(metric)}'._"
        from .render.charts import benchmark_methods

        methods = benchmark_methods(b, compute.benchmark_stats(benchmark_id, b), metric)
        return sink.benchmark(m.name, m.unit, m.better, methods)

    def assay_verdicts(benchmark_id: str) -> str:
        """One line per comparison of a benchmark: method, metric, verdict."""
        b = benchmark(benchmark_id)
        if b is None:
            return f"_No benchmark '{cell(benchmark_id)}'._"
        s = compute.benchmark_stats(benchmark_id, b)
        return table(
            ["Metric", "Method", "Verdict"],
            [[cell(c.metric), cell(c.method), c.verdict] for c in s.comparisons],
        )

    return {
        f.__name__: f for f in (assay_radar, assay_count, assay_due, assay_figure, assay_verdicts)
    }


#: Macros whose output is a number, written inline; the others are blocks.
_INLINE = {"assay_count", "assay_due"}


def _arguments(text: str) -> tuple[list[Any], dict[str, Any]] | None:
    """Literal positional and keyword arguments, or None when they are not all literals."""
    try:
        call = ast.parse(f"f({text})", mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    assert isinstance(call, ast.Call)
    try:
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {str(k.arg): ast.literal_eval(k.value) for k in call.keywords if k.arg}
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None
    if len(kwargs) != len(call.keywords):
        return None
    return args, kwargs


def calls_assay(text: str) -> bool:
    """Whether the page `text` calls one of Assay's macros (outside raw blocks)."""
    return any(_CALL.search(p) for i, p in enumerate(_RAW.split(text)) if not i % 2)


def expand_macros(
    text: str,
    kb: KnowledgeBase,
    sink: ChartSink,
    page_src: str,
    directory_urls: bool,
    encode: str = "",
) -> str:
    """`text` (a maintainer page) with every call of an Assay macro replaced by its output;
    the characters of `encode` (see `marker_characters`) are written as entities in it."""
    from .compile import insert_charts
    from .render.html import markdown_to_html, passthrough

    macros = assay_macros(kb, sink, page_src)

    def repl(m: re.Match[str]) -> str:
        fn = macros.get(m.group(1))
        parsed = _arguments(m.group(2))
        if fn is None or parsed is None:
            why = "unknown Assay macro" if fn is None else "arguments must be literals"
            return f"<code>{passthrough(html.escape(m.group(0)))}</code>: {why}"
        try:
            out = fn(*parsed[0], **parsed[1])
        except TypeError as exc:
            return f"<code>{m.group(1)}</code>: {passthrough(html.escape(str(exc)))}"
        if m.group(1) in _INLINE:
            return html.escape(out)
        block = passthrough(insert_charts(markdown_to_html(out, page_src, directory_urls), sink))
        if encode:
            block = block.translate({ord(c): f"&#{ord(c)};" for c in encode})
        return f'\n\n<div class="assay-macro">{block}</div>\n\n'

    parts = _RAW.split(text)
    return "".join(p if i % 2 else _CALL.sub(repl, p) for i, p in enumerate(parts))
