"""Conformance with Zammad's mail corpus (`zammad-mail/` of the `corpus` fixture).

Each message is parsed and compared with what Zammad's `.yml` says: sender address,
subject, To and Cc addresses, attachment names and types, and the body text after
normalising whitespace and HTML (word sequences 97% alike). Every message that
differs must be listed in KNOWN_DIFFERENCES with the reason; a new difference fails
the test, and so does a listed one that has gone away (update the list).
"""

from __future__ import annotations

import base64
import difflib
import re
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import yaml

from ticketflow.mail.parse import ParsedMail, body_html, html_to_text, parse_mail, read_message

UNNAMED = "Zammad names an unnamed part 'file' or 'image.<ext>'; we name it attachment-<n>.<ext>"
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("mail035.box", "from"): "Zammad keeps the quotes of a quoted address-only display name",
    ("mail076.box", "from"): "Zammad's address keeps a stray '>' and the original case",
    ("mail018.box", "subject"): "an RFC 2047 word with spaces inside (invalid) is left encoded; "
    "Zammad leaves the UTF-7 undecoded instead",
    ("mail035.box", "to"): "To is the group syntax 'Recipients' with no address; Zammad says ''",
    ("mail070.box", "to"): "To is 'xxx', no address; Zammad says ''",
    ("mail105.box", "to"): "raw 8-bit Latin-1 inside an address next to an encoded word stays "
    "escaped in our To text",
    ("mail008.box", "attachments"): UNNAMED,
    ("mail042.box", "attachments"): UNNAMED,
    ("mail053.box", "attachments"): UNNAMED,
    ("mail080.box", "attachments"): UNNAMED,
    ("mail100.box", "attachments"): UNNAMED,
    ("mail062.box", "attachments"): UNNAMED + "; its two HTML parts are renderings of the text "
    "to us, attachments to Zammad",
    ("mail085.box", "attachments"): "a second text/html part: a rendering of the text to us",
    ("mail087.box", "attachments"): "an empty part without a type: nothing to offer",
    ("mail014.box", "attachments"): "':' is replaced in filenames (reserved on Windows)",
    ("mail064.box", "attachments"): "Zammad's name is decomposed (NFD) mojibake; ours is the "
    "readable NFC form",
    ("mail102.box", "attachments"): "two parts share a name; Zammad renames the second",
    ("mail018.box", "body"): "Zammad shows the UTF-7 text undecoded; ours is decoded",
    ("mail021.box", "body"): "binary junk in a spam message, decoded differently",
    ("mail026.box", "body"): "the text is only a PDF's caption in an alternative we do not take",
    ("mail054.box", "body"): "Zammad finds no visible content; we read the text part",
    ("mail060.box", "body"): "one part mixes UTF-8 and Latin-1 under an unknown label; "
    "neither decoding is right",
    ("mail087.box", "body"): "Zammad finds no visible content; we read the fax cover text",
    ("mail072.box", "body"): "labelled windows-1258: we follow the label ('août'), Zammad "
    "decodes it as windows-1250 ('aoűt')",
    ("mail102.box", "body"): "several text/plain parts: Zammad joins them, we take the first",
}


class RubyYamlLoader(yaml.SafeLoader):
    """Zammad's expectations are Ruby-tagged YAML: read the tags as plain data."""


def _ruby(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


RubyYamlLoader.add_multi_constructor("!ruby/", _ruby)
RubyYamlLoader.add_constructor(
    "!binary",
    lambda loader, node: base64.b64decode(loader.construct_scalar(node)),  # type: ignore[arg-type]
)


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def addresses(header: str) -> list[str]:
    return sorted(a.lower() for _, a in getaddresses([header or ""]) if a)


def differences(mail: ParsedMail, html: str, expected: dict[str, Any]) -> list[str]:
    found = []
    if mail.from_addr != (expected.get("from_email") or "").lower():
        found.append("from")
    if mail.subject != " ".join((expected.get("subject") or "").split()):
        found.append("subject")
    if addresses(mail.to_header) != addresses(expected.get("to") or ""):
        found.append("to")
    if expected.get("cc") and addresses(mail.cc_header) != addresses(expected["cc"]):
        found.append("cc")
    wanted = sorted(
        (a["filename"], (a.get("preferences") or {}).get("Mime-Type", ""))
        for a in expected.get("attachments") or []
        if not (a.get("preferences") or {}).get("content-alternative")
    )
    if wanted != sorted((a.filename, a.content_type) for a in mail.attachments):
        found.append("attachments")
    body, ours = expected.get("body") or "", mail.body_text
    if expected.get("content_type") == "text/html":
        body = html_to_text(body)
        ours = html_to_text(html) if html else ours
    theirs, mine = words(body), words(ours)
    if theirs == "no visible content":  # Zammad's placeholder for an empty body
        theirs = ""
    alike = difflib.SequenceMatcher(None, theirs.split(), mine.split(), autojunk=False).ratio()
    if theirs != mine and alike < 0.97:
        found.append("body")
    return found


def test_zammad_corpus_parses_as_zammad_expects(corpus: Path) -> None:
    boxes = sorted((corpus / "zammad-mail").glob("*.box"))
    assert len(boxes) == 106
    seen: set[tuple[str, str]] = set()
    for box in boxes:
        expected = yaml.load(box.with_suffix(".yml").read_text(), Loader=RubyYamlLoader)
        raw = box.read_bytes()
        mail = parse_mail(raw)  # every one is accepted
        html = body_html(read_message(raw))
        assert not mail.html_unshown, (box.name, mail.html_unshown)  # its HTML is shown
        seen |= {(box.name, field) for field in differences(mail, html, expected)}
    unexplained = sorted(seen - set(KNOWN_DIFFERENCES))
    resolved = sorted(set(KNOWN_DIFFERENCES) - seen)
    assert not unexplained, f"new differences from Zammad's expectations: {unexplained}"
    assert not resolved, f"listed differences that are gone (remove them): {resolved}"
    per_field = {f: sum(1 for _, g in seen if g == f) for f in ("from", "subject", "to", "cc")}
    per_field |= {f: sum(1 for _, g in seen if g == f) for f in ("attachments", "body")}
    print(f"Zammad corpus, messages differing per field (of 106): {per_field}")
