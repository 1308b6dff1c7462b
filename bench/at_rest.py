#!/usr/bin/env python
"""CPU of the console when nothing happens: logged in to a local Prosody, no traffic, no keys.

    .venv/bin/python bench/at_rest.py              # 20 s measured after the caret has rested

The app runs headless (`run_test`, so no terminal driver's input thread), logged in to a
throwaway Prosody, the log and the responder table on screen. Once the caret stopped blinking
(ComposerEditor.BLINK_FOR after the last key), the process's CPU over `--seconds` is printed as a
share of one core, with every Textual timer still running (each one would wake the loop), the
same for a plain slixmpp client logged in on the same server (the floor), and the load average.
Goal (issue 14): under 0.5 % of a core.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "bench"):  # the project, and flood.py's helpers
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

GOAL_PERCENT = 0.5


async def plain_at_rest(server, seconds: float) -> float:
    from flood import connect_plain

    xmpp = await connect_plain(server, "plain", "rest")
    xmpp.send_presence()
    await asyncio.sleep(1)
    cpu = time.process_time()
    await asyncio.sleep(seconds)
    cpu = time.process_time() - cpu
    await xmpp.disconnect(wait=1.0)
    return cpu / seconds * 100


async def console_at_rest(server, seconds: float) -> tuple[float, list[str]]:
    from flood import sandbox_account, wait_online

    from iqconsole.ui.app import IqConsoleApp
    from iqconsole.ui.composer.composer_editor import BLINK_FOR

    app = IqConsoleApp(sandbox_account(server, "console", "rest"))
    async with app.run_test(size=(160, 50)):
        await wait_online(app, 30, poll=0.1)
        await asyncio.sleep(BLINK_FOR + 2)  # discovery done, the caret at rest
        cpu = time.process_time()
        await asyncio.sleep(seconds)
        cpu = time.process_time() - cpu
        timers = sorted(
            f"{node.__class__.__name__}: {timer.name} every {timer._interval:g} s"
            for node in [app, *app.screen.walk_children(with_self=True)]
            for timer in list(getattr(node, "_timers", ()))
            if timer._task is not None and not timer._task.done() and timer._active.is_set()
        )
    return cpu / seconds * 100, timers


async def run(args: argparse.Namespace) -> int:
    from iqconsole.core.sandbox import ProsodySandbox

    server = ProsodySandbox(("console", "plain")).start()
    print(f"Prosody sandbox on {server.host}:{server.port}; load average {load_average()}", flush=True)
    try:
        console, timers = await console_at_rest(server, args.seconds)
        plain = await plain_at_rest(server, args.seconds)
    finally:
        server.stop()
    print(f"  iqconsole      {console:.3f} % of a core over {args.seconds:g} s at rest")
    print(f"  plain slixmpp  {plain:.3f} % of a core (logged in, nothing else)")
    print("  timers running: " + ("; ".join(timers) if timers else "none"))
    print(f"load average at the end: {load_average()}")
    ok = console < GOAL_PERCENT
    print(f"\nGoal\n  {'PASS' if ok else 'FAIL'}  at rest under {GOAL_PERCENT:g} % of a core: {console:.2f} %")
    return 0 if ok else 1


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to measure (default 20)")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
