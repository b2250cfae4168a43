"""`report`: the pipeline summary and forecast of a source (by stage, by owner, by
expected-close month, the flow between steps), computed from its checked deals; writes
nothing to the source."""

import datetime as dt
from dataclasses import dataclass
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
    sheet: str

    def render(self, fmt: str = "table") -> str:
        """As "table", "json", "csv" or "html" (one self-contained page)."""
        if fmt == "html":
            return render_html(self.summary, self.source, self.sheet)
        return render_summary(self.summary, fmt, self.source, self.sheet)

    def as_dict(self) -> dict:
        return {"source": self.source, "sheet": self.sheet, **self.summary.as_dict()}


def report(source: str | Path | None = None, config: Config | None = None,
           today: dt.date | None = None, *, html: str | Path | None = None,
           credentials: str | Path | None = None) -> PipelineReport:
    """The pipeline summary of SOURCE (a path, a Google Sheet, or None for the config's
    [source] path) on `today`; with `html`, also writes it there as one self-contained page.
    Never writes to SOURCE."""
    config = config or Config()
    checked = check(source, config, today, credentials=credentials)
    result = PipelineReport(summary_of(checked, config), checked.sheet.source,
                            checked.sheet.title)
    if html is not None:
        Path(html).write_text(result.render("html"), encoding="utf-8")
    return result
