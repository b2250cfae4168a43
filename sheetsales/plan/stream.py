"""The machine renderings of a check report (`--format json|csv`) written piece by piece, so
the output never exists whole in memory: a sheet with a million findings costs the findings
themselves, not three more copies of them as dicts, one JSON string and the echo of it. The
text is exactly what render.render_json and render.render_csv return."""

import csv
import io
import json
from collections.abc import Callable

from ..rules.check import Report
from .render import CSV_COLUMNS, safe_csv_text

CHUNK = 2000  # findings per write: few writes, small buffers


def stream(report: Report, fmt: str, write: Callable[[str], object]) -> None:
    """Write the report as `fmt` ("json" or "csv") through `write`, a chunk at a time."""
    {"json": stream_json, "csv": stream_csv}[fmt](report, write)


def stream_json(report: Report, write: Callable[[str], object]) -> None:
    """`{"findings": [...], "summary": {...}}` as json.dumps(indent=2) would print it."""
    findings = report.findings
    if not findings:
        write('{\n  "findings": [],\n')
    else:
        write('{\n  "findings": [\n')
        for start in range(0, len(findings), CHUNK):
            items = (_item(f.as_dict()) for f in findings[start:start + CHUNK])
            tail = "\n  ],\n" if start + CHUNK >= len(findings) else ",\n"
            write(",\n".join(items) + tail)
    summary = json.dumps(report.summary(), indent=2, ensure_ascii=False)
    write('  "summary": ' + summary.replace("\n", "\n  ") + "\n}\n")


def _item(value: dict) -> str:
    return "    " + json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n    ")


def stream_csv(report: Report, write: Callable[[str], object]) -> None:
    """CSV with a UTF-8 BOM, one line per finding, formula-like text escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(CSV_COLUMNS)
    for count, finding in enumerate(report.findings, 1):
        row = finding.as_dict()
        writer.writerow([safe_csv_text("" if row[c] is None else row[c]) for c in CSV_COLUMNS])
        if count % CHUNK == 0:
            write(out.getvalue())
            out.seek(0)
            out.truncate()
    write(out.getvalue())
