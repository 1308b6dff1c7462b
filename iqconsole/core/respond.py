"""`iqconsole respond`: the responders without the UI, so a client's CI can use them as a fake peer.

It drives the same Session as the app: logs in, answers until interrupted or disconnected
(reconnecting after a loss as the app does, unless told not to), and reports each answered
request through a callback; the command line turns those reports into text or JSON Lines.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from iqconsole.core.account import Account
from iqconsole.core.client import ConnectionState, StateChange
from iqconsole.core.headless import EXIT_DISCONNECTED, EXIT_OK, run_online
from iqconsole.core.reconnect import Backoff
from iqconsole.core.responders import ResponderSet
from iqconsole.core.session import Answered, Session
from iqconsole.core.stanza import error_condition
from iqconsole.core.traffic import TrafficStore


@dataclass(frozen=True)
class Handled:
    """One request and what was done with it."""

    wall: float
    sender: str
    stanza_id: str
    type: str
    namespace: str
    responder: str | None
    reply: str  # "result", "error" or "none"
    condition: str
    delay_ms: int

    @property
    def timestamp(self) -> str:
        """When the request came, in UTC to the millisecond (2026-01-31T12:00:00.250Z)."""
        return f"{_utc_second(int(self.wall))}.{int(self.wall * 1000) % 1000:03d}Z"

    def as_dict(self) -> dict[str, object]:
        return {
            "time": self.timestamp,
            "from": self.sender,
            "id": self.stanza_id,
            "type": self.type,
            "namespace": self.namespace,
            "responder": self.responder,
            "reply": self.reply,
            "condition": self.condition,
            "delay_ms": self.delay_ms,
        }


@lru_cache(maxsize=2)  # requests come many a second: format each second once
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def report_line(handled: Handled, as_json: bool = False) -> str:
    """What `iqconsole respond` prints for one request: a line of text, or of JSON."""
    if as_json:
        return json.dumps(handled.as_dict())
    outcome = handled.reply + (f" {handled.condition}" if handled.condition else "")
    delay = f" after {handled.delay_ms} ms" if handled.delay_ms else ""
    return (
        f"{handled.timestamp} {handled.type} {handled.namespace or '-'} id={handled.stanza_id} from={handled.sender} "
        f"-> {handled.responder or '(unmatched)'}: {outcome}{delay}"
    )


def describe(answered: Answered) -> Handled:
    entry, answer = answered.request, answered.answer
    reply = answer.reply
    reply_type = "none" if reply is None else reply.xml.get("type", "")
    condition = error_condition(str(reply)).split(" ")[0] if reply_type == "error" else ""
    return Handled(
        entry.wall,
        entry.sender,
        entry.stanza_id,
        entry.type,
        entry.namespace,
        answer.answered_by or None,
        reply_type,
        condition,
        int(answer.delay * 1000),
    )


async def respond(
    account: Account,
    responders: ResponderSet,
    report: Callable[[Handled], None],
    ready: Callable[[str], None] = lambda _message: None,
    *,
    stream_management: bool = False,
    reconnect: bool = True,
    backoff: Backoff | None = None,
) -> int:
    """Answer requests until SIGINT/SIGTERM (exit 0) or a connection lost for good (exit 5:
    `reconnect` off, or a stream error after which the server does not want us back); a failed
    login is exit 4."""
    ended = asyncio.Event()  # the connection is lost for good
    store = TrafficStore(capacity=1000)
    last = {"state": ConnectionState.DISCONNECTED}

    def state_changed(change: StateChange) -> None:
        before, last["state"] = last["state"], change.state
        if change.state is ConnectionState.DISCONNECTED:
            ready(change.message)
            ended.set()
        elif change.state is ConnectionState.RECONNECTING and before is ConnectionState.ONLINE:
            lost = next((entry.xml for entry in reversed(store.entries) if entry.tag == "connection-lost"), "")
            ready(f"{lost or 'connection lost'}; reconnecting (Ctrl+C stops)")
        elif change.state is ConnectionState.ONLINE and before is ConnectionState.RECONNECTING:
            ready(f"online again as {session.own_jid}" + (" (resumed)" if change.resumed else ""))

    session = Session(
        account,
        store,
        responders,
        stream_management=stream_management,
        reconnect=(backoff or Backoff()) if reconnect else None,
    )
    session.state_changed.subscribe(state_changed)
    session.answered.subscribe(lambda answered: report(describe(answered)))

    async def answer_until_lost() -> int:
        ready(f"online as {session.own_jid} with {len(responders)} responder(s); Ctrl+C stops")
        await ended.wait()
        return EXIT_DISCONNECTED

    return await run_online(session, answer_until_lost, ready, interrupted=EXIT_OK)
