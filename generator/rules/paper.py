"""Paper rules: fields that the reading pass makes required, dates, vague red flags."""

from __future__ import annotations

import re

from ..diagnostics import Diagnostic
from ..model import Entry
from ..schema import Paper
from .base import Context, err, warn

#: Evidence should point somewhere a reader can check: a section, table, figure, page, …
_LOCATOR = re.compile(
    r"(§\s*\d|\b(sections?|secs?|tables?|tabs?|figures?|figs?|pages?|pp?|appendix|appendices|"
    r"app|eqs?|equations?|algorithms?|alg|lines?|listings?)\b\.?\s*[A-Z0-9IVX])",
    re.IGNORECASE,
)


def check(e: Entry, ctx: Context) -> list[Diagnostic]:
    r = e.checked
    assert isinstance(r, Paper)
    out: list[Diagnostic] = []
    p = r.pass_ if e.has("pass_") else 0
    if p >= 2:
        if r.key_insight is None:
            out.append(
                err(
                    e,
                    ("key_insight",),
                    "E-PAPER-INCOMPLETE",
                    f"a pass-{p} note needs key_insight: the one idea that makes the "
                    "paper work, in a sentence or two",
                    at=("pass",),
                )
            )
        if not r.claims:
            out.append(
                err(
                    e,
                    ("claims",),
                    "E-PAPER-INCOMPLETE",
                    f"a pass-{p} note needs at least one claim (metric, baseline, claimed, "
                    "source) so it can be checked against a reproduction",
                    at=("pass",),
                )
            )
    if p == 3:
        if "red_flags" not in r.model_fields_set:
            out.append(
                err(
                    e,
                    ("red_flags",),
                    "E-PAPER-INCOMPLETE",
                    "a pass-3 note must state its red flags: list them, or write "
                    "'red_flags: []' to record that none were found",
                    at=("pass",),
                )
            )
        if r.viability is None:
            out.append(
                err(
                    e,
                    ("viability",),
                    "E-PAPER-INCOMPLETE",
                    "a pass-3 note needs viability: efficiency, integration, robustness "
                    "and maintainability, each {score: 1–5, note}",
                    at=("pass",),
                )
            )
    max_year = ctx.as_of.year + 1
    if e.has("year") and r.year > max_year:
        out.append(err(e, ("year",), "E-SCHEMA", f"must be at most {max_year}, got {r.year}"))
    if e.has("read_on") and r.read_on > ctx.as_of:
        out.append(
            err(
                e,
                ("read_on",),
                "E-DATE-FUTURE",
                f"read_on {r.read_on} is after today ({ctx.as_of}): use the date you read it",
            )
        )
    for i, flag in enumerate(r.red_flags or ()):
        if not _LOCATOR.search(flag.evidence):
            out.append(
                warn(
                    e,
                    ("red_flags", i, "evidence"),
                    "W-RED-FLAG-VAGUE",
                    "the evidence cites no section, table, figure, page or appendix: say "
                    "where in the paper a reader can check it (e.g. 'Table 3 compares "
                    "against …')",
                )
            )
    return out
