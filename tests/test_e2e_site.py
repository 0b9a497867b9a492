"""End-to-end checks of the site's front end in Debian's headless Chromium (issue 13).

Reuses the DevTools client, the build and the local server of tests/test_e2e.py. Checks: a
radar blip is a link that lands on its decision; an index table sorts by a column when its
header is clicked and filters by owner; axe-core (vendored under tests/vendor/axe-core, injected
through DevTools, never fetched) finds no serious or critical violation on any page type.

The screenshots in docs/screenshots/ (desktop 1400 px, phone 390 px) come from the same code:

    python tests/test_e2e_site.py            # or: python tests/test_e2e_site.py OUT_DIR
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_e2e import DevTools, base_url, build_site, chromium_page, find_chromium, page, serve

__all__ = ["base_url", "page"]  # the fixtures, shared with test_e2e.py

REPO = Path(__file__).resolve().parents[1]
AXE = REPO / "tests" / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = REPO / "docs" / "screenshots"
MAX_HEIGHT = 5000  # px; longer pages are cut here to keep the PNGs small

#: One page of each type: (name, path under the site root).
PAGE_TYPES = [
    ("home", ""),
    ("radar", "radar/"),
    ("predictions", "predictions/"),
    ("review", "review/"),
    ("decision", "decisions/flash-attention-2-adopt/"),
    ("decision-superseded", "decisions/flash-attention-2-trial/"),
    ("benchmark", "benchmarks/reranking-ablation-recall/"),
    ("benchmark-paired", "benchmarks/fa2-vs-sdpa-ranking-encoder/"),
    ("paper", "papers/flashattention-2/"),
    ("papers", "papers/"),
    ("decisions", "decisions/"),
    ("prediction", "predictions/p-spec-decoding-1-8x/"),
    ("runbook", "runbooks/flash-attention-2-kernels/"),
    ("postmortem", "postmortems/pm-int8-quantization-rollout/"),
    ("tags", "tags/"),
]
#: The pages in docs/screenshots.md, each at both widths.
SCREENSHOTS = ["home", "radar", "predictions", "review", "decision", "benchmark", "paper", "papers"]
WIDTHS = {"desktop": 1400, "phone": 390}


def set_width(page: DevTools, width: int, height: int = 900) -> None:
    page.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def _url(base: str, path: str) -> str:
    return base + path


def test_page_types_exist(base_url: str) -> None:
    # A renamed example record would silently shrink the checks below: fail instead.
    import urllib.request

    for _, path in PAGE_TYPES:
        with urllib.request.urlopen(_url(base_url, path)) as resp:
            assert resp.status == 200, path


def test_clicking_a_radar_blip_lands_on_its_decision(page: DevTools, base_url: str) -> None:
    set_width(page, WIDTHS["desktop"])
    page.goto(_url(base_url, "radar/"))
    blip = page.wait_for(
        "(() => { const a = document.querySelector('svg.assay-radar-svg a.assay-blip');"
        "  if (!a) return null; const r = a.querySelector('circle').getBoundingClientRect();"
        "  return {href: new URL(a.getAttribute('href'), location.href).pathname,"
        "          title: a.querySelector('title').textContent,"
        "          x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width}; })()",
        "a blip on the radar",
    )
    assert blip["w"] > 10, blip  # big enough to hit
    assert " · owner " in blip["title"], blip
    # Scroll it into view, then click at its centre like a person would.
    page.evaluate(
        "document.querySelector('svg.assay-radar-svg a.assay-blip').scrollIntoView({block: 'center'})"
    )
    centre = page.evaluate(
        "(() => { const r = document.querySelector('svg.assay-radar-svg a.assay-blip circle')"
        "  .getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
    )
    page.evaluate("document.assayStale = true")
    for kind in ("mousePressed", "mouseReleased"):
        page.call(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": centre["x"], "y": centre["y"], "button": "left", "clickCount": 1},
        )
    landed = page.wait_for(
        "!document.assayStale && document.readyState === 'complete' && location.pathname",
        "the decision page to load after the click",
    )
    assert landed == blip["href"] and landed.startswith("/decisions/"), (landed, blip)
    # the decision of the technique the tooltip names
    technique = blip["title"].split(" · ")[0].split(". ", 1)[1]
    facts = page.evaluate(
        "[...document.querySelectorAll('.md-typeset li')].map(li => li.textContent.trim())"
    )
    assert f"Technique: {technique}" in facts, (technique, facts)


def test_an_index_table_sorts_by_a_column_and_filters(page: DevTools, base_url: str) -> None:
    set_width(page, WIDTHS["desktop"])
    page.goto(_url(base_url, "papers/"))
    page.wait_for("!!document.querySelector('table[data-assay-sortable]')", "a sortable table")
    column = page.evaluate(
        "[...document.querySelector('table[data-assay-sortable] thead tr').cells]"
        ".findIndex(th => th.textContent.trim().startsWith('Year'))"
    )
    assert column >= 0
    years = (
        f"[...document.querySelectorAll('table[data-assay-sortable] tbody tr')]"
        f".map(tr => Number(tr.cells[{column}].textContent))"
    )
    before = page.evaluate(years)
    page.evaluate(
        f"document.querySelector('table[data-assay-sortable] thead tr').cells[{column}].click()"
    )
    ascending = page.evaluate(years)
    assert ascending == sorted(before), ascending
    page.evaluate(
        f"document.querySelector('table[data-assay-sortable] thead tr').cells[{column}].click()"
    )
    assert page.evaluate(years) == sorted(before, reverse=True)
    assert (
        page.evaluate(
            f"document.querySelector('table[data-assay-sortable] thead tr').cells[{column}]"
            ".getAttribute('aria-sort')"
        )
        == "descending"
    )

    # Filter the decisions index by owner: only that owner's rows stay visible.
    page.goto(_url(base_url, "decisions/"))
    select = page.wait_for(
        "(() => { const s = [...document.querySelectorAll('.assay-filters select')]"
        "  .find(s => s.parentNode.textContent.startsWith('Owner'));"
        "  return s ? {column: Number(s.dataset.column), options: [...s.options].map(o => o.value)}"
        "  : null; })()",
        "an owner filter on the decisions index",
    )
    owner = select["options"][1]
    page.evaluate(
        "(() => { const s = [...document.querySelectorAll('.assay-filters select')]"
        "  .find(s => s.parentNode.textContent.startsWith('Owner'));"
        f"  s.value = {json.dumps(owner)}; s.dispatchEvent(new Event('change')); }})()"
    )
    visible = page.evaluate(
        "[...document.querySelectorAll('table[data-assay-sortable] tbody tr')].filter(tr => !tr.hidden)"
        f".map(tr => tr.cells[{select['column']}].textContent.trim())"
    )
    assert visible and set(visible) == {owner}, visible


def test_printed_review_agenda_is_a_handout(page: DevTools, base_url: str) -> None:
    set_width(page, WIDTHS["desktop"])
    page.goto(_url(base_url, "review/"))
    page.call("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        shown = page.evaluate(
            "(() => { const d = s => { const e = document.querySelector(s);"
            "  return e ? getComputedStyle(e).display : 'absent'; };"
            "  return {header: d('.md-header'), sidebar: d('.md-sidebar--primary'),"
            "          footer: d('.md-footer'), box: d('.assay-review-check'),"
            "          table: d('.md-typeset table')}; })()"
        )
    finally:
        page.call("Emulation.setEmulatedMedia", {"media": ""})
    assert shown["header"] == shown["sidebar"] == shown["footer"] == "none", shown
    assert shown["box"] == "inline-block" and shown["table"] == "table", shown
    # on screen the tick boxes are not shown
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.assay-review-check')).display")
        == "none"
    )


def inject_axe(page: DevTools) -> None:
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")


def axe_violations(page: DevTools) -> list[dict[str, object]]:
    inject_axe(page)
    result = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v =>"
        " ({id: v.id, impact: v.impact, help: v.help,"
        "   nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"
    )
    assert isinstance(result, list)
    return result


@pytest.mark.parametrize("name,path", PAGE_TYPES, ids=[n for n, _ in PAGE_TYPES])
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_axe_finds_no_serious_or_critical_violation(
    page: DevTools, base_url: str, name: str, path: str, width: str
) -> None:
    set_width(page, WIDTHS[width])
    page.goto(_url(base_url, path))
    page.wait_for("document.fonts.ready.then(() => true)", "fonts")
    bad = [v for v in axe_violations(page) if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(bad, indent=1)


def test_axe_is_the_vendored_copy() -> None:
    head = AXE.read_text(encoding="utf-8")[:200]
    assert "axe v4.14.1" in head, head
    assert (AXE.parent / "LICENSE").is_file()


# ---------------------------------------------------------------------------------------------
# Screenshots for docs/screenshots.md (not part of the normal run)


def take_screenshots(page: DevTools, base: str, out_dir: Path = SCREENSHOT_DIR) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = dict(PAGE_TYPES)
    written = []
    for device, width in WIDTHS.items():
        set_width(page, width)
        for name in SCREENSHOTS:
            page.goto(_url(base, paths[name]))
            page.evaluate("document.fonts.ready.then(() => true)")
            height = min(int(page.evaluate("document.documentElement.scrollHeight")), MAX_HEIGHT)
            # A viewport as tall as the shot: capturing beyond the viewport would make Material
            # treat the page as scrolled and fade out the header tabs.
            set_width(page, width, height)
            page.evaluate("window.scrollTo(0, 0)")
            time.sleep(0.8)
            shot = page.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
                },
            )
            set_width(page, width)
            target = out_dir / f"{name}-{device}.png"
            target.write_bytes(base64.b64decode(shot["data"]))
            written.append(target)
    return written


def main(argv: list[str]) -> None:
    out_dir = Path(argv[0]) if argv else SCREENSHOT_DIR
    with (
        tempfile.TemporaryDirectory(prefix="assay-site-") as tmp,
        serve(build_site(Path(tmp))) as url,
        chromium_page(find_chromium()) as page,
    ):
        for path in take_screenshots(page, url, out_dir):
            print(f"{path}  {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main(sys.argv[1:])
