"""A pipeline kept over several tabs, checked as one: each tab's deals typed and checked
with its own columns, the Deal IDs and likely duplicates sought over all tabs together, so a
Deal ID on two tabs is IDS002 naming the other tab's cell (`Bob!A3`)."""

import re
from collections import Counter

from ..core.model import Deal
from .context import Context
from . import TAB_SHIFT, similar_rows

_ROWS = (1 << TAB_SHIFT) - 1


def shared_ids(parts: list[tuple[list[Deal], Context]], shared: dict) -> list[dict]:
    """Per tab, Deal ID -> where it is on two rows or more of the pipeline (`shared`, id_rows
    of every tab): the rows of that tab as numbers, the other tabs' as their Deal ID cell
    (`Bob!A3`)."""
    result: list[dict] = [{} for _ in parts]
    for deal_id, keys in shared.items():
        for i in {k >> TAB_SHIFT for k in keys}:
            result[i][deal_id] = [k & _ROWS if k >> TAB_SHIFT == i else
                                  parts[k >> TAB_SHIFT][1].cell(k & _ROWS, "deal_id")
                                  for k in keys]
    return result


def shared_similar(parts: list[tuple[list[Deal], Context]]) -> list[dict]:
    """Per tab, row -> its likely-duplicate pair over all tabs (another tab's earlier deal
    named as `Bob row 3`)."""
    columns = {k: 0 for _, ctx in parts for k in ctx.sheet.columns}
    found = similar_rows(columns, *[deals for deals, _ in parts])
    result: list[dict] = [{} for _ in parts]
    for key, pair in found.items():
        tab, first = key >> TAB_SHIFT, pair.first
        named = first & _ROWS if first >> TAB_SHIFT == tab else \
            f"{parts[first >> TAB_SHIFT][1].sheet.title} row {first & _ROWS}"
        result[tab][key & _ROWS] = pair._replace(row=key & _ROWS, first=named)
    return result


SNAPSHOT_SHARE = 0.5  # of a tab's Deal IDs also on another tab: a copy of it, not new deals
_MONTHS = {m: i for i, names in enumerate((
    "jan january januar janvier enero gennaio janeiro", "feb february februar fevrier febrero",
    "mar march marz maerz mars marzo", "apr april avril abril aprile",
    "may mai mayo maggio maio", "jun june juni juin junio giugno junho",
    "jul july juli juillet julio luglio julho", "aug august aout agosto",
    "sep sept september septembre septiembre settembre setembro",
    "oct october oktober octobre octubre ottobre outubro",
    "nov november novembre noviembre", "dec december dezember decembre diciembre dicembre"),
    1) for m in names.split()}
_PERIOD = re.compile(r"(?:(?P<year>(?:19|20)\d\d)|(?P<q>q[1-4])|(?P<word>[^\W\d_]+)|"
                     r"(?P<num>\d{1,2}))", re.I)


def snapshots(titles: list[str], tabs: list[list[Deal]],
              shared: dict) -> dict[int, tuple[int, int, int]]:
    """Snapshot tabs (one per month or quarter repeating largely the same Deal IDs): each
    earlier one's index -> (the latest's index, IDs shared, its IDs). The latest is the
    period its name says (Jan 2026 < Feb 2026 < Q2), else the last in workbook order.
    `shared` (id_rows of every tab) says which tabs may be: only those are compared."""
    again = Counter(i for keys in shared.values() for i in {k >> TAB_SHIFT for k in keys})
    ids = {i: {d.deal_id for d in tabs[i]} - {None} for i in again}
    maybe = [i for i in again if len(ids[i]) >= 2 and again[i] >= SNAPSHOT_SHARE * len(ids[i])]
    linked = {i for i in maybe for j in ids if i != j
              and len(ids[i] & ids[j]) >= SNAPSHOT_SHARE * len(ids[i])}
    if len(linked) < 2:
        return {}
    latest = max(linked, key=lambda i: (_period(titles[i]), i))
    return {i: (latest, len(ids[i] & ids[latest]), len(ids[i])) for i in linked if i != latest}


def _period(title: str) -> tuple:
    year = month = 0
    for m in _PERIOD.finditer(title):
        if m["year"]:
            year = int(m["year"])
        elif m["q"]:
            month = 3 * int(m["q"][1])
        elif m["word"] and m["word"].lower() in _MONTHS:
            month = _MONTHS[m["word"].lower()]
        elif m["num"] and 1 <= int(m["num"]) <= 12:
            month = int(m["num"])
    return year, month
