"""What `init --from` learned about a sheet, as data: the proposals it makes (columns, the
stage of every distinct stage value, the date order, the probability scale, the Deal ID
column), the questions a person should answer about the uncertain ones, and the
sheetsales.toml that records the answers. Pure: the operation opens the source and writes."""

import json
from dataclasses import dataclass, field

from ..core.model import SheetData
from ..core.stages import StageSet, stage_key
from .dates import CONFIGURED, DMY, MDY, PROVED, SHEET
from .scales import WORDS

NONE = "none"  # the answer that leaves a stage value unmapped, or no date order
DATE_ORDERS = (DMY, MDY, NONE)


@dataclass(frozen=True)
class Question:
    """One uncertain choice: `key` names it in the answers, `proposal` is the default,
    `choices` the accepted answers (NONE leaves it out)."""

    key: str
    text: str
    proposal: str
    choices: tuple[str, ...]


@dataclass
class Learned:
    """A sheet as init --from understood it; `answers` starts as the proposals."""

    source: str
    sheet: SheetData
    stages: StageSet
    questions: list[Question] = field(default_factory=list)
    answers: dict[str, str] = field(default_factory=dict)

    @property
    def evidence(self) -> dict:
        return self.sheet.evidence

    def accept_all(self) -> None:
        self.answers = {q.key: q.proposal for q in self.questions}

    def table(self) -> list[tuple[str, str, str]]:
        """(what, understood as, why) rows: columns, stages, dates, probability, ID."""
        rows = [("sheet", f"{self.sheet.title!r}, header on row {self.sheet.header_row}", "")]
        header = self.evidence.get("header")
        for m in header.matches if header else ():
            rows.append((f"column {m.header!r}", m.field, f"{m.how}: {m.via}"
                         + (" (weak)" if m.weak else "")))
        for h, fields in header.ties if header else ():
            rows.append((f"column {h!r}", "?", f"could be {' or '.join(fields)}"))
        vocab = self.evidence.get("stages")
        for v in vocab.values if vocab else ():
            target = self.stage_labels.get(v.stage, "?") if v.stage else \
                f"? (proposed: {self.stage_labels[v.proposal]})" if v.proposal else "unknown"
            rows.append((f"stage {v.value!r} x{v.count}", target, v.why or
                         (f"{v.how}: {v.via}" if v.stage else "")))
        for key, order in self.evidence.get("dates", {}).items():
            rows.append((f"dates {self.header(key)!r}", order.order or "?", order.describe()))
        scale = self.evidence.get("probability")
        if scale is not None:
            rows.append(("probability", scale.kind, scale.describe()))
        ids = self.evidence.get("ids")
        if ids is not None:
            rows.append(("deal ID", ids.header, ids.describe()))
        return rows

    @property
    def stage_labels(self) -> dict[str, str]:
        """Stage key -> label."""
        return {s.key: s.label for s in self.stages.stages}

    def header(self, key: str) -> str:
        index = self.sheet.columns.get(key)
        return self.sheet.headers.get(index, key) if index is not None else key


def learn_questions(learned: Learned) -> None:
    """Fill `learned.questions` (and the answers, as proposals) from its evidence."""
    ask, ev = learned.questions.append, learned.evidence
    labels = learned.stage_labels
    stage_choices = (*labels.values(), NONE)
    header = ev.get("header")
    for m in header.weak if header else ():
        ask(Question(f"column:{m.field}", f"Read column {m.header!r} as {m.field} ({m.how}: "
                     f"{m.via})? [yes/no]", "yes", ("yes", "no")))
    twins = ev.get("stage_twins")
    if twins:
        taken = learned.header("stage")
        choices = (taken, *(m.header for m in twins))
        ask(Question("stage_column", f"Columns {', '.join(repr(c) for c in choices)} each "
                     f"read as the Stage; which one is the deal's stage? ({', '.join(choices)})",
                     taken, choices))
    ids = ev.get("ids")
    if ids is not None and ids.not_an_id and ids.unique:
        ask(Question("deal_id", f"{ids.describe()}. Use {ids.unique!r} as the Deal ID "
                     "column? [yes/no]", "yes", ("yes", "no")))
    vocab = ev.get("stages")
    for v in vocab.unknown if vocab else ():
        proposal = labels[v.proposal] if v.proposal else NONE
        why = f" ({v.why})" if v.why else ""
        ask(Question(f"stage:{v.value}", f"Stage {v.value!r} ({v.count} rows){why}: which stage "
                     f"is it? ({', '.join(labels.values())}, or none to leave it unknown)",
                     proposal, stage_choices))
    order, why = date_order(ev.get("dates", {}))
    if order is None and why:
        ask(Question("date_order", f"Dates: {why}. Read ambiguous dates as DMY (day first), "
                     "MDY (month first), or none to leave them reported?", NONE, DATE_ORDERS))
    learned.accept_all()


def date_order(orders: dict) -> tuple[str | None, str]:
    """The one date order the sheet proves (or was configured with), and its evidence; (None,
    why) when its columns prove none, mix, or disagree."""
    proved = {key: o for key, o in orders.items() if o.how in (PROVED, SHEET, CONFIGURED)}
    found = {o.order for o in proved.values()}
    mixed = [o for o in orders.values() if o.mixed]
    if mixed:
        return None, f"column {mixed[0].field} {mixed[0].describe()}"
    if len(found) == 1:
        first = next(o for o in proved.values() if o.how != SHEET)
        return found.pop(), f"{first.field}: {first.describe()}"
    if len(found) > 1:
        return None, "the date columns prove different orders"
    waiting = sum(o.ambiguous for o in orders.values())
    return None, (f"{waiting} ambiguous dates and no value that proves an order"
                  if waiting else "")


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a TOML basic string


def to_toml(learned: Learned, source_path: str, today: str, time_zone: str | None = None) -> str:
    """The sheetsales.toml recording what was learned and the answers given (and
    `time_zone`, the zone "today" is taken in, when given)."""
    ev, answers, sheet = learned.evidence, learned.answers, learned.sheet
    out = [f"# Learned from {learned.source} by `sheetsales init --from` on {today}.",
           "# Every choice says why; edit any of them, then run sheetsales check.", "",
           "[source]", f"path = {_q(source_path)}",
           # a CSV's one sheet is named after the file: naming it would tie the config to it
           *([] if learned.source.lower().endswith(".csv") else [f"sheet = {_q(sheet.title)}"]),
           f"header_row = {sheet.header_row}", "", "[columns]"]
    header, ids = ev.get("header"), ev.get("ids")
    for m in header.matches if header else ():
        if m.weak and answers.get(f"column:{m.field}") != "yes":
            out.append(f"# {m.field}: {_q(m.header)} not used ({m.how}: {m.via})")
        elif m.field == "stage" and ev.get("stage_twins"):
            chosen = answers.get("stage_column", m.header)
            others = [h for h in (m.header, *(t.header for t in ev["stage_twins"])) if h != chosen]
            out.append(f"stage = {_q(chosen)}  # chosen; also read as the Stage, not used: "
                       + ", ".join(_q(h) for h in others))
        elif m.field == "deal_id" and answers.get("deal_id") == "yes":
            out.append(f"deal_id = {_q(ids.unique)}  # {ids.describe()}")
        else:
            out.append(f"{m.field} = {_q(m.header)}  # {m.how}: {m.via}")
    for h, fields in header.ties if header else ():
        out.append(f"# {_q(h)} could be {' or '.join(fields)}: not used; map it here if it is one")
    order, why = date_order(ev.get("dates", {}))
    chosen = answers.get("date_order", NONE)
    order = order or (chosen if chosen != NONE else None)
    out += ["", "[rules]"]
    if time_zone:
        out.append(f"time_zone = {_q(time_zone)}  # this machine's zone when init ran: what "
                   '"today" means')
    out.append(f'date_order = "{order}"  # {why}' if order else f"# date_order: none ({why or 'no text dates'})")
    scale = ev.get("probability")
    if scale is not None and scale.kind == WORDS:
        words = ", ".join(f"{_q(w)} = {p:g}" for w, p in scale.words.items())
        out += ["", "[probability]", f"words = {{ {words} }}  # values from {scale.source}"]
    out += _stages(learned)
    return "\n".join(out) + "\n"


def _stages(learned: Learned) -> list[str]:
    vocab = learned.evidence.get("stages")
    if vocab is None:
        return []
    by_stage: dict[str, list[str]] = {}
    left = []
    keys = {label: key for key, label in learned.stage_labels.items()}
    for v in vocab.values:
        if v.stage:
            key, why = v.stage, f"{v.how}: {v.via}"
        else:
            key = keys.get(learned.answers.get(f"stage:{v.value}", ""))
            why = f"accepted: {v.why}" if v.why and key == v.proposal else "chosen"
        if key is None:
            left.append(f"# {_q(v.value)}: {v.count} rows, not mapped (add it to a stage's aliases)")
            continue
        by_stage.setdefault(key, []).append(f"  {_q(v.value)},  # {v.count} rows, {why}")
    out = []
    for key, lines in by_stage.items():
        stage = learned.stages.by_key(key)
        listed = {stage_key(v.value) for v in vocab.values}
        kept = [f"  {_q(a)}," for a in stage.aliases if stage_key(a) not in listed]
        out += ["", "[[stages]]", f"label = {_q(stage.label)}", "aliases = [", *lines,
                *(["  # the built-in aliases, kept:", *kept] if kept else []), "]"]
    return out + ([""] + left if left else [])
