"""What a responder answers: a templated result payload, any RFC 6120 error, or nothing.

Template variables are XML-escaped (a peer's id cannot inject elements) and checked when the
responder is created; at runtime a template that still fails becomes internal-server-error.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET

from slixmpp import Iq

from iqconsole.core.protocol import CLIENT_NS, STANZAS_NS
from iqconsole.core.responder_match import ResponderError
from iqconsole.core.stanza import StanzaError, parse_stanzas
from iqconsole.core.substitution import SubstitutionError, substitute

# RFC 6120 §8.3.3, each with the error type it usually travels with.
ERROR_CONDITIONS = {
    "bad-request": "modify",
    "conflict": "cancel",
    "feature-not-implemented": "cancel",
    "forbidden": "auth",
    "gone": "cancel",
    "internal-server-error": "cancel",
    "item-not-found": "cancel",
    "jid-malformed": "modify",
    "not-acceptable": "modify",
    "not-allowed": "cancel",
    "not-authorized": "auth",
    "policy-violation": "modify",
    "recipient-unavailable": "wait",
    "redirect": "modify",
    "registration-required": "auth",
    "remote-server-not-found": "cancel",
    "remote-server-timeout": "wait",
    "resource-constraint": "wait",
    "service-unavailable": "cancel",
    "subscription-required": "auth",
    "undefined-condition": "cancel",
    "unexpected-request": "wait",
}
ERROR_TYPES = ("auth", "cancel", "continue", "modify", "wait")
VARIABLES = ("id", "from", "to", "now", "counter", "request:PATH")
_NAME = re.compile(r"^[A-Za-z_][\w.-]*$")


def request_value(request: ET.Element, path: str) -> str:
    """`@type`, `query/@node`, `query/item` (text): any namespace, '' when absent.

    Raises ResponderError for a path that is not plain steps and an optional attribute."""
    element_path, _, attribute = path.strip().partition("@")
    element_path = element_path.strip("/")
    steps = [step for step in element_path.split("/") if step]
    if not all(_NAME.match(step) for step in steps) or (attribute and not _NAME.match(attribute)):
        raise ResponderError(f"${{request:{path}}}: write element names separated by '/', then @attribute if any")
    target = request.find("/".join(f"{{*}}{step}" for step in steps)) if steps else request
    if target is None:
        return ""
    if attribute:
        return target.get(attribute, "")
    return (target.text or "").strip()


def render_reply(template: str, values: dict[str, str], request: ET.Element | None = None) -> str:
    """Fill the variables, XML-escaped; `${request:PATH}` reads `request` ("sample" without one).

    Raises ResponderError naming a bad variable."""

    def from_request(path: str) -> str:
        value = request_value(request if request is not None else ET.Element("sample"), path)
        return value if request is not None else "sample"

    try:
        return substitute(template, values, {"request": from_request}, known=VARIABLES)
    except SubstitutionError as error:
        raise ResponderError(f"reply template: {error}") from None


SAMPLE_VALUES = {
    "id": "id",
    "from": "peer@example.org/r",
    "to": "me@example.org/r",
    "now": "2000-01-01T00:00:00Z",
    "counter": "1",
}


def check_reply(template: str) -> None:
    """A reply template must be empty or well-formed payload XML once variables are filled."""
    if not template.strip():
        return
    try:
        parse_stanzas(render_reply(template, SAMPLE_VALUES))
    except StanzaError as error:
        raise ResponderError(f"reply template: {error}", key="reply") from None


def check_error(condition: str, error_type: str) -> str:
    """Validate an error reply; return its type (the condition's usual one when not given)."""
    if condition not in ERROR_CONDITIONS:
        raise ResponderError(
            f"unknown error condition {condition!r}",
            key="error",
            allowed="RFC 6120 defines: " + ", ".join(ERROR_CONDITIONS),
        )
    error_type = error_type or ERROR_CONDITIONS[condition]
    if error_type not in ERROR_TYPES:
        raise ResponderError(f"unknown error type {error_type!r}", key="error_type", allowed=", ".join(ERROR_TYPES))
    return error_type


def error_element(condition: str, error_type: str, text: str = "") -> ET.Element:
    error = ET.Element(f"{{{CLIENT_NS}}}error", type=error_type)
    ET.SubElement(error, f"{{{STANZAS_NS}}}{condition}")
    if text:
        ET.SubElement(error, f"{{{STANZAS_NS}}}text").text = text
    return error


def request_values(iq: Iq, counter: int) -> dict[str, str]:
    return {
        "id": iq.xml.get("id", ""),
        "from": iq.xml.get("from", ""),
        "to": iq.xml.get("to", ""),
        "now": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "counter": str(counter),
    }


def result_payload(template: str, iq: Iq, counter: int) -> list[ET.Element]:
    """The result's children; raises ResponderError or StanzaError when rendering fails."""
    if not template.strip():
        return []
    return parse_stanzas(render_reply(template, request_values(iq, counter), iq.xml))


def empty_reply(iq: Iq) -> Iq:
    """What `iq.reply(clear=True)` gives (same class, stream, attributes, text), without its deep
    copy of the request's payload, which it then removes: under a flood of requests that copy and
    the payload's stanza objects were a fifth of the answering."""
    request = iq.xml
    shell = ET.Element(request.tag, request.attrib)
    shell.text, shell.tail = request.text, request.tail
    reply = type(iq)(iq.stream, xml=shell)
    if iq.stream is not None and getattr(iq.stream, "is_component", False):  # as StanzaBase.reply
        reply["from"], reply["to"] = iq._get_attr("to"), iq._get_attr("from")
    else:
        reply["to"] = iq._get_attr("from")
        del reply["from"]
    reply["type"] = "result"
    return reply


def reply_to(iq: Iq, children: list[ET.Element]) -> Iq:
    """The reply Iq; an <error> child makes it an error reply."""
    reply = empty_reply(iq)
    for element in children:
        if element.tag == f"{{{CLIENT_NS}}}error":
            reply["type"] = "error"
        reply.append(element)
    return reply
