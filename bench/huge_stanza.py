#!/usr/bin/env python
"""A 50 MB stanza from the server (issue 10): keys stay responsive and memory comes back.

    .venv/bin/python bench/huge_stanza.py                      # 50 MB of text in one <message>
    .venv/bin/python bench/huge_stanza.py --shape children     # 50 MB of empty child elements
    .venv/bin/python bench/huge_stanza.py --max-stanza-mb 64   # a limit above it: the stanza is taken in

The hostile test server (tests/hostile_server.py) runs in a child process, so its CPU (TLS, writing)
is not the console's. IqConsoleApp runs headless here (`run_test`), logged in to it over STARTTLS.
On GO the server writes the stanza in 1 MB pieces, then a probe IQ. Meanwhile a thread outside the
event loop presses Right/Left every --key-interval ms (bench/flood.py's Typist); a key's delay runs
from posting it to the composer's cursor having moved. Done when the probe is in the log (so
reading went on after the stanza).

RSS before: after login, gc. Peak: VmHWM at the end (the process's high-water mark) minus before.
After: once the probe is in, gc; and 1.5 s later (the console hands freed heap back a second after
a huge stanza). Goals: key p95 < 100 ms, RSS after - before < 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from bench.flood import Typist, percentile, rss_mb, wait_online  # noqa: E402
from tests.hostile_server import FULL_JID, PASSWORD, HostilePeer, HostileServer, certificate_in  # noqa: E402

MB = 1024 * 1024
GOAL_KEY_P95_MS = 100.0
GOAL_RSS_AFTER_MB = 50.0
TIMEOUT = 300.0
LATER = 1.5  # seconds after the probe: RSS once the console has handed freed memory back


def stanza_pieces(size: int, shape: str) -> list[bytes]:
    """The stanza in 1 MB pieces: one text node, or `<c/>` children (4 bytes each)."""
    unit = b"y" if shape == "text" else b"<c/>"
    piece = unit * (MB // len(unit))
    head = b"<message id='huge'><body>" if shape == "text" else b"<message id='huge'>"
    tail = b"</body></message>" if shape == "text" else b"</message>"
    return [head] + [piece] * (size // MB) + [tail]


# -- child: the server ----------------------------------------------------------------------------


async def serve(args: argparse.Namespace) -> None:
    certificate = (Path(args.cert), Path(args.key))
    pieces = stanza_pieces(int(args.size_mb * MB), args.shape)
    finished = asyncio.Event()

    async def script(peer: HostilePeer) -> None:
        await peer.log_in()
        await peer.element("presence")
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "GO":
            raise SystemExit(f"expected GO, got {line!r}")
        for piece in pieces:
            peer.send(piece)
            await peer.drain()
        await peer.probe()
        await peer.closed_by_client(timeout=None)
        finished.set()

    async with HostileServer(certificate, script) as server:
        print(f"PORT {server.port}", flush=True)
        await asyncio.wait_for(finished.wait(), TIMEOUT)


# -- parent: the console --------------------------------------------------------------------------


async def measure(args: argparse.Namespace, port: int, cert: Path, server: subprocess.Popen) -> dict:
    from iqconsole.core.account import Account, Secret
    from iqconsole.core.stream_reader import Limits
    from iqconsole.ui.app import IqConsoleApp
    from iqconsole.ui.composer.composer_editor import ComposerEditor

    limits = Limits(max_stanza_bytes=int(args.max_stanza_mb * MB))
    account = Account(FULL_JID, Secret(PASSWORD), host="127.0.0.1", port=port, ca_file=cert, limits=limits)
    app = IqConsoleApp(account, connect_on_start=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        app.connect_account(account)
        await wait_online(app)
        editor = app.query_one(ComposerEditor)
        editor.text = "<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"
        editor.focus()
        editor.move_cursor((0, 5))
        await pilot.pause()
        handled: list[float] = []
        app.watch(editor, "selection", lambda: handled.append(time.monotonic()), init=False)
        gc.collect()
        rss_before = rss_mb()
        typist = Typist(app, args.key_interval / 1000)
        started = time.monotonic()
        typist.start()
        try:
            assert server.stdin is not None
            server.stdin.write("GO\n")
            server.stdin.flush()
            while not any(entry.stanza_id == "probe" for entry in list(app.store)[-5:]):
                if time.monotonic() - started > TIMEOUT:
                    raise SystemExit(f"the probe after the stanza did not show within {TIMEOUT:g} s")
                await asyncio.sleep(0.05)
            taken_in = time.monotonic() - started
        finally:
            typist.stop.set()
            typist.join()
        handle_deadline = time.monotonic() + 3
        while len(handled) < len(typist.pressed) and time.monotonic() < handle_deadline:
            await asyncio.sleep(0.01)
        delays = [(h - p) * 1000 for p, h in zip(typist.pressed, handled, strict=False)]
        kept = any(entry.stanza_id == "huge" for entry in app.store)
        skipped = app.store.skipped
        gc.collect()
        rss_after = rss_mb()
        await asyncio.sleep(LATER)  # the console hands freed memory back a second after a huge stanza
        gc.collect()
        return {
            "seconds": taken_in,
            "keys": len(delays),
            "p50": percentile(delays, 0.5),
            "p95": percentile(delays, 0.95),
            "max": max(delays, default=float("nan")),
            "rss_before": rss_before,
            "rss_peak": rss_mb("VmHWM"),
            "rss_after": rss_after,
            "rss_later": rss_mb(),
            "kept": kept,
            "skipped": skipped,
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=float, default=50)
    parser.add_argument("--shape", choices=("text", "children"), default="text")
    parser.add_argument("--max-stanza-mb", type=float, default=10, help="the console's limit (default 10)")
    parser.add_argument("--key-interval", type=float, default=25, help="ms between key presses")
    parser.add_argument("--role", choices=("server",), help=argparse.SUPPRESS)
    parser.add_argument("--cert", help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "server":
        asyncio.run(serve(args))
        return 0
    with tempfile.TemporaryDirectory(prefix="iqconsole-huge-") as directory:
        cert, key = certificate_in(Path(directory))
        command = [sys.executable, __file__, "--role", "server", "--cert", str(cert), "--key", str(key)]
        command += ["--size-mb", str(args.size_mb), "--shape", args.shape]
        with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as server:
            assert server.stdout is not None
            port = int(server.stdout.readline().split()[1])
            result = asyncio.run(measure(args, port, cert, server))
            server.wait(TIMEOUT)
    growth = result["rss_after"] - result["rss_before"]
    print(
        f"{args.size_mb:g} MB of {args.shape}, limit {args.max_stanza_mb:g} MB: "
        f"{'kept' if result['kept'] else 'skipped'} ({result['skipped']} skipped), "
        f"probe read {result['seconds']:.2f} s after GO"
    )
    print(f"keys: {result['keys']}, p50 {result['p50']:.1f} ms, p95 {result['p95']:.1f} ms, max {result['max']:.1f} ms")
    print(
        f"RSS: before {result['rss_before']:.0f} MB, peak +{result['rss_peak'] - result['rss_before']:.0f} MB, "
        f"after +{growth:.0f} MB, {LATER:g} s later {result['rss_later'] - result['rss_before']:+.0f} MB"
    )
    passed = result["p95"] < GOAL_KEY_P95_MS and growth < GOAL_RSS_AFTER_MB
    print(
        f"{'PASS' if passed else 'FAIL'} (goals: key p95 < {GOAL_KEY_P95_MS:g} ms, RSS after < +{GOAL_RSS_AFTER_MB:g} MB)"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
