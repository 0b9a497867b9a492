"""Front matter values → a pydantic model, or diagnostics located in the file.

Pydantic reports errors by location (``methods.1.runs.accuracy``); this module turns each
into a `Diagnostic` with the line and column of that key or value, a stable code and a
message that says how to fix it. Unknown keys get a "did you mean …?" suggestion.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from .diagnostics import Diagnostic, error
from .parse import Parsed, Path_, dotted
from .schema import Record
from .shapes import allowed_keys, literal_values, mapping_shape, suggest

_TYPE_WORDS = {
    "int_parsing_size": "a whole number of a sensible size",
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


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]\S+")
_MAPPING_ERRORS = {"model_type", "model_attributes_type", "dict_type"}
_DATE_ERRORS = {
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
    "date_type",
}


def _date_message(value: Any, got: str) -> str:
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        return f"{value.strip()!r} is not a calendar date (no such month or day): write a real date"
    if isinstance(value, str) and (m := _DATETIME.fullmatch(value.strip())):
        return f"must be a date without a time of day, {got}: write {m.group(1)}"
    return f"must be a date written YYYY-MM-DD, e.g. 2026-03-01, {got}"


def _message(err: Any, field: str, model: type[Record], dpath: Path_) -> str:
    """The message for one pydantic error, in Assay's words (never pydantic's)."""
    etype = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    got = _got(value)
    if etype in _MAPPING_ERRORS and (shape := mapping_shape(model, dpath, value)):
        return f"{shape}; {got}" if not shape.startswith("a criterion") else shape
    if etype in _DATE_ERRORS:
        return _date_message(value, got)
    if etype == "list_type" and isinstance(value, str) and dpath:
        return f"must be a list, {got}: write '{dpath[-1]}: [{value}]' or one '- item' per line"
    if etype in _TYPE_WORDS:
        return f"must be {_TYPE_WORDS[etype]}, {got}"
    if etype == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        for marker, words in _PATTERN_WORDS.items():
            if marker in pattern:
                return f"must be {words}, {got}"
        return f"has the wrong form, {got}"
    if etype == "finite_number":
        return f"must be a finite number (not .nan or .inf), {got}"
    if etype == "value_error":
        return str(ctx.get("error", "is not valid here"))
    if etype in _BOUND_WORDS:
        word, key = _BOUND_WORDS[etype]
        return f"must be {word} {ctx.get(key)}, {got}"
    if etype == "literal_error":
        values = literal_values(str(ctx.get("expected", "")))
        close = suggest(value, values) if isinstance(value, str) else None
        hint = f": did you mean '{close}'?" if close else ""
        return f"must be one of {', '.join(repr(v) for v in values)}, {got}{hint}"
    if etype == "string_too_short" and ctx.get("min_length") == 1:
        return f"must not be empty: write the {field} or remove the key"
    if etype in {"string_too_short", "string_too_long"}:
        limit = ctx.get("min_length", ctx.get("max_length"))
        size = len(value) if isinstance(value, str) else "?"
        word = "at least" if etype == "string_too_short" else "at most"
        return f"must have {word} {limit} characters (has {size})"
    if etype in {"too_short", "too_long"}:
        word = "at least" if etype == "too_short" else "at most"
        limit = ctx.get("min_length", ctx.get("max_length"))
        return (
            f"needs {word} {limit} item{'s' if limit != 1 else ''} (has {ctx.get('actual_length')})"
        )
    # An error type this module does not know yet: say so in plain words, never pydantic's.
    return f"is not a valid value here, {got}: see the schema of this field"


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
    missing = {p for p, errs in by_path.items() if errs[0]["type"] == "missing"}
    absorbed: set[Path_] = set()  # missing keys that an unknown key is a typo of
    allowed_at: dict[Path_, list[str]] = {}
    suggestions = 20
    # Unknown keys first, so that a typo of a required key is one diagnostic, not two.
    ordered = sorted(by_path.items(), key=lambda item: item[1][0]["type"] != "extra_forbidden")
    for dpath, errs in ordered:
        field = dotted(dpath)
        first = errs[0]
        etype = first["type"]
        if etype == "missing":
            if dpath in absorbed:
                continue
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
            parent = dpath[:-1]
            if parent not in allowed_at:
                allowed_at[parent] = allowed_keys(model, parent)
            allowed = allowed_at[parent]
            close = []
            if suggestions > 0:  # a hostile record can hold 70,000 unknown keys
                suggestions -= 1
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            if close and (typo_of := (*dpath[:-1], close[0])) in missing:
                absorbed.add(typo_of)
                hint = f"did you mean '{close[0]}' (required, and missing)? "
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
            messages = list(dict.fromkeys(_message(e, field, model, dpath) for e in errs))
            message = messages[0] if len(messages) == 1 else _either(messages)
            diags.append(error(path, line, col, "E-SCHEMA", field, message))
    return None, diags


_ADAPTERS: dict[tuple[type[BaseModel], str], TypeAdapter[Any]] = {}


def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    key = (model, name)
    if key not in _ADAPTERS:
        info = model.model_fields[name]
        annotated: Any = (
            Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        )
        _ADAPTERS[key] = TypeAdapter(annotated)
    return _ADAPTERS[key]


def partial_record(
    model: type[Record], data: dict[str, Any], diags: list[Diagnostic]
) -> tuple[Record, frozenset[str]]:
    """The well-typed part of an invalid record, for the rules, and the names of the fields
    left out (missing or invalid: `diags` are this record's validation diagnostics).

    Fields are kept or left out whole: a list with one bad item is left out, so no rule
    reasons about a list it only partly sees. The result is built without validation
    (`model_construct`); a field left out reads as None.
    """
    by_alias = {(info.alias or name): name for name, info in model.model_fields.items()}
    broken = {by_alias[f] for d in diags if (f := d.field.split(".", 1)[0]) in by_alias}
    values: dict[str, Any] = {}
    for alias, name in by_alias.items():
        if name in broken:
            values[name] = None
        elif alias in data:
            try:
                values[name] = _field_adapter(model, name).validate_python(data[alias])
            except ValidationError:  # pragma: no cover - the whole record said it was valid
                broken.add(name)
                values[name] = None
        elif model.model_fields[name].is_required():
            broken.add(name)
            values[name] = None
    fields_set = {by_alias[a] for a in data if a in by_alias and by_alias[a] not in broken}
    record = model.model_construct(_fields_set=fields_set, **values)
    return record, frozenset(broken)
