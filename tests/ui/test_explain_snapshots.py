"""SVG snapshots of the explanation (F6) of an IQ result, an error reply and a SASL step."""

from __future__ import annotations

from iqconsole.core.traffic import STANZAS_NS, Direction, Kind
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.screens.explain_screen import ExplainScreen
from tests.ui.snapshot_app import make_app, settle
from tests.ui.waiting import focused, shown
from tests.xmpp_helpers import eventually

SIZE = (140, 45)
ERROR_REPLY = (
    '<iq type="error" id="p3" from="bob@localhost/phone" to="alice@localhost/console">'
    '<ping xmlns="urn:xmpp:ping"/>'
    f'<error type="cancel"><service-unavailable xmlns="{STANZAS_NS}"/></error></iq>'
)


def app_with_an_error_reply() -> IqConsoleApp:
    """The recorded console, plus a ping to bob's phone that his client refused."""
    app = make_app()
    at = 1000.03, 1_700_000_000.03
    app.store.append(
        Direction.OUT,
        Kind.IQ,
        '<iq type="get" to="bob@localhost/phone" id="p3"><ping xmlns="urn:xmpp:ping" /></iq>',
        stanza_id="p3",
        type="get",
        recipient="bob@localhost/phone",
        namespace="urn:xmpp:ping",
        at=at,
    )
    app.store.append(
        Direction.IN,
        Kind.IQ,
        ERROR_REPLY,
        stanza_id="p3",
        type="error",
        sender="bob@localhost/phone",
        namespace="urn:xmpp:ping",
        at=(at[0] + 0.0421, at[1] + 0.0421),
    )
    return app


def explaining(seq: int, pane: str = "#traffic"):
    """Select entry `seq` in the log, focus `pane` and press F6 there."""

    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        app.store.own_jid = "alice@localhost/console"  # as the login sets it
        traffic, widget = app.query_one("#traffic"), app.query_one(pane)
        traffic.selected = seq
        widget.focus()
        await focused(widget)
        await eventually(lambda: app.detail.entry is not None and app.detail.entry.seq == seq, what="the detail")
        await pilot.press("f6")
        screen = await shown(app, ExplainScreen)
        await focused(screen.query_one("#explain-text"))

    return run_before


def test_explanation_of_an_iq_result(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=explaining(5))


def test_explanation_of_an_error_reply(snap_compare):
    assert snap_compare(app_with_an_error_reply(), terminal_size=SIZE, run_before=explaining(9, "#detail"))


def test_explanation_of_a_sasl_step(snap_compare):
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=explaining(2))
