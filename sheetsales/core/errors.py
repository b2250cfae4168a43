"""The few exceptions sheetsales raises, the exit codes the CLI maps them to, and the
severities of findings that decide exit code 1 (here, not in model.py, so the CLI's start-up
for --help does not import the data model)."""

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_PARTIAL = 3  # partly done: written but digests undelivered, or delivered but not written
EXIT_ORDER = (EXIT_ERROR, EXIT_PARTIAL, EXIT_FINDINGS, EXIT_OK)  # when several apply


def worst_exit(codes) -> int:
    """The exit code that wins among `codes` (SPEC section 10: the first of 2, 3, 1, 0)."""
    codes = set(codes)
    return next((code for code in EXIT_ORDER if code in codes), EXIT_OK)


class SheetsalesError(Exception):
    """Something the user can fix; the message is one sentence saying what and how."""


class ConfigError(SheetsalesError):
    """The configuration file, an environment variable or a flag is invalid."""


class SourceError(SheetsalesError):
    """The source cannot be read: missing, unreadable, not a workbook, no header."""


class WriteConflict(SheetsalesError):
    """A write was refused because it could not be done safely."""


class FileOpenElsewhere(WriteConflict):
    """The file is open in Excel or LibreOffice (their lock file is beside it)."""


class SourceBusy(WriteConflict):
    """Another sheetsales command holds the source's lock."""


class RunTooLong(SheetsalesError):
    """A run passed its deadline ([schedule] run_deadline_minutes) and stopped between phases."""
