#!/usr/bin/env python
"""How long `iqconsole sandbox` takes from the command to "online" on its status bar.

    .venv/bin/python bench/sandbox_start.py            # 5 starts, in a tmux terminal 160x50

Each start runs the installed command in a fresh tmux session (a real terminal, as a user would),
reads the screen every 20 ms and stops the clock when the status bar says "online"; then Ctrl+Q
quits and the next start begins. Printed: each start, the median and the load average. For
comparison, the same for `iqconsole --version` (Python and the command starting) in the run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = str(Path(sys.executable).with_name("iqconsole"))
SESSION = f"iqconsole-bench-{os.getpid()}"


def tmux(*arguments: str) -> str:
    return subprocess.run(["tmux", *arguments], capture_output=True, text=True, check=False).stdout


def one_start(timeout: float) -> float:
    tmux("kill-session", "-t", SESSION)
    start = time.monotonic()
    tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "50", f"{COMMAND} sandbox")
    try:
        while time.monotonic() - start < timeout:
            status = tmux("capture-pane", "-p", "-t", SESSION).splitlines()[:1]
            if status and " online" in status[0]:
                return time.monotonic() - start
            time.sleep(0.02)
        raise SystemExit(f"no 'online' within {timeout:g} s:\n{tmux('capture-pane', '-p', '-t', SESSION)}")
    finally:
        tmux("send-keys", "-t", SESSION, "C-q")
        deadline = time.monotonic() + 15
        while SESSION in tmux("list-sessions", "-F", "#{session_name}") and time.monotonic() < deadline:
            time.sleep(0.1)
        tmux("kill-session", "-t", SESSION)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--starts", type=int, default=5, help="how many starts (default 5)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for 'online' (default 60)")
    args = parser.parse_args()
    if shutil.which("tmux") is None or not Path(COMMAND).exists():
        raise SystemExit(f"needs tmux and the installed command ({COMMAND})")
    print(f"`iqconsole sandbox` in tmux 160x50, {args.starts} starts; load average {load_average()}", flush=True)
    times = []
    for index in range(args.starts):
        times.append(one_start(args.timeout))
        print(f"  start {index + 1}: online after {times[-1]:.2f} s", flush=True)
    versions = []
    for _ in range(args.starts):
        start = time.monotonic()
        subprocess.run([COMMAND, "--version"], capture_output=True, check=True)
        versions.append(time.monotonic() - start)
    print(f"median: online after {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})")
    print(f"for comparison, `iqconsole --version`: median {statistics.median(versions) * 1000:.0f} ms")
    print(f"load average at the end: {load_average()}")
    return 0


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
