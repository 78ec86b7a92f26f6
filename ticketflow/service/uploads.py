"""Agents' files for their mail: uploaded to a ticket first, then named by id in an
answer, a question or a forward (claim check: the workflow sees only the article).

The same bounds hold as for mail in: each file within `max_attachment_bytes`, one mail's
files together within what the desk takes as one message. Where the desk names a virus
scanner (`TICKETFLOW_UPLOAD_SCAN_COMMAND`, such as `clamdscan --no-summary -`), each file
goes to it on standard input first: exit 0 keeps it, 1 refuses it as infected, anything
else (or no answer within a minute) refuses it for now.
"""

from __future__ import annotations

import logging
import mimetypes
import shlex
import subprocess
from collections.abc import Sequence

from ticketflow.components import Components
from ticketflow.mail.attachments import safe_filename
from ticketflow.mail.providers import Upload
from ticketflow.service.access import access_ticket_ref
from ticketflow.service.refusals import Invalid, TooLarge, TryLater
from ticketflow.service.shapes import MAX_FILES, UploadList, UploadOut
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.models import utcnow
from ticketflow.store.uploads import keep_upload

log = logging.getLogger("ticketflow.uploads")
SCAN_SECONDS = 60


def upload_files(
    components: Components, agent: AgentIdentity, number: str, files: Sequence[Upload]
) -> UploadList:
    """Keep the agent's files on a ticket he may see, every one checked before any is kept."""
    ref = access_ticket_ref(components, agent, number)
    if not files:
        raise Invalid("upload-none")
    if len(files) > MAX_FILES:
        raise Invalid("upload-too-many", limit=MAX_FILES)
    limit = components.settings.max_attachment_bytes
    named = []
    for index, file in enumerate(files, 1):
        content_type = content_type_of(file)
        name = safe_filename(file.filename, content_type, index)
        if len(file.data) > limit:
            raise TooLarge("upload-too-large", name=name, limit=limit)
        scan(components.settings.upload_scan_command, name, file.data)
        named.append((name, content_type, file.data))
    now = utcnow()
    kept = [
        keep_upload(components.sessions, ref.id, agent.name, name, kind, data, now)
        for name, kind, data in named
    ]
    return UploadList(uploads=[UploadOut(**vars(k)) for k in kept])


def content_type_of(file: Upload) -> str:
    """What the file is by its name (as the customer's mail program will read it), else
    the browser's word for it when it is a plain type/subtype."""
    guessed, _ = mimetypes.guess_type(file.filename, strict=False)
    said = file.content_type.lower()
    if guessed:
        return guessed
    maintype, _, subtype = said.partition("/")
    if maintype and subtype and maintype not in ("multipart", "message"):
        return said[:200]
    return "application/octet-stream"


def scan(command: str, name: str, data: bytes) -> None:
    """The desk's virus scanner's word on one file (no command: none asked)."""
    if not command:
        return
    try:
        done = subprocess.run(
            shlex.split(command), input=data, capture_output=True, timeout=SCAN_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        log.error("upload scanner failed: %s", type(exc).__name__)
        raise TryLater("scanner-unavailable") from exc
    if done.returncode == 1:
        log.warning("upload scanner refused a file")
        raise Invalid("upload-infected", name=name)
    if done.returncode != 0:
        log.error("upload scanner exited %d", done.returncode)
        raise TryLater("scanner-unavailable")
