"""Comparing two replies in the log (m marks, d compares), on real Prosody answers: the disco#info
of the server and of the account, which the console asks for at login."""

from __future__ import annotations

from textual.widgets import Input, Markdown

from iqconsole.core.account import Account
from iqconsole.core.merged_traffic import MergedTraffic
from iqconsole.core.stanza_diff import Side
from iqconsole.core.traffic import Direction, Kind
from iqconsole.core.traffic_export import load_store, write_jsonl
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.screens.diff_screen import DiffScreen
from iqconsole.ui.screens.help_screen import HelpScreen
from iqconsole.ui.traffic.traffic_view import TrafficView
from iqconsole.ui.viewer_app import TrafficViewerApp
from tests.ui.waiting import closed, focused, shown
from tests.xmpp_helpers import account_for, eventually

SIZE = (150, 45)
DISCO_INFO = "http://jabber.org/protocol/disco#info"


async def search(app: IqConsoleApp, pilot, view: TrafficView, expression: str) -> None:
    """Select the first stanza matching `expression` with the search bar, back in the log."""
    view.action_follow()
    await pilot.press("slash")
    bar = app.query_one("#traffic-filter", Input)
    await focused(bar)
    bar.value = expression
    await pilot.press("enter")
    await eventually(lambda: view.selected is not None and view.selected_entry is not None, what=expression)
    await pilot.press("escape")
    await focused(view)


async def test_the_servers_and_the_accounts_disco_info_compared(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "compare"))
    async with app.run_test(size=SIZE) as pilot:
        await eventually(lambda: app.server_features is not None, timeout=30, what="discovery after login")
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await search(app, pilot, view, f"dir:in type:result from:localhost ns:{DISCO_INFO}")
        server_reply = view.selected_entry
        assert server_reply is not None and server_reply.sender == "localhost"
        await pilot.press("m")
        await eventually(lambda: view.marked == server_reply.seq, what="the server's reply marked")
        (row,) = [line for line in view.plain_lines() if "[◆ marked]" in line]
        assert "iq result from localhost" in row

        await pilot.press("d")
        await eventually(lambda: "Select another stanza" in notices(app), what="a refusal to compare it with itself")

        await search(app, pilot, view, f"dir:in type:result from:alice@localhost ns:{DISCO_INFO}")
        account_reply = view.selected_entry
        assert account_reply is not None and account_reply.sender == "alice@localhost"
        await pilot.press("d")
        screen = await shown(app, DiffScreen)
        diff = screen.diff
        first = [line.text.strip() for line in diff.lines if line.side is Side.FIRST]
        second = [line.text.strip() for line in diff.lines if line.side is Side.SECOND]
        assert any('category="server"' in line for line in first), first
        assert any('category="account"' in line for line in second), second
        assert any(line.startswith('<iq from="localhost" id="(ignored)"') for line in first)
        assert f'<query xmlns="{DISCO_INFO}">' in [line.text.strip() for line in diff.lines if line.side is Side.BOTH]
        shown_text = str(screen.query_one("#diff-text").render())
        assert '- <iq from="localhost"' in shown_text
        assert '+     <identity category="account" type="registered"/>' in shown_text
        summary = str(screen.query_one("#diff-summary").render())
        assert "only in the first" in summary and "ids and timestamps ignored" in summary
        assert f"#{server_reply.seq}" in str(screen.query_one("#diff-first").render())
        assert f"#{account_reply.seq}" in str(screen.query_one("#diff-second").render())

        await pilot.press("i")
        await eventually(lambda: not screen.diff.ignored_volatile, what="ids and timestamps compared")
        assert "ids and timestamps compared" in str(screen.query_one("#diff-summary").render())
        assert any(f'id="{server_reply.stanza_id}"' in line.text for line in screen.diff.lines)

        await pilot.press("f1")
        help_screen = await shown(app, HelpScreen)
        assert "diff.ignore-volatile" in help_screen.query_one(Markdown).source
        await pilot.press("escape")
        await closed(app, HelpScreen)
        await pilot.press("escape")
        await closed(app, DiffScreen)
        await focused(view)


def notices(app: IqConsoleApp) -> str:
    return " ".join(str(notification.message) for notification in app._notifications)


async def test_compare_asks_for_a_mark_first_and_the_mark_comes_off_again():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    for number in range(3):
        app.store.append(Direction.IN, Kind.IQ, f'<iq id="r{number}" type="result"/>', stanza_id=f"r{number}")
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await eventually(lambda: view.virtual_size.height == 3, what="the log drawn")
        await pilot.press("d")
        await eventually(lambda: "Mark a stanza first with m" in notices(app), what="the hint to mark first")
        await pilot.press("up", "m")
        await eventually(lambda: view.marked is not None, what="the mark")
        await eventually(lambda: "d compares the two" in notices(app), what="what to do next")
        await pilot.press("m")
        await eventually(lambda: view.marked is None, what="the mark taken off")
        assert not any("[◆ marked]" in line for line in view.plain_lines())


async def test_a_recorded_log_of_two_accounts_names_them_and_compares_their_replies(tmp_path):
    merged = MergedTraffic()
    for name in ("alice", "bob"):
        reply = (
            f'<iq type="result" id="{name}1" from="localhost" to="{name}@localhost/c">'
            f'<query xmlns="{DISCO_INFO}"><feature var="urn:xmpp:{name}"/></query></iq>'
        )
        merged.account_store(name).append(Direction.IN, Kind.IQ, reply, stanza_id=f"{name}1", type="result")
    path = tmp_path / "two.jsonl"
    write_jsonl(path, merged)
    app = TrafficViewerApp(load_store(path).store, path)
    async with app.run_test(size=SIZE) as pilot:
        view = app.screen.query_one(TrafficView)
        await focused(view)
        await eventually(lambda: len(view.plain_lines()) == 2, what="the recording drawn")
        assert [line.split()[1] for line in view.plain_lines()] == ["alice", "bob"], "the account column"
        await pilot.press("up", "up", "m", "down", "d")
        screen = await shown(app, DiffScreen)
        assert [line.text.strip() for line in screen.diff.lines if line.side is not Side.BOTH] == [
            '<iq from="localhost" id="(ignored)" to="alice@localhost/c" type="result">',
            '<iq from="localhost" id="(ignored)" to="bob@localhost/c" type="result">',
            '<feature var="urn:xmpp:alice"/>',
            '<feature var="urn:xmpp:bob"/>',
        ]
