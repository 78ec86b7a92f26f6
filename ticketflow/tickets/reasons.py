"""Why something is refused, as the domain says it: a stable code for programs, and an
English message with named parameters for people (a face may translate the message; the
parameters are filled in after)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reason:
    code: str
    message: str  # with %(name)s placeholders, as gettext catalogues keep them
    params: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % dict(self.params) if self.params else self.message

    def parts(self) -> list[object]:
        """The reason as it travels between processes: code, message, parameters."""
        return [self.code, self.message, dict(self.params)]

    @classmethod
    def of_parts(cls, parts: Sequence[object]) -> Reason | None:
        """A reason that travelled as `parts()`; None for anything else."""
        if len(parts) == 3 and isinstance(parts[2], dict):
            return cls(str(parts[0]), str(parts[1]), parts[2])
        return None
