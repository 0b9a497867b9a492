"""Charts in pages: builders are called here, their SVG is kept by the sink, and pages
carry a placeholder paragraph that the publisher replaces with the SVG after sanitizing.

Keeping SVG out of the Markdown means the sanitizer never has to allow SVG markup, and a
record cannot smuggle markup in through a chart: only SVG rendered here is ever inserted.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..charts.builders import MethodRuns
    from ..schema import Benchmark
    from ..stats import BenchmarkStats

#: A secret of this process in every placeholder: record text, which shares the page's
#: Markdown with the placeholders, cannot write one (a body that could would pull a chart's
#: SVG into its page once per 37 bytes — FINDINGS.md A1). Never part of a finished page.
_NONCE = secrets.token_hex(16)
PLACEHOLDER = re.compile(rf"<p>ASSAY-CHART-{_NONCE}-([0-9a-f]{{24}})</p>")
DEFERRED = re.compile(rf"<!--assay-chart:{_NONCE}:([0-9a-f]{{24}})-->")


def without_nonce(text: str) -> str:
    """`text` (Markdown or HTML holding placeholders) as it reads in any process: the
    secret becomes NUL, which no sanitized HTML and no page Markdown otherwise holds
    (markdown_to_html replaces NUL; HTML parsers drop it). For caches across builds."""
    return text.replace(_NONCE, "\0")


def with_nonce(text: str) -> str:
    """The inverse of `without_nonce`, for this process."""
    return text.replace("\0", _NONCE)


_SVG_NS = "{http://www.w3.org/2000/svg}"
_SVG_TAGS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "title", "desc", "defs", "clipPath", "linearGradient", "radialGradient", "stop",
}  # fmt: skip


def svg_is_inert(svg: str) -> bool:
    """Whether `svg` holds only drawing elements and attributes: no script, no link, no
    event handler, no reference to anything outside the document."""
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return False
    for el in root.iter():
        tag = el.tag.removeprefix(_SVG_NS) if isinstance(el.tag, str) else ""
        if tag not in _SVG_TAGS:
            return False
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            low = value.replace(" ", "").lower()
            if local.startswith("on") or local in ("href", "src", "style"):
                return False
            if "url(" in low and not re.fullmatch(r"url\(#[\w.-]+\)", low):
                return False
            if "javascript:" in low or "data:" in low:
                return False
    return True


def benchmark_methods(record: Benchmark, stats: BenchmarkStats, metric: str) -> list[MethodRuns]:
    """Each method's runs on `metric` with the mean and 95 % interval the statistics engine
    computed for the page (`BenchmarkStats.summaries`): the chart draws the same numbers the
    summary table prints, and never imports SciPy to compute them again."""
    from ..charts.builders import MethodRuns

    by_metric = _summaries_by_metric(stats)
    queues: dict[str, list[Any]] = {}
    for s in by_metric.get(metric, ()):
        queues.setdefault(s.method, []).append(s)
    out = []
    for m in record.methods:
        runs = list(m.runs.get(metric, []))
        queue = queues.get(m.name)
        # One summary per method that has the metric, in method order (names may repeat).
        summary = queue.pop(0) if queue and metric in m.runs else None
        mean = summary.mean if summary is not None else None
        ci = (summary.ci[0], summary.ci[1]) if summary is not None else (None, None)
        out.append(MethodRuns(m.name, runs, m.baseline, mean, ci))
    return out


#: The summaries of the last statistics object asked for, by metric: a page asks once per
#: metric, and scanning every summary each time is quadratic in a record's metrics.
_BY_METRIC: list[tuple[object, dict[str, list[Any]]]] = []


def _summaries_by_metric(stats: BenchmarkStats) -> dict[str, list[Any]]:
    last = _BY_METRIC[-1] if _BY_METRIC else None  # one read: safe beside another thread
    if last is not None and last[0] is stats:
        return last[1]
    index: dict[str, list[Any]] = {}
    for s in stats.summaries:
        index.setdefault(s.metric, []).append(s)
    _BY_METRIC[:] = [(stats, index)]  # holds `stats`, so its id is never reused meanwhile
    return index


class ChartSink:
    """Collects the charts of a build: placeholder key → SVG.

    Charts are drawn by Assay (`generator.charts`) in well under a millisecond each, less
    than reading and verifying a cached file would cost, so nothing is cached across builds:
    every build draws every chart from the validated records (issue 9, docs/design.md).
    `drawn` counts them; ``enabled=False`` (the plugin's `charts: false`) omits them.
    """

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = bool(enabled)
        self.drawn = 0
        self.svgs: dict[str, str] = {}
        self.raw: dict[str, str] = {}

    def _add(self, alt: str, draw: Callable[[], str]) -> str:
        if not self._enabled:
            return f"_Chart omitted: {alt}_"
        svg = draw()
        self.drawn += 1
        key = hashlib.sha256(svg.encode()).hexdigest()[:24]
        self.svgs[key] = svg
        return f"ASSAY-CHART-{_NONCE}-{key}"

    def benchmark(
        self,
        metric: str,
        unit: str | None,
        better: Literal["higher", "lower"],
        methods: Sequence[MethodRuns],
    ) -> str:
        """The runs chart of one metric; `methods` from :func:`benchmark_methods`."""
        from ..charts import benchmark_chart

        return self._add(
            f"runs of {metric}", lambda: benchmark_chart(metric, unit, better, methods)
        )

    def calibration(self, bins: Sequence[dict[str, Any]]) -> str:
        from ..charts import calibration_chart

        return self._add("calibration", lambda: calibration_chart(bins))

    def history(self, moves: Sequence[tuple[str, str, str]]) -> str:
        from ..charts import ring_history_chart

        return self._add("ring history", lambda: ring_history_chart(moves))

    @property
    def enabled(self) -> bool:
        """False when the site is built without charts (the plugin's `charts: false`)."""
        return self._enabled

    @property
    def stats(self) -> dict[str, int]:
        """What this build did with charts, for `publish.LAST_CHART_STATS`."""
        return {"drawn": self.drawn} if self._enabled else {}

    def markup(self, html: str, alt: str | None = None) -> str:
        """A placeholder for hand-written markup (generator.charts.radar_svg, .forest) that
        escaped every record string itself; inserted as is, without a <figure> around it.
        With `alt`, the markup is a chart, omitted like the others when charts are off."""
        if alt is not None and not self.enabled:
            return f"_Chart omitted: {alt}_"
        key = hashlib.sha256(html.encode()).hexdigest()[:24]
        self.raw[key] = html
        return f"ASSAY-CHART-{_NONCE}-{key}"

    def defer(self, html: str) -> str:
        """Turn placeholder paragraphs into HTML comments, which search indexing skips."""
        return PLACEHOLDER.sub(lambda m: f"<!--assay-chart:{_NONCE}:{m.group(1)}-->", html)

    def insert(self, html: str) -> str:
        """Replace deferred placeholders in a finished page with their SVG figures."""

        def repl(m: re.Match[str]) -> str:
            if (raw := self.raw.get(m.group(1))) is not None:
                return raw
            svg = self.svgs.get(m.group(1))
            return f'<figure class="assay-chart">{svg}</figure>' if svg else ""

        return DEFERRED.sub(repl, html)
