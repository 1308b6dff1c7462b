"""Traffic exports: JSON Lines round trip with pairing, plain XML that parses, broken-file errors."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from iqconsole.core.redact import REDACTED, redact
from iqconsole.core.traffic import CLIENT_NS, Direction, Kind, PairState, TrafficStore
from iqconsole.core.traffic_export import (
    FORMAT,
    FORMAT_VERSION,
    TrafficFileError,
    load_store,
    read_jsonl,
    write_jsonl,
    write_xml,
)
from iqconsole.core.traffic_filter import compile_filter
from tests.recorded_traffic import every_request_state

IN, OUT = Direction.IN, Direction.OUT
SECRET = "AGFsaWNlAHMzY3IzdA=="
LOG = f"{{{CLIENT_NS}}}"


def recorded_store() -> TrafficStore:
    store = TrafficStore(own_jid="alice@example.org/console")
    store.append(
        OUT,
        Kind.STREAM,
        "<stream:stream to='example.org' xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>",
        at=(1.0, 1_700_000_000.5),
    )
    auth, was_redacted = redact(f"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{SECRET}</auth>")
    store.append(
        OUT,
        Kind.SASL,
        auth,
        tag="auth",
        namespace="urn:ietf:params:xml:ns:xmpp-sasl",
        redacted=was_redacted,
        at=(1.1, 1_700_000_000.6),
    )
    store.append(
        OUT,
        Kind.IQ,
        "<iq type='get' id='v1' to='example.org'><query xmlns='jabber:iq:version'/></iq>",
        tag="iq",
        stanza_id="v1",
        recipient="example.org",
        type="get",
        namespace="jabber:iq:version",
        at=(2.0, 1_700_000_001.0),
    )
    store.append(
        IN,
        Kind.IQ,
        "<iq type='result' id='v1' from='example.org'>"
        "<query xmlns='jabber:iq:version'><name>Prosody — ünïcode</name></query></iq>",
        tag="iq",
        stanza_id="v1",
        sender="example.org",
        type="result",
        namespace="jabber:iq:version",
        at=(2.25, 1_700_000_001.25),
    )
    store.append(
        IN,
        Kind.IQ,
        "<iq type='get' id='ping-9' from='bob@example.org/x'><ping xmlns='urn:xmpp:ping'/></iq>",
        tag="iq",
        stanza_id="ping-9",
        sender="bob@example.org/x",
        type="get",
        namespace="urn:xmpp:ping",
        at=(3.0, 1_700_000_002.0),
    )
    store.append(
        OUT,
        Kind.IQ,
        "<iq type='result' id='ping-9' to='bob@example.org/x'/>",
        tag="iq",
        stanza_id="ping-9",
        recipient="bob@example.org/x",
        type="result",
        responder="Ping\nreply",
        at=(3.01, 1_700_000_002.01),
    )
    store.append(
        OUT,
        Kind.IQ,
        "<iq type='get' id='lost' to='nobody.example.org'><ping xmlns='urn:xmpp:ping'/></iq>",
        tag="iq",
        stanza_id="lost",
        recipient="nobody.example.org",
        type="get",
        namespace="urn:xmpp:ping",
        at=(4.0, 1_700_000_003.0),
    )
    store.mark_timed_out(OUT, "lost")
    store.append(
        OUT,
        Kind.IQ,
        "<iq type='get' id='waiting' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>",
        tag="iq",
        stanza_id="waiting",
        recipient="example.org",
        type="get",
        namespace="urn:xmpp:ping",
        at=(5.0, 1_700_000_004.0),
    )
    store.append(OUT, Kind.KEEPALIVE, " ", at=(6.0, 1_700_000_005.0))
    return store


def pair_states(store: TrafficStore) -> list[tuple[str, PairState, str | None, float | None]]:
    return [
        (
            pairing.request.stanza_id,
            pairing.state,
            pairing.reply.stanza_id if pairing.reply else None,
            pairing.round_trip,
        )
        for pairing in store.pairings.values()
    ]


# -- JSON Lines ----------------------------------------------------------------------------


def test_jsonl_starts_with_a_header_then_one_plain_object_per_entry(tmp_path):
    path = tmp_path / "traffic.jsonl"
    store = recorded_store()
    assert write_jsonl(path, store) == len(store)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0]) == {"format": FORMAT, "version": FORMAT_VERSION, "own_jid": store.own_jid}
    version_reply = json.loads(lines[4])
    assert version_reply["direction"] == "in" and version_reply["kind"] == "iq"
    assert version_reply["wall"] == 1_700_000_001.25 and version_reply["gave_up"] is None
    assert json.loads(lines[7])["gave_up"] == "timed out"
    assert "ünïcode" in lines[4]  # readable as written, not \u-escaped
    assert len(lines) == len(store) + 1


def test_read_jsonl_gives_back_equal_entries(tmp_path):
    path = tmp_path / "traffic.jsonl"
    store = recorded_store()
    write_jsonl(path, store)
    assert read_jsonl(path) == list(store)


def test_load_store_restores_times_pairing_timeouts_and_own_jid(tmp_path):
    path = tmp_path / "traffic.jsonl"
    store = recorded_store()
    write_jsonl(path, store)
    loaded = load_store(path).store
    assert list(loaded) == list(store)
    assert loaded.own_jid == store.own_jid
    assert pair_states(loaded) == pair_states(store)
    assert [state for _id, state, _reply, _rtt in pair_states(loaded)] == [
        PairState.ANSWERED,
        PairState.ANSWERED,
        PairState.TIMED_OUT,
        PairState.PENDING,
    ]
    assert (loaded.count_in, loaded.count_out, loaded.pending_out) == (store.count_in, store.count_out, 1)


def request_states(store: TrafficStore) -> list[tuple]:
    return [
        (pairing.request.stanza_id, pairing.state, pairing.gave_up, pairing.late, pairing.round_trip)
        for pairing in store.pairings.values()
    ]


def test_every_request_state_comes_back_from_an_export(tmp_path):
    path = tmp_path / "states.jsonl"
    store = every_request_state()
    write_jsonl(path, store)
    loaded = load_store(path).store
    assert request_states(loaded) == request_states(store)
    assert {stanza_id: (state, late) for stanza_id, state, _gave_up, late, _rtt in request_states(loaded)} == {
        "answered": (PairState.ANSWERED, False),
        "error": (PairState.ERROR, False),
        "timed-out": (PairState.TIMED_OUT, False),
        "cancelled": (PairState.CANCELLED, False),
        "late": (PairState.ANSWERED, True),
        "late-after-cancel": (PairState.ANSWERED, True),
        "pending": (PairState.PENDING, False),
    }
    assert loaded.pending_out == store.pending_out == 1


def test_a_timeout_written_by_iqconsole_0_1_is_read(tmp_path):
    path = tmp_path / "old.jsonl"
    header = json.dumps({"format": FORMAT, "version": 1})
    request = {**GOOD_ENTRY, "kind": "iq", "type": "get", "stanza_id": "old", "timed_out": True}
    path.write_text(f"{header}\n{json.dumps(request)}\n", encoding="utf-8")
    assert [pairing.state for pairing in load_store(path).store.pairings.values()] == [PairState.TIMED_OUT]


def test_a_filtered_export_renumbers_on_load_and_still_pairs(tmp_path):
    path = tmp_path / "iq.jsonl"
    store = recorded_store()
    assert write_jsonl(path, store, compile_filter("kind:iq id:v1")) == 2
    assert [entry.seq for entry in read_jsonl(path)] == [2, 3]
    loaded = load_store(path).store
    assert [entry.seq for entry in loaded] == [0, 1]
    originals = list(store)[2:4]
    assert [replace(entry, seq=original.seq) for entry, original in zip(loaded, originals, strict=False)] == originals
    assert pair_states(loaded) == [("v1", PairState.ANSWERED, "v1", 0.25)]


def test_redacted_text_stays_redacted_through_export_and_import(tmp_path):
    store = recorded_store()
    jsonl, xml = tmp_path / "traffic.jsonl", tmp_path / "traffic.xml"
    write_jsonl(jsonl, store)
    write_xml(xml, store)
    for path in (jsonl, xml):
        assert SECRET not in path.read_text(encoding="utf-8")
    auth = load_store(jsonl).store[1]
    assert auth.redacted and REDACTED in auth.xml and SECRET not in auth.xml


def test_load_store_keeps_only_the_newest_entries_when_the_capacity_is_smaller(tmp_path):
    path = tmp_path / "traffic.jsonl"
    write_jsonl(path, recorded_store())
    loaded = load_store(path, capacity=3).store
    assert len(loaded) == 3 and loaded.dropped == 6 and loaded[-1].kind is Kind.KEEPALIVE


def test_blank_lines_and_unknown_keys_are_ignored_and_whole_numbers_are_times(tmp_path):
    path = tmp_path / "hand-written.jsonl"
    header = json.dumps({"format": FORMAT, "version": 1})
    entry = {
        "seq": 0,
        "direction": "in",
        "monotonic": 1,
        "wall": 2,
        "kind": "presence",
        "xml": "<presence/>",
        "note": "added by hand",
    }
    path.write_text(f"{header}\n\n{json.dumps(entry)}\n\n", encoding="utf-8")
    (presence,) = read_jsonl(path)
    assert (presence.monotonic, presence.wall, presence.tag, presence.redacted) == (1.0, 2.0, "", False)
    assert load_store(path).store.own_jid == ""


GOOD_ENTRY = {"seq": 0, "direction": "out", "monotonic": 1.0, "wall": 2.0, "kind": "iq", "xml": "<iq/>"}


HEADER_PROBLEMS = [
    ([], 1, "the file is empty"),
    (["{not json"], 1, "not JSON"),
    (['{"format": "something-else", "version": 1}'], 1, f"not an {FORMAT} export"),
    ([json.dumps({"format": FORMAT, "version": 99})], 1, "format version 99"),
    ([json.dumps({"format": FORMAT, "version": True})], 1, "format version True"),
]
DEEP_XML = "<iq>" + "<a>" * 300 + "</a>" * 300 + "</iq>"
ENTRY_PROBLEMS = [
    (["HEADER", "[1, 2]"], 2, "expected a JSON object"),
    (["HEADER", json.dumps(GOOD_ENTRY), '{"seq": 1,'], 3, "not JSON"),
    (["HEADER", "[" * 100_000 + "]" * 100_000], 2, "nested too deeply"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "kind": "chat"})], 2, "kind 'chat' is not one of iq, message"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "direction": "up"})], 2, "direction 'up' is not one of in, out"),
    (
        ["HEADER", json.dumps({k: v for k, v in GOOD_ENTRY.items() if k not in ("xml", "wall")})],
        2,
        "missing wall, xml",
    ),
    (["HEADER", json.dumps({**GOOD_ENTRY, "seq": "1"})], 2, "seq must be a whole number"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "wall": "noon"})], 2, "wall must be a number"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "wall": True})], 2, "wall must be a number"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "wall": float("nan")})], 2, "wall must be a finite number, not nan"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "monotonic": float("inf")})], 2, "monotonic must be a finite number"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "wall": 1e300})], 2, "wall must be a time between 1970 and 9999"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "wall": 10**400})], 2, "wall must be a finite number, not inf"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "redacted": "yes"})], 2, "redacted must be true or false"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "xml": 5})], 2, "xml must be a string"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "xml": DEEP_XML})], 2, "nests elements more than 256 levels deep"),
    (["HEADER", json.dumps({**GOOD_ENTRY, "timed_out": 1})], 2, "timed_out must be true or false"),
    (
        ["HEADER", json.dumps({**GOOD_ENTRY, "gave_up": "bored"})],
        2,
        "gave_up 'bored' is not one of timed out, cancelled",
    ),
]


def write_lines(path, lines):
    header = json.dumps({"format": FORMAT, "version": FORMAT_VERSION})
    path.write_text("".join(text.replace("HEADER", header) + "\n" for text in lines), encoding="utf-8")


@pytest.mark.parametrize(("lines", "line", "words"), HEADER_PROBLEMS + ENTRY_PROBLEMS)
def test_a_broken_file_names_the_file_and_the_line(tmp_path, lines, line, words):
    path = tmp_path / "broken.jsonl"
    write_lines(path, lines)
    with pytest.raises(TrafficFileError) as caught:
        read_jsonl(path)
    assert (caught.value.path, caught.value.line) == (path, line)
    assert words in caught.value.message
    assert str(caught.value).startswith(f"{path}, line {line}: ")


@pytest.mark.parametrize(("lines", "line", "words"), HEADER_PROBLEMS)
def test_a_file_that_is_not_an_export_is_refused_whole(tmp_path, lines, line, words):
    path = tmp_path / "broken.jsonl"
    write_lines(path, lines)
    with pytest.raises(TrafficFileError, match=words):
        load_store(path)


@pytest.mark.parametrize(("lines", "line", "words"), ENTRY_PROBLEMS)
def test_a_bad_line_is_skipped_with_its_reason_and_the_rest_is_loaded(tmp_path, lines, line, words):
    path = tmp_path / "broken.jsonl"
    good = {**GOOD_ENTRY, "xml": "<iq type='get' id='after'/>"}
    write_lines(path, [*lines, json.dumps(good)])
    loaded = load_store(path)
    (problem,) = loaded.skipped
    assert problem.line == line and words in problem.message
    assert loaded.store[len(loaded.store) - 1].xml == good["xml"], "the lines after it are loaded"


def test_bytes_that_are_not_utf8_are_reported_with_their_line(tmp_path):
    path = tmp_path / "latin1.jsonl"
    header = json.dumps({"format": FORMAT, "version": FORMAT_VERSION}).encode()
    path.write_bytes(header + b"\n" + json.dumps(GOOD_ENTRY).encode() + b"\n" + '{"xml": "é"}'.encode("latin-1"))
    with pytest.raises(TrafficFileError, match=r"line 3: not UTF-8 text"):
        read_jsonl(path)


# -- plain XML -----------------------------------------------------------------------------


def test_the_xml_export_parses_and_holds_each_stanza_in_an_entry(tmp_path):
    path = tmp_path / "traffic.xml"
    store = recorded_store()
    assert write_xml(path, store) == len(store)
    log = ET.parse(path).getroot()
    assert log.tag == f"{LOG}log" and log.get("own-jid") == store.own_jid
    entries = log.findall(f"{LOG}entry")
    assert [entry.get("seq") for entry in entries] == [str(entry.seq) for entry in store]
    version_reply = entries[3]
    assert (version_reply.get("direction"), version_reply.get("kind")) == ("in", "iq")
    assert version_reply.get("time") == "2023-11-14T22:13:21.250Z"
    name = version_reply.find(f"{LOG}iq/{{jabber:iq:version}}query/{{jabber:iq:version}}name")
    assert name is not None and name.text == "Prosody — ünïcode"


def test_the_xml_export_keeps_stream_headers_and_keepalives_as_text(tmp_path):
    path = tmp_path / "traffic.xml"
    store = recorded_store()
    write_xml(path, store)
    entries = ET.parse(path).getroot().findall(f"{LOG}entry")
    header, keepalive = entries[0], entries[-1]
    assert len(header) == 0 and header.text.strip() == store[0].xml
    assert keepalive.get("kind") == "keepalive" and len(keepalive) == 0


def test_the_xml_export_follows_the_filter(tmp_path):
    path = tmp_path / "pings.xml"
    assert write_xml(path, recorded_store(), compile_filter("ns:ping type:get")) == 3
    stanzas = [entry[0] for entry in ET.parse(path).getroot()]
    assert [stanza.get("id") for stanza in stanzas] == ["ping-9", "lost", "waiting"]
