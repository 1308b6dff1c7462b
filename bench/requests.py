#!/usr/bin/env python
"""Floods of requests (issue 14): pings answered by a responder, against a plain slixmpp handler.

    .venv/bin/python bench/requests.py                  # 5,000 pings, 100 in flight, 3 rounds
    .venv/bin/python bench/requests.py --pings 500 --repeat 1   # smoke run
    .venv/bin/python bench/requests.py --load           # with one core kept busy beside it

One throwaway Prosody for the run. A second account ("pinger", driven by this process) sends
`--pings` `<iq type="get"><ping xmlns="urn:xmpp:ping"/></iq>` to the receiver's full JID, keeping
`--in-flight` unanswered at a time, and counts the answers by id. Receivers, each in a fresh
process, in turn in every round:

- `plain`:   a bare slixmpp ClientXMPP whose handler answers each ping with an empty result;
- `respond`: the installed command line, `python -m iqconsole respond --responders FILE`, with
             one responder `iq@type=get/ping` (its report lines are read and thrown away);
- `console`: IqConsoleApp headless (run_test, 160x50), the same responder, the log following,
             while flood.py's Typist presses Right/Left every 25 ms (key delay: from posting to
             the editor's cursor having moved).

Printed: answers per second and the ratio against plain slixmpp in the same round (medians), each
request answered exactly once, key delays and screen updates of the console, the load average.
Goals: console rate >= 0.8x plain, key p95 < 100 ms; `respond` time within 1.1x plain.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from flood import (  # noqa: E402 (bench/ on the path first)
    SCREEN_SIZE,
    Child,
    ChildChannel,
    LoopStats,
    Typist,
    connect_plain,
    load_average,
    percentile,
    process_cpu,
    start_hog,
    wait_online,
)

PING_NS = "urn:xmpp:ping"
RESPONDERS = '[[responder]]\nname = "pong"\nmatch = "iq@type=get/ping"\nreply = ""\n'
GOAL_CONSOLE_RATE = 0.8
GOAL_RESPOND_TIME = 1.1
GOAL_KEY_P95_MS = 100.0
RECEIVERS = ("plain", "respond", "console")


# -- receivers (children) -------------------------------------------------------------------------


async def plain_child(channel: ChildChannel) -> None:
    import logging

    import slixmpp
    from slixmpp.xmlstream.handler import Callback
    from slixmpp.xmlstream.matcher import MatchXPath

    logging.getLogger("slixmpp").addHandler(logging.NullHandler())
    config = channel.config
    xmpp = slixmpp.ClientXMPP(config["jid"], config["password"])
    xmpp.enable_direct_tls = False
    xmpp.ca_certs = config["ca_file"]
    answered = 0

    def pong(iq) -> None:
        nonlocal answered
        answered += 1
        iq.reply(clear=True).send()

    xmpp.register_handler(Callback("pong", MatchXPath(f"{{jabber:client}}iq/{{{PING_NS}}}ping"), pong))
    started = asyncio.ensure_future(xmpp.wait_until("session_start", 20))
    xmpp.connect(config["host"], config["port"])
    await started
    xmpp.send_presence()
    channel.send("READY", {})
    await channel.wait_for_go()
    cpu = time.process_time()
    line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # DONE from the parent
    channel.send("RESULT", {"cpu": time.process_time() - cpu, "answered": answered, "done": line.strip()})
    await xmpp.disconnect(wait=1.0)


async def console_child(channel: ChildChannel) -> None:
    from textual.widgets import TextArea

    from iqconsole.core.account import Account, Secret
    from iqconsole.core.client import ConsoleClient
    from iqconsole.core.responder_files import load_responders
    from iqconsole.ui.app import IqConsoleApp

    config = channel.config
    account = Account(
        config["jid"],
        Secret(config["password"]),
        host=config["host"],
        port=config["port"],
        ca_file=Path(config["ca_file"]),
    )
    loop_stats = LoopStats()
    loop_stats.wrap(ConsoleClient)
    loop_stats.wrap_frames()
    app = IqConsoleApp(account, responders=load_responders(Path(config["responders"])), connect_on_start=False)
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        await pilot.pause()
        app.connect_account(account)
        await wait_online(app, poll=0.05)
        editor = app.query_one("#editor", TextArea)
        editor.focus()
        editor.move_cursor((0, 0))
        await pilot.pause()
        handled: list[float] = []
        app.watch(editor, "selection", lambda: handled.append(time.monotonic()), init=False)
        channel.send("READY", {})
        await channel.wait_for_go()
        typist = Typist(app, config["key_interval"] / 1000)
        cpu = time.process_time()
        loop_stats.start()
        typist.start()
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        typist.stop.set()
        loop_stats.stop()
        cpu = time.process_time() - cpu
        typist.join()
        settle = time.monotonic() + 3
        while len(handled) < len(typist.pressed) and time.monotonic() < settle:
            await asyncio.sleep(0.01)
        delays = [(h - p) * 1000 for p, h in zip(typist.pressed, handled, strict=False)]
        hits = next(iter(app.responders)).hits
        channel.send(
            "RESULT",
            {
                "cpu": cpu,
                "answered": hits,
                "done": line.strip(),
                "key_delays_ms": delays,
                "keys_unhandled": len(typist.pressed) - len(handled),
                "loop": loop_stats.summary(),
            },
        )


def child_main(role: str) -> None:
    channel = ChildChannel()
    asyncio.run(plain_child(channel) if role == "plain" else console_child(channel))


# -- the pinger (parent) --------------------------------------------------------------------------


class Pinger:
    """Sends pings with a bounded number in flight; counts each answer by id."""

    def __init__(self, xmpp) -> None:
        self.xmpp = xmpp
        self.answers: dict[str, int] = {}
        self.errors = 0
        self._prefix = ""
        self._free: asyncio.Semaphore | None = None
        self._all: asyncio.Future | None = None
        self._expected = 0
        xmpp.add_filter("in", self._incoming)

    def _incoming(self, stanza):
        stanza_id = stanza.xml.get("id", "")
        if stanza.xml.tag == "{jabber:client}iq" and self._prefix and stanza_id.startswith(self._prefix):
            self.answers[stanza_id] = self.answers.get(stanza_id, 0) + 1
            if stanza.xml.get("type") == "error":
                self.errors += 1
            if self.answers[stanza_id] == 1 and self._free is not None:
                self._free.release()
            if len(self.answers) == self._expected and self._all is not None and not self._all.done():
                self._all.set_result(time.monotonic())
            return None  # ours: no other handler needs it
        return stanza

    async def run(self, to: str, prefix: str, count: int, in_flight: int) -> float:
        self.answers, self.errors, self._prefix, self._expected = {}, 0, prefix, count
        self._free = asyncio.Semaphore(in_flight)
        self._all = asyncio.get_running_loop().create_future()
        start = time.monotonic()
        for index in range(count):
            await self._free.acquire()
            self.xmpp.send_raw(f'<iq type="get" to="{to}" id="{prefix}{index}"><ping xmlns="{PING_NS}"/></iq>')
        try:
            end = await asyncio.wait_for(self._all, 60 + count / 50)
        except TimeoutError:
            end = float("nan")
        return end - start


async def run_respond_command(
    server, jid: str, password: str, responders: Path, checkout: Path = ROOT
) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "iqconsole",
        "respond",
        "--jid",
        jid,
        "--password-env",
        "BENCH_PASSWORD",
        "--host",
        server.host,
        "--port",
        str(server.port),
        "--ca-file",
        str(server.ca_file),
        "--responders",
        str(responders),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "BENCH_PASSWORD": password},
        cwd=str(checkout),  # `-m iqconsole` imports the package of the working directory
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = await asyncio.wait_for(process.stderr.readline(), 30)
        if not line:
            break
        if b"online as" in line:
            return process
    raise RuntimeError("iqconsole respond did not come online")


async def one_round(server, pinger: Pinger, role: str, tag: str, args, responders: Path) -> dict:
    user = server.account("console")
    jid = f"{user.jid}/{role}-{tag}"
    prefix = f"{tag}-{role}-"
    cpu_before = None
    if role in ("respond", "baseline"):
        checkout = args.baseline if role == "baseline" else ROOT
        process = await run_respond_command(server, jid, user.password, responders, checkout)
        await asyncio.sleep(0.3)
        cpu_before = process_cpu(process.pid)
        seconds = await pinger.run(jid, prefix, args.pings, args.in_flight)
        cpu = process_cpu(process.pid) - cpu_before
        process.terminate()  # our own child, by its handle: Ctrl+C's signal
        await process.wait()
        result = {"cpu": cpu}
    else:
        config = {
            "jid": jid,
            "password": user.password,
            "host": server.host,
            "port": server.port,
            "ca_file": str(server.ca_file),
            "responders": str(responders),
            "key_interval": args.key_interval,
        }
        child = Child(role, config, Path(__file__).resolve())
        await child.start()
        await asyncio.sleep(0.3)
        await child.go()
        seconds = await pinger.run(jid, prefix, args.pings, args.in_flight)
        child.process.stdin.write(b"DONE\n")
        await child.process.stdin.drain()
        result = await child.expect("RESULT", 60)
        await child.finish()
    answers = pinger.answers
    result.update(
        role=role,
        seconds=seconds,
        rate=args.pings / seconds,
        answered_once=sum(1 for n in answers.values() if n == 1),
        twice=sum(n - 1 for n in answers.values() if n > 1),
        missing=args.pings - len(answers),
        errors=pinger.errors,
    )
    return result


async def parent_main(args) -> int:
    from iqconsole.core.sandbox import ProsodySandbox

    responders = Path(tempfile.mkdtemp(prefix="iqconsole-bench-")) / "pong.toml"
    responders.write_text(RESPONDERS, encoding="utf-8")
    server = ProsodySandbox(("console", "flooder")).start()
    hog = await start_hog() if args.load else None
    print(
        f"Prosody sandbox on {server.host}:{server.port}; {args.pings:,} pings, {args.in_flight} in flight; "
        f"load average {load_average()}" + ("; one core kept busy (--load)" if hog else ""),
        flush=True,
    )
    rounds: list[dict[str, dict]] = []
    try:
        pinger = Pinger(await connect_plain(server))
        for repeat in range(args.repeat):
            results = {}
            for role in args.receivers + (("baseline",) if args.baseline else ()):
                results[role] = await one_round(server, pinger, role, f"r{repeat}", args, responders)
                print(f"  round {repeat + 1}, {role}: {results[role]['rate']:,.0f} answers/s", flush=True)
            rounds.append(results)
    finally:
        server.stop()
        if hog is not None:
            hog.kill()  # our own child, by its handle
            await hog.wait()
    print(f"load average at the end: {load_average()}\n")
    return report(rounds, args)


def report(rounds: list[dict[str, dict]], args) -> int:
    med = statistics.median
    print(
        f"{'receiver':>9} {'answers/s':>10} {'ratio':>6} {'time ratio':>10} {'CPU us/ping':>11} {'once':>6} {'twice':>5} {'missing':>7} {'errors':>6}"
    )
    for role in args.receivers + (("baseline",) if args.baseline else ()):
        rate = med(r[role]["rate"] for r in rounds)
        ratio = med(r[role]["rate"] / r["plain"]["rate"] for r in rounds)
        time_ratio = med(r[role]["seconds"] / r["plain"]["seconds"] for r in rounds)
        cpu = med(r[role]["cpu"] / args.pings * 1e6 for r in rounds)
        once = min(r[role]["answered_once"] for r in rounds)
        twice = max(r[role]["twice"] for r in rounds)
        missing = max(r[role]["missing"] for r in rounds)
        errors = max(r[role]["errors"] for r in rounds)
        print(
            f"{role:>9} {rate:>10,.0f} {ratio:>6.2f} {time_ratio:>10.2f} {cpu:>11.0f} {once:>6,} {twice:>5} {missing:>7} {errors:>6}"
        )
    if args.repeat > 1:
        print(f"(medians of {args.repeat} rounds; answered once: worst round; keys pooled)")
    exact = all(r[role]["answered_once"] == args.pings for r in rounds for role in r)
    goals = []
    if "console" in args.receivers:
        goals += console_goals(rounds)
    if "respond" in args.receivers:
        respond_time = med(r["respond"]["seconds"] / r["plain"]["seconds"] for r in rounds)
        goals.append(
            (
                f"iqconsole respond within {GOAL_RESPOND_TIME}x plain's time",
                respond_time <= GOAL_RESPOND_TIME,
                f"{respond_time:.2f}x",
            )
        )
    goals.append(("every ping answered exactly once, by everyone", exact, "yes" if exact else "NO"))
    print("\nGoals")
    for name, ok, figure in goals:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {figure}")
    return 0 if all(ok for _, ok, _ in goals) else 1


def console_goals(rounds: list[dict[str, dict]]) -> list[tuple[str, bool, str]]:
    """The app's key delays and screen updates printed; its goals (rate against plain, keys)."""
    med = statistics.median
    delays = [d for r in rounds for d in r["console"]["key_delays_ms"]]
    unhandled = sum(r["console"]["keys_unhandled"] for r in rounds)
    loop = rounds[len(rounds) // 2]["console"]["loop"]
    print(
        f"\nconsole keys: {len(delays)} pressed, p50 {percentile(delays, 0.5):.1f} / p95 {percentile(delays, 0.95):.1f} / "
        f"max {max(delays, default=float('nan')):.1f} ms" + (f"; {unhandled} never handled" if unhandled else "")
    )
    if loop.get("frames"):
        print(
            f"console screen updates: {loop['frames']}, p50 {loop['frame_ms_p50']:.1f} / p95 {loop['frame_ms_p95']:.1f} / "
            f"max {loop['frame_ms_max']:.1f} ms"
        )
    console_ratio = med(r["console"]["rate"] / r["plain"]["rate"] for r in rounds)
    return [
        (
            f"console answers at >= {GOAL_CONSOLE_RATE}x plain slixmpp",
            console_ratio >= GOAL_CONSOLE_RATE,
            f"{console_ratio:.2f}x",
        ),
        (
            f"console key p95 < {GOAL_KEY_P95_MS:g} ms",
            percentile(delays, 0.95) < GOAL_KEY_P95_MS and not unhandled,
            f"{percentile(delays, 0.95):.1f} ms",
        ),
    ]


def receivers(text: str) -> tuple[str, ...]:
    """`--receivers`: the named ones in the usual order, plain always (the others' yardstick)."""
    named = {name.strip() for name in text.split(",") if name.strip()}
    unknown = named - set(RECEIVERS)
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown receiver(s) {', '.join(sorted(unknown))}: choose from {', '.join(RECEIVERS)}"
        )
    return tuple(role for role in RECEIVERS if role in named or role == "plain")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pings", type=int, default=5_000, help="requests per receiver and round (default 5,000)")
    parser.add_argument("--in-flight", type=int, default=100, help="unanswered requests at a time (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; medians are reported (default 3)")
    parser.add_argument("--key-interval", type=float, default=25.0, help="ms between the console's key presses")
    parser.add_argument("--load", action="store_true", help="keep one core busy beside the run")
    parser.add_argument(
        "--receivers",
        type=receivers,
        default=RECEIVERS,
        help="which receivers, comma-separated (default plain,respond,console; plain is always run first)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="DIR",
        help="also run the respond command of another checkout (e.g. `git archive main` unpacked), for before/after figures",
    )
    parser.add_argument("--role", choices=("plain", "console"), help=argparse.SUPPRESS)  # internal: a child
    args = parser.parse_args()
    if args.role:
        child_main(args.role)
        return 0
    return asyncio.run(parent_main(args))


if __name__ == "__main__":
    sys.exit(main())
