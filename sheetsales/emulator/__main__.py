"""`python -m sheetsales.emulator`: start the loopback Sheets API server (sheets_emulator.main
has the server's options). Two more make the offline Google path one command:
`--workbook FILE` loads a workbook's sheets as a spreadsheet (`--id`, default its file name:
`sheetsales demo` writes one), and `--key FILE` writes a throwaway service-account key for
`--credentials`. For example:

    python -m sheetsales.emulator --port 8765 --workbook demo-deals.xlsx --id demo --key key.json
"""

import argparse
import datetime as dt
import json
import sys
import tempfile
from pathlib import Path

from ..sources.xlsx.reader import XlsxGrid
from .sheets_emulator import main, make_service_account_key


def _cell(value):
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else value


def workbook_spec(path: Path, sheet_id: str) -> dict:
    """The emulator's load spec of a workbook: every sheet's values as a person typed them."""
    grid = XlsxGrid(path)
    try:
        sheets = [{"title": title, "values": [[_cell(v) for v in cells]
                                              for _, cells in grid.rows(title)]}
                  for title in grid.sheet_names()]
    finally:
        grid.close()
    return {"id": sheet_id, "title": path.stem, "sheets": sheets}


def run(argv=None) -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--workbook", type=Path)
    parser.add_argument("--id")
    parser.add_argument("--key", type=Path)
    ours, rest = parser.parse_known_args(argv)
    if "-h" in rest or "--help" in rest:
        print(__doc__.strip() + "\n", flush=True)
        return main(rest)
    with tempfile.TemporaryDirectory() as folder:
        if ours.workbook:
            spec = Path(folder) / "workbook.json"
            spec.write_text(json.dumps(workbook_spec(ours.workbook,
                                                     ours.id or ours.workbook.stem)),
                            encoding="utf-8")
            rest += ["--load", str(spec)]
        if ours.key:  # SHEETSALES_GOOGLE_API sends its token requests to the emulator too
            ours.key.write_text(json.dumps(make_service_account_key("http://127.0.0.1")),
                                encoding="utf-8")
        return main(rest)


raise SystemExit(run(sys.argv[1:]))
