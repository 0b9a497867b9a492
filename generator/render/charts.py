"""Charts in pages: builders are called here, SVG is rendered through the cache, and pages
carry a placeholder paragraph that the publisher replaces with the SVG after sanitizing.

Keeping SVG out of the Markdown means the sanitizer never has to allow SVG markup, and a
record cannot smuggle markup in through a chart: only SVG rendered here is ever inserted.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal

PLACEHOLDER = re.compile(r"<p>ASSAY-CHART-([0-9a-f]{24})</p>")
DEFERRED = re.compile(r"<!--assay-chart:([0-9a-f]{24})-->")


class ChartSink:
    """Collects the charts of a build: placeholder key → SVG (rendered once per key)."""

    def __init__(self, cache: Any | None = None) -> None:
        self.cache = cache  # generator.charts.ChartCache, or None to skip charts
        self.svgs: dict[str, str] = {}
        self.raw: dict[str, str] = {}

    def _add(self, alt: str, build: Callable[[], Any], inputs: Any) -> str:
        if self.cache is None:
            return f"_Chart omitted: {alt}_"
        # The builder's name and arguments as canonical text: the cache skips building the
        # chart when they were rendered before (see ChartCache.svg_for).
        text = json.dumps([alt, inputs], sort_keys=True, ensure_ascii=False, default=repr)
        svg = self.cache.svg_for(text, build)
        key = hashlib.sha256(svg.encode()).hexdigest()[:24]
        self.svgs[key] = svg
        return f"ASSAY-CHART-{key}"

    def benchmark(
        self,
        metric: str,
        unit: str | None,
        better: Literal["higher", "lower"],
        methods: Sequence[tuple[str, list[float], bool]],
    ) -> str:
        from ..charts import benchmark_chart

        args = (metric, unit, better, list(methods))
        return self._add(f"runs of {metric}", lambda: benchmark_chart(*args), args)

    def calibration(self, bins: Sequence[dict[str, Any]]) -> str:
        from ..charts import calibration_chart

        args = list(bins)
        return self._add("calibration", lambda: calibration_chart(args), args)

    def history(self, moves: Sequence[tuple[str, str, str]]) -> str:
        from ..charts import ring_history_chart

        args = list(moves)
        return self._add("ring history", lambda: ring_history_chart(args), args)

    @property
    def enabled(self) -> bool:
        """False when the site is built without charts (the plugin's `charts: false`)."""
        return self.cache is not None

    def markup(self, html: str, alt: str | None = None) -> str:
        """A placeholder for hand-written markup (generator.charts.radar_svg, .forest) that
        escaped every record string itself; inserted as is, without a <figure> around it.
        With `alt`, the markup is a chart, omitted like the others when charts are off."""
        if alt is not None and not self.enabled:
            return f"_Chart omitted: {alt}_"
        key = hashlib.sha256(html.encode()).hexdigest()[:24]
        self.raw[key] = html
        return f"ASSAY-CHART-{key}"

    def defer(self, html: str) -> str:
        """Turn placeholder paragraphs into HTML comments, which search indexing skips."""
        return PLACEHOLDER.sub(lambda m: f"<!--assay-chart:{m.group(1)}-->", html)

    def insert(self, html: str) -> str:
        """Replace deferred placeholders in a finished page with their SVG figures."""

        def repl(m: re.Match[str]) -> str:
            if (raw := self.raw.get(m.group(1))) is not None:
                return raw
            svg = self.svgs.get(m.group(1))
            return f'<figure class="assay-chart">{svg}</figure>' if svg else ""

        return DEFERRED.sub(repl, html)
