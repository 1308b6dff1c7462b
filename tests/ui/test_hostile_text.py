"""What a hostile or broken server sends is drawn safely: control characters visible, markup
never interpreted, huge stanzas cut with their size said; copies keep the original."""

from __future__ import annotations

from textual.widgets import DataTable, Label, Static

from iqconsole.core.account import Account
from iqconsole.core.client import ConnectionState, StateChange
from iqconsole.core.server_features import DiscoInfo, ServerFeatures
from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.screens.server_features_screen import ServerFeaturesScreen
from iqconsole.ui.status_bar import StatusBar
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_view import TrafficView
from tests.ui.waiting import focused, open_feature_list, shown
from tests.xmpp_helpers import eventually

SIZE = (150, 45)
# CSI (C1) that would clear the screen, ESC (C0) that would set the window title, a right-to-left
# override that would show "invoice-exe.pdf" for what is "invoice-fdp.exe".
HOSTILE_BODY = "clear\x9b2J title\x1b]0;pwned\x07 [/bold] [@click=app.quit]x[/] invoice-\u202efdp.exe\u202c"
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def offline_app() -> IqConsoleApp:
    return IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)


def visible(text: str) -> bool:
    return "\x9b" not in text and "\x1b" not in text and "\x07" not in text and not set(BIDI_CONTROLS) & set(text)


async def test_controls_from_the_server_are_visible_in_the_log_and_the_detail_and_copied_as_sent(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = offline_app()
    xml = f'<message from="mallory@evil.example/\x9b" id="m\x9b1"><body>{HOSTILE_BODY}</body></message>'
    app.store.append(Direction.IN, Kind.MESSAGE, xml, sender="mallory@evil.example/\x9b", stanza_id="m\x9b1")
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(TrafficView)
        view.focus()
        await focused(view)
        await eventually(lambda: view.virtual_size.height == 1, what="the stanza in the log")
        await pilot.press("up")
        detail = app.query_one(TrafficDetail)
        await eventually(lambda: "pwned" in detail.shown_text, what="the stanza in the detail pane")

        (row,) = view.plain_lines()
        assert visible(row) and "\\x9b2J" in row and "␛]0;pwned␇" in row and "id=m\\x9b1" in row
        assert "invoice-\\u202efdp.exe\\u202c" in row
        screen_rows = [detail.render_line(y).text for y in range(detail.scrollable_content_region.height)]
        assert all(visible(text) for text in screen_rows) and "\\x9b2J" in "".join(screen_rows)
        assert "invoice-\\u202efdp.exe" in "".join(screen_rows)
        await pilot.press("c")
        await eventually(lambda: app.clipboard == xml, what="the copy")
        assert (tmp_path / "iqconsole" / "clipboard.xml").read_text(encoding="utf-8") == xml + "\n"


async def test_server_words_in_the_status_bar_and_features_are_neither_controls_nor_markup():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        app._state_changed(StateChange(ConnectionState.DISCONNECTED, f"stream error: {HOSTILE_BODY}"))
        status = app.query_one(StatusBar)
        await eventually(lambda: "pwned" in str(status.render()), what="the reason in the status bar")
        assert visible(str(status.render()))

        app.server_features = ServerFeatures(
            [DiscoInfo("evil.example", (f"server/im {HOSTILE_BODY}",), (f"urn:x:{HOSTILE_BODY}", "urn:xmpp:ping"))]
        )
        await open_feature_list(pilot)
        features = await shown(app, ServerFeaturesScreen)
        title = str(features.query_one(Label).render())
        table = features.query_one(DataTable)
        await eventually(lambda: table.row_count == 2, what="the features listed")
        cells = " ".join(str(cell) for row in range(table.row_count) for cell in table.get_row_at(row))
        assert "[/bold]" in title and "[/bold]" in cells, "shown as written, not as markup"
        assert visible(title) and visible(cells) and "\\x9b2J" in cells
        about = features.query_one("#feature-about")  # the highlighted feature whole, not cut to the table's width
        await eventually(lambda: "[@click=app.quit]" in str(about.render()), what="the whole feature under the table")
        assert visible(str(about.render()))
        assert app.is_running


async def test_composer_messages_quoting_what_was_typed_are_not_markup():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        app.composer.editor.text = "<iq type='[/b]' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>"
        check = app.query_one("#composer-check", Static)
        await eventually(lambda: "[/b]" in str(check.render()), what="the check of the typed stanza")
        await focused(app.composer.editor)
        await pilot.press("ctrl+j")
        outcome = app.query_one("#composer-outcome", Static)
        await eventually(lambda: "Not sent" in str(outcome.render()), what="the refusal")
        assert app.is_running


async def test_a_huge_stanza_is_shown_from_its_start_with_its_size_and_copied_whole(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    app = offline_app()
    items = "".join(f'<item jid="user{number}@example.org" name="User {number}"/>' for number in range(200_000))
    xml = f'<iq type="result" id="big" from="localhost"><query xmlns="jabber:iq:roster">{items}</query></iq>'
    app.store.append(Direction.IN, Kind.IQ, xml, stanza_id="big", type="result", sender="localhost")
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(TrafficView).focus()
        await focused(app.query_one(TrafficView))
        await pilot.press("up")
        detail = app.query_one(TrafficDetail)
        await eventually(lambda: "characters in all" in detail.shown_text, what="the cut stanza in the detail")
        assert detail.shown_text.endswith(f"… cut: {len(xml):,} characters in all")
        assert '<item jid="user0@example.org" name="User 0"/>' in detail.shown_text
        assert len(detail.shown_text) < 200_000
        await pilot.press("c")
        await eventually(lambda: app.clipboard == xml, what="the whole stanza copied")
        await pilot.press("r")  # replay: megabytes in the editor would freeze every keystroke
        await eventually(
            lambda: any("too large to edit" in note.message for note in app._notifications), what="the refusal"
        )
        assert len(app.composer.editor.text) < 10_000
        detail.focus()
        await focused(detail)
        await pilot.press("r")
        await eventually(lambda: detail.shown_text.split("\n", 1)[0].endswith("· raw"), what="the raw view")
        assert detail.shown_text.endswith(f"… cut: {len(xml):,} characters in all")
