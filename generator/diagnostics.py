"""The one diagnostic type that flows through every stage, and its three output formats.

Every stage appends `Diagnostic`s and goes on; nothing stops at the first problem. The
formats (text, GitHub workflow commands, JSON) are public interfaces described in SPEC §5.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Literal

Severity = Literal["error", "warning"]

#: Where the guide explains each code (a heading per code, so `#e-trial-incomplete` works).
GUIDE_RULES_PAGE = "guide/rules.md"


class KnowledgeBaseNotFound(Exception):
    """Raised by `load.locate` when the root holds no content directory (a usage error).
    Defined here, in a module that imports no schema, so the command line reaches its
    command before the record models are loaded (`assay build` forks its statistics
    worker first: generator/statcache.py)."""


def guide_link(code: str) -> str:
    return f"{GUIDE_RULES_PAGE}#{code.lower()}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in one file: where it is, how bad it is, and what to do about it."""

    path: str
    line: int
    col: int
    severity: Severity
    code: str
    field: str
    message: str

    def __post_init__(self) -> None:
        # Keys, values and names in a message come from hostile records: a control
        # character printed raw would drive the reader's terminal (ESC sequences) or start a
        # forged line (a newline then `::error …` is a GitHub Actions workflow command).
        for name in ("path", "field", "message"):
            value = getattr(self, name)
            if not value.isprintable():
                object.__setattr__(self, name, printable(value))

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.col, self.code, self.field)

    def as_error(self) -> Diagnostic:
        """The same diagnostic promoted to an error (``--strict``)."""
        return Diagnostic(
            self.path, self.line, self.col, "error", self.code, self.field, self.message
        )


def printable(text: str) -> str:
    """`text` with every character that is not printable (controls, line and paragraph
    separators, format characters, bytes that were not UTF-8) written as a Python-style
    escape, so one diagnostic stays one line whatever a record holds."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch.isprintable():
            out.append(ch)
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8 (surrogateescape)
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return "".join(out)


def printable_lines(text: str) -> str:
    """Multi-line command output (a table, a report) with every line made printable: record
    text in it (technique, method, area names) cannot drive the terminal or forge lines."""
    if text.isprintable():
        return text
    return "\n".join(printable(line) for line in text.split("\n"))


def printable_json(text: str) -> str:
    """JSON text with every character that is not printable written as a `\\uXXXX` escape
    (the same value for a JSON reader; no terminal escape for a person reading it)."""

    def esc(ch: str) -> str:
        code = ord(ch)
        if code <= 0xFFFF:
            return f"\\u{code:04x}"
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"

    return "".join(ch if ch.isprintable() or ch == "\n" else esc(ch) for ch in text)


def error(path: str, line: int, col: int, code: str, field: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, col, "error", code, field, message)


def warning(path: str, line: int, col: int, code: str, field: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, col, "warning", code, field, message)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    return sorted(set(diags), key=Diagnostic.sort_key)


def summary_line(diags: Sequence[Diagnostic], records: int) -> str:
    errors = sum(1 for d in diags if d.severity == "error")
    warnings = len(diags) - errors
    return (
        f"{errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''} in {records} record"
        f"{'s' if records != 1 else ''}"
    )


def format_text(diags: Sequence[Diagnostic], records: int) -> str:
    """``path:line:col: severity[code] field: message`` lines, then the summary line."""
    lines = [
        f"{d.path}:{d.line}:{d.col}: {d.severity}[{d.code}] {d.field or '-'}: {d.message}"
        for d in diags
    ]
    if diags:
        lines.append(
            f"each code is explained in {GUIDE_RULES_PAGE}, e.g. {guide_link(diags[0].code)}"
        )
    lines.append(summary_line(diags, records))
    return "\n".join(lines) + "\n"


def _escape_data(value: str) -> str:
    # GitHub's workflow-command escaping (actions/toolkit, command.ts).
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(diags: Sequence[Diagnostic], records: int) -> str:
    """GitHub Actions workflow commands: each diagnostic becomes an annotation on the diff."""
    lines = []
    for d in diags:
        title = f"{d.code} {d.field}".strip()
        props = (
            f"file={_escape_property(d.path)},line={d.line},col={d.col},"
            f"title={_escape_property(title)}"
        )
        message = f"{d.message}\n\nWhy this rule: {guide_link(d.code)}"
        lines.append(f"::{d.severity} {props}::{_escape_data(message)}")
    lines.append(summary_line(diags, records))
    return "\n".join(lines) + "\n"


_FIELDS = tuple(f.name for f in fields(Diagnostic))


def _as_dict(d: Diagnostic) -> dict[str, object]:
    # dataclasses.asdict deep-copies field by field: ten times slower on 10,000 records.
    return {f: getattr(d, f) for f in _FIELDS}


def format_json(diags: Sequence[Diagnostic], records: int) -> str:
    """``{"records": int, "errors": [diag], "warnings": [diag]}`` as SPEC §5 defines it."""
    payload = {
        "records": records,
        "errors": [_as_dict(d) for d in diags if d.severity == "error"],
        "warnings": [_as_dict(d) for d in diags if d.severity == "warning"],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


FORMATTERS = {"text": format_text, "github": format_github, "json": format_json}
