"""SVG snapshot of the past sessions list (F12); update with --snapshot-update."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from iqconsole.core.journal import PastSession
from iqconsole.ui.screens.journal_screen import JournalScreen
from tests.ui.snapshot_app import make_app, settle
from tests.ui.waiting import focused, shown

SIZE = (140, 40)
FOLDER = Path("/home/alice/.local/state/iqconsole/journal")


def past(name: str, started: float, account: str, stanzas: int, size: int) -> PastSession:
    return PastSession(name, (FOLDER / f"{name}.jsonl",), started, account, "localhost:5222", stanzas, size)


def test_past_sessions(snap_compare):
    sessions = [
        past("2023-11-14T22-40-00-4242", 1_699_998_000.0, "alice@localhost/console", 1_204, 2_411_725),
        past("2023-11-14T21-33-01-4100", 1_699_997_581.0, "bob@localhost/console", 87, 40_960),
        past("2023-11-13T09-02-12-3003", 1_699_866_132.0, "alice@localhost/console", 12, 5_120),
    ]

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(JournalScreen(FOLDER, sessions))
        screen = await shown(pilot.app, JournalScreen)
        await focused(screen.query_one(DataTable))

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
