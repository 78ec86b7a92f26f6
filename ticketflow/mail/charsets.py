"""Decoding text from real mail: declared charsets that lie, are missing or are unknown.

Pure functions over the standard library's codecs. The declared charset is tried first
under its best superset (GB2312 text is decoded as GB18030, Shift_JIS as CP932, ...);
a Latin-1 family label on bytes that are valid UTF-8 is taken as UTF-8, since that is
what mislabelling mail programs send; 8-bit bytes with no label are tried as UTF-8, then
as the charset the rest of the message declares; what still fails is decoded with
replacement characters rather than lost.
"""

from __future__ import annotations

import codecs
from email.header import decode_header

from charset_normalizer import from_bytes

# Labels real mail uses for which a superset, or another name, decodes more of it.
SUPERSETS = {
    "gb2312": "gb18030",
    "iso-gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cn-gb": "gb18030",
    "euc-cn": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "x-user-defined": "cp1252",
}
# A label some mail programs put on bytes in another encoding: tried after it.
# ISO-2022-JP as Microsoft writes it (CP50220): NEC and IBM extensions (①, Ⅲ, ㈱) that
# the strict codec refuses; decoded by way of CP932, which has them.
JIS_AS_CP932 = "iso-2022-jp-as-cp932"
MISLABELLED = {"iso-2022-jp": [JIS_AS_CP932, "cp932", "euc-jp"]}
LAST_RESORT = "cp1252"


def decode_bytes(data: bytes, declared: str | None, hints: tuple[str, ...] = ()) -> str:
    """`data` as text: the declared charset when it fits, else the best guess."""
    if not declared and data.isascii():
        return data.decode("ascii")
    for charset in candidates(data, declared, hints):
        try:
            if charset == JIS_AS_CP932:
                return iso2022jp_as_cp932(data)
            return data.decode(charset)
        except (LookupError, UnicodeError):
            continue
    # Nothing declared fits: let charset-normalizer tell from the bytes themselves.
    detected = from_bytes(data).best()
    if detected is not None:
        return str(detected)
    return data.decode(_known(declared) or LAST_RESORT, errors="replace")


def candidates(data: bytes, declared: str | None, hints: tuple[str, ...]) -> list[str]:
    label = (declared or "").strip().strip('"').lower()
    charset = _known(SUPERSETS.get(label, label)) if label else None
    tried: list[str] = []
    if (charset in LATIN_LABELS or charset is None) and not data.isascii():
        tried.append("utf-8")  # mislabelled or unlabelled UTF-8
    if charset:
        tried.append(charset)
        tried += MISLABELLED.get(label, [])
    elif not data.isascii():
        # Unlabelled 8-bit text: the charsets the rest of the message declares.
        for hint in hints:
            hint_label = hint.strip().lower()
            known = _known(SUPERSETS.get(hint_label, hint_label))
            tried += ([known] if known else []) + MISLABELLED.get(hint_label, [])
    return [c for c in dict.fromkeys(tried) if not (c in LATIN_LABELS and not declared)]


def iso2022jp_as_cp932(data: bytes) -> str:
    """ISO-2022-JP transcoded to Shift_JIS byte by byte, then decoded as CP932."""
    out = bytearray()
    double = False
    i = 0
    while i < len(data):
        if data[i] == 0x1B:
            sequence = data[i : i + 3]
            if sequence in (b"\x1b$B", b"\x1b$@"):
                double, i = True, i + 3
                continue
            if sequence in (b"\x1b(B", b"\x1b(J"):
                double, i = False, i + 3
                continue
            raise UnicodeDecodeError("iso-2022-jp", data, i, i + 3, "unknown escape")
        if double and data[i] > 0x20 and i + 1 < len(data):
            first, second = data[i], data[i + 1]
            if first % 2:
                lead, trail = (first + 1) // 2 + 0x70, second + 0x1F
                trail += 1 if trail >= 0x7F else 0
            else:
                lead, trail = first // 2 + 0x70, second + 0x7E
            out += bytes([lead + 0x40 if lead >= 0xA0 else lead, trail])
            i += 2
            continue
        out.append(data[i])
        i += 1
    return bytes(out).decode("cp932")


def decode_header_value(raw: str, hints: tuple[str, ...] = ()) -> str:
    """A header field's value, its RFC 2047 encoded words and raw 8-bit bytes decoded.

    `raw` is the value as the email package read it from bytes (8-bit bytes kept as
    surrogate escapes)."""
    try:
        chunks = decode_header(raw)
    except Exception:  # malformed encoded words: take the text as it stands
        chunks = [(raw, None)]
    parts: list[str] = []
    previous_encoded = False
    for chunk, charset in chunks:
        data = chunk if isinstance(chunk, bytes) else chunk.encode("ascii", "surrogateescape")
        text = decode_bytes(data, charset, hints)
        encoded = charset is not None
        # Whitespace between two encoded words is not part of the text (RFC 2047 6.2).
        joins_words = parts and not (encoded and previous_encoded)
        if joins_words and not text[:1].isspace() and not parts[-1][-1:].isspace():
            parts.append(" ")
        parts.append(text)
        previous_encoded = encoded
    return "".join(parts)


# Codecs Python has that no mail text is written in: they decode escapes, transforms or
# nothing at all, so a label naming one is treated as unknown.
NOT_CHARSETS = frozenset(
    {"undefined", "unicode-escape", "raw-unicode-escape", "punycode", "idna", "mbcs", "oem"}
)


def _known(charset: str | None) -> str | None:
    """The codec's name for a label that names a text charset, else None."""
    if not charset:
        return None
    try:
        info = codecs.lookup(charset)
    except (LookupError, ValueError):  # ValueError: a label with a NUL in it
        return None
    # Byte transforms (base64, zlib, rot13...) are not text encodings.
    if not getattr(info, "_is_text_encoding", True) or info.name in NOT_CHARSETS:
        return None
    return info.name


LATIN_LABELS = frozenset(
    filter(None, (_known(c) for c in ("cp1252", "iso-8859-1", "iso-8859-15", "us-ascii")))
)
