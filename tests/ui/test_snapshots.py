"""SVG snapshots of the screens (pytest-textual-snapshot); update with --snapshot-update."""

from __future__ import annotations

from iqconsole.core.server_features import DiscoInfo, ServerFeatures
from iqconsole.ui.responders.responder_form import ResponderForm
from iqconsole.ui.screens.login_screen import LoginScreen
from tests.ui.snapshot_app import make_app, settle
from tests.xmpp_helpers import eventually

SIZE = (140, 40)


def test_main_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_malformed_xml_refused(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.query_one("#editor").text = '<iq type="get">\n  <query xmlns="jabber:iq:version">\n</iq>\n'
        await pilot.press("ctrl+j")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_responder_form_with_a_bad_path(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.query_one("#responders").focus()
        await pilot.pause()
        await pilot.press("a")
        await eventually(lambda: isinstance(pilot.app.screen, ResponderForm), what="the form")
        form = pilot.app.screen
        form.query_one("#responder-match").value = "iq/query"
        form.query_one("#responder-match").cursor_blink = False
        form.query_one("#responder-name").cursor_blink = False
        await eventually(
            lambda: "unknown payload" in str(form.query_one("#responder-problem").render()), what="the check"
        )
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_login_after_a_failure(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(
            LoginScreen(pilot.app.account, "Authentication failed for alice@localhost: wrong JID or password.")
        )
        await pilot.pause(0.2)
        for field in pilot.app.screen.query("Input"):
            field.cursor_blink = False
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help_for_the_traffic_log(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.query_one("#traffic").focus()
        await pilot.press("f1")
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_template_picker_with_a_preview(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        app.server_features = ServerFeatures(
            [DiscoInfo("localhost", ("server/im Prosody",), ("jabber:iq:version", "urn:xmpp:ping"))]
        )
        await pilot.press("ctrl+t", *"vers")
        await pilot.pause(0.2)
        app.screen.query_one("#picker-search").cursor_blink = False
        await pilot.pause(0.1)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
