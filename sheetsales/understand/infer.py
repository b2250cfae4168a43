"""Reading typed deals with what their columns prove: the date order, the probability scale,
the amounts' decimal mark, whether the Deal ID column is one, the stage vocabulary. Each
proof is recorded in `sheet.evidence` (the hook the "understood" block renders) and applied
to the deals it concerns; nothing is guessed, so what proves nothing stays a finding."""

import functools

from ..core.dates import parse_text_date
from ..core.fields import DATE
from ..core.model import Deal, SheetData, is_blank, text_id
from ..core.stages import StageSet
from .amounts import COMMA, column_separators, read_amount
from .dates import CONFIGURED, sheet_orders
from .ids import id_column, id_like
from .scales import FRACTION, WORDS, probability_scale
from .vocab import stage_vocabulary
from .vocabulary import vocabulary

MAX_ID_CANDIDATES = 4


@functools.lru_cache(maxsize=8)
def with_vocabulary(stages: StageSet) -> StageSet:
    """`stages` also understanding the shipped languages' and CRM exports' stage names."""
    words = {key: (e.target, e.name, e.origin) for key, e in vocabulary().stages.items()}
    return stages.with_vocabulary(words)


class IdCandidates:
    """The values of the sheet's id-like columns besides the mapped Deal ID (a few at most),
    collected while deal rows are read, to find a unique one."""

    def __init__(self, sheet: SheetData):
        mapped = set(sheet.columns.values())
        self.watch = [(h, i) for i, h in sorted(sheet.headers.items())
                      if i not in mapped and id_like(h)][:MAX_ID_CANDIDATES]
        self.values: dict[str, list] = {h: [] for h, _ in self.watch}

    def add(self, cells: list) -> None:
        for header, index in self.watch:
            self.values[header].append(cells[index] if index < len(cells) else None)

    def summary(self) -> dict[str, tuple[int, int]]:
        """header -> (rows filled, distinct values)."""
        found = {}
        for header, values in self.values.items():
            filled = [text_id(v) for v in values if not is_blank(v)]
            found[header] = (len(filled) if len(filled) == len(values) else -1, len(set(filled)))
        return found


def understand_deals(deals: list[Deal], sheet: SheetData, config, texts: dict,
                     ids: IdCandidates | None = None) -> dict:
    """Apply what the sheet's columns prove to `deals` and record it in sheet.evidence:
    "dates" (field -> dates.DateOrder), "probability" (scales.Scale), "amounts" (field ->
    amounts.Separators), "ids" (ids.IdColumn), "stages" (vocab.StageVocabulary). `texts` is
    field -> {text as read: first row} of the text cells of date and number columns."""
    evidence = sheet.evidence
    kinds = {f.key: f.kind for f in config.fields}
    time_zone = config.rules.time_zone
    orders = sheet_orders({k: v for k, v in texts.items() if kinds.get(k) == DATE},
                          config.rules.date_order)
    evidence["dates"] = orders
    reread = {k: e.order for k, e in orders.items()
              if e.order and e.how != CONFIGURED and e.ambiguous}
    if reread:
        for deal in deals:
            if deal.ambiguous:
                for key in [k for k in deal.ambiguous if k in reread]:
                    deal.values[key] = parse_text_date(deal.raw[key], reread[key],
                                                       time_zone).date
                    del deal.ambiguous[key]
                deal.ambiguous = deal.ambiguous or None
    if "amount" in texts:
        _amounts(deals, texts, evidence)
    if "probability" in sheet.columns:
        _probability(deals, config, evidence)
    if "deal_id" in sheet.columns:
        evidence["ids"] = id_column(sheet.headers.get(sheet.columns["deal_id"], "Deal ID"),
                                    [d.values.get("deal_id") for d in deals],
                                    ids.summary() if ids else {})
    if "stage" in sheet.columns:
        counts: dict = {}  # a stage cell is text: values hold it as read, stripped
        for deal in deals:
            value = deal.values.get("stage")
            counts[value] = counts.get(value, 0) + 1
        counts.pop(None, None)
        evidence["stages"] = stage_vocabulary(counts, with_vocabulary(config.stages))
    return evidence


def _amounts(deals, texts, evidence) -> None:
    amounts = evidence.setdefault("amounts", {})
    for key, found in texts.items():
        if key != "amount":
            continue
        separators = column_separators(key, ((row, text) for text, row in found.items()))
        amounts[key] = separators
        if separators.decimal is None:
            continue
        # A decimal point is how parse_number already read them: only what it could not read
        # changes. A decimal comma changes every text amount.
        everything = separators.decimal == COMMA
        cache: dict[str, float | None] = {}
        for deal in deals:
            raw = deal.raw
            text = raw.get(key) if raw else None
            if not isinstance(text, str) or not (everything or (deal.invalid and
                                                                key in deal.invalid)):
                continue
            if text not in cache:
                cache[text] = read_amount(text, separators.decimal)
            if cache[text] is not None:
                deal.values[key] = cache[text]
                if deal.invalid and key in deal.invalid:
                    del deal.invalid[key]
                    deal.invalid = deal.invalid or None


def _probability(deals, config, evidence) -> None:
    cells: dict = {}  # cell as read -> how many deals hold it
    for deal in deals:
        raw = deal.raw
        cell = raw["probability"] if raw and "probability" in raw else \
            deal.values.get("probability")
        if cell is not None:
            cells[cell] = cells.get(cell, 0) + 1
    scale = probability_scale(cells, config.probability.words or None)
    evidence["probability"] = scale
    if scale.kind == FRACTION:
        for deal in deals:
            number = deal.values.get("probability")
            if number is not None:
                deal.values["probability"] = round(number * 100, 6)
    elif scale.kind == WORDS:
        for deal in deals:
            if deal.invalid and "probability" in deal.invalid:
                percent = scale.words.get(str(deal.original("probability")).strip())
                if percent is not None:
                    deal.values["probability"] = percent
                    del deal.invalid["probability"]
                    deal.invalid = deal.invalid or None


