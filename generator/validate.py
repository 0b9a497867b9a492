"""Front matter values → a pydantic model, or diagnostics located in the file.

Pydantic reports errors by location (``methods.1.runs.accuracy``); this module turns each
into a `Diagnostic` with the line and column of that key or value, a stable code and a
message that says how to fix it. Unknown keys get a "did you mean …?" suggestion.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, error
from .parse import Parsed, Path_, dotted
from .schema import Record

_TYPE_WORDS = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "date_type": "a date written YYYY-MM-DD",
    "string_type": "text",
    "list_type": "a list (lines starting with '- ', or [a, b])",
    "dict_type": "a mapping of 'key: value' lines",
    "model_type": "a mapping of 'key: value' lines",
    "model_attributes_type": "a mapping of 'key: value' lines",
}
_BOUND_WORDS = {
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("more than", "gt"),
}
_PATTERN_WORDS = {
    "^https?://": "an http(s) URL, e.g. https://arxiv.org/abs/2205.14135",
    "{1,80}": "a record id: lowercase letters, digits and hyphens, 2–81 characters",
    "^[a-z0-9][a-z0-9-]*$": "a slug: lowercase letters, digits and hyphens, e.g. p99-latency",
    "^[A-Z]{3}$": "a three-letter currency code such as USD or EUR",
}


def _unwrap(tp: Any) -> list[Any]:
    """The concrete types inside Optional / Union / Annotated."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_unwrap(arg))
        return out
    return [tp]


def allowed_keys(model: type[BaseModel], loc: Path_) -> list[str]:
    """The keys a mapping at `loc` (a path into the data) accepts, for suggestions."""
    current: list[Any] = [model]
    for part in loc:
        nxt: list[Any] = []
        for tp in current:
            for t in _unwrap(tp):
                origin = typing.get_origin(t)
                if isinstance(part, int) and origin is list:
                    nxt.append(typing.get_args(t)[0])
                elif isinstance(part, str) and isinstance(t, type) and issubclass(t, BaseModel):
                    for name, info in t.model_fields.items():
                        if (info.alias or name) == part:
                            nxt.append(info.annotation)
                elif isinstance(part, str) and origin is dict:
                    nxt.append(typing.get_args(t)[1])
        current = nxt
    keys: list[str] = []
    for tp in current:
        for t in _unwrap(tp):
            if isinstance(t, type) and issubclass(t, BaseModel):
                keys.extend(info.alias or name for name, info in t.model_fields.items())
    return keys


def _data_path(data: Any, loc: tuple[Any, ...]) -> Path_:
    """The part of a pydantic location that exists in the data (drops union branch tags)."""
    path: list[str | int] = []
    node: Any = data
    for part in loc:
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            if isinstance(node, dict) and isinstance(part, str):
                path.append(part)  # a missing or unknown key at this mapping
            break
        path.append(part)
    return tuple(path)


def _got(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"got {shown!r}"
    if value is None:
        return "got nothing (empty value)"
    if isinstance(value, list):
        return "got a list"
    if isinstance(value, dict):
        return "got a mapping"
    return f"got {value!r}"


def _message(err: Any, field: str) -> str:
    etype = err["type"]
    ctx = err.get("ctx") or {}
    got = _got(err.get("input"))
    if etype in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[etype]}, {got}"
    if etype == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        for marker, words in _PATTERN_WORDS.items():
            if marker in pattern:
                return f"must be {words}, {got}"
    if etype == "finite_number":
        return f"must be a finite number (not .nan or .inf), {got}"
    if etype == "value_error":
        return str(ctx.get("error", err["msg"]))
    if etype in _BOUND_WORDS:
        word, key = _BOUND_WORDS[etype]
        return f"must be {word} {ctx.get(key)}, {got}"
    if etype == "literal_error":
        return f"must be one of {ctx.get('expected')}, {got}"
    if etype == "string_too_short" and ctx.get("min_length") == 1:
        return f"must not be empty: write the {field} or remove the key"
    if etype in {"string_too_short", "string_too_long"}:
        limit = ctx.get("min_length", ctx.get("max_length"))
        size = len(err["input"]) if isinstance(err.get("input"), str) else "?"
        word = "at least" if etype == "string_too_short" else "at most"
        return f"must have {word} {limit} characters (has {size})"
    if etype in {"too_short", "too_long"}:
        word = "at least" if etype == "too_short" else "at most"
        limit = ctx.get("min_length", ctx.get("max_length"))
        return (
            f"needs {word} {limit} item{'s' if limit != 1 else ''} (has {ctx.get('actual_length')})"
        )
    msg = str(err["msg"])
    return f"{msg[0].lower()}{msg[1:]}, {got}"


def _either(messages: list[str]) -> str:
    """Merge the messages of a union's branches: 'must be A, got x' + 'must be B, got x'."""
    wants = []
    got = ""
    for m in messages:
        head, _, tail = m.rpartition(", got ")
        wants.append(head.removeprefix("must be ").removeprefix("one of "))
        got = tail
    return f"must be {' or '.join(wants)}, got {got}" if got else "; or ".join(messages)


def validate_model(
    model: type[Record], parsed: Parsed, path: str
) -> tuple[Record | None, list[Diagnostic]]:
    """Validate parsed front matter against `model`. Returns the record or its diagnostics."""
    data = parsed.data
    assert data is not None
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    diags: list[Diagnostic] = []
    by_path: dict[Path_, list[Any]] = {}
    for err in errors:
        by_path.setdefault(_data_path(data, tuple(err["loc"])), []).append(err)
    for dpath, errs in by_path.items():
        field = dotted(dpath)
        first = errs[0]
        etype = first["type"]
        if etype == "missing":
            line, col = parsed.pos(dpath[:-1])
            key = dpath[-1]
            diags.append(
                error(
                    path,
                    line,
                    col,
                    "E-MISSING",
                    field,
                    f"required field '{key}' is missing: add '{key}: …' here",
                )
            )
        elif etype == "extra_forbidden":
            line, col = parsed.pos(dpath, key=True)
            key = str(dpath[-1])
            allowed = allowed_keys(model, dpath[:-1])
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            diags.append(
                error(
                    path,
                    line,
                    col,
                    "E-UNKNOWN-KEY",
                    field,
                    f"unknown key '{key}': {hint}allowed here: {', '.join(sorted(allowed))}",
                )
            )
        elif dpath == ("kind",):
            line, col = parsed.pos(dpath)
            diags.append(
                error(
                    path,
                    line,
                    col,
                    "E-KIND-MISMATCH",
                    field,
                    f"kind is given by the folder: this file's kind is "
                    f"{first.get('ctx', {}).get('expected', '?')}; fix or remove the 'kind' key",
                )
            )
        else:
            line, col = parsed.pos(dpath)
            messages = list(dict.fromkeys(_message(e, field) for e in errs))
            message = messages[0] if len(messages) == 1 else _either(messages)
            diags.append(error(path, line, col, "E-SCHEMA", field, message))
    return None, diags
