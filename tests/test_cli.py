"""The installed command: every argument and the config file are checked before anything starts
(exit 2 with the option or file, the key, the problem and what is allowed), and an error never
ends with exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from iqconsole.core import locations
from iqconsole.core.journal import Journal
from iqconsole.core.traffic import Direction, Kind, TrafficStore
from iqconsole.core.traffic_export import FORMAT, FORMAT_VERSION

IQCONSOLE = Path(sys.executable).with_name("iqconsole")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IQCONSOLE), *args], capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})}
    )


@pytest.fixture
def recording(tmp_path) -> Path:
    """An exported log with no entries: enough for `iqconsole view`."""
    path = tmp_path / "empty.jsonl"
    path.write_text(json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "own_jid": ""}) + "\n")
    return path


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--timeout", "-5"], "argument --timeout: -5 is not above 0; allowed: a number of seconds above 0"),
        (["--timeout", "0"], "argument --timeout: 0 is not above 0"),
        (["--timeout", "nan"], "argument --timeout: nan is not a finite number"),
        (["--timeout", "inf"], "argument --timeout: inf is not a finite number"),
        (["--port", "99999"], "argument --port: 99999 is out of range; allowed: a whole number from 1 to 65535"),
        (["--port", "-"], "argument --port: - is not a whole number"),
        (["--jid", "alice smith@example.org"], "argument --jid: 'alice smith@example.org' contains a space"),
        (["--jid", "@example.org"], "argument --jid: '@example.org' is not a valid JID"),
        (["--jid", "alice@"], "argument --jid: 'alice@' is not a valid JID"),
        (["--jid", "example.org"], "argument --jid: 'example.org' has no user part"),
        (["--ca-file", "/no/such/file.pem"], "argument --ca-file: '/no/such/file.pem': no such file"),
        (["--jid", "a@example.org", "--port", "5222"], "--port: 5222 is given without a host"),
        (
            ["--max-stanza-size", "5KB"],
            "argument --max-stanza-size: 5KB is out of range; allowed: a size from 10KB to 1GB",
        ),
        (["--max-stanza-size", "huge"], "argument --max-stanza-size: huge is not a size"),
        (["sandbox", "--max-depth", "0"], "argument --max-depth: 0 is out of range; allowed: a whole number of levels"),
        (["respond", "--max-depth", "300"], "argument --max-depth: 300 is out of range"),
        (
            ["sandbox", "--server", "openfire"],
            "argument --server: invalid choice: 'openfire' (choose from 'prosody', 'ejabberd')",
        ),
    ],
)
def test_bad_arguments_end_with_exit_2_and_say_why(args, words):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("before_the_command", [False, True])
def test_an_unknown_theme_is_refused_before_the_screen_opens(recording, before_the_command):
    arguments = ["--theme", "nosuch", "view", str(recording)]
    result = run(*(arguments if before_the_command else [*arguments[2:], *arguments[:2]]))
    assert result.returncode == 2, result.stderr
    assert "--theme: no theme named 'nosuch'; allowed: " in result.stderr
    assert "iqconsole-light" in result.stderr and "nord" in result.stderr, "built-in and Textual themes are listed"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--port", "5222"], "--port: 5222 is given without a host"),
        (["--host", "127.0.0.1"], "--host: given without --jid"),
        (["--password-env", "HOME"], "--password-env: given without --jid"),
        (["--insecure"], "--insecure: given without --jid"),
    ],
)
def test_connection_options_without_an_account_are_refused_not_ignored(args, words):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr


def test_an_unset_password_variable_names_the_option_and_what_it_needs():
    result = run("--jid", "a@example.org", "--password-env", "IQCONSOLE_NO_SUCH_VARIABLE")
    assert result.returncode == 2
    assert "--password-env: IQCONSOLE_NO_SUCH_VARIABLE is not set; allowed: " in result.stderr


def test_help_gives_the_range_of_the_timeout():
    assert "above 0, at most 86400" in " ".join(run("--help").stdout.split())


def test_a_ca_file_that_is_not_a_certificate_is_refused_up_front(tmp_path):
    not_a_certificate = tmp_path / "notes.pem"
    not_a_certificate.write_text("just some notes\n")
    result = run("--jid", "a@example.org", "--ca-file", str(not_a_certificate))
    assert result.returncode == 2
    assert f"argument --ca-file: '{not_a_certificate}' holds no PEM certificate" in result.stderr


def test_respond_refuses_a_jid_with_a_space_without_a_traceback(tmp_path):
    result = run("respond", "--jid", "a b@example.org", "--password-env", "HOME", "--responders", "x.toml")
    assert result.returncode == 2 and "contains a space" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("timeout = -5\n", "config.toml: timeout: -5 is not above 0"),
        ("timeout = nan\n", "config.toml: timeout: nan is not a finite number"),
        (
            "timout = 5\n",
            "config.toml: timout: unknown key; allowed: timeout, theme, max-stanza-size, max-depth, variables, keymap, journal",
        ),
        ("timeout = \n", "config.toml: not valid TOML"),
        (
            '[keymap]\n"composer.sned" = "f6"\n',
            'keymap."composer.sned": unknown binding id (did you mean composer.send?)',
        ),
        ('[keymap]\n"composer.send" = "ctlr+j"\n', "keymap.\"composer.send\": unknown key 'ctlr+j'"),
        ("max-depth = 2\n", "config.toml: max-depth: 2 is out of range; allowed: a whole number of levels from 8"),
        ('theme = "nosuch"\n', "config.toml: theme: no theme named 'nosuch'; allowed: "),
    ],
)
def test_view_with_a_bad_config_file_gives_a_clear_error(tmp_path, recording, config, words):
    config_dir = tmp_path / "config" / "iqconsole"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text(config)
    result = run("view", str(recording), env={"XDG_CONFIG_HOME": str(tmp_path / "config")})
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr


CRASHING_APP = """
import sys
from {module} import {app}
def on_mount(self):
    raise RuntimeError("a bug in the app")
{app}.on_mount = on_mount
from iqconsole.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("module", "app", "arguments"),
    [
        ("iqconsole.ui.app", "IqConsoleApp", ["--jid", "alice@localhost", "--host", "127.0.0.1", "--port", "9"]),
        ("iqconsole.ui.viewer_app", "TrafficViewerApp", ["view", "{recording}"]),
    ],
)
def test_an_error_in_the_app_never_ends_with_exit_0(recording, module, app, arguments):
    arguments = [argument.format(recording=recording) for argument in arguments]
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_APP.format(module=module, app=app), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"},
    )
    assert result.returncode == 1
    assert "a bug in the app" in result.stderr
    assert "iqconsole: stopped by an unexpected error" in result.stderr


def test_respond_reads_the_limits_of_the_config_file_and_refuses_a_bad_one(tmp_path):
    config_dir = tmp_path / "config" / "iqconsole"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text("max-stanza-size = '1KB'\n")
    responders = tmp_path / "responders.toml"
    responders.write_text('[[responder]]\nname = "pong"\nmatch = "iq@type=get/ping"\n')
    result = run(
        *("respond", "--jid", "a@example.org", "--password-env", "HOME", "--responders", str(responders)),
        env={"XDG_CONFIG_HOME": str(tmp_path / "config")},
    )
    assert result.returncode == 2, result.stderr
    assert "config.toml: max-stanza-size: 1KB is out of range; allowed: a size from 10KB to 1GB" in result.stderr


@pytest.mark.parametrize(
    ("args", "variables"),
    [
        (["--var", "peer=bob@localhost", "sandbox", "--var", "node=x"], {"peer": "bob@localhost", "node": "x"}),
        (["--var", "node=before", "sandbox", "--var", "node=after"], {"node": "after"}),
        (["sandbox", "--var", "node=x"], {"node": "x"}),
    ],
)
def test_vars_before_and_after_the_command_add_up_and_the_later_wins(args, variables):
    from iqconsole.cli import build_parser, ui_settings

    assert ui_settings(build_parser().parse_args(args)).variables == variables


def test_journal_lists_past_sessions_newest_first_and_refuses_a_number_it_does_not_list():
    for account, count in (("alice@example.org", 3), ("bob@example.org", 1)):
        journal = Journal(locations.journal_dir(), TrafficStore())
        journal.begin(account, "example.org:5222")
        for number in range(count):
            journal.store.append(Direction.IN, Kind.MESSAGE, f"<message id='m{number}'/>", stanza_id=f"m{number}")
        journal.store.notice("connection lost", "disconnected")  # the console's own words: not a stanza
        journal.close()
    result = run("journal")
    assert result.returncode == 0, result.stderr
    header, bob, alice = result.stdout.splitlines()
    assert header.split() == ["#", "started", "account", "server", "stanzas", "size", "file"]
    for row, listed in ((bob, ("1", "bob@example.org", "1")), (alice, ("2", "alice@example.org", "3"))):
        fields = row.split()
        assert (fields[0], fields[3], fields[5]) == listed and fields[4] == "example.org:5222", row
        assert Path(fields[-1]).parent == locations.journal_dir()
    refused = run("journal", "3")
    assert refused.returncode == 2
    assert "journal: there is no session 3; allowed: a number from 1 to 2" in refused.stderr


def test_locate_shows_the_journal_folder():
    result = run("locate")
    assert f"journal         {locations.journal_dir()}\n" in result.stdout


def test_view_refuses_the_consoles_no_journal_option(recording):
    result = run("--no-journal", "view", str(recording))
    assert result.returncode == 2
    assert "--no-journal: not used by `iqconsole view`" in result.stderr


def test_a_journal_folder_that_cannot_be_read_is_said_with_its_path_and_exit_2():
    folder = locations.journal_dir()
    folder.parent.mkdir(parents=True)
    folder.write_text("a file where the folder should be")
    result = run("journal")
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"iqconsole journal: cannot read the journal folder {folder}: not a folder\n"


def test_journal_lists_only_journal_files_and_names_the_others_once():
    journal = Journal(locations.journal_dir(), TrafficStore())
    journal.begin("alice@example.org", "example.org:5222")
    journal.store.append(Direction.IN, Kind.MESSAGE, "<message id='m0'/>", stanza_id="m0")
    journal.close()
    (locations.journal_dir() / "2026-01-01T00-00-00-1.jsonl").mkdir()
    os.mkfifo(locations.journal_dir() / "2026-01-01T00-00-00-2.jsonl")  # reading it would wait forever
    (locations.journal_dir() / "x.jsonl").write_text("not a journal\n")
    result = run("journal")
    assert result.returncode == 0, result.stderr
    _header, alice, others = result.stdout.splitlines()
    assert "alice@example.org" in alice
    assert (
        others
        == "3 files in the folder are not journals: 2026-01-01T00-00-00-1.jsonl, 2026-01-01T00-00-00-2.jsonl, x.jsonl"
    )


@pytest.mark.parametrize(
    ("name", "why"), [("folder", "is a folder, not a recording"), ("missing.jsonl", "no such file")]
)
def test_view_says_plainly_why_a_path_is_not_a_recording(tmp_path, name, why):
    (tmp_path / "folder").mkdir()
    result = run("view", str(tmp_path / name))
    assert result.returncode == 2
    assert result.stderr == f"iqconsole view: {tmp_path / name}: {why}\n"
