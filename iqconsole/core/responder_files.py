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

from pathlib import Path
from typing import Any

import tomli_w

from iqconsole.core.private_files import write_atomically
from iqconsole.core.responder_match import MatchKind, ResponderError
from iqconsole.core.responders import DELAY_MS, PayloadNames, Responder, ResponderSet
from iqconsole.core.settings import Check, SettingError, flag, read_table, read_toml, table_of, text

_MATCH_KEYS = {kind.key: kind for kind in MatchKind}
_OPTIONS: dict[str, Check[Any]] = {
    "reply": text,
    "enabled": flag,
    "error": text,
    "error_type": text,
    "error_text": text,
    "delay_ms": DELAY_MS,
    "silent": flag,
}
_RESPONDER_KEYS: dict[str, Check[Any]] = {"name": text, **dict.fromkeys(_MATCH_KEYS, text), **_OPTIONS}


def _tables(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise SettingError("not a list of tables", allowed="[[responder]] tables")
    return value


_FILE_KEYS: dict[str, Check[Any]] = {"unmatched": text, "payloads": table_of(text), "responder": _tables}


def load_responders(path: Path) -> ResponderSet:
    """Read a responder file; ResponderError names the file, the responder, the key and the problem."""
    try:
        return responders_from_data(read_toml(path, ResponderError))
    except SettingError as error:
        raise error.at(path, kind=ResponderError) from None


def responders_from_data(data: dict[str, Any]) -> ResponderSet:
    values = read_table(data, _FILE_KEYS)
    responders = ResponderSet(unmatched=values.get("unmatched", "service-unavailable"))
    for name, element in values.get("payloads", {}).items():
        try:
            responders.define_payload(name, element)
        except SettingError as error:
            raise error.at(key=f"payloads.{name}") from None
    for number, entry in enumerate(values.get("responder", []), start=1):
        place = f"responder {entry['name']!r}" if isinstance(entry.get("name"), str) else f"responder {number}"
        try:
            responders.insert(_responder(entry, number, responders.payloads))
        except SettingError as error:
            raise error.at(key=place) from None
    return responders


def _responder(entry: dict[str, Any], number: int, payloads: PayloadNames) -> Responder:
    values = read_table(entry, _RESPONDER_KEYS)
    matches = [key for key in _MATCH_KEYS if key in values]
    if len(matches) != 1:
        raise SettingError(
            f"{' and '.join(matches) or 'no match'} given", allowed="exactly one of match (StanzaPath), xpath or mask"
        )
    key = matches[0]
    options = {option: values[option] for option in _OPTIONS if option in values}
    return Responder(
        values.get("name", f"responder-{number}"),
        values[key],
        match_kind=_MATCH_KEYS[key],
        payloads=payloads,
        **options,
    )


def responders_to_data(responders: ResponderSet) -> dict[str, Any]:
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
