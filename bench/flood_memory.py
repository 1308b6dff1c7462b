"""flood.py's memory run (issue 14, "a million stanzas"): RSS sampled as the store takes the flood,
and integrity checked without the benchmark's own bookkeeping growing with it.

    .venv/bin/python bench/flood.py --million                       # 1,000,000 stanzas, default store
    .venv/bin/python bench/flood.py --counts 50000 --capacity 5000 --rss-at 10000,20000,30000,40000,50000

Child side (`MemorySampler`): a task in the console's loop that, when the store has taken each
count of `--rss-at` (flood stanzas counted by the store's incoming counter since GO), holds the
keys a moment (a full collection blocks the loop: it must not show as a slow key), runs
`gc.collect()` and reads VmRSS, Python's allocated blocks and the number of GC-tracked objects
(and, with `--tracemalloc`, dumps a snapshot). It also hard-links every journal file into a
folder of its own as soon as it appears, so that the journal's rotation (100 MB in all) does not
remove what the check reads afterwards.

Integrity, after the flood (the RSS figures are taken before): the store's flood entries must be
the newest ids in order, each once, and the counters must account for every entry (`dropped` +
kept = total); the journal must hold every seq from 0 to the store's total once, in order, and
every flood id once, in order (regular expressions over the files, one at a time: no set of a
million ids is built).
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import sys
import threading
import time
from pathlib import Path

MILLION_POINTS = (200_000, 400_000, 600_000, 800_000, 1_000_000)
GOAL_RSS_GROWTH = 0.10  # RSS at the last point within 10 % of RSS at the first (issue 14)
SAMPLE_POLL = 0.05  # seconds between two looks at the store's counter
LINK_EVERY = 0.5  # seconds between two looks at the journal folder
KEY_SETTLE = 0.2  # seconds the keys are held before a sample, so none waits for the collection
_SEQ = re.compile(rb'"seq":\s*(\d+),')


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def flood_index(stanza_id: str, prefix: str) -> int | None:
    """`prefix-17` -> 17; None for an id that is not the flood's."""
    if not stanza_id.startswith(prefix + "-"):
        return None
    tail = stanza_id[len(prefix) + 1 :]
    return int(tail) if tail.isdigit() else None


class Sequence:
    """Checks that numbers come in order from `start`, each once, counting what is lost, seen twice
    (or out of order) and beyond `end`, in constant memory."""

    def __init__(self, start: int = 0, end: int | None = None):
        self.next = start
        self.end = end
        self.first: int | None = None
        self.seen = 0
        self.lost = 0
        self.twice = 0
        self.beyond = 0

    def take(self, number: int) -> None:
        if self.first is None:
            self.first = number
        self.seen += 1
        if self.end is not None and number >= self.end:
            self.beyond += 1
        elif number < self.next:
            self.twice += 1
        else:
            self.lost += number - self.next
            self.next = number + 1

    def finish(self, end: int) -> dict:
        """Counts once everything up to `end` (exclusive) should have come."""
        lost = self.lost + max(0, end - self.next)
        return {"first": self.first, "seen": self.seen, "lost": lost, "twice": self.twice, "beyond": self.beyond}


def store_integrity(store, prefix: str, count: int) -> dict:
    """The flood entries the store keeps: the newest, each once, in order; and its counters."""
    from iqconsole.core.traffic import Direction, Kind

    flood = None
    notices = 0
    for entry in store:
        if entry.kind is Kind.NOTICE:
            notices += 1
        index = flood_index(entry.stanza_id, prefix) if entry.direction is Direction.IN else None
        if index is None:
            continue
        if flood is None:  # the oldest kept: those before it left the ring (counted by the journal)
            flood = Sequence(start=index, end=count)
        flood.take(index)
    kept = flood.finish(count) if flood is not None else {"first": None, "seen": 0, "lost": count, "twice": 0}
    return {
        "kept": kept,
        "entries": len(store),
        "capacity": store.capacity,
        "total": store.total,
        "dropped": store.dropped,
        "count_in": store.count_in,
        "count_out": store.count_out,
        "notices_kept": notices,
        # every entry ever appended is kept or counted as dropped
        "accounted": store.dropped + len(store) == store.total,
    }


def _journal_files(folder: Path) -> list[Path]:
    from iqconsole.core.journal import _journal_files

    return [path for _order, path in _journal_files(folder)]


def journal_integrity(folder: Path, prefix: str, count: int, total: int) -> dict:
    """Every seq 0..total-1 once and in order, every flood id once and in order, over the files
    in the order the journal wrote them."""
    seqs = Sequence(0, total)
    flood = Sequence(0, count)
    ids = re.compile(rb'"stanza_id":\s*"' + re.escape(prefix.encode()) + rb"-(\d+)\"")
    files = _journal_files(folder)
    size = 0
    for path in files:
        content = path.read_bytes()
        size += len(content)
        for match in _SEQ.finditer(content):
            seqs.take(int(match.group(1)))
        for match in ids.finditer(content):
            flood.take(int(match.group(1)))
        del content
    return {"files": len(files), "bytes": size, "seqs": seqs.finish(total), "flood": flood.finish(count)}


def memory_integrity(store, prefix: str, count: int, keeper: JournalKeeper | None) -> dict:
    """The store's and the journal's checks, and their sums (lost, twice, beyond) for flood.py's table.
    Without a journal, the flood entries that left the ring are only counted (`dropped`)."""
    result = {"store": store_integrity(store, prefix, count)}
    checks = [result["store"]["kept"]]
    if keeper is not None:
        result["journal"] = journal_integrity(keeper.folder, prefix, count, store.total)
        result["journal_missed"] = keeper.missed
        checks.append(result["journal"]["flood"])
    for key in ("lost", "twice", "beyond"):
        result[key] = sum(check.get(key, 0) for check in checks)
    return result


class JournalKeeper:
    """Hard links to every journal file, made as the files appear: the journal's rotation removes
    its oldest files, the links keep them (one inode: later appends show through the link too)."""

    def __init__(self, journal_folder: Path):
        self.journal_folder = journal_folder
        self.folder = journal_folder.with_name(journal_folder.name + "-kept")
        self.folder.mkdir()
        self.missed = 0  # files seen gone before they could be linked (a part written in < LINK_EVERY)

    def link_new(self) -> None:
        try:
            names = os.listdir(self.journal_folder)
        except FileNotFoundError:
            return
        for name in names:
            kept = self.folder / name
            if not kept.exists():
                try:
                    os.link(self.journal_folder / name, kept)
                except FileNotFoundError:
                    self.missed += 1


class MemorySampler:
    """Samples memory in the console child as the store takes the flood (see the module doc)."""

    def __init__(self, store, points: list[int], *, typist_hold: threading.Event, tracemalloc_dir: str = ""):
        self.store = store
        self.points = sorted(points)
        self.hold = typist_hold
        self.tracemalloc_dir = tracemalloc_dir
        self.samples: list[dict] = []
        self.keeper: JournalKeeper | None = None
        self._base = store.count_in  # made before the flood: what the store takes from now on is the flood
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """At GO (the flood's first stanzas may already be in: they were counted from the making)."""
        if self.tracemalloc_dir:
            import tracemalloc

            tracemalloc.start(1)
        self._task = asyncio.ensure_future(self._run())

    @property
    def taken(self) -> int:
        return self.store.count_in - self._base

    async def _run(self) -> None:
        pending = list(self.points)
        linked = 0.0
        while pending:
            await asyncio.sleep(SAMPLE_POLL)
            now = time.monotonic()
            if self.keeper is not None and now - linked >= LINK_EVERY:
                self.keeper.link_new()
                linked = now
            if self.taken >= pending[0]:
                await self._sample(pending.pop(0))
                while pending and self.taken >= pending[0]:  # the flood outran the samples
                    pending.pop(0)

    async def _sample(self, point: int) -> None:
        self.hold.set()
        try:
            await asyncio.sleep(KEY_SETTLE)  # keys pressed before the hold are handled first
            taken = self.taken
            started = time.perf_counter()
            gc.collect()
            sample = {
                "point": point,
                "taken": taken,
                "rss": rss_mb(),
                "blocks": sys.getallocatedblocks(),
                "entries": len(self.store),
                "dropped": self.store.dropped,
            }
            sample["objects"] = len(gc.get_objects())  # after the RSS: the list is freed again
            if self.tracemalloc_dir:
                import tracemalloc

                path = Path(self.tracemalloc_dir) / f"flood-{point}.tracemalloc"
                tracemalloc.take_snapshot().dump(str(path))
                sample["snapshot"] = str(path)
                sample["traced"] = tracemalloc.get_traced_memory()[0] / 1024**2
            sample["ms"] = (time.perf_counter() - started) * 1000
            self.samples.append(sample)
        finally:
            self.hold.clear()

    async def stop(self) -> None:
        """At the end of the flood; the last points, reached since the last look, are sampled now."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        reached = [point for point in self.points if point <= self.taken]
        if reached and (not self.samples or self.samples[-1]["point"] < reached[-1]):
            await self._sample(reached[-1])
        if self.keeper is not None:
            self.keeper.link_new()


# -- parent side --------------------------------------------------------------------------------


def parse_points(text: str) -> list[int]:
    return sorted(int(point.replace("_", "")) for point in text.split(",") if point.strip())


def memory_goals(console: dict) -> list[tuple[str, bool, str]]:
    """Print the samples and integrity of one console run; return its goals."""
    samples = console.get("samples", [])
    memory = console.get("memory", {})
    print(f"\nMemory of the console as the store took the flood (store capacity {memory.get('capacity', 0):,})")
    print(f"{'taken':>10} {'RSS MB':>8} {'blocks':>10} {'objects':>10} {'entries':>8} {'dropped':>9} {'sample ms':>9}")
    for s in samples:
        print(
            f"{s['taken']:>10,} {s['rss']:>8.1f} {s['blocks']:>10,} {s['objects']:>10,} {s['entries']:>8,} "
            f"{s['dropped']:>9,} {s['ms']:>9.0f}" + (f"  traced {s['traced']:.1f} MB" if "traced" in s else "")
        )
    goals = []
    if len(samples) >= 2:
        first, last = samples[0], samples[-1]
        growth = (last["rss"] - first["rss"]) / first["rss"]
        print(
            f"growth {first['taken']:,} -> {last['taken']:,}: RSS {last['rss'] - first['rss']:+.1f} MB ({growth:+.1%}), "
            f"allocated blocks {last['blocks'] - first['blocks']:+,}, GC-tracked objects {last['objects'] - first['objects']:+,}"
        )
        goals.append(
            (
                f"RSS at {last['point']:,} within {GOAL_RSS_GROWTH:.0%} of RSS at {first['point']:,}",
                abs(growth) <= GOAL_RSS_GROWTH,
                f"{first['rss']:.1f} -> {last['rss']:.1f} MB ({growth:+.1%})",
            )
        )
    else:
        goals.append(("RSS sampled at two points or more", False, f"{len(samples)} samples"))
    if memory:
        store = memory["store"]
        kept = store["kept"]
        print(
            f"store: {store['entries']:,} entries kept of {store['total']:,} appended, {store['dropped']:,} dropped "
            f"(accounted: {'yes' if store['accounted'] else 'NO'}); flood ids kept {kept['seen']:,} from "
            f"#{kept['first']}: lost {kept['lost']}, twice or out of order {kept['twice']}"
        )
        journal = memory.get("journal")
        if journal is None:
            print("journal: off (--no-journal): the flood entries that left the ring are only counted")
            journal_ok, journal_lost = True, "not journaled"
        else:
            seqs, flood = journal["seqs"], journal["flood"]
            print(
                f"journal: {journal['files']} files, {journal['bytes'] / 1024**2:,.0f} MB written "
                f"({memory['journal_missed']} removed before they could be kept); seqs {seqs['seen']:,}: lost "
                f"{seqs['lost']}, twice {seqs['twice']}; flood ids {flood['seen']:,}: lost {flood['lost']}, "
                f"twice {flood['twice']}"
            )
            journal_ok = not (
                seqs["lost"] or seqs["twice"] or flood["lost"] or flood["twice"] or memory["journal_missed"]
            )
            journal_lost = f"lost {flood['lost']}, twice {flood['twice']}"
        ok = (
            store["accounted"]
            and store["entries"] == store["capacity"]
            and not kept["lost"]
            and not kept["twice"]
            and journal_ok
        )
        goals.append(
            (
                "every stanza accounted for: the store keeps the newest and counts the dropped, the journal has all",
                ok,
                f"store: lost {kept['lost']}, twice {kept['twice']}; journal: {journal_lost}",
            )
        )
    for s in samples:
        if "snapshot" in s:
            print_tracemalloc_growth(samples)
            break
    return goals


def print_tracemalloc_growth(samples: list[dict], top: int = 25) -> None:
    """What grew between the first and the last snapshot, by line where it was allocated."""
    import tracemalloc

    first = tracemalloc.Snapshot.load(samples[0]["snapshot"])
    last = tracemalloc.Snapshot.load(samples[-1]["snapshot"])
    print(f"\ntracemalloc: what grew from {samples[0]['taken']:,} to {samples[-1]['taken']:,} stanzas")
    for stat in last.compare_to(first, "lineno")[:top]:
        print(f"  {stat}")
