"""A deterministic console for SVG snapshots: recorded traffic, fixed clock, no network."""

from __future__ import annotations

import os
import time
from typing import Any

from textual.screen import Screen
from textual.widgets._footer import FooterKey

from iqconsole.core.account import Account
from iqconsole.core.client import ConnectionState
from iqconsole.core.server_features import DiscoInfo, ServerFeatures
from iqconsole.core.session import ReplyOutcome, Settled
from iqconsole.core.traffic import Direction, Kind, TrafficStore
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


def footer_follows_focus(screen: Screen) -> bool:
    """The footer lists the keys of the focused pane (it is rebuilt a moment after the focus moves)."""
    keys = [key for key in screen.query(FooterKey) if not key.has_class("-command-palette")]
    wanted = [binding.action for _node, binding, _enabled, _tooltip in screen.active_bindings.values() if binding.show]
    return all(key.is_mounted for key in keys) and [key.action for key in keys] == list(dict.fromkeys(wanted))


async def settle(pilot) -> None:
    """Show the status of a logged-in console, stop the cursor blinking, and wait until every pane
    (log, responders, status bar, footer) shows the recorded state."""
    app = pilot.app
    status = app.query_one(StatusBar)
    status.account = "alice@localhost/console"
    status.state = ConnectionState.ONLINE
    editor = app.query_one("#editor")
    editor.cursor_blink = False
    traffic, responders = app.query_one("#traffic"), app.query_one("#responders")
    await eventually(
        lambda: (
            traffic.virtual_size.height == len(app.store)
            and responders.row_count == len(app.responders)
            and (status.count_in, status.count_out, status.pending)
            == (app.store.count_in, app.store.count_out, app.store.pending_out)
            and editor.has_focus
            and footer_follows_focus(app.screen)
        ),
        what="the panes showing the recorded state",
    )


def sandbox_like_features() -> ServerFeatures:
    """What the Prosody sandbox announces: many components, long feature names."""
    pubsub = "http://jabber.org/protocol/pubsub"
    return ServerFeatures(
        [
            DiscoInfo(
                "localhost", ("server/im Prosody",), ("urn:xmpp:blocking", "urn:xmpp:carbons:2", "urn:xmpp:ping")
            ),
            DiscoInfo(
                "conference.localhost", ("conference/text Prosody Chatrooms",), ("http://jabber.org/protocol/muc",)
            ),
            DiscoInfo(
                "pubsub.localhost",
                ("pubsub/service Prosody PubSub Service",),
                (f"{pubsub}#retrieve-default-affiliation",),
            ),
            DiscoInfo("upload.localhost", ("store/file HTTP File Upload",), ("urn:xmpp:http:upload:0",)),
        ],
        DiscoInfo("alice@localhost", ("account/registered",), ("urn:xmpp:mam:2", "urn:xmpp:mam:2#extended")),
    )


class RecordedDiscovery:
    """Answers disco requests as the Prosody sandbox does, from recorded replies (no network):
    a Session's `request` for the browser's snapshot."""

    INFO = {
        "localhost": (
            "<identity category='server' type='im' name='Prosody'/>"
            "<feature var='http://jabber.org/protocol/disco#info'/><feature var='http://jabber.org/protocol/disco#items'/>"
            "<feature var='urn:xmpp:ping'/><feature var='jabber:iq:version'/><feature var='urn:xmpp:blocking'/>"
        ),
        "conference.localhost": (
            "<identity category='conference' type='text' name='Chatrooms'/>"
            "<feature var='http://jabber.org/protocol/muc'/><feature var='http://jabber.org/protocol/muc#unique'/>"
        ),
        "upload.localhost": (
            "<identity category='store' type='file' name='HTTP File Upload'/>"
            "<feature var='urn:xmpp:http:upload:0'/>"
            "<x xmlns='jabber:x:data' type='result'>"
            "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:http:upload:0</value></field>"
            "<field var='max-file-size'><value>10485760</value></field></x>"
        ),
    }
    ITEMS = {
        "localhost": "<item jid='conference.localhost' name='Chatrooms'/><item jid='upload.localhost'/>",
        "conference.localhost": "".join(
            f"<item jid='{room}@conference.localhost' name='{room.title()}'/>"
            for room in ("lobby", "xsf", "jdev", "operators", "prosody")
        ),
    }

    def __init__(self) -> None:
        self.store = TrafficStore()

    async def request(self, outgoing, timeout=None) -> ReplyOutcome:
        to = outgoing.element.get("to", "")
        query = outgoing.element[0]
        namespace = query.tag[1:].partition("}")[0]
        payload = (self.INFO if "#info" in namespace else self.ITEMS).get(to, "")
        xml = f"<iq type='result' from='{to}' id='r'><query xmlns='{namespace}'>{payload}</query></iq>"
        reply = self.store.append(Direction.IN, Kind.IQ, xml, type="result", sender=to, at=(0.0, 0.0))
        return ReplyOutcome("r", Settled.RESULT, reply, 0.004)
