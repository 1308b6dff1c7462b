"""The `iqconsole` command: `--version` answers before the CLI (argparse, the settings,
platformdirs) is imported, in little more than the time Python takes to start."""

from __future__ import annotations

import sys

from iqconsole import __version__


def main() -> int:
    if sys.argv[1:] == ["--version"]:
        print(f"iqconsole {__version__}")  # what the CLI's own --version prints
        return 0
    from iqconsole.cli import main as cli_main

    return cli_main()
