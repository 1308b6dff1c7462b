"""`iqconsole --version` and `--help` answer at once: they load neither slixmpp nor Textual."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
