"""Macros: named chains of agent actions that run with one click, all or nothing.

Configured in the desk config; a macro runs as a single workflow Update, which checks
every step against the ticket's state before it applies any (ticketflow.tickets.lifecycle), so
an invalid step rejects the whole macro and changes nothing. Texts and answer templates
of its steps are stored as drafts first, like any agent text (claim check).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, Protocol, TypeVar

from pydantic import Field, model_validator

from ticketflow.desk.strict import StrictModel
from ticketflow.tickets.lifecycle import (
    MAX_PRIORITY,
    MIN_PRIORITY,
    TEXT_ACTIONS,
    Action,
    InvalidTransition,
    Request,
    decide_all,
)
from ticketflow.tickets.lifecycle import Ticket as LifecycleTicket

TEXT_STEPS = TEXT_ACTIONS


class Hinted(Protocol):
    @property
    def hints(self) -> list[str]: ...


M = TypeVar("M", bound=Hinted)


class MacroStep(StrictModel):
    action: Literal["take", "note", "ask", "answer", "move", "priority", "close"]
    text: str | None = Field(default=None, min_length=1)
    template: str | None = Field(default=None, min_length=1)
    queue: str | None = None
    priority: int | None = Field(default=None, ge=MIN_PRIORITY, le=MAX_PRIORITY)
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _check(self) -> MacroStep:
        if self.action in TEXT_STEPS and (self.text is None) == (self.template is None):
            raise ValueError(f"a {self.action} step needs either text or template")
        if self.action == "note" and self.template is not None:
            raise ValueError("a note step takes text, not a template")
        if self.action == "move" and not self.queue:
            raise ValueError("a move step needs a queue")
        if self.action == "priority" and self.priority is None:
            raise ValueError("a priority step needs a priority")
        return self


class MacroConfig(StrictModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    title: str = ""
    # Its title in the console's other languages (ru, ...): `title` where none is given.
    titles: dict[str, str] = {}
    # The hints (rules' topics) that make it likely: offered first on a ticket with one of
    # them, after the others on a ticket whose hints are all elsewhere.
    hints: list[str] = []
    # Groups whose agents may run it; empty: every agent who can act on the ticket (and
    # a supervisor may run any; ticketflow.service.policy decides).
    groups: list[str] = []
    steps: list[MacroStep] = Field(min_length=1)
    # The key that runs it on a ticket's page; unset: the first key no macro before it in
    # the desk config has taken (an agent's key never changes with what he uses most).
    key: str | None = Field(default=None, pattern=r"^[1-9]$")


KEYS = "123456789"


def macro_keys(macros: Iterable[MacroConfig]) -> dict[str, str]:
    """Each macro's key, by name: its own, else the next free one in the config's order;
    macros past the ninth key get none. ValueError when two macros claim one key."""
    macros = list(macros)
    claimed = [m.key for m in macros if m.key is not None]
    if len(set(claimed)) != len(claimed):
        raise ValueError("macro keys must be unique")
    free = iter(k for k in KEYS if k not in claimed)
    keys: dict[str, str] = {}
    for macro in macros:
        key = macro.key or next(free, None)
        if key is not None:
            keys[macro.name] = key
    return keys


def check_macro(
    macro: MacroConfig, ticket: LifecycleTicket, lines: dict[str, str], agent: str
) -> str | None:
    """Why the macro cannot run on a ticket in this state (its first invalid step), or None."""
    requests = [
        Request(Action(step.action), agent, queue=step.queue, priority=step.priority)
        for step in macro.steps
    ]
    try:
        decide_all(ticket, requests, lines)
    except InvalidTransition as exc:
        return exc.reason
    return None


def by_hints(macros: Iterable[M], hints: Iterable[str]) -> list[M]:
    """The macros the ticket's hints make likely first, those they make unlikely (their
    own hints are all elsewhere) last; otherwise in the order given. Never their keys."""
    found = set(hints)

    def rank(macro: M) -> int:
        if not macro.hints or not found:
            return 1
        return 0 if found & set(macro.hints) else 2

    return sorted(macros, key=rank)


def most_used_first(macros: Iterable[MacroConfig], uses: Mapping[str, int]) -> list[MacroConfig]:
    """Most used first; among equals, the desk config's order."""
    return sorted(macros, key=lambda m: -uses.get(m.name, 0))
