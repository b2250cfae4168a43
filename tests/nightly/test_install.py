"""`sheetsales schedule --install` (issue 17): each platform's entry is generated here, on
Linux, with the platform injected, and checked against the format its tool expects (the
schtasks command line as Windows splits it, the launchd plist through plistlib, the systemd
units by their keys and by systemd-analyze when this machine has it, the crontab line by its
fields); `--print` changes nothing; a declined or failed install leaves nothing behind.

Task Scheduler, launchctl and crontab are not on this machine: applying a plan runs a
recorder in their place (for cron, one that keeps the crontab text as the real one does)."""

import configparser
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import run_cli
from sheetsales.cli import cli
from sheetsales.core.config import load_config
from sheetsales.core.errors import ConfigError, SheetsalesError
from sheetsales.nightly import install

WINDOWS_PYTHON = r"C:\Users\Ana Müller\AppData\Local\Programs\Python\Python312\python.exe"


@pytest.fixture
def config(tmp_path):
    folder = tmp_path / "Ventes 100% été"  # a space, non-ASCII letters and a % sign
    folder.mkdir()
    path = folder / "sheetsales.toml"
    path.write_text('[schedule]\nat = "06:30"\nsources = ["deals.xlsx"]\n', encoding="utf-8")
    return load_config(path)


class Recorder:
    """Stands in for the schedulers' command-line tools; `crontab` keeps its text."""

    def __init__(self, crontab: str | None = None):
        self.calls, self.crontab = [], crontab

    def __call__(self, argv, input=None, **kwargs):
        self.calls.append((argv, input))
        if argv == ["crontab", "-l"]:
            if self.crontab is None:
                return subprocess.CompletedProcess(argv, 1, "", "no crontab for ana\n")
            return subprocess.CompletedProcess(argv, 0, self.crontab, "")
        if argv == ["crontab", "-"]:
            self.crontab = input
        return subprocess.CompletedProcess(argv, 0, "", "")


def windows_split(line: str) -> list[str]:
    """Split a command line as Windows programs do (CommandLineToArgvW's rules)."""
    words, word, quoted, backslashes, started = [], "", False, 0, False
    for char in line:
        if char == "\\":
            backslashes += 1
            continue
        if char == '"':
            word += "\\" * (backslashes // 2)
            if backslashes % 2:
                word += '"'
            else:
                quoted = not quoted
            backslashes, started = 0, True
            continue
        word += "\\" * backslashes
        backslashes = 0
        if char in " \t" and not quoted:
            if word or started:
                words.append(word)
            word, started = "", False
        else:
            word += char
            started = True
    word += "\\" * backslashes
    if word or started:
        words.append(word)
    return words


def test_windows_gets_a_daily_task_scheduler_task(config):
    plan = install.plan_install(config, platform="win32", python=WINDOWS_PYTHON)
    assert plan.kind == "schtasks"
    [step] = plan.steps
    argv = list(step.argv)
    assert argv[:2] == ["schtasks", "/Create"] and argv[-1] == "/F"
    options = dict(zip(argv[2:-1:2], argv[3:-1:2]))
    assert options.keys() == {"/TN", "/TR", "/SC", "/ST"}
    assert options["/TN"] == plan.name == install.entry_name(config.path.absolute())
    assert options["/SC"] == "DAILY" and options["/ST"] == "06:30"
    assert len(options["/TR"]) <= install.SCHTASKS_TR_LIMIT
    assert windows_split(options["/TR"]) == [WINDOWS_PYTHON, "-m", "sheetsales", "schedule",
                                             "--once", "--config", str(config.path.absolute())]
    uninstall = install.plan_uninstall(config, platform="win32")
    assert [s.argv for s in uninstall.steps] == [("schtasks", "/Delete", "/TN", plan.name, "/F")]


def test_a_task_command_too_long_for_schtasks_is_refused_with_the_fix(config):
    with pytest.raises(ConfigError, match="more than the 261 Task Scheduler accepts; move"):
        install.plan_install(config, platform="win32", python="C:\\" + "p" * 250 + ".exe")


def test_macos_gets_a_launchd_agent(config, tmp_path):
    home = tmp_path / "home"
    plan = install.plan_install(config, platform="darwin", python="/usr/local/bin/python3",
                                home=home)
    write, load = plan.steps
    agent = home / "Library" / "LaunchAgents" / f"{install.launchd_label(plan.name)}.plist"
    assert write.path == agent and load.argv == ("launchctl", "load", "-w", str(agent))
    entry = plistlib.loads(write.text.encode("utf-8"))
    assert entry["Label"] == agent.stem
    assert entry["ProgramArguments"] == ["/usr/local/bin/python3", "-m", "sheetsales",
                                         "schedule", "--once", "--config",
                                         str(config.path.absolute())]
    assert entry["StartCalendarInterval"] == {"Hour": 6, "Minute": 30}
    assert entry["WorkingDirectory"] == str(config.path.absolute().parent)
    assert entry["StandardOutPath"] == str(home / "Library" / "Logs" / f"{plan.name}.log")
    recorder = Recorder()
    install.apply(plan, run=recorder)
    assert agent.read_text(encoding="utf-8") == write.text
    assert recorder.calls == [(list(load.argv), None)]
    install.apply(install.plan_uninstall(config, platform="darwin", home=home), run=recorder)
    assert not agent.exists()
    assert recorder.calls[-1] == (["launchctl", "unload", "-w", str(agent)], None)


def test_linux_gets_a_systemd_user_timer(config, tmp_path):
    home = tmp_path / "home"
    plan = install.plan_install(config, "systemd", python=sys.executable, home=home)
    service_step, timer_step, *commands = plan.steps
    units = home / ".config" / "systemd" / "user"
    assert service_step.path == units / f"{plan.name}.service"
    assert timer_step.path == units / f"{plan.name}.timer"
    assert [c.argv for c in commands] == [("systemctl", "--user", "daemon-reload"),
                                          ("systemctl", "--user", "enable", "--now",
                                           f"{plan.name}.timer")]
    service, timer = (unit_file(step.text) for step in (service_step, timer_step))
    assert service["Service"]["Type"] == "oneshot"
    exec_start = shlex.split(service["Service"]["ExecStart"].replace("%%", "%"))
    assert exec_start == [sys.executable, "-m", "sheetsales", "schedule", "--once",
                          "--config", str(config.path.absolute())]
    assert timer["Timer"]["OnCalendar"] == "*-*-* 06:30:00"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == service_step.path.name
    assert timer["Install"]["WantedBy"] == "timers.target"
    recorder = Recorder()
    install.apply(plan, run=recorder)
    assert service_step.path.is_file() and timer_step.path.is_file()
    if shutil.which("systemd-analyze"):  # the real parser, where this machine has it
        checked = subprocess.run(["systemd-analyze", "verify", "--man=no",
                                  str(timer_step.path), str(service_step.path)],
                                 capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stderr
    install.apply(install.plan_uninstall(config, "systemd", home=home), run=recorder)
    assert list(units.iterdir()) == []
    assert recorder.calls[-2:] == [(["systemctl", "--user", "disable", "--now",
                                     timer_step.path.name], None),
                                   (["systemctl", "--user", "daemon-reload"], None)]


def unit_file(text: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str
    parser.read_string(text)
    return parser


def test_cron_gets_one_line_and_keeps_every_other(config):
    theirs = "MAILTO=ana@example.com\n# backups\n15 2 * * * /usr/bin/backup --all\n"
    recorder = Recorder(crontab=theirs)
    plan = install.plan_install(config, "cron", python="/opt/venv/bin/python", run=recorder)
    install.apply(plan, run=recorder)
    install.apply(install.plan_install(config, "cron", python="/opt/venv/bin/python",
                                       run=recorder), run=recorder)  # again: still one line
    assert recorder.crontab.startswith(theirs)
    [ours] = recorder.crontab[len(theirs):].splitlines()
    minute, hour, day, month, weekday, command = ours.split(" ", 5)
    assert (minute, hour, day, month, weekday) == ("30", "6", "*", "*", "*")
    command, marker = command.rsplit(" # ", 1)
    assert marker == plan.name
    # cron hands the line to /bin/sh after turning \% back into %
    assert shlex.split(command.replace("\\%", "%")) == [
        "/opt/venv/bin/python", "-m", "sheetsales", "schedule", "--once", "--config",
        str(config.path.absolute())]
    assert "100% " not in command  # a bare % would end the command in cron
    install.apply(install.plan_uninstall(config, "cron", run=recorder), run=recorder)
    assert recorder.crontab == theirs


def test_cron_starts_a_crontab_where_there_is_none(config):
    recorder = Recorder(crontab=None)
    install.apply(install.plan_install(config, "cron", run=recorder), run=recorder)
    assert recorder.crontab.count("\n") == 1 and recorder.crontab.endswith(
        f"# {install.entry_name(config.path.absolute())}\n")


def test_the_platform_decides_the_default():
    assert install.default_kind("win32") == "schtasks"
    assert install.default_kind("darwin") == "launchd"
    assert install.default_kind("linux", which=lambda tool: "/usr/bin/systemctl") == "systemd"
    assert install.default_kind("linux", which=lambda tool: None) == "cron"


def test_two_configs_get_two_entries(tmp_path, config):
    other = tmp_path / "other" / "sheetsales.toml"
    other.parent.mkdir()
    other.write_text('[schedule]\nsources = ["b.xlsx"]\n', encoding="utf-8")
    assert install.entry_name(other) != install.entry_name(config.path.absolute())


def test_a_failed_step_leaves_no_half_installed_job(config, tmp_path):
    home = tmp_path / "home"
    plan = install.plan_install(config, "systemd", home=home)

    def systemctl_fails(argv, **kwargs):
        return subprocess.CompletedProcess(argv, 1, "", "Failed to connect to bus: No medium "
                                                       "found\n")
    with pytest.raises(SheetsalesError, match=r"systemctl failed \(Failed to connect to bus: "
                                              r"No medium found\); the nightly job was not"):
        install.apply(plan, run=systemctl_fails)
    assert not any(path.is_file() for path in home.rglob("*"))


# --- the command ----------------------------------------------------------------------------

def home_files(home: Path) -> list[Path]:
    return sorted(p for p in home.rglob("*") if p.is_file())


@pytest.mark.parametrize("kind", ["schtasks", "launchd", "systemd"])
def test_print_shows_the_entry_and_changes_nothing(config, tmp_path, kind):
    home = tmp_path / "home"
    home.mkdir()
    result = run_cli(["schedule", "--install", "--print", "--scheduler", kind, "--config",
                      config.path], 0, env={"HOME": str(home)},
                     stdout="Nothing changed (--print).")
    assert "sheetsales would add the nightly job sheetsales-nightly-" in result.stdout
    shown = result.stdout.replace('\\"', '"').replace("%%", "%")  # as schtasks, systemd read it
    assert str(config.path.absolute()) in shown
    assert home_files(home) == []


def test_install_asks_first_and_a_no_changes_nothing(config, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    result = CliRunner().invoke(cli, ["schedule", "--install", "--scheduler", "launchd",
                                      "--config", str(config.path)],
                                input="n\n", env={"HOME": str(home)})
    assert result.exit_code == 2, result.output  # SPEC 10: nothing was done
    assert result.stdout.endswith("Add it? [y/N]: n\nNothing changed.\n")
    assert home_files(home) == []


def test_an_install_whose_tool_is_missing_says_so_and_leaves_nothing(config, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    run_cli(["schedule", "--install", "--yes", "--scheduler", "launchd", "--config",
             config.path], 2, env={"HOME": str(home), "PATH": str(tmp_path / "empty")},
            stderr="cannot run launchctl")
    assert home_files(home) == []


def test_install_needs_a_config_and_does_not_mix_with_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_cli(["schedule", "--install", "--print"], 2,
            stderr="schedule --install needs a config file naming what to run")
    run_cli(["schedule", "--install", "--once"], 2, stderr="do not go with --install")


# --- the README's instructions, as far as this machine can follow them ---------------------

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_readme_tells_windows_and_macos_users_how_to_install():
    for section, commands in {"### Windows": ["py -m pip install --user pipx",
                                               "pipx install sheetsales",
                                               "py -m pip install --user sheetsales"],
                              "### macOS": ["python3 -m pip install --user pipx",
                                            "pipx install sheetsales",
                                            "python3 -m pip install --user sheetsales"]}.items():
        text = README.split(section, 1)[1].split("\n### ", 1)[0]
        for command in commands:
            assert command in text, (section, command)
    for option in ("--install", "--print", "--uninstall", "--yes", "--scheduler"):
        assert option in README.split("### The nightly job, in one command", 1)[1]


def test_python_m_sheetsales_runs_as_the_readme_says(tmp_path):
    """`py -m sheetsales` / `python3 -m sheetsales`, for an install without pipx."""
    done = subprocess.run([sys.executable, "-m", "sheetsales", "--version"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("sheetsales, version ")


def test_the_readme_install_command_works_with_print(config, tmp_path, monkeypatch):
    monkeypatch.chdir(config.path.parent)
    home = tmp_path / "home"
    home.mkdir()
    # the README's command; the scheduler pinned, since a machine without systemctl would
    # read its crontab
    run_cli(["schedule", "--install", "--print", "--config", "sheetsales.toml",
             "--scheduler", "systemd"], 0,
            env={"HOME": str(home)}, stdout="Nothing changed (--print).")
    assert home_files(home) == []
