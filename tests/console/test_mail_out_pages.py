"""An agent's mail with copies and files, and a forward, from the ticket page in a real
Chromium: what he chose in the browser reaches the SMTP server as one message."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from tests.console.test_pages import signed_in
from tests.support.browser import PASSWORD, playwright_api, shot, sign_in
from tests.support.mail import text_part
from tests.support.stack import Stack


def files_of(msg: EmailMessage) -> dict[str, bytes]:
    return {str(p.get_filename()): p.get_payload(decode=True) for p in msg.iter_attachments()}  # type: ignore[misc]


async def test_an_answer_with_a_file_and_a_copy_and_a_forward_from_the_page(
    stack: Stack, served: str, chromium: object, tmp_path: Path
) -> None:
    expect = playwright_api.expect
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    number = await stack.open_ticket(
        subject="Mail app settings",
        body="Which port do I use?",
        cc="Boris <boris@partner.example>",
    )
    settings = tmp_path / "mail.ini"
    settings.write_bytes(b"[imap]\nport = 993\n")

    alice = await sign_in(chromium, served, "alice")
    await alice.goto(f"{served}/t/{number}")  # type: ignore[attr-defined]
    await alice.get_by_role("button", name="Take").click()  # type: ignore[attr-defined]
    # First a forward of her mail to a colleague elsewhere: the ticket stays as it is.
    newest = alice.locator("section.newest")  # type: ignore[attr-defined]
    await newest.locator("summary", has_text="Forward").click()
    await newest.get_by_label("To", exact=True).fill("it@partner.example")
    await newest.get_by_label("Your note above it").fill("Can you check her account?")
    await newest.get_by_role("button", name="Forward").click()
    await expect(alice.locator("[data-state]")).to_have_text("first-line")  # type: ignore[attr-defined]
    await expect(alice.locator("#notice")).to_contain_text(f"Forwarded a mail of {number}.")  # type: ignore[attr-defined]
    # Then the answer, with a file and a copy, to everyone she wrote to.
    reply = alice.locator("aside.side form.write").first  # type: ignore[attr-defined]
    await reply.get_by_label("Reply to the customer (r)").fill("Port 993; settings attached.")
    await reply.get_by_text("Copies and files").click()
    await reply.get_by_label("Cc", exact=True).fill("lead@partner.example")
    await reply.get_by_label("Reply to all: copy everyone the customer wrote to").check()
    await reply.get_by_label("Attach files").set_input_files(str(settings))
    await shot(alice, "answer-with-copies-and-files", full_page=False)
    await alice.get_by_role("button", name="Answer and close").click()  # type: ignore[attr-defined]

    await stack.smtp.wait_for(3)  # the automatic reply, the forward, the answer
    [answer] = [m for m in stack.smtp.messages if "Port 993" in text_part(m)]
    assert answer["To"] == "anna@example.org"
    assert answer["Cc"] == "lead@partner.example, boris@partner.example"
    assert files_of(answer) == {"mail.ini": b"[imap]\nport = 993\n"}
    [forward] = [m for m in stack.smtp.messages if str(m["To"]) == "it@partner.example"]
    assert text_part(forward).startswith("Can you check her account?")
    assert "Which port do I use?" in text_part(forward)


async def test_a_refused_copy_keeps_what_he_typed_and_his_files_go_as_multipart(
    stack: Stack,
) -> None:
    """Without a browser: the reply form posted as multipart/form-data, as the page sends
    it; a Cc that is no address is refused on the ticket with the text and copies kept."""
    alices, csrf = await signed_in(stack)
    number = await stack.open_ticket()
    form = {"csrf": csrf, "text": "Here you are.", "cc": "not an address", "bcc": ""}
    empty_file = {"file": ("", b"", "application/octet-stream")}  # no file chosen
    refused = await alices.post(f"/t/{number}/act/answer", data=form, files=empty_file)
    assert refused.status_code == 422
    assert 'value="not an address"' in refused.text and "Here you are." in refused.text
    form["cc"] = "lead@partner.example"
    files = {"file": ("notes.txt", b"see this", "text/plain")}
    sent = await alices.post(f"/t/{number}/act/answer", data=form, files=files)
    assert sent.status_code == 303
    await stack.smtp.wait_for(2)
    [answer] = [m for m in stack.smtp.messages if "Here you are." in text_part(m)]
    assert answer["Cc"] == "lead@partner.example"
    assert files_of(answer) == {"notes.txt": b"see this"}
