"""The traffic log as a person reads it: follow mode, the "new" count, noise, pairing jumps."""

from __future__ import annotations

import subprocess
import sys
from contextlib import asynccontextmanager
from pathlib import Path

from iqconsole.core.account import Account
from iqconsole.core.traffic import Direction, Kind
from iqconsole.core.traffic_export import load_store
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.traffic.traffic_view import TrafficView

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


def add_request_and_reply(app: IqConsoleApp, stanza_id: str) -> None:
    app.store.append(
        Direction.OUT,
        Kind.IQ,
        f'<iq type="get" id="{stanza_id}" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>',
        stanza_id=stanza_id,
        type="get",
        recipient="localhost",
        namespace="urn:xmpp:ping",
    )
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
        bar = app.query_one("#traffic-filter")
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
        app.query_one("#traffic-filter").value = "type:get"
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
        editor = app.query_one("#editor")
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


async def test_copy_export_and_the_raw_detail(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = offline_app()
    add_request_and_reply(app, "e1")
    async with focused_log(app) as (pilot, _view):
        await pilot.press("up", "c")
        await pilot.pause()
        assert app.clipboard == app.store[2].xml
        target = tmp_path / "log.jsonl"
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path-input").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert len(target.read_text().splitlines()) == 1 + 3, "a header and one line per stanza"
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#path-input").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert type(app.screen).__name__ == "ConfirmScreen", "an existing file is not replaced without asking"
        await pilot.press("n")
        await pilot.pause()

        detail = app.query_one("#detail")
        detail.focus()
        await pilot.press("r")
        await pilot.pause()
        shown = app.query_one("#detail").shown_text
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
        app.screen.query_one("#path-input").value = str(target)
        await pilot.press("enter")
        await pilot.pause()

    reopened = IqConsoleApp(None, store=load_store(target).store, viewer=True, connect_on_start=False)
    async with reopened.run_test(size=SIZE) as pilot:
        view = reopened.query_one(TrafficView)
        await pilot.pause(0.1)
        assert view.has_focus and view.region.width > 140, "the log has the whole width"
        assert not reopened.query_one("#composer").display or not reopened.query_one("#composer").region.width
        assert view.plain_lines() == recorded, "the same lines, pairing and round trips included"
        view.focus()
        await pilot.press("f")
        reopened.query_one("#traffic-filter").value = "type:get"
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
            return app.query_one("#detail").shown_text

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
