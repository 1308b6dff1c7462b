"""Responder sets as TOML files: plain text a user can read, diff, share and put in CI.

unmatched = "service-unavailable"          # error for requests no responder takes; "" = slixmpp's

[payloads]
custom_xep = "{urn:example:custom}query"   # makes iq@type=get/custom_xep a StanzaPath

[[responder]]
name = "pong"
match = "iq@type=get/ping"                 # or xpath = "…", or mask = "<iq …/>"
reply = ""                                 # result payload template; or error = "item-not-found"
delay_ms = 0
silent = false                             # true: never answer (to test a client's timeouts)
enabled = true
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w

from iqconsole.core.private_files import write_atomically
from iqconsole.core.responder_match import MatchKind, ResponderError
from iqconsole.core.responders import Responder, ResponderSet

_MATCH_KEYS = {"match": MatchKind.STANZA_PATH, "xpath": MatchKind.XPATH, "mask": MatchKind.MASK}
_OPTIONS = {
    "reply": str,
    "enabled": bool,
    "error": str,
    "error_type": str,
    "error_text": str,
    "delay_ms": int,
    "silent": bool,
}
_TOP_LEVEL = {"unmatched", "payloads", "responder"}


def load_responders(path: Path) -> ResponderSet:
    """Read a responder file; ResponderError names the file, the responder and the problem."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ResponderError(f"{path}: {error}") from None
    try:
        return responders_from_data(data)
    except ResponderError as error:
        raise ResponderError(f"{path}: {error}") from None


def responders_from_data(data: Mapping[str, object]) -> ResponderSet:
    unknown = set(data) - _TOP_LEVEL
    if unknown:
        raise ResponderError(f"unknown key(s) {', '.join(sorted(unknown))}; use: {', '.join(sorted(_TOP_LEVEL))}")
    responders = ResponderSet(unmatched=_typed(data, "unmatched", str, "service-unavailable", "the file"))
    payloads = data.get("payloads", {})
    if not isinstance(payloads, dict):
        raise ResponderError('[payloads] must be a table of name = "{namespace}element"')
    for name, element in payloads.items():
        if not isinstance(element, str):
            raise ResponderError(f'payload {name!r}: write it as a string such as "{{urn:example}}query"')
        responders.define_payload(name, element)
    entries = data.get("responder", [])
    if not isinstance(entries, list):
        raise ResponderError("write each responder as a [[responder]] table")
    for number, entry in enumerate(entries, start=1):
        where = f"responder {entry.get('name', number)!r}" if isinstance(entry, dict) else f"responder {number}"
        try:
            responders.insert(_responder(entry, number))
        except ResponderError as error:
            raise ResponderError(f"{where}: {error}") from None
    return responders


def _responder(entry: object, number: int) -> Responder:
    if not isinstance(entry, dict):
        raise ResponderError("write it as a [[responder]] table")
    unknown = set(entry) - set(_MATCH_KEYS) - set(_OPTIONS) - {"name"}
    if unknown:
        raise ResponderError(
            f"unknown key(s) {', '.join(sorted(unknown))}; use: name, match/xpath/mask, {', '.join(_OPTIONS)}"
        )
    matches = [key for key in _MATCH_KEYS if key in entry]
    if len(matches) != 1:
        raise ResponderError("give exactly one of match (StanzaPath), xpath or mask")
    key = matches[0]
    options = {option: _typed(entry, option, kind, None, key) for option, kind in _OPTIONS.items() if option in entry}
    name = _typed(entry, "name", str, f"responder-{number}", "the responder")
    return Responder(name, _typed(entry, key, str, "", key), match_kind=_MATCH_KEYS[key], **options)


def _typed(table: Mapping[str, object], key: str, kind: type, default: object, where: str) -> Any:
    """The value at `key` (or `default`), which must be exactly of type `kind`."""
    value = table.get(key, default)
    if value is not None and (type(value) is not kind):
        raise ResponderError(f"{key} must be a {kind.__name__}, not {type(value).__name__} ({where})")
    return value


def responders_to_data(responders: ResponderSet) -> dict[str, object]:
    """The file form of a set: only what differs from the defaults, so files stay short."""
    entries = []
    for responder in responders:
        key = next(key for key, kind in _MATCH_KEYS.items() if kind is responder.match_kind)
        entry: dict[str, object] = {"name": responder.name, key: responder.match}
        defaults = Responder("default", "iq")
        for option in _OPTIONS:
            value = getattr(responder, option)
            if value != getattr(defaults, option) and not (option == "error_type" and not responder.error):
                entry[option] = value
        entries.append(entry)
    data: dict[str, object] = {"unmatched": responders.unmatched}
    if responders.payloads:
        data["payloads"] = dict(responders.payloads)
    data["responder"] = entries
    return data


def save_responders(responders: ResponderSet, path: Path) -> Path:
    path = Path(path)
    write_atomically(path, tomli_w.dumps(responders_to_data(responders), multiline_strings=True))
    return path
