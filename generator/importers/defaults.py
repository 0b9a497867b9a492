"""Values a new record needs that the tool's file may not state: owner and hardware."""

from __future__ import annotations

import getpass
import os
import platform
import re
import subprocess
from pathlib import Path

from .base import bad_name_char


def clean(text: str, limit: int = 200) -> str:
    """One line of printable text: control and formatting characters dropped, whitespace
    collapsed, at most `limit` characters (a valid owner or hardware string, or '')."""
    kept = "".join(
        " " if ch.isspace() else ch for ch in text if not bad_name_char(ch) or ch.isspace()
    )
    return re.sub(r" +", " ", kept).strip()[:limit].strip()


def owner(given: str | None, root: Path) -> str:
    """--owner, else git's user.name in `root`, else the system user, else 'unknown'."""
    if given is not None:
        return clean(given)
    try:
        result = subprocess.run(
            ["git", "config", "user.name"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        name = clean(result.stdout) if result.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError, UnicodeDecodeError):
        name = ""
    if name:
        return name
    try:
        name = clean(getpass.getuser())
    except (OSError, KeyError):
        name = ""
    return name or "unknown"


def host_hardware() -> str:
    """This machine: CPU model, CPU count, architecture, operating system."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        model = platform.processor()
    parts = [
        model,
        f"{os.cpu_count()} CPUs" if os.cpu_count() else "",
        platform.machine(),
        f"{platform.system()} {platform.release()}".strip(),
    ]
    return clean(", ".join(p for p in parts if p)) or "unknown host"
