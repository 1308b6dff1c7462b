"""The journal in the app: F12 (or the palette) lists past sessions and opens one over the
console; a journal cut short opens with a note; a journal that cannot be written is said once."""

from __future__ import annotations

from textual.widgets import DataTable

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.journal import Journal
from iqconsole.core.traffic import Direction, Kind, TrafficStore
from iqconsole.core.traffic_export import load_store
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.screens.journal_screen import JournalScreen
from iqconsole.ui.screens.recording_screen import RecordingScreen
from iqconsole.ui.traffic.traffic_view import TrafficView
from iqconsole.ui.viewer_app import TrafficViewerApp
from tests.ui.test_app_flows import pick_from_palette
from tests.ui.waiting import closed, focused, shown
from tests.xmpp_helpers import eventually

SIZE = (150, 45)


def journaled(folder, account: str, count: int) -> Journal:
    """A past session of `account` with `count` pings."""
    journal = Journal(folder, TrafficStore())
    journal.begin(account, "example.org:5222")
    for number in range(count):
        xml = f"<iq type='get' id='{account[0]}{number}'><ping xmlns='urn:xmpp:ping'/></iq>"
        journal.store.append(Direction.OUT, Kind.IQ, xml, stanza_id=f"{account[0]}{number}", type="get")
    journal.close()
    return journal


async def test_a_past_session_opens_from_the_palette_over_the_console_and_closes_back(tmp_path):
    folder = tmp_path / "journal"
    journaled(folder, "alice@example.org", 3)
    bob = journaled(folder, "bob@example.org", 2)
    app = IqConsoleApp(Account("carol@example.org/console"), connect_on_start=False, journal_folder=folder)
    async with app.run_test(size=SIZE) as pilot:
        await pick_from_palette(app, pilot, "past sessions", "App: Past sessions…")
        screen = await shown(app, JournalScreen)
        table = screen.query_one(DataTable)
        await focused(table)
        rows = [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]
        assert [row[1:4] for row in rows] == [
            ["bob@example.org", "example.org:5222", "2"],
            ["alice@example.org", "example.org:5222", "3"],
        ]
        await pilot.press("enter")
        recording = await shown(app, RecordingScreen)
        view = recording.query_one(TrafficView)
        await eventually(lambda: len(view.rows) == 2, what="bob's session in the log")
        assert bob.path is not None and f"{bob.path.name} · 2 stanzas" in str(
            recording.query_one("#recording").render()
        )
        await pilot.press("ctrl+w")
        await closed(app, RecordingScreen)
        assert app.screen.query_one("#composer") is app.composer


async def test_f12_says_where_the_journal_is_when_it_holds_nothing_yet(tmp_path):
    app = IqConsoleApp(Account("carol@example.org/console"), connect_on_start=False, journal_folder=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        screen = await shown(app, JournalScreen)
        assert f"No past sessions in {tmp_path}." in str(screen.query_one(".title").render())
        await pilot.press("escape")
        await closed(app, JournalScreen)


async def test_the_viewer_opens_a_journal_cut_short_with_everything_before_the_cut_and_a_note(tmp_path):
    journal = journaled(tmp_path, "alice@example.org", 3)
    assert journal.path is not None
    content = journal.path.read_bytes()
    journal.path.write_bytes(content[: content.rindex(b"<ping")])
    loaded = load_store(journal.path)
    viewer = TrafficViewerApp(loaded.store, journal.path, skipped=loaded.skipped)
    async with viewer.run_test(size=SIZE):
        view = viewer.query_one(TrafficView)
        await eventually(lambda: len(view.rows) == 2, what="the two whole lines in the log")
        await eventually(lambda: bool(viewer._notifications), what="the note")
        (note,) = [notification.message for notification in viewer._notifications]
        assert note.startswith("1 line(s) skipped; the first, line 4: cut short: the file ends inside this line"), note


async def test_a_journal_that_cannot_be_written_is_said_once_and_the_console_goes_on(tmp_path):
    blocked = tmp_path / "journal"
    blocked.write_text("a file where the folder should be")
    app = IqConsoleApp(Account("carol@example.org/console"), connect_on_start=False, journal_folder=blocked)
    async with app.run_test(size=SIZE):
        for number in range(3):
            app.store.notice(f"note {number}", "test")
            await eventually(lambda: app.journal is not None and app.journal.error != "", what="the journal stopped")
        await eventually(lambda: len(app.traffic.rows) == 3, what="the log going on")
        messages = [note.message for note in app._notifications if note.title == "Journal"]
        assert len(messages) == 1 and messages[0].startswith(f"The session journal stopped: cannot write {blocked}")


async def test_f12_lists_the_past_sessions_when_this_session_is_not_journaled():
    journaled(locations.journal_dir(), "alice@example.org", 2)
    app = IqConsoleApp(Account("carol@example.org/console"), connect_on_start=False, journal_folder=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        screen = await shown(app, JournalScreen)
        title = str(screen.query_one(".title").render())
        assert title.startswith(f"Past sessions in {locations.journal_dir()} (this session is not journaled)"), title
        table = screen.query_one(DataTable)
        assert [str(cell) for cell in table.get_row_at(0)][1:4] == ["alice@example.org", "example.org:5222", "2"]


async def test_f12_says_why_a_journal_folder_cannot_be_read_and_the_console_goes_on(tmp_path):
    blocked = tmp_path / "journal"
    blocked.write_text("a file where the folder should be")
    app = IqConsoleApp(Account("carol@example.org/console"), connect_on_start=False, journal_folder=blocked)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f12")
        wanted = f"cannot read the journal folder {blocked}: not a folder"
        await eventually(
            lambda: any(note.message == wanted for note in app._notifications), what="the reason, in a notification"
        )
        assert app.is_running and not isinstance(app.screen, JournalScreen)
