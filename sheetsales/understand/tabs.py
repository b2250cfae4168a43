"""What a deals tab's name says where its columns are silent: a tab named after a person is
that person's (when it has no Owner column), a tab named Won, Lost, Closed or Archive closes
its deals that way (unless their own Outcome column says otherwise). Only for a pipeline kept
over several tabs; every choice is said in the tab's understanding."""

import re
from dataclasses import dataclass

from ..core.fields import DEALS_SHEET_NAMES
from ..core.model import SheetData
from ..core.stages import DEAD_OUTCOME, LOST_OUTCOME, WON_OUTCOME, normalize, outcome_of

_CLOSED_WORDS = ("closed, closed deals, archive, archived, archives, old deals, geschlossen, "
                 "archiv, ferme, fermes, cerrado, cerrados, archivo, fechado, fechados, "
                 "arquivo, chiuso, chiusi, archivio")
CLOSED_TABS = frozenset(normalize(w) for w in _CLOSED_WORDS.split(", "))
# names of periods and of what a tab holds: never a person
_NOT_PEOPLE = frozenset(normalize(w) for w in (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec januar februar maerz marz juni juli "
    "oktober dezember janvier fevrier mars avril mai juin juillet aout septembre octobre "
    "novembre decembre enero febrero marzo abril mayo junio julio agosto septiembre octubre "
    "noviembre diciembre sheet data export leads lead deals pipeline opportunities open active "
    "current new main all customers clients accounts prospects inbound outbound notes todo "
    "list forecast sales team won lost summary products").split())
_PERSON = re.compile(r"[^\W\d_]+(?:[ .'-]{1,2}[^\W\d_]+){0,2}\.?")


@dataclass(frozen=True)
class TabMeaning:
    """What a tab's name gives its deals: an owner, or an outcome (won, lost, dead)."""

    owner: str | None = None
    outcome: str | None = None


def tab_outcome(title: str) -> str | None:
    """The outcome a tab's name closes its deals with: Won, Lost, Closed/Archive (dead)."""
    found = outcome_of(title)
    if found in (WON_OUTCOME, LOST_OUTCOME, DEAD_OUTCOME):
        return found
    return DEAD_OUTCOME if normalize(title) in CLOSED_TABS else None


def person_like(title: str) -> bool:
    """Whether a tab's name reads as a person's name ("Ann", "Bob K.", "Marie-Claire")."""
    key = normalize(title)
    return bool(_PERSON.fullmatch(title.strip())) and key not in _NOT_PEOPLE and \
        key not in DEALS_SHEET_NAMES and tab_outcome(title) is None and \
        outcome_of(title) is None


def tab_meanings(sheets: list[SheetData]) -> dict[str, TabMeaning]:
    """Title -> what its name means, for the tabs of a pipeline kept over several; each
    choice (and each refusal to guess) is added to the tab's understanding notes."""
    if len(sheets) < 2:
        return {}
    meanings = {}
    for sheet in sheets:
        notes = sheet.understanding.notes if sheet.understanding is not None else []
        outcome = tab_outcome(sheet.title)
        if outcome:
            meanings[sheet.title] = TabMeaning(outcome=outcome)
            notes.append(f"the tab {sheet.title!r} closes its deals ({outcome}) unless their "
                         "own Outcome cell says otherwise")
        elif person_like(sheet.title) and "owner" not in sheet.columns:
            meanings[sheet.title] = TabMeaning(owner=sheet.title.strip())
            notes.append(f"the tab {sheet.title!r} has no Owner column, so its deals are taken "
                         f"as {sheet.title.strip()}'s; if the tabs are not people, add an Owner "
                         "column")
        elif person_like(sheet.title):
            notes.append(f"the tab {sheet.title!r} is named like a person but has an Owner "
                         "column: its Owner cells say whose each deal is")
    return meanings


def apply_meaning(meaning: TabMeaning | None, deals, stages) -> None:
    """Give a tab's deals what its name means, where their own cells are silent."""
    if meaning is None:
        return
    won = stages.match("won") if meaning.outcome == WON_OUTCOME else None
    for deal in deals:
        values = deal.values
        if meaning.owner and not values.get("owner"):
            values["owner"] = meaning.owner
        if meaning.outcome and deal.outcome is None:
            deal.outcome = meaning.outcome
            values.setdefault("outcome", meaning.outcome)
            if won is not None and deal.stage is None and not deal.filled("stage"):
                deal.stage = won
