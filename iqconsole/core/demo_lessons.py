"""What the demo peer (bob) does for the lessons, asked with a payload in `urn:iqconsole:demo`:

- `<call/>`: bob answers, then asks the caller a question in the lesson's own namespace
  (`<question xmlns='urn:iqconsole:lesson:quiz'>`), and tells in a chat message what came back;
- `<never/>`: bob never answers (a peer that hangs, for timeouts and cancelling);
- `<slow seconds='3'/>`: bob answers after that many seconds (a late reply).
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import Callable

import slixmpp
from slixmpp import JID
from slixmpp.exceptions import IqError, IqTimeout
from slixmpp.xmlstream import StanzaBase
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import MatchXPath

__all__ = ["DEMO_NS", "MAX_SLOW_SECONDS", "QUIZ_NS", "teach_lessons"]

DEMO_NS = "urn:iqconsole:demo"
QUIZ_NS = "urn:iqconsole:lesson:quiz"
QUESTION = "What is six times seven?"
MAX_SLOW_SECONDS = 30
ANSWER_TIMEOUT = 30.0


def teach_lessons(peer: slixmpp.ClientXMPP) -> None:
    """Register bob's lesson behaviours (and announce them in disco#info) on a client with
    the disco plugin, before it connects."""
    peer.plugin["xep_0030"].add_feature(DEMO_NS)
    tasks: set[asyncio.Task[None]] = set()  # kept referenced until done

    def call(iq: StanzaBase) -> None:
        iq.reply(clear=True).send()
        task = asyncio.ensure_future(_ask_question(peer, iq["from"]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def slow(iq: StanzaBase) -> None:
        asked = iq.xml.find(f"{{{DEMO_NS}}}slow")
        try:
            seconds = float(asked.get("seconds", "3") if asked is not None else "3")
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= MAX_SLOW_SECONDS:
            _refuse(iq, f"seconds must be a number from 0 to {MAX_SLOW_SECONDS}")
            return
        peer.loop.call_later(seconds, iq.reply(clear=True).send)

    behaviours: dict[str, Callable[[StanzaBase], None]] = {"call": call, "never": lambda _iq: None, "slow": slow}
    for name, behaviour in behaviours.items():
        matcher = MatchXPath(f"{{jabber:client}}iq/{{{DEMO_NS}}}{name}")
        peer.register_handler(Callback(f"lesson {name}", matcher, _requests_only(behaviour)))


def _requests_only(behaviour: Callable[[StanzaBase], None]) -> Callable[[StanzaBase], None]:
    def handle(iq: StanzaBase) -> None:
        if iq["type"] in ("get", "set"):
            behaviour(iq)

    return handle


def _refuse(iq: StanzaBase, text: str) -> None:
    reply = iq.reply(clear=True)
    reply.error()
    reply["error"]["type"] = "modify"
    reply["error"]["condition"] = "bad-request"
    reply["error"]["text"] = text
    reply.send()


async def _ask_question(peer: slixmpp.ClientXMPP, caller: JID) -> None:
    question = peer.make_iq_get(ito=caller)
    question.append(ET.fromstring(f"<question xmlns='{QUIZ_NS}'>{QUESTION}</question>"))
    try:
        reply = await question.send(timeout=ANSWER_TIMEOUT)
    except IqError as error:
        heard = f"an error, {error.condition}"
    except IqTimeout:
        heard = "no answer at all"
    else:
        answer = reply.xml.find(f"{{{QUIZ_NS}}}answer")
        heard = answer.text if answer is not None and answer.text else "a result without an answer element"
    peer.send_message(mto=caller, mbody=f"I asked you: {QUESTION} I got: {heard}", mtype="chat")
