"""The Passwords tools (Zulip's `do_*` and views): record a customer's claims sealed, show
a ticket's verification and the account beside it. Verify, restore and refuse are agent
actions (ticketflow.service.actions); their directory work is the workflow's.

Nothing here returns or logs a claim's value: refusals name the item, never what it said.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from temporalio.client import Client

from ticketflow.accounts.checking import Accounts, NoPasswords
from ticketflow.accounts.directory import DirectoryUnavailable
from ticketflow.accounts.matching import readable
from ticketflow.components import Components
from ticketflow.desk.passwords import ClaimField, PasswordsConfig
from ticketflow.engine.tickets import TemporalUnavailable, TicketRef, perform_action
from ticketflow.payloads import ActionRequest
from ticketflow.service.access import access_ticket, access_ticket_ref
from ticketflow.service.access_shapes import (
    AccountOut,
    ChangeOut,
    ClaimsOut,
    DecisionOut,
    VerdictOut,
    VerificationOut,
)
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import Forbidden, Invalid, Refused, TryLater
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.claims import (
    add_claims,
    drop_claims,
    latest_claims_names,
    latest_decision,
    latest_verification,
)
from ticketflow.store.queries import ticket_by_number
from ticketflow.tickets.lifecycle import CUSTOMER, Action, InvalidTransition
from ticketflow.tickets.rights import DENIALS

log = logging.getLogger("ticketflow.passwords")
# The account panel waits this long for the directory, then says "unavailable".
PANEL_SECONDS = 2.0


def passwords_config(accounts: Accounts, project: str) -> PasswordsConfig:
    try:
        return accounts.config(project)
    except NoPasswords:
        raise Invalid("passwords-none", project=project) from None


def check_claims(config: PasswordsConfig, items: Mapping[str, str]) -> None:
    """Invalid, naming the item (never its value), unless the desk asks for each and each
    can be compared."""
    for name, value in items.items():
        field = config.field(name)
        if field is None:
            known = ", ".join(c.name for c in config.claims)
            raise Invalid("claim-unknown", name=name, known=known)
        if not readable(field.kind, value, config.phone_region):
            raise Invalid("claim-unreadable", name=name, kind=field.kind)


async def do_record_claims(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    number: str,
    items: Mapping[str, str],
) -> ClaimsOut:
    """Seal the claims, then record them on the ticket (the workflow decides his right
    there); a refused action leaves no sealed row behind."""
    ref = await asyncio.to_thread(access_ticket_ref, components, agent, number)
    seat = policy_of(components.projects).seat(agent, ref.project)
    seat.check_action(Action.CLAIMS, ref.queue)
    check_claims(passwords_config(components.accounts, ref.project), items)
    request = await _sealed(components, ref, items, agent.name)
    request.rights = seat.carried()
    claims_id = request.claims_id
    assert claims_id is not None
    names = (request.reason or "").split(", ")
    status = await _recorded(components, client, ref, request, claims_id)
    return ClaimsOut(number=ref.number, recorded=names, action_id=status)


async def _recorded(
    components: Components,
    client: Client,
    ref: TicketRef,
    request: ActionRequest,
    claims_id: int,
) -> int | None:
    try:
        status = await perform_action(components, client, ref, request)
    except InvalidTransition as exc:
        await asyncio.to_thread(drop_claims, components.sessions, claims_id)
        kind = Forbidden if exc.why.code in DENIALS else Refused
        raise kind(exc.why) from exc
    except TemporalUnavailable as exc:
        raise TryLater("engine-unavailable") from exc
    return status.action_id


def form_claim_fields(components: Components, project: str, topic: str) -> list[ClaimField]:
    """The claims the customer form asks on this topic (none on other topics, or in a
    project without the Passwords tools)."""
    found = components.projects.get(project)
    config = found.desk.passwords if found is not None else None
    if config is None or topic not in config.help_topics:
        return []
    return [c for c in config.claims]


def check_form_claims(components: Components, project: str, items: Mapping[str, str]) -> None:
    """Invalid (a form's reason, naming the item by its title, never its value) for a claim
    the form cannot take."""
    if not items:
        return
    config = passwords_config(components.accounts, project)
    try:
        check_claims(config, items)
    except Invalid as exc:
        field = config.field(str(exc.why.params.get("name", "")))
        title = (field.titles.get("en") if field else None) or str(exc.why.params.get("name"))
        raise Invalid("form-invalid", reason=f"{title}: cannot be read") from None


async def record_form_claims(
    components: Components, client: Client, number: str, items: Mapping[str, str]
) -> bool:
    """The customer's own claims, from the form, sealed onto the ticket his post made (the
    workflow records them as his). False, and nothing kept, when the ticket refuses them;
    his request itself is taken in either way."""

    def ref_of() -> TicketRef | None:
        with components.sessions() as session:
            ticket = ticket_by_number(session, number)
            if ticket is None:
                return None
            return TicketRef(ticket.id, ticket.number, ticket.queue, ticket.project)

    ref = await asyncio.to_thread(ref_of)
    if ref is None or not items:
        return False
    request = await _sealed(components, ref, items, CUSTOMER)
    try:
        await perform_action(components, client, ref, request)
    except (InvalidTransition, TemporalUnavailable):
        log.warning("ticket %s: the form's claims were not taken; dropped", ref.id)
        await asyncio.to_thread(drop_claims, components.sessions, request.claims_id or 0)
        return False
    return True


async def _sealed(
    components: Components, ref: TicketRef, items: Mapping[str, str], by: str
) -> ActionRequest:
    """The claims sealed onto the ticket, and the action that records them (their item
    names as its detail, the sealed row's id as its claim check)."""
    accounts = components.accounts
    names = [c.name for c in passwords_config(accounts, ref.project).claims if c.name in items]
    claims_id = await asyncio.to_thread(
        add_claims,
        components.sessions,
        ref.id,
        names,
        lambda bound_to: accounts.sealer.seal(items, bound_to),
        by,
    )
    return ActionRequest(
        action=Action.CLAIMS.value, agent=by, reason=", ".join(names), claims_id=claims_id
    )


def verification_of(components: Components, agent: AgentIdentity, number: str) -> VerificationOut:
    """The ticket's latest verification as its readers may see it: verdicts, change kinds
    and times, the decision."""
    with components.sessions() as session:
        ticket = access_ticket(components, session, agent, number)
        names = latest_claims_names(session, ticket.id) or []
        found = latest_verification(session, ticket.id)
        decided = latest_decision(session, ticket.id)
        decision = None
        if decided is not None:
            channel, reason = None, decided.detail
            if decided.action == Action.RESTORE.value and decided.detail:
                channel, _, reason = decided.detail.partition(": ")
            decision = DecisionOut(
                decision=decided.action,  # type: ignore[arg-type]
                by=decided.actor,
                at=decided.at,
                channel=channel,
                reason=reason or None,
            )
    if found is None:
        return VerificationOut(claims=names, items=[], changes=[], decision=decision)
    return VerificationOut(
        claims=names,
        items=[VerdictOut.model_validate(v) for v in found.verdicts],
        changes=[ChangeOut.model_validate(c) for c in found.changes],
        account_found=found.account_found,
        verified_at=found.verified_at,
        decision=decision,
    )


async def account_beside(components: Components, agent: AgentIdentity, number: str) -> AccountOut:
    """The directory's non-personal facts of the ticket's customer, within PANEL_SECONDS
    (a directory that is down, slow or erroring is "unavailable", never an error)."""

    def read() -> tuple[str, str]:
        with components.sessions() as session:
            ticket = access_ticket(components, session, agent, number)
            return ticket.project, ticket.customer

    project, customer = await asyncio.to_thread(read)
    accounts = components.accounts
    try:
        accounts.config(project)
    except NoPasswords:
        return AccountOut(status="none")
    try:
        found = await asyncio.wait_for(
            asyncio.to_thread(accounts.summary, project, customer), PANEL_SECONDS
        )
    except (DirectoryUnavailable, TimeoutError):
        return AccountOut(status="unavailable")
    if not found.exists:
        return AccountOut(status="missing")
    return AccountOut(
        status="found",
        created_at=found.created_at,
        frozen=found.frozen,
        last_sign_in_at=found.last_sign_in_at,
        changes=[ChangeOut(kind=c.kind, at=c.at) for c in found.changes],
    )
