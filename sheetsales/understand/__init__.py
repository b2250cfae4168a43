"""Understanding a sheet from its own values: where the header is and which column holds which
field, the Products sheet. Fed plain rows by any source; imports only `core`."""

from .header import Located, locate_deals, locate_sheets, read_products
from .understanding import ColumnUse, Ignored, Understanding

__all__ = ["ColumnUse", "Ignored", "Located", "Understanding", "locate_deals", "locate_sheets",
           "read_products"]
