"""Messages that teach the shape: suggestions for enum values, keys and examples."""

from __future__ import annotations

import pytest

from generator.schema import Decision
from generator.shapes import allowed_keys, mapping_shape, suggest


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("TRAIL", "TRIAL"),
        ("trial", "TRIAL"),
        ("sunk-cost", "sunk-cost-continuation"),
        ("maybe", None),
        ("x" * 200, None),
    ],
)
def test_enum_suggestions(value: str, expected: str | None) -> None:
    choices = [
        "ADOPT",
        "TRIAL",
        "ASSESS",
        "HOLD",
        "SKIP",
        "sunk-cost-continuation",
        "scale-surprise",
    ]
    assert suggest(value, choices) == expected


def test_mapping_shape_lists_required_then_optional_keys_with_an_example() -> None:
    shape = mapping_shape(Decision, ("next_action",), "tomorrow")
    assert shape is not None
    assert shape.startswith("expected a mapping with the keys action, owner, due")
    assert "next_action: {action: " in shape


def test_allowed_keys_inside_lists() -> None:
    assert set(allowed_keys(Decision, ("gates", 0))) == {"gate", "on", "answer", "by", "conditions"}
