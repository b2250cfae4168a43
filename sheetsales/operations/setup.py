"""`init` and `demo`: the files a new user starts from."""

import datetime as dt
from pathlib import Path

from ..core.config import load_config
from ..core.dates import local_zone, today_in
from ..core.errors import SheetsalesError
from .demo import write_demo_workbook
from .run import RunResult, run
from .starter import CONFIG_TEMPLATE, WORKBOOK_TEMPLATE

DEMO_WORKBOOK = "demo-deals.xlsx"


def init(directory: str | Path = ".") -> list[Path]:
    """Copy the commented sheetsales.toml and the starter deals.xlsx from templates/ into
    `directory`; refuses to overwrite either."""
    directory = Path(directory)
    config, workbook = directory / "sheetsales.toml", directory / "deals.xlsx"
    for path in (config, workbook):
        if path.exists():
            raise SheetsalesError(f"{path} already exists; sheetsales init only creates new "
                                  "files, so move it away or choose another folder")
    directory.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG_TEMPLATE.read_text(encoding="utf-8").replace(
        '# time_zone = "Europe/Paris"', f'time_zone = "{local_zone()}"'), encoding="utf-8")
    workbook.write_bytes(WORKBOOK_TEMPLATE.read_bytes())
    return [config, workbook]


def demo(directory: str | Path = "sheetsales-demo",
         today: dt.date | None = None) -> tuple[Path, RunResult]:
    """Create (or re-create) the demo workbook in `directory` and run the nightly job on it."""
    directory = Path(directory)
    today = today or today_in("UTC")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_WORKBOOK
    path.unlink(missing_ok=True)  # the demo folder's own file, re-made on every demo
    write_demo_workbook(path, today)
    config = load_config(None, environ={}, cwd=directory)
    return path, run(path, config, today)
