"""The console as an external component (XEP-0114) on the real Prosody: it logs in with the
sandbox's generated secret, answers a client's IQs through its responders from any JID at its
domain, sends from such JIDs, and never shows its secret or the handshake derived from it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess

import pytest

from iqconsole.core.client import ConnectionFailure, ConnectionState
from iqconsole.core.protocol import Kind
from iqconsole.core.responders import ResponderSet
from iqconsole.core.session import Session, Settled
from iqconsole.core.stanza import prepare
from iqconsole.core.traffic import Direction, TrafficStore
from tests.integration.test_responders_live import IQCONSOLE, PING, RESPONDER_FILE, peer, wait_line  # noqa: F401 (peer is a fixture)
from tests.xmpp_helpers import account_for, component_account_for


@pytest.fixture
async def component(prosody):
    responders = ResponderSet()
    responders.add(
        "echo",
        "iq@type=get/disco_info",
        "<query xmlns='http://jabber.org/protocol/disco#info'>"
        "<identity category='component' type='generic' name='asked by ${from}'/></query>",
    )
    session = Session(component_account_for(prosody), TrafficStore(), responders)
    await session.open()
    yield session
    await session.close()


@pytest.fixture
def server(prosody):
    """Components are Prosody's here (the sandbox that configures one): bob's `peer` asks there."""
    return prosody


async def test_a_component_answers_a_clients_iq_through_a_responder(prosody, component, peer):  # noqa: F811 (the imported fixture)
    assert component.state is ConnectionState.ONLINE and component.own_jid == prosody.component_domain
    anyone = f"anything@{prosody.component_domain}/here"
    reply = await peer.ask(anyone, "<query xmlns='http://jabber.org/protocol/disco#info'/>")
    assert reply.get("type") == "result" and reply.get("from") == anyone, "answered from the JID that was asked"
    identity = reply.find(
        "{http://jabber.org/protocol/disco#info}query/{http://jabber.org/protocol/disco#info}identity"
    )
    assert identity.get("name") == "asked by bob@localhost/asker"
    entries = list(component.store.entries)
    request = next(entry for entry in entries if entry.direction is Direction.IN and entry.stanza_id == reply.get("id"))
    answer = next(entry for entry in entries if entry.direction is Direction.OUT and entry.stanza_id == reply.get("id"))
    assert request.kind is Kind.IQ and request.sender == "bob@localhost/asker" and request.recipient == anyone
    assert answer.responder == "echo" and component.store.pairing_of(answer) is not None, (
        "both sides in the log, paired"
    )
    assert "jabber:component:accept" not in request.xml, "read as a client's stanza: the composer's XPaths fit it"


async def test_a_component_sends_from_any_jid_at_its_domain_and_gets_the_reply(prosody, component):
    responders = ResponderSet()
    responders.add("pong", "iq@type=get/ping")
    alice = Session(account_for(prosody, "alice", "pinged"), TrafficStore(), responders)
    await alice.open()
    try:
        robot = f"robot@{prosody.component_domain}"
        (ping,) = prepare(f"<iq type='get' from='{robot}' to='{alice.own_jid}'>{PING}</iq>")
        outcome = await component.request(ping, timeout=15)
        assert outcome.settled is Settled.RESULT and outcome.reply is not None
        assert outcome.reply.recipient == robot and outcome.reply.sender == alice.own_jid
        assert any(entry.sender == robot and entry.responder == "pong" for entry in alice.store.entries)
    finally:
        await alice.close()


async def test_the_component_handshake_never_shows_the_secret(prosody, component):
    store = component.store
    header = next(entry for entry in store.entries if entry.direction is Direction.IN and entry.kind is Kind.STREAM)
    stream_id = header.xml.split(" id=")[1].split('"')[1]
    handshake = hashlib.sha1((stream_id + prosody.component_secret).encode()).hexdigest()
    logged = "\n".join(entry.xml for entry in store.entries)
    assert prosody.component_secret not in logged and handshake not in logged
    sent = next(entry for entry in store.entries if entry.direction is Direction.OUT and entry.tag == "handshake")
    assert sent.kind is Kind.SASL and sent.redacted and "[redacted]" in sent.xml, "redacted like SASL"
    assert store.secret_of(sent) is not None and handshake in store.secret_of(sent), "kept apart, as SASL is"
    assert prosody.component_secret not in repr(component.account)


async def test_a_wrong_secret_is_a_failed_login_with_the_servers_reason(prosody):
    session = Session(component_account_for(prosody, secret="not-the-secret"), TrafficStore())
    with pytest.raises(ConnectionFailure, match="not-authorized"):
        await session.open()
    assert session.state is ConnectionState.FAILED
    await session.close()


async def test_respond_takes_the_component_options(prosody, peer, tmp_path):  # noqa: F811 (the imported fixture)
    responders = tmp_path / "responders.toml"
    responders.write_text(RESPONDER_FILE)
    process = subprocess.Popen(
        [
            str(IQCONSOLE),
            "respond",
            *("--component", prosody.component_domain, "--host", prosody.host, "--port", str(prosody.component_port)),
            *("--secret-env", "IQC_SECRET", "--responders", str(responders), "--json"),
        ],
        env={**os.environ, "IQC_SECRET": prosody.component_secret},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        said = await wait_line(process.stderr)
        assert f"online as {prosody.component_domain}" in said and prosody.component_secret not in said
        reply = await peer.ask(f"pinged@{prosody.component_domain}", PING)
        assert reply.get("type") == "result" and reply.get("from") == f"pinged@{prosody.component_domain}"
        record = json.loads(await wait_line(process.stdout))
        assert record["responder"] == "pong" and record["from"] == "bob@localhost/asker"
    finally:
        process.send_signal(signal.SIGINT)
        code = await asyncio.to_thread(process.wait, 15)
    assert code == 0
