"""How the pipeline summary reads: aligned tables for people, JSON and CSV for machines
(`sheetsales report`). Unknown values (None) show as "-" in tables and stay empty or null
elsewhere, never as zeros."""

import csv
import io
import json

from .render import safe_csv_text
from ..rules.currency import amounts_text
from .summary import STALE, MonthRow, Summary

CSV_COLUMNS = ("section", "name", "deals", "amount", "weighted", "overdue", "won_this_month",
               "reached", "went_on", "conversion", "median_days")


def money(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def percent(value) -> str:
    return "-" if value is None else f"{value:.0%}"


def number(value) -> str:
    return "-" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def month_label(month: str) -> str:
    """How a forecast line is named for people: stale deals say why they stand apart."""
    return "stale (close passed)" if month == STALE else month


def stale_row(summary: Summary) -> MonthRow | None:
    return next((r for r in summary.forecast if r.month == STALE), None)


def table(title: str, header: list[str], rows: list[list[str]]) -> str:
    """An aligned table: the first column left, the others right."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [title]
    for row in [header, *rows]:
        cells = [str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i])
                 for i, c in enumerate(row)]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def titles_of(sheet: str | list[str]) -> list[str]:
    """The deals tabs read, from one title or a list of them."""
    return ([sheet] if sheet else []) if isinstance(sheet, str) else list(sheet)


def read_from(sheet: str | list[str]) -> str:
    """Where the deals were read, in words: "sheet 'Deals'" or "tabs 'Ann', 'Bob'"."""
    titles = titles_of(sheet)
    if len(titles) > 1:
        return "tabs " + ", ".join(repr(t) for t in titles)
    return f"sheet {titles[0]!r}" if titles else ""


def render_summary(summary: Summary, fmt: str, source: str = "",
                   sheet: str | list[str] = "") -> str:
    """The summary as "table", "json" or "csv"; `sheet` is the deals tab, or every tab of a
    pipeline kept over several (JSON then adds "sheets")."""
    if fmt == "json":
        titles = titles_of(sheet)
        where = {"sheet": titles[0] if titles else "",
                 **({"sheets": titles} if len(titles) > 1 else {})}
        return json.dumps({"source": source, **where, **summary.as_dict()}, indent=2,
                          ensure_ascii=False) + "\n"
    if fmt == "csv":
        return render_csv(summary)
    return render_table(summary, source, sheet)


def headline(summary: Summary) -> str:
    t, stale = summary.totals, stale_row(summary)
    late = f" ({stale.deals} stale: expected close passed)" if stale else ""
    pots = summary.by_currency
    if pots:  # side by side, never summed; a currency with nothing to show is left out
        open_, weighted, won = (amounts_text({c: v for c, p in pots.items()
                                              if (v := getattr(p.totals, name))}, money) or "-"
                                for name in ("open_amount", "weighted_amount",
                                             "won_amount_this_month"))
    else:
        open_, weighted, won = (money(t.open_amount), money(t.weighted_amount),
                                money(t.won_amount_this_month))
    return (f"{t.open_deals} open deals{late}: {open_} in the pipeline, "
            f"{weighted} weighted; won this month {number(t.won_this_month)}"
            f" ({won}), win rate {percent(t.win_rate)}")


def money_tables(summary: Summary, suffix: str = "") -> list[str]:
    """The tables that hold amounts: by stage, by owner, the forecast."""
    return [table("By stage" + suffix, ["stage", "deals", "amount", "weighted"],
                  [[r.stage, r.deals, money(r.amount), money(r.weighted)]
                   for r in summary.by_stage]),
            table("By owner" + suffix, ["owner", "open deals", "open amount", "weighted",
                                        "overdue", "won this month"],
                  [[r.owner, r.open_deals, money(r.open_amount), money(r.weighted), r.overdue,
                    number(r.won_this_month)] for r in summary.by_owner]),
            table("Forecast by expected close" + suffix, ["month", "deals", "amount",
                                                         "weighted"],
                  [[month_label(r.month), r.deals, money(r.amount), money(r.weighted)]
                   for r in summary.forecast])]


def render_table(summary: Summary, source: str = "", sheet: str | list[str] = "") -> str:
    place = read_from(sheet)
    where = f" of {source}" + (f" ({place})" if place else "") if source else ""
    t = summary.totals
    pots = summary.by_currency
    parts = [f"Pipeline{where} on {summary.today.isoformat()}\n{headline(summary)}\n",
             *money_tables(summary, " (every currency: counts only)" if pots else ""),
             *[t for c, p in pots.items() for t in money_tables(p, f", in {c}")],
             table("Flow between steps", ["step", "reached", "went on", "conversion",
                                          "median days"],
                   [[r.stage, r.reached, number(r.went_on), percent(r.conversion),
                     number(r.median_days)] for r in summary.flow]),
             table("Totals", ["", "this month", "this quarter"],
                   [["won", number(t.won_this_month), number(t.won_this_quarter)],
                    ["lost", number(t.lost_this_month), number(t.lost_this_quarter)]])]
    if summary.gaps:
        parts.append("Not computed:\n" + "".join(f"  - {g}\n" for g in summary.gaps))
    return "\n".join(parts)


def render_csv(summary: Summary) -> str:
    """One row per line of every table (CSV with a BOM, for Excel); with several currencies
    the amounts of each are in sections named "by_stage:EUR" and so on."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)

    def row(section, name, **values):
        writer.writerow([section, safe_csv_text(name)] + [
            "" if values.get(c) is None else values[c] for c in CSV_COLUMNS[2:]])

    t = summary.totals
    row("totals", "open", deals=t.open_deals, amount=t.open_amount, weighted=t.weighted_amount,
        won_this_month=t.won_this_month)
    for r in summary.by_stage:
        row("by_stage", r.stage, deals=r.deals, amount=r.amount, weighted=r.weighted)
    for r in summary.by_owner:
        row("by_owner", r.owner, deals=r.open_deals, amount=r.open_amount, weighted=r.weighted,
            overdue=r.overdue, won_this_month=r.won_this_month)
    for r in summary.forecast:
        row("forecast", r.month, deals=r.deals, amount=r.amount, weighted=r.weighted)
    for code, pot in summary.by_currency.items():  # sections such as "by_stage:EUR"
        p = pot.totals
        row(f"totals:{code}", "open", deals=p.open_deals, amount=p.open_amount,
            weighted=p.weighted_amount, won_this_month=p.won_this_month)
        for r in pot.by_stage:
            row(f"by_stage:{code}", r.stage, deals=r.deals, amount=r.amount, weighted=r.weighted)
        for r in pot.by_owner:
            row(f"by_owner:{code}", r.owner, deals=r.open_deals, amount=r.open_amount,
                weighted=r.weighted, overdue=r.overdue, won_this_month=r.won_this_month)
        for r in pot.forecast:
            row(f"forecast:{code}", r.month, deals=r.deals, amount=r.amount, weighted=r.weighted)
    for r in summary.flow:
        row("flow", r.stage, reached=r.reached, went_on=r.went_on, conversion=r.conversion,
            median_days=r.median_days)
    return "\ufeff" + out.getvalue()
