"""Inbound HTML made safe to display, and outbound bodies from templates (pure, no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import UndefinedError

from ticketflow.letters.rendering import (
    AGENT_MAIL,
    AUTO_REPLY,
    letter_ticket,
    make_environment,
    paragraphs,
    render_letter,
)
from ticketflow.mail.sanitize import resolve_content_ids, sanitize_html
from ticketflow.settings import PROJECT_ROOT
from ticketflow.tickets.numbering import SubjectTag

HOSTILE = """<html><head><title>secret title</title><style>p{display:none}</style>
<script>alert(1)</script></head>
<body onload="steal()">
<p style="color: red; background: url(https://track.example/bg.gif); position: fixed">Hello</p>
<img src="https://track.example/pixel.gif?u=anna" alt="logo" width="1">
<img src="cid:logo@example.org" alt="inline">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="embedded">
<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="vector">
<a href="javascript:alert(2)">js</a> <a href="data:text/html,<b>x</b>">data</a>
<a href="https://help.example/faq">faq</a> <a href="mailto:help@example.org">mail</a>
<iframe src="https://evil.example/"></iframe>
<form action="https://evil.example/"><input name="password"></form>
<table width="100%" border="1"><tr><td bgcolor="#eee" onclick="x()">cell</td></tr></table>
</body></html>"""


@pytest.fixture(scope="module")
def clean() -> str:
    return sanitize_html(HOSTILE)


@pytest.mark.parametrize(
    "gone",
    [
        "script",
        "alert",
        "secret title",
        "display:none",
        "onload",
        "onclick",
        "steal",
        "track.example",
        "position",
        "javascript:",
        "data:text/html",
        "svg+xml",
        "iframe",
        "evil.example",
        "<form",
        "<input",
    ],
)
def test_nothing_that_runs_submits_frames_or_loads_remotely_survives(clean: str, gone: str) -> None:
    assert gone not in clean


@pytest.mark.parametrize(
    "kept",
    [
        '<p style="color:red">Hello</p>',
        'src="cid:logo@example.org"',
        'src="data:image/png;base64,iVBORw0KGgo="',
        'alt="logo"',  # a blocked remote image keeps its text
        '<a href="https://help.example/faq" rel="noopener noreferrer">faq</a>',
        'href="mailto:help@example.org"',
        '<td bgcolor="#eee">cell</td>',
    ],
)
def test_the_message_markup_and_its_own_images_stay(clean: str, kept: str) -> None:
    assert kept in clean


def test_empty_html_stays_empty() -> None:
    assert sanitize_html("  \n") == ""


def test_content_ids_point_at_attachment_downloads() -> None:
    markup = '<img src="cid:shot%201@x"><img src="cid:unknown@x">'
    resolved = resolve_content_ids(markup, {"shot 1@x": "/api/v1/attachments/7"})
    assert resolved == '<img src="/api/v1/attachments/7"><img src="cid:unknown@x">'


def test_paragraphs_escape_the_text_and_keep_its_breaks() -> None:
    html = paragraphs("Hello <b>Anna</b>,\r\n\r\nline 1\nline 2\n\n\n\nBye & thanks")
    assert html == (
        "<p>Hello &lt;b&gt;Anna&lt;/b&gt;,</p>\n<p>line 1<br>\nline 2</p>\n<p>Bye &amp; thanks</p>"
    )


TEMPLATES = make_environment(PROJECT_ROOT / "templates")
TICKET = letter_ticket(
    "20261124-0042", "Пароль <не подходит>", "Inbox", SubjectTag("[TF#{number}]")
)


def test_the_automatic_reply_has_text_and_escaped_html_parts() -> None:
    body = render_letter(TEMPLATES, AUTO_REPLY, TICKET)
    assert '"Пароль <не подходит>"' in body.text and "[TF#20261124-0042]" in body.text
    assert "Пароль &lt;не подходит&gt;" in body.html and "<не" not in body.html
    assert body.text.endswith("-- \nSupport team\n")


def test_an_agent_mail_wraps_the_agent_text_in_both_parts() -> None:
    body = render_letter(TEMPLATES, AGENT_MAIL, TICKET, text="Try <this>:\n\n1. open\n2. click")
    assert body.text.startswith("Try <this>:\n\n1. open\n2. click\n\n-- \nSupport team")
    assert "<p>Try &lt;this&gt;:</p>\n<p>1. open<br>\n2. click</p>" in body.html


def test_a_template_variable_that_is_missing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "agent_mail.txt.j2").write_text("{{ text }} {{ customer.name }}")
    with pytest.raises(UndefinedError):
        render_letter(make_environment(tmp_path), AGENT_MAIL, TICKET, text="hi")
