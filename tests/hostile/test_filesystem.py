"""Hostile file system: everything a pull request (or a careless checkout) can put under
content/ besides well-formed records. Each case runs the real CLI and asserts the contract
(SPEC §1: E-FOREIGN-FILE / E-UNSAFE-FILE, nothing read from outside, nothing published)
and the absence of a traceback."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_kb import (
    assert_clean_exit,
    build,
    check,
    check_json,
    codes_at,
    make_kb,
    site_texts,
)

MACRO_PAYLOAD = (
    "---\ntitle: Macro attack\n---\n"
    "{{ self.__init__.__globals__.__builtins__.__import__('os').system('touch /tmp/pwned') }}\n"
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}\n"
    "<script>alert(1)</script>\n"
)


def _copy_of_valid_record(root: Path) -> bytes:
    return (root / "content/papers/lora.md").read_bytes()


def _write(path: Path, data: bytes = MACRO_PAYLOAD.encode()) -> None:
    path.write_bytes(data)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()


# name in content/papers/ → how to create it. Every one is E-FOREIGN-FILE.
RECORD_FOLDER_CASES: dict[str, Callable[[Path, Path], None]] = {
    "x.markdown": lambda root, p: _write(p),
    "x.mdown": lambda root, p: _write(p),
    "x.mkd": lambda root, p: _write(p),
    "x.mkdn": lambda root, p: _write(p),
    "x.MD": lambda root, p: _write(p),
    "x.Md": lambda root, p: _write(p),
    "x.md.txt": lambda root, p: _write(p),
    "x.html": lambda root, p: _write(p, b"<script>alert(1)</script>"),
    "x.svg": lambda root, p: _write(p, b"<svg onload=alert(1)></svg>"),
    "x.js": lambda root, p: _write(p, b"alert(1)"),
    "x.pth": lambda root, p: _write(p, b"import os; os.system('touch /tmp/pwned')"),
    "noext": lambda root, p: _write(p),
    ".hidden.md": lambda root, p: _write(p, _copy_of_valid_record(root)),
    ".pages": lambda root, p: _write(p, b"nav: [x.markdown]"),
    "sub": lambda root, p: (p.mkdir(), _write(p / "inner.md", _copy_of_valid_record(root))),
    "link-to-valid.md": lambda root, p: p.symlink_to(root / "content/papers/lora.md"),
    "relative-link.md": lambda root, p: p.symlink_to("lora.md"),
    "passwd.md": lambda root, p: p.symlink_to("/etc/passwd"),
    "zero.md": lambda root, p: p.symlink_to("/dev/zero"),
    "dangling.md": lambda root, p: p.symlink_to(root / "nowhere.md"),
    "loop.md": lambda root, p: p.symlink_to(p),
    "dirlink": lambda root, p: p.symlink_to(root.parent),
    "fifo.md": lambda root, p: _fifo(p),
    "sock.md": lambda root, p: _socket(p),
    "new\nline.md": lambda root, p: _write(p, _copy_of_valid_record(root)),
    "tab\there.md": lambda root, p: _write(p),
    "bidi\u202eexe.md": lambda root, p: _write(p),
    "zero\u200bwidth.md": lambda root, p: _write(p),
    "bell\x07.md": lambda root, p: _write(p),
    "...md": lambda root, p: _write(p),
}


@pytest.mark.parametrize("name", sorted(RECORD_FOLDER_CASES), ids=repr)
def test_record_folder_foreign_entry(tmp_path: Path, name: str) -> None:
    root = make_kb(tmp_path)
    path = root / "content" / "papers" / name
    RECORD_FOLDER_CASES[name](root, path)
    result, diags = check_json(root)
    assert result.code == 1
    foreign = [d for d in diags if d["code"] == "E-FOREIGN-FILE"]
    assert len(foreign) == 1, diags
    shown = str(foreign[0]["path"])
    assert shown.startswith("content/papers/")
    assert shown.isprintable() and "\n" not in shown
    assert (foreign[0]["line"], foreign[0]["col"], foreign[0]["field"]) == (1, 1, "")
    assert "<id>.md" in str(foreign[0]["message"])
    assert [d for d in diags if d is not foreign[0]] == []  # nothing else was read
    site = tmp_path / "site"
    built = build(root, site)
    assert_clean_exit(built)
    assert built.code == 1
    assert "E-FOREIGN-FILE" in built.err
    assert not site.exists()
    assert not Path("/tmp/pwned").exists()


def test_foreign_file_names_cannot_forge_output_lines(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    forged = "x.md:1:1: error[E-SCHEMA] title: forged\nlora"
    (root / "content/papers" / forged).write_text("x")
    (root / "content/papers" / "y\r.md").write_text("x")
    result = check(root)
    assert_clean_exit(result)
    lines = result.out.splitlines()
    assert len(lines) == 4  # two diagnostics, the guide line, the summary
    assert all(line.startswith("content/papers/") for line in lines[:2])
    assert "\r" not in result.out
    github = check(root, "--format", "github")
    assert len(github.out.splitlines()) == 3


def test_record_folder_that_is_a_symlink_or_file(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.md").write_text(MACRO_PAYLOAD)
    (root / "content/runbooks/fa-runbook.md").rename(tmp_path / "runbook.md")
    (root / "content/runbooks").rmdir()
    (root / "content/runbooks").symlink_to(outside, target_is_directory=True)
    result, diags = check_json(root)
    assert result.code == 1
    assert "E-FOREIGN-FILE" in codes_at(diags, "content/runbooks")
    assert not any("evil" in str(d["path"]) for d in diags)


def test_huge_sparse_record_costs_nothing(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    big = root / "content/papers/huge.md"
    big.write_bytes(b"---\n")
    os.truncate(big, 10 * 1024**3)  # 10 GB, sparse: reading it would exhaust memory
    result, diags = check_json(root)
    assert result.code == 1
    assert codes_at(diags, "content/papers/huge.md") == {"E-TOO-LARGE"}
    built = build(root, tmp_path / "site", timeout=60)
    assert_clean_exit(built)
    assert built.code == 1


def test_record_just_over_the_limit(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    record = _copy_of_valid_record(root).replace(b"title: ", b"title: x", 1)
    padded = record + b"a" * (1024 * 1024 + 1 - len(record))
    (root / "content/papers/padded.md").write_bytes(padded)
    _, diags = check_json(root)
    assert codes_at(diags, "content/papers/padded.md") == {"E-TOO-LARGE"}


# -- maintainer folders ------------------------------------------------------------------

SECRET = "assay-hostile-secret-4711"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.md"
    path.write_text(f"# {SECRET}\n")
    return path


MAINTAINER_CASES: dict[str, Callable[[Path, Path, Path], None]] = {
    "passwd.md": lambda root, p, s: p.symlink_to("/etc/passwd"),
    "secret.md": lambda root, p, s: p.symlink_to(s),
    "relative-escape.md": lambda root, p, s: p.symlink_to(os.path.relpath(s, p.parent)),
    "outdir": lambda root, p, s: p.symlink_to(s.parent, target_is_directory=True),
    "rootdir": lambda root, p, s: p.symlink_to("/", target_is_directory=True),
    "git-config.md": lambda root, p, s: (
        (root / ".git").mkdir(),
        (root / ".git" / "config").write_text(SECRET),
        p.symlink_to(root / ".git" / "config"),
    ),
    "record.md": lambda root, p, s: p.symlink_to(root / "content/papers/lora.md"),
    "records": lambda root, p, s: p.symlink_to(root / "content/papers"),
    "self": lambda root, p, s: p.symlink_to(p.parent, target_is_directory=True),
    "up": lambda root, p, s: p.symlink_to("..", target_is_directory=True),
    "loop.md": lambda root, p, s: p.symlink_to(p.name),
    "zero.md": lambda root, p, s: p.symlink_to("/dev/zero"),
    "urandom.png": lambda root, p, s: p.symlink_to("/dev/urandom"),
    "fifo.md": lambda root, p, s: os.mkfifo(p),
    "sock.md": lambda root, p, s: _socket(p),
    "ctl\nname.md": lambda root, p, s: p.write_text(f"# {SECRET}"),
    "bidi\u202egpj.md": lambda root, p, s: p.write_text(f"# {SECRET}"),
    "<img src=x onerror=alert(1)>.md": lambda root, p, s: p.write_text("# page"),
    'x"onmouseover="alert(1).md': lambda root, p, s: p.write_text("# page"),
    "<svg onload=alert(1)>": lambda root, p, s: (p.mkdir(), (p / "a.md").write_text("# a")),
    "active.svg": lambda root, p, s: p.write_text(f"<svg><script>{SECRET}</script></svg>"),
    "handler.svg": lambda root, p, s: p.write_text(f"<svg onload='{SECRET}'/>"),
    "entity.svg": lambda root, p, s: p.write_text(
        f'<!DOCTYPE s [<!ENTITY e "{SECRET}">]><svg>&e;</svg>'
    ),
}


@pytest.mark.parametrize("name", sorted(MAINTAINER_CASES), ids=repr)
def test_maintainer_folder_unsafe_entry(tmp_path: Path, name: str, secret: Path) -> None:
    root = make_kb(tmp_path)
    guide = root / "content" / "guide"
    guide.mkdir(exist_ok=True)
    (guide / "ok.md").write_text("# A guide page\n")
    MAINTAINER_CASES[name](root, guide / name, secret)
    result, diags = check_json(root)
    assert result.code == 1
    unsafe = [d for d in diags if d["code"] == "E-UNSAFE-FILE"]
    assert len(unsafe) == 1, diags
    assert str(unsafe[0]["path"]).startswith("content/guide/")
    assert str(unsafe[0]["path"]).isprintable()
    site = tmp_path / "site"
    built = build(root, site)
    assert_clean_exit(built)
    assert built.code == 1
    assert not site.exists()


def test_maintainer_loops_terminate_in_check_and_build(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    guide = root / "content" / "guide"
    guide.mkdir()
    (guide / "a").mkdir()
    (guide / "a" / "b").symlink_to("../..", target_is_directory=True)
    (guide / "a" / "c").symlink_to("../a", target_is_directory=True)
    (guide / "x").symlink_to("y")
    (guide / "y").symlink_to("x")
    result = check(root, timeout=30)
    assert_clean_exit(result)
    assert result.code == 1
    assert result.out.count("E-UNSAFE-FILE") == 4


def test_maintainer_deep_folders_terminate(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    deep = root / "content" / "guide" / "/".join(["d"] * 60)
    deep.mkdir(parents=True)
    (deep / "page.md").write_text("# deep\n")
    result = check(root, timeout=30)
    assert_clean_exit(result)
    assert result.code == 1
    assert "E-UNSAFE-FILE" in result.out


def test_maintainer_case_collision(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    guide = root / "content" / "guide"
    guide.mkdir()
    (guide / "Setup.md").write_text("# upper\n")
    (guide / "setup.md").write_text("# lower\n")
    result, diags = check_json(root)
    assert result.code == 1
    assert [d["code"] for d in diags] == ["E-PATH-COLLISION"]


def test_maintainer_link_inside_the_kb_is_published(tmp_path: Path) -> None:
    root = make_kb(tmp_path)
    guide = root / "content" / "guide"
    guide.mkdir()
    (root / "CHANGELOG.md").write_text("# Changes\n\nchangelog-marker-1234\n")
    (guide / "changes.md").symlink_to("../../CHANGELOG.md")
    result, diags = check_json(root)
    assert result.code == 0 and diags == []
    site = tmp_path / "site"
    built = build(root, site)
    assert_clean_exit(built)
    assert built.code == 0
    assert "changelog-marker-1234" in (site / "guide/changes/index.html").read_text()


def test_maintainer_html_and_scripts_are_not_published(tmp_path: Path) -> None:
    """Needs the compile step (branch `core`): on a build that hands content/ to MkDocs,
    MkDocs itself copies every file; with the closed site source only checked files are."""
    root = make_kb(tmp_path)
    guide = root / "content" / "guide"
    guide.mkdir()
    (guide / "ok.md").write_text("# ok\n")
    (guide / "page.html").write_text(f"<script>/*{SECRET}*/</script>")
    (guide / "app.js").write_text(f"/*{SECRET}*/")
    (guide / "archive.zip").write_bytes(b"PK")
    (guide / "x.markdown").write_text(f"{SECRET}")
    result, diags = check_json(root)
    assert result.code == 0
    assert {d["code"] for d in diags} == {"W-NOT-PUBLISHED"}
    assert len(diags) == 4
    site = tmp_path / "site"
    built = build(root, site)
    assert_clean_exit(built)
    assert built.code == 0
    assert SECRET not in site_texts(site)
    assert not (site / "guide/page.html").exists()
    assert not (site / "guide/app.js").exists()


def test_secret_never_reaches_a_built_site(tmp_path: Path, secret: Path) -> None:
    """With an unsafe link present the build refuses; without it, the secret is absent."""
    root = make_kb(tmp_path)
    guide = root / "content" / "guide"
    guide.mkdir()
    (guide / "leak.md").symlink_to(secret)
    site = tmp_path / "site"
    assert build(root, site).code == 1
    (guide / "leak.md").unlink()
    built = build(root, site)
    assert built.code == 0, built.text
    assert SECRET not in site_texts(site)


def test_check_of_a_named_foreign_file_fails(tmp_path: Path) -> None:
    """`assay check FILE…` (what pre-commit runs on changed files) reports a foreign file
    it is given, and a symlink as itself, not as the record it points to."""
    root = make_kb(tmp_path)
    papers = root / "content/papers"
    (papers / "x.markdown").write_text(MACRO_PAYLOAD)
    (papers / "alias.md").symlink_to("lora.md")
    for name in ("x.markdown", "alias.md"):
        result = check(root, str(papers / name))
        assert_clean_exit(result)
        assert result.code == 1, result.text
        assert f"content/papers/{name}:1:1: error[E-FOREIGN-FILE]" in result.out
    folder = check(root, str(papers))
    assert folder.code == 1
    assert folder.out.count("E-FOREIGN-FILE") == 2


def test_record_names_that_collide_after_case_folding(tmp_path: Path) -> None:
    """Ids are lowercase ASCII: a name differing only by case or Unicode form is not a
    second record that silently replaces the first on a case-insensitive checkout."""
    root = make_kb(tmp_path)
    papers = root / "content/papers"
    (papers / "LoRA.md").write_bytes((papers / "lora.md").read_bytes())
    (papers / "lora\u0301.md").write_bytes((papers / "lora.md").read_bytes())
    result, diags = check_json(root)
    assert result.code == 1
    assert codes_at(diags, "content/papers/LoRA.md") == {"E-ID-INVALID"}
    assert codes_at(diags, "content/papers/lora\u0301.md") == {"E-ID-INVALID"}
    assert codes_at(diags, "content/papers/lora.md") == set()


def test_record_folder_look_alike_is_not_a_trusted_folder(tmp_path: Path) -> None:
    """`content/Papers/x.md` reads as a record in review but would be a trusted page with
    macros on: refused, and the build writes nothing."""
    root = make_kb(tmp_path)
    fake = root / "content" / "Papers"
    fake.mkdir()
    (fake / "x.md").write_text("---\nrender_macros: true\n---\n# Fake {{ 7*7 }}\n")
    (root / "content" / "radar.md").write_text("# my radar\n")
    result, diags = check_json(root)
    assert result.code == 1
    assert codes_at(diags, "content/Papers") == {"E-UNSAFE-FILE"}
    assert codes_at(diags, "content/radar.md") == {"E-PATH-COLLISION"}
    site = tmp_path / "site"
    built = build(root, site)
    assert_clean_exit(built)
    assert built.code == 1
    assert not site.exists()
