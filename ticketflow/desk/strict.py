"""Desk config models refuse keys they do not know: a misspelt key (`first_responce: 60`)
is an error naming the nearest known key, never a setting silently dropped."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A part of the desk config: unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


def known_keys(model: type[BaseModel], path: Sequence[int | str]) -> list[str]:
    """The keys the model at `path` below `model` takes (a list's index or a mapping's key
    steps into its items); empty when the path leads to no model."""
    hint: Any = model
    for part in path:
        hint = _step(hint, part)
        if hint is None:
            return []
    model_type = _model_in(hint)
    if model_type is None:
        return []
    return [field.alias or name for name, field in model_type.model_fields.items()]


def nearest_key(unknown: str, known: Sequence[str]) -> str | None:
    found = difflib.get_close_matches(unknown, known, n=1, cutoff=0.6)
    return found[0] if found else None


def _step(hint: Any, part: int | str) -> Any:
    """The type one step into `hint`: a model's field, a list's item, a mapping's value."""
    model_type = _model_in(hint)
    if model_type is not None:
        for name, field in model_type.model_fields.items():
            if part in (name, field.alias):
                return field.annotation
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (list, tuple, Sequence) and args and isinstance(part, int):
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None


def _model_in(hint: Any) -> type[BaseModel] | None:
    """The model `hint` names, also inside `X | None`."""
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None
