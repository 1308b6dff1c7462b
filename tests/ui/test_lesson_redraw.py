"""The lessons pane redrawn while it is still being drawn (a step done, then another at once)."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from iqconsole.core.lesson_progress import Progress
from iqconsole.core.lesson_tutor import Tutor
from iqconsole.core.lessons import BUILTIN_LESSONS_DIR, load_lessons
from iqconsole.core.traffic import TrafficStore
from iqconsole.ui.lessons.lesson_steps import LessonSteps
from tests.xmpp_helpers import eventually


class StepsApp(App):
    def __init__(self, tutor: Tutor):
        super().__init__()
        self.tutor = tutor

    def compose(self) -> ComposeResult:
        yield LessonSteps(self.tutor)


async def test_redraws_asked_for_while_one_is_in_progress_leave_the_app_alive_and_the_newest_text_drawn(tmp_path):
    """A lesson CI run saw the console stop taking keys after a step: its message loop had ended
    silently while a redraw was cancelled (Textual: cancelling a worker awaiting Markdown.update
    while the old blocks are removed cancels the app's own wait for them). Redraws asked for
    during one are now drawn after it, never cancelling it."""
    lessons, problems = load_lessons([BUILTIN_LESSONS_DIR])
    assert not problems
    tutor = Tutor(lessons, Progress(tmp_path / "progress.toml"), TrafficStore(), dict)
    tutor.open(lessons[0].key)
    app = StepsApp(tutor)
    async with app.run_test() as pilot:
        steps = app.query_one(LessonSteps)
        await eventually(lambda: steps.drawn == steps.lesson_parts(), what="the lesson drawn")
        removing = asyncio.Event()
        prune = app._prune

        def pruning(*nodes, parent=None):  # a redraw starts removing a part's old blocks
            removing.set()
            return prune(*nodes, parent=parent)

        app._prune = pruning  # type: ignore[method-assign]
        for hops in range(4):  # the next redraw asked for at several points of that removal
            removing.clear()
            steps.show_progress()
            await removing.wait()
            for _ in range(hops):
                await asyncio.sleep(0)
            steps.show_progress()
            await pilot.press("end")  # a key, handled: the app still runs
            assert app._task is not None and not app._task.done(), f"the app stopped after {hops} hops"
        await eventually(lambda: not any(worker.is_running for worker in steps.workers), what="the redraws done")
        assert steps.drawn == steps.lesson_parts()
