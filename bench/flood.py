#!/usr/bin/env python
"""Flood benchmark (issue 3): iqconsole against plain slixmpp, on a real server (Prosody by default).

    .venv/bin/python bench/flood.py                    # 20,000 and 100,000 stanzas
    .venv/bin/python bench/flood.py --counts 500       # smoke run, a few seconds
    .venv/bin/python bench/flood.py --profile          # also cProfile the console while it ingests
    .venv/bin/python bench/flood.py --million          # memory once the default store is full (flood_memory.py)

One throwaway server serves the whole run: by default a Prosody sandbox (iqconsole.core.sandbox)
whose modules_enabled leave out those that hook every message (`--server demo`: Prosody as the demo
runs it; `--server ejabberd`).
For each count, a second account ("flooder", driven by this parent process) sends N small <message>
stanzas to the full JID of the console's account as fast as it can, twice:

1. `plain`:   a bare slixmpp ClientXMPP in its own process, no UI, counting the `message` events;
              done when all N distinct ids have arrived.
2. `console`: IqConsoleApp in its own process, headless via `run_test(size=(160, 50))`, log pane
              visible, following the tail; done when the traffic view has rendered the row of the
              last stanza sent (see DISPLAYED below). While the flood runs, a separate thread presses
              keys the way a terminal's input thread does (see KEYPRESS below).

Each receiver runs in a fresh child process (`--role plain|console`, fed a JSON config on stdin), so
memory and CPU figures do not contaminate each other; the parent only starts the server and sends.
All times are time.monotonic(), which on Linux is one system-wide clock shared by the processes.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import gc
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere, with or without an installed package
    sys.path.insert(0, str(ROOT))

PROTOCOL = "@@flood "  # prefix of the lines a child writes for the parent on its stdout
CHILD_LINE_LIMIT = 64 << 20  # a child's result line lists every key delay and loop block: MBs on a busy machine
SCREEN_SIZE = (160, 50)
BATCH = 100  # stanzas per send_raw() call of the flooder
HIGH_WATER = 1 << 20  # the flooder pauses while more than this many bytes wait in its transport
IDLE_TIMEOUT = 20.0  # a receiver gives up when no flood stanza arrived for this long
WARMUP_COUNT = 2_000

GOAL_RATIO = 1.3  # at 20,000 stanzas
GOAL_RATIO_COUNT = 20_000
GOAL_KEY_P95_MS = {20_000: 50.0}  # per count; 100 ms for any other count (issue 14)
GOAL_KEY_P95_DEFAULT_MS = 100.0
GOAL_KEY_MAX_MS = 150.0
GOAL_CPU_RATIO = 2.0  # iqconsole's CPU per stanza against plain slixmpp's
GOAL_FRAME_P95_MS = 16.0
GOAL_RSS_MB = 200.0  # at 100,000 stanzas
GOAL_RSS_COUNT = 100_000

EXPLANATION = """\
What is measured
  plain s     from the parent's first send_raw() of the flood until plain slixmpp's `message` handler
              has seen all N distinct ids (same Prosody, same sender, same run; no UI, nothing stored).
  console s   same start, until DISPLAYED: IqConsoleApp's own TrafficView.render_line() has produced
              the row of the last stanza sent (the store entry with its id), seen by a wrapper around
              render_line that this benchmark installs. Headless: encoding the screen for a terminal
              is not included. "stored" is when that stanza entered the TrafficStore (entry time).
  ratio       console s / plain s. When Prosody is the bottleneck of the plain run (see "busy"), the
              ratio says whether iqconsole keeps up with the server; CPU per stanza says what it costs.
  key p95/max KEYPRESS: a thread outside the event loop (as a terminal's input thread) posts a Right
              or Left key to the app's driver every --key-interval ms from the start of sending until
              DISPLAYED; the delay runs from posting to the composer editor's cursor having moved (a
              synchronous watcher on TextArea.selection): the key's binding ran. Repaint not included.
  RSS +MB     iqconsole: VmRSS once the last stanza is displayed (after gc.collect) minus VmRSS with the
              app mounted but not yet connected. plain: after the flood minus before connecting
              (that includes the benchmark's own set of received ids).
  lost/dup    ids expected but never received / ids received more than once, plain | iqconsole; for
              iqconsole counted in the TrafficStore, which the view renders one row per entry; its
              capacity is max(100,000, N + 1,000), so every flood entry is kept.
  loop        every slixmpp data_received() call (one decrypted socket read, parsed and dispatched
              in one go), every garbage collection and every screen update (Textual's compositor
              rendering the changed lines), timed while the flood runs: each blocks the event loop,
              and a key press needs several turns of the loop before its binding runs.
"""


# -- shared helpers ---------------------------------------------------------------------------


def rss_mb(field: str = "VmRSS") -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of another process (Prosody), from /proc/PID/stat."""
    if pid is None:
        return float("nan")
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def flood_id(prefix: str, index: int) -> str:
    return f"{prefix}-{index}"


class ChildChannel:
    """A child's side of the pipe: one JSON config line in, protocol lines out, a GO line in."""

    def __init__(self) -> None:
        # A private duplicate of stdout: nothing the app or a library prints can interleave with it.
        self.out = os.fdopen(os.dup(1), "w", buffering=1)
        self.config = json.loads(sys.stdin.readline())

    def send(self, kind: str, payload: dict) -> None:
        self.out.write(f"{PROTOCOL}{kind} {json.dumps(payload)}\n")
        self.out.flush()

    async def wait_for_go(self) -> None:
        line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        if line.strip() != "GO":
            raise SystemExit(f"expected GO from the parent, got {line!r}")


async def wait_progress(done: asyncio.Future, progress, idle: float = IDLE_TIMEOUT) -> bool:
    """Wait for `done`; give up when `progress()` did not change for `idle` seconds."""
    last, since = progress(), time.monotonic()
    while not done.done():
        await asyncio.wait([done], timeout=0.25)
        now = progress()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since > idle:
            return False
    return True


class LoopStats:
    """Where the event loop is blocked during the flood: every slixmpp `data_received` call (one
    decrypted socket read: parsing, `in` filters and handlers of all the stanzas in it, in one go)
    and every garbage collection. Wraps the class method, so it costs one call per socket read."""

    def __init__(self) -> None:
        # Arrays, not lists of tuples: a million-stanza flood makes tens of thousands of reads, and
        # the benchmark's own bookkeeping must not be what grows (flood_memory.py samples RSS).
        self.read_sizes = array.array("q")
        self.read_seconds = array.array("d")
        self.collections: list[tuple[int, float]] = []
        self.frames: list[float] = []
        self.active = False
        self._gc_start = 0.0

    def wrap(self, cls) -> None:
        original = cls.data_received
        stats = self

        def data_received(client, data):
            if not stats.active:
                return original(client, data)
            start = time.perf_counter()
            try:
                return original(client, data)
            finally:
                stats.read_seconds.append(time.perf_counter() - start)
                stats.read_sizes.append(len(data))

        cls.data_received = data_received

    def wrap_frames(self) -> None:
        """Time each screen update of the app (Textual 8's Screen._compositor_refresh: render the
        changed lines of every widget; headless, so no terminal output)."""
        from textual.screen import Screen

        original = getattr(Screen, "_compositor_refresh", None)
        if original is None:  # another Textual version: no frame figures
            return
        stats = self

        def _compositor_refresh(screen):
            if not stats.active:
                return original(screen)
            start = time.perf_counter()
            try:
                return original(screen)
            finally:
                stats.frames.append(time.perf_counter() - start)

        Screen._compositor_refresh = _compositor_refresh

    def _on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.collections.append((info["generation"], time.perf_counter() - self._gc_start))

    def start(self) -> None:
        self.active = True
        gc.callbacks.append(self._on_gc)

    def stop(self) -> None:
        self.active = False
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def summary(self) -> dict:
        sizes = list(self.read_sizes)
        blocked = [seconds * 1000 for seconds in self.read_seconds]
        oldest = [seconds * 1000 for generation, seconds in self.collections if generation == 2]
        frames = [seconds * 1000 for seconds in self.frames]
        return {
            "frames": len(frames),
            "frame_ms_p50": percentile(frames, 0.5),
            "frame_ms_p95": percentile(frames, 0.95),
            "frame_ms_max": max(frames, default=float("nan")),
            "frame_ms_total": sum(frames),
            "reads": len(self.read_sizes),
            "read_kb_p50": percentile(sizes, 0.5) / 1024 if sizes else float("nan"),
            "read_kb_max": max(sizes, default=0) / 1024,
            "read_ms_p50": percentile(blocked, 0.5),
            "read_ms_p95": percentile(blocked, 0.95),
            "read_ms_max": max(blocked, default=float("nan")),
            "read_ms_total": sum(blocked),
            "gc": len(self.collections),
            "gc_ms_total": sum(seconds for _, seconds in self.collections) * 1000,
            "gc2": len(oldest),
            "gc2_ms_max": max(oldest, default=0.0),
        }


# -- child: plain slixmpp -------------------------------------------------------------------------


async def plain_child(channel: ChildChannel) -> None:
    import logging

    import slixmpp

    logging.getLogger("slixmpp").addHandler(logging.NullHandler())
    config = channel.config
    count, prefix = config["count"], config["prefix"]
    last_id = flood_id(prefix, count - 1)
    gc.collect()
    rss_before = rss_mb()

    loop_stats = LoopStats()
    loop_stats.wrap(slixmpp.ClientXMPP)
    xmpp = slixmpp.ClientXMPP(config["jid"], config["password"])
    xmpp.enable_direct_tls = False
    xmpp.ca_certs = config["ca_file"]
    seen: set[str] = set()
    duplicates = 0
    times = {"first": None, "last_id": None}
    done = asyncio.get_running_loop().create_future()

    def on_message(message) -> None:
        nonlocal duplicates
        stanza_id = message["id"]
        if not stanza_id.startswith(prefix):
            return
        if times["first"] is None:
            times["first"] = time.monotonic()
        if stanza_id in seen:
            duplicates += 1
            return
        seen.add(stanza_id)
        if stanza_id == last_id:
            times["last_id"] = time.monotonic()
        if len(seen) == count and not done.done():
            done.set_result(time.monotonic())

    xmpp.add_event_handler("message", on_message)
    started = asyncio.ensure_future(xmpp.wait_until("session_start", 20))
    xmpp.connect(config["host"], config["port"])
    await started
    xmpp.send_presence()
    channel.send("READY", {"rss_before": rss_before})

    await channel.wait_for_go()
    cpu_start = time.process_time()
    loop_stats.start()
    complete = await wait_progress(done, lambda: len(seen))
    loop_stats.stop()
    cpu = time.process_time() - cpu_start
    t_done = done.result() if complete else times["last_id"]
    gc.collect()
    channel.send(
        "RESULT",
        {
            "complete": complete,
            "t_first": times["first"],
            "t_done": t_done,
            "cpu": cpu,
            "received": len(seen),
            "lost": count - len(seen),
            "duplicates": duplicates,
            "rss_before": rss_before,
            "rss_after": rss_mb(),
            "rss_peak": rss_mb("VmHWM"),
            "loop": loop_stats.summary(),
        },
    )
    await xmpp.disconnect(wait=1.0)


# -- child: iqconsole -----------------------------------------------------------------------------


CARET_KEYS = (("right", None), ("left", None))


class Typist(threading.Thread):
    """Presses `keys` ((key, character) pairs: Right/Left by default) in turn at a fixed rate from
    outside the event loop, as a terminal's input thread would: a busy loop delays the handling,
    never the pressing."""

    def __init__(self, app, interval: float, keys: tuple[tuple[str, str | None], ...] = CARET_KEYS):
        super().__init__(daemon=True, name="typist")
        self.app = app
        self.interval = interval
        self.keys = keys
        self.pressed = array.array("d")  # monotonic times; an array: it must not grow the RSS measured
        self.stop = threading.Event()
        self.hold = threading.Event()  # set: no key is pressed (while memory is sampled)

    def run(self) -> None:
        from textual import events

        driver = self.app._driver
        deadline = time.monotonic()
        index = 0
        while not self.stop.is_set():
            deadline += self.interval
            pause = deadline - time.monotonic()
            if pause > 0 and self.stop.wait(pause):
                break
            if self.hold.is_set():
                continue
            key, character = self.keys[index % len(self.keys)]
            event = events.Key(key, character)
            index += 1
            self.pressed.append(time.monotonic())
            driver.process_message(event)  # what the real drivers' input threads call


async def console_child(channel: ChildChannel) -> None:
    import cProfile

    from flood_memory import JournalKeeper, MemorySampler, memory_integrity
    from textual.widgets import TextArea

    from iqconsole.core.account import Account, Secret
    from iqconsole.core.client import ConsoleClient
    from iqconsole.core.traffic import DEFAULT_CAPACITY, Direction
    from iqconsole.ui.app import IqConsoleApp
    from iqconsole.ui.traffic.traffic_view import TrafficView

    config = channel.config
    count, prefix = config["count"], config["prefix"]
    last_id = flood_id(prefix, count - 1)
    loop = asyncio.get_running_loop()
    displayed = loop.create_future()
    shown = {"text": ""}

    # DISPLAYED: observe, without changing, the view's own rendering of rows.
    original_render_line = TrafficView.render_line

    def render_line(view, y):
        strip = original_render_line(view, y)
        if not displayed.done():
            index = view.scroll_offset.y + y
            store = view.store
            if index < len(store) and store[index].stanza_id == last_id:
                displayed.set_result(time.monotonic())
                shown["text"] = strip.text.rstrip()
        return strip

    TrafficView.render_line = render_line
    loop_stats = LoopStats()
    loop_stats.wrap(ConsoleClient)
    loop_stats.wrap_frames()

    account = Account(
        config["jid"],
        Secret(config["password"]),
        host=config["host"],
        port=config["port"],
        ca_file=Path(config["ca_file"]),
    )
    # Every flood entry kept, unless the memory run asks for a store that fills (the default one).
    capacity = config.get("capacity") or max(DEFAULT_CAPACITY, count + 1_000)
    # Journaled, as the installed console is by default, into a folder thrown away afterwards.
    journal_folder = Path(tempfile.mkdtemp(prefix="iqconsole-flood-journal-")) if config["journal"] else None
    app = IqConsoleApp(account, capacity=capacity, connect_on_start=False, journal_folder=journal_folder)
    async with app.run_test(size=SCREEN_SIZE) as pilot:
        await pilot.pause()
        gc.collect()
        rss_before = rss_mb()
        app.connect_account(account)
        await wait_online(app)
        await pilot.pause(0.2)
        view = app.query_one(TrafficView)
        editor = app.query_one("#editor", TextArea) if app.query("#editor") else app.query_one(TextArea)
        region = view.region
        if not (view.display and region.width > 20 and region.height > 5):
            raise SystemExit(f"the traffic view is not visible: {region}")
        editor.focus()
        editor.move_cursor((0, 0))
        await pilot.pause()
        handled = array.array("d")
        app.watch(editor, "selection", lambda: handled.append(time.monotonic()), init=False)

        def stored_in() -> int:
            return app.store.count_in

        profiler = cProfile.Profile() if config.get("profile") else None
        typist = Typist(app, config["key_interval"] / 1000)
        sampler = None
        if config.get("rss_at"):  # made before READY: the flood may arrive while GO is on its way
            sampler = MemorySampler(
                app.store, config["rss_at"], typist_hold=typist.hold, tracemalloc_dir=config.get("tracemalloc", "")
            )
            if journal_folder is not None:
                sampler.keeper = JournalKeeper(journal_folder)
        channel.send(
            "READY",
            {"rss_before": rss_before, "view": [region.x, region.y, region.width, region.height], "capacity": capacity},
        )
        await channel.wait_for_go()
        cpu_start = time.process_time()
        if profiler is not None:
            profiler.enable()
        loop_stats.start()
        typist.start()
        if sampler is not None:
            sampler.start()
        complete = await wait_progress(displayed, stored_in)
        typist.stop.set()
        loop_stats.stop()
        if sampler is not None:
            await sampler.stop()
        if profiler is not None:
            profiler.disable()
        cpu = time.process_time() - cpu_start
        typist.join()
        handle_deadline = time.monotonic() + 3
        while len(handled) < len(typist.pressed) and time.monotonic() < handle_deadline:
            await asyncio.sleep(0.01)
        delays = [(h - p) * 1000 for p, h in zip(typist.pressed, handled, strict=False)]
        gc.collect()
        rss_after = rss_mb()  # before the checks below build their own sets of 100,000 ids

        # Lost / duplicate, counted in the store the view renders one row per entry.
        ids: dict[str, int] = {}
        first_stored = last_stored = None
        for entry in app.store:
            if entry.direction is Direction.IN and entry.stanza_id.startswith(prefix):
                if sampler is None:  # the memory run counts in order, without a set (flood_memory.py)
                    ids[entry.stanza_id] = ids.get(entry.stanza_id, 0) + 1
                if first_stored is None:
                    first_stored = entry.monotonic
                if entry.stanza_id == last_id:
                    last_stored = entry.monotonic
        memory = {}
        if sampler is None:
            expected = {flood_id(prefix, i) for i in range(count)}
            received, duplicates, unexpected = (
                len(expected & ids.keys()),
                sum(n - 1 for n in ids.values() if n > 1),
                len(ids.keys() - expected),
            )
        else:
            if journal_folder is not None and app.journal is not None:
                app.journal.flush()
            memory = memory_integrity(app.store, prefix, count, sampler.keeper)
            memory["capacity"] = capacity
            received = count - memory["lost"]
            duplicates, unexpected = memory["twice"], memory["beyond"]
        rows = view.virtual_size.height
        if profiler is not None:
            profiler.dump_stats(config["profile"])
        channel.send(
            "RESULT",
            {
                "complete": complete,
                "t_first": first_stored,
                "t_stored": last_stored,
                "t_done": displayed.result() if complete else None,
                "shown": shown["text"][-120:],
                "cpu": cpu,
                "received": received,
                "lost": count - received,
                "duplicates": duplicates,
                "unexpected": unexpected,
                "rows": rows,
                "entries": len(app.store),
                "dropped": app.store.dropped,
                "key_delays_ms": delays,
                "keys_pressed": len(typist.pressed),
                "keys_handled": len(handled),
                "rss_before": rss_before,
                "rss_after": rss_after,
                "rss_peak": rss_mb("VmHWM"),
                "loop": loop_stats.summary(),
                "journal_bytes": sum(path.stat().st_size for path in journal_folder.iterdir())
                if journal_folder is not None
                else 0,
                "samples": sampler.samples if sampler is not None else [],
                "memory": memory,
            },
        )
    if journal_folder is not None:
        shutil.rmtree(journal_folder)
        if sampler is not None and sampler.keeper is not None:
            shutil.rmtree(sampler.keeper.folder)


def child_main(role: str) -> None:
    channel = ChildChannel()
    asyncio.run(plain_child(channel) if role == "plain" else console_child(channel))


# -- parent: Prosody, the flooder, the table ------------------------------------------------------


class Child:
    """A receiver: `script --role ROLE` (this file unless said), fed its config on stdin."""

    def __init__(self, role: str, config: dict, script: Path | None = None):
        self.role = role
        self.config = config
        self.script = script or Path(__file__).resolve()
        self.process: asyncio.subprocess.Process | None = None
        self.stderr = bytearray()
        self._stderr_task: asyncio.Task | None = None

    async def start(self) -> dict:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(self.script),
            "--role",
            self.role,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=CHILD_LINE_LIMIT,
            stderr=asyncio.subprocess.PIPE,
            cwd=str(ROOT),
        )
        self._stderr_task = asyncio.ensure_future(self._drain_stderr())
        self.process.stdin.write(json.dumps(self.config).encode() + b"\n")
        await self.process.stdin.drain()
        return await self.expect("READY", 60)

    async def _drain_stderr(self) -> None:
        while chunk := await self.process.stderr.read(65536):
            self.stderr += chunk

    async def go(self) -> None:
        self.process.stdin.write(b"GO\n")
        await self.process.stdin.drain()

    async def expect(self, kind: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = await asyncio.wait_for(self.process.stdout.readline(), max(0.1, deadline - time.monotonic()))
            except TimeoutError:
                raise RuntimeError(f"{self.role} child: no {kind} within {timeout:g} s\n{self.stderr_tail()}") from None
            if not line:
                await self.process.wait()
                raise RuntimeError(
                    f"{self.role} child exited ({self.process.returncode}) before {kind}\n{self.stderr_tail()}"
                )
            text = line.decode("utf-8", "replace")
            if text.startswith(PROTOCOL):
                got, _, payload = text[len(PROTOCOL) :].partition(" ")
                if got == kind:
                    return json.loads(payload)

    async def finish(self, timeout: float = 30) -> None:
        try:
            await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()  # our own child, by its handle
            await self.process.wait()
        if self._stderr_task is not None:
            await self._stderr_task

    def stderr_tail(self, lines: int = 30) -> str:
        text = self.stderr.decode("utf-8", "replace").strip()
        return "\n".join(text.splitlines()[-lines:]) if text else "(no stderr)"


_FLOODERS: list = []  # kept until the loop ends, so slixmpp's send task is cancelled, not garbage-collected


async def connect_plain(server, username: str = "flooder", resource: str = "flood"):
    """A plain slixmpp client of the sandbox's account `username`, logged in."""
    import logging

    import slixmpp

    logging.getLogger("slixmpp").addHandler(logging.NullHandler())
    user = server.account(username)
    xmpp = slixmpp.ClientXMPP(f"{user.jid}/{resource}", user.password)
    xmpp.enable_direct_tls = False
    xmpp.ca_certs = server.ca_file
    started = asyncio.ensure_future(xmpp.wait_until("session_start", 20))
    xmpp.connect(server.host, server.port)
    await started
    _FLOODERS.append(xmpp)
    return xmpp


def flood_batches(to: str, prefix: str, count: int) -> Iterator[bytes]:
    """Small stanzas (about 100 bytes as sent). type="headline" keeps them out of Prosody's MAM
    archive (mod_mam never stores headlines), so the server is not busy writing files. Made as
    they are sent: a million of them would be 100 MB held by the sender."""
    for start in range(0, count, BATCH):
        yield "".join(
            f'<message to="{to}" type="headline" id="{flood_id(prefix, i)}"><body>flood {i}</body></message>'
            for i in range(start, min(count, start + BATCH))
        ).encode()


async def send_flood(xmpp, batches: Iterable[bytes]) -> None:
    """As fast as the socket drains: write batches, yield to the loop, pause above the high-water mark."""
    transport = xmpp.transport
    for batch in batches:
        xmpp.send_raw(batch)
        if transport.get_write_buffer_size() > HIGH_WATER:
            while transport.get_write_buffer_size() > HIGH_WATER // 4:
                await asyncio.sleep(0.005)  # a busy poll would steal a core from the receivers
        else:
            await asyncio.sleep(0)
    while transport.get_write_buffer_size():
        await asyncio.sleep(0.001)


async def run_one(server, role: str, count: int, tag: str, args) -> dict:
    receiver = server.account("console")
    resource = f"{role}-{tag}"
    prefix = f"{tag}-{role[0]}"
    config = {
        "jid": f"{receiver.jid}/{resource}",
        "password": receiver.password,
        "host": server.host,
        "port": server.port,
        "ca_file": str(server.ca_file),
        "count": count,
        "prefix": prefix,
        "key_interval": args.key_interval,
        "journal": not args.no_journal,
        "capacity": args.capacity if role == "console" else 0,
        "rss_at": args.rss_at if role == "console" else [],
        "tracemalloc": args.profile_dir if args.tracemalloc and role == "console" else "",
        "profile": str(Path(args.profile_dir) / f"flood-console-{count}.prof")
        if args.profile and role == "console"
        else "",
    }
    child = Child(role, config)
    try:
        ready = await child.start()
        flooder = await connect_plain(server)
        batches = flood_batches(config["jid"], prefix, count)
        await asyncio.sleep(0.3)  # let both sessions settle (presence, roster) before the clock starts
        prosody_cpu = process_cpu(server.pid)
        parent_cpu = time.process_time()
        busy, total = machine_jiffies()
        await child.go()
        t0 = time.monotonic()
        await send_flood(flooder, batches)
        t_sent = time.monotonic()
        result = await child.expect("RESULT", IDLE_TIMEOUT + 60 + count / 100)  # a busy machine is slow
        prosody_cpu = process_cpu(server.pid) - prosody_cpu
        parent_cpu = time.process_time() - parent_cpu
        busy_now, total_now = machine_jiffies()
        machine_busy = (busy_now - busy) / max(1, total_now - total) * (os.cpu_count() or 1)
        await flooder.disconnect(wait=1.0)
    finally:
        if child.process is not None:
            await child.finish()
    result.update(
        ready=ready,
        t0=t0,
        t_sent=t_sent,
        count=count,
        role=role,
        prosody_cpu=prosody_cpu,
        sender_cpu=parent_cpu,
        machine_busy=machine_busy,
    )
    if not result["complete"]:
        result["error"] = f"incomplete: {result['received']} of {count} received\n{child.stderr_tail()}"
    return result


def not_run(count: int) -> dict:
    """The plain receiver's result when --no-plain skipped it: every figure nan, nothing lost."""
    nan = float("nan")
    figures = ("t_done", "cpu", "prosody_cpu", "sender_cpu", "machine_busy", "rss_before", "rss_after", "rss_peak")
    return {"role": "plain", "count": count, "t0": 0.0, "complete": True, "lost": 0, "duplicates": 0} | {
        "loop": LoopStats().summary(),
        **dict.fromkeys(figures, nan),
    }


def seconds(result: dict, key: str = "t_done") -> float:
    value = result.get(key)
    return value - result["t0"] if value is not None else float("nan")


async def parent_main(args) -> int:
    counts = [int(c.replace("_", "")) for c in args.counts.split(",") if c.strip()]
    if args.profile or args.tracemalloc:
        Path(args.profile_dir).mkdir(parents=True, exist_ok=True)
    server = flood_server(args.server, ("console", "flooder")).start()
    hog = await start_hog() if args.load else None
    print(
        f"{server.server} ({args.server}{': ' + ', '.join(server.modules) if server.modules else ''}) "
        f"on {server.host}:{server.port} (STARTTLS); Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs; screen {SCREEN_SIZE[0]}x{SCREEN_SIZE[1]}; keys every {args.key_interval:g} ms; "
        f"load average {load_average()}" + ("; with a process keeping one core busy (--load)" if hog else ""),
        flush=True,
    )
    rows = []
    try:
        if not args.no_warmup:
            await run_one(server, "plain", WARMUP_COUNT, "warmup", args)
        for count in counts:
            for repeat in range(args.repeat):
                tag = f"n{count}r{repeat}"
                plain = not_run(count) if args.no_plain else await run_one(server, "plain", count, tag, args)
                console = await run_one(server, "console", count, tag, args)
                rows.append((plain, console))
                print(
                    f"  {count:,} stanzas, run {repeat + 1}/{args.repeat}: plain {seconds(plain):.2f} s, "
                    f"console {seconds(console):.2f} s",
                    flush=True,
                )
                for result in (plain, console):
                    if "error" in result:
                        print(f"  ! {result['role']}: {result['error']}", flush=True)
    finally:
        server.stop()
        if hog is not None:
            hog.kill()  # our own child, by its handle
            await hog.wait()
    print(f"load average at the end: {load_average()}")
    print()
    print(EXPLANATION)
    return report(rows, counts, args)


async def start_hog() -> asyncio.subprocess.Process:
    """What a compiler next to the console does to it: one core kept busy for the whole run."""
    return await asyncio.create_subprocess_exec(sys.executable, "-c", "while True: pass")


SERVERS = ("lean", "demo", "ejabberd")  # --server: a Prosody without mam and carbons, the demo's, ejabberd


def flood_server(name: str, usernames: tuple[str, ...]):
    """The throwaway server of a run. By default a Prosody without the modules that hook every
    message (mam, carbons): with them Prosody, not the receivers, sets a flood's pace."""
    from iqconsole.core.ejabberd_sandbox import EjabberdSandbox
    from iqconsole.core.sandbox import LEAN_MODULES, MODULES, ProsodySandbox

    if name == "ejabberd":
        return EjabberdSandbox(usernames)
    return ProsodySandbox(usernames, modules=LEAN_MODULES if name == "lean" else MODULES)


def sandbox_account(server, username: str, resource: str):
    """An Account for one of the sandbox's users, logging in to it over loopback."""
    from iqconsole.core.account import Account, Secret

    user = server.account(username)
    return Account(
        f"{user.jid}/{resource}",
        Secret(user.password),
        host=server.host,
        port=server.port,
        ca_file=Path(server.ca_file),
    )


async def wait_online(app, seconds: float = 20, poll: float = 0.02) -> None:
    """Until the console under test has logged in; a bench run that cannot log in stops."""
    deadline = time.monotonic() + seconds
    while not (app.session is not None and app.session.online):
        if time.monotonic() > deadline:
            raise SystemExit(f"the console did not log in within {seconds:g} s")
        await asyncio.sleep(poll)


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load: the figures mean little on a busy machine."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def summarize(runs: list[tuple[dict, dict]]) -> dict:
    """Medians over repeats for times and CPU; pooled key delays; worst run for RSS and integrity."""
    count = runs[0][0]["count"]
    med = statistics.median
    delays = [d for _, c in runs for d in c["key_delays_ms"]]
    return {
        "count": count,
        "plain_s": med(seconds(p) for p, _ in runs),
        "console_s": med(seconds(c) for _, c in runs),
        "stored_s": med(seconds(c, "t_stored") for _, c in runs),
        "send_s": med(c["t_sent"] - c["t0"] for _, c in runs),
        "ratio": med(seconds(c) / seconds(p) for p, c in runs),
        "cpu_plain": med(p["cpu"] / count * 1e6 for p, _ in runs),
        "cpu_console": med(c["cpu"] / count * 1e6 for _, c in runs),
        "srv_plain": med(p["prosody_cpu"] / count * 1e6 for p, _ in runs),
        "srv_console": med(c["prosody_cpu"] / count * 1e6 for _, c in runs),
        "sender_plain": med(p["sender_cpu"] / seconds(p) * 100 for p, _ in runs),
        "sender_console": med(c["sender_cpu"] / seconds(c) * 100 for _, c in runs),
        "machine_plain": med(p["machine_busy"] * 100 for p, _ in runs),
        "machine_console": med(c["machine_busy"] * 100 for _, c in runs),
        "other_plain": med(
            (p["machine_busy"] * seconds(p) - p["cpu"] - p["prosody_cpu"] - p["sender_cpu"]) / seconds(p) * 100
            for p, _ in runs
        ),
        "other_console": med(
            (c["machine_busy"] * seconds(c) - c["cpu"] - c["prosody_cpu"] - c["sender_cpu"]) / seconds(c) * 100
            for _, c in runs
        ),
        "load_plain": med(p["cpu"] / seconds(p) * 100 for p, _ in runs),
        "load_console": med(c["cpu"] / seconds(c) * 100 for _, c in runs),
        "srv_load_plain": med(p["prosody_cpu"] / seconds(p) * 100 for p, _ in runs),
        "srv_load_console": med(c["prosody_cpu"] / seconds(c) * 100 for _, c in runs),
        "delays": delays,
        "key_p50": percentile(delays, 0.50),
        "key_p95": percentile(delays, 0.95),
        "key_max": max(delays, default=float("nan")),
        "unhandled": sum(c["keys_pressed"] - c["keys_handled"] for _, c in runs),
        "rss_plain": max(p["rss_after"] - p["rss_before"] for p, _ in runs),
        "rss_console": max(c["rss_after"] - c["rss_before"] for _, c in runs),
        "rss_console_after": max(c["rss_after"] for _, c in runs),
        "peak_console": max(c["rss_peak"] for _, c in runs),
        "lost": (max(p["lost"] for p, _ in runs), max(c["lost"] for _, c in runs)),
        "dup": (max(p["duplicates"] for p, _ in runs), max(c["duplicates"] for _, c in runs)),
        "complete": all(p["complete"] and c["complete"] for p, c in runs),
        "loop_plain": runs[len(runs) // 2][0]["loop"],
        "loop_console": runs[len(runs) // 2][1]["loop"],
        # a memory run's store is full: it drops its oldest entries, counted (flood_memory.py)
        "view_ok": all(
            c["rows"] == c["entries"] and not c["unexpected"] and (not c["dropped"] or c["memory"]) for _, c in runs
        ),
    }


def report(rows, counts, args) -> int:
    summaries = []
    for count in counts:
        runs = [(p, c) for p, c in rows if p["count"] == count]
        if runs:
            summaries.append(summarize(runs))
    header = (
        f"{'stanzas':>8} {'plain s':>8} {'console s':>9} {'ratio':>6} {'key p95 ms':>10} {'key max ms':>10} "
        f"{'RSS +MB':>8} {'lost p|c':>9} {'dup p|c':>8}"
    )
    print(header)
    print("-" * len(header))
    for s in summaries:
        print(
            f"{s['count']:>8,} {s['plain_s']:>8.2f} {s['console_s']:>9.2f} {s['ratio']:>6.2f} {s['key_p95']:>10.1f} "
            f"{s['key_max']:>10.1f} {s['rss_console']:>8.1f} {s['lost'][0]:>4}|{s['lost'][1]:<4} {s['dup'][0]:>3}|{s['dup'][1]:<4}"
        )
    print()
    for s in summaries:
        print(f"{s['count']:,} stanzas")
        print(
            f"  console     last stanza stored after {s['stored_s']:.2f} s, displayed after {s['console_s']:.2f} s; "
            f"the sender had written everything after {s['send_s']:.2f} s"
        )
        print(
            f"  CPU         per stanza: plain slixmpp {s['cpu_plain']:.1f} us, iqconsole {s['cpu_console']:.1f} us; "
            f"server {s['srv_plain']:.1f} us (plain run), {s['srv_console']:.1f} us (console run)"
        )
        print(
            f"              busy: plain {s['load_plain']:.0f}% of a core, iqconsole {s['load_console']:.0f}%; "
            f"server {s['srv_load_plain']:.0f}% (plain run), {s['srv_load_console']:.0f}% (console run); "
            f"sender {s['sender_plain']:.0f}%, {s['sender_console']:.0f}%; whole machine {s['machine_plain']:.0f}%, "
            f"{s['machine_console']:.0f}% of {os.cpu_count()} cores"
        )
        if max(s["other_plain"], s["other_console"]) > 25:
            print(
                f"  WARNING     other processes kept {s['other_plain']:.0f}% / {s['other_console']:.0f}% of a core busy "
                f"during the plain / console runs: these figures are noisy"
            )
        if s["srv_load_plain"] >= 90:
            print(
                f"  note        the server used {s['srv_load_plain']:.0f}% of a core in the plain run: it, "
                f"not slixmpp, set its pace"
            )
        print(
            f"  keypresses  {len(s['delays'])} during the flood: p50 {s['key_p50']:.1f} ms, p95 {s['key_p95']:.1f} ms, "
            f"max {s['key_max']:.1f} ms" + (f"; {s['unhandled']} never handled" if s["unhandled"] else "")
        )
        for role, key in (("plain", "loop_plain"), ("iqconsole", "loop_console")):
            loop = s[key]
            print(
                f"  {'loop' if role == 'plain' else '':<11} {role}: {loop['reads']} data_received calls (one per socket read; "
                f"{loop['read_kb_p50']:.0f} KB median, {loop['read_kb_max']:.0f} KB max) blocked the loop "
                f"p50 {loop['read_ms_p50']:.1f} / p95 {loop['read_ms_p95']:.1f} / max {loop['read_ms_max']:.1f} ms, "
                f"{loop['read_ms_total'] / 1000:.2f} s in all; gc {loop['gc']} runs, {loop['gc_ms_total']:.0f} ms, "
                f"{loop['gc2']} full (max {loop['gc2_ms_max']:.0f} ms)"
            )
        loop = s["loop_console"]
        if loop.get("frames"):
            print(
                f"              iqconsole: {loop['frames']} screen updates blocked the loop p50 {loop['frame_ms_p50']:.1f} / "
                f"p95 {loop['frame_ms_p95']:.1f} / max {loop['frame_ms_max']:.1f} ms, {loop['frame_ms_total'] / 1000:.2f} s in all"
            )
        print(
            f"  memory      iqconsole RSS +{s['rss_console']:.1f} MB (now {s['rss_console_after']:.1f} MB, "
            f"peak {s['peak_console']:.1f} MB); plain slixmpp +{s['rss_plain']:.1f} MB"
        )
        print(
            f"  integrity   plain: lost {s['lost'][0]}, twice {s['dup'][0]}; iqconsole store: lost {s['lost'][1]}, "
            f"twice {s['dup'][1]}; view rows = store entries, nothing dropped: {'yes' if s['view_ok'] else 'NO'}"
        )
    last = next((c for _, c in reversed(rows) if c.get("shown")), None)
    if last is not None:
        print(f"\nlast row displayed ({last['count']:,}): {last['shown']}")
    if args.repeat > 1:
        print(f"(times, CPU, ratio: medians of {args.repeat} runs; key delays pooled; RSS, lost, dup: worst run)")

    goals = []
    for s in summaries:
        count = s["count"]
        if count == GOAL_RATIO_COUNT and not args.no_plain:
            goals.append((f"ingest ratio <= {GOAL_RATIO} at {count:,}", s["ratio"] <= GOAL_RATIO, f"{s['ratio']:.2f}"))
        key_goal = GOAL_KEY_P95_MS.get(count, GOAL_KEY_P95_DEFAULT_MS)
        goals.append(
            (
                f"keypress p95 < {key_goal:g} ms and none over {GOAL_KEY_MAX_MS:g} ms at {count:,}",
                s["key_p95"] < key_goal and s["key_max"] <= GOAL_KEY_MAX_MS and not s["unhandled"],
                f"{s['key_p95']:.1f} ms (max {s['key_max']:.1f} ms, {len(s['delays'])} presses)",
            )
        )
        cpu_ratio = s["cpu_console"] / s["cpu_plain"]
        if not args.no_plain:
            goals.append(
                (
                    f"CPU per stanza <= {GOAL_CPU_RATIO:g}x plain slixmpp at {count:,}",
                    cpu_ratio <= GOAL_CPU_RATIO,
                    f"{cpu_ratio:.2f}x ({s['cpu_console']:.0f} vs {s['cpu_plain']:.0f} us)",
                )
            )
        frame_p95 = s["loop_console"].get("frame_ms_p95", float("nan"))
        goals.append(
            (
                f"screen updates p95 < {GOAL_FRAME_P95_MS:g} ms at {count:,}",
                frame_p95 < GOAL_FRAME_P95_MS,
                f"{frame_p95:.1f} ms",
            )
        )
        if count == GOAL_RSS_COUNT:
            goals.append(
                (
                    f"RSS growth < {GOAL_RSS_MB:g} MB at {count:,}",
                    s["rss_console"] < GOAL_RSS_MB,
                    f"{s['rss_console']:.1f} MB",
                )
            )
        ok = s["complete"] and s["view_ok"] and not any(s["lost"]) and not any(s["dup"])
        goals.append(
            (
                f"nothing lost or shown twice at {count:,}",
                ok,
                f"lost {s['lost'][0]}|{s['lost'][1]}, twice {s['dup'][0]}|{s['dup'][1]} (plain|console)",
            )
        )
    if args.rss_at:
        from flood_memory import memory_goals

        for _, console in rows:
            goals.extend(memory_goals(console))
    print("\nGoals")
    for name, ok, figure in goals:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {figure}")
    if args.profile:
        print_profiles(counts, args)
    return 0 if all(ok for _, ok, _ in goals) else 1


def print_profiles(counts, args) -> None:
    import pstats

    for count in counts:
        path = Path(args.profile_dir) / f"flood-console-{count}.prof"
        if path.exists():
            print(f"\ncProfile of the console while ingesting {count:,} stanzas ({path}), by own time:")
            pstats.Stats(str(path)).sort_stats("tottime").print_stats(args.profile_top)
            print("same, by cumulative time:")
            pstats.Stats(str(path)).sort_stats("cumulative").print_stats(args.profile_top)


def memory_options(args, parser) -> None:
    """--million and --rss-at: the flood's counts, the store's capacity and the sample points."""
    from flood_memory import MILLION_POINTS, parse_points

    from iqconsole.core.traffic import DEFAULT_CAPACITY

    if args.million:
        args.counts = args.counts if args.counts_given else str(MILLION_POINTS[-1])
        args.rss_at = args.rss_at or ",".join(map(str, MILLION_POINTS))
        args.repeat = args.repeat or 1
    args.repeat = args.repeat or 3
    args.rss_at = parse_points(args.rss_at)
    if args.rss_at:
        args.capacity = args.capacity or DEFAULT_CAPACITY
        smallest = min(int(c.replace("_", "")) for c in args.counts.split(",") if c.strip())
        if args.rss_at[-1] > smallest:
            parser.error(f"--rss-at {args.rss_at[-1]:,} is beyond the flood of {smallest:,} stanzas (--counts)")
    elif args.capacity or args.tracemalloc:
        parser.error("--capacity and --tracemalloc go with --rss-at (or --million)")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--counts", help="comma-separated flood sizes (default: 20000,100000)")
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default="lean",
        help="the flood's server: lean (a Prosody without mam and carbons, the default), demo (Prosody as the demo runs it), ejabberd",
    )
    parser.add_argument("--repeat", type=int, help="runs per count; medians are reported (default 3; --million: 1)")
    parser.add_argument(
        "--key-interval", type=float, default=25.0, help="ms between key presses during the flood (default 25)"
    )
    parser.add_argument(
        "--no-warmup", action="store_true", help=f"skip the unreported {WARMUP_COUNT:,}-stanza warm-up flood"
    )
    parser.add_argument(
        "--load", action="store_true", help='keep one core busy beside the run (python3 -c "while True: pass")'
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the console child during the flood")
    parser.add_argument(
        "--no-journal", action="store_true", help="the console writes no session journal (it does by default)"
    )
    parser.add_argument(
        "--profile-dir",
        default=str(Path(tempfile.gettempdir()) / "iqconsole-flood-profiles"),
        help="where .prof files go (default: a folder in the temp dir)",
    )
    parser.add_argument("--profile-top", type=int, default=25, help="functions listed per profile")
    parser.add_argument(
        "--million",
        action="store_true",
        help="the memory run of issue 14: 1,000,000 stanzas into the default store, RSS at 200,000 to 1,000,000",
    )
    parser.add_argument(
        "--rss-at",
        default="",
        help="sample the console's RSS when its store has taken these many stanzas (comma-separated); "
        "the store then has its default capacity, not one that keeps the whole flood",
    )
    parser.add_argument(
        "--no-plain", action="store_true", help="skip the plain slixmpp receiver (no ratio or CPU goal then)"
    )
    parser.add_argument("--capacity", type=int, default=0, help="the console's store capacity in a --rss-at run")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="with --rss-at: trace allocations, print what grew (slow)"
    )
    parser.add_argument("--role", choices=("plain", "console"), help=argparse.SUPPRESS)  # internal: a child
    args = parser.parse_args()
    args.counts_given, args.counts = args.counts is not None, args.counts or "20000,100000"
    if args.role:
        child_main(args.role)
        return 0
    memory_options(args, parser)
    return asyncio.run(parent_main(args))


if __name__ == "__main__":
    sys.exit(main())
