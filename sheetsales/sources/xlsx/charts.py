"""Native Excel charts on an owned sheet (the Summary sheet): DrawingML chart parts, the
drawing that places them, and the relationships and content types that tie them to the
sheet. They are sheetsales' own new parts; a sheet written before keeps its part names, so a
rewrite replaces them in place. Each chart carries a cache of its values, so Excel and
LibreOffice draw it before any recalculation."""

import posixpath
import re

from ...core.cells import cell_name, column_letters
from ..base import Chart
from .ooxml import NS_R, element_prefix, escape_attr, insert_before_close, rels_part

NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
NS_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_DRAWING, REL_CHART = NS_R + "/drawing", NS_R + "/chart"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
DRAWING_ID = "rId1"  # the sheet's relationship to its drawing (an owned sheet has no other)
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _text(value) -> bytes:
    return escape_attr("" if value is None else str(value))


def _number(value: float) -> bytes:
    return repr(float(value)).encode() if not float(value).is_integer() else b"%d" % value


def _points(chart: Chart) -> bytes:
    """The bars drawn in their own colour (c:dPt, after invertIfNegative in the series)."""
    return b"".join(b'<c:dPt><c:idx val="%d"/><c:invertIfNegative val="0"/><c:bubble3D '
                    b'val="0"/><c:spPr><a:solidFill><a:srgbClr val="%s"/></a:solidFill>'
                    b"</c:spPr></c:dPt>" % (i, colour.encode()) for i, colour in chart.points)


def chart_xml(chart: Chart, sheet: str, rows: list[list]) -> bytes:
    """The chart part: one clustered column series with its cached values, bars named in
    `chart.points` in their own colour."""
    first, last = chart.rows
    quoted = "'" + sheet.replace("'", "''") + "'"

    def ref(col: int) -> bytes:
        letters = column_letters(col)
        return escape_attr(f"{quoted}!${letters}${first}:${letters}${last}")

    def cell(row: int, col: int):
        values = rows[row - 1] if row - 1 < len(rows) else []
        return values[col - 1] if col - 1 < len(values) else None

    count = last - first + 1
    cats = b"".join(b'<c:pt idx="%d"><c:v>%s</c:v></c:pt>' % (i, _text(cell(r, chart.categories)))
                    for i, r in enumerate(range(first, last + 1)))
    vals = b"".join(b'<c:pt idx="%d"><c:v>%s</c:v></c:pt>' % (i, _number(v))
                    for i, r in enumerate(range(first, last + 1))
                    if isinstance(v := cell(r, chart.values), (int, float)))
    fmt = escape_attr(chart.number_format)
    colour = chart.colour.encode()
    return (_HEAD + b'<c:chartSpace xmlns:c="' + NS_C.encode() + b'" xmlns:a="' + NS_A.encode()
            + b'" xmlns:r="' + NS_R.encode() + b'"><c:roundedCorners val="0"/><c:chart>'
            b"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:pPr><a:defRPr sz=\"1200\" b=\"1\"/>"
            b'</a:pPr><a:r><a:rPr lang="en-US" sz="1200" b="1"/><a:t>' + _text(chart.title)
            + b'</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
            b'<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart>'
            b'<c:barDir val="col"/><c:grouping val="clustered"/><c:varyColors val="0"/>'
            b'<c:ser><c:idx val="0"/><c:order val="0"/><c:tx><c:v>' + _text(chart.series)
            + b"</c:v></c:tx><c:spPr><a:solidFill><a:srgbClr val=\"" + colour
            + b'"/></a:solidFill></c:spPr><c:invertIfNegative val="0"/>' + _points(chart)
            + b"<c:cat><c:strRef><c:f>" + ref(chart.categories) + b'</c:f><c:strCache>'
            b'<c:ptCount val="%d"/>' % count + cats + b"</c:strCache></c:strRef></c:cat>"
            b"<c:val><c:numRef><c:f>" + ref(chart.values) + b"</c:f><c:numCache><c:formatCode>"
            + fmt + b'</c:formatCode><c:ptCount val="%d"/>' % count + vals
            + b"</c:numCache></c:numRef></c:val></c:ser>"
            b'<c:gapWidth val="60"/><c:axId val="500000001"/><c:axId val="500000002"/>'
            b"</c:barChart>"
            b'<c:catAx><c:axId val="500000001"/><c:scaling><c:orientation val="minMax"/>'
            b'</c:scaling><c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" '
            b'sourceLinked="0"/><c:majorTickMark val="none"/><c:minorTickMark val="none"/>'
            b'<c:tickLblPos val="nextTo"/><c:crossAx val="500000002"/><c:crosses val="autoZero"/>'
            b'<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/>'
            b'<c:noMultiLvlLbl val="0"/></c:catAx>'
            b'<c:valAx><c:axId val="500000002"/><c:scaling><c:orientation val="minMax"/>'
            b'</c:scaling><c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
            b'<c:numFmt formatCode="' + fmt + b'" sourceLinked="0"/><c:majorTickMark val="none"/>'
            b'<c:minorTickMark val="none"/><c:tickLblPos val="nextTo"/>'
            b'<c:crossAx val="500000001"/><c:crosses val="autoZero"/>'
            b'<c:crossBetween val="between"/></c:valAx></c:plotArea>'
            b'<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>')


def drawing_xml(charts: list[Chart]) -> bytes:
    """The drawing placing each chart (relationship rId<n> for the n-th) over its cells."""
    anchors = []
    for n, chart in enumerate(charts, 1):
        col, row = chart.anchor
        wide, high = chart.size
        anchors.append(
            b'<xdr:twoCellAnchor editAs="oneCell"><xdr:from><xdr:col>%d</xdr:col><xdr:colOff>0'
            b"</xdr:colOff><xdr:row>%d</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to>"
            b"<xdr:col>%d</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>%d</xdr:row><xdr:rowOff>0"
            b'</xdr:rowOff></xdr:to><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
            b'<xdr:cNvPr id="%d" name="%s"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
            b'<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
            b'<a:graphicData uri="%s"><c:chart xmlns:c="%s" xmlns:r="%s" r:id="rId%d"/>'
            b"</a:graphicData></a:graphic></xdr:graphicFrame><xdr:clientData/>"
            b"</xdr:twoCellAnchor>"
            % (col, row, col + wide, row + high, n + 1, _text(chart.title), NS_C.encode(),
               NS_C.encode(), NS_R.encode(), n))
    return (_HEAD + b'<xdr:wsDr xmlns:xdr="' + NS_XDR.encode() + b'" xmlns:a="' + NS_A.encode()
            + b'">' + b"".join(anchors) + b"</xdr:wsDr>")


def _rels(targets: list[tuple[str, str]]) -> bytes:
    return (_HEAD + b'<Relationships xmlns="' + NS_PKG.encode() + b'">' + b"".join(
        b'<Relationship Id="rId%d" Type="%s" Target="%s"/>' % (n, kind.encode(), _text(target))
        for n, (kind, target) in enumerate(targets, 1)) + b"</Relationships>")


def _free(taken: set[str], pattern: str) -> str:
    n = 1
    while pattern.format(n).lower() in taken:
        n += 1
    taken.add(pattern.format(n).lower())
    return pattern.format(n)


def chart_parts(pkg, sheet_part: str, title: str, charts: list[Chart], rows: list[list],
                taken: set[str]) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """({new part: bytes}, {existing part: new bytes}) for the charts of an owned sheet: its
    rels, its drawing and the drawing's rels, and one part per chart. An earlier write's
    parts are reused by name; `taken` holds the package's part names (lowercase)."""
    old_drawing = next((r.target for r in pkg.rels(sheet_part)
                        if r.kind == "drawing" and not r.external), None) \
        if pkg.find(sheet_part) else None
    old_charts = [r.target for r in pkg.rels(old_drawing) if r.kind == "chart"] \
        if old_drawing and pkg.find(old_drawing) else []
    drawing = old_drawing or _free(taken, "xl/drawings/drawing{}.xml")
    names = [old_charts[i] if i < len(old_charts) else _free(taken, "xl/charts/chart{}.xml")
             for i in range(len(charts))]
    folder = posixpath.dirname(drawing)
    parts = {rels_part(sheet_part): _rels([(REL_DRAWING, posixpath.relpath(
                 drawing, posixpath.dirname(sheet_part)))]),
             drawing: drawing_xml(charts),
             rels_part(drawing): _rels([(REL_CHART, posixpath.relpath(n, folder))
                                        for n in names])}
    for name, chart in zip(names, charts):
        parts[name] = chart_xml(chart, title, rows)
    new = {n: d for n, d in parts.items() if pkg.find(n) is None}
    return new, {n.lower(): d for n, d in parts.items()
                 if pkg.find(n) is not None and pkg.read(n) != d}


def with_overrides(content_types: bytes, parts: list[str]) -> bytes:
    """[Content_Types].xml with an Override for each new drawing and chart part."""
    cp = element_prefix(content_types, b"Types")
    overrides = b"".join(
        b"<" + cp + b'Override PartName="/' + escape_attr(name) + b'" ContentType="'
        + (CT_CHART if "/charts/" in name else CT_DRAWING).encode() + b'"/>'
        for name in parts if re.search(r"/(charts|drawings)/[^/]+\.xml$", name))
    return insert_before_close(content_types, cp, b"Types", overrides) if overrides \
        else content_types


def chart_anchor_cell(chart: Chart) -> str:
    """The cell under a chart's top left corner (for messages and tests)."""
    return cell_name(chart.anchor[1] + 1, chart.anchor[0] + 1)
