"""The XML editor as a person sees it: the send key in the footer, colours that follow typing,
templates inserted between stanzas, never inside one."""

from __future__ import annotations

from rich.color import Color
from textual.app import App, ComposeResult
from textual.widgets import TextArea
from textual.widgets._footer import FooterKey

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.stanza import parse_stanzas
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.composer.composer_editor import STARTER, ComposerEditor
from iqconsole.ui.composer.template_picker import TemplatePicker
from tests.ui.waiting import closed, focused, search_templates, shown
from tests.xmpp_helpers import eventually

SIZE = (150, 45)
TYPED = '<ping xmlns="urn:xmpp:ping"/>'


def offline_app() -> IqConsoleApp:
    return IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)


def colours(area: TextArea, row: int) -> list[Color | None]:
    """The foreground colour of each character of a document line, as drawn (gutter left out)."""
    strip = area.render_line(row - int(area.scroll_y))
    drawn = [
        segment.style.color if segment.style is not None else None for segment in strip for _character in segment.text
    ]
    line = area.document.get_line(row)
    return drawn[area.gutter_width : area.gutter_width + len(line)]


def coloured_columns(area: TextArea, row: int) -> set[int]:
    """The columns drawn in another colour than the editor's plain text."""
    plain = area.rich_style.color
    return {column for column, colour in enumerate(colours(area, row)) if colour != plain}


class BareEditor(App[None]):
    """Textual's own XML TextArea, the reference for what gets colours."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield TextArea(self.text, language="xml")


async def test_the_footer_shows_the_send_key_that_works_in_every_terminal():
    app = offline_app()
    async with app.run_test(size=SIZE):

        def keys() -> dict[str, str]:
            return {key.description: key.key_display for key in app.query(FooterKey)}

        await eventually(lambda: "Send" in keys(), what="the send key in the footer")
        assert keys()["Send"] == "^j", keys()


async def bare_coloured_columns(text: str, row: int) -> set[int]:
    bare = BareEditor(text)
    async with bare.run_test(size=SIZE):
        area = bare.query_one(TextArea)
        await eventually(lambda: bool(coloured_columns(area, row)), what="the bare TextArea's colours")
        return coloured_columns(area, row)


async def test_a_line_typed_after_enter_is_coloured_at_once():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.move_cursor((0, len(editor.document.get_line(0))))
        await focused(editor)
        await pilot.press("enter", *TYPED)
        await eventually(lambda: editor.document.get_line(1) == TYPED, what="the typed line")
        tag_colour = Color.parse(app.theme_variables["xml-tag"])
        await eventually(
            lambda: colours(editor, 1)[1:5] == [tag_colour] * 4, what="the tag name in the theme's tag colour"
        )
        reference = await bare_coloured_columns(editor.text, 1)
        assert reference and reference <= coloured_columns(editor, 1), "whatever a bare TextArea colours is coloured"


async def test_the_last_line_of_a_restored_draft_is_coloured():
    draft = locations.draft_file()
    draft.parent.mkdir(parents=True, exist_ok=True)
    draft.write_text(STARTER.rstrip("\n"), encoding="utf-8")
    app = offline_app()
    async with app.run_test(size=SIZE):
        editor = app.query_one(ComposerEditor)
        last = editor.document.line_count - 1
        assert editor.document.get_line(last) == "</iq>"
        tag_colour = Color.parse(app.theme_variables["xml-tag"])
        await eventually(
            lambda: colours(editor, last)[2:4] == [tag_colour] * 2, what="the closing tag's name in the tag colour"
        )
        assert await bare_coloured_columns(editor.text, last) <= coloured_columns(editor, last)


async def test_a_template_lands_after_the_stanza_the_cursor_is_in():
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.move_cursor((1, 4))  # inside <query …/>, inside the starter <iq>
        await focused(editor)
        await pilot.press("ctrl+t")
        await search_templates(pilot, await shown(app, TemplatePicker), "ping")
        await pilot.press("enter")
        await closed(app, TemplatePicker)
        await eventually(lambda: editor.text != STARTER, what="the template inserted")
        assert editor.text.startswith(STARTER), "the stanza the cursor was in is left whole"
        stanzas = parse_stanzas(editor.text)
        assert len(stanzas) == 2 and stanzas[1].find("{urn:xmpp:ping}ping") is not None
        assert editor.cursor_location == (STARTER.count("\n"), 0), "the cursor is on the template"


async def test_moving_the_cursor_and_the_selection_draws_what_a_full_repaint_draws():
    """A cursor move repaints only the rows it touches: no row may keep an old cursor line,
    gutter mark, selection or matched bracket."""
    app = offline_app()
    async with app.run_test(size=SIZE) as pilot:
        editor = app.query_one(ComposerEditor)
        editor.text = (
            '<iq type="get">\n  <query xmlns="jabber:iq:version"/>\n</iq>\n<message><body>hi</body></message>\n'
        )
        editor.focus()
        await focused(editor)
        editor.cursor_blink = False  # a steady caret: both pictures have it
        moves = (
            ("down",),
            ("end",),
            ("shift+down", "shift+down"),
            ("shift+up",),
            ("left",),
            ("ctrl+end",),
            ("up", "up", "up", "home"),  # onto a '<' whose '>' is matched on another row
            ("shift+ctrl+end",),
            ("ctrl+home",),
        )
        for keys in moves:
            await pilot.press(*keys)
            drawn = app.export_screenshot()
            editor.refresh()  # everything drawn anew
            assert app.export_screenshot() == drawn, f"stale rows after {keys}"
