"""Make the README's pictures from the demo pipeline, with sheetsales itself:

    python docs/render.py [--out docs/images]

1. the demo workbook (`sheetsales demo`'s, dated 2026-12-05) with an Expected close column
   filled on its open deals, so the forecast has months to show;
2. `sheetsales run` on it, then LibreOffice (`soffice --headless`, one PDF page per sheet)
   and `pdftoppm` turn its Summary and Reminders sheets into PNGs;
3. `sheetsales report --html` on it, screenshotted by headless Chromium.

Needs LibreOffice, poppler-utils (pdftoppm, pdfinfo) and Chromium, as CI installs them."""

import argparse
from copy import copy
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import sheetsales  # noqa: E402
from sheetsales.operations.demo import HEADER_ROW, write_demo_workbook  # noqa: E402

TODAY = dt.date(2026, 12, 5)
OPEN = ("lead", "contacted", "discovery", "proposal", "negotiation", "qualified")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def with_expected_close(path: Path) -> None:
    """Add an Expected close column, filled on the open deals (a month or so per step left)."""
    book = openpyxl.load_workbook(path)
    sheet = book["Deals"]
    headers = [c.value for c in sheet[HEADER_ROW]]
    col = len(headers) + 1
    stage_col = headers.index("Stage") + 1
    sheet.cell(HEADER_ROW, col, "Expected close").font = copy(sheet.cell(HEADER_ROW, 1).font)
    sheet.cell(HEADER_ROW, col).fill = copy(sheet.cell(HEADER_ROW, 1).fill)
    for n, row in enumerate(range(HEADER_ROW + 1, sheet.max_row + 1)):
        stage = str(sheet.cell(row, stage_col).value or "").strip().lower()
        if stage in OPEN:
            weeks = (5 - OPEN.index(stage) % 4) * 3 + n % 7
            cell = sheet.cell(row, col, TODAY + dt.timedelta(weeks=weeks))
            cell.number_format = "yyyy-mm-dd"
    sheet.column_dimensions[openpyxl.utils.get_column_letter(col)].width = 14
    book.save(path)


def sheet_pages(workbook: Path, folder: Path) -> dict[str, Path]:
    """Each sheet of the workbook as one PNG page (sheet order), via LibreOffice's PDF."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([soffice, f"-env:UserInstallation=file://{folder / 'lo-profile'}",
                    "--headless", "--convert-to", 'pdf:calc_pdf_Export:{"SinglePageSheets":'
                    '{"type":"boolean","value":"true"}}', "--outdir", str(folder),
                    str(workbook)], check=True, capture_output=True, timeout=300)
    pdf = folder / (workbook.stem + ".pdf")
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(folder / "page")],
                   check=True, capture_output=True, timeout=300)
    pages = sorted(folder.glob("page-*.png"))
    return dict(zip(openpyxl.load_workbook(workbook, read_only=True).sheetnames, pages))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workbook = write_demo_workbook(folder / "demo-deals.xlsx", TODAY)
        with_expected_close(workbook)
        print(sheetsales.run(workbook, today=TODAY).summary())
        pages = sheet_pages(workbook, folder)
        for sheet, name in (("Summary", "summary-sheet.png"),
                            ("Reminders", "reminders-sheet.png")):
            shutil.copyfile(pages[sheet], args.out / name)
            print(f"wrote {args.out / name}")
        html = folder / "report.html"
        sheetsales.report(workbook, today=TODAY, html=html)
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        shot = args.out / "report.png"
        subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={folder / 'chromium'}",
                        "--window-size=1000,1150", f"--screenshot={shot}", html.as_uri()],
                       check=True, capture_output=True, timeout=120)
        print(f"wrote {shot}")


if __name__ == "__main__":
    main()
