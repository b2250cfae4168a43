"""The columns of a deals sheet: default headers, their aliases, and header-row detection."""

from dataclasses import dataclass

from .stages import normalize

TEXT, DATE, NUMBER = "text", "date", "number"


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    kind: str = TEXT
    aliases: tuple[str, ...] = ()


DEFAULT_FIELDS: tuple[Field, ...] = (
    Field("deal_id", "Deal ID", aliases=("Lead ID", "Opportunity ID", "ID", "Record ID",
                                         "hs_object_id")),
    Field("company", "Company", aliases=("Customer", "Customer Name", "Client", "Client Name",
                                         "Account", "Account Name", "Company Name")),
    Field("contact", "Contact", aliases=("Contact Name", "Contact Person")),
    Field("email", "Email", aliases=("E-mail", "Email Address", "Contact Email")),
    Field("owner", "Owner", aliases=("Sales Rep", "Salesperson", "Account Manager",
                                     "Opportunity Owner", "Sales Agent", "Deal Owner", "Rep")),
    Field("product", "Product", aliases=("Product Name", "Item")),
    Field("stage", "Stage", aliases=("Deal Stage", "Pipeline Stage", "Sales Stage", "dealstage")),
    # read as the deal's outcome only when its values prove it (stages.outcome_column)
    Field("outcome", "Outcome", aliases=("Status", "Deal Status", "Opp Status",
                                         "Opportunity Status", "Won/Lost", "Deal Outcome")),
    Field("amount", "Amount", NUMBER, ("Value", "Deal Value", "Opportunity Value", "Deal Size",
                                       "Close Value", "Deal Amount")),
    # the amount's currency; where it is blank, the amount's own text names it (rules.currency)
    Field("currency", "Currency", aliases=("Currency Code", "Deal Currency", "Currency ISO Code")),
    Field("probability", "Probability", NUMBER, ("Prob", "Win Probability", "Probability (%)")),
    Field("created", "Created", DATE, ("Created Date", "Engage Date", "Created On", "Date Created",
                                               "Create Date", "createdate", "add_time")),
    Field("first_contact", "First contact", DATE, ("First Contact Date", "Contacted on")),
    Field("discovery_on", "Discovery on", DATE, ("Discovery Date",)),
    Field("proposal_sent", "Proposal sent", DATE, ("Proposal Date", "Proposal sent on",
                                                   "Quote sent on")),
    Field("confirmed_on", "Confirmed on", DATE, ("Won on", "Won date", "Date won")),
    Field("delivery_due", "Delivery due", DATE, ("Delivery Due Date", "Delivery date due")),
    Field("delivered_on", "Delivered on", DATE, ("Delivered", "Delivered date")),
    Field("follow_up_due", "Follow-up due", DATE, ("Follow-up Due Date",)),
    Field("followed_up_on", "Followed up on", DATE, ("Follow-up Date", "Followed up")),
    Field("next_step", "Next step", aliases=("Next Action Planned",)),
    Field("next_step_due", "Next step due", DATE, ("Next Follow-Up", "Date of Next Action",
                                                   "Next step date")),
    Field("last_contact", "Last contact", DATE, ("Last Contact Date", "Date of Last Action",
                                                 "Last Activity")),
    Field("lost_on", "Lost on", DATE, ("Lost Date", "Date lost")),
    Field("lost_reason", "Lost reason", aliases=("Loss Reason",)),
    Field("snooze_until", "Snooze until", DATE, ("Snoozed until", "Snooze")),
    Field("notes", "Notes", aliases=("Comments", "Note")),
    Field("expected_close", "Expected close", DATE, ("Close Date", "Closed", "Expected Close Date",
                                                     "Expected Close", "closedate",
                                                     "Forecast Close Date", "Target Close Date",
                                                     "Erwartetes Abschlussdatum",
                                                     "Date de clôture prévue",
                                                     "Fecha de cierre prevista",
                                                     "Data prevista de fechamento",
                                                     "Verwachte sluitingsdatum")),
    # The day the deal entered its current stage: IDL001's clock beside the step's own date.
    Field("stage_since", "Stage since", DATE, (
        "Stage Change Date", "Stage Changed", "Stage Changed On", "Date entered stage",
        "Entered stage", "Last stage change", "Last Stage Change Date", "Stage date",
        "Stage updated", "stage_change_time", "Time in stage since", "Phase seit",
        "Phasenwechsel", "Datum Phasenwechsel", "Date de changement d'étape",
        "Étape depuis", "Fecha de cambio de etapa", "Etapa desde",
        "Data de mudança de etapa", "Data de mudança de fase", "Fase sinds",
        "Datum fasewijziging")),
    # A weaker clock: any edit moves it. IDL001 uses it only for a deal with nothing better.
    Field("last_modified", "Last modified", DATE, (
        "Last Modified Date", "Modified", "Modified Date", "Updated", "Last Updated",
        "Updated At", "Last Activity Date", "hs_lastmodifieddate", "update_time",
        "Zuletzt geändert", "Dernière modification", "Última modificación",
        "Última modificação", "Laatst gewijzigd")),
)

# Per-stage entry-date columns of CRM exports (HubSpot's hs_date_entered_closedwon, "Date
# entered 'Contract Sent (Sales Pipeline)'"): group 1 names the stage.
STAGE_ENTRY_HEADERS = (
    r"hs_date_entered_(.+)",
    r"date\s*entered\s*[\"'“‘]?(.+?)(?:\s*\([^)]*\))?[\"'”’]?",
    r"(?:entered|entry date)\s+(.+)",
)

FIELD_KEYS = tuple(f.key for f in DEFAULT_FIELDS)
# A row is a deal when one of these is filled; rows with only amounts or notes (totals,
# remarks under the table) are not deals.
IDENTITY_FIELDS = ("deal_id", "company", "contact", "owner", "stage", "product", "email")
DEALS_SHEET_NAMES = ("deals", "pipeline", "opportunities")  # normalised; read first
PRODUCTS_SHEET = "products"
HEADER_SCAN_ROWS = 20
MIN_HEADER_MATCHES = 3


def header_lookup(fields) -> dict[str, str]:
    """Normalised header text -> field key, for every header and alias."""
    lookup: dict[str, str] = {}
    for f in fields:
        for name in (f.header, *f.aliases):
            lookup.setdefault(normalize(name), f.key)
            # "Probability (%)" and "probability_pct" forms
            lookup.setdefault(normalize(name) + "pct", f.key)
    return lookup


def map_header(row, lookup) -> dict[str, int]:
    """Field key -> 0-based column index for a candidate header row (first match wins)."""
    mapping: dict[str, int] = {}
    for index, value in enumerate(row):
        if value is None or str(value).strip() == "":
            continue
        key = lookup.get(normalize(str(value)))
        if key and key not in mapping:
            mapping[key] = index
    return mapping


def find_header(rows, lookup, scan=HEADER_SCAN_ROWS) -> tuple[int, dict[str, int]] | None:
    """The 0-based index and column mapping of the first row in `rows[:scan]` with at least
    three known column names."""
    for index, row in enumerate(rows[:scan]):
        mapping = map_header(row, lookup)
        if len(mapping) >= MIN_HEADER_MATCHES:
            return index, mapping
    return None
