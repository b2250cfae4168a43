"""dupes: find deals entered twice. Rows sharing a Deal ID with different content are two
deals, so all but the first get fresh IDs; rows sharing an ID and content, or that a person
would call one deal entered twice (same contact or e-mail, or same company, product and amount,
dated within `dupe_days`; see core/similar.py), are only reported (and `sheetsales run` flags them, IDS002 and IDS003). No row is ever deleted."""

from collections import defaultdict

from ..core.similar import (COMPARED, Record, agreement, anchors_for, clusters, comparable,
                            likely_pairs)
from ..core.fields import DATE, NUMBER
from ..core.model import is_blank, parse_number, plain
from .base import CleanOptions, DuplicateGroup, Step, Table
from .deal_ids import allocator, id_key
from .text_dates import as_date

KIND = "dupes"

DATE_KEYS = ("created", "first_contact")
SHOWN = ("deal_id", "company", "contact", "product", "stage", "owner", "amount", "created",
         "first_contact")


def content(table: Table, row: int, config) -> dict:
    """A row's fields other than its ID, compared loosely: text by case and spacing, dates
    and numbers by value."""
    kinds = {f.key: f.kind for f in config.fields}
    found = {}
    for key, col in table.columns.items():
        value = table.get(row, col)
        if key == "deal_id" or is_blank(value):
            continue
        if kinds.get(key) == DATE:
            value = as_date(value, config.rules.date_order) or value
        elif kinds.get(key) == NUMBER:
            number = parse_number(value)
            value = value if number is None else number
        found[key] = " ".join(value.split()).casefold() if isinstance(value, str) else value
    return found


def side_by_side(table: Table, rows, config, kind, reason, new_ids=None) -> DuplicateGroup:
    """The group's identifying fields plus every field on which its rows differ (blank
    everywhere: left out)."""
    contents = [content(table, r, config) for r in rows]
    keys = [k for k in table.columns
            if any(not is_blank(table.value(r, k)) for r in rows)
            and (k in SHOWN or len({repr(c.get(k)) for c in contents}) > 1)]
    keys.sort(key=lambda k: table.columns[k])
    cols = [table.columns[k] for k in keys]
    values = tuple(tuple(table.get(r, c) for c in cols) for r in rows)
    return DuplicateGroup(kind, reason, tuple(rows), tuple(table.header(c) for c in cols),
                          values, dict(new_ids or {}))


def same_id_groups(table: Table, config, options: CleanOptions, step: Step) -> dict:
    """Rows sharing an ID: re-ID those whose content differs from the first row's; report
    the rest. Returns row -> its group's first row, for the rows reported here."""
    col = table.columns["deal_id"]
    by_id = defaultdict(list)
    for row in table.deals:
        key = id_key(table.get(row, col))
        if key:
            by_id[key].append(row)
    ids, group_of = None, {}
    for rows in (rs for rs in by_id.values() if len(rs) > 1):
        first, shown = rows[0], table.get(rows[0], col)
        seen = {}  # content -> the first row holding it
        new_ids = {}
        for row in rows:
            same = repr(sorted(content(table, row, config).items(), key=repr))
            same_as = seen.setdefault(same, row)
            group_of[row] = first
            if row == first:
                continue
            if same_as != first:
                ids = ids or allocator(table, options)
                new_ids[row] = ids.fresh()
                step.edits[row, col] = new_ids[row]
                step.flag(row, f"Deal ID {plain(shown)} was also used by row {first}; "
                               f"given {new_ids[row]}")
            if same_as != row:
                step.flag(row, f"duplicate of row {same_as} (same Deal ID and content)")
        kind = "same_id" if new_ids else "exact"
        reason = (f"same Deal ID {plain(shown)} with different content" if new_ids else
                  f"same Deal ID {plain(shown)} and same content")
        step.groups.append(side_by_side(table, rows, config, kind, reason, new_ids))
    return group_of


def similar_groups(table: Table, config, options: CleanOptions, step: Step,
                   group_of: dict) -> None:
    """Rows a person would call one deal entered twice (core/similar.py), dated within
    `dupe_days` of each other, joined into groups."""
    anchors = anchors_for(table.columns)
    if not anchors:
        return
    kinds = {f.key: f.kind for f in config.fields}
    compared = [k for k in COMPARED if k in table.columns]
    records = []
    for row in table.deals:
        day = next((d for d in (as_date(table.value(row, k), config.rules.date_order)
                                for k in DATE_KEYS) if d), None)
        if day is None:
            continue
        values = {}
        for key in compared:
            value = table.value(row, key)
            if is_blank(value):
                continue
            if kinds.get(key) == NUMBER:
                value = parse_number(value)
                if value is None:
                    continue
            values[key] = comparable(key, value)
        deal_id = id_key(table.value(row, "deal_id")) if "deal_id" in table.columns else None
        records.append(Record(row, deal_id, day, values))
    pairs = likely_pairs(records, anchors, options.dupe_days)
    for rows in clusters(pairs):
        _report_similar(table, config, step, rows, group_of,
                        [p for p in pairs if p.first in rows], options.dupe_days)


def _report_similar(table, config, step, rows, group_of, pairs, days) -> None:
    """Report a group unless one same-ID group already holds all of it."""
    groups = {group_of.get(r) for r in rows}
    if len(rows) < 2 or (len(groups) == 1 and None not in groups):
        return
    for row in rows[1:]:
        if group_of.get(row) is None or group_of.get(row) != group_of.get(rows[0]):
            step.flag(row, f"possible duplicate of row {rows[0]}")
    agree = [k for k in COMPARED if all(k in p.agree for p in pairs)] or \
        [k for k in COMPARED if any(k in p.agree for p in pairs)]
    differ = [k for k in COMPARED if any(k in p.differ for p in pairs)]
    reason = agreement(agree, differ, lambda k: table.header(table.columns[k]))
    step.groups.append(side_by_side(table, rows, config, "similar",
                                    f"{reason}; dated within {days} days"))


def clean_dupes(table: Table, config, options: CleanOptions) -> Step:
    """Re-ID colliding deals; report likely duplicates and flag them."""
    step = Step()
    group_of = {}
    if "deal_id" in table.columns:
        group_of = same_id_groups(table, config, options, step)
    else:
        step.notes.append("dupes: the sheet has no Deal ID column, so only likely duplicates "
                          "(same contact or e-mail, or same company, product and amount) are "
                          "looked for")
    similar_groups(table, config, options, step, group_of)
    return step
