"""The generated pages: an index per kind, radar, predictions, review agenda and tags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from .. import compute
from ..charts.radar_svg import (
    Movement,
    RadarEntry,
    layout_radar,
    radar_key_html,
    radar_legend_html,
    radar_svg,
)
from ..dates import shift
from ..model import KnowledgeBase
from ..radar import radar_rows, radar_steps
from ..schema import Benchmark, Decision, Paper, Postmortem, Prediction, Runbook
from ..schema.decision import STATUSES
from ..stats import PredictionStats
from .charts import ChartSink
from .markdown import badge, bullets, cell, link_to, num, section, table, text
from .records import RING_CSS, decision_ref, nw, record_ref

T = TypeVar("T")

KIND_TITLES = {
    "paper": "Papers",
    "decision": "Decisions",
    "benchmark": "Benchmarks",
    "prediction": "Predictions",
    "runbook": "Runbooks",
    "postmortem": "Post-mortems",
}


def _records(kb: KnowledgeBase, kind: str, cls: type[T]) -> list[tuple[str, T]]:
    """(id, record) of every valid record of a kind, by id."""
    out = []
    for e in sorted(kb.of_kind(kind), key=lambda e: e.id):
        assert isinstance(e.record, cls)
        out.append((e.id, e.record))
    return out


def _tags(tags: list[str] | None) -> str:
    return cell(", ".join(tags or ()))


def _paper_rows(kb: KnowledgeBase) -> list[list[str]]:
    return [
        [
            link_to("paper", rid, p.title),
            str(p.year),
            str(p.pass_),
            f"{p.relevance}/5",
            badge(p.verdict, p.verdict),
            _tags(p.tags),
            nw(p.read_on.isoformat()),
        ]
        for rid, p in sorted(_records(kb, "paper", Paper), key=lambda x: (-x[1].relevance, x[0]))
    ]


def _decision_rows(kb: KnowledgeBase) -> list[list[str]]:
    rows = []
    for rid, d in sorted(
        _records(kb, "decision", Decision), key=lambda x: (x[1].technique, x[1].decided_on)
    ):
        state = (
            badge("superseded", "superseded")
            if rid in kb.graph.superseded_by
            else (badge("current", "current") if kb.graph.current.get(d.technique) == rid else "–")
        )
        title = link_to("decision", rid, d.title)
        if rid in kb.graph.superseded_by:
            title = f'<span class="assay-was">{title}</span>'
        rows.append(
            [
                title,
                cell(d.technique),
                badge(d.status, RING_CSS[d.status]),
                d.stage,
                cell(d.owner),
                _tags(d.tags),
                nw(d.decided_on.isoformat()),
                state,
            ]
        )
    return rows


def _benchmark_rows(kb: KnowledgeBase) -> list[list[str]]:
    rows = []
    for rid, b in _records(kb, "benchmark", Benchmark):
        comparisons = compute.benchmark_stats(rid, b).comparisons
        rows.append(
            [
                link_to("benchmark", rid, b.title),
                nw(b.run_on.isoformat()),
                cell(b.owner),
                "paired" if b.paired else "unpaired",
                cell(", ".join(m.name for m in b.metrics)),
                _tags(b.tags),
                ", ".join(sorted({c.verdict for c in comparisons})) or "–",
                str(len(comparisons)),
            ]
        )
    return rows


def _runbook_rows(kb: KnowledgeBase) -> list[list[str]]:
    rows = []
    for rid, rb in _records(kb, "runbook", Runbook):
        due = shift(rb.last_reviewed, rb.review_every_days)
        rows.append(
            [
                link_to("runbook", rid, rb.title),
                decision_ref(kb, rb.decision, rb.decision),
                cell(rb.owner),
                nw(rb.last_reviewed.isoformat()),
                nw(str(due)) + (" " + badge("overdue", "overdue") if due < kb.as_of else ""),
            ]
        )
    return rows


def _postmortem_rows(kb: KnowledgeBase) -> list[list[str]]:
    return [
        [
            link_to("postmortem", rid, pm.title),
            nw(pm.occurred_on.isoformat()),
            pm.outcome,
            cell(", ".join(pm.patterns or ())),
            str(sum(not a.done for a in pm.actions)),
        ]
        for rid, pm in sorted(
            _records(kb, "postmortem", Postmortem), key=lambda x: x[1].occurred_on, reverse=True
        )
    ]


_INDEXES: dict[str, tuple[list[str], str, Callable[[KnowledgeBase], list[list[str]]]]] = {
    "paper": (
        ["Paper", "Year", "Pass", "Relevance", "Verdict", "Tags", "Read on"],
        "Paper notes, most relevant first. Pass 1 is a skim, pass 3 a full critical read.",
        _paper_rows,
    ),
    "decision": (
        ["Decision", "Technique", "Ring", "Stage", "Owner", "Tags", "Decided", "State"],
        "Every decision record, grouped by technique. The [radar](../radar/index.md) shows "
        "the current ones.",
        _decision_rows,
    ),
    "benchmark": (
        ["Benchmark", "Run on", "Owner", "Design", "Metrics", "Tags", "Verdicts", "Comparisons"],
        "Raw trial data; every statistic is computed by Assay.",
        _benchmark_rows,
    ),
    "runbook": (
        ["Runbook", "Operates", "Owner", "Last reviewed", "Next review"],
        "How each adopted technique is verified, monitored and rolled back.",
        _runbook_rows,
    ),
    "postmortem": (
        ["Post-mortem", "Occurred", "Outcome", "Patterns", "Open actions"],
        "What failed adoptions taught us, newest first.",
        _postmortem_rows,
    ),
}


def kind_index(kb: KnowledgeBase, kind: str) -> str:
    """A table of every record of a kind with its key fields."""
    header, intro, make_rows = _INDEXES[kind]
    rows = list(make_rows(kb))
    # assay.js sorts and filters tables of two rows or more: promise it only then.
    if len(rows) >= 2:
        intro += " Sort by any column; filter below."
    # The empty marker asks assay.js for filters over the table that follows it.
    return (
        f"{WIDE}# {KIND_TITLES[kind]}\n\n{intro}\n\n"
        f'<div class="assay-index"></div>\n\n{table(header, rows)}'
    )


RING_MEANING = {
    "ADOPT": "use it by default",
    "TRIAL": "time-boxed trial with kill criteria",
    "ASSESS": "worth watching",
    "HOLD": "not now; revisit",
    "SKIP": "decided against",
}


#: Front matter of generated data pages: no navigation or table-of-contents sidebars, so
#: tables and charts get the content's full width (Material and Zensical read `hide`).
WIDE = "---\nhide:\n  - navigation\n  - toc\n---\n\n"
#: Markers on the radar for what changed in this many days.
RECENT_DAYS = 90


def radar_entries(kb: KnowledgeBase) -> list[RadarEntry]:
    """The radar's blips: the current decision of each technique, with "new" (first recorded
    in the last RECENT_DAYS) or "in"/"out" (its last move, in that window, towards or away
    from the centre)."""
    since = shift(kb.as_of, -RECENT_DAYS)
    out = []
    for r in radar_rows(kb):
        first = kb.by_id[kb.graph.history[r["technique"]][0]].record
        assert isinstance(first, Decision)
        movement: Movement | None = None
        moved_from = None
        move = r["last_move"]
        if move and since <= date.fromisoformat(move["on"]) <= kb.as_of:
            inward = STATUSES.index(move["to"]) < STATUSES.index(move["from"])
            movement, moved_from = ("in" if inward else "out"), move["from"]
        elif since <= first.decided_on <= kb.as_of:
            movement = "new"
        na = r["next_action"]
        out.append(
            RadarEntry(
                id=r["id"],
                technique=r["technique"],
                area=r["area"],
                ring=r["ring"],
                owner=r["owner"],
                next_action=f"{na['action']} (due {na['due']})" if na else None,
                movement=movement,
                moved_from=moved_from,
            )
        )
    return out


def radar_figure(kb: KnowledgeBase, charts: ChartSink, prefix: str = "../") -> str:
    """The radar picture beside its numbered legend, as a placeholder paragraph."""
    layout = layout_radar(radar_entries(kb))
    href = lambda rid: f"{prefix}decisions/{rid}.md"  # noqa: E731 - resolved when inserted
    picture = f"<figure>{radar_svg(layout, href)}</figure>" if charts.enabled else ""
    return charts.markup(
        '<div class="assay-radar">'
        + picture
        + "<div>"
        + radar_key_html(layout)
        + radar_legend_html(layout, href)
        + "</div></div>"
    )


def radar_page(kb: KnowledgeBase, charts: ChartSink) -> str:
    rows = radar_rows(kb)
    out = WIDE + "# Research radar\n\n"
    out += (
        "The current decision for every technique we track: **ADOPT** (use it by default), "
        "**TRIAL** (time-boxed trial with kill criteria), **ASSESS** (worth watching), **HOLD** "
        "(not now; revisit) and, in the dashed outer band, **SKIP** (we decided against it). "
        "One sector per area; each numbered blip links to its decision, and the list beside "
        "the picture names them.\n\n"
    )
    out += radar_figure(kb, charts) + "\n\n"
    for ring in STATUSES:
        ring_rows = [r for r in rows if r["ring"] == ring]
        if not ring_rows:
            continue
        body = table(
            ["Technique", "Area", "Stage", "Owner", "Next action", "Last move"],
            [
                [
                    link_to("decision", r["id"], r["technique"]),
                    cell(r["area"]),
                    r["stage"],
                    cell(r["owner"]),
                    (
                        f"{cell(r['next_action']['action'])} ({r['next_action']['due']})"
                        if r["next_action"]
                        else "–"
                    ),
                    (
                        f"{r['last_move']['from']} → {ring} on {nw(r['last_move']['on'])}"
                        if r["last_move"]
                        else "–"
                    ),
                ]
                for r in ring_rows
            ],
        )
        out += section(f"{ring} — {RING_MEANING[ring]}", body)
    moves = sorted(kb.graph.moves, key=lambda m: (m.on, m.technique), reverse=True)
    if moves:
        out += section(
            "History of moves",
            charts.history(
                [
                    (m.on.isoformat(), m.technique, m.to_status)
                    for m in sorted(kb.graph.moves, key=lambda m: m.on)
                ]
                + [(d.decided_on.isoformat(), d.technique, d.status) for d in _first_decisions(kb)]
            )
            + "\n\n"
            + table(
                ["On", "Technique", "Move", "Decision"],
                [
                    [
                        nw(m.on.isoformat()),
                        cell(m.technique),
                        f"{badge(m.from_status, RING_CSS[m.from_status])} → {badge(m.to_status, RING_CSS[m.to_status])}",
                        decision_ref(kb, m.to_id, m.to_id),
                    ]
                    for m in moves
                ],
            ),
        )
    return out


def _first_decisions(kb: KnowledgeBase) -> list[Decision]:
    out = []
    for ids in kb.graph.history.values():
        d = kb.by_id[ids[0]].record
        assert isinstance(d, Decision)
        out.append(d)
    return out


def _score_rows(groups: dict[str, PredictionStats]) -> list[list[str]]:
    return [
        [
            text(name),
            f"{s.n_resolved} / {s.n}",
            num(s.brier, 3),
            num(s.brier_skill, 3),
            num(s.log_score, 3),
            num(s.reliability, 3),
            num(s.resolution, 3),
            num(s.within_bin_variance, 3),
            num(s.within_bin_covariance, 3),
        ]
        for name, s in groups.items()
    ]


def predictions_page(kb: KnowledgeBase, charts: ChartSink) -> str:
    overall = compute.prediction_stats(kb)
    out = WIDE + "# Predictions\n\n"
    out += (
        f"{overall.n} predictions: {overall.n_resolved} resolved and scored, "
        f"{overall.n_ambiguous} ambiguous (counted, not scored), {overall.n_open} open.\n\n"
    )
    bins = [b.to_json() for b in overall.bins]
    out += section(
        "Calibration",
        charts.calibration(bins) + "\n\n"
        "A well-calibrated forecaster's points sit on the diagonal: of the things they call "
        "70 % likely, about 70 % happen. Bars are 95 % Wilson intervals; with few "
        "predictions per bin they are wide, so read the trend, not single points.\n\n"
        + table(
            ["Forecast", "n", "Hits", "Mean forecast", "Observed", "95 % CI"],
            [
                [
                    f"{b.lo:.1f}–{b.hi:.1f}",
                    str(b.n),
                    str(b.k),
                    num(b.mean_forecast, 3),
                    num(b.observed, 3),
                    f"{num(b.ci[0], 3)} – {num(b.ci[1], 3)}" if b.ci[0] is not None else "–",
                ]
                for b in overall.bins
                if b.n
            ],
        ),
    )
    header = ["", "Scored / all", "Brier", "Skill", "Log", "Rel.", "Res.", "WBV", "WBC"]
    out += section(
        "Scores",
        "Brier score: 0 is perfect, 0.25 is what always saying 50 % earns. Skill "
        "compares with always forecasting the base rate (above 0 is better than that). Log: "
        "mean log score (closer to 0 is better). Rel. (reliability, lower is better) and Res. "
        "(resolution, higher is better) come from the Murphy decomposition, with uncertainty "
        f"{num(overall.uncertainty, 3)}. WBV and WBC are the within-bin variance and covariance "
        "of Stephenson et al. (2008): forecasts differ inside a bin, and with them the "
        "decomposition closes exactly, Brier = Rel. − Res. + uncertainty + WBV − WBC.\n\n"
        + table(header, _score_rows({"Everyone": overall})),
    )
    out += section("By owner", table(header, _score_rows(compute.predictions_by_owner(kb))))
    out += section("By tag", table(header, _score_rows(compute.predictions_by_tag(kb))))
    open_rows, resolved_rows = [], []
    for e in sorted(kb.of_kind("prediction"), key=lambda e: (e.record.resolve_on, e.id)):  # type: ignore[union-attr]
        p = e.record
        assert isinstance(p, Prediction)
        if p.resolution is None:
            late = " " + badge("overdue", "overdue") if p.resolve_on < kb.as_of else ""
            open_rows.append(
                [
                    nw(p.resolve_on.isoformat()) + late,
                    link_to("prediction", e.id, p.title),
                    f"{p.probability:.0%}",
                    cell(p.owner),
                ]
            )
        else:
            resolved_rows.append(
                [
                    nw(p.resolution.resolved_on.isoformat()),
                    link_to("prediction", e.id, p.title),
                    f"{p.probability:.0%}",
                    str(p.resolution.outcome).lower(),
                    cell(p.owner),
                ]
            )
    out += section(
        "Open, by due date",
        '<div class="assay-index"></div>\n\n'
        + table(["Due", "Prediction", "Probability", "Owner"], open_rows),
    )
    out += section(
        "Resolved",
        '<div class="assay-index"></div>\n\n'
        + table(
            ["Resolved", "Prediction", "Probability", "Outcome", "Owner"],
            sorted(resolved_rows, reverse=True),
        ),
    )
    return out


REVIEW_SECTIONS = [
    (
        "W-TIMEBOX-EXPIRED",
        "Expired time-boxes",
        "Decide: continue (new time-box), pivot, or kill. Record the gate.",
    ),
    ("W-ACTION-OVERDUE", "Overdue actions", "Do it, hand it over, or drop it explicitly."),
    ("W-REVISIT-DUE", "Revisits due", "Look again and record a new decision, or move the date."),
    ("W-PREDICTION-DUE", "Predictions to resolve", "Resolve them as true, false or ambiguous."),
    (
        "W-RUNBOOK-STALE",
        "Stale runbooks",
        "Walk through them; fix what changed; update last_reviewed.",
    ),
]


def review_page(kb: KnowledgeBase) -> str:
    out = WIDE + (
        f"# Review agenda\n\nWhat the monthly research review goes through, as of {kb.as_of}. "
        "Each item links to its record; the list empties as records are updated.\n\n"
    )
    by_path = {e.path: e for e in kb.entries}
    by_code: dict[str, list[tuple[str, str]]] = {}
    for d in kb.warnings:
        if (entry := by_path.get(d.path)) is not None:
            by_code.setdefault(d.code, []).append(
                (
                    '<span class="assay-review-check"></span>'
                    + record_ref(kb, entry.kind, entry.id),
                    d.message,
                )
            )
    clear = []
    for code, title, what in REVIEW_SECTIONS:
        items = by_code.get(code, [])
        if not items:
            clear.append(title.lower())
            continue
        body = f"{what}\n\n" + table(["Record", "Detail"], [[lnk, cell(msg)] for lnk, msg in items])
        out += section(f"{title} ({len(items)})", body)
    if clear:
        out += f"Nothing due in: {', '.join(clear)}.\n\n"
    trials = []
    for did, dec in _records(kb, "decision", Decision):
        if dec.status == "TRIAL" and kb.graph.current.get(dec.technique) == did and dec.time_box:
            left = (dec.time_box.end - kb.as_of).days
            trials.append(
                [
                    link_to("decision", did, dec.title),
                    cell(dec.owner),
                    nw(dec.time_box.end.isoformat()),
                    f"{left} days left"
                    if left >= 0
                    else badge(f"expired {-left} days ago", "overdue"),
                ]
            )
    out += section(
        f"Trials in flight ({len(trials)})",
        table(["Trial", "Owner", "Time-box ends", "State"], sorted(trials)),
    )
    # A technique's first decision is a move too: from nothing into its ring.
    steps = radar_steps(kb, shift(kb.as_of, -30), kb.as_of)
    out += section(
        f"Radar moves in the last 30 days ({len(steps)})",
        "New techniques on the radar, ring changes and stage changes, newest first.\n\n"
        + table(
            ["On", "Technique", "Ring", "Stage", "Decision"],
            [
                [
                    nw(s.on.isoformat()),
                    cell(s.technique),
                    s.ring_text,
                    s.stage_text,
                    decision_ref(kb, s.decision, s.decision),
                ]
                for s in steps
            ],
        ),
    )
    other = sorted(code for code in by_code if code not in {c for c, _, _ in REVIEW_SECTIONS})
    for code in other:
        out += section(
            f"{code} ({len(by_code[code])})",
            table(["Record", "Detail"], [[lnk, cell(msg)] for lnk, msg in by_code[code]]),
        )
    return out


def tags_page(kb: KnowledgeBase) -> str:
    tags: dict[str, list[tuple[str, str, str]]] = {}
    for e in kb.entries:
        if e.record is not None:
            for t in e.record.tags or ():
                tags.setdefault(t, []).append((e.kind, e.id, e.record.title))
    out = (
        "# Tags\n\n"
        + (
            " · ".join(f"[{text(t)}](#{t}) ({len(v)})" for t, v in sorted(tags.items()))
            or "_No tags yet._"
        )
        + "\n\n"
    )
    for t, items in sorted(tags.items()):
        out += (
            f"## {text(t)}\n\n"
            + bullets(f"{record_ref(kb, k, i, title)} ({k})" for k, i, title in sorted(items))
            + "\n"
        )
    return out
