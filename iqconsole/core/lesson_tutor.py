"""The tutor: follows the live traffic for the open lesson, judges each attempt at its current
step, moves on when one passes, says what went wrong when one fails, and keeps the progress.

Only stanzas the learner sent from the composer (`learner_sent`) count as the learner's: the
console's own requests (discovery at login) and automatic replies never pass a step by
themselves. A step that watches stanzas coming in (`receive`) looks at every incoming stanza;
one that went wrong before the learner sent anything for the step (a peer's request the
console answered by itself) is told as what happened (`meanwhile`), not as a failed attempt.
When a step passes, the traffic after the stanza that passed it is read again for the next
step, so a server push that came with the reply is not missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from iqconsole.core.events import Listeners
from iqconsole.core.lesson_check import Attempt, Checks, Miss, Verdict, judge
from iqconsole.core.lesson_hints import hint_for, what_happened
from iqconsole.core.lesson_progress import Progress
from iqconsole.core.lessons import Lesson, Step, compiled, fill
from iqconsole.core.protocol import STANZA_KINDS, Kind
from iqconsole.core.substitution import SubstitutionError
from iqconsole.core.traffic import Direction, TrafficEntry, TrafficStore
from iqconsole.core.traffic_filter import FilterError, TrafficFilter

__all__ = ["Tutor"]


@dataclass
class _Open:
    """An attempt waiting for its reply, and the reply to it when it is not an IQ (a message
    bounced with an error, a presence reflected back: same id, same kind, coming back)."""

    stanza: TrafficEntry
    reply: TrafficEntry | None = None


class Tutor:
    def __init__(
        self,
        lessons: list[Lesson],
        progress: Progress,
        store: TrafficStore,
        variables: Callable[[], Mapping[str, str]],
    ):
        """`variables`: the values of `${jid}`, `${bob}`, … in the checks, asked when needed
        (the full JID is known only once online)."""
        self.lessons = lessons
        self.progress = progress
        self.store = store
        self.variables = variables
        self.lesson: Lesson | None = None
        self.step = 0  # index of the current step; len(steps) once the lesson is done
        self.hint = ""  # what went wrong with the last attempt
        self.meanwhile = ""  # what happened at this step before the learner acted
        self.happened: dict[int, str] = {}  # step index -> what the attempt that passed it did
        self.problem = progress.problem  # a progress or lesson check that could not be used
        self.changed: Listeners[None] = Listeners()
        self._learner_ids: set[str] = set()
        self._acted = False  # the learner sent something since the step began
        self._open: list[_Open] = []
        self._next_seq = store.total
        self._filters: dict[str, TrafficFilter] = {}
        store.changed.subscribe(self._follow)

    # -- what the front end asks ---------------------------------------------------------------

    def lesson_by_key(self, key: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.key == key), None)

    def open(self, key: str) -> None:
        """Make lesson `key` the open one, at its first unfinished step; only traffic from now on counts."""
        lesson = self.lesson_by_key(key)
        if lesson is None:
            return
        self.lesson = lesson
        self.step = min(self.progress.steps_done(key), len(lesson.steps))
        self._start_step()
        self.happened = {}
        self._next_seq = self.store.total
        self._save()

    def open_where_left(self) -> None:
        """The lesson open at the last run, else the first not finished, else the first."""
        unfinished = [lesson for lesson in self.lessons if not self.finished(lesson)]
        chosen = self.lesson_by_key(self.progress.current) or next(iter(unfinished or self.lessons), None)
        if chosen is not None:
            self.open(chosen.key)

    def reset(self, key: str) -> None:
        """Forget the progress of lesson `key` (and start it again if it is open)."""
        try:
            self.progress.reset(key)
        except OSError as error:
            self._say_problem(f"progress not saved to {self.progress.path}: {error.strerror or error}")
        if self.lesson is not None and self.lesson.key == key:
            self.open(key)
        self.changed.emit(None)

    def learner_sent(self, stanza_ids: Iterable[str]) -> None:
        """These stanzas were sent by the learner (from the composer): they are attempts."""
        self._learner_ids.update(stanza_ids)
        self._acted = True

    def steps_done(self, lesson: Lesson) -> int:
        if self.lesson is not None and lesson.key == self.lesson.key:
            return self.step
        return min(self.progress.steps_done(lesson.key), len(lesson.steps))

    def finished(self, lesson: Lesson) -> bool:
        return self.steps_done(lesson) >= len(lesson.steps)

    @property
    def current_step(self) -> Step | None:
        if self.lesson is None or self.step >= len(self.lesson.steps):
            return None
        return self.lesson.steps[self.step]

    # -- following the traffic -----------------------------------------------------------------

    def _follow(self, _change: object = None) -> None:
        """Called on every change of the store (a stanza, a request that stopped waiting)."""
        self._let_go_of_dropped()
        self._judge_open()
        while self.current_step is not None and self._next_seq < self.store.total:
            entry = self.store.by_seq(self._next_seq)
            self._next_seq += 1
            if entry is not None and entry.kind in STANZA_KINDS:
                self._read(entry)
                self._judge_open()
        if self.current_step is None:
            self._next_seq = self.store.total

    def _read(self, entry: TrafficEntry) -> None:
        step = self.current_step
        assert step is not None
        if entry.direction is Direction.IN and entry.kind is not Kind.IQ:
            for waiting in self._open:
                if (waiting.stanza.kind, waiting.stanza.stanza_id) == (entry.kind, entry.stanza_id) and entry.stanza_id:
                    waiting.reply = waiting.reply or entry
        if step.send:
            if entry.direction is Direction.OUT and entry.stanza_id in self._learner_ids:
                self._open.append(_Open(entry))
        elif entry.direction is Direction.IN:
            watched = self._filter(step.receive)
            if watched is not None and watched.matches(entry):
                self._open.append(_Open(entry))

    def _let_go_of_dropped(self) -> None:
        """Attempts whose stanza left the store's ring (a flood of requests nobody answers) can
        no longer be paired with a reply: kept, they would hold every such entry for ever."""
        first = self.store.first_seq
        gone = 0
        while gone < len(self._open) and self._open[gone].stanza.seq < first:  # in the order read
            gone += 1
        del self._open[:gone]

    def _judge_open(self) -> None:
        step = self.current_step
        if step is None or not self._open:
            return
        checks = self._checks(step)  # the same for every open attempt of this step
        if checks is None:
            return
        for waiting in list(self._open):
            attempt = self._attempt(waiting)
            verdict, miss = judge(step, checks, attempt)
            if verdict is Verdict.WAITING:
                continue
            self._open.remove(waiting)
            if verdict is Verdict.PASSED:
                self._pass(attempt)
                return
            assert miss is not None
            if step.receive and not self._acted:
                self.meanwhile = what_happened(attempt)
            else:
                wanted = step.reply if miss is Miss.REPLY else step.watched
                self.hint = hint_for(step, attempt, miss, self._filled(wanted))
            self.changed.emit(None)

    def _attempt(self, waiting: _Open) -> Attempt:
        pairing = self.store.pairing_of(waiting.stanza) if waiting.stanza.kind is Kind.IQ else None
        if pairing is None:
            return Attempt(waiting.stanza, waiting.reply)
        gave_up = pairing.gave_up.value if pairing.gave_up is not None else ""
        return Attempt(waiting.stanza, pairing.reply, gave_up)

    def _pass(self, attempt: Attempt) -> None:
        self.happened[self.step] = what_happened(attempt)
        self.step += 1
        self._start_step()
        self._next_seq = attempt.stanza.seq + 1  # what came after it is read again for the next step
        self._save()
        self.changed.emit(None)

    def _start_step(self) -> None:
        self.hint = self.meanwhile = ""
        self._acted = False
        self._open = []

    def _save(self) -> None:
        if self.lesson is None:
            return
        try:
            self.progress.record(self.lesson.key, self.step)
        except OSError as error:
            self._say_problem(f"progress not saved to {self.progress.path}: {error.strerror or error}")

    def _say_problem(self, problem: str) -> None:
        self.problem = problem
        self.changed.emit(None)

    # -- checks with the learner's addresses -------------------------------------------------

    def _checks(self, step: Step) -> Checks | None:
        watched = self._filter(step.watched)
        reply = self._filter(step.reply) if step.reply else None
        if watched is None or (step.reply and reply is None):
            return None
        return Checks(watched, reply)

    def _filled(self, expression: str) -> str:
        try:
            return fill(expression, self.variables())
        except SubstitutionError:
            return expression

    def _filter(self, expression: str) -> TrafficFilter | None:
        """The compiled check (cached); None, with the problem said, when it cannot be used."""
        filled = self._filled(expression)
        if filled not in self._filters:
            try:
                self._filters[filled] = compiled(expression, self.variables())
            except (FilterError, SubstitutionError) as error:
                self._say_problem(f"the check {expression!r} of this step cannot be used: {error}")
                return None
        return self._filters[filled]
