"""`iqconsole respond` keeps answering when nobody reads its output (stdout on a full pipe)."""

from __future__ import annotations

import asyncio
import signal

from tests.integration.test_responders_live import PING, Peer, start_respond, wait_line
from tests.xmpp_helpers import eventually, plain_client

PINGS = 3000


async def test_an_unread_stdout_pipe_never_holds_back_answering(prosody, tmp_path):
    process = start_respond(prosody, tmp_path)  # stdout is a pipe this test never reads
    client = await plain_client(prosody, "bob", "flood")
    try:
        assert "online as" in await wait_line(process.stderr)
        peer = Peer(client)
        to = f"{prosody.account('alice').jid}/ci"
        for number in range(PINGS):
            client.send_raw(f"<iq type='get' id='flood-{number}' to='{to}'>{PING}</iq>")
        await eventually(
            lambda: len(peer.replies) == PINGS, timeout=120, what=f"all {PINGS} pings answered (stdout unread)"
        )
        assert all(replies[0].get("type") == "result" for replies in peer.replies.values())
    finally:
        client.disconnect()
        process.send_signal(signal.SIGINT)
        try:
            code = await asyncio.to_thread(process.wait, 15)
        finally:
            process.kill()  # no-op once it has stopped
    assert code == 0, "it still stops cleanly, without waiting for the reader"
    first = process.stdout.readline()
    assert "ping id=flood-0 from=bob@localhost/flood -> pong: result" in first, "the reports that fit were written"
