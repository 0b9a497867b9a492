"""The site's front end in built pages (issue 13): the radar and forest plots carry hostile
record strings inertly, data pages are wide, index tables are marked for sorting and filtering,
status banners and superseded marks appear, scripts ship with their licence and load offline."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.compile import DEFAULT_CONFIG
from generator.render.assets import LICENSES, SCRIPTS

AS_OF = "2026-11-25"
EVIL = """"><svg onload=alert(1)><script>alert(2)</script><a href=javascript:alert(3)>x</a>"""


def _yaml(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


HOSTILE_DECISION = f"""---
title: Skip a hostile technique
technique: {_yaml("T " + EVIL)}
area: {_yaml("A " + EVIL)}
status: SKIP
stage: closed
owner: {_yaml("O " + EVIL)}
decided_on: 2026-11-01
rationale: Testing that nothing a record says becomes markup.
alternatives: [{{name: plain attention, why_not: none}}]
skip: {{reason: complexity, detail: "requires a custom CUDA kernel we cannot maintain; plain attention instead"}}
---
"""


DUE_PREDICTION = """---
title: Kernels ship by October
owner: priya
made_on: 2026-06-01
probability: 0.7
resolve_on: 2026-10-01
criteria: the fused kernel serves all production traffic by the date
---
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kb") / "kb"
    shutil.copytree(VALID_ROOT, root)
    (root / "content/decisions/hostile-skip.md").write_text(HOSTILE_DECISION, encoding="utf-8")
    (root / "content/predictions/due-one.md").write_text(DUE_PREDICTION, encoding="utf-8")
    bench = root / "content/benchmarks/fa-latency.md"
    bench.write_text(
        bench.read_text(encoding="utf-8").replace("flash-attn-2", _yaml("M " + EVIL)),
        encoding="utf-8",
    )
    out = tmp_path_factory.mktemp("site") / "site"
    result = CliRunner().invoke(
        main, ["build", "--root", str(root), "--site-dir", str(out), "--as-of", AS_OF]
    )
    assert result.exit_code == 0, result.output
    return out


def _article(site: Path, path: str) -> str:
    page = (site / path / "index.html").read_text(encoding="utf-8")
    return page[page.index("<article") : page.index("</article>")]


class _Tags(HTMLParser):
    """Every element and attribute the browser would build from a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def _no_live_markup(html: str) -> None:
    parser = _Tags()
    parser.feed(html)
    for tag, attrs in parser.found:
        assert tag not in ("script", "iframe", "object", "embed"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "xlink:href"):
                assert not (value or "").strip().lower().startswith(("javascript:", "data:")), (
                    tag,
                    value,
                )


def test_radar_draws_hostile_names_as_text(site: Path) -> None:
    article = _article(site, "radar")
    _no_live_markup(article)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="assay-radar-svg"' in article
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in article  # shown, in the legend and tooltip
    # each blip links to its decision; the legend lists it under its area
    assert 'href="../decisions/hostile-skip/"' in article
    assert 'href="../decisions/flash-attention-adopt/"' in article
    assert '<div class="assay-radar-legend">' in article


def test_benchmark_has_a_forest_plot_per_metric_with_hostile_names_as_text(site: Path) -> None:
    article = _article(site, "benchmarks/fa-latency")
    _no_live_markup(article)
    plots = re.findall(r'<svg [^>]*class="assay-forest-svg"', article)
    assert len(plots) == 2  # p99-latency and accuracy
    assert "ablations of M &quot;&gt;&lt;svg onload=alert(1)&gt;" in article
    # paired design: the per-run differences are drawn (five runs per row)
    assert article.count('r="2.5" fill="none"') >= 5


def test_data_pages_hide_the_sidebars(site: Path) -> None:
    for path in ("radar", "review", "predictions", "papers", "decisions/flash-attention-adopt"):
        page = (site / path / "index.html").read_text(encoding="utf-8")
        nav = re.search(r'<div class="md-sidebar md-sidebar--primary"[^>]*>', page)
        toc = re.search(r'<div class="md-sidebar md-sidebar--secondary"[^>]*>', page)
        assert nav and "hidden" in nav.group(0), path
        assert toc and "hidden" in toc.group(0), path
    home = (site / "index.html").read_text(encoding="utf-8")
    nav = re.search(r'<div class="md-sidebar md-sidebar--primary"[^>]*>', home)
    assert nav and "hidden" not in nav.group(0)  # maintainer pages keep their navigation


def test_index_tables_are_marked_for_filters(site: Path) -> None:
    for path in ("papers", "decisions", "benchmarks", "runbooks", "postmortems"):
        article = _article(site, path)
        marker = article.index('<div class="assay-index"></div>')
        assert article.index("<table", marker) > marker, path


def test_superseded_decisions_are_marked_in_lists_and_bannered(site: Path) -> None:
    index = _article(site, "decisions")
    row = next(tr for tr in index.split("<tr>") if "flash-attention-assess" in tr)
    assert 'class="assay-was"' in row and "assay-superseded" in row
    page = _article(site, "decisions/flash-attention-assess")
    first_section = page.index("<h2")
    banner = page.index('class="assay-banner assay-banner-note"')
    assert banner < first_section and "Superseded" in page[banner:first_section]
    backlinks = _article(site, "benchmarks/fa-latency")
    assert "flash-attention-adopt" in backlinks


def test_due_warnings_become_banners_at_the_top(site: Path) -> None:
    page = _article(site, "predictions/due-one")
    banner = page.index('class="assay-banner assay-banner-warning"')
    assert "Due for resolution" in page[banner : banner + 300]
    assert banner < page.index("<h2")


def test_scripts_and_licence_ship_with_the_site(site: Path) -> None:
    page = (site / "papers/index.html").read_text(encoding="utf-8")
    positions = [page.index(f'src="../{path}"') for path in SCRIPTS]
    assert positions == sorted(positions)  # tablesort, its number parser, then assay.js
    for path in [*SCRIPTS, *LICENSES]:
        assert (site / path).stat().st_size > 200, path
    assert "MIT" in (site / "assets/vendor/tablesort.min.js").read_text()[:200]
    assert "Permission is hereby granted" in (site / next(iter(LICENSES))).read_text()
    # nothing refers to another host
    js = (site / "assets/assay.js").read_text()
    assert "http" not in js


def test_default_configuration_has_a_palette_toggle() -> None:
    theme = DEFAULT_CONFIG["theme"]
    assert isinstance(theme, dict)
    schemes = [p["scheme"] for p in theme["palette"]]
    assert schemes == ["default", "slate"]
    assert all("toggle" in p for p in theme["palette"])
    assert "navigation.tabs" in theme["features"]
