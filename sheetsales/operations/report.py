"""`report`: the pipeline summary and forecast of a source (by stage, by owner, by
expected-close month, the flow between steps), computed from its checked deals and, where
the source has a run history, the stages it recorded; writes nothing to the source."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import Config
from ..nightly.history import History, history_path
from ..plan.summary import Summary, summary_of
from ..plan.summary_html import render_html
from ..plan.summary_render import render_summary
from .check import check
from .targets import resolve_source


@dataclass
class PipelineReport:
    """A source's summary, and where it came from."""

    summary: Summary
    source: str
    sheet: str  # the first deals tab
    sheets: list[str] = field(default_factory=list)  # every deals tab read

    def render(self, fmt: str = "table") -> str:
        """As "table", "json", "csv" or "html" (one self-contained page)."""
        where = self.sheets or self.sheet
        if fmt == "html":
            return render_html(self.summary, self.source, where)
        return render_summary(self.summary, fmt, self.source, where)

    def as_dict(self) -> dict:
        several = {"sheets": self.sheets} if len(self.sheets) > 1 else {}
        return {"source": self.source, "sheet": self.sheet, **several, **self.summary.as_dict()}


def report(source: str | Path | None = None, config: Config | None = None,
           today: dt.date | None = None, *, html: str | Path | None = None,
           credentials: str | Path | None = None) -> PipelineReport:
    """The pipeline summary of SOURCE (a path, a Google Sheet, or None for the config's
    [source] path) on `today`; with `html`, also writes it there as one self-contained page.
    Never writes to SOURCE; reads its run history, when it has one, as `run` does (the
    flow's days in stage, the idle clocks)."""
    config = config or Config()
    checked = check(source, config, today, credentials=credentials,
                    stage_since=_recorded_stages(source, config))
    result = PipelineReport(summary_of(checked, config), checked.sheet.source,
                            checked.sheet.title, checked.titles())
    if html is not None:
        Path(html).write_text(result.render("html"), encoding="utf-8")
    return result


def _recorded_stages(source, config) -> dict | None:
    """Deal ID -> (stage key, since) from the run history of `source`, None when it has none
    (a history is never created by a report)."""
    if isinstance(source, (list, tuple)):  # several CSV files: `run` keeps no history of them
        return None
    source = str(resolve_source(source, config))
    path = history_path(config, source)
    if not path.exists():
        return None
    with History.open(path) as history:
        return history.stages_since(source)
