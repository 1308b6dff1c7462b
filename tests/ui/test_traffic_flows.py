"""The traffic log as a person reads it: follow mode, the "new" count, noise, pairing jumps."""

from __future__ import annotations

import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from textual.widgets import Input
from textual.widgets._footer import FooterKey

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.traffic import Direction, Kind, PairState
from iqconsole.core.traffic_export import load_store, write_jsonl
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.commands import bound_actions
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.screens.help_screen import HelpScreen
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_view import TrafficView
from iqconsole.ui.viewer_app import TrafficViewerApp
from tests.recorded_traffic import every_request_state
from tests.xmpp_helpers import eventually

SIZE = (150, 45)


def offline_app() -> IqConsoleApp:
    return IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)


@asynccontextmanager
async def focused_log(app: IqConsoleApp):
    """The app running with the traffic log focused and up to date."""
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        view.focus()
        await pilot.pause(0.1)
        yield pilot, view


def app_with_pairs(prefix: str, count: int) -> IqConsoleApp:
    """An offline console whose log holds `count` pings, each with a keepalive and its reply."""
    app = offline_app()
    for number in range(count):
        add_request_and_reply(app, f"{prefix}{number}")
    return app


def add_request(app: IqConsoleApp, stanza_id: str) -> None:
    app.store.append(
        Direction.OUT,
        Kind.IQ,
        f'<iq type="get" id="{stanza_id}" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>',
        stanza_id=stanza_id,
        type="get",
        recipient="localhost",
        namespace="urn:xmpp:ping",
    )


def add_request_and_reply(app: IqConsoleApp, stanza_id: str) -> None:
    add_request(app, stanza_id)
    app.store.append(Direction.OUT, Kind.KEEPALIVE, " ")
    app.store.append(
        Direction.IN,
        Kind.IQ,
        f'<iq type="result" id="{stanza_id}" from="localhost"/>',
        stanza_id=stanza_id,
        type="result",
        sender="localhost",
    )


async def test_scrolling_away_counts_new_stanzas_and_end_follows_again():
    app = app_with_pairs("a", 60)
    async with focused_log(app) as (pilot, view):
        await pilot.press("home")
        await pilot.pause(0.1)
        assert not view.following and view.selected_entry.stanza_id == "a0", "Home selects the oldest"
        for number in range(5):
            add_request_and_reply(app, f"b{number}")
        await pilot.pause(0.2)
        assert view.unseen == 15 and "15 new" in view.border_subtitle
        assert view.scroll_y == 0, "the view stays where the reader is"
        await pilot.press("end")
        await pilot.pause(0.1)
        assert view.following and view.unseen == 0 and view.scroll_y == view.max_scroll_y


async def test_noise_is_hidden_with_one_key_and_counted():
    app = app_with_pairs("n", 3)
    async with focused_log(app) as (pilot, view):
        assert sum("keepalive" in line for line in view.plain_lines()) == 3
        await pilot.press("n")
        await pilot.pause(0.1)
        assert not any("keepalive" in line for line in view.plain_lines())
        assert len(view.plain_lines()) == 6 and "3 noise hidden" in view.border_subtitle
        await pilot.press("n")
        await pilot.pause(0.1)
        assert len(view.plain_lines()) == 9 and len(app.store) == 9


async def test_p_jumps_between_a_request_and_its_reply():
    app = offline_app()
    add_request_and_reply(app, "r1")
    add_request_and_reply(app, "r2")
    async with focused_log(app) as (pilot, view):
        await pilot.press("up")  # the newest: the reply to r2
        assert view.selected_entry.stanza_id == "r2" and view.selected_entry.type == "result"
        await pilot.press("p")
        assert view.selected_entry.stanza_id == "r2" and view.selected_entry.type == "get"
        await pilot.press("p")
        assert view.selected_entry.type == "result"
        line = view.plain_lines()[0]
        assert "iq get to localhost id=r1 urn:xmpp:ping (XEP-0199)" in line, "each line leads with a summary"


async def test_filter_narrows_the_log_counts_and_explains_mistakes():
    app = app_with_pairs("f", 4)
    async with focused_log(app) as (pilot, view):
        await pilot.press("f")
        await pilot.pause()
        bar = app.query_one("#traffic-filter", Input)
        assert bar.has_focus
        bar.value = "kind:chat"
        await pilot.pause()
        problem = str(app.query_one("#traffic-filter-problem").render())
        assert "unknown kind 'chat'" in problem and "character 6" in problem
        bar.value = "type:result or id:f0"
        await pilot.press("enter")
        await pilot.pause(0.1)
        lines = view.plain_lines()
        assert len(lines) == 5 and not any("keepalive" in line for line in lines)
        assert "5 of 12 match" in view.border_subtitle
        app.store.append(
            Direction.IN, Kind.IQ, '<iq type="result" id="late" from="localhost"/>', stanza_id="late", type="result"
        )
        await pilot.pause(0.2)
        assert len(view.plain_lines()) == 6, "new traffic is filtered too"
        await pilot.press("f")
        bar.value = ""
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert len(view.plain_lines()) == 13


async def test_search_selects_the_next_and_previous_match():
    app = app_with_pairs("s", 4)
    async with focused_log(app) as (pilot, view):
        await pilot.press("slash")
        await pilot.pause()
        app.query_one("#traffic-filter", Input).value = "type:get"
        await pilot.press("enter")
        await pilot.pause()
        assert view.selected_entry.stanza_id == "s0" and view.selected_entry.type == "get"
        await pilot.press("escape")
        await pilot.press("right_square_bracket")
        assert view.selected_entry.stanza_id == "s1"
        await pilot.press("left_square_bracket")
        assert view.selected_entry.stanza_id == "s0"
        assert len(view.plain_lines()) == 12, "search leaves the log whole"


async def test_replay_and_reply_put_the_stanza_in_the_composer():
    app = offline_app()
    app.store.append(
        Direction.IN,
        Kind.IQ,
        '<iq type="get" id="q7" from="bob@localhost/x"><query xmlns="jabber:iq:version"/></iq>',
        stanza_id="q7",
        type="get",
        sender="bob@localhost/x",
        namespace="jabber:iq:version",
    )
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one("#editor", ComposerEditor)
        before = editor.text.rstrip()
        view = app.query_one(TrafficView)
        view.focus()
        await pilot.pause(0.1)
        await pilot.press("up", "R")
        await pilot.pause()
        assert editor.has_focus
        assert editor.text.startswith(before), "what the user wrote stays"
        reply = editor.text.rsplit("\n\n", 1)[1]
        assert 'type="result"' in reply and 'id="q7"' in reply and 'to="bob@localhost/x"' in reply
        assert editor.cursor_location[0] == editor.text.rsplit("\n\n", 1)[0].count("\n") + 2, "the cursor is on it"
        view.focus()
        await pilot.press("r")
        await pilot.pause()
        replayed = editor.text.rsplit("\n\n", 1)[1]
        assert 'type="get"' in replayed and 'id="q7"' not in replayed, "a replay gets a fresh id"
        assert "from=" not in replayed and reply in editor.text


def mode(path) -> int:
    return path.stat().st_mode & 0o777


async def test_copy_export_and_the_raw_detail(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = offline_app()
    add_request_and_reply(app, "e1")
    async with focused_log(app) as (pilot, _view):
        await pilot.press("up", "c")
        await pilot.pause()
        assert app.clipboard == app.store[2].xml
        clipboard_file = tmp_path / "state" / "iqconsole" / "clipboard.xml"
        assert clipboard_file.read_text() == app.store[2].xml + "\n"
        assert mode(clipboard_file) == 0o600 and mode(clipboard_file.parent) == 0o700, "private to the user"
        target = tmp_path / "log.jsonl"
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path-input", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert len(target.read_text().splitlines()) == 1 + 3, "a header and one line per stanza"
        assert mode(target) == 0o600
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path-input", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen", "an existing file is not replaced without asking"
        await pilot.press("n")
        await pilot.pause()

        detail = app.query_one("#detail")
        detail.focus()
        await pilot.press("r")
        await pilot.pause()
        shown = app.query_one("#detail", TrafficDetail).shown_text
        assert "raw" in shown and '<iq type="result" id="e1" from="localhost"/>' in shown


async def test_an_export_opens_again_offline_with_the_same_lines_and_filters(tmp_path):
    app = app_with_pairs("v", 3)
    target = tmp_path / "session.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        await pilot.pause(0.1)
        recorded = view.plain_lines()
        view.focus()
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path-input", Input).value = str(target)
        await pilot.press("enter")
        await pilot.pause()

    reopened = TrafficViewerApp(load_store(target).store, target)
    async with reopened.run_test(size=SIZE) as pilot:
        view = reopened.query_one(TrafficView)
        await pilot.pause(0.1)
        assert view.has_focus and view.region.width > 140, "the log has the whole width"
        assert view.plain_lines() == recorded, "the same lines, pairing and round trips included"
        view.focus()
        await pilot.press("f")
        reopened.query_one("#traffic-filter", Input).value = "type:get"
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert len(view.plain_lines()) == 3


def test_view_of_a_missing_file_says_so(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).with_name("iqconsole")), "view", str(tmp_path / "nope.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "No such file" in result.stderr and "nope.jsonl" in result.stderr


async def test_secrets_show_only_in_the_detail_pane_on_request():
    app = offline_app()
    secret = '<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGFsaWNlAHMzY3JldA==</auth>'
    entry = app.store.append(
        Direction.OUT,
        Kind.SASL,
        '<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">[redacted]</auth>',
        tag="auth",
        redacted=True,
    )
    app.store.keep_secret(entry.seq, secret)
    async with focused_log(app) as (pilot, view):
        await pilot.press("up")
        await pilot.pause()

        def body():
            return app.query_one("#detail", TrafficDetail).shown_text

        assert "[redacted]" in body() and "AGFsaWNl" not in body()
        app.query_one("#detail").focus()
        await pilot.press("S")
        await pilot.pause()
        assert "AGFsaWNlAHMzY3JldA==" in body() and "SECRETS SHOWN" in body()
        assert "AGFsaWNl" not in "".join(view.plain_lines()), "the log stays redacted"
        await pilot.press("S")
        await pilot.pause()
        assert "AGFsaWNl" not in body()


async def test_request_lines_say_what_became_of_them():
    app = offline_app()
    add_request_and_reply(app, "ok1")
    app.store.append(
        Direction.OUT,
        Kind.IQ,
        '<iq type="get" id="bad1" to="localhost"><x xmlns="urn:x"/></iq>',
        stanza_id="bad1",
        type="get",
        recipient="localhost",
    )
    app.store.append(
        Direction.IN,
        Kind.IQ,
        '<iq type="error" id="bad1" from="localhost"><error type="cancel">'
        '<item-not-found xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>',
        stanza_id="bad1",
        type="error",
        sender="localhost",
    )
    app.store.append(
        Direction.OUT,
        Kind.IQ,
        '<iq type="get" id="wait1" to="localhost"><x xmlns="urn:x"/></iq>',
        stanza_id="wait1",
        type="get",
        recipient="localhost",
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        lines = [line for line in app.query_one(TrafficView).plain_lines() if " get " in line]
        assert "[answered]" in lines[0] and "[error item-not-found]" in lines[1] and "[pending]" in lines[2]


async def test_home_during_a_flood_that_outruns_the_filtered_log_does_not_crash():
    # Keys are handled between the log's catch-ups; a flood can push the oldest filtered rows out
    # of the ring before the rows are updated. Home then used to fail on a stanza no longer kept.
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False, capacity=30)
    for number in range(5):
        add_request_and_reply(app, f"a{number}")
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        view.focus()
        await pilot.press("n")
        await eventually(lambda: "noise hidden" in (view.border_subtitle or ""), what="noise hidden")
        for number in range(20):  # 60 stanzas into a ring of 30: every a* request is gone
            add_request_and_reply(app, f"b{number}")
        view.action_oldest()  # before the next frame brings the rows up to date
        await pilot.press("home")
        await eventually(
            lambda: view.selected_entry is not None and view.selected_entry.stanza_id == "b10",
            what="the oldest request kept selected",
        )


def on_screen(app: IqConsoleApp) -> str:
    """What the terminal shows now, as plain text (the screen as last drawn, not redrawn for the test)."""
    return app.export_screenshot().replace("&#160;", " ")


async def test_request_rows_follow_timeouts_and_cancels_without_a_key_press():
    app = offline_app()
    for stanza_id in ("slow", "stopped"):
        add_request(app, stanza_id)
    async with app.run_test(size=SIZE):
        await eventually(lambda: on_screen(app).count("[pending]") == 2, what="both requests pending")
        app.store.mark_timed_out(Direction.OUT, "slow")
        await eventually(lambda: "[timed out]" in on_screen(app), what="the timeout on screen")
        app.store.mark_timed_out(Direction.OUT, "stopped", PairState.CANCELLED)
        await eventually(lambda: "[cancelled]" in on_screen(app), what="the cancel on screen")
        assert "[pending]" not in on_screen(app)


async def test_log_rows_are_drawn_on_the_theme_background_not_the_terminals():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False, theme_name="iqconsole-light")
    add_request_and_reply(app, "bg")
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        await eventually(lambda: view.virtual_size.height == 3, what="the rows")
        await pilot.pause()
        background = view.rich_style.bgcolor
        assert background is not None and background.triplet.hex == app.current_theme.background
        for row in range(3):
            colours = {segment.style.bgcolor if segment.style else None for segment in view.render_line(row)}
            assert colours == {background}, f"row {row} has one background, the theme's"


async def test_the_viewer_shows_every_request_state_as_the_console_did(tmp_path):
    store = every_request_state()
    console = IqConsoleApp(Account("alice@example.org/console"), store=store, connect_on_start=False)
    async with console.run_test(size=SIZE):
        live = console.query_one(TrafficView)
        await eventually(lambda: len(live.rows) == len(store), what="the console's rows")
        recorded = live.plain_lines()
    path = tmp_path / "states.jsonl"
    write_jsonl(path, store)
    viewer = TrafficViewerApp(load_store(path).store, path)
    async with viewer.run_test(size=SIZE):
        view = viewer.query_one(TrafficView)
        await eventually(lambda: len(view.rows) == len(store), what="the viewer's rows")
        assert view.plain_lines() == recorded
    assert any("[cancelled]" in line for line in recorded) and any("[answered late]" in line for line in recorded)


async def test_the_viewer_describes_its_file_and_cannot_compose_log_in_or_write_the_consoles_files(tmp_path):
    path = tmp_path / "states.jsonl"
    write_jsonl(path, every_request_state())
    viewer = TrafficViewerApp(load_store(path).store, path)
    async with viewer.run_test(size=SIZE) as pilot:
        view = viewer.query_one(TrafficView)
        await eventually(lambda: view.has_focus and len(view.rows) == 11, what="the recording")
        top = str(viewer.query_one("#recording").render())
        assert "states.jsonl · 11 stanzas · " in top and " → " in top, top
        assert "pending" not in top and "disconnected" not in top and "no account" not in top
        await eventually(lambda: bool(viewer.query(FooterKey)), what="the footer's keys")
        shown = {key.description for key in viewer.query(FooterKey)}
        assert "Filter…" in shown and not shown & {"Send", "Replay", "Account…", "Templates…"}, shown
        palette = {action.title for action in bound_actions(viewer.screen)}
        assert "Traffic: Export…" in palette and not any(
            title.startswith(("Composer", "App: Account")) for title in palette
        )
        assert "Traffic: Replay" not in palette
        await pilot.press("up", "r", "R", "E", "ctrl+l", "ctrl+t")
        await pilot.pause()
        assert view.has_focus and len(viewer.screen_stack) == 1, "no composer, no login form"
    assert not locations.draft_file().exists() and not locations.history_file().exists()


async def test_f1_on_the_log_lists_every_key_of_it_and_the_viewer_only_reading_keys(tmp_path):
    path = tmp_path / "states.jsonl"
    write_jsonl(path, every_request_state())
    for app, expected, absent in (
        (offline_app(), {"traffic.export", "traffic.replay", "app.login"}, set()),
        (
            TrafficViewerApp(load_store(path).store, path),
            {"traffic.export", "app.help"},
            {"traffic.replay", "app.login"},
        ),
    ):
        async with app.run_test(size=SIZE) as pilot:
            app.query_one(TrafficView).focus()
            await pilot.press("f1")
            await eventually(lambda: isinstance(app.screen, HelpScreen), what="the help")  # noqa: B023
            help_screen = app.screen
            assert isinstance(help_screen, HelpScreen)
            listed = {binding.id for binding in help_screen._listed_bindings}
            assert expected <= listed and not absent & listed, listed
