"""The jinja2 environment for mail (and later page) templates."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def make_environment(templates_dir: Path) -> Environment:
    # HTML templates are escaped; a missing variable is an error, never an empty string.
    return Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "htm", "xml"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
