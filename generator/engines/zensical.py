"""The Zensical engine: renders a compiled site source with `zensical build` / `zensical serve`.

Zensical (by the makers of Material for MkDocs) reads an `mkdocs.yml`-style file, runs no
MkDocs plugins or hooks and renders pages with Python-Markdown and minijinja templates. This
adapter writes that file from `SiteSource.config`, runs Zensical in a subprocess (bounded
time, killable, isolated from Assay's interpreter state) and moves the result into the
folder Assay publishes. What differs from MkDocs is written in docs/engines.md.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from .base import POLL_INTERVAL, EngineError, LiveUpdates, SiteSource, stop_process

log = logging.getLogger(__name__)

#: The configuration file the adapter writes into the source folder (not `mkdocs.yml`, so
#: that it never collides with the file another engine's adapter writes there).
CONFIG_NAME = "zensical.yml"
#: Where Zensical renders, inside the source folder: Zensical refuses a `site_dir` outside
#: the folder that holds its configuration, so the result is moved out after the build.
OUTPUT_NAME = ".zensical-site"

#: Settings passed on to Zensical; anything else in the configuration (`hooks`,
#: `INHERIT`, `docs_dir`, `site_dir`, `watch`, …) is Assay's business or unsafe to forward.
PASSED_KEYS = (
    "site_name",
    "site_description",
    "site_author",
    "site_url",
    "copyright",
    "repo_url",
    "repo_name",
    "edit_uri",
    "use_directory_urls",
    "theme",
    "nav",
    "extra",
    "extra_css",
    "extra_javascript",
    "markdown_extensions",
    "validation",
)
#: Plugins Zensical implements natively and that only read the site source. Every other
#: plugin is dropped: Zensical's emulations of macros and markdown-exec run code found in
#: page text, include-markdown reads files, privacy/social/offline fetch from the network
#: or add CDN scripts, and the rest have no meaning for a compiled source.
PASSED_PLUGINS = frozenset({"search", "tags"})
#: MkDocs' own default when `markdown_extensions` is not configured, so that a site source
#: renders alike on every engine (Zensical's default list adds magiclink, emoji, arithmatex, …).
MKDOCS_DEFAULT_EXTENSIONS = ["toc", "tables", "fenced_code"]
DEFAULT_SITE_NAME = "Research knowledge base"

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_LOCATION = re.compile(r"\[\s*([^\]\s][^\]]*?)\s*\]")
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception): (.+)$")


class ZensicalEngine:
    """Runs Zensical on a site source. Assay's own macros are expanded while compiling;
    users' mkdocs-macros are not run (Zensical's emulation would execute page text)."""

    name = "zensical"
    runs_user_macros = False

    def __init__(self, timeout: float = 900.0) -> None:
        #: seconds a build may take before it is killed and reported as failed
        self.timeout = timeout

    def build(self, source: SiteSource, site_dir: Path) -> None:
        config_path = write_config(source)
        output = source.root / OUTPUT_NAME
        _remove(output)
        result = _run(
            [*_command(), "build", "--config-file", str(config_path)],
            cwd=source.root,
            timeout=self.timeout,
        )
        for warning in _warnings(result):
            log.warning("zensical: %s", warning)
        if not (output / "index.html").is_file():
            raise EngineError(
                "zensical reported success but wrote no index.html: is there a docs/index.md "
                "in the site source?"
            )
        _move_contents(output, site_dir)

    def serve(
        self, source: SiteSource, dev_addr: str, open_browser: bool, live: LiveUpdates
    ) -> None:
        _show_progress()
        config_path = write_config(source)
        cmd = [*_command(), "serve", "--config-file", str(config_path), "--dev-addr", dev_addr]
        # Zensical watches the site source itself and Assay keeps the source up to date. Its
        # server stops on a file deleted under it and does not reread its configuration:
        # after a recompile that removed files or changed the configuration, Assay restarts
        # it (a full build; edits, the common case, need no restart).
        stop = threading.Event()
        restart = threading.Event()
        updating = threading.Lock()
        running: list[subprocess.Popen[bytes]] = []

        def keep_up() -> None:
            while not stop.wait(POLL_INTERVAL):
                with updating:
                    if not live.changed():
                        continue
                    change = live.update()
                    old = config_path.read_bytes()
                    if change.removed or write_config(change.source).read_bytes() != old:
                        restart.set()
                        for proc in running:
                            proc.terminate()

        watcher = threading.Thread(target=keep_up, daemon=True)
        watcher.start()
        try:
            first = True
            while True:
                args = [*cmd, "--open"] if open_browser and first else cmd
                first = False
                try:
                    _serve(args, cwd=source.root, started=running.append)
                except EngineError:
                    with updating:  # a restart on its way explains the stop
                        if not restart.is_set():
                            raise
                running.clear()
                with updating:
                    if not restart.is_set():
                        return
                    restart.clear()
        finally:
            stop.set()
            watcher.join(timeout=5)


def zensical_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Zensical's settings for an engine-neutral (MkDocs-style) site configuration.

    Deterministic, no I/O (it only logs what it drops or overrides). Web fonts are always off
    (the site works offline), the theme's `classic` variant is the default so that the site
    looks as it does on Material for MkDocs, and only `PASSED_PLUGINS` survive.
    """
    out: dict[str, Any] = {}
    for key in PASSED_KEYS:
        if key in config and config[key] is not None:
            out[key] = _plain(config[key], key)
    out.setdefault("site_name", DEFAULT_SITE_NAME)
    out["site_name"] = str(out["site_name"])

    theme = out.get("theme")
    theme = {"name": theme} if isinstance(theme, str) else dict(_mapping(theme, "theme"))
    theme.setdefault("name", "material")
    if theme.get("font") not in (None, False):
        log.warning("zensical: theme.font ignored: the site loads no web fonts (works offline)")
    theme["font"] = False
    theme.setdefault("variant", "classic")
    custom_dir = theme.get("custom_dir")
    config_file = config.get("config_file")
    if isinstance(custom_dir, str) and isinstance(config_file, str):
        # Relative to the user's mkdocs.yml, not to the file written into the source.
        theme["custom_dir"] = str(Path(config_file).parent / custom_dir)
    out["theme"] = theme

    extra = dict(_mapping(out.get("extra"), "extra"))
    # The theme's "Made with Zensical" footer links to zensical.org; MkDocs users who want
    # a generator notice can set `extra.generator: true`.
    extra.setdefault("generator", False)
    out["extra"] = extra

    out["markdown_extensions"] = _extensions(out.get("markdown_extensions"))
    out["validation"] = _validation(out.get("validation"))
    out["plugins"] = _plugins(config.get("plugins") or [])
    out["docs_dir"] = "docs"
    out["site_dir"] = OUTPUT_NAME
    return out


def write_config(source: SiteSource) -> Path:
    """Write Zensical's configuration into the source folder; return its path."""
    path = source.root / CONFIG_NAME
    text = yaml.safe_dump(
        zensical_config(source.config), sort_keys=False, allow_unicode=True, width=1 << 16
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise EngineError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise EngineError(
            f"the site configuration setting '{key}' must be a mapping, not "
            f"{type(value).__name__}: fix it in mkdocs.yml"
        )
    return value


def _plugins(plugins: Any) -> list[Any]:
    entries: Iterable[Any] = plugins.items() if isinstance(plugins, Mapping) else plugins
    kept: list[Any] = []
    for entry in entries:
        if isinstance(entry, tuple):
            name, options = entry
        elif isinstance(entry, Mapping) and len(entry) == 1:
            name, options = next(iter(entry.items()))
        else:
            name, options = entry, None
        name = str(name)
        if name.removeprefix("material/") not in PASSED_PLUGINS:
            if name not in ("assay", "macros"):
                log.warning("zensical: plugin '%s' is not run by the zensical engine", name)
            continue
        kept.append({name: _plain(options, f"plugins.{name}")} if options else name)
    return kept


#: Link settings of `validation` that Zensical reads (MkDocs' `links:` group is hoisted).
_LINK_VALIDATION = {"links", "not_found", "anchors", "invalid_links", "invalid_link_anchors"}


def _validation(validation: Any) -> Any:
    """Zensical's link checks are off unless the configuration asks for them.

    Zensical checks links inside raw HTML too, and on a compiled site source, whose pages
    are raw HTML full of links Assay resolved itself (`assay check` reports a missing
    reference), that check doubled the build time at 250 records. A `validation.links`
    group (or Zensical's own keys) in mkdocs.yml switches it back on.
    """
    if isinstance(validation, bool):
        return validation
    out = dict(validation) if isinstance(validation, Mapping) else {}
    if not _LINK_VALIDATION & out.keys():
        out["invalid_links"] = False
        out["invalid_link_anchors"] = False
    return out


def _extensions(extensions: Any) -> list[Any]:
    """Markdown extensions as Zensical reads them; options left empty by a `!!python/…` tag
    Assay could not resolve are dropped, so the extension uses its own default."""
    if extensions is None:
        return list(MKDOCS_DEFAULT_EXTENSIONS)
    entries = extensions.items() if isinstance(extensions, Mapping) else extensions
    out: list[Any] = []
    for entry in entries:
        if isinstance(entry, tuple) or (isinstance(entry, Mapping) and len(entry) == 1):
            name, options = entry if isinstance(entry, tuple) else next(iter(entry.items()))
            if isinstance(options, Mapping):
                options = {k: v for k, v in options.items() if v is not None}
            out.append({name: options} if options else name)
        else:
            out.append(entry)
    return out


def _plain(value: Any, where: str) -> Any:
    """`value` as data YAML can write safely; Python objects from `!!python/name:` tags
    become the dotted name Zensical resolves itself."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, where) for v in value]
    if callable(value) and hasattr(value, "__module__") and hasattr(value, "__qualname__"):
        return f"{value.__module__}.{value.__qualname__}"
    raise EngineError(
        f"the site configuration setting '{where}' holds a {type(value).__name__}, "
        "which the zensical engine cannot pass on: write it as plain YAML"
    )


def _command() -> list[str]:
    if importlib.util.find_spec("zensical") is None:
        raise EngineError(
            "the zensical engine is not installed: pip install zensical (or choose --engine mkdocs)"
        )
    # -P: the source folder (the working directory) is never put on sys.path.
    return [sys.executable, "-P", "-m", "zensical"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env.setdefault("PYTHONUNBUFFERED", "1")  # `serve` progress lines arrive as they happen
    return env


def _run(cmd: list[str], cwd: Path, timeout: float) -> str:
    """Run `cmd`; return its output, or raise EngineError with one line on failure."""
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a timeout kills all of it
        )
    except OSError as exc:
        raise EngineError(f"cannot run zensical: {exc.strerror or exc}") from exc
    try:
        raw, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise EngineError(f"zensical did not finish within {timeout:g} s and was stopped") from None
    except BaseException:
        _kill_group(proc)
        raise
    output = _ANSI.sub("", raw.decode("utf-8", "replace"))
    if proc.returncode != 0:
        raise EngineError(f"zensical build failed: {_failure(output, proc.returncode)}")
    return output


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _serve(
    cmd: list[str],
    cwd: Path,
    started: Callable[[subprocess.Popen[bytes]], None] | None = None,
) -> None:
    """Run `zensical serve` in the foreground, echoing its output, until interrupted or
    terminated (`started` gets the process)."""
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    except OSError as exc:
        raise EngineError(f"cannot run zensical: {exc.strerror or exc}") from exc
    if started is not None:
        started(proc)
    tail: list[str] = []
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = _ANSI.sub("", raw.decode("utf-8", "replace")).rstrip()
            tail = [*tail[-40:], line]
            if line:
                log.info("zensical: %s", line)
        proc.wait()
    except KeyboardInterrupt:
        stop_process(proc)
        return
    if proc.returncode not in (0, -signal.SIGINT, -signal.SIGTERM):
        raise EngineError(f"zensical serve failed: {_failure(chr(10).join(tail), proc.returncode)}")


def _show_progress() -> None:
    """`assay serve` shows Zensical's progress lines (its address, each rebuild)."""
    if not log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
    log.setLevel(logging.INFO)


def _failure(output: str, returncode: int) -> str:
    """The one line of Zensical's output that says why it failed."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("Error: "):
            return line.removeprefix("Error: ")
    for line in reversed(lines):
        if m := _EXCEPTION_LINE.match(line):
            message = m.group(1)
            warnings = _warnings(output)
            return f"{message} ({warnings[0]})" if warnings else message
    return lines[-1] if lines else f"exit status {returncode}"


def _warnings(output: str) -> list[str]:
    """Zensical's warnings, one line each: 'message (file:line:col)'."""
    found: list[str] = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        text = line.strip()
        if not text.startswith("Warning:"):
            continue
        message = text.removeprefix("Warning:").strip()
        for follow in lines[i + 1 : i + 3]:
            if m := _LOCATION.search(follow):
                message = f"{message} ({m.group(1)})"
                break
        found.append(message)
    return found


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _move_contents(output: Path, site_dir: Path) -> None:
    """Move what Zensical wrote into `site_dir` (renames on one file system)."""
    try:
        site_dir.mkdir(parents=True, exist_ok=True)
        for child in sorted(output.iterdir()):
            target = site_dir / child.name
            if target.exists() or target.is_symlink():
                # The folder is Assay's fresh staging folder: never overwrite what is there.
                raise EngineError(f"cannot build into {site_dir}: it already holds {child.name}")
            shutil.move(str(child), str(target))
        output.rmdir()
    except OSError as exc:
        raise EngineError(
            f"cannot move the built site into {site_dir}: {exc.strerror or exc}"
        ) from exc
