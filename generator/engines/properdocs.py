"""ProperDocs (a maintained fork of MkDocs 1.x) + Material: renders a compiled site source.

ProperDocs reads the same configuration as MkDocs and loads MkDocs plugins and themes
(Material, mkdocs-macros, Assay's `assay-engine`), but on import it redirects every
`mkdocs.*` module of the process to its own: so it always runs in a child process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import yaml

from .base import POLL_INTERVAL, EngineError, LiveUpdates, SiteSource, stop_process
from .mkdocs import ConfigFile, mkdocs_config


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "properdocs", *args]


def _write_config(source: SiteSource) -> Path:
    path = source.root / "properdocs.yml"
    path.write_text(yaml.safe_dump(mkdocs_config(source), sort_keys=False), encoding="utf-8")
    return path


def _check_installed() -> None:
    import importlib.util

    if importlib.util.find_spec("properdocs") is None:
        raise EngineError("ProperDocs is not installed: pip install 'assay[properdocs]'")


class ProperDocsEngine:
    """ProperDocs with Material, run as `python -m properdocs`."""

    name = "properdocs"
    runs_user_macros = True

    def build(self, source: SiteSource, site_dir: Path) -> None:
        _check_installed()
        config = _write_config(source)
        proc = subprocess.run(
            _command("build", "-q", "-f", str(config), "-d", str(site_dir)),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            raise EngineError(
                "ProperDocs failed: " + (lines[-1] if lines else f"exit {proc.returncode}")
            )

    def serve(
        self, source: SiteSource, dev_addr: str, open_browser: bool, live: LiveUpdates
    ) -> None:
        _check_installed()
        config = _write_config(source)
        # ProperDocs runs Assay's live build loop in a child process (it takes over the
        # `mkdocs` modules of the process importing it); this process recompiles and tells
        # it what changed, one JSON line per recompile (generator/engines/properdocs_live.py).
        args = [sys.executable, "-m", "generator.engines.properdocs_live", str(config), dev_addr]
        if open_browser:
            args.append("--open")
        proc = subprocess.Popen(args, stdin=subprocess.PIPE, text=True)
        stop = threading.Event()
        config_file = ConfigFile(source, config.name)

        def pump() -> None:
            assert proc.stdin is not None
            while not stop.wait(POLL_INTERVAL):
                if not live.changed():
                    continue
                change = live.update()
                message = {
                    "removed": list(change.removed),
                    "config": config_file.update(change.source),
                }
                try:
                    proc.stdin.write(json.dumps(message) + "\n")
                    proc.stdin.flush()
                except (BrokenPipeError, ValueError):  # the server stopped
                    return

        watcher = threading.Thread(target=pump, daemon=True)
        watcher.start()
        try:
            code = proc.wait()
        finally:  # interrupted or terminated: the server goes with us
            stop.set()
            stop_process(proc)
        if code != 0:
            raise EngineError(f"ProperDocs' server stopped (exit {code})")
