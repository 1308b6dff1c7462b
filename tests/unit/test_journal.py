"""The session journal: written soon after each batch, read back like an export, rotated by
size (oldest sessions removed first), private, and a write error stops it with one message."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from typing import get_type_hints

import pytest

from iqconsole.core.journal import Journal, JournalFolderError, load_session, past_sessions
from iqconsole.core.traffic import Direction, Kind, PairState, TrafficEntry, TrafficStore
from iqconsole.core.traffic_export import FORMAT, FORMAT_VERSION, entry_line, load_store, read_jsonl
from tests.recorded_traffic import every_request_state

STANZA = "<message to='bob@example.org' type='headline' id='m{}'><body>{}</body></message>"


def flood(store: TrafficStore, count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        store.append(Direction.IN, Kind.MESSAGE, STANZA.format(number, "x" * 100), stanza_id=f"m{number}")


async def next_turn() -> None:
    """One pass of the loop: the flush scheduled by the first entry of a batch has run."""
    await asyncio.sleep(0)


def started_and_heard(journal: Journal) -> list[str]:
    """Start the journal; the list fills with what it says when it stops."""
    messages: list[str] = []
    journal.failed.subscribe(messages.append)
    journal.start()
    return messages


def test_requests_that_never_end_are_not_held_by_the_journal_once_the_log_dropped_them(tmp_path):
    store = TrafficStore(capacity=20)
    journal = Journal(tmp_path / "journal", store)
    journal.begin("alice@example.org", "example.org")
    for number in range(500):  # sent from the composer without waiting: pending until they leave the ring
        store.append(Direction.OUT, Kind.IQ, f"<iq type='get' id='q{number}'/>", stanza_id=f"q{number}", type="get")
        journal.flush()
    assert all(seq >= store.first_seq for seq in journal._waiting), "only requests still in the log"
    journal.close()


async def test_entries_are_written_once_per_batch_and_read_back_as_an_export(tmp_path):
    journal = Journal(tmp_path / "journal", TrafficStore())
    journal.begin("alice@example.org", "example.org:5222")
    journal.start()
    flood(journal.store, 5)
    assert journal.path is None, "nothing is written while the batch comes in"
    await next_turn()
    assert journal.path is not None
    assert [entry.xml for entry in read_jsonl(journal.path)] == [entry.xml for entry in journal.store]
    journal.store.notice("connection lost", "disconnected")
    await next_turn()
    assert read_jsonl(journal.path)[-1].xml == "connection lost"
    journal.close()
    (session,) = past_sessions(tmp_path / "journal").sessions
    assert (session.account, session.server, session.files) == (
        "alice@example.org",
        "example.org:5222",
        (journal.path,),
    )
    assert session.stanzas == 5 and session.size == journal.path.stat().st_size
    assert [entry.xml for entry in load_session(session).store] == [entry.xml for entry in journal.store]


def test_an_entry_line_is_the_json_of_every_field_and_how_its_request_ended():
    store = every_request_state()
    store.append(Direction.IN, Kind.NOTICE, 'quotes " \\ and \u2028, \x01 and é', tag="note", redacted=True)
    for entry in store:
        record = {name: getattr(entry, name) for name in get_type_hints(TrafficEntry)}
        pairing = store.pairings.get(entry.seq)
        record |= {"direction": entry.direction.value, "kind": entry.kind.value}
        record["gave_up"] = pairing.gave_up.value if pairing is not None and pairing.gave_up is not None else None
        assert entry_line(store, entry) == json.dumps(record, ensure_ascii=False) + "\n"


def test_requests_that_stop_waiting_read_back_as_they_ended(tmp_path):
    journal = Journal(tmp_path, TrafficStore(own_jid="alice@example.org/console"))
    store = journal.store
    for stanza_id in ("late", "cancelled", "answered"):
        xml = f"<iq type='get' id='{stanza_id}' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>"
        store.append(Direction.OUT, Kind.IQ, xml, stanza_id=stanza_id, recipient="example.org", type="get")
    journal.flush()
    store.mark_timed_out(Direction.OUT, "late")
    store.mark_timed_out(Direction.OUT, "cancelled", PairState.CANCELLED)
    journal.flush()
    for stanza_id in ("late", "answered"):
        xml = f"<iq type='result' id='{stanza_id}' from='example.org'/>"
        store.append(Direction.IN, Kind.IQ, xml, stanza_id=stanza_id, sender="example.org", type="result")
    journal.flush()
    journal.close()
    assert journal.path is not None
    loaded = load_store(journal.path).store
    assert not load_store(journal.path).skipped
    ended = {entry.stanza_id: loaded.pairings[entry.seq] for entry in loaded if entry.is_request}
    assert ended["late"].late and ended["late"].gave_up is PairState.TIMED_OUT
    assert ended["cancelled"].state is PairState.CANCELLED
    assert ended["answered"].state is PairState.ANSWERED and not ended["answered"].late
    assert [entry.stanza_id for entry in read_jsonl(journal.path)] == [
        "late",
        "cancelled",
        "answered",
        "late",
        "answered",
    ]
    assert past_sessions(tmp_path).sessions[0].stanzas == 5


def test_a_long_session_goes_on_in_parts_and_the_oldest_files_go_first(tmp_path):
    folder = tmp_path / "journal"
    older = Journal(folder, TrafficStore())
    older.begin("old@example.org", "example.org")
    flood(older.store, 50)
    older.flush()
    older.close()
    journal = Journal(folder, TrafficStore(), max_file_bytes=4_000, max_total_bytes=20_000)
    journal.begin("alice@example.org", "example.org")
    flood(journal.store, 100)
    journal.flush()
    sessions = past_sessions(folder).sessions
    assert [session.account for session in sessions] == ["alice@example.org"], "the older session went first"
    (session,) = sessions
    sizes = [path.stat().st_size for path in session.files]
    assert all(size <= 4_000 for size in sizes) and sum(sizes) <= 20_000, sizes
    assert len(sizes) == 5 and session.files[-1] == journal.path
    kept = load_session(session).store
    assert kept[-1].stanza_id == "m99" and kept[0].stanza_id != "m0", "the session's own oldest parts went next"
    numbers = [int(entry.stanza_id[1:]) for entry in kept]
    assert numbers == list(range(numbers[0], 100)), "what is kept has no gap"
    flood(journal.store, 1, start=100)
    journal.flush()
    assert load_store(journal.path).store[-1].stanza_id == "m100"


def test_another_account_starts_another_session(tmp_path):
    journal = Journal(tmp_path, TrafficStore())
    journal.begin("alice@example.org", "example.org")
    flood(journal.store, 2)
    journal.flush()
    journal.begin("alice@example.org", "example.org")  # the same account again: the same session
    flood(journal.store, 1, start=2)
    journal.flush()
    journal.begin("bob@example.org", "example.org")
    flood(journal.store, 3, start=3)
    journal.flush()
    journal.close()
    bob, alice = past_sessions(tmp_path).sessions
    assert (bob.account, bob.stanzas, alice.account, alice.stanzas) == ("bob@example.org", 3, "alice@example.org", 3)


def test_journal_files_are_private_and_the_folder_too(tmp_path):
    folder = tmp_path / "state" / "journal"
    journal = Journal(folder, TrafficStore())
    flood(journal.store, 1)
    journal.flush()
    assert journal.path is not None
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(folder.parent.stat().st_mode) == 0o700


async def test_a_write_error_stops_the_journal_with_one_message_and_the_session_goes_on(tmp_path):
    blocked = tmp_path / "journal"
    blocked.write_text("a file where the folder should be")
    journal = Journal(blocked, TrafficStore())
    messages = started_and_heard(journal)
    flood(journal.store, 3)
    await next_turn()
    flood(journal.store, 3, start=3)
    await next_turn()
    journal.close()
    assert len(messages) == 1 and messages[0] == journal.error
    assert messages[0].startswith(f"The session journal stopped: cannot write {blocked}")
    assert messages[0].endswith("The session goes on without it.")
    assert len(journal.store) == 6


async def test_a_disk_that_fills_up_stops_the_journal_once(tmp_path):
    journal = Journal(tmp_path, TrafficStore())
    messages = started_and_heard(journal)
    flood(journal.store, 1)
    await next_turn()
    assert journal.path is not None and journal._descriptor is not None
    os.close(journal._descriptor)  # a full disk, without filling one: /dev/full refuses every write
    journal._descriptor = os.open("/dev/full", os.O_WRONLY)
    flood(journal.store, 2, start=1)
    await next_turn()
    assert messages == [journal.error] and "No space left on device" in journal.error
    flood(journal.store, 2, start=3)
    await next_turn()
    journal.close()
    assert len(messages) == 1
    assert [entry.stanza_id for entry in read_jsonl(journal.path)] == ["m0"]


def test_a_journal_cut_short_by_a_crash_loads_everything_before_the_cut(tmp_path):
    journal = Journal(tmp_path, TrafficStore())
    flood(journal.store, 3)
    journal.flush()
    assert journal.path is not None
    content = journal.path.read_bytes()
    journal.path.write_bytes(content[: content.rindex(b"<body>")])  # killed in the middle of the last line
    loaded = load_store(journal.path)
    assert [entry.stanza_id for entry in loaded.store] == ["m0", "m1"]
    (problem,) = loaded.skipped
    assert problem.line == 4 and problem.message.startswith("cut short: the file ends inside this line")
    assert past_sessions(tmp_path).sessions[0].stanzas == 2


def test_a_journal_folder_that_cannot_be_read_is_an_error_naming_it_and_why(tmp_path):
    blocked = tmp_path / "journal"
    blocked.write_text("a file where the folder should be")
    with pytest.raises(JournalFolderError) as raised:
        past_sessions(blocked)
    assert str(raised.value) == f"cannot read the journal folder {blocked}: not a folder"
    assert past_sessions(tmp_path / "not yet").sessions == [], "a folder not made yet holds nothing"


def test_only_journal_files_are_listed_and_the_others_are_named_or_said_unreadable(tmp_path):
    journal = Journal(tmp_path, TrafficStore())
    flood(journal.store, 2)
    journal.close()
    export = json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "own_jid": ""}) + "\n"
    (tmp_path / "2026-01-01T00-00-00-1.jsonl").write_text(export)  # an export, not a journal
    (tmp_path / "2026-01-01T00-00-00-2.jsonl").mkdir()
    (tmp_path / "2026-01-01T00-00-00-3.jsonl").write_text("[" * 100_000 + "\n")
    os.mkfifo(tmp_path / "2026-01-01T00-00-00-4.jsonl")  # reading it would wait forever
    (tmp_path / "notes.txt").write_text("mine")
    unreadable = tmp_path / "2026-01-01T00-00-00-5.jsonl"
    unreadable.symlink_to("/proc/self/mem")  # a file that gives an I/O error when read, even to root
    listing = past_sessions(tmp_path)
    (session,) = listing.sessions
    assert session.files == (journal.path,) and session.stanzas == 2
    assert listing.not_journals == [f"2026-01-01T00-00-00-{number}.jsonl" for number in (1, 2, 3, 4)] + ["notes.txt"]
    assert listing.unreadable == [f"cannot read {unreadable}: input/output error"]
