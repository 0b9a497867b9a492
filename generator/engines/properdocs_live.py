"""The ProperDocs server of `assay serve`, run as a child process (ProperDocs takes over
every `mkdocs.*` module of the process that imports it).

    python -m generator.engines.properdocs_live CONFIG_FILE DEV_ADDR [--open]

The parent (`ProperDocsEngine.serve`) recompiles the site source and rewrites CONFIG_FILE
after each edit, then sends one JSON line on this process's standard input:
``{"removed": [docs-relative paths], "config": true|false}``. This process runs the same
build loop as MkDocs (generator/engines/live.py) on ProperDocs' own server: after each
line, a dirty build (a full one when the configuration changed), pages of removed files
deleted; end of input stops the server.
"""

from __future__ import annotations

import _thread
import errno
import json
import signal
import sys
import threading
from pathlib import Path

from .base import SiteSource, SourceChange


class ParentUpdates:
    """`LiveUpdates` fed by the parent process, one JSON line per recompile."""

    def __init__(self, source: SiteSource) -> None:
        self.source = source
        self.lock = threading.Lock()
        self.removed: list[str] = []
        self.config_changed = False
        self.pending = False
        threading.Thread(target=self._read, name="assay-parent", daemon=True).start()

    def _read(self) -> None:
        for line in sys.stdin:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            with self.lock:
                self.removed += [str(p) for p in message.get("removed", [])]
                self.config_changed |= bool(message.get("config"))
                self.pending = True
        _thread.interrupt_main()  # the parent is gone: stop serving

    def changed(self) -> bool:
        with self.lock:
            return self.pending

    def update(self) -> SourceChange:
        with self.lock:
            removed, self.removed = self.removed, []
            self.pending = False
        return SourceChange(self.source, removed=tuple(removed))

    def take_config_changed(self, source: SiteSource) -> bool:
        with self.lock:
            changed, self.config_changed = self.config_changed, False
        return changed


def main(argv: list[str]) -> None:
    import properdocs.replacement  # noqa: F401  # mkdocs.* now means properdocs.*

    from .live import serve_live

    config_file, dev_addr = Path(argv[0]), argv[1]
    source = SiteSource(config_file.parent)
    updates = ParentUpdates(source)
    # Terminated by the parent like an interrupted server: its temporary site is removed.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        serve_live(
            config_file,
            updates.take_config_changed,
            source,
            dev_addr,
            "--open" in argv[2:],
            updates,
        )
    except KeyboardInterrupt:
        return
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            sys.exit(f"error: {dev_addr} is already in use: pick another with -a IP:PORT")
        raise


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover - run by ProperDocsEngine.serve
    main(sys.argv[1:])
