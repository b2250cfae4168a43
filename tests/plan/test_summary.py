"""The pipeline summary (plan/summary.py): totals are sums over the deals (hypothesis),
hand-checked conversions and days in stage, and gaps said instead of zeros shown as facts."""

import datetime as dt

from hypothesis import given, settings, strategies as st

from sheetsales.core.config import Config
from sheetsales.core.model import Deal
from sheetsales.core.stages import StageSet
from sheetsales.plan.flow import entries
from sheetsales.plan.summary import NONE, STALE, probabilities, summarize

STAGES = StageSet()
BY_LABEL = {s.label: s for s in STAGES.stages}
DEFAULTS = probabilities(STAGES, {})
TODAY = dt.date(2026, 11, 27)
D = dt.date


def deal(row, stage, amount=None, owner="Ana", probability=None, close=None, **dates):
    values = {"owner": owner, **dates}
    for key, value in (("amount", amount), ("probability", probability),
                       ("expected_close", close)):
        if value is not None:
            values[key] = value
    return Deal(row, values, stage=BY_LABEL.get(stage))


deals_strategy = st.lists(st.builds(
    lambda i, stage, amount, prob, owner, days: deal(
        i, stage, amount, owner, prob, TODAY + dt.timedelta(days=days) if days is not None
        else None),
    st.integers(2, 10_000), st.sampled_from([*BY_LABEL, "nonsense"]),
    st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False)),
    st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
    st.sampled_from(["Ana", "Bo", "", "Chloé"]),
    st.one_of(st.none(), st.integers(-90, 400))), max_size=40)


def close(a, b):
    return abs((a or 0) - (b or 0)) <= 1e-6 * max(1, abs(a or 0), abs(b or 0))


@settings(max_examples=150, deadline=None)
@given(deals_strategy)
def test_totals_are_sums_over_the_deals(deals):
    s = summarize(deals, STAGES, TODAY, DEFAULTS)
    assert s.totals.deals == len(deals) == sum(r.deals for r in s.by_stage)
    open_deals = [d for d in deals if d.stage and d.stage.phase == "open"]
    assert s.totals.open_deals == len(open_deals) == sum(r.open_deals for r in s.by_owner)
    assert sum(r.deals for r in s.forecast) == len(open_deals)
    amounts = sum(d.values.get("amount") or 0 for d in open_deals)
    if any("amount" in d.values for d in deals):
        assert close(s.totals.open_amount, amounts)
        assert close(sum(r.open_amount or 0 for r in s.by_owner), amounts)
        assert close(sum(r.amount or 0 for r in s.forecast), amounts)
        weighted = sum((d.values.get("amount") or 0) * (
            d.values.get("probability") if "probability" in d.values
            else DEFAULTS[d.stage.key]) / 100 for d in open_deals)
        assert close(s.totals.weighted_amount, weighted)
        assert close(sum(r.weighted or 0 for r in s.forecast), weighted)
        assert close(sum(r.amount or 0 for r in s.by_stage),
                     sum(d.values.get("amount") or 0 for d in deals))
    else:
        assert s.totals.open_amount is None and any("amount" in g for g in s.gaps)


def test_weighted_uses_the_deals_probability_else_the_stage_default():
    s = summarize([deal(2, "Proposal", 1000), deal(3, "Proposal", 1000, probability=20),
                   deal(4, "Lead", 1000)], STAGES, TODAY, DEFAULTS)
    assert s.totals.weighted_amount == 500 + 200 + 50


def test_configured_stage_probabilities():
    chances = probabilities(STAGES, {"proposal": 40})
    assert chances["proposal"] == 40 and chances["lead"] == 5 and chances["lost"] == 0


def test_forecast_by_month_later_stale_and_none():
    deals = [deal(2, "Proposal", 100, close=D(2026, 11, 30)),
             deal(3, "Proposal", 200, close=D(2027, 1, 15)),
             deal(4, "Proposal", 300, close=D(2028, 1, 1)),
             deal(5, "Proposal", 400, close=D(2026, 10, 1)),
             deal(6, "Proposal", 500),
             deal(7, "Proposal", 1000, close=D(2026, 11, 3))]  # this month, but gone by
    months = {r.month: r.amount for r in summarize(deals, STAGES, TODAY, DEFAULTS).forecast}
    assert months["2026-11"] == 100 and months["2027-01"] == 200 and months["later"] == 300
    assert months[STALE] == 1400 and months[NONE] == 500 and months["2026-12"] == 0
    assert list(months)[:2] == ["2026-11", "2026-12"] and len(months) == 9
    assert list(months)[-1] == STALE


def test_stale_deals_are_never_in_a_past_month_and_the_grace_counts_in_this_month():
    deals = [deal(2, "Proposal", 100, close=D(2026, 10, 30)),  # 28 days ago
             deal(3, "Proposal", 200, close=D(2026, 9, 1)),
             deal(4, "Won", 900, close=D(2026, 9, 1))]  # closed: not forecast at all
    rows = {r.month: r for r in summarize(deals, STAGES, TODAY, DEFAULTS,
                                          grace_days=30).forecast}
    assert rows["2026-11"].amount == 100 and rows[STALE].amount == 200
    assert rows[STALE].deals == 1 and not any(m < "2026-11" for m in rows if m[0] == "2")
    strict = {r.month: r for r in summarize(deals, STAGES, TODAY, DEFAULTS).forecast}
    assert strict[STALE].deals == 2 and strict["2026-11"].deals == 0
    assert not any(r.month == STALE for r in summarize(deals[2:], STAGES, TODAY,
                                                        DEFAULTS).forecast)


def test_flow_conversion_and_median_days_by_hand():
    deals = [
        deal(2, "Discovery", first_contact=D(2026, 9, 1), discovery_on=D(2026, 9, 5)),
        deal(3, "Proposal", first_contact=D(2026, 9, 1), discovery_on=D(2026, 9, 11),
             proposal_sent=D(2026, 9, 20)),
        deal(4, "Contacted", first_contact=D(2026, 9, 1)),
        deal(5, "Lost", first_contact=D(2026, 9, 1), discovery_on=D(2026, 9, 3)),
    ]
    flow = {r.stage: r for r in summarize(deals, STAGES, TODAY, DEFAULTS).flow}
    contacted, discovery = flow["Contacted"], flow["Discovery"]
    assert (contacted.reached, contacted.went_on) == (4, 3)
    assert contacted.conversion == 0.75 and contacted.median_days == 4  # 4, 10 and 2 days
    assert (discovery.reached, discovery.went_on, discovery.median_days) == (3, 1, 9)
    assert flow["Followed up"].went_on is None


def test_flow_takes_entry_days_from_stage_since_and_the_run_history():
    """The history's first day in a step counts where the sheet has no date for it; its
    earliest day (the history's start: deals already there) is not an entry."""
    history = {"D-1": ("discovery", D(2026, 10, 11)),  # entered Discovery (no Discovery on)
               "D-2": ("proposal", D(2026, 10, 20)),  # was in Proposal, is Lost now
               "D-3": ("contacted", D(2026, 10, 1)),  # the history's first day: left out
               "D-4": ("discovery", D(2026, 10, 15))}  # its Discovery on wins
    deals = [
        deal(2, "Discovery", deal_id="D-1", first_contact=D(2026, 10, 1)),
        deal(3, "Lost", deal_id="D-2", discovery_on=D(2026, 10, 14)),
        deal(4, "Contacted", deal_id="D-3", first_contact=D(2026, 9, 1)),
        deal(5, "Discovery", deal_id="D-4", first_contact=D(2026, 10, 2),
             discovery_on=D(2026, 10, 5)),
        deal(6, "Discovery", first_contact=D(2026, 10, 1), stage_since=D(2026, 10, 21)),
    ]
    assert entries(history) == {k: history[k] for k in ("D-1", "D-2", "D-4")}
    flow = {r.stage: r for r in summarize(deals, STAGES, TODAY, DEFAULTS,
                                          entered=entries(history)).flow}
    # Contacted -> Discovery: D-1 10 days (history), D-4 3 (its own date), row 6 20 (Stage since)
    assert (flow["Contacted"].reached, flow["Contacted"].went_on) == (4, 3)
    assert flow["Contacted"].median_days == 10
    # D-2 reached Proposal before it was lost, 6 days after Discovery: the history says so
    assert (flow["Discovery"].reached, flow["Discovery"].went_on) == (4, 1)
    assert flow["Discovery"].median_days == 6
    plain = {r.stage: r for r in summarize(deals, STAGES, TODAY, DEFAULTS).flow}
    assert plain["Contacted"].median_days == 11.5 and plain["Discovery"].went_on == 0
    assert entries(None) == {} == entries({})


def test_won_and_lost_this_month_and_win_rate():
    deals = [deal(2, "Won", 100, confirmed_on=D(2026, 11, 3)),
             deal(3, "Delivered", 100, confirmed_on=D(2026, 10, 3)),
             deal(4, "Followed up", 100, confirmed_on=D(2026, 6, 3)),
             deal(5, "Lost", 100, lost_on=D(2026, 11, 20))]
    t = summarize(deals, STAGES, TODAY, DEFAULTS).totals
    assert (t.won_this_month, t.won_this_quarter, t.lost_this_month) == (1, 2, 1)
    assert t.win_rate == 0.75 and t.won_amount_this_month == 100


def test_a_sheet_without_amounts_dates_or_deals_says_so():
    s = summarize([deal(2, "Proposal"), deal(3, "Won")], STAGES, TODAY, DEFAULTS)
    assert s.totals.open_amount is None and s.by_stage[3].amount is None
    assert s.totals.won_this_month is None
    text = " ".join(s.gaps)
    assert "amount" in text and "expected close" in text and "Confirmed on" in text
    empty = summarize([], STAGES, TODAY, DEFAULTS)
    assert empty.totals.deals == 0 and "0 deals" in " ".join(empty.gaps)
    one = summarize([deal(2, "Proposal", 10, close=TODAY)], STAGES, TODAY, DEFAULTS)
    assert "1 deal," in " ".join(one.gaps)


def test_config_months():
    s = summarize([], STAGES, TODAY, DEFAULTS, months=3)
    assert [r.month for r in s.forecast] == ["2026-11", "2026-12", "2027-01", "later", "none"]
    assert Config().summary.months == 6 and Config().summary.sheet


def priced(row, stage, text, value, **more):
    found = deal(row, stage, value, **more)
    found.keep_raw("amount", text)
    return found


def test_amounts_in_several_currencies_are_never_added_together():
    deals = [priced(2, "Proposal", "$1,000", 1000, owner="Ana"),
             priced(3, "Proposal", "EUR 2.000", 2000, owner="Bo", close=D(2026, 12, 5)),
             priced(4, "Lead", "1.500 €", 1500, owner="Ana"),
             deal(5, "Discovery", 700, owner="Bo"),  # a bare number: no currency
             deal(6, "Lead")]
    s = summarize(deals, STAGES, TODAY, DEFAULTS)
    assert list(s.by_currency) == ["$", "EUR", "(no currency)"]
    assert s.totals.open_deals == 5 and s.totals.open_amount is None
    assert all(r.amount is None for r in s.by_stage + s.forecast)
    eur = s.by_currency["EUR"]
    assert eur.totals.open_amount == 3500 and eur.totals.weighted_amount == 1000 + 75
    assert {r.owner: r.open_amount for r in eur.by_owner} == {"Bo": 2000, "Ana": 1500}
    assert {r.month: r.amount for r in eur.forecast}["2026-12"] == 2000
    assert s.by_currency["$"].totals.open_amount == 1000
    assert s.by_currency["(no currency)"].totals.open_amount == 700
    assert any("2 currencies ($, EUR)" in g for g in s.gaps)
    assert any("1 deal with an amount but no currency" in g for g in s.gaps)
    data = s.as_dict()
    assert data["by_currency"]["EUR"]["totals"]["open_amount"] == 3500
    assert set(data["by_currency"]["EUR"]) == {"totals", "by_stage", "by_owner", "forecast"}


def test_one_currency_or_none_is_one_pot_as_before():
    deals = [priced(2, "Proposal", "$1,000", 1000), deal(3, "Proposal", 500)]
    s = summarize(deals, STAGES, TODAY, DEFAULTS)
    assert s.by_currency == {} and s.totals.open_amount == 1500
    assert "by_currency" not in s.as_dict()


def test_the_summary_sheet_has_tables_and_charts_per_currency():
    from sheetsales.plan.summary_sheet import summary_sheet
    deals = [priced(2, "Proposal", "$1,000", 1000), priced(3, "Lead", "€500", 500)]
    rows, look = summary_sheet(summarize(deals, STAGES, TODAY, DEFAULTS))
    firsts = [r[0] for r in rows if r]
    assert "Stage ($)" in firsts and "Stage (EUR)" in firsts and "Stage" not in firsts
    assert [c.title for c in look.charts] == [
        "Amount by stage in $", "Weighted forecast by expected close in $",
        "Amount by stage in EUR", "Weighted forecast by expected close in EUR"]
    eur = firsts.index("Stage (EUR)")
    assert any(r and r[0] == "Lead" and r[2] == 500 for r in rows[eur:eur + 10])
