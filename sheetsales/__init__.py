"""sheetsales: keeps a sales pipeline spreadsheet honest.

The public API: `check` a source, `load_config`, and the data it returns."""

from .rules.check import Report, check
from .core.config import Config, load_config
from .core.errors import ConfigError, SheetsalesError, SourceError, WriteConflict
from .core.model import CellChange, Deal, Finding
from .plan.status import DealStatus, deal_status

__all__ = ["CellChange", "Config", "ConfigError", "Deal", "DealStatus", "Finding", "Report",
           "SheetsalesError", "SourceError", "WriteConflict", "check", "deal_status",
           "load_config"]
