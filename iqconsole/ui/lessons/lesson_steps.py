"""The open lesson: what is done (with what happened at each step), the current step with what
happened before the learner acted and the hint after a wrong attempt, and what comes next; the current step is scrolled into view.

The lesson's own texts are Markdown; what came from the network is escaped, so a peer's error
text is shown as written, never as formatting or links."""

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
# A line break inside a paragraph (Textual's Markdown would keep it): not before a blank line,
# an indented line, a quote, a heading, a list item or a table row.
_SOFT_BREAK = re.compile(r"(?<!\n)\n(?![\n\s>#*+|-]|\d+\.)")
PARTS = ("lesson-done", "lesson-current", "lesson-next")
SCROLL_TRIES = 5  # refreshes after a redraw during which the current step is kept in view


def escaped(text: str) -> str:
    """Plain text that Markdown shows as it is."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", terminal_safe(text))


class LessonSteps(VerticalScroll):
    def __init__(self, tutor: Tutor, **kwargs):
        super().__init__(**kwargs)
        self.tutor = tutor
        self.drawn: tuple[str, str, str] = ("", "", "")  # the parts on screen, the current step in view
        self._redrawing = False
        self._redraw_wanted = False  # asked for again while a redraw was in progress

    def compose(self) -> ComposeResult:
        self._parts = [Markdown(id=part, open_links=False) for part in PARTS]
        yield from self._parts

    def on_mount(self) -> None:
        self.show_progress()

    def show_progress(self) -> None:
        """Redraw the lesson. A redraw in progress is never cancelled: cancelled while Markdown
        removes its old blocks, it ended the app's message loop (Textual). The newest text is
        drawn once it is done."""
        self._redraw_wanted = True
        if not self._redrawing:
            self._redrawing = True
            self.run_worker(self._redraw_while_wanted(), group="redraw", exit_on_error=False)

    async def _redraw_while_wanted(self) -> None:
        try:
            while self._redraw_wanted:
                self._redraw_wanted = False
                await self._redraw()
        finally:
            self._redrawing = False

    async def _redraw(self) -> None:
        texts = self.lesson_parts()
        for markdown, text in zip(self._parts, texts, strict=True):
            if not markdown.is_attached:  # the app is closing
                return
            await markdown.update(text)  # parsed in a thread, then mounted: the source alone is not on screen yet
        if self.is_attached:  # not when the app closed meanwhile
            self.call_after_refresh(self._scrolled_to_current, texts)

    def _scrolled_to_current(self, texts: tuple[str, str, str]) -> None:
        self.scroll_to_widget(self._parts[1], animate=False)
        self.drawn = texts
        self.call_after_refresh(self._keep_current_in_view, SCROLL_TRIES)

    def _keep_current_in_view(self, tries: int) -> None:
        """Markdown lays its new blocks out over the next refreshes, so the parts' heights can
        still change after the scroll: check after each refresh, a few times, and scroll again."""
        current = self._parts[1]
        if tries and current.is_attached and not self.region.contains_region(current.region):
            self.scroll_to_widget(current, animate=False)
            self.call_after_refresh(self._keep_current_in_view, tries - 1)

    def _filled(self, text: str) -> str:
        """A text of the lesson, its variables filled in and its paragraphs joined up."""
        try:
            text = fill(text.strip(), self.tutor.variables())
        except SubstitutionError:
            text = text.strip()
        return _SOFT_BREAK.sub(" ", terminal_safe(text))

    def lesson_parts(self) -> tuple[str, str, str]:
        """Markdown for the steps done (after the title and introduction), the current step,
        and the steps still to do."""
        tutor, lesson = self.tutor, self.tutor.lesson
        problem = f"> ⚠ {escaped(tutor.problem)}" if tutor.problem else ""
        if lesson is None:
            return problem, "No lessons: see `iqconsole learn --help`.", ""
        done = [problem, f"## {escaped(lesson.title)}", self._filled(lesson.about)]
        for index, step in enumerate(lesson.steps[: tutor.step]):
            done.append(f"**✔ {index + 1}.** {self._filled(step.do)}")
            happened = tutor.happened.get(index)
            said = [f"✔ {escaped(happened)}"] if happened else []
            said += [self._filled(step.done)] if step.done.strip() else []
            done.append("\n>\n".join("\n".join(f"> {line}" for line in text.splitlines()) for text in said))
        current_step = tutor.current_step
        if current_step is None:
            current = f"**✔ Lesson complete.**{self._next_lesson()}"
        else:
            current = f"**▶ {tutor.step + 1}.** {self._filled(current_step.do)}"
            current += f"\n\n> ℹ Meanwhile: {escaped(tutor.meanwhile)}" if tutor.meanwhile else ""
            current += f"\n\n> ✖ {escaped(tutor.hint)}" if tutor.hint else ""
        following = [
            f"○ {number}. {self._filled(coming.do)}"
            for number, coming in enumerate(lesson.steps[tutor.step + 1 :], start=tutor.step + 2)
        ]
        return "\n\n".join(part for part in done if part), current, "\n\n".join(following)

    def _next_lesson(self) -> str:
        lessons, lesson = self.tutor.lessons, self.tutor.lesson
        following = lessons[lessons.index(lesson) + 1 :] if lesson in lessons else []
        if not following:
            return ""
        app = self.app
        lessons_key = app.key_label("learn.focus-lessons") if isinstance(app, IqConsoleApp) else "F10"
        return f" Next: **{escaped(following[0].title)}** ({lessons_key}, ↓, Enter)."
