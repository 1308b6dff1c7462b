"""Hide secrets in serialized XML before anything stores, shows or writes it.

Redaction happens once, at capture, on the text form of a stanza, so every view, copy and
export downstream is safe by construction. It is best-effort: it knows the standard places
where XMPP carries credentials (SASL, SASL2, FAST tokens, in-band registration, component
handshakes) and keeps the element so the reader still sees that a secret was exchanged.
"""

from __future__ import annotations

import re
from functools import partial

REDACTED = "[redacted]"

# (literal marker, namespace, elements whose text is secret) — the element either declares the
# namespace itself or sits inside an element that does. The marker skips the regexes cheaply
# for the ordinary stanzas that make up nearly all traffic.
_SECRETS = [
    ("xmpp-sasl", r"urn:ietf:params:xml:ns:xmpp-sasl", "auth|challenge|response|success"),
    ("urn:xmpp:sasl:", r"urn:xmpp:sasl:[0-9]+", "initial-response|additional-data|response|challenge|success"),
    ("jabber:iq:register", r"jabber:iq:register", "password"),
    ("jabber:iq:auth", r"jabber:iq:auth", "password|digest"),
    ("jabber:component:accept", r"jabber:component:accept", "handshake"),
]

_SCOPES = [
    (
        marker,
        re.compile(rf"<(?P<tag>[\w:.-]+)\b[^>]*\bxmlns=(['\"]){ns}\2[^>]*?(?:/>|>.*?</(?P=tag)>)", re.DOTALL),
        re.compile(rf"(<({tags})\b[^>]*(?<!/)>)[^<]+(</\2>)"),
    )
    for marker, ns, tags in _SECRETS
]
# XEP-0077 registration through a data form: <field var="password"><value>secret</value>.
_FORM_PASSWORD = re.compile(r"(<field\b[^>]*\bvar=(['\"])password\2[^>]*>\s*<(value)\b[^>]*(?<!/)>)[^<]+(</\3>)")
# A component's handshake (XEP-0114) is often written without its own xmlns.
_HANDSHAKE = re.compile(r"(<(handshake)\b[^>]*(?<!/)>)[^<]+(</\2>)")
# FAST (XEP-0484) tokens travel as attributes.
_TOKEN_ATTR = re.compile(r"(<(?:token|fast)\b[^>]*\btoken=(['\"]))[^'\"]+(\2)")


def _hide_text(secret: re.Pattern[str], scope: re.Match[str]) -> str:
    return secret.sub(rf"\1{REDACTED}\3", scope.group(0))


def redact(xml: str) -> tuple[str, bool]:
    """Return the text with secrets replaced, and whether anything was replaced."""
    redacted = xml
    for marker, scope, secret in _SCOPES:
        if marker in redacted:
            redacted = scope.sub(partial(_hide_text, secret), redacted)
    if "password" in redacted and "jabber:iq:register" in redacted:
        redacted = _FORM_PASSWORD.sub(rf"\1{REDACTED}\4", redacted)
    if "<handshake" in redacted:
        redacted = _HANDSHAKE.sub(rf"\1{REDACTED}\3", redacted)
    if "token=" in redacted:
        redacted = _TOKEN_ATTR.sub(rf"\1{REDACTED}\3", redacted)
    return redacted, redacted != xml
