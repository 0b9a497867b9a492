"""Record text on its way to a terminal or a job summary: shown, never obeyed.

Record content arrives by pull request. A title or owner holding an escape sequence
(`"\\e[2J"` in a double-quoted YAML string) must not clear a reviewer's terminal, recolour
CI logs or forge lines; bidirectional controls must not reorder what is read.
"""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """`text` with every control and format character (C0, C1, DEL, bidi overrides,
    zero-width characters) replaced by a visible escape such as `\\x1b` or `\\u202e`."""
    out = []
    for ch in text:
        if unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)
