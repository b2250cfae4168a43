"""What sheetsales owns inside a user's workbook, as plain facts every layer may read: the
Reminders sheet's name and columns, and the keys of the four status columns."""

REMINDERS_SHEET = "Reminders"  # the sheet sheetsales owns and replaces on every run
# "Row" links to the deal's row; Notes and Done are the user's and survive every rewrite
REMINDER_HEADERS = ("Owner", "Deal ID", "Company", "Action", "Due", "Days overdue", "Status",
                    "Row", "Notes", "Done")
MAX_LINKS = 65_530  # Excel's limit of hyperlinks on one sheet: the Reminders sheet's cap
STATUS_KEYS = ("status", "flags", "next_action", "next_action_due")


def distinct_header(header: str) -> str:
    """The header sheetsales gives its column when the sheet has its own of that name (a
    user's health-flag `Status` column): `Pipeline status`."""
    return f"Pipeline {header[0].lower()}{header[1:]}"


def owned_headers(headers) -> tuple[str, ...]:
    """Every header a sheetsales status column may carry: as configured, or made distinct;
    header matching never reads one of them as a deal field."""
    return tuple(h for header in headers for h in (header, distinct_header(header)))
