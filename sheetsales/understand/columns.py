"""Which column holds which field, from a header row's text: exact names first (the configured
headers and aliases, then the shipped vocabularies), then words (a header whose words hold a
field's name plus qualifiers, such as "Owner code" or "Deal value (EUR)", matches with a lower
score). Every choice keeps its reason; ties and weak matches are kept apart, to be reported."""

import functools
import re
from dataclasses import dataclass, field

from ..core.fields import Field
from ..core.model import is_blank
from ..core.stages import normalize
from .vocabulary import vocabulary

CONFIGURED, ALIAS, VOCABULARY, QUALIFIED = 1.0, 0.95, 0.9, 0.75
WEAK = 0.8  # a match scoring below this is weak: taken, and reported
_CURRENCY = re.compile(r"[$€£¥₹]|\((?:[A-Z]{3}|%)\)")
_SPLIT = re.compile(r"(?<=[a-z])(?=[A-Z])|[^\w]+|_", re.UNICODE)
# Words that name no field on their own: "Date" or "Name" inside a header proves nothing.
_GENERIC = frozenset("date name of on the at by to in no nr number id code time day the de du "
                     "la le des del do da van het".split())


@dataclass(frozen=True)
class ColumnMatch:
    """One header read as one field: `how` is header, alias, vocabulary, qualified or words;
    `via` the name it matched (and where that name comes from); `score` 1.0 down to 0.3."""

    field: str
    index: int
    header: str
    how: str
    via: str
    score: float

    @property
    def weak(self) -> bool:
        return self.score < WEAK


@dataclass(frozen=True)
class HeaderMatch:
    """A candidate header row read: `columns` (field -> 0-based index) of the matches taken;
    `ties` (header, the fields it could be) that were not taken; `ignored` headers no field
    claims or whose field another column took; `shadowed` the matches of the latter (twins:
    a second column that also reads as a field)."""

    columns: dict[str, int]
    matches: tuple[ColumnMatch, ...] = ()
    ties: tuple[tuple[str, tuple[str, ...]], ...] = ()
    ignored: tuple[str, ...] = ()
    shadowed: tuple[ColumnMatch, ...] = ()

    @property
    def strong(self) -> int:
        return sum(not m.weak for m in self.matches)

    @property
    def weak(self) -> tuple[ColumnMatch, ...]:
        return tuple(m for m in self.matches if m.weak)

    def is_header(self, least: int) -> bool:
        """At least `least` fields found, one of them by an exact name."""
        return len(self.matches) >= least and self.strong >= 1


@dataclass(frozen=True)
class _Names:
    exact: dict = field(default_factory=dict)  # normalised name -> (field, how, via, score)
    words: dict = field(default_factory=dict)  # a word -> [(field, name words, via)]


def words_of(text: str) -> tuple[str, ...]:
    """A header's words, case-folded and without accents: "OwnerId" -> ("owner", "id")."""
    return tuple(w for w in (normalize(p) for p in _SPLIT.split(str(text))) if w)


@functools.lru_cache(maxsize=16)
def _names(fields: tuple[Field, ...]) -> _Names:
    names = _Names()
    entries = []
    for f in fields:
        for index, name in enumerate((f.header, *f.aliases)):
            entries.append((f.key, name, *(("header", name, CONFIGURED) if index == 0 else
                                           ("alias", name, ALIAS))))
    for entry in vocabulary().headers.values():
        entries.append((entry.target, entry.name, "vocabulary", f"{entry.name} ({entry.origin})",
                        VOCABULARY))
    for key, name, how, via, score in entries:
        norm = normalize(name)
        if norm:
            names.exact.setdefault(norm, (key, how, via, score))
            names.exact.setdefault(norm + "pct", (key, how, via, score))
        words = words_of(name)
        if words and not all(w in _GENERIC or len(w) < 3 for w in words):
            names.words.setdefault(words[0], []).append((key, words, via))
    return names


def _read(header: str, names: _Names, reserved=frozenset()) -> list[tuple[float, str, str, str]]:
    """(score, field, how, via) for each field `header` could name, best first. A `reserved`
    header (sheetsales' own status columns: "Next action") is read only by a configured name."""
    norm = normalize(header)
    exact = names.exact.get(norm)
    if norm in reserved:
        return [(exact[3], exact[0], exact[1], exact[2])] if exact and exact[1] != "vocabulary" \
            else []
    if exact:
        key, how, via, score = exact
        if how != "header" and _CURRENCY.search(header) and "%" not in header:  # "Estimated $"
            return [(min(score, QUALIFIED), key, "qualified", via)]
        return [(score, key, how, via)]
    words = words_of(header)
    found: dict[str, tuple[float, str, str, str]] = {}
    for start, word in enumerate(words):
        for key, name, via in names.words.get(word, ()):
            if words[start:start + len(name)] == name:
                score = round(0.3 + 0.3 * len(name) / len(words), 3)
                if score > found.get(key, (0,))[0]:
                    found[key] = (score, key, "words", via)
    return sorted(found.values(), reverse=True)


def match_header(cells, fields: tuple[Field, ...], reserved=()) -> HeaderMatch:
    """Read one row as a header: each field goes to its best-scoring column (the leftmost
    on equal scores of one field); a header whose two best fields score alike is a tie and
    taken by neither. `reserved` headers are sheetsales' own (see _read)."""
    return _match(tuple("" if is_blank(v) else str(v).strip() for v in cells), tuple(fields),
                  tuple(reserved))


@functools.lru_cache(maxsize=256)  # the tabs of a pipeline repeat their header row
def _match(texts: tuple[str, ...], fields: tuple[Field, ...], reserved) -> HeaderMatch:
    names = _names(fields)
    reserved = frozenset(normalize(h) for h in reserved)
    options = []
    ties, ignored = [], []
    for index, header in enumerate(texts):
        if not header:
            continue
        read = _read(header, names, reserved)
        if not read:
            ignored.append(header)
        elif len(read) > 1 and read[0][0] == read[1][0]:
            ties.append((header, tuple(sorted(r[1] for r in read if r[0] == read[0][0]))))
        else:
            score, key, how, via = read[0]
            options.append((-score, index, ColumnMatch(key, index, header, how, via, score)))
    taken: dict[str, ColumnMatch] = {}
    shadowed = []
    for _, _, match in sorted(options, key=lambda o: (o[0], o[1])):
        if match.field in taken:
            ignored.append(match.header)
            shadowed.append(match)
        else:
            taken[match.field] = match
    matches = tuple(sorted(taken.values(), key=lambda m: m.index))
    return HeaderMatch({m.field: m.index for m in matches}, matches, tuple(ties), tuple(ignored),
                       tuple(sorted(shadowed, key=lambda m: m.index)))
