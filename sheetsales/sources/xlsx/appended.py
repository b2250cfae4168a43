"""One list of xl/styles.xml (`<fonts>`, `<fills>`, `<dxfs>`) to which sheetsales appends
entries: an entry already there, byte for byte, is reused (so repeated runs do not grow the
file); new entries go after the last one and only the list's `count` changes. A missing list
is created in its place in the schema's order."""

import re

from .ooxml import set_attr, start_tag

# CT_Stylesheet's children, in order: where a missing list goes
ORDER = (b"numFmts", b"fonts", b"fills", b"borders", b"cellStyleXfs", b"cellXfs", b"cellStyles",
         b"dxfs", b"tableStyles", b"colors", b"extLst")


class AppendedList:
    """The entries of one list of styles.xml, and those to append."""

    def __init__(self, xml: bytes, p: bytes, name: bytes, child: bytes):
        self.p, self.name, self.child = p, name, child
        self.items = self._read(xml)
        self.added: list[bytes] = []

    def _read(self, xml: bytes) -> list[bytes]:
        opened = start_tag(self.p, self.name).search(xml)
        if opened is None or opened[2]:
            return []
        end = xml.find(b"</" + self.p + self.name + b">", opened.end())
        pattern = re.compile(start_tag(self.p, self.child).pattern + b"(?:(?<=/>)|.*?</"
                             + re.escape(self.p + self.child) + b">)", re.S)
        return [m[0] for m in pattern.finditer(xml, opened.end(), end)]

    def index_of(self, element: bytes) -> int:
        """The index of `element` in the list, appended when it is not there."""
        every = self.items + self.added
        if element in every:
            return every.index(element)
        self.added.append(element)
        return len(every)

    def apply(self, xml: bytes) -> bytes:
        """`xml` with the appended entries (unchanged when there are none)."""
        if not self.added:
            return xml
        p, name = self.p, self.name
        close = b"</" + p + name + b">"
        total = b"%d" % (len(self.items) + len(self.added))
        new = b"".join(self.added)
        opened = start_tag(p, name).search(xml)
        if opened is None:
            at = self._place(xml)
            return xml[:at] + b"<" + p + name + b' count="' + total + b'">' + new + close + xml[at:]
        tag = set_attr(opened[0], b"count", total)
        if opened[2]:
            return xml[:opened.start()] + tag[:-2].rstrip() + b">" + new + close \
                + xml[opened.end():]
        end = xml.find(close, opened.end())
        return xml[:opened.start()] + tag + xml[opened.end():end] + new + xml[end:]

    def _place(self, xml: bytes) -> int:
        """Where a missing list goes: before the first later sibling, else before the end."""
        for later in ORDER[ORDER.index(self.name) + 1:]:
            found = start_tag(self.p, later).search(xml)
            if found:
                return found.start()
        return xml.rfind(b"</" + self.p + b"styleSheet>")
