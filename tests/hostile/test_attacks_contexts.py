"""Record text in contexts `test_render_contexts.py` does not reach (FINDINGS.md), on every
engine in the registry: one knowledge base, one real build per engine.

* A user's `mkdocs.yml` may give mkdocs-macros other markers (`j2_variable_start_string`,
  a documented option, used to keep `{{` for other tools). Assay's macros on a maintainer
  page return record text (technique names, chart SVG with units) into a page that
  mkdocs-macros then renders: that text must not run as a template with those markers.
* Images: "only from the site itself" (sanitize.py) must hold as a browser reads the
  URL (WHATWG: `\\` is `/`, tabs and newlines are dropped), not only as written.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import VALID_ROOT

from generator.cli import main
from generator.engines import ENGINES, get_engine

AS_OF = "2026-11-25"
MARKERS = """plugins:
  - search
  - macros:
      render_by_default: false
      j2_variable_start_string: "[["
      j2_variable_end_string: "]]"
      j2_block_start_string: "[%"
      j2_block_end_string: "%]"
      j2_comment_start_string: "[#"
      j2_comment_end_string: "#]"
"""
# Executed by mkdocs-macros with the markers above, these print PWNMACRO / PWNLOOP.
TECHNIQUE = "Flash [[ 'PWN' ~ 'MACRO' ]] [% for i in range(2) %]PWNLOOP[% endfor %]"
UNIT = "ms [[ 'PWN' ~ 'MACRO' ]]"
IMAGES = [
    "\\\\evil.example/PWN-1.png",
    "/\\evil.example/PWN-2.png",
    "/&#9;/evil.example/PWN-3.png",
    " \\/evil.example/PWN-4.png",
    "/&#10;/evil.example/PWN-5.png",
]
BODY = "\n\n" + "\n\n".join(f'<img src="{src}" alt="i">' for src in IMAGES) + "\n"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


@pytest.fixture(scope="module", params=sorted(ENGINES))
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp(f"attacks-{request.param}")
    root = base / "kb"
    shutil.copytree(VALID_ROOT, root)
    (root / "mkdocs.yml").write_text(
        "site_name: KB\ndocs_dir: content\ntheme: {name: material, font: false}\n" + MARKERS
    )
    c = root / "content"
    for name in ("flash-attention-adopt", "flash-attention-assess"):
        _replace(
            c / f"decisions/{name}.md", "technique: FlashAttention", f'technique: "{TECHNIQUE}"'
        )
    _replace(c / "benchmarks/fa-latency.md", "unit: ms,", f'unit: "{UNIT}",')
    lora = c / "papers/lora.md"
    lora.write_text(lora.read_text() + BODY)
    (c / "index.md").write_text(
        "---\nrender_macros: true\n---\n# Home\n\n{{ assay_radar() }}\n\n"
        "{{ assay_figure('fa-latency', 'p99-latency') }}\n\n[[ 'user' ~ 'macro' ]]\n"
    )
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--root",
            str(root),
            "--site-dir",
            str(base / "site"),
            "--as-of",
            AS_OF,
            "--engine",
            request.param,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return base / "site"


def test_user_macros_run_where_the_engine_runs_them(site: Path) -> None:
    """The configuration works on engines with a macro layer (so the next test is not
    vacuous there); Zensical runs no mkdocs-macros, and shows the call as written."""
    engine = get_engine(site.parent.name.split("-")[1].rstrip("0123456789"))
    home = html.unescape((site / "index.html").read_text())
    if engine.runs_user_macros:
        assert "usermacro" in home
    else:
        assert "[[ 'user' ~ 'macro' ]]" in home


def test_record_text_in_macro_output_is_not_a_template_under_custom_markers(
    site: Path,
) -> None:
    """A5: technique names (radar table) and units (chart SVG) returned by Assay's macros
    were rendered by mkdocs-macros with the user's markers."""
    home = html.unescape((site / "index.html").read_text())
    assert "Flash" in home  # the radar is there
    assert "PWNMACRO" not in home and "PWNLOOPPWNLOOP" not in home
    assert "[[ 'PWN' ~ 'MACRO' ]]" in home  # shown literally


def _browser_url(value: str) -> str:
    """`value` as the WHATWG URL parser sees it before resolving: tabs and newlines
    dropped, leading and trailing C0 controls and spaces trimmed, `\\` read as `/`."""
    value = re.sub(r"[\t\n\r]", "", html.unescape(value))
    return value.strip("".join(map(chr, range(0x21)))).replace("\\", "/")


def test_images_never_resolve_off_the_site(site: Path) -> None:
    """A6 (fixed): `\\\\host/x`, `/\\host/x` and `/<tab>/host/x` are `//host/x` to a browser."""
    page = (site / "papers/lora/index.html").read_text()
    article = page[page.index('<div class="assay-page">') : page.index("</article>")]
    assert article.count("<img") == len(IMAGES)  # the images were kept, without src
    for src in re.findall(r'<img[^>]*\bsrc="([^"]*)"', article):
        url = _browser_url(src).lower()
        assert not url.startswith("//") and ":" not in url.split("/", 1)[0], src
