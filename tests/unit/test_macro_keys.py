"""A macro's key is the desk's (its own, else the next free one in the config's order),
never its rank by use; the ticket's hints order the offer, never the keys."""

from __future__ import annotations

import pytest

from ticketflow.desk.macros import MacroConfig, by_hints, macro_keys, most_used_first


def macro(name: str, key: str | None = None, hints: list[str] | None = None) -> MacroConfig:
    return MacroConfig.model_validate(
        {"name": name, "key": key, "hints": hints or [], "steps": [{"action": "take"}]}
    )


def test_keys_follow_the_config_and_a_macro_s_own_key_and_never_use() -> None:
    macros = [macro("a"), macro("b", key="1"), macro("c"), macro("d")]
    keys = macro_keys(macros)
    assert keys == {"a": "2", "b": "1", "c": "3", "d": "4"}
    # The API's menu may put the most used first; the keys stay the desk's.
    assert most_used_first(macros, {"d": 50})[0].name == "d"
    many = [macro(f"m{n}") for n in range(12)]
    assert len(macro_keys(many)) == 9 and "m9" not in macro_keys(many)


def test_two_macros_on_one_key_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        macro_keys([macro("a", key="2"), macro("b", key="2")])


def test_hints_put_the_likely_first_and_the_unlikely_last() -> None:
    spam, reset, plain = (
        macro("spam", hints=["spam"]),
        macro("reset", hints=["password"]),
        macro("x"),
    )
    assert by_hints([spam, reset, plain], ["password"]) == [reset, plain, spam]
    assert by_hints([spam, reset, plain], []) == [spam, reset, plain]
