"""The live server of the MkDocs family for `assay serve`: one build loop for Assay and MkDocs.

MkDocs' own `serve` polls the docs folder (every 0.5 s), waits for the writes to settle,
reloads the configuration and every plugin, and, when a build raises, leaves each request
waiting for a build that never comes. Here Assay drives MkDocs' `LiveReloadServer`:

* Assay's poll of the knowledge base (every 0.1 s, `engines.base.POLL_INTERVAL`) asks for a
  rebuild; the build loop then recompiles the site source (only changed files are written)
  and runs a dirty MkDocs build, which renders just the pages whose file was rewritten.
  Requests arriving meanwhile wait for that build, so no page is served half-updated;
* when the engine configuration changed (the user's mkdocs.yml, a maintainer page added
  to or removed from the navigation) the build is a full one: every page shows the new
  navigation and settings;
* a build never raises out of the loop: a failure is reported in the terminal and the
  previous site stays served, so no request hangs;
* templates are compiled once per process (an in-memory Jinja bytecode cache), not on
  every rebuild.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .base import POLL_INTERVAL, LiveUpdates, SiteSource

log = logging.getLogger("assay.serve")


def _template_code_cache() -> Any:
    """A Jinja bytecode cache kept in memory across the rebuilds of one server."""
    import jinja2

    class Cache(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.store: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            data = self.store.get(bucket.key)
            if data is not None:
                bucket.bytecode_from_string(data)

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.store[bucket.key] = bucket.bytecode_to_string()

    return Cache()


def _with_code_cache(theme: Any, cache: Any) -> None:
    """Have every Jinja environment `theme` makes use `cache` (MkDocs makes one per build;
    set on the theme, not by a plugin: an added plugin would turn the page output cache off,
    engines/outputcache.py)."""
    make_env = theme.get_env

    def get_env() -> Any:
        env = make_env()
        env.bytecode_cache = cache
        return env

    theme.get_env = get_env


def _remove_output(rel: str, config: Any, site_dir: str) -> None:
    """Delete what MkDocs built from the docs file `rel` (and folders left empty)."""
    from mkdocs.structure.files import File

    built = Path(File(rel, config.docs_dir, site_dir, config.use_directory_urls).abs_dest_path)
    site = Path(site_dir).resolve()
    if not built.resolve().is_relative_to(site) or built.resolve() == site:
        return
    built.unlink(missing_ok=True)
    folder = built.parent
    while folder.resolve() != site and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def serve_live(
    config_file: Path,
    write_config: Callable[[SiteSource], bool],
    source: SiteSource,
    dev_addr: str,
    open_browser: bool,
    live: LiveUpdates,
) -> None:
    """Serve `source` (its MkDocs configuration at `config_file`) until interrupted,
    rebuilding after each change `live` reports; `write_config(source)` writes the engine
    configuration of a recompiled source and says whether it changed."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.livereload import LiveReloadServer, _serve_url

    class Server(LiveReloadServer):
        def request_rebuild(self) -> None:
            with self._rebuild_cond:
                self._want_rebuild = True
                self._rebuild_cond.notify_all()

    site_dir = tempfile.mkdtemp(prefix="assay-site-")
    templates = _template_code_cache()

    def get_config() -> Any:
        cfg: Any = load_config(str(config_file), site_dir=site_dir, dev_addr=dev_addr)
        _with_code_cache(cfg.theme, templates)
        return cfg

    config = get_config()
    config.plugins.on_startup(command="serve", dirty=True)
    host, port = config.dev_addr
    mount_path = urlsplit(config.site_url or "/").path
    config.site_url = serve_url = _serve_url(host, port, mount_path)

    failed = [False]  # the last build failed: the next one is a full one

    def builder(cfg: Any = None) -> None:
        full = cfg is not None or failed[0]
        started = time.perf_counter()
        if cfg is None:
            change = live.update()
            # A dirty build never deletes: the pages of removed files go here.
            for rel in change.removed:
                _remove_output(rel, config, site_dir)
            # A new configuration (settings, navigation) shows on every page: full build.
            full = write_config(change.source) or full
        compiled = time.perf_counter()
        try:
            if cfg is None:
                cfg = get_config()
            cfg.site_url = serve_url
            build(cfg, serve_url=serve_url, dirty=not full)
            failed[0] = False
            log.info(
                "site updated in %.2fs (Assay %.2fs, %s build %.2fs)",
                time.perf_counter() - started,
                compiled - started,
                "full" if full else "dirty",
                time.perf_counter() - compiled,
            )
        except (Exception, SystemExit) as exc:  # a server must outlive a failed build
            failed[0] = True
            print(
                f"assay: the engine could not rebuild the site: {exc}",
                file=sys.stderr,
                flush=True,
            )

    server = Server(builder=builder, host=host, port=port, root=site_dir, mount_path=mount_path)
    server.build_delay = 0.0  # Assay asks once per recompile: nothing to wait for

    def error_page(code: int) -> bytes | None:
        page = os.path.join(site_dir, f"{code}.html")
        if code in (404, 500) and os.path.isfile(page):
            with open(page, "rb") as f:
                return f.read()
        return None

    server.error_handler = error_page
    stop = threading.Event()
    try:
        builder(config)
        # The server injects its reload script only while it watches a path: an empty
        # folder nobody writes (Assay, not a file observer, triggers the rebuilds).
        quiet_dir = source.root / ".watch"
        quiet_dir.mkdir(exist_ok=True)
        server.watch(str(quiet_dir))
        server = config.plugins.on_serve(server, config=config, builder=builder)

        def poll() -> None:
            while not stop.wait(POLL_INTERVAL):
                if live.changed():
                    server.request_rebuild()

        watcher = threading.Thread(target=poll, name="assay-watch", daemon=True)
        watcher.start()
        try:
            server.serve(open_in_browser=open_browser)
        except KeyboardInterrupt:
            log.info("Shutting down...")
        finally:
            stop.set()
            server.shutdown()
    finally:
        config.plugins.on_shutdown()
        shutil.rmtree(site_dir, ignore_errors=True)
