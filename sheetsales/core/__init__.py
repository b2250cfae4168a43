"""The core everything else stands on: the data passed around (model: Deal, Finding,
CellChange, SheetData), the deal fields and their aliases, the stages and stage matching,
dates and the calendar, cells (A1 references and serial dates), the typed configuration and
the few exceptions. Imports nothing else of sheetsales."""
