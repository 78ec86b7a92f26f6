"""The jinja2 environment for mail (and later page) templates."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

BLANK_LINES = re.compile(r"\n\s*\n")


def make_environment(templates_dir: Path) -> Environment:
    # HTML templates are escaped; a missing variable is an error, never an empty string.
    env = Environment(
        loader=FileSystemLoader(templates_dir),
        autoescape=select_autoescape(["html", "htm", "xml", "html.j2"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["paragraphs"] = paragraphs
    return env


def paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs: blank lines part them, a line break stays one."""
    blocks = BLANK_LINES.split(text.replace("\r\n", "\n").strip())
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in b.split("\n")))
        for b in blocks
        if b.strip()
    )
