"""Reading the Authentication-Results field (RFC 8601) that the desk's own mail server
writes: did SPF, DKIM or DMARC pass for a sender's domain. Pure functions.

Anyone can write the field into a message; only the one our server added counts. A
server adds its own field above every other (and should strip forged ones bearing its
authserv-id: RFC 8601 section 5), so only the topmost field is read, and only when it
carries the desk's authserv-id.
"""

from __future__ import annotations

import re

COMMENT = re.compile(r"\([^()]*\)")
RESULT = re.compile(r"^\s*([a-z0-9-]+)\s*=\s*([a-z]+)\b(.*)$", re.IGNORECASE | re.DOTALL)
PROPERTY = re.compile(r"([a-z0-9-]+\.[a-z0-9-]+)\s*=\s*(\"[^\"]*\"|[^\s;]+)", re.IGNORECASE)


def passed_for(values: list[str], authserv_id: str, domain: str) -> bool:
    """Whether the topmost of the message's Authentication-Results `values` is ours and
    says DMARC passed for `domain` (header.from), DKIM passed with a signature of
    `domain` (header.d, or header.i at it), or SPF passed for an envelope sender at it."""
    if not values:
        return False
    text = COMMENT.sub(" ", COMMENT.sub(" ", values[0]))  # comments nest one level at most here
    server, *results = text.split(";")
    if not server.split() or server.split()[0].lower() != authserv_id.lower():
        return False
    domain = domain.lower().rstrip(".")
    for result in results:
        found = RESULT.match(result)
        if found is None or found.group(2).lower() != "pass":
            continue
        method = found.group(1).lower()
        props = {k.lower(): v.strip('"').lower() for k, v in PROPERTY.findall(found.group(3))}
        if method == "dmarc" and _at(props.get("header.from", ""), domain):
            return True
        if method == "dkim" and (
            _at(props.get("header.d", ""), domain) or _at(props.get("header.i", ""), domain)
        ):
            return True
        if method == "spf" and _at(props.get("smtp.mailfrom", ""), domain):
            return True
    return False


def _at(value: str, domain: str) -> bool:
    """`value` (a domain, or an address) is at `domain` exactly."""
    return value.rpartition("@")[2].rstrip(".") == domain
