"""A Google Sheet as a readable grid, in two API requests: one metadata read (tab titles, ids,
grid sizes, sheet markers) and one `values:batchGet` of every tab that may be needed, with
unformatted values and dates as serial numbers (so numbers in date columns are serial dates,
as in .xlsx).

Which tabs the one batchGet reads: with a worksheet named in the SOURCE (gsheet:KEY/Tab or a
URL with #gid=N), that tab plus Products and Reminders. Otherwise the tabs that can be the
deals sheet (named in config, or Deals/Pipeline/Opportunities), Products, Reminders, and every
other tab whole while their grids total at most FULL_READ_CELLS cells; larger ones are read
only as their first HEAD_ROWS rows (enough to find a header) and read whole, with one more
request, only when one of them turns out to be the deals sheet."""

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ...core.cells import MAX_SERIAL, from_serial
from ...core.owned import REMINDERS_SHEET
from ...core.errors import SourceError
from ...core.stages import normalize
from ...core.fields import DEALS_SHEET_NAMES, PRODUCTS_SHEET
from ..base import Row
from . import protected
from .batch import OWNED_SHEET_KEY
from .api import GoogleApi, connect
from .ids import GSheetSource, parse_source

METADATA_FIELDS = ("properties(title),sheets(properties(sheetId,title,index,sheetType,"
                   "gridProperties(rowCount,columnCount)),developerMetadata(metadataId,"
                   "metadataKey,metadataValue),merges,conditionalFormats,basicFilter,"
                   f"charts(chartId,spec,position),{protected.FIELDS},"
                   "data(columnMetadata(pixelSize)))")
HEAD_ROWS = 20
FULL_READ_CELLS = 2_000_000


@dataclass
class Tab:
    """One worksheet as the metadata read describes it."""

    id: int
    title: str
    rows: int
    columns: int
    owned: str | bool  # sheetsales' marker's value ("reminders", "summary"), else False
    merges: list = field(default_factory=list)  # (row0, row1, col0, col1), 0-based, ends out
    rules: list = field(default_factory=list)  # conditional format rules, in order
    basic_filter: dict | None = None
    embedded: list = field(default_factory=list)  # its charts, whole (for undo to re-add)
    widths: dict = field(default_factory=dict)  # 0-based column -> pixels, as read

    @property
    def charts(self) -> list:
        """The chartIds of the charts on it."""
        return [c.get("chartId") for c in self.embedded]

    @property
    def a1(self) -> str:
        return quote_title(self.title)


def quote_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def read_tabs(metadata: dict) -> list[Tab]:
    tabs = []
    for sheet in metadata.get("sheets", []):
        props = sheet.get("properties", {})
        if props.get("sheetType", "GRID") != "GRID":
            continue  # chart sheets and the like hold no cells
        grid = props.get("gridProperties", {})
        owned = next((m.get("metadataValue") or True for m in sheet.get("developerMetadata", [])
                      if m.get("metadataKey") == OWNED_SHEET_KEY), False)
        merges = [(m.get("startRowIndex", 0), m.get("endRowIndex", 0),
                   m.get("startColumnIndex", 0), m.get("endColumnIndex", 0))
                  for m in sheet.get("merges", [])]
        tabs.append(Tab(props.get("sheetId", 0), props.get("title", ""), grid.get("rowCount", 0),
                        grid.get("columnCount", 0), owned, merges,
                        list(sheet.get("conditionalFormats", [])), sheet.get("basicFilter"),
                        list(sheet.get("charts", [])), _widths(sheet)))
    return tabs


def _widths(sheet: dict) -> dict[int, int]:
    found = {}
    for block in sheet.get("data", []):
        start = block.get("startColumn", 0)
        for i, meta in enumerate(block.get("columnMetadata", [])):
            found[start + i] = meta.get("pixelSize", 100)  # Sheets' default width
    return found


class GSheetGrid:
    """The Grid protocol over one spreadsheet, read up front (see the module docstring).
    `date_columns` (title -> 0-based columns) are columns sheetsales wrote dates into: their
    serial numbers are read back as dates, so an unchanged date compares equal."""

    serial_dates = True
    date1904 = False

    def __init__(self, api: GoogleApi, source: GSheetSource, metadata: dict, *,
                 sheet: str | None = None, date_columns: Mapping[str, set[int]] | None = None):
        self.api, self.key = api, source.key
        self.title = metadata.get("properties", {}).get("title") or source.key
        self.tabs = read_tabs(metadata)
        self.chosen = self._choose(source.tab)
        self.name = GSheetSource(source.key, self.chosen.title if self.chosen else None).text
        self._date_columns = {k.casefold(): set(v) for k, v in (date_columns or {}).items()}
        self._values: dict[str, list[list]] = {}
        self._partial: set[str] = set()
        self.requests = 0
        self._read(sheet)

    # ---- the Grid protocol ------------------------------------------------------------------

    def sheet_names(self) -> list[str]:
        if self.chosen is None:
            return [t.title for t in self.tabs]
        products = self.find(PRODUCTS_SHEET)
        return [self.chosen.title] + ([products.title] if products and products is not
                                      self.chosen else [])

    def rows(self, title: str) -> Iterator[Row]:
        tab = self._tab(title)
        dates = self._date_columns.get(tab.title.casefold(), ())
        for number, cells in enumerate(self.values(tab.title), 1):
            row = [None if v == "" else v for v in cells]
            for i in dates:
                if i < len(row) and _is_serial(row[i]):
                    row[i] = from_serial(row[i])
            yield number, row

    def row_count(self, title: str) -> int | None:
        return len(self.values(title))

    def release(self, title: str) -> None:
        """The values stay: reading them again would cost API requests."""

    def used_width(self, title: str) -> int:
        return max((len(r) for r in self.values(title)), default=0)

    # ---- helpers for the target ---------------------------------------------------------------

    def find(self, normalized: str) -> Tab | None:
        """The tab whose title normalises to `normalized` ("products", "reminders")."""
        return next((t for t in self.tabs if normalize(t.title) == normalized), None)

    def tab(self, title: str) -> Tab | None:
        return next((t for t in self.tabs if t.title == title), None) or \
            next((t for t in self.tabs if t.title.casefold() == title.casefold()), None)

    def values(self, title: str) -> list[list]:
        """The tab's rows as read (blank cells ""), fetching a tab not read whole yet."""
        tab = self._tab(title)
        if tab.title in self._partial:
            self._values[tab.title] = self.api.values(self.key, [tab.a1])[0]
            self._partial.discard(tab.title)
            self.requests += 1
            self.api.close()
        return self._values.get(tab.title, [])

    # ---- reading -------------------------------------------------------------------------------

    def _tab(self, title: str) -> Tab:
        tab = self.tab(title)
        if tab is None:
            raise SourceError(f"{self.name} has no worksheet named {title!r}; its worksheets are "
                              f"{self._listing()}")
        return tab

    def _listing(self) -> str:
        return ", ".join(f"{t.title!r}" for t in self.tabs) or "(none)"

    def _choose(self, wanted: str | int | None) -> Tab | None:
        if wanted is None:
            return None
        if isinstance(wanted, int):
            found = next((t for t in self.tabs if t.id == wanted), None)
            if found is None:
                listing = ", ".join(f"{t.title!r} (gid={t.id})" for t in self.tabs)
                raise SourceError(f"spreadsheet {self.title!r} (gsheet:{self.key}) has no "
                                  f"worksheet with gid={wanted}; its worksheets are {listing}. "
                                  "Copy the URL again with that tab open")
            return found
        found = self.tab(wanted)
        if found is None:
            raise SourceError(f"spreadsheet {self.title!r} (gsheet:{self.key}) has no worksheet "
                              f"named {wanted!r}; its worksheets are {self._listing()}. Use "
                              f"gsheet:{self.key}/<one of them>")
        return found

    def _read(self, sheet: str | None) -> None:
        wanted = {self.chosen.title} if self.chosen else {
            t.title for t in self.tabs if normalize(t.title) in DEALS_SHEET_NAMES}
        configured = self.tab(sheet) if sheet else None
        for tab in (configured, self.find(PRODUCTS_SHEET), self.tab(REMINDERS_SHEET)):
            if tab is not None:
                wanted.add(tab.title)
        wanted |= {t.title for t in self.tabs if t.owned}  # sheetsales' own (Summary), whole
        full = [t for t in self.tabs if t.title in wanted]
        budget = FULL_READ_CELLS - sum(t.rows * t.columns for t in full)
        head = []
        if self.chosen is None:
            for tab in self.tabs:
                if tab.title in wanted:
                    continue
                if tab.rows * tab.columns <= budget:
                    budget -= tab.rows * tab.columns
                    full.append(tab)
                else:
                    head.append(tab)
        ranges = [t.a1 for t in full] + [f"{t.a1}!1:{max(1, min(HEAD_ROWS, t.rows))}" for t in head]
        if not ranges:
            return
        found = self.api.values(self.key, ranges)
        self.requests += 1
        for tab, rows in zip(full + head, found):
            self._values[tab.title] = rows
        self._partial = {t.title for t in self.tabs if t not in full}  # read on demand


def _is_serial(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        1 <= value <= MAX_SERIAL


def open_gsheet(source: str, credentials: str | Path | None = None,
                environ: Mapping[str, str] | None = None, *, sheet: str | None = None,
                api: GoogleApi | None = None) -> GSheetGrid:
    """Read a Google Sheet for `check`: two requests (metadata, one batchGet); the connection
    is closed before returning. `sheet` is the configured deals sheet, if any."""
    ref = parse_source(source)
    api = api or connect(credentials, os.environ if environ is None else environ)
    try:
        metadata = api.metadata(ref.key, METADATA_FIELDS)
        return GSheetGrid(api, ref, metadata, sheet=sheet)
    finally:
        api.close()
