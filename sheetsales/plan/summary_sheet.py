"""The Summary sheet sheetsales owns in a workbook (SPEC section 4): the summary's tables
with number formats, and two native charts beside them (amount by stage; weighted forecast
by expected-close month). Pure: rows and a look (sources.base) the writer applies."""

from ..core.config_schema import COLOURS
from ..sources.base import Chart, SheetLook
from .summary import STALE, Summary
from .summary_render import headline, month_label

AMOUNT, PERCENT = "#,##0", "0%"
STAGE_COLOUR, FORECAST_COLOUR = "2F6EB5", "2E9A5B"  # the HTML report's blue and green
STALE_COLOUR = COLOURS["red"][0]  # the sheet's overdue red (the HTML report's too): stale bar
CHART_COLUMN = 7  # 0-based: charts start in column H, right of the widest table


def summary_sheet(summary: Summary, charts: bool = True) -> tuple[list[list], SheetLook]:
    """The Summary sheet's rows and look."""
    rows: list[list] = [["Pipeline summary"],
                        [f"On {summary.today.isoformat()}: {headline(summary)}"], []]
    headings, formats = [], {}
    spans = {}

    def block(name: str, header: list[str], lines: list[list], money: tuple[int, ...] = (),
              percent: tuple[int, ...] = ()):
        headings.append(len(rows) + 1)
        rows.append(header)
        first = len(rows) + 1
        for line in lines:
            rows.append(line)
            for col in money:
                formats[(len(rows), col)] = AMOUNT
            for col in percent:
                formats[(len(rows), col)] = PERCENT
        spans[name] = (first, len(rows))
        rows.append([])

    pots = summary.by_currency or {"": summary}  # several currencies: each its own tables
    for code, pot in pots.items():
        tag = f" ({code})" if code else ""
        block("stage" + code, ["Stage" + tag, "Deals", "Amount", "Weighted"],
              [[r.stage, r.deals, r.amount, r.weighted] for r in pot.by_stage], (3, 4))
        block("forecast" + code, ["Expected close" + tag, "Deals", "Amount", "Weighted"],
              [[month_label(r.month), r.deals, r.amount, r.weighted] for r in pot.forecast],
              (3, 4))
        block("owner" + code, ["Owner" + tag, "Open deals", "Open amount", "Weighted",
                               "Overdue", "Won this month"],
              [[r.owner, r.open_deals, r.open_amount, r.weighted, r.overdue, r.won_this_month]
               for r in pot.by_owner], (3, 4))
    block("flow", ["Step", "Reached", "Went on", "Conversion", "Median days"],
          [[r.stage, r.reached, r.went_on, r.conversion, r.median_days] for r in summary.flow],
          (), (4,))
    t = summary.totals
    block("totals", ["Totals", "This month", "This quarter"],
          [["Won", t.won_this_month, t.won_this_quarter],
           ["Lost", t.lost_this_month, t.lost_this_quarter],
           ["Open pipeline", t.open_amount, None], ["Weighted pipeline", t.weighted_amount, None],
           ["Win rate", t.win_rate, None]])
    last = len(rows) - 1
    formats[(last - 2, 2)] = formats[(last - 1, 2)] = AMOUNT
    formats[(last, 2)] = PERCENT
    if summary.gaps:
        rows.append(["Not computed:"])
        rows.extend([[f"- {gap}"] for gap in summary.gaps])
    shown = ()
    if charts:  # two charts per currency, one above the other
        shown = tuple(chart for i, code in enumerate(pots) for chart in (
            Chart("Amount by stage" + (f" in {code}" if code else ""), "Amount",
                  spans["stage" + code], 1, 3, STAGE_COLOUR, (CHART_COLUMN, 1 + 34 * i),
                  (8, 16)),
            Chart("Weighted forecast by expected close" + (f" in {code}" if code else "")
                  + (" (red: stale)" if stale(pots[code]) else ""),
                  "Weighted", spans["forecast" + code], 1, 4, FORECAST_COLOUR,
                  (CHART_COLUMN, 18 + 34 * i), (8, 16), points=stale(pots[code]))))
    look = SheetLook(header_row=None, widths={1: 22.0, 2: 12.0, 3: 14.0, 4: 14.0, 5: 12.0,
                                              6: 15.0},
                     titles=(1,), headings=tuple(headings), formats=formats, charts=shown,
                     freeze=False, autofilter=False)
    return rows, look


def stale(summary: Summary) -> tuple[tuple[int, str], ...]:
    """The forecast chart's stale bar, drawn red as in the HTML report."""
    return tuple((i, STALE_COLOUR) for i, r in enumerate(summary.forecast) if r.month == STALE)
