"""Lesson files, progress and the tutor's judging, without a server: recorded traffic in a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from iqconsole.core.lesson_hints import sentences
from iqconsole.core.lesson_progress import Progress
from iqconsole.core.lesson_tutor import Tutor
from iqconsole.core.lessons import BUILTIN_LESSONS_DIR, LessonError, discover_lessons, load_lesson, load_lessons
from iqconsole.core.traffic import DEFAULT_CAPACITY, Direction, Kind, PairState, TrafficStore

GOOD = '''\
title = "Ping"

[[steps]]
do = "Ping ${bob}."
send = "kind:iq type:get ns:urn:xmpp:ping"
reply = "type:result from:${bob}"
show = """<iq type="get" to="${bob}"><ping xmlns="urn:xmpp:ping"/></iq>"""
hint = "Ask bob."

[[steps]]
do = "Wait for bob's question."
receive = "kind:iq type:get ns:urn:example:quiz"
reply = "type:result"

[[steps]]
do = "Ask something nobody answers, then cancel."
send = "kind:iq xpath:iq/{urn:iqconsole:demo}never"
ends = "cancelled"
'''

BOB = "bob@localhost/demo"
VARIABLES = {"jid": "alice@localhost/console", "bare": "alice@localhost", "domain": "localhost", "bob": BOB}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- lesson files -----------------------------------------------------------------------------


def test_every_built_in_lesson_loads_and_there_are_at_least_eight():
    lessons, problems = load_lessons([BUILTIN_LESSONS_DIR])
    assert problems == []
    assert len(lessons) >= 8
    assert all(step.show for lesson in lessons for step in lesson.steps), "every built-in step can show a stanza"


def test_a_good_file_loads_its_steps_in_order(tmp_path):
    lesson = load_lesson(write(tmp_path, "ping.toml", GOOD))
    assert (lesson.key, lesson.title, len(lesson.steps)) == ("ping", "Ping", 3)
    assert lesson.steps[1].receive and not lesson.steps[1].send
    assert lesson.steps[2].ends == "cancelled"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            'title = "x"\n[[steps]]\ndo = "a"\nsend = "kind:iq"\nreply = "knd:result"\n',
            5,
            "steps[1].reply: unknown field 'knd'",
        ),
        (
            'title = "x"\n[[steps]]\ndo = "a"\nsend = "kind:iq"\n\n[[steps]]\ndo = "b"\n',
            6,
            "steps[2].send: give exactly one",
        ),
        ('title = "x"\n[[steps]]\ndo = "a"\nsend = "to:${carol}"\n', 4, "unknown variable ${carol}"),
        (
            'title = "x"\n[[steps]]\ndo = "a"\nsend = "kind:iq"\nshow = "<iq type=\'get\'>"\n',
            5,
            "not a stanza the composer can send",
        ),
        ('title = "x"\n[[steps]]\ndo = "a"\nsend = "kind:iq"\nends = "soon"\n', 5, "'soon' is not an ending"),
        (
            'title = "x"\n[[steps]]\ndo = "a"\nreceive = "kind:iq"\nends = "late"\n',
            5,
            "ends is for a request the learner sends",
        ),
        ('title = "x"\n[[steps]]\ndo = "a"\nsend = "kind:iq"\ncolour = "red"\n', 5, "steps[1].colour: unknown key"),
        (
            'title = "x"\n[[steps]]\ndo = "a"\nsend = "kind:iq"\nresponder = { name = "q", xpath = "iq/[", reply = "" }\n',
            5,
            "steps[1].responder",
        ),
        ('[[steps]]\ndo = "a"\nsend = "kind:iq"\n', 1, "title: missing"),
        ('title = "x"\nsteps = []\n', 2, "steps: not a list of steps"),
        ('title = "x"\n[[steps]]\ndo = "a\n', 3, "not valid TOML"),
    ],
)
def test_a_broken_file_is_refused_with_its_file_line_and_key(tmp_path, text, line, message):
    path = write(tmp_path, "broken.toml", text)
    with pytest.raises(LessonError) as refused:
        load_lesson(path)
    assert str(refused.value).startswith(f"{path}:{line}: "), str(refused.value)
    assert message in str(refused.value)


def test_a_folder_loads_what_it_can_and_names_each_broken_file(tmp_path):
    write(tmp_path, "01-good.toml", GOOD)
    write(tmp_path, "02-broken.toml", 'title = "x"\n')
    write(tmp_path, "notes.txt", "not a lesson")
    lessons, problems = load_lessons([tmp_path])
    assert [lesson.key for lesson in lessons] == ["01-good"]
    assert len(problems) == 1 and "02-broken.toml:1: steps: missing" in problems[0]


def test_the_users_folder_replaces_a_built_in_lesson_of_the_same_name(tmp_path):
    builtin = sorted(BUILTIN_LESSONS_DIR.glob("*.toml"))[0]
    write(tmp_path, builtin.name, GOOD)
    lessons, problems = discover_lessons(tmp_path)
    replaced = next(lesson for lesson in lessons if lesson.key == builtin.stem)
    assert problems == [] and replaced.title == "Ping" and replaced.path == tmp_path / builtin.name


# -- progress ---------------------------------------------------------------------------------


def test_progress_is_kept_in_a_private_file_and_reset(tmp_path):
    path = tmp_path / "state" / "lesson-progress.json"
    progress = Progress.load(path)
    progress.record("01-ping", 2)
    assert path.stat().st_mode & 0o777 == 0o600
    again = Progress.load(path)
    assert (again.current, again.steps_done("01-ping")) == ("01-ping", 2)
    again.reset("01-ping")
    assert Progress.load(path).steps_done("01-ping") == 0


def test_an_unreadable_progress_file_is_set_aside_not_overwritten(tmp_path):
    path = write(tmp_path, "lesson-progress.json", "{not json")
    progress = Progress.load(path)
    assert "kept as" in progress.problem and progress.done == {}
    assert (tmp_path / "lesson-progress.json.bad").read_text() == "{not json"
    progress.record("01-ping", 1)
    assert json.loads(path.read_text())["done"] == {"01-ping": 1}


# -- the tutor on recorded traffic ------------------------------------------------------------


def tutor_on(tmp_path: Path, capacity: int = DEFAULT_CAPACITY) -> tuple[Tutor, TrafficStore]:
    store = TrafficStore(capacity, own_jid=VARIABLES["jid"])
    lessons, _ = load_lessons([write(tmp_path, "ping.toml", GOOD)])
    tutor = Tutor(lessons, Progress.load(tmp_path / "progress.json"), store, lambda: VARIABLES)
    tutor.open("ping")
    return tutor, store


def iq(store: TrafficStore, direction: Direction, stanza_id: str, type: str, peer: str, payload: str = ""):
    """One IQ in the store, as the console's tap records it."""
    namespace = payload.split("xmlns='")[1].split("'")[0] if payload else ""
    to_or_from = "to" if direction is Direction.OUT else "from"
    xml = f"<iq type='{type}' id='{stanza_id}' {to_or_from}='{peer}'>{payload}</iq>"
    out = direction is Direction.OUT
    return store.append(
        direction,
        Kind.IQ,
        xml,
        stanza_id=stanza_id,
        type=type,
        namespace=namespace,
        tag="iq",
        recipient=peer if out else "",
        sender="" if out else peer,
    )


PING = "<ping xmlns='urn:xmpp:ping'/>"
ERROR = (
    "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text></error>"
)


def test_a_wrong_attempt_gets_a_hint_from_the_error_reply_then_a_right_one_passes(tmp_path):
    tutor, store = tutor_on(tmp_path)
    tutor.learner_sent(["p1", "p2"])
    iq(store, Direction.OUT, "p1", "get", "bob@localhost/phone", PING)
    assert tutor.step == 0 and tutor.hint == "", "waiting for the reply"
    iq(store, Direction.IN, "p1", "error", "bob@localhost/phone", ERROR)
    assert "an error came back from bob@localhost/phone" in tutor.hint
    assert "service-unavailable (cancel): gone" in tutor.hint
    assert "What to do:" in tutor.hint, "the condition explained from the protocol knowledge"
    assert f"a reply matching `type:result from:{BOB}`" in tutor.hint and tutor.hint.endswith("Ask bob.")
    iq(store, Direction.OUT, "p2", "get", BOB, PING)
    iq(store, Direction.IN, "p2", "result", BOB)
    assert tutor.step == 1 and tutor.hint == ""
    assert tutor.happened[0].startswith(f"Your <iq type='get'> to {BOB} (urn:xmpp:ping): a result came back from {BOB}")
    assert Progress.load(tmp_path / "progress.json").steps_done("ping") == 1


def test_the_consoles_own_requests_are_not_attempts(tmp_path):
    tutor, store = tutor_on(tmp_path)
    iq(store, Direction.OUT, "disco1", "get", BOB, PING)  # not sent from the composer
    iq(store, Direction.IN, "disco1", "result", BOB)
    assert tutor.step == 0 and tutor.hint == ""


def test_a_stanza_that_is_not_the_one_asked_for_is_said_at_once(tmp_path):
    tutor, store = tutor_on(tmp_path)
    tutor.learner_sent(["v1"])
    iq(store, Direction.OUT, "v1", "get", BOB, "<query xmlns='jabber:iq:version'/>")
    assert "waits for a stanza matching `kind:iq type:get ns:urn:xmpp:ping`" in tutor.hint
    assert f"your <iq type='get'> to {BOB} (jabber:iq:version) is not one" in tutor.hint


def test_a_request_coming_in_and_the_consoles_answer_to_it_pass_a_receive_step(tmp_path):
    tutor, store = tutor_on(tmp_path)
    tutor.learner_sent(["p1"])
    iq(store, Direction.OUT, "p1", "get", BOB, PING)
    quiz = "<question xmlns='urn:example:quiz'/>"
    iq(store, Direction.IN, "q1", "get", BOB, quiz)  # came with the reply: read again for step 2
    iq(store, Direction.IN, "p1", "result", BOB)
    assert tutor.step == 1
    iq(store, Direction.OUT, "q1", "error", BOB, ERROR)  # the console's automatic answer
    assert tutor.hint == "", "the console's answer before the learner acted is no failed attempt of theirs"
    assert "your console answered with an error" in tutor.meanwhile
    tutor.learner_sent(["c1"])  # the learner asks bob to call again, still without a responder
    iq(store, Direction.OUT, "c1", "set", BOB, "<call xmlns='urn:iqconsole:demo'/>")
    iq(store, Direction.IN, "q2", "get", BOB, quiz)
    iq(store, Direction.OUT, "q2", "error", BOB, ERROR)
    assert "your console answered with an error" in tutor.hint
    iq(store, Direction.IN, "q3", "get", BOB, quiz)
    iq(store, Direction.OUT, "q3", "result", BOB)
    assert tutor.step == 2 and tutor.hint == tutor.meanwhile == ""


def test_a_flood_of_unanswered_requests_at_a_receive_step_is_not_kept_beyond_the_log(tmp_path):
    tutor, store = tutor_on(tmp_path, capacity=50)
    tutor.learner_sent(["p1"])
    iq(store, Direction.OUT, "p1", "get", BOB, PING)
    iq(store, Direction.IN, "p1", "result", BOB)
    assert tutor.step == 1, "at the step that waits for bob's question and its answer"
    quiz = "<question xmlns='urn:example:quiz'/>"
    for number in range(500):  # nobody answers: each waits for its reply
        iq(store, Direction.IN, f"q{number}", "get", BOB, quiz)
    waiting = tutor._open
    assert len(waiting) <= store.capacity, "attempts whose request the log dropped are let go"
    assert all(attempt.stanza.seq >= store.first_seq for attempt in waiting)
    iq(store, Direction.OUT, "q499", "result", BOB)
    assert tutor.step == 2, "an answer to a request still in the log passes the step"


def test_an_ending_step_passes_only_when_the_request_ends_that_way(tmp_path):
    tutor, store = tutor_on(tmp_path)
    tutor.open("ping")
    tutor.step = 2  # straight to the "cancelled" step
    tutor.learner_sent(["n1", "n2"])
    never = "<never xmlns='urn:iqconsole:demo'/>"
    iq(store, Direction.OUT, "n1", "get", BOB, never)
    store.mark_timed_out(Direction.OUT, "n1")
    assert "it timed out" in tutor.hint and "wants the request to end cancelled" in tutor.hint
    iq(store, Direction.OUT, "n2", "get", BOB, never)
    store.mark_timed_out(Direction.OUT, "n2", PairState.CANCELLED)
    assert tutor.step == 3 and tutor.finished(tutor.lessons[0])
    assert "you cancelled it (stopped waiting for the reply)" in tutor.happened[2]
    assert "no reply in time" not in tutor.happened[2], "a cancel is the learner's choice, not a timeout"


def test_sentences_end_with_one_full_stop_whatever_their_text_ends_with():
    assert sentences("it failed", "Try again.", "Why? ", "", "Run `x`") == "it failed. Try again. Why? Run `x`."
    assert sentences('He said "no."') == 'He said "no."'


def test_a_hint_ends_its_sentences_with_one_full_stop(tmp_path):
    tutor, store = tutor_on(tmp_path)
    tutor.learner_sent(["p1"])
    iq(store, Direction.OUT, "p1", "get", "bob@localhost/phone", PING)
    iq(store, Direction.IN, "p1", "error", "bob@localhost/phone", ERROR.replace(">gone<", ">gone.<"))
    assert "service-unavailable (cancel): gone. " in tutor.hint
    assert ".." not in tutor.hint, tutor.hint


def test_resetting_another_lesson_keeps_the_open_one_current(tmp_path):
    write(tmp_path, "other.toml", GOOD)
    tutor, _store = tutor_on(tmp_path)
    tutor.progress.record("other", 1)
    tutor.open("ping")
    tutor.reset("other")
    assert Progress.load(tmp_path / "progress.json").current == "ping", "a restart opens the lesson the learner is on"


def test_progress_resumes_at_the_first_unfinished_step_and_reset_starts_again(tmp_path):
    tutor, _store = tutor_on(tmp_path)
    tutor.progress.record("ping", 2)
    tutor.open_where_left()
    assert (tutor.lesson and tutor.lesson.key, tutor.step) == ("ping", 2)
    tutor.reset("ping")
    assert tutor.step == 0 and Progress.load(tmp_path / "progress.json").steps_done("ping") == 0
