"""Write the traffic log to files a person can read and another tool can parse.

JSON Lines is the re-importable form: a header line, then one object per entry with every
TrafficEntry field. Plain XML is for reading and for XML tools: a `<log>` of `<entry>`
elements, each holding its stanza. Both carry the XML as captured, secrets already redacted:
nothing here can undo that.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, get_type_hints
from xml.sax.saxutils import escape, quoteattr

from iqconsole.core.private_files import atomic_writer
from iqconsole.core.stanza import StanzaError, parse_stanzas, too_deep
from iqconsole.core.stream_reader import MAX_NESTING_DEPTH
from iqconsole.core.traffic import (
    CLIENT_NS,
    DEFAULT_CAPACITY,
    GAVE_UP_STATES,
    Direction,
    Kind,
    PairState,
    TrafficEntry,
    TrafficStore,
)
from iqconsole.core.traffic_filter import TrafficFilter

FORMAT = "iqconsole-traffic"
FORMAT_VERSION = 1

_ENTRY_FIELDS: dict[str, type] = get_type_hints(TrafficEntry)
_TYPE_NAMES = {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}
_REQUIRED_FIELDS = ("seq", "direction", "monotonic", "wall", "kind", "xml")
# Wall-clock times a clock and a calendar can show: 1970 to the end of year 9999.
_NOT_JSON = "not JSON"
_LAST_WALL = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


class TrafficFileError(ValueError):
    """A traffic file that cannot be read back, naming the file and the line."""

    def __init__(self, path: Path, line: int, message: str):
        self.path = path
        self.line = line
        self.message = message
        super().__init__(f"{path}, line {line}: {message}")


def _selected(store: TrafficStore, traffic_filter: TrafficFilter | None) -> Iterator[TrafficEntry]:
    if traffic_filter is None:
        return iter(store.entries)
    return (entry for entry in store.entries if traffic_filter.matches(entry))


# -- JSON Lines ----------------------------------------------------------------------------


def _gave_up(store: TrafficStore, entry: TrafficEntry) -> str | None:
    """ "timed out" or "cancelled" for a request that stopped waiting (even if a reply came later)."""
    if entry.kind is not Kind.IQ:  # only IQs are paired: no lookup for the other stanzas of a flood
        return None
    pairing = store.pairings.get(entry.seq)
    return pairing.gave_up.value if pairing is not None and pairing.gave_up is not None else None


_to_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder: json.dumps builds one per call
_string = encode_basestring  # a JSON string, as _to_json writes it
_NAME_OF: dict[Direction | Kind, str] = {member: member.value for member in (*Direction, *Kind)}  # faster than .value


def header_line(own_jid: str, **more: Any) -> str:
    """The first line of a file; `more` (the journal's session details) is ignored by readers."""
    return _to_json({"format": FORMAT, "version": FORMAT_VERSION, "own_jid": own_jid, **more}) + "\n"


def entry_line(store: TrafficStore, entry: TrafficEntry) -> str:
    """One entry as a line of JSON: every TrafficEntry field, and how its request stopped waiting.

    Written out field by field, as `json.dumps` of the record would (a test holds them equal):
    four times cheaper, and the journal writes one per stanza. Times are finite, enums ASCII."""
    # Replies and round trips follow from the entries when they are appended again;
    # giving up on a request does not, and it is what makes a later reply late.
    gave_up = _gave_up(store, entry)
    return (
        f'{{"seq": {entry.seq}, "direction": "{_NAME_OF[entry.direction]}", "monotonic": {entry.monotonic!r}, '
        f'"wall": {entry.wall!r}, "kind": "{_NAME_OF[entry.kind]}", "xml": {_string(entry.xml)}, '
        f'"tag": {_string(entry.tag)}, "stanza_id": {_string(entry.stanza_id)}, "sender": {_string(entry.sender)}, '
        f'"recipient": {_string(entry.recipient)}, "type": {_string(entry.type)}, '
        f'"namespace": {_string(entry.namespace)}, "redacted": {"true" if entry.redacted else "false"}, '
        f'"responder": {_string(entry.responder)}, "account": {_string(entry.account)}, '
        f'"gave_up": {"null" if gave_up is None else _string(gave_up)}}}\n'
    )


def write_jsonl(path: Path, store: TrafficStore, traffic_filter: TrafficFilter | None = None) -> int:
    """Write the header and the entries (those the filter lets through); return how many."""
    written = 0
    with atomic_writer(path) as out:
        out.write(header_line(store.own_jid))
        for entry in _selected(store, traffic_filter):
            out.write(entry_line(store, entry))
            written += 1
    return written


def _lines(content: bytes) -> Iterator[tuple[int, bytes]]:
    """Numbered non-blank lines, as bytes: each is decoded (and may fail) on its own."""
    for number, raw in enumerate(content.splitlines(), start=1):
        if raw.strip():
            yield number, raw


def _cut_short(path: Path, content: bytes, error: TrafficFileError) -> TrafficFileError:
    """A last line without its newline that is not JSON was being written when the writer
    stopped (a journal when the console was killed): said so, rather than as a bad line."""
    last = not content.endswith(b"\n") and error.line == content.count(b"\n") + 1
    if not (last and error.message.startswith(_NOT_JSON)):
        return error
    return TrafficFileError(
        path, error.line, "cut short: the file ends inside this line (its writer stopped while writing it)"
    )


def _json_object(path: Path, number: int, raw: bytes) -> dict[str, Any]:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise TrafficFileError(path, number, f"not UTF-8 text ({error.reason})") from None
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise TrafficFileError(path, number, f"{_NOT_JSON}: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise TrafficFileError(path, number, "not JSON this reader can follow: nested too deeply") from None
    if not isinstance(value, dict):
        raise TrafficFileError(path, number, "expected a JSON object {…}")
    return value


def _check_header(path: Path, lines: Iterator[tuple[int, bytes]]) -> str:
    """The own JID recorded in the header, after checking that this file is ours and readable."""
    first = next(lines, None)
    if first is None:
        raise TrafficFileError(path, 1, f"the file is empty: expected the {FORMAT} header line")
    number, line = first
    header = _json_object(path, number, line)
    if header.get("format") != FORMAT:
        raise TrafficFileError(path, number, f"not an {FORMAT} export: the first line is not its header")
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise TrafficFileError(
            path, number, f"format version {version!r} is not one this iqconsole reads (1 to {FORMAT_VERSION})"
        )
    own_jid = header.get("own_jid", "")
    return own_jid if isinstance(own_jid, str) else ""


def _field_value(path: Path, number: int, record: dict[str, Any], name: str) -> Any:
    expected = _ENTRY_FIELDS[name]
    value = record[name]
    if expected is Direction or expected is Kind:
        try:
            return expected(value)
        except ValueError:
            choices = ", ".join(member.value for member in expected)
            raise TrafficFileError(path, number, f"{name} {value!r} is not one of {choices}") from None
    if expected is float and type(value) is int:
        value = float(value) if abs(value) < 1e300 else math.inf
    if type(value) is not expected:
        raise TrafficFileError(path, number, f"{name} must be {_TYPE_NAMES[expected]}, not {_shown(value)}")
    if isinstance(value, float):
        _check_time(path, number, name, value)
    return value


def _check_time(path: Path, number: int, name: str, value: float) -> None:
    """Times the log shows as a clock and computes round trips from: finite, and a real date."""
    if not math.isfinite(value):
        raise TrafficFileError(path, number, f"{name} must be a finite number, not {value!r}")
    if name == "wall" and not 0 <= value <= _LAST_WALL:
        raise TrafficFileError(path, number, f"wall must be a time between 1970 and 9999 in seconds, not {value!r}")


def _shown(value: Any) -> str:
    """A value quoted in a message, cut: a file may hold megabytes in one field."""
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:80]}…"


def _entry(path: Path, number: int, record: dict[str, Any]) -> TrafficEntry:
    missing = [name for name in _REQUIRED_FIELDS if name not in record]
    if missing:
        raise TrafficFileError(path, number, f"missing {', '.join(missing)}")
    values = {name: _field_value(path, number, record, name) for name in _ENTRY_FIELDS if name in record}
    deep = too_deep(values["xml"])
    if deep is not None:
        raise TrafficFileError(
            path,
            number,
            f"the stanza nests elements more than {MAX_NESTING_DEPTH} levels deep (at {deep[0]}:{deep[1]})",
        )
    return TrafficEntry(**values)


def _gave_up_state(path: Path, number: int, record: dict[str, Any]) -> PairState | None:
    """How the request stopped waiting, if it did (`timed_out: true` in files of iqconsole 0.1)."""
    timed_out = record.get("timed_out", False)
    if not isinstance(timed_out, bool):
        raise TrafficFileError(path, number, f"timed_out must be true or false, not {_shown(timed_out)}")
    gave_up = record.get("gave_up")
    if gave_up is None:
        return PairState.TIMED_OUT if timed_out else None
    allowed = {state.value: state for state in GAVE_UP_STATES}
    if gave_up not in allowed:
        raise TrafficFileError(
            path, number, f"gave_up {gave_up!r} is not one of {', '.join(allowed)} (or null: still waiting or answered)"
        )
    return allowed[gave_up]


@dataclass(frozen=True)
class StoppedWaiting:
    """A line of its own in a journal: a request written earlier stopped waiting (timed out or
    cancelled), which an export says on the request's own line instead."""

    direction: Direction
    stanza_id: str
    state: PairState
    account: str = ""  # whose request, in a console with several accounts


_STOPPED_WAITING_FIELDS = {"gave_up", "direction", "stanza_id"}


def stopped_waiting_line(entry: TrafficEntry, state: PairState) -> str:
    fields = {"gave_up": state.value, "direction": entry.direction.value, "stanza_id": entry.stanza_id}
    if entry.account:
        fields["account"] = entry.account
    return _to_json(fields) + "\n"


_Record = tuple[TrafficEntry, PairState | None] | StoppedWaiting


def _record(path: Path, number: int, line: bytes) -> _Record:
    record = _json_object(path, number, line)
    if record.keys() - {"account"} == _STOPPED_WAITING_FIELDS:
        direction, stanza_id = (_field_value(path, number, record, name) for name in ("direction", "stanza_id"))
        account = _field_value(path, number, record, "account") if "account" in record else ""
        state = _gave_up_state(path, number, record)
        if state is not None:
            return StoppedWaiting(direction, stanza_id, state, account)
    return _entry(path, number, record), _gave_up_state(path, number, record)


def _records(path: Path, skipped: list[TrafficFileError] | None) -> tuple[str, list[_Record]]:
    """The header's own JID and the entries; a bad entry line raises, or is added to `skipped`."""
    content = path.read_bytes()
    lines = _lines(content)
    own_jid = _check_header(path, lines)
    records = []
    for number, line in lines:
        try:
            records.append(_record(path, number, line))
        except TrafficFileError as error:
            if skipped is None:
                raise _cut_short(path, content, error) from None
            skipped.append(_cut_short(path, content, error))
    return own_jid, records


def read_jsonl(path: Path) -> list[TrafficEntry]:
    """The entries of a JSON Lines export, exactly as they were written; the first bad line raises."""
    return [record[0] for record in _records(path, None)[1] if isinstance(record, tuple)]


@dataclass
class LoadedTraffic:
    """A store refilled from a file, and the lines that could not be read into it."""

    store: TrafficStore
    skipped: list[TrafficFileError] = field(default_factory=list)


def load_store(path: Path, capacity: int = DEFAULT_CAPACITY, *, into: LoadedTraffic | None = None) -> LoadedTraffic:
    """A store refilled from an export, with times kept and requests paired with replies again.

    Entries get fresh sequence numbers, as they would in any store. A bad entry line is
    skipped and reported, the others are loaded; a file that is not an export raises.
    `into`: add to what an earlier file loaded (the parts of one journal, in order).
    """
    loaded = into if into is not None else LoadedTraffic(TrafficStore(capacity=capacity))
    own_jid, records = _records(path, loaded.skipped)
    store = loaded.store
    store.own_jid = store.own_jid or own_jid
    for record in records:
        if isinstance(record, StoppedWaiting):
            store.mark_timed_out(record.direction, record.stanza_id, record.state, record.account)
            continue
        entry, gave_up = record
        store.append_copy(entry)
        if gave_up is not None:
            store.mark_timed_out(entry.direction, entry.stanza_id, gave_up, entry.account)
    return loaded


# -- plain XML -----------------------------------------------------------------------------


def _utc(wall: float) -> str:
    return datetime.fromtimestamp(wall, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_well_formed(xml: str) -> bool:
    try:
        parse_stanzas(xml)
    except StanzaError:
        return False
    return True


def write_xml(path: Path, store: TrafficStore, traffic_filter: TrafficFilter | None = None) -> int:
    """Write a `<log>` of `<entry>` elements; return how many entries.

    The log declares jabber:client as its default namespace, so stanzas written without
    xmlns parse as they did on the wire. Stream headers and keepalives are not elements on
    their own: they are kept as escaped text.
    """
    written = 0
    with atomic_writer(path) as out:
        out.write("<?xml version='1.0' encoding='utf-8'?>\n")
        out.write(f"<!-- {FORMAT} log; secrets were redacted when the traffic was captured -->\n")
        out.write(f"<log xmlns={quoteattr(CLIENT_NS)} own-jid={quoteattr(store.own_jid)}>\n")
        for entry in _selected(store, traffic_filter):
            body = entry.xml if _is_well_formed(entry.xml) else escape(entry.xml)
            out.write(
                f"<entry seq='{entry.seq}' direction='{entry.direction.value}' time='{_utc(entry.wall)}'"
                f" kind='{entry.kind.value}'>\n{body}\n</entry>\n"
            )
            written += 1
        out.write("</log>\n")
    return written
