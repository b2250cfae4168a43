"""An Excel Table's part when sheetsales' columns join it (SPEC section 10, "Excel Tables"):
only the table's range (and its autofilter's) and its column list change, so sorting or
filtering the table keeps each status with its deal. A table joins only when it starts on the
deals' header row and ends just left of the owned columns, which lie side by side."""

import re

from ..base import ColumnLook
from .cells import parse_range, range_name
from .ooxml import attrs, element_prefix, escape_attr, set_attr, start_tag


def joined_table(xml: bytes, look: ColumnLook) -> bytes | None:
    """The table part with the owned columns added as its last columns, or None when it
    does not change (already joined, or not the deals' table)."""
    p = element_prefix(xml, b"table")
    opened = start_tag(p, b"table").search(xml)
    if opened is None:
        return None
    box = parse_range(attrs(opened[1]).get(b"ref", b"").decode("ascii", "replace"))
    cols = sorted(look.headers)
    if box is None or box[0] != look.header_row or cols != list(range(cols[0], cols[-1] + 1)):
        return None
    if box[3] >= cols[-1] or box[3] + 1 != cols[0]:
        return None
    xml = xml[:opened.start()] + set_attr(opened[0], b"ref", range_name(
        (box[0], box[1], box[2], cols[-1])).encode()) + xml[opened.end():]
    found = start_tag(p, b"autoFilter").search(xml)
    if found:
        inner = parse_range(attrs(found[1]).get(b"ref", b"").decode("ascii", "replace"))
        if inner:
            ref = range_name((inner[0], inner[1], inner[2], cols[-1])).encode()
            xml = xml[:found.start()] + set_attr(found[0], b"ref", ref) + xml[found.end():]
    listed = start_tag(p, b"tableColumns").search(xml)
    if listed is None or listed[2]:
        return None
    end = xml.find(b"</" + p + b"tableColumns>", listed.end())
    ids = [int(n) for n in re.findall(rb'\sid="(\d+)"', xml[listed.end():end])]
    count = len(re.findall(rb"<" + re.escape(p) + rb"tableColumn\b", xml[listed.end():end]))
    new = b"".join(b'<%stableColumn id="%d" name="%s"/>' % (p, max(ids, default=0) + i,
                                                           escape_attr(look.headers[c]))
                   for i, c in enumerate(cols, 1))
    tag = set_attr(listed[0], b"count", b"%d" % (count + len(cols)))
    return xml[:listed.start()] + tag + xml[listed.end():end] + new + xml[end:]
