"""The console when its server dies under it (Pilot, a real Prosody of this module's own): the
countdown, the marker rows, the stop key, and the sandbox offering to start its server again."""

from __future__ import annotations

import os
import signal

import pytest
from textual.widgets import Input

from iqconsole.core.client import ConnectionState
from iqconsole.core.reconnect import Backoff
from iqconsole.core.sandbox import ProsodySandbox
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.commands import bound_actions
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.screens.confirm_screen import ConfirmScreen
from iqconsole.ui.status_bar import StatusBar
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.waiting import closed, focused, shown
from tests.xmpp_helpers import account_for, eventually

SIZE = (150, 45)
DRAFT = "<iq type='get' to='localhost'><query xmlns='jabber:iq:version'/></iq>"


@pytest.fixture(scope="module")
def sandbox():
    server = ProsodySandbox(("alice",)).start()
    yield server
    server.stop()


@pytest.fixture
def server(sandbox):
    if not sandbox.running:
        sandbox.start_again()
    return sandbox


def status_text(app: IqConsoleApp) -> str:
    return str(app.query_one(StatusBar).render())


async def online_with_a_draft_and_a_filter(app: IqConsoleApp, pilot) -> TrafficView:
    await eventually(lambda: app.session is not None and app.session.online, what="login")
    editor = app.query_one(ComposerEditor)
    editor.text = DRAFT
    view = app.query_one(TrafficView)
    view.focus()
    await focused(view)
    await pilot.press("f")
    bar = app.query_one("#traffic-filter", Input)
    await focused(bar)
    bar.value = "kind:notice or kind:iq"
    await pilot.press("enter")
    await eventually(lambda: "match" in str(view.border_subtitle), what="the filter applied")
    return view


async def test_the_sandbox_server_dies_is_started_again_and_the_console_resumes_its_work(server):
    app = IqConsoleApp(
        account_for(server, "alice", "ui-back"), stream_management=True, reconnect=Backoff((3.0,)), sandbox=server
    )
    async with app.run_test(size=SIZE) as pilot:
        view = await online_with_a_draft_and_a_filter(app, pilot)
        await eventually(lambda: "SM resumable" in status_text(app), what="stream management in the status bar")

        os.kill(server.pid, signal.SIGKILL)
        confirm = await shown(app, ConfirmScreen)
        assert "sandbox server (prosody) was killed (signal 9)" in str(confirm.query("Label").first().render())
        await eventually(lambda: "reconnecting in" in status_text(app), what="the countdown in the status bar")
        await pilot.press("y")
        await closed(app, ConfirmScreen)

        await eventually(lambda: server.running, what="the server started again")
        await eventually(lambda: app.status_bar.state is ConnectionState.ONLINE, timeout=20, what="online again")

        def markers() -> bool:
            lines = view.plain_lines()  # the log takes new rows in once a frame
            lost = any("connection lost" in line for line in lines)
            return lost and any("online again" in line and "new session" in line for line in lines)

        await eventually(markers, what="the marker rows in the log")
        assert app.query_one(ComposerEditor).text == DRAFT, "the composer kept its text"
        assert "match" in str(view.border_subtitle), "the filter is still on"
        await eventually(lambda: "SM resumable" in status_text(app), what="a new SM session")


async def test_the_stop_key_ends_the_countdown_and_the_console_stays_offline(server):
    app = IqConsoleApp(account_for(server, "alice", "ui-stop"), reconnect=Backoff((30.0,)), sandbox=server)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(lambda: app.session is not None and app.session.online, what="login")
        assert app.check_action("stop_reconnecting", ()) is False, "nothing to stop while online"
        os.kill(server.pid, signal.SIGKILL)
        await shown(app, ConfirmScreen)
        await pilot.press("n")  # the server stays down for now
        await closed(app, ConfirmScreen)
        await eventually(lambda: "reconnecting in" in status_text(app), what="the countdown")
        editor = app.query_one(ComposerEditor)
        editor.text = DRAFT
        editor.focus()
        await focused(editor)
        await pilot.press("ctrl+j")
        outcome = app.query_one("#composer-outcome")
        await eventually(lambda: "Not sent: reconnecting" in str(outcome.render()), what="the send refused")
        assert editor.text == DRAFT
        assert app.check_action("start_sandbox_again", ()) is True
        titles = {action.title for action in bound_actions(app.screen)}
        assert {"App: Stop reconnecting", "App: Start the server again"} <= titles, "in the palette now"
        await pilot.press("ctrl+b")  # with the composer focused, as after any dialog
        await eventually(lambda: app.status_bar.state is ConnectionState.DISCONNECTED, what="offline")
        assert "reconnecting stopped" in status_text(app)
        assert app.session is not None and not app.session.reconnecting

        await pilot.press("ctrl+n")  # started again by key: nothing reconnects, the user was asked to stay offline
        await eventually(lambda: server.running, what="the server started again")
        assert app.status_bar.state is ConnectionState.DISCONNECTED
