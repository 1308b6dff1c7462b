"""A Prosody of this module's own, killed under `iqconsole send` and under a component: send
ends with exit code 5, and `respond` as a component logs in again once the server is back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess

from iqconsole.core.respond import Handled, respond
from iqconsole.core.responders import ResponderSet
from iqconsole.core.session import Session
from iqconsole.core.traffic import TrafficStore
from tests.integration.test_responders_live import IQCONSOLE, PING, Peer
from tests.integration.test_stay_connected import BACK_ONLINE, FAST, sandbox, server  # noqa: F401 (fixtures: a server of this module's own, killed here)
from tests.xmpp_helpers import component_account_for, eventually, plain_client


async def test_send_is_exit_5_when_the_server_is_killed_while_it_waits(server):  # noqa: F811 (the fixture)
    mute = ResponderSet()
    mute.add("mute", "iq", silent=True)
    component = Session(component_account_for(server), TrafficStore(), mute)
    await component.open()
    alice = server.account("alice")
    process = subprocess.Popen(
        [
            str(IQCONSOLE),
            "send",
            *("--jid", alice.jid, "--host", server.host, "--port", str(server.port), "--ca-file", str(server.ca_file)),
            *("--password-env", "IQC_PASSWORD", "--timeout", "120", "--json", "-"),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "IQC_PASSWORD": alice.password},
    )
    try:
        process.stdin.write(f"<iq type='get' to='mute@{server.component_domain}'>{PING}</iq>")
        process.stdin.close()
        await eventually(lambda: mute.get("mute").hits == 1, timeout=30, what="the request waiting at the component")
        os.kill(server.pid, signal.SIGKILL)
        await asyncio.to_thread(process.wait, 60)  # its few lines fit in the pipes
        out, err = process.stdout.read(), process.stderr.read()
    finally:
        process.kill()
        await component.close()
        await eventually(lambda: not server.running, what="the server gone")
        server.start_again()
    assert process.returncode == 5, err
    assert json.loads(out)["outcome"] == "lost" and "the server closed the connection" in err


async def test_respond_as_a_component_logs_in_again_when_the_server_is_back(server):  # noqa: F811 (the fixture)
    pong = ResponderSet()
    pong.add("pong", "iq@type=get/ping")
    handled: list[Handled] = []
    said: list[str] = []
    running = asyncio.ensure_future(
        respond(component_account_for(server), pong, handled.append, said.append, backoff=FAST)
    )
    try:
        await eventually(lambda: any(line.startswith("online as svc.localhost") for line in said), what="online")
        os.kill(server.pid, signal.SIGKILL)
        await eventually(lambda: any("reconnecting" in line for line in said), what="the loss said")
        server.start_again()
        await eventually(lambda: any(line.startswith("online again as") for line in said), timeout=BACK_ONLINE)
        bob = await plain_client(server, "bob", "asker")
        try:
            reply = await Peer(bob).ask(f"x@{server.component_domain}", PING)
        finally:
            bob.disconnect()
        assert reply.get("type") == "result" and handled[-1].responder == "pong"
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
