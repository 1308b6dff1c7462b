"""The rows a traffic view shows: filtering that covers the past, follows new traffic, and
survives the ring dropping its oldest entries."""

from __future__ import annotations

import time

import pytest

from iqconsole.core.pretty import pretty_xml, raw_xml
from iqconsole.core.traffic import Direction, Kind, TrafficStore
from iqconsole.core.traffic_rows import TrafficRows, is_noise
from iqconsole.core.traffic_summary import (
    duration_label,
    entry_summary,
    namespace_label,
    recording_summary,
    size_label,
)


def fill(store: TrafficStore, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        if number % 3 == 0:
            store.append(Direction.OUT, Kind.KEEPALIVE, " ")
        else:
            store.append(
                Direction.IN, Kind.IQ, f'<iq id="i{number}" type="result"/>', stanza_id=f"i{number}", type="result"
            )


def test_without_a_filter_the_rows_are_the_store():
    store = TrafficStore(capacity=10)
    rows = TrafficRows(store)
    fill(store, 4)
    assert rows.update() == 4 and len(rows) == 4 and rows.hidden == 0
    assert rows.entry(0).seq == 0 and rows.entry(4) is None
    assert rows.row_of(3) == 3


def test_a_filter_covers_the_past_and_new_entries():
    store = TrafficStore()
    fill(store, 6)
    rows = TrafficRows(store, lambda entry: not is_noise(entry))
    assert [rows.entry(row).stanza_id for row in range(len(rows))] == ["i1", "i2", "i4", "i5"]
    assert rows.hidden == 2
    fill(store, 3, start=6)
    assert rows.update() == 2
    assert rows.row_of(0) is None, "a hidden entry has no row"
    assert rows.row_of(8) == 5


def test_rows_drop_with_the_ring_and_counters_stay_true():
    store = TrafficStore(capacity=5)
    rows = TrafficRows(store, lambda entry: entry.kind is Kind.IQ)
    fill(store, 12)
    rows.update()
    kept = [rows.entry(row).seq for row in range(len(rows))]
    assert kept == [seq for seq in range(7, 12) if seq % 3 != 0]
    assert all(rows.entry(row) is not None for row in range(len(rows)))
    assert store.dropped == 7


def test_noise_is_keepalives_stream_elements_and_sm_acks_only():
    store = TrafficStore()
    keepalive = store.append(Direction.OUT, Kind.KEEPALIVE, " ")
    header = store.append(Direction.IN, Kind.STREAM, "<stream:stream>", tag="stream")
    ack = store.append(Direction.IN, Kind.SM, '<a xmlns="urn:xmpp:sm:3" h="1"/>', tag="a")
    enable = store.append(Direction.OUT, Kind.SM, '<enable xmlns="urn:xmpp:sm:3"/>', tag="enable")
    sasl = store.append(Direction.OUT, Kind.SASL, "<auth/>", tag="auth")
    assert [is_noise(entry) for entry in (keepalive, header, ack, enable, sasl)] == [True, True, True, False, False]


def test_summary_names_kind_type_peer_id_namespace_and_size():
    store = TrafficStore()
    out = store.append(
        Direction.OUT,
        Kind.IQ,
        '<iq type="get" to="localhost" id="v1"><query xmlns="jabber:iq:version"/></iq>',
        stanza_id="v1",
        type="get",
        recipient="localhost",
        namespace="jabber:iq:version",
    )
    assert entry_summary(out) == f"iq get to localhost id=v1 jabber:iq:version (XEP-0092) {out.size} B"
    assert namespace_label("http://jabber.org/protocol/disco#info") == "disco#info (XEP-0030)"
    assert namespace_label("urn:example:unknown") == "urn:example:unknown"
    sasl = store.append(Direction.IN, Kind.SASL, "<success/>", tag="success")
    assert entry_summary(sasl) == "sasl:success 10 B"
    assert size_label(2048) == "2.0 KB" and size_label(3 * 1024 * 1024) == "3.0 MB"


def test_long_text_is_folded_with_its_length_and_huge_stanzas_are_cut():
    avatar = "QUJD" * 50_000  # 200,000 chars of base64
    pretty = pretty_xml(
        f"<iq type='result' id='v'><vCard xmlns='vcard-temp'><PHOTO><BINVAL>{avatar}</BINVAL></PHOTO></vCard></iq>"
    )
    assert "[200,000 chars folded]" in pretty and len(pretty) < 1000
    assert "<BINVAL>QUJDQUJD" in pretty, "the start stays readable"
    many = "<iq type='result' id='r'><query xmlns='jabber:iq:roster'>" + "<item jid='a@b'/>" * 60_000 + "</query></iq>"
    shown = pretty_xml(many)
    assert len(shown) < 300_000 and shown.endswith("characters in all")
    assert raw_xml("<a/>") == "<a/>"


@pytest.fixture
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("seconds", "label"),
    [(0.021, "21 ms"), (4.25, "4.2 s"), (185, "3 min 5 s"), (2 * 3600 + 48 * 60 + 7, "2 h 48 min")],
)
def test_durations_read_at_a_glance(seconds, label):
    assert duration_label(seconds) == label


def test_a_recording_is_summed_up_by_name_count_span_and_account(utc):
    store = TrafficStore(own_jid="alice@localhost/console")
    for offset in (0.0, 0.5, 61.25):
        store.append(Direction.OUT, Kind.KEEPALIVE, " ", at=(offset, 1_700_000_000.0 + offset))
    assert recording_summary("log.jsonl", store) == (
        "log.jsonl · 3 stanzas · 2023-11-14 22:13:20 → 22:14:21 (1 min 1 s) · recorded as alice@localhost/console"
    )


def test_a_recording_over_midnight_shows_both_dates_and_what_was_not_kept(utc):
    store = TrafficStore(capacity=2)
    for offset in (0.0, 1.0, 7200.0):
        store.append(Direction.OUT, Kind.KEEPALIVE, " ", at=(offset, 1_700_000_000.0 + offset))
    assert recording_summary("big.jsonl", store) == (
        "big.jsonl · 2 stanzas (the oldest 1 not kept) · 2023-11-14 22:13:21 → 2023-11-15 00:13:20 (1 h 59 min)"
    )
    assert recording_summary("empty.jsonl", TrafficStore()) == "empty.jsonl · no stanzas"
