"""Loop protection: whether a message may get an automatic reply. Pure functions.

A help desk that answers automatic mail with automatic mail can trade messages with
an autoresponder, a mailing list or another help desk forever. The checks follow
RFC 3834 (Auto-Submitted), the de-facto Precedence, List-Id and
X-Auto-Response-Suppress fields, our own X-Loop mark, null senders and daemon
addresses. A per-sender daily limit (in the send activity) backs them up for
peers that mark nothing.
"""

from __future__ import annotations

from ticketflow.mail.identity import MailIdentity
from ticketflow.mail.parse import ParsedMail

DAEMON_LOCAL_PARTS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "mail-daemon",
        "mailerdaemon",
        "noreply",
        "no-reply",
        "do-not-reply",
        "donotreply",
        "bounce",
        "bounces",
    }
)
# Precedence values that mark mail no person wrote (auto_reply: some vacation responders).
AUTOMATIC_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
REPORT_TYPES = frozenset({"multipart/report", "message/delivery-status"})


def auto_reply_refusal(mail: ParsedMail, own: MailIdentity) -> str | None:
    """Why `mail` must get no automatic reply, or None when it may get one: the first of
    the checks below that finds a reason."""
    for check in (_automatic_headers, _own_loop, _no_person):
        reason = check(mail, own)
        if reason is not None:
            return reason
    return None


def _first(mail: ParsedMail, name: str) -> str:
    return mail.automation_headers.get(name, [""])[0].strip()


def _automatic_headers(mail: ParsedMail, own: MailIdentity) -> str | None:
    """Headers that mark mail no person wrote, or mail that asks for no reply."""
    auto_submitted = _first(mail, "auto-submitted")
    if auto_submitted and auto_submitted.split(";")[0].strip().lower() != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _first(mail, "precedence").lower()
    if precedence in AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("list-id", "list-unsubscribe"):
        if _first(mail, name):
            return f"mailing list ({name.title()})"
    suppress = _first(mail, "x-auto-response-suppress")
    if suppress and suppress.lower() != "none":
        return f"X-Auto-Response-Suppress: {suppress}"
    return None


def _own_loop(mail: ParsedMail, own: MailIdentity) -> str | None:
    """Our own mail come back, or another responder's."""
    loops = [v.strip().lower() for v in mail.automation_headers.get("x-loop", [])]
    if own.loop_value.lower() in loops:
        return "X-Loop: our own mail came back"
    for name in ("x-autoreply", "x-autorespond"):
        if _first(mail, name):
            return f"{name.title()} present"
    return None


def _no_person(mail: ParsedMail, own: MailIdentity) -> str | None:
    """No person to answer: a null sender, a delivery report, no sender, ourselves, a
    daemon."""
    if "".join(_first(mail, "return-path").split()) == "<>":  # `< >` is a null sender too
        return "null sender (Return-Path: <>)"
    if mail.content_type in REPORT_TYPES:
        return f"delivery report ({mail.content_type})"
    sender = mail.from_addr.lower()
    if not sender:
        return "no sender address"
    if sender in own.addresses:
        return "sent from one of our own addresses"
    if sender.split("@", 1)[0] in DAEMON_LOCAL_PARTS:
        return "sent by a mail daemon or no-reply address"
    return None
