"""A message's own words and the quote under them: the console shows the first and folds
the second (in a long thread every reply repeats the thread again). Pure."""

from __future__ import annotations

# Lines that introduce a quoted original, as common clients write them.
ORIGINAL_MARKERS = ("-----original message-----", "-----исходное сообщение-----")


def split_quote(text: str) -> tuple[str, str]:
    """(own words, quoted tail): the tail is every line from the first of a run of "> "
    lines (and its "On ... wrote:" line) to the end, where nothing but quote and blank
    lines follow; or from an "Original Message" line. ("", "") stays as it is."""
    lines = text.splitlines()
    marked = [at for at, line in enumerate(lines) if line.strip().lower() in ORIGINAL_MARKERS]
    start = marked[0] if marked else _quote_tail(lines)
    if 0 < start < len(lines) and lines[start - 1].rstrip().endswith(":"):
        start -= 1  # the attribution: "On Mon, Anna wrote:"
    own = "\n".join(lines[:start]).rstrip()
    if not own:  # a message that is all quote is shown whole
        return text, ""
    return own, "\n".join(lines[start:])


def _quote_tail(lines: list[str]) -> int:
    """Where the run of quote lines (and blank ones) that ends the message starts."""
    start = len(lines)
    for at in range(len(lines) - 1, -1, -1):
        line = lines[at].strip()
        if line and not line.startswith(">"):
            break
        if line:
            start = at
    return start
