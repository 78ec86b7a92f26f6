"""Comparing mail addresses as the same mailbox: case, internationalised domains, and
(by the desk's choice) sub-addresses."""

from __future__ import annotations

from contextlib import suppress
from email.utils import getaddresses


def normalised_address(address: str, *, fold_plus_tag: bool) -> str:
    """`Anna+x@Bücher.Example` as `anna@xn--bcher-kva.example` (with `fold_plus_tag`;
    `anna+x@...` without). Local parts are compared without case: every mail system
    our customers use treats them so."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return address.strip().lower()
    if fold_plus_tag:
        local = local.split("+", 1)[0] or local
    with suppress(UnicodeError):  # not a valid IDNA name: compared as written
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def counted_sender(address: str) -> str:
    """The mailbox a per-sender limit counts: `Anna+x@Example.org` and `anna@example.org`
    are one sender, so sub-addresses cannot dodge it."""
    return normalised_address(address, fold_plus_tag=True)


def mailboxes(*headers: str) -> list[str]:
    """The addresses an address field's values name (To, Cc), lower-cased, in order."""
    return [a.lower() for _, a in getaddresses([h for h in headers if h]) if "@" in a]
