"""The desk configuration: queues, the line each belongs to and the group that works it;
business calendars and the service levels (SLAs) that queues promise."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    PrivateAttr,
    ValidationError,
    model_validator,
)

from ticketflow.desk.macros import MacroConfig, macro_keys
from ticketflow.desk.passwords import PasswordsConfig
from ticketflow.desk.rules import Rule, RuleConfig, RuleError, compile_rules
from ticketflow.desk.staff import StaffSenders
from ticketflow.desk.strict import StrictModel, known_keys, nearest_key
from ticketflow.desk.tracker import TrackerConfig
from ticketflow.tickets.calendars import (
    WEEKDAYS,
    BusinessCalendar,
    CalendarError,
    CalendarSpec,
    calendar_for,
    parse_hours,
)
from ticketflow.tickets.lifecycle import MAX_PRIORITY, MIN_PRIORITY
from ticketflow.tickets.reporting import DeskShape
from ticketflow.tickets.rights import (
    SUPERVISOR_READS,
    DeskRight,
    Right,
    RightsError,
    Role,
    expand,
    granted,
)
from ticketflow.tickets.sla import (
    DeskPolicy,
    EscalationStep,
    QueuePolicy,
    SlaPolicy,
    SlaTargets,
    StepAction,
    policy_json,
)

Line = Literal["first-line", "second-line"]
T = TypeVar("T")

# Groups every desk has, and the roles they have unless the desk says otherwise.
SUPERVISOR_GROUP = "supervisors"
ADMIN_GROUP = "admins"
DEFAULT_ROLES = {
    SUPERVISOR_GROUP: frozenset({Role.SUPERVISOR}),
    ADMIN_GROUP: frozenset({Role.ADMIN}),
}
# The rights table's entry for a group's rights over the whole project (its roles').
PROJECT_WIDE = "(project)"


# Shorthands for several weekdays in a calendar's `hours`.
DAY_GROUPS = {"every-day": WEEKDAYS, "weekdays": WEEKDAYS[:5], "weekends": WEEKDAYS[5:]}


class CalendarConfig(StrictModel):
    zone: str  # IANA, such as Europe/Moscow
    # Weekday (mon..sun, every-day, weekdays, weekends) -> "09:00-15:00, 15:00-21:00";
    # later keys override earlier ones; a weekday not named has no working hours.
    hours: dict[str, str]
    holidays: list[date] = []

    def spec(self) -> CalendarSpec:
        week: dict[str, list[list[int]]] = {}
        for key, text in self.hours.items():
            days = DAY_GROUPS.get(key, (key,))
            for day in days:
                week[day] = parse_hours(text)
        return CalendarSpec(self.zone, week, [d.isoformat() for d in self.holidays])


class Targets(StrictModel):
    """Budgets in business minutes."""

    first_response: PositiveInt | None = None
    update: PositiveInt | None = None
    solution: PositiveInt | None = None

    def targets(self) -> SlaTargets:
        return SlaTargets(self.first_response, self.update, self.solution)


class StepConfig(StrictModel):
    action: StepAction
    queue: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://")

    @model_validator(mode="after")
    def _check(self) -> StepConfig:
        if self.action == "move" and not self.queue:
            raise ValueError("a move step needs a queue")
        if self.action == "webhook" and not self.url:
            raise ValueError("a webhook step needs a url")
        return self


class SlaConfig(Targets):
    calendar: str
    # Priority (1-5) -> budgets that replace the defaults for tickets of that priority.
    priorities: dict[int, Targets] = {}
    warn_at: float = Field(default=0.8, gt=0, lt=1)  # share of the budget
    on_warning: list[StepConfig] = []
    on_breach: list[StepConfig] = []


class QueueConfig(StrictModel):
    name: str = Field(min_length=1, max_length=100)
    line: Line
    group: str = Field(min_length=1)
    default: bool = False
    # The address this queue's mail comes from (and replies go to); None: TICKETFLOW_MAIL_FROM.
    address: str | None = Field(default=None, pattern=r"^[^@\s<>]+@[^@\s<>]+$")
    sla: str | None = None
    # Priority (1-5) -> the SLA its tickets of that priority have instead of `sla`.
    slas_by_priority: dict[int, str] = {}
    # How its view lists tickets: oldest waiting first ("pending"), or highest priority
    # first and oldest within a priority ("priority"); the next ticket follows it.
    order: Literal["pending", "priority"] = "pending"
    # Addresses told about this queue's SLA warnings and breaches (a `notify` step).
    supervisors: list[str] = []
    # A waiting ticket with no customer reply closes after this many days; 0: never.
    close_waiting_after_days: float = Field(default=7, ge=0)
    remind_waiting: bool = False  # remind the customer halfway through that period
    # A ticket reopened here (by the customer's reply, or an agent) stays with its owner
    # ("keep": the second line answers each user individually) or goes back to the queue.
    reopen_owner: Literal["keep", "release"] = "keep"


class GroupConfig(StrictModel):
    """A group's rights, queue by queue, and its roles in the project
    (ticketflow.tickets.rights). Roles not given: `supervisors` supervise and `admins`
    administer, as every desk has those two groups."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^,/\s]+$")
    rights: dict[str, list[str]] = {}
    roles: list[Role] | None = None


class StaffConfig(StrictModel):
    """Colleagues whose forwards of a customer's mail become the customer's ticket."""

    # Their domains (staff.example) or addresses (boss@example.org).
    senders: list[str] = Field(min_length=1)
    # The authserv-id of the Authentication-Results field the desk's own mail server
    # writes: set, a sender counts only when that field says his domain's mail passed
    # DMARC, DKIM or SPF; unset, From alone decides (anyone can write a From).
    authserv_id: str | None = Field(default=None, min_length=1, max_length=200)
    auto_reply: bool = True  # the customer gets the automatic reply to a forward

    @model_validator(mode="after")
    def _check(self) -> StaffConfig:
        for sender in self.senders:
            if not re.fullmatch(r"([^@\s<>]+@)?[A-Za-z0-9.-]+\.[A-Za-z0-9-]+", sender.strip()):
                raise ValueError(f"staff sender {sender!r} is neither a domain nor an address")
        return self

    def senders_of(self) -> StaffSenders:
        return StaffSenders(
            frozenset(s.strip().lower() for s in self.senders), self.authserv_id, self.auto_reply
        )


class DeskConfig(StrictModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    queues: list[QueueConfig]
    # Rights per group per queue. Without it, as before: a queue's group has every right
    # in it, supervisors in every queue, and any queue may be a move's target.
    group_rights: list[GroupConfig] = Field(default=[], alias="groups")
    calendars: dict[str, CalendarConfig] = {}
    # How the console names each answer template, by language: {name: {en: ..., ru: ...}}.
    template_titles: dict[str, dict[str, str]] = {}
    # The zone its console shows times in (IANA); unset: its first calendar's, else UTC.
    time_zone: str | None = None
    slas: dict[str, SlaConfig] = {}
    # Routing rules (postmaster filters), evaluated in order for every arriving message.
    rules: list[RuleConfig] = []
    # Header fields naming a recipient that the desk's own MTA writes (Delivered-To,
    # X-Original-To): only these count as recipients for the rules. Senders can write
    # any header, so none is trusted unless listed.
    trusted_recipient_headers: list[str] = []
    macros: list[MacroConfig] = []
    # An open ticket's owner who does nothing for this long loses it to the queue; 0: never.
    owner_timeout_minutes: int = Field(default=30, ge=0, alias="owner_timeout")
    # How our mail to customers is signed, per language (en, ru, tr); a language not named
    # gets its default ("Служба поддержки", "Support team", "Destek ekibi").
    signatures: dict[Literal["en", "ru", "tr"], str] = {}
    # Colleagues whose forwards become the forwarded customer's tickets (docs/domain.md).
    staff: StaffConfig | None = None
    # An agent's forward of a customer's mail carries the original whole (message/rfc822,
    # every header: what another provider's abuse desk needs as evidence).
    forward_original: bool = False
    # How long an agent may undo an action, and his mail waits before it goes; 0: no undo.
    undo_seconds: int = Field(default=10, ge=0, le=300)
    # How many tickets a minute an incident's answer to all (and its final answer) reaches.
    incident_rate: int = Field(default=600, ge=1, le=60000)
    # Early warning: new tickets of one queue or with one hint in the last hour, at least
    # this many times their usual count for that hour, and at least `minimum` of them.
    early_warning_factor: float = Field(default=3.0, ge=1.0, le=100.0)
    early_warning_minimum: int = Field(default=20, ge=1, le=100000)
    # Lost access: the claims a customer is asked, the account directory (docs/domain.md).
    passwords: PasswordsConfig | None = None
    # Solvers' tasks in the product's tracker (docs/tracker.md).
    tracker: TrackerConfig | None = None
    _compiled_rules: list[Rule] = PrivateAttr(default_factory=list)
    _rights: dict[str, dict[str, frozenset[Right]]] = PrivateAttr(default_factory=dict)
    _roles: dict[str, frozenset[Role]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> DeskConfig:
        names = [q.name for q in self.queues]
        if self.time_zone is not None:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time_zone {self.time_zone!r}") from None
        self._check_queues(names)
        self._check_timers(names)
        self._check_macros(names)
        try:
            self._compiled_rules = compile_rules(self.rules, set(names))
        except RuleError as exc:
            raise ValueError(str(exc)) from None
        self._roles = self._group_roles()
        self._rights = self._group_rights(names)
        return self

    def queue_order(self, queue: str | None) -> str:
        """How a queue's view lists tickets unless asked otherwise (several queues at
        once: oldest waiting first)."""
        found = next((q for q in self.queues if q.name == queue), None)
        return found.order if found is not None else "pending"

    def _check_queues(self, names: list[str]) -> None:
        if len(set(names)) != len(names):
            raise ValueError("queue names must be unique")
        defaults = [q for q in self.queues if q.default]
        if len(defaults) != 1:
            raise ValueError("exactly one queue must be marked default: true")
        if defaults[0].line != "first-line":
            raise ValueError("the default queue must be a first-line queue")

    def _check_timers(self, names: list[str]) -> None:
        """Calendars that compute, SLAs on known calendars and queues, queues on known SLAs."""
        for name, calendar in self.calendars.items():
            try:
                BusinessCalendar(calendar.spec())
            except CalendarError as exc:
                raise ValueError(f"calendar {name!r}: {exc}") from None
        for name, sla in self.slas.items():
            if sla.calendar not in self.calendars:
                raise ValueError(f"SLA {name!r}: unknown calendar {sla.calendar!r}")
            for step in sla.on_warning + sla.on_breach:
                if step.queue is not None and step.queue not in names:
                    raise ValueError(f"SLA {name!r}: unknown queue {step.queue!r}")
        for q in self.queues:
            self._check_queue_slas(q)

    def _check_queue_slas(self, q: QueueConfig) -> None:
        if q.sla is not None and q.sla not in self.slas:
            raise ValueError(f"queue {q.name!r}: unknown SLA {q.sla!r}")
        for priority, name in q.slas_by_priority.items():
            if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
                raise ValueError(f"queue {q.name!r}: no priority {priority} (1 to 5)")
            if name not in self.slas:
                raise ValueError(f"queue {q.name!r}: unknown SLA {name!r} for priority {priority}")

    def _check_macros(self, names: list[str]) -> None:
        macro_names = [m.name for m in self.macros]
        if len(set(macro_names)) != len(macro_names):
            raise ValueError("macro names must be unique")
        macro_keys(self.macros)  # two macros on one key are refused
        for macro in self.macros:
            for macro_step in macro.steps:
                if macro_step.queue is not None and macro_step.queue not in names:
                    raise ValueError(f"macro {macro.name!r}: unknown queue {macro_step.queue!r}")

    def _group_roles(self) -> dict[str, frozenset[Role]]:
        roles = dict(DEFAULT_ROLES)
        seen: set[str] = set()
        for group in self.group_rights:
            if group.name in seen:
                raise ValueError(f"group {group.name!r} is listed twice")
            seen.add(group.name)
            if group.roles is not None:
                roles[group.name] = frozenset(group.roles)
        return {group: given for group, given in roles.items() if given}

    def _group_rights(self, names: list[str]) -> dict[str, dict[str, frozenset[Right]]]:
        """Each group's rights queue by queue. Without `groups:`, as before them: a
        queue's group has every right in it, any queue may be a move's target, and a
        supervisor has every right everywhere; with them, a supervisor reads every queue."""
        rights: dict[str, dict[str, frozenset[Right]]] = {}
        if not self.group_rights:
            supervising = expand(["rw", "move_into"])
            for q in self.queues:
                rights.setdefault(q.group, dict.fromkeys(names, expand(["move_into"])))
                rights[q.group][q.name] = supervising
        else:
            supervising = SUPERVISOR_READS
            for config in self.group_rights:
                unknown = sorted(set(config.rights) - set(names))
                if unknown:
                    raise ValueError(f"group {config.name!r}: unknown queue {unknown[0]!r}")
                try:
                    rights[config.name] = {q: expand(r) for q, r in config.rights.items()}
                except RightsError as exc:
                    raise ValueError(f"group {config.name!r}: {exc}") from None
        for name, roles in self._roles.items():
            if Role.SUPERVISOR in roles:
                own = rights.get(name, {})
                rights[name] = {q: own.get(q, frozenset()) | supervising for q in names}
        return rights

    def routing_rules(self) -> list[Rule]:
        return self._compiled_rules

    def macro(self, name: str) -> MacroConfig | None:
        return next((m for m in self.macros if m.name == name), None)

    def policy_json(self) -> str | None:
        """The policy as ticket workflows carry it (ticketflow.tickets.sla.policy_json)."""
        policy = self.policy()
        return policy_json(policy) if policy is not None else None

    def policy(self) -> DeskPolicy | None:
        """The timers ticket workflows keep; None when no queue has any."""
        queues = {
            q.name: QueuePolicy(
                sla=q.sla,
                close_waiting_after_minutes=round(q.close_waiting_after_days * 24 * 60) or None,
                remind_waiting=q.remind_waiting,
                reopen_owner=q.reopen_owner,
                slas_by_priority={str(p): name for p, name in q.slas_by_priority.items()},
            )
            for q in self.queues
        }
        owner_timeout = self.owner_timeout_minutes or None
        defaults = DeskPolicy()
        tracker = self.tracker
        poll = round(tracker.poll_minutes * 60) if tracker and tracker.poll_minutes else None
        limit = (
            round(tracker.open_limit_days * 24 * 60)
            if tracker and tracker.open_limit_days
            else None
        )
        if (
            all(p == QueuePolicy() for p in queues.values())
            and not self.slas
            and owner_timeout == defaults.owner_timeout_minutes
            and self.undo_seconds == defaults.undo_seconds
            and poll is None
            and limit is None
        ):
            return None  # the defaults: the workflow keeps them without being told
        slas = {
            name: SlaPolicy(
                name=name,
                calendar=self.calendars[sla.calendar].spec(),
                targets=sla.targets(),
                by_priority={str(p): t.targets() for p, t in sla.priorities.items()},
                warn_share=sla.warn_at,
                on_warning=[EscalationStep(s.action, s.queue, s.url) for s in sla.on_warning],
                on_breach=[EscalationStep(s.action, s.queue, s.url) for s in sla.on_breach],
            )
            for name, sla in self.slas.items()
        }
        return DeskPolicy(
            queues=queues,
            slas=slas,
            owner_timeout_minutes=owner_timeout,
            undo_seconds=self.undo_seconds,
            task_poll_seconds=poll,
            task_limit_minutes=limit,
        )

    @property
    def zone(self) -> str:
        """Where its agents work: the zone the console shows its times in."""
        if self.time_zone:
            return self.time_zone
        return next(iter(self.calendars.values())).zone if self.calendars else "UTC"

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

    def calendar_spec(self) -> CalendarSpec | None:
        """The project's own calendar, whose zone its reports' days and hours are in: its
        default queue's SLA calendar, else its first calendar; None: UTC, no business time."""
        sla = self.slas.get(self.default_queue.sla or "")
        calendar = self.calendars.get(sla.calendar) if sla else None
        if calendar is None and self.calendars:
            calendar = next(iter(self.calendars.values()))
        return calendar.spec() if calendar else None

    def report_shape(self) -> DeskShape:
        spec = self.calendar_spec()
        return DeskShape(
            lines=self.lines(),
            groups={q.name: q.group for q in self.queues},
            calendar=calendar_for(spec) if spec else None,
        )

    def groups(self) -> frozenset[str]:
        """The groups an agent may belong to: those that work a queue or have rights or
        roles, supervisors and administrators."""
        named = {q.group for q in self.queues} | set(self._rights) | set(self._roles)
        return frozenset(named | {SUPERVISOR_GROUP, ADMIN_GROUP})

    def rights_in(self, groups: frozenset[str], queue: str) -> frozenset[Right]:
        """What the desk gives `groups` in `queue` (the policy decides with it)."""
        given: frozenset[Right] = frozenset()
        for group in groups:
            given |= self._rights.get(group, {}).get(queue, frozenset())
        return given

    def roles(self) -> dict[str, frozenset[Role]]:
        """Each group with roles, and its roles."""
        return dict(self._roles)

    def project_rights(self, groups: frozenset[str]) -> frozenset[DeskRight]:
        """What the desk gives `groups` over the whole project, by their roles."""
        return granted(role for group in groups for role in self._roles.get(group, ()))

    def rights_table(self) -> dict[str, dict[str, list[str]]]:
        """Every group's rights queue by queue and over the project, spelled out (what the
        audit log compares)."""
        table: dict[str, dict[str, list[str]]] = {}
        for group in sorted(set(self._rights) | set(self._roles)):
            queues = self._rights.get(group, {})
            rows = {q: sorted(r.value for r in rights) for q, rights in queues.items() if rights}
            wide = self.project_rights(frozenset({group}))
            if wide:
                rows[PROJECT_WIDE] = sorted(r.value for r in wide)
            table[group] = rows
        return table


class DeskConfigError(ValueError):
    """A desk config that cannot be used: its file, the line where known, and the reason."""


def load_desk(path: Path) -> DeskConfig:
    """A desk file of one desk (no `projects:`); ticketflow.desk.projects loads any."""
    return read_desk_file(path, DeskConfig.model_validate, lambda data: DeskConfig)


def read_desk_file(
    path: Path, build: Callable[[Any], T], root: Callable[[Any], type[BaseModel]]
) -> T:
    """`build` over a desk file's YAML; DeskConfigError names the file, the line of the
    first error where known, and the reason. `root`: the model the YAML is read as
    (where an unknown key's known neighbours are looked up)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise DeskConfigError(f"desk config {path}: {reason}") from None
    try:
        tree = yaml.compose(text, Loader=yaml.SafeLoader)  # kept for the lines of errors
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DeskConfigError(f"{path}{line}: {problem}") from None
    try:
        return build(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        loc = tuple(first["loc"])
        reason = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            loc, reason = loc[:-1], _unknown_key(str(loc[-1]), root(data), loc[:-1])
        where = ".".join(str(part) for part in loc)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        line_number = _line_of(tree, tuple(first["loc"])) if tree is not None else 1
        raise DeskConfigError(
            f"{path}:{line_number}: {where + ': ' if where else ''}{reason}{more}"
        ) from None


def _unknown_key(key: str, root: type[BaseModel], path: tuple[int | str, ...]) -> str:
    known = known_keys(root, path)
    nearest = nearest_key(key, known)
    if nearest is not None:
        return f"unknown key {key!r}; did you mean {nearest!r}?"
    return f"unknown key {key!r}; known: {', '.join(sorted(known))}"


def _line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """The line of the deepest YAML node on a validation error's path."""
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1
