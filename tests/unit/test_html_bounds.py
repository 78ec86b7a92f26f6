"""HTML is bounded before it is sanitised: past the depth or the elements a sanitiser
reads in a fraction of a second, a message's HTML is not shown and its text is, with a
hint that says why (pure, no I/O)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import bombs
from ticketflow.desk.rules import HTML_NOT_SHOWN, classify
from ticketflow.mail.parse import parse_mail
from ticketflow.mail.sanitize import HtmlLimits, html_past_limits

SMALL = HtmlLimits(max_depth=8, max_tags=60)
# Elements whose nesting a parser keeps as written (<p>, <li> and table cells are closed by
# a sibling of their name: the test below has them).
TAGS = st.sampled_from(["div", "span", "b", "table", "blockquote", "font", "DIV", "section"])
VOID = st.sampled_from(["br", "img src=x", "hr", "meta charset=utf-8", "wbr"])


@st.composite
def tree(draw: st.DrawFn, depth: int = 0) -> tuple[str, int, int]:
    """Well-formed markup, its depth and how many tags it has."""
    if depth >= 12 or draw(st.integers(0, 2)) == 0:
        if draw(st.booleans()):
            return f"<{draw(VOID)}>", 0, 1
        return draw(st.text("ab <>&;", max_size=5)).replace("<", "&lt;"), 0, 0
    tag = draw(TAGS)
    children = draw(st.lists(tree(depth + 1), max_size=3))
    inner = "".join(markup for markup, _, _ in children)
    deepest = max((d for _, d, _ in children), default=0)
    return f"<{tag} class=x>{inner}</{tag}>", deepest + 1, 2 + sum(n for _, _, n in children)


@settings(max_examples=300, deadline=None)
@given(tree())
def test_well_formed_markup_is_past_the_bounds_exactly_when_it_is(
    shape: tuple[str, int, int],
) -> None:
    markup, depth, tags = shape
    past = html_past_limits(markup, SMALL)
    assert (past is not None) == (depth > SMALL.max_depth or tags > SMALL.max_tags)


def test_the_scan_nests_as_a_parser_would_or_deeper() -> None:
    # Unclosed elements nest; a stray end tag closes nothing; an end tag closes what is
    # open inside its element; a sibling <p> or <li> closes the one before it.
    assert html_past_limits("<div>" * 9, SMALL) is not None
    assert html_past_limits("<div>" * 8 + "</span>" * 50, SMALL) is None
    assert html_past_limits(("<div><b><i>" + "</div>") * 10, SMALL) is None
    assert html_past_limits("<ul>" + "<li>item" * 50 + "</ul>", SMALL) is None
    assert html_past_limits("<p>a" * 50, SMALL) is None
    assert html_past_limits("<br>" * 61, SMALL) == "more than 60 HTML tags"
    assert html_past_limits("<TABLE><Tr><TD>" * 3, SMALL) is not None


def test_a_deep_html_bomb_shows_its_text_and_says_why() -> None:
    mail = parse_mail(bombs.nested_html(88_000))
    assert mail.body_html == "" and mail.body_text == "deep words"
    assert mail.html_unshown == "HTML nested more than 1000 deep"
    hints = [(h.topic, h.part, h.matched) for h in classify([], mail).hints]
    assert (HTML_NOT_SHOWN, "body", "HTML nested more than 1000 deep") in hints


def test_ordinary_html_is_shown_with_no_hint() -> None:
    mail = parse_mail(bombs.nested_html(40))
    assert "deep words" in mail.body_html and mail.html_unshown == ""
    assert HTML_NOT_SHOWN not in [h.topic for h in classify([], mail).hints]
