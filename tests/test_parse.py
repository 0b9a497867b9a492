"""Parsing rules of SPEC §2: schema typing, positions, and refusals that never crash."""

from __future__ import annotations

import string

import yaml
from conftest import AS_OF
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.kb import analyse, compile_entries
from generator.parse import parse_record
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


def _check_bytes(raw: bytes) -> None:
    files = [("paper", "content/papers/fuzz.md", raw, None)]
    kb = analyse(compile_entries(files), AS_OF)
    for d in kb.diagnostics:
        assert d.line >= 1 and d.col >= 1 and d.code and d.message


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
