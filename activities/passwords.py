"""The Passwords activities: verify a ticket's sealed claims against its project's account
directory, and restore access once. Their inputs and results carry ids, verdict counts
and kinds, never a claim or a fact (the workflow's history is read in the Temporal UI)."""

from __future__ import annotations

import logging

from temporalio import activity
from temporalio.exceptions import ApplicationError

from ticketflow.accounts.checking import Accounts
from ticketflow.accounts.directory import AccountMissing, DirectoryUnavailable
from ticketflow.payloads import AccessRestore, ActivityName, ClaimsCheck, Verified

log = logging.getLogger("ticketflow.activities.passwords")


class PasswordActivities:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    @activity.defn(name=ActivityName.VERIFY_CLAIMS)
    def verify_claims(self, check: ClaimsCheck) -> Verified:
        try:
            outcome = self._accounts.verify(check.ticket_id, check.claims_id)
        except DirectoryUnavailable as exc:
            log.warning("ticket %s: directory unavailable for a verification", check.ticket_id)
            return Verified(summary=str(exc)[:200], unavailable=True)
        return Verified(summary=outcome.summary)

    @activity.defn(name=ActivityName.RESTORE_ACCESS)
    def restore_access(self, request: AccessRestore) -> None:
        try:
            self._accounts.restore(
                request.ticket_id, request.claims_id, request.channel, request.key
            )
        except AccountMissing:
            raise ApplicationError(
                "the directory has no such account", type="AccountMissing", non_retryable=True
            ) from None
        except DirectoryUnavailable as exc:
            # Retried by the workflow's policy (a few times: an agent is waiting).
            raise ApplicationError(str(exc)[:200], type="DirectoryUnavailable") from None
        log.info("ticket %s: access restored by %s", request.ticket_id, request.channel)
