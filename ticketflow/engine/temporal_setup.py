"""Registering Ticketflow's search attributes on a Temporal cluster."""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.common import SearchAttributeKey

from ticketflow.components import connect_temporal
from ticketflow.settings import Settings
from workflows.search_attributes import ALL_KEYS


def _indexed_type(key: SearchAttributeKey[Any]) -> IndexedValueType.ValueType:
    # The SDK's enum has the API's numbers.
    return IndexedValueType.ValueType(int(key.indexed_value_type))


async def register_search_attributes(settings: Settings, namespace: str | None = None) -> list[str]:
    """Add the attributes the namespace (the installation's unless named) lacks; returns
    the names added."""
    client = await connect_temporal(settings)
    namespace = namespace or settings.temporal_namespace
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    present = set(existing.custom_attributes) | set(existing.system_attributes)
    missing = {k.name: _indexed_type(k) for k in ALL_KEYS if k.name not in present}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)


async def wait_for_temporal(settings: Settings, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            await connect_temporal(settings)
            return
        except Exception:
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.5)
