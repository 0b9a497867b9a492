"""The radar: the current decision of each technique, in ring order (pure, no I/O)."""

from __future__ import annotations

from typing import Any

from .model import KnowledgeBase
from .schema import Decision
from .schema.decision import STATUSES


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
