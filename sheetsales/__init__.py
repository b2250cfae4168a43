"""sheetsales: keeps a sales pipeline spreadsheet honest."""
