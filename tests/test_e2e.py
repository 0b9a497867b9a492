"""End-to-end: build the bundled site, serve it on 127.0.0.1 and drive Debian's headless Chromium.

The browser is driven over the Chrome DevTools protocol (a websocket, `websocket-client`), so no
driver binary and no downloaded browser are needed, only `chromium` on PATH. CI installs it
(.ci/run); when it is missing these tests FAIL rather than skip, so a broken CI image cannot hide
a broken site.

Checks: Material's search finds a paper by a word of its summary; a benchmark chart's SVG is
rendered with a size and an accessible name; the pages load nothing from any host but the local
server (no web fonts, no CDN).

The screenshots in docs/screenshots/ are taken by tests/test_e2e_site.py with these helpers.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import itertools
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import websocket  # websocket-client, in the `test` extra
import yaml

from generator.engines import ENGINES

#: Engines whose site has Material for MkDocs' search dialog, which `search()` drives.
#: Zensical's own search dialog is driven by tests/test_engine_zensical.py.
MATERIAL_SEARCH = sorted(e for e in ENGINES if e != "zensical")

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-25"
WIDTH = 1280
TIMEOUT = 20.0  # seconds for any single wait
# (name, path under the site root) of the page types checked for off-site requests
SCREENSHOTS = [
    ("home.png", ""),
    ("radar.png", "radar/"),
    ("decision.png", "decisions/flash-attention-2-adopt/"),
    ("benchmark.png", "benchmarks/fa2-vs-sdpa-ranking-encoder/"),
    ("predictions.png", "predictions/"),
    ("review.png", "review/"),
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    f"--window-size={WIDTH},900",
    "--remote-debugging-port=0",  # Chromium picks a free port, written to DevToolsActivePort
]


# ---------------------------------------------------------------------------------------------
# A minimal DevTools-protocol client: one websocket to the browser, one page session (flat mode),
# plus the sessions of the page's workers so that their requests are seen too.


class DevTools:
    def __init__(self, ws_url: str) -> None:
        self.ws = websocket.create_connection(ws_url, timeout=TIMEOUT, suppress_origin=True)
        self.ids = itertools.count(1)
        self.session = ""
        self.requests: list[str] = []  # every URL any attached target asked for, in order

    def close(self) -> None:
        self.ws.close()

    def _send(self, method: str, params: dict[str, Any] | None, session: str) -> int:
        msg_id = next(self.ids)
        msg: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        return msg_id

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, browser: bool = False
    ) -> Any:
        """Send a command (to the page session unless `browser`) and return its result."""
        msg_id = self._send(method, params, "" if browser else self.session)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self._event(msg)
        raise TimeoutError(f"no answer to {method} within {TIMEOUT}s")

    def _event(self, msg: dict[str, Any]) -> None:
        method, params = msg["method"], msg.get("params", {})
        if method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Target.attachedToTarget":
            # A worker of the page (Material's search runs in one): watch its network too, then
            # let it run (it was paused by waitForDebuggerOnStart so no request is missed).
            child = params["sessionId"]
            self._send("Network.enable", None, child)
            self._send("Target.setAutoAttach", _AUTO_ATTACH, child)
            self._send("Runtime.runIfWaitingForDebugger", None, child)

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str, timeout: float = TIMEOUT) -> Any:
        """Poll a JavaScript expression until it is truthy; fail with `what` after `timeout`."""
        deadline = time.monotonic() + timeout
        last_error = ""
        while True:
            try:
                value = self.evaluate(expression)
            except RuntimeError as exc:  # e.g. the context went away during a navigation
                value, last_error = None, f" (last error: {exc})"
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout:.0f}s waiting for {what}{last_error}"
                )
            time.sleep(0.05)

    def goto(self, url: str) -> None:
        """Navigate and wait until the new document (not the old one) has loaded."""
        self.evaluate("document.assayStale = true")
        result = self.call("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise AssertionError(f"navigating to {url}: {result['errorText']}")
        self.wait_for(
            "!document.assayStale && document.readyState === 'complete'"
            f" && location.href === {json.dumps(url)}",
            f"{url} to load",
        )

    def type_text(self, text: str) -> None:
        """Type into the focused element key by key (Material listens to key events)."""
        for ch in text:
            self.call("Input.dispatchKeyEvent", {"type": "keyDown", "key": ch, "text": ch})
            self.call("Input.dispatchKeyEvent", {"type": "keyUp", "key": ch})


_AUTO_ATTACH = {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": True}


@contextlib.contextmanager
def chromium_page(chromium: str) -> Iterator[DevTools]:
    """Start headless Chromium with a fresh profile and yield a DevTools client on one tab."""
    with tempfile.TemporaryDirectory(prefix="assay-chromium-") as profile:
        proc = subprocess.Popen(
            [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        devtools: DevTools | None = None
        try:
            active_port = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + TIMEOUT
            while not (active_port.exists() and len(active_port.read_text().split()) >= 2):
                if proc.poll() is not None:
                    raise AssertionError(f"{chromium} exited with {proc.returncode} on start")
                if time.monotonic() > deadline:
                    raise AssertionError(f"{chromium} opened no DevTools port in {TIMEOUT}s")
                time.sleep(0.05)
            port, path = active_port.read_text().split()[:2]
            devtools = DevTools(f"ws://127.0.0.1:{port}{path}")
            target = devtools.call("Target.createTarget", {"url": "about:blank"}, browser=True)
            devtools.session = devtools.call(
                "Target.attachToTarget",
                {"targetId": target["targetId"], "flatten": True},
                browser=True,
            )["sessionId"]
            for domain in ("Page", "Runtime", "Network"):
                devtools.call(f"{domain}.enable")
            devtools.call("Target.setAutoAttach", _AUTO_ATTACH)
            devtools.call(
                "Emulation.setDeviceMetricsOverride",
                {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            )
            yield devtools
        finally:
            if devtools is not None:
                with contextlib.suppress(Exception):
                    devtools.call("Browser.close", browser=True)
                devtools.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ---------------------------------------------------------------------------------------------
# Fixtures: the built site, a local HTTP server for it, the browser.


def build_site(target: Path, engine: str = "mkdocs", root: Path = REPO) -> Path:
    """`assay build` a knowledge base (default: the bundled one) into `target` with `engine`,
    as of the fixed test date."""
    command = [sys.executable, "-m", "generator", "build", "--root", str(root)]
    command += ["--site-dir", str(target), "--as-of", AS_OF, "--engine", engine]
    done = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"assay build failed:\n{done.stdout}\n{done.stderr}"
    return target


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve `site` on 127.0.0.1 (a free port) from a thread; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def find_chromium() -> str:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(
            "chromium is not installed (the end-to-end test needs it): "
            "apt-get install -y chromium — .ci/run does this",
            pytrace=False,
        )
    return chromium


@pytest.fixture(scope="module", params=MATERIAL_SEARCH)
def base_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The bundled site built by each engine with Material's search dialog."""
    site = build_site(tmp_path_factory.mktemp(f"site-{request.param}"), request.param)
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module", params=sorted(ENGINES))
def any_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The bundled site, built by each engine of the registry in turn."""
    site = build_site(tmp_path_factory.mktemp(f"any-{request.param}"), request.param)
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module", params=sorted(ENGINES))
def hostile_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A knowledge base with a payload in every field (tests/hostile), built by each engine."""
    from hostile.test_render_contexts import make_hostile_kb

    base = tmp_path_factory.mktemp(f"hostile-{request.param}")
    root = make_hostile_kb(base / "kb")
    with serve(build_site(base / "site", request.param, root)) as url:
        yield url


@pytest.fixture(scope="module")
def page() -> Iterator[DevTools]:
    with chromium_page(find_chromium()) as devtools:
        yield devtools


# ---------------------------------------------------------------------------------------------
# Helpers


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, f"{path}: no front matter"
    data = yaml.safe_load(match.group(1))
    assert isinstance(data, dict)
    return data


def distinctive_summary_word() -> tuple[str, str]:
    """(word, paper id): a word of one paper's summary found in no other file under content/.

    Deterministic: the longest such word, ties broken alphabetically.
    """
    texts = {p: p.read_text(encoding="utf-8").lower() for p in (REPO / "content").rglob("*.md")}
    candidates = []
    for paper in sorted((REPO / "content" / "papers").glob("*.md")):
        summary = str(_front_matter(paper)["summary"])
        for word in set(re.findall(r"\b[A-Za-z]{6,}\b", summary)):
            pattern = re.compile(rf"\b{word.lower()}\b")
            if [p for p, t in texts.items() if pattern.search(t)] == [paper]:
                candidates.append((-len(word), word, paper.stem))
    assert candidates, "no paper summary has a word that appears in no other record"
    _, word, paper_id = min(candidates)
    return word, paper_id


_RESULT_LINKS = (
    "[...document.querySelectorAll('.md-search-result__item a.md-search-result__link')]"
    ".map(e => e.href)"
)


def search(page: DevTools, base_url: str, query: str, expected: str) -> None:
    """On the home page, type `query` into Material's search box and wait until a result links
    to the page `expected` (an absolute URL, compared without query string and fragment)."""
    page.goto(base_url)
    # The search worker fetches and indexes search/search_index.json; until it is ready the
    # result panel reads "Initializing search" instead of the configured placeholder.
    page.wait_for(
        "(() => { const c = JSON.parse(document.getElementById('__config').textContent);"
        "  const m = document.querySelector('.md-search-result__meta');"
        "  return m && m.textContent.trim() === c.translations['search.result.placeholder']; })()",
        "the search index to be ready",
    )
    page.evaluate("document.querySelector('input.md-search__input').focus()")
    page.type_text(query)
    # Results update as you type (first for "m", then "ma", ...): wait for those of the whole
    # query to list the expected page rather than taking the first results that show up.
    try:
        page.wait_for(
            f"document.querySelector('input.md-search__input').value === {json.dumps(query)}"
            f" && {_RESULT_LINKS}.some(h => h.split(/[?#]/)[0] === {json.dumps(expected)})",
            f"a search result for {query!r} linking to {expected}",
        )
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the results link to {page.evaluate(_RESULT_LINKS)}") from None


# ---------------------------------------------------------------------------------------------
# Tests


def test_chromium_is_installed() -> None:
    # Reported as a failure of its own; the tests below then error in their browser fixture.
    assert find_chromium()


def test_search_finds_a_paper_by_a_word_of_its_summary(page: DevTools, base_url: str) -> None:
    word, paper_id = distinctive_summary_word()  # e.g. "mathematically", from smoothquant.md
    search(page, base_url, word, f"{base_url}papers/{paper_id}/")


def test_benchmark_chart_svg_is_visible(page: DevTools, any_url: str) -> None:
    page.goto(f"{any_url}benchmarks/fa2-vs-sdpa-ranking-encoder/")
    charts = page.wait_for(
        "(() => { const s = [...document.querySelectorAll('figure.assay-chart svg')];"
        "  return s.length ? s.map(e => { const r = e.getBoundingClientRect();"
        "    return {width: r.width, height: r.height, role: e.getAttribute('role'),"
        "            label: e.getAttribute('aria-label'),"
        "            visible: getComputedStyle(e).visibility !== 'hidden'"
        "                     && getComputedStyle(e).display !== 'none'}; }) : null; })()",
        "a chart (figure.assay-chart svg) on the benchmark page",
    )
    for chart in charts:
        assert chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["visible"], chart
        assert chart["role"] == "img", chart
        assert chart["label"] and chart["label"].strip(), chart


def test_pages_request_nothing_but_the_local_server(page: DevTools, base_url: str) -> None:
    page.requests.clear()
    for _, path in SCREENSHOTS:  # home, radar, a decision, a benchmark, predictions, review
        page.goto(base_url + path)
    word, paper_id = distinctive_summary_word()
    search(page, base_url, word, f"{base_url}papers/{paper_id}/")

    origin = urlsplit(base_url)
    foreign = [
        url
        for url in page.requests
        if not (
            url.startswith(("data:", "blob:"))
            or (urlsplit(url).scheme, urlsplit(url).netloc) == (origin.scheme, origin.netloc)
        )
    ]
    assert not foreign, "the site made requests to other hosts:\n" + "\n".join(sorted(set(foreign)))
    # The capture really saw the pages' scripts, styles and the search index.
    assert any(url.endswith(".js") for url in page.requests), page.requests
    assert any(url.endswith(".css") for url in page.requests), page.requests
    assert any(url.endswith("search/search_index.json") for url in page.requests), page.requests


_TRAP = (
    "window.__pwn = []; for (const f of ['alert', 'confirm', 'prompt', 'print'])"
    " window[f] = (m) => window.__pwn.push(String(m));"
)
_LIVE_DOM = """(() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = a.value.replace(/[\\s\\x00-\\x20]+/g, '').toLowerCase();
      if (a.name.startsWith('on') && v.includes('pwn')) bad.push(el.tagName + ' ' + a.name);
      if (/^(href|src|action|formaction|xlink:href|data)$/.test(a.name)
          && /^(javascript|data|vbscript):/.test(v) && v.includes('pwn')) bad.push(el.tagName + ' ' + a.name);
    }
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'BASE'].includes(el.tagName)
        && (el.outerHTML.includes('PWN'))) bad.push(el.tagName);
  }
  const stray = [...document.body.querySelectorAll('title')].filter(t => !t.closest('svg'));
  if (document.title.includes('<') || document.head.querySelectorAll('title').length !== 1
      || stray.length) bad.push('title');
  return bad;
})()"""


def test_hostile_records_are_inert_in_the_browser(page: DevTools, hostile_url: str) -> None:
    """Pages holding a payload in every field run none of it, in a real browser (every
    engine): no dialog opens, no live handler, script or javascript: URL is in the DOM."""
    page.call("Page.addScriptToEvaluateOnNewDocument", {"source": _TRAP})
    for path in ("", "papers/lora/", "papers/", "decisions/flash-attention-adopt/",
                 "benchmarks/fa-latency/", "radar/", "tags/"):  # fmt: skip
        page.goto(hostile_url + path)
        page.evaluate("new Promise(r => setTimeout(() => r(true), 300))")
        assert page.evaluate(_LIVE_DOM) == [], path
        assert page.evaluate("window.__pwn") == [], path


@pytest.fixture(scope="module", params=MATERIAL_SEARCH)
def hostile_search_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    from hostile.test_render_contexts import make_hostile_kb

    base = tmp_path_factory.mktemp(f"hostile-search-{request.param}")
    root = make_hostile_kb(base / "kb")
    with serve(build_site(base / "site", request.param, root)) as url:
        yield url


def test_hostile_search_results_are_inert(page: DevTools, hostile_search_url: str) -> None:
    """Material renders search results (indexed titles and text) as HTML: searching for
    the payloads shows them, and runs none."""
    page.call("Page.addScriptToEvaluateOnNewDocument", {"source": _TRAP})
    search(page, hostile_search_url, "PWN", f"{hostile_search_url}papers/lora/")
    page.evaluate("new Promise(r => setTimeout(() => r(true), 500))")
    assert page.evaluate(_LIVE_DOM) == []
    assert page.evaluate("window.__pwn") == []
