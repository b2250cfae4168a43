"""What sheetsales understood about a sheet, as data: which column feeds which field and why,
what it ignored, and what it could not prove. `locate_deals` fills the header part; the date
order and the stage vocabulary have their own slots for the column-level inference to fill.
The report renders it ahead of the findings and JSON carries it as `understanding`."""

import functools
import re
from dataclasses import asdict, dataclass, field

from ..core.cells import column_letter
from ..core.fields import DEFAULT_FIELDS, STAGE_ENTRY_HEADERS
from ..core.owned import owned_headers
from ..core.stages import normalize

NAME, ALIAS, CONFIGURED, STAGE_ENTRY = "name", "alias", "configured", "stage entry"
_DEFAULT_HEADERS = {f.key: f.header for f in DEFAULT_FIELDS}
_ENTRY = [re.compile(p, re.I) for p in STAGE_ENTRY_HEADERS]
INIT_HINT = "sheetsales init --from"


@dataclass(frozen=True)
class ColumnUse:
    """One column read as a field: `how` is "name" (the field's own header), "alias",
    "configured" ([columns]) or "stage entry" (a CRM's entry date of the stage `stage`)."""

    field: str
    label: str
    header: str
    column: str
    how: str
    stage: str | None = None


@dataclass(frozen=True)
class Ignored:
    """A column of the header row that no field reads, and why."""

    header: str
    column: str
    reason: str


@dataclass
class Understanding:
    """The understanding of one deals sheet. `date_order` and `stages` are left None here for
    the column-level inference (date order with its evidence, the stage vocabulary); `notes`
    are things it could not prove, each a sentence."""

    source: str
    sheet: str
    header_row: int
    columns: list[ColumnUse] = field(default_factory=list)
    ignored: list[Ignored] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    date_order: dict | None = None
    stages: dict | None = None

    def field_header(self, key: str) -> str | None:
        return next((c.header for c in self.columns if c.field == key), None)

    def as_dict(self) -> dict:
        return asdict(self)


@functools.lru_cache(maxsize=1024)  # every tab of a pipeline repeats its headers
def entry_stage_name(header: str) -> str | None:
    """The stage a CRM's "entered this stage on" header names ("hs_date_entered_closedwon"
    -> "closedwon"), else None; "Date entered stage" names no stage (it is Stage since)."""
    named = next((m[1] for m in (p.fullmatch(header.strip()) for p in _ENTRY) if m), None)
    return None if named is None or normalize(named) in ("stage", "currentstage") else named


def stage_entry_columns(headers: dict[int, str], columns: dict[str, int], stages) -> dict:
    """Field key -> column index for the headers that are a CRM's entry date of a known stage
    ("hs_date_entered_closedwon" is Confirmed on), where that stage's date column is not
    mapped from another header; and column index -> why each other such column is left
    alone. `columns` must not map the entry headers themselves (see entry_stage_name)."""
    found, unknown = {}, {}
    for index, header in headers.items():
        named = entry_stage_name(header)
        if not named:
            continue
        stage = stages.match(named.replace("_", " "))
        if stage and stage.date_field and stage.date_field not in columns \
                and stage.date_field not in found:
            found[stage.date_field] = index
        elif stage and stage.date_field:
            used = columns.get(stage.date_field, found.get(stage.date_field))
            unknown[index] = (f"entry date of {stage.label}; column {column_letter(used)} "
                              "is used")
        else:
            unknown[index] = f"entry date of stage {named!r}, not a known stage"
    return found, unknown


def understand_header(source: str, sheet: str, header_row: int, headers: dict[int, str],
                      columns: dict[str, int], config, entries: dict[str, int] | None = None,
                      unknown_entries: dict[int, str] | None = None, shadowed=(),
                      configured=frozenset()) -> Understanding:
    """The header part of the understanding: how each mapped column was recognised and why
    each other header was left alone. `shadowed` are the header's twin columns (ColumnMatch:
    a column that also reads as a field another column took), `configured` the fields the
    config maps under [columns]."""
    fields = {f.key: f for f in config.fields}
    entries, unknown_entries = entries or {}, unknown_entries or {}
    twins = {m.index: m for m in shadowed}
    by_stage_field = {s.date_field: s for s in config.stages.stages if s.date_field}
    uses = []
    for key, index in sorted(columns.items(), key=lambda item: item[1]):
        f = fields.get(key)
        label = f.header if f else key
        header = headers.get(index, "")
        if key in entries and entries[key] == index:
            stage = by_stage_field[key].label
            uses.append(ColumnUse(key, label, header, column_letter(index), STAGE_ENTRY, stage))
            continue
        how = NAME if normalize(header) in (normalize(label), normalize(label) + "pct") else ALIAS
        if f and _DEFAULT_HEADERS.get(key) not in (None, f.header) and how == NAME:
            how = CONFIGURED
        uses.append(ColumnUse(key, label, header, column_letter(index), how))
    used = set(columns.values())
    owned = {normalize(h) for h in owned_headers(config.status_columns.values())}
    ignored = []
    for index, header in sorted(headers.items()):
        if index in used or normalize(header) in owned:
            continue
        twin = twins.get(index)
        if index in unknown_entries:  # a CRM's stage entry date, whatever its words say
            reason = unknown_entries[index]
        elif twin and twin.field in columns:
            label = fields[twin.field].header if twin.field in fields else twin.field
            column = column_letter(columns[twin.field])
            reason = f"also reads as {label}; " + (
                f"[columns] {twin.field} names column {column} instead"
                if twin.field in configured else f"column {column} is used")
        else:
            reason = "not a column sheetsales reads"
        ignored.append(Ignored(header, column_letter(index), reason))
    understanding = Understanding(source, sheet, header_row, uses, ignored)
    understanding.notes.extend(_notes(understanding, columns, config))
    return understanding


def _notes(understanding: Understanding, columns: dict[str, int], config) -> list[str]:
    notes = []
    twins = [i for i in understanding.ignored if i.reason.startswith("also reads as")]
    if twins:
        names = ", ".join(f'{i.column} "{i.header}" ({i.reason})' for i in twins[:3])
        notes.append(f"{names}: two columns could mean the same field and the one with the "
                     f"better name was read; name the one you mean under [columns] in "
                     f"sheetsales.toml (`{INIT_HINT}` writes it)")
    if "last_modified" in columns:
        better = [k for k in ("stage_since", "last_contact") if k in columns] + \
            [s.date_field for s in config.stages.stages
             if s.idle_days and s.date_field in columns]
        header = understanding.field_header("last_modified")
        if better:
            notes.append(f'"{header}" is the idle clock only for deals with no stage date or '
                         "last contact: any edit moves it")
        else:
            notes.append(f'idle deals are timed from "{header}", a weaker clock: any edit moves '
                         "it; a Stage since or Last contact column would be better")
    return notes
