"""Driving `iqconsole learn` as a learner does: open a lesson from the list, type stanzas in the
composer, send them, and wait for the lesson to say a step is done or what went wrong."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import unicodedata
from collections.abc import AsyncIterator

from textual import events
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key
from textual.widgets import Input, Markdown
from textual.widgets.text_area import Selection

from iqconsole.core.demo_peer import run_demo_peer
from iqconsole.core.lessons import BUILTIN_LESSONS_DIR, load_lessons
from iqconsole.ui.composer.composer_editor import ComposerEditor
from iqconsole.ui.lessons.learn_app import LearnApp
from iqconsole.ui.lessons.lesson_list import LessonList
from iqconsole.ui.lessons.lesson_steps import PARTS, LessonSteps
from tests.ui.waiting import click_to_focus, focused
from tests.xmpp_helpers import account_for, eventually

SIZE = (170, 50)
WAIT = 20.0  # seconds: a login, a reply or a lesson's timeout on a busy machine
_learners = itertools.count()


def learn_app(prosody) -> tuple[LearnApp, asyncio.Event]:
    """The console of `iqconsole learn` with the built-in lessons, for a new account (its roster
    and private storage empty), and bob's demo client; the event is set once bob is online."""
    learner = f"learner{next(_learners)}"
    prosody.add_account(learner)
    bob = account_for(prosody, "bob", "demo")
    lessons, problems = load_lessons([BUILTIN_LESSONS_DIR])
    assert not problems
    online = asyncio.Event()
    app = LearnApp(
        account_for(prosody, learner, "learn"),
        lessons=lessons,
        bob=bob.jid,
        companions=(lambda: run_demo_peer(bob, online),),
    )
    return app, online


@contextlib.asynccontextmanager
async def learning(prosody, number: int) -> AsyncIterator[LearnApp]:
    """`iqconsole learn` running for a new learner, online with bob, lesson `number` open."""
    app, online = learn_app(prosody)
    async with app.run_test(size=SIZE):
        await ready(app, online)
        await open_lesson(app, number)
        yield app


async def ready(app: LearnApp, online: asyncio.Event) -> None:
    """Online, bob's client too, and the lessons pane drawn."""
    await eventually(
        lambda: app.session is not None and app.session.online and online.is_set() and bool(app.query(LessonList)),
        timeout=WAIT,
        what="the learner and bob online, the lessons shown",
    )


async def open_lesson(app: LearnApp, number: int) -> None:
    """F10 to the list, down to lesson `number`, Enter."""
    hit(app, "f10")
    lesson_list = app.query_one(LessonList)
    await focused(lesson_list)
    hit(app, "home", *["down"] * (number - 1), "enter")
    wanted = app.tutor.lessons[number - 1]
    await eventually(lambda: app.tutor.lesson is wanted, what=f"lesson {number} open")


def hit(app: LearnApp, *keys: str) -> None:
    """Keys (names such as "ctrl+j", or characters) as a terminal sends a quick typist's keys:
    each a Key event through the app's key handling, as Pilot's `press` makes them, without its
    wait for the CPU to go idle after each (~0.1 s a key here). Wait for what they do instead."""
    assert app._driver is not None
    for key in keys:
        name = _character_to_key(key) if len(key) == 1 and not key.isalnum() else key
        try:
            character: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(name, name)))
        except KeyError:
            character = key if len(key) == 1 else None
        event = events.Key(name, character)
        event.set_sender(app)
        app._driver.send_message(event)


async def type_in_composer(app: LearnApp, text: str) -> None:
    """F2 to the composer, F7 to select all, then the stanza typed (replacing it)."""
    editor = app.query_one(ComposerEditor)
    hit(app, "f2")
    await focused(editor)
    hit(app, "f7")
    state = lambda: editor_state(app, editor)  # noqa: E731
    await eventually(
        lambda: editor.selection == Selection((0, 0), editor.document.end), what="all selected", explain=state
    )
    hit(app, *text)
    await eventually(lambda: editor.text == text, what=f"{text!r} typed", explain=state)


def editor_state(app: LearnApp, editor: ComposerEditor) -> str:
    """What a failed wait on the editor tells: its text and selection, the focus, the app alive."""
    running = app._task is not None and not app._task.done()
    return (
        f"the editor holds {editor.text!r}, selection {editor.selection}, focus {app.focused!r}, app running: {running}"
    )


async def send(app: LearnApp, text: str, presses: int = 1) -> None:
    """Type `text` and press Ctrl+J (twice to send past a warning, such as an unknown namespace)."""
    await type_in_composer(app, text)
    sent = app.store.count_out
    hit(app, *["ctrl+j"] * presses)
    await eventually(lambda: app.store.count_out > sent, what=f"{text!r} sent")


async def show_me_and_send(app: LearnApp, presses: int = 1) -> None:
    """F9 ("Show me"), then Ctrl+J on the stanza it put in the composer."""
    step = app.tutor.current_step
    assert step is not None
    editor = app.query_one(ComposerEditor)
    hit(app, "f9")
    await eventually(
        lambda: editor.text.rstrip().endswith(step.show.strip()) and editor.has_focus, what="the stanza shown"
    )
    sent = app.store.count_out
    hit(app, *["ctrl+j"] * presses)
    await eventually(lambda: app.store.count_out > sent, what="the stanza shown, sent")


async def step_done(app: LearnApp, step: int) -> None:
    """Step `step` (counted from 1) of the open lesson passed."""
    await eventually(lambda: app.tutor.step >= step, timeout=WAIT, what=f"step {step} done ({app.tutor.hint})")


async def hinted(app: LearnApp, *words: str) -> str:
    """A wrong attempt's hint, holding every one of `words`, shown in the pane; returned."""
    await eventually(lambda: all(word in app.tutor.hint for word in words), timeout=WAIT, what=f"a hint with {words}")
    await pane_shows(app, "✖")
    return app.tutor.hint


async def pane_shows(app: LearnApp, *words: str) -> None:
    """The lessons pane shows every one of `words`: drawn, not only its Markdown source set."""
    steps = app.query_one(LessonSteps)
    await eventually(
        lambda: all(word in "\n\n".join(steps.drawn) for word in words), what=f"{words} in the lessons pane"
    )


def lesson_text(app: LearnApp) -> str:
    """What the lessons pane shows of the open lesson (its Markdown: done, current, next)."""
    return "\n\n".join(app.query_one(f"#{part}", Markdown).source for part in PARTS)


async def set_timeout(app: LearnApp, seconds: str) -> None:
    """Click the timeout box under the composer and type a new number of seconds."""
    box = app.query_one("#composer-timeout", Input)
    await click_to_focus(app, box)
    hit(app, "end", *["backspace"] * len(box.value))
    await eventually(lambda: box.value == "", what="the timeout box emptied")
    hit(app, *seconds)
    await eventually(lambda: box.value == seconds, what=f"the timeout {seconds}")
