"""Intake's clock in tests: Temporal's time, which a time-skipping server moves ahead.

Intake dates a new ticket's first step by `Components.clock`; its workflow dates the
rest by Temporal's clock. In production both are the wall clock; a test that skips the
server's time days ahead makes intake follow it (`follow`), as make_components' clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from ticketflow.store.models import utcnow


class ServerClock:
    """The wall clock plus how far the time-skipping server is ahead of it."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def __call__(self) -> datetime:
        return utcnow() + self.ahead

    async def follow(self, env: WorkflowEnvironment) -> None:
        """Follow `env`'s time: after each of its skips (env.sleep), take its lead."""
        skip = env.sleep

        async def sleep_and_follow(duration: timedelta | float) -> None:
            await skip(duration)
            self.ahead = await env.get_current_time() - utcnow()

        env.sleep = sleep_and_follow  # type: ignore[method-assign]
        self.ahead = await env.get_current_time() - utcnow()

    def reset(self) -> None:
        self.ahead = timedelta(0)


SERVER_CLOCK = ServerClock()
