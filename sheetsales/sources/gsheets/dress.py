"""GSheetTarget's dressing of a write (a mixin: the state is the target's): the requests of
look.py for the plan being written, added to the write's own batchUpdate."""

from dataclasses import replace

from .batch import new_sheet_id, reminder_requests
from .look import ROW_COLUMN, column_requests, header_format, link, reminders_requests


class Dresses:
    """The looks of the plan `write` was given (`self.plan`; None for undo and clean)."""

    plan = None
    _dressed = False

    def _reminders_dressed(self, tab, rows: list[list], deals_tab) -> list[dict]:
        """The Reminders sheet's requests: its cells (header styled, Row linked), its filter
        and widths."""
        sheet_id = new_sheet_id(self.grid.tabs) if tab is None else tab.id
        look = self.plan.reminders_look if self.plan is not None else None
        if look is None:
            return reminder_requests(tab, rows, sheet_id)
        ids = {t.title: t.id for t in self.grid.tabs}
        header = (look.header_row or 1) - 1
        links = {(i, ROW_COLUMN): uri for i, row in enumerate(rows) if i > header and
                 len(row) > ROW_COLUMN and (uri := link(row[ROW_COLUMN], deals_tab.id if
                                                        deals_tab else None, ids))}
        return reminder_requests(tab, rows, sheet_id, header, header_format(), links) + \
            reminders_requests(sheet_id, rows, look)

    def _columns_dressed(self, deals_tab) -> list[dict]:
        """The owned columns' dress on the deals tab, once per write (a corrective write
        after rows moved sends its cells again, never the rules)."""
        look = self.plan.look if self.plan is not None else None
        if look is None or deals_tab is None or self._dressed:
            return []
        self._dressed = True
        owned = self._owned.get(deals_tab.id, {})
        if "status" in owned:  # where the ownership record says it is now
            look = replace(look, status_column=owned["status"] + 1)
        return column_requests(deals_tab, look, owned)
