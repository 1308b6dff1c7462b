"""SVG snapshot of two disco#info replies compared: the server's and the account's (as Prosody sends them)."""

from __future__ import annotations

from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.screens.diff_screen import DiffScreen
from tests.ui.snapshot_app import make_app, settle
from tests.ui.waiting import focused, shown
from tests.xmpp_helpers import eventually

SIZE = (140, 40)
DISCO_INFO = "http://jabber.org/protocol/disco#info"
SERVER_INFO = (
    f'<iq xmlns="jabber:client" type="result" id="d1" from="localhost" to="alice@localhost/console">'
    f'<query xmlns="{DISCO_INFO}"><identity type="im" name="Prosody" category="server"/>'
    '<feature var="urn:xmpp:ping"/><feature var="urn:xmpp:blocking"/><feature var="urn:xmpp:carbons:2"/>'
    f'<feature var="{DISCO_INFO}"/></query></iq>'
)
ACCOUNT_INFO = (
    f'<iq xmlns="jabber:client" id="d2" type="result" to="alice@localhost/console" from="alice@localhost">'
    f'<query xmlns="{DISCO_INFO}"><identity category="account" type="registered"/>'
    '<feature var="urn:xmpp:ping"/><feature var="urn:xmpp:mam:2"/>'
    f'<feature var="{DISCO_INFO}"/></query></iq>'
)


def app_with_two_disco_replies() -> IqConsoleApp:
    app = make_app()
    for tick, (xml, sender, stanza_id) in enumerate(
        ((SERVER_INFO, "localhost", "d1"), (ACCOUNT_INFO, "alice@localhost", "d2"))
    ):
        app.store.append(
            Direction.IN,
            Kind.IQ,
            xml,
            stanza_id=stanza_id,
            type="result",
            sender=sender,
            namespace=DISCO_INFO,
            at=(1000.1 + tick * 0.003, 1_700_000_000.1 + tick * 0.003),
        )
    return app


def test_two_disco_info_replies_compared(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        app = pilot.app
        traffic = app.query_one("#traffic")
        traffic.focus()
        await focused(traffic)
        await pilot.press("up", "up", "m")
        await eventually(lambda: traffic.marked is not None, what="the server's reply marked")
        await pilot.press("down", "d")
        screen = await shown(app, DiffScreen)
        await focused(screen.query_one("#diff-body"))
        app.clear_notifications()  # "Marked #8…" would stay or go by how long the machine took

    assert snap_compare(app_with_two_disco_replies(), terminal_size=SIZE, run_before=run_before)
