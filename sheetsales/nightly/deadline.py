"""The overall deadline of one source's run ([schedule] run_deadline_minutes): read, check,
plan, write and deliver must fit in it, so an unattended job never holds its lock for ever.

A run is stopped only between phases, never inside one: a write is never cut, and a write
that overran is journaled (undo works) before the run stops. The phases with a network
inside (Google requests, the SMTP session) are handed the time left as their own bound."""

import time
from collections.abc import Callable

from ..core.errors import RunTooLong

PHASES = {"read": "reading the sheet", "check": "checking it", "plan": "planning the changes",
          "write": "writing them", "deliver": "delivering the digests"}


class RunDeadline:
    """`minutes` (0: none) from when it is made, on the monotonic `clock` (seconds; tests pass
    a fake one)."""

    def __init__(self, minutes: int, clock: Callable[[], float] | None = None):
        self.minutes = minutes
        self.clock = clock or time.monotonic
        self.started = self.clock()

    def left(self) -> float | None:
        """Seconds left (never below 0), or None with no deadline."""
        if not self.minutes:
            return None
        return max(0.0, self.started + self.minutes * 60 - self.clock())

    def before(self, phase: str) -> None:
        """Raise RunTooLong, naming `phase` (a key of PHASES), if the deadline has passed."""
        if self.left() == 0.0:
            raise RunTooLong(
                f"the run passed its deadline of {self.minutes} min ([schedule] "
                f"run_deadline_minutes) and stopped before {PHASES[phase]}; nothing was left "
                "half-done: see why it is slow in the log, or raise the deadline")

    def bound(self, seconds: float) -> float:
        """`seconds`, or the time left when that is shorter (at least 1 s: a phase that
        starts gets a chance to say why it stops)."""
        left = self.left()
        return seconds if left is None else max(1.0, min(seconds, left))
