"""Parsing rules of SPEC §2: schema typing, positions, and refusals that never crash."""

from __future__ import annotations

import re
import string

import pytest
import yaml
from conftest import AS_OF
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import parse as parse_mod
from generator.kb import analyse, compile_entries
from generator.parse import _COMPOSE_SAFE, MAX_DEPTH, _structure_bound, parse_record
from generator.schema import KINDS


def test_values_stay_as_written() -> None:
    p = parse_record(
        b"---\nvenue: NO\nanswer: YES\nv: 1.10\nz: 0012\nt: 1:30\nn: null\n---\n", "x.md"
    )
    assert p.data == {
        "venue": "NO",
        "answer": "YES",
        "v": "1.10",
        "z": "0012",
        "t": "1:30",
        "n": None,
    }


def test_quoted_null_is_text() -> None:
    assert parse_record(b'---\na: "null"\n---\n', "x.md").data == {"a": "null"}


def test_positions_of_nested_keys_and_values() -> None:
    p = parse_record(b"---\nviability:\n  integration:\n    score: 3\n---\nbody\n", "x.md")
    assert p.key_pos[("viability", "integration", "score")] == (4, 5)
    assert p.value_pos[("viability", "integration", "score")] == (4, 12)
    assert p.body == "body\n"
    assert p.body_line == 6


def test_crlf_and_bom_are_accepted() -> None:
    p = parse_record("\ufeff---\r\ntitle: x\r\n---\r\nbody\r\n".encode(), "x.md")
    assert p.diagnostics == []
    assert p.data == {"title": "x"}


def test_empty_front_matter_is_a_mapping() -> None:
    assert parse_record(b"---\n---\n", "x.md").data == {}


def test_too_large() -> None:
    p = parse_record(b"---\ntitle: x\n---\n" + b"a" * (1024 * 1024), "x.md")
    assert [d.code for d in p.diagnostics] == ["E-TOO-LARGE"]


def test_invalid_utf8_points_at_the_byte() -> None:
    p = parse_record(b"---\ntitle: ok\nsummary: caf\xe9\n---\n", "x.md")
    assert [(d.code, d.line, d.col) for d in p.diagnostics] == [("E-ENCODING", 3, 13)]


def test_second_document_refused() -> None:
    p = parse_record(b"---\na: 1\n...\n---\n", "x.md")
    # '---' closes the front matter; the '...' marker inside it ends the YAML document early.
    assert p.diagnostics == [] or p.diagnostics[0].code in {"E-YAML", "E-FRONTMATTER"}


#: Phrases of pydantic's own messages: none may reach a user (issue 12).
LIBRARY_WORDING = re.compile(
    r"Input should|should have|valid dictionary|pydantic|\[type=|Value error|String should|"
    r"instance of|unable to (parse|interpret)|Datetimes|Field required|Extra inputs|"
    r"errors\.pydantic\.dev",
    re.IGNORECASE,
)


def _check_bytes(raw: bytes) -> None:
    files = [("paper", "content/papers/fuzz.md", raw, None)]
    kb = analyse(compile_entries(files), AS_OF)
    for d in kb.diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.code and d.message
        assert not LIBRARY_WORDING.search(d.message), d.message


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    _check_bytes(raw)
    _check_bytes(b"---\n" + raw + b"\n---\n")


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(alphabet=string.printable, max_size=20),
    st.dates(),
)
_yaml_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "title",
                    "year",
                    "pass",
                    "claims",
                    "runs",
                    "methods",
                    "metrics",
                    "status",
                    "gates",
                    "name",
                    "baseline",
                    "paired",
                    "x",
                    "supersedes",
                    "time_box",
                    "end",
                    "start",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(
    _yaml_values,
    st.sampled_from(["paper", "decision", "benchmark", "prediction", "runbook", "postmortem"]),
)
def test_arbitrary_yaml_never_raises(value: object, kind: str) -> None:
    text = yaml.safe_dump(value, allow_unicode=True)
    raw = f"---\n{text}---\nbody\n".encode()
    path = f"content/{KINDS[kind][0]}/fuzz.md"
    kb = analyse(compile_entries([(kind, path, raw, None)]), AS_OF)
    if not isinstance(value, dict) or not value:
        assert kb.errors  # nothing useful in the front matter: at least one error
    for d in kb.diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.message
        assert not LIBRARY_WORDING.search(d.message), d.message


def _mutate(data: object, path: list[int], new: object) -> object:
    """Replace or delete (new is _DELETE) the node selected by successive choice indexes."""
    if not path or not isinstance(data, dict | list) or not data:
        return data if new is _DELETE else new
    keys = list(data.keys()) if isinstance(data, dict) else list(range(len(data)))
    key = keys[path[0] % len(keys)]
    if isinstance(data, dict):
        out = dict(data)
        if len(path) == 1 and new is _DELETE:
            del out[key]
        else:
            out[key] = _mutate(data[key], path[1:], new)
        return out
    items = list(data)
    items[key] = _mutate(items[key], path[1:], new)
    return [i for i in items if i is not _DELETE]


_DELETE = object()


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 8),
    st.lists(st.integers(0, 50), min_size=1, max_size=5),
    st.one_of(st.just(_DELETE), _scalars, st.lists(_scalars, max_size=3)),
)
def test_mutated_valid_records_never_raise(which: int, path: list[int], new: object) -> None:
    from conftest import valid_files

    files = valid_files()
    kind, rel, raw, _ = files[which % len(files)]
    assert raw is not None
    data = yaml.safe_load(raw.decode().split("---\n")[1])
    mutated = _mutate(data, path, new)
    text = yaml.safe_dump(mutated, allow_unicode=True, default_flow_style=False)
    files[which % len(files)] = (kind, rel, f"---\n{text}---\n".encode(), None)
    kb = analyse(compile_entries(files), AS_OF)
    for d in kb.diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.message
        assert not LIBRARY_WORDING.search(d.message), d.message


# -- nesting depth (issue 9): a diagnostic, never RecursionError or a crash of libyaml ----

_MIB = 1024 * 1024 - 64  # just under the 1 MiB record limit, with room for the delimiters


def _depth_of(yaml_text: str) -> int:
    """The true nesting depth, measured on libyaml's (iterative) event stream."""
    depth = deepest = 0
    for ev in yaml.parse(yaml_text, Loader=yaml.CSafeLoader):
        if isinstance(ev, yaml.CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(ev, yaml.CollectionEndEvent):
            depth -= 1
    return deepest


_DEEP = {
    "990 nested flow lists": "authors: " + "[" * 990 + "]" * 990 + "\n",
    "990 nested flow mappings": "authors: " + "{a: " * 990 + "1" + "}" * 990 + "\n",
    "1 MiB of [": "authors: " + "[" * _MIB + "\n",
    "1 MiB of {": "authors: " + "{" * _MIB + "\n",
    "1 MiB of [{a: ": "authors: " + "[{a: " * (_MIB // 5) + "\n",
    "990 nested block mappings": "".join(" " * i + "a:\n" for i in range(990)),
    "1 MiB of nested block mappings": "".join(" " * i + "a:\n" for i in range(1400)),
    "990 nested block sequences": "authors:\n" + "- " * 990 + "x\n",
    "1 MiB of '- '": "authors:\n" + "- " * (_MIB // 2) + "x\n",
    "block mappings in sequences": "authors:\n"
    + "".join(" " * (2 * i) + "- a:\n" for i in range(400)),
    "65 levels, just over the limit": "authors: " + "[" * 64 + "]" * 64 + "\n",
}


def test_depth_limit_is_far_above_what_records_need() -> None:
    assert 32 <= MAX_DEPTH < _COMPOSE_SAFE <= 300


@pytest.mark.parametrize("text", list(_DEEP.values()), ids=list(_DEEP))
def test_deep_nesting_is_a_diagnostic(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    composed: list[int] = []
    real = parse_mod._Loader

    class Spy(real):  # type: ignore[misc,valid-type]
        def __init__(self, stream: str) -> None:
            composed.append(_depth_of(stream))
            super().__init__(stream)

    monkeypatch.setattr(parse_mod, "_Loader", Spy)
    raw = f"---\n{text}---\n".encode()
    assert len(raw) <= 1024 * 1024
    p = parse_record(raw, "x.md")
    assert [d.code for d in p.diagnostics] == ["E-YAML"]
    d = p.diagnostics[0]
    assert f"more than {MAX_DEPTH} levels" in d.message
    assert d.field in {"authors", "a"}
    assert d.line >= 2 and d.col >= 1
    # The recursive C composer never saw a text nested deeper than it safely handles.
    assert all(depth <= _COMPOSE_SAFE for depth in composed)


def test_nesting_up_to_the_limit_is_accepted() -> None:
    text = "authors: " + "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1) + "\n"
    p = parse_record(f"---\n{text}---\n".encode(), "x.md")
    assert p.diagnostics == []
    value = p.data["authors"] if p.data else None
    for _ in range(MAX_DEPTH - 2):
        assert isinstance(value, list)
        value = value[0]
    assert value == ["x"]


@settings(max_examples=300, deadline=None)
@given(_yaml_values, st.booleans())
def test_structure_bound_is_an_upper_bound(value: object, flow: bool) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    assert _depth_of(text) <= _structure_bound(text)


def test_alias_chain_is_refused_without_expanding() -> None:
    text = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n"
    p = parse_record(f"---\n{text}---\n".encode(), "x.md")
    assert [(d.code, d.line, d.field) for d in p.diagnostics] == [("E-YAML-ALIAS", 2, "a")]


def test_text_that_looks_like_an_anchor_is_text() -> None:
    p = parse_record(b"---\ntitle: R&D on *sparse* attention & more\n---\n", "x.md")
    assert p.data == {"title": "R&D on *sparse* attention & more"}
