"""The fixture corpus: valid records check clean; each invalid record gives exactly the
diagnostics written beside it (code, field, line), reviewed by hand when it was added."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import AS_OF, FIXTURES, KIND_OF_FOLDER, valid_files

from generator.kb import analyse, compile_entries

CASES = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.is_dir())


def test_valid_corpus_is_clean() -> None:
    kb = analyse(compile_entries(valid_files()), AS_OF)
    assert kb.diagnostics == []
    assert {e.kind for e in kb.entries} == set(KIND_OF_FOLDER.values())


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_invalid_record(case: Path) -> None:
    spec = json.loads((case / "expected.json").read_text())
    rel = f"content/{spec['kind_folder']}/{spec['file']}"
    raw = (case / spec["file"]).read_bytes()
    files = valid_files()
    files.append((KIND_OF_FOLDER[spec["kind_folder"]], rel, raw, None))
    kb = analyse(compile_entries(files), AS_OF)
    got = sorted((d.code, d.field, d.line) for d in kb.diagnostics if d.path == rel)
    want = sorted((d["code"], d["field"], d["line"]) for d in spec["diagnostics"])
    assert got == want
    # Where the case is about the wording, the words that teach the fix must be there.
    for exp in spec["diagnostics"]:
        for words in exp.get("message_contains", []):
            (message,) = [
                d.message
                for d in kb.diagnostics
                if d.path == rel
                and (d.code, d.field, d.line) == (exp["code"], exp["field"], exp["line"])
            ]
            assert words in message
    others = [d for d in kb.diagnostics if d.path != rel]
    assert others == [] or spec["file"] == "fa-latency.md"  # a duplicate id is reported on both
    for d in kb.diagnostics:
        assert d.message and d.col >= 1


def test_no_library_wording_in_any_corpus_message() -> None:
    from test_parse import LIBRARY_WORDING

    files = valid_files()
    for case in CASES:
        spec = json.loads((case / "expected.json").read_text())
        raw = (case / spec["file"]).read_bytes()
        files.append((KIND_OF_FOLDER[spec["kind_folder"]], f"content/x/{case.name}.md", raw, None))
    kb = analyse(compile_entries(files), AS_OF)
    assert kb.diagnostics
    for d in kb.diagnostics:
        assert not LIBRARY_WORDING.search(d.message), d.message


def test_suggestions_are_bounded_per_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile record naming thousands of unknown keys or missing ids gets every
    diagnostic, but "did you mean" (quadratic difflib) only for the first few."""
    import difflib

    calls = 0
    real = difflib.get_close_matches

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    refs = ", ".join(["loraa"] * 3000)
    keys = "".join(f"ownr{i}: x\n" for i in range(3000))
    raw = f"---\ntitle: Many\nprobability: 0.5\npapers: [{refs}]\n{keys}---\n".encode()
    files = valid_files()
    files.append(("prediction", "content/predictions/many.md", raw, None))
    kb = analyse(compile_entries(files), AS_OF)
    mine = [d for d in kb.diagnostics if d.path.endswith("many.md")]
    assert sum(d.code == "E-REF-MISSING" for d in mine) == 3000
    assert sum(d.code == "E-UNKNOWN-KEY" for d in mine) == 3000
    assert sum("did you mean 'lora'" in d.message for d in mine) == 20
    assert calls <= 40 + 10  # 20 per kind of suggestion, plus a few for enums
