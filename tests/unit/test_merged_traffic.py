"""Several accounts' traffic in one log: each entry once, tagged, each account's exchanges paired
on its own side."""

from __future__ import annotations

from iqconsole.core.merged_traffic import MergedTraffic
from iqconsole.core.traffic import Direction, Kind, PairState


def test_alice_asking_bob_pairs_on_each_side_and_the_merged_log_keeps_both():
    merged = MergedTraffic()
    alice, bob = merged.account_store("alice"), merged.account_store("bob")
    alice.own_jid, bob.own_jid = "alice@localhost/a", "bob@localhost/b"
    request = '<iq type="get" id="q1" to="bob@localhost/b"><ping xmlns="urn:xmpp:ping"/></iq>'
    reply = '<iq type="result" id="q1" from="bob@localhost/b" to="alice@localhost/a"/>'
    alice.append(Direction.OUT, Kind.IQ, request, stanza_id="q1", type="get", recipient="bob@localhost/b")
    bob.append(Direction.IN, Kind.IQ, request, stanza_id="q1", type="get", sender="alice@localhost/a")
    bob.append(Direction.OUT, Kind.IQ, reply, stanza_id="q1", type="result", recipient="alice@localhost/a")
    alice.append(Direction.IN, Kind.IQ, reply, stanza_id="q1", type="result", sender="bob@localhost/b")

    assert [(entry.account, entry.direction, entry.type) for entry in merged] == [
        ("alice", Direction.OUT, "get"),
        ("bob", Direction.IN, "get"),
        ("bob", Direction.OUT, "result"),
        ("alice", Direction.IN, "result"),
    ]
    alice_request, bob_request, bob_reply, alice_reply = list(merged)
    assert merged.pairing_of(alice_request).reply is alice_reply
    assert merged.pairing_of(bob_request).reply is bob_reply
    assert merged.pairing_of(alice_reply).request is alice_request
    assert (merged.count_in, merged.count_out) == (2, 2)
    assert alice.pairing_of(alice.entries[0]).state is PairState.ANSWERED, "each account's own store pairs too"


def test_a_timeout_a_secret_and_the_copy_of_an_entry_reach_the_merged_log():
    merged = MergedTraffic()
    alice = merged.account_store("alice")
    merged.account_store("bob").append(
        Direction.OUT, Kind.IQ, '<iq type="get" id="same"/>', stanza_id="same", type="get"
    )
    sent = alice.append(Direction.OUT, Kind.IQ, '<iq type="get" id="same"/>', stanza_id="same", type="get")
    auth = alice.append(Direction.OUT, Kind.SASL, "<auth>[redacted]</auth>", redacted=True)
    alice.keep_secret(auth.seq, "<auth>c2VjcmV0</auth>")
    alice.mark_timed_out(Direction.OUT, "same")

    copy = merged.copy_of("alice", sent)
    assert copy is not None and copy.account == "alice" and copy.seq == 1
    assert merged.pairing_of(copy).state is PairState.TIMED_OUT
    assert merged.pairing_of(merged.entries[0]).state is PairState.PENDING, "bob's request with the same id waits on"
    auth_copy = merged.copy_of("alice", auth)
    assert auth_copy is not None and merged.secret_of(auth_copy) == "<auth>c2VjcmV0</auth>"
    assert merged.pending_out == 1


def test_entries_the_merged_ring_dropped_have_no_copy_any_more():
    merged = MergedTraffic(capacity=2)
    alice = merged.account_store("alice")
    first = alice.append(Direction.IN, Kind.MESSAGE, "<message/>")
    for _ in range(2):
        alice.append(Direction.IN, Kind.MESSAGE, "<message/>")
    assert merged.copy_of("alice", first) is None
    assert len(merged) == 2 and merged.dropped == 1
