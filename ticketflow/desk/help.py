"""Help articles: Markdown files per project and language beside the desk config,
`help/<project>/<language>/<name>.md`, each opening with its topic and title:

    ---
    topic: Access and passwords
    title: I forgot my password
    ---
    Open the sign-in page and ...

Editable without code; the customer form shows them topic by topic (in the files' order)
and suggests them while a customer writes. Read when a process starts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

FRONT = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n(.*)\Z", re.S)
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
MAX_BYTES = 200_000


@dataclass(frozen=True)
class HelpArticle:
    project: str
    language: str
    slug: str  # the file's name without .md
    topic: str
    title: str
    markdown: str


class HelpError(ValueError):
    """A help file that cannot be used: its path and the reason."""


def load_help(folder: Path, project: str) -> list[HelpArticle]:
    """The articles of `folder` (`<language>/<name>.md`), in the order of their names; no
    folder, no articles."""
    if not folder.is_dir():
        return []
    articles = []
    for path in sorted(folder.glob("*/*.md")):
        language, slug = path.parent.name, path.stem
        if not re.fullmatch(r"[a-z]{2}", language) or not SLUG.match(slug):
            raise HelpError(f"{path}: name it <language>/<name>.md, e.g. en/forgot-password.md")
        articles.append(_read(path, project, language, slug))
    return articles


def _read(path: Path, project: str, language: str, slug: str) -> HelpArticle:
    try:
        data = path.read_bytes()
        if len(data) > MAX_BYTES:
            raise HelpError(f"{path}: larger than {MAX_BYTES} bytes")
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise HelpError(f"{path}: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}") from None
    found = FRONT.match(text)
    if found is None:
        raise HelpError(f"{path}: it opens with ---, topic: and title:, then --- (see docs)")
    try:
        head = yaml.safe_load(found.group(1)) or {}
    except yaml.YAMLError as exc:
        raise HelpError(f"{path}: {exc}") from None
    fields = head if isinstance(head, dict) else {}
    topic, title = fields.get("topic"), fields.get("title")
    if not isinstance(topic, str) or not isinstance(title, str) or not topic or not title:
        raise HelpError(f"{path}: needs a topic: and a title:")
    body = found.group(2).strip()
    return HelpArticle(project, language, slug, topic.strip(), title.strip(), body)
