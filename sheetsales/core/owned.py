"""What sheetsales owns inside a user's workbook, as plain facts every layer may read: the
Reminders sheet's name and columns, and the keys of the four status columns."""

REMINDERS_SHEET = "Reminders"  # the sheet sheetsales owns and replaces on every run
REMINDER_HEADERS = ("Owner", "Deal ID", "Company", "Action", "Due", "Days overdue", "Status",
                    "Row")
STATUS_KEYS = ("status", "flags", "next_action", "next_action_due")
