"""What to say when another command holds a source's lock: the holder's process and how long
it has held the lock (`since`: when the holder took it), and
when that is longer than any run should take, that it looks stuck and how to free it."""

import datetime as dt
import time
from pathlib import Path

STUCK_AFTER = dt.timedelta(hours=1)  # far beyond a night's run with its SMTP deadline


def busy_message(source, lock: Path, holder: str, since: float | None,
                 now: float | None = None) -> str:
    """One sentence for a source whose lock `lock` is held by process `holder` ("" when
    unknown) since the time `since` (None when unknown)."""
    who = f"process {holder}" if holder else "another process"
    age = None if since is None else \
        dt.timedelta(seconds=max(0.0, (now or time.time()) - since))
    if age is not None and age > STUCK_AFTER:
        return (f"{source} looks stuck: {who} has held its lock {lock} for {_span(age)}, far "
                "longer than a run takes; if that process is hung, stop it"
                f"{f' (kill {holder})' if holder else ''} and run again")
    running = f", running for {_span(age)}" if age is not None else ""
    return (f"{source} is being updated by another sheetsales command"
            f"{f' (process {holder})' if holder else ''}{running}, which holds {lock}; "
            "nothing was done, try again when it has finished")


def _span(age: dt.timedelta) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
