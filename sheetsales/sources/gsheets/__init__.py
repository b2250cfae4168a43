"""Google Sheets as a source and a target, through gspread: what a SOURCE names (ids.py), the
API client and the translation of its errors into ours (api.py), reading (source.py), and the
batched, verified write (batch.py, rows.py, write.py). Imported only for Google sources."""
