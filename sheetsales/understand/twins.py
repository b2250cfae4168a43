"""Twin columns: a second column of a header row that also reads as a field another column
took ("Stage" and "Deal Stage", "Amount" and "Amount (EUR)"). Which of two Stage columns is
the truth cannot be proven, so a sheet with two is refused unless the config names one;
the twins of other fields are read from the better-named column and said so (issue 23)."""

import datetime as dt

from ..core.cells import column_letter
from ..core.fields import DEFAULT_FIELDS, FIELD_KEYS
from ..core.model import is_blank, parse_number
from .columns import ColumnMatch, HeaderMatch

SAMPLE_ROWS = 50  # rows read ahead to see whether a column named only by words holds stages


def configured_keys(config) -> set[str]:
    """The fields the config maps explicitly under [columns]."""
    defaults = set(DEFAULT_FIELDS)
    return {f.key for f in config.fields if f not in defaults and f.key in FIELD_KEYS}


def stage_twins(match: HeaderMatch, rows, stages) -> list[ColumnMatch]:
    """The columns besides the one taken that claim to be the stage: by a name (the
    field's header, an alias, a vocabulary entry), or by words ("Stage (old)") when their
    values read as stages too (`rows` a sample of the deal rows; "Stage duration" holds
    numbers and claims nothing). `stages` reads stage labels."""
    if "stage" not in match.columns:
        return []
    taken = match.columns["stage"]
    seen = {_key(_cell(cells, taken)) for _, cells in rows}
    twins = []
    for m in match.shadowed:
        if m.field != "stage":
            continue
        if not m.weak:
            twins.append(m)
            continue
        values = [v for v in (_cell(cells, m.index) for _, cells in rows) if not is_blank(v)]
        if values and all(_stage_like(v, stages, seen) for v in values):
            twins.append(m)
    return twins


def _stage_like(value, stages, seen: set) -> bool:
    if isinstance(value, (int, float, dt.date)) or parse_number(str(value)) is not None:
        return False  # a count of days, a step number: not a stage label
    return _key(value) in seen or stages.match(value) is not None


def _key(value) -> str:
    return "" if is_blank(value) else str(value).strip().casefold()


def _cell(cells, index):
    return cells[index] if index < len(cells) else None


def twin_refusal(source: str, title: str, taken: ColumnMatch, twins: list[ColumnMatch]) -> str:
    """The one-sentence refusal for a sheet with two (or more) Stage columns."""
    columns = [taken, *twins]
    named = " and ".join(f"{column_letter(m.index)} {m.header!r}" for m in columns)
    return (f"sheet {title!r} of {source} has {len(columns)} columns that each read as the "
            f"Stage ({named}), and which one is the truth cannot be proven, so nothing was "
            f"checked or written; name the one to read in sheetsales.toml under [columns] "
            f"(stage = \"{taken.header}\"), or run `sheetsales init --from {source}` to "
            "choose it")
