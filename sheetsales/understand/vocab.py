"""The sheet's own stage vocabulary: every distinct stage value, how often it occurs, and the
step it names with the reason (label, alias, number prefix, vocabulary, word form), or, for
one that names none, a proposal a person may accept (a one-letter typo, or the step before it
in a sheet that numbers its own stages). Proposals are never applied by `check`."""

import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from ..core.stages import StageSet

_NUMBER = re.compile(r"^\s*(?:step\s*)?(\d{1,2})\s*[-.:)]\s*\S", re.IGNORECASE)
NUMBERED_LEAST = 3  # distinct numbered values before a sheet "numbers its stages"


@dataclass(frozen=True)
class StageValue:
    """One distinct stage value: `stage` the key of the stage it names (None if none), `how`
    and `via` the reason; `proposal` a stage key to offer a person and `why`."""

    value: str
    count: int
    stage: str | None
    how: str = ""
    via: str = ""
    number: int | None = None
    proposal: str | None = None
    why: str = ""


@dataclass(frozen=True)
class StageVocabulary:
    """Every distinct stage value of the sheet (most frequent first), and whether the sheet
    numbers its own stages (then `values` sorted by that number give their order)."""

    values: tuple[StageValue, ...]
    numbered: bool = False

    @property
    def unknown(self) -> tuple[StageValue, ...]:
        return tuple(v for v in self.values if v.stage is None)

    @functools.cached_property
    def proposals(self) -> dict[str, StageValue]:
        """Each unknown value that has a proposal, by its text."""
        return {v.value: v for v in self.values if v.stage is None and v.proposal}


def stage_vocabulary(values, stages: StageSet) -> StageVocabulary:
    """Read every distinct value of a stage column (an iterable of cells, or a mapping of
    each distinct cell to how many hold it; blanks skipped)."""
    counts: Counter = Counter()
    for value, count in (values.items() if isinstance(values, Mapping) else
                         Counter(values).items()):
        if value is not None and str(value).strip():
            counts[str(value).strip()] += count
    numbers = {text: int(m[1]) for text in counts if (m := _NUMBER.match(text))}
    numbered = len(set(numbers.values())) >= NUMBERED_LEAST
    read = {}
    for text in counts:
        found = stages.explain(text)
        read[text] = found.stage.key if found.stage else None
    known_numbers = sorted((n, read[t]) for t, n in numbers.items() if read[t])
    result = []
    for text, count in counts.most_common():
        found = stages.explain(text)
        proposal, why = None, ""
        if found.stage is None:
            typo = stages.typo(text)
            if typo:
                proposal, why = typo.key, f'one letter from "{typo.label}"'
            elif numbered and text in numbers:
                before = [(n, key) for n, key in known_numbers if n < numbers[text]]
                if before:
                    n, key = before[-1]
                    label = next(s.label for s in stages.stages if s.key == key)
                    proposal, why = key, f"numbered {numbers[text]}, after step {n} ({label})"
        result.append(StageValue(text, count, read[text], found.how, found.via,
                                 numbers.get(text), proposal, why))
    return StageVocabulary(tuple(result), numbered)
