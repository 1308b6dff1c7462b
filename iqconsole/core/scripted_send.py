"""`iqconsole send`, a curl for XMPP: stanzas sent in order from a Session, each IQ request
waiting for its reply before the next stanza goes, each reply checked against the user's
expectations.

An expectation is an XPath in the dialect of the responders and the filter (core/stanza_xpath.py:
ElementTree's ElementPath, unprefixed names in `jabber:client`, `{namespace}name` for the others,
the first step naming the stanza), and it holds when it finds at least one element in a reply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from slixmpp.xmlstream.tostring import tostring

from iqconsole.core.headless import EXIT_DISCONNECTED, EXIT_FAILED, EXIT_OK, EXIT_TIMED_OUT
from iqconsole.core.protocol import CLIENT_NS
from iqconsole.core.redact import redact
from iqconsole.core.session import ReplyOutcome, Session, Settled
from iqconsole.core.stanza import Outgoing, StanzaError, error_condition, parse_stanzas
from iqconsole.core.stanza_xpath import compile_xpath

__all__ = ["Exchange", "Expectation", "send_in_order", "worst"]

# When several things went wrong, the exit code says the gravest: a lost connection, then a
# timeout, then an error reply or a failed expectation.
_GRAVITY = (EXIT_OK, EXIT_FAILED, EXIT_TIMED_OUT, EXIT_DISCONNECTED)
_EXIT_CODES = {
    Settled.RESULT: EXIT_OK,
    Settled.ERROR: EXIT_FAILED,
    Settled.TIMED_OUT: EXIT_TIMED_OUT,
    Settled.CANCELLED: EXIT_DISCONNECTED,  # only when the session closes under it
    Settled.LOST: EXIT_DISCONNECTED,
}


def worst(*codes: int) -> int:
    return max(codes, key=_GRAVITY.index)


class Expectation:
    """One `--expect XPATH`; XPathError (a ValueError) when the expression cannot be used."""

    def __init__(self, xpath: str):
        self.xpath = xpath
        self._test = compile_xpath(xpath)

    def holds_for(self, reply_xml: str) -> bool:
        try:
            elements = parse_stanzas(reply_xml)
        except StanzaError:
            return False
        return bool(elements) and self._test(elements[0])


@dataclass(frozen=True)
class Exchange:
    """One stanza sent and how it ended (`outcome` None: not a request, nothing to wait for)."""

    request: str  # as sent, secrets redacted
    outcome: ReplyOutcome | None = None
    failed: tuple[str, ...] = ()  # the expectations the reply did not meet

    @property
    def exit_code(self) -> int:
        if self.outcome is None:
            return EXIT_OK
        return worst(_EXIT_CODES[self.outcome.settled], EXIT_FAILED if self.failed else EXIT_OK)

    @property
    def condition(self) -> str:
        """The error condition of an error reply ('' otherwise)."""
        reply = self.outcome.reply if self.outcome is not None else None
        if reply is None or self.outcome is None or self.outcome.settled is not Settled.ERROR:
            return ""
        return error_condition(reply.xml).split(" ")[0]

    def as_dict(self) -> dict[str, Any]:
        """One JSON Lines record: `outcome` is result, error, timed out, lost or sent."""
        outcome = self.outcome
        reply = outcome.reply if outcome is not None else None
        return {
            "request": self.request,
            "reply": reply.xml if reply is not None else None,
            "outcome": outcome.settled.value if outcome is not None else "sent",
            "round_trip_ms": round(outcome.round_trip * 1000, 1) if outcome is not None and reply is not None else None,
            "condition": self.condition or None,
            "failed_expectations": list(self.failed),
            "reason": outcome.reason if outcome is not None and reply is None else None,
        }


async def send_in_order(
    session: Session,
    stanzas: Sequence[Outgoing],
    expectations: Sequence[Expectation],
    report: Callable[[Exchange], None],
    timeout: float | None = None,
) -> int:
    """Send each stanza, an IQ request waiting for its reply (`timeout` seconds, else the
    session's) before the next goes; report each; return the gravest exit code. A lost
    connection stops at once: nothing more can go."""
    code = EXIT_OK
    for outgoing in stanzas:
        request, _ = redact(tostring(outgoing.element, xmlns=CLIENT_NS))
        stanza_id = outgoing.element.get("id", "")
        try:
            waiting = session.send(outgoing, timeout)
        except StanzaError as error:
            exchange = Exchange(request, ReplyOutcome(stanza_id, Settled.LOST, reason=str(error)))
        else:
            exchange = Exchange(request) if waiting is None else _checked(request, await waiting, expectations)
        report(exchange)
        code = worst(code, exchange.exit_code)
        if code == EXIT_DISCONNECTED:
            break
    return code


def _checked(request: str, outcome: ReplyOutcome, expectations: Sequence[Expectation]) -> Exchange:
    if outcome.reply is None:
        return Exchange(request, outcome)
    failed = tuple(check.xpath for check in expectations if not check.holds_for(outcome.reply.xml))
    return Exchange(request, outcome, failed)
