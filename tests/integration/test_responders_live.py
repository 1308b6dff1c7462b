"""Responders answering a second client (plain slixmpp) through each real server (Prosody, ejabberd)."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from slixmpp.xmlstream import ET
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

from iqconsole.core.client import ConsoleClient
from iqconsole.core.responder_files import responders_from_data
from iqconsole.core.responder_reply import ERROR_CONDITIONS
from iqconsole.core.responders import Responder, ResponderSet
from iqconsole.core.stanza import new_id, prepare
from iqconsole.core.traffic import Direction, TrafficStore
from tests.xmpp_helpers import account_for, eventually, plain_client

STANZAS = "{urn:ietf:params:xml:ns:xmpp-stanzas}"
PING = "<ping xmlns='urn:xmpp:ping'/>"
# No responder matches it, so the console answers it at once with an error. A client handles its
# stanzas in order and the server keeps their order, so once this answer is in, every answer to
# what was asked before it is in as well: the marker that proves an answer never came.
UNKNOWN = "<query xmlns='urn:example:nobody'/>"
IQCONSOLE = Path(sys.executable).with_name("iqconsole")


class Peer:
    """The other client: sends raw requests and collects every reply by id."""

    def __init__(self, client):
        self.client = client
        self.replies: dict[str, list[ET.Element]] = {}
        client.register_handler(Callback("replies", MatchXPath("{jabber:client}iq"), self._collect))

    def _collect(self, iq) -> None:
        if iq["type"] in ("result", "error"):
            self.replies.setdefault(iq["id"], []).append(copy.deepcopy(iq.xml))

    def send(self, to: str, payload: str, iq_type: str = "get") -> str:
        """Send a request without waiting; return its id."""
        stanza_id = new_id()
        self.client.send_raw(f"<iq type='{iq_type}' id='{stanza_id}' to='{to}'>{payload}</iq>")
        return stanza_id

    async def ask(self, to: str, payload: str, iq_type: str = "get") -> ET.Element:
        """Send a request and wait for its (first) reply."""
        stanza_id = self.send(to, payload, iq_type)
        await eventually(lambda: stanza_id in self.replies, what=f"the reply to {payload}")
        return self.replies[stanza_id][0]

    def count(self, stanza_id: str) -> int:
        return len(self.replies.get(stanza_id, []))


@pytest.fixture
async def console(server):
    client = ConsoleClient(account_for(server, "alice", "responders"), TrafficStore(), ResponderSet())
    await client.start_session()
    yield client
    await client.close()


@pytest.fixture
async def peer(server):
    client = await plain_client(server, "bob", "asker")
    yield Peer(client)
    await client.disconnect()


def condition_of(reply: ET.Element) -> str:
    error = reply.find("{jabber:client}error")
    return next(child.tag.removeprefix(STANZAS) for child in error if child.tag != f"{STANZAS}text")


async def test_result_with_a_templated_payload(console, peer):
    console.responders.add(
        "info",
        "iq@type=get/disco_info",
        "<query xmlns='http://jabber.org/protocol/disco#info' node='${request:query/@node}'>"
        "<identity category='client' type='bot' name='call ${counter} from ${from}'/></query>",
    )
    me = str(console.boundjid)
    for number in (1, 2):
        reply = await peer.ask(me, "<query xmlns='http://jabber.org/protocol/disco#info' node='urn:x#1'/>")
        assert reply.get("type") == "result"
        query = reply.find("{http://jabber.org/protocol/disco#info}query")
        assert query.get("node") == "urn:x#1"
        assert query[0].get("name") == f"call {number} from {peer.client.boundjid}"


async def test_every_rfc6120_error_condition_arrives_as_written(console, peer):
    me = str(console.boundjid)
    console.responders.add("err", "iq@type=get/ping", error="bad-request")
    for condition, error_type in ERROR_CONDITIONS.items():
        console.responders.replace(
            "err", Responder("err", "iq@type=get/ping", error=condition, error_text=f"about {condition}")
        )
        reply = await peer.ask(me, PING)
        assert reply.get("type") == "error", condition
        assert condition_of(reply) == condition
        error = reply.find("{jabber:client}error")
        assert error.get("type") == error_type
        assert error.find(f"{STANZAS}text").text == f"about {condition}"
    assert console.online


async def test_delay_and_silence(console, peer):
    me = str(console.boundjid)
    console.responders.add("slow", "iq@type=get/ping", delay_ms=400)
    console.responders.add("mute", "iq@type=get/software_version", silent=True)
    started = time.monotonic()
    reply = await peer.ask(me, PING)
    assert reply.get("type") == "result" and time.monotonic() - started >= 0.4
    unanswered = peer.send(me, "<query xmlns='jabber:iq:version'/>")
    assert condition_of(await peer.ask(me, UNKNOWN)) == "service-unavailable"
    assert peer.count(unanswered) == 0, "a silent responder never answers"
    requests = {
        entry.stanza_id: entry for entry in console.store if entry.direction is Direction.IN and entry.is_request
    }
    assert [requests[stanza_id].responder for stanza_id in (reply.get("id"), unanswered)] == ["slow", "mute"], (
        "hits are marked in the log"
    )


async def test_custom_namespace_xpath_and_mask(console, peer):
    me = str(console.boundjid)
    console.responders.define_payload("custom_xep", "{urn:example:custom}query")
    console.responders.add("custom", "iq@type=get/custom_xep", "<query xmlns='urn:example:custom'><ok/></query>")
    console.responders.add(
        "by-xpath", "iq[@type='set']/{urn:example:custom}query", match_kind="xpath", error="not-allowed"
    )
    console.responders.add(  # (not jabber:iq:last: ejabberd answers that one for a full JID itself)
        "by-mask",
        "<iq type='get'><query xmlns='jabber:iq:version'/></iq>",
        "<query xmlns='jabber:iq:version'><name>masked</name></query>",
        match_kind="mask",
    )
    reply = await peer.ask(me, "<query xmlns='urn:example:custom'/>")
    assert reply.get("type") == "result" and reply.find("{urn:example:custom}query/{urn:example:custom}ok") is not None
    reply = await peer.ask(me, "<query xmlns='urn:example:custom'/>", iq_type="set")
    assert condition_of(reply) == "not-allowed"
    reply = await peer.ask(me, "<query xmlns='jabber:iq:version'/>")
    assert reply.find("{jabber:iq:version}query/{jabber:iq:version}name").text == "masked"


async def test_first_match_wins_exactly_once_and_unmatched_get_the_standard_error(console, peer):
    me = str(console.boundjid)
    console.responders.add("first", "iq@type=get/ping")
    console.responders.add("second", "iq/ping", error="conflict")
    reply = await peer.ask(me, PING)
    assert condition_of(await peer.ask(me, UNKNOWN)) == "service-unavailable"  # and any second answer is in
    assert reply.get("type") == "result" and peer.count(reply.get("id")) == 1
    assert console.responders.get("first").hits == 1 and console.responders.get("second").hits == 0

    console.responders.set_unmatched("item-not-found")
    assert condition_of(await peer.ask(me, UNKNOWN)) == "item-not-found"
    console.responders.set_unmatched("")
    assert condition_of(await peer.ask(me, UNKNOWN)) == "feature-not-implemented", "left to slixmpp"
    assert peer.count(reply.get("id")) == 1 and console.online


async def test_a_responder_file_drives_the_console(console, peer):
    data = {
        "payloads": {"custom_xep": "{urn:example:custom}query"},
        "responder": [
            {
                "name": "custom",
                "match": "iq@type=get/custom_xep",
                "reply": "<query xmlns='urn:example:custom'>${id}</query>",
            }
        ],
    }
    console.responders = responders_from_data(data)
    reply = await peer.ask(str(console.boundjid), "<query xmlns='urn:example:custom'/>")
    assert reply.find("{urn:example:custom}query").text == reply.get("id")


# -- iqconsole respond, as a client's CI runs it ---------------------------------------------

RESPONDER_FILE = """\
[[responder]]
name = "pong"
match = "iq@type=get/ping"

[[responder]]
name = "deny"
match = "iq@type=get/software_version"
error = "policy-violation"
"""


def start_respond(
    server, tmp_path: Path, *extra: str, password: str | None = None, stderr: int = subprocess.PIPE
) -> subprocess.Popen:
    alice = server.account("alice")
    responders = tmp_path / "responders.toml"
    responders.write_text(RESPONDER_FILE)
    return subprocess.Popen(
        [
            str(IQCONSOLE),
            "respond",
            "--jid",
            f"{alice.jid}/ci",
            "--host",
            server.host,
            "--port",
            str(server.port),
            "--ca-file",
            str(server.ca_file),
            "--password-env",
            "IQC_PASSWORD",
            "--responders",
            str(responders),
            *extra,
        ],
        env={**os.environ, "IQC_PASSWORD": alice.password if password is None else password},
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )


async def wait_line(stream, timeout: float = 15.0) -> str:
    line = await asyncio.wait_for(asyncio.to_thread(stream.readline), timeout)
    assert line, "the process ended early"
    return line


@pytest.mark.parametrize("json_lines", [False, True])
async def test_respond_command_answers_and_stops_cleanly(server, peer, tmp_path, json_lines):
    process = start_respond(server, tmp_path, *(["--json"] if json_lines else []))
    try:
        assert "online as alice@localhost/ci" in await wait_line(process.stderr)
        reply = await peer.ask(f"{server.account('alice').jid}/ci", PING)
        assert reply.get("type") == "result"
        line = await wait_line(process.stdout)
        if json_lines:
            record = json.loads(line)
            assert record["responder"] == "pong" and record["reply"] == "result" and record["id"] == reply.get("id")
        else:
            assert "pong: result" in line and f"id={reply.get('id')}" in line
        reply = await peer.ask(f"{server.account('alice').jid}/ci", "<query xmlns='jabber:iq:version'/>")
        assert condition_of(reply) == "policy-violation"
        assert "policy-violation" in await wait_line(process.stdout)
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.to_thread(process.wait, 15) == 0


async def test_respond_command_exit_codes(server, tmp_path):
    process = start_respond(server, tmp_path, password="wrong")
    _out, err = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 4 and "Authentication failed" in err

    broken = tmp_path / "broken.toml"
    broken.write_text('[[responder]]\nname = "x"\nmatch = "iq/nonsense"\n')
    result = await asyncio.to_thread(
        subprocess.run,
        [str(IQCONSOLE), "respond", "--jid", "a@b", "--password-env", "HOME", "--responders", str(broken)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 3
    assert "broken.toml" in result.stderr and "'x'" in result.stderr and "nonsense" in result.stderr


async def test_the_servers_blocklist_push_is_acknowledged_with_a_result(console):
    (ask,) = prepare("<iq type='get'><blocklist xmlns='urn:xmpp:blocking'/></iq>")  # pushes go to who asked
    asked = console.send_outgoing(ask)
    assert asked is not None and (await asked).type == "result"
    (block,) = prepare("<iq type='set'><block xmlns='urn:xmpp:blocking'><item jid='spammer@localhost'/></block></iq>")
    reply = console.send_outgoing(block)
    assert reply is not None and (await reply).type == "result"

    def push_and_answer() -> tuple[str, str] | None:
        entries = list(console.store)
        pushes = [
            entry
            for entry in entries
            if entry.direction is Direction.IN and entry.type == "set" and entry.namespace == "urn:xmpp:blocking"
        ]
        answers = {entry.stanza_id: entry.type for entry in entries if entry.direction is Direction.OUT}
        return (
            (pushes[0].stanza_id, answers[pushes[0].stanza_id]) if pushes and pushes[0].stanza_id in answers else None
        )

    await eventually(lambda: push_and_answer() is not None, what="the blocklist push and the console's answer")
    answered = push_and_answer()
    assert answered is not None and answered[1] == "result", "RFC 6121 / XEP-0191: a push is acknowledged, not refused"
    (reply_entry,) = [e for e in console.store if e.direction is Direction.OUT and e.stanza_id == answered[0]]
    assert reply_entry.responder == "server push", "the log shows the console answered it"


async def test_the_servers_roster_push_is_acknowledged_by_the_console_once(console):
    (ask,) = prepare("<iq type='get'><query xmlns='jabber:iq:roster'/></iq>")  # pushes go to who asked
    asked = console.send_outgoing(ask)
    assert asked is not None and (await asked).type == "result"
    (add,) = prepare(
        "<iq type='set'><query xmlns='jabber:iq:roster'><item jid='pushed@localhost' name='p'/></query></iq>"
    )
    added = console.send_outgoing(add)
    assert added is not None and (await added).type == "result"

    def pushes_answered() -> list[tuple[str, str]]:
        entries = list(console.store)
        pushes = {
            entry.stanza_id
            for entry in entries
            if entry.direction is Direction.IN and entry.type == "set" and entry.namespace == "jabber:iq:roster"
        }
        return [
            (entry.type, entry.responder)
            for entry in entries
            if entry.direction is Direction.OUT and entry.stanza_id in pushes
        ]

    await eventually(lambda: bool(pushes_answered()), what="the roster push answered")
    assert pushes_answered() == [("result", "server push")], "one empty result, by the console (not slixmpp too)"
