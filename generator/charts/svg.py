"""Escaping for hand-written SVG and HTML: every string from a record goes through here.

Record text is hostile (SPEC §7). Text nodes and attribute values are XML-escaped (quotes
included), and characters that XML 1.0 forbids (NUL, most C0 controls, lone surrogates,
U+FFFE/U+FFFF) are dropped, so the markup stays well-formed for any input.
"""

from __future__ import annotations

import re

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(value: object) -> str:
    """A one-line string without characters XML cannot carry."""
    return " ".join(_XML_INVALID.sub("", str(value)).split())


def esc(value: object) -> str:
    """Text or attribute value, escaped for XML and HTML alike."""
    return (
        clean(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def short(value: object, limit: int) -> str:
    """At most `limit` characters, an ellipsis marking a cut (before escaping)."""
    text = clean(value)
    return text if len(text) <= limit else text[: max(1, limit - 1)].rstrip() + "…"


def f(x: float) -> str:
    """A coordinate with two decimals at most, no trailing zeros, no '-0'."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
