"""How payloads travel to and from Temporal (ticketflow.payloads' dataclasses as JSON), one
converter for every client, worker and the replayer: it writes today's form and reads the
older forms that histories of running tickets still hold, so a payload's shape can change
without breaking a ticket begun before the change."""

from __future__ import annotations

import dataclasses
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
        return value_to_type(hint, grouped, [self])


# Each composed payload and its parts, for reading their older, flat form.
COMPOSED: dict[type, tuple[str, ...]] = {
    TicketFacts: ("ticket", "timers", "carry"),
    TicketStatus: ("ticket",),
}


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default converters, with JSON that reads the older forms too."""

    def __init__(self) -> None:
        json = JSONPlainPayloadConverter(custom_type_converters=[_ComposedFromFlat(COMPOSED)])
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
