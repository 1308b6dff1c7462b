"""The installed `iqconsole` journals a session as it goes: killed with SIGKILL, it loses nothing
that was on screen; turned off (config or option), it writes nothing."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from iqconsole.core import locations
from iqconsole.core.traffic_export import load_store
from tests.e2e.test_tmux import IQCONSOLE, terminal  # noqa: F401 (the fixture)


def console_command(prosody, *extra: str) -> list[str]:
    alice = prosody.account("alice")
    return [
        str(IQCONSOLE),
        *("--jid", f"{alice.jid}/journal", "--host", prosody.host, "--port", str(prosody.port)),
        *("--ca-file", str(prosody.ca_file), "--password-env", "IQC_TEST_PASSWORD", *extra),
    ]


def iqconsole_pid(term) -> int:
    """The console under the pane's shell (the shell runs it, then reports its exit)."""
    shell = term.tmux("display-message", "-p", "-t", term.name, "#{pane_pid}").strip()
    children = Path(f"/proc/{shell}/task/{shell}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def test_the_journal_of_a_console_killed_with_sigkill_holds_the_session(prosody, terminal):  # noqa: F811
    password = prosody.account("alice").password
    term = terminal(console_command(prosody), {"IQC_TEST_PASSWORD": password})
    term.wait_until(lambda screen: "online" in screen and "1 stanza ready" in screen, "online, the starter checked")
    term.keys("C-j")
    term.wait_for("✔ Result")
    os.kill(iqconsole_pid(term), signal.SIGKILL)
    term.wait_for("IQCONSOLE-EXITED-137")

    listing = subprocess.run([str(IQCONSOLE), "journal"], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    header, row = listing.stdout.splitlines()
    assert header.split()[:6] == ["#", "started", "account", "server", "stanzas", "size"]
    assert "alice@localhost/journal" in row and f"{prosody.host}:{prosody.port}" in row
    path = Path(row.split()[-1])
    assert path.parent == locations.journal_dir()
    loaded = load_store(path)
    assert not loaded.skipped, [str(problem) for problem in loaded.skipped]
    results = [entry for entry in loaded.store if entry.type == "result" and "disco#info" in entry.xml]
    assert results, "the reply that was on screen is in the journal"
    assert loaded.store.pairing_of(results[-1]) is not None, "paired with its request again"
    assert password not in path.read_text()
    assert int(row.split()[5]) == sum(1 for entry in loaded.store if entry.kind.value != "notice")

    viewer = terminal([str(IQCONSOLE), "journal", "1"], {})
    viewer.wait_for(f"{path.name} · ")
    viewer.keys("C-q")
    viewer.wait_for("IQCONSOLE-EXITED-0")


@pytest.mark.parametrize("turned_off", ["config", "option"])
def test_a_journal_turned_off_writes_nothing(prosody, terminal, turned_off):  # noqa: F811
    extra: tuple[str, ...] = ()
    if turned_off == "config":
        locations.config_file().parent.mkdir(parents=True, exist_ok=True)
        locations.config_file().write_text("journal = false\n")
    else:
        extra = ("--no-journal",)
    term = terminal(console_command(prosody, *extra), {"IQC_TEST_PASSWORD": prosody.account("alice").password})
    term.wait_until(lambda screen: "online" in screen and "1 stanza ready" in screen, "online, the starter checked")
    term.keys("C-j")
    term.wait_for("✔ Result")
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")
    assert not locations.journal_dir().exists()
    listing = subprocess.run([str(IQCONSOLE), "journal"], capture_output=True, text=True, timeout=60)
    assert listing.stdout == f"No past sessions in {locations.journal_dir()}.\n"
