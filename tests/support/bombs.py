"""Messages any sender can write that cost a naive reader dearly: shared by the hostile
input tests and bench/hostile.py."""

from __future__ import annotations

HEAD = b"From: Mallory <mallory@attacker.example>\r\nTo: support@ticketflow.localhost\r\n"


def nested(depth: int, tag: str = "n") -> bytes:
    """multipart/mixed inside multipart/mixed, `depth` levels."""
    out = [HEAD, b"Subject: nested\r\nMessage-ID: <%s@attacker.example>\r\n" % tag.encode()]
    for level in range(depth):
        out.append(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
        )
    out.append(b"Content-Type: text/plain\r\n\r\ninnermost\r\n")
    out += [b"--b%d--\r\n" % level for level in reversed(range(depth))]
    return b"".join(out)


def many_parts(parts: int, tag: str = "p") -> bytes:
    """One multipart/mixed of `parts` small text parts."""
    out = [
        HEAD,
        b"Subject: parts\r\nMessage-ID: <%s@attacker.example>\r\n" % tag.encode(),
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n',
    ]
    out += [b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(parts)]
    out.append(b"--b--\r\n")
    return b"".join(out)


def charset(name: str) -> bytes:
    """A text body and an encoded-word subject in charset `name`."""
    label = name.encode()
    return (
        HEAD
        + b"Subject: =?"
        + label
        + b"?q?hello?=\r\nMessage-ID: <cs-"
        + label
        + b"@attacker.example>\r\n"
        + b"Content-Type: text/plain; charset="
        + label
        + b"\r\n\r\nhello +AGE- \\x41\r\n"
    )


def display_name_with_crlf(customer: str) -> bytes:
    """A quoted local part that carries a customer's address after a CR/LF."""
    return (
        b'From: "x\r\n y: ' + customer.encode() + b'"@attacker.example\r\n'
        b"To: support@ticketflow.localhost\r\nSubject: hello\r\n"
        b"Message-ID: <crlf@attacker.example>\r\n\r\nbody\r\n"
    )


def nul_bytes() -> bytes:
    return (
        HEAD + b"Subject: nul\x00 here\r\nMessage-ID: <nul@attacker.example>\r\n\r\n"
        b"a body\x00 with NUL\r\n"
    )


def huge_header(size: int) -> bytes:
    return HEAD + b"Subject: " + b"x" * size + b"\r\nMessage-ID: <hh@attacker.example>\r\n\r\nb\r\n"


def nested_html(depth: int, tag: str = "h", sender: bytes = b"mallory@attacker.example") -> bytes:
    """An HTML body of `depth` nested <div> (88,000 are 440 KB: the light lane's size),
    which costs a sanitiser time that grows with the square of the depth."""
    return (
        b"From: Mallory <" + sender + b">\r\nTo: support@ticketflow.localhost\r\n"
        b"Subject: nested html\r\nMessage-ID: <%s@attacker.example>\r\n"
        % tag.encode()
        + b"Content-Type: text/html; charset=utf-8\r\n\r\n"
        + b"<div>" * depth
        + b"deep words\r\n"
    )
