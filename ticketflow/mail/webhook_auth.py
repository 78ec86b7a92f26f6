"""The shared secret every inbound webhook must present.

`TICKETFLOW_WEBHOOK_SECRET` when set; otherwise a random secret made once in the data
directory (`webhook_secret`, readable by its owner only), so a fresh installation is
never open to anyone who can reach its port.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from ticketflow.settings import Settings

SECRET_FILE = "webhook_secret"


def secret_path(settings: Settings) -> Path:
    return settings.data_dir.resolve() / SECRET_FILE


def webhook_secret(settings: Settings) -> str:
    """The configured secret, or the data directory's, made on first use."""
    if settings.webhook_secret:
        return settings.webhook_secret
    path = secret_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: of two processes starting at once, one writes and both read the same.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(32) + "\n")
    return path.read_text().strip()


def secret_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing tells nothing about the secret."""
    return bool(expected) and hmac.compare_digest((given or "").encode(), expected.encode())
