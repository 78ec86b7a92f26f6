"""HTML of inbound mail made safe to show to agents. Pure functions.

Customers' HTML is hostile by default: scripts, event handlers, forms, frames and remote
images (tracking pixels that tell the sender when, where and by whom a mail was read).
What stays is the markup of a message: text formatting, tables, links that open in a
new context, and images carried by the message itself (`cid:` parts, small `data:`
images). The work is done by nh3 (the Rust `ammonia` sanitiser), not by our own parser.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import nh3

# Content removed with its tags, not just unwrapped: never text for the reader.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "head", "title", "template", "noscript"})
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"style", "dir", "lang", "title"},
    "td": {*nh3.ALLOWED_ATTRIBUTES.get("td", ()), "width", "valign", "bgcolor"},
    "th": {*nh3.ALLOWED_ATTRIBUTES.get("th", ()), "width", "valign", "bgcolor"},
    "table": {*nh3.ALLOWED_ATTRIBUTES.get("table", ()), "width", "border", "cellpadding"},
    "font": {"color", "face", "size"},
}
ALLOWED_TAGS = frozenset({*nh3.ALLOWED_TAGS, "font"})
# Inline CSS that formats text and boxes; nothing that can load a URL (background,
# list-style-image, content, cursor) or lift content over the page (position).
STYLE_PROPERTIES = frozenset(
    {
        "color",
        "background-color",
        "font",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "text-align",
        "text-decoration",
        "text-indent",
        "line-height",
        "white-space",
        "vertical-align",
        "width",
        "height",
        "margin",
        "margin-top",
        "margin-right",
        "margin-bottom",
        "margin-left",
        "padding",
        "padding-top",
        "padding-right",
        "padding-bottom",
        "padding-left",
        "border",
        "border-top",
        "border-right",
        "border-bottom",
        "border-left",
        "border-color",
        "border-style",
        "border-width",
        "border-collapse",
    }
)
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
# Images the message carries itself; an SVG data URL is left out (it is a document).
EMBEDDED_IMAGE = re.compile(r"^(cid:|data:image/(png|jpeg|gif|webp);)", re.IGNORECASE)


def sanitize_html(markup: str) -> str:
    """`markup` with everything that could run, submit, frame or load from elsewhere removed."""
    if not markup.strip():
        return ""
    return nh3.clean(
        markup,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes={*LINK_SCHEMES, "cid", "data"},
        filter_style_properties=set(STYLE_PROPERTIES),
    ).strip()


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    # cid: and data: pass nh3's scheme check only to be judged here: images may use
    # them, links may not (a data: link is a page of the sender's making).
    if tag == "img" and attribute == "src":
        return value if EMBEDDED_IMAGE.match(value.strip()) else None
    if value.strip().lower().startswith(("cid:", "data:")):
        return None
    return value


def resolve_content_ids(markup: str, urls: dict[str, str]) -> str:
    """`cid:` references in sanitised HTML pointed at the attachments' download URLs;
    `urls` maps a Content-ID (without angle brackets) to its URL."""
    if not urls:
        return markup

    def replace(match: re.Match[str]) -> str:
        url = urls.get(unquote(match.group(2)))  # RFC 2392: a cid URL is %-encoded
        return f"{match.group(1)}{url}" if url else match.group(0)

    return CID_SRC.sub(replace, markup)


CID_SRC = re.compile(r'(src=")cid:([^"]+)')
