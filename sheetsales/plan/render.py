"""Renderings of a check report: a table grouped by deal for people, JSON and CSV for machines."""

import csv
import io
import json

from ..rules.check import Report

CSV_COLUMNS = ("code", "severity", "sheet", "row", "column", "cell", "deal_id", "value",
               "message", "hint", "due")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def render(report: Report, fmt: str) -> str:
    return {"table": render_table, "json": render_json, "csv": render_csv}[fmt](report)


def render_json(report: Report) -> str:
    return json.dumps({"findings": [f.as_dict() for f in report.findings],
                       "summary": report.summary()}, indent=2, ensure_ascii=False) + "\n"


def safe_csv_text(value):
    """OWASP CSV-injection escaping: text a spreadsheet would read as a formula gets a
    leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def render_csv(report: Report) -> str:
    """CSV with a UTF-8 BOM so Excel opens it with the right encoding."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for finding in report.findings:
        row = finding.as_dict()
        writer.writerow([safe_csv_text("" if row[c] is None else row[c]) for c in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def render_table(report: Report) -> str:
    """Findings grouped by deal, most severe first within each deal, then a summary line."""
    deals = {d.row: d for d in report.deals}
    lines = []
    rank = {"error": 0, "warning": 1, "info": 2}
    for row, findings in report.findings_by_row().items():
        deal = deals.get(row)
        title = "the header: findings about whole columns" if deal is None else " · ".join(
            str(x) for x in (
                deal.deal_id or "(no ID)", deal.get("company") or "(no company)",
                deal.stage.label if deal.stage else deal.original("stage") or "(no stage)",
                deal.get("owner") or "(no owner)") if x)
        lines.append(f"Row {row}: {title}")
        for f in sorted(findings, key=lambda f: rank[f.severity]):
            lines.append(f"  {f.severity:<7} {f.code}  {f.cell}: {f.message}")
            lines.append(f"                  {f.hint}")
        lines.append("")
    s = report.summary()
    counts = s["by_severity"]
    lines.append(
        f"{_count(s['deals'], 'deal')} checked in {s['source']} (sheet {s['sheet']!r}, header row "
        f"{s['header_row']}), today {s['today']}: {_count(counts['error'], 'error')}, "
        f"{_count(counts['warning'], 'warning')}, {_count(counts['info'], 'notice')}.")
    if not report.findings:
        lines.append("Everything is in order.")
    return "\n".join(lines) + "\n"


__all__ = ["render", "render_table", "render_json", "render_csv", "safe_csv_text"]
