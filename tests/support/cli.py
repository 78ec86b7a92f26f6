"""`ticketflow` run as a user runs it: a process of its own, with none of this
environment's TICKETFLOW_ settings, only the data directory and the settings given."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def user_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This environment without its TICKETFLOW_ settings; the data directory and
    `settings` (by their TICKETFLOW_ names) instead."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    return clean | {"TICKETFLOW_DATA_DIR": str(data_dir), **settings}


def ticketflow(
    data_dir: Path, *args: str, stdin: str = "", check: bool = False, **settings: str
) -> subprocess.CompletedProcess[str]:
    """`ticketflow ARGS`, its output captured; `check`: a failure raises."""
    return subprocess.run(
        [sys.executable, "-m", "ticketflow", *args],
        env=user_env(data_dir, **settings),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )
