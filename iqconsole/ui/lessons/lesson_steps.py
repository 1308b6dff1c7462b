"""The open lesson: its steps (done, current, to do), what happened at each step passed, and
the hint after a wrong attempt. The lesson's own texts are Markdown; what came from the
network is escaped, so a peer's error text is shown as written, never as formatting or links."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from iqconsole.core.lesson_tutor import Tutor
from iqconsole.core.lessons import fill
from iqconsole.core.substitution import SubstitutionError
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.ui.app import IqConsoleApp

_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def escaped(text: str) -> str:
    """Plain text that Markdown shows as it is."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", terminal_safe(text))


class LessonSteps(VerticalScroll):
    def __init__(self, tutor: Tutor, **kwargs):
        super().__init__(**kwargs)
        self.tutor = tutor

    def compose(self) -> ComposeResult:
        yield Markdown(self.lesson_text(), id="lesson-text", open_links=False)

    def show_progress(self) -> None:
        self.query_one("#lesson-text", Markdown).update(self.lesson_text())

    def _filled(self, text: str) -> str:
        try:
            return terminal_safe(fill(text, self.tutor.variables()))
        except SubstitutionError:
            return terminal_safe(text)

    def lesson_text(self) -> str:
        tutor, lesson = self.tutor, self.tutor.lesson
        problem = f"> ⚠ {escaped(tutor.problem)}\n\n" if tutor.problem else ""
        if lesson is None:
            return problem + "No lessons: see `iqconsole learn --help`."
        parts = [f"{problem}## {escaped(lesson.title)}", self._filled(lesson.about.strip())]
        for index, step in enumerate(lesson.steps):
            number = index + 1
            do = self._filled(step.do.strip())
            if index < tutor.step:
                parts.append(f"**✔ {number}.** {do}")
                happened = tutor.happened.get(index)
                said = [f"✔ {escaped(happened)}"] if happened else []
                if step.done.strip():
                    said.append(self._filled(step.done.strip()))
                parts.append("\n>\n".join("\n".join(f"> {line}" for line in text.splitlines()) for text in said))
            elif index == tutor.step:
                parts.append(f"**▶ {number}.** {do}")
                if tutor.hint:
                    parts.append(f"> ✖ {escaped(tutor.hint)}")
            else:
                parts.append(f"○ {number}. {do}")
        if tutor.step >= len(lesson.steps):
            following = tutor.lessons[tutor.lessons.index(lesson) + 1 :]
            app = self.app
            lessons_key = app.key_label("learn.focus-lessons", "f10") if isinstance(app, IqConsoleApp) else "F10"
            keys = f"{lessons_key}, ↓, Enter"
            after = f" Next: **{escaped(following[0].title)}** ({keys})." if following else ""
            parts.append(f"**✔ Lesson complete.**{after}")
        return "\n\n".join(part for part in parts if part)
