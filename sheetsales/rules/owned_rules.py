"""OWN001: values a person typed over sheetsales' own status cells. sheetsales rewrites its
columns every run, so a note typed there is lost at the next write; this says so, once per
tab, naming the cells. It compares each owned cell with what sheetsales last wrote there,
as the history recorded it (`written_values`) by tab and Deal ID, since rows move."""

from collections import Counter

from ..core.cells import cell_name
from ..core.dates import plural
from ..core.model import WARNING, Finding, is_blank, plain, same_cell
from ..core.owned import STATUS_KEYS
from .column_rules import header_finding
from .context import NONE, rule

EXAMPLES = 3  # cells a finding names; the count says how many more


@rule("OWN001", WARNING)
def typed_over(deal, ctx):
    """A person typed over sheetsales' own status cells since its last write.

    One finding per tab, on its status header (see typed_findings); never per deal."""
    return NONE


def _unique(deals) -> dict[str, object]:
    """Deal ID (as text) -> its deal, for the IDs on one row only: a shared ID names no cell."""
    counts = Counter(str(d.deal_id) for d in deals if d.deal_id)
    return {str(d.deal_id): d for d in deals if d.deal_id and counts[str(d.deal_id)] == 1}


def written_values(report) -> dict[str, dict[str, list]]:
    """What the deals' owned cells hold once the report's plan is written: tab -> Deal ID ->
    values in STATUS_KEYS order (the history keeps it until the next write)."""
    return {part.sheet.title: {key: list(part.statuses()[deal.row].cells().values())
                               for key, deal in _unique(part.deals).items()}
            for part in report.parts()}


def typed_cells(part, owned: dict[str, int], current: dict[int, dict[str, object]],
                written: dict[str, list] | None) -> list[tuple]:
    """(row, column key, typed, written) of each owned cell of the tab `part` holding a value
    that is neither what sheetsales last wrote there (`written`: Deal ID -> values) nor what
    it writes now: a person's, replaced by the write. `current` is row -> key -> value now.
    Empty cells and deals new since are no one's typing."""
    if not written or not owned:
        return []
    found, statuses = [], part.statuses()
    for deal_id, deal in _unique(part.deals).items():
        before, now = written.get(deal_id), current.get(deal.row)
        if before is None or not now:
            continue
        planned = statuses[deal.row].cells()
        for key, was in zip(STATUS_KEYS, before):
            value = now.get(key)
            if key in owned and not is_blank(value) and not same_cell(value, was) \
                    and not same_cell(value, planned[key]):
                found.append((deal.row, key, value, was))
    return found


def typed_finding(part, owned: dict[str, int], typed: list[tuple]) -> Finding | None:
    """OWN001 for one tab's typed cells (typed_cells), on its first owned column's header."""
    if not typed or typed_over.code in part.context.config.rules.disabled:
        return None
    deals = {d.row: d for d in part.deals}
    examples = "; ".join(
        f"{cell_name(row, owned[key] + 1)} (deal {deals[row].deal_id}): {_shown(value)} where "
        f"sheetsales wrote {_shown(was)}" for row, key, value, was in typed[:EXAMPLES])
    more = f"; and {len(typed) - EXAMPLES} more" if len(typed) > EXAMPLES else ""
    count = len(typed)
    return header_finding(
        part.context, typed_over, min(owned.values()), plain(typed[0][2]),
        f"{plural(count, 'cell')} of sheetsales' own columns hold{'s' * (count == 1)} what a "
        f"person typed, which the next write replaces: {examples}{more}",
        "sheetsales rewrites its own columns every run (`sheetsales undo` gives the typed values "
        "back); put notes in the Reminders sheet's Notes column or a column of your own.")


def _shown(value) -> str:
    return "(empty)" if is_blank(value) else f'"{plain(value)}"'


def typed_note(count: int, done: str) -> str:
    """What a run says of the typed values it replaced (`done`: "replaced", "would replace")."""
    return (f"this run {done} {plural(count, 'value')} a person typed in sheetsales' "
            "own columns (OWN001); `sheetsales undo` gives them back, and notes belong in the "
            "Reminders sheet's Notes column or a column of your own")
