"""How payloads travel to and from Temporal (ticketflow.payloads' dataclasses as JSON), one
converter for every client, worker and the replayer: it writes today's form and reads the
older forms that histories of running tickets still hold, so a payload's shape can change
without breaking a ticket begun before the change."""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
    JSONTypeConverter,
    value_to_type,
)

from ticketflow.payloads import TicketFacts, TicketStatus


class _ComposedFromFlat(JSONTypeConverter):
    """Reads a payload written before its fields were grouped into parts: a value of a
    composed dataclass that lacks a part (`ticket`, `timers`, `carry`) but holds that
    part's fields at its top, as histories of tickets begun on 0.1.0 do."""

    def __init__(self, composed: Mapping[type, Sequence[str]]) -> None:
        self._composed = composed

    def to_typed_value(self, hint: type, value: Any) -> Any:
        parts = self._composed.get(hint)
        if parts is None or not isinstance(value, dict) or all(p in value for p in parts):
            return JSONTypeConverter.Unhandled
        grouped, types = dict(value), typing.get_type_hints(hint)
        for part in parts:
            if part not in grouped:
                names = [f.name for f in dataclasses.fields(types[part])]
                grouped[part] = {n: grouped.pop(n) for n in names if n in grouped}
        return value_to_type(hint, grouped, [self, _Dataclasses([self])])


# Plain values a field's JSON already holds as they are.
_PLAIN = frozenset({str, int, bool, float})


@functools.cache
def _fields_of(hint: type) -> tuple[tuple[str, Any, bool], ...]:
    """A dataclass's fields: name, type hint, whether its __init__ takes it."""
    hints = typing.get_type_hints(hint)
    return tuple((f.name, hints[f.name], f.init) for f in dataclasses.fields(hint))


class _Dataclasses(JSONTypeConverter):
    """Reads a dataclass as the SDK's `value_to_type` does (unknown keys ignored, an
    `init=False` field set after), with its fields' type hints resolved once per class
    rather than on every value, and plain fields taken as they are: the SDK's way cost
    a new ticket's input about a millisecond in every worker that decoded it."""

    def __init__(self, before: Sequence[JSONTypeConverter] = ()) -> None:
        self._converters = [*before, self]  # each field's value meets them all, in order

    def to_typed_value(self, hint: type, value: Any) -> Any:
        if not isinstance(value, dict) or not dataclasses.is_dataclass(hint):
            return JSONTypeConverter.Unhandled
        taken: dict[str, Any] = {}
        later: dict[str, Any] = {}
        for name, field_hint, init in _fields_of(hint):
            if name not in value:
                continue
            raw = value[name]
            if field_hint in _PLAIN and type(raw) is field_hint:
                converted = raw
            else:
                try:
                    converted = value_to_type(field_hint, raw, self._converters)
                except Exception as err:
                    raise TypeError(f"Failed converting field {name} on dataclass {hint}") from err
            (taken if init else later)[name] = converted
        made = hint(**taken)
        for name, converted in later.items():
            object.__setattr__(made, name, converted)
        return made


# Each composed payload and its parts, for reading their older, flat form.
COMPOSED: dict[type, tuple[str, ...]] = {
    TicketFacts: ("ticket", "timers", "carry"),
    TicketStatus: ("ticket",),
}


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default converters, with JSON that reads the older forms too."""

    def __init__(self) -> None:
        flat = _ComposedFromFlat(COMPOSED)
        json = JSONPlainPayloadConverter(custom_type_converters=[flat, _Dataclasses([flat])])
        super().__init__(
            *(
                json if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


# The converter of every client, worker and replayer.
DATA_CONVERTER = dataclasses.replace(
    DataConverter.default, payload_converter_class=PayloadConverter
)
