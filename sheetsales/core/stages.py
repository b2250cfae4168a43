"""The seven-step sales process: stages, their aliases and date columns, and stage matching."""

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import ConfigError
from .words import one_edit, word_stem

OPEN, WON, DELIVERED, CLOSED = "open", "won", "delivered", "closed"


@dataclass(frozen=True)
class Stage:
    """One stage a deal can be in; `order` ranks the progression steps (Lost has none)."""

    key: str
    label: str
    order: int | None
    date_field: str | None
    next_action: str
    aliases: tuple[str, ...] = ()
    idle_days: int | None = None
    required: tuple[str, ...] = ()
    phase: str = OPEN

    @property
    def is_closed(self) -> bool:
        return self.phase == CLOSED

    def __hash__(self) -> int:  # rules look checks up by stage for every deal: keep it cheap
        return hash(self.key)


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("lead", "Lead", 0, "created", "Make initial contact",
          ("prospect", "prospecting", "new", "new lead", "lead qualification"), idle_days=7),
    Stage("contacted", "Contacted", 2, "first_contact", "Exchange information: learn their needs",
          ("initial contact", "make initial contact", "contact made", "engaging", "nurturing"),
          idle_days=14),
    Stage("discovery", "Discovery", 3, "discovery_on", "Propose a solution",
          ("exchange information", "needs analysis", "need analysis", "qualified", "qualification"),
          idle_days=14),
    Stage("proposal", "Proposal", 4, "proposal_sent", "Confirm the sale",
          ("propose solution", "proposal sent", "proposal made", "quote sent", "negotiation",
           "negotiating", "contract sent"), idle_days=14, required=("amount",)),
    Stage("won", "Won", 5, "confirmed_on", "Deliver",
          ("confirm the sale", "confirmed", "closed won"),
          required=("amount", "delivery_due"), phase=WON),
    Stage("delivered", "Delivered", 6, "delivered_on", "Follow up",
          ("deliver", "delivery done"), required=("amount", "delivery_due"), phase=DELIVERED),
    Stage("followed_up", "Followed up", 7, "followed_up_on",
          "None (closed): ask for repeat business or referrals",
          ("follow up", "follow-up done", "done"), required=("amount", "delivery_due"),
          phase=CLOSED),
    Stage("lost", "Lost", None, "lost_on", "None (closed)",
          ("closed lost", "dead", "dead lead", "cancelled"), phase=CLOSED),
)

ALWAYS_REQUIRED = ("owner", "company")


_STEP_PREFIX = re.compile(r"^\s*(?:step\s*)?\d+\s*[-.:)]?\s*", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")

# Combining marks are dropped after letters of the scripts where they are accents (Latin,
# IPA and Greek: "Négociation" == "Negociation", "Πρόταση" == "Προταση"), and the optional
# vowel points of Hebrew and Arabic; every other mark is part of its letter and kept, so
# Cyrillic "й" stays apart from "и", Japanese "が" from "か", Devanagari and Thai vowel signs
# stay.
_ACCENTED_SCRIPTS = ((0x0000, 0x03FF), (0x1E00, 0x1FFF), (0x2C60, 0x2C7F), (0xA720, 0xA7FF),
                     (0xAB30, 0xAB6F))
_OPTIONAL_POINTS = ((0x0591, 0x05C7), (0x064B, 0x0652), (0x0670, 0x0670))
_NON_WORD_ANY = re.compile(r"[\W_]+")  # str.isalnum() is what \w keeps, besides "_"


def _within(ranges, code: int) -> bool:
    return any(low <= code <= high for low, high in ranges)


def normalize(text: str) -> str:
    """The key a label is compared by: case-folded (NFKC), without spacing, punctuation or
    accents, keeping every letter and digit of every script, so "Closed-Won " ==
    "closed won", "Négociation" == "negociation", and "Переговоры" stays "переговоры"."""
    if text.isascii():  # most names: no Unicode tables needed
        squeezed = text.replace(" ", "")
        if squeezed.isalnum():
            return squeezed.lower()
        return _NON_WORD.sub("", text.lower())
    return _unicode_key(text)


@functools.lru_cache(maxsize=8192)  # a sheet repeats a few hundred labels on every row
def _unicode_key(text: str) -> str:
    """normalize() for any text. Shortcuts (each must agree with _by_letter, the rule
    itself): text with no mark keeps its letters; Latin and Greek text drops every mark."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    bare = decomposed.translate(_MARKS)
    if len(bare) == len(decomposed):
        return _NON_WORD_ANY.sub("", folded)
    if max(folded) < "\u0400":
        return _NON_WORD_ANY.sub("", bare)
    return _by_letter(decomposed)


def _by_letter(decomposed: str) -> str:
    """The key of case-folded, decomposed (NFKD) text, letter by letter."""
    kept: list[str] = []
    marks_are_accents = True  # a mark with no letter before it belongs to nothing
    for ch in decomposed:
        if unicodedata.category(ch)[0] == "M":
            if not (marks_are_accents or _within(_OPTIONAL_POINTS, ord(ch))):
                kept.append(ch)
        elif ch.isalnum():
            kept.append(ch)
            marks_are_accents = _within(_ACCENTED_SCRIPTS, ord(ch))
        else:
            marks_are_accents = True
    return unicodedata.normalize("NFC", "".join(kept))


class _Marks(dict):
    """A str.translate table deleting every combining mark (Unicode category M), filled as
    texts meet characters (the whole table took ~40 ms per process)."""

    def __missing__(self, code: int) -> int | None:
        self[code] = kept = None if unicodedata.category(chr(code))[0] == "M" else code
        return kept


_MARKS = _Marks()


def stage_key(text) -> str:
    """The key a stage label is looked up by: normalize() without a leading step number
    ("06-Closed Won", "Step 3: Proposal") or a trailing word "stage". A label that is only a
    number ("95211147", a CRM's stage ID) keeps it."""
    text = str(text)
    norm = normalize(_STEP_PREFIX.sub("", text))
    if not norm or norm.isdigit():
        norm = normalize(text)
    if norm.endswith("stage") and len(norm) > len("stage"):
        norm = norm[: -len("stage")]
    return norm


# A deal's outcome, from a status column kept apart from the stage (Pipedrive, Frappe CRM
# and many sheets do): a lost or dead deal is closed whatever its stage; an on-hold deal is
# not idle; won and open change nothing (the stage says what is due).
WON_OUTCOME, LOST_OUTCOME, DEAD_OUTCOME, OPEN_OUTCOME, ON_HOLD = \
    "won", "lost", "dead", "open", "on hold"
CLOSING_OUTCOMES = frozenset({LOST_OUTCOME, DEAD_OUTCOME})
_OUTCOME_WORDS = {
    WON_OUTCOME: "won, closed won, win, gewonnen, gagne, ganado, ganho, vinto",
    LOST_OUTCOME: "lost, closed lost, verloren, perdu, perdido, perso",
    DEAD_OUTCOME: "dead, cancelled, canceled, abandoned, deleted, junk, annule, cancelado",
    OPEN_OUTCOME: "open, in progress, offen, ouvert, abierto, aberto, aperto",
    ON_HOLD: "on hold, hold, paused, pausiert, en pause, en espera, em espera, in attesa",
}
OUTCOMES = {normalize(word): outcome for outcome, words in _OUTCOME_WORDS.items()
            for word in words.split(", ")}


def phase_of(stage: "Stage | None", outcome: str | None) -> str | None:
    """A deal's phase: its stage's, or closed when its outcome is lost or dead."""
    if outcome in CLOSING_OUTCOMES:
        return CLOSED
    return stage.phase if stage else None


def outcome_of(value) -> str | None:
    """The outcome a status cell names ("Won", "On Hold", "Closed Lost"), or None."""
    return None if value is None else OUTCOMES.get(normalize(str(value)))


def outcome_column(values) -> bool:
    """Whether a column is an outcome column by its values: at least one filled, and every
    filled one an outcome (a "Status" column of health flags such as Active / At Risk, or
    sheetsales' own status column, is not)."""
    seen = False
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if outcome_of(value) is None:
            return False
        seen = True
    return seen


class StageMatch(NamedTuple):
    """How a value names a stage: `how` (label, alias, number prefix, composite, vocabulary,
    word form) and `via` (the name it matched)."""

    stage: "Stage | None"
    how: str = ""
    via: str = ""


@dataclass(frozen=True)
class StageSet:
    """The configured stages with a lookup table from every normalised label and alias;
    `progression` lists the stages with an order, first to last. `vocabulary` (key -> (stage
    key, name, origin)) adds names below every label and alias (understand.vocabulary)."""

    stages: tuple[Stage, ...] = DEFAULT_STAGES
    _lookup: dict = field(default_factory=dict, compare=False, repr=False)
    _closest: dict = field(default_factory=dict, compare=False, repr=False)  # a cache
    progression: tuple[Stage, ...] = field(default=(), init=False, compare=False, repr=False)
    vocabulary: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        ordered = sorted((s for s in self.stages if s.order is not None), key=lambda s: s.order)
        object.__setattr__(self, "progression", tuple(ordered))
        named: dict[str, str] = {}  # key -> the label or alias that gave it
        for stage in self.stages:
            for name in (stage.label, stage.key, *stage.aliases):
                key = stage_key(name)
                if not key:
                    raise ConfigError(f"stage label or alias {name!r} ({stage.label}) has no "
                                      "letter or digit; give it a name")
                other = self._lookup.setdefault(key, stage)
                if other is not stage:
                    raise ConfigError(
                        f"stage labels {named[key]!r} ({other.label}) and {name!r} "
                        f"({stage.label}) read as the same label once case, spacing, "
                        "punctuation and accents are ignored; keep one of them, or spell "
                        "them apart")
                named.setdefault(key, name)
        object.__setattr__(self, "_named", named)
        by_key = {s.key: s for s in self.stages}
        words = {key: (by_key[target], name) for key, (target, name, _) in self.vocabulary.items()
                 if key not in self._lookup and target in by_key}
        object.__setattr__(self, "_words", words)
        stems: dict[str, Stage | None] = {}
        for key, stage in [*self._lookup.items(), *((k, s) for k, (s, _) in words.items())]:
            if key.isdigit():
                continue
            stem = word_stem(key)
            stems[stem] = stage if stems.get(stem, stage) is stage else None  # ambiguous: none
        object.__setattr__(self, "_stems", stems)

    def with_vocabulary(self, vocabulary: dict) -> "StageSet":
        return StageSet(self.stages, vocabulary=vocabulary)  # see the class docstring

    def match(self, value) -> Stage | None:
        """The stage a cell value names, or None (see explain; never a typo: see typo)."""
        return self.explain(value).stage

    def explain(self, value) -> StageMatch:
        """The stage a cell value names and how (StageMatch): its label or alias, a composite
        label like "03-Discovery / Need Analysis" whose every part names that stage, the
        vocabulary, or a word form ("Proposing"); StageMatch(None) if none."""
        text = "" if value is None else str(value).strip()
        if not text:
            return StageMatch(None)
        key = stage_key(text)
        found = self._lookup.get(key)
        if found:
            named = self._named[key]
            how = "number prefix" if _STEP_PREFIX.match(text) and not key.isdigit() else \
                "label" if stage_key(found.label) == key else "alias"
            return StageMatch(found, how, named)
        parts = [p for p in re.split(r"[/|,&]", _STEP_PREFIX.sub("", text)) if p.strip()]
        matches = {self._lookup.get(stage_key(p)) for p in parts}
        if len(parts) > 1 and len(matches) == 1 and None not in matches:
            return StageMatch(matches.pop(), "composite", text)
        if key in self._words:
            stage, name = self._words[key]
            return StageMatch(stage, "vocabulary", name)
        stage = self._stems.get(word_stem(key)) if key and not key.isdigit() else None
        if stage:
            return StageMatch(stage, "word form", stage.label)
        return StageMatch(None)

    def typo(self, value) -> Stage | None:
        """The one stage whose label, alias or vocabulary name `value` misspells by one letter
        (five letters or more); a proposal to show, never a match."""
        key = stage_key(str(value))
        if len(key) < 5 or key.isdigit() or self.explain(value).stage:
            return None
        near = {stage for name, stage in self._lookup.items() if one_edit(key, name)}
        near |= {stage for name, (stage, _) in self._words.items() if one_edit(key, name)}
        return near.pop() if len(near) == 1 else None

    def closest(self, value) -> Stage | None:
        """The stage whose label or alias is spelt most like `value`, if any is close. A
        number is nobody's misspelling: "95211149" is not close to the stage ID "95211147"."""
        key = stage_key(str(value))
        if key not in self._closest:
            best = None if key.isdigit() else \
                difflib.get_close_matches(key, list(self._lookup), n=1, cutoff=0.75)
            self._closest[key] = self._lookup[best[0]] if best else None
        return self._closest[key]

    def by_key(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)
