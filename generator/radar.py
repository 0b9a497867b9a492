"""The radar: the current decision of each technique, in ring order, and the decisions that
moved it (pure, no I/O)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import date
from typing import Any

from .model import KnowledgeBase
from .schema import Decision
from .schema.decision import STATUSES
from .terminal import printable


def radar_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """One row per technique: its current decision's ring, owner, next action and last move."""
    rows: list[dict[str, Any]] = []
    moves = {m.technique: m for m in kb.graph.moves}  # moves are sorted: the last one wins
    for technique, did in kb.graph.current.items():
        d = kb.by_id[did].record
        assert isinstance(d, Decision)
        move = moves.get(technique)
        rows.append(
            {
                "technique": technique,
                "id": did,
                "area": d.area,
                "ring": d.status,
                "stage": d.stage,
                "owner": d.owner,
                "decided_on": d.decided_on.isoformat(),
                "next_action": (
                    {
                        "action": d.next_action.action,
                        "owner": d.next_action.owner,
                        "due": d.next_action.due.isoformat(),
                    }
                    if d.next_action
                    else None
                ),
                "last_move": (
                    {
                        "from": move.from_status,
                        "to": move.to_status,
                        "on": move.on.isoformat(),
                        "decision": move.to_id,
                    }
                    if move
                    else None
                ),
            }
        )
    rows.sort(key=lambda r: (STATUSES.index(r["ring"]), r["area"], r["technique"]))
    return rows


@dataclass(frozen=True)
class RadarStep:
    """One decision seen as a move on the radar: from the technique's previous decision (ring
    and stage; None for its first decision, a move from nothing into its ring) to this one."""

    technique: str
    area: str
    on: date
    decision: str
    to_ring: str
    to_stage: str
    from_ring: str | None
    from_stage: str | None
    from_decision: str | None

    @property
    def ring_text(self) -> str:
        """'new → TRIAL', 'ASSESS → TRIAL' or 'TRIAL (no ring change)'."""
        if self.from_ring is None:
            return f"new → {self.to_ring}"
        if self.from_ring == self.to_ring:
            return f"{self.to_ring} (no ring change)"
        return f"{self.from_ring} → {self.to_ring}"

    @property
    def stage_text(self) -> str:
        if self.from_stage is None or self.from_stage == self.to_stage:
            return self.to_stage
        return f"{self.from_stage} → {self.to_stage}"


def radar_steps(kb: KnowledgeBase, since: date, until: date) -> list[RadarStep]:
    """Every valid decision decided in [since, until], newest first: a technique's first decision
    enters the radar, a later one moves it (or keeps its ring and changes its stage)."""
    steps: list[RadarStep] = []
    for technique, ids in kb.graph.history.items():
        previous: Decision | None = None
        previous_id: str | None = None
        for did in ids:
            d = kb.by_id[did].record
            assert isinstance(d, Decision)
            if since <= d.decided_on <= until:
                steps.append(
                    RadarStep(
                        technique,
                        d.area,
                        d.decided_on,
                        did,
                        d.status,
                        d.stage,
                        previous.status if previous else None,
                        previous.stage if previous else None,
                        previous_id,
                    )
                )
            previous, previous_id = d, did
    steps.sort(key=lambda s: (s.on, s.technique, s.decision), reverse=True)
    return steps


#: Widest a column of `assay radar` grows before its cells wrap onto further lines.
TEXT_COLUMN_WIDTH = 40


def radar_text(rows: list[dict[str, Any]], width: int = TEXT_COLUMN_WIDTH) -> str:
    """The radar as an aligned table for a terminal. A cell longer than `width` wraps onto
    continuation lines (at spaces where it can): nothing is ever cut off."""
    header = ("ring", "technique", "area", "stage", "owner", "next action", "last move")
    table = [header] + [
        (
            r["ring"],
            r["technique"],
            r["area"],
            r["stage"],
            r["owner"],
            (
                f"{r['next_action']['action']} ({r['next_action']['due']})"
                if r["next_action"]
                else "-"
            ),
            (
                f"{r['last_move']['from']}→{r['ring']} {r['last_move']['on']}"
                if r["last_move"]
                else "-"
            ),
        )
        for r in rows
    ]
    wrapped = [
        [textwrap.wrap(printable(" ".join(str(c).split())), width) or [""] for c in row]
        for row in table
    ]
    widths = [max(len(line) for row in wrapped for line in row[i]) for i in range(len(header))]
    out: list[str] = []
    for row in wrapped:
        for k in range(max(len(cell) for cell in row)):
            parts = [
                (cell[k] if k < len(cell) else "").ljust(w)
                for cell, w in zip(row, widths, strict=True)
            ]
            out.append("  ".join(parts).rstrip())
    return "\n".join(out) + "\n"
