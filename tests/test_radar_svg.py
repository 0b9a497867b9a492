"""The radar builder: deterministic, non-overlapping blips in their own ring and sector, numbered
in legend order, every record string escaped, links and tooltips on every blip."""

from __future__ import annotations

import math
import random
import xml.etree.ElementTree as ET

import pytest

from generator.charts.radar_svg import (
    GAP,
    PAD,
    RADAR_RINGS,
    RING_LABEL_HALF,
    RadarEntry,
    cell_slots,
    layout_radar,
    radar_legend_html,
    radar_svg,
    tooltip,
)

SVG = "{http://www.w3.org/2000/svg}"


def _entries(n_areas: int, n: int, seed: int) -> list[RadarEntry]:
    rnd = random.Random(seed)
    return [
        RadarEntry(
            id=f"d-{i}",
            technique=f"technique {i}",
            area=f"area {rnd.randrange(n_areas)}",
            ring=rnd.choice(RADAR_RINGS),
            owner="ann",
            next_action=None if i % 3 else "measure again",
            movement=rnd.choice([None, None, "new", "in", "out"]),
        )
        for i in range(n)
    ]


def _polar(x: float, y: float) -> tuple[float, float]:
    """(radius, clockwise angle from twelve o'clock in [0, 2π))."""
    return math.hypot(x, y), math.atan2(x, -y) % (2 * math.pi)


@pytest.mark.parametrize("n_areas", range(1, 13))
@pytest.mark.parametrize("n", [1, 7, 40, 100])
def test_blips_do_not_overlap_and_stay_in_their_cell(n_areas: int, n: int) -> None:
    entries = _entries(n_areas, n, seed=n_areas * 1000 + n)
    layout = layout_radar(entries)
    b = layout.blip_radius
    blips = layout.blips
    assert len(blips) == n
    for i, p in enumerate(blips):
        for q in blips[i + 1 :]:
            assert math.hypot(p.x - q.x, p.y - q.y) >= 2 * b + GAP - 1e-6, (p, q)
    bands = {ring: (lo, hi) for ring, lo, hi in layout.rings}
    sectors = {s.area: s for s in layout.sectors}
    for p in blips:
        r, a = _polar(p.x, p.y)
        lo, hi = bands[p.entry.ring]
        assert lo + b + PAD - 1e-6 <= r <= hi - b - PAD + 1e-6, p
        s = sectors[p.entry.area]
        assert s.start - 1e-9 <= a <= s.end + 1e-9, p
        # clear of both sector edges (and of the ring names on the twelve o'clock ray)
        for edge in (s.start, s.end):
            dist = r * math.sin(min(abs(a - edge), math.pi / 2))
            assert dist >= b + PAD - 1e-6, p
        for edge in [e for e in (0.0, 2 * math.pi) if e in (s.start, s.end)]:
            dist = r * math.sin(min(abs(a - edge), math.pi / 2))
            assert dist >= b + PAD + RING_LABEL_HALF - 1e-6, p


def test_layout_is_deterministic_and_independent_of_input_order() -> None:
    entries = _entries(5, 60, seed=1)
    first = layout_radar(entries)
    shuffled = list(entries)
    random.Random(2).shuffle(shuffled)
    assert layout_radar(shuffled) == first
    href = lambda i: f"../decisions/{i}/"  # noqa: E731
    assert radar_svg(first, href) == radar_svg(layout_radar(shuffled), href)


def test_numbers_follow_the_legend_order_area_then_ring_then_name() -> None:
    entries = [
        RadarEntry("b", "Zeta", "training", "TRIAL", "ann"),
        RadarEntry("a", "Alpha", "training", "HOLD", "ann"),
        RadarEntry("c", "Beta", "inference", "SKIP", "bo"),
        RadarEntry("d", "alpha two", "training", "TRIAL", "ann"),
    ]
    layout = layout_radar(entries)
    assert [(bl.number, bl.entry.id) for bl in layout.blips] == [
        (1, "c"),
        (2, "d"),
        (3, "b"),
        (4, "a"),
    ]
    legend = radar_legend_html(layout, lambda i: f"../decisions/{i}/")
    # the legend lists sectors in the same order, each blip with its number
    assert legend.index("<h2>inference</h2>") < legend.index("<h2>training</h2>")
    assert '<li value="2">' in legend and legend.index("alpha two") < legend.index("Zeta")


def test_skip_band_is_drawn_outside_hold_only_when_needed() -> None:
    without = layout_radar([RadarEntry("a", "A", "x", "ADOPT", "o")])
    assert [r for r, _, _ in without.rings] == ["ADOPT", "TRIAL", "ASSESS", "HOLD"]
    with_skip = layout_radar([RadarEntry("a", "A", "x", "SKIP", "o")])
    rings = {r: (lo, hi) for r, lo, hi in with_skip.rings}
    assert rings["SKIP"][0] == rings["HOLD"][1] == with_skip.radius


def test_a_crowded_cell_grows_the_radar_instead_of_overlapping() -> None:
    entries = [RadarEntry(f"d{i}", f"t{i}", "one", "ADOPT", "o") for i in range(100)]
    layout = layout_radar(entries)
    assert layout.radius > 300
    lo, hi = layout.rings[0][1], layout.rings[0][2]
    assert len(cell_slots(lo, hi, 0.0, 2 * math.pi, layout.blip_radius)) >= 100


def test_every_blip_links_to_its_decision_with_a_tooltip() -> None:
    entries = [
        RadarEntry("spec-dec", "Speculative decoding", "inference", "TRIAL", "sam", "canary"),
        RadarEntry("fa2", "FlashAttention-2", "training", "ADOPT", "marco", None, "in", "TRIAL"),
    ]
    layout = layout_radar(entries)
    root = ET.fromstring(radar_svg(layout, lambda i: f"../decisions/{i}/"))
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == ["../decisions/spec-dec/", "../decisions/fa2/"]
    titles = [a.find(f"{SVG}title").text for a in links]  # type: ignore[union-attr]
    assert titles[0] == "1. Speculative decoding · TRIAL · owner sam · next: canary"
    assert (
        titles[1]
        == "2. FlashAttention-2 · ADOPT · owner marco · moved in from TRIAL · no next action"
    )
    assert tooltip(layout.blips[0]) == titles[0]
    # the number is drawn in the blip, and a marker marks the recent move
    assert [a.findtext(f"{SVG}text") for a in links] == ["1", "2"]
    assert links[1].find(f"{SVG}path") is not None and links[0].find(f"{SVG}path") is None


HOSTILE = '"><script>alert(1)</script><a href="javascript:x" onload=\'y\'>&amp;\x00\x1b'


def test_record_strings_are_escaped_everywhere() -> None:
    entries = [RadarEntry(HOSTILE, HOSTILE, HOSTILE, "ASSESS", HOSTILE, HOSTILE, "new")]
    layout = layout_radar(entries)
    svg = radar_svg(layout, lambda i: f"../decisions/{i}/")
    legend = radar_legend_html(layout, lambda i: f"../decisions/{i}/")
    for markup in (svg, "<div>" + legend + "</div>"):
        root = ET.fromstring(markup)  # well-formed XML despite NUL and ESC in the input
        tags = {el.tag.rsplit("}", 1)[-1] for el in root.iter()}
        assert "script" not in tags
        for el in root.iter():
            assert not any(k.lower().startswith("on") for k in el.attrib), el.attrib
            assert not el.get("href", "").startswith("javascript"), el.attrib
    assert "<script" not in svg and "<script" not in legend
    assert "&lt;script&gt;" in svg and "&lt;script&gt;" in legend


def test_unknown_ring_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown ring"):
        layout_radar([RadarEntry("a", "A", "x", "MAYBE", "o")])
