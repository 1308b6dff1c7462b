"""A second account for the sandbox demo: a plain slixmpp client with the usual plugins.

It gives a newcomer someone to talk to besides the server: bob@localhost/demo answers
ping, software version, entity time and disco#info, like a typical client would.
"""

from __future__ import annotations

import asyncio

import slixmpp

from iqconsole.core.account import Account

DEMO_PLUGINS = ("xep_0030", "xep_0092", "xep_0199", "xep_0202")


async def run_demo_peer(account: Account) -> None:
    """Log in, answer until cancelled (the console exiting), then leave cleanly."""
    peer = slixmpp.ClientXMPP(account.jid, account.password.reveal(), loop=asyncio.get_running_loop())
    peer.enable_direct_tls = False
    if account.ca_file is not None:
        peer.ca_certs = account.ca_file
    for plugin in DEMO_PLUGINS:
        peer.register_plugin(plugin)
    peer.plugin["xep_0092"].config["software_name"] = "iqconsole demo peer"
    peer.add_event_handler("session_start", lambda _event: peer.send_presence())
    started = asyncio.ensure_future(peer.wait_until("session_start", 15))
    peer.connect(account.host, account.port)
    try:
        await started
        await asyncio.Event().wait()
    finally:
        peer.cancel_connection_attempt()
        if peer.transport is not None:
            await peer.disconnect(wait=1.0)
