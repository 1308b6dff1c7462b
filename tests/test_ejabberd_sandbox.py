"""The throwaway ejabberd: loopback only, no Erlang distribution, no fail2ban, and nothing left after stop."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from iqconsole.core.ejabberd_sandbox import EjabberdSandbox
from iqconsole.core.sandbox import SandboxError
from iqconsole.core.sandbox_servers import make_sandbox
from tests.test_sandbox import _ended_within, accepts_connections, close, login


def _children(process_id: int) -> set[int]:
    """Every live descendant of a process (from /proc), zombies left out."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in ("Z", "X"):
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {process_id}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _processes_named(name: str) -> set[int]:
    named = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    named.add(int(entry.name))
            except OSError:
                continue
    return named


def test_the_session_ejabberd_listens_on_loopback_only_without_fail2ban_or_distribution(ejabberd):
    assert ejabberd.running and ejabberd.host == "127.0.0.1" and ejabberd.domain == "localhost"
    config = ejabberd.config_file.read_text()
    assert config.count("module: ejabberd_") == 2, "c2s and the upload's HTTP, nothing else"
    assert config.count('ip: "127.0.0.1"') == 2
    assert "mod_fail2ban" not in config and "s2s_access: s2s" in config
    arguments = Path(f"/proc/{ejabberd.pid}/cmdline").read_bytes().split(b"\0")
    assert b"-sname" not in arguments and b"-name" not in arguments, "no Erlang distribution, so no epmd"
    assert os.getsid(ejabberd.pid) == ejabberd.pid != os.getsid(0)


async def test_many_wrong_passwords_never_ban_loopback(ejabberd):
    """ejabberd's mod_fail2ban would ban 127.0.0.1 for an hour after 10 failed logins."""
    for _attempt in range(11):
        client, outcome = await login(ejabberd, "carol", password="not-the-password")
        await close(client)
        assert outcome in ("failed_auth", "failed_all_auth")
    client, outcome = await login(ejabberd, "carol")
    try:
        assert outcome == "session_start"
    finally:
        await close(client)


def test_stop_leaves_no_process_and_no_directory():
    epmd_before = _processes_named("epmd")
    sandbox = make_sandbox("ejabberd", ("alice",)).start()
    process_id, directory, port = sandbox.pid, sandbox.directory, sandbox.port
    assert isinstance(sandbox, EjabberdSandbox) and process_id is not None
    helpers = _children(process_id)  # erl_child_setup and the like
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 5
    assert not directory.exists() and not accepts_connections(sandbox.host, port)
    assert all(_ended_within(pid, 5) for pid in {process_id, *helpers}), "the VM and its helpers are gone"
    assert _processes_named("epmd") <= epmd_before, "no epmd daemon started"


def test_missing_ejabberd_says_how_to_install_it_and_leaves_nothing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox = EjabberdSandbox(("alice",))
    with pytest.raises(SandboxError, match=r"apt-get install -y --no-install-recommends ejabberd.*scripts/bootstrap"):
        sandbox.start()
    assert not sandbox.directory.exists()


def test_an_unknown_server_kind_names_the_known_ones():
    with pytest.raises(KeyError, match="prosody, ejabberd"):
        make_sandbox("openfire")
