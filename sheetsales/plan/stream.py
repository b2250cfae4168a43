"""The machine renderings of a check report (`--format json|csv`) written piece by piece, so
the output never exists whole in memory: a sheet with a million findings costs the findings
themselves, not three more copies of them (as dicts, as one JSON string, as its echo). The
text is exactly what render.render_json and render.render_csv return.

The writers are generic: `write_json` prints a document as json.dumps(indent=2) would,
taking any value given as an iterator (not a list) as an array to stream item by item;
`write_csv` streams rows under a header. `stream` says what a report's document is."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator

from ..rules.check import Report
from .render import CSV_COLUMNS, csv_rows, json_document

CHUNK = 2000  # items per write: few writes, small buffers
Write = Callable[[str], object]


def stream(report: Report, fmt: str, write: Write) -> None:
    """Write the report as `fmt` ("json" or "csv") through `write`, a chunk at a time."""
    if fmt == "json":
        write_json(json_document(report), write)
    else:
        write_csv(CSV_COLUMNS, csv_rows(report), write)


def _dumps(value, indent: str) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str).replace(
        "\n", "\n" + indent)


def write_json(document: dict, write: Write) -> None:
    """`document` as json.dumps(document, indent=2) + newline, its iterator values streamed."""
    write("{")
    for n, (key, value) in enumerate(document.items()):
        write(("," if n else "") + f"\n  {json.dumps(key, ensure_ascii=False)}: ")
        if isinstance(value, Iterator):
            _write_array(value, write)
        else:
            write(_dumps(value, "  "))
    write("\n}\n" if document else "}\n")


def _write_array(items: Iterator, write: Write) -> None:
    chunk: list[str] = []
    first = True
    for item in items:
        chunk.append("    " + _dumps(item, "    "))
        if len(chunk) == CHUNK:
            write(("[\n" if first else ",\n") + ",\n".join(chunk))
            chunk, first = [], False
    if chunk:
        write(("[\n" if first else ",\n") + ",\n".join(chunk))
        first = False
    write("[]" if first else "\n  ]")


def write_csv(columns: Iterable[str], rows: Iterable[list], write: Write) -> None:
    """CSV with a UTF-8 BOM (so Excel opens it right), of rows already made safe
    (render.safe_csv_text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(columns)
    for count, row in enumerate(rows, 1):
        writer.writerow(row)
        if count % CHUNK == 0:
            write(out.getvalue())
            out.seek(0)
            out.truncate()
    write(out.getvalue())
