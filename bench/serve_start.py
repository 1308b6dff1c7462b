#!/usr/bin/env python
"""How long a learner waits in `iqconsole serve`: from opening the page to the console online.

    .venv/bin/python bench/serve_start.py              # a class of 4 seats, 3 tabs (about 1 min)
    .venv/bin/python bench/serve_start.py --tabs 6

Starts the installed `iqconsole serve` (its own Prosody), opens tabs one after the other in
Debian's headless Chromium (as tests/e2e/test_serve.py does) and stops each clock when the tab's
status bar says "seatN@localhost/console · online". Then closes one tab (until its console
process is gone) and stops the class with Ctrl+C (until `serve` has exited). Printed: each figure
and the load average beside it; the figures depend on the machine and how busy it is.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
_HOME = tempfile.mkdtemp(prefix="iqconsole-bench-")
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):  # your own files stay out of it
    os.environ[_name] = os.path.join(_HOME, _name.lower())

from tests.e2e.test_serve import Browser, Serve, online_seat, wait_until  # noqa: E402


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=3)
    tabs = parser.parse_args().tabs
    started = time.monotonic()
    classroom = Serve(seats=tabs + 1)
    print(f"serve listening (its Prosody started): {time.monotonic() - started:.1f} s ({load()})")
    browser = Browser()
    waits = []
    try:
        for _tab in range(tabs):
            started = time.monotonic()
            browser.open(classroom.url + "/")
            seat = online_seat(browser)
            waits.append(time.monotonic() - started)
            print(f"page open → {seat} online: {waits[-1]:.1f} s ({load()})")
        print(f"median: {statistics.median(waits):.1f} s")
        browser.driver.close()
        started = time.monotonic()
        wait_until(lambda: len(classroom.consoles()) == tabs - 1, "the closed tab's console to end")
        print(f"tab closed → its console ended: {time.monotonic() - started:.2f} s")
    finally:
        browser.quit()
        started = time.monotonic()
        classroom.stop(signal.SIGINT)
        print(f"Ctrl+C → serve exited: {time.monotonic() - started:.1f} s")


main()
