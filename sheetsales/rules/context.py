"""What a rule sees besides the deal: the sheet layout, config, today, and derived due dates;
and the `rule` decorator that gives each rule its code and severity."""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..core.cells import column_letter
from ..core.fields import DATE
from ..core.model import Deal, Finding, SheetData, plain
from ..core.stages import ALWAYS_REQUIRED, normalize


NONE = ()  # what a rule returns for a deal that passes


@dataclass(frozen=True)
class Rule:
    """A check with a stable code; its docstring's first line is its published description.
    `check(deal, ctx)` returns the deal's findings (a list, or NONE when it passes): plain
    returns rather than generators, because rules run once per deal per rule."""

    code: str
    severity: str
    check: Callable[["Deal", "Context"], Iterable[Finding]]
    phases: tuple[str, ...] | None = None  # the stage phases it can fire in; None: any deal
    due: str | None = None  # OVERDUE, SOON or IDLE: what it tells an owner to act on, if anything

    @property
    def description(self) -> str:
        return (self.check.__doc__ or "").strip().splitlines()[0]


OVERDUE, SOON, IDLE = "overdue", "soon", "idle"  # the kinds of due item, most urgent first


def rule(code: str, severity: str, phases: tuple[str, ...] | None = None,
         due: str | None = None):
    def wrap(check):
        return Rule(code, severity, check, phases, due)
    return wrap


@dataclass
class Context:
    """Shared inputs of every rule. From the run history, when there is one:
    `previous_stages` (deal ID -> stage key at the last run) and `stage_since` (deal ID ->
    (stage key, first day seen in it), for stages whose date the sheet does not hold)."""

    sheet: SheetData
    config: object
    today: dt.date
    id_rows: dict[str, list[int]] = field(default_factory=dict)  # IDs on 2+ rows only
    similar_rows: dict = field(default_factory=dict)  # row -> similar.Pair
    previous_stages: dict[str, str] | None = None
    stage_since: dict[str, tuple[str, dt.date]] | None = None

    def __post_init__(self):
        self.calendar = self.config.calendar
        self.rules = self.config.rules
        present = self.sheet.columns
        defaults = {f.key: f.header for f in self.config.fields}
        # the sheet's own header text where the column exists, else the configured name
        self.headers = {**defaults, **{k: self.sheet.headers.get(i, defaults.get(k, k))
                                       for k, i in present.items()}}
        self.letters = {k: column_letter(i) for k, i in present.items()}
        self.date_keys = [f.key for f in self.config.fields if f.kind == DATE and f.key in present]
        self.step_stages = [s for s in self.config.stages.progression
                            if s.date_field and s.date_field in present]
        self.stage_date_keys = [s.date_field for s in self.config.stages.stages
                                if s.date_field and s.date_field in present]
        self._products: dict = {}
        self._hints: dict[str, str] = {}  # a hint repeats across deals: kept once
        self._required: dict = {}  # stage -> required_keys
        self._before: dict = {}  # step order -> steps_before
        self._after: dict = {}  # step order -> steps_after

    def required_keys(self, stage) -> tuple[str, ...]:
        """The fields the sheet has that a deal at `stage` (or no stage) must fill: Owner and
        Company always, the stage's own, and from the second step on its date."""
        keys = self._required.get(stage)
        if keys is None:
            required = ALWAYS_REQUIRED
            if stage:
                required += stage.required
                if stage.order and stage.order >= 2 and stage.date_field:
                    required += (stage.date_field,)
            keys = self._required[stage] = tuple(k for k in dict.fromkeys(required)
                                                 if self.has(k))
        return keys

    def steps_before(self, order: int) -> list:
        """The progression steps from the second up to, not including, step `order` whose
        date column the sheet has."""
        if order not in self._before:
            self._before[order] = [s for s in self.step_stages if 2 <= s.order < order]
        return self._before[order]

    def steps_after(self, order: int) -> list:
        """The progression steps after step `order` whose date column the sheet has."""
        if order not in self._after:
            self._after[order] = [s for s in self.step_stages if s.order > order]
        return self._after[order]

    def has(self, key: str) -> bool:
        return key in self.sheet.columns

    def header(self, key: str) -> str:
        return self.headers.get(key, key)

    def cell(self, row: int, key: str) -> str:
        letter = self.letters.get(key)
        where = f"{letter}{row}" if letter else f"{row}:{row}"
        return f"{self.sheet.title}!{where}"

    def finding(self, rule_: Rule, deal: Deal, key: str, message: str, hint: str,
                value=None, due: dt.date | None = None) -> Finding:
        return Finding(  # positional: a big sheet makes tens of thousands
            rule_.code, rule_.severity, self.sheet.title, deal.row, self.header(key),
            self.cell(deal.row, key), deal.deal_id,
            plain(deal.original(key) if value is None else value), message,
            self._hints.setdefault(hint, hint), due)

    def product(self, deal: Deal) -> dict | None:
        """The deal's product row from the Products sheet (case and spacing ignored)."""
        name = deal.values.get("product")
        if not name or not self.sheet.products:
            return None
        if name not in self._products:
            self._products[name] = self.sheet.products.get(normalize(str(name)))
        return self._products[name]

    def delivery_due(self, deal: Deal) -> tuple[dt.date | None, str]:
        """Delivery due, or Confirmed on + the product's lead time when that is empty."""
        values = deal.values
        if values.get("delivery_due"):
            return values["delivery_due"], "delivery_due"
        product = self.product(deal)
        confirmed = values.get("confirmed_on")
        if product and product["lead_time_days"] is not None and confirmed:
            return self.calendar.add(confirmed, product["lead_time_days"]), "lead_time"
        return None, "delivery_due"

    def follow_up_due(self, deal: Deal) -> tuple[dt.date | None, str]:
        """Follow-up due, or Delivered on + follow_up_days when that is empty."""
        values = deal.values
        if values.get("follow_up_due"):
            return values["follow_up_due"], "follow_up_due"
        delivered = values.get("delivered_on")
        if delivered:
            return self.calendar.add(delivered, self.rules.follow_up_days), "delivered_on"
        return None, "follow_up_due"

    def snoozed(self, deal: Deal) -> bool:
        until = deal.values.get("snooze_until")
        return bool(until and until >= self.today)

    def days_until(self, due: dt.date) -> int:
        return self.calendar.days_between(self.today, due)
