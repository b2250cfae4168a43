"""stages: rewrite each Stage cell as its stage's configured label, whether the cell names it
by alias, case, spacing, step number ("06-Closed Won") or a close misspelling ("Proposl").
A value that is not clearly one stage is left alone and reported; `--map` decides it."""

import difflib

from ..core.errors import ConfigError
from ..core.model import is_blank, plain
from ..core.stages import Stage, StageSet, stage_key
from ..understand.infer import with_vocabulary
from .base import CleanOptions, Skipped, Step, Table, missing_column

KIND = "stages"

# A misspelling is accepted when its best stage scores at least CLOSE (difflib ratio on the
# normalised text: 0.93 for "proposl" vs "proposal") and beats every other stage by MARGIN
# ("closed" scores 0.8 for Won and 0.75 for Lost, "contracted" 0.95 for Contacted and 0.82
# for Proposal, so neither is guessed); texts shorter than MIN_FUZZY letters ("Lose",
# "Wonn") are too short to guess from, and a number (a CRM's stage ID) is never a typo.
CLOSE = 0.8
MARGIN = 0.15
MIN_FUZZY = 5


def stage_mappings(mappings: dict[str, str], stages: StageSet) -> dict[str, Stage]:
    """--map "Pitching=Proposal" pairs as normalised cell text -> stage; a target that names
    no stage is a ConfigError."""
    resolved = {}
    for text, target in mappings.items():
        stage = stages.match(target)
        if not stage_key(text) or stage is None:
            labels = ", ".join(s.label for s in stages.stages)
            raise ConfigError(f'--map "{text}={target}": give a cell text and a stage, '
                              f"one of {labels}")
        resolved[stage_key(text)] = stage
    return resolved


def scores(text: str, stages: StageSet) -> list[tuple[float, Stage]]:
    """Every stage with how alike `text` and its closest label or alias are spelt (0..1),
    best first."""
    key = stage_key(text)
    best = []
    for stage in stages.stages:
        names = (stage.label, *stage.aliases)
        score = max(difflib.SequenceMatcher(None, key, stage_key(n)).ratio()
                    for n in names)
        best.append((score, stage))
    return sorted(best, key=lambda pair: -pair[0])


def resolve(text: str, stages: StageSet, mapped: dict[str, Stage]) -> tuple[Stage | None, str]:
    """The one stage `text` names, else None and why not."""
    key = stage_key(text)
    if key in mapped:
        return mapped[key], ""
    stage = stages.match(text)
    if stage:
        return stage, ""
    ranked = scores(text, stages) if len(key) >= MIN_FUZZY and not key.isdigit() else []
    close = [s for score, s in ranked if score >= CLOSE]
    if close and (len(ranked) == 1 or ranked[0][0] - ranked[1][0] >= MARGIN):
        return close[0], ""
    rivals = [s for score, s in ranked if ranked and score >= ranked[0][0] - MARGIN]
    if close:
        names = " or ".join(s.label for s in rivals)
        return None, f"not clearly one stage (could be {names})"
    return None, "not clearly one stage"


def clean_stages(table: Table, config, options: CleanOptions) -> Step:
    """Write each recognisable Stage cell as its stage's label."""
    col = table.columns.get("stage")
    if col is None:
        return missing_column("Stage", KIND)
    stages = with_vocabulary(config.stages)  # word forms and other languages, as check reads
    mapped = stage_mappings(options.mappings, stages)
    step = Step()
    resolved: dict[str, tuple] = {}  # a sheet repeats a handful of stage texts many times
    for row in table.deals:
        value = table.get(row, col)
        if is_blank(value):
            continue
        text = value if isinstance(value, str) else str(plain(value))
        if text not in resolved:
            resolved[text] = resolve(text, stages, mapped)
        stage, why = resolved[text]
        if stage is None:
            step.skipped.append(Skipped(
                table.ref(row, col), value,
                f'{why}; decide with --map "{text.strip()}=STAGE"', KIND))
        elif value != stage.label:
            step.edits[row, col] = stage.label
    return step
