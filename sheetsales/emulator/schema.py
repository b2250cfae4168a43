"""The shape of a `spreadsheets.batchUpdate` body as the real Sheets API checks it before doing
anything: every field name known, every value of its declared type, every enum value one of
its declared values; otherwise a 400 with the message Google gives ("Invalid JSON payload
received. Unknown name ..." / "Invalid value at ..."). Field names may be given in camelCase
or snake_case, as the API's JSON mapping allows; `check` returns the body in camelCase.

The shapes are the published ones, read from Google's Sheets API v4 discovery document as
google-api-python-client bundles it (discovery_cache/documents/sheets.v4.json; a test
dependency) and kept as {schema: {field: type}}, type one of "integer", "number", "string",
"boolean", "object" (a free map), a schema name, ["item type"] for a list, or {"enum": [...]}.
Without that package the emulator takes bodies as they come (`python -m sheetsales.emulator`
for trying sheetsales offline needs no more)."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from .workbook import bad_request

ROOT = "BatchUpdateSpreadsheetRequest"
_CAMEL = re.compile(r"_([a-z0-9])")
_SNAKE = re.compile(r"(?<!^)([A-Z])")


DISCOVERY = "discovery_cache/documents/sheets.v4.json"


@cache
def shapes() -> dict[str, dict] | None:
    """The batchUpdate shapes from the bundled discovery document, or None without it."""
    try:
        document = resources.files("googleapiclient").joinpath(DISCOVERY)
        return compact(json.loads(document.read_text(encoding="utf-8")))
    except (ModuleNotFoundError, FileNotFoundError):
        return None


def check(body: dict) -> dict:
    """`body` with camelCase names, or a 400 for the first field the real API would refuse
    (as it came when the published shapes are not at hand)."""
    return body if shapes() is None else _value(body, ROOT, "")


def _value(value, kind, at: str):
    if isinstance(kind, list):
        if not isinstance(value, list):
            raise _invalid(at, value, "list")
        return [_value(v, kind[0], f"{at}[{i}]") for i, v in enumerate(value)]
    if isinstance(kind, dict):
        if not isinstance(value, str) or value not in kind["enum"]:
            raise _invalid(at, value, "TYPE_ENUM")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not (isinstance(value, int) or (
                isinstance(value, float) and value.is_integer()) or (
                isinstance(value, str) and re.fullmatch(r"-?\d+", value))):
            raise _invalid(at, value, "TYPE_INT32")
        return int(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _invalid(at, value, "TYPE_DOUBLE")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(at, value, "TYPE_BOOL")
        return value
    if kind == "string":
        if not isinstance(value, str):
            raise _invalid(at, value, "TYPE_STRING")
        return value
    if kind == "object":
        return value
    fields = shapes()[kind]
    if not isinstance(value, dict):
        raise _invalid(at, value, f"type.googleapis.com/google.apps.sheets.v4.{kind}")
    result = {}
    for name, item in value.items():
        camel = _CAMEL.sub(lambda m: m[1].upper(), name)
        if camel not in fields:
            where = f" at '{at}'" if at else ""
            raise bad_request(f'Invalid JSON payload received. Unknown name "{name}"{where}: '
                              "Cannot find field.")
        if item is None:
            continue  # JSON null: the field is left unset
        result[camel] = _value(item, fields[camel], f"{at}.{_snake(camel)}" if at else
                               _snake(camel))
    return result


def _snake(name: str) -> str:
    return _SNAKE.sub(r"_\1", name).lower()


def _invalid(at: str, value, kind: str):
    return bad_request(f"Invalid value at '{at}' ({kind}), {json.dumps(value)}")


# ---- the shapes from the discovery document -------------------------------------------------------

def compact(discovery: dict) -> dict:
    """The schemas a batchUpdate body can reach, in the compact form above."""
    schemas, found, todo = discovery["schemas"], {}, [ROOT]

    def kind(prop: dict):
        if "$ref" in prop:
            todo.append(prop["$ref"])
            return prop["$ref"]
        if prop.get("type") == "array":
            return [kind(prop["items"])]
        if "enum" in prop:
            return {"enum": prop["enum"]}
        return prop.get("type", "object")

    while todo:
        name = todo.pop()
        if name not in found:
            found[name] = {}
            found[name] = {k: kind(v) for k, v in schemas[name].get("properties", {}).items()}
    return {"$revision": discovery.get("revision"), **dict(sorted(found.items()))}

