"""Write a synthetic, valid Assay knowledge base of N records (for the performance benchmarks).

    python benchmarks/make_kb.py ROOT N [--seed S]

The records cover all six kinds in roughly the proportions of a real knowledge base (30 %
papers, 20 % decisions, 10 % benchmarks, 25 % predictions, 8 % runbooks, 7 % post-mortems),
with references that resolve, supersede chains within a technique, gates that satisfy the
stage rules, benchmarks of 5 runs × 2–3 methods × 1–2 metrics (some with ablations), and
Markdown bodies of a few hundred words that link to the records they mention. Output is
deterministic for a given (N, seed); `assay check --root ROOT` reports no errors (warnings
such as overdue actions are expected and realistic).

All dates lie between 2023 and mid-2026, so "not in the future" rules hold on any later day.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import typing
from datetime import date, timedelta
from pathlib import Path

from generator.schema import KINDS
from generator.schema.paper import RedFlagKind

SHARES = {
    "paper": 0.30,
    "decision": 0.20,
    "benchmark": 0.10,
    "prediction": 0.25,
    "runbook": 0.08,
    "postmortem": 0.07,
}
FOLDERS = {kind: folder for kind, (folder, _) in KINDS.items()}
START = date(2023, 1, 2)
LAST = date(2026, 6, 30)

WORDS = [
    "attention",
    "kernel",
    "latency",
    "throughput",
    "memory",
    "batch",
    "sequence",
    "encoder",
    "decoder",
    "quantization",
    "retrieval",
    "ranking",
    "recall",
    "precision",
    "baseline",
    "ablation",
    "variance",
    "seed",
    "shard",
    "cluster",
    "node",
    "gpu",
    "cpu",
    "cache",
    "index",
    "token",
    "embedding",
    "gradient",
    "optimizer",
    "schedule",
    "warmup",
    "checkpoint",
    "rollout",
    "canary",
    "regression",
    "drift",
    "calibration",
    "evaluation",
    "dataset",
    "split",
    "annotator",
    "judge",
    "pipeline",
    "serving",
    "replica",
    "queue",
    "budget",
    "cost",
    "tradeoff",
    "integration",
    "monitoring",
    "alert",
    "fallback",
    "upgrade",
    "dependency",
    "version",
    "release",
    "migration",
    "prototype",
    "trial",
    "decision",
    "production",
    "traffic",
    "request",
    "response",
    "query",
    "document",
    "passage",
    "reranker",
    "distillation",
    "pruning",
    "sparsity",
    "expert",
    "routing",
    "adapter",
    "fine-tuning",
    "pretraining",
    "inference",
    "training",
    "compiler",
    "graph",
    "operator",
    "fusion",
    "precision",
    "bfloat16",
    "int8",
    "int4",
    "throughput",
    "p99",
    "tail",
]
TAGS = [
    "attention",
    "training",
    "inference",
    "kernels",
    "quantization",
    "retrieval",
    "reranking",
    "search",
    "llm",
    "serving",
    "data",
    "evaluation",
    "process",
    "scaling",
    "efficiency",
    "distillation",
    "compilers",
]
PEOPLE = ("marco", "priya", "lena", "sam", "ana", "tomas", "yuki", "omar", "ines", "kofi")
AREAS = ("inference", "training", "retrieval", "data", "serving", "evaluation")
VENUES = ("NeurIPS", "ICML", "ICLR", "ACL", "EMNLP", "MLSys", "SIGIR", "arXiv")
FLAGS = typing.get_args(RedFlagKind)  # the schema's own list
PATTERNS = (
    "benchmark-production-gap",
    "scale-surprise",
    "integration-underestimation",
    "sunk-cost-continuation",
    "missing-expertise",
)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.r.choice(WORDS) for _ in range(self.r.randint(lo, hi)))

    def sentence(self, lo: int = 8, hi: int = 18) -> str:
        s = self.words(lo, hi)
        return s[0].upper() + s[1:] + "."

    def title(self, i: int) -> str:
        return f"{self.words(4, 9).capitalize()} ({i})"

    def date(self, lo: date = START, hi: date = LAST) -> date:
        return lo + timedelta(days=self.r.randint(0, max(0, (hi - lo).days)))

    def tags(self) -> str:
        return "[" + ", ".join(sorted(set(self.r.sample(TAGS, self.r.randint(1, 4))))) + "]"

    def person(self) -> str:
        return self.r.choice(PEOPLE)

    def body(self, links: list[tuple[str, str]], words: int) -> str:
        """Paragraphs, a bold lead-in, a list, links to `links` ((kind, id) pairs)."""
        paras: list[str] = []
        total = 0
        heads = ("Context.", "What we measured.", "Limitations.", "If I were to implement.")
        h = 0
        while total < words:
            sents = [self.sentence() for _ in range(self.r.randint(3, 6))]
            if links and self.r.random() < 0.5:
                kind, rid = self.r.choice(links)
                sents.insert(1, f"See [{rid}](../{FOLDERS[kind]}/{rid}.md) for the details.")
            text = " ".join(sents)
            if h < len(heads):
                text = f"**{heads[h]}** {text}"
                h += 1
            paras.append(text)
            total += text.count(" ") + 1
            if self.r.random() < 0.25:
                items = [f"- {self.sentence(4, 10)}" for _ in range(self.r.randint(2, 4))]
                paras.append("\n".join(items))
                total += sum(i.count(" ") for i in items)
        return "\n\n".join(paras) + "\n"


def _counts(n: int) -> dict[str, int]:
    counts = {k: int(n * s) for k, s in SHARES.items()}
    order = ["paper", "prediction", "decision", "benchmark", "runbook", "postmortem"]
    i = 0
    while sum(counts.values()) < n:
        counts[order[i % len(order)]] += 1
        i += 1
    if counts["decision"] == 0:  # runbooks need a decision to operate
        counts["decision"], counts["runbook"] = counts["runbook"], 0
    return counts


def make_kb(root: Path, n: int, seed: int = 0) -> dict[str, int]:
    """Write N valid records (and content/index.md) under `root`; returns counts per kind.

    An existing `root/content` is replaced.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    g = Gen(seed)
    counts = _counts(n)
    ids = {k: [f"{k[:4]}-{i:05d}" for i in range(c)] for k, c in counts.items()}
    content = root / "content"
    if content.exists():
        shutil.rmtree(content)
    for folder in FOLDERS.values():
        (content / folder).mkdir(parents=True, exist_ok=True)
    (content / "index.md").write_text(
        f"# Synthetic knowledge base\n\n{n} generated records (seed {seed}) for benchmarks.\n",
        encoding="utf-8",
    )
    files: dict[tuple[str, str], str] = {}

    papers, decisions = ids["paper"], ids["decision"]
    benchmarks, runbooks = ids["benchmark"], ids["runbook"]

    # -- decisions: techniques with supersede chains of 1–3 decisions -----------------
    # Each decision's plan: (technique, status, stage, supersedes)
    plan: list[tuple[str, str, str, str | None]] = []
    t = 0
    adopt_for_runbook: list[str] = []
    while len(plan) < len(decisions):
        technique = f"Technique {t} {g.words(1, 2)}"
        t += 1
        length = min(g.r.choice((1, 1, 2, 2, 3)), len(decisions) - len(plan))
        endings = ["ADOPT", "HOLD", "SKIP", "TRIAL", "ASSESS"]
        last = g.r.choice(endings)
        chain = (["ASSESS", "TRIAL", last] if length == 3 else ["ASSESS", last])[-length:]
        if length == 1:
            chain = [last]
        prev: str | None = None
        for status in chain:
            did = decisions[len(plan)]
            if status == "ADOPT" and len(adopt_for_runbook) >= len(runbooks):
                status = "TRIAL"  # every ADOPT needs a runbook of its own
            if status == "ADOPT":
                adopt_for_runbook.append(did)
            stage = {
                "ADOPT": "production",
                "TRIAL": g.r.choice(("discovery", "validation")),
                "ASSESS": "discovery",
                "HOLD": g.r.choice(("discovery", "validation")),
                "SKIP": "closed",
            }[status]
            plan.append((technique, status, stage, prev))
            prev = did
    runbook_decision = {
        rb: (adopt_for_runbook[i] if i < len(adopt_for_runbook) else g.r.choice(decisions))
        for i, rb in enumerate(runbooks)
    }
    decision_runbook = {d: rb for rb, d in runbook_decision.items() if d in adopt_for_runbook}

    for i, did in enumerate(decisions):
        technique, status, stage, prev = plan[i]
        decided = g.date(date(2023, 6, 1), date(2026, 1, 31))
        lines = [
            f"title: {q('Decide on ' + g.title(i))}",
            f"tags: {g.tags()}",
            f"technique: {q(technique)}",
            f"area: {g.r.choice(AREAS)}",
            f"status: {status}",
            f"stage: {stage}",
            f"owner: {g.person()}",
            f"decided_on: {decided}",
            "rationale: >-",
            f"  {g.sentence(20, 40)}",
            f"  {g.sentence(10, 30)}",
        ]
        refs: list[tuple[str, str]] = []
        if papers:
            ps = sorted(set(g.r.sample(papers, min(len(papers), g.r.randint(1, 3)))))
            lines.append(f"papers: [{', '.join(ps)}]")
            refs += [("paper", p) for p in ps]
        if status == "ADOPT" or (benchmarks and g.r.random() < 0.3):
            bs = sorted(set(g.r.sample(benchmarks, min(len(benchmarks), g.r.randint(1, 2)))))
            if bs:
                lines.append(f"benchmarks: [{', '.join(bs)}]")
                refs += [("benchmark", b) for b in bs]
        if did in decision_runbook:
            lines.append(f"runbook: {decision_runbook[did]}")
            refs.append(("runbook", decision_runbook[did]))
        if prev:
            lines.append(f"supersedes: [{prev}]")
            refs.append(("decision", prev))
        crit = [
            "  - metric: step-latency-reduction",
            '    op: ">="',
            f"    value: {g.r.randint(5, 40)}",
            '    unit: "%"',
            "  - metric: accuracy-delta",
            '    op: ">="',
            f"    value: -{g.r.randint(1, 9) / 10}",
            "    unit: points",
        ]
        if status in ("TRIAL", "ADOPT"):
            lines.append(f"hypothesis: {q(g.sentence(12, 24))}")
            lines += ["success_criteria:", *crit]
        if status == "TRIAL":
            start = decided
            lines += [
                "kill_criteria:",
                "  - metric: step-latency-reduction",
                '    op: "<"',
                "    value: 5",
                '    unit: "%"',
                f"  - condition: {q(g.sentence(8, 14))}",
                "time_box:",
                f"  start: {start}",
                f"  end: {start + timedelta(days=g.r.randint(14, 70))}",
            ]
        if status in ("TRIAL", "ASSESS", "HOLD", "ADOPT"):
            lines += [
                "next_action:",
                f"  action: {q(g.sentence(6, 12))}",
                f"  owner: {g.person()}",
                f"  due: {decided + timedelta(days=g.r.randint(20, 400))}",
            ]
        if status in ("ASSESS", "HOLD"):
            lines.append(f"revisit_on: {decided + timedelta(days=g.r.randint(60, 500))}")
        if status in ("ADOPT", "SKIP") or g.r.random() < 0.3:
            lines.append("alternatives:")
            for _ in range(g.r.randint(1, 3)):
                lines += [
                    f"  - name: {q(g.words(2, 5))}",
                    f"    why_not: {q(g.sentence(10, 20))}",
                ]
        if status == "SKIP":
            lines += [
                "skip:",
                f"  reason: {g.r.choice(('superseded', 'complexity', 'evidence-against'))}",
                f"  detail: {q('Measured 12 % higher latency than the current baseline; ' + g.sentence(8, 16))}",
            ]
        gates: list[tuple[str, str]] = []
        if stage in ("validation", "integration", "production") or g.r.random() < 0.3:
            gates.append(("discovery", "YES"))
        if status == "ADOPT" or stage in ("integration", "production"):
            if g.r.random() < 0.4:
                gates.append(("validation", "NOT-YET"))
            gates.append(("validation", "YES"))
        if stage == "production":
            gates.append(("integration", "YES"))
        if gates:
            lines.append("gates:")
            on = decided - timedelta(days=10 * len(gates))
            for gate, answer in gates:
                lines += [f"  - gate: {gate}", f"    on: {on}", f'    answer: "{answer}"']
                lines.append(f"    by: {g.person()}")
                if answer == "NOT-YET":
                    lines.append(f"    conditions: {q(g.sentence(8, 16))}")
                on += timedelta(days=10)
        if g.r.random() < 0.4:
            lines += [
                "cost_benefit:",
                f"  implementation_weeks: {g.r.randint(1, 12)}",
                f"  engineer_week_cost: {g.r.randint(30, 60) * 100}",
                f"  one_time_cost: {g.r.randint(0, 20) * 500}",
                f"  monthly_cost: {g.r.randint(1, 30) * 100}",
                f"  monthly_benefit: {g.r.randint(0, 120) * 100}",
                "  currency: USD",
            ]
        files[("decision", did)] = _record(lines, g.body(refs, g.r.randint(200, 400)))

    # -- papers -------------------------------------------------------------------------
    for i, pid in enumerate(papers):
        p = g.r.choice((1, 2, 2, 3, 3, 3))
        lines = [
            f"title: {q(g.title(i))}",
            f"tags: {g.tags()}",
            "authors: ["
            + ", ".join(
                q(f"{g.person().title()} {g.words(1, 1).title()}") for _ in range(g.r.randint(1, 5))
            )
            + "]",
            f"year: {g.r.randint(2015, 2025)}",
            f"venue: {g.r.choice(VENUES)} {g.r.randint(2016, 2025)}",
            f"url: https://arxiv.org/abs/{g.r.randint(1800, 2499)}.{g.r.randint(10000, 99999)}",
            "code: " + (f"https://github.com/lab/{pid}" if g.r.random() < 0.6 else "null"),
            f"read_on: {g.date()}",
            f"pass: {p}",
            f"relevance: {g.r.randint(1, 5)}",
            f"summary: {q(g.sentence(10, 30))}",
            f"verdict: {g.r.choice(('likely-viable', 'needs-validation', 'probably-not'))}",
        ]
        if p >= 2:
            lines += ["key_insight: >-", f"  {g.sentence(15, 30)}", "claims:"]
            for _ in range(g.r.randint(1, 4)):
                lines += [
                    f"  - metric: {q(g.words(2, 5))}",
                    f"    baseline: {q(g.words(2, 4))}",
                    f"    claimed: {g.r.randint(10, 990) / 10}",
                    '    unit: "%"',
                    f"    source: Table {g.r.randint(1, 9)}",
                ]
                if g.r.random() < 0.4:
                    lines.append(f"    reproduced: {g.r.randint(10, 990) / 10}")
        if p == 3:
            flags = g.r.sample(FLAGS, g.r.randint(0, 3))
            if flags:
                lines.append("red_flags:")
                for f in flags:
                    lines += [
                        f"  - flag: {f}",
                        f"    evidence: {q(f'Section {g.r.randint(2, 7)}: ' + g.sentence(6, 14))}",
                    ]
            else:
                lines.append("red_flags: []")
            lines.append("viability:")
            for axis in ("efficiency", "integration", "robustness", "maintainability"):
                lines += [
                    f"  {axis}:",
                    f"    score: {g.r.randint(1, 5)}",
                    f"    note: {q(g.sentence(8, 20))}",
                ]
        files[("paper", pid)] = _record(lines, g.body([], g.r.randint(200, 400)))

    # -- benchmarks: 5 runs × 2–3 methods × 1–2 metrics, some ablations ---------------
    for i, bid in enumerate(benchmarks):
        paired = g.r.random() < 0.5
        metrics = [("latency-ms", "ms", "lower"), ("accuracy", "%", "higher")]
        metrics = metrics[: g.r.randint(1, 2)]
        lines = [
            f"title: {q('Benchmark ' + g.title(i))}",
            f"tags: {g.tags()}",
            f"owner: {g.person()}",
            f"run_on: {g.date()}",
            f"hardware: {q(g.r.choice(('1x A100-80GB', '8x H100', '2x L4', '64-core CPU node')))}",
            f"paired: {'true' if paired else 'false'}",
            "alpha: 0.05",
        ]
        refs = []
        if decisions:
            d = g.r.choice(decisions)
            lines.append(f"decision: {d}")
            refs.append(("decision", d))
        lines += ["protocol: >-", f"  {g.sentence(20, 40)}", "metrics:"]
        for name, unit, better in metrics:
            lines += [
                f"  - name: {name}",
                f'    unit: "{unit}"',
                f"    better: {better}",
                f"    min_effect: {g.r.choice((0.02, 0.05, 0.1))}",
            ]
        n_methods = g.r.randint(2, 3)
        means = {name: g.r.uniform(20, 400) for name, _, _ in metrics}

        def runs(
            shift: float,
            indent: str,
            metrics: list[tuple[str, str, str]] = metrics,
            means: dict[str, float] = means,
        ) -> list[str]:
            out = [f"{indent}runs:"]
            for name, _, _ in metrics:
                mu = means[name] * (1 + shift)
                vals = [round(g.r.gauss(mu, mu * 0.03), 2) for _ in range(5)]
                out.append(f"{indent}  {name}: [{', '.join(str(v) for v in vals)}]")
            return out

        lines.append("methods:")
        names = [f"method-{j}" for j in range(n_methods)]
        for j, name in enumerate(names):
            lines.append(f"  - name: {name}")
            if j == 0:
                lines.append("    baseline: true")
            lines += runs(g.r.uniform(-0.3, 0.3) if j else 0.0, "    ")
        if g.r.random() < 0.3:
            lines += ["ablations:", f"  of: {names[-1]}", "  variants:"]
            for k in range(g.r.randint(1, 3)):
                lines += [
                    f"    - name: without-part-{k}",
                    f"      removes: [part-{k}]",
                    *runs(g.r.uniform(-0.2, 0.2), "      "),
                ]
        files[("benchmark", bid)] = _record(lines, g.body(refs, g.r.randint(150, 300)))

    # -- predictions --------------------------------------------------------------------
    plan_of = dict(zip(decisions, plan, strict=True))
    for prid in ids["prediction"]:
        made = g.date(START, date(2026, 3, 1))
        resolve = made + timedelta(days=g.r.randint(30, 400))
        lines = [
            f"title: {q(g.sentence(8, 16))}",
            f"tags: {g.tags()}",
            f"owner: {g.person()}",
            f"made_on: {made}",
            f"probability: {g.r.randint(1, 99) / 100}",
            f"resolve_on: {resolve}",
            f"criteria: {q('Resolves true if ' + g.sentence(10, 20))}",
            f"reasoning: {q(g.sentence(15, 30))}",
        ]
        refs = []
        if papers and g.r.random() < 0.6:
            ps = sorted(set(g.r.sample(papers, min(len(papers), g.r.randint(1, 2)))))
            lines.append(f"papers: [{', '.join(ps)}]")
            refs += [("paper", p) for p in ps]
        if decisions and g.r.random() < 0.6:
            d = g.r.choice(decisions)
            lines += [f"technique: {q(plan_of[d][0])}", f"decisions: [{d}]"]
            refs.append(("decision", d))
        if resolve < LAST and g.r.random() < 0.8:
            outcome = g.r.choice(('"true"', '"false"', '"true"', "ambiguous"))
            lines += [
                "resolution:",
                f"  outcome: {outcome}",
                f"  resolved_on: {resolve}",
                f"  note: {q(g.sentence(6, 12))}",
            ]
        files[("prediction", prid)] = _record(lines, g.body(refs, g.r.randint(100, 250)))

    # -- runbooks -----------------------------------------------------------------------
    for i, rbid in enumerate(runbooks):
        d = runbook_decision[rbid]
        lines = [
            f"title: {q('Operate ' + g.title(i))}",
            f"tags: {g.tags()}",
            f"owner: {g.person()}",
            f"decision: {d}",
            f"last_reviewed: {g.date(date(2025, 6, 1))}",
            f"review_every_days: {g.r.choice((90, 180, 365))}",
            "verify:",
            *[f"  - {q(g.sentence(8, 20))}" for _ in range(g.r.randint(2, 4))],
            "failure_modes:",
        ]
        for _ in range(g.r.randint(1, 3)):
            lines += [
                f"  - symptom: {q(g.sentence(6, 12))}",
                f"    cause: {q(g.sentence(6, 12))}",
                f"    remediation: {q(g.sentence(8, 16))}",
            ]
        lines.append("monitoring:")
        for _ in range(g.r.randint(1, 3)):
            lines += [f"  - signal: {q(g.sentence(5, 10))}", f"    alert: {q(g.sentence(6, 12))}"]
        lines += ["rollback:", *[f"  - {q(g.sentence(6, 14))}" for _ in range(g.r.randint(1, 3))]]
        files[("runbook", rbid)] = _record(lines, g.body([("decision", d)], g.r.randint(150, 300)))

    # -- post-mortems -------------------------------------------------------------------
    for i, pmid in enumerate(ids["postmortem"]):
        occurred = g.date(date(2023, 6, 1), date(2026, 3, 1))
        lines = [
            f"title: {q('Post-mortem: ' + g.title(i))}",
            f"tags: {g.tags()}",
            f"owner: {g.person()}",
            f"occurred_on: {occurred}",
        ]
        refs = []
        if decisions:
            d = g.r.choice(decisions)
            lines.append(f"decision: {d}")
            refs.append(("decision", d))
        lines += [
            f"outcome: {g.r.choice(('killed', 'rolled-back', 'over-budget', 'failed-in-production', 'other'))}",
            "timeline:",
        ]
        on = occurred - timedelta(days=120)
        for _ in range(g.r.randint(2, 6)):
            on += timedelta(days=g.r.randint(1, 20))
            lines += [f"  - on: {on}", f"    event: {q(g.sentence(6, 14))}"]
        lines.append("failures:")
        for _ in range(g.r.randint(1, 3)):
            cat = g.r.choice(("paper-evaluation", "prototype", "integration", "process"))
            lines += [f"  - category: {cat}", f"    what: {q(g.sentence(8, 16))}"]
        lines += [
            "whys:",
            *[f"  - {q('Why? ' + g.sentence(8, 16))}" for _ in range(g.r.randint(3, 5))],
        ]
        lines += ["root_cause: >-", f"  {g.sentence(15, 30)}"]
        lines.append(
            f"patterns: [{', '.join(sorted(set(g.r.sample(PATTERNS, g.r.randint(1, 2)))))}]"
        )
        lines.append("actions:")
        for _ in range(g.r.randint(1, 3)):
            lines += [
                f"  - action: {q(g.sentence(6, 12))}",
                f"    owner: {g.person()}",
                f"    due: {occurred + timedelta(days=g.r.randint(10, 60))}",
                f"    done: {'true' if g.r.random() < 0.8 else 'false'}",
            ]
        files[("postmortem", pmid)] = _record(lines, g.body(refs, g.r.randint(200, 400)))

    for (kind, rid), text in files.items():
        (content / FOLDERS[kind] / f"{rid}.md").write_text(text, encoding="utf-8")
    return counts


def _record(lines: list[str], body: str) -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    counts = make_kb(args.root, args.n, args.seed)
    print(f"wrote {sum(counts.values())} records under {args.root / 'content'}: {counts}")


if __name__ == "__main__":
    main()
