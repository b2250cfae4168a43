"""The nightly job as the operating system's own scheduler entry (`schedule --install`): a
Task Scheduler task on Windows (schtasks), a launchd agent on macOS, a systemd user timer on
Linux (or a crontab line where there is no systemd). Each runs, daily at `[schedule] at`,
`<this python> -m sheetsales schedule --once --config <the config>`, both paths absolute.

An install or uninstall is a list of Steps, planned without changing anything (so `--print`
shows exactly what `--install` does) and applied in order. Entries are named after the config
file, so two configs (two businesses on one machine) get two entries; uninstalling removes
only the entry of the config given. The platform, interpreter, home folder and the command
runner are parameters, so every platform's entry can be generated and checked anywhere."""

import hashlib
import os
import plistlib
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import ConfigError, SheetsalesError
from .scheduler import scheduled_sources

KINDS = ("schtasks", "launchd", "systemd", "cron")
SCHTASKS_TR_LIMIT = 261  # the longest /TR that schtasks accepts


@dataclass(frozen=True)
class Step:
    """One change: write a file, remove a file, or run a command (with `text` on stdin)."""

    action: str  # "write" | "remove" | "run"
    path: Path | None = None
    text: str = ""
    argv: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.action == "write":
            return f"write {self.path}:\n" + _indent(self.text)
        if self.action == "remove":
            return f"remove {self.path}"
        shown = subprocess.list2cmdline(self.argv) if self.argv[0] == "schtasks" \
            else shlex.join(self.argv)
        return f"run: {shown}" + (":\n" + _indent(self.text) if self.text else "")


@dataclass
class Plan:
    """What an install or uninstall does, step by step."""

    kind: str
    name: str
    steps: list[Step] = field(default_factory=list)

    def describe(self) -> str:
        return "\n".join(step.describe() for step in self.steps)


def _indent(text: str) -> str:
    return "".join(f"    {line}\n" for line in text.splitlines()).rstrip("\n")


def default_kind(platform: str = sys.platform, which=None) -> str:
    """schtasks on Windows, launchd on macOS, systemd where `systemctl` exists, else cron."""
    if platform.startswith("win"):
        return "schtasks"
    if platform == "darwin":
        return "launchd"
    import shutil
    return "systemd" if (which or shutil.which)("systemctl") else "cron"


def job_command(config_path: Path, python: str) -> list[str]:
    """The nightly command, as an argument list."""
    return [python, "-m", "sheetsales", "schedule", "--once", "--config", str(config_path)]


def entry_name(config_path: Path) -> str:
    """A stable name per config file: sheetsales-nightly-<8 hex digits of its path>."""
    return "sheetsales-nightly-" + hashlib.sha256(str(config_path).encode()).hexdigest()[:8]


def _at(config) -> tuple[int, int]:
    hour, minute = config.schedule.at.split(":")
    return int(hour), int(minute)


def _config_path(config) -> Path:
    if config.path is None:
        raise ConfigError("schedule --install needs a config file naming what to run; create "
                          "one with sheetsales init, or pass --config PATH")
    scheduled_sources(config)  # refuses a config with nothing to schedule
    return Path(config.path).absolute()


def plan_install(config, kind: str | None = None, *, platform: str = sys.platform,
                 python: str = sys.executable, home: Path | None = None,
                 run=subprocess.run) -> Plan:
    """The steps that install the nightly job of `config` (a Config read from a file) for
    `kind` (default: the platform's); nothing is changed."""
    kind = kind or default_kind(platform)
    path, home = _config_path(config), home or Path.home()
    name, command, (hour, minute) = entry_name(path), job_command(path, python), _at(config)
    plan = Plan(kind, name)
    if kind == "schtasks":
        task = subprocess.list2cmdline(command)
        if len(task) > SCHTASKS_TR_LIMIT:
            raise ConfigError(f"the nightly command is {len(task)} characters long, more than "
                              f"the {SCHTASKS_TR_LIMIT} Task Scheduler accepts; move "
                              "sheetsales.toml to a shorter path, or install Python in one")
        plan.steps.append(Step("run", argv=(
            "schtasks", "/Create", "/TN", name, "/TR", task, "/SC", "DAILY",
            "/ST", f"{hour:02d}:{minute:02d}", "/F")))
    elif kind == "launchd":
        agent = _launch_agent(home, name)
        plan.steps += [Step("write", agent, launchd_plist(name, command, hour, minute, path,
                                                          home)),
                       Step("run", argv=("launchctl", "load", "-w", str(agent)))]
    elif kind == "systemd":
        service, timer = _units(home, name)
        plan.steps += [Step("write", service, systemd_service(command, path)),
                       Step("write", timer, systemd_timer(name, hour, minute)),
                       Step("run", argv=("systemctl", "--user", "daemon-reload")),
                       Step("run", argv=("systemctl", "--user", "enable", "--now",
                                         timer.name))]
    elif kind == "cron":
        kept = _without_ours(_crontab(run), name)
        plan.steps.append(Step("run", argv=("crontab", "-"),
                               text=kept + cron_line(command, hour, minute, name) + "\n"))
    else:
        raise ConfigError(f"unknown scheduler {kind!r}; use one of {', '.join(KINDS)}")
    return plan


def plan_uninstall(config, kind: str | None = None, *, platform: str = sys.platform,
                   home: Path | None = None, run=subprocess.run) -> Plan:
    """The steps that remove the nightly job of `config`, and nothing else."""
    kind = kind or default_kind(platform)
    if config.path is None:
        raise ConfigError("schedule --uninstall needs the config file the job was installed "
                          "with; pass --config PATH")
    path, home = Path(config.path).absolute(), home or Path.home()
    name = entry_name(path)
    plan = Plan(kind, name)
    if kind == "schtasks":
        plan.steps.append(Step("run", argv=("schtasks", "/Delete", "/TN", name, "/F")))
    elif kind == "launchd":
        agent = _launch_agent(home, name)
        plan.steps += [Step("run", argv=("launchctl", "unload", "-w", str(agent))),
                       Step("remove", agent)]
    elif kind == "systemd":
        service, timer = _units(home, name)
        plan.steps += [Step("run", argv=("systemctl", "--user", "disable", "--now",
                                         timer.name)),
                       Step("remove", timer), Step("remove", service),
                       Step("run", argv=("systemctl", "--user", "daemon-reload"))]
    elif kind == "cron":
        current = _crontab(run)
        plan.steps.append(Step("run", argv=("crontab", "-"), text=_without_ours(current, name)))
    else:
        raise ConfigError(f"unknown scheduler {kind!r}; use one of {', '.join(KINDS)}")
    return plan


def apply(plan: Plan, run=subprocess.run) -> None:
    """Carry out the plan's steps in order; the first that fails stops it, in one sentence."""
    created: list[Path] = []
    try:
        for step in plan.steps:
            _apply(step, run, created)
    except BaseException:
        for path in created:  # a half-installed job is worse than none
            path.unlink(missing_ok=True)
        raise


def _apply(step: Step, run, created: list[Path]) -> None:
    if step.action == "write":
        new = not step.path.exists()
        _write_file(step.path, step.text)
        if new:
            created.append(step.path)
    elif step.action == "remove":
        step.path.unlink(missing_ok=True)
    else:
        try:
            done = run(list(step.argv), input=step.text or None, capture_output=True,
                       text=True)
        except OSError as exc:
            raise SheetsalesError(f"cannot run {step.argv[0]} ({exc.strerror}); is this the "
                                  "right scheduler for this machine? (see --scheduler)") from None
        if done.returncode and not _harmless(step):
            said = (done.stderr or done.stdout or "").strip().splitlines()
            raise SheetsalesError(f"{step.argv[0]} failed ("
                                  f"{said[-1] if said else f'exit {done.returncode}'}); the "
                                  "nightly job was not changed")


def _write_file(path: Path, text: str) -> None:
    """A whole file or none: written beside, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="\n", dir=path.parent,
                                     prefix=f".{path.name}.", suffix=".tmp",
                                     delete=False) as out:
        out.write(text)
    try:
        os.chmod(out.name, 0o644)
        os.replace(out.name, path)
    except BaseException:
        Path(out.name).unlink(missing_ok=True)
        raise


def _harmless(step: Step) -> bool:
    # taking away what is not there: an uninstall run twice
    return step.argv[:2] in (("launchctl", "unload"), ("schtasks", "/Delete")) or \
        step.argv[:3] == ("systemctl", "--user", "disable")


# --- the entries --------------------------------------------------------------------------

def launchd_label(name: str) -> str:
    """com.sheetsales.nightly-<8 hex digits>: launchd's reverse-DNS style."""
    return "com.sheetsales." + name.removeprefix("sheetsales-")


def _launch_agent(home: Path, name: str) -> Path:
    return home / "Library" / "LaunchAgents" / f"{launchd_label(name)}.plist"


def launchd_plist(name: str, command: list[str], hour: int, minute: int, config_path: Path,
                  home: Path) -> str:
    """A launchd agent: the command daily at hour:minute (run at wake when the Mac slept
    through it), its output in ~/Library/Logs."""
    log = str(home / "Library" / "Logs" / f"{name}.log")
    return plistlib.dumps({
        "Label": launchd_label(name),
        "ProgramArguments": command,
        "WorkingDirectory": str(config_path.parent),
        "StartCalendarInterval": {"Hour": hour, "Minute": minute},
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "RunAtLoad": False,
    }).decode("utf-8")


def _units(home: Path, name: str) -> tuple[Path, Path]:
    folder = home / ".config" / "systemd" / "user"
    return folder / f"{name}.service", folder / f"{name}.timer"


def _systemd_quote(word: str) -> str:
    # systemd splits ExecStart like a shell, expands % specifiers and $ variables
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") \
        .replace("$", "$$")
    return f'"{escaped}"'


def systemd_service(command: list[str], config_path: Path) -> str:
    """The oneshot service the timer starts."""
    return ("[Unit]\nDescription=sheetsales nightly job for "
            f"{str(config_path).replace('%', '%%')}\n\n"
            "[Service]\nType=oneshot\n"
            # taken literally, spaces and all (quotes are refused), specifiers expanded
            f"WorkingDirectory={str(config_path.parent).replace('%', '%%')}\n"
            f"ExecStart={' '.join(_systemd_quote(word) for word in command)}\n")


def systemd_timer(name: str, hour: int, minute: int) -> str:
    """Daily at hour:minute; Persistent catches up a run missed while the machine was off."""
    return ("[Unit]\nDescription=sheetsales nightly job\n\n"
            f"[Timer]\nOnCalendar=*-*-* {hour:02d}:{minute:02d}:00\nPersistent=true\n"
            f"Unit={name}.service\n\n[Install]\nWantedBy=timers.target\n")


def cron_line(command: list[str], hour: int, minute: int, name: str) -> str:
    """One crontab line, marked with the entry's name so uninstall finds it."""
    # cron turns an unescaped % into a newline
    words = " ".join(shlex.quote(word).replace("%", "\\%") for word in command)
    return f"{minute} {hour} * * * {words} # {name}"


def _crontab(run) -> str:
    try:
        done = run(["crontab", "-l"], capture_output=True, text=True)
    except OSError as exc:
        raise SheetsalesError(f"cannot run crontab ({exc.strerror}); install cron, or use "
                              "--scheduler systemd") from None
    if done.returncode:  # "no crontab for <user>": an empty one
        return ""
    return done.stdout if done.stdout.endswith("\n") or not done.stdout else done.stdout + "\n"


def _without_ours(crontab: str, name: str) -> str:
    return "".join(line for line in crontab.splitlines(keepends=True)
                   if not line.rstrip("\n").endswith(f" # {name}"))

