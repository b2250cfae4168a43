"""`schedule`: the nightly job for every configured source."""

import datetime as dt

from ..core.config import Config
from ..nightly.alert import FailureAlert
from ..nightly.scheduler import Scheduler, setup_logging
from .run import run


def schedule(config: Config | None = None, once: bool = False, today: dt.date | None = None,
             environ=None) -> list:
    """Run every [schedule] source daily at [schedule] at (or once, with `once`); returns the
    outcome of each job run."""
    config = config or Config()
    remove = setup_logging(config.schedule.log_file, config.base_dir)
    try:
        watch = FailureAlert(config, environ) if config.schedule.alert else None
        scheduler = Scheduler(config, job=lambda source: run(
            source, config, today=today, environ=environ), watch=watch)
        if once:
            scheduler.run_once()
        else:
            scheduler.run_forever()
        return scheduler.outcomes
    finally:
        remove()
