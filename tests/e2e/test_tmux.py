"""The installed `iqconsole` command in a real terminal (tmux), against the real Prosody."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

IQCONSOLE = Path(sys.executable).with_name("iqconsole")


class Terminal:
    """A tmux session running one command; read it like a person reads a screen."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], size=(150, 45)):
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed: run scripts/bootstrap (it installs tmux) or apt-get install tmux")
        self.name = name
        env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
        shell = " ".join(command) + "; echo IQCONSOLE-EXITED-$?; sleep 30"
        width, height = str(size[0]), str(size[1])
        # Size the window before the command starts: an app that starts while tmux still resizes
        # may read the old 80x24 size and never see the change.
        self.tmux("new-session", "-d", "-s", name, "-x", width, "-y", height, "sleep 600")
        self.tmux("set-option", "-t", name, "window-size", "manual")
        self.tmux("resize-window", "-t", name, "-x", width, "-y", height)
        self.tmux("respawn-pane", "-k", "-t", name, *env_args, shell)

    @staticmethod
    def tmux(*args: str) -> str:
        """Run tmux on a private server with no user configuration."""
        # COLUMNS/LINES from the test process (pytest sets them) would override the pane's real size.
        env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
        return subprocess.run(
            ["tmux", "-L", "iqconsole-tests", "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", self.name)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on screen:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", "iqconsole-tests", "kill-session", "-t", self.name], capture_output=True)


def composer_text(screen: str) -> str:
    """The left column of the screen, where the composer is."""
    return "\n".join(line[:60] for line in screen.splitlines())


@pytest.fixture
def terminal():
    terminals: list[Terminal] = []

    def start(command: list[str], env: dict[str, str]) -> Terminal:
        term = Terminal(f"iqconsole-test-{os.getpid()}-{len(terminals)}", command, env)
        terminals.append(term)
        return term

    yield start
    for term in terminals:
        term.close()


def test_type_an_iq_send_it_and_read_the_reply(prosody, terminal):
    alice = prosody.account("alice")
    term = terminal(
        [
            str(IQCONSOLE),
            "--jid",
            f"{alice.jid}/tmux",
            "--host",
            prosody.host,
            "--port",
            str(prosody.port),
            "--ca-file",
            str(prosody.ca_file),
            "--password-env",
            "IQC_TEST_PASSWORD",
        ],
        {"IQC_TEST_PASSWORD": alice.password},
    )
    term.wait_for("online")
    time.sleep(0.5)  # a person reads the screen before typing
    typed = '<iq type="get" to="localhost"><query xmlns="jabber:iq:version"/></iq>'
    for _attempt in range(2):
        term.keys("F7")  # select all: typing replaces the starter stanza
        term.keys(typed, literal=True)
        term.wait_for(typed[-25:])  # the end of the line: the editor scrolls to the cursor
        if "disco#info" not in composer_text(term.screen()):
            break
        # Under a loaded CI machine the F7 escape sequence has been seen to get lost once;
        # undo the typing and try again rather than send the starter too.
        term.keys("C-z")
    assert "disco#info" not in composer_text(term.screen()), "F7 then typing replaces the editor's text"
    term.keys("C-j")
    term.wait_for("✔ Result")
    screen = term.wait_for("<name>Prosody</name>")  # the reply, in full, in the detail pane
    assert alice.password not in screen
    term.keys("F3")  # to the log, and search it for the login
    time.sleep(0.3)
    term.keys("/")
    term.wait_for("search: text or terms")
    term.keys("kind:sasl", literal=True)
    term.keys("Enter")
    screen = term.wait_for("[redacted]</auth>")  # the SASL auth, selected, in the detail pane
    assert alice.password not in screen
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")


def test_sandbox_demo_starts_and_stops_its_own_server(terminal):
    term = terminal([str(IQCONSOLE), "sandbox"], {})
    screen = term.wait_for("online")
    assert "alice@localhost/console" in screen
    term.keys("C-j")
    term.wait_for("✔ Result")
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")
