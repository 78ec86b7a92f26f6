"""The ticket workflow's Passwords steps: before a verify or a restore is recorded, the
account directory is asked (an activity); its answer, or its absence, decides whether the
agent's action stands. Only ids, verdict counts and the channel pass through history."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from ticketflow.payloads import (
        AccessRestore,
        ActionRequest,
        ActivityName,
        ClaimsCheck,
        TicketFacts,
        Verified,
    )
    from ticketflow.tickets import lifecycle
    from ticketflow.tickets.lifecycle import Action

# An agent waits on these: a few quick attempts, then "try again shortly".
DIRECTORY_TIMEOUT = timedelta(seconds=20)
DIRECTORY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0, maximum_attempts=3
)
CONSULTING = frozenset({Action.VERIFY, Action.RESTORE})


def restore_key(facts: TicketFacts) -> str:
    """One restore per ticket and claims: a retried action asks the directory again with
    the same key, and the directory does it once."""
    claims_id = facts.access.claims_id if facts.access else None
    return f"restore:{facts.ticket_id}:{claims_id}"


async def consult(facts: TicketFacts, request: ActionRequest) -> ActionRequest:
    """The request as it is recorded once the directory has answered (a verification's
    verdict counts as its detail); InvalidTransition when the directory did not."""
    claims_id = facts.access.claims_id if facts.access else None
    if claims_id is None:
        raise lifecycle.refused("claims-missing")
    if request.action == Action.VERIFY:
        try:
            verified: Verified = await workflow.execute_activity(
                ActivityName.VERIFY_CLAIMS,
                ClaimsCheck(facts.ticket_id, claims_id),
                result_type=Verified,
                start_to_close_timeout=DIRECTORY_TIMEOUT,
                retry_policy=DIRECTORY_RETRY,
                summary="verify the claims against the account directory",
            )
        except ActivityError:
            # It failed every attempt (its log says why): the agent is asked to try again.
            raise lifecycle.refused("directory-unavailable") from None
        if verified.unavailable:
            raise lifecycle.refused("directory-unavailable")
        return dataclasses.replace(request, reason=verified.summary)
    channel = request.channel or ""
    try:
        await workflow.execute_activity(
            ActivityName.RESTORE_ACCESS,
            AccessRestore(facts.ticket_id, claims_id, channel, restore_key(facts)),
            start_to_close_timeout=DIRECTORY_TIMEOUT,
            retry_policy=DIRECTORY_RETRY,
            summary=f"restore access by {channel}",
        )
    except ActivityError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "AccountMissing":
            raise lifecycle.refused("account-missing") from None
        raise lifecycle.refused("directory-unavailable") from None
    return request
