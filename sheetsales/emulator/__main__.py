"""`python -m sheetsales.emulator --port 0`: start the loopback Sheets API server."""

from .sheets_emulator import main

raise SystemExit(main())
