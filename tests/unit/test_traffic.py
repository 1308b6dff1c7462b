"""The traffic record: ring, counters, lookup, request/reply pairing, classification."""

from __future__ import annotations

import pytest

from iqconsole.core.protocol import CLIENT_NS, SASL_NS, STREAM_NS, Kind, kind_of
from iqconsole.core.traffic import Direction, PairState, TrafficEntry, TrafficStore

OUT, IN = Direction.OUT, Direction.IN


def message(store: TrafficStore, direction: Direction = IN, n: int = 0):
    return store.append(direction, Kind.MESSAGE, f"<message id='m{n}'/>", tag="message", stanza_id=f"m{n}")


def request(store, stanza_id="q1", to="", sender="", direction=OUT, iq_type="get", at=10.0) -> TrafficEntry:
    return store.append(
        direction,
        Kind.IQ,
        f"<iq type='{iq_type}' id='{stanza_id}'/>",
        tag="iq",
        stanza_id=stanza_id,
        recipient=to,
        sender=sender,
        type=iq_type,
        at=(at, 1_700_000_000.0 + at),
    )


def reply(store, stanza_id="q1", sender="", to="", direction=IN, iq_type="result", at=10.5) -> TrafficEntry:
    return store.append(
        direction,
        Kind.IQ,
        f"<iq type='{iq_type}' id='{stanza_id}'/>",
        tag="iq",
        stanza_id=stanza_id,
        sender=sender,
        recipient=to,
        type=iq_type,
        at=(at, 1_700_000_000.0 + at),
    )


# -- store and counters -------------------------------------------------------------------


def test_append_records_the_entry_and_counts_each_direction():
    store = TrafficStore()
    first = message(store, IN, 0)
    second = message(store, OUT, 1)
    third = message(store, OUT, 2)
    assert [entry.seq for entry in store] == [0, 1, 2]
    assert list(store) == [first, second, third]
    assert (store.count_in, store.count_out, store.total, len(store)) == (1, 2, 3, 3)
    assert store[0] is first and store[-1] is third
    assert first.direction is IN and first.xml == "<message id='m0'/>" and first.size == len(first.xml)


def test_append_uses_the_given_times_for_recorded_traffic():
    store = TrafficStore()
    entry = store.append(IN, Kind.PRESENCE, "<presence/>", at=(42.0, 1_234.5))
    assert (entry.monotonic, entry.wall) == (42.0, 1_234.5)


def test_ring_drops_the_oldest_and_counts_dropped():
    store = TrafficStore(capacity=3)
    for n in range(5):
        message(store, IN if n % 2 else OUT, n)
    assert [entry.stanza_id for entry in store] == ["m2", "m3", "m4"]
    assert len(store) == 3
    assert store.dropped == 2
    assert store.total == 5
    assert store.first_seq == 2


def test_counters_never_reset_when_the_ring_wraps():
    store = TrafficStore(capacity=2)
    for n in range(7):
        message(store, IN, n)
    for n in range(4):
        message(store, OUT, 100 + n)
    assert store.count_in == 7
    assert store.count_out == 4
    assert store.total == 11
    assert store.dropped == 9
    assert len(store) == 2


def test_by_seq_finds_entries_still_in_the_ring_only():
    store = TrafficStore(capacity=3)
    entries = [message(store, IN, n) for n in range(5)]
    assert store.by_seq(4) is entries[4]
    assert store.by_seq(2) is entries[2]
    assert store.by_seq(1) is None  # dropped
    assert store.by_seq(5) is None  # not yet appended
    assert store.by_seq(-1) is None


# -- pairing of our requests --------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "answered_from"),
    [
        ("juliet@example.org/balcony", "juliet@example.org"),  # bare JID answers for the full JID
        ("juliet@example.org/balcony", "example.org"),  # the domain answers
        ("juliet@example.org/balcony", "juliet@example.org/balcony"),  # the full JID itself
        ("juliet@example.org", "juliet@example.org"),
        ("pubsub.example.org", "pubsub.example.org"),
        ("example.org", ""),  # no from: the account's own server answered (RFC 6120 §8.1.2.1)
        ("Romeo@example.org", ""),  # … or the server on behalf of our own bare JID
        ("Juliet@Example.org/balcony", "juliet@example.org"),  # JIDs compare case-insensitively
    ],
)
def test_reply_from_an_acceptable_form_of_the_peer_is_paired(to, answered_from):
    store = TrafficStore(own_jid="romeo@example.org/orchard")
    sent = request(store, to=to, at=10.0)
    got = reply(store, sender=answered_from, to="romeo@example.org/orchard", at=10.25)
    pairing = store.pairing_of(sent)
    assert pairing is not None
    assert pairing.state is PairState.ANSWERED
    assert pairing.reply is got
    assert store.pairing_of(got) is pairing
    assert pairing.round_trip == pytest.approx(0.25)
    assert store.pending_out == 0


@pytest.mark.parametrize("answered_from", ["romeo@example.org", "example.org", ""])
def test_request_without_to_is_answered_by_own_bare_jid_or_domain(answered_from):
    store = TrafficStore(own_jid="romeo@example.org/orchard")
    sent = request(store, to="")
    reply(store, sender=answered_from)
    assert store.pairing_of(sent).state is PairState.ANSWERED


@pytest.mark.parametrize(
    ("to", "answered_from"),
    [
        ("juliet@example.org/balcony", "mallory@evil.example"),
        ("juliet@example.org/balcony", "nurse@example.org"),
        ("juliet@example.org", "juliet@example.org/other"),  # a full JID we did not address
        ("pubsub.example.org", "example.org"),  # a domain is not its parent
        ("", "mallory@evil.example"),
        ("juliet@example.org/balcony", ""),  # no from is our server, not the peer asked
        ("pubsub.example.org", ""),
        ("romeo@example.org/orchard", ""),  # our own full JID is another client: it says who it is
    ],
)
def test_reply_from_an_unrelated_jid_is_not_paired(to, answered_from):
    store = TrafficStore(own_jid="romeo@example.org/orchard")
    sent = request(store, to=to)
    got = reply(store, sender=answered_from)
    pairing = store.pairing_of(sent)
    assert pairing.state is PairState.PENDING
    assert pairing.reply is None
    assert pairing.round_trip is None
    assert store.pairing_of(got) is None
    assert store.pending_out == 1


def test_spoofed_reply_does_not_stop_the_real_one_from_pairing():
    store = TrafficStore()
    sent = request(store, to="juliet@example.org/balcony")
    reply(store, sender="mallory@evil.example", at=10.1)
    real = reply(store, sender="juliet@example.org/balcony", at=10.3)
    pairing = store.pairing_of(sent)
    assert pairing.reply is real
    assert pairing.round_trip == pytest.approx(0.3)


def test_reply_with_another_id_is_not_paired():
    store = TrafficStore()
    sent = request(store, stanza_id="q1", to="example.org")
    reply(store, stanza_id="q2", sender="example.org")
    assert store.pairing_of(sent).state is PairState.PENDING


def test_error_reply_gives_error_state():
    store = TrafficStore()
    sent = request(store, to="example.org", at=3.0)
    got = reply(store, sender="example.org", iq_type="error", at=3.5)
    pairing = store.pairing_of(sent)
    assert pairing.state is PairState.ERROR
    assert pairing.reply is got
    assert pairing.round_trip == pytest.approx(0.5)


def test_round_trip_is_reply_minus_request_monotonic_time():
    store = TrafficStore()
    sent = request(store, to="example.org", at=100.125)
    reply(store, sender="example.org", at=101.5)
    assert store.pairing_of(sent).round_trip == pytest.approx(1.375)


def test_mark_timed_out_does_not_undo_an_answer():
    store = TrafficStore()
    sent = request(store, to="example.org")
    reply(store, sender="example.org")
    store.mark_timed_out(OUT, "q1")
    assert store.pairing_of(sent).state is PairState.ANSWERED


def test_results_and_non_iq_entries_are_not_requests():
    store = TrafficStore()
    unsolicited = reply(store, stanza_id="x", sender="example.org")
    note = message(store, IN, 1)
    assert store.pairing_of(unsolicited) is None
    assert store.pairing_of(note) is None
    assert store.pending_out == 0


def test_incoming_request_is_paired_with_our_outgoing_reply():
    store = TrafficStore(own_jid="romeo@example.org/orchard")
    asked = request(
        store,
        stanza_id="ping1",
        direction=IN,
        sender="juliet@example.org/balcony",
        to="romeo@example.org/orchard",
        at=5.0,
    )
    assert store.pending_out == 0  # an incoming request is not ours to wait for
    answered = reply(store, stanza_id="ping1", direction=OUT, to="juliet@example.org/balcony", at=5.01)
    pairing = store.pairing_of(asked)
    assert pairing.state is PairState.ANSWERED
    assert pairing.reply is answered
    assert store.pairing_of(answered) is pairing
    assert pairing.round_trip == pytest.approx(0.01)


def test_our_reply_to_someone_else_does_not_pair_with_their_request():
    store = TrafficStore()
    asked = request(store, stanza_id="ping1", direction=IN, sender="juliet@example.org/balcony")
    reply(store, stanza_id="ping1", direction=OUT, to="nurse@example.org/kitchen")
    assert store.pairing_of(asked).state is PairState.PENDING


def test_same_id_in_both_directions_is_kept_apart():
    store = TrafficStore()
    ours = request(store, stanza_id="1", to="example.org", direction=OUT)
    theirs = request(store, stanza_id="1", sender="example.org", direction=IN)
    reply(store, stanza_id="1", sender="example.org", direction=IN)
    assert store.pairing_of(ours).state is PairState.ANSWERED
    assert store.pairing_of(theirs).state is PairState.PENDING


def test_dropping_a_pending_request_forgets_it():
    store = TrafficStore(capacity=2)
    request(store, to="example.org")
    message(store, IN, 1)
    message(store, IN, 2)  # pushes the request out
    assert store.pending_out == 0
    late = reply(store, sender="example.org")
    assert store.pairing_of(late) is None


def test_what_the_store_keeps_beside_its_entries_is_no_more_than_its_ring_after_a_long_session():
    store = TrafficStore(capacity=20)
    for n in range(2_000):  # a hundred times the ring: every kind of exchange, settled or not
        stanza_id = f"q{n}"
        request(store, stanza_id, to="example.org")
        if n % 4 == 0:
            reply(store, stanza_id, sender="example.org")
        elif n % 4 == 1:
            store.mark_timed_out(OUT, stanza_id)
        request(store, stanza_id, sender="peer@example.org/r", direction=IN)
        if n % 2:
            reply(store, stanza_id, to="peer@example.org/r", direction=OUT)
        secret = store.append(OUT, Kind.SASL, "<auth>…</auth>", tag="auth", redacted=True)
        store.keep_secret(secret.seq, "<auth>c2VjcmV0</auth>")
    kept = {entry.seq for entry in store}
    assert set(store.pairings) <= kept and set(store._secrets) <= kept and set(store._reply_of) <= kept
    assert all(pairing.request.seq in kept for pairing in store._pending.values())
    assert store.pending_out <= len(store)


# -- classification -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "namespace", "kind"),
    [
        ("iq", CLIENT_NS, Kind.IQ),
        ("message", CLIENT_NS, Kind.MESSAGE),
        ("presence", CLIENT_NS, Kind.PRESENCE),
        ("iq", "", Kind.IQ),
        ("features", STREAM_NS, Kind.STREAM),
        ("error", STREAM_NS, Kind.STREAM),
        ("starttls", "urn:ietf:params:xml:ns:xmpp-tls", Kind.STREAM),
        ("auth", SASL_NS, Kind.SASL),
        ("success", SASL_NS, Kind.SASL),
        ("authenticate", "urn:xmpp:sasl:2", Kind.SASL),
        ("r", "urn:xmpp:sm:3", Kind.SM),
        ("enable", "urn:xmpp:sm:3", Kind.SM),
        ("query", CLIENT_NS, Kind.OTHER),
        ("iq", "urn:example:not-a-stanza", Kind.OTHER),
        ("active", "urn:xmpp:csi:0", Kind.OTHER),
    ],
)
def test_kind_of(tag, namespace, kind):
    assert kind_of(tag, namespace) is kind


def test_entry_request_and_reply_flags():
    store = TrafficStore()
    assert request(store, iq_type="get").is_request
    assert request(store, stanza_id="q2", iq_type="set").is_request
    got = reply(store, stanza_id="zz", iq_type="error")
    assert got.is_reply and not got.is_request
    assert not message(store).is_request and not message(store).is_reply


def test_a_reply_after_a_timeout_or_a_cancel_is_paired_as_late():
    store = TrafficStore()
    for stanza_id, gave_up in (("t1", PairState.TIMED_OUT), ("c1", PairState.CANCELLED)):
        request = store.append(Direction.OUT, Kind.IQ, "<iq/>", stanza_id=stanza_id, type="get", recipient="a@b/c")
        store.mark_timed_out(Direction.OUT, stanza_id, gave_up)
        assert store.pairing_of(request).state is gave_up and store.pending_out == 0
        reply = store.append(Direction.IN, Kind.IQ, "<iq/>", stanza_id=stanza_id, type="result", sender="a@b/c")
        pairing = store.pairing_of(request)
        assert pairing.reply is reply and pairing.late and pairing.state is PairState.ANSWERED


def test_a_request_sent_again_while_waiting_keeps_the_first_pairing():
    """Stream management resends unacknowledged stanzas after a resumption, ids and all."""
    store = TrafficStore()
    first = request(store, "again", to="bob@localhost")
    resent = request(store, "again", to="bob@localhost", at=11.0)
    answer = reply(store, "again", sender="bob@localhost", at=11.5)
    pairing = store.pairing_of(first)
    assert pairing is not None and pairing.reply is answer and pairing.state is PairState.ANSWERED
    assert store.pairing_of(resent) is None and store.pending_out == 0
