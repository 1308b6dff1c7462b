"""One XPath dialect for responders and the traffic filter: ElementTree's, in Clark notation,
with unprefixed names in `jabber:client`, evaluated from above the stanza, so that the first
step names the stanza itself: `iq[@type='get']/{urn:xmpp:ping}ping`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from iqconsole.core.protocol import CLIENT_NS

_NAMESPACES = {"": CLIENT_NS}
# ElementPath chains one generator per step and predicate: thousands would exhaust the stack.
MAX_XPATH_STEPS = 64


class XPathError(ValueError):
    """Why an expression cannot be used, in words for the user."""


def compile_xpath(expression: str) -> Callable[[ET.Element], bool]:
    """Check the expression; return a test telling whether a stanza element matches it."""
    if not expression:
        raise XPathError("the XPath is empty: write one such as iq[@type='get']/{urn:xmpp:ping}ping")
    if expression.startswith("/"):
        raise XPathError("start the XPath with the stanza itself, such as iq[@type='get'], not with '/'")
    steps = expression.count("/") + expression.count("[") + 1
    if steps > MAX_XPATH_STEPS:
        raise XPathError(f"the XPath has {steps:,} steps and predicates: at most {MAX_XPATH_STEPS} are allowed")
    try:
        ET.Element("probe").find(expression, _NAMESPACES)
    except SyntaxError as error:
        raise XPathError(f"bad XPath {expression!r}: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError):  # ElementPath's own parser slips
        raise XPathError(f"bad XPath {expression!r}: unfinished step or predicate") from None

    def matches(stanza: ET.Element) -> bool:
        holder = ET.Element("holder")
        holder.append(stanza)  # ElementTree keeps no parent link: the stanza is not moved
        return holder.find(expression, _NAMESPACES) is not None

    return matches
