"""`report`: the pipeline summary and forecast of a source (by stage, by owner, by
expected-close month, the flow between steps), computed from its checked deals; writes
nothing to the source."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..core.config import Config
from ..plan.summary import Summary, summary_of
from ..plan.summary_html import render_html
from ..plan.summary_render import render_summary
from .check import check


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
    Never writes to SOURCE."""
    config = config or Config()
    checked = check(source, config, today, credentials=credentials)
    result = PipelineReport(summary_of(checked, config), checked.sheet.source,
                            checked.sheet.title, checked.titles())
    if html is not None:
        Path(html).write_text(result.render("html"), encoding="utf-8")
    return result
