"""Renderings of a check report. For people, a table that opens with how the pipeline stands,
what was understood and what could not be checked, then each cause once (a group with its count,
rows, examples and fix) and fits in about 60 lines on any sheet unless `everything` is asked
for. For machines, JSON and CSV with every finding plus the groups."""

import io
import textwrap

from ..core.dates import plural
from ..rules.check import Report
from ..rules.currency import amounts_text
from .groups import Group, group_findings, row_ranges
from .overview import Overview, overview

CSV_COLUMNS = ("code", "severity", "sheet", "row", "column", "cell", "deal_id", "value",
               "message", "hint", "due", "group")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SCREEN = 60  # lines the table report keeps to unless every row is asked for
GROUP_MIN = 3  # findings of one cause from which the table shows them as one group
WIDTH = 100
OWNERS_SHOWN = 6
RANGES_SHOWN = 8


def render(report: Report, fmt: str, everything: bool = False) -> str:
    if fmt == "table":
        return render_table(report, everything)
    return {"json": render_json, "csv": render_csv}[fmt](report)


def _numbered(report: Report) -> tuple[list[Group], dict[int, int]]:
    """The groups, and for each finding (by identity) its group's 1-based number."""
    groups = group_findings(report.findings)
    number = {id(f): n for n, g in enumerate(groups, 1) for f in g.findings}
    return groups, number


def json_document(report: Report) -> dict:
    """What `--format json` prints; its findings come as a generator, so a streaming writer
    (plan.stream) never holds them all as dicts."""
    groups, number = _numbered(report)
    understanding = report.sheet.understanding
    understood = understanding.as_dict() if understanding else None
    if report.tabs and understood is not None:  # every tab's, each with its own columns
        understood["tabs"] = [p.sheet.understanding.as_dict() for p in report.tabs
                              if p.sheet.understanding is not None]
    return {
        "findings": ({**f.as_dict(), "group": number[id(f)]} for f in report.findings),
        "groups": [{"group": n, **g.as_dict()} for n, g in enumerate(groups, 1)],
        "checks": [c.as_dict() for c in report.coverage],
        "understanding": understood,
        "overview": overview(report).as_dict(),
        "summary": report.summary()}


def render_json(report: Report) -> str:
    import json  # only --format json pays for it (with csv: ~2 ms of every check's start)

    document = json_document(report)
    document["findings"] = list(document["findings"])
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def safe_csv_text(value):
    """OWASP CSV-injection escaping: text a spreadsheet would read as a formula gets a
    leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_rows(report: Report):
    """The rows of `--format csv` after its header (CSV_COLUMNS), one finding each; `group`
    numbers the cause a finding shares with others (as in JSON's groups)."""
    _, number = _numbered(report)
    for finding in report.findings:
        row = {**finding.as_dict(), "group": number[id(finding)]}
        yield [safe_csv_text("" if row[c] is None else row[c]) for c in CSV_COLUMNS]


def render_csv(report: Report) -> str:
    """CSV with a UTF-8 BOM so Excel opens it with the right encoding."""
    import csv  # only --format csv pays for it

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_rows(report))
    return "\ufeff" + out.getvalue()


def _money(value: float) -> str:
    return f"{value:,.0f}"


def render_table(report: Report, everything: bool = False) -> str:
    """The summary, the understanding and the unchecked families first; then each cause of
    several findings as one group and the rest deal by deal, within SCREEN lines unless
    `everything`; then one closing sentence."""
    groups = group_findings(report.findings)
    top = [*_headline(report, groups), *_pipeline(overview(report)), "",
           *_understood(report), *_not_checked(report)]
    closing = _closing(report)
    budget = None if everything else max(SCREEN - len(top) - len(closing) - 2, 12)
    body = _findings(report, groups, budget)
    return "\n".join([*top, *(["", *body] if body else []), "", *closing]) + "\n"


def _headline(report: Report, groups: list[Group]) -> list[str]:
    s = report.summary()
    counts = s["by_severity"]
    causes = f" ({plural(len(groups), 'cause')})" if len(groups) < len(report.findings) else ""
    return [f"{plural(s['deals'], 'deal')} checked in {s['source']} ({report.where()}), "
            f"today {s['today']}: {plural(counts['error'], 'error')}, "
            f"{plural(counts['warning'], 'warning')}, {plural(counts['info'], 'notice')}"
            f"{causes}."]


def _pipeline(view: Overview) -> list[str]:
    t = view.total
    stages = ", ".join(f"{label} {n} ({_money(v)})" if v else f"{label} {n}"
                       for label, n, v in view.by_stage)
    worth = f" worth {amounts_text(t.values, _money)}" if t.values else \
        f" worth {_money(t.value)}" if t.value else ""
    lines = [f"Open: {plural(t.open, 'deal')}{worth}" + (f": {stages}." if stages else "."),
             f"Overdue {t.overdue} · due this week {t.due_this_week} · stale forecast "
             f"{t.stale} · idle {t.idle}" + (f" · unknown stage {view.unknown_stage}"
                                             if view.unknown_stage else "") + "."]
    for o in view.owners[:OWNERS_SHOWN]:
        worth = f" ({amounts_text(o.values, _money)})" if o.values else \
            f" ({_money(o.value)})" if o.value else ""
        lines.append(f"  {o.owner}: {o.open} open{worth}, {o.overdue} overdue, "
                     f"{o.due_this_week} due this week, {o.stale} stale, {o.idle} idle")
    if len(view.owners) > OWNERS_SHOWN:
        lines.append(f"  … and {plural(len(view.owners) - OWNERS_SHOWN, 'more owner')}")
    return lines


def _wrap(text: str, lines: int) -> list[str]:
    wrapped = textwrap.wrap(text, WIDTH, subsequent_indent="  ")
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][:WIDTH - 2] + " …"
    return wrapped


def _understood(report: Report) -> list[str]:
    lines = [line for text in [report.tabs_line()] if text for line in _wrap(text + ".", 3)]
    first = report.sheet.understanding
    lines += _understood_tab(first)
    for part in report.tabs[1:]:  # a tab mapped like the first is not repeated
        u = part.sheet.understanding
        if u is None or first is None:
            continue
        if _mapping(u) != _mapping(first):
            lines += _wrap(f"The tab {u.sheet!r} maps its own columns (each tab is read with "
                           "its own header):", 1)
            lines += _understood_tab(u)
        else:
            lines += [line for note in u.notes for line in _wrap(f"Note: {note}.", 2)]
    return lines


def _mapping(u) -> list:
    return [(c.field, c.header) for c in u.columns]


def _understood_tab(u) -> list[str]:
    if u is None:
        return []
    parts = []
    for c in u.columns:
        if c.how == "stage entry":
            parts.append(f'{c.label} ← "{c.header}" (entered {c.stage})')
        elif c.how == "name":
            parts.append(c.label)
        else:
            parts.append(f'{c.label} ← "{c.header}"')
    lines = _wrap("Columns: " + ", ".join(parts) + ".", 4)
    if u.ignored:
        lines += _wrap("Ignored: " + ", ".join(f'"{i.header}" ({i.reason})' for i in u.ignored)
                       + ".", 2)
    lines += [line for note in u.notes for line in _wrap(f"Note: {note}.", 2)]
    return lines


def _not_checked(report: Report) -> list[str]:
    return [line for c in report.coverage if not c.checked
            for line in _wrap(f"{c.name}: not checked, {c.reason}.", 2)]


def _group_lines(group: Group, everything: bool, examples: bool = True) -> list[str]:
    rows = group.rows
    spans = row_ranges(rows).split(", ")
    where = ", ".join(spans[:RANGES_SHOWN]) + (" …" if len(spans) > RANGES_SHOWN else "")
    value = f" {group.value!r}" if group.value is not None else ""
    lines = [f"{group.severity:<7} {group.code} ×{group.count}  \"{group.column}\"{value}: "
             f"{plural(len(rows), 'row')} ({where})"]
    shown = group.findings if everything else group.examples if examples else ()
    for f in shown:
        lines.append(f"    {f.cell}{f' ({f.deal_id})' if f.deal_id else ''}: {f.message}")
    lines.append(f"    Fix: {group.hint}")
    return lines


def _deal_title(deal) -> str:
    return " · ".join(str(x) for x in (
        deal.deal_id or "(no ID)", deal.get("company") or "(no company)",
        deal.stage.label if deal.stage else deal.original("stage") or "(no stage)",
        deal.get("owner") or "(no owner)") if x)


def _findings(report: Report, groups: list[Group], budget: int | None) -> list[str]:
    """The grouped causes, then the findings of rarer causes deal by deal, as far as
    `budget` lines allow (None: all)."""
    everything = budget is None
    lines: list[str] = []
    big = [g for g in groups if g.count >= GROUP_MIN]
    rest = {id(f) for g in groups if g.count < GROUP_MIN for f in g.findings}
    left_findings = 0
    blocks = [_group_lines(g, everything) for g in big]
    if not everything:  # every cause keeps its line and fix; examples while they fit
        for index in reversed(range(len(blocks))):
            if sum(map(len, blocks)) <= budget - 1:
                break
            blocks[index] = _group_lines(big[index], False, examples=False)
        while blocks and sum(map(len, blocks)) > budget - 1:
            blocks.pop()
    left_groups = len(big) - len(blocks)
    lines += [line for block in blocks for line in block]
    rank = {"error": 0, "warning": 1, "info": 2}
    by_row = [(part, deals, row, found) for part in report.parts()
              for deals in [{d.row: d for d in part.deals}]
              for row, found in part.findings_by_row().items()]
    for part, deals, row, found in by_row:
        found = [f for f in found if id(f) in rest]
        if not found:
            continue
        deal = deals.get(row)  # None for findings about whole columns, on the header row
        where = f"{part.sheet.title} row {row}" if report.tabs else f"Row {row}"
        block = [f"{where}: " + (_deal_title(deal) if deal else
                                 "the header: findings about whole columns")]
        for f in sorted(found, key=lambda f: rank[f.severity]):
            block += [f"  {f.severity:<7} {f.code}  {f.cell}: {f.message}",
                      f"                  {f.hint}"]
        if not everything and len(lines) + len(block) > budget - 1:
            left_findings += len(found)
            continue
        lines += block
    if left_groups or left_findings:
        what = [plural(left_groups, "more cause")] * bool(left_groups) + \
            [plural(left_findings, "more finding")] * bool(left_findings)
        lines.append(f"… and {' and '.join(what)}: --all lists every row, --format json or "
                     "csv gives them all.")
    return lines


def _closing(report: Report) -> list[str]:
    if report.findings:
        return []
    if report.all_checked():
        return ["Everything is in order."]
    missing = sum(not c.checked for c in report.coverage)
    return [f"Nothing wrong in what could be checked, but {missing} of {len(report.coverage)} "
            "kinds of check could not run (see \"not checked\" above)."]


__all__ = ["render", "render_table", "render_json", "render_csv", "safe_csv_text"]
