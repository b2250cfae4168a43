"""Which rule families could run on a sheet: each family names the fields it needs, and where a
sheet lacks them the report says the family was not checked (SPEC §3), so that "everything is
in order" is said only when every family ran."""

from dataclasses import asdict, dataclass

from ..core.stages import DELIVERED, OPEN, WON


@dataclass(frozen=True)
class Family:
    """Rules that stand or fall together on the columns a sheet has. `fields` are the columns
    it reads, any one of which lets it run; `concerns` says which deals it is about (None:
    all), so a family with no deal to look at is not a gap; `missing` completes "the sheet has
    no ...". """

    key: str
    name: str
    codes: tuple[str, ...]
    fields: tuple[str, ...]
    missing: str
    concerns: str | None = None  # a stage phase, or IDLE_LIMIT for stages with an idle limit


IDLE_LIMIT = "idle limit"
STEP_DATES = "step dates"  # stands for the progression's date columns

FAMILIES: tuple[Family, ...] = (
    Family("stages", "Stages", ("STG001",), ("stage",), "Stage column"),
    Family("step_dates", "Step order", ("STG002", "STG003", "DAT002", "DAT003"), (STEP_DATES,),
           "step date column (First contact, Discovery on, Proposal sent, Confirmed on, ...)"),
    Family("ids", "Deal IDs", ("IDS001", "IDS002"), ("deal_id",), "Deal ID column"),
    Family("idle", "Idle deals", ("IDL001",),
           ("last_contact", "stage_since", STEP_DATES, "last_modified"),
           "Last contact, stage date or Stage Change Date column", IDLE_LIMIT),
    Family("forecasts", "Stale forecasts", ("DUE007",), ("expected_close",),
           "Expected close (Close Date) column", OPEN),
    Family("next_steps", "Next steps", ("DUE005", "DUE006"), ("next_step_due", "next_step"),
           "Next step due column", OPEN),
    Family("deliveries", "Deliveries", ("DUE001", "DUE002"), ("delivery_due",),
           "Delivery due column", WON),
    Family("follow_ups", "Follow-ups", ("DUE003", "DUE004"), ("follow_up_due", "delivered_on"),
           "Follow-up due or Delivered on column", DELIVERED),
)


@dataclass(frozen=True)
class Coverage:
    """Whether one family ran on this sheet: `uses` names the sheet's headers it read;
    `reason` says why it did not run (None when it did)."""

    family: str
    name: str
    codes: tuple[str, ...]
    checked: bool
    uses: tuple[str, ...] = ()
    reason: str | None = None

    def as_dict(self) -> dict:
        return {**asdict(self), "codes": list(self.codes), "uses": list(self.uses)}


def coverage(deals, ctx) -> list[Coverage]:
    """Each family of FAMILIES: did it run, on which columns, and if not, why."""
    return [_cover(family, deals, ctx) for family in FAMILIES]


def _cover(family: Family, deals, ctx) -> Coverage:
    def result(checked, reason=None, uses=()):
        return Coverage(family.key, family.name, family.codes, checked, tuple(uses), reason)

    if all(code in ctx.rules.disabled for code in family.codes):
        return result(False, f"{', '.join(family.codes)} disabled under [rules]")
    uses = _present(family, ctx)
    if family.key == "idle" and ctx.stage_since is not None:
        uses.append("run history")
    if family.key == "deliveries" and not uses and ctx.has("confirmed_on") and \
            any(p["lead_time_days"] for p in (ctx.sheet.products or {}).values()):
        uses = [ctx.header("confirmed_on"), "Products lead times"]
    if uses:
        return result(True, uses=uses)
    concerned = _concerned(family, deals)
    if family.concerns and not concerned:
        return result(True)  # no deal it is about: nothing was left unchecked
    who = ""
    if family.concerns and concerned:
        where = "Won" if family.concerns == WON else "Delivered" if family.concerns == DELIVERED \
            else "open"
        who = f"{concerned} {where} deal{'s' * (concerned != 1)}, but "
    return result(False, f"{who}the sheet has no {family.missing}")


def _present(family: Family, ctx) -> list[str]:
    headers = []
    for key in family.fields:
        if key == STEP_DATES:
            stages = ctx.step_stages if family.key != "idle" else \
                [s for s in ctx.config.stages.stages if s.idle_days and ctx.has(s.date_field)]
            headers += [ctx.header(s.date_field) for s in stages]
        elif ctx.has(key):
            headers.append(ctx.header(key))
    return list(dict.fromkeys(headers))


def _concerned(family: Family, deals) -> int:
    if family.concerns == IDLE_LIMIT:
        return sum(1 for d in deals if d.stage and d.stage.idle_days)
    return sum(1 for d in deals if d.stage and d.stage.phase == family.concerns)
