"""ProperDocs (a maintained fork of MkDocs 1.x) + Material: renders a compiled site source.

ProperDocs reads the same configuration as MkDocs and loads MkDocs plugins and themes
(Material, mkdocs-macros, Assay's `assay-engine`), but on import it redirects every
`mkdocs.*` module of the process to its own: so it always runs in a child process.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import yaml

from .base import POLL_INTERVAL, EngineError, LiveUpdates, SiteSource, stop_process
from .mkdocs import ConfigFile, mkdocs_config

#: Off: `build` starts ProperDocs only once the site source is compiled (tests compare the
#: two ways; benchmarks).
PRESTART = os.environ.get("ASSAY_ENGINE_PRESTART", "1") != "0"


def _command(*args: str) -> list[str]:
    # -P: the current folder (the repository, whose files arrive by pull request) is not
    # on the module search path of the child.
    return [sys.executable, "-P", "-m", "properdocs", *args]


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

    def __init__(self) -> None:
        self._started: subprocess.Popen[str] | None = None

    def start(self) -> None:
        """Start ProperDocs' process now, to do its imports while Assay compiles; `build`
        gives it its arguments (generator/engines/properdocs_start.py). The caller calls
        `stop` when the build ends, whatever happened."""
        if not PRESTART or self._started is not None:
            return
        import importlib.util

        if importlib.util.find_spec("properdocs") is None:
            return  # `build` says so
        try:
            self._started = subprocess.Popen(
                [sys.executable, "-P", "-m", f"{__package__}.properdocs_start", str(os.getpid())],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError:
            self._started = None  # `build` starts ProperDocs itself

    def stop(self) -> None:
        """End the process `start` made if `build` did not use it (end of input, then kill)."""
        proc, self._started = self._started, None
        if proc is not None:
            _end(proc)

    def build(self, source: SiteSource, site_dir: Path) -> None:
        _check_installed()
        config = _write_config(source)
        args = ["build", "-q", "-f", str(config), "-d", str(site_dir)]
        proc, self._started = self._started, None
        if proc is not None and proc.poll() is not None:
            _end(proc)  # it died before its arguments came: run ProperDocs as usual
            proc = None
        if proc is None:
            done = subprocess.run(_command(*args), capture_output=True, text=True, check=False)
            code, stderr = done.returncode, done.stderr
        else:
            try:
                _, stderr = proc.communicate(json.dumps(args) + "\n")
            except BaseException:  # interrupted: ProperDocs goes with us (as subprocess.run)
                _end(proc)
                raise
            code = proc.returncode
        if code != 0:
            lines = [ln for ln in stderr.splitlines() if ln.strip()]
            raise EngineError("ProperDocs failed: " + (lines[-1] if lines else f"exit {code}"))

    def serve(
        self, source: SiteSource, dev_addr: str, open_browser: bool, live: LiveUpdates
    ) -> None:
        _check_installed()
        config = _write_config(source)
        # ProperDocs runs Assay's live build loop in a child process (it takes over the
        # `mkdocs` modules of the process importing it); this process recompiles and tells
        # it what changed, one JSON line per recompile (generator/engines/properdocs_live.py).
        args = [
            sys.executable,
            "-P",
            "-m",
            "generator.engines.properdocs_live",
            str(config),
            dev_addr,
        ]
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


def _end(proc: subprocess.Popen[Any]) -> None:
    """Close the pipes of a started ProperDocs process, stop it if it runs, and reap it."""
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    stop_process(proc, grace=0)
