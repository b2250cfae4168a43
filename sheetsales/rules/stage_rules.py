"""Rules about where a deal is in the seven-step process."""

from ..core.model import ERROR, WARNING
from .context import NONE, rule


@rule("STG001", ERROR)
def unknown_stage(deal, ctx):
    """Stage value not recognised."""
    if deal.stage or not ctx.has("stage"):
        return NONE
    value = deal.original("stage")
    labels = ", ".join(s.label for s in ctx.config.stages.stages)
    if value is None:
        return [ctx.finding(unknown_stage, deal, "stage", "stage is empty",
                            f"Set Stage to one of: {labels}.")]
    closest = ctx.config.stages.closest(value)
    hint = f'Did you mean "{closest.label}"? ' if closest else ""
    vocab = ctx.sheet.evidence.get("stages")
    proposed = vocab.proposals.get(str(value).strip()) if vocab is not None else None
    if proposed is not None and not closest:  # a sheet that numbers its own stages
        hint = (f"The sheet places it {proposed.why}: sheetsales init --from proposes it as "
                f"that stage. ")
    return [ctx.finding(unknown_stage, deal, "stage", f"stage {value!r} is not a known stage",
                        f"{hint}Use one of: {labels}, or add it as an alias under [[stages]] "
                        "in sheetsales.toml.")]


@rule("STG002", ERROR)
def skipped_step(deal, ctx):
    """Skipped step: the stage is X but the date of an earlier step is missing."""
    if not deal.stage or not deal.stage.order:
        return NONE
    return [ctx.finding(
        skipped_step, deal, step.date_field,
        f'stage is {deal.stage.label} but "{ctx.header(step.date_field)}" (step {step.order}, '
        f"{step.label}) is empty",
        f'Fill "{ctx.header(step.date_field)}" with the date the deal reached {step.label}, or '
        "set Stage back to where the deal really is.")
        for step in ctx.steps_before(deal.stage.order) if not deal.filled(step.date_field)]


@rule("STG003", ERROR)
def stage_behind_dates(deal, ctx):
    """Stage behind its dates: a later step's date is filled but the stage says an earlier one."""
    if not deal.stage or deal.stage.order is None:
        return NONE
    values = deal.values
    later = [s for s in ctx.steps_after(deal.stage.order) if values.get(s.date_field)]
    if not later:
        return NONE
    latest = later[-1]
    header = ctx.header(latest.date_field)
    return [ctx.finding(
        stage_behind_dates, deal, "stage",
        f'stage is {deal.stage.label} but "{header}" is filled '
        f"({deal.get(latest.date_field).isoformat()}), which is step {latest.order}",
        f'Set Stage to "{latest.label}", or clear "{header}" if the date is wrong.')]


@rule("STG004", WARNING)
def stage_moved_back(deal, ctx):
    """Stage moved backwards since the last run (needs run history)."""
    if ctx.previous_stages is None or not deal.stage or deal.stage.order is None:
        return NONE
    before_key = ctx.previous_stages.get(deal.deal_id) if deal.deal_id else None
    before = next((s for s in ctx.config.stages.stages if s.key == before_key), None)
    if not before or before.order is None or before.order <= deal.stage.order:
        return NONE
    return [ctx.finding(
        stage_moved_back, deal, "stage",
        f"stage moved back from {before.label} to {deal.stage.label} since the last run",
        "If the deal really went back, this is only a notice; if not, restore the stage.")]
