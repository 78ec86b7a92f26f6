"""The console folds the quote under a message's own words."""

from __future__ import annotations

from ticketflow.console.quotes import split_quote


def test_a_reply_s_quote_and_its_attribution_are_folded() -> None:
    quote = "On Mon, 1 Dec 2026, Support wrote:\n> Try again.\n>\n> -- \n> Support"
    text = f"Still broken.\nThanks\n\n{quote}"
    assert split_quote(text) == ("Still broken.\nThanks", quote)


def test_an_outlook_original_and_a_russian_one_are_folded() -> None:
    own, quoted = split_quote("Да, спасибо.\n\n-----Исходное сообщение-----\nОт: support")
    assert (own, quoted) == ("Да, спасибо.", "-----Исходное сообщение-----\nОт: support")
    assert split_quote("Ok\n-----Original Message-----\nFrom: x")[1].startswith("-----Original")


def test_inline_quotes_and_plain_text_stay_whole() -> None:
    inline = "> Which browser?\nFirefox.\n> Version?\n128."
    assert split_quote(inline) == (inline, "")
    assert split_quote("Just text.") == ("Just text.", "")
    assert split_quote("> only a quote") == ("> only a quote", "")
