"""What `undo` of a Google Sheet does beyond writing the journaled cells back (see
restore.py for the journal): the status columns the undone write inserted deleted again with
their ownership records and colours (only when they hold nothing but sheetsales' own values),
the widths, filters and charts it changed put back, the sheets it created deleted, all in one
batchUpdate. Columns and rules go by index (the API has no other way): a column a person
inserts in the instant between undo's read and that batchUpdate could shift them."""

import datetime as dt
import json
from collections import Counter

from ...core.model import CellChange, is_blank
from .batch import to_serial
from .look import on_column
from .restore import CHARTS, FILTER, is_cell, same_title


class Undoing:
    """What undo does beyond the cells, worked out before anything is written: the status
    columns it deletes (sheetId -> 0-based columns now), what it says, and the cells it
    leaves to them."""

    def __init__(self, target, journaled: list[CellChange], parts, remove: list[str]):
        self.target, self.journaled, self.remove = target, journaled, remove
        self.made: dict[int, list[int]] = {}  # status columns the undone write inserted
        self.deleted: dict[int, list[int]] = {}  # those deleted again
        self.notes: list[str] = []
        for part in parts:
            tab = target.grid.tab(part.sheet.title)
            if tab is None:
                continue
            made = sorted(c for c in target._owned.get(tab.id, {}).values() if any(
                same_title(j.sheet, tab.title) and j.row == part.sheet.header_row and
                j.col == c + 1 and is_blank(j.old) for j in journaled))
            if made:
                self.made[tab.id] = made
                stray = _stray(target, tab, made, journaled)
                if stray is None:
                    self.deleted[tab.id] = made
                else:
                    self.notes.append(f"kept the status columns of {tab.title}, emptied: "
                                      f"{stray} holds what sheetsales did not write there")

    def cells(self) -> list[CellChange]:
        """The journaled cells undo writes back: not those in columns it deletes, nor those
        of sheets it removes."""
        gone = {(self.target._tab_by_id(i).title.casefold(), c + 1)
                for i, cols in self.deleted.items() for c in cols}
        return [c for c in self.journaled if is_cell(c) and
                (c.sheet.casefold(), c.col) not in gone and
                not any(same_title(c.sheet, t) for t in self.remove)]

    def requests(self) -> list[dict]:
        """One batchUpdate's requests: the colours of the columns the undone write made, the
        look it changed, the columns it inserted (records first), the sheets it created."""
        target = self.target
        requests = []
        for sheet_id, made in self.made.items():
            tab = target._tab_by_id(sheet_id)
            column = target._owned[sheet_id].get("status")
            if column in made:
                requests += [{"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": i}}
                             for i in reversed(range(len(tab.rules)))
                             if on_column(tab.rules[i], sheet_id, column)]
        if requests:
            self.notes.append(f"removed the status colours ({len(requests)} "
                              f"rule{'s' if len(requests) > 1 else ''})")
        requests += self._look()
        for sheet_id, columns in self.deleted.items():
            records = target._records.get(sheet_id, {})
            requests += [{"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": {
                "metadataId": records[c]}}}} for c in columns if c in records]
            requests += [{"deleteDimension": {"range": {
                "sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c,
                "endIndex": c + 1}}} for c in reversed(columns)]
            self.notes.append(f"removed the {len(columns)} status columns sheetsales had "
                              f"added to {target._tab_by_id(sheet_id).title}")
        tabs = [t for t in map(target.grid.tab, self.remove) if t is not None]
        requests += [{"deleteSheet": {"sheetId": t.id}} for t in tabs]
        if self.remove:
            self.notes.append(_removed(self.remove, tabs))
        return requests

    def _look(self) -> list[dict]:
        """Requests putting back the widths, filters and charts the undone write changed."""
        requests, seen = [], set()
        for change in self.journaled:
            tab = self.target.grid.tab(change.sheet)
            if is_cell(change) or tab is None or (tab.title, change.col) in seen or \
                    any(same_title(tab.title, t) for t in self.remove):
                continue
            seen.add((tab.title, change.col))
            if change.col == FILTER:
                requests += _filter_back(tab, json.loads(change.old))
            elif change.col == CHARTS:
                added = set(json.loads(change.new))
                requests += [{"deleteEmbeddedObject": {"objectId": i}} for i in tab.charts
                             if i in added]
                taken = {i for t in self.target.grid.tabs for i in t.charts} - added
                requests += [{"addChart": {"chart": chart if chart.get("chartId") not in taken
                                           else {k: v for k, v in chart.items()
                                                 if k != "chartId"}}}
                             for chart in json.loads(change.old)]
            elif change.col - 1 not in self.deleted.get(tab.id, ()) and \
                    change.col <= tab.columns:
                requests.append({"updateDimensionProperties": {
                    "range": {"sheetId": tab.id, "dimension": "COLUMNS",
                              "startIndex": change.col - 1, "endIndex": change.col},
                    "properties": {"pixelSize": change.old}, "fields": "pixelSize"}})
        return requests


def _filter_back(tab, old: dict | None) -> list[dict]:
    """The filter's range as before the undone write, its criteria as set since (a filter
    removed since stays removed)."""
    now = tab.basic_filter
    if not now:
        return []
    if old is None:
        return [{"clearBasicFilter": {"sheetId": tab.id}}]
    span = {**old.get("range", {}), "sheetId": tab.id}
    end = span.get("endColumnIndex")
    spec = {**now, "range": span}
    if end is not None:
        if "filterSpecs" in spec:
            spec["filterSpecs"] = [f for f in spec["filterSpecs"]
                                   if f.get("columnIndex", 0) < end]
        if "criteria" in spec:
            spec["criteria"] = {k: v for k, v in spec["criteria"].items() if int(k) < end}
    return [{"setBasicFilter": {"filter": spec}}]


def _stray(target, tab, columns: list[int], journaled: list[CellChange]) -> str | None:
    """The first cell of `columns` (0-based) holding a value the journal does not say
    sheetsales wrote into that column, as `Deals!I7`; None when there is none."""
    for column in columns:
        ours = Counter(_plain(j.new) for j in journaled if is_cell(j) and
                       same_title(j.sheet, tab.title) and j.col == column + 1)
        for r, row in enumerate(target.grid.values(tab.title)):
            held = row[column] if column < len(row) else None
            if is_blank(held):
                continue
            if ours[_plain(held)] <= 0:
                return f"{tab.title}!{CellChange(tab.title, r + 1, column + 1, None, None).cell}"
            ours[_plain(held)] -= 1
    return None


def _plain(value):
    """A value and what it is stored as compare equal: a date and its serial number."""
    if isinstance(value, dt.date):
        return float(to_serial(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _removed(titles: list[str], tabs) -> str:
    if not tabs:
        return "sheetsales' sheets " + " and ".join(titles) + " were already gone"
    plural = "s" if len(tabs) > 1 else ""
    return f"removed the {' and '.join(t.title for t in tabs)} sheet{plural} sheetsales had " \
        "created"


def undo_rest(target, undoing: Undoing) -> str | None:
    """Send undo's requests beyond the cells (Undoing.requests) in one batchUpdate; says what
    it did, or None when there was nothing."""
    requests = undoing.requests()
    if requests:
        target.api.batch_update(target.key, {"requests": requests})
        target.requests += 1
        for title in undoing.remove:
            tab = target.grid.tab(title)
            if tab is not None:
                target.grid.tabs.remove(tab)
    return "; ".join(undoing.notes) or None
