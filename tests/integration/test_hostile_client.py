"""ConsoleClient against a server that misbehaves on purpose (tests/hostile_server.py).

For each kind of hostility: the client keeps reading (proved by the server's probe IQ getting its
answer) or says why it stopped (status message and a notice in the log), and never hangs "online".
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from iqconsole.core.client import ConnectionFailure, ConnectionState, ConsoleClient, ReplyTimeout, StateChange
from iqconsole.core.stanza import prepare
from iqconsole.core.stream_errors import Redirect
from iqconsole.core.stream_reader import Limits
from iqconsole.core.traffic import Direction, Kind, PairState, TrafficStore
from tests.hostile_server import (
    BIND_FEATURES,
    DOMAIN,
    FULL_JID,
    PASSWORD,
    PEER_JID,
    SASL_FEATURES,
    SASL_NS,
    STARTTLS_FEATURES,
    HostilePeer,
    HostileServer,
    certificate_in,
    stream_error,
)
from tests.integration.test_responders_live import IQCONSOLE, RESPONDER_FILE
from tests.xmpp_helpers import eventually

Attack = Callable[[HostilePeer], Awaitable[None]]


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    return certificate_in(tmp_path_factory.mktemp("hostile-cert"))


class Run:
    """One client logged in to a hostile server whose script is `attack` (after login and the
    client's initial presence); `probe` is the reply to the server's probe IQ, if it came."""

    def __init__(self, server: HostileServer, client: ConsoleClient, probes: list[ET.Element]):
        self.server = server
        self.client = client
        self.probes = probes
        self.changes: list[StateChange] = []
        client.on_state = self.changes.append

    @property
    def notices(self) -> list[str]:
        return [entry.xml for entry in self.client.store if entry.kind is Kind.NOTICE]

    async def stopped(self) -> StateChange:
        await eventually(lambda: not self.client.online, what="the session to end")
        return self.changes[-1]


async def logged_in(peer: HostilePeer) -> None:
    await peer.log_in()
    await peer.element("presence")


def attacking(attack: Attack, probes: list[ET.Element]) -> Callable[[HostilePeer], Awaitable[None]]:
    async def script(peer: HostilePeer) -> None:
        await logged_in(peer)
        await attack(peer)
        probes.append(await peer.probe())
        await peer.closed_by_client(timeout=None)

    return script


@pytest.fixture
async def hostile(certificate):
    """hostile(attack, limits=…) → a Run; the attack starts once the session is up."""
    runs: list[Run] = []
    servers: list[HostileServer] = []

    async def start(attack: Attack, limits: Limits | None = None) -> Run:
        probes: list[ET.Element] = []
        server = await HostileServer(certificate, attacking(attack, probes)).__aenter__()
        servers.append(server)
        client = ConsoleClient(server.account(limits=limits or Limits()), TrafficStore())
        run = Run(server, client, probes)
        runs.append(run)
        await client.start_session(timeout=10)
        return run

    yield start
    for run in runs:
        await run.client.close()
    for server in servers:
        assert not server.failures, server.failures
        await server.__aexit__(None, None, None)


async def answered_probe(run: Run) -> None:
    await eventually(lambda: bool(run.probes), what="the client to answer the probe")
    assert run.probes[0].get("type") == "error", "slixmpp answers an unknown IQ with an error"
    assert run.client.online


# -- one bad stanza costs only itself -------------------------------------------------------


DEEP = "<a>" * 5000 + "</a>" * 5000


@pytest.mark.parametrize("piece", [None, 100], ids=["one-read", "trickled"])
async def test_a_stanza_nested_thousands_deep_is_skipped_and_reading_goes_on(hostile, piece):
    stanza = f"<message id='deep' from='{PEER_JID}'><body>x</body>{DEEP}</message>".encode()

    async def attack(peer: HostilePeer) -> None:
        if piece is None:
            peer.send(stanza)
        else:
            await peer.send_slowly(stanza, piece)

    run = await hostile(attack)
    await answered_probe(run)
    assert run.client.store.skipped == 1
    (notice,) = run.notices
    assert '<message id="deep"' in notice and f"({len(stanza):,} bytes)" in notice
    assert "nested more than 256 levels deep" in notice


async def test_an_iq_from_an_invalid_jid_is_skipped_and_the_reply_in_the_same_read_still_counts(hostile):
    async def attack(peer: HostilePeer) -> None:
        request = await peer.request(lambda iq: iq.get("id") == "asked")
        peer.send(
            f"<iq type='get' id='bad' from='a@b@c' to='{FULL_JID}'><ping xmlns='urn:xmpp:ping'/></iq>"
            f"<iq type='result' id='asked' from='{PEER_JID}' to='{FULL_JID}'/>"
        )
        assert request is not None

    run = await hostile(attack)
    (outgoing,) = prepare(f"<iq type='get' id='asked' to='{PEER_JID}'><ping xmlns='urn:xmpp:ping'/></iq>")
    reply = await run.client.send_outgoing(outgoing, 5)
    assert reply.type == "result" and reply.sender == PEER_JID
    await answered_probe(run)
    assert any('<iq id="bad" from="a@b@c">' in notice and "InvalidJID" in notice for notice in run.notices)


async def test_a_stanza_over_the_size_limit_is_skipped_without_keeping_it(hostile):
    limits = Limits(max_stanza_bytes=64 * 1024)
    text = "x" * (2 * 1024 * 1024)
    children = "<c/>" * (512 * 1024)

    async def attack(peer: HostilePeer) -> None:
        peer.send(f"<message id='text'><body>{text}</body></message>")
        peer.send(f"<message id='children'>{children}</message>")
        peer.send(f"<message id='fits' from='{PEER_JID}'><body>small</body></message>")

    run = await hostile(attack, limits=limits)
    await answered_probe(run)
    assert run.client.store.skipped == 2
    assert all("larger than 65,536 bytes" in notice for notice in run.notices)
    assert any(entry.stanza_id == "fits" for entry in run.client.store)


async def test_a_single_tag_over_the_size_limit_ends_the_stream_with_policy_violation(hostile):
    async def attack(peer: HostilePeer) -> None:
        peer.send(f"<message id='huge' a='{'x' * 200_000}'/>")

    run = await hostile(attack, limits=Limits(max_stanza_bytes=64 * 1024))
    change = await run.stopped()
    assert change.state is ConnectionState.DISCONNECTED
    assert "policy-violation" in change.message and "larger than 65,536 bytes" in change.message
    assert any("policy-violation" in notice for notice in run.notices)
    sent = [entry.xml for entry in run.client.store if entry.direction is Direction.OUT]
    assert any("<policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>" in xml for xml in sent)


# -- what cannot be read ends the session, with the reason ---------------------------------


@pytest.mark.parametrize(
    ("garbage", "said"),
    [
        (b"<message><body>caf\xc3\x28</body></message>", "not well-formed (invalid token)"),
        (b"<message><body>\x01</body></message>", "not well-formed (invalid token)"),
        (b"<message><body>&#1;</body></message>", "reference to invalid character number"),
        (b"<message><body>&lol;</body></message>", "undefined entity"),
        (b"<message><body>oops</message>", "mismatched tag"),
    ],
    ids=["invalid-utf8", "c0-control", "control-reference", "undefined-entity", "mismatched-tag"],
)
async def test_input_that_is_not_well_formed_ends_the_session_and_says_where(hostile, garbage, said):
    async def attack(peer: HostilePeer) -> None:
        peer.send(garbage)

    run = await hostile(attack)
    change = await run.stopped()
    assert change.state is ConnectionState.DISCONNECTED
    assert "not-well-formed" in change.message and said in change.message and "line 1" in change.message
    assert change.message.removeprefix("disconnected: ") in run.notices[-1]
    assert not run.probes


async def test_c1_controls_are_legal_xml_and_are_kept(hostile):
    async def attack(peer: HostilePeer) -> None:
        peer.send(f"<message id='c1' from='{PEER_JID}'><body>a\u0085b\u009bc</body></message>".encode())

    run = await hostile(attack)
    await answered_probe(run)
    (entry,) = [entry for entry in run.client.store if entry.stanza_id == "c1"]
    assert "a\u0085b\u009bc" in entry.xml


async def test_a_dtd_with_entities_is_refused_before_login(certificate):
    async def script(peer: HostilePeer) -> None:
        dtd = "<!DOCTYPE stream:stream [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;'>]>"
        await peer.open_stream(STARTTLS_FEATURES, before=dtd)
        await peer.closed_by_client()

    async with HostileServer(certificate, script) as server:
        client = ConsoleClient(server.account(), TrafficStore())
        with pytest.raises(ConnectionFailure, match=r"restricted-xml.*document type declaration"):
            await client.start_session(timeout=10)
        await client.close()
        assert not server.failures


async def test_something_that_is_not_an_xmpp_stream_is_named(certificate):
    async def script(peer: HostilePeer) -> None:
        await peer._read_more()
        peer.send("<html><body>Welcome to nginx</body></html>")
        await peer.closed_by_client()

    async with HostileServer(certificate, script) as server:
        client = ConsoleClient(server.account(), TrafficStore())
        with pytest.raises(ConnectionFailure, match=r"did not open an XMPP stream \(it sent <html>\)"):
            await client.start_session(timeout=10)
        await client.close()


async def test_a_connection_cut_in_the_middle_of_a_stanza_says_so(hostile):
    half = f"<message id='half' from='{PEER_JID}'><body>never fini"

    async def attack(peer: HostilePeer) -> None:
        peer.send(half)
        await peer.drain()
        peer.cut()

    run = await hostile(attack)
    change = await run.stopped()
    assert change.state is ConnectionState.DISCONNECTED
    assert f"in the middle of a stanza (<message>, {len(half)} bytes received)" in change.message


async def test_a_stall_in_the_middle_of_a_stanza_keeps_the_session_and_times_requests_out(hostile):
    resume = asyncio.Event()

    async def attack(peer: HostilePeer) -> None:
        peer.send(f"<message id='slow' from='{PEER_JID}'><body>wait for it")
        await peer.drain()
        await resume.wait()
        peer.send("…</body></message>")

    run = await hostile(attack)
    (outgoing,) = prepare(f"<iq type='get' id='stalled' to='{DOMAIN}'><ping xmlns='urn:xmpp:ping'/></iq>")
    with pytest.raises(ReplyTimeout):
        await run.client.send_outgoing(outgoing, 0.3)
    assert run.client.online
    resume.set()
    await answered_probe(run)
    assert any(entry.stanza_id == "slow" for entry in run.client.store)


# -- stream errors and redirects -----------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (stream_error("conflict", "Replaced by new connection"), "conflict (Replaced by new connection)"),
        (stream_error("made-up-condition", "what?"), "made-up-condition (not an RFC 6120 condition) (what?)"),
        ("<stream:error/></stream:stream>", "no condition"),
    ],
    ids=["conflict", "unknown-condition", "no-condition"],
)
async def test_a_stream_error_after_login_is_shown_with_condition_and_text(hostile, error, said):
    async def attack(peer: HostilePeer) -> None:
        peer.send(error)

    run = await hostile(attack)
    change = await run.stopped()
    assert change.state is ConnectionState.DISCONNECTED
    assert f"The server ended the stream: {said}" in change.message
    assert change.message.removeprefix("disconnected: ") in run.notices[-1]
    assert change.redirect is None


async def test_a_stream_error_without_the_server_closing_still_ends_the_session(hostile):
    async def attack(peer: HostilePeer) -> None:
        peer.send("<stream:error><reset xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>")

    run = await hostile(attack)
    change = await run.stopped()
    assert "The server ended the stream: reset" in change.message


async def test_see_other_host_after_login_is_reported_and_not_followed(hostile):
    async def attack(peer: HostilePeer) -> None:
        peer.send(stream_error("see-other-host", inner="[::1]:5999"))

    run = await hostile(attack)
    change = await run.stopped()
    assert change.redirect == Redirect("::1", 5999)
    assert "asks to connect to [::1]:5999 instead" in change.message
    await asyncio.sleep(0)  # slixmpp's own handler would have scheduled the reconnection by now
    assert not run.client.is_connecting() and len(run.server.peers) == 1


async def test_see_other_host_before_login_sends_no_credentials_anywhere(certificate):
    async def script(peer: HostilePeer) -> None:
        await peer.open_stream(STARTTLS_FEATURES)
        await peer.start_tls()
        await peer.open_stream(SASL_FEATURES, before="")
        peer.send(stream_error("see-other-host", "moved", inner="other.example:5223"))
        await peer.closed_by_client()

    async with HostileServer(certificate, script) as server:
        client = ConsoleClient(server.account(), TrafficStore())
        with pytest.raises(ConnectionFailure) as failure:
            await client.start_session(timeout=10)
        await client.close()
        assert failure.value.redirect == Redirect("other.example", 5223)
        assert "see-other-host (moved)" in str(failure.value)
        assert len(server.peers) == 1, "no second connection"
        assert not any(element.tag.endswith("auth") for element in server.peers[0].received)


@pytest.mark.parametrize("address", ["", "bad host:1", "host:99999", "[zz]:1"])
async def test_a_redirect_to_an_unusable_address_says_why(hostile, address):
    async def attack(peer: HostilePeer) -> None:
        peer.send(stream_error("see-other-host", inner=address))

    run = await hostile(attack)
    change = await run.stopped()
    assert change.redirect is None
    assert "its redirect cannot be followed" in change.message


# -- a login that cannot happen says why ----------------------------------------------------


async def features_over_tls(peer: HostilePeer, features: str) -> None:
    await peer.open_stream(STARTTLS_FEATURES)
    await peer.start_tls()
    await peer.open_stream(features)


def refusing(condition: str, text: str = "") -> Attack:
    async def script(peer: HostilePeer) -> None:
        await features_over_tls(peer, SASL_FEATURES)
        await peer.element("auth")
        text_element = f"<text>{text}</text>" if text else ""
        peer.send(f"<failure xmlns='{SASL_NS}'><{condition}/>{text_element}</failure>")

    return script


def offering(features: str, tls: bool = True) -> Attack:
    async def script(peer: HostilePeer) -> None:
        if tls:
            await features_over_tls(peer, features)
        else:
            await peer.open_stream(features)

    return script


@pytest.mark.parametrize(
    ("script", "said"),
    [
        (offering(SASL_FEATURES, tls=False), "offers no STARTTLS, so the connection is not encrypted"),
        (offering(SASL_FEATURES + BIND_FEATURES, tls=False), "offers no STARTTLS"),
        (
            offering(f"<mechanisms xmlns='{SASL_NS}'><mechanism>X-MADE-UP</mechanism></mechanisms>"),
            "offers no login method iqconsole can use (it offers: X-MADE-UP). Enable a password method",
        ),
        (offering(f"<mechanisms xmlns='{SASL_NS}'/>"), "offers no login method iqconsole can use (it offers: none)"),
        (offering(""), "offers no way to log in (its stream features list no SASL mechanisms)"),
        (offering("", tls=False), "offers no way to log in"),
        (
            refusing("not-authorized"),
            "Authentication failed for tester@localhost/console: wrong JID or password (the server said "
            "not-authorized); correct them and try again.",
        ),
        (
            refusing("encryption-required", "no PLAIN here"),
            "this login method needs an encrypted connection (the server said encryption-required: no PLAIN here)",
        ),
        (refusing("account-disabled"), "the account is disabled (the server said account-disabled)"),
        (refusing("made-up"), "the server refused the login (the server said made-up); its log may say why."),
    ],
    ids=[
        "no-starttls",
        "no-starttls-but-bind",
        "unknown-mechanism",
        "no-mechanism",
        "no-sasl-over-tls",
        "no-sasl-no-tls",
        "not-authorized",
        "encryption-required",
        "account-disabled",
        "unknown-condition",
    ],
)
async def test_a_login_that_cannot_happen_says_what_happened_and_what_to_do(certificate, script, said):
    async def server_side(peer: HostilePeer) -> None:
        await script(peer)
        await peer.closed_by_client()

    async with HostileServer(certificate, server_side) as server:
        client = ConsoleClient(server.account(), TrafficStore())
        with pytest.raises(ConnectionFailure) as failure:
            await client.start_session(timeout=10)
        await client.close()
        assert said in str(failure.value)
        assert not server.failures
        if "STARTTLS" in said:
            assert not any(element.tag.endswith("auth") for element in server.peers[0].received), "no password sent"


# -- pairing: only the entity asked answers ------------------------------------------------


async def test_replies_from_the_wrong_entity_or_twice_are_shown_and_not_paired(hostile):
    async def attack(peer: HostilePeer) -> None:
        await peer.request(lambda iq: iq.get("id") == "q1")
        peer.send(f"<iq type='result' id='q1' from='mallory@evil.example' to='{FULL_JID}'/>")
        peer.send(f"<iq type='result' id='q1' to='{FULL_JID}'/>")  # no from: the server, not the peer asked
        peer.send(f"<iq type='result' id='q1' from='{PEER_JID}' to='{FULL_JID}'/>")
        peer.send(f"<iq type='result' id='q1' from='{PEER_JID}' to='{FULL_JID}'/>")  # again

    run = await hostile(attack)
    (outgoing,) = prepare(f"<iq type='get' id='q1' to='{PEER_JID}'><ping xmlns='urn:xmpp:ping'/></iq>")
    reply = await run.client.send_outgoing(outgoing, 5)
    await answered_probe(run)
    replies = [entry for entry in run.client.store if entry.stanza_id == "q1" and entry.is_reply]
    assert [entry.sender for entry in replies] == ["mallory@evil.example", "", PEER_JID, PEER_JID]
    assert reply is replies[2]
    pairing = run.client.store.pairing_of(reply)
    assert pairing.state is PairState.ANSWERED
    assert [run.client.store.pairing_of(entry) for entry in (replies[0], replies[1], replies[3])] == [None] * 3


async def test_a_reply_without_from_pairs_with_a_request_to_our_own_server(hostile):
    async def attack(peer: HostilePeer) -> None:
        await peer.request(lambda iq: iq.get("id") == "own")
        peer.send(f"<iq type='result' id='own' to='{FULL_JID}'/>")

    run = await hostile(attack)
    (outgoing,) = prepare(f"<iq type='get' id='own' to='{DOMAIN}'><ping xmlns='urn:xmpp:ping'/></iq>")
    reply = await run.client.send_outgoing(outgoing, 5)
    assert reply.sender == "" and run.client.store.pairing_of(reply).state is PairState.ANSWERED


# -- after the login ------------------------------------------------------------------------


async def test_bytes_after_proceed_are_not_read_as_the_encrypted_stream(certificate):
    async def script(peer: HostilePeer) -> None:
        await peer.open_stream(STARTTLS_FEATURES)
        await peer.element("starttls")
        injected = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"
        peer.send(f"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>{injected}")
        await peer.drain()
        await peer.writer.start_tls(peer.context)
        await peer.open_stream(SASL_FEATURES)
        await peer.authenticate()
        await peer.open_stream(BIND_FEATURES)
        await peer.bind()
        await peer.closed_by_client(timeout=None)

    async with HostileServer(certificate, script) as server:
        client = ConsoleClient(server.account(), TrafficStore())
        await client.start_session(timeout=10)
        await client.close()
        auth = [element for element in server.peers[0].received if element.tag.endswith("auth")]
        assert len(auth) == 1, "the client authenticated over TLS, as asked by the real features"
        assert PASSWORD not in "".join(entry.xml for entry in client.store)
        assert not any("success" in entry.xml and entry.seq < 5 for entry in client.store)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def test_a_50_mb_stanza_is_skipped_with_memory_returned(hostile):
    size = 50 * 1024 * 1024
    before: list[float] = []

    async def attack(peer: HostilePeer) -> None:
        before.append(rss_mb())
        peer.send(b"<message id='huge'><body>")
        chunk = b"y" * (1024 * 1024)
        for _ in range(size // len(chunk)):
            peer.send(chunk)
            await peer.drain()
        peer.send(b"</body></message>")

    run = await hostile(attack)
    await answered_probe(run)
    gc.collect()
    assert run.client.store.skipped == 1
    assert "larger than 10,485,760 bytes" in run.notices[0]
    assert rss_mb() - before[0] < 40, "the skipped stanza was not kept"


async def test_stream_header_is_still_recorded_for_each_stream(hostile):
    run = await hostile(lambda peer: asyncio.sleep(0))
    await answered_probe(run)
    headers = [entry for entry in run.client.store if entry.kind is Kind.STREAM and entry.tag == "stream"]
    assert len(headers) == 3, "the first stream, after STARTTLS, after SASL"


# -- limits the user configured ---------------------------------------------------------------


# 30 KB nested 22 deep: well within the default limits (10 MB, 256 levels), over 20KB and 16.
BIG_AND_DEEP = (
    f"<iq type='get' id='big' from='{PEER_JID}' to='{FULL_JID}'><query xmlns='urn:example:big'>"
    + "<a>" * 20
    + "x" * 30_000
    + "</a>" * 20
    + "</query></iq>"
)


@pytest.mark.parametrize(
    ("config", "options", "taken"),
    [
        ("", [], True),
        ("", ["--max-stanza-size", "20KB"], False),
        ("", ["--max-depth", "16"], False),
        ("max-stanza-size = '20KB'\n", [], False),
        ("max-depth = 16\n", [], False),
        ("max-stanza-size = 20480\nmax-depth = 16\n", ["--max-stanza-size", "1MB", "--max-depth", "64"], True),
    ],
    ids=["defaults", "size-option", "depth-option", "size-in-config", "depth-in-config", "options-win"],
)
async def test_configured_limits_skip_a_stanza_the_defaults_take(certificate, tmp_path, config, options, taken):
    """Through the command line (`iqconsole respond`): a stanza answered under the default limits is
    skipped, so never answered, under lower ones from an option or the config file."""
    config_file = Path(os.environ["XDG_CONFIG_HOME"]) / "iqconsole" / "config.toml"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(config)
    responders = tmp_path / "responders.toml"
    responders.write_text(RESPONDER_FILE)
    replies: list[ET.Element] = []

    async def script(peer: HostilePeer) -> None:
        await logged_in(peer)
        peer.send(BIG_AND_DEEP)
        await peer.probe()  # answered in order: a reply to 'big' would have come before
        replies.extend(element for element in peer.received if element.tag.endswith("iq"))
        await peer.closed_by_client(timeout=None)

    async with HostileServer(certificate, script) as server:
        process = await asyncio.create_subprocess_exec(
            str(IQCONSOLE),
            "respond",
            *("--jid", FULL_JID, "--host", "127.0.0.1", "--port", str(server.port)),
            *("--ca-file", str(server.cert_file), "--password-env", "IQC_PASSWORD", "--responders", str(responders)),
            *options,
            env={**os.environ, "IQC_PASSWORD": PASSWORD},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await eventually(
                lambda: bool(replies) or process.returncode is not None, timeout=30, what="the probe answered"
            )
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)
            _, stderr = await asyncio.wait_for(process.communicate(), 15)
        assert replies, stderr.decode()
        assert not server.failures
    answered = {reply.get("id") for reply in replies}
    assert "probe" in answered
    assert ("big" in answered) is taken
