"""The typed configuration: a tree of frozen dataclasses, one per section of
sheetsales.toml, with the built-in defaults. Built and validated in one place, config.py;
every other module reads these attributes, never the file's raw tables."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .config_schema import STATUS_COLUMNS
from .dates import Calendar, local_zone
from .fields import DEFAULT_FIELDS, Field
from .stages import StageSet


@dataclass(frozen=True)
class Rules:
    due_soon_days: int = 3
    follow_up_days: int = 7
    forecast_grace_days: int = 0
    business_days: bool = False
    country: str | None = None
    holidays: frozenset = frozenset()
    time_zone: str = field(default_factory=local_zone)  # the machine's, unless configured
    date_order: str | None = None
    disabled: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceSettings:
    """[source]: where the deals are when no SOURCE is given, and which sheet and header row."""

    path: str | None = None
    sheet: str | None = None
    sheets: tuple[str, ...] = ()  # names or glob patterns of the deals tabs; () every match
    header_row: int | None = None

    @property
    def wanted_sheets(self) -> tuple[str, ...]:
        """The deals tabs asked for by name or pattern (`sheets`, else `sheet`); () none."""
        return self.sheets or ((self.sheet,) if self.sheet else ())


@dataclass(frozen=True)
class SmtpSettings:
    """[reminders.smtp]; the password comes only from SHEETSALES_SMTP_PASSWORD."""

    host: str
    port: int | None = None  # None: 465 with ssl, else 587
    starttls: bool | None = None  # None: unless ssl
    ssl: bool = False
    user: str | None = None
    timeout: int = 30  # seconds, per socket operation
    deadline: int = 300  # seconds, for the whole session

    @property
    def effective_port(self) -> int:
        return self.port or (465 if self.ssl else 587)

    @property
    def uses_starttls(self) -> bool:
        return (not self.ssl) if self.starttls is None else self.starttls


@dataclass(frozen=True)
class ReminderSettings:
    """[reminders]: where digests go (an outbox folder and/or SMTP, else printed), who gets
    them, and how often an item is sent again."""

    outbox: str | None = None
    sender: str | None = None
    owners: Mapping[str, str] = field(default_factory=dict)
    smtp: SmtpSettings | None = None
    resend_every_days: int = 3
    manager: str | None = None
    escalate_after_days: int = 7
    templates: str | None = None  # a folder holding the user's digest.txt and digest.html


@dataclass(frozen=True)
class ScheduleSettings:
    """[schedule]: the nightly job's time of day, sources, log, retry window, the deadline
    of each source's run, and who is alerted after how many failing nights."""

    at: str = "07:00"
    sources: tuple[str, ...] = ()
    log_file: str | None = None
    retry_minutes: int = 30
    run_deadline_minutes: int = 30  # 0: none; a lock held longer is reported as stuck
    alert: str | None = None  # who hears when a source has not been done for nights
    alert_after_nights: int = 3


@dataclass(frozen=True)
class HistorySettings:
    """[history]: the SQLite database (default .sheetsales/history.sqlite beside the config
    or workbook) and how many backups are kept."""

    database: str | None = None
    backups: int = 10


@dataclass(frozen=True)
class ProbabilitySettings:
    """[probability]: the values of the words a sheet may use for its probabilities
    (`Low = 20`); the built-in scales (understand/vocab/scales.toml) cover the common ones."""

    words: Mapping[str, float] = field(default_factory=dict)
    stages: Mapping[str, float] = field(default_factory=dict)  # stage label -> default percent


@dataclass(frozen=True)
class SummarySettings:
    """[summary]: the Summary sheet sheetsales keeps in the workbook (off with sheet = false),
    its name, how many months its forecast shows, and whether it carries charts."""

    sheet: bool = True
    sheet_name: str = "Summary"
    months: int = 6
    charts: bool = True


@dataclass(frozen=True)
class Config:
    """Everything a check or run needs to know besides the source and today."""

    path: Path | None = None
    source: SourceSettings = SourceSettings()
    fields: tuple[Field, ...] = DEFAULT_FIELDS
    stages: StageSet = field(default_factory=StageSet)
    rules: Rules = Rules()
    status_columns: Mapping[str, str] = field(default_factory=lambda: dict(STATUS_COLUMNS))
    reminders: ReminderSettings = ReminderSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    history: HistorySettings = HistorySettings()
    probability: ProbabilitySettings = ProbabilitySettings()
    colours: Mapping[str, str] = field(default_factory=dict)  # [colours]: status -> colour
    summary: SummarySettings = SummarySettings()

    @property
    def calendar(self) -> Calendar:
        r = self.rules
        return Calendar(r.business_days, r.country, r.holidays)

    @property
    def base_dir(self) -> Path | None:
        return self.path.parent if self.path else None
