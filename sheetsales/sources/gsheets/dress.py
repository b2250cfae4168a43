"""GSheetTarget's dressing of a write (a mixin: the state is the target's): the requests of
look.py and summary.py for the plan being written, added to the write's own batchUpdate."""

from dataclasses import replace

from .batch import new_sheet_id, reminder_requests
from ...core.owned import REMINDER_ROW
from .look import column_requests, header_format, link, reminders_requests
from .summary import is_summary, summary_requests


class Dresses:
    """The looks of the plan `write` was given (`self.plan`; None for undo and clean)."""

    plan = None
    _dressed: set = frozenset()  # what this write dressed: deals tab ids, "summary", "reminders"

    def sheet_state(self, title: str) -> str:
        """"absent", "ours" or "theirs" for the Summary sheet `title` (titles ignore case)."""
        tab = self.grid.tab(title)
        if tab is None:
            return "absent"
        return "ours" if is_summary(tab) else "theirs"

    def _reminders_dressed(self, tab, rows: list[list], deals_tab) -> list[dict]:
        """The Reminders sheet's requests: its cells (header styled, Row linked), and once per
        write its filter and widths (a corrective write sends the cells again, never these)."""
        sheet_id = new_sheet_id(self.grid.tabs) if tab is None else tab.id
        look = self.plan.reminders_look if self.plan is not None else None
        if look is None:
            return reminder_requests(tab, rows, sheet_id)
        ids = {t.title: t.id for t in self.grid.tabs}
        header = (look.header_row or 1) - 1
        links = {(i, REMINDER_ROW): uri for i, row in enumerate(rows) if i > header and
                 len(row) > REMINDER_ROW and (uri := link(row[REMINDER_ROW], deals_tab.id if
                                                        deals_tab else None, ids))}
        cells = reminder_requests(tab, rows, sheet_id, header, header_format(), links)
        if "reminders" in self._dressed:
            return cells
        self._dressed = self._dressed | {"reminders"}
        return cells + reminders_requests(sheet_id, rows, look)

    def _once_dressed(self, deals_tab) -> list[dict]:
        """The owned columns' dress on the deals tab and the Summary sheet, once per write
        (a corrective write after rows moved sends its cells again, never these)."""
        if self.plan is None:
            return []
        requests = []
        look = self.plan.looks.get(deals_tab.title) if deals_tab is not None else None
        if look is not None and deals_tab.id not in self._dressed:
            self._dressed = self._dressed | {deals_tab.id}
            owned = self._owned_after_write(deals_tab)
            if "status" in owned:  # where the ownership record says it is now
                look = replace(look, status_column=owned["status"] + 1)
            requests += column_requests(deals_tab, look, owned)
        if self.plan.summary is not None and "summary" not in self._dressed:
            self._dressed = self._dressed | {"summary"}
            tab = self.grid.tab(self.plan.summary_title)
            reminders = new_sheet_id(self.grid.tabs)  # the id a new Reminders sheet takes
            sheet_id = new_sheet_id(self.grid.tabs, {reminders}) if tab is None else tab.id
            taken = {c for t in self.grid.tabs for c in t.charts}
            requests += summary_requests(tab, self.plan.summary_title, self.plan.summary,
                                         self.plan.summary_look, sheet_id, taken)
        return requests
