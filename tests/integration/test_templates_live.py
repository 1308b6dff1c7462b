"""Every built-in IQ template, rendered for alice, against the real Prosody: a reply every time.

Each IQ template (type get/set) is rendered with the peer its header documents (bob's full or
bare JID, alice's own PEP service, a room, an upload or push service) and sent with ConsoleClient;
it must get a result or an error carrying an RFC 6120 condition: never a timeout, never a crash.
The templates that a plain Prosody sandbox supports must succeed outright. The same templates
rendered with no peer (the documented fallback: the server) must also be answered.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from iqconsole.core.client import ConsoleClient
from iqconsole.core.knowledge import knowledge
from iqconsole.core.stanza import error_condition, prepare
from iqconsole.core.templates import Template, discover_templates, sample_variables, standard_variables
from iqconsole.core.traffic import TrafficEntry, TrafficStore
from tests.xmpp_helpers import account_for, plain_client

in_module_loop = pytest.mark.asyncio(loop_scope="module")  # one login for the whole module

REPLY_TIMEOUT = 5.0
BOB_RESOURCE = "templates"

# RFC 6120 §8.3.3: an error reply must carry one of these (tests/unit/test_knowledge.py checks the list).
STANZA_ERROR_CONDITIONS = {name for group, name in knowledge().conditions if group == "stanza"}

BUILTINS, LOAD_ERRORS = discover_templates(None)


def _is_iq_request(template: Template) -> bool:
    (outgoing,) = prepare(template.render(sample_variables(template.variables)))
    return outgoing.is_request


IQ_TEMPLATES = sorted(name for name, template in BUILTINS.items() if _is_iq_request(template))

# What ${peer} stands for, per template header; everything else gets bob's full JID.
PEERS = {
    **dict.fromkeys(
        ("roster-set", "roster-remove", "vcard-peer", "block", "unblock", "mam-query", "last-activity"), "bob-bare"
    ),
    **dict.fromkeys(
        ("pubsub-items", "pubsub-publish", "pubsub-subscribe", "pubsub-retract", "pubsub-node-config"), "alice-bare"
    ),
    **dict.fromkeys(("bookmark-add", "bookmark-remove", "muc-room-info", "muc-owner-config"), "room"),
    "muc-rooms": "conference",
    "upload-slot": "upload",
    "push-enable": "push",
    "push-disable": "push",
    "adhoc-execute": "server",
}

# A plain Prosody sandbox (roster, disco, version, time, uptime, private, blocklist, carbons, pep,
# vcard_legacy, register, mam) answers these with a result, given the seeding below.
EXPECT_RESULT = {
    "disco-info",
    "disco-items",
    "disco-info-account",
    "disco-items-node",
    "pep-nodes",
    "roster-get",
    "roster-set",
    "roster-remove",
    "vcard-get",
    "vcard-set",
    "vcard4-get",
    "vcard4-publish",
    "private-get",
    "private-set",
    "blocklist",
    "block",
    "unblock",
    "unblock-all",
    "mam-form",
    "mam-query",
    "mam-last-page",
    "mam-prefs",
    "pubsub-items",
    "pubsub-publish",
    "pubsub-subscribe",
    "pubsub-retract",
    "pubsub-node-config",
    "bookmarks-get",
    "bookmark-add",
    "bookmark-remove",
    "register-form",
    "carbons-enable",
    "carbons-disable",
}

# Templates that change alice's account in a way other tests could notice are undone at once.
UNDO = {"block": "unblock-all", "roster-set": "roster-remove"}
# Templates that need something to act on get it first.
BEFORE = {"roster-remove": "roster-set", "unblock": "block"}
# Sent once before the tests, so that reading templates find something to read.
SEED = ("pubsub-publish", "bookmark-add", "vcard4-publish", "private-set")


class Live:
    def __init__(self, prosody, alice: ConsoleClient):
        self.alice = alice
        domain = prosody.domain
        self.peers = {
            "bob-full": f"{prosody.account('bob').jid}/{BOB_RESOURCE}",
            "bob-bare": prosody.account("bob").jid,
            "alice-bare": prosody.account("alice").jid,
            "room": f"room@conference.{domain}",
            "conference": f"conference.{domain}",
            "upload": f"upload.{domain}",
            "push": f"push.{domain}",
            "server": domain,
        }

    def peer_for(self, name: str) -> str:
        return self.peers[PEERS.get(name, "bob-full")]

    async def send(self, name: str, peer: str | None) -> TrafficEntry:
        text = BUILTINS[name].render(standard_variables(str(self.alice.boundjid), peer))
        (outgoing,) = prepare(text)
        assert outgoing.is_request
        reply = self.alice.send_outgoing(outgoing, REPLY_TIMEOUT)
        assert reply is not None
        return await reply

    async def send_and_undo(self, name: str, peer: str | None) -> TrafficEntry:
        if name in BEFORE:
            await self.send(BEFORE[name], peer)
        try:
            return await self.send(name, peer)
        finally:
            for done in {name, BEFORE.get(name, name)} & set(UNDO):
                await self.send(UNDO[done], peer)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live(prosody):
    alice = ConsoleClient(account_for(prosody, "alice", resource="templates"), TrafficStore())
    await alice.start_session()
    bob = await plain_client(prosody, "bob", BOB_RESOURCE)
    session = Live(prosody, alice)
    try:
        for name in SEED:
            reply = await session.send(name, session.peer_for(name))
            assert reply.type == "result", f"seeding with {name}: {error_condition(reply.xml)}"
        yield session
    finally:
        await bob.disconnect()
        await alice.close()


def _check_answered(name: str, reply: TrafficEntry) -> str:
    """The outcome in words; fails unless it is a result or an error with a standard condition."""
    assert reply.type in ("result", "error"), f"{name}: reply of type {reply.type!r}"
    if reply.type == "result":
        return "result"
    condition = error_condition(reply.xml)
    assert condition.split(" ", 1)[0] in STANZA_ERROR_CONDITIONS, f"{name}: error without a condition: {reply.xml}"
    return condition


def test_the_builtins_load_and_include_iq_requests():
    assert LOAD_ERRORS == []
    assert len(IQ_TEMPLATES) >= 30
    assert set(PEERS) <= set(IQ_TEMPLATES) and set(IQ_TEMPLATES) >= EXPECT_RESULT


@in_module_loop
@pytest.mark.parametrize("name", IQ_TEMPLATES)
async def test_iq_template_gets_an_answer(live, name):
    reply = await live.send_and_undo(name, live.peer_for(name))
    outcome = _check_answered(name, reply)
    if name in EXPECT_RESULT:
        assert outcome == "result", f"{name} to {live.peer_for(name)}: {outcome}"
    assert live.alice.online


@in_module_loop
async def test_every_iq_template_with_the_default_peer_is_answered(live):
    """No peer chosen: ${peer} is the server, which must answer every template too."""
    outcomes = {}
    for name in IQ_TEMPLATES:
        outcomes[name] = _check_answered(name, await live.send_and_undo(name, None))
    assert live.alice.online and live.alice.waiting_count == 0
    # The server itself answers the queries aimed at "an entity" with a result.
    for name in ("version", "ping", "time", "last-activity", "disco-info-peer"):
        assert outcomes[name] == "result", f"{name} to the server: {outcomes[name]}"
