"""SVG snapshots of the screens (pytest-textual-snapshot); update with --snapshot-update."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from iqconsole.core.server_features import DiscoInfo, ServerFeatures
from iqconsole.ui.composer.template_picker import TemplatePicker
from iqconsole.ui.responders.responder_form import ResponderForm
from iqconsole.ui.screens.help_screen import HelpScreen
from iqconsole.ui.screens.login_screen import LoginScreen
from iqconsole.ui.screens.server_features_screen import ServerFeaturesScreen
from tests.ui.snapshot_app import footer_follows_focus, make_app, sandbox_like_features, settle
from tests.ui.waiting import focused, open_feature_list, search_templates, shown
from tests.xmpp_helpers import eventually

SIZE = (140, 40)


def test_main_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_malformed_xml_refused(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        app.query_one("#editor").text = '<iq type="get">\n  <query xmlns="jabber:iq:version">\n</iq>\n'
        await pilot.press("ctrl+j")
        await eventually(
            lambda: (
                "Not sent" in str(app.query_one("#composer-outcome").render())
                and "line 3" in str(app.query_one("#composer-check").render())
            ),
            what="the refusal and the live check of the text",
        )

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_responder_form_with_a_bad_path(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        table = app.query_one("#responders")
        table.focus()
        await focused(table)
        await eventually(lambda: footer_follows_focus(app.screen), what="the responders' keys in the footer")
        await pilot.press("a")
        form = await shown(app, ResponderForm)
        form.query_one("#responder-match", Input).value = "iq/query"
        form.query_one("#responder-match", Input).cursor_blink = False
        form.query_one("#responder-name", Input).cursor_blink = False
        await eventually(
            lambda: "unknown payload" in str(form.query_one("#responder-problem").render()), what="the check"
        )

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_login_after_a_failure(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(
            LoginScreen(pilot.app.account, "Authentication failed for alice@localhost: wrong JID or password.")
        )
        login = await shown(pilot.app, LoginScreen)
        for field in login.query(Input):
            field.cursor_blink = False
        await focused(login.query_one("#login-password"))  # the field still empty

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_help_for_the_traffic_log(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        traffic = app.query_one("#traffic")
        traffic.focus()
        await focused(traffic)
        await eventually(lambda: footer_follows_focus(app.screen), what="the log's keys in the footer")
        await pilot.press("f1")
        await shown(app, HelpScreen)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_template_picker_with_a_preview(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        app.server_features = ServerFeatures(
            [DiscoInfo("localhost", ("server/im Prosody",), ("jabber:iq:version", "urn:xmpp:ping"))]
        )
        await pilot.press("ctrl+t")
        picker = await shown(app, TemplatePicker)
        picker.query_one("#picker-search", Input).cursor_blink = False
        await search_templates(pilot, picker, "vers")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_server_features_fit_the_width(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pilot.app.server_features = sandbox_like_features()
        await open_feature_list(pilot)
        screen = await shown(pilot.app, ServerFeaturesScreen)
        table = screen.query_one("#features-table", DataTable)
        await eventually(lambda: table.row_count == 8 and table.max_scroll_x == 0, what="the table fitted")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
