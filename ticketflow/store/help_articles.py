"""The customer form's help articles in the read model: copied from the desk's files at
start, read topic by topic, and searched (full text; the last word as a prefix, since the
customer is still typing it) for the suggestions shown while he writes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, column, func, literal_column, select, table
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.desk.help import HelpArticle
from ticketflow.store.models import HelpArticleRow


def sync_help(sessions: sessionmaker[Session], articles: Iterable[HelpArticle]) -> None:
    """Make the table hold exactly `articles` (those of every project)."""
    wanted = {(a.project, a.language, a.slug): (n, a) for n, a in enumerate(articles)}
    with sessions.begin() as session:
        rows = {(r.project, r.language, r.slug): r for r in session.scalars(select(HelpArticleRow))}
        for key, gone in rows.items():
            if key not in wanted:
                session.delete(gone)
        for key, (position, article) in wanted.items():
            row = rows.get(key)
            if row is None:
                row = HelpArticleRow(project=article.project, language=article.language)
                row.slug = article.slug
                session.add(row)
            if (row.position, row.topic, row.title, row.body) != (
                position,
                article.topic,
                article.title,
                article.markdown,
            ):
                row.position, row.topic = position, article.topic
                row.title, row.body = article.title, article.markdown


def help_languages(session: Session, project: str) -> list[str]:
    return list(
        session.scalars(
            select(HelpArticleRow.language)
            .where(HelpArticleRow.project == project)
            .distinct()
            .order_by(HelpArticleRow.language)
        )
    )


def help_of(session: Session, project: str, language: str) -> list[HelpArticleRow]:
    """The project's articles in `language`, in the files' order."""
    return list(
        session.scalars(
            select(HelpArticleRow)
            .where(HelpArticleRow.project == project, HelpArticleRow.language == language)
            .order_by(HelpArticleRow.position)
        )
    )


def suggest(
    session: Session, project: str, language: str, text: str, limit: int = 5
) -> list[HelpArticleRow]:
    """Articles matching what the customer has written so far, best first."""
    # Short words (я, is, my) say nothing of the topic; the last one may be half typed.
    words = [w for w in re.findall(r"\w+", text.lower()) if len(w) >= 3][-12:]
    if not words:
        return []
    scope = (HelpArticleRow.project == project, HelpArticleRow.language == language)
    if session.get_bind().dialect.name == "postgresql":
        # Any word may match (a customer's sentence is no query); the last one as a prefix.
        terms = [f"{w}:*" if i == len(words) - 1 else w for i, w in enumerate(words)]
        query = func.to_tsquery(literal_column("'russian'::regconfig"), " | ".join(terms))
        vector: Any = literal_column("help_articles.search_vector")
        rank: Any = func.ts_rank(vector, query)
        found = select(HelpArticleRow).where(*scope, vector.bool_op("@@")(query))
        return list(session.scalars(found.order_by(rank.desc()).limit(limit)))
    # Quoted words only: nothing a customer types is FTS5 syntax. Best match first (bm25).
    terms = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
    fts = table("help_fts", column("rowid", Integer), column("rank"))
    match = literal_column("help_fts").bool_op("MATCH")(" OR ".join(terms))
    ranked = (
        select(HelpArticleRow)
        .join(fts, fts.c.rowid == HelpArticleRow.id)
        .where(*scope, match)
        .order_by(fts.c.rank)
        .limit(limit)
    )
    return list(session.scalars(ranked))
