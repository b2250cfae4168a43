"""The run history: an embedded SQLite database of runs, each deal's current stage and since
when, the reminders sent, and a journal of every cell written (SPEC §7).

Every write is one transaction: a run's finish together with its deal stages, one write's
journal rows, one digest's items. A killed run leaves a run row with no finish time (shown
as "unfinished") and nothing else; readers only trust finished runs.

Its cost per run does not grow with the nights before: one row per deal (stage_now), one
per reminder item (history_sent), the journal of the last writes only (history_writes), one
record of sheetsales' own cells per source (history_owned).
The connection, its transactions and its error sentences live in history_db."""

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .history_db import DEFAULT_PATH, Database, is_remote, moment, now, stamp
from .history_errors import HistoryError
from .history_schema import MIGRATIONS, UPSERT_STAGE
from .history_notes import NotesMixin
from .history_owned import OwnedMixin
from .history_sent import Outgoing, SentMixin, resend_due
from .history_writes import JournalMixin, Write, decode_value, encode_value

SCHEMA_VERSION = len(MIGRATIONS)

__all__ = ["DEFAULT_PATH", "History", "HistoryError", "Outgoing", "Run", "SCHEMA_VERSION",
           "Write", "decode_value", "encode_value", "history_path", "is_remote",
           "resend_due"]


@dataclass(frozen=True)
class Run:
    """One recorded run; `outcome` is None while it runs or when it was killed."""

    id: int
    source: str
    sheet: str | None
    day: dt.date
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str | None
    counts: dict[str, int]


def history_path(config, source: str | Path | None = None) -> Path:
    """Where the history of `source` lives: [history] database (relative to the config
    file), else .sheetsales/history.sqlite beside the config file, else beside the workbook,
    else in the current folder (a Google Sheet with no config file)."""
    configured = config.history.database
    base = config.base_dir
    if base is None and source is not None and not is_remote(source):
        base = Path(source).resolve().parent
    base = base or Path.cwd()
    return base / Path(configured).expanduser() if configured else base / DEFAULT_PATH


class History(Database, JournalMixin, SentMixin, NotesMixin, OwnedMixin):
    """The history database of one folder. Use `History.open(path)`, as a context manager
    or with `close()`."""

    # --- runs and stages --------------------------------------------------------------------

    def start_run(self, source, sheet: str | None, started: dt.datetime,
                  day: dt.date | None = None) -> int:
        """Record that a run began; `day` is the run's "today" (default: started's date)."""
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO runs (source, sheet, day, started_at) VALUES (?, ?, ?, ?)",
                (self.key(source), sheet, (day or started.date()).isoformat(), stamp(started)))
        return cursor.lastrowid

    def finish_run(self, run_id: int, outcome: str, counts: dict[str, int] | None = None,
                   deals: Iterable | None = None, finished: dt.datetime | None = None,
                   sheet: str | None = None) -> None:
        """Record the run's outcome and counts per code, and the stage of each deal in
        `deals` (when given), in one transaction."""
        with self._transaction():
            if deals is not None:
                self._update_stages(run_id, deals)
            self.db.execute(
                "UPDATE runs SET finished_at = ?, outcome = ?, counts = ?, "
                "sheet = coalesce(?, sheet) WHERE id = ?",
                (stamp(finished or now()), outcome, json.dumps(dict(counts or {})), sheet,
                 run_id))

    def _update_stages(self, run_id, deals) -> None:
        source, day = self.db.execute("SELECT source, day FROM runs WHERE id = ?",
                                      (run_id,)).fetchone()
        stages: dict[str, set] = {}
        for deal in deals:
            if deal.deal_id:
                stages.setdefault(deal.deal_id, set()).add(deal.stage.key if deal.stage
                                                           else None)
        self.db.executemany(UPSERT_STAGE, (
            (source, deal_id, next(iter(found)) if len(found) == 1 else None,
             int(len(found) > 1), day, run_id) for deal_id, found in stages.items()))

    def _current_stages(self, source) -> list[tuple[str, str, str]]:
        """(deal, stage key, since) of the deals the last run that read deals saw in one
        known stage."""
        key = self.key(source)
        return self._read(
            "SELECT deal_id, stage_key, since FROM stage_now WHERE source = ? AND mixed = 0 "
            "AND stage_key IS NOT NULL AND run_id = (SELECT max(run_id) FROM stage_now "
            "WHERE source = ?)", (key, key))

    def known_deal_ids(self, source) -> frozenset[str]:
        """Every Deal ID a run has seen in `source`, including deals deleted since: cleanup
        never hands one out again."""
        return frozenset(deal for (deal,) in self._read(
            "SELECT deal_id FROM stage_now WHERE source = ?", (self.key(source),)))

    def previous_stages(self, source) -> dict[str, str]:
        """Deal ID -> stage key at the last finished run of `source` that read its deals
        (for STG004). IDs that were duplicated with different stages are left out."""
        return {deal: stage for deal, stage, _ in self._current_stages(source)}

    def stages_since(self, source) -> dict[str, tuple[str, dt.date]]:
        """Deal ID -> (stage key, the day of the first run of the unbroken series of finished
        runs, ending at the last one, in which the deal had that stage). Runs in which the
        deal is absent do not break the series; a different stage does."""
        return {deal: (stage, dt.date.fromisoformat(since))
                for deal, stage, since in self._current_stages(source)}

    def stage_since(self, source, deal_id: str, stage_key: str) -> dt.date | None:
        """The day `deal_id` was first seen in `stage_key` in the unbroken series of runs
        ending at the last finished run; None when the last run had it in another stage."""
        found = self.stages_since(source).get(deal_id)
        return found[1] if found and found[0] == stage_key else None

    def _runs(self, where: str, args: tuple, limit: int) -> list[Run]:
        rows = self._read(
            "SELECT id, source, sheet, day, started_at, finished_at, outcome, counts FROM runs "
            f"{where} ORDER BY id DESC LIMIT ?", (*args, limit))
        return [Run(i, s, sh, dt.date.fromisoformat(day), moment(start), moment(end), out,
                    json.loads(counts)) for i, s, sh, day, start, end, out, counts in rows]

    def recent_runs(self, source=None, limit: int = 20) -> list[Run]:
        """The latest runs, newest first, of `source` or of every source."""
        if source is None:
            return self._runs("", (), limit)
        return self._runs("WHERE source = ?", (self.key(source),), limit)

    def last_run(self, source) -> Run | None:
        """The latest finished run of `source`."""
        found = self._runs("WHERE source = ? AND finished_at IS NOT NULL", (self.key(source),), 1)
        return found[0] if found else None
