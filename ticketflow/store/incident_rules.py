"""The open incidents' rules, as intake tests a new ticket's first message with them.

Read again every few seconds (another API process may have made or closed an incident),
so that a new ticket costs intake a look at a list, not a query.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.desk.rules import Condition, ConditionConfig, MessageParts, compile_condition
from ticketflow.store.incidents import with_rules

log = logging.getLogger("ticketflow.store.incident_rules")
RULES_FRESH_SECONDS = 5.0  # how long intake trusts its list


@dataclass(frozen=True)
class RuleOfIncident:
    incident_id: int
    project: str
    conditions: tuple[Condition, ...]  # any of them links a ticket

    @property
    def reads_headers(self) -> bool:
        return any(c.part.startswith("header:") for c in self.conditions)

    def matches(self, message: MessageParts) -> bool:
        return any(c.test(message) is not None for c in self.conditions)


def rule_conditions(rule: str) -> list[ConditionConfig]:
    """An incident's stored rule (a JSON list of routing-rule conditions); ValueError
    when it is not one."""
    try:
        found = json.loads(rule)
        if not isinstance(found, list):
            raise ValueError("a rule is a list of conditions")
        return [ConditionConfig.model_validate(c) for c in found]
    except (json.JSONDecodeError, ValidationError) as exc:
        raise ValueError(str(exc)) from None


def compile_rule(incident_id: int, project: str, rule: str) -> RuleOfIncident | None:
    """A stored rule ready to test mail with; None if it does not compile (the service
    checked it when it was given, so only a hand-edited row gets here)."""
    try:
        conditions = tuple(compile_condition(c) for c in rule_conditions(rule))
    except Exception:
        log.warning("incident %d: its rule does not compile; it links nothing", incident_id)
        return None
    return RuleOfIncident(incident_id, project, conditions)


class IncidentRules:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._rules: list[RuleOfIncident] = []
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def of_project(self, project: str) -> list[RuleOfIncident]:
        if time.monotonic() - self._read_at > RULES_FRESH_SECONDS:
            async with self._lock:
                if time.monotonic() - self._read_at > RULES_FRESH_SECONDS:
                    self._rules = await asyncio.to_thread(self._read)
                    self._read_at = time.monotonic()
        return [r for r in self._rules if r.project == project]

    def forget(self) -> None:
        """Read them again for the next ticket (this process changed one)."""
        self._read_at = float("-inf")

    def _read(self) -> list[RuleOfIncident]:
        with self._sessions() as session:
            found = [compile_rule(i.id, i.project, i.rule or "[]") for i in with_rules(session)]
        return [r for r in found if r is not None]
