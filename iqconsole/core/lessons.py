"""Lessons: TOML files of steps, each checked on the live traffic (see the README for the format).

    title = "What an IQ is"
    about = "One paragraph before the steps."

    [[steps]]
    do = "Ping bob's demo client: `<iq type='get' to='${bob}'>` with `<ping xmlns='urn:xmpp:ping'/>`."
    send = "kind:iq type:get ns:urn:xmpp:ping to:${bob}"   # the learner's own stanza (filter language)
    reply = "type:result from:${bob}"                     # the reply to it
    show = "<iq type='get' to='${bob}'><ping xmlns='urn:xmpp:ping'/></iq>"
    hint = "said after a wrong attempt, after what happened"
    done = "said once the step is done"
    responder = { name = "quiz", xpath = "iq/{urn:example}q", reply = "<a xmlns='urn:example'/>" }

A step watches either the learner's stanza (`send`) or one coming in (`receive`, such as a
request the console's responders answer); `reply` checks the answer to it, and `ends` how a
request of the learner stopped waiting ("timed out", "cancelled", "late"). Checks are filter
expressions (core/traffic_filter.py, `xpath:` included) with `${variables}`. A broken file is
refused with its path, line and key. A step that needs a responder names it (`responder`):
"Show me" then opens the responder form filled in with it, until the console has one like it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iqconsole.core.responders import MatchKind, Responder
from iqconsole.core.settings import SettingError, read_table, read_toml, text
from iqconsole.core.stanza import StanzaError, prepare
from iqconsole.core.substitution import SubstitutionError, substitute
from iqconsole.core.templates import sample_variables
from iqconsole.core.traffic_filter import FilterError, TrafficFilter, compile_filter

__all__ = [
    "BUILTIN_LESSONS_DIR",
    "ENDINGS",
    "FILTER_VARIABLES",
    "Lesson",
    "LessonError",
    "LessonResponder",
    "Step",
    "compiled",
    "discover_lessons",
    "fill",
    "lesson_files",
    "load_lesson",
    "load_lessons",
]

BUILTIN_LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"
SUFFIX = ".toml"
ENDINGS = ("timed out", "cancelled", "late")
# What a check may name: the learner's own addresses and the sandbox's demo client.
FILTER_VARIABLES = ("jid", "bare", "domain", "resource", "bob")
_SAMPLES = {**sample_variables(), "bob": "bob@example.org/demo"}
_STEPS_HEADER = re.compile(r"^\s*\[\[\s*steps\s*\]\]")
_TOML_LINE = re.compile(r"at line (\d+)")


class LessonError(SettingError):
    """A lesson file that cannot be used: `where` is `path:line`."""


@dataclass(frozen=True)
class LessonResponder:
    """A responder a step needs (an XPath match and a result payload), for "Show me"."""

    name: str
    xpath: str
    reply: str

    def responder(self) -> Responder:
        return Responder(self.name, self.xpath, self.reply, match_kind=MatchKind.XPATH)


@dataclass(frozen=True)
class Step:
    do: str
    send: str = ""
    receive: str = ""
    reply: str = ""
    ends: str = ""
    show: str = ""
    hint: str = ""
    done: str = ""
    responder: LessonResponder | None = None

    @property
    def watched(self) -> str:
        """The check on the stanza this step watches (the learner's, or one coming in)."""
        return self.send or self.receive


@dataclass(frozen=True)
class Lesson:
    key: str  # the file name without .toml: what progress is kept under
    title: str
    steps: tuple[Step, ...]
    about: str = ""
    path: Path | None = None


def _ending(value: Any) -> str:
    ending = text(value)
    if ending not in ENDINGS:
        raise SettingError(f"{ending!r} is not an ending", allowed=", ".join(f'"{known}"' for known in ENDINGS))
    return ending


def _check_filter(value: Any) -> str:
    expression = text(value)
    try:
        compile_filter(fill(expression, _SAMPLES))
    except (FilterError, SubstitutionError) as error:
        raise SettingError(str(error), allowed="a filter expression, such as kind:iq type:result") from None
    return expression


def _check_stanza(value: Any) -> str:
    stanza = text(value)
    try:
        prepare(substitute(stanza, {**_SAMPLES, "peer": _SAMPLES["bob"]}))
    except (StanzaError, SubstitutionError) as error:
        raise SettingError(f"not a stanza the composer can send: {error}") from None
    return stanza


_RESPONDER_KEYS = {"name": text, "xpath": text, "reply": text}


def _responder(value: Any) -> LessonResponder:
    if not isinstance(value, dict):
        raise SettingError("not a table", allowed='{ name = "…", xpath = "…", reply = "<… xmlns=\'…\'/>" }')
    lesson_responder = LessonResponder(**read_table(value, _RESPONDER_KEYS, required=tuple(_RESPONDER_KEYS)))
    lesson_responder.responder()  # a ResponderError (a SettingError) says what is wrong
    return lesson_responder


_STEP_KEYS = {
    "do": text,
    "send": _check_filter,
    "receive": _check_filter,
    "reply": _check_filter,
    "ends": _ending,
    "show": _check_stanza,
    "hint": text,
    "done": text,
    "responder": _responder,
}


def _steps(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value or not all(isinstance(entry, dict) for entry in value):
        raise SettingError("not a list of steps", allowed="one or more [[steps]] tables")
    return value


_LESSON_KEYS = {"title": text, "about": text, "steps": _steps}


def fill(expression: str, variables: Mapping[str, str]) -> str:
    """A check with its `${variables}` filled in (`known` lists what a lesson may use)."""
    return substitute(expression, variables, known=FILTER_VARIABLES)


def load_lesson(path: Path) -> Lesson:
    """Read and check one lesson file; LessonError says where (`file:line`) and what is wrong."""
    path = Path(path)
    try:
        data = read_toml(path, LessonError)
    except LessonError as error:
        raise _with_toml_line(error) from None
    try:
        values = read_table(data, _LESSON_KEYS, required=("title", "steps"))
    except SettingError as error:
        raise error.at(f"{path}:{_line_of(path, None, error.key)}", kind=LessonError) from None
    steps = []
    for number, entry in enumerate(values["steps"], start=1):
        try:
            steps.append(_step(entry))
        except SettingError as error:
            line = _line_of(path, number, error.key)
            raise error.at(f"{path}:{line}", key=f"steps[{number}]", kind=LessonError) from None
    return Lesson(path.stem, values["title"], tuple(steps), values.get("about", ""), path)


def _step(entry: dict[str, Any]) -> Step:
    values = read_table(entry, _STEP_KEYS, required=("do",))
    if bool(values.get("send")) == bool(values.get("receive")):
        raise SettingError("give exactly one of send or receive", key="send", allowed="send = … or receive = …")
    if values.get("ends") and not values.get("send"):
        raise SettingError("ends is for a request the learner sends", key="ends", allowed="ends together with send")
    return Step(**values)


def _line_of(path: Path, step: int | None, key: str) -> int:
    """The line of `key` in step `step` (None: the top level); the step's header, else line 1,
    when the key is not written there (a missing key). The text is read again only here, for a
    lesson that is refused."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start, end = 0, len(lines)
    headers = [index for index, line in enumerate(lines) if _STEPS_HEADER.match(line)]
    if step is None:
        end = headers[0] if headers else end
    elif step <= len(headers):
        start = headers[step - 1]
        end = headers[step] if step < len(headers) else end
    name = key.split(".")[0]
    written = re.compile(rf"^\s*{re.escape(name)}\s*=")
    found = next((index for index in range(start, end) if written.match(lines[index])), start)
    return found + 1


def lesson_files(source: Path) -> list[Path]:
    """The lesson files of a folder (sorted by name: that is their order), or the file itself."""
    if source.is_dir():
        return sorted(path for path in source.glob(f"*{SUFFIX}") if path.is_file())
    return [source]


def load_lessons(sources: Iterable[Path]) -> tuple[list[Lesson], list[str]]:
    """Every lesson of `sources` in order (a later one replaces an earlier one of the same key,
    as the user's own folder overrides the built-ins), and one message per file refused."""
    lessons: dict[str, Lesson] = {}
    problems: list[str] = []
    for source in sources:
        if not source.exists():
            continue
        for path in lesson_files(source):
            try:
                lesson = load_lesson(path)
            except LessonError as error:
                problems.append(str(error))
                continue
            lessons.pop(lesson.key, None)
            lessons[lesson.key] = lesson
    return sorted(lessons.values(), key=lambda lesson: lesson.key), problems


def _with_toml_line(error: LessonError) -> LessonError:
    """TOML syntax errors say 'at line N' in their text: put the line beside the file name."""
    line = _TOML_LINE.search(error.problem)
    if line is None:
        return error
    return LessonError(error.problem, where=f"{error.where}:{line.group(1)}", key=error.key, allowed=error.allowed)


def discover_lessons(user_dir: Path) -> tuple[list[Lesson], list[str]]:
    """The built-in lessons and the user's own (which replace built-ins of the same file name)."""
    return load_lessons([BUILTIN_LESSONS_DIR, user_dir])


def compiled(expression: str, variables: Mapping[str, str]) -> TrafficFilter:
    return compile_filter(fill(expression, variables))
