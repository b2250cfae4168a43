"""Understanding a sheet from its own values: where the header is and which column holds which
field, the Products sheet. Fed plain rows by any source; imports only `core`."""

from .header import locate_deals, read_products

__all__ = ["locate_deals", "read_products"]
