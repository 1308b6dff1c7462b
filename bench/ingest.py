#!/usr/bin/env python
"""The receive path alone: CPU per stanza of iqconsole's ConsoleClient against plain slixmpp.

    .venv/bin/python bench/ingest.py                     # 20,000 messages, 7 rounds
    .venv/bin/python bench/ingest.py --profile           # plus a cProfile of iqconsole's path

No server, no socket, no TLS, no UI: the same bytes a flood brings (a stream header, then N
`<message type="headline">` stanzas, fed in 16 KB pieces as a TLS transport hands them over) go
to plain slixmpp's `data_received` (its XMLPullParser, one `message` handler) and to
iqconsole's reading path (StreamReader with its limits, the traffic tap, the TrafficStore). What
is left is what iqconsole adds per stanza before anything is drawn. The rounds alternate A B A B
in one process, so a busy machine slows both alike; the medians and their ratio are printed with
the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.flood import load_average  # noqa: E402

PIECE = 16 * 1024  # what one TLS read hands up in a flood, about
JID = "console@localhost/ingest"
HEADER = (
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "id='ingest' from='localhost' version='1.0' xml:lang='en'>"
)


def flood_bytes(count: int) -> bytes:
    """Stanzas as bench/flood.py's sender writes them, as the server routes them (with `from`)."""
    return "".join(
        f'<message to="{JID}" from="flooder@localhost/flood" type="headline" id="i-{i}"><body>flood {i}</body></message>'
        for i in range(count)
    ).encode()


def pieces(data: bytes) -> list[bytes]:
    return [data[start : start + PIECE] for start in range(0, len(data), PIECE)]


def plain_round(body: list[bytes], count: int) -> float:
    import slixmpp

    xmpp = slixmpp.ClientXMPP(JID, "secret")
    seen = []
    xmpp.add_event_handler("message", lambda message: seen.append(message["id"]))
    xmpp.init_parser()
    xmpp.data_received(HEADER.encode())
    start = time.process_time()
    for piece in body:
        xmpp.data_received(piece)
    spent = time.process_time() - start
    if len(seen) != count:
        raise SystemExit(f"plain slixmpp handled {len(seen)} of {count} stanzas")
    return spent


def console_round(body: list[bytes], count: int, profiler: cProfile.Profile | None = None) -> float:
    from iqconsole.core.account import Account, Secret
    from iqconsole.core.client import ConsoleClient
    from iqconsole.core.traffic import TrafficStore

    store = TrafficStore(max(100_000, count + 10))
    client = ConsoleClient(Account(JID, Secret("secret")), store)
    client.init_parser()
    reader = client._reader
    assert reader is not None
    client._read(reader, HEADER.encode())
    start = time.process_time()
    if profiler is not None:
        profiler.enable()
    for piece in body:
        client._read(reader, piece)
    if profiler is not None:
        profiler.disable()
    spent = time.process_time() - start
    if store.count_in != count + 1:  # the stream header is an entry too
        raise SystemExit(f"iqconsole stored {store.count_in - 1} of {count} stanzas")
    return spent


async def run(args: argparse.Namespace) -> int:
    body = pieces(flood_bytes(args.count))
    print(
        f"{args.count:,} stanzas ({sum(map(len, body)) / args.count:.0f} bytes each) in {PIECE // 1024} KB pieces, "
        f"{args.rounds} rounds; Python {sys.version.split()[0]}; load average {load_average()}",
        flush=True,
    )
    plain_round(body, args.count)  # warm-up: imports, caches
    console_round(body, args.count)
    plain, console = [], []
    for _ in range(args.rounds):
        plain.append(plain_round(body, args.count) / args.count * 1e6)
        console.append(console_round(body, args.count) / args.count * 1e6)
    print_rounds(plain, console, "stanza", "iqconsole")
    if args.profile:
        profiler = cProfile.Profile()
        console_round(body, args.count, profiler)
        print("\ncProfile of iqconsole's receive path, by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile_top)
    return 0


def print_rounds(plain: list[float], console: list[float], unit: str, name: str) -> None:
    """Paired rounds' medians (µs per `unit`), extremes and ratio, then the load average."""
    p, c = statistics.median(plain), statistics.median(console)
    print(f"  {'plain slixmpp':18s} {p:6.1f} us/{unit} (min {min(plain):.1f}, max {max(plain):.1f})")
    print(f"  {name:18s} {c:6.1f} us/{unit} (min {min(console):.1f}, max {max(console):.1f})")
    ratios = statistics.median(b / a for a, b in zip(plain, console, strict=True))
    print(f"  {'ratio':18s} {c / p:6.2f}  (median of the rounds' ratios {ratios:.2f})")
    print(f"load average at the end: {load_average()}")


def round_options(doc: str, count: int, unit: str) -> argparse.ArgumentParser:
    """The options of a paired-rounds benchmark (this one, answering.py): `count` `unit` a round."""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=count, help=f"{unit} per round (default {count:,})")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of each; medians are printed (default 7)")
    parser.add_argument("--profile", action="store_true", help="cProfile one more round of iqconsole's path")
    parser.add_argument("--profile-top", type=int, default=30, help="functions listed in the profile")
    return parser


def main() -> int:
    args = round_options(__doc__, 20_000, "stanzas").parse_args()
    return asyncio.run(run(args))  # ConsoleClient is created inside a running loop


if __name__ == "__main__":
    sys.exit(main())
