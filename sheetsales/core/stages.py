"""The seven-step sales process: stages, their aliases and date columns, and stage matching."""

import difflib
import re
from dataclasses import dataclass, field

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

_STEP_PREFIX = re.compile(r"^\s*(?:step\s*)?\d+\s*[-.:)]?\s*")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalize(text: str) -> str:
    """Lower-case and drop spacing and punctuation, so "Closed-Won " == "closed won"."""
    squeezed = text.replace(" ", "")
    if squeezed.isascii() and squeezed.isalnum():  # most names: no pattern needed
        return squeezed.lower()
    return _NON_WORD.sub("", text.lower())


def _stage_key_text(text: str) -> str:
    text = _STEP_PREFIX.sub("", str(text))
    norm = normalize(text)
    if norm.endswith("stage") and len(norm) > len("stage"):
        norm = norm[: -len("stage")]
    return norm


@dataclass(frozen=True)
class StageSet:
    """The configured stages with a lookup table from every normalised label and alias;
    `progression` lists the stages with an order, first to last."""

    stages: tuple[Stage, ...] = DEFAULT_STAGES
    _lookup: dict = field(default_factory=dict, compare=False, repr=False)
    progression: tuple[Stage, ...] = field(default=(), init=False, compare=False, repr=False)

    def __post_init__(self):
        ordered = sorted((s for s in self.stages if s.order is not None), key=lambda s: s.order)
        object.__setattr__(self, "progression", tuple(ordered))
        for stage in self.stages:
            for name in (stage.label, stage.key, *stage.aliases):
                self._lookup.setdefault(normalize(name), stage)

    def match(self, value) -> Stage | None:
        """The stage a cell value names, or None; also accepts composite labels like
        "03-Discovery / Need Analysis" when every part names the same stage."""
        if value is None:
            return None
        text = str(value).strip()
        if not text:
            return None
        found = self._lookup.get(_stage_key_text(text))
        if found:
            return found
        parts = [p for p in re.split(r"[/|,&]", _STEP_PREFIX.sub("", text)) if p.strip()]
        matches = {self._lookup.get(_stage_key_text(p)) for p in parts}
        if len(parts) > 1 and len(matches) == 1 and None not in matches:
            return matches.pop()
        return None

    def closest(self, value) -> Stage | None:
        """The stage whose label or alias is spelt most like `value`, if any is close."""
        names = list(self._lookup)
        best = difflib.get_close_matches(_stage_key_text(str(value)), names, n=1, cutoff=0.75)
        return self._lookup[best[0]] if best else None

    def by_key(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)
