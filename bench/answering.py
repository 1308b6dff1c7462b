#!/usr/bin/env python
"""The answering path alone: CPU per ping answered by `iqconsole respond`'s path against plain slixmpp.

    .venv/bin/python bench/answering.py                  # 5,000 pings, 7 rounds
    .venv/bin/python bench/answering.py --profile        # plus a cProfile of iqconsole's path

No server, no socket, no TLS: the bytes of N pings (`<iq type='get'>` with `<ping/>`, as Prosody
routes them, in 16 KB pieces) go to plain slixmpp (its parser, a handler answering each with an
empty result, as bench/requests.py's plain receiver) and to the path of `iqconsole respond` (the
console's reading path, the traffic tap and store, the responder `iq@type=get/ping`, the report
line queued for stdout, here /dev/null). Each writes its replies to a transport that keeps them;
a round ends when every reply is written. Rounds alternate A B A B in one process, so a busy
machine slows both alike; the medians and their ratio are printed with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.flood import load_average  # noqa: E402
from bench.ingest import HEADER, JID, pieces, print_rounds, round_options  # noqa: E402

PING_NS = "urn:xmpp:ping"
RESPONDER = {"name": "pong", "match": "iq@type=get/ping", "reply": ""}


class Transport:
    """What the clients write to: counts the replies (each ends with `</iq>` or `/>`)."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def get_extra_info(self, _name: str, default: Any = None) -> Any:
        return default

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


def ping_bytes(count: int) -> bytes:
    return "".join(
        f"<iq type='get' to='{JID}' id='p-{i}' from='pinger@localhost/bench'><ping xmlns='{PING_NS}'/></iq>"
        for i in range(count)
    ).encode()


def replies(transport: Transport) -> int:
    return sum(1 for data in transport.written if b"p-" in data and data.startswith(b"<iq"))


async def plain_round(body: list[bytes], count: int) -> float:
    import slixmpp
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    xmpp = slixmpp.ClientXMPP(JID, "secret")
    xmpp.register_handler(
        Callback("pong", MatchXPath(f"{{jabber:client}}iq/{{{PING_NS}}}ping"), lambda iq: iq.reply(clear=True).send())
    )
    transport = Transport()
    xmpp.transport = transport
    xmpp._session_started = True
    sender = asyncio.ensure_future(xmpp.run_filters())
    xmpp.init_parser()
    xmpp.data_received(HEADER.encode())
    start = time.process_time()
    for piece in body:
        xmpp.data_received(piece)
        await asyncio.sleep(0)  # the send queue runs between reads, as between socket reads
    await xmpp.waiting_queue.join()
    spent = time.process_time() - start
    sender.cancel()
    if replies(transport) != count:
        raise SystemExit(f"plain slixmpp answered {replies(transport)} of {count} pings")
    return spent


async def console_round(body: list[bytes], count: int, profiler: cProfile.Profile | None = None) -> float:
    from iqconsole.core.account import Account, Secret
    from iqconsole.core.client import ConnectionState, ConsoleClient
    from iqconsole.core.line_output import LineOutput
    from iqconsole.core.respond import describe, report_line
    from iqconsole.core.responders import ResponderSet
    from iqconsole.core.session import Answered
    from iqconsole.core.traffic import TrafficStore

    responders = ResponderSet()
    responders.add(**RESPONDER)
    store = TrafficStore(capacity=1000)  # respond's own store
    sink = os.open(os.devnull, os.O_WRONLY)
    output = LineOutput(sink, str)
    client = ConsoleClient(
        Account(JID, Secret("secret")),
        store,
        responders,
        on_answered=lambda entry, answer: output.write(report_line(describe(Answered(entry, answer)))),
    )
    transport = Transport()
    client.transport = transport
    client._session_started = True
    client.state = ConnectionState.ONLINE
    sender = asyncio.ensure_future(client.run_filters())
    client.init_parser()
    reader = client._reader
    assert reader is not None
    client._read(reader, HEADER.encode())
    start = time.process_time()
    if profiler is not None:
        profiler.enable()
    for piece in body:
        client._read(reader, piece)
        await asyncio.sleep(0)
    await client.waiting_queue.join()
    if profiler is not None:
        profiler.disable()
    spent = time.process_time() - start
    sender.cancel()
    output.close()
    os.close(sink)
    if replies(transport) != count or store.count_out != count:
        raise SystemExit(f"iqconsole answered {replies(transport)} of {count} pings, logged {store.count_out}")
    return spent


async def run(args: argparse.Namespace) -> int:
    body = pieces(ping_bytes(args.count))
    print(
        f"{args.count:,} pings ({sum(map(len, body)) / args.count:.0f} bytes each), {args.rounds} rounds; "
        f"Python {sys.version.split()[0]}; load average {load_average()}",
        flush=True,
    )
    await plain_round(body, args.count)  # warm-up: imports, caches
    await console_round(body, args.count)
    plain, console = [], []
    for _ in range(args.rounds):
        plain.append(await plain_round(body, args.count) / args.count * 1e6)
        console.append(await console_round(body, args.count) / args.count * 1e6)
    print_rounds(plain, console, "ping", "iqconsole respond")
    if args.profile:
        profiler = cProfile.Profile()
        await console_round(body, args.count, profiler)
        print("\ncProfile of iqconsole's answering path, by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile_top)
    return 0


def main() -> int:
    args = round_options(__doc__, 5_000, "pings").parse_args()
    return asyncio.run(run(args))  # the clients are created inside a running loop


if __name__ == "__main__":
    sys.exit(main())
