"""The review agenda's "radar moves of the last 30 days" (issue 12, fault 5): a technique's first
decision is a move from nothing into its ring, and is listed with the ring changes."""

from __future__ import annotations

from datetime import date

from conftest import valid_files

from generator.kb import analyse, compile_entries
from generator.model import KnowledgeBase
from generator.radar import radar_steps
from generator.render.pages import review_page
from generator.render.records import nw

NEW_TECHNIQUE = b"""---
title: Trial LoRA for the support model
technique: LoRA
area: training
status: TRIAL
stage: discovery
owner: marco
decided_on: 2026-11-10
rationale: Cheap adapters may match full fine-tuning for our support model.
hypothesis: LoRA rank 16 matches full fine-tuning within 1 point of accuracy.
success_criteria:
  - {metric: accuracy, op: ">=", value: 0.8}
kill_criteria:
  - {condition: accuracy more than 2 points below full fine-tuning}
time_box: {start: 2026-11-10, end: 2026-12-20}
next_action: {action: run the first sweep, owner: marco, due: 2026-12-01}
---
"""


def _kb(as_of: date, extra: bytes | None = None) -> KnowledgeBase:
    files = valid_files()
    if extra is not None:
        files.append(("decision", "content/decisions/lora-trial.md", extra, None))
    return analyse(compile_entries(files), as_of)


def _row(*cells: str) -> str:
    """The first cells of a table row as the page's HTML holds them."""
    return "<tr>\n" + "".join(f"<td>{c}</td>\n" for c in cells)


def _moves_section(page: str) -> str:
    start = page.index("## Radar moves in the last 30 days")
    end = page.find("\n## ", start + 1)
    return page[start : end if end != -1 else len(page)]


def test_a_new_technique_is_a_move_into_its_ring() -> None:
    kb = _kb(date(2026, 11, 25), NEW_TECHNIQUE)
    section = _moves_section(review_page(kb))
    assert section.startswith("## Radar moves in the last 30 days (1)")
    assert _row(nw("2026-11-10"), "LoRA", "new → TRIAL", "discovery") in section
    assert "decisions/lora-trial" in section


def test_a_first_decision_alone_in_the_window_is_listed() -> None:
    # The fixture's ASSESS decision (2025-06-01) is FlashAttention's first: before the fix the
    # agenda said "(0)" because only ring changes between two decisions counted.
    section = _moves_section(review_page(_kb(date(2025, 6, 20))))
    assert section.startswith("## Radar moves in the last 30 days (1)")
    assert _row(nw("2025-06-01"), "FlashAttention", "new → ASSESS") in section


def test_ring_changes_still_listed_and_old_ones_not() -> None:
    kb = _kb(date(2026, 5, 20))
    (step,) = radar_steps(kb, date(2026, 4, 20), date(2026, 5, 20))
    assert (step.technique, step.from_ring, step.to_ring) == ("FlashAttention", "ASSESS", "ADOPT")
    assert step.from_decision == "flash-attention-assess"
    section = _moves_section(review_page(kb))
    assert _row(nw("2026-05-01"), "FlashAttention", "ASSESS → ADOPT") in section
    assert "new → ASSESS" not in section  # 2025-06-01 is outside the window
    assert _moves_section(review_page(_kb(date(2026, 7, 1)))).startswith(
        "## Radar moves in the last 30 days (0)"
    )
