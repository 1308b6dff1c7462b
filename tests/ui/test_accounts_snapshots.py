"""SVG snapshot of a console with two accounts: the account column, bob chosen in the status bar."""

from __future__ import annotations

from iqconsole.core.account import Account
from iqconsole.core.account_file import NamedAccount
from iqconsole.core.client import ConnectionState
from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.multi_account_app import MultiAccountApp
from iqconsole.ui.status_bar import StatusBar
from tests.ui.snapshot_app import footer_follows_focus
from tests.ui.waiting import focused
from tests.xmpp_helpers import eventually

SIZE = (140, 30)
PING = '<iq type="get" id="m1" to="bob@localhost/console"><ping xmlns="urn:xmpp:ping"/></iq>'
PONG = '<iq type="result" id="m1" from="bob@localhost/console" to="alice@localhost/console"/>'


def two_accounts_app() -> MultiAccountApp:
    """alice pings bob, bob's responder answers: recorded, 3 ms apart, no network."""
    accounts = [NamedAccount(name, Account(f"{name}@localhost/console")) for name in ("alice", "bob")]
    app = MultiAccountApp(accounts, connect_on_start=False)
    alice, bob = app.account_stores["alice"], app.account_stores["bob"]
    alice.own_jid, bob.own_jid = "alice@localhost/console", "bob@localhost/console"
    exchange = [
        (alice, Direction.OUT, PING, {"type": "get", "recipient": "bob@localhost/console"}),
        (bob, Direction.IN, PING, {"type": "get", "sender": "alice@localhost/console"}),
        (bob, Direction.OUT, PONG, {"type": "result", "recipient": "alice@localhost/console", "responder": "pong"}),
        (alice, Direction.IN, PONG, {"type": "result", "sender": "bob@localhost/console"}),
    ]
    for tick, (store, direction, xml, fields) in enumerate(exchange):
        at = (1000.0 + tick * 0.003, 1_700_000_000.0 + tick * 0.003)
        store.append(direction, Kind.IQ, xml, stanza_id="m1", namespace="urn:xmpp:ping", at=at, **fields)
    return app


def test_two_accounts_in_one_log(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        status = app.query_one(StatusBar)
        await pilot.press("ctrl+f")
        await eventually(lambda: status.account_choice.startswith("bob"), what="bob chosen")
        status.state = ConnectionState.ONLINE
        app.clear_notifications()
        traffic = app.query_one("#traffic")
        traffic.focus()  # its keys in the footer, the account scope's among them; no cursor to blink
        await focused(traffic)
        await eventually(
            lambda: traffic.virtual_size.height == 4 and footer_follows_focus(app.screen), what="the log drawn"
        )

    assert snap_compare(two_accounts_app(), terminal_size=SIZE, run_before=run_before)
