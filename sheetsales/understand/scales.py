"""The probability column's scale, from its own values: fractions 0-1 (0.4), percentages 0-100
(40, "40%"), or words (Low/Medium/High, Cold/Warm/Hot and their translations) read as
percentages by the configured [probability] words, else the shipped scales."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ..core.model import parse_number
from ..core.stages import normalize
from .vocabulary import vocabulary

FRACTION, PERCENT, WORDS, NONE = "fraction", "percent", "words", "none"


@dataclass(frozen=True)
class Scale:
    """What the probability column proves: `kind` is FRACTION (every number 0-1, one at
    least not whole: read as percent x 100), PERCENT, WORDS or NONE (nothing filled);
    `words` maps each word the column uses (as written) to its percent; `unknown` lists the
    texts that are neither, with their counts; `source` names where the words' values come
    from ("[probability] words" or the shipped scales)."""

    kind: str
    words: dict[str, float] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)
    source: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # word as written -> cells

    def describe(self) -> str:
        if self.kind == WORDS:
            shown = ", ".join(f"{w} = {p:g}" for w, p in self.words.items())
            return f"words ({shown}; values from {self.source})"
        return {FRACTION: "fractions 0-1, read as percent", PERCENT: "percent 0-100",
                NONE: "empty"}[self.kind]


def word_values(configured: dict | None) -> tuple[dict[str, float], str]:
    """Normalised word -> percent: the configured [probability] words, else the shipped."""
    if configured:
        return {normalize(w): float(p) for w, p in configured.items()}, "[probability] words"
    return ({w: float(p) for w, (p, _) in vocabulary().scales.items()},
            "the shipped word scales (vocab/scales.toml)")


def probability_scale(values: Iterable | Mapping, configured: dict | None = None) -> Scale:
    """The Scale of a probability column's filled cells (numbers or text, any order; or a
    mapping of each distinct cell to how many hold it)."""
    known, source = word_values(configured)
    counted = values if isinstance(values, Mapping) else Counter(values)
    numbers, words, unknown = [], {}, {}
    for value, count in counted.items():
        number = parse_number(value)
        if number is not None:
            numbers.append(number)
            continue
        text = str(value).strip()
        percent = known.get(normalize(text))
        if percent is None:
            unknown[text] = unknown.get(text, 0) + count
        else:
            words[text] = words.get(text, 0) + count
    if words and len(words) >= len(unknown):
        return Scale(WORDS, {w: known[normalize(w)] for w in words}, unknown, source, words)
    if numbers and all(0 <= n <= 1 for n in numbers) and any(not n.is_integer()
                                                              for n in numbers):
        return Scale(FRACTION, unknown=unknown)
    return Scale(PERCENT if numbers else NONE, unknown=unknown)
