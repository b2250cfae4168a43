"""The command line: parse options, call one library function, render, map errors to exit codes.

Longer than 300 lines because it holds every command's options and help; each command body
is a few lines, and the library functions it calls are in `sheetsales` (the public API)."""

import datetime as dt
import errno
import functools
import os
import sys
from pathlib import Path

import click

import sheetsales

from .cleanup import KINDS as CLEAN_KINDS
from .core.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, SEVERITIES, SheetsalesError, \
    worst_exit
from .core.owned import REMINDERS_SHEET

FAIL_ON = (*SEVERITIES, "never")


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _print_traceback() -> None:
    import traceback  # only for --debug: `--help` and `--version` start faster without it
    traceback.print_exc()


def guarded(command):
    """Turn library errors into one sentence and exit code 2; --debug shows the traceback."""
    @functools.wraps(command)
    def wrapper(*args, debug=False, **kwargs):
        try:
            return command(*args, **kwargs)
        except SheetsalesError as exc:
            if debug:
                _print_traceback()
            _fail(str(exc))
        except BrokenPipeError:  # the reader went away (`| head`): click ends quietly
            raise
        except (OSError, MemoryError) as exc:
            if debug:
                _print_traceback()
            _fail(_system_error(exc))
        except Exception as exc:  # a bug, but still one sentence and exit 2, never a traceback
            if debug:
                _print_traceback()
            _fail(f"sheetsales failed unexpectedly ({exc.__class__.__name__}: {exc}); this is a "
                  "bug: please report it with the output of the same command run with --debug")
        except BaseException as exc:
            if type(exc).__name__ != "PanicException":  # pyo3: a Rust reader panicked
                raise
            if debug:
                _print_traceback()
            _fail(f"the spreadsheet reader crashed on this file ({exc}); open and save it in "
                  "Excel to repair it, or export the deals sheet as .csv")
    return click.option("--debug", is_flag=True, help="Show tracebacks on errors.")(wrapper)


def _system_error(exc: BaseException) -> str:
    """One sentence for what the operating system refused (the write itself is atomic, so a
    workbook is never left half-written)."""
    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    code = getattr(exc, "errno", None)
    if isinstance(exc, MemoryError):
        return ("ran out of memory; close other programs, or split the sheet, and run again "
                "(run with --debug for details)")
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (f"the disk is full{where}; the workbook was left as it was, free some space "
                "and run again")
    if code == errno.EFBIG:
        return (f"a file grew past the size this system allows{where}; the workbook was left "
                "as it was, raise the limit or free space and run again")
    if code in (errno.EACCES, errno.EPERM):
        return f"permission denied{where}; check the permissions of the file and its folder"
    if code == errno.EROFS:
        return f"the disk is read-only{where}; copy the workbook to a writable folder"
    return (f"{exc.__class__.__name__}: {exc}; check the path and permissions "
            "(run with --debug for details)")


def _today(_ctx, _param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; use YYYY-MM-DD") from None


today_option = click.option("--today", callback=_today, metavar="YYYY-MM-DD",
                            help="Check as if today were this date.")
config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                             help="Config file (default: ./sheetsales.toml if present).")
sheet_option = click.option("--sheet", multiple=True,
                            help="A deals tab, by name or pattern (Q*); repeatable. Default: "
                                 "every sheet whose header matches.")
date_order_option = click.option(
    "--date-order", type=click.Choice(["DMY", "MDY", "YMD"], case_sensitive=False),
    help="How to read text dates such as 03/04/2026.")
credentials_option = click.option(
    "--credentials", type=click.Path(dir_okay=False),
    help="Google service-account key file (else $SHEETSALES_CREDENTIALS or "
         "$GOOGLE_APPLICATION_CREDENTIALS), for gsheet: sources.")


def _progress():
    """A progress callback for long reads on a terminal; None when stderr is piped."""
    if not sys.stderr.isatty():
        return None

    def show(done, total):
        of = f" of {total}" if total else ""
        click.echo(f"\rReading rows: {done}{of}", err=True, nl=False)
    return show


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(version=sheetsales.__version__, prog_name="sheetsales")
def cli():
    """sheetsales keeps a sales pipeline spreadsheet honest."""
    _printable_output()


def _printable_output(environ=os.environ) -> None:
    """No command fails for want of a character (a Windows console in cp1252, a log file in
    ASCII): a file or pipe that Python would write in a narrow code page gets UTF-8 (whole
    names, and the CSV's byte-order mark, for the program reading it), unless PYTHONIOENCODING
    chose the encoding; a console, or a chosen encoding, shows "?" for what it cannot show."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-")
        if encoding in ("utf-8", "utf8", "utf-16", "utf-32") or \
                not hasattr(stream, "reconfigure"):
            continue
        chosen = bool(environ.get("PYTHONIOENCODING"))
        if not chosen and not stream.isatty():
            stream.reconfigure(encoding="utf-8")
        else:
            stream.reconfigure(errors="replace")


@cli.command()
@click.argument("source", nargs=-1)
@today_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="error", show_default=True,
              help="Exit 1 when a finding at or above this severity exists.")
@click.option("--all", "everything", is_flag=True,
              help="List every row of every finding (the table groups repeated causes and "
                   "keeps to about 60 lines without it).")
@config_option
@sheet_option
@date_order_option
@credentials_option
@guarded
def check(source, today, fmt, fail_on, everything, config_path, sheet, date_order, credentials):
    """Validate SOURCE (.xlsx, .xlsm or .csv, or several .csv files as one pipeline; default:
    [source] path in the config), every deals tab of it as one pipeline, and report every
    problem and what is due, one line per cause, after what was understood of
    the sheet and what could not be checked. Never writes to SOURCE."""
    config = sheetsales.load_config(config_path, overrides=_overrides(sheet, date_order))
    report = sheetsales.check(source, config, today, progress=_progress(),
                              credentials=credentials)
    if sys.stderr.isatty() and report.deals and len(report.deals) >= 1000:
        click.echo("", err=True)
    if fmt == "table":
        from .plan.render import render
        click.echo(render(report, fmt, everything), nl=False)
    else:  # every finding goes out, a chunk at a time: never the whole text in memory
        from .plan.stream import stream
        stream(report, fmt, lambda text: click.echo(text, nl=False))
    sys.exit(exit_code(report, fail_on))


def _overrides(sheet: tuple[str, ...] = (), date_order: str | None = None) -> dict:
    """The config values given as flags."""
    overrides = {}
    if sheet:
        overrides["source"] = {"sheet": sheet[0], "sheets": list(sheet)}
    if date_order:
        overrides["rules"] = {"date_order": date_order.upper()}
    return overrides


def exit_code(report, fail_on: str) -> int:
    if fail_on == "never" or report.worst() is None:
        return EXIT_OK
    return EXIT_FINDINGS if SEVERITIES.index(report.worst()) <= SEVERITIES.index(fail_on) \
        else EXIT_OK


@cli.command()
@click.argument("source", required=False)
@today_option
@click.option("--dry-run", is_flag=True,
              help="Print what would change, one line per deal; write nothing.")
@click.option("--all", "everything", is_flag=True,
              help="With --dry-run: list every cell that would change, with its address "
                   "(without it, one line per deal, about 60 lines).")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="never", show_default=True,
              help="Exit 1 when a finding at or above this severity exists.")
@config_option
@sheet_option
@credentials_option
@guarded
def run(source, today, dry_run, everything, fail_on, config_path, sheet, credentials):
    """Check SOURCE, then write the Status, Flags, Next action and Next action due columns and
    the Reminders sheet, changing nothing else. A backup is kept; `sheetsales undo` restores it."""
    if everything and not dry_run:
        raise click.UsageError("--all lists the changes of a dry run; add --dry-run")
    config = sheetsales.load_config(config_path, overrides=_overrides(sheet))
    result = sheetsales.run(source, config, today, dry_run=dry_run, credentials=credentials)
    plan = result.plan
    for note in plan.notes:
        click.echo(f"Note: {note}.", err=True)
    summary, numbers = plan.report.summary(), result.numbers
    click.echo(f"{summary['deals']} deals checked in {summary['source']} "
               f"({plan.report.where().rsplit(', header row', 1)[0]}): "
               f"{summary['findings']} findings.")
    click.echo(f"Deals: {numbers.pipeline()}.")
    if plan.report.tabs_line():
        click.echo(plan.report.tabs_line() + ".")
    if dry_run:
        from .plan.diff import render_run_diff
        click.echo(render_run_diff(plan, everything), nl=False)
        if plan.reminders is not None:
            click.echo(f"{REMINDERS_SHEET}: would be replaced with {len(plan.reminders) - 1} "
                       "reminders")
        if plan.summary is not None:
            click.echo(f"{plan.summary_title}: would be written with the pipeline summary")
        click.echo("Nothing to change." if plan.empty else
                   f"{len(plan.changes)} cells would change (dry run: nothing written).")
        sys.exit(EXIT_FINDINGS if not plan.empty else EXIT_OK)
    for note in result.notes:
        click.echo(f"Warning: {note}.", err=True)
    if result.refused:
        click.echo(f"Warning: {result.refused}", err=True)
    else:
        click.echo(_sentence(result.written) if result.written else
                   "Nothing to change: the sheet is up to date, nothing was written.")
    if result.delivery:
        _report_delivery(result.delivery)
    sys.exit(result.exit_code(exit_code(plan.report, fail_on)))


@cli.command()
@click.argument("source", required=False)
@today_option
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="Output format.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False),
              help="Also write the summary with its charts as one self-contained HTML page.")
@config_option
@sheet_option
@credentials_option
@guarded
def report(source, today, fmt, html_path, config_path, sheet, credentials):
    """The pipeline summary of SOURCE: by stage, by owner, the weighted forecast by
    expected-close month, the flow between steps and the totals. Never writes to SOURCE."""
    config = sheetsales.load_config(config_path, overrides=_overrides(sheet))
    result = sheetsales.report(source, config, today, html=html_path, credentials=credentials)
    click.echo(result.render(fmt), nl=False)
    if html_path and fmt == "table":
        click.echo(f"\nWrote {html_path}.")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _report_delivery(delivery) -> None:
    sent = sum(len(d.items) for d in delivery.delivered)
    click.echo(f"Reminders: {sent} items to {len(delivery.delivered)} recipients by "
               f"{delivery.channel}" + (f" ({delivery.held_back} already sent)"
                                        if delivery.held_back else "") + ".")
    for line in delivery.warnings:
        click.echo(f"Warning: {line}", err=True)
    for line in delivery.failures:
        click.echo(f"Error: {line}", err=True)


@cli.command()
@click.argument("source", required=False)
@today_option
@click.option("--print", "print_", is_flag=True,
              help="Print the digests instead of using the configured outbox or SMTP.")
@config_option
@sheet_option
@credentials_option
@guarded
def remind(source, today, print_, config_path, sheet, credentials):
    """Build each owner's digest of what is overdue, due today and due soon, and deliver it
    (printed, an outbox folder of .eml files, or SMTP). Writes nothing into the sheet; an item
    is sent once, overdue ones again on the configured cadence."""
    config = sheetsales.load_config(config_path, overrides=_overrides(sheet))
    delivery = sheetsales.remind(source, config, today, channel="print" if print_ else None,
                                 stdout=sys.stdout, credentials=credentials)
    _report_delivery(delivery)
    sys.exit(delivery.exit_code())


@cli.command()
@click.option("--once", is_flag=True, help="Run every configured source once and exit (cron).")
@click.option("--install", is_flag=True,
              help="Add the nightly job to this machine's scheduler (Task Scheduler, launchd, "
                   "a systemd user timer or crontab); shows it and asks first.")
@click.option("--uninstall", is_flag=True, help="Remove the job --install added.")
@click.option("--print", "print_", is_flag=True,
              help="With --install or --uninstall (or alone): show the entry, change nothing.")
@click.option("--yes", is_flag=True, help="Install or uninstall without asking.")
@click.option("--scheduler", type=click.Choice(["schtasks", "launchd", "systemd", "cron"]),
              help="Which scheduler to use (default: this platform's).")
@today_option
@config_option
@guarded
def schedule(once, install, uninstall, print_, yes, scheduler, today, config_path):
    """Run the nightly job for every [schedule] source daily at [schedule] at; a missed run is
    caught up at start; SIGTERM or Ctrl-C stops it between jobs. With --install, let the
    operating system start `schedule --once` every day instead."""
    if install or uninstall or print_:
        _install(uninstall, print_, yes, scheduler, config_path, once or today)
        return
    outcomes = sheetsales.schedule(sheetsales.load_config(config_path), once=once, today=today)
    for outcome in outcomes:
        click.echo(_outcome_line(outcome))
    sys.exit(worst_exit(o.exit_code for o in outcomes))


def _outcome_line(outcome) -> str:
    """One scheduled job: `deals.xlsx: ok; 64 deals: 3 overdue, ...; 204 cells written`."""
    line = f"{outcome.source}: {outcome.status}" + (f" ({outcome.error})" if outcome.error
                                                    else "")
    numbers = outcome.numbers
    if numbers is None:
        return line
    line += f"; {numbers.deals} deals: {numbers.pipeline()}"
    return line + (f"; {numbers.cells} cells written" if numbers.written else "")


def _install(uninstall, print_, yes, scheduler, config_path, running_options):
    from .nightly import install
    if running_options:
        raise click.UsageError("--once and --today run the job; they do not go with --install, "
                               "--uninstall or --print")
    config = sheetsales.load_config(config_path)
    plan = install.plan_uninstall(config, scheduler) if uninstall else \
        install.plan_install(config, scheduler)
    verb = "remove" if uninstall else "add"
    click.echo(f"sheetsales would {verb} the nightly job {plan.name} ({plan.kind}):\n"
               f"{plan.describe()}")
    if print_:
        click.echo("Nothing changed (--print).")
        return
    if not yes and not click.confirm(f"{verb.capitalize()} it?"):
        click.echo("Nothing changed.")
        sys.exit(EXIT_ERROR)  # SPEC 10: nothing was done
    install.apply(plan)
    at = config.schedule.at
    click.echo(f"Removed the nightly job {plan.name}." if uninstall else
               f"Installed: the nightly job runs daily at {at}; remove it with: sheetsales "
               f"schedule --uninstall --config \"{Path(config.path).absolute()}\"")


@cli.command()
@click.argument("source", required=False)
@click.option("--limit", default=20, show_default=True, help="How many runs to show.")
@config_option
@guarded
def history(source, limit, config_path):
    """Show the recent runs recorded for SOURCE: when, outcome, findings per rule."""
    runs = sheetsales.recent_runs(source, sheetsales.load_config(config_path), limit)
    if not runs:
        click.echo("No runs recorded yet.")
    for item in runs:
        counts = ", ".join(f"{code} {n}" for code, n in sorted(item.counts.items())) or "no findings"
        click.echo(f"{item.started_at:%Y-%m-%d %H:%M} {item.outcome or 'unfinished':<10} "
                   f"today={item.day} {counts}")


def _mapping(_ctx, _param, values):
    mappings = {}
    for value in values:
        text, sep, stage = value.partition("=")
        if not sep or not text.strip() or not stage.strip():
            raise click.BadParameter(f"{value!r} is not TEXT=STAGE, e.g. \"Pitching=Proposal\"")
        mappings[text.strip()] = stage.strip()
    return mappings


@cli.command()
@click.argument("kind", type=click.Choice([*CLEAN_KINDS, "all"]))
@click.argument("source", required=False)
@click.option("--apply", "apply_", is_flag=True, help="Write the changes (default: show them).")
@click.option("--map", "mappings", multiple=True, callback=_mapping, metavar="TEXT=STAGE",
              help='Decide a stage cleanup, e.g. --map "Pitching=Proposal" (repeatable).')
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@config_option
@sheet_option
@date_order_option
@credentials_option
@guarded
def clean(kind, source, apply_, mappings, fmt, config_path, sheet, date_order, credentials):
    """Propose fixes for messy stages, dates, amounts, IDs, duplicates or whitespace as a
    cell-level diff; write them only with --apply (a backup is kept; `sheetsales undo`
    reverts)."""
    config = sheetsales.load_config(config_path, overrides=_overrides(sheet, date_order))
    result = sheetsales.clean(source, [kind], config, apply=apply_, mappings=mappings,
                              credentials=credentials)
    written = result.written
    if fmt == "json":
        import json
        click.echo(json.dumps({**result.as_dict(), "written": written}, indent=2,
                              ensure_ascii=False, default=str))
    else:
        from .cleanup import render_diff as render_clean_diff
        click.echo(render_clean_diff(result), nl=False)
        if written:
            click.echo(_sentence(written))
        elif result.pending:
            click.echo("Dry run: nothing written; add --apply to write these changes.")
    sys.exit(EXIT_FINDINGS if result.pending and not apply_ else EXIT_OK)


@cli.command()
@click.argument("source")
@click.option("--force", is_flag=True,
              help="Restore even if the file changed since sheetsales wrote it or is open in "
                   "Excel or LibreOffice (the program may then save its copy over the restore).")
@config_option
@credentials_option
@guarded
def undo(source, force, config_path, credentials):
    """Restore SOURCE exactly as it was before sheetsales' last write."""
    click.echo(_sentence(sheetsales.undo(source, sheetsales.load_config(config_path),
                                         force=force, credentials=credentials)))


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--from", "source", metavar="SOURCE",
              help="Learn sheetsales.toml from your own sheet (workbook, CSV or Google Sheet) "
                   "instead of writing a starter workbook.")
@click.option("--yes", is_flag=True, help="With --from: accept every proposal without asking.")
@click.option("--force", is_flag=True, help="With --from: replace an existing sheetsales.toml.")
@sheet_option
@credentials_option
@guarded
def init(directory, source, yes, force, sheet, credentials):
    """Write a commented sheetsales.toml and a starter deals.xlsx into DIRECTORY; with --from
    SOURCE, learn the sheetsales.toml from your own sheet instead (and ask about what it
    cannot prove)."""
    if source is None:
        written = sheetsales.init(Path(directory))
        for path in written:
            click.echo(f"Wrote {path}")
        # the config is found in the folder a command runs in: the hint runs from there
        there = "" if Path(directory).resolve() == Path.cwd() else \
            f"cd {_quoted(str(directory))} && "
        click.echo(f"Next: fill in the Deals sheet, then run: {there}sheetsales check "
                   f"{written[1].name}")
        return
    target = Path(directory) / "sheetsales.toml"
    if target.exists() and not force:
        raise sheetsales.SheetsalesError(f"{target} already exists; sheetsales init --from does "
                                         "not overwrite it: add --force, or choose another folder")
    learned = sheetsales.learn(source, sheet=sheet, credentials=credentials)
    _print_learned(learned)
    if learned.questions and not yes:
        if _on_terminal():
            for q in learned.questions:
                learned.answers[q.key] = click.prompt(
                    q.text, default=q.proposal, show_choices=False,
                    type=click.Choice(q.choices, case_sensitive=False))
        else:
            click.echo(f"Not a terminal: the {len(learned.questions)} proposals above are "
                       "accepted (run it on a terminal to choose, or pass --yes).")
    written = sheetsales.init(Path(directory), learn_from=learned, force=force)[0]
    click.echo(f"Wrote {written}")
    click.echo(f"Next: sheetsales check {source} --config {written}")


def _quoted(path: str) -> str:
    """A path as typed into a POSIX shell, cmd or PowerShell alike: double quotes if needed."""
    return f'"{path}"' if any(c.isspace() or c in "&;|()'" for c in path) else path


def _on_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _print_learned(learned) -> None:
    rows = learned.table()
    width = min(40, max(len(r[0]) for r in rows))
    middle = min(24, max(len(r[1]) for r in rows))
    for what, understood, why in rows:
        click.echo(f"{what:<{width}}  {understood:<{middle}}  {why}".rstrip())
    for q in learned.questions:
        shown = q.proposal
        click.echo(f"? {q.text.split('?')[0]}? proposed: {shown}")


@cli.command()
@click.argument("directory", default="sheetsales-demo", type=click.Path(file_okay=False))
@today_option
@click.option("--no-run", is_flag=True,
              help="Only write the demo workbook, as a person keeps it (to load elsewhere, "
                   "e.g. into the Sheets emulator: see the README's Google Sheets section).")
@guarded
def demo(directory, today, no_run):
    """Create a realistic demo pipeline in DIRECTORY and run the nightly job on it, end to end."""
    path, result = sheetsales.demo(Path(directory), today, run_it=not no_run)
    if result is None:
        click.echo(f"Wrote {path}")
        return
    from .plan.render import render
    click.echo(render(result.plan.report, "table"), nl=False)
    click.echo("\n" + _sentence(result.written))
    click.echo(f"Open {path}: the Deals sheet now has the columns "
               f"{', '.join(repr(h) for h in result.plan.layout.headers.values())}, and the "
               f"{REMINDERS_SHEET} sheet lists what each owner must do.\n"
               f"Try: sheetsales check {path} --format json")


def main():
    cli(prog_name="sheetsales")
