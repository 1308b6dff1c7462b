"""What a learner reads about an attempt: what went out, what came back, after how long, and,
for a wrong attempt, what the step waits for instead, then the lesson's own hint."""

from __future__ import annotations

import re

from iqconsole.core.knowledge import knowledge
from iqconsole.core.lesson_check import Attempt, Miss
from iqconsole.core.lessons import Step
from iqconsole.core.protocol import CLIENT_NS
from iqconsole.core.responders import SERVER_PUSH
from iqconsole.core.stanza import error_condition
from iqconsole.core.traffic import Direction, TrafficEntry

__all__ = ["error_words", "hint_for", "sentences", "what_happened"]

_ENDS_A_SENTENCE = re.compile(r"[.!?…][\"'’”)\]`]*$")
# How a request stopped waiting, in the learner's words: a cancel is the learner's own choice.
_GAVE_UP = {
    "timed out": "it timed out (no reply in time)",
    "cancelled": "you cancelled it (stopped waiting for the reply)",
    "connection lost": "the connection was lost before a reply came",
}


def sentences(*parts: str) -> str:
    """The parts joined as sentences: each ends with one full stop (or its own ?, ! or …),
    never two, whether or not its text (a lesson's hint, a peer's error text) has one."""
    said = [part.strip() for part in parts if part.strip()]
    return " ".join(part if _ENDS_A_SENTENCE.search(part) else f"{part}." for part in said)


def error_words(reply: TrafficEntry) -> str:
    """An error reply's condition, type and text ('item-not-found (cancel): Node does not exist'),
    then what the condition means and what to do about it, from the protocol knowledge."""
    words = error_condition(reply.xml)
    condition = knowledge().condition(words.partition(" ")[0])  # the words start with the condition
    if condition is None:
        return words
    return sentences(words, condition.about, f"What to do: {condition.action}")


def hint_for(step: Step, attempt: Attempt, miss: Miss, wanted: str) -> str:
    """Why the attempt does not do the step: `wanted` is the check it failed, variables filled in."""
    if miss is Miss.STANZA:
        said = f"This step waits for a stanza matching `{wanted}`; {_stanza(attempt.stanza)} is not one."
    elif miss is Miss.REPLY:
        said = sentences(what_happened(attempt), f"This step waits for a reply matching `{wanted}`")
    elif miss is Miss.ENDING:
        said = sentences(what_happened(attempt), f"This step wants the request to end {step.ends}")
    else:
        said = what_happened(attempt)
    return sentences(said, step.hint)


def what_happened(attempt: Attempt) -> str:
    """'Your <iq type='get'> to bob@localhost/demo (urn:xmpp:ping): a result came back from
    bob@localhost/demo after 1.2 ms.'"""
    stanza, reply = attempt.stanza, attempt.reply
    said = _stanza(stanza)
    said = said[0].upper() + said[1:]
    if attempt.gave_up:
        said += f": {_GAVE_UP.get(attempt.gave_up, 'it stopped waiting')}"
        if reply is not None:
            said += f"; the reply came late, after {_duration(reply.monotonic - stanza.monotonic)}"
        return sentences(said)
    if reply is None:
        return sentences(said)
    if reply.direction is Direction.OUT:
        answer = "your console answered"
        answer += " with an error" if reply.type == "error" else f" with a {reply.type or reply.kind.value}"
        if reply.responder == SERVER_PUSH:
            answer += " (by itself: the console acknowledges pushes from your own server)"
        elif reply.responder:
            answer += f" (responder {reply.responder})"
    else:
        kind = "an error" if reply.type == "error" else f"a {reply.type or reply.kind.value}"
        answer = f"{kind} came back from {reply.sender or 'your own server'}"
    answer += f" after {_duration(reply.monotonic - stanza.monotonic)}"
    if reply.type == "error":
        answer += f": {error_words(reply)}"
    return sentences(f"{said}: {answer}")


def _stanza(entry: TrafficEntry) -> str:
    """'your <iq type='get'> to bob@localhost/demo (urn:xmpp:ping)', or for one coming in
    'the <iq type='get'> from bob@localhost/demo (…)'."""
    typed = f" type='{entry.type}'" if entry.type else ""
    if entry.direction is Direction.OUT:
        said = f"your <{entry.kind.value}{typed}>" + (f" to {entry.recipient}" if entry.recipient else "")
    else:
        said = f"the <{entry.kind.value}{typed}>" + (f" from {entry.sender}" if entry.sender else "")
    if entry.namespace and entry.namespace != CLIENT_NS:
        said += f" ({entry.namespace})"
    return said


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"
