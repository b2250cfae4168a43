"""A status column apart from the stage (issue 23, item 3): Won / Lost / Open / On hold / Dead
read as the deal's outcome when its values prove it; a lost or dead deal is closed whatever its
stage, an on-hold deal is not idle, and the stage's own step checks still apply."""

import datetime as dt

from sheetsales import Config, check
from sheetsales.sources import MemoryGrid

TODAY = dt.date(2026, 11, 27)
OLD = dt.date(2026, 9, 1)
HEADER = ["Deal ID", "Company", "Owner", "Stage", "Status", "Amount", "Proposal sent",
          "Next step due"]


def checked(*rows, header=HEADER):
    report = check(MemoryGrid({"Deals": [header, *rows]}), Config(), TODAY)
    by_id = {d.deal_id: d for d in report.deals}
    codes = {d.deal_id: sorted(f.code for f in report.findings if f.deal_id == d.deal_id)
             for d in report.deals}
    return by_id, codes, report


def test_a_lost_deal_at_proposal_is_closed_not_idle():
    deals, codes, report = checked(
        ["D-1", "Acme", "Ana", "Proposal", "Lost", 900, OLD, OLD],
        ["D-2", "Beta", "Bo", "Proposal", "Open", 900, OLD, OLD],
        ["D-3", "Gamma", "Cy", "Proposal", "On Hold", 900, OLD, None],
        ["D-4", "Delta", "Di", "Proposal", "dead", None, OLD, None])
    assert {k: d.outcome for k, d in deals.items()} == {
        "D-1": "lost", "D-2": "open", "D-3": "on hold", "D-4": "dead"}
    assert codes["D-1"] == [] and "IDL001" in codes["D-2"] and "DUE005" in codes["D-2"]
    assert "IDL001" not in codes["D-3"]
    assert codes["D-4"] == ["REQ001"]  # the stage's own checks still apply: Amount at Proposal
    statuses = report.statuses()
    assert statuses[2].status == "Closed" and statuses[2].next_action == "None (closed: Lost)"
    assert statuses[3].status == "Overdue" and statuses[5].status == "Invalid"


def test_a_status_column_of_other_values_is_not_an_outcome():
    deals, codes, _ = checked(["D-1", "Acme", "Ana", "Proposal", "At Risk", 900, OLD, OLD],
                              ["D-2", "Beta", "Bo", "Proposal", "Lost", 900, OLD, OLD])
    assert {d.outcome for d in deals.values()} == {None}
    assert "IDL001" in codes["D-2"]  # not proved an outcome column: the stage alone counts


def test_sheetsales_own_status_column_is_never_read_as_an_outcome():
    deals, _, _ = checked(["D-1", "Acme", "Ana", "Proposal", "Closed", 900, OLD, OLD],
                          ["D-2", "Beta", "Bo", "Proposal", "OK", 900, OLD, OLD])
    assert {d.outcome for d in deals.values()} == {None}


def test_outcome_words_in_other_languages_and_crm_spellings():
    header = ["Deal ID", "Company", "Owner", "Stage", "Deal Status"]
    deals, _, _ = checked(["D-1", "Acme", "Ana", "Proposal", "Closed Lost"],
                          ["D-2", "Acme", "Ana", "Proposal", "Gagné"],
                          ["D-3", "Acme", "Ana", "Proposal", "verloren"],
                          ["D-4", "Acme", "Ana", "Proposal", "Em espera"], header=header)
    assert [d.outcome for d in deals.values()] == ["lost", "won", "lost", "on hold"]
