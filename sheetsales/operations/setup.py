"""`init` and `demo`: the files a new user starts from; `init --from` (`learn`): a config
learned from the user's own sheet."""

import datetime as dt
import os
from pathlib import Path

from ..core.config import CONFIG_NAME, Config, SourceSettings, load_config
from ..core.dates import local_zone, today_in
from ..core.errors import SheetsalesError
from ..sources.atomic import atomic_file
from ..sources import is_google_source
from ..understand.learned import Learned, learn_questions, to_toml
from .check import check
from .demo import write_demo_workbook
from .run import RunResult, run
from .starter import CONFIG_TEMPLATE, WORKBOOK_TEMPLATE

DEMO_WORKBOOK = "demo-deals.xlsx"


def learn(source, config: Config | None = None, *, sheet: str | None = None, credentials=None,
          today: dt.date | None = None) -> Learned:
    """Read a workbook, CSV or Google Sheet as `init --from` does: what its columns prove
    (`Learned.evidence`, `Learned.table()`), and the questions about what they do not, with
    the proposals as answers. Change `answers`, then pass it to init(directory, learn_from=).
    `config` defaults to the built-in one (learning starts from no settings); `sheet` names
    the deals sheet of a workbook."""
    config = config or Config(source=SourceSettings(sheet=sheet))
    report = check(source, config, today, credentials=credentials, choose_twins=True)
    learned = Learned(str(source), report.sheet, config.stages)
    learn_questions(learned)
    return learned


def _write_learned(learned: Learned, directory: Path, force: bool) -> Path:
    path = directory / CONFIG_NAME
    if path.exists() and not force:
        raise SheetsalesError(f"{path} already exists; sheetsales init --from does not "
                              "overwrite it: add --force, or choose another folder")
    source = learned.source
    if not is_google_source(source):
        source = os.path.relpath(Path(source).resolve(), directory.resolve())
    text = to_toml(learned, Path(source).as_posix() if not is_google_source(source)
                   else source, dt.date.today().isoformat(), local_zone())
    directory.mkdir(parents=True, exist_ok=True)
    writer = atomic_file(path, 0o644, check=lambda: load_config(writer.tmp, environ={}))
    with writer as out:
        out.write(text.encode("utf-8"))
    return path


def init(directory: str | Path = ".", learn_from=None, *, force: bool = False,
         credentials=None) -> list[Path]:
    """Write a commented sheetsales.toml and a starter deals.xlsx into `directory`; refuses
    to overwrite either (both are copied from templates/). With `learn_from` (a source, or what `learn` returned, answers and
    all), write only the sheetsales.toml learned from that sheet, accepting every proposal
    of a source; `force` lets it replace an existing one."""
    directory = Path(directory)
    if learn_from is not None:
        learned = learn_from if isinstance(learn_from, Learned) else \
            learn(learn_from, credentials=credentials)
        return [_write_learned(learned, directory, force)]
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


def demo(directory: str | Path = "sheetsales-demo", today: dt.date | None = None,
         run_it: bool = True) -> tuple[Path, RunResult | None]:
    """Create (or re-create) the demo workbook in `directory` and run the nightly job on it
    (with `run_it` False only write it: (path, None))."""
    directory = Path(directory)
    today = today or today_in("UTC")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / DEMO_WORKBOOK
    path.unlink(missing_ok=True)  # the demo folder's own file, re-made on every demo
    write_demo_workbook(path, today)
    if not run_it:
        return path, None
    config = load_config(None, environ={}, cwd=directory)
    return path, run(path, config, today)
