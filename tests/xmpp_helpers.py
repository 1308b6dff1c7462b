"""Helpers shared by the tests that talk to the real Prosody."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import slixmpp

from iqconsole.core.account import Account, Secret


def account_for(sandbox, username: str, resource: str = "console", password: str | None = None) -> Account:
    user = sandbox.account(username)
    return Account(
        f"{user.jid}/{resource}",
        Secret(user.password if password is None else password),
        host=sandbox.host,
        port=sandbox.port,
        ca_file=sandbox.ca_file,
    )


async def plain_client(sandbox, username: str, resource: str = "peer") -> slixmpp.ClientXMPP:
    """A plain slixmpp client (the 'other client' of the tests), logged in."""
    user = sandbox.account(username)
    client = slixmpp.ClientXMPP(f"{user.jid}/{resource}", user.password)
    client.enable_direct_tls = False
    client.ca_certs = sandbox.ca_file
    started = asyncio.ensure_future(client.wait_until("session_start", 15))
    client.connect(sandbox.host, sandbox.port)
    await started
    return client


async def eventually(
    condition: Callable[[], bool],
    timeout: float = 10.0,
    what: str = "condition",
    explain: Callable[[], str] | None = None,
) -> None:
    """Wait until `condition()` holds; on time out, fail naming `what` (and `explain()`'s state)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}" + (f": {explain()}" if explain else ""))
        await asyncio.sleep(0.02)


def component_account_for(sandbox, secret: str | None = None) -> Account:
    """The sandbox's external component (XEP-0114), with its secret or `secret`."""
    return Account(
        sandbox.component_domain,
        Secret(sandbox.component_secret if secret is None else secret),
        host=sandbox.host,
        port=sandbox.component_port,
        component=True,
    )
