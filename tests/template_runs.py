"""Every built-in IQ template sent as a user would, to a real sandbox server (Prosody or ejabberd).

alice logs in with a Session that discovers the server (so `${muc}`, `${pubsub}`, `${upload}` name
its components), bob is online, a few templates are sent first so that the reading ones find
something, and the templates that change alice's account are undone at once. Used by
tests/integration/test_templates_live.py and bench/template_table.py (the README's table).
"""

from __future__ import annotations

import asyncio

import slixmpp

from iqconsole.core.discovered_services import discovered_services
from iqconsole.core.sandbox import ProsodySandbox
from iqconsole.core.session import Session
from iqconsole.core.stanza import error_condition, prepare
from iqconsole.core.templates import Template, discover_templates, sample_variables, standard_variables
from iqconsole.core.traffic import TrafficEntry, TrafficStore
from tests.xmpp_helpers import account_for, eventually, plain_client

REPLY_TIMEOUT = 5.0
BOB_RESOURCE = "templates"
TIMED_OUT = "timed out"

BUILTINS, LOAD_ERRORS = discover_templates(None)


def _is_iq_request(template: Template) -> bool:
    (outgoing,) = prepare(template.render(sample_variables(template.variables)))
    return outgoing.is_request


IQ_TEMPLATES = sorted(name for name, template in BUILTINS.items() if _is_iq_request(template))

# What ${peer} stands for, per template header; everything else that uses it asks the server (bob
# is a bare client that answers no query: his replies would say nothing about the server).
PEERS = dict.fromkeys(
    ("roster-set", "roster-remove", "vcard-peer", "block", "unblock", "mam-query", "last-activity"), "bob-bare"
)

# Templates that change alice's account in a way other tests could notice are undone at once.
UNDO = {"block": "unblock-all", "roster-set": "roster-remove"}
# Templates that need something to act on get it first.
BEFORE = {"roster-remove": "roster-set", "unblock": "block"}
# Sent once before the run, so that reading templates find something to read (muc-join creates the room).
SEED = ("muc-join", "pubsub-publish", "bookmark-add", "vcard4-publish", "private-set")


class TemplateRun:
    """alice's session on one sandbox server, ready to send templates."""

    def __init__(self, sandbox: ProsodySandbox, session: Session, bob: slixmpp.ClientXMPP):
        self.sandbox = sandbox
        self.session = session
        self.bob = bob
        self.services = discovered_services(session.features)
        self.peers = {
            "bob-bare": sandbox.account("bob").jid,
            "server": sandbox.domain,
        }
        self.seeded: dict[str, str] = {}

    @classmethod
    async def open(cls, sandbox: ProsodySandbox) -> TemplateRun:
        session = Session(account_for(sandbox, "alice", resource="templates"), TrafficStore(), discover=True)
        await session.open()
        await eventually(lambda: session.features is not None, what="discovery of the server")
        run = cls(sandbox, session, await plain_client(sandbox, "bob", BOB_RESOURCE))
        for name in SEED:
            run.seeded[name] = await run.outcome(name)
        return run

    async def close(self) -> None:
        await self.bob.disconnect()
        await self.session.close()

    def peer_for(self, name: str) -> str:
        return self.peers[PEERS.get(name, "server")]

    async def send(self, name: str, peer: str | None) -> TrafficEntry | None:
        """The reply (None for a message or presence, or when none came in time)."""
        variables = standard_variables(self.session.own_jid, peer, services=self.services)
        (outgoing,) = prepare(BUILTINS[name].render(variables))
        if not outgoing.is_request:
            self.session.send(outgoing)
            return None
        outcome = await self.session.request(outgoing, REPLY_TIMEOUT)
        return outcome.reply

    async def send_and_undo(self, name: str, peer: str | None) -> TrafficEntry | None:
        if name in BEFORE:
            await self.send(BEFORE[name], peer)
        try:
            return await self.send(name, peer)
        finally:
            for done in {name, BEFORE.get(name, name)} & set(UNDO):
                await self.send(UNDO[done], peer)

    async def outcome(self, name: str, peer: str | None = None) -> str:
        """'result', the error condition (with its type and text), 'sent' (not an IQ) or 'timed out'."""
        reply = await self.send_and_undo(name, self.peer_for(name) if peer is None else peer)
        if reply is None:
            return TIMED_OUT if _is_iq_request(BUILTINS[name]) else "sent"
        return "result" if reply.type == "result" else error_condition(reply.xml)


def condition_name(outcome: str) -> str:
    """'item-not-found' of 'item-not-found (cancel): no such node'."""
    return outcome.split(" ", 1)[0]


async def outcomes_on(sandbox: ProsodySandbox) -> dict[str, str]:
    """Every IQ template's outcome on `sandbox`, by template name."""
    run = await TemplateRun.open(sandbox)
    try:
        return {name: await run.outcome(name) for name in IQ_TEMPLATES}
    finally:
        await run.close()


def run_on(sandbox: ProsodySandbox) -> dict[str, str]:
    return asyncio.run(outcomes_on(sandbox))
