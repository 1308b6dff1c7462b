"""`iqconsole respond` keeps answering when nobody reads its output (stdout on a full pipe)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading

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


def full_pipe() -> tuple[int, int]:
    """A pipe (read end, write end) already full: the next write to it blocks until someone reads."""
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)
    for size in (65536, 1):
        try:
            while True:
                os.write(write_end, b"." * size)
        except BlockingIOError:
            pass
    os.set_blocking(write_end, True)  # the process that gets it blocks, as on any full pipe
    return read_end, write_end


def read_all(fd: int, into: bytearray) -> None:
    for chunk in iter(lambda: os.read(fd, 65536), b""):
        into.extend(chunk)


async def test_a_full_stderr_pipe_never_holds_back_answering(prosody, tmp_path):
    read_end, write_end = full_pipe()
    process = start_respond(prosody, tmp_path, stderr=write_end)
    os.close(write_end)
    client = await plain_client(prosody, "bob", "stderr")
    said = bytearray()
    reader = threading.Thread(target=read_all, args=(read_end, said), daemon=True)
    try:
        peer = Peer(client)
        to = f"{prosody.account('alice').jid}/ci"
        number = 0

        def answered() -> bool:
            """A result from respond (not the server's error for a resource not online yet: ask again)."""
            nonlocal number
            if any(replies[0].get("type") == "result" for replies in peer.replies.values()):
                return True
            if f"ping-{number}" in peer.replies or number == 0:
                number += 1
                client.send_raw(f"<iq type='get' id='ping-{number}' to='{to}'>{PING}</iq>")
            return False

        await eventually(answered, timeout=30, what="a ping answered while stderr is full")
        reader.start()
        await eventually(lambda: b"online as alice@localhost/ci" in said, what="the notice, once stderr is read")
    finally:
        client.disconnect()
        process.send_signal(signal.SIGINT)
        try:
            code = await asyncio.to_thread(process.wait, 15)
        finally:
            process.kill()
            if reader.is_alive():
                reader.join(5)  # the process is gone: the pipe reads to its end
            os.close(read_end)
    assert code == 0
