"""What `undo` of a Google Sheet does beyond writing the journaled cells back (see
restore.py for the journal): the colours of the status columns the undone write inserted
removed, the widths, filters and charts it changed put back, the sheets it created deleted,
all in one batchUpdate. The status columns themselves stay, emptied, with their ownership
records (the next run writes into them again): the API deletes a column only by its index,
and a column a person inserted in the instant between undo's read and that batchUpdate would
shift the index onto one of their own columns, with its data. Rules also go by index; a rule
shifted that way loses only a look."""

import json

from ...core.dates import plural
from ...core.model import CellChange, is_blank
from .look import delete_rules
from .restore import CHARTS, FILTER, is_cell, same_title


class Undoing:
    """What undo does beyond the cells, worked out before anything is written: the status
    columns the undone write inserted (sheetId -> 0-based columns now), and what it says."""

    def __init__(self, target, journaled: list[CellChange], parts, remove: list[str]):
        self.target, self.journaled, self.remove = target, journaled, remove
        self.made: dict[int, list[int]] = {}  # status columns the undone write inserted
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
                self.notes.append(f"emptied the {len(made)} status columns sheetsales had "
                                  f"added to {tab.title} (delete them by hand if you like: "
                                  "sheetsales deletes no column of a shared sheet)")

    def cells(self) -> list[CellChange]:
        """The journaled cells undo writes back: not those of sheets it removes."""
        return [c for c in self.journaled if is_cell(c) and
                not any(same_title(c.sheet, t) for t in self.remove)]

    def requests(self) -> list[dict]:
        """One batchUpdate's requests: the colours of the columns the undone write made, the
        look it changed, the sheets it created."""
        target = self.target
        requests = []
        for sheet_id, made in self.made.items():
            tab = target._tab_by_id(sheet_id)
            column = target._owned[sheet_id].get("status")
            if column in made:
                requests += delete_rules(tab, column)
        if requests:
            self.notes.append(f"removed the status colours ({plural(len(requests), 'rule')})")
        requests += self._look()
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
            elif change.col - 1 not in self.made.get(tab.id, ()) and \
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


def _removed(titles: list[str], tabs) -> str:
    if not tabs:
        return "sheetsales' sheets " + " and ".join(titles) + " were already gone"
    many = "s" if len(tabs) > 1 else ""
    return f"removed the {' and '.join(t.title for t in tabs)} sheet{many} sheetsales had " \
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
