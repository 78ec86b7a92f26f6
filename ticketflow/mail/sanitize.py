"""HTML of inbound mail made safe to show to agents. Pure functions.

Customers' HTML is hostile by default: scripts, event handlers, forms, frames and remote
images (tracking pixels that tell the sender when, where and by whom a mail was read).
What stays is the markup of a message: text formatting, tables, links that open in a
new context, and images carried by the message itself (`cid:` parts, small `data:`
images). The work is done by nh3 (the Rust `ammonia` sanitiser), not by our own parser.

Before nh3 sees it, the markup's shape is bounded (`html_past_limits`): nh3 takes time
that grows with the square of the nesting depth (88,000 nested <div> in 440 KB took ten
seconds, the reader's whole budget, in code no timer interrupts). Past the bounds the HTML
is not shown at all; the text is.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
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


@dataclass(frozen=True)
class HtmlLimits:
    # Far past any mail a person writes (a long thread quoted in full nests a few hundred
    # deep, a heavy newsletter has some thousands of tags); at these nh3 takes well under
    # a tenth of a second, and the scan that counts them about as long.
    max_depth: int = 1000
    max_tags: int = 400_000  # start and end tags


# A start or end tag's name; comments and scripts are not skipped, which only counts more.
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]{0,40})")
VOID_ELEMENTS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr", "keygen", "basefont", "bgsound", "frame", "image"}
)
# Elements a sibling of the same name closes (<p>a<p>b, <li>, table cells and rows).
CLOSED_BY_SIBLING = frozenset({"p", "li", "dt", "dd", "option", "tr", "td", "th"})


def html_past_limits(markup: str, limits: HtmlLimits = HtmlLimits()) -> str | None:
    """Which bound the markup is past ("nested more than 1000 deep"), or None. A scan at
    the speed of a regular expression that counts as an HTML parser would nest, or
    deeper (an end tag closes up to its element, one with no open element is ignored):
    mail it lets through is never deeper than it says."""
    open_tags: list[str] = []
    open_count: Counter[str] = Counter()
    for tags, match in enumerate(TAG.finditer(markup), start=1):
        if tags > limits.max_tags:
            return f"more than {limits.max_tags} HTML tags"
        name = match.group(2).lower()
        if match.group(1):  # an end tag: closes its element and all inside it
            if open_count[name]:
                while (closed := open_tags.pop()) != name:
                    open_count[closed] -= 1
                open_count[name] -= 1
            continue
        if name in VOID_ELEMENTS:
            continue
        if name in CLOSED_BY_SIBLING and open_tags and open_tags[-1] == name:
            continue  # closes the sibling before it and opens itself: the same depth
        open_tags.append(name)
        open_count[name] += 1
        if len(open_tags) > limits.max_depth:
            return f"HTML nested more than {limits.max_depth} deep"
    return None


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
