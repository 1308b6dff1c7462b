"""Hide secrets in serialized XML before anything stores, shows or writes it.

Redaction happens once, at capture, on the text form of a stanza, so every view, copy and
export downstream is safe by construction. It is best-effort: it knows the standard places
where XMPP carries credentials (SASL, SASL2, FAST tokens, in-band registration, component
handshakes, the Authorization and Cookie headers of an HTTP upload slot) and keeps the element so the reader still sees that a secret was exchanged.

The text is read once, tag by tag, with a stack of open elements: the time is linear in its
size whatever it holds (unclosed or mismatched tags included), because the server controls it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

REDACTED = "[redacted]"

# (namespace, local names whose text is secret): the element either declares the namespace
# itself (default or prefixed) or sits inside an element that does.
_SECRETS = [
    (re.compile(r"urn:ietf:params:xml:ns:xmpp-sasl"), frozenset({"auth", "challenge", "response", "success"})),
    (
        re.compile(r"urn:xmpp:sasl:[0-9]+"),
        frozenset({"initial-response", "additional-data", "response", "challenge", "success"}),
    ),
    (re.compile(r"jabber:iq:register"), frozenset({"password"})),
    (re.compile(r"jabber:iq:auth"), frozenset({"password", "digest"})),
    (re.compile(r"jabber:component:accept"), frozenset({"handshake"})),
]
_REGISTER_NS = "jabber:iq:register"
_UPLOAD_NS = "urn:xmpp:http:upload:0"  # XEP-0363: a slot's headers may carry credentials
# Literal text that any secret needs: ordinary stanzas (nearly all traffic) skip the scan.
_MARKERS = ("xmpp-sasl", "urn:xmpp:sasl:", "jabber:iq:register", "jabber:iq:auth", "handshake", "token=", _UPLOAD_NS)
# A component's handshake (XEP-0114) is often written without its own xmlns.
_ANYWHERE = frozenset({"handshake"})
# FAST (XEP-0484) tokens travel as attributes of these elements.
_TOKEN_HOLDERS = frozenset({"token", "fast"})

# Possessive quantifiers: a '<' that starts no tag fails at once, never rescanning what follows.
_TAG = re.compile(r"<(/?)((?![!?])[^\s<>/]++)([^<>]*+)>")
_NAMESPACE_DECLARATION = re.compile(r"""\bxmlns(?::[^\s=<>]+)?\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PASSWORD_FIELD = re.compile(r"""\bvar\s*=\s*(["'])password\1""")
_SECRET_HEADER = re.compile(r"""\bname\s*=\s*(["'])(?:authorization|cookie)\1""", re.IGNORECASE)
_TOKEN_ATTRIBUTE = re.compile(r"""((?<![\w.:-])token\s*=\s*)("[^"]*"|'[^']*')""")
_NOT_SPACE = re.compile(r"\S")


@dataclass(frozen=True, slots=True)
class _Open:
    """An element whose end tag has not come yet, and what its content may hold."""

    name: str
    secret_names: frozenset[str]  # local names whose text is secret inside this element
    in_register: bool  # inside jabber:iq:register: a data form's password field is secret
    in_upload: bool  # inside an HTTP upload slot: its Authorization and Cookie headers are secret
    password_field: bool
    secret: bool  # the element's own text is secret


_OUTSIDE = _Open("", _ANYWHERE, False, False, False, False)


def _local(name: str) -> str:
    return name.rpartition(":")[2]


@lru_cache(maxsize=1024)  # a dump of SASL elements repeats the same tags: decide each once
def _opened(parent: _Open, name: str, attributes: str) -> _Open:
    secret_names, in_register, in_upload = parent.secret_names, parent.in_register, parent.in_upload
    if "xmlns" in attributes:
        for match in _NAMESPACE_DECLARATION.finditer(attributes):
            namespace = match.group(1) if match.group(1) is not None else match.group(2)
            for pattern, names in _SECRETS:
                if pattern.fullmatch(namespace):
                    secret_names = secret_names | names
            in_register = in_register or namespace == _REGISTER_NS
            in_upload = in_upload or namespace == _UPLOAD_NS
    local = _local(name)
    password_field = in_register and local == "field" and _PASSWORD_FIELD.search(attributes) is not None
    secret = (
        local in secret_names
        or (local == "value" and parent.password_field)
        or (in_upload and local == "header" and _SECRET_HEADER.search(attributes) is not None)
    )
    return _Open(name, secret_names, in_register, in_upload, password_field, secret)


def _hidden_token(attributes: str) -> str:
    def hide(match: re.Match[str]) -> str:
        quote, value = match.group(2)[0], match.group(2)[1:-1]
        return match.group(0) if value in ("", REDACTED) else f"{match.group(1)}{quote}{REDACTED}{quote}"

    return _TOKEN_ATTRIBUTE.sub(hide, attributes)


def redact(xml: str) -> tuple[str, bool]:
    """Return the text with secrets replaced, and whether anything was replaced."""
    for marker in _MARKERS:  # a loop: any() over a generator costs twice as much, once per stanza
        if marker in xml:
            break
    else:
        return xml, False
    pieces: list[str] = []
    copied = 0  # xml[:copied] is already in pieces

    def replace(start: int, end: int, text: str) -> None:
        nonlocal copied
        pieces.append(xml[copied:start])
        pieces.append(text)
        copied = end

    def hide_text(start: int, end: int) -> None:
        if stack[-1].secret and _NOT_SPACE.search(xml, start, end) and xml[start:end] != REDACTED:
            replace(start, end, REDACTED)

    stack = [_OUTSIDE]
    open_names: dict[str, int] = {}  # how many of each name are open: a stray end tag costs nothing
    text_start = 0
    for tag in _TAG.finditer(xml):
        hide_text(text_start, tag.start())
        text_start = tag.end()
        closing, name, attributes = tag.groups()
        if closing:
            if open_names.get(name):
                while (popped := stack.pop()).name != name:
                    open_names[popped.name] -= 1
                open_names[name] -= 1
            continue
        if _local(name) in _TOKEN_HOLDERS and "token" in attributes:
            hidden = _hidden_token(attributes)
            if hidden != attributes:
                replace(tag.start(3), tag.end(3), hidden)
        if attributes.endswith("/"):
            continue
        stack.append(_opened(stack[-1], name, attributes))
        open_names[name] = open_names.get(name, 0) + 1
    hide_text(text_start, len(xml))  # a chunk may end inside a secret element
    if not pieces:
        return xml, False
    pieces.append(xml[copied:])
    return "".join(pieces), True
