"""The clock-injected `schedule` classes the nightly loop runs on.

`schedule` calls datetime.datetime.now() itself in Job.should_run, Job.run and
Job._schedule_next_run. ClockJob overrides exactly those three (and the scheduler's
idle_seconds) to ask the injected clock, and keeps next_run as an aware datetime in the
configured zone; the rest of `schedule` (the job list, ordering, tags, cancelling) is used as
is. Only daily jobs at a time are supported, which is all sheetsales needs."""

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import schedule

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ClockJob(schedule.Job):
    """A `schedule` job that asks `clock` for the time and runs daily at `at_time` in `zone`."""

    def __init__(self, interval: int, scheduler: "ClockScheduler"):
        super().__init__(interval, scheduler)
        self.clock, self.zone = scheduler.clock, scheduler.zone

    @property
    def should_run(self) -> bool:
        return self.clock() >= self.next_run

    def run(self):
        result = self.job_func()
        self.last_run = self.clock()
        self._schedule_next_run()
        return result

    def _schedule_next_run(self) -> None:
        if self.unit != "days" or self.interval != 1 or self.at_time is None:
            raise schedule.ScheduleValueError("sheetsales jobs run every day at a time")
        now = self.clock().astimezone(self.zone)
        day = now.date()
        while (moment := wall_time(day, self.at_time, self.zone)) <= now:
            day += dt.timedelta(days=1)
        self.next_run = moment


class ClockScheduler(schedule.Scheduler):
    def __init__(self, clock: Clock, zone: ZoneInfo):
        super().__init__()
        self.clock, self.zone = clock, zone

    def every(self, interval: int = 1) -> ClockJob:
        return ClockJob(interval, self)

    @property
    def idle_seconds(self) -> float | None:
        return None if not self.jobs else (self.next_run - self.clock()).total_seconds()

    def run_pending(self, stopping: Callable[[], bool] = lambda: False) -> None:
        """Run the due jobs in order, checking `stopping` before each one."""
        for job in sorted(job for job in self.jobs if job.should_run):
            if stopping():
                return
            self._run_job(job)


def wall_time(day: dt.date, at: dt.time, zone: ZoneInfo) -> dt.datetime:
    """`at` on `day` in `zone`; a time skipped by a daylight-saving jump (02:30 on the
    spring-forward night) becomes the same instant after the jump (03:30)."""
    moment = dt.datetime.combine(day, at, tzinfo=zone)
    return moment.astimezone(dt.timezone.utc).astimezone(zone)


