"""Settings in the app (Pilot): the keymap rebinds keys, and the timeout box, the login form
and the theme files refuse bad values where they are typed, never crashing."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Markdown

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.traffic_export import load_store, write_jsonl
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.composer.template_picker import TemplatePicker
from iqconsole.ui.screens.help_screen import HelpScreen
from iqconsole.ui.screens.login_screen import LoginScreen
from iqconsole.ui.traffic.filter_bar import TrafficFilterBar
from iqconsole.ui.traffic.traffic_view import TrafficView
from iqconsole.ui.viewer_app import TrafficViewerApp
from tests.recorded_traffic import every_request_state
from tests.ui.waiting import click, closed, focused, shown
from tests.xmpp_helpers import eventually

SIZE = (150, 45)


def offline_app(**kwargs) -> IqConsoleApp:
    return IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False, **kwargs)


def text_of(screen, selector: str) -> str:
    widget = screen.query_one(selector)
    return str(widget.render()) if widget.display else ""


# -- keymap ---------------------------------------------------------------------------------------------


async def test_a_rebound_key_works_and_the_old_one_no_longer_does():
    app = offline_app(keymap={"composer.send": "f6", "app.help": "f9"})
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.focus()
        await focused(editor)

        def outcome() -> str:
            return text_of(app.screen_stack[0], "#composer-outcome")

        await pilot.press("ctrl+j")
        await pilot.press("f9")  # the help it opens comes after whatever Ctrl+J did
        await shown(app, HelpScreen)
        assert "Not sent" not in outcome(), "Ctrl+J no longer sends"
        await pilot.press("escape")
        await closed(app, HelpScreen)
        await focused(editor)
        await pilot.press("f6")
        await eventually(lambda: "Not sent: not connected" in outcome(), what="F6 sending (and saying why not)")

        await pilot.press("f1")
        await pilot.press("ctrl+t")  # the picker it opens comes after whatever F1 did
        await shown(app, TemplatePicker)
        assert len(app.screen_stack) == 2, "F1 no longer opens the help"
        await pilot.press("escape")
        await closed(app, TemplatePicker)
        await focused(editor)
        await pilot.press("f9")
        help_screen = await shown(app, HelpScreen)
        help_text = help_screen.query_one(Markdown).source
        assert "| `f9` | Help | `app.help` |" in help_text, "the help lists the user's key"


async def test_the_greeting_names_the_keys_as_rebound():
    app = offline_app(keymap={"composer.send": "ctrl+e", "app.help": "f9"}, greeting="Sandbox server.")
    async with app.run_test(size=SIZE):
        await eventually(lambda: bool(app._notifications), what="the greeting")
        (greeting,) = [notification.message for notification in app._notifications]
        assert greeting == "Sandbox server. Ctrl+E sends, F9 explains.", greeting


async def test_the_viewer_takes_the_keymap_too(tmp_path):
    path = tmp_path / "states.jsonl"
    write_jsonl(path, every_request_state())
    viewer = TrafficViewerApp(load_store(path).store, path, keymap={"app.help": "f9", "traffic.filter": "g"})
    async with viewer.run_test(size=SIZE) as pilot:
        view = viewer.query_one(TrafficView)
        await eventually(lambda: view.has_focus and len(view.rows) == 11, what="the recording")
        await pilot.press("g")
        await eventually(lambda: viewer.query_one(TrafficFilterBar).display, what="the filter bar on the user's key")
        view.focus()
        await pilot.press("f1")
        await pilot.pause()
        assert not isinstance(viewer.screen, HelpScreen), "F1 no longer opens the help"
        await pilot.press("f9")
        await eventually(lambda: isinstance(viewer.screen, HelpScreen), what="the help on the user's key")
        help_text = viewer.screen.query_one(Markdown).source
        assert "| `f9` | Help | `app.help` |" in help_text and "| `g` |" in help_text, "the help lists the user's keys"


# -- the composer's timeout box ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "words"),
    [("-5", "-5 is not above 0"), ("0", "0 is not above 0"), ("", "empty"), ("1e9", "1e9 is too long")],
)
async def test_a_bad_timeout_is_explained_at_the_box_and_stops_the_send(typed, words):
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        box = app.query_one("#composer-timeout", Input)
        box.value = typed
        await eventually(
            lambda: (
                f"timeout: {words}; allowed: a number of seconds above 0"
                in text_of(app.screen, "#composer-timeout-problem")
            ),
            what="the problem at the box",
        )
        assert box.has_class("-invalid")
        editor = app.query_one(ComposerEditor)
        editor.focus()
        await focused(editor)
        await pilot.press("ctrl+j")
        await eventually(
            lambda: "Not sent" in text_of(app.screen, "#composer-outcome"), what="the send refused at the box"
        )
        assert f"Not sent: timeout: {words}" in text_of(app.screen, "#composer-outcome"), (
            "not sent with another timeout"
        )

        box.value = "12.5"
        await eventually(lambda: text_of(app.screen, "#composer-timeout-problem") == "", what="the problem gone")
        assert not box.has_class("-invalid")
        assert app.composer.timeout == 12.5


# -- the login form --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "typed", "words"),
    [
        ("login-jid", "alice smith@example.org", "'alice smith@example.org' contains a space"),
        ("login-jid", "@example.org", "is not a valid JID"),
        ("login-jid", "", "empty"),
        ("login-port", "-", "- is not a whole number"),
        ("login-port", "99999", "99999 is out of range; allowed: a whole number from 1 to 65535"),
        ("login-ca-file", "/no/such.pem", "no such file"),
        ("login-host", "two words", "'two words' is not a host name"),
    ],
)
async def test_the_login_form_says_what_is_wrong_at_the_field(field, typed, words):
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        app.action_login()
        screen = await shown(app, LoginScreen)
        screen.query_one("#login-host", Input).value = "127.0.0.1"
        screen.query_one(f"#{field}", Input).value = typed
        await click(pilot, "#login-connect")
        await eventually(lambda: words in text_of(screen, f"#{field}-problem"), what="the problem at the field")
        assert app.screen is screen, "the form stays open"
        await focused(screen.query_one(f"#{field}", Input))  # the cursor goes to the field
        others = [other for other in ("login-jid", "login-host", "login-port", "login-ca-file") if other != field]
        assert all(text_of(screen, f"#{other}-problem") == "" for other in others)


async def test_a_port_without_a_host_is_explained_at_the_port():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        app.action_login()
        screen = await shown(app, LoginScreen)
        screen.query_one("#login-port", Input).value = "5222"
        await click(pilot, "#login-connect")
        await eventually(
            lambda: "5222 is given without a host" in text_of(screen, "#login-port-problem"), what="the problem"
        )


# -- themes ----------------------------------------------------------------------------------------------


async def test_a_theme_with_a_bad_colour_is_reported_with_file_and_key_and_never_selectable():
    themes = locations.user_themes_dir()
    themes.mkdir(parents=True)
    (themes / "broken.toml").write_text('name = "broken"\nprimary = "#5fafff"\nsurface = "#12345"\n')
    (themes / "odd.toml").write_text(
        'name = "odd"\nprimary = "rgb(95, 175, 255)"\nbackground = "#111"\n'
        '[variables]\nxml-tag = "hsl(210, 100%, 70%)"\nxml-text = "white"\n'
    )
    app = offline_app(theme_name="odd")
    async with app.run_test(size=SIZE):
        await eventually(lambda: bool(app._notifications), what="the theme problem reported")
        messages = [notification.message for notification in app._notifications]
        assert any("broken.toml: surface: '#12345' is not a colour; allowed:" in message for message in messages)
        assert "broken" not in app.available_themes
        assert app.theme == "odd", "any colour Textual reads works"
        app.action_help()
        await shown(app, HelpScreen)
        assert app.return_code is None, "the app is still running"
