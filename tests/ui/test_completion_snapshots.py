"""SVG snapshot of the composer's completion menu (pytest-textual-snapshot; --snapshot-update)."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from iqconsole.ui.composer.completion_menu import CompletionMenu
from tests.ui.snapshot_app import make_app, settle
from tests.ui.waiting import focused
from tests.xmpp_helpers import eventually

SIZE = (140, 40)


def test_the_namespaces_offered_for_a_payload_with_the_menus_keys_in_the_footer(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        editor = app.query_one("#editor")
        editor.text = '<iq type="get" to="localhost">\n  <ping xmlns="urn:xmpp:ping"/>\n</iq>\n'
        editor.move_cursor((3, 0))
        await focused(editor)
        await pilot.press(*'<iq type="get"><query xmlns="jabber:iq:')
        menu = app.query_one(CompletionMenu)
        await eventually(lambda: menu.is_open and menu.region.area > 0, what="the menu on screen")
        await eventually(
            lambda: any(key.description == "Accept" for key in app.screen.query(FooterKey)),
            what="its keys in the footer",
        )
        await eventually(  # the check under the editor runs a moment after the last key
            lambda: "column 40" in str(app.query_one("#composer-check").render()),
            what="the check of the whole typed text",
        )

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
