"""The pipeline summary as one self-contained HTML page (`sheetsales report --html`): the
tables and three inline SVG charts (amount by stage, weighted forecast by month, the funnel
of the flow between steps). No JavaScript, no network, no external fonts; prints on A4."""

import html
import math

from ..core.config_schema import COLOURS
from .summary import STALE, Summary
from .summary_render import headline, money, month_label, number, percent, read_from

STAGE_COLOUR, FORECAST_COLOUR, FUNNEL_COLOUR = "#2f6eb5", "#2e9a5b", "#c07a12"
STALE_COLOUR = "#" + COLOURS["red"][0]  # the sheet's overdue red: these deals need a new date
CSS = """
body{font:14px/1.4 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;margin:2em auto;
max-width:60em;padding:0 1em}h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;
margin-top:1.6em;border-bottom:1px solid #ddd}.lead{font-size:1.1em;color:#444}
table{border-collapse:collapse;margin:.5em 0}th,td{padding:.2em .8em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#ddebf7}tr:nth-child(even) td{
background:#f6f8fa}.charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0}
figcaption{font-weight:600;margin-bottom:.3em}.gaps{color:#8a4b00}
@media print{body{margin:0}.charts{break-inside:avoid}h2{break-after:avoid}}
"""


def nice(peak: float) -> float:
    """The round number at or above `peak` an axis ends at (1, 2, 2.5 or 5 times a power of
    ten)."""
    if peak <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(peak))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= peak)


def bar_chart(title: str, labels: list[str], values: list[float | None], colour: str,
              cls: str, width: int = 400, height: int = 270,
              colours: dict[str, str] | None = None) -> str:
    """A vertical bar chart as inline SVG; each bar a <rect class="bar {cls}"> with its value
    in data-value (unknown values draw no bar); `colours` gives some labels their own."""
    left, bottom, top = 56, 62, 12
    plot_w, plot_h = width - left - 10, height - bottom - top
    known = [v for v in values if v is not None]
    peak = nice(max(known, default=0))
    step = plot_w / max(len(labels), 1)
    bar_w = step * 0.7
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {cls}" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="{html.escape(title)}">',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
             'stroke="#888"/>']
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" '
                     f'fill="#555">{money(peak * i / 4)}</text>')
        if i:
            parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                         'stroke="#e4e4e4"/>')
    for i, (label, value) in enumerate(zip(labels, values)):
        x = left + step * i + (step - bar_w) / 2
        if value:
            h = plot_h * value / peak
            parts.append(f'<rect class="bar {cls}" data-label="{html.escape(label)}" '
                         f'data-value="{value:.2f}" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
                         f'width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{(colours or {}).get(label, colour)}"/>')
        lx, ly = x + bar_w / 2, top + plot_h + 12
        parts.append(f'<text x="{lx:.1f}" y="{ly}" font-size="10" text-anchor="end" '
                     f'transform="rotate(-35 {lx:.1f} {ly})" fill="#333">'
                     f"{html.escape(_short(label, 14))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def funnel(summary: Summary, width: int = 400, height: int = 270) -> str:
    """The flow between steps as horizontal bars, widest first."""
    rows = summary.flow
    peak = max((r.reached for r in rows), default=0) or 1
    row_h = (height - 10) / max(len(rows), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart funnel" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="Funnel">']
    for i, r in enumerate(rows):
        w = (width - 170) * r.reached / peak
        x, y = 90 + (width - 170 - w) / 2, 5 + i * row_h
        parts.append(f'<text x="84" y="{y + row_h * 0.6:.1f}" font-size="11" text-anchor="end">'
                     f"{html.escape(_short(r.stage, 12))}</text>")
        if r.reached:
            parts.append(f'<rect class="bar funnel" data-label="{html.escape(r.stage)}" '
                         f'data-value="{r.reached}" x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" '
                         f'height="{row_h * 0.8:.1f}" fill="{FUNNEL_COLOUR}"/>')
        on = f", {percent(r.conversion)} on" if r.conversion is not None else ""
        parts.append(f'<text x="{width - 76}" y="{y + row_h * 0.6:.1f}" font-size="11">'
                     f"{r.reached}{on}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _short(text: str, size: int = 10) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _money_charts(summary: Summary, suffix: str = "") -> list[tuple[str, str]]:
    forecast = summary.forecast
    stale = " (red: stale)" if any(r.month == STALE for r in forecast) \
        else ""
    return [("Amount by stage" + suffix, bar_chart(
                "Amount by stage", [r.stage for r in summary.by_stage],
                [r.amount for r in summary.by_stage], STAGE_COLOUR, "by-stage")),
            ("Weighted forecast by expected close" + suffix + stale, bar_chart(
                "Weighted forecast", [r.month for r in forecast],
                [r.weighted for r in forecast], FORECAST_COLOUR, "forecast",
                colours={STALE: STALE_COLOUR}))]


def _money_tables(summary: Summary, suffix: str = "") -> list[str]:
    e = html.escape
    return [f"<h2>By stage{e(suffix)}</h2>",
            _table(["Stage", "Deals", "Amount", "Weighted"],
                   [[r.stage, r.deals, money(r.amount), money(r.weighted)]
                    for r in summary.by_stage]),
            f"<h2>By owner{e(suffix)}</h2>",
            _table(["Owner", "Open deals", "Open amount", "Weighted", "Overdue",
                    "Won this month"],
                   [[r.owner, r.open_deals, money(r.open_amount), money(r.weighted), r.overdue,
                     number(r.won_this_month)] for r in summary.by_owner]),
            f"<h2>Forecast by expected close{e(suffix)}</h2>",
            _table(["Month", "Deals", "Amount", "Weighted"],
                   [[month_label(r.month), r.deals, money(r.amount), money(r.weighted)]
                    for r in summary.forecast])]


def render_html(summary: Summary, source: str = "", sheet: str | list[str] = "") -> str:
    """One self-contained HTML page of the summary; with several currencies, the amounts'
    charts and tables once per currency."""
    pots = summary.by_currency
    charts = [c for code, pot in (pots or {"": summary}).items()
              for c in _money_charts(pot, f" in {code}" if code else "")]
    charts.append(("Funnel: deals reaching each step", funnel(summary)))
    tables = [t for code, pot in (pots or {"": summary}).items()
              for t in _money_tables(pot, f" in {code}" if code else "")]
    title = f"Pipeline on {summary.today.isoformat()}"
    name = source.replace("\\", "/").rsplit("/", 1)[-1]  # a page may travel: no folders
    place = read_from(sheet)
    where = html.escape(name + (f" — {place}" if place else ""))
    gaps = "".join(f"<li>{html.escape(g)}</li>" for g in summary.gaps)
    return "".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><p>{where}</p>",
        f'<p class="lead">{html.escape(headline(summary))}</p>',
        f'<ul class="gaps">{gaps}</ul>' if gaps else "",
        '<div class="charts">',
        *[f"<figure><figcaption>{html.escape(c)}</figcaption>{svg}</figure>" for c, svg in charts],
        "</div>", *tables,
        "<h2>Flow between steps</h2>",
        _table(["Step", "Reached", "Went on", "Conversion", "Median days"],
               [[r.stage, r.reached, number(r.went_on), percent(r.conversion),
                 number(r.median_days)] for r in summary.flow]),
        "</body></html>\n"])
