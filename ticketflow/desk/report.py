"""The desk config as people read it (`ticketflow desk show`), and the checks that need
more than the config itself (`ticketflow desk check`: the answer templates it names)."""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import Environment

from ticketflow.desk.config import DeskConfig
from ticketflow.letters.answers import answer_templates
from ticketflow.tickets.rights import Role


def check_templates(desk: DeskConfig, templates: Environment) -> list[str]:
    """Why the desk cannot run as configured: macro steps naming templates that do not exist."""
    known = answer_templates(templates)
    return [
        f"macro {macro.name!r} step {number}: no answer template {step.template!r}; "
        f"known: {', '.join(known) or 'none'}"
        for macro in desk.macros
        for number, step in enumerate(macro.steps, 1)
        if step.template is not None and step.template not in known
    ]


def _forwards(desk: DeskConfig) -> Iterator[str]:
    """How colleagues' forwards come in, and agents' go out."""
    if desk.staff is not None:
        checked = (
            f"when {desk.staff.authserv_id}'s Authentication-Results say they passed"
            if desk.staff.authserv_id
            else "by their From alone"
        )
        reply = "" if desk.staff.auto_reply else ", no automatic reply"
        senders = ", ".join(desk.staff.senders)
        yield f"forwards from colleagues ({senders}) are the customer's tickets, {checked}{reply}"
    if desk.forward_original:
        yield "an agent's forward of a customer's mail carries the original whole"


def describe_desk(desk: DeskConfig, templates: Environment) -> Iterator[str]:
    """Lines of text: queues, groups, calendars, SLAs, macros, answer templates, rules."""
    yield "queues:"
    width = max(len(q.name) for q in desk.queues)
    for q in desk.queues:
        extras = [f"sla {q.sla}" if q.sla else "no sla", f"from {q.address}" if q.address else ""]
        extras += [f"sla {name} at priority {p}" for p, name in sorted(q.slas_by_priority.items())]
        extras.append("highest priority first" if q.order == "priority" else "")
        extras.append("default" if q.default else "")
        extras.append("reopen releases the owner" if q.reopen_owner == "release" else "")
        yield f"  {q.name:<{width}}  {q.line:<11}  group {q.group:<12}  " + "  ".join(
            e for e in extras if e
        )
    yield from _forwards(desk)
    timeout = desk.owner_timeout_minutes
    yield (
        f"owners lose an open ticket after {timeout} idle minutes"
        if timeout
        else ("owners keep their tickets however long they are idle")
    )
    yield "groups (rights queue by queue, and their roles in the project):"
    yield from _groups(desk)
    if desk.calendars:
        yield "calendars:"
        for name, cal in desk.calendars.items():
            hours = "; ".join(f"{day} {text}" for day, text in cal.hours.items())
            yield f"  {name}: {cal.zone}, {hours}, {len(cal.holidays)} holidays"
    if desk.slas:
        yield "SLAs (business minutes):"
        for name, sla in desk.slas.items():
            budgets = ", ".join(
                f"{label} {value}"
                for label, value in (
                    ("first response", sla.first_response),
                    ("update", sla.update),
                    ("solution", sla.solution),
                )
                if value
            )
            yield f"  {name}: {budgets} (calendar {sla.calendar}, warning at {sla.warn_at:.0%})"
    yield "macros:"
    for macro in desk.macros:
        who = ", ".join(macro.groups) or "everyone"
        steps = " > ".join(step.action for step in macro.steps)
        yield f"  {macro.name}: {steps}  (for {who})"
    yield "answer templates:"
    for name, languages in answer_templates(templates).items():
        yield f"  {name}: {', '.join(languages)}"
    yield f"routing rules, in order ({len(desk.rules)}):"
    for rule in desk.rules:
        then = rule.then.model_dump(exclude_defaults=True)
        yield f"  {rule.name}: " + ", ".join(f"{k} {v}" for k, v in then.items())


ROLE_WORDS = {
    Role.SUPERVISOR: (
        "supervisor: reads every queue and the reports, runs any macro, manages incidents"
    ),
    Role.ADMIN: "admin: the project's agents, the reports and the mail kept aside",
    Role.INCIDENTS: "incidents: makes incidents, links, answers and closes them",
}


def _groups(desk: DeskConfig) -> Iterator[str]:
    """Each group's rights as the desk config writes them (without `groups:`, as before
    them: a queue's group works it), then the roles of each group that has some."""
    roles = desk.roles()
    if desk.group_rights:
        for config in desk.group_rights:
            rights = "; ".join(f"{q} {','.join(r)}" for q, r in config.rights.items())
            if rights or config.name not in roles:
                yield f"  {config.name}: {rights or 'none'}"
    else:
        worked: dict[str, list[str]] = {}
        for queue in desk.queues:
            worked.setdefault(queue.group, []).append(queue.name)
        for group, queues in sorted(worked.items()):
            yield f"  {group}: rw in {', '.join(queues)}"
    for group, given in sorted(roles.items()):
        for role in sorted(given):
            yield f"  {group}: {ROLE_WORDS[role]}"
