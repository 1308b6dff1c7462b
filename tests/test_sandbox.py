"""The throwaway Prosody: it starts fast, takes STARTTLS logins, runs in parallel and cleans up
(the tests taking `server` run on the throwaway ejabberd too: tests/test_ejabberd_sandbox.py)."""

from __future__ import annotations

import asyncio
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import slixmpp

from iqconsole.core import sandbox as sandbox_module
from iqconsole.core import sandbox_owner
from iqconsole.core.sandbox import LEAN_MODULES, ProsodySandbox, SandboxAccount, SandboxError


async def login(
    sandbox: ProsodySandbox,
    username: str,
    password: str | None = None,
    resource: str = "sandbox-test",
    events: list[str] | None = None,
):
    """A plain slixmpp client, STARTTLS with verification against the sandbox's certificate.

    Returns (client, outcome) where outcome is the first of session_start / failed_auth / failed_all_auth;
    `events` collects the other events seen (tls_success).
    """
    user = sandbox.account(username)
    client = slixmpp.ClientXMPP(f"{user.jid}/{resource}", user.password if password is None else password)
    client.enable_direct_tls = False
    client.ca_certs = sandbox.ca_file
    seen = events if events is not None else []
    client.add_event_handler("tls_success", lambda _event: seen.append("tls_success"))
    outcomes = {
        name: asyncio.ensure_future(client.wait_until(name, 15))
        for name in ("session_start", "failed_auth", "failed_all_auth", "ssl_invalid_chain")
    }
    client.connect(sandbox.host, sandbox.port)
    done, pending = await asyncio.wait(outcomes.values(), return_when=asyncio.FIRST_COMPLETED)
    for waiter in pending:
        waiter.cancel()
    outcome = next(name for name, waiter in outcomes.items() if waiter in done)
    return client, outcome


async def close(client: slixmpp.ClientXMPP) -> None:
    client.cancel_connection_attempt()
    await client.disconnect()


def accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def test_the_session_sandbox_is_running(prosody):
    assert prosody.running
    assert prosody.host == "127.0.0.1" and prosody.domain == "localhost"
    assert prosody.ca_file.is_file() and prosody.log_file.is_file()
    assert set(prosody.accounts) >= {"alice", "bob", "carol"}
    alice = prosody.account("alice")
    assert alice == SandboxAccount("alice", alice.password, "localhost")
    assert alice.jid == "alice@localhost"
    assert len(alice.password) >= 16 and alice.password != prosody.account("bob").password
    assert alice.password not in repr(alice)
    assert f"Activated service 'c2s' on [127.0.0.1]:{prosody.port}" in prosody.log_file.read_text()
    sections = prosody.log_tail(lines=3).split("--- ")[1:]
    assert sections and all(section.rstrip("\n").count("\n") <= 3 for section in sections)
    with pytest.raises(KeyError, match="zoe"):
        prosody.account("zoe")


def test_the_config_is_loopback_only_without_offline_storage_or_limits(prosody):
    config = prosody.config_file.read_text()
    assert 'interfaces = { "127.0.0.1" }' in config
    assert f"c2s_ports = {{ {prosody.port} }}" in config
    enabled = next(line for line in config.splitlines() if line.startswith("modules_enabled"))
    assert '"offline"' not in enabled and '"limits"' not in enabled
    assert "Unable to load module" not in prosody.log_file.read_text()
    assert ("run_as_root = true" in config) == (os.geteuid() == 0)


def test_prosody_runs_in_its_own_session_so_ctrl_c_does_not_reach_it(prosody):
    assert os.getsid(prosody.pid) == prosody.pid != os.getsid(0)


async def test_alice_logs_in_over_verified_starttls(server):
    events: list[str] = []
    client, outcome = await login(server, "alice", events=events)
    try:
        assert outcome == "session_start"
        assert "tls_success" in events
        assert client.boundjid.bare == "alice@localhost"
    finally:
        await close(client)


async def test_a_wrong_password_is_failed_auth(prosody):
    client, outcome = await login(prosody, "bob", password="not-the-password")
    try:
        assert outcome in ("failed_auth", "failed_all_auth")
    finally:
        await close(client)


async def test_an_account_added_while_running_can_log_in(server):
    server.add_account("dora", 'a "quoted" \\ <pässword> &')
    client, outcome = await login(server, "dora")
    try:
        assert outcome == "session_start"
    finally:
        await close(client)


async def test_two_sandboxes_run_at_once_on_different_ports_one_lean(prosody):
    with ProsodySandbox(("alice",), modules=LEAN_MODULES) as other:  # the benchmarks' flood server
        enabled = next(
            line for line in other.config_file.read_text().splitlines() if line.startswith("modules_enabled")
        )
        assert enabled == "modules_enabled = { " + ", ".join(f'"{module}"' for module in LEAN_MODULES) + " }"
        assert '"mam"' in prosody.config_file.read_text()
        assert other.port != prosody.port and other.directory != prosody.directory
        assert other.account("alice").password != prosody.account("alice").password
        first, first_outcome = await login(prosody, "alice", resource="one")
        second, second_outcome = await login(other, "alice", resource="two")
        try:
            assert (first_outcome, second_outcome) == ("session_start", "session_start")
        finally:
            await close(first)
            await close(second)


def test_stop_kills_the_server_and_removes_its_directory():
    sandbox = ProsodySandbox(("alice",)).start()
    process_id, directory, port = sandbox.pid, sandbox.directory, sandbox.port
    assert process_id is not None
    assert accepts_connections(sandbox.host, port)
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 3
    assert not sandbox.running
    assert not directory.exists()
    assert not accepts_connections(sandbox.host, port)
    with pytest.raises(ProcessLookupError):
        os.kill(process_id, 0)
    sandbox.stop()  # idempotent


def test_stop_keep_leaves_the_directory_for_a_post_mortem():
    sandbox = ProsodySandbox(("alice",)).start()
    try:
        sandbox.stop(keep=True)
        assert not sandbox.running
        assert sandbox.log_file.is_file() and "Shutdown complete" in sandbox.log_tail()
    finally:
        shutil.rmtree(sandbox.directory, ignore_errors=True)


def test_a_caller_directory_is_used_but_not_deleted(tmp_path):
    with ProsodySandbox(("alice",), directory=tmp_path) as sandbox:
        assert sandbox.config_file.parent == tmp_path.resolve()
        assert (tmp_path / "data" / "localhost" / "accounts" / "alice.dat").is_file()
    assert tmp_path.is_dir()


def test_a_port_taken_between_the_check_and_the_bind_is_retried(prosody, monkeypatch):
    real_free_port = sandbox_module._free_port
    offered = iter([prosody.port])  # a port another XMPP server already answers on
    monkeypatch.setattr(sandbox_module, "_free_port", lambda: next(offered, None) or real_free_port())
    with ProsodySandbox(("alice",)) as sandbox:
        assert sandbox.port != prosody.port
        assert f"Activated service 'c2s' on [127.0.0.1]:{sandbox.port}" in sandbox.log_tail()


def test_missing_prosody_says_how_to_install_it_and_leaves_nothing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    sandbox = ProsodySandbox(("alice",))
    with pytest.raises(SandboxError, match=r"apt-get install -y prosody.*scripts/bootstrap"):
        sandbox.start()
    assert not sandbox.directory.exists()


def test_missing_openssl_says_how_to_install_it(monkeypatch):
    real_which = shutil.which
    monkeypatch.setattr(sandbox_module.shutil, "which", lambda name: None if name == "openssl" else real_which(name))
    with pytest.raises(SandboxError, match="apt-get install -y openssl"):
        ProsodySandbox(("alice",)).start()


def test_a_server_that_exits_during_start_up_is_reported_with_its_output(monkeypatch):
    monkeypatch.setattr(ProsodySandbox, "_write_config", lambda self: self.config_file.write_text("this is { not lua"))
    sandbox = ProsodySandbox(("alice",))
    with pytest.raises(SandboxError, match=r"(?s)exited during start-up.*prosody\.out"):
        sandbox.start()
    assert not sandbox.directory.exists()


def test_a_bad_username_is_refused_before_anything_is_made():
    with pytest.raises(ValueError, match="not a valid XMPP username"):
        ProsodySandbox(("alice", "bob@evil"))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
def test_the_server_dies_with_a_killed_console():
    """PR_SET_PDEATHSIG: a SIGKILLed parent (no cleanup runs) still takes its Prosody with it."""
    script = (
        "from iqconsole.core.sandbox import ProsodySandbox; import time\n"
        "s = ProsodySandbox(('alice',)).start()\n"
        "print(s.pid, s.directory, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    process_id, directory = parent.stdout.readline().split()
    process_id = int(process_id)
    try:
        parent.kill()
        parent.wait()
        assert _ended_within(process_id, 10), "Prosody outlived its SIGKILLed parent"
    finally:
        if _alive(process_id):
            os.kill(process_id, 9)
        parent.stdout.close()
        shutil.rmtree(directory, ignore_errors=True)


def _ended_within(process_id: int, seconds: float) -> bool:
    """Whether the process ends (or has ended) within `seconds`: its pidfd turns readable when it does."""
    try:
        descriptor = os.pidfd_open(process_id)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([descriptor], [], [], seconds)
    finally:
        os.close(descriptor)
    return bool(readable)


def _alive(process_id: int) -> bool:
    """Running, as opposed to gone or a zombie waiting for init to reap it."""
    try:
        with open(f"/proc/{process_id}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


async def test_a_killed_server_is_noticed_and_starts_again_on_its_port_with_its_accounts():
    server = ProsodySandbox(("dora",)).start()
    try:
        port, password = server.port, server.account("dora").password
        watching = asyncio.ensure_future(server.wait_for_exit())
        assert server.pid is not None
        os.kill(server.pid, signal.SIGKILL)
        status = await asyncio.wait_for(watching, 10)
        assert sandbox_module.describe_exit(status) == "was killed (signal 9)" and not server.running
        await server.start_again_in_background()
        assert server.running and server.port == port and server.account("dora").password == password
        client, outcome = await login(server, "dora")
        await close(client)
        assert outcome == "session_start", "the same account logs in again"
        with pytest.raises(SandboxError, match="already running"):
            server.start_again()
    finally:
        server.stop()
    with pytest.raises(SandboxError, match="create a new one"):
        server.start_again()


def _owner_process(kind: str = "prosody") -> tuple[subprocess.Popen[str], int, Path]:
    """A Python process owning a started sandbox (as the console does): it, its server's pid, its directory."""
    script = (
        "from iqconsole.core.sandbox_servers import make_sandbox; import time\n"
        f"s = make_sandbox({kind!r}, ('alice',)).start()\n"
        "print(s.pid, s.directory, flush=True)\n"
        "time.sleep(120)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    process_id, directory = owner.stdout.readline().split()
    owner.stdout.close()
    return owner, int(process_id), Path(directory)


def test_the_folder_of_a_killed_owner_is_removed_by_the_next_start_and_a_live_one_is_kept(prosody, tmp_path):
    killed, killed_server, killed_folder = _owner_process()
    alive, _alive_server, alive_folder = _owner_process()
    try:
        killed.kill()
        killed.wait()
        assert _ended_within(killed_server, 10)
        assert killed_folder.is_dir(), "nothing ran at the owner's death"
        with ProsodySandbox(("alice",)):
            assert not killed_folder.exists(), "the next start removed the orphan"
            assert alive_folder.is_dir() and (alive_folder / "prosody.cfg.lua").is_file(), "a live one is kept"
            assert prosody.directory.is_dir(), "so is this process's own"
    finally:
        alive.kill()
        alive.wait()
        shutil.rmtree(killed_folder, ignore_errors=True)
    assert _ended_within(_alive_server, 10)
    sandbox_owner.remove_orphans()
    assert not alive_folder.exists()


def test_a_sweep_leaves_folders_that_are_not_provably_orphaned_sandboxes(tmp_path):
    lookalike = tmp_path / "iqconsole-prosody-lookalike"  # no owner lock: not provably ours
    lookalike.mkdir()
    (lookalike / "precious.txt").write_text("keep me")
    kept = ProsodySandbox(("alice",), directory=tmp_path / "iqconsole-prosody-kept")
    kept.stop(keep=True)  # kept for a post-mortem: its lock file goes, so no sweep takes it
    orphan = tmp_path / "iqconsole-ejabberd-orphan"
    orphan.mkdir()
    sandbox_owner.release(sandbox_owner.claim(orphan), orphan, kept=False)
    assert sandbox_owner.remove_orphans(tmp_path) == [orphan]
    assert (lookalike / "precious.txt").read_text() == "keep me" and kept.directory.is_dir()
