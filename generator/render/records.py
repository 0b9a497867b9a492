"""Markdown for one record's page, from its validated front matter, computed values and body."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import compute
from ..dates import shift
from ..diagnostics import Diagnostic
from ..model import Entry, KnowledgeBase
from ..schema import Benchmark, Decision, Paper, Postmortem, Prediction, Runbook
from ..schema.decision import Criterion
from ..stats import (
    ABLATION_MEANING,
    VERDICT_MEANING,
    VerdictInterval,
    format_effect,
    format_level,
    unit_of_difference,
    verdict_meaning,
)
from .charts import ChartSink, benchmark_methods
from .markdown import (
    badge,
    bullet,
    bullets,
    cell,
    facts,
    link_to,
    num,
    one_line,
    pct,
    section,
    table,
    text,
)

RING_CSS = {"ADOPT": "adopt", "TRIAL": "trial", "ASSESS": "assess", "HOLD": "hold", "SKIP": "skip"}


def record_page(e: Entry, kb: KnowledgeBase, charts: ChartSink) -> str:
    """The whole page of one valid record."""
    r = e.record
    assert r is not None
    from .pages import WIDE

    parts = [WIDE, f"# {text(r.title)}\n\n"]
    body = _RENDERERS[e.kind](e, kb, charts)
    if r.tags:  # right under the badges, where a reader looks for what the page is about
        badges, _, rest = body.partition("\n\n")
        tags = ", ".join(f"[{text(t)}](../tags/index.md#{t})" for t in r.tags)
        body = f"{badges}\n\n**Tags:** {tags}\n\n{rest}"
    badges, _, rest = body.partition("\n\n")
    parts.append(f"{badges}\n\n{banners(e, kb)}{rest}")
    if e.parsed.body.strip():
        parts.append("---\n\n" + e.parsed.body.strip() + "\n\n")
    parts.append(_backlinks(e, kb))
    return "".join(parts)


def _backlinks(e: Entry, kb: KnowledgeBase) -> str:
    links = kb.graph.backlinks.get(e.id, [])
    if not links:
        return ""
    rows = sorted({(kb.by_id[src].kind, src) for src, _ in links})
    items = [f"{record_ref(kb, kind, src)} ({kind})" for kind, src in rows]
    return section("Referenced by", bullets(items))


def decision_ref(kb: KnowledgeBase, did: str, label: str | None = None, prefix: str = "../") -> str:
    """A link to a decision; a superseded one is struck through and badged, in every list."""
    link = link_to("decision", did, label if label is not None else title_of(kb, did), prefix)
    if did in kb.graph.superseded_by:
        return f'<span class="assay-was">{link}</span> {badge("superseded", "superseded")}'
    return link


def record_ref(kb: KnowledgeBase, kind: str, rid: str, label: str | None = None) -> str:
    """A link to any record, marked when it is a superseded decision."""
    if kind == "decision":
        return decision_ref(kb, rid, label)
    return link_to(kind, rid, label if label is not None else title_of(kb, rid))


def nw(value: str) -> str:
    """A figure that must not wrap inside a table cell (dates, percentages, intervals)."""
    return f'<span class="assay-nw">{value}</span>'


#: Status banners: warning code → (admonition type, title). The text is the diagnostic's
#: message, which names the date and what to do.
BANNERS = {
    "W-TIMEBOX-EXPIRED": ("danger", "Time-box expired"),
    "W-ACTION-OVERDUE": ("warning", "Action overdue"),
    "W-REVISIT-DUE": ("warning", "Due for revisit"),
    "W-PREDICTION-DUE": ("warning", "Due for resolution"),
    "W-RUNBOOK-STALE": ("warning", "Review overdue"),
}


def banners(e: Entry, kb: KnowledgeBase) -> str:
    """Admonitions at the top of a record page: superseded by X, and one per due warning the
    rules raised for this record (its messages name the dates and what to do).

    Written as an HTML block around Markdown paragraphs (blank lines between), so the
    links in them are resolved like any other link on the page."""
    out = []
    later = kb.graph.superseded_by.get(e.id, [])
    if later:
        links = ", ".join(link_to("decision", s, title_of(kb, s)) for s in later)
        out.append(
            _banner(
                "note",
                "Superseded",
                f"This decision was superseded by {links}. It is kept as history.",
            )
        )
    mine = _warnings_by_path(kb).get(e.path, [])
    for code, (kind, title) in BANNERS.items():
        msgs = [d.message for d in mine if d.code == code]
        if msgs:
            out.append(_banner(kind, title, "\n\n".join(text(_sentence(m)) for m in msgs)))
    return "".join(out)


#: (knowledge base, its diagnostics list, their count) → its warnings by record path: every
#: record page asks for its own, and scanning all warnings per page was quadratic.
_WARNINGS_INDEX: list[tuple[KnowledgeBase, object, int, dict[str, list[Diagnostic]]]] = []


def _warnings_by_path(kb: KnowledgeBase) -> dict[str, list[Diagnostic]]:
    for held, diags, count, index in _WARNINGS_INDEX:
        if held is kb and diags is kb.diagnostics and count == len(kb.diagnostics):
            return index
    index = {}
    for d in kb.warnings:
        index.setdefault(d.path, []).append(d)
    _WARNINGS_INDEX[:] = [(kb, kb.diagnostics, len(kb.diagnostics), index)]
    return index


def _banner(kind: str, title: str, body: str) -> str:
    return (
        f'<div class="assay-banner assay-banner-{kind}"><p class="assay-banner-title">{title}</p>'
        f"\n\n{body}\n\n</div>\n\n"
    )


def _sentence(message: str) -> str:
    """A diagnostic message as a sentence: capital first letter, final full stop."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith((".", "!", "?")) else ".")


def title_of(kb: KnowledgeBase, rid: str) -> str:
    """A record's title, or its id when it is missing or invalid."""
    entry = kb.by_id.get(rid)
    return entry.record.title if entry and entry.record else rid


def _refs(kb: KnowledgeBase, kind: str, ids: list[str] | None) -> str:
    return ", ".join(record_ref(kb, kind, i) for i in ids or ()) or "–"


def _paper(e: Entry, kb: KnowledgeBase, charts: ChartSink) -> str:
    r = e.record
    assert isinstance(r, Paper)
    badges = [
        badge(f"pass {r.pass_}", f"pass{r.pass_}"),
        badge(r.verdict, r.verdict),
        badge(f"relevance {r.relevance}/5", "relevance"),
    ]
    meta = facts(
        [
            ["Authors", cell(", ".join(r.authors))],
            ["Year", str(r.year)],
            ["Venue", cell(r.venue)],
            ["Paper", f"<{r.url}>"],
            [
                "Code",
                f"<{r.code}>"
                if r.code
                else (
                    "checked: no code released" if "code" in r.model_fields_set else "not checked"
                ),
            ],
            ["Read on", r.read_on.isoformat()],
        ]
    )
    out = " ".join(badges) + "\n\n" + f"> {one_line(r.summary)}\n\n" + meta + "\n"
    if r.key_insight:
        out += section("Key insight", r.key_insight)
    if r.claims:
        rows = []
        for c in r.claims:
            gap = "not reproduced"
            if c.reproduced is not None:
                gap = f"{num(c.reproduced - c.claimed)}"
                if c.claimed:
                    gap += f" ({pct((c.reproduced - c.claimed) / abs(c.claimed))})"
            rows.append(
                [
                    cell(c.metric),
                    cell(c.baseline),
                    f"{num(c.claimed)} {cell(c.unit or '')}".strip(),
                    f"{num(c.reproduced)} {cell(c.unit or '')}".strip()
                    if c.reproduced is not None
                    else "–",
                    gap,
                    cell(c.source),
                ]
            )
        out += section(
            "Claims", table(["Metric", "Baseline", "Claimed", "Reproduced", "Gap", "Source"], rows)
        )
    if "red_flags" in r.model_fields_set:
        flags = r.red_flags or []
        out += section(
            "Red flags",
            table(["Flag", "Evidence"], [[badge(f.flag, "flag"), cell(f.evidence)] for f in flags])
            if flags
            else "None found (checked on the third pass).",
        )
    if r.viability:
        v = r.viability
        rows = [
            [name, "★" * s.score + "☆" * (5 - s.score) + f" {s.score}/5", cell(s.note)]
            for name, s in (
                ("Efficiency", v.efficiency),
                ("Integration", v.integration),
                ("Robustness", v.robustness),
                ("Maintainability", v.maintainability),
            )
        ]
        out += section("Production viability", table(["Dimension", "Score", "Note"], rows))
    return out


def _criterion(c: Criterion) -> str:
    if c.condition:
        return cell(c.condition)
    return f"`{c.metric} {c.op} {num(c.value)}{(' ' + c.unit) if c.unit else ''}`"


def _decision(e: Entry, kb: KnowledgeBase, charts: ChartSink) -> str:
    r = e.record
    assert isinstance(r, Decision)
    today = kb.as_of
    superseded_by = kb.graph.superseded_by.get(e.id, [])
    badges = [badge(r.status, RING_CSS[r.status]), badge(r.stage, "stage")]
    if superseded_by:
        badges.append(badge("superseded", "superseded"))
    elif kb.graph.current.get(r.technique) == e.id:
        badges.append(badge("current", "current"))
    out = " ".join(badges) + "\n\n"
    out += (
        facts(
            [
                ["Technique", cell(r.technique)],
                ["Area", cell(r.area)],
                ["Owner", cell(r.owner)],
                ["Decided on", r.decided_on.isoformat()],
                ["Papers", _refs(kb, "paper", r.papers)],
                ["Benchmarks", _refs(kb, "benchmark", r.benchmarks)],
                ["Runbook", _refs(kb, "runbook", [r.runbook] if r.runbook else None)],
                ["Supersedes", _refs(kb, "decision", r.supersedes)],
                ["Revisit on", r.revisit_on.isoformat() if r.revisit_on else "–"],
            ]
        )
        + "\n"
    )
    out += section("Rationale", r.rationale)
    if r.hypothesis:
        out += section("Hypothesis", r.hypothesis)
    if r.success_criteria or r.kill_criteria:
        crit = ""
        if r.success_criteria:
            crit += (
                "**Success criteria**\n\n"
                + bullets(_criterion(c) for c in r.success_criteria)
                + "\n"
            )
        if r.kill_criteria:
            crit += "**Kill criteria**\n\n" + bullets(_criterion(c) for c in r.kill_criteria) + "\n"
        out += section("Criteria", crit)
    if r.time_box:
        tb = r.time_box
        left = (tb.end - today).days
        state = (
            f"{left} days left"
            if left > 0
            else "ends today"
            if left == 0
            else f"**expired** {-left} days ago"
        )
        total = max(1, (tb.end - tb.start).days)
        used = min(100, max(0, round(100 * (today - tb.start).days / total)))
        out += section(
            "Time-box", f"{tb.start} → {tb.end}: {state} ({used} % of the time-box used)."
        )
    if r.gates:
        rows = [
            [
                nw(g.on.isoformat()),
                g.gate,
                badge(g.answer, g.answer.lower()),
                cell(g.by),
                cell(g.conditions),
            ]
            for g in r.gates
        ]
        out += section("Gates", table(["On", "Gate", "Answer", "By", "Conditions"], rows))
    if r.next_action:
        na = r.next_action
        late = " " + badge("overdue", "overdue") if na.due < today else ""
        out += section(
            "Next action", f"{one_line(na.action)} — {cell(na.owner)}, due {na.due}{late}"
        )
    if r.alternatives:
        out += section(
            "Alternatives considered",
            table(
                ["Alternative", "Why not"],
                [[cell(a.name), cell(a.why_not)] for a in r.alternatives],
            ),
        )
    if r.skip:
        out += section("Why we skip it", f"**{r.skip.reason}** — {one_line(r.skip.detail)}")
    cb = compute.cost_benefit_stats(r)
    if cb is not None and r.cost_benefit is not None:
        c = r.cost_benefit
        cur = c.currency
        payback = f"{cb.payback_months:.1f} months" if cb.payback_months is not None else "never"
        rows = [
            [
                "Upfront",
                f"{num(cb.upfront)} {cur} ({num(c.implementation_weeks)} engineer-weeks × "
                f"{num(c.engineer_week_cost)}"
                + (f" + {num(c.one_time_cost)} one-time)" if c.one_time_cost else ")"),
            ],
            [
                "Net monthly",
                f"{num(cb.net_monthly)} {cur} ({num(c.monthly_benefit)} benefit − {num(c.monthly_cost)} cost)",
            ],
            ["Payback", payback],
            ["12-month ROI", pct(cb.roi_12m, 0) if cb.roi_12m is not None else "–"],
            ["Assessment", badge(cb.assessment.replace("-", " "), cb.assessment)],
        ]
        out += section("Cost-benefit", facts(rows))
    chain = kb.graph.history.get(r.technique, [])
    if len(chain) > 1:
        rows = []
        for did in chain:
            d = kb.by_id[did].record
            assert isinstance(d, Decision)
            here = " (this record)" if did == e.id else ""
            rows.append(
                [
                    nw(d.decided_on.isoformat()),
                    badge(d.status, RING_CSS[d.status]),
                    d.stage,
                    decision_ref(kb, did, d.title) + here,
                ]
            )
        out += section(
            f"History of {one_line(r.technique)}",
            table(["Decided", "Ring", "Stage", "Decision"], rows),
        )
    return out


def _benchmark(e: Entry, kb: KnowledgeBase, charts: ChartSink) -> str:
    r = e.record
    assert isinstance(r, Benchmark)
    s = compute.benchmark_stats(e.id, r)
    out = badge("paired" if r.paired else "unpaired", "stage") + "\n\n"
    out += (
        facts(
            [
                ["Owner", cell(r.owner)],
                ["Run on", r.run_on.isoformat()],
                ["Hardware", cell(r.hardware)],
                [
                    "Design",
                    "paired (run i of every method shares seed and input)"
                    if r.paired
                    else "independent runs",
                ],
                ["Significance level", num(r.alpha)],
                ["Decision", _refs(kb, "decision", [r.decision] if r.decision else None)],
            ]
        )
        + "\n"
    )
    if r.protocol:
        out += section("Protocol", r.protocol)
    out += _forest_section(r, s, charts)
    units = compute.units(r)
    k = len([c.p for c in s.comparisons if c.p is not None]) + len(
        [a.p for a in s.ablations if a.p is not None]
    )
    verdict_rows, details = [], []
    for c in s.comparisons:
        j = c.judgement
        verdict_rows.append(
            [
                text(c.metric) + (" (guardrail)" if j.guardrail else ""),
                text(c.method),
                badge(c.verdict, c.verdict),
                nw(_change_cell(c.rel_diff, c.diff, j.verdict_interval, units.get(c.metric))),
                _p(c.p_holm),
                f"{_EFFECT[c.effect_size_kind]} = {format_effect(c.effect_size)}"
                if c.effect_size is not None
                else "–",
                str(c.runs_needed) if c.runs_needed is not None else "–",
            ]
        )
        stat = f"{num(c.statistic, 3)}" if c.statistic is not None else "–"
        df = f", df = {num(c.df, 3)}" if c.df is not None else ""
        extra = ""
        if j.p_noninferiority is not None:
            extra += f" Non-inferiority test {_p_is(j.p_noninferiority)}"
            extra += f", inferiority test {_p_is(j.p_inferiority)}."
        if j.p_equivalence is not None and c.verdict in {"equivalent", "inconclusive"}:
            extra += f" Equivalence test (TOST) {_p_is(j.p_equivalence)}."
        if c.verdict == "inconclusive":
            extra += " " + _settle(
                c.runs_needed, j.runs_needed_alpha, j.detectable_effect_rel, j.guardrail
            )
            if j.runs_needed_equivalence is not None:
                extra += (
                    f" About {j.runs_needed_equivalence} would show equivalence if nothing changes."
                )
        details.append(
            f"**{one_line(c.method)} vs {one_line(c.baseline)}, {one_line(c.metric)}:** "
            f"{_TEST[c.test]} t = {stat}{df}, {_p_is(c.p)} (Holm {_p(c.p_holm)}); "
            f"{_TEST[c.rank_test]} {_p_is(c.rank_p)}.{extra}"
            + "".join(f" {one_line(n)}." for n in c.notes)
        )
    present = dict.fromkeys(c.verdict for c in s.comparisons)
    out += section(
        "Results against the baseline",
        table(
            [
                "Metric",
                "Method",
                "Verdict",
                "Change (interval beside the verdict)",
                "p, Holm",
                "Effect",
                "Runs for 80 % power",
            ],
            verdict_rows,
        )
        + "\n"
        + "".join(
            f"- **{v}**: "
            + verdict_meaning(
                v, [c.judgement.min_effect is not None for c in s.comparisons if c.verdict == v]
            )
            + ".\n"
            for v in present
        )
        + "\n"
        + "\n".join(f"- {d}" for d in details)
        + "\n\n"
        "The change is relative to the baseline mean, with Fieller's interval (it accounts for "
        "the baseline's own noise). The interval beside each verdict is the one its test uses: "
        "for better, worse and below-min-effect, at the level Holm's correction applies to that "
        f"comparison ({k} test{'' if k == 1 else 's'} in this record), so it excludes 0 exactly "
        "when the verdict is "
        "significant; for equivalent and guardrail verdicts, the 1 − 2α interval whose ends are "
        "the one-sided bounds. *Runs for 80 % power* is the number of runs per method needed to "
        "detect the metric's minimum effect at Holm's first step (α/k), or, for a guardrail, to "
        "show it holds when nothing changes. The rank test is a robustness check that does not "
        "assume normal data. Effect sizes are in standard deviations: 0.2 is small, 0.8 large; "
        "benchmarks often show far larger ones.",
    )
    rows = [
        [
            cell(m.metric),
            cell(m.method),
            str(m.n),
            num(m.mean),
            num(m.sd),
            num(m.median),
            nw(f"{num(m.ci[0])} to {num(m.ci[1])}") if m.ci[0] is not None else "–",
            nw(f"{num(m.median_ci[0])} to {num(m.median_ci[1])}")
            if m.median_ci[0] is not None
            else "–",
        ]
        for m in s.summaries
    ]
    header = ["Metric", "Method", "n", "Mean", "SD", "Median", "95 % CI of the mean"]
    if any(m.median_ci_method for m in s.summaries):
        header.append("95 % CI of the median (bootstrap)")
    else:
        rows = [row[:-1] for row in rows]
    out += section(
        "Per-method summary",
        table(header, rows)
        + (
            "\nFor quantile-type metrics (p50, p99, median, …) the median's interval is a "
            "percentile bootstrap (9,999 resamples, fixed seed, so it never changes between "
            "builds); with few runs it is coarse.\n"
            if any(m.median_ci_method for m in s.summaries)
            else ""
        ),
    )
    figures = [
        charts.benchmark(m.name, m.unit, m.better, benchmark_methods(r, s, m.name))
        for m in r.metrics
    ]
    out += section("Runs", "\n\n".join(figures))
    if s.ablations:
        rows = [
            [
                cell(a.metric),
                cell(a.variant),
                cell(", ".join(a.removes)),
                badge(a.verdict, a.verdict),
                nw(
                    f"{num(a.contribution)} {text(unit_of_difference(units.get(a.metric)))}".strip()
                ),
                nw(pct(a.rel_contribution)),
                nw(_interval_cell(a.judgement.verdict_interval, units.get(a.metric))),
                _p(a.p_holm),
            ]
            for a in s.ablations
        ]
        out += section(
            f"Ablations of {one_line(r.ablations.of if r.ablations else '')}",
            table(
                [
                    "Metric",
                    "Variant",
                    "Removes",
                    "Verdict",
                    "Contribution (full − variant)",
                    "Relative (of the variant's mean)",
                    "Interval beside the verdict",
                    "p (Holm)",
                ],
                rows,
            )
            + "\n"
            + "".join(
                f"- **{v}**: {ABLATION_MEANING.get(v, VERDICT_MEANING[v])}.\n"
                for v in dict.fromkeys(a.verdict for a in s.ablations)
            )
            + "\nContributions are in the metric's unit (pp: percentage points, for metrics "
            "in %); the relative column divides by the variant's mean.",
        )
    if s.diagnostics:
        out += section(
            "Run diagnostics",
            "Worth a look before trusting the verdicts (each code is explained in the "
            "guide's rules page).\n\n"
            + table(
                ["Code", "Runs", "What"],
                [[d.code, text(d.field), cell(d.message)] for d in s.diagnostics],
            ),
        )
    notes = list(s.warnings)
    if notes:
        out += section("Notes", bullet(notes))
    return out


def _forest_section(r: Benchmark, s: Any, charts: ChartSink) -> str:
    """One forest plot per metric: every change against the baseline (and every ablation
    contribution) with its interval, against the ±min_effect band."""
    from ..charts.forest import forest_rows, forest_svg

    baseline = next((m.name for m in r.methods if m.baseline), "the baseline")
    figures = []
    for m in r.metrics:
        rows = forest_rows(s, m.name, r)
        if not rows:
            continue
        svg = forest_svg(
            m.name,
            m.unit,
            m.better,
            m.min_effect,
            rows,
            reference=baseline,
            ablation_of=r.ablations.of if r.ablations else None,
        )
        figures.append(
            charts.markup(f'<figure class="assay-forest">{svg}</figure>', f"changes in {m.name}")
        )
    if not figures:
        return ""
    paired = (
        " Small circles are the per-run differences of the paired design (run *i* against run *i*)."
        if r.paired
        else ""
    )
    return section(
        "Changes at a glance",
        "Each row is a method's change against the baseline (or, for an ablation, the full "
        "method against the variant without a component): the diamond is the change, the bar "
        "the interval the verdict rests on (its level written beside it), the shaded band the "
        "minimum effect that matters, the colour the verdict."
        + paired
        + "\n\n"
        + "\n\n".join(figures),
    )


def _interval_cell(vi: VerdictInterval, unit: str | None, relative: bool = False) -> str:
    """'97.5 % CI −35.0 to −34.5 %' (relative) or in the metric's unit."""
    ends = vi.rel if relative else vi.diff
    if ends[0] is None or ends[1] is None:
        return "–"
    level = format_level(vi.level)
    if relative:
        return f"{level} % CI {pct(ends[0])} to {pct(ends[1])}"
    u = text(unit_of_difference(unit))
    return f"{level} % CI {num(ends[0])} to {num(ends[1])} {u}".rstrip()


def _change_cell(
    rel: float | None, diff: float | None, vi: VerdictInterval, unit: str | None
) -> str:
    if rel is not None:
        return f"{pct(rel)} ({_interval_cell(vi, unit, relative=True)})"
    if diff is None:
        return "–"
    u = text(unit_of_difference(unit))
    return f"{num(diff)} {u} ({_interval_cell(vi, unit)})".replace("  ", " ")


def _settle(runs: int | None, alpha: float | None, mde_rel: float | None, guardrail: bool) -> str:
    """For an inconclusive verdict: how many runs would settle it."""
    parts = []
    if runs is not None and alpha is not None:
        what = "show the guardrail holds" if guardrail else "detect the minimum effect"
        parts.append(f"About {runs} runs per method would {what} (80 % power at α = {alpha:.3g}).")
    if mde_rel is not None:
        parts.append(
            f"With the runs at hand only changes of {mde_rel * 100:.1f} % or more show reliably."
        )
    return " ".join(parts)


_EFFECT = {"hedges_g": "g", "d_z": "d_z"}
_TEST = {
    "welch-t": "Welch's",
    "paired-t": "paired",
    "mann-whitney-u": "Mann–Whitney U",
    "wilcoxon-signed-rank": "Wilcoxon signed-rank",
}


def _p_is(p: float | None) -> str:
    """'p = 0.23' or 'p < 0.0001'."""
    shown = _p(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def _p(p: float | None) -> str:
    from ..stats import format_p

    return format_p(p)


def _prediction(e: Entry, kb: KnowledgeBase, charts: ChartSink) -> str:
    r = e.record
    assert isinstance(r, Prediction)
    today = kb.as_of
    if r.resolution is None:
        state = badge("overdue", "overdue") if r.resolve_on < today else badge("open", "open")
    else:
        state = badge(
            f"resolved: {str(r.resolution.outcome).lower()}",
            f"outcome-{str(r.resolution.outcome).lower()}",
        )
    out = (
        state
        + "\n\n"
        + facts(
            [
                ["Probability", f"{r.probability:.0%}"],
                ["Owner", cell(r.owner)],
                ["Made on", r.made_on.isoformat()],
                ["Resolves on", r.resolve_on.isoformat()],
                ["Technique", cell(r.technique)],
                ["Papers", _refs(kb, "paper", r.papers)],
                ["Decisions", _refs(kb, "decision", r.decisions)],
            ]
        )
        + "\n"
    )
    out += section("How it will be judged", r.criteria)
    if r.reasoning:
        out += section("Reasoning at the time", r.reasoning)
    if r.resolution:
        res = r.resolution
        score = ""
        if isinstance(res.outcome, bool):
            o = 1.0 if res.outcome else 0.0
            score = f" Brier score of this forecast: {num((r.probability - o) ** 2, 3)}."
        out += section(
            "Resolution",
            f"Outcome **{str(res.outcome).lower()}** on {res.resolved_on}.{score}\n\n{res.note or ''}",
        )
    return out


def _runbook(e: Entry, kb: KnowledgeBase, charts: ChartSink) -> str:
    r = e.record
    assert isinstance(r, Runbook)
    due = shift(r.last_reviewed, r.review_every_days)
    stale = due < kb.as_of
    out = (badge("review overdue", "overdue") if stale else badge("reviewed", "current")) + "\n\n"
    out += (
        facts(
            [
                ["Operates", _refs(kb, "decision", [r.decision])],
                ["Owner", cell(r.owner)],
                ["Last reviewed", r.last_reviewed.isoformat()],
                [
                    "Next review",
                    f"{due}{' ' + badge('overdue', 'overdue') if stale else ''} "
                    f"(every {r.review_every_days} days)",
                ],
            ]
        )
        + "\n"
    )
    out += section(
        "Verify it works", "\n".join(f"{i}. {one_line(s)}" for i, s in enumerate(r.verify, 1))
    )
    out += section(
        "Failure modes",
        table(
            ["Symptom", "Likely cause", "Remediation"],
            [[cell(f.symptom), cell(f.cause), cell(f.remediation)] for f in r.failure_modes],
        ),
    )
    out += section(
        "Monitoring",
        table(["Signal", "Alert"], [[cell(m.signal), cell(m.alert)] for m in r.monitoring]),
    )
    out += section(
        "Rollback", "\n".join(f"{i}. {one_line(s)}" for i, s in enumerate(r.rollback, 1))
    )
    return out


def _postmortem(e: Entry, kb: KnowledgeBase, charts: ChartSink) -> str:
    r = e.record
    assert isinstance(r, Postmortem)
    out = (
        badge(r.outcome, "outcome")
        + " "
        + " ".join(badge(p, "flag") for p in r.patterns or ())
        + "\n\n"
    )
    out += (
        facts(
            [
                ["Owner", cell(r.owner)],
                ["Occurred on", r.occurred_on.isoformat()],
                ["Decision", _refs(kb, "decision", [r.decision] if r.decision else None)],
            ]
        )
        + "\n"
    )
    out += section(
        "Timeline",
        table(["On", "Event"], [[nw(t.on.isoformat()), cell(t.event)] for t in r.timeline]),
    )
    out += section(
        "What failed", table(["Category", "What"], [[f.category, cell(f.what)] for f in r.failures])
    )
    chain = "\n".join(f"{i}. **Why?** {one_line(w)}" for i, w in enumerate(r.whys, 1))
    out += section("Why, why, why", chain + f"\n\n**Root cause:** {one_line(r.root_cause)}")
    rows = [
        [
            cell(a.action),
            cell(a.owner),
            nw(a.due.isoformat()),
            "done" if a.done else (badge("overdue", "overdue") if a.due < kb.as_of else "open"),
        ]
        for a in r.actions
    ]
    out += section("Actions", table(["Action", "Owner", "Due", "State"], rows))
    return out


_RENDERERS: dict[str, Callable[[Entry, KnowledgeBase, ChartSink], str]] = {
    "paper": _paper,
    "decision": _decision,
    "benchmark": _benchmark,
    "prediction": _prediction,
    "runbook": _runbook,
    "postmortem": _postmortem,
}
