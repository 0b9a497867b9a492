"""load.py: record folders hold only records; maintainer files are read only when safe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.load import (
    MAX_RECORD_BYTES,
    UnsafeRead,
    display_path,
    maintainer_files,
    read_bounded,
    scan_records,
)


def _kb(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "kb"
    content = root / "content"
    (content / "guide").mkdir(parents=True)
    (content / "papers").mkdir()
    (content / "index.md").write_text("# Home\n")
    (content / "guide" / "a.md").write_text("# A\n")
    return root, content


def _codes(diags: list) -> dict[str, str]:  # type: ignore[type-arg]
    return {d.path: d.code for d in diags}


def test_maintainer_files_reads_pages_and_assets(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    (content / "guide" / "img.png").write_bytes(b"\x89PNG")
    (content / "guide" / ".gitkeep").write_text("")
    (content / "papers" / "x.md").write_text("record")
    files, diags = maintainer_files(root, content)
    assert [(f.rel_path, f.data) for f in files] == [
        ("guide/a.md", b"# A\n"),
        ("guide/img.png", b"\x89PNG"),
        ("index.md", b"# Home\n"),
    ]
    assert diags == []


def test_maintainer_symlinks_outside_or_into_records_are_refused(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    outside = tmp_path / "secret.md"
    outside.write_text("secret")
    (content / "papers" / "p.md").write_text("untrusted")
    (content / "guide" / "passwd.md").symlink_to("/etc/passwd")
    (content / "guide" / "out.md").symlink_to(outside)
    (content / "guide" / "outdir").symlink_to(tmp_path)
    (content / "guide" / "rec.md").symlink_to(content / "papers" / "p.md")
    (content / "guide" / "recs").symlink_to(content / "papers")
    (content / "guide" / "git").symlink_to(root / ".git", target_is_directory=True)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("token")
    (root / "CHANGELOG.md").write_text("# Changes\n")
    (content / "guide" / "changes.md").symlink_to(root / "CHANGELOG.md")
    files, diags = maintainer_files(root, content)
    assert [f.rel_path for f in files] == ["guide/a.md", "guide/changes.md", "index.md"]
    assert _codes(diags) == {
        f"content/guide/{n}": "E-UNSAFE-FILE"
        for n in ("passwd.md", "out.md", "outdir", "rec.md", "recs", "git")
    }
    assert all(b"secret" not in f.data and b"untrusted" not in f.data for f in files)


def test_maintainer_symlink_loops_terminate(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    (content / "guide" / "self").symlink_to(content / "guide")
    (content / "guide" / "up").symlink_to(content)
    (content / "guide" / "l1").symlink_to(content / "guide" / "l2")
    (content / "guide" / "l2").symlink_to(content / "guide" / "l1")
    files, diags = maintainer_files(root, content)
    assert [f.rel_path for f in files] == ["guide/a.md", "index.md"]
    assert set(_codes(diags)) == {f"content/guide/{n}" for n in ("self", "up", "l1", "l2")}
    assert set(_codes(diags).values()) == {"E-UNSAFE-FILE"}


def test_maintainer_linked_folder_inside_the_kb_is_published(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    (root / "assets").mkdir()
    (root / "assets" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (content / "img").symlink_to(root / "assets")
    files, diags = maintainer_files(root, content)
    assert "img/logo.svg" in [f.rel_path for f in files]
    assert diags == []


def test_maintainer_special_files_and_types(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    os.mkfifo(content / "guide" / "pipe.md")
    (content / "guide" / "page.html").write_text("<script>alert(1)</script>")
    (content / "guide" / "app.js").write_text("alert(1)")
    (content / "guide" / "bad.svg").write_text("<svg onload='alert(1)'/>")
    (content / "guide" / "big.pdf").write_bytes(b"")
    os.truncate(content / "guide" / "big.pdf", 10 * 1024**3)  # sparse: costs nothing
    files, diags = maintainer_files(root, content)
    assert [f.rel_path for f in files] == ["guide/a.md", "index.md"]
    assert _codes(diags) == {
        "content/guide/pipe.md": "E-UNSAFE-FILE",
        "content/guide/page.html": "W-NOT-PUBLISHED",
        "content/guide/app.js": "W-NOT-PUBLISHED",
        "content/guide/bad.svg": "E-UNSAFE-FILE",
        "content/guide/big.pdf": "E-TOO-LARGE",
    }
    assert next(d for d in diags if d.code == "W-NOT-PUBLISHED").severity == "warning"


def test_maintainer_script_listed_in_mkdocs_yml_is_published(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    (root / "mkdocs.yml").write_text("site_name: x\nextra_javascript: [js/app.js]\n")
    (content / "js").mkdir()
    (content / "js" / "app.js").write_text("console.log(1)")
    (content / "js" / "other.js").write_text("console.log(2)")
    files, diags = maintainer_files(root, content)
    assert "js/app.js" in [f.rel_path for f in files]
    assert _codes(diags) == {"content/js/other.js": "W-NOT-PUBLISHED"}


def test_maintainer_case_collisions(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    (content / "guide" / "A.md").write_text("# upper\n")
    (content / "guide" / "caf\u00e9.md").write_text("nfc")
    (content / "guide" / "cafe\u0301.md").write_text("nfd")
    files, diags = maintainer_files(root, content)
    assert len([f for f in files if f.rel_path.lower() == "guide/a.md"]) == 1
    assert [d.code for d in diags] == ["E-PATH-COLLISION", "E-PATH-COLLISION"]


def test_record_folder_foreign_files(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    papers = content / "papers"
    (papers / "ok.md").write_text("---\n")
    for name in ("x.markdown", "x.mdown", "x.mkd", "x.mkdn", "x.MD", "noext", ".hidden.md"):
        (papers / name).write_text("---\n")
    (papers / "sub").mkdir()
    (papers / "link.md").symlink_to(papers / "ok.md")
    os.mkfifo(papers / "fifo.md")
    (papers / "bad\nname.md").write_text("x")
    files, diags = scan_records(root, content)
    assert [f.rel_path for f in files] == ["content/papers/ok.md"]
    assert {d.code for d in diags} == {"E-FOREIGN-FILE"}
    assert len(diags) == 11
    assert "content/papers/bad\\x0aname.md" in _codes(diags)


def test_record_folder_that_is_a_symlink(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    (content / "papers").rmdir()
    (content / "decisions").symlink_to(content / "guide")
    (content / "papers").write_text("x")
    files, diags = scan_records(root, content)
    assert files == []
    assert _codes(diags) == {
        "content/decisions": "E-FOREIGN-FILE",
        "content/papers": "E-FOREIGN-FILE",
    }


def test_read_bounded_refuses_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"")
    os.truncate(big, 10 * 1024**3)
    with pytest.raises(UnsafeRead) as exc:
        read_bounded(big, MAX_RECORD_BYTES)
    assert exc.value.size == 10 * 1024**3
    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    with pytest.raises(OSError):
        read_bounded(link, MAX_RECORD_BYTES)
    with pytest.raises(UnsafeRead):
        read_bounded("/dev/zero", MAX_RECORD_BYTES)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeRead):
        read_bounded(fifo, MAX_RECORD_BYTES)  # returns at once: never blocks on a FIFO


def test_display_path_escapes_what_could_forge_a_line() -> None:
    assert display_path("a\nb\u202ec\udcff") == "a\\x0ab\\u202ec\\xff"
    assert display_path("café.md") == "café.md"


@pytest.mark.parametrize("docs_dir", ["/", "..", ".", "../elsewhere", "/etc"])
def test_docs_dir_must_lie_inside_the_knowledge_base(tmp_path: Path, docs_dir: str) -> None:
    from generator.load import KnowledgeBaseNotFound, locate

    root, _ = _kb(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (root / "mkdocs.yml").write_text(f"site_name: x\ndocs_dir: {docs_dir}\n")
    with pytest.raises(KnowledgeBaseNotFound, match="must be a folder inside"):
        locate(root)


def test_mkdocs_yml_is_read_bounded(tmp_path: Path) -> None:
    from generator.load import KnowledgeBaseNotFound, locate

    root, content = _kb(tmp_path)
    (root / "mkdocs.yml").symlink_to("/dev/zero")
    assert locate(root) == content.resolve()  # not a regular file: ignored, never read
    (root / "mkdocs.yml").unlink()
    (root / "mkdocs.yml").write_bytes(b"")
    os.truncate(root / "mkdocs.yml", 10 * 1024**3)
    with pytest.raises(KnowledgeBaseNotFound, match="cannot read"):
        locate(root)


@pytest.mark.parametrize(
    "svg",
    [
        b"<svg><script>alert(1)</script></svg>",
        b"<svg><SCRIPT >alert(1)</SCRIPT></svg>",
        b"<svg onload=alert(1)/>",
        b"<svg><rect/onclick='alert(1)'/></svg>",
        b'<svg><a href="javascript:alert(1)"><text>x</text></a></svg>',
        b'<svg><a xlink:href="jav&#x61;script:alert(1)">x</a></svg>',
        b'<svg><a href="javascript&colon;alert(1)">x</a></svg>',
        b'<svg><a href=" data:text/html,<script>alert(1)</script>">x</a></svg>',
        b'<svg><a><set attributeName="href" to="java&#115;cript:alert(1)"/>x</a></svg>',
        b"<svg><foreignObject><iframe src=x></iframe></foreignObject></svg>",
        b'<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>',
    ],
)
def test_active_svg_is_refused(tmp_path: Path, svg: bytes) -> None:
    root, content = _kb(tmp_path)
    (content / "guide" / "x.svg").write_bytes(svg)
    files, diags = maintainer_files(root, content)
    assert "guide/x.svg" not in [f.rel_path for f in files]
    assert _codes(diags) == {"content/guide/x.svg": "E-UNSAFE-FILE"}


def test_plain_svg_with_a_query_link_is_published(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><a href="https://x.org/?a=1&amp;b=2">'
    (content / "guide" / "x.svg").write_bytes(svg + b"<rect width='10' height='10'/></a></svg>")
    files, diags = maintainer_files(root, content)
    assert diags == []
    assert "guide/x.svg" in [f.rel_path for f in files]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Papers", "E-UNSAFE-FILE"),
        ("DECISIONS", "E-UNSAFE-FILE"),
        ("\uff50apers", "E-UNSAFE-FILE"),  # fullwidth p: NFKC folds it to "papers"
        ("radar.md", "E-PATH-COLLISION"),
        ("Review.md", "E-PATH-COLLISION"),
        ("papers.md", "E-PATH-COLLISION"),
        ("tags.md", "E-PATH-COLLISION"),
    ],
)
def test_top_level_names_that_impersonate_generated_parts(
    tmp_path: Path, name: str, code: str
) -> None:
    root, content = _kb(tmp_path)
    if name.endswith(".md"):
        (content / name).write_text("# mine\n")
    else:
        (content / name).mkdir()
        (content / name / "x.md").write_text("---\nrender_macros: true\n---\n{{ 7*7 }}\n")
    files, diags = maintainer_files(root, content)
    assert _codes(diags) == {f"content/{name}": code}
    assert all(not f.rel_path.startswith(name) for f in files)


def test_guide_pages_named_like_sections_are_fine_below_the_top(tmp_path: Path) -> None:
    root, content = _kb(tmp_path)
    (content / "guide" / "radar.md").write_text("# How to read the radar\n")
    (content / "guide" / "papers").mkdir()
    (content / "guide" / "papers" / "x.md").write_text("# x\n")
    files, diags = maintainer_files(root, content)
    assert diags == []
    assert {"guide/radar.md", "guide/papers/x.md"} <= {f.rel_path for f in files}
