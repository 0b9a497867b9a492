"""Bytes of one record → front matter values with the position of every key and value.

SPEC §2. The YAML is read as an event stream (PyYAML's C parser when available) and built
into plain values here, rather than by a YAML constructor, for three reasons:

* values get their type from the schema, not from YAML 1.1 implicit typing: every scalar
  stays the exact text written (``NO``, ``1.10``, ``0012``), except plain ``null``/``~``/empty,
  which is the only way to write "nothing"; pydantic then converts text where the schema asks
  for a number, a bool or a date;
* anchors, aliases and duplicate keys are seen (a constructor silently merges them);
* every key and value keeps its line and column, so diagnostics point into the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .diagnostics import Diagnostic, error

try:  # libyaml is several times faster; the pure-Python parser gives the same events.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 1024 * 1024

Path_ = tuple[str | int, ...]
Pos = tuple[int, int]

_NULLS = {"", "~", "null", "Null", "NULL"}
# Explicit tags of the YAML core schema change nothing here (values are typed by the schema);
# any other tag (e.g. !!python/object) is refused rather than ignored.
_CORE_TAGS = {
    f"tag:yaml.org,2002:{t}"
    for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}
_DELIMITER = re.compile(r"---[ \t]*")


@dataclass
class Parsed:
    """One file after parsing: its values (None when unusable), positions and the body."""

    data: dict[str, Any] | None
    body: str = ""
    body_line: int = 1
    key_pos: dict[Path_, Pos] = field(default_factory=dict)
    value_pos: dict[Path_, Pos] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def pos(self, path: Path_, *, key: bool = False) -> Pos:
        """Line/col of a field: its value (or key), else its nearest existing ancestor."""
        table = self.key_pos if key else self.value_pos
        p = tuple(path)
        while p:
            if p in table:
                return table[p]
            if not key and p in self.key_pos:
                return self.key_pos[p]
            p = p[:-1]
        return self.value_pos.get((), (1, 1))


class _YamlRefused(Exception):
    def __init__(self, code: str, line: int, col: int, field: str, message: str) -> None:
        super().__init__(message)
        self.code, self.line, self.col, self.field, self.message = code, line, col, field, message


def dotted(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def _line_col_of_offset(raw: bytes, offset: int) -> Pos:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def split_front_matter(text: str) -> tuple[str, str, int] | str:
    """Return (yaml_text, body, body_first_line) or an error message.

    The YAML text keeps its position: it starts on file line 2.
    """
    lines = text.split("\n")
    if not lines or not _DELIMITER.fullmatch(lines[0]):
        return (
            "the file must start with a front matter block: a line '---', the YAML fields, "
            "and a closing line '---'"
        )
    for i in range(1, len(lines)):
        if _DELIMITER.fullmatch(lines[i]):
            return "\n".join(lines[1:i]) + "\n", "\n".join(lines[i + 1 :]), i + 2
    return (
        "the front matter block opened on line 1 is never closed: add a line '---' after the YAML"
    )


class _Builder:
    """Builds plain values from YAML events, recording positions (1-based, file lines)."""

    def __init__(self, events: Any, line_offset: int) -> None:
        self.events = events
        self.off = line_offset
        self.key_pos: dict[Path_, Pos] = {}
        self.value_pos: dict[Path_, Pos] = {}

    def _pos(self, mark: Any) -> Pos:
        return mark.line + 1 + self.off, mark.column + 1

    def _check(self, ev: Any, path: Path_) -> None:
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
            line, col = self._pos(ev.start_mark)
            raise _YamlRefused(
                "E-YAML-ALIAS",
                line,
                col,
                dotted(path),
                "YAML anchors and aliases (&name, *name) are not allowed in records: "
                "write the value out in full",
            )
        tag = getattr(ev, "tag", None)
        if tag and tag not in _CORE_TAGS and tag != "!":
            line, col = self._pos(ev.start_mark)
            raise _YamlRefused(
                "E-YAML",
                line,
                col,
                dotted(path),
                f"the YAML tag {tag!r} is not allowed in records: remove it",
            )

    def node(self, ev: Any, path: Path_) -> Any:
        self._check(ev, path)
        self.value_pos[path] = self._pos(ev.start_mark)
        if isinstance(ev, yaml.ScalarEvent):
            if not ev.style and ev.implicit[0] and ev.value in _NULLS:
                return None
            return ev.value
        if isinstance(ev, yaml.SequenceStartEvent):
            items: list[Any] = []
            while True:
                nxt = next(self.events)
                if isinstance(nxt, yaml.SequenceEndEvent):
                    return items
                items.append(self.node(nxt, (*path, len(items))))
        if isinstance(ev, yaml.MappingStartEvent):
            mapping: dict[str, Any] = {}
            while True:
                kev = next(self.events)
                if isinstance(kev, yaml.MappingEndEvent):
                    return mapping
                self._check(kev, path)
                if not isinstance(kev, yaml.ScalarEvent):
                    line, col = self._pos(kev.start_mark)
                    raise _YamlRefused(
                        "E-YAML",
                        line,
                        col,
                        dotted(path),
                        "keys must be plain words, not lists or mappings",
                    )
                key = kev.value
                kpos = self._pos(kev.start_mark)
                if key in mapping:
                    first = self.key_pos[(*path, key)]
                    raise _YamlRefused(
                        "E-DUPLICATE-KEY",
                        kpos[0],
                        kpos[1],
                        dotted((*path, key)),
                        f"the key {key!r} appears twice (first on line {first[0]}): "
                        "keep one and delete the other",
                    )
                self.key_pos[(*path, key)] = kpos
                mapping[key] = self.node(next(self.events), (*path, key))
        raise _YamlRefused(
            "E-YAML", 1, 1, dotted(path), f"unexpected YAML event {type(ev).__name__}"
        )


def parse_yaml(yaml_text: str, line_offset: int) -> tuple[Any, dict[Path_, Pos], dict[Path_, Pos]]:
    """Parse one YAML document into plain values. Raises yaml.YAMLError or _YamlRefused."""
    events = iter(yaml.parse(yaml_text, Loader=_Loader))
    builder = _Builder(events, line_offset)
    value: Any = None
    documents = 0
    for ev in events:
        if isinstance(ev, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                line, col = builder._pos(ev.start_mark)
                raise _YamlRefused(
                    "E-FRONTMATTER",
                    line,
                    col,
                    "",
                    "the front matter holds more than one YAML document",
                )
            builder.value_pos[()] = builder._pos(ev.end_mark)
            value = builder.node(next(events), ())
    return value, builder.key_pos, builder.value_pos


def parse_record(raw: bytes, path: str) -> Parsed:
    """Split and parse one record file. Never raises: problems become diagnostics."""
    if len(raw) > MAX_BYTES:
        return Parsed(
            None,
            diagnostics=[
                error(
                    path,
                    1,
                    1,
                    "E-TOO-LARGE",
                    "",
                    f"the record is {len(raw):,} bytes; records are limited to 1 MiB "
                    f"({MAX_BYTES:,} bytes): move bulky data out of the record",
                )
            ],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col_of_offset(raw, exc.start)
        return Parsed(
            None,
            diagnostics=[
                error(
                    path,
                    line,
                    col,
                    "E-ENCODING",
                    "",
                    f"invalid UTF-8 (byte 0x{raw[exc.start]:02x}): save the file as UTF-8",
                )
            ],
        )
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    split = split_front_matter(text)
    if isinstance(split, str):
        return Parsed(None, diagnostics=[error(path, 1, 1, "E-FRONTMATTER", "", split)])
    yaml_text, body, body_line = split
    try:
        value, key_pos, value_pos = parse_yaml(yaml_text, line_offset=1)
    except _YamlRefused as exc:
        return Parsed(
            None,
            body,
            body_line,
            diagnostics=[error(path, exc.line, exc.col, exc.code, exc.field, exc.message)],
        )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line, col = (mark.line + 2, mark.column + 1) if mark is not None else (2, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        detail = f"{context}: {problem}" if context else problem
        return Parsed(
            None,
            body,
            body_line,
            diagnostics=[
                error(
                    path,
                    line,
                    col,
                    "E-YAML",
                    "",
                    f"invalid YAML ({detail}); check indentation and quote values that "
                    "contain ': ' or start with a special character",
                )
            ],
        )
    value_pos.setdefault((), (2, 1))
    if value is None:
        value = {}
    if not isinstance(value, dict):
        line, col = value_pos.get((), (2, 1))
        return Parsed(
            None,
            body,
            body_line,
            diagnostics=[
                error(
                    path,
                    line,
                    col,
                    "E-FRONTMATTER",
                    "",
                    "the front matter must be a mapping of 'key: value' lines",
                )
            ],
        )
    return Parsed(value, body, body_line, key_pos, value_pos)
