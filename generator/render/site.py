"""Every generated page of the site, and records.json: pure functions of the knowledge base.

The MkDocs adapter only hands these strings to MkDocs; nothing here knows about MkDocs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from importlib import resources
from typing import Any

from .. import compute
from ..incremental import RecordPages
from ..model import KnowledgeBase
from ..schema import KINDS, Benchmark, Decision
from .charts import ChartSink
from .pages import kind_index, predictions_page, radar_page, review_page, tags_page
from .records import record_page

#: Generated pages that are not records, in navigation order (src path → nav title).
SECTION_PAGES = {
    "radar/index.md": "Radar",
    "review/index.md": "Review agenda",
    "predictions/index.md": "Predictions",
    "papers/index.md": "Papers",
    "decisions/index.md": "Decisions",
    "benchmarks/index.md": "Benchmarks",
    "runbooks/index.md": "Runbooks",
    "postmortems/index.md": "Post-mortems",
    "tags/index.md": "Tags",
}
CSS_PATH = "assets/assay.css"


def render_site(
    kb: KnowledgeBase, charts: ChartSink, records: RecordPages | None = None
) -> dict[str, str]:
    """src path (relative to docs_dir) → Markdown, for every record and generated page."""
    return {
        **dict(iter_plain_pages(kb, charts, records)),
        **dict(iter_statistics_pages(kb, charts)),
    }


def iter_plain_pages(
    kb: KnowledgeBase, charts: ChartSink, records: RecordPages | None = None
) -> Iterator[tuple[str, str]]:
    """The pages that show no statistics. On a build whose statistics are not cached, a
    worker computes them while these are rendered (generator/statcache.py). With `records`
    (`assay serve`), the record pages an edit cannot affect are reused."""
    if records is not None:
        yield from records.render(kb, lambda e: record_page(e, kb, charts)).items()
    else:
        for e in sorted(kb.entries, key=lambda e: e.path):
            if e.record is not None and e.kind != "benchmark":
                yield f"{KINDS[e.kind][0]}/{e.id}.md", record_page(e, kb, charts)
    for kind, (folder, _) in KINDS.items():
        if kind not in ("prediction", "benchmark"):
            yield f"{folder}/index.md", kind_index(kb, kind)
    yield "radar/index.md", radar_page(kb, charts)
    yield "review/index.md", review_page(kb)
    yield "tags/index.md", tags_page(kb)


def iter_statistics_pages(kb: KnowledgeBase, charts: ChartSink) -> Iterator[tuple[str, str]]:
    """The benchmark pages and the predictions page, in the order the worker computes
    their statistics. The order changes nothing in the pages."""
    for e in sorted(kb.of_kind("benchmark"), key=lambda e: e.path):
        if e.record is not None:
            yield f"{KINDS[e.kind][0]}/{e.id}.md", record_page(e, kb, charts)
    yield f"{KINDS['benchmark'][0]}/index.md", kind_index(kb, "benchmark")
    yield "predictions/index.md", predictions_page(kb, charts)


def home_page(kb: KnowledgeBase) -> str:
    """The home page of a knowledge base that has no content/index.md of its own."""
    counts = {kind: len(kb.of_kind(kind)) for kind in KINDS}
    due = len(kb.warnings)
    lines = [
        f"- [{title}]({src}) " + (f"({counts[k]})" if (k := _KIND_OF_INDEX.get(src)) else "")
        for src, title in SECTION_PAGES.items()
    ]
    return (
        "# Research knowledge base\n\n"
        f"{sum(counts.values())} records; {due} item{'s' if due != 1 else ''} on the "
        "[review agenda](review/index.md).\n\n" + "\n".join(lines) + "\n\n"
        "Write a `content/index.md` to replace this page.\n"
    )


_KIND_OF_INDEX = {f"{folder}/index.md": kind for kind, (folder, _) in KINDS.items()}


def stylesheet() -> str:
    return resources.files("generator.render").joinpath("assay.css").read_text("utf-8")


_DUMP: dict[str, Any] = {"mode": "json", "by_alias": True, "exclude_unset": True}
#: id(object) → (object, its JSON form): `assay serve` recompiles after every edit, and the
#: records (and their statistics) of unchanged files are the very same objects then.
_JSON_FORMS: dict[int, tuple[object, Any]] = {}


def _json_form(obj: object, make: Callable[[], Any]) -> Any:
    hit = _JSON_FORMS.get(id(obj))
    if hit is not None and hit[0] is obj:
        return hit[1]
    if len(_JSON_FORMS) > 50_000:
        _JSON_FORMS.clear()
    value = make()
    _JSON_FORMS[id(obj)] = (obj, value)
    return value


def records_json(kb: KnowledgeBase) -> str:
    """Every valid record with its computed values, as deterministic JSON."""
    items: list[str] = []  # each record as JSON text
    for e in sorted(kb.entries, key=lambda e: (e.kind, e.id)):
        if e.record is None:
            continue
        computed: dict[str, Any] = {
            "referenced_by": sorted({src for src, _ in kb.graph.backlinks.get(e.id, [])}),
        }
        r = e.record
        if isinstance(r, Decision):
            computed["superseded_by"] = sorted(kb.graph.superseded_by.get(e.id, []))
            computed["current"] = kb.graph.current.get(r.technique) == e.id
            cb = compute.cost_benefit_stats(r)
            computed["cost_benefit"] = cb.to_json() if cb else None
        if isinstance(r, Benchmark):
            st = compute.benchmark_stats(e.id, r)
            computed["stats"] = _json_form(st, st.to_json)
        hit = _ITEM_TEXTS.get(e.id)
        if (
            hit is not None
            and hit[0] is r
            and hit[1] == (e.kind, e.path, e.parsed.body)
            and hit[2] == computed
        ):
            items.append(hit[3])
            continue
        item = {
            "id": e.id,
            "kind": e.kind,
            "path": e.path,
            "url": f"{KINDS[e.kind][0]}/{e.id}/",
            "fields": _json_form(r, partial(r.model_dump, **_DUMP)),
            "body": e.parsed.body,
            "computed": computed,
        }
        text = _escape(_dumps(item))
        _ITEM_TEXTS[e.id] = (r, (e.kind, e.path, e.parsed.body), computed, text)
        items.append(text)
    if len(_ITEM_TEXTS) > 2 * len(items) + 1000:
        _ITEM_TEXTS.clear()
    # The same JSON as one dumps of {"as_of", "predictions", "records"} (keys sorted), each
    # record's text kept from the last call while its inputs are the same (`assay serve`).
    predictions = compute.prediction_stats(kb).to_json()
    return (
        f'{{"as_of":{_escape(_dumps(kb.as_of.isoformat()))},'
        f'"predictions":{_escape(_dumps(predictions))},'
        f'"records":[{",".join(items)}]}}\n'
    )


#: record id → (its record object, (kind, path, body), computed values, its JSON text).
_ITEM_TEXTS: dict[str, tuple[object, tuple[str, str, str], dict[str, Any], str]] = {}


def _dumps(value: Any) -> str:
    # Compact: without `indent` the C encoder runs, ten times faster on a large base.
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def _escape(text: str) -> str:
    """The same JSON, with no byte a browser or a careless consumer could read as markup."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
