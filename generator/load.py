"""Find a knowledge base on disk and read its record files (the only I/O before publishing)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .schema import FOLDER_KIND

DEFAULT_DOCS_DIR = "content"


class KnowledgeBaseNotFound(Exception):
    """Raised by `locate` when the root holds no content directory (a usage error)."""


@dataclass(frozen=True)
class SourceFile:
    """One record file: where it is and its raw bytes (or the OS error that kept them)."""

    kind: str
    rel_path: str  # relative to the knowledge base root, with '/' separators
    abs_path: Path
    raw: bytes | None
    io_error: str | None = None

    @property
    def id(self) -> str:
        return self.abs_path.stem


class _LenientLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!!python/name:` and `!ENV` tags only MkDocs should resolve."""


def _ignore_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    return None


_LenientLoader.add_multi_constructor("", _ignore_tag)


def read_mkdocs_config(root: Path) -> dict[str, Any]:
    """The user's mkdocs.yml as plain data ({} when absent or unreadable as a mapping)."""
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        cfg = root / name
        if cfg.is_file():
            data = yaml.load(cfg.read_text(encoding="utf-8"), Loader=_LenientLoader)
            return data if isinstance(data, dict) else {}
    return {}


def locate(root: Path) -> Path:
    """The content directory of the knowledge base at `root` (docs_dir of mkdocs.yml)."""
    try:
        docs_dir = str(read_mkdocs_config(root).get("docs_dir") or DEFAULT_DOCS_DIR)
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseNotFound(f"cannot read {root / 'mkdocs.yml'}: {exc}") from exc
    content = (root / docs_dir).resolve()
    if not content.is_dir():
        raise KnowledgeBaseNotFound(
            f"no knowledge base at {root}: expected a '{docs_dir}/' folder with papers/, "
            "decisions/, … (run 'assay init DIR' to create one, or pass --root)"
        )
    return content


def discover(root: Path, content: Path) -> list[SourceFile]:
    """Every `*.md` file under the six record folders, sorted by path, with its bytes."""
    files: list[SourceFile] = []
    for folder, kind in FOLDER_KIND.items():
        base = content / folder
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(".md"):
                    continue
                path = Path(dirpath) / name
                rel = (
                    path.relative_to(root).as_posix()
                    if path.is_relative_to(root)
                    else path.as_posix()
                )
                try:
                    raw: bytes | None = path.read_bytes()
                    err = None
                except OSError as exc:
                    raw, err = None, exc.strerror or str(exc)
                files.append(SourceFile(kind, rel, path, raw, err))
    files.sort(key=lambda f: f.rel_path)
    return files
