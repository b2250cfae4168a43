"""`sheetsales clean` end to end on real workbooks: dry run, --apply, undo."""

import json

from python_calamine import CalamineWorkbook

from helpers import run_cli, write_deals

HEADERS = ["Deal ID", "Company", "Owner", "Stage", "Created"]
ROWS = [["D-0001", " Acme  Ltd ", "Ana", "Proposl", "2026-11-02"],
        ["D-0002", "Beta", "Bo", "Pitching", "14/07/2026"],
        [None, "Gamma", "Cy", " closed-won", None]]


def cells(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Deals").to_python()


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path):
    path = write_deals(tmp_path / "d.xlsx", ROWS, headers=HEADERS)
    before = path.read_bytes()
    result = run_cli(["clean", "all", path], 1)
    assert 'Deals!D2 (D-0001): "Proposl" -> "Proposal"' in result.stdout
    assert 'Deals!B2 (D-0001): " Acme  Ltd " -> "Acme Ltd"' in result.stdout
    assert 'Deals!A4 (D-0003): "" -> "D-0003"' in result.stdout
    assert "Deals!E3 (D-0002): \"14/07/2026\" -> 2026-07-14" in result.stdout
    assert '"Pitching"' in result.stdout and "Left alone" in result.stdout
    assert path.read_bytes() == before


def test_apply_then_nothing_pending_then_undo(tmp_path):
    path = write_deals(tmp_path / "d.xlsx", ROWS, headers=HEADERS)
    before = path.read_bytes()
    run_cli(["clean", "all", path, "--apply", "--map", "Pitching=Proposal"], 0, stdout="Wrote")
    rows = cells(path)
    assert [r[3] for r in rows[1:]] == ["Proposal", "Proposal", "Won"]
    assert rows[3][0] == "D-0003" and rows[1][1] == "Acme Ltd"
    run_cli(["clean", "all", path, "--map", "Pitching=Proposal"], 0, stdout="No changes")
    run_cli(["undo", path], 0)
    assert path.read_bytes() == before


def test_json_and_bad_map(tmp_path):
    path = write_deals(tmp_path / "d.xlsx", ROWS, headers=HEADERS)
    data = json.loads(run_cli(["clean", "stages", path, "--format", "json"], 1).stdout)
    assert [c["new"] for c in data["changes"]] == ["Proposal", "Won"]
    run_cli(["clean", "stages", path, "--map", "Pitching"], 2, stderr="is not TEXT=STAGE")
    run_cli(["clean", "stages", path, "--map", "Pitching=Nope"], 2)


def test_csv_apply_rewrites_only_the_changed_rows_and_undo_restores(tmp_path):
    path = tmp_path / "export.csv"
    original = ('\ufeffExported 2026-11-27\r\n'
                '"Deal ID";"Company";"Owner";"Stage";"Created"\r\n'
                '"D-1";"Acme";"Ana";"Proposl";"2026-11-02"\r\n'
                '"D-2";"Beta";"Bo";"Lead";"14/07/2026"\r\n'
                '"D-3";"Gamma, Inc";"Cy";"Won";"2026-10-01"\r\n').encode("utf-8")
    path.write_bytes(original)
    run_cli(["clean", "all", path, "--apply"], 0, stdout="Wrote 2 cells")
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    assert lines[0] == "\ufeffExported 2026-11-27"  # BOM and line endings kept
    assert lines[2] == "D-1;Acme;Ana;Proposal;2026-11-02"
    assert lines[3] == "D-2;Beta;Bo;Lead;2026-07-14"
    assert lines[4] == '"D-3";"Gamma, Inc";"Cy";"Won";"2026-10-01"'  # untouched, byte for byte
    run_cli(["clean", "all", path], 0, stdout="No changes")
    run_cli(["undo", path], 0)
    assert path.read_bytes() == original


def test_clean_ids_never_reuses_the_id_of_a_deleted_deal(tmp_path):
    """The history remembers every Deal ID a run saw: after D-3 is deleted from the sheet, a
    new deal without an ID gets D-4, not D-3 (which old e-mails and notes still name)."""
    import openpyxl

    from helpers import CLEAN, OVERDUE, write_deals

    path = write_deals(tmp_path / "deals.xlsx", [CLEAN, OVERDUE, ["D-3", *CLEAN[1:]]])
    run_cli(["run", path, "--today", "2026-11-27"], 0)
    book = openpyxl.load_workbook(path)
    sheet = book["Deals"]
    sheet.delete_rows(4)
    sheet.append([None, "Newco", "Ana", "Lead"])
    book.save(path)
    result = run_cli(["clean", "ids", path, "--apply"], 0)
    assert '-> "D-4"' in result.stdout and "D-3" not in result.stdout


def tabs_workbook(path):
    """Ann's and Bob's tabs, same header, each with a messy cell and a deal with no ID."""
    import openpyxl

    book = openpyxl.Workbook()
    for index, (title, rows) in enumerate([
            ("Ann", [["D-0001", " Acme  Ltd ", "Ann", "Proposal", "2026-11-02"],
                     [None, "Gamma", "Ann", "Lead", None]]),
            ("Bob", [["D-0002", "Beta", "Bob", "Proposl", "2026-11-03"],
                     [None, "Delta ", "Bob", "Lead", None]])]):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in [HEADERS, *rows]:
            sheet.append(row)
    book.save(path)
    return path


def test_clean_covers_every_deals_tab_in_one_plan_write_and_undo(tmp_path):
    path = tabs_workbook(tmp_path / "team.xlsx")
    before = path.read_bytes()
    dry = run_cli(["clean", "all", path], 1)
    assert 'Ann!B2 (D-0001): " Acme  Ltd " -> "Acme Ltd"' in dry.stdout
    assert 'Bob!D2 (D-0002): "Proposl" -> "Proposal"' in dry.stdout
    assert 'Ann!A3 (D-0003): "" -> "D-0003"' in dry.stdout
    assert 'Bob!A3 (D-0004): "" -> "D-0004"' in dry.stdout
    assert "compared within each tab" in dry.stdout
    run_cli(["clean", "all", path, "--apply"], 0, stdout="Wrote")
    book = CalamineWorkbook.from_path(str(path))
    ann, bob = (book.get_sheet_by_name(t).to_python() for t in ("Ann", "Bob"))
    book.close()  # a file held open cannot be replaced on Windows (the nonposix run)
    assert (ann[1][1], ann[2][0]) == ("Acme Ltd", "D-0003")
    assert (bob[1][3], bob[2][0], bob[2][1]) == ("Proposal", "D-0004", "Delta")
    run_cli(["clean", "all", path], 0, stdout="No changes")
    run_cli(["undo", path], 0)
    assert path.read_bytes() == before


def test_clean_of_one_tab_with_sheet(tmp_path):
    path = tabs_workbook(tmp_path / "team.xlsx")
    result = run_cli(["clean", "all", path, "--sheet", "Bob"], 1)
    assert "Bob!D2" in result.stdout and "Ann!" not in result.stdout
