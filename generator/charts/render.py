"""Rendering a chart to accessible SVG, and a cache of renderings keyed by the spec's hash.

Nothing here imports Altair or vl-convert at module import time.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cacheauth import seal, unseal

if TYPE_CHECKING:
    import altair as alt

    ChartLike = alt.TopLevelMixin | Mapping[str, Any]
else:
    ChartLike = Any

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"

#: Bumped whenever the post-processing of vl-convert's SVG changes, so cached files are redone.
RENDER_REVISION = "1"

#: Merged under each spec's own config: generic fonts only (nothing is fetched), a white
#: background (legible in dark themes too), left-aligned titles.
BASE_CONFIG: dict[str, Any] = {
    "font": "sans-serif",
    "background": "white",
    "padding": 8,
    "title": {"anchor": "start", "fontSize": 14, "subtitleFontSize": 11, "subtitleColor": "#555"},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 220},
    "legend": {"labelFontSize": 11, "titleFontSize": 11},
}


def _merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep merge of two config dicts; ``over`` wins."""
    out = copy.deepcopy(dict(base))
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), Mapping):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def chart_spec(chart: ChartLike) -> dict[str, Any]:
    """The Vega-Lite spec that is rendered: the chart's dict with :data:`BASE_CONFIG` under its config."""
    spec = copy.deepcopy(dict(chart)) if isinstance(chart, Mapping) else chart.to_dict()
    spec["config"] = _merge(BASE_CONFIG, spec.get("config") or {})
    return spec


def canonical_json(spec: Mapping[str, Any]) -> str:
    return json.dumps(
        spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def vl_convert_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("vl-convert-python")
    except metadata.PackageNotFoundError:  # pragma: no cover - e.g. a vendored build
        import vl_convert

        return str(getattr(vl_convert, "__version__", "unknown"))


def chart_key(chart: ChartLike) -> str:
    """sha256 of the canonical spec JSON, vl-convert's version and this module's render revision."""
    return _key(chart_spec(chart))


_HEX64 = re.compile(r"[0-9a-f]{64}")


@functools.cache
def inputs_fingerprint() -> str:
    """What besides its inputs decides a chart: this package's source, the versions of the
    libraries that build and render it, and the render revision (see ChartCache.svg_for)."""
    from importlib import metadata

    h = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        h.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    for dist in ("altair", "scipy", "numpy"):
        try:
            version = metadata.version(dist)
        except metadata.PackageNotFoundError:  # pragma: no cover - a vendored build
            version = "unknown"
        h.update(f"{dist}={version}\n".encode())
    h.update(f"vl-convert={vl_convert_version()}\nrevision={RENDER_REVISION}".encode())
    return h.hexdigest()


def _key(spec: Mapping[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(canonical_json(spec).encode("utf-8"))
    h.update(f"\nvl-convert={vl_convert_version()}\nrevision={RENDER_REVISION}".encode())
    return h.hexdigest()


def _description(spec: Mapping[str, Any]) -> str:
    desc = spec.get("description")
    if isinstance(desc, str) and desc.strip():
        return desc.strip()
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return str(title).strip() if title else "Chart"


def _render(spec: Mapping[str, Any]) -> str:
    import vl_convert as vlc

    # allowed_base_urls=[]: any data URL or image href in the spec fails instead of being fetched.
    svg = vlc.vegalite_to_svg(dict(spec), allowed_base_urls=[])
    return make_accessible(str(svg), _description(spec))


def render_svg(chart: ChartLike) -> str:
    """Render a chart (or a Vega-Lite spec dict) to standalone, accessible SVG text."""
    return _render(chart_spec(chart))


def _unsafe_attr(name: str, value: str) -> bool:
    local = name.rsplit("}", 1)[-1].lower()
    if local.startswith("on"):
        return True
    return local == "href" and not value.startswith(("#", "data:image/"))


def make_accessible(svg: str, description: str) -> str:
    """Give the root ``role="img"``, an ``aria-label`` and a ``<title>``; drop scripts and
    external references. Parses the SVG, so malformed output fails here rather than on the site."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValueError(f"not an SVG document: root element {root.tag!r}")
    for parent in root.iter():
        for child in list(parent):
            local = str(child.tag).rsplit("}", 1)[-1].lower()
            if local in {"script", "foreignobject", "title"}:
                parent.remove(child)
        for name, value in list(parent.attrib.items()):
            if _unsafe_attr(name, value):
                del parent.attrib[name]
    root.set("role", "img")
    root.set("aria-label", description)
    title = ET.Element(f"{{{SVG_NS}}}title")
    title.text = description
    root.insert(0, title)
    return ET.tostring(root, encoding="unicode")


class ChartCache:
    """Renders charts at most once per spec: in memory, and on disk as ``<directory>/<key>.svg``.

    ``rendered`` counts actual vl-convert renderings, ``hits`` the renderings avoided (memory or
    disk), so a rebuild with nothing changed reports ``rendered == 0``. ``directory=None`` keeps the
    cache in memory only.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.rendered = 0
        self.hits = 0
        self._memory: dict[str, str] = {}
        self._aliases: dict[str, str] = {}

    def path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.svg"

    def svg(self, chart: ChartLike) -> str:
        spec = chart_spec(chart)
        return self._svg(spec, _key(spec))

    def svg_for(self, inputs: str, build: Callable[[], ChartLike]) -> str:
        """``svg(build())``, without even building the chart when these builder inputs were
        rendered before.

        ``inputs`` is a canonical text of the builder's name and arguments. Building the
        Altair chart and turning it into a spec (``to_dict`` validates it against the
        Vega-Lite schema) costs about as much as rendering it, so a rebuild keyed on the spec
        alone still paid for every chart. The inputs key also covers the source of this
        package and the versions of Altair, SciPy and vl-convert (:func:`inputs_fingerprint`);
        it maps to the spec key (``inputs/<key>`` on disk), whose SVG is looked up as usual.
        """
        h = hashlib.sha256(inputs.encode("utf-8"))
        h.update(inputs_fingerprint().encode())
        ikey = h.hexdigest()
        spec_key = self._aliases.get(ikey) or self._read_alias(ikey)
        if spec_key is not None:
            svg = self._memory.get(spec_key) or self._read(spec_key)
            if svg is not None:
                self.hits += 1
                self._memory[spec_key] = svg
                self._aliases[ikey] = spec_key
                return svg
        spec = chart_spec(build())
        spec_key = _key(spec)
        svg = self._svg(spec, spec_key)
        self._aliases[ikey] = spec_key
        self._write_alias(ikey, spec_key)
        return svg

    def _svg(self, spec: Mapping[str, Any], key: str) -> str:
        if key in self._memory:
            self.hits += 1
            return self._memory[key]
        cached = self._read(key)
        if cached is not None:
            self.hits += 1
            self._memory[key] = cached
            return cached
        svg = _render(spec)
        self.rendered += 1
        self._memory[key] = svg
        self._write(key, svg)
        return svg

    def _read_alias(self, ikey: str) -> str | None:
        if self.directory is None:
            return None
        try:
            stored = (self.directory / "inputs" / ikey).read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError):
            return None
        text = unseal(f"inputs/{ikey}", stored)  # planted entries are misses (FINDINGS.md A7)
        return text if text is not None and _HEX64.fullmatch(text) else None

    def _write_alias(self, ikey: str, spec_key: str) -> None:
        if self.directory is not None:
            self._write_file(self.directory / "inputs" / ikey, seal(f"inputs/{ikey}", spec_key))

    def _read(self, key: str) -> str | None:
        path = self.path(key)
        if path is None:
            return None
        try:
            stored = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        text = unseal(f"svg/{key}", stored)  # planted entries are misses (FINDINGS.md A7)
        if text is None:
            return None
        # A truncated or foreign file is re-rendered rather than published.
        return text if text.startswith("<svg") and text.rstrip().endswith("</svg>") else None

    def _write(self, key: str, svg: str) -> None:
        path = self.path(key)
        if path is not None:
            self._write_file(path, seal(f"svg/{key}", svg))

    @staticmethod
    def _write_file(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name[:16]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
