"""Bytes of one record → front matter values with the position of every key and value.

SPEC §2. The YAML is composed into a node tree by libyaml (``yaml.compose`` with the C
loader; each node keeps its line and column) and turned into plain values here, rather than
by a YAML constructor, for three reasons:

* values get their type from the schema, not from YAML 1.1 implicit typing: every scalar
  stays the exact text written (``NO``, ``1.10``, ``0012``), except plain ``null``/``~``/empty,
  which is the only way to write "nothing"; pydantic then converts text where the schema asks
  for a number, a bool or a date;
* anchors, aliases and duplicate keys are seen (a constructor silently merges them);
* every key and value keeps its line and column, so diagnostics point into the file.

Nesting depth is bounded (`MAX_DEPTH`) before anything recursive runs: the C composer
recurses once per level, so a text that could nest deeper than `_COMPOSE_SAFE` levels is
first measured on libyaml's event stream, which is iterative (see `_scan_events`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from sys import intern
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .diagnostics import Diagnostic, error

try:  # libyaml is several times faster; the pure-Python loader gives the same nodes.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

MAX_BYTES = 1024 * 1024
#: Deepest nesting of lists and mappings a record may use. The schemas need 6 levels
#: (benchmark ablations.variants.N.runs.metric.N); anything near this limit is an attack
#: or an accident, and later stages (validation, rendering) recurse over the values.
MAX_DEPTH = 64
#: Texts whose nesting could exceed this many levels are measured on the event stream
#: before the (recursive, C) composer sees them.
_COMPOSE_SAFE = 200

Path_ = tuple[str | int, ...]
Pos = tuple[int, int]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_CORE = "tag:yaml.org,2002:"
# Explicit tags of the YAML core schema change nothing here (values are typed by the schema);
# any other tag (e.g. !!python/object) is refused rather than ignored.
_CORE_TAGS = frozenset(
    f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
)
#: The tag our resolver gives an untagged plain scalar: the only kind that can mean null.
_PLAIN = "!assay-plain"
_QUOTED = f"{_CORE}str"
_DELIMITER = re.compile(r"---[ \t]*")
#: Something that may be an anchor (&name) or an alias (*name): the compose fast path cannot
#: see an anchor that is never used, so such texts are checked on the event stream first.
_MAYBE_ANCHOR = re.compile(r"(?<!\w)[&*][\w-]")


class _Loader(_BaseLoader):
    """The C loader with a resolver that types nothing: values are typed by the schema.

    Composing only asks the resolver about nodes without an explicit tag; an untagged plain
    scalar gets `_PLAIN` (so that `null`, `~` and empty can be told from quoted text), every
    other untagged node its core tag."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _QUOTED
        return f"{_CORE}seq" if kind is SequenceNode else f"{_CORE}map"

    # Composing never needs the resolver's path tracking (it has no path resolvers).
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None


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


_CLOSING = re.compile(r"^---[ \t]*$", re.MULTILINE)


def split_front_matter(text: str) -> tuple[str, str, int] | str:
    """Return (yaml_text, body, body_first_line) or an error message.

    The YAML text keeps its position: it starts on file line 2.
    """
    first_end = text.find("\n")
    if not _DELIMITER.fullmatch(text if first_end < 0 else text[:first_end]):
        return (
            "the file must start with a front matter block: a line '---', the YAML fields, "
            "and a closing line '---'"
        )
    closing = _CLOSING.search(text, first_end + 1) if first_end >= 0 else None
    if closing is None:
        return (
            "the front matter block opened on line 1 is never closed: add a line '---' after "
            "the YAML"
        )
    yaml_text = text[first_end + 1 : closing.start()] or "\n"
    body_line = text.count("\n", 0, closing.start()) + 2
    return yaml_text, text[closing.end() + 1 :], body_line


_TOO_DEEP = (
    f"the front matter nests lists and mappings more than {MAX_DEPTH} levels deep (the "
    "limit): no record needs more than a few levels; flatten the value"
)


def _too_deep(line: int, col: int, path: Path_) -> _YamlRefused:
    return _YamlRefused("E-YAML", line, col, dotted(path[:1]), _TOO_DEEP)


def _alias_refused(line: int, col: int, path: Path_) -> _YamlRefused:
    return _YamlRefused(
        "E-YAML-ALIAS",
        line,
        col,
        dotted(path),
        "YAML anchors and aliases (&name, *name) are not allowed in records: "
        "write the value out in full",
    )


def _structure_bound(text: str) -> int:
    """An upper bound on the nesting depth of `text`, from counting characters.

    Every collection is opened by a character no other collection uses: a flow collection by
    its bracket, a block sequence by its first '-', a block mapping (or a single-pair flow
    mapping) by the ':' or '?' of its first entry.
    """
    count = text.count
    return count("[") + count("{") + count("-") + count("?") + count(":")


class _EventPath:
    """Follows the path of the node being built through an event stream."""

    def __init__(self) -> None:
        # Frames: [path, is_mapping, expecting_key, last key or next index, column]
        self.frames: list[list[Any]] = []

    def here(self, frame: list[Any] | None = None) -> Path_:
        """The path of the node the next event belongs to (in `frame`, default the top)."""
        if frame is None:
            if not self.frames:
                return ()
            frame = self.frames[-1]
        path, is_map, expecting_key, slot, _ = frame
        if is_map:
            return path if expecting_key else (*path, slot)
        return (*path, slot)

    def feed(self, ev: Any) -> None:
        if isinstance(ev, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            is_map = isinstance(ev, yaml.MappingStartEvent)
            self.frames.append([self.here(), is_map, True, 0, _column(ev)])
        elif isinstance(ev, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            self.frames.pop()
            self._done()
        elif isinstance(ev, yaml.ScalarEvent | yaml.AliasEvent):
            top = self.frames[-1] if self.frames else None
            if top is not None and top[1] and top[2]:
                top[3] = getattr(ev, "value", "?")
                top[2] = False
                return
            self._done()

    def _done(self) -> None:
        if not self.frames:
            return
        top = self.frames[-1]
        if top[1]:
            top[2] = True
        else:
            top[3] += 1

    @property
    def depth(self) -> int:
        return len(self.frames)


def _scan_events(yaml_text: str, line_offset: int) -> None:
    """Refuse anchors, aliases and excessive depth on the (iterative) event stream.

    Raises _YamlRefused, or yaml.YAMLError for a syntax error.
    """
    tracker = _EventPath()
    for ev in yaml.parse(yaml_text, Loader=_BaseLoader):
        mark: Any = ev.start_mark
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None):
            raise _alias_refused(mark.line + 1 + line_offset, mark.column + 1, tracker.here())
        tracker.feed(ev)
        if tracker.depth > MAX_DEPTH:
            raise _too_deep(mark.line + 1 + line_offset, mark.column + 1, tracker.here())


#: One tuple per distinct position, shared by every record: a knowledge base of 10,000
#: records holds about 700,000 positions but only a few thousand distinct ones.
_SHARED: dict[Pos, Pos] = {}


class _Builder:
    """Plain values from a node tree, recording positions (1-based, file lines).

    Keys are interned: the same few dozen key names recur in every record."""

    def __init__(self, line_offset: int) -> None:
        self.off = line_offset
        self.line1 = line_offset + 1
        self.key_pos: dict[Path_, Pos] = {}
        self.value_pos: dict[Path_, Pos] = {}
        self.seen: set[int] = set()

    def _pos(self, node: Node) -> Pos:
        mark = node.start_mark
        return mark.line + 1 + self.off, mark.column + 1

    def _refuse_tag(self, node: Node, path: Path_) -> None:
        line, col = self._pos(node)
        raise _YamlRefused(
            "E-YAML",
            line,
            col,
            dotted(path),
            f"the YAML tag '{node.tag.replace(_CORE, '!!')}' is not allowed in records: remove it",
        )

    def value(self, node: Node, path: Path_, depth: int) -> Any:
        mark = node.start_mark
        pos = (mark.line + self.line1, mark.column + 1)
        self.value_pos[path] = _SHARED.setdefault(pos, pos)
        tag = node.tag
        if node.__class__ is ScalarNode:
            if tag == _PLAIN:
                return None if node.value in _NULLS else node.value
            if tag not in _CORE_TAGS:
                self._refuse_tag(node, path)
            return node.value
        # An alias is the node it names, met a second time: refuse it before walking it
        # again (a chain of aliases would otherwise expand exponentially).
        if id(node) in self.seen:
            line, col = self._pos(node)
            raise _alias_refused(line, col, path)
        self.seen.add(id(node))
        if depth >= MAX_DEPTH:
            line, col = self._pos(node)
            raise _too_deep(line, col, path)
        if tag not in _CORE_TAGS:
            self._refuse_tag(node, path)
        if isinstance(node, SequenceNode):
            return [self.value(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        mapping: dict[str, Any] = {}
        for knode, vnode in node.value:
            if knode.__class__ is not ScalarNode:
                line, col = self._pos(knode)
                raise _YamlRefused(
                    "E-YAML",
                    line,
                    col,
                    dotted(path),
                    "keys must be plain words, not lists or mappings",
                )
            if knode.tag != _PLAIN and knode.tag not in _CORE_TAGS:
                self._refuse_tag(knode, path)
            key = intern(knode.value)
            kpath = (*path, key)
            kmark = knode.start_mark
            kpos = (kmark.line + self.line1, kmark.column + 1)
            kpos = _SHARED.setdefault(kpos, kpos)
            if key in mapping:
                first = self.key_pos[kpath]
                raise _YamlRefused(
                    "E-DUPLICATE-KEY",
                    kpos[0],
                    kpos[1],
                    dotted(kpath),
                    f"the key {key!r} appears twice (first on line {first[0]}): "
                    "keep one and delete the other",
                )
            self.key_pos[kpath] = kpos
            mapping[key] = self.value(vnode, kpath, depth + 1)
        return mapping


def parse_yaml(yaml_text: str, line_offset: int) -> tuple[Any, dict[Path_, Pos], dict[Path_, Pos]]:
    """Parse one YAML document into plain values. Raises yaml.YAMLError or _YamlRefused."""
    maybe_anchor = ("&" in yaml_text or "*" in yaml_text) and _MAYBE_ANCHOR.search(yaml_text)
    if maybe_anchor or _structure_bound(yaml_text) > _COMPOSE_SAFE:
        _scan_events(yaml_text, line_offset)
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
    except yaml.composer.ComposerError as exc:
        if exc.problem == "but found another document" and exc.problem_mark is not None:
            raise _YamlRefused(
                "E-FRONTMATTER",
                exc.problem_mark.line + 1 + line_offset,
                exc.problem_mark.column + 1,
                "",
                "the front matter holds more than one YAML document",
            ) from None
        raise
    finally:
        loader.dispose()
    if len(_SHARED) > 100_000:  # hostile files could hold many distinct positions
        _SHARED.clear()
    builder = _Builder(line_offset)
    if node is None:
        return None, builder.key_pos, builder.value_pos
    value = builder.value(node, (), 0)
    return value, builder.key_pos, builder.value_pos


# -- YAML syntax errors: where, in which field, and how to fix them ------------------------

#: libyaml contexts whose problem is found after the fact (a later line): the context mark
#: is where the author went wrong (the unclosed bracket or quote, the line without ':').
_CONTEXT_FIRST = (
    "while scanning a simple key",
    "while parsing a flow",
    "while scanning a quoted scalar",
    "while scanning a block scalar",
)
_HINTS = (
    (
        "could not find expected ':'",
        "this line is neither 'key: value' nor a list item: "
        "add ': ' after the key, or indent it as the continuation of the value above",
    ),
    (
        "expected ',' or ']'",
        "the list opened with '[' here is never closed: add ']' at "
        "its end, or quote the value if the '[' is text",
    ),
    (
        "expected ',' or '}'",
        "the mapping opened with '{' here is never closed: add '}' at "
        "its end, or quote the value if the '{' is text",
    ),
    (
        "mapping values are not allowed",
        "a plain value cannot contain ': ' and a key "
        'cannot be indented under a plain value: quote the value ("…"), or fix the '
        "indentation of the key",
    ),
    (
        "found unexpected end of stream",
        "the quote opened here is never closed: add the closing quote",
    ),
    (
        "expected '-' indicator",
        "this line breaks the list above: indent it like the "
        "other keys of its item, or start a new item with '- '",
    ),
    (
        "expected <block end>",
        "this line is indented differently from the keys around it: align it with its siblings",
    ),
    (
        "did not find expected key",
        "this line is indented differently from the keys around it: align it with its siblings",
    ),
    ("tab character", "indent with spaces, not tabs"),
    (
        "cannot start any token",
        "a value cannot start with this character (@, `, %, …): quote the whole value",
    ),
)
#: The start of a line: indentation, list dashes, then a word that may be a key.
_LINE_START = re.compile(r"( *)((?:-[ \t]+)*)([A-Za-z_][\w-]*)")


def _syntax_error(
    exc: yaml.YAMLError, yaml_text: str, line_offset: int
) -> tuple[int, int, str, str]:
    """(line, col, field, message) for a YAML syntax error."""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    context = getattr(exc, "context", None) or ""
    problem = getattr(exc, "problem", None) or str(exc)
    mark = problem_mark or context_mark
    if (
        context_mark is not None
        and context.startswith(_CONTEXT_FIRST)
        and (problem_mark is None or context_mark.line < problem_mark.line)
    ):
        mark = context_mark
    line0, col0 = (mark.line, mark.column) if mark is not None else (0, 0)
    path = _field_at(yaml_text, line0, col0)
    if "nesting depth" in problem:  # libyaml's own limit (1,000 levels) came first
        return line0 + 1 + line_offset, col0 + 1, dotted(path[:1]), _TOO_DEEP
    hint = next((h for marker, h in _HINTS if marker in problem), None)
    lines = yaml_text.split("\n")
    if "expected key" in problem and line0 < len(lines) and lines[line0].lstrip().startswith("- "):
        key = path[-1] if path and isinstance(path[-1], str) else "key"
        hint = (
            f"a list item here, but '{key}' above already has a value on its line: write "
            f"'{key}:' alone and the items under it, or [a, b] on one line"
        )
    detail = f"{context}: {problem}" if context else problem
    if hint is None:
        hint = (
            "check indentation and quote values that contain ': ' or start with a special character"
        )
    message = f"invalid YAML ({detail}): {hint}"
    return line0 + 1 + line_offset, col0 + 1, dotted(path), message


def _field_at(yaml_text: str, line0: int, col0: int) -> Path_:
    """The field a syntax error at (line0, col0) is in: the events read before it give the
    open collections; the error's line (its indentation and leading word) places it among
    them, because libyaml stops before reporting the key it was reading."""
    tracker = _EventPath()
    try:
        for ev in yaml.parse(yaml_text, Loader=_BaseLoader):
            m: Any = ev.start_mark
            if (m.line, m.column) >= (line0, col0) and not isinstance(
                ev, yaml.SequenceEndEvent | yaml.MappingEndEvent
            ):
                break
            tracker.feed(ev)
            if tracker.depth > MAX_DEPTH:
                break
    except yaml.YAMLError:
        pass
    lines = yaml_text.split("\n")
    start = _LINE_START.match(lines[line0] if line0 < len(lines) else "")
    if start is None or not tracker.frames or col0 < start.end(1):
        return tracker.here()
    key, key_col, dashed = start.group(3), start.start(3), bool(start.group(2))
    frame = next((f for f in reversed(tracker.frames) if f[4] <= key_col), tracker.frames[0])
    is_map, expecting_key, slot, col = frame[1], frame[2], frame[3], frame[4]
    if is_map and col == key_col:
        return (*frame[0], key)
    if is_map and not expecting_key:  # the line is inside the value of the last key
        return (*frame[0], slot, key)
    if not is_map and dashed:  # a new item of this list
        return (*frame[0], slot, key)
    if is_map and dashed and isinstance(slot, str):  # a list item after a key's value
        return (*frame[0], slot)
    return tracker.here(frame) if is_map else tuple(frame[0])


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
        line, col, fld, message = _syntax_error(exc, yaml_text, line_offset=1)
        return Parsed(
            None, body, body_line, diagnostics=[error(path, line, col, "E-YAML", fld, message)]
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


def _column(ev: Any) -> int:
    return int(ev.start_mark.column)
