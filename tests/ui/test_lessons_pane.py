"""The lessons pane without a server: progress restored at start and reset with a key, and an
SVG snapshot of a lesson with a step done and a hint (recorded traffic, fixed clock)."""

from __future__ import annotations

import json

from iqconsole.core import locations
from iqconsole.core.account import Account
from iqconsole.core.lessons import BUILTIN_LESSONS_DIR, load_lessons
from iqconsole.core.traffic import Direction, Kind
from iqconsole.ui.lessons.learn_app import LearnApp
from iqconsole.ui.lessons.lesson_list import LessonList
from iqconsole.ui.screens.confirm_screen import ConfirmScreen
from tests.ui.lessons_helpers import hit, pane_shows
from tests.ui.snapshot_app import settle
from tests.ui.waiting import closed, focused, shown
from tests.xmpp_helpers import eventually

BOB = "bob@localhost/demo"
SNAPSHOT_SIZE = (150, 42)


def offline_learn_app() -> LearnApp:
    lessons, _ = load_lessons([BUILTIN_LESSONS_DIR])
    return LearnApp(Account("alice@localhost/console"), lessons=lessons, bob=BOB, connect_on_start=False)


def line_of(lesson_list: LessonList, number: int) -> str:
    return str(lesson_list.get_option_at_index(number - 1).prompt)


async def test_progress_comes_back_at_start_and_r_starts_a_lesson_again():
    progress = locations.lesson_progress_file()
    progress.parent.mkdir(parents=True)
    progress.write_text(json.dumps({"current": "02-get-and-set", "done": {"02-get-and-set": 1, "01-what-is-an-iq": 3}}))
    app = offline_learn_app()
    async with app.run_test(size=(170, 50)) as pilot:
        await eventually(lambda: bool(app.query(LessonList)), what="the lessons pane")
        lesson_list = app.query_one(LessonList)
        await eventually(lambda: lesson_list.option_count == len(app.tutor.lessons), what="the lessons listed")
        assert (app.tutor.lesson.key, app.tutor.step) == ("02-get-and-set", 1), "where the learner left off"
        assert line_of(lesson_list, 1).startswith("  ✔ 1.") and line_of(lesson_list, 2).startswith("1/2 2.")
        await pane_shows(app, "✔ 1.", "▶ 2.")
        hit(app, "f10")
        await focused(lesson_list)
        hit(app, "r")
        await shown(app, ConfirmScreen)
        await pilot.press("y")
        await closed(app, ConfirmScreen)
        await eventually(lambda: line_of(lesson_list, 2).startswith("0/2 2."), what="the lesson started again")
        assert app.tutor.step == 0
        assert json.loads(progress.read_text())["done"] == {"01-what-is-an-iq": 3}
        hit(app, "up", "r")  # lesson 1 started again, while lesson 2 stays the open one
        await shown(app, ConfirmScreen)
        await pilot.press("y")
        await closed(app, ConfirmScreen)
        await eventually(lambda: line_of(lesson_list, 1).startswith("0/3 1."), what="lesson 1 started again")
        assert json.loads(progress.read_text()) == {"current": "02-get-and-set", "done": {}}, "a restart opens lesson 2"


def recorded_lesson_app() -> LearnApp:
    """Lesson 1 after a ping to a resource bob does not have (an error: its hint), a good ping
    (step 1 done), and a ping with the wrong id (step 2's hint), 3 ms apart."""
    app = offline_learn_app()
    app.tutor.learner_sent(["p1", "p2", "p3"])
    ping = "<ping xmlns='urn:xmpp:ping'/>"
    error = "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
    exchanges = [("p1", "bob@localhost/phone", error), ("p2", BOB, ""), ("p3", BOB, "")]
    tick = 0
    for stanza_id, peer, reply in exchanges:
        for direction, kind, payload in ((Direction.OUT, "get", ping), (Direction.IN, "result", reply)):
            reply_type = "error" if payload == error else kind
            to_or_from = "to" if direction is Direction.OUT else "from"
            app.store.append(
                direction,
                Kind.IQ,
                f"<iq type='{reply_type}' id='{stanza_id}' {to_or_from}='{peer}'>{payload}</iq>",
                stanza_id=stanza_id,
                type=reply_type,
                namespace="urn:xmpp:ping" if payload == ping else "",
                recipient=peer if direction is Direction.OUT else "",
                sender=peer if direction is Direction.IN else "",
                at=(1000.0 + tick * 0.003, 1_700_000_000.0 + tick * 0.003),
            )
            tick += 1
    return app


def test_lessons_pane_with_a_step_done_and_a_hint(snap_compare):
    async def run_before(pilot):
        app = pilot.app
        await eventually(lambda: bool(app.query(LessonList)), what="the lessons pane")
        await settle(pilot)
        await pane_shows(app, "✔ 1.", "▶ 2.", "✖ This step waits")
        steps, current = app.query_one("#lesson-steps"), app.query_one("#lesson-current")
        await eventually(
            lambda: steps.region.y <= current.region.y and current.region.bottom <= steps.region.bottom,
            what="the current step scrolled into view",
            explain=lambda: (
                f"steps {steps.region}, current {current.region}, scroll_y {steps.scroll_y}/{steps.max_scroll_y}"
            ),
        )

    assert snap_compare(recorded_lesson_app(), terminal_size=SNAPSHOT_SIZE, run_before=run_before)
