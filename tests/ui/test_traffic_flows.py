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
from iqconsole.ui.screens.confirm_screen import ConfirmScreen
from iqconsole.ui.screens.help_screen import HelpScreen
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_view import TrafficView
from iqconsole.ui.viewer_app import TrafficViewerApp
from tests.recorded_traffic import every_request_state
from tests.ui.waiting import choose_path, closed, focused, shown
from tests.xmpp_helpers import eventually

SIZE = (150, 45)


def offline_app() -> IqConsoleApp:
    return IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)


async def drawn(view: TrafficView, rows: int) -> None:
    """Once the log has taken in `rows` rows (its scrollable height, as drawn)."""
    await eventually(lambda: view.virtual_size.height == rows, what=f"{rows} rows in the log")


@asynccontextmanager
async def focused_log(app: IqConsoleApp):
    """The app running with the traffic log focused and up to date."""
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await drawn(view, len(app.store))
        yield pilot, view


def selected(view: TrafficView, stanza_id: str, type_: str | None = None) -> bool:
    entry = view.selected_entry
    return entry is not None and entry.stanza_id == stanza_id and (type_ is None or entry.type == type_)


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
        await eventually(lambda: selected(view, "a0"), what="Home selecting the oldest")
        assert not view.following
        for number in range(5):
            add_request_and_reply(app, f"b{number}")
        await drawn(view, len(app.store))
        assert view.unseen == 15 and "15 new" in view.border_subtitle
        assert view.scroll_y == 0, "the view stays where the reader is"
        await pilot.press("end")
        await eventually(lambda: view.following and view.scroll_y == view.max_scroll_y, what="End following again")
        assert view.unseen == 0 and "new" not in view.border_subtitle


async def test_the_scrollbar_and_the_tail_follow_rows_that_come_under_a_scrollbar():
    """More rows under a scrollbar already shown change the scrollbar, not the screen's layout:
    its thumb still measures every row, and the newest row is on screen."""
    app = app_with_pairs("a", 60)
    async with focused_log(app) as (_pilot, view):
        scrollbar = view.vertical_scrollbar
        for prefix in "bc":  # the second time, the scrollbar is shown and the width settled
            for number in range(40):
                add_request_and_reply(app, f"{prefix}{number}")
            await drawn(view, len(app.store))
            await eventually(
                lambda: scrollbar.window_virtual_size == len(app.store), what="the scrollbar measuring every row"
            )
            assert view.show_vertical_scrollbar
            assert scrollbar.window_size == view.scrollable_content_region.height
            await eventually(
                lambda: view.scroll_y == view.max_scroll_y == scrollbar.position, what="the tail on screen"
            )
        assert len(app.store) == 420


async def test_noise_is_hidden_with_one_key_and_counted():
    app = app_with_pairs("n", 3)
    async with focused_log(app) as (pilot, view):
        assert sum("keepalive" in line for line in view.plain_lines()) == 3
        await pilot.press("n")
        await eventually(lambda: "3 noise hidden" in view.border_subtitle, what="the noise hidden and counted")
        await drawn(view, 6)
        assert not any("keepalive" in line for line in view.plain_lines())
        assert len(view.plain_lines()) == 6
        await pilot.press("n")
        await eventually(lambda: "noise hidden" not in view.border_subtitle, what="the noise shown again")
        await drawn(view, 9)
        assert len(view.plain_lines()) == 9 and len(app.store) == 9


async def test_p_jumps_between_a_request_and_its_reply():
    app = offline_app()
    add_request_and_reply(app, "r1")
    add_request_and_reply(app, "r2")
    async with focused_log(app) as (pilot, view):
        await pilot.press("up")
        await eventually(lambda: selected(view, "r2", "result"), what="the newest: the reply to r2")
        await pilot.press("p")
        await eventually(lambda: selected(view, "r2", "get"), what="the jump to its request")
        await pilot.press("p")
        await eventually(lambda: selected(view, "r2", "result"), what="the jump back to the reply")
        line = view.plain_lines()[0]
        assert "iq get to localhost id=r1 urn:xmpp:ping (XEP-0199)" in line, "each line leads with a summary"


async def test_filter_narrows_the_log_counts_and_explains_mistakes():
    app = app_with_pairs("f", 4)
    async with focused_log(app) as (pilot, view):
        await pilot.press("f")
        bar = app.query_one("#traffic-filter", Input)
        await focused(bar)
        bar.value = "kind:chat"

        def problem() -> str:
            return str(app.query_one("#traffic-filter-problem").render())

        await eventually(lambda: "unknown kind 'chat'" in problem(), what="the mistake explained")
        assert "character 6" in problem()
        bar.value = "type:result or id:f0"
        await pilot.press("enter")
        await eventually(lambda: "5 of 12 match" in view.border_subtitle, what="the filter applied")
        await drawn(view, 5)
        lines = view.plain_lines()
        assert len(lines) == 5 and not any("keepalive" in line for line in lines)
        app.store.append(
            Direction.IN, Kind.IQ, '<iq type="result" id="late" from="localhost"/>', stanza_id="late", type="result"
        )
        await eventually(lambda: "6 of 13 match" in view.border_subtitle, what="the new stanza taken in")
        assert len(view.plain_lines()) == 6, "new traffic is filtered too"
        await focused(view)  # Enter gave the focus back to the log
        await pilot.press("f")
        await focused(bar)
        bar.value = ""
        await pilot.press("enter")
        await eventually(lambda: "match" not in view.border_subtitle, what="the filter cleared")
        await drawn(view, 13)
        assert len(view.plain_lines()) == 13


async def test_search_selects_the_next_and_previous_match():
    app = app_with_pairs("s", 4)
    async with focused_log(app) as (pilot, view):
        await pilot.press("slash")
        bar = app.query_one("#traffic-filter", Input)
        await focused(bar)
        bar.value = "type:get"
        await pilot.press("enter")
        await eventually(lambda: selected(view, "s0", "get"), what="the first match selected")
        await pilot.press("escape")
        await focused(view)
        await pilot.press("right_square_bracket")
        await eventually(lambda: selected(view, "s1", "get"), what="the next match selected")
        await pilot.press("left_square_bracket")
        await eventually(lambda: selected(view, "s0", "get"), what="the previous match selected")
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
        await focused(view)
        await drawn(view, 1)
        await pilot.press("up", "R")
        await eventually(lambda: editor.has_focus and 'id="q7"' in editor.text, what="the reply in the composer")
        assert editor.text.startswith(before), "what the user wrote stays"
        reply = editor.text.rsplit("\n\n", 1)[1]
        assert 'type="result"' in reply and 'id="q7"' in reply and 'to="bob@localhost/x"' in reply
        assert editor.cursor_location[0] == editor.text.rsplit("\n\n", 1)[0].count("\n") + 2, "the cursor is on it"
        view.focus()
        await focused(view)
        with_reply = editor.text
        await pilot.press("r")
        await eventually(lambda: editor.has_focus and editor.text != with_reply, what="the replay in the composer")
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
        await eventually(lambda: app.clipboard == app.store[2].xml, what="the copy")
        clipboard_file = tmp_path / "state" / "iqconsole" / "clipboard.xml"
        assert clipboard_file.read_text() == app.store[2].xml + "\n"
        assert mode(clipboard_file) == 0o600 and mode(clipboard_file.parent) == 0o700, "private to the user"
        target = tmp_path / "log.jsonl"
        await pilot.press("x")
        await choose_path(app, pilot, target)
        await eventually(target.exists, what="the export written")
        assert len(target.read_text().splitlines()) == 1 + 3, "a header and one line per stanza"
        assert mode(target) == 0o600
        await pilot.press("x")
        await choose_path(app, pilot, target)
        await shown(app, ConfirmScreen)  # an existing file is not replaced without asking
        await pilot.press("n")
        await closed(app, ConfirmScreen)

        detail = app.query_one("#detail", TrafficDetail)
        detail.focus()
        await focused(detail)
        await pilot.press("r")
        await eventually(lambda: "raw" in detail.shown_text, what="the raw detail")
        assert '<iq type="result" id="e1" from="localhost"/>' in detail.shown_text


async def test_an_export_opens_again_offline_with_the_same_lines_and_filters(tmp_path):
    app = app_with_pairs("v", 3)
    target = tmp_path / "session.jsonl"
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        await drawn(view, 9)
        recorded = view.plain_lines()
        view.focus()
        await focused(view)
        await pilot.press("x")
        await choose_path(app, pilot, target)
        await eventually(target.exists, what="the export written")

    reopened = TrafficViewerApp(load_store(target).store, target)
    async with reopened.run_test(size=SIZE) as pilot:
        view = reopened.query_one(TrafficView)
        await focused(view)
        await drawn(view, 9)
        assert view.region.width > 140, "the log has the whole width"
        assert view.plain_lines() == recorded, "the same lines, pairing and round trips included"
        await pilot.press("f")
        bar = reopened.query_one("#traffic-filter", Input)
        await focused(bar)
        bar.value = "type:get"
        await pilot.press("enter")
        await eventually(lambda: "3 of 9 match" in str(view.border_subtitle), what="the filter applied")
        await drawn(view, 3)
        assert len(view.plain_lines()) == 3


def test_view_of_a_missing_file_says_so(tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).with_name("iqconsole")), "view", str(tmp_path / "nope.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "no such file" in result.stderr and "nope.jsonl" in result.stderr


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
        detail = app.query_one("#detail", TrafficDetail)

        def body():
            return detail.shown_text

        await eventually(lambda: "[redacted]" in body(), what="the selected stanza in the detail")
        assert "AGFsaWNl" not in body()
        detail.focus()
        await focused(detail)
        await pilot.press("S")
        await eventually(lambda: "SECRETS SHOWN" in body(), what="the secret shown on request")
        assert "AGFsaWNlAHMzY3JldA==" in body()
        assert "AGFsaWNl" not in "".join(view.plain_lines()), "the log stays redacted"
        await pilot.press("S")
        await eventually(lambda: "SECRETS SHOWN" not in body(), what="the secret hidden again")
        assert "AGFsaWNl" not in body() and "[redacted]" in body()


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
    async with app.run_test(size=SIZE):
        view = app.query_one(TrafficView)
        await drawn(view, len(app.store))
        lines = [line for line in view.plain_lines() if " get " in line]
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
        await drawn(live, len(store))
        recorded = live.plain_lines()
    path = tmp_path / "states.jsonl"
    write_jsonl(path, store)
    viewer = TrafficViewerApp(load_store(path).store, path)
    async with viewer.run_test(size=SIZE):
        view = viewer.query_one(TrafficView)
        await drawn(view, len(store))
        assert view.plain_lines() == recorded
    assert any("[cancelled]" in line for line in recorded) and any("[answered late]" in line for line in recorded)


async def test_the_viewer_describes_its_file_and_cannot_compose_log_in_or_write_the_consoles_files(tmp_path):
    path = tmp_path / "states.jsonl"
    write_jsonl(path, every_request_state())
    viewer = TrafficViewerApp(load_store(path).store, path)
    async with viewer.run_test(size=SIZE) as pilot:
        view = viewer.query_one(TrafficView)
        await focused(view)
        await drawn(view, 11)
        top = str(viewer.query_one("#recording").render())
        assert "states.jsonl · 11 stanzas · " in top and " → " in top, top
        assert "pending" not in top and "disconnected" not in top and "no account" not in top
        await eventually(lambda: bool(viewer.query(FooterKey)), what="the footer's keys")
        in_footer = {key.description for key in viewer.query(FooterKey)}
        assert "Filter…" in in_footer and not in_footer & {"Send", "Replay", "Account…", "Templates…"}, in_footer
        palette = {action.title for action in bound_actions(viewer.screen)}
        assert "Traffic: Export…" in palette and not any(
            title.startswith(("Composer", "App: Account")) for title in palette
        )
        assert "Traffic: Replay" not in palette
        await pilot.press("up", "r", "R", "E", "ctrl+l", "ctrl+t")
        await pilot.press("f1")  # its help comes after whatever those keys brought
        await shown(viewer, HelpScreen)
        assert len(viewer.screen_stack) == 2, "no composer, no login form"
        assert viewer.screen_stack[0].focused is view, "the focus stayed on the log"
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


def row_backgrounds(view: TrafficView, row: int) -> set[str | None]:
    """The background colours of one log row as the view draws it (from its row cache)."""
    return {
        segment.style.bgcolor.triplet.hex
        if segment.style and segment.style.bgcolor and segment.style.bgcolor.triplet
        else None
        for segment in view.render_line(row)
    }


async def test_log_rows_take_the_new_theme_at_once_not_the_cached_colours():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False, theme_name="iqconsole-light")
    add_request_and_reply(app, "theme")
    async with app.run_test(size=SIZE):
        view = app.query_one(TrafficView)
        await drawn(view, 3)
        await eventually(lambda: row_backgrounds(view, 0) == {app.current_theme.background}, what="the light rows")
        app.theme = "iqconsole-dark"
        dark = app.current_theme.background
        await eventually(
            lambda: all(row_backgrounds(view, row) == {dark} for row in range(3)), what="every row in the dark theme"
        )


async def test_a_long_stanza_row_fills_a_wider_terminal_after_a_resize():
    app = offline_app()
    app.store.append(Direction.IN, Kind.MESSAGE, "<message><body>" + "word " * 400 + "</body></message>")
    async with app.run_test(size=(100, 40)) as pilot:
        view = app.query_one(TrafficView)
        await drawn(view, 1)
        full_row = view.line_text(app.store.entries[0]).plain

        def row_shows_its_width() -> bool:
            width = view.scrollable_content_region.width
            return view.render_line(0).text == full_row[:width]

        await eventually(row_shows_its_width, what="the row as wide as the log")
        narrow = len(view.render_line(0).text)
        await pilot.resize_terminal(220, 40)
        await eventually(lambda: len(view.render_line(0).text) > narrow + 50, what="a wider row")
        await eventually(row_shows_its_width, what="the wider row, text to the edge")
        highlighted = {segment.style for segment in view.render_line(0) if segment.text.strip() == "word"}
        assert len(highlighted) == 1, "the stanza's text has one colour to the right edge"


async def test_the_selected_row_is_highlighted_and_loses_it_when_the_selection_moves():
    async with focused_log(app_with_pairs("sel", 2)) as (pilot, view):
        plain = row_backgrounds(view, 0)
        await pilot.press("home")
        await eventually(lambda: selected(view, "sel0", "get"), what="the oldest request selected")
        await eventually(lambda: row_backgrounds(view, 0) != plain, what="the selected row highlighted")
        marked = row_backgrounds(view, 0)
        assert row_backgrounds(view, 1) == plain
        await pilot.press("down")
        await eventually(lambda: row_backgrounds(view, 0) == plain, what="the first row no longer highlighted")
        assert marked <= row_backgrounds(view, 1)
