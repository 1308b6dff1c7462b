"""What a server's stream error says, in words, and where a see-other-host redirect points.

slixmpp reads only the conditions it knows (an unknown one comes back as ''), and on
see-other-host it logs in again by itself, credentials included; here the element is read as
sent, and a redirect is only described, for the user to accept or not.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from iqconsole.core.knowledge import knowledge

STREAMS_NS = "urn:ietf:params:xml:ns:xmpp-streams"
DEFAULT_PORT = 5222
MAX_SHOWN = 300  # characters of server text quoted in a reason
# After these the server expects the client back (RFC 6120 §4.9.3); after any other, reconnecting
# by itself would repeat what the server refused (conflict would even fight the other connection).
RECONNECT_AFTER = frozenset(
    {"system-shutdown", "connection-timeout", "reset", "internal-server-error", "remote-connection-failed"}
)
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,252})")
_IPV6 = re.compile(r"[0-9A-Fa-f:.]{2,45}")


def shorten(text: str, limit: int = MAX_SHOWN) -> str:
    """Server text on one line and at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Redirect:
    """Where a server asked the client to connect instead."""

    host: str
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_redirect(value: str) -> Redirect:
    """RFC 6120 §4.9.3.19: 'host', 'host:port', '[IPv6]' or '[IPv6]:port'. Raises ValueError."""
    value = value.strip()
    port_text = ""
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or not _IPV6.fullmatch(host) or (rest and not rest.startswith(":")):
            raise ValueError(f"not a host or host:port: {shorten(value, 80)!r}")
        port_text = rest[1:]
    else:
        host, _colon, port_text = value.partition(":")
        if not _HOST.fullmatch(host):
            raise ValueError(f"not a host or host:port: {shorten(value, 80)!r}")
    if not port_text:
        return Redirect(host)
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"not a port: {shorten(port_text, 20)!r}")
    return Redirect(host, int(port_text))


@dataclass(frozen=True)
class StreamErrorReport:
    """A <stream:error> as the user should read it."""

    condition: str
    text: str = ""
    application: str = ""  # an application-specific condition element, {namespace}name
    redirect: Redirect | None = None
    redirect_problem: str = ""  # why a see-other-host cannot be followed

    def describe(self) -> str:
        if not self.condition:
            what = "no condition"
        elif knowledge().condition(self.condition, "stream") is not None:
            what = self.condition
        else:
            what = f"{self.condition} (not an RFC 6120 condition)"
        if self.application:
            what += f" + {self.application}"
        sentence = f"The server ended the stream: {what}"
        if self.text:
            sentence += f" ({self.text})"
        if self.redirect is not None:
            sentence += f"; it asks to connect to {self.redirect} instead"
        elif self.redirect_problem:
            sentence += f"; its redirect cannot be followed: {self.redirect_problem}"
        return sentence


def read_stream_error(element: ET.Element) -> StreamErrorReport:
    """Condition, text and redirect of a <stream:error>, whatever condition it names."""
    condition = text = application = ""
    address = None
    for child in element:
        namespace, _brace, local = child.tag[1:].partition("}") if child.tag.startswith("{") else ("", "", child.tag)
        if namespace == STREAMS_NS and local == "text":
            text = shorten(child.text or "")
        elif namespace == STREAMS_NS and not condition:
            condition = shorten(local, 80)
            if local == "see-other-host":
                address = child.text or ""
        elif namespace != STREAMS_NS and not application:
            application = shorten(child.tag, 120)
    if address is None:
        return StreamErrorReport(condition, text, application)
    try:
        return StreamErrorReport(condition, text, application, redirect=parse_redirect(address))
    except ValueError as problem:
        return StreamErrorReport(condition, text, application, redirect_problem=str(problem))
