"""The technology radar in its canonical form, as hand-written SVG plus an HTML legend.

One sector per area (areas sorted, the first starting at twelve o'clock, clockwise), rings
ADOPT at the centre, then TRIAL, ASSESS and HOLD; SKIP is a dashed band *outside* HOLD,
drawn only when some technique is skipped (a decision against something is still an entry
people look up, but it is not on the way in). Blips are numbered 1…N in reading order of the
legend (sector by sector, ring by ring, technique name), each a link to its decision with a
``<title>`` tooltip: technique, ring, owner, next action.

Placement is deterministic and never overlaps: every (sector, ring) cell gets a list of
candidate slots — rows at fixed radii ``2b + gap`` apart, and along each row slots whose
chords are at least ``2b + gap`` long, every slot at least ``b + pad`` from the cell's edges —
and its n blips take n slots spread evenly over that list. When a cell has fewer slots than
blips, the blip radius shrinks (down to a floor) and then the whole radar grows until all fit.

:func:`layout_radar` is pure geometry (tested on its own); :func:`radar_svg` and
:func:`radar_legend_html` write markup from a layout; every record string is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from .svg import esc, f, short

#: Rings on the radar from the centre out; SKIP is the dashed outer band.
RADAR_RINGS: tuple[str, ...] = ("ADOPT", "TRIAL", "ASSESS", "HOLD", "SKIP")
#: Blip colours per ring: dark enough for white numbers (contrast ≥ 4.5:1), distinct hues.
#: The page's ring badges use the same colours (generator/render/assay.css).
RING_FILL = {
    "ADOPT": "#1b6e34",
    "TRIAL": "#0b6b73",
    "ASSESS": "#2158a8",
    "HOLD": "#9a4f00",
    "SKIP": "#5f6672",
}
#: Light tints of the ring bands (from the centre out).
RING_TINT = {
    "ADOPT": "#e3f1e3",
    "TRIAL": "#e4f2f2",
    "ASSESS": "#e6edf8",
    "HOLD": "#f8ecdc",
    "SKIP": "#f2f3f5",
}
#: Outer radius of each ring as a fraction of the HOLD ring's radius.
RING_EDGE = {"ADOPT": 0.40, "TRIAL": 0.63, "ASSESS": 0.83, "HOLD": 1.0, "SKIP": 1.17}

Movement = Literal["new", "in", "out"]

BLIP_RADIUS = 18.0  # preferred blip radius, in SVG units
MIN_BLIP_RADIUS = 8.0  # below this the number no longer fits: grow the radar instead
GAP = 3.0  # between two blips
PAD = 3.0  # between a blip and its cell's edges
BASE_RADIUS = 300.0  # radius of the HOLD ring before any growth
LABEL_SPACE = 130.0  # room for area names left and right of the circle
RING_LABEL_HALF = 28.0  # half the width of a ring name written on the twelve o'clock ray
LABEL_CHARS = 14  # area names longer than this are cut in the picture (full in the legend)


@dataclass(frozen=True)
class RadarEntry:
    """One technique on the radar: its current decision."""

    id: str
    technique: str
    area: str
    ring: str
    owner: str
    next_action: str | None = None
    movement: Movement | None = None  # in the recent window: first decision, or a move
    moved_from: str | None = None


@dataclass(frozen=True)
class Blip:
    number: int
    entry: RadarEntry
    x: float  # relative to the centre, SVG units (y grows downwards)
    y: float


@dataclass(frozen=True)
class Sector:
    area: str
    start: float  # radians, clockwise from twelve o'clock
    end: float


@dataclass(frozen=True)
class RadarLayout:
    radius: float  # the HOLD ring's radius
    blip_radius: float
    rings: tuple[tuple[str, float, float], ...]  # (ring, inner, outer) for the rings drawn
    sectors: tuple[Sector, ...]
    blips: tuple[Blip, ...]

    @property
    def outer(self) -> float:
        return self.rings[-1][2]


def _ring(value: str) -> str:
    ring = value.strip().upper()
    if ring not in RADAR_RINGS:
        raise ValueError(f"unknown ring {value!r}; expected one of {', '.join(RADAR_RINGS)}")
    return ring


def ordered(entries: Sequence[RadarEntry]) -> list[RadarEntry]:
    """Legend and numbering order: area, ring (ADOPT first), technique, id."""
    return sorted(
        entries,
        key=lambda e: (
            e.area.casefold(),
            e.area,
            RADAR_RINGS.index(_ring(e.ring)),
            e.technique.casefold(),
            e.technique,
            e.id,
        ),
    )


def _point(r: float, a: float) -> tuple[float, float]:
    """Polar (radius, clockwise angle from twelve o'clock) to SVG x, y (y down)."""
    return r * math.sin(a), -r * math.cos(a)


def cell_slots(
    inner: float, outer: float, start: float, end: float, b: float
) -> list[tuple[float, float]]:
    """Candidate blip centres in one ring band of one sector, inner rows first.

    Rows are ``2b + GAP`` apart radially; in a row, consecutive slots are a chord of at least
    ``2b + GAP`` apart, and every slot keeps ``b + PAD`` from both radii and both sector edges.
    """
    step = 2 * b + GAP
    slots: list[tuple[float, float]] = []  # (angle, radius)
    r = inner + b + PAD
    while r <= outer - b - PAD + 1e-9:
        # Every angle in [start + m0, end - m1] keeps b + PAD from both edge rays, and
        # RING_LABEL_HALF more from the twelve o'clock ray, where the ring names are written.
        m0 = _margin(b + PAD + (RING_LABEL_HALF if start <= 1e-9 else 0.0), r)
        m1 = _margin(b + PAD + (RING_LABEL_HALF if end >= 2 * math.pi - 1e-9 else 0.0), r)
        if m0 is not None and m1 is not None and end - start - m0 - m1 >= 0:
            usable = end - start - m0 - m1
            dtheta = 2 * math.asin(min(1.0, step / (2 * r)))
            count = int(usable / dtheta + 1e-9) + 1
            spare = usable - (count - 1) * dtheta
            slots.extend((start + m0 + spare / 2 + i * dtheta, r) for i in range(count))
        r += step
    # By angle, then radius: blips spread evenly over this list fan out across the sector.
    return [_point(r, a) for a, r in sorted(slots)]


def _margin(distance: float, r: float) -> float | None:
    """The angle at radius r that puts a point `distance` away from a ray through the centre
    (None when the row is too close to the centre for that)."""
    return math.asin(distance / r) if distance < r else None


def _spread(slots: list[tuple[float, float]], n: int) -> list[tuple[float, float]]:
    """n of the slots, evenly spread over the list (deterministic)."""
    m = len(slots)
    return [slots[(2 * i + 1) * m // (2 * n)] for i in range(n)]


def _rings_drawn(
    entries: Sequence[RadarEntry], radius: float
) -> tuple[tuple[str, float, float], ...]:
    has_skip = any(_ring(e.ring) == "SKIP" for e in entries)
    out, inner = [], 0.0
    for ring in RADAR_RINGS:
        if ring == "SKIP" and not has_skip:
            break
        outer = RING_EDGE[ring] * radius
        out.append((ring, inner, outer))
        inner = outer
    return tuple(out)


def layout_radar(entries: Sequence[RadarEntry]) -> RadarLayout:
    """Sectors, rings and numbered, non-overlapping blip positions for the entries."""
    items = ordered(entries)
    areas = sorted({e.area for e in items}, key=lambda a: (a.casefold(), a)) or [""]
    width = 2 * math.pi / len(areas)
    sectors = tuple(Sector(a, i * width, (i + 1) * width) for i, a in enumerate(areas))
    by_cell: dict[tuple[int, str], list[RadarEntry]] = {}
    for e in items:
        by_cell.setdefault((areas.index(e.area), _ring(e.ring)), []).append(e)
    radius, b = BASE_RADIUS, BLIP_RADIUS
    while True:
        rings = _rings_drawn(items, radius)
        bands = {ring: (lo, hi) for ring, lo, hi in rings}
        placed: dict[str, tuple[float, float]] = {}
        fits = True
        for (si, ring), cell in by_cell.items():
            s = sectors[si]
            slots = cell_slots(*bands[ring], s.start, s.end, b)
            if len(slots) < len(cell):
                fits = False
                break
            for e, xy in zip(cell, _spread(slots, len(cell)), strict=True):
                placed[e.id] = xy
        if fits:
            break
        if b > MIN_BLIP_RADIUS:
            b -= 1.0
        else:
            radius *= 1.1
    blips = tuple(Blip(i, e, *placed[e.id]) for i, e in enumerate(items, 1))
    return RadarLayout(radius, b, rings, sectors, blips)


def tooltip(blip: Blip) -> str:
    """Technique, ring, owner and next action of a blip, as one line (not escaped)."""
    e = blip.entry
    parts = [f"{blip.number}. {e.technique}", _ring(e.ring), f"owner {e.owner}"]
    if e.movement == "new":
        parts.append("new")
    elif e.movement in ("in", "out"):
        parts.append(f"moved {e.movement}" + (f" from {e.moved_from}" if e.moved_from else ""))
    parts.append(f"next: {e.next_action}" if e.next_action else "no next action")
    return " · ".join(parts)


def _arc(cx: float, cy: float, r: float, a0: float, a1: float) -> str:
    x0, y0 = cx + r * math.cos(a0), cy + r * math.sin(a0)
    x1, y1 = cx + r * math.cos(a1), cy + r * math.sin(a1)
    return f"M{f(x0)} {f(y0)}A{f(r)} {f(r)} 0 0 1 {f(x1)} {f(y1)}"


def _marker(blip: Blip, b: float, cx: float, cy: float) -> str:
    """'new': a full ring around the blip; moved in / out: an arc on the side facing the
    centre / facing away from it."""
    x, y = cx + blip.x, cy + blip.y
    colour = RING_FILL[_ring(blip.entry.ring)]
    if blip.entry.movement == "new":
        return (
            f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(b + 3.5)}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
    if blip.entry.movement in ("in", "out"):
        towards = math.atan2(-blip.y, -blip.x) if (blip.x or blip.y) else -math.pi / 2
        if blip.entry.movement == "out":
            towards += math.pi
        d = _arc(x, y, b + 4, towards - 1.1, towards + 1.1)
        return (
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="3" stroke-linecap="round"/>'
        )
    return ""


#: Number size in a blip, relative to its radius, by digit count (as large as still fits).
_NUMBER_SCALE = {1: 1.25, 2: 1.1, 3: 0.8}


def radar_svg(
    layout: RadarLayout, href: Callable[[str], str], *, title: str = "Technique radar"
) -> str:
    """The radar picture. `href(decision id)` gives each blip's link (escaped here)."""
    outer = layout.outer
    cx, cy = outer + LABEL_SPACE, outer + 34
    w, h = 2 * cx, 2 * cy
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="assay-radar-svg" viewBox="0 0 {f(w)} {f(h)}" '
        f'width="{f(w)}" height="{f(h)}" font-family="sans-serif" role="group" '
        'aria-labelledby="assay-radar-title">',
        f'<title id="assay-radar-title">{esc(title)}: {len(layout.blips)} techniques in '
        f"{len(layout.sectors)} areas; the numbered list beside it names each one</title>",
    ]
    for ring, _, ring_outer in reversed(layout.rings):
        dash = ' stroke-dasharray="6 4"' if ring == "SKIP" else ""
        out.append(
            f'<circle cx="{f(cx)}" cy="{f(cy)}" r="{f(ring_outer)}" fill="{RING_TINT[ring]}" '
            f'stroke="#8a8f98" stroke-width="1"{dash}/>'
        )
    if len(layout.sectors) > 1:
        for s in layout.sectors:
            x, y = _point(outer, s.start)
            out.append(
                f'<line x1="{f(cx)}" y1="{f(cy)}" x2="{f(cx + x)}" y2="{f(cy + y)}" '
                'stroke="#fff" stroke-width="3"/>'
            )
    for ring, inner, ring_outer in layout.rings:  # ring names along the twelve o'clock line
        mid = (inner + ring_outer) / 2 if inner else ring_outer - 14
        out.append(
            f'<text x="{f(cx)}" y="{f(cy - mid + 4)}" text-anchor="middle" font-size="13" '
            f'font-weight="700" fill="#3d4350" stroke="{RING_TINT[ring]}" stroke-width="4" '
            f'paint-order="stroke">{ring}</text>'
        )
    for s in layout.sectors:
        if not s.area:
            continue
        mid = (s.start + s.end) / 2
        x, y = _point(outer + 14, mid)
        sin = math.sin(mid)
        anchor = "start" if sin > 0.2 else "end" if sin < -0.2 else "middle"
        dy = 14 if math.cos(mid) < -0.2 else 0 if abs(math.cos(mid)) <= 0.2 else -2
        out.append(
            f'<text x="{f(cx + x)}" y="{f(cy + y + dy)}" text-anchor="{anchor}" font-size="19" '
            f'font-weight="700" fill="#1f2430">{esc(short(s.area, LABEL_CHARS))}</text>'
        )
    b = layout.blip_radius
    for blip in layout.blips:
        e = blip.entry
        ring = _ring(e.ring)
        x, y = cx + blip.x, cy + blip.y
        tip = esc(tooltip(blip))
        size = b * _NUMBER_SCALE[min(len(str(blip.number)), 3)]
        out.append(
            f'<a href="{esc(href(e.id))}" class="assay-blip" aria-label="{tip}">'
            f"<title>{tip}</title>{_marker(blip, b, cx, cy)}"
            f'<circle cx="{f(x)}" cy="{f(y)}" r="{f(b)}" fill="{RING_FILL[ring]}" '
            'stroke="#fff" stroke-width="1.5"/>'
            f'<text x="{f(x)}" y="{f(y + size * 0.36)}" text-anchor="middle" '
            f'font-size="{f(size)}" font-weight="700" '
            f'fill="#fff">{blip.number}</text></a>'
        )
    out.append("</svg>")
    return "".join(out)


MOVEMENT_TEXT = {"new": "new", "in": "moved in", "out": "moved out"}


def radar_legend_html(layout: RadarLayout, href: Callable[[str], str]) -> str:
    """The numbered list per sector: the picture's text alternative (stacks on a phone)."""
    parts = ['<div class="assay-radar-legend">']
    for s in layout.sectors:
        blips = [bl for bl in layout.blips if bl.entry.area == s.area]
        if not blips:
            continue
        parts.append(f'<section class="assay-radar-sector"><h2>{esc(s.area)}</h2><ol>')
        for bl in blips:
            e = bl.entry
            ring = _ring(e.ring)
            move = ""
            if e.movement:
                extra = f" from {esc(e.moved_from)}" if e.movement != "new" and e.moved_from else ""
                move = f' <span class="assay-move assay-move-{e.movement}">{MOVEMENT_TEXT[e.movement]}{extra}</span>'
            parts.append(
                f'<li value="{bl.number}"><span class="assay-blipnum assay-{ring.lower()}" '
                f'aria-hidden="true">{bl.number}</span> '
                f'<a href="{esc(href(e.id))}">{esc(e.technique)}</a> '
                f'<span class="assay-badge assay-{ring.lower()}">{ring}</span>{move}</li>'
            )
        parts.append("</ol></section>")
    parts.append("</div>")
    return "".join(parts)


def radar_key_html(layout: RadarLayout) -> str:
    """What the markers mean, shown only for the markers the radar uses."""
    used = {bl.entry.movement for bl in layout.blips if bl.entry.movement}
    if not used:
        return ""
    items = []
    if "new" in used:
        items.append("a full ring marks a technique first recorded recently")
    if "in" in used:
        items.append("an arc on the side facing the centre marks a recent move in")
    if "out" in used:
        items.append("an arc on the outer side marks a recent move out")
    return '<p class="assay-radar-key">' + "; ".join(items).capitalize() + ".</p>"
