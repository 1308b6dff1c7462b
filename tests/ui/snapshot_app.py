"""A deterministic console for SVG snapshots: recorded traffic, fixed clock, no network."""

from __future__ import annotations

import os
import time
from typing import Any

from iqconsole.core.account import Account
from iqconsole.core.client import ConnectionState
from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.status_bar import StatusBar
from tests.xmpp_helpers import eventually

os.environ["TZ"] = "UTC"
time.tzset()

# (direction, kind, xml, the other keyword arguments of TrafficStore.append)
RECORDED: list[tuple[Direction, Kind, str, dict[str, Any]]] = [
    (
        Direction.OUT,
        Kind.STREAM,
        "<stream:stream to='localhost' xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' version='1.0'>",
        {},
    ),
    (
        Direction.IN,
        Kind.STREAM,
        '<features xmlns="http://etherx.jabber.org/streams"><mechanisms xmlns="urn:ietf:params:xml:ns:xmpp-sasl"><mechanism>SCRAM-SHA-256</mechanism></mechanisms></features>',
        {},
    ),
    (
        Direction.OUT,
        Kind.SASL,
        '<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="SCRAM-SHA-256">[redacted]</auth>',
        {"tag": "auth", "redacted": True},
    ),
    (
        Direction.IN,
        Kind.SASL,
        '<success xmlns="urn:ietf:params:xml:ns:xmpp-sasl">[redacted]</success>',
        {"tag": "success", "redacted": True},
    ),
    (
        Direction.OUT,
        Kind.IQ,
        '<iq type="get" to="localhost" id="v1"><query xmlns="jabber:iq:version" /></iq>',
        {"stanza_id": "v1", "type": "get", "recipient": "localhost"},
    ),
    (
        Direction.IN,
        Kind.IQ,
        '<iq id="v1" to="alice@localhost/console" from="localhost" type="result"><query xmlns="jabber:iq:version"><name>Prosody</name><version>0.12.3</version></query></iq>',
        {"stanza_id": "v1", "type": "result", "sender": "localhost"},
    ),
    (
        Direction.OUT,
        Kind.IQ,
        '<iq type="get" to="bob@localhost/silent" id="p2"><ping xmlns="urn:xmpp:ping" /></iq>',
        {"stanza_id": "p2", "type": "get", "recipient": "bob@localhost/silent"},
    ),
    (Direction.OUT, Kind.KEEPALIVE, " ", {}),
]


def make_app() -> IqConsoleApp:
    """Recorded traffic 3 ms apart, at a fixed moment."""
    app = IqConsoleApp(Account("alice@localhost/console"), connect_on_start=False)
    for tick, (direction, kind, xml, fields) in enumerate(RECORDED):
        app.store.append(direction, kind, xml, at=(1000.0 + tick * 0.003, 1_700_000_000.0 + tick * 0.003), **fields)
    app.responders.add("pong", "iq@type=get/ping")
    app.responders.add(
        "deny-version",
        "iq@type=get/software_version",
        '<error type="cancel"><policy-violation xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error>',
    )
    return app


async def settle(pilot) -> None:
    """Show the status of a logged-in console and stop the cursor blinking."""
    app = pilot.app
    status = app.query_one(StatusBar)
    status.account = "alice@localhost/console"
    status.state = ConnectionState.ONLINE
    app.query_one("#editor").cursor_blink = False
    traffic, responders = app.query_one("#traffic"), app.query_one("#responders")
    await eventually(
        lambda: (
            traffic.virtual_size.height == len(app.store)
            and responders.row_count == len(app.responders)
            and status.count_out == app.store.count_out
        ),
        what="the panes showing the recorded state",
    )
    await pilot.pause(0.3)
