#!/usr/bin/env python
"""CPU of one key press in the console, logged in and otherwise idle (issue 14).

    .venv/bin/python bench/keys.py                 # 3 rounds of 8 s, a key every 25 ms
    .venv/bin/python bench/keys.py --profile       # plus a cProfile of one round of each kind

The app runs headless (`run_test`, 160x50), logged in to a throwaway Prosody, the composer
focused. A thread outside the event loop posts keys to the app's driver as a terminal's input
thread would (flood.py's Typist): first Right/Left (the caret moves), then "a"/Backspace (the text
changes: highlighting, the check line). The process's CPU over each round, less its CPU at rest
over the same time, divided by the keys pressed, is a key's cost. A flood's keys cost the same
again: at 40 keys a second this is the share of a core that typing takes from the stanzas.
Plain slixmpp has no keys, so no ratio: the figures compare commits (run both in one minute).
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
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from flood import Typist, load_average, sandbox_account, wait_online  # noqa: E402

KINDS = {"move": (("right", None), ("left", None)), "type": (("a", "a"), ("backspace", None))}


async def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    from iqconsole.core.sandbox import ProsodySandbox
    from iqconsole.ui.app import IqConsoleApp
    from iqconsole.ui.composer.composer_editor import ComposerEditor

    server = ProsodySandbox(("console",)).start()
    costs: dict[str, list[float]] = {kind: [] for kind in KINDS}
    try:
        app = IqConsoleApp(sandbox_account(server, "console", "keys"))
        async with app.run_test(size=(160, 50)):
            await wait_online(app, 30, poll=0.1)
            app.query_one(ComposerEditor).focus()
            await asyncio.sleep(2)  # the discovery after login is over
            cpu = time.process_time()
            await asyncio.sleep(args.seconds)
            at_rest = (time.process_time() - cpu) / args.seconds
            for kind, keys in KINDS.items():
                for round_ in range(args.repeat):
                    profiler = cProfile.Profile() if args.profile and round_ == 0 else None
                    typist = Typist(app, args.key_interval / 1000, keys)
                    cpu = time.process_time()
                    if profiler is not None:
                        profiler.enable()
                    typist.start()
                    await asyncio.sleep(args.seconds)
                    typist.stop.set()
                    typist.join()
                    await asyncio.sleep(0.5)  # the last keys handled
                    if profiler is not None:
                        profiler.disable()
                        print(f"\ncProfile of a round of '{kind}' keys, by cumulative time:")
                        pstats.Stats(profiler).sort_stats("cumulative").print_stats(args.profile_top)
                    used = time.process_time() - cpu - at_rest * (args.seconds + 0.5)
                    costs[kind].append(used / len(typist.pressed) * 1000)
    finally:
        server.stop()
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=8.0, help="length of a round (default 8)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each kind; medians are reported (default 3)")
    parser.add_argument("--key-interval", type=float, default=25.0, help="ms between key presses (default 25)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first round of each kind")
    parser.add_argument("--profile-top", type=int, default=30, help="functions listed per profile")
    args = parser.parse_args()
    print(f"load average at the start: {load_average()}", flush=True)
    costs = asyncio.run(measure(args))
    print(f"load average at the end: {load_average()}")
    for kind, values in costs.items():
        rounds = ", ".join(f"{value:.2f}" for value in values)
        what = "caret moves (Right/Left)" if kind == "move" else "text changes (a/Backspace)"
        print(f"  {what:28s} {statistics.median(values):5.2f} ms CPU per key (rounds: {rounds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
