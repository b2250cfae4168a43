"""The Drive v3 ``files`` endpoints gspread uses to create, find, open and delete spreadsheets.

Only Google Sheets files exist here; a spreadsheet loaded as private (not shared with the
caller) is invisible to Drive, which answers 404 for it as the real one does.
"""

from __future__ import annotations

import re

from .batch_update import parse_mask, select_fields
from .workbook import ApiError, Spreadsheet

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"


class DriveFiles:
    """Mixin for SheetsApi: files.create / get / delete / list over its spreadsheets."""

    def drive_file(self, ss: Spreadsheet) -> dict:
        return {"kind": "drive#file", "id": ss.id, "name": ss.title, "mimeType": SPREADSHEET_MIME,
                "parents": list(ss.parents) or ["root"],
                "createdTime": ss.created, "modifiedTime": ss.modified}

    def drive_lookup(self, file_id: str) -> Spreadsheet:
        ss = self.spreadsheets.get(file_id)
        if ss is None or ss.private:
            message = f"File not found: {file_id}."
            raise ApiError(404, message, status="", errors=[{
                "message": message, "domain": "global", "reason": "notFound",
                "location": "fileId", "locationType": "parameter"}])
        return ss

    def drive_create(self, query, body):
        if body.get("mimeType") != SPREADSHEET_MIME:
            raise ApiError(501, "The sheets emulator only creates Google Sheets files "
                                f"(mimeType {SPREADSHEET_MIME}).")
        ss = self.new_spreadsheet(body.get("name", "Untitled spreadsheet"))
        ss.add_sheet()
        ss.parents = list(body.get("parents", []))
        return _drive_fields(self.drive_file(ss), query.one("fields"))

    def drive_get(self, file_id, query, body):
        return _drive_fields(self.drive_file(self.drive_lookup(file_id)), query.one("fields"))

    def drive_delete(self, file_id, query, body):
        self.drive_lookup(file_id)
        del self.spreadsheets[file_id]
        return None

    def drive_list(self, query, body):
        tests = [_drive_clause(c) for c in re.split(r"\s+and\s+", query.one("q") or "") if c.strip()]
        files = [self.drive_file(ss) for ss in self.spreadsheets.values()
                 if not ss.private and all(test(self.drive_file(ss)) for test in tests)]
        result = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        fields = query.one("fields")
        if fields:
            return select_fields(result, parse_mask(fields))
        return {"kind": result["kind"], "incompleteSearch": False,
                "files": [{k: f[k] for k in ("kind", "id", "name", "mimeType")} for f in files]}


def _drive_fields(file: dict, fields: str | None) -> dict:
    if not fields:
        return {k: file[k] for k in ("kind", "id", "name", "mimeType")}
    return select_fields(file, parse_mask(fields))


def _drive_clause(clause: str):
    """One ``q`` clause of files.list: mimeType/name equality, name contains, parents, trashed."""
    clause = clause.strip()
    text = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
    match = re.fullmatch(rf"(mimeType|name)\s*(=|!=|contains)\s*{text}", clause)
    if match:
        field, op, value = match.group(1), match.group(2), match.group(3) or match.group(4) or ""
        value = re.sub(r"\\(.)", r"\1", value)
        return {"=": lambda f: f[field] == value, "!=": lambda f: f[field] != value,
                "contains": lambda f: value.lower() in f[field].lower()}[op]
    match = re.fullmatch(rf"{text}\s+in\s+parents|parents\s+in\s+{text}", clause)
    if match:
        folder = next(g for g in match.groups() if g is not None)
        return lambda f: folder in f["parents"]
    if re.fullmatch(r"trashed\s*=\s*false", clause):
        return lambda f: True
    raise ApiError(501, f"The sheets emulator does not understand the Drive query clause: {clause}")
