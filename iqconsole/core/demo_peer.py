"""A second account for the sandbox demo: a plain slixmpp client with the usual plugins.

It gives a newcomer someone to talk to besides the server: bob@localhost/demo answers
ping, software version, entity time and disco#info, like a typical client would, and does
what the lessons ask of him (core/demo_lessons.py). When the sandbox's server dies and is
started again, it comes back by itself (core/reconnect.py).
"""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from iqconsole.core.account import Account
from iqconsole.core.demo_lessons import teach_lessons
from iqconsole.core.reconnect import Reconnector

# Entity time is answered below: slixmpp 1.17's xep_0202 fails to format the time on a UTC host.
DEMO_PLUGINS = ("xep_0030", "xep_0092", "xep_0199")
TIME_NS = "urn:xmpp:time"
LOGIN_TIMEOUT = 15.0


def _answer_time(iq: StanzaBase) -> None:
    if iq["type"] != "get":
        return
    reply = iq.reply(clear=True)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    reply.append(ET.fromstring(f"<time xmlns='{TIME_NS}'><tzo>+00:00</tzo><utc>{now}</utc></time>"))
    reply.send()


async def run_demo_peer(account: Account, online: asyncio.Event | None = None) -> None:
    """Log in, answer until cancelled (the console exiting), then leave cleanly; `online` is
    set once logged in and present."""
    peer = slixmpp.ClientXMPP(account.jid, account.password.reveal(), loop=asyncio.get_running_loop())
    peer.enable_direct_tls = False
    if account.ca_file is not None:
        peer.ca_certs = account.ca_file
    for plugin in DEMO_PLUGINS:
        peer.register_plugin(plugin)
    peer.plugin["xep_0092"].config["software_name"] = "iqconsole demo peer"
    peer.plugin["xep_0030"].add_feature(TIME_NS)
    peer.register_handler(Callback("entity time", MatchXPath(f"{{jabber:client}}iq/{{{TIME_NS}}}time"), _answer_time))
    teach_lessons(peer)
    peer.add_event_handler("session_start", lambda _event: peer.send_presence())

    async def log_in() -> str | None:
        started = asyncio.ensure_future(peer.wait_until("session_start", LOGIN_TIMEOUT))
        peer.connect(account.host, account.port)
        try:
            await started
        except TimeoutError:
            peer.cancel_connection_attempt()
            peer.abort()
            return f"no session within {LOGIN_TIMEOUT:g} s"
        return None

    reconnector = Reconnector(log_in, lambda _retry: None)

    def lost(_reason: object) -> None:
        reconnector.start()

    peer.add_event_handler("disconnected", lost)
    try:
        if await log_in() is not None:
            await reconnector.start()
        if online is not None:
            online.set()
        await asyncio.Event().wait()
    finally:
        peer.del_event_handler("disconnected", lost)
        reconnector.stop()
        peer.cancel_connection_attempt()
        if peer.transport is not None:
            await peer.disconnect(wait=1.0)
