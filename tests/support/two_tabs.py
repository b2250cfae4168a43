"""A pipeline kept on two tabs, Ann's and Bob's, with the same header: the Google Sheets tests
of several tabs load it into the emulator."""

HEADER = ["Deal ID", "Company", "Owner", "Stage", "Amount", "Proposal sent", "Confirmed on",
          "Delivery due"]
ANN = [["A-1", "Acme", "Ann", "Proposal", 1200, "2026-11-20", "", ""],
       ["A-2", "Alto", "Ann", "Won", 800, "2026-10-03", "2026-10-04", "2026-11-24"]]
BOB = [["B-1", "Beta", "Bob", "Won", 500, "2026-10-03", "2026-10-04", "2026-11-20"],
       ["B-2", "Core", "Bob", "Won", 700, "2026-10-03", "2026-10-04", "2026-11-28"]]
