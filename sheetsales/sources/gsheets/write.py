"""A Google Sheet as a `run` target, in a constant handful of requests whatever the row count.

Longer than 300 lines because the verified write is one sequence (claim, re-read, write,
verify, repair) whose steps share its state; reread.py, send.py and pieces.py hold what
stands alone.

Reading (GSheetTarget.open): 1 metadata read, 1 developerMetadata:search (which columns are
sheetsales'), 1 values:batchGet (see source.py). Writing (write / apply_cells):
- the re-read: 1 values:batchGet of the Deal IDs, the top rows, the columns about to be
  claimed (a cell typed there since the read refuses, naming it) and the owned columns;
- the owned columns' cells through their ownership records (1
  values:batchUpdateByDataFilter, see owned.py): a column inserted meanwhile cannot redirect
  them onto a person's cells;
- 1 spreadsheets.batchUpdate with the Reminders sheet (and any cell outside owned columns),
  whose response shows the written columns, the Deal IDs and the header right after it,
  which verifies the write without another read (with nothing to send, 1 values:batchGet).
  On a run that adds status columns, the same batchUpdate first inserts them as fresh empty
  columns with their ownership records and then writes their cells (_claim_requests), so
  what a person types into those columns in the instant before it moves right, untouched.
A first run: 5 requests; a later one: 6; a run with nothing to write: 3; a write over
Google's 10 MiB request limit goes in pieces (pieces.py), one more request per 9 MiB. Only
when a person sorts, inserts or deletes rows in the instant between the re-read and the write
do two more requests put cells right (the corrective write, _repair: the owned columns
through their records, then a verified batchUpdate).

Ownership: each status column carries developer metadata (key "sheetsales_column", value the
status key, location the column), which Sheets moves with the column when people insert,
delete or move columns; the Reminders sheet carries sheet metadata "sheetsales_owned". The
Reminders sheet is created once (addSheet with its marker) and afterwards rewritten in place
(one updateCells over the whole sheet, which also clears what is below), so its sheetId, and
links or filters people made to it, survive.

Re-targeting: the rows to write are found again by Deal ID (by the key columns' texts when the
sheet has no Deal ID column). A planned deal that vanished or whose ID is now on several rows,
a row to write that has no ID while rows moved, or a changed header row (a column inserted,
moved or renamed) stops the write with WriteConflict; nothing is written then.

`written` holds the cells actually written by the last write, at the rows they landed on:
journal those (not the plan's) for undo."""

import os
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ...core.cells import cell_name, column_letters
from ...core.errors import SourceError, WriteConflict
from ...core.model import CellChange, SheetData
from ...core.owned import REMINDERS_SHEET, STATUS_KEYS
from .source import METADATA_FIELDS, GSheetGrid, Tab, read_tabs
from .batch import Cells, Placement, cell_requests, same_old, same_value
from .rows import follow_moved, remap_reminders, repair_cells
from .api import GoogleApi, RetryPolicy, connect
from .reread import COLUMN_KEY, DUE_COLUMN, Rereads, _record_request
from .send import Sends, _merged
from .ids import GSheetSource, parse_source
from .protected import locked, refuse_protected
from .tabs import remap_tab_rows, write_tabs
from .restore import sheet_changes
from .dress import Dresses



class GSheetTarget(Rereads, Sends, Dresses):
    """A spreadsheet `run` reads once (3 requests) and writes at most once (2 requests).
    `requests` counts the API requests made so far (token requests and retries aside)."""

    def __init__(self, api: GoogleApi, source: GSheetSource, *, sheet: str | None = None):
        self.api, self.key = api, source.key
        metadata = api.metadata(self.key, METADATA_FIELDS)
        columns = api.search_metadata(self.key, COLUMN_KEY)
        tabs = {t.id: t for t in read_tabs(metadata)}
        self._owned: dict[int, dict[str, int]] = {}
        self._records: dict[int, dict[int, int]] = {}  # sheetId -> column -> metadataId
        for meta in sorted(columns, key=lambda m: m.get("metadataId", 0)):
            span = meta.get("location", {}).get("dimensionRange", {})
            key, start = meta.get("metadataValue"), span.get("startIndex", 0)
            sheet_id = span.get("sheetId", 0)
            if key in STATUS_KEYS and span.get("dimension") == "COLUMNS" and \
                    span.get("endIndex", start + 1) - start == 1 and \
                    key not in self._owned.get(sheet_id, {}):
                self._owned.setdefault(sheet_id, {})[key] = start
                self._records.setdefault(sheet_id, {})[start] = meta["metadataId"]
        dates = {tabs[i].title: {c["next_action_due"]} for i, c in self._owned.items()
                 if i in tabs and "next_action_due" in c}
        reminders = next((t for t in tabs.values() if _is_reminders(t)), None)
        if reminders is not None and reminders.owned:
            dates.setdefault(reminders.title, set()).add(DUE_COLUMN)
        self.grid = GSheetGrid(api, source, metadata, sheet=sheet, date_columns=dates)
        self._locked = locked(metadata)  # protected ranges the service account may not edit
        self.name = self.grid.name
        self.requests = 2 + self.grid.requests
        self.written: list[CellChange] = []
        self._titles: dict[int, str] = {}  # sheetId -> title, as the last write's response says
        self._shown: set[int] = set()  # deals-sheet columns every write's response shows
        self._claimed = None  # (tab, columns added, records) of a write claiming columns
        self.placements: dict[str, dict[int, int]] = {}  # deals tab -> row read -> row now
        self.reminders_written: list[list] | None = None  # the rows the last write sent
        self.look_written: list[CellChange] = []  # the look it changed (restore.py)
        api.close()

    @classmethod
    def open(cls, source: str, credentials: str | Path | None = None,
             environ: Mapping[str, str] | None = None, *, sheet: str | None = None,
             sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], float] = time.monotonic,
             policy: RetryPolicy = RetryPolicy()) -> "GSheetTarget":
        """Connect with the service-account key (see ids.resolve_credentials) and read the
        sheet. `sheet` is the configured deals sheet, if any; `sleep` and `clock` drive the
        retry deadlines (api.RetryPolicy)."""
        api = connect(credentials, os.environ if environ is None else environ, sleep=sleep,
                      clock=clock, policy=policy)
        try:
            return cls(api, parse_source(source), sheet=sheet)
        except BaseException:
            api.close()
            raise

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> "GSheetTarget":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- the Target protocol -------------------------------------------------------------

    def owned_columns(self, title: str) -> dict[str, int]:
        tab = self.grid.tab(title)
        return dict(self._owned.get(tab.id, {})) if tab else {}

    def used_width(self, title: str) -> int:
        return self.grid.used_width(title)

    def reminders_state(self) -> str:
        tab = self._reminders_tab()
        if tab is None:
            return "absent"
        return "ours" if tab.owned else "theirs"

    def write(self, plan) -> str:
        """Apply a run's plan in one batchUpdate (see the module docstring); `written` then
        also holds the Reminders cells it changed (restore.py)."""
        owned = [t for t in (self._reminders_tab(), self.grid.tab(plan.summary_title or "")) if t]
        before = {t.title: ([r for _, r in self.grid.rows(t.title)], self.grid.values(t.title))
                  for t in owned}  # sheetsales' own sheets as read, journaled as they change
        self.reminders_written, self.look_written = None, []
        self.plan, self._dressed = plan, frozenset()
        try:
            if len(plan.report.parts()) > 1:
                line = write_tabs(self, plan)
            else:
                title = plan.report.sheet.title
                owned = self.owned_columns(title)
                claims = {k: c for k, c in plan.layout.columns.items() if owned.get(k) != c}
                line = self._write(plan.changes, plan.report.sheet,
                                   set(plan.layout.columns.values()), claims, plan.reminders,
                                   check_old=False)
        finally:  # what landed of the look is journaled, even of a write refused halfway
            self.written += self.look_written
        if self.reminders_written is not None:
            title = self._reminders_tab().title
            self.written += sheet_changes(title, *before.get(title, ([], [])),
                                          self.reminders_written)
        if plan.summary is not None:
            title = self.grid.tab(plan.summary_title).title
            self.written += sheet_changes(title, *before.get(title, ([], [])), plan.summary)
        return line

    def apply_cells(self, changes: Iterable[CellChange], deals: SheetData | None = None) -> str:
        """Write arbitrary cell changes (undo, clean --apply) through the same path: one
        re-read and one atomic, verified batchUpdate. With `deals` (locate_deals on this
        grid) changes on the deals sheet are re-targeted by Deal ID; without it they are
        written where they were read. Refused when a cell no longer holds its `old` value,
        as read at open time and, on the deals sheet, as re-read just before writing."""
        changes = list(changes)
        stale = [c for c in changes if not _holds(self.grid, c)]
        if stale:
            shown = ", ".join(f"{c.sheet}!{c.cell}" for c in stale[:10])
            raise WriteConflict(f"{len(stale)} cell(s) of {self.name} changed since they were "
                                f"recorded ({shown}); nothing was written")
        tab = self.grid.tab(deals.title) if deals else None
        owned = set(self._owned.get(tab.id, {}).values()) if tab else set()
        return self._write(changes, deals, owned, {}, None, check_old=True)

    # ---- the write ---------------------------------------------------------------------------

    def _write(self, *args, **kwargs) -> str:
        try:
            return self._write_once(*args, **kwargs)
        finally:
            self.api.close()

    def _write_once(self, changes, deals: SheetData | None, owned: set[int],
                    claims: dict[str, int], reminders: list[list] | None,
                    check_old: bool) -> str:
        if reminders is not None and self.reminders_state() == "theirs":
            raise WriteConflict(f"{self.name} has a sheet named {REMINDERS_SHEET!r} that "
                                "sheetsales did not create; rename it so sheetsales can keep "
                                "its own")
        changes = list(changes)
        cells = self._group(changes)
        self._refuse_merged(cells)
        deals_tab = self.grid.tab(deals.title) if deals else None
        self._refuse_protected(cells, deals_tab, owned, reminders)
        self._shown = set(owned) if deals_tab is not None else set()  # in every response
        notes: list[str] = []
        placement = None
        if deals_tab is not None:
            olds = {(c.row - 1, c.col - 1): c.old for c in changes
                    if check_old and self.grid.tab(c.sheet) is deals_tab}
            placement, now_owned = self._reread(
                deals, deals_tab, cells.get(deals_tab.id, {}), owned, reminders, olds,
                sorted(c for c in claims.values() if c < deals_tab.columns))
            self.placements[deals.title] = placement.rows
            moved = sum(1 for r, n in placement.rows.items() if r != n)
            if moved:
                notes.append(f"{moved} row(s) had moved since the read and were found again "
                             "by Deal ID")
                block = cells.setdefault(deals_tab.id, {})
                follow = follow_moved(dict(self.grid.rows(deals_tab.title)), placement,
                                      now_owned, block)
                changes = [c for c in changes if self.grid.tab(c.sheet) is not deals_tab or
                           (c.row - 1, c.col - 1) not in follow]
                for (r, c), (held, wanted) in follow.items():
                    block[(r, c)] = wanted
                    changes.append(CellChange(deals.title, r + 1, c + 1, held, wanted))
        placed = self._placed(cells, deals_tab, placement)
        by_record, positional = self._split(placed, deals_tab)
        requests, created = self._requests(positional, deals_tab, owned, claims, reminders,
                                           placement)
        if not requests and not by_record:
            return f"nothing to write to {self.name}"
        if by_record:
            self._send_by_record(by_record, deals_tab, changes, placement)
        done = {(deals_tab.id, r, c) for r, c in by_record} if by_record else set()

        def on_piece(cells):
            done.update(cells)
            self.written = self._landed(changes, deals_tab, placement, only=done)
        post = self._send(requests, placed, deals_tab, placement, on_piece) if requests else \
            self._read_back(placed, deals_tab, placement)
        self._claimed_now()
        # journaled for undo whatever happens next, even when the repair below fails
        self.written = self._landed(changes, deals_tab, placement)
        if deals_tab is not None:
            read_rows = dict(self.grid.rows(deals_tab.title))
            written = placed.get(deals_tab.id, {})
            try:
                repair = repair_cells(deals.title, read_rows, written, placement,
                                      post.get(deals_tab.id, {}), owned)
            except WriteConflict:
                if claims:
                    _refuse_split(deals.title, claims, post.get(deals_tab.id, {}),
                                  placement.header)
                raise
            if repair is not None:
                placement = repair.after
                placed = self._placed(cells, deals_tab, placement)
                post.update(self._repair(repair, deals, deals_tab, owned, reminders, placed,
                                         post, read_rows))
                notes.append(f"rows moved during the write; {len(repair.cells)} cell(s) were "
                             "put right")
                if repair.gone:
                    notes.append(f"deleted during the write, so left without a status: "
                                 f"{', '.join(repair.gone[:10])}")
        unverified = [f"{self._title(sid)}!{cell_name(r + 1, c + 1)}"
                      for sid, block in placed.items()
                      for (r, c), v in sorted(block.items())
                      if not same_value(post.get(sid, {}).get((r, c)), v)]
        return self._summary(len(changes), reminders, created, notes, unverified)

    def _repair(self, repair, deals, deals_tab, owned, reminders, placed, post, read_rows):
        """The corrective write, when rows moved between the re-read and the write: the
        owned columns through their ownership records (a column inserted meanwhile cannot
        redirect it onto a person's cells), the rest and the Reminders in one batchUpdate
        whose response verifies it. Returns what that response (or a read-back) shows."""
        placement = repair.after
        self.placements[deals.title] = placement.rows  # the Reminders' links follow them
        title_now = self._titles.get(deals_tab.id, deals_tab.title)
        before = post.get(deals_tab.id, {})
        journal = _merged(self.written, deals_tab.title, title_now, repair, before)
        by_record, rest = self._split({deals_tab.id: repair.cells}, deals_tab)
        more, _ = self._requests(rest, deals_tab, owned, {}, reminders, placement)
        wrong = len(placement.rows)
        try:
            if by_record:
                first = self.written
                try:
                    self._send_by_record(by_record, deals_tab, [], placement)
                except WriteConflict:
                    self.written = journal  # landed, in sheetsales' own columns
                    raise
                self.written = first
            if more:
                shown = self._send(more, placed, deals_tab, placement)
            elif by_record:
                shown = self._read_back(placed, deals_tab, placement)
            else:
                return {}
        except SourceError as error:
            raise SourceError(
                f"rows of {deals.title} moved while sheetsales wrote to {self.name}, and "
                f"putting the status cells right failed ({error}): up to {wrong} deal(s) show "
                "another deal's status until the next run; run again (undo takes back what "
                "was written)") from None
        self.written = journal
        if repair_cells(deals.title, read_rows, repair.cells, placement,
                        shown[deals_tab.id], owned) is not None:
            raise WriteConflict(f"{deals.title} kept changing while sheetsales wrote to "
                                f"{self.name}; run again to put the status cells right")
        return shown

    def _refuse_protected(self, cells, deals_tab, owned, reminders) -> None:
        """Refuse before writing when a protected range covers a cell to write, a status
        column written into, or the Reminders sheet to rewrite (see protected.py)."""
        for sheet_id, block in cells.items():
            columns = {c for _, c in block} & owned if self._tab_by_id(sheet_id) is deals_tab \
                else set()
            refuse_protected(self._title(sheet_id), self._locked.get(sheet_id, []), block,
                             columns)
        tab = self._reminders_tab()
        if reminders is not None and tab is not None:
            refuse_protected(tab.title, self._locked.get(tab.id, []), {}, set(),
                             whole="its reminders")

    def _placed(self, cells: dict[int, Cells], deals_tab: Tab | None,
                placement: Placement | None) -> dict[int, Cells]:
        """The cells at the rows they go to now (only deals-sheet rows move)."""
        if deals_tab is None or deals_tab.id not in cells:
            return dict(cells)
        return {**cells, deals_tab.id: {(placement.rows[r + 1] - 1, c): v
                                        for (r, c), v in cells[deals_tab.id].items()
                                        if r + 1 in placement.rows}}  # (deleted meanwhile)

    def _landed(self, changes, deals_tab, placement, columns=None,
                only=None) -> list[CellChange]:
        """The changes where they landed; with `columns` (0-based planned -> landed) only
        the deals-sheet cells written through ownership records, in the columns found; with
        `only`, only the cells at those (sheetId, row, planned column), 0-based as placed."""
        landed = []
        for change in changes:
            row, col = change.row, change.col
            tab = self.grid.tab(change.sheet)
            sheet = self._titles.get(tab.id, change.sheet) if tab else change.sheet
            if deals_tab is not None and tab is deals_tab:
                if row not in placement.rows:
                    continue  # its deal was deleted meanwhile; the repair put its row right
                row = placement.rows[row]
            if only is not None and (tab.id if tab else None, row - 1, col - 1) not in only:
                continue
            if deals_tab is not None and tab is deals_tab:
                if columns is not None:
                    if col - 1 not in columns:
                        continue
                    col = columns[col - 1] + 1
            elif columns is not None:
                continue
            landed.append(CellChange(sheet, row, col, change.old, change.new))  # its title now
        return landed

    def _group(self, changes) -> dict[int, Cells]:
        cells: dict[int, Cells] = {}
        for change in changes:
            tab = self.grid.tab(change.sheet)
            if tab is None:
                raise WriteConflict(f"{self.name} has no worksheet named {change.sheet!r}; "
                                    "nothing was written")
            block = cells.setdefault(tab.id, {})
            where = (change.row - 1, change.col - 1)
            if where in block:
                raise ValueError(f"{change.sheet}!{change.cell} is given twice")
            block[where] = None if change.new == "" else change.new
        return cells

    def _requests(self, cells, deals_tab, owned, claims, reminders, placement):
        requests: list[dict] = []
        claimed_width = None
        if claims:  # before any cell goes into the columns claimed, see _claim_requests
            claimed_width, claiming = self._claim_requests(deals_tab, claims)
            requests += claiming
        for sheet_id, block in cells.items():
            if not block:
                continue
            tab = self._tab_by_id(sheet_id)
            columns = claimed_width if claimed_width and tab is deals_tab else tab.columns
            width = max(c + 1 for _, c in block)
            if width > columns:
                requests.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                     "length": width - columns}})
            requests += cell_requests(sheet_id, block, owned if tab is deals_tab else ())
        created = False
        if reminders is not None:
            rows = remap_tab_rows(remap_reminders(reminders, placement.rows if placement
                                                  else None), self.placements)
            created = self._reminders_tab() is None
            tab = self._reminders_tab()
            self.reminders_written = rows  # journaled by write(), for undo
            requests += self._reminders_dressed(tab, rows, deals_tab)
        return requests + self._once_dressed(deals_tab), created

    def _claim_requests(self, tab: Tab, claims: dict[str, int]) -> tuple[int, list[dict]]:
        """New status columns, claimed in the write itself: fresh empty columns inserted
        where the plan puts them (right of everything used, see plan/columns.py), with their
        ownership records. Inserted in the same batchUpdate that writes into them, they hold
        nothing of anyone's: a value a person typed there since the re-read moves right of
        them instead of being overwritten (the re-read refused one typed before it).
        Returns the tab's width after them, and the requests."""
        first, last = min(claims.values()), max(claims.values())
        if first < tab.columns:
            grow = {"insertDimension": {"range": {
                "sheetId": tab.id, "dimension": "COLUMNS", "startIndex": first,
                "endIndex": last + 1}, "inheritFromBefore": False}}
        else:
            grow = {"appendDimension": {"sheetId": tab.id, "dimension": "COLUMNS",
                                        "length": last + 1 - tab.columns}}
        records = [_record_request(tab.id, key, column) for key, column in claims.items()]
        inserted = 0 if first >= tab.columns else last + 1 - first
        self._claimed = (tab, inserted, records)
        return max(tab.columns + inserted, last + 1), [grow, *records]

    def _claiming(self, tab: Tab) -> list[tuple[str, int, int]]:
        """(key, column, record id) of each column this write claims on `tab`."""
        if self._claimed is None or self._claimed[0] is not tab:
            return []
        metas = [r["createDeveloperMetadata"]["developerMetadata"] for r in self._claimed[2]]
        return [(m["metadataValue"], m["location"]["dimensionRange"]["startIndex"],
                 m["metadataId"]) for m in metas]

    def _owned_after_write(self, tab: Tab) -> dict[str, int]:
        """The owned columns of `tab` once this write lands: those recorded, and those it
        claims (the dress of a first write is sent with the claim)."""
        return {**self._owned.get(tab.id, {}),
                **{key: column for key, column, _ in self._claiming(tab)}}

    def _claimed_now(self) -> None:
        """After the write that claimed columns landed: the tab is wider (an appendDimension
        is counted by _grew) and the columns are sheetsales' own (a repair writes into them
        through their records)."""
        if self._claimed is None:
            return
        tab, wider, _ = self._claimed
        tab.columns += wider
        for key, column, record in self._claiming(tab):
            self._owned.setdefault(tab.id, {})[key] = column
            self._records.setdefault(tab.id, {})[column] = record
        self._claimed = None

    def _summary(self, count, reminders, created, notes, unverified) -> str:
        parts = [f"wrote {count} cell{'s' if count != 1 else ''}"]
        if reminders is not None:
            parts.append(f"{'created' if created else 'rewrote'} the Reminders sheet "
                         f"({len(reminders) - 1} reminder{'s' if len(reminders) != 2 else ''})")
        if self.plan is not None and self.plan.summary is not None:
            parts.append(f"the {self.plan.summary_title} sheet")
        line = " and ".join(parts) + f" in {self.name}"
        if unverified:
            line += (f"; {len(unverified)} cell(s) did not read back as written "
                     f"({', '.join(unverified[:5])}): check them")
        else:
            line += "; verified"
        return "; ".join([line, *notes])

    def _reminders_tab(self) -> Tab | None:
        return next((t for t in self.grid.tabs if _is_reminders(t)), None)

    def _tab_by_id(self, sheet_id: int) -> Tab:
        return next(t for t in self.grid.tabs if t.id == sheet_id)

    def _title(self, sheet_id: int) -> str:
        return self._tab_by_id(sheet_id).title


def _refuse_split(title: str, claims: dict[str, int], post: dict, header: int) -> None:
    """A column inserted left of the data in the instant between the re-read and a write
    claiming new columns: they went in at the place computed before, now between the
    sheet's own columns (the header after the write shows some of them right of ours)."""
    first, last = min(claims.values()), max(claims.values())
    if any(r == header - 1 and c > last for r, c in post):
        span = f"{column_letters(first + 1)}:{column_letters(last + 1)}"
        raise WriteConflict(
            f"a column was inserted into {title} while sheetsales added its status columns, "
            f"so they went in at {span}, between the sheet's own columns (no cell of yours "
            "was written over); drag them right of your data (sheetsales finds them wherever "
            "they are), then run again")


def _is_reminders(tab: Tab) -> bool:
    return tab.title.casefold() == REMINDERS_SHEET.casefold()  # Sheets titles ignore case


def _holds(grid: GSheetGrid, change: CellChange) -> bool:
    tab = grid.tab(change.sheet)
    if tab is None:
        return False
    row, column = change.row - 1, change.col - 1
    values = grid.values(tab.title)
    held = values[row][column] if row < len(values) and column < len(values[row]) else None
    return same_old(held, change.old)
