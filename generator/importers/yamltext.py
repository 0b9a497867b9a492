"""YAML as text: safe scalars, run lists, and the spans of an existing front matter's nodes.

Existing records are edited by replacing or inserting text at positions found here, never
by re-dumping the front matter, so comments, key order and quoting outside the edited runs
stay byte-identical.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/()]*(?: [A-Za-z0-9_.\-/()]+)*")
_YAML_WORDS = {
    "y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf",
}  # fmt: skip
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def scalar(text: str) -> str:
    """`text` as a YAML scalar that every YAML reader reads back as exactly `text`.

    Plain when it is an ordinary word or phrase; otherwise double-quoted with every
    character a YAML or Markdown reader could take for syntax or a line break escaped.
    """
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif code < 0x20 or 0x7F <= code <= 0x9F:
            out.append(f"\\x{code:02x}")
        elif ch in "\u2028\u2029\ufeff" or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def number(value: float) -> str:
    """Shortest text that reads back as the same double; integral values without '.0'."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def flow_list(values: list[float], first_col: int, indent: int, width: int = 100) -> str:
    """`[a, b, …]` wrapped to `width`; continuation lines start at column `indent`."""
    lines: list[str] = []
    current = "["
    col = first_col
    for i, v in enumerate(values):
        piece = number(v) + ("," if i < len(values) - 1 else "]")
        if current not in ("[", "") and col + len(current) + 1 + len(piece) > width:
            lines.append(current.rstrip())
            current, col = "", indent
        current += ("" if current in ("[", "") else " ") + piece
    if not values:
        current = "[]"
    lines.append(current)
    return ("\n" + " " * indent).join(lines)


@dataclass
class Node:
    """A YAML node with its span in the text: [start, end) holds its content."""

    kind: str  # "map", "seq" or "scalar"
    start: int
    end: int
    col: int
    flow: bool = False
    value: str = ""
    close: int = -1  # flow collections: index of the closing bracket
    pairs: list[tuple[Node, Node]] = field(default_factory=list)
    entries: list[Node] = field(default_factory=list)

    def get(self, key: str) -> tuple[Node, Node] | None:
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                return k, v
        return None


class Unsupported(Exception):
    """The front matter uses YAML this editor does not change safely (aliases, tags)."""


def nodes(text: str) -> Node:
    """The node tree of one YAML document (the front matter), with character spans."""
    events = iter(yaml.parse(text, Loader=yaml.SafeLoader))
    root: Node | None = None
    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            root = _node(next(events), events)
            break
    if root is None:
        raise Unsupported("the front matter is empty")
    return root


def _index(mark: Any) -> int:
    assert mark is not None  # the pure-Python parser marks every event
    return int(mark.index)


def _node(event: yaml.Event, events: Iterator[yaml.Event]) -> Node:
    if isinstance(event, yaml.AliasEvent):
        raise Unsupported("the front matter uses YAML aliases")
    start = _index(event.start_mark)
    col = int(event.start_mark.column) if event.start_mark is not None else 0
    if isinstance(event, yaml.ScalarEvent):
        return Node("scalar", start, _index(event.end_mark), col, value=event.value)
    if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
        is_map = isinstance(event, yaml.MappingStartEvent)
        node = Node("map" if is_map else "seq", start, start, col, flow=bool(event.flow_style))
        for child in events:
            if isinstance(child, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                node.close = _index(child.start_mark)
                node.end = _index(child.end_mark) if node.flow else _last_end(node, start)
                return node
            if is_map:
                key = _node(child, events)
                node.pairs.append((key, _node(next(events), events)))
            else:
                node.entries.append(_node(child, events))
    raise Unsupported(f"unexpected YAML event {type(event).__name__}")


def _last_end(node: Node, default: int) -> int:
    # A block collection's end mark lies at the next token (after newlines and indentation):
    # its content ends where its last child's content ends.
    if node.pairs:
        return node.pairs[-1][1].end
    if node.entries:
        return node.entries[-1].end
    return default
