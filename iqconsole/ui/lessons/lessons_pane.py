"""The lessons pane: the list of lessons above the open one's steps, redrawn when the tutor
says something changed (a step passed, a wrong attempt, a reset)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList

from iqconsole.core.lesson_tutor import Tutor
from iqconsole.ui.frame_updates import FrameUpdates
from iqconsole.ui.lessons.lesson_list import LessonList
from iqconsole.ui.lessons.lesson_steps import LessonSteps
from iqconsole.ui.screens.confirm_screen import ConfirmScreen


class LessonsPane(Vertical):
    HELP = """\
# Lessons

Each lesson is a few steps. A step says what to do; do it in the **composer** (or with a
responder), and the step is marked done when the live traffic shows it: your stanza, and the
reply to it. A wrong attempt gets a hint built from what actually happened, such as the
condition of an error reply.

**F9** ("Show me") puts a working stanza for the current step in the composer: edit it, or send
it as it is with **Ctrl+J**; on a step that needs a responder, it first opens the responder
form filled in. `${bob}` is bob's demo client. In the list, **Enter** opens a
lesson (at its first unfinished step) and **r** starts the highlighted lesson again.

Progress is kept across restarts (`iqconsole locate` shows where). Lessons are TOML files:
`iqconsole learn DIR_OR_FILE` opens your own, and the `lessons` folder adds them to the
built-in ones (see the README).
"""

    BINDINGS = [
        Binding(
            "r",
            "reset",
            "Start again…",
            id="lessons.reset",
            tooltip="Forget the progress of the highlighted lesson",
        ),
    ]

    def __init__(self, tutor: Tutor, **kwargs):
        super().__init__(**kwargs)
        self.tutor = tutor
        self._updates = FrameUpdates(self, self.show_progress)

    def compose(self) -> ComposeResult:
        yield LessonList(self.tutor, id="lesson-list")
        yield LessonSteps(self.tutor, id="lesson-steps")

    def on_mount(self) -> None:
        self.border_title = "Lessons"
        self._updates.follow(self.tutor.changed)

    def on_unmount(self) -> None:
        self._updates.stop()

    def show_progress(self) -> None:
        self.query_one(LessonList).show_progress()
        self.query_one(LessonSteps).show_progress()

    @on(OptionList.OptionSelected, "#lesson-list")
    def open_lesson(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.tutor.open(event.option.id)
            self.show_progress()

    def action_reset(self) -> None:
        lessons = self.tutor.lessons
        highlighted = self.query_one(LessonList).highlighted
        if highlighted is None or not lessons:
            self.app.bell()
            return
        lesson = lessons[highlighted]
        self.app.push_screen(
            ConfirmScreen(f"Start {lesson.title!r} again? Its progress is forgotten."),
            lambda yes: self.tutor.reset(lesson.key) if yes else None,
        )
