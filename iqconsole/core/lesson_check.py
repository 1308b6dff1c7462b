"""Whether one attempt at a lesson step did what the step asks: passed, failed (and how), or
not decided yet because the reply has not come."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from iqconsole.core.lessons import Step
from iqconsole.core.traffic import TrafficEntry
from iqconsole.core.traffic_filter import TrafficFilter

__all__ = ["Attempt", "Checks", "Miss", "Verdict", "judge"]


class Verdict(str, Enum):
    PASSED = "passed"
    FAILED = "failed"
    WAITING = "waiting"


class Miss(str, Enum):
    """What a failed attempt got wrong."""

    STANZA = "stanza"  # the stanza is not the one the step asks for
    REPLY = "reply"  # the reply is not the one the step waits for
    NO_REPLY = "no reply"  # the request stopped waiting and no reply came
    ENDING = "ending"  # the request ended otherwise than the step's `ends`


@dataclass(frozen=True)
class Attempt:
    """The stanza a step watches, its reply when one came, and whether its request stopped
    waiting first ("timed out" or "cancelled"; "" while it waits or once answered in time)."""

    stanza: TrafficEntry
    reply: TrafficEntry | None = None
    gave_up: str = ""


@dataclass(frozen=True)
class Checks:
    """A step's checks, compiled with the learner's addresses filled in."""

    watched: TrafficFilter
    reply: TrafficFilter | None = None


def judge(step: Step, checks: Checks, attempt: Attempt) -> tuple[Verdict, Miss | None]:
    if not checks.watched.matches(attempt.stanza):
        return Verdict.FAILED, Miss.STANZA
    if step.ends:
        return _judge_ending(step.ends, checks, attempt)
    if checks.reply is None:
        return Verdict.PASSED, None
    if attempt.reply is not None:
        return _judge_reply(checks, attempt.reply)
    if attempt.gave_up:
        return Verdict.FAILED, Miss.NO_REPLY
    return Verdict.WAITING, None


def _judge_ending(ends: str, checks: Checks, attempt: Attempt) -> tuple[Verdict, Miss | None]:
    if attempt.reply is not None and not attempt.gave_up:
        return Verdict.FAILED, Miss.ENDING  # answered in time
    if ends == "late":
        return _judge_reply(checks, attempt.reply) if attempt.reply is not None else (Verdict.WAITING, None)
    if not attempt.gave_up:
        return Verdict.WAITING, None
    return (Verdict.PASSED, None) if attempt.gave_up == ends else (Verdict.FAILED, Miss.ENDING)


def _judge_reply(checks: Checks, reply: TrafficEntry) -> tuple[Verdict, Miss | None]:
    if checks.reply is None or checks.reply.matches(reply):
        return Verdict.PASSED, None
    return Verdict.FAILED, Miss.REPLY
