"""The composer as a person uses it: picker, variables, live check, several stanzas, history,
drafts, user templates, cancel and the server's features (Pilot, real Prosody where it sends)."""

from __future__ import annotations

import re

from textual import events
from textual.dom import DOMNode
from textual.widgets import DataTable, Input, OptionList, Static

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.composer import composer_editor
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.composer.composer_pane import ComposerPane
from iqconsole.ui.composer.preview_screen import PreviewScreen
from iqconsole.ui.composer.save_template_screen import SaveTemplateScreen
from iqconsole.ui.composer.template_picker import TemplatePicker
from iqconsole.ui.discovery.discovery_screen import DiscoveryScreen
from iqconsole.ui.screens.server_features_screen import ServerFeaturesScreen
from tests.ui.snapshot_app import sandbox_like_features
from tests.ui.waiting import closed, focused, online, open_feature_list, search_templates, shown
from tests.xmpp_helpers import account_for, eventually

SIZE = (150, 45)
PING = '<iq type="get" to="localhost"><ping xmlns="urn:xmpp:ping"/></iq>'
VERSION = '<iq type="get" to="${domain}"><query xmlns="jabber:iq:version"/></iq>'


def text_of(node: DOMNode, selector: str) -> str:
    return str(node.query_one(selector).render())


def offline_app(**kwargs) -> IqConsoleApp:
    return IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False, **kwargs)


def mine(app: IqConsoleApp, after: int) -> list:
    """The pings and version requests sent after the entry number `after`."""
    return [
        entry
        for entry in app.store.entries
        if entry.seq > after
        and entry.direction.value == "out"
        and entry.namespace in ("urn:xmpp:ping", "jabber:iq:version")
    ]


async def test_picker_searches_previews_and_inserts():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.text = ""
        await focused(editor)
        await pilot.press("ctrl+t")
        picker = await shown(app, TemplatePicker)
        await search_templates(pilot, picker, "softw ver")
        preview = text_of(picker, "#picker-preview-text")
        assert "Software version" in preview and "jabber:iq:version" in preview
        assert 'to="localhost"' in preview, "the preview has the variables filled in"
        await pilot.press("enter")
        await closed(app, TemplatePicker)
        await eventually(lambda: "jabber:iq:version" in editor.text, what="the template inserted")
        assert "${id}" in editor.text, "inserted as written"
        await focused(editor)


async def test_picker_inserts_below_the_current_stanza_and_escape_inserts_nothing():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.text = PING
        editor.move_cursor((0, 3))
        await focused(editor)
        await pilot.press("ctrl+t")
        await shown(app, TemplatePicker)
        await pilot.press("escape")
        await closed(app, TemplatePicker)
        await focused(editor)
        await pilot.press("ctrl+t")
        picker = await shown(app, TemplatePicker)
        await search_templates(pilot, picker, "ping")
        await pilot.press("down")
        await eventually(lambda: picker.query_one("#picker-list", OptionList).highlighted == 1, what="the next one")
        await pilot.press("up")
        await eventually(lambda: picker.query_one("#picker-list", OptionList).highlighted == 0, what="the first again")
        await pilot.press("enter")
        await closed(app, TemplatePicker)
        await eventually(lambda: editor.text != PING, what="the template inserted")
        lines = editor.text.splitlines()
        assert lines[0] == PING and lines[1].startswith("<iq") and "urn:xmpp:ping" in "\n".join(lines[1:])
        assert editor.text.count("<iq") == 2, "Escape inserted nothing, Enter one stanza"
        assert editor.cursor_location == (1, 0)


async def test_live_check_shows_errors_and_warnings_after_typing(tmp_path):
    app = offline_app(variables={"service": "pubsub.localhost"})
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)

        def check() -> str:
            return text_of(app, "#composer-check")

        editor.text = '<iq type="get" to="${service}">\n  <query xmlns="jabber:iq:version">\n</iq>'
        await eventually(lambda: "line 3" in check(), what="the error checked")
        assert "✖" in check()
        editor.text = '<iq type="get" to="${nobody}"><ping xmlns="urn:xmpp:ping"/></iq>'
        await eventually(lambda: "${nobody}" in check(), what="the unknown variable checked")
        editor.text = '<iq type="get" to="${service}"><x xmlns="urn:example:x"/></iq>'
        await eventually(lambda: "urn:example:x" in check(), what="the unknown namespace checked")
        assert "⚠" in check()
        editor.text = VERSION + "\n" + PING
        await eventually(lambda: "2 stanzas ready" in check(), what="both stanzas checked")
        await focused(editor)
        await pilot.press("ctrl+o")
        preview = text_of(await shown(app, PreviewScreen), "#preview-text")
        assert 'to="localhost"' in preview and "${" not in preview
        await pilot.press("escape")


async def test_unknown_variable_refuses_the_send_with_its_name():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.text = '<iq type="get">\n  <ping xmlns="urn:xmpp:ping" a="${missing}"/></iq>'
        await focused(editor)
        await pilot.press("ctrl+j")
        await eventually(lambda: "Not sent" in text_of(app, "#composer-outcome"), what="the refusal")
        assert "${missing}" in text_of(app, "#composer-outcome")
        assert editor.cursor_location == (1, 33), "the cursor goes to the unknown variable"


async def test_send_the_stanza_under_the_cursor_then_all_and_walk_the_history(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "composer1"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        editor = app.query_one(ComposerEditor)
        editor.text = PING + "\n\n" + VERSION
        editor.move_cursor((2, 5))
        before = app.store.entries[-1].seq
        await focused(editor)
        await pilot.press("ctrl+j")
        await eventually(lambda: "Result" in text_of(app, "#composer-outcome"), what="the version result")
        sent = mine(app, before)
        assert len(sent) == 1 and "jabber:iq:version" in sent[0].xml and "urn:xmpp:ping" not in sent[0].xml
        await pilot.press("f5")
        await eventually(lambda: len(mine(app, before)) == 3, what="both stanzas")
        outgoing = [entry.xml for entry in mine(app, before)]
        assert "urn:xmpp:ping" in outgoing[1] and "jabber:iq:version" in outgoing[2], "in order"

        editor.text = "my draft"
        await pilot.press("ctrl+up")
        await eventually(lambda: editor.text == PING + "\n\n" + VERSION, what="send all keeps the whole text")
        await pilot.press("ctrl+up")
        await eventually(lambda: editor.text == VERSION, what="the first send")
        await pilot.press("ctrl+down")
        await eventually(lambda: editor.text == PING + "\n\n" + VERSION, what="the newer send")
        await pilot.press("ctrl+down")
        await eventually(lambda: editor.text == "my draft", what="walking past the newest gives the draft back")

    again = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    async with again.run_test(size=SIZE) as pilot:
        editor = again.query_one(ComposerEditor)
        assert editor.text == "my draft", "the draft survives a restart"
        await focused(editor)
        await pilot.press("ctrl+up")
        await eventually(lambda: editor.text == PING + "\n\n" + VERSION, what="so does the history")


async def test_countdown_and_cancel_a_pending_iq(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "composer2"))
    app.responders.add("hush", "iq@type=get/ping", silent=True)  # the console answers itself: never
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        app.query_one("#composer-timeout", Input).value = "25"
        editor = app.query_one(ComposerEditor)
        editor.text = '<iq type="get" to="${jid}"><ping xmlns="urn:xmpp:ping"/></iq>'
        await focused(editor)
        await pilot.press("ctrl+j")
        await eventually(lambda: "⧗ waiting" in text_of(app, "#composer-pending"), what="the countdown")
        pane = app.query_one(ComposerPane)
        assert pane.pending, text_of(app, "#composer-outcome")
        left = int(re.search(r" (\d+) s ", text_of(app, "#composer-pending")).group(1))
        assert 20 <= left <= 25, "counting down from the 25 s typed, not the default 30 s"
        await pilot.press("ctrl+g")
        await eventually(lambda: "cancelled" in text_of(app, "#composer-outcome"), what="the cancel")
        assert not pane.pending
        assert app.session.client.waiting_count == 0 and not app.session.pending


async def test_save_as_user_template_then_pick_it():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(ComposerEditor).text = VERSION
        await focused(app.query_one(ComposerEditor))
        await pilot.press("ctrl+s")
        dialog = await shown(app, SaveTemplateScreen)
        await focused(dialog.query_one("#save-template-title"))
        await pilot.press(*"My version", "enter")
        path = locations.templates_dir() / "my-version.xml"
        await eventually(path.is_file, what="the template saved")
        assert "title: My version" in path.read_text()
        await closed(app, SaveTemplateScreen)
        await focused(app.query_one(ComposerEditor))
        await pilot.press("ctrl+t")
        picker = await shown(app, TemplatePicker)
        await search_templates(pilot, picker, "my version")
        assert "· yours" in str(picker.query_one("#picker-list", OptionList).get_option_at_index(0).prompt)
        await pilot.press("escape")


async def test_server_features_are_asked_once_and_listed_with_xep_names(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "composer3"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)  # the disco answers included
        assert app.server_features.announces("localhost", "urn:xmpp:ping")
        await open_feature_list(pilot)
        table = (await shown(app, ServerFeaturesScreen)).query_one("#features-table", DataTable)
        rows = [list(map(str, table.get_row_at(n))) for n in range(table.row_count)]
        ping = next(row for row in rows if row[:3] == ["localhost", "urn:xmpp:ping", "XEP-0199 XMPP Ping"])
        assert ping[3] == "Is it there?", "each feature's description, from the knowledge files"
        about = app.screen.query_one("#feature-about")
        await eventually(lambda: "(XEP-" in str(about.render()), what="the highlighted feature's description")
        assert rows[-1][0] == "alice@localhost", "the account's own features are listed after the server's"
        assert ["alice@localhost", "urn:xmpp:mam:2"] in [row[:2] for row in rows]
        await pilot.press("escape")
        await closed(app, ServerFeaturesScreen)
        await pilot.press("escape")  # and the browser under it
        await closed(app, DiscoveryScreen)
        await focused(app.query_one(ComposerEditor))
        await pilot.press("ctrl+t")
        picker = await shown(app, TemplatePicker)
        await search_templates(pilot, picker, "ping")
        assert str(picker.query_one("#picker-list", OptionList).get_option_at_index(0).prompt).startswith("●")
        # MAM is announced on the account (a template without `to`), pubsub by its component.
        await marked_as_announced_by(pilot, picker, "messages with a contact", "alice@localhost")
        # Blocking and carbons go without `to`: the server handles them for the account and announces them.
        await marked_as_announced_by(pilot, picker, "blocking list", "localhost, your server")
        await marked_as_announced_by(pilot, picker, "carbons enable", "localhost, your server")
        await marked_as_announced_by(pilot, picker, "pubsub publish", "pubsub.localhost")


async def marked_as_announced_by(pilot, picker: TemplatePicker, query: str, announcer: str) -> None:
    search = picker.query_one("#picker-search", Input)
    await pilot.press(*["backspace"] * len(search.value))
    await eventually(lambda: search.value == "", what="the search cleared")
    await search_templates(pilot, picker, query)
    assert str(picker.query_one("#picker-list", OptionList).get_option_at_index(0).prompt).startswith("●")
    preview = picker.query_one("#picker-preview-text", Static)
    await eventually(lambda: f"(announced by {announcer}" in str(preview.render()), what=announcer)


async def test_send_all_says_how_many_went_when_one_cannot(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "composer-dup"))
    async with app.run_test(size=SIZE) as pilot:
        await online(app, pilot)
        editor = app.query_one(ComposerEditor)
        app.responders.add("mute", "iq@type=get/ping", silent=True)  # the first stays unanswered
        once = f'<iq type="get" to="{app.session.own_jid}" id="dup"><ping xmlns="urn:xmpp:ping"/></iq>'
        editor.text = once + "\n\n" + once
        await focused(editor)
        await pilot.press("f5")
        await eventually(lambda: "sent 1 of 2" in text_of(app, "#composer-outcome"), what="the outcome")
        text = text_of(app, "#composer-outcome")
        assert "sent 1 of 2, then stopped" in text and "'dup' is still waiting" in text


async def test_the_caret_rests_when_nothing_happens_and_blinks_again_on_a_key(monkeypatch):
    """An idle console draws nothing: the caret holds still, as in GTK after its blink timeout."""
    monkeypatch.setattr(composer_editor, "BLINK_FOR", 0.3)
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        assert editor.has_focus
        await eventually(lambda: not editor.cursor_blink, what="the caret resting")
        blinking: list[bool] = []  # every change, seen however briefly it lasts on a busy machine
        editor.watch(editor, "cursor_blink", lambda blink: blinking.append(blink), init=False)
        await pilot.press("down")
        await eventually(lambda: blinking[:1] == [True], what="a key waking the caret")
        await eventually(lambda: not editor.cursor_blink, what="the caret resting again")


async def test_a_pasted_lone_surrogate_never_crashes_the_editor():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.text = ""
        editor.focus()
        await focused(editor)
        app.post_message(
            events.Paste(  # as the terminal driver does: the app hands it to the focused widget
                '<message to="bob@localhost"><body>half \ud83d here</body></message>'
            )
        )
        await eventually(lambda: "half" in editor.text, what="the paste in the editor")
        assert "\ud83d" not in editor.text and "\ufffd" in editor.text, "half a character becomes U+FFFD"
        editor.text = "<iq>\udc00</iq>"  # a history entry or a draft can carry one too
        assert editor.text == "<iq>\ufffd</iq>"
        editor.move_cursor((0, 0))
        await pilot.press("x")  # still typing: the app is alive
        await eventually(lambda: editor.text.startswith("x<iq>"), what="a key typed after it")
        assert app.is_running


async def test_features_table_fits_the_width_and_the_announcers_wrap():
    app = offline_app()
    app.server_features = sandbox_like_features()
    async with app.run_test(size=(110, 40)) as pilot:
        await open_feature_list(pilot)
        screen = await shown(app, ServerFeaturesScreen)
        table = screen.query_one("#features-table", DataTable)
        await eventually(lambda: table.row_count == 8, what="the rows")
        await eventually(
            lambda: table.virtual_size.width <= table.scrollable_content_region.width, what="a table that fits"
        )
        assert table.max_scroll_x == 0, "End does not scroll the table sideways"
        entities = screen.query_one("#features-entities")
        assert entities.size.height > 1, "the announcers wrap"
        assert "alice@localhost (account/registered)" in str(entities.render())
        assert str(table.get_row_at(0)[0]) == "localhost"
        descriptions = [str(table.get_row_at(n)[3]) for n in range(table.row_count)]
        assert any(description.endswith("…") for description in descriptions), "long descriptions are elided"
