"""The scan for a column's own date look (sources/xlsx/date_looks.py) on the XML shapes
that writers other than Excel produce: `r` after `s`, prefixed elements, tabs between
attributes, texts and formulas beside dates, a part read in small chunks."""

import io

import pytest

from sheetsales.sources.xlsx import date_looks


class DateStyles:
    """A style sheet where styles 7 and 9 show dates."""

    def is_date(self, style: int) -> bool:
        return style in (7, 9)


PART = (b'<worksheet><sheetData><row r="2">'
        b'<c s="7" r="B2"><v>46000</v></c>'                   # r after s
        b'<x:c\tr="C2"\ts="9"><x:v>46001</x:v></x:c>'          # prefixed, tab-separated
        b'<c r="D2" s="7" t="s"><v>3</v></c>'                 # a shared text in a date style
        b'<c r="AB2" s="9"><v>46002</v></c>'
        b'</row><row r="3">'
        b'<c r="B3" s="9"><v>46003</v></c><c r="B4" s="7"><v>46004</v></c>'
        b'<c r="C3" s="2"><v>12</v></c>'                      # a number, no date style
        b'<c r="D3" s="9"><f>TODAY()</f><v>46005</v></c>'
        b'<c r="BB3" s="9"/>'                                 # not an asked column
        b'</row></sheetData><hyperlinks><hyperlink ref="B9" r:id="x"/></hyperlinks>'
        b'</worksheet>')


@pytest.mark.parametrize("chunk", [date_looks.CHUNK, 7])
def test_each_asked_column_takes_the_date_style_its_cells_share_most(monkeypatch, chunk):
    monkeypatch.setattr(date_looks, "CHUNK", chunk)
    found = date_looks.column_date_styles(io.BytesIO(PART), {2, 3, 4, 28}, DateStyles())
    assert found == {2: 7, 3: 9, 4: 9, 28: 9}


def test_columns_not_asked_are_not_reported():
    assert date_looks.column_date_styles(io.BytesIO(PART), {1, 5}, DateStyles()) == {}
