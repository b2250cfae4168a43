"""Applies the looks of a write (sources.base SheetLook and ColumnLook) to its sheet jobs:
the styles they need are appended, an owned sheet is written into a fresh template, and a
deals sheet's Excel Table takes in the owned columns."""

from ...core.errors import WriteConflict
from ..base import HEADER_FILL, SheetLook
from .charts import DRAWING_ID, chart_parts
from .look import owned_sheet
from .sheet import SheetJob
from .styles import StyleSheet
from .tables import joined_table

BUILTIN_FORMATS = {"#,##0": 3, "0%": 9, "0.00%": 10, "#,##0.00": 4}  # no custom format needed


def dress(pkg, jobs, styles, looks, columns, taken: set[str]):
    """Apply the looks to the sheet jobs: ({existing part: new bytes}, {new part: bytes}) of
    the table and chart parts that change or come with them."""
    changed, new = {}, {}
    for sheet, job in jobs:
        look = looks.get(sheet.title) if job.replace_rows else columns.get(sheet.title)
        if look is None:
            continue
        if styles is None:
            raise WriteConflict(f"{pkg.name} has no styles part, so sheetsales cannot style its "
                                "columns; open and re-save the workbook in Excel and run again")
        if job.replace_rows:
            _owned_look(job, look, styles)
            if look.charts:
                made, remade = chart_parts(pkg, sheet.part, sheet.title, list(look.charts),
                                           job.rows, taken)
                new.update(made)
                changed.update(remade)
            continue
        job.look = look
        job.dxfs = [styles.differential(c.font, c.fill) for c in look.colours]
        for rel in pkg.rels(sheet.part):
            if rel.kind == "table" and not rel.external and pkg.find(rel.target):
                joined = joined_table(pkg.read(rel.target), look)
                if joined is not None:
                    changed[rel.target.lower()] = joined
    return changed, new


def _owned_look(job: SheetJob, look: SheetLook, styles: StyleSheet):
    width = max((len(r) for r in job.rows), default=0)
    job.template = owned_sheet(look, len(job.rows), width, DRAWING_ID if look.charts else None)
    if look.header_row:
        job.row_styles[look.header_row] = styles.cell_style(bold=True, fill=HEADER_FILL)
    for row in look.titles:
        job.row_styles[row] = styles.cell_style(bold=True, size=14)
    for row in look.headings:
        job.row_styles[row] = styles.cell_style(bold=True, fill=HEADER_FILL)
    for where, code in look.formats.items():
        job.cell_styles[where] = styles.cell_style(number_format=BUILTIN_FORMATS.get(code, code))
