"""A Google Sheet as a `run` target, in a constant handful of requests whatever the row count.

Reading (GSheetTarget.open): 1 metadata read, 1 developerMetadata:search (which columns are
sheetsales'), 1 values:batchGet (see source.py). Writing (write / apply_cells):
- the re-read: on a run that adds status columns, 1 batchUpdate creating their ownership
  records that answers, atomically with that, the Deal IDs, the top rows and the claimed
  columns (a claimed cell no longer empty, or a moved header, deletes the records again and
  refuses); otherwise 1 values:batchGet of the same (and of the owned columns);
- the owned columns' cells through their ownership records (1
  values:batchUpdateByDataFilter, see owned.py): a column inserted meanwhile cannot redirect
  them onto a person's cells;
- 1 spreadsheets.batchUpdate with the Reminders sheet (and any cell outside owned columns),
  whose response shows the written columns, the Deal IDs and the header right after it,
  which verifies the write without another read (with nothing to send, 1 values:batchGet).
A run: 6 requests; a run with nothing to write: 3; a write over Google's 10 MiB request limit
goes in pieces (pieces.py), one more request per 9 MiB. Only when a person sorts, inserts or
deletes rows in the instant between the re-read and the write does one more request (a
corrective batchUpdate) put cells right.

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
import random
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from ...core.errors import SourceError, WriteConflict
from ...core.model import CellChange, SheetData, is_blank
from ...core.cells import cell_name, column_letters
from ...core.owned import REMINDER_HEADERS, REMINDERS_SHEET, STATUS_KEYS
from .source import METADATA_FIELDS, GSheetGrid, Tab, read_tabs
from .batch import (Cells, Placement, cell_requests, formula_cells, new_sheet_id,
                            reminder_requests, response_cells, same_old, same_value)
from .owned import body as owned_body, landed as owned_landed, title_now
from .owned import written as owned_written
from .pieces import covered, piece_limit, split_requests, split_values
from .rows import check_claims, check_formulas, check_olds, follow_moved, key_columns, place_rows, remap_reminders, repair_cells
from .api import GoogleApi, RetryPolicy, connect
from .ids import GSheetSource, parse_source

COLUMN_KEY = "sheetsales_column"
DUE_COLUMN = REMINDER_HEADERS.index("Due")
ROW_COLUMN = REMINDER_HEADERS.index("Row")
HEADER_SLACK = 10  # rows the header may move down between our read and our write
GRID_FIELDS = ("sheets(properties(sheetId),data(startRow,startColumn,"
               "rowData(values(userEnteredValue,effectiveValue))))")
_IDS = random.SystemRandom()


class GSheetTarget:
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
        self.name = self.grid.name
        self.requests = 2 + self.grid.requests
        self.written: list[CellChange] = []
        self._titles: dict[int, str] = {}  # sheetId -> title, as the last write's response says
        self._shown: set[int] = set()  # deals-sheet columns every write's response shows
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
        """Apply a run's plan in one batchUpdate (see the module docstring)."""
        title = plan.report.sheet.title
        owned = self.owned_columns(title)
        claims = {k: c for k, c in plan.layout.columns.items() if owned.get(k) != c}
        return self._write(plan.changes, plan.report.sheet, set(plan.layout.columns.values()),
                           claims, plan.reminders, check_old=False)

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
        self._shown = set(owned) if deals_tab is not None else set()  # in every response
        notes: list[str] = []
        placement = None
        if deals_tab is not None:
            olds = {(c.row - 1, c.col - 1): c.old for c in changes
                    if check_old and self.grid.tab(c.sheet) is deals_tab}
            if claims and not check_old:  # claimed atomically with the re-read, see _claim
                placement, now_owned = self._claim(deals, deals_tab, cells.get(deals_tab.id, {}),
                                                   owned, reminders, claims)
                claims = {}
            else:
                placement, now_owned = self._reread(
                    deals, deals_tab, cells.get(deals_tab.id, {}), owned, reminders, olds,
                    sorted(c for c in claims.values() if c < deals_tab.columns))
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
        # journaled for undo whatever happens next, even when the repair below fails
        self.written = self._landed(changes, deals_tab, placement)
        if deals_tab is not None:
            read_rows = dict(self.grid.rows(deals_tab.title))
            written = placed.get(deals_tab.id, {})
            repair = repair_cells(deals.title, read_rows, written, placement,
                                  post.get(deals_tab.id, {}), owned)
            if repair is not None:
                placement = repair.after
                placed = self._placed(cells, deals_tab, placement)
                more, _ = self._requests({deals_tab.id: repair.cells}, deals_tab, owned, {},
                                         reminders, placement)
                if more:
                    before_repair = post.get(deals_tab.id, {})
                    post.update(self._send(more, placed, deals_tab, placement))
                    self.written = _merged(self.written, deals_tab.title,
                                           self._titles.get(deals_tab.id, deals_tab.title),
                                           repair, before_repair)
                    if repair_cells(deals.title, read_rows, repair.cells, placement,
                                    post[deals_tab.id], owned) is not None:
                        raise WriteConflict(f"{deals.title} kept changing while sheetsales wrote "
                                            f"to {self.name}; run again to put the status "
                                            "cells right")
                notes.append(f"rows moved during the write; {len(repair.cells)} cell(s) were "
                             "put right")
                if repair.gone:
                    notes.append(f"deleted during the write, so left without a status: "
                                 f"{', '.join(repair.gone[:10])}")
        unverified = [f"{self._title(sid)}!{cell_name(r + 1, c + 1)}" for sid, block in placed.items()
                      for (r, c), v in sorted(block.items())
                      if not same_value(post.get(sid, {}).get((r, c)), v)]
        return self._summary(len(changes), reminders, created, notes, unverified)

    def _refuse_merged(self, cells: dict[int, Cells]) -> None:
        """Refuse a cell to write inside merged cells (but their top-left one): Sheets would
        keep only the top-left value, so a status would vanish or land on other rows."""
        for sheet_id, block in cells.items():
            tab = self._tab_by_id(sheet_id)
            for r0, r1, c0, c1 in tab.merges:
                inside = sorted(k for k in block if r0 <= k[0] < r1 and c0 <= k[1] < c1
                                and k != (r0, c0))
                if inside:
                    span = f"{cell_name(r0 + 1, c0 + 1)}:{cell_name(r1, c1)}"
                    raise WriteConflict(
                        f"{tab.title}!{span} is merged, and sheetsales would write into it "
                        f"({', '.join(cell_name(r + 1, c + 1) for r, c in inside[:5])}); "
                        "unmerge those cells (Format > Merge cells > Unmerge) and run again. "
                        "Nothing was written")

    def _split(self, placed: dict[int, Cells], deals_tab: Tab | None):
        """The deals-sheet cells in columns with an ownership record (written through it),
        and everything else (written by position)."""
        if deals_tab is None or deals_tab.id not in placed:
            return {}, placed
        records = self._records.get(deals_tab.id, {})
        block = placed[deals_tab.id]
        by_record = {k: v for k, v in block.items() if k[1] in records}
        rest = {k: v for k, v in block.items() if k[1] not in records}
        return by_record, {**placed, deals_tab.id: rest}

    def _send_by_record(self, cells: Cells, deals_tab: Tab, changes, placement) -> None:
        """Write the owned columns through their ownership records (see owned.py), in as
        many pieces as the request limit needs; when Sheets found them elsewhere than the
        re-read did, columns moved in the meantime: the cells went into sheetsales' own
        columns, and the run stops there, saying so."""
        records = self._records[deals_tab.id]
        columns = {i: c for c, i in records.items()}
        pieces = split_values(owned_body(cells, records)["data"], piece_limit())
        where: dict[int, int] | None = {}
        done: set = set()
        for n, piece in enumerate(pieces, 1):
            try:
                response = self.api.values_by_filter(
                    self.key, {"valueInputOption": "USER_ENTERED", "data": piece})
            except SourceError as error:
                raise _partial(error, n - 1, len(pieces)) from None
            self.requests += 1
            found = owned_landed(response, piece, columns)
            where = None if found is None or where is None else {**where, **found}
            done |= {(deals_tab.id, r, c) for r, c in owned_written(piece, columns)}
            self._titles[deals_tab.id] = title_now(response) or deals_tab.title
            self.written = self._landed(changes, deals_tab, placement, where or {}, done)
        if where is not None and all(where[c] == c for c in where):
            return
        now = ", ".join(column_letters(c + 1) for c in sorted((where or {}).values()))
        raise WriteConflict(
            f"columns of {deals_tab.title} were inserted, moved or deleted while sheetsales "
            f"wrote to {self.name}: the status cells went into sheetsales' own columns"
            f"{f' (now {now})' if now else ''}, not onto anyone else's cells, but they were not "
            "checked against the Deal IDs and the Reminders sheet was not rewritten; run again "
            "to finish (undo takes back what was written)")

    def _read_back(self, cells, deals_tab, placement) -> dict[int, dict]:
        """What the response of a batchUpdate would have shown, read (when only the owned
        columns were written): the written columns, and the key columns and top rows."""
        ranges, where = [], []
        for sheet_id, block in cells.items():
            tab = self._tab_by_id(sheet_id)
            shown = {c for _, c in block} | (self._shown if tab is deals_tab else set())
            for c in sorted(shown):
                ranges.append(_columns(tab, [c]))
                where.append((sheet_id, 0, c))
        if deals_tab is not None and placement is not None:
            ranges.append(_columns(deals_tab, placement.keys))
            where.append((deals_tab.id, 0, min(placement.keys)))
            ranges.append(f"{deals_tab.a1}!1:{min(deals_tab.rows, placement.header + HEADER_SLACK)}")
            where.append((deals_tab.id, 0, 0))
        found: dict[int, dict] = {sheet_id: {} for sheet_id in cells}
        for (sheet_id, r0, c0), rows in zip(where, self.api.values(self.key, ranges)):
            block = found.setdefault(sheet_id, {})
            for i, row in enumerate(rows):
                for j, value in enumerate(row):
                    if not is_blank(value):
                        block[(r0 + i, c0 + j)] = value
        self.requests += 1
        return found

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

    def _claim(self, deals: SheetData, tab: Tab, cells: Cells, owned: set[int],
               reminders: list[list] | None, claims: dict[str, int]):
        """Claim new status columns before a cell goes into them: one batchUpdate creates
        their ownership records and answers, atomically with that, the key columns, the top
        rows and the claimed columns (the re-read of this run). When the header moved or a
        claimed cell is no longer empty, the records are deleted again and the write is
        refused; else the cells go in through the records, like every later run's."""
        keys = key_columns(deals)
        claimed = sorted(claims.values())
        requests = []
        if claimed[-1] + 1 > tab.columns:
            requests.append({"appendDimension": {"sheetId": tab.id, "dimension": "COLUMNS",
                                                 "length": claimed[-1] + 1 - tab.columns}})
        requests += [_record_request(tab.id, key, column) for key, column in claims.items()]
        top = min(tab.rows, deals.header_row + HEADER_SLACK)
        ranges = [_columns(tab, keys), f"{tab.a1}!1:{top}"] + [_columns(tab, [c])
                                                               for c in claimed]
        response = self.api.batch_update(self.key, {
            "requests": requests, "includeSpreadsheetInResponse": True,
            "responseRanges": ranges, "responseIncludeGridData": True})
        self.requests += 1
        self._grew(requests)
        created = [r["createDeveloperMetadata"]["developerMetadata"]
                   for r in response.get("replies", []) if "createDeveloperMetadata" in r]
        for meta in created:
            span = meta["location"]["dimensionRange"]
            self._owned.setdefault(tab.id, {})[meta["metadataValue"]] = span["startIndex"]
            self._records.setdefault(tab.id, {})[span["startIndex"]] = meta["metadataId"]
        now = response_cells(response.get("updatedSpreadsheet", {}), tab.id)
        targets = {r + 1 for r, _ in cells}
        if reminders is not None:
            targets |= {r[ROW_COLUMN] for r in reminders[1:] if isinstance(r[ROW_COLUMN], int)}
        try:
            placement = place_rows(deals.title, dict(self.grid.rows(tab.title)), keys,
                                   deals.header_row, targets, _grid_rows(now, keys),
                                   _grid_rows(now, range(top), by_row=True), owned)
            check_claims(tab.title, claimed, [_grid_rows(now, [c]) for c in claimed])
        except WriteConflict:
            self._unclaim(tab, created)
            raise
        return placement, {}

    def _unclaim(self, tab: Tab, created: list[dict]) -> None:
        """Delete ownership records just created (a refused claim leaves none behind)."""
        self.api.batch_update(self.key, {"requests": [
            {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
                "metadataId": meta["metadataId"]}}}} for meta in created]})
        self.requests += 1
        for meta in created:
            column = meta["location"]["dimensionRange"]["startIndex"]
            self._records.get(tab.id, {}).pop(column, None)
            self._owned.get(tab.id, {}).pop(meta["metadataValue"], None)

    def _reread(self, deals: SheetData, tab: Tab, cells: Cells, owned: set[int],
                reminders: list[list] | None, olds: dict, claimed: list[int]):
        """One values:batchGet of the key column(s), the top rows, the columns being claimed
        (which must still be empty) and, with `olds`, the columns written (whose cells must
        still hold the old values); every row to write (and every row a reminder points at)
        found again. Returns the placement and the owned columns as re-read."""
        keys = key_columns(deals)
        top = min(tab.rows, deals.header_row + HEADER_SLACK)
        columns = sorted({c for _, c in olds})
        recorded = sorted(self._records.get(tab.id, {}))
        read = self.api.grid(self.key, [_columns(tab, keys), f"{tab.a1}!1:{top}"] +
                             [_columns(tab, [c]) for c in columns + claimed + recorded],
                             GRID_FIELDS)
        self.requests += 1
        now = response_cells(read, tab.id)  # values as Sheets computes them
        now_keys, now_top = _grid_rows(now, keys), _grid_rows(now, range(top), by_row=True)
        now_columns = [_grid_rows(now, [c]) for c in columns]
        now_claimed = [_grid_rows(now, [c]) for c in claimed]
        now_owned = {c: _grid_rows(now, [c]) for c in recorded}
        targets = {r + 1 for r, _ in cells}
        if reminders is not None:
            targets |= {r[ROW_COLUMN] for r in reminders[1:] if isinstance(r[ROW_COLUMN], int)}
        placement = place_rows(deals.title, dict(self.grid.rows(tab.title)), keys,
                               deals.header_row, targets, now_keys, now_top, owned)
        check_claims(tab.title, claimed, now_claimed)
        check_olds(deals.title, olds, dict(zip(columns, now_columns)), placement)
        check_formulas(tab.title, formula_cells(read, tab.id), cells, set(recorded), placement)
        return placement, now_owned

    def _requests(self, cells, deals_tab, owned, claims, reminders, placement):
        requests: list[dict] = []
        for sheet_id, block in cells.items():
            if not block:
                continue
            tab = self._tab_by_id(sheet_id)
            width = max([c + 1 for _, c in block] + [c + 1 for c in claims.values()
                                                        if tab is deals_tab])
            if width > tab.columns:
                requests.append({"appendDimension": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                                     "length": width - tab.columns}})
            requests += cell_requests(sheet_id, block, owned if tab is deals_tab else ())
        for key, column in claims.items():
            requests.append(_record_request(deals_tab.id, key, column))
        created = False
        if reminders is not None:
            rows = remap_reminders(reminders, placement.rows if placement else None)
            created = self._reminders_tab() is None
            tab = self._reminders_tab()
            requests += reminder_requests(tab, rows, new_sheet_id(self.grid.tabs) if tab is None
                                          else tab.id)
        return requests, created

    def _send(self, requests, cells, deals_tab, placement, on_piece=None) -> dict[int, dict]:
        """One batchUpdate (or, over the request limit, one per piece: see pieces.py,
        `on_piece` hearing which cells each piece but the last wrote); returns, per written
        sheet, (row, column) -> value right after it, for the written columns (and on the
        deals sheet the key columns and top rows)."""
        ranges = []
        for sheet_id, block in cells.items():
            tab = self._tab_by_id(sheet_id)
            shown = {c for _, c in block} | (self._shown if tab is deals_tab else set())
            ranges += [_columns(tab, [c]) for c in sorted(shown)]
        if deals_tab is not None and placement is not None:
            ranges.append(_columns(deals_tab, placement.keys))
            top = min(deals_tab.rows, placement.header + HEADER_SLACK)
            ranges.append(f"{deals_tab.a1}!1:{top}")
        pieces = split_requests(requests, piece_limit())
        for n, piece in enumerate(pieces[:-1], 1):  # a write over the request limit
            try:
                self.api.batch_update(self.key, {"requests": piece})
            except SourceError as error:
                raise _partial(error, n - 1, len(pieces)) from None
            self.requests += 1
            self._grew(piece)
            if on_piece is not None:
                on_piece(covered(piece))
        body = {"requests": pieces[-1], "includeSpreadsheetInResponse": bool(ranges)}
        if ranges:
            body.update(responseRanges=ranges, responseIncludeGridData=True)
        try:
            response = self.api.batch_update(self.key, body)
        except SourceError as error:
            raise _partial(error, len(pieces) - 1, len(pieces)) from None
        self.requests += 1
        self._grew(pieces[-1])
        spreadsheet = response.get("updatedSpreadsheet", {})
        for sheet in spreadsheet.get("sheets", []):
            props = sheet.get("properties", {})
            if "title" in props:
                self._titles[props.get("sheetId", 0)] = props["title"]
        return {sheet_id: response_cells(spreadsheet, sheet_id) for sheet_id in cells}

    def _grew(self, requests) -> None:
        """Keep the tabs' sizes (and a new Reminders sheet) current after a write."""
        for request in requests:
            if "addSheet" in request:
                props = request["addSheet"]["properties"]
                grid = props["gridProperties"]
                self.grid.tabs.append(Tab(props["sheetId"], props["title"], grid["rowCount"],
                                          grid["columnCount"], True))
            elif "appendDimension" in request:
                grow = request["appendDimension"]
                tab = self._tab_by_id(grow["sheetId"])
                if grow["dimension"] == "ROWS":
                    tab.rows += grow["length"]
                else:
                    tab.columns += grow["length"]

    def _summary(self, count, reminders, created, notes, unverified) -> str:
        parts = [f"wrote {count} cell{'s' if count != 1 else ''}"]
        if reminders is not None:
            parts.append(f"{'created' if created else 'rewrote'} the Reminders sheet "
                         f"({len(reminders) - 1} reminder{'s' if len(reminders) != 2 else ''})")
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


def _record_request(sheet_id: int, key: str, column: int) -> dict:
    """The ownership record of one status column: developer metadata on the column, with
    an id of our choosing, so that a retry of a write whose reply was lost is refused whole
    (the id exists) instead of recording the column twice."""
    return {"createDeveloperMetadata": {"developerMetadata": {
        "metadataId": _IDS.randint(1, 2**31 - 1),
        "metadataKey": COLUMN_KEY, "metadataValue": key, "visibility": "DOCUMENT",
        "location": {"dimensionRange": {"sheetId": sheet_id, "dimension": "COLUMNS",
                                        "startIndex": column, "endIndex": column + 1}}}}}


def _grid_rows(cells: dict, columns, by_row: bool = False) -> list[list]:
    """Response cells ((row, column) -> value) as values:batchGet would give them: rows of
    the columns min..max of `columns`, or with `by_row` the rows `columns` (0-based) whole."""
    if by_row:
        rows = list(columns)
        width = max((c for r, c in cells if r in rows), default=-1) + 1
        found = [[cells.get((r, c), "") for c in range(width)] for r in rows]
    else:
        first, last = min(columns), max(columns)
        height = max((r for r, c in cells if first <= c <= last), default=-1) + 1
        found = [[cells.get((r, c), "") for c in range(first, last + 1)] for r in range(height)]
    while found and all(v == "" for v in found[-1]):
        found.pop()
    return [_trimmed(row) for row in found]


def _trimmed(row: list) -> list:
    while row and row[-1] == "":
        row = row[:-1]
    return row


def _partial(error: SourceError, landed: int, pieces: int) -> SourceError:
    """A failed piece of a write in pieces: what Google said, and which pieces landed."""
    if pieces == 1:
        return error
    if landed == 0:
        return SourceError(f"{error} (nothing of the write's {pieces} pieces landed)")
    return SourceError(f"{error}; pieces 1-{landed} of the {pieces} this write was cut into "
                       "(to stay under Google's request limit) had landed: run again to finish "
                       "or undo to take them back")


def _merged(written: list[CellChange], title: str, title_now: str, repair,
            shown: dict) -> list[CellChange]:
    """The journal after a corrective write: every cell either write changed, with what it
    held before the run (as the repair worked it out, else as first journaled, else as the
    response `shown` it) and what it holds now."""
    first = {(c.row - 1, c.col - 1): c for c in written if c.sheet in (title, title_now)}
    merged = [c for c in written if c.sheet not in (title, title_now)]
    for where in sorted(set(first) | set(repair.cells)):
        if where in repair.before:
            old = repair.before[where]
        else:
            old = first[where].old if where in first else shown.get(where)
        new = repair.cells[where] if where in repair.cells else first[where].new
        merged.append(CellChange(title_now, where[0] + 1, where[1] + 1, old, new))
    return merged


def _columns(tab: Tab, columns: Iterable[int]) -> str:
    """The A1 range of whole columns, e.g. 'Deals'!A:C."""
    return f"{tab.a1}!{column_letters(min(columns) + 1)}:{column_letters(max(columns) + 1)}"


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
