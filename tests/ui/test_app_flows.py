"""The console as a person uses it (Pilot), against the real Prosody."""

from __future__ import annotations

from slixmpp.xmlstream import ET
from textual import events
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Select, TextArea

from iqconsole.core.account import Account
from iqconsole.core.client import ConnectionState
from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.commands import bound_actions
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.responders.responder_form import ResponderForm
from iqconsole.ui.responders.responder_table import ResponderTable
from iqconsole.ui.screens.confirm_screen import ConfirmScreen
from iqconsole.ui.screens.help_screen import HelpScreen, declared_bindings
from iqconsole.ui.screens.login_screen import LoginScreen
from iqconsole.ui.screens.path_screen import PathScreen
from iqconsole.ui.status_bar import StatusBar
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.waiting import choose_path, click, closed, focused, online, shown
from tests.xmpp_helpers import account_for, eventually, plain_client

SIZE = (150, 45)


def outcome(app: IqConsoleApp) -> str:
    return str(app.query_one("#composer-outcome").render())


async def type_and_send(app: IqConsoleApp, pilot, text: str) -> None:
    editor = app.query_one(ComposerEditor)
    editor.text = text
    editor.focus()
    await focused(editor)
    await pilot.press("ctrl+j")


async def test_send_an_iq_and_read_request_and_reply_in_the_log(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "ui1"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        await type_and_send(app, pilot, '<iq type="get" to="localhost"><query xmlns="jabber:iq:version"/></iq>')
        await eventually(lambda: "Result" in outcome(app), what="the result")
        status = app.query_one(StatusBar)
        await eventually(
            lambda: (status.count_out, status.count_in) == (app.store.count_out, app.store.count_in),
            what="the status bar counting the exchange",
        )
        lines = app.query_one(TrafficView).plain_lines()
        request = [line for line in lines if "→" in line and "jabber:iq:version" in line]
        reply = [line for line in lines if "←" in line and "Prosody" in line]
        assert request and reply
        assert " ms]" in reply[0], "the reply line shows the round trip"
        assert status.state is ConnectionState.ONLINE and status.count_out >= 1 and status.count_in >= 1


async def test_the_log_follows_the_tail_when_its_scrollbar_first_appears():
    """Traffic in bursts: the burst that first overflows the pane must still end on screen."""
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE):
        view = app.query_one(TrafficView)
        for burst in range(3):
            for number in range(10):
                stanza_id = f"b{burst}-{number}"
                app.store.append(
                    Direction.IN, Kind.IQ, f'<iq id="{stanza_id}" type="result"/>', stanza_id=stanza_id, type="result"
                )

            def newest_on_screen(newest: str = f'id="b{burst}-9"', rows: int = 10 * (burst + 1)) -> bool:
                lines = range(view.scrollable_content_region.height)
                shown = "\n".join(view.render_line(y).text for y in lines)
                return len(view.rows) == rows and view.scroll_y == view.max_scroll_y and newest in shown

            await eventually(newest_on_screen, what=f"burst {burst} taken in, the newest stanza on screen")
            assert view.following


async def test_malformed_xml_is_refused_with_position_and_the_text_stays(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "ui2"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        sent_before = app.store.count_out
        broken = '<iq type="get" to="localhost">\n  <query xmlns="jabber:iq:version">\n</iq>'
        await type_and_send(app, pilot, broken)
        await eventually(lambda: "Not sent" in outcome(app), what="the refusal")
        assert "line 3" in outcome(app)
        assert app.query_one(ComposerEditor).text == broken
        assert app.query_one(ComposerEditor).cursor_location[0] == 2, "the cursor jumps to the error"
        assert app.store.count_out == sent_before


async def test_error_reply_shows_its_condition(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "ui3"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        sent_before = app.store.count_out
        await type_and_send(app, pilot, '<iq type="get" to="localhost"><query xmlns="urn:example:none"/></iq>')
        await eventually(lambda: "unknown namespace urn:example:none" in outcome(app), what="the warning")
        assert "again" in outcome(app)
        assert app.store.count_out == sent_before, "a warning holds the first press back"
        await pilot.press("ctrl+j")
        await eventually(lambda: "Error reply" in outcome(app), what="the error")
        assert "service-unavailable" in outcome(app)


async def test_wrong_password_asks_again_and_retry_works_without_restart(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "ui4", password="wrong"))
    async with app.run_test(size=SIZE) as pilot:
        login = await shown(app, LoginScreen)
        assert "Authentication failed" in str(login.query_one("#login-problem").render())
        password = login.query_one("#login-password", Input)
        assert password.password, "the password stays masked"
        password.value = prosody.account("alice").password
        await click(pilot, "#login-connect")
        await online(app, pilot)
        assert not isinstance(app.screen, LoginScreen)


async def test_no_password_prompts_in_the_app(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "ui5", password=""))
    async with app.run_test(size=SIZE) as pilot:
        login = await shown(app, LoginScreen)
        await focused(login.query_one("#login-password"))
        await pilot.press(*prosody.account("alice").password, "enter")
        await online(app, pilot)


async def test_add_toggle_and_delete_a_responder_answering_another_client(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "ui6"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        table = app.query_one("#responders", ResponderTable)
        table.focus()
        await focused(table)
        await pilot.press("a")
        form = await shown(app, ResponderForm)
        form.query_one("#responder-match", Input).value = "iq@type"

        def problem() -> str:
            return str(form.query_one("#responder-problem").render())

        await eventually(lambda: "bad step" in problem(), what="the bad path explained")
        assert form.query_one("#responder-save").disabled
        form.query_one("#responder-match", Input).value = "iq@type=get/ping"
        await eventually(lambda: not form.query_one("#responder-save").disabled, what="the path accepted")
        await pilot.press("ctrl+s")
        await closed(app, ResponderForm)
        await eventually(lambda: len(app.responders) == 1, what="the responder added")
        assert [r.name for r in app.responders] == ["responder-1"]

        bob = await plain_client(prosody, "bob", "ui6")
        try:
            ping = bob.make_iq_get(ito=app.session.own_jid)
            ping.append(ET.fromstring("<ping xmlns='urn:xmpp:ping'/>"))
            assert (await ping.send(timeout=5))["type"] == "result"
            await eventually(lambda: table.get_row("responder-1")[5] == "1", what="the hit counted in the table")

            await focused(table)
            await pilot.press("space")
            await eventually(lambda: not app.responders.get("responder-1").enabled, what="the responder off")
        finally:
            await bob.disconnect()

        await pilot.press("d")
        await shown(app, ConfirmScreen)
        await pilot.press("y")
        await closed(app, ConfirmScreen)
        await eventually(lambda: len(app.responders) == 0, what="the responder deleted")


async def test_f1_explains_the_focused_pane(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "ui7"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        traffic, editor = app.query_one(TrafficView), app.query_one(ComposerEditor)
        traffic.focus()
        await focused(traffic)
        await pilot.press("f1")
        assert "Traffic log" in (await shown(app, HelpScreen))._text
        await pilot.press("escape")
        await closed(app, HelpScreen)
        await focused(traffic)  # given back when the help closed
        editor.focus()
        await focused(editor)
        await pilot.press("f1")
        assert "Composer" in (await shown(app, HelpScreen))._text


def test_every_binding_has_an_id_and_a_description():
    from textual.binding import Binding

    from iqconsole.ui.composer.composer_pane import ComposerPane
    from iqconsole.ui.discovery.discovery_screen import DiscoveryScreen
    from iqconsole.ui.discovery.discovery_tree import DiscoveryTree
    from iqconsole.ui.screens.journal_screen import JournalScreen
    from iqconsole.ui.screens.login_screen import LoginScreen
    from iqconsole.ui.screens.recording_screen import RecordingScreen
    from iqconsole.ui.traffic.console_traffic_view import ConsoleTrafficView
    from iqconsole.ui.viewer_app import TrafficViewerApp

    for owner in (
        IqConsoleApp,
        TrafficViewerApp,
        ComposerEditor,
        ComposerPane,
        TrafficView,
        ConsoleTrafficView,
        ResponderTable,
        ResponderForm,
        ConfirmScreen,
        HelpScreen,
        LoginScreen,
        JournalScreen,
        RecordingScreen,
        DiscoveryScreen,
        DiscoveryTree,
    ):
        for binding in owner.BINDINGS:
            assert isinstance(binding, Binding) and binding.id and binding.description, (owner, binding)


async def test_responder_pane_edit_copy_reorder_save_and_open(tmp_path):
    app = IqConsoleApp(
        Account("alice@localhost/console"), connect_on_start=False, responders_file=tmp_path / "set.toml"
    )
    app.responders.add("pong", "iq@type=get/ping")
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one("#responders", ResponderTable)
        table.focus()
        await focused(table)
        await pilot.press("c")
        await eventually(lambda: len(app.responders) == 2, what="the copy")
        assert [r.name for r in app.responders] == ["pong", "pong-2"]
        await eventually(lambda: table.row_count == 2, what="the copy in the table")
        table.move_cursor(row=1)
        await pilot.press("ctrl+up")
        await eventually(lambda: app.responders.index("pong-2") == 0, what="the copy moved up")
        assert [r.name for r in app.responders] == ["pong-2", "pong"], "order decides who answers first"
        await eventually(lambda: str(table.get_row_at(0)[1]) == "pong-2", what="the new order in the table")

        await pilot.press("e")
        form = await shown(app, ResponderForm)
        assert form.query_one("#responder-name", Input).value == "pong-2"
        form.query_one("#responder-reply-kind", Select).value = "error"
        form.query_one("#responder-condition", Select).value = "policy-violation"
        await pilot.press("ctrl+s")
        await closed(app, ResponderForm)
        await eventually(lambda: app.responders.get("pong-2").error == "policy-violation", what="the edit saved")
        await eventually(lambda: "error policy-violation" in table.get_row("pong-2"), what="the table shows the edit")

        await focused(table)
        await pilot.press("s")
        await choose_path(app, pilot)
        await eventually((tmp_path / "set.toml").is_file, what="the set saved")
        app.responders.remove("pong")
        app.responders.remove("pong-2")
        await focused(table)
        await pilot.press("o")
        await choose_path(app, pilot)
        await eventually(lambda: len(app.responders) == 2, what="the set opened")
        assert [(r.name, r.error) for r in app.responders] == [("pong-2", "policy-violation"), ("pong", "")]


async def test_keys_typed_faster_than_the_form_opens_never_edit_a_deleted_responder():
    """e, d, y in one burst (typing into the wrong pane): the edit is asked for, then the delete
    confirmed before the form opens. The form must not open on a responder that is gone."""
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    app.responders.add("pong", "iq@type=get/ping")
    async with app.run_test(size=SIZE) as pilot:
        app.query_one("#responders", ResponderTable).focus()
        for key in "edy":  # one terminal read: all three queued before the first is handled
            app.post_message(events.Key(key, key))
        await eventually(lambda: not len(app.responders), what="the delete confirmed")
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert not isinstance(app.screen, ResponderForm)


async def test_a_new_responder_can_be_tried_on_the_selected_log_entry():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    app.store.append(
        Direction.IN,
        Kind.IQ,
        '<iq type="get" id="q1" from="bob@localhost/x"><ping xmlns="urn:xmpp:ping"/></iq>',
        stanza_id="q1",
        type="get",
        sender="bob@localhost/x",
    )
    async with app.run_test(size=SIZE) as pilot:
        traffic, table = app.query_one(TrafficView), app.query_one("#responders")
        traffic.focus()
        await focused(traffic)
        await pilot.press("up")
        await eventually(lambda: traffic.selected_entry is not None, what="the entry selected")
        table.focus()
        await focused(table)
        await pilot.press("a")
        form = await shown(app, ResponderForm)

        def trial() -> str:
            return str(form.query_one("#responder-trial").render())

        form.query_one("#responder-match", Input).value = "iq@type=get/software_version"
        await pilot.press("ctrl+t")
        await eventually(lambda: "does not match" in trial(), what="the trial")
        form.query_one("#responder-match", Input).value = "iq@type=get/ping"
        form.query_one("#responder-reply", TextArea).text = "<pong xmlns='urn:x'>${id}</pong>"
        await pilot.press("ctrl+t")
        await eventually(lambda: "yes: it matches" in trial(), what="the second trial")
        assert '<pong xmlns="urn:x">q1</pong>' in trial()
        assert len(app.responders) == 0, "trying changes nothing"


def palette_prompts(app: IqConsoleApp) -> list[str]:
    """The commands the open palette lists, as plain text."""
    listed = app.screen.query_one(CommandList)
    return [str(listed.get_option_at_index(index).prompt).splitlines()[0] for index in range(listed.option_count)]


async def pick_from_palette(app: IqConsoleApp, pilot, query: str, title: str) -> str:
    """Open the palette, type `query`, wait for `title` and run it; return the line it had."""
    await pilot.press("ctrl+p")
    await eventually(lambda: isinstance(app.screen, CommandPalette), what="the palette")
    await pilot.press(*query)

    def highlighted() -> str:
        listed = app.screen.query_one(CommandList)
        index = listed.highlighted
        return "" if index is None else str(listed.get_option_at_index(index).prompt).splitlines()[0]

    await eventually(
        lambda: any(prompt.startswith(f"{title}  ") for prompt in palette_prompts(app)), what=f"{title!r} listed"
    )
    for _ in range(len(palette_prompts(app)) + 1):  # the list may still be filling: move until it is ours
        if highlighted().startswith(f"{title}  "):
            break
        await pilot.press("down")
        await pilot.pause()
    line = highlighted()
    assert line.startswith(f"{title}  "), (line, palette_prompts(app))
    await pilot.press("enter")
    await eventually(lambda: not isinstance(app.screen, CommandPalette), what="the palette to close")
    return line


async def test_the_palette_lists_every_key_of_every_pane_and_the_apps():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        titles = {action.binding.id: action.title for action in bound_actions(app.screen)}
        # see test_reconnect_flows; the account scope needs several accounts (test_accounts_flows)
        only_when_useful = {"app.stop-reconnecting", "app.sandbox-start-again", "traffic.account-scope"}
        only_when_useful |= {"composer.complete-accept", "composer.complete-dismiss"}  # the menu is open
        for owner in (app, app.composer, app.composer.editor, app.traffic, app.detail, app.query_one(ResponderTable)):
            for binding in declared_bindings(owner):
                if binding.id in only_when_useful:
                    assert binding.id not in titles, (
                        "offered only while reconnecting / the sandbox is down / completing"
                    )
                    continue
                assert titles.get(binding.id, "").endswith(f": {binding.description}"), binding.id
        assert titles["traffic.export"] == "Traffic: Export…" and titles["composer.send"] == "Composer: Send"


async def test_the_palette_runs_a_pane_action_from_another_pane_and_shows_its_key():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        assert app.composer.editor.has_focus
        line = await pick_from_palette(app, pilot, "export", "Traffic: Export…")
        assert line.endswith("  x"), line
        await eventually(lambda: isinstance(app.screen, PathScreen), what="the export dialog")
        await pilot.press("escape")
        line = await pick_from_palette(app, pilot, "focus traffic", "App: Focus traffic")
        assert line.endswith("  f3"), line
        await eventually(lambda: app.traffic.has_focus, what="the log focused from the palette")
        app.set_keymap({"composer.send": "ctrl+e"})
        line = await pick_from_palette(app, pilot, "send", "Composer: Send")
        assert line.endswith("  ^e"), "the key follows the keymap"
        await eventually(lambda: "not connected" in outcome(app), what=f"the send, refused offline: {outcome(app)!r}")


async def test_textuals_own_commands_stay_in_the_palette():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await eventually(lambda: isinstance(app.screen, CommandPalette), what="the palette")
        await pilot.press(*"theme")
        await eventually(lambda: "Theme" in palette_prompts(app), what="Textual's theme command")


async def test_hits_show_in_the_table_and_the_cursor_stays_on_its_responder():
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        for name, payload in (("pong", "ping"), ("version", "software_version"), ("time", "entity_time")):
            app.responders.add(name, f"iq@type=get/{payload}")
        table = app.query_one("#responders", ResponderTable)
        table.focus()
        await focused(table)
        await eventually(lambda: table.row_count == 3, what="three responders listed")
        await pilot.press("down")
        await eventually(lambda: table.cursor_row == 1, what="the second responder selected")
        for hits in range(1, 40):  # a flood of requests answered by "version"
            version = app.responders.get("version")
            version.hits, version.last_hit = hits, 1_700_000_000.0 + hits
            app.responders.set_enabled("version", True)  # announces the change, as a hit does
        await eventually(lambda: table.get_row("version")[5] == "39", what="the last hit count shown")
        assert table.cursor_row == 1 and table.get_row("pong")[5] == "0"
        drawn = app.export_screenshot()
        table._shown = []  # the next change rebuilds every row, as before any hit
        table.show_changes()
        assert app.export_screenshot() == drawn, "the updated cells draw what a rebuilt table draws"
