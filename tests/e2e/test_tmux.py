"""The installed `iqconsole` command in a real terminal (tmux), against the real Prosody."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

IQCONSOLE = Path(sys.executable).with_name("iqconsole")


PRIVATE_ENV = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "HOME", "PATH", "LANG")


class Terminal:
    """A tmux server of its own running one command; read it like a person reads a screen.

    Each terminal has its own tmux server: a shared server keeps the environment of whichever
    test started it, so two tests (or two xdist workers) would share one draft and history."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], size=(150, 45)):
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed: run scripts/bootstrap (it installs tmux) or apt-get install tmux")
        self.name = name
        self.size = size
        wanted = {key: os.environ[key] for key in PRIVATE_ENV if key in os.environ} | env
        env_args = [arg for key, value in wanted.items() for arg in ("-e", f"{key}={value}")]
        shell = " ".join(command) + "; echo IQCONSOLE-EXITED-$?; sleep 30"
        width, height = str(size[0]), str(size[1])
        # The window gets its size before the command starts, and keeps it (no client to follow).
        self.tmux("new-session", "-d", "-s", name, "-x", width, "-y", height, "sleep 600")
        self.tmux("set-option", "-t", name, "window-size", "manual")
        self.tmux("resize-window", "-t", name, "-x", width, "-y", height)
        shown = self.tmux("display-message", "-p", "-t", name, "#{pane_width}x#{pane_height}").strip()
        assert shown == f"{width}x{height}", f"the tmux pane is {shown}, not {width}x{height}"
        self.tmux("respawn-pane", "-k", "-t", name, *env_args, shell)

    def tmux(self, *args: str) -> str:
        """Run tmux on this terminal's private server, with no user configuration."""
        # COLUMNS/LINES from the test process (pytest sets them) would override the pane's real size.
        env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "LINES")}
        return subprocess.run(
            ["tmux", "-L", self.name, "-f", "/dev/null", *args], check=True, capture_output=True, text=True, env=env
        ).stdout

    def screen(self, styled: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-e"] if styled else []), "-t", self.name)

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", self.name, *(["-l"] if literal else []), *keys)

    def wait_until(self, condition, what: str, timeout: float = 30.0, styled: bool = False) -> str:
        """Poll the screen until `condition(screen)` holds; fail with the screen and `what` was awaited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen(styled)
            if condition(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"never on screen: {what}\n{self.screen()}")

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        return self.wait_until(lambda screen: text in screen, repr(text), timeout)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.name, "kill-server"], capture_output=True)


def composer_lines(screen: str) -> list[str]:
    """The inside of the composer box (left pane, from its titled top border to its bottom border)."""
    lines = screen.splitlines()
    top = next(index for index, line in enumerate(lines) if "Composer" in line and "╭" in line)
    right = lines[top].index("╮")
    inside = []
    for line in lines[top + 1 :]:
        if line.startswith("╰"):
            break
        inside.append(line[1:right])
    return inside


def editor_line(screen: str, number: int) -> str:
    """The editor's line `number` as drawn (with its line number gutter), or ''."""
    prefix = f"{number} "
    return next((line for line in composer_lines(screen) if line.startswith(prefix)), "")


def styled_row(styled_screen: str, plain_screen: str, number: int) -> str:
    """The escape-coded screen row that shows editor line `number` (its colours tell a selection)."""
    rows = plain_screen.splitlines()
    index = next(row for row, line in enumerate(rows) if line.startswith(f"│{number} "))
    return styled_screen.splitlines()[index]


@pytest.fixture
def terminal():
    terminals: list[Terminal] = []

    def start(command: list[str], env: dict[str, str]) -> Terminal:
        # A name never used before: a server killed by the previous test may still be exiting,
        # and a new session on its socket would fail ("server exited unexpectedly").
        term = Terminal(f"iqconsole-test-{uuid.uuid4().hex[:12]}", command, env)
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
    term.wait_until(lambda screen: "online" in screen and "1 stanza ready" in screen, "online, the starter checked")
    before = term.screen()
    unselected = styled_row(term.screen(styled=True), before, 2)
    term.keys("F7")  # select all: typing replaces the starter stanza
    term.wait_until(
        lambda styled: styled_row(styled, term.screen(), 2) != unselected,
        "the starter stanza drawn as selected after F7",
        styled=True,
    )
    typed = '<iq type="get" to="localhost"><query xmlns="jabber:iq:version"/></iq>'
    term.keys(typed, literal=True)
    screen = term.wait_until(
        lambda screen: (
            typed[-25:] in editor_line(screen, 1) and "1 stanza ready" in screen and not editor_line(screen, 2)
        ),
        "the typed stanza alone in the editor, checked",
    )
    assert "disco#info" not in "\n".join(composer_lines(screen)), "F7 then typing replaces the editor's text"
    term.keys("C-j")
    term.wait_for("✔ Result")
    screen = term.wait_for("<name>Prosody</name>")  # the reply, in full, in the detail pane
    assert alice.password not in screen
    term.keys("F3")  # to the log (its keys show in the footer), and search it for the login
    term.wait_until(lambda screen: "Filter" in screen.splitlines()[-1], "the traffic log's keys in the footer")
    term.keys("/")
    term.wait_for("search: text or terms")
    term.keys("kind:sasl", literal=True)
    term.wait_for("kind:sasl")
    term.keys("Enter")
    screen = term.wait_until(  # the SASL auth, selected, in the detail pane (which wraps long lines)
        lambda screen: "· sasl ·" in screen and ">[redacted]</a" in screen, "the redacted SASL auth in the detail pane"
    )
    assert alice.password not in screen
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")


@pytest.mark.parametrize("kind", ["prosody", "ejabberd"])
def test_sandbox_demo_starts_and_stops_its_own_server(terminal, kind):
    term = terminal([str(IQCONSOLE), "sandbox", "--server", kind], {})
    screen = term.wait_for("online")
    assert "alice@localhost/console" in screen
    port = int(re.search(rf"Sandbox {kind} on 127\.0\.0\.1:(\d+)", screen.replace("\n", "")).group(1))
    term.keys("C-j")
    term.wait_for("✔ Result")
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")
    with pytest.raises(OSError):  # the server stopped with the console
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def descendants(pid: int) -> list[int]:
    """Every process started under `pid` (Linux /proc), children first."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


def test_the_sandbox_server_killed_under_the_console_is_started_again_and_the_console_is_back(terminal):
    term = terminal([str(IQCONSOLE), "sandbox"], {})
    term.wait_for("online")
    pane = int(term.tmux("display-message", "-p", "-t", term.name, "#{pane_pid}").strip())
    (server,) = [pid for pid in descendants(pane) if b"prosody.cfg.lua" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    os.kill(server, signal.SIGKILL)
    term.wait_for("sandbox server (prosody) was killed")
    term.wait_for("reconnecting in")
    term.keys("y")
    term.wait_for("runs again on 127.0.0.1")
    term.wait_until(lambda screen: "online again" in screen and "· online" in screen, "the marker row, and online")
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")


def test_a_sandbox_console_killed_with_sigkill_leaves_its_folder_only_until_the_next_sandbox_start(terminal, tmp_path):
    # A temporary folder of its own: a sandbox started meanwhile by another test would sweep the
    # orphan from the shared one before this test looks.
    private = {"TMPDIR": str(tmp_path)}
    term = terminal([str(IQCONSOLE), "sandbox"], private)
    term.wait_for("online")
    pane = int(term.tmux("display-message", "-p", "-t", term.name, "#{pane_pid}").strip())
    console = int(Path(f"/proc/{pane}/task/{pane}/children").read_text().split()[0])
    (server,) = [pid for pid in descendants(pane) if b"prosody.cfg.lua" in Path(f"/proc/{pid}/cmdline").read_bytes()]
    (config,) = [arg for arg in Path(f"/proc/{server}/cmdline").read_bytes().split(b"\0") if arg.endswith(b".lua")]
    folder = Path(config.decode()).parent
    assert folder.name.startswith("iqconsole-prosody-") and (folder / "certs").is_dir()
    os.kill(console, signal.SIGKILL)
    term.wait_for("IQCONSOLE-EXITED-137")
    deadline = time.monotonic() + 10
    while Path(f"/proc/{server}").exists() and time.monotonic() < deadline:  # dying with its console
        time.sleep(0.05)
    assert folder.is_dir(), "a SIGKILL runs no clean-up"
    terminal([str(IQCONSOLE), "sandbox"], private).wait_for("online")
    assert not folder.exists(), "the next sandbox start removed the killed console's folder"
