"""The desk config as people read it (`ticketflow desk show`), and the checks that need
more than the config itself (`ticketflow desk check`: the answer templates it names)."""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import Environment

from ticketflow.desk.config import ADMIN_GROUP, SUPERVISOR_GROUP, DeskConfig
from ticketflow.letters.answers import answer_templates


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


def describe_desk(desk: DeskConfig, templates: Environment) -> Iterator[str]:
    """Lines of text: queues, groups, calendars, SLAs, macros, answer templates, rules."""
    yield "queues:"
    width = max(len(q.name) for q in desk.queues)
    for q in desk.queues:
        extras = [f"sla {q.sla}" if q.sla else "no sla", f"from {q.address}" if q.address else ""]
        extras.append("default" if q.default else "")
        extras.append("reopen releases the owner" if q.reopen_owner == "release" else "")
        yield f"  {q.name:<{width}}  {q.line:<11}  group {q.group:<12}  " + "  ".join(
            e for e in extras if e
        )
    timeout = desk.owner_timeout_minutes
    yield (
        f"owners lose an open ticket after {timeout} idle minutes"
        if timeout
        else ("owners keep their tickets however long they are idle")
    )
    yield "groups (rights queue by queue):"
    if desk.group_rights:
        for config in desk.group_rights:
            rights = "; ".join(f"{q} {','.join(r)}" for q, r in config.rights.items())
            yield f"  {config.name}: {rights or 'none'}"
        yield f"  {SUPERVISOR_GROUP}: ro in every queue"
    else:
        for group in sorted(desk.groups() - {SUPERVISOR_GROUP, ADMIN_GROUP}):
            queues = desk.visible_queues(frozenset({group}))
            yield f"  {group}: rw in {', '.join(queues) or 'none'}"
        yield f"  {SUPERVISOR_GROUP}: rw in every queue"
    yield f"  {ADMIN_GROUP}: the project's agents (and, in the first project, kept mail)"
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
