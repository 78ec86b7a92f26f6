"""One policy: what an actor may see and do, project by project.

Every decision about rights is made here, from what the desk config gives each group
(rights per queue and roles per project, ticketflow.tickets.rights): which projects an
agent is in, which queues he sees, whether a ticket is his to read, which action he may
take on a ticket in its queue and where he may move it, whether he may take it from its
owner, which macros he may run (every step's right), which actions a page offers him, and
whether he may read the reports, administer agents, or handle mail kept for review. Both
faces ask it, and so does the list of actions a page offers: a page never shows what the
policy refuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ticketflow.desk.config import ADMIN_GROUP, DeskConfig
from ticketflow.desk.macros import MacroConfig, check_macro
from ticketflow.desk.projects import Projects, qualified
from ticketflow.service.refusals import MESSAGES, Forbidden, NotFound
from ticketflow.store.agents import AgentIdentity
from ticketflow.tickets import lifecycle
from ticketflow.tickets.lifecycle import Action
from ticketflow.tickets.reasons import Reason
from ticketflow.tickets.rights import DeskRight, Right, denial

# Actions a page offers with one click, in the order it shows them; `remind` takes a time
# and is offered where the page asks for one.
OFFERED = (
    Action.TAKE,
    Action.RELEASE,
    Action.REOPEN,
    Action.ANSWER,
    Action.ASK,
    Action.MOVE,
    Action.PRIORITY,
    Action.CLOSE,
    Action.MERGE,
    Action.NOTE,
    Action.REMIND,
    Action.FORWARD,
    # The Passwords tools, where the project has them (its desk's `passwords:`).
    Action.CLAIMS,
    Action.VERIFY,
    Action.RESTORE,
    Action.REFUSE,
    # Solvers' tracker, where the project has one (its desk's `tracker:`).
    Action.FILE_TASK,
)
PASSWORDS_TOOLS = frozenset({Action.CLAIMS, Action.VERIFY, Action.RESTORE, Action.REFUSE})


@dataclass(frozen=True)
class Seat:
    """An agent in one project: the project's desk and his groups there (by their names
    in that desk). An agent of no group there sees nothing of it."""

    project: str
    desk: DeskConfig
    groups: frozenset[str]

    # --- seeing -------------------------------------------------------------------------

    def visible_queues(self) -> list[str]:
        return [q.name for q in self.desk.queues if self.sees(q.name)]

    def sees(self, queue: str) -> bool:
        return Right.RO in self.rights_in(queue)

    def rights_in(self, queue: str) -> frozenset[Right]:
        return self.desk.rights_in(self.groups, queue) if self.groups else frozenset()

    def carried(self) -> dict[str, list[str]]:
        """His rights queue by queue, as an action carries them to the ticket's workflow,
        which decides them against the queue the ticket is in then."""
        found = {q.name: sorted(r.value for r in self.rights_in(q.name)) for q in self.desk.queues}
        return {queue: names for queue, names in found.items() if names}

    def may(self, right: DeskRight) -> bool:
        """A right over the whole project (reports, any macro, agents, kept mail)."""
        return right in self.desk.project_rights(self.groups)

    # --- acting -------------------------------------------------------------------------

    def move_targets(self) -> list[str]:
        """The queues a move of his may lead into."""
        return [q.name for q in self.desk.queues if Right.MOVE_INTO in self.rights_in(q.name)]

    def may_steal(self, queue: str) -> bool:
        return Right.STEAL in self.rights_in(queue)

    def action_denial(self, action: Action, queue: str, target: str | None = None) -> Reason | None:
        """Why he may not take `action` on a ticket in `queue` (moving it to `target`), or
        None. A target that is no queue is left to the workflow, which refuses the move
        listing the queues."""
        if target is None or self.desk.queue(target) is None:
            there = frozenset({Right.MOVE_INTO})
        else:
            there = self.rights_in(target)
        return denial(action, self.rights_in(queue), there, target or "")

    def check_action(self, action: Action, queue: str, target: str | None = None) -> None:
        """Forbidden, with the reason, unless he may take `action` there."""
        found = self.action_denial(action, queue, target)
        if found is not None:
            raise Forbidden(found)

    def macros(self) -> list[MacroConfig]:
        """The macros his groups may run (a supervisor may run any), in the desk's order."""
        return [m for m in self.desk.macros if self._may_run(m)]

    def _may_run(self, macro: MacroConfig) -> bool:
        return (
            not macro.groups
            or bool(self.groups & set(macro.groups))
            or self.may(DeskRight.ANY_MACRO)
        )

    def macro(self, name: str) -> MacroConfig:
        """The macro by name, if he may run it; NotFound otherwise."""
        found = self.desk.macro(name)
        if found is None or not self._may_run(found):
            raise NotFound("macro-unknown", name=name)
        return found

    def macro_denial(self, macro: MacroConfig, queue: str) -> Reason | None:
        """The first step of `macro` he may not take, checked in the queue the steps before
        leave the ticket in; None when he may take them all."""
        for number, step in enumerate(macro.steps, start=1):
            action = Action(step.action)
            found = self.action_denial(action, queue, step.queue)
            if found is not None:
                params = {"step": number, "reason": str(found)}
                return Reason("macro-step-right", MESSAGES["macro-step-right"], params)
            if action is Action.MOVE and step.queue:
                queue = step.queue
        return None

    def runnable(self, ticket: lifecycle.Ticket, agent: str) -> list[MacroConfig]:
        """The macros he may run on this ticket now: his rights allow every step and its
        state allows them in turn."""
        lines = self.desk.lines()
        return [
            m
            for m in self.macros()
            if self.macro_denial(m, ticket.queue) is None
            and check_macro(m, ticket, lines, agent) is None
        ]

    def offered(self, ticket: lifecycle.Ticket, agent: str) -> list[Action]:
        """The actions a page offers him on this ticket: those his rights in its queue
        allow (a move: into a queue he may move it to) and its state allows; take unless
        he owns it, release only if he does. Whether another agent's ownership refuses the
        rest is the workflow's to decide (the owner may change any moment; the page shows
        who owns it)."""
        target = next((q for q in self.move_targets() if q != ticket.queue), None)
        possible = set(lifecycle.allowed_actions(ticket.state))
        if ticket.owner == agent:
            possible.discard(Action.TAKE)
        else:
            possible.discard(Action.RELEASE)
        return [
            action
            for action in OFFERED
            if action in possible
            and (action is not Action.MOVE or target is not None)
            and (action not in PASSWORDS_TOOLS or self.desk.passwords is not None)
            and (action is not Action.FILE_TASK or self.desk.tracker is not None)
            and self.action_denial(action, ticket.queue, target) is None
        ]


class Policy:
    """The installation's projects, read as what each actor may see and do."""

    def __init__(self, projects: Projects) -> None:
        self.projects = projects

    def projects_of(self, agent: AgentIdentity) -> list[str]:
        """The projects he is in, in the desk file's order."""
        return self.projects.projects_of(agent.groups)

    def seat(self, agent: AgentIdentity, project: str) -> Seat:
        """He in `project` (an unknown project: the first one's desk, and no groups)."""
        found = self.projects.get(project)
        if found is None:
            return Seat(project, self.projects.first.desk, frozenset())
        return Seat(found.name, found.desk, self.projects.of_project(agent.groups, found.name))

    def chosen(self, agent: AgentIdentity, project: str | None) -> Seat:
        """The project a list is of: the one asked for, if he is in it (else the NotFound
        of an unknown project), or his first."""
        mine = self.projects_of(agent)
        if project is None:
            return self.seat(agent, mine[0] if mine else self.projects.first.name)
        if project not in mine:
            raise NotFound("project-unknown", project=project)
        return self.seat(agent, project)

    def seats(self, agent: AgentIdentity) -> list[Seat]:
        return [self.seat(agent, name) for name in self.projects_of(agent)]

    def may_read(self, agent: AgentIdentity, project: str, queue: str) -> bool:
        """Whether a ticket in `queue` of `project` is his to read."""
        return self.seat(agent, project).sees(queue)

    def with_right(self, agent: AgentIdentity, right: DeskRight) -> frozenset[str]:
        """The projects where he has `right`."""
        return frozenset(p for p in self.projects_of(agent) if self.seat(agent, p).may(right))

    def check_reports(self, seat: Seat) -> None:
        if not seat.may(DeskRight.REPORTS):
            raise Forbidden("reports-role", project=seat.project)

    def administered(self, agent: AgentIdentity) -> frozenset[str]:
        """The projects whose agents he administers; Forbidden when none."""
        return self._admin_scope(agent, DeskRight.AGENTS)

    def quarantine_scope(self, agent: AgentIdentity) -> frozenset[str]:
        """The projects whose mail set aside he reviews; Forbidden when none."""
        return self._admin_scope(agent, DeskRight.QUARANTINE)

    def _admin_scope(self, agent: AgentIdentity, right: DeskRight) -> frozenset[str]:
        found = self.with_right(agent, right)
        if not found:
            example = qualified(self.projects.first.name, ADMIN_GROUP)
            raise Forbidden("admin-role", example=example)
        return found


@cache
def policy_of(projects: Projects) -> Policy:
    """The policy over an installation's projects (a process reads its projects once)."""
    return Policy(projects)
