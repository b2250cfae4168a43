"""Sending a write: the owned columns through their ownership records, the rest in one
batchUpdate whose response verifies it, each in pieces under Google's request limit."""


from ...core.errors import SourceError, WriteConflict
from ...core.model import CellChange, is_blank
from ...core.cells import cell_name, column_letters
from .source import Tab
from .batch import Cells, response_cells
from .owned import body as owned_body, landed as owned_landed, title_now
from .owned import written as owned_written
from .pieces import covered, piece_limit, split_requests, split_values
from .reread import HEADER_SLACK, _columns
from .restore import look_changes


class Sends:
    """GSheetTarget's sending of writes (a mixin: the state is the target's)."""

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
            top = min(deals_tab.rows, placement.header + HEADER_SLACK)
            ranges.append(f"{deals_tab.a1}!1:{top}")
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
        read = set(cells) | ({deals_tab.id} if placement is not None else set())
        return {sheet_id: response_cells(spreadsheet, sheet_id) for sheet_id in read}

    def _grew(self, requests) -> None:
        """Keep the tabs' sizes (and a new Reminders sheet) current after a write, and
        journal the look it changed (restore.py)."""
        self.look_written += look_changes(self, requests)
        for request in requests:
            if "addSheet" in request:
                props = request["addSheet"]["properties"]
                grid = props["gridProperties"]
                mark = next((r["createDeveloperMetadata"]["developerMetadata"]["metadataValue"]
                             for r in requests if "createDeveloperMetadata" in r and
                             r["createDeveloperMetadata"]["developerMetadata"]["location"]
                             .get("sheetId") == props["sheetId"]), True)
                self.grid.tabs.append(Tab(props["sheetId"], props["title"], grid["rowCount"],
                                          grid["columnCount"], mark))
            elif "appendDimension" in request:
                grow = request["appendDimension"]
                tab = self._tab_by_id(grow["sheetId"])
                if grow["dimension"] == "ROWS":
                    tab.rows += grow["length"]
                else:
                    tab.columns += grow["length"]


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
