"""Excel workbooks (.xlsx, .xlsm): the fast reader (reader.py, on python-calamine), the
surgical writer that changes only the written cells and copies every other part byte for
byte (writer.py with book.py, sheet.py, row.py, cells.py, styles.py, zipout.py, ooxml.py), and
the workbook as a `run` target (target.py)."""
