"""The few exceptions sheetsales raises, and the exit codes the CLI maps them to."""

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_PARTIAL = 3  # partly done: written but digests undelivered, or delivered but not written


class SheetsalesError(Exception):
    """Something the user can fix; the message is one sentence saying what and how."""


class ConfigError(SheetsalesError):
    """The configuration file, an environment variable or a flag is invalid."""


class SourceError(SheetsalesError):
    """The source cannot be read: missing, unreadable, not a workbook, no header."""


class WriteConflict(SheetsalesError):
    """A write was refused because it could not be done safely."""
