"""The lessons, one line each with how far the learner got; Enter opens one."""

from __future__ import annotations

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from iqconsole.core.lesson_tutor import Tutor
from iqconsole.core.terminal_safe import terminal_safe


class LessonList(OptionList):
    def __init__(self, tutor: Tutor, **kwargs):
        super().__init__(**kwargs)
        self.tutor = tutor

    def on_mount(self) -> None:
        self.show_progress()

    def show_progress(self) -> None:
        """Redraw every line (a step passed, a lesson opened or reset); the open lesson highlighted."""
        tutor = self.tutor
        lines = []
        for number, lesson in enumerate(tutor.lessons, start=1):
            done, total = tutor.steps_done(lesson), len(lesson.steps)
            mark = "✔" if done >= total else f"{done}/{total}"
            lines.append(Option(f"{mark:>3} {number}. {terminal_safe(lesson.title)}", id=lesson.key))
        highlighted = self.highlighted
        self.set_options(lines)
        if tutor.lesson is not None:
            self.highlighted = tutor.lessons.index(tutor.lesson)
        elif highlighted is not None and lines:
            self.highlighted = min(highlighted, len(lines) - 1)
