"""Write a console session (or part of it) as a conversation script that replays it.

What the account sent becomes `sends`, what came back `receives`; the account's own JIDs become
`${Name's full JID}` and `${Name's JID}`, and what varies from run to run (ids the server made,
timestamps, other clients' resources: knowledge/volatile.toml) becomes `{scansion:any}`, so the
script passes again against the same server. Login (resource binding) and stream-level traffic
are left out; the password is never written.
"""

from __future__ import annotations

import re
import time
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from iqconsole.core.protocol import STANZA_KINDS
from iqconsole.core.scansion.match import ANY
from iqconsole.core.scansion.run import password_variable
from iqconsole.core.scansion.script import parse_xml
from iqconsole.core.scansion.xml_lines import xml_lines
from iqconsole.core.stanza import split_tag
from iqconsole.core.traffic import Direction, TrafficEntry

VOLATILE_FILE = Path(__file__).parents[2] / "knowledge" / "volatile.toml"
LOGIN_NAMESPACES = frozenset({"urn:ietf:params:xml:ns:xmpp-bind", "urn:ietf:params:xml:ns:xmpp-session"})
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")


@dataclass(frozen=True)
class Volatile:
    attributes: frozenset[str]
    texts: frozenset[str]


@cache
def volatile() -> Volatile:
    """The names of knowledge/volatile.toml (ValueError when the file is not as documented)."""
    data = tomllib.loads(VOLATILE_FILE.read_text(encoding="utf-8"))
    lists = {key: data.get(key) for key in ("attributes", "texts")}
    if set(data) != set(lists) or not all(
        isinstance(value, list) and all(isinstance(name, str) for name in value) for value in lists.values()
    ):
        raise ValueError(f"{VOLATILE_FILE}: expected exactly two lists of names, attributes and texts")
    return Volatile(frozenset(lists["attributes"] or ()), frozenset(lists["texts"] or ()))


def character_name(own_jid: str) -> str:
    """alice@example.org/console -> Alice (a name a script can use)."""
    local = own_jid.split("@", 1)[0] if "@" in own_jid else own_jid.split("/", 1)[0]
    name = re.sub(r"[^\w]+", " ", local).strip().title()
    return name or "Me"


def record_script(entries: Iterable[TrafficEntry], own_jid: str, *, title: str = "") -> str:
    """The script text; ValueError when `own_jid` is unknown (a log without an account).
    A JID without a local part is an external component's domain: a `[Component]`."""
    if not own_jid.strip():
        raise ValueError("the log does not say which account it is: nothing to write a script for")
    kind = "Client" if "@" in own_jid else "Component"
    name = character_name(own_jid)
    own_full, own_bare = own_jid, own_jid.split("/", 1)[0]
    references = {own_full: f"${{{name}'s full JID}}", own_bare: f"${{{name}'s JID}}"}
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    lines = [
        f"# {title or f'Recorded session of {own_bare}'}",
        f"# Recorded by iqconsole on {stamp}. The password is not written: set {password_variable(name)}",
        "# or add a password: line (or run it with --sandbox).",
        "",
        f"[{kind}] {name}",
        f"\tjid: {own_bare}",
        "",
        "-----",
        "",
        f"{name} connects",
        "",
    ]
    sent_ids: set[str] = set()
    login_ids: set[str] = set()
    for entry in entries:
        if entry.kind not in STANZA_KINDS:
            if entry.tag == "connection-lost":
                lines += [f"# {entry.xml} (the script goes on as if nothing happened)", ""]
            continue
        if entry.direction is Direction.OUT and entry.namespace in LOGIN_NAMESPACES:
            login_ids.add(entry.stanza_id)
            continue
        if entry.direction is Direction.IN and entry.stanza_id in login_ids:
            continue
        try:
            element = parse_xml(entry.xml)[0]
        except (ET.ParseError, IndexError):
            lines += [f"# (a stanza the console could not read again was left out: #{entry.seq})", ""]
            continue
        if entry.direction is Direction.OUT:
            sent_ids.add(entry.stanza_id)
            _replace_own(element, references)
            verb = "sends"
        else:
            _generalize(element, references, sent_ids, volatile(), top=True)
            verb = "receives"
        lines.append(f"{name} {verb}:")
        lines.extend("\t" + line for line in xml_lines(element))
        lines.append("")
    lines += [f"{name} disconnects", ""]
    return "\n".join(lines)


def _replace_own(element: ET.Element, references: dict[str, str]) -> None:
    for name, value in element.attrib.items():
        if value in references:
            element.set(name, references[value])
    if element.text and element.text.strip() in references:
        element.text = references[element.text.strip()]
    for child in element:
        _replace_own(child, references)


def _generalize(
    element: ET.Element, references: dict[str, str], sent_ids: set[str], known: Volatile, *, top: bool = False
) -> None:
    for name, value in element.attrib.items():
        if value in references:
            element.set(name, references[value])
        elif top and name == "id" and value in sent_ids:
            continue
        elif name in known.attributes or _TIMESTAMP.match(value) or _others_full_jid(value):
            element.set(name, ANY)
    text = (element.text or "").strip()
    if text in references:
        element.text = references[text]
    elif text and (split_tag(element.tag)[1] in known.texts or _TIMESTAMP.match(text)):
        element.text = ANY
    for child in element:
        _generalize(child, references, sent_ids, known)


def _others_full_jid(value: str) -> bool:
    """Another entity's full JID (its resource varies from one login to the next)."""
    bare, slash, resource = value.partition("/")
    return bool(slash and resource and "@" in bare and " " not in value)
