"""`iqconsole learn`: the console with a lessons pane beside the composer, on the sandbox."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.lesson_progress import Progress
from iqconsole.core.lesson_tutor import Tutor
from iqconsole.core.lessons import Lesson
from iqconsole.core.templates import standard_variables
from iqconsole.ui.app import IqConsoleApp
from iqconsole.ui.lessons.lessons_pane import LessonsPane


class LearnApp(IqConsoleApp):
    BINDINGS = [
        Binding(
            "f9",
            "show_me",
            "Show me",
            id="learn.show-me",
            tooltip="Put a working stanza for the current step in the composer (or open the responder it needs)",
        ),
        Binding("f10", "focus('lesson-list')", "Focus lessons", id="learn.focus-lessons", show=False),
    ]

    def __init__(
        self, account: Account | None, *, lessons: list[Lesson], bob: str, problems: tuple[str, ...] = (), **kwargs: Any
    ):
        """`bob`: the demo client's full JID (`${bob}` in the lessons and the composer);
        `problems`: lesson files that could not be read (said at start)."""
        super().__init__(account, **kwargs)
        self.bob = bob
        if self.greeting:
            show_me, lessons_key = self.key_label("learn.show-me"), self.key_label("learn.focus-lessons")
            self.greeting += (
                f" {show_me} shows a working stanza for the lesson's step; {lessons_key} moves to the lessons."
            )
        self.variables.setdefault("bob", bob)
        self.problems = problems
        self.tutor = Tutor(lessons, Progress.load(locations.lesson_progress_file()), self.store, self.lesson_variables)
        self.tutor.open_where_left()
        self.sent_from_composer.subscribe(self.tutor.learner_sent)

    def lesson_variables(self) -> dict[str, str]:
        """What `${jid}`, `${domain}`, `${bob}`, … stand for in the lessons' checks now."""
        own = self.session.own_jid if self.session is not None else self.account.jid if self.account else ""
        return standard_variables(own, None, {"bob": self.bob})

    def on_mount(self) -> None:
        self.query_one("#main").mount(LessonsPane(self.tutor, id="lessons"), before=0)
        for problem in self.problems:
            self.notify(problem, title="Lesson not loaded", severity="error", timeout=15, markup=False)

    def action_show_me(self) -> None:
        step = self.tutor.current_step
        if step is None:
            lessons_key = self.key_label("learn.focus-lessons")
            self.notify(f"This lesson is done: {lessons_key} picks another.", severity="warning")
            return
        needed = step.responder.responder() if step.responder is not None else None
        if needed is not None and not any(
            (responder.match_kind, responder.match) == (needed.match_kind, needed.match)
            for responder in self.responders
        ):
            self.open_responder_form(draft=needed)
            self.notify(f"The responder this step needs: {self.key_label('responder-form.save')} saves it.")
            return
        if not step.show:
            self.notify("This step has nothing to show: its text says what to do.", severity="warning")
            return
        self.put_in_composer(step.show.strip(), f"A working stanza: {self.key_label('composer.send')} sends it.")
