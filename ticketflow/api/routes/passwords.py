"""The Passwords tools: a customer's claims recorded sealed, the verification's verdicts,
and the account beside a ticket. Verify, restore and refuse are actions (routes/actions)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter

from ticketflow.api.deps import ComponentsDep, CurrentAgent, TemporalClientDep
from ticketflow.api.problems import AGENT_BODY_ROUTE, AGENT_ROUTE, problems
from ticketflow.service.access_shapes import AccountOut, ClaimsBody, ClaimsOut, VerificationOut
from ticketflow.service.passwords import account_beside, do_record_claims, verification_of

router = APIRouter(prefix="/api/v1", tags=["passwords"], responses=AGENT_ROUTE)


@router.post(
    "/tickets/{number}/claims",
    status_code=201,
    response_model=ClaimsOut,
    responses=AGENT_BODY_ROUTE | problems(403, 404, 409),
)
async def post_claims(
    number: str,
    body: ClaimsBody,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> ClaimsOut:
    """Record what the customer says about his account (items the desk names), sealed at
    once: no one sees the values again, only the verification's verdicts."""
    return await do_record_claims(components, client, agent, number, body.items)


@router.get(
    "/tickets/{number}/verification",
    response_model=VerificationOut,
    responses=problems(404),
)
async def get_verification(
    number: str, components: ComponentsDep, agent: CurrentAgent
) -> VerificationOut:
    """The latest verification: a verdict per claim (match, mismatch, partial, unknown),
    the account's changes as kinds and times, and the decision taken."""
    return await asyncio.to_thread(verification_of, components, agent, number)


@router.get("/tickets/{number}/account", response_model=AccountOut, responses=problems(404))
async def get_account(number: str, components: ComponentsDep, agent: CurrentAgent) -> AccountOut:
    """The directory's non-personal facts of the ticket's customer's account, or
    "unavailable" when the directory does not answer in time."""
    return await account_beside(components, agent, number)
