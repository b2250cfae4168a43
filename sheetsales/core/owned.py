"""What sheetsales owns inside a user's workbook, as plain facts every layer may read: the
Reminders sheet's name and columns, and the keys of the four status columns."""

import re

REMINDERS_SHEET = "Reminders"  # the sheet sheetsales owns and replaces on every run
# "Row" links to the deal's row; Notes and Done are the user's and survive every rewrite
REMINDER_HEADERS = ("Owner", "Deal ID", "Company", "Action", "Due", "Days overdue", "Status",
                    "Row", "Notes", "Done")
REMINDER_ROW = REMINDER_HEADERS.index("Row")  # the deal's row: 7, or "Bob!A7" over several tabs
_TAB_ROW = re.compile(r"^(?P<title>.+)!A(?P<row>\d+)$", re.S)
MAX_LINKS = 65_530  # Excel's limit of hyperlinks on one sheet: the Reminders sheet's cap
STATUS_KEYS = ("status", "flags", "next_action", "next_action_due")


def tab_row(where) -> tuple[str, int] | None:
    """(tab title, row) of a Reminders Row cell that names its tab ("Bob!A7"), else None."""
    found = _TAB_ROW.match(where) if isinstance(where, str) else None
    return (found["title"], int(found["row"])) if found else None


def distinct_header(header: str) -> str:
    """The header sheetsales gives its column when the sheet has its own of that name (a
    user's health-flag `Status` column): `Pipeline status`."""
    return f"Pipeline {header[0].lower()}{header[1:]}"


def owned_headers(headers) -> tuple[str, ...]:
    """Every header a sheetsales status column may carry: as configured, or made distinct;
    header matching never reads one of them as a deal field."""
    return tuple(h for header in headers for h in (header, distinct_header(header)))
