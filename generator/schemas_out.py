"""JSON Schemas of the record kinds, generated from the pydantic models (`assay schema`)."""

from __future__ import annotations

import json
from pathlib import Path

from .schema import KINDS


def schema_documents() -> dict[str, str]:
    """File name → JSON text, deterministic (sorted keys, trailing newline)."""
    out: dict[str, str] = {}
    for kind, (_, model) in KINDS.items():
        doc = model.model_json_schema(by_alias=True)
        doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        doc["$id"] = f"{kind}.schema.json"
        doc.setdefault("description", (model.__doc__ or "").strip())
        out[f"{kind}.schema.json"] = (
            json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        )
    return out


def stale_schemas(out_dir: Path) -> list[str]:
    """Names of schema files that are missing or differ from what the models generate."""
    return [
        name
        for name, text in schema_documents().items()
        if not (out_dir / name).is_file() or (out_dir / name).read_text("utf-8") != text
    ]


def write_schemas(out_dir: Path) -> list[str]:
    """Write every schema file whose content changed; return the names written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in stale_schemas(out_dir):
        tmp = out_dir / f".{name}.tmp"
        tmp.write_text(schema_documents()[name], encoding="utf-8")
        tmp.replace(out_dir / name)
        written.append(name)
    return written
