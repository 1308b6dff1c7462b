"""The composer that knows the protocol, as a person types: the completion menu (a namespace, a
child element, an attribute value; keys that are the editor's own while it is closed) and the
warning about an unknown child, which a second press sends anyway (to the real Prosody)."""

from __future__ import annotations

from iqconsole.core.account import Account
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.composer.completion_menu import CompletionMenu
from iqconsole.ui.composer.composer_editor import ComposerEditor
from tests.ui.waiting import focused
from tests.xmpp_helpers import account_for, eventually

SIZE = (150, 45)


def offline_app() -> IqConsoleApp:
    return IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)


def offered(menu: CompletionMenu) -> list[str]:
    return [candidate.label for candidate in menu.completions.candidates] if menu.completions else []


async def empty_editor(app: IqConsoleApp) -> tuple[ComposerEditor, CompletionMenu]:
    editor = app.query_one(ComposerEditor)
    editor.text = ""
    await focused(editor)
    return editor, app.query_one(CompletionMenu)


async def test_typing_a_payload_completes_its_namespace_then_its_children():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor, menu = await empty_editor(app)
        await pilot.press(*'<iq type="set"><query xmlns="jabber:iq:ro')
        await eventually(lambda: offered(menu) == ["jabber:iq:roster"], what="the namespace offered")
        assert menu.display, "the menu is on screen"
        await pilot.press("tab")
        await eventually(lambda: editor.text == '<iq type="set"><query xmlns="jabber:iq:roster"', what="accepted")
        assert not menu.is_open and editor.cursor_location == (0, len(editor.text)), "the caret after the quote"

        await pilot.press(">", "<")
        await eventually(lambda: "item" in offered(menu), what="the roster query's children")
        assert offered(menu)[0] == "item", "its own namespace's children first"
        await pilot.press("enter")
        await eventually(lambda: editor.text.endswith("<item"), what="the child inserted")
        assert "\n" not in editor.text, "Enter accepted; it broke no line"


async def test_an_attribute_completes_with_its_fixed_values():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor, menu = await empty_editor(app)
        await pilot.press(*"<presence t")
        await eventually(lambda: offered(menu) == ["to", "type"], what="the presence's attributes")
        await pilot.press("down", "tab")
        await eventually(lambda: editor.text == '<presence type=""', what="the attribute and its quotes")
        await eventually(lambda: "unavailable" in offered(menu), what="its values, at once")
        assert "available" not in offered(menu), "not a value on the wire (elements.toml replaces slixmpp's list)"
        await pilot.press(*"unav", "tab")
        await eventually(lambda: editor.text == '<presence type="unavailable"', what="the value and its quote")

        await pilot.press(">", "<", *"sh")
        await eventually(lambda: offered(menu) == ["show"], what="the show child")
        await pilot.press("tab", ">")
        await eventually(lambda: offered(menu) == ["away", "chat", "dnd", "xa"], what="the show values")
        await pilot.press("up", "enter")
        await eventually(lambda: editor.text.endswith("<show>xa"), what="the last value")


async def test_while_the_menu_is_closed_its_keys_are_the_editors_own():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor, menu = await empty_editor(app)
        await pilot.press("<")
        await eventually(lambda: offered(menu) == ["iq", "message", "presence"], what="the stanzas")
        await pilot.press("escape")
        await eventually(lambda: not menu.is_open, what="Esc closes the menu")
        assert editor.has_focus, "the first Esc closes the menu, not leaves the editor"
        await pilot.press("tab")
        await eventually(lambda: editor.text.startswith("< ") or editor.text.startswith("<\t"), what="Tab indents")
        await pilot.press("enter")
        await eventually(lambda: "\n" in editor.text, what="Enter breaks the line")
        editor.text = "<message>\n  <body>hi</body>\n</message>"
        editor.move_cursor((1, 5))
        await pilot.press("down")
        await eventually(lambda: editor.cursor_location[0] == 2, what="↓ moves the cursor")
        assert not menu.is_open
        await pilot.press("ctrl+space")
        await eventually(lambda: menu.is_open, what="Ctrl+Space opens it where nothing was typed")


async def test_an_unknown_child_warns_and_a_second_press_sends_it(prosody):
    app = IqConsoleApp(account_for(prosody, "alice", "completion1"))
    async with app.run_test(size=SIZE) as pilot:
        await eventually(lambda: app.session is not None and app.session.online, what="login")
        await eventually(lambda: app.server_features is not None, what="the disco after login")
        editor = app.query_one(ComposerEditor)
        editor.text = '<iq type="get" to="localhost">\n  <query xmlns="jabber:iq:version"><nmae/></query>\n</iq>'
        check_line = app.query_one("#composer-check")
        await eventually(lambda: "has no child <nmae>" in str(check_line.render()), what="the warning")
        assert "⚠" in str(check_line.render()) and "name" in str(check_line.render()), "it says what is known"
        before = app.store.entries[-1].seq
        await focused(editor)
        await pilot.press("ctrl+j")
        outcome = app.query_one("#composer-outcome")
        await eventually(lambda: "again to send anyway" in str(outcome.render()), what="the warning on send")

        def sent() -> list:
            return [e for e in app.store.entries if e.seq > before and e.namespace == "jabber:iq:version"]

        assert sent() == [], "the first press sent nothing"
        await pilot.press("ctrl+j")

        await eventually(lambda: len(sent()) == 2, what="the request and Prosody's answer")
        assert "<nmae" in sent()[0].xml and sent()[1].direction.value == "in"
