"""The desk configuration: queues, the line each belongs to and the group that works it."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, model_validator

Line = Literal["first-line", "second-line"]

# Agents in this group see and act on every queue.
SUPERVISOR_GROUP = "supervisors"


class QueueConfig(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    line: Line
    group: str = Field(min_length=1)
    default: bool = False
    # The address this queue's mail comes from (and replies go to); None: TICKETFLOW_MAIL_FROM.
    address: str | None = Field(default=None, pattern=r"^[^@\s<>]+@[^@\s<>]+$")


class DeskConfig(BaseModel):
    queues: list[QueueConfig]

    @model_validator(mode="after")
    def _check(self) -> DeskConfig:
        names = [q.name for q in self.queues]
        if len(set(names)) != len(names):
            raise ValueError("queue names must be unique")
        defaults = [q for q in self.queues if q.default]
        if len(defaults) != 1:
            raise ValueError("exactly one queue must be marked default: true")
        if defaults[0].line != "first-line":
            raise ValueError("the default queue must be a first-line queue")
        return self

    @property
    def default_queue(self) -> QueueConfig:
        return next(q for q in self.queues if q.default)

    def queue(self, name: str) -> QueueConfig | None:
        return next((q for q in self.queues if q.name == name), None)

    def senders(self) -> dict[str, str]:
        """Queue name -> the address its mail comes from, for queues that have their own."""
        return {q.name: q.address for q in self.queues if q.address}

    def lines(self) -> dict[str, str]:
        return {q.name: q.line for q in self.queues}

    def visible_queues(self, groups: frozenset[str]) -> list[str]:
        if SUPERVISOR_GROUP in groups:
            return [q.name for q in self.queues]
        return [q.name for q in self.queues if q.group in groups]


def load_desk(path: Path) -> DeskConfig:
    with path.open(encoding="utf-8") as fh:
        return DeskConfig.model_validate(yaml.safe_load(fh))
