"""How often each agent ran each macro, so that an agent's most used come first."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.models import MacroUse


def count_macro_use(sessions: sessionmaker[Session], agent: str, macro: str) -> None:
    with sessions.begin() as session:
        bumped = session.execute(
            update(MacroUse)
            .where(MacroUse.agent == agent, MacroUse.macro == macro)
            .values(count=MacroUse.count + 1)
        )
        if not bumped.rowcount:  # type: ignore[attr-defined]
            session.add(MacroUse(agent=agent, macro=macro, count=1))


def macro_uses(sessions: sessionmaker[Session], agent: str) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(MacroUse.macro, MacroUse.count).where(MacroUse.agent == agent)
        )
        return {name: count for name, count in rows}
