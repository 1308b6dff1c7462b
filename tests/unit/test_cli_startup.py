"""`iqconsole --version` and `--help` answer at once: they load neither slixmpp nor Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

from iqconsole import __version__

PROBE = """
import sys
from iqconsole.cli import main
try:
    main([{argument!r}])
except SystemExit:
    pass
print("loaded:", sorted(name for name in ("slixmpp", "textual", "rich") if name in sys.modules))
"""


@pytest.mark.parametrize("argument", ["--version", "--help"])
def test_version_and_help_load_no_xmpp_and_no_ui(argument):
    completed = subprocess.run(
        [sys.executable, "-c", PROBE.format(argument=argument)], capture_output=True, text=True, check=True
    )
    assert "iqconsole" in completed.stdout
    assert completed.stdout.strip().endswith("loaded: []")


def test_the_command_answers_version_without_loading_the_cli():
    probe = (
        "import sys; sys.argv = ['iqconsole', '--version']\n"
        "from iqconsole.launcher import main\n"
        "main()\n"
        "print('loaded:', sorted(name for name in ('argparse', 'platformdirs', 'iqconsole.cli') if name in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert completed.stdout.splitlines() == [f"iqconsole {__version__}", "loaded: []"]
