"""`iqconsole learn`: a teacher's broken lesson file is refused before anything starts, with its
file and line (exit 2); `locate` shows where lessons and progress live."""

from __future__ import annotations

import pytest

from iqconsole.cli import build_parser
from tests.test_cli import run

BROKEN = 'title = "Ping"\n\n[[steps]]\ndo = "Ping bob."\nsend = "kind:iq typ:get"\n'


def test_learn_without_a_folder_takes_the_built_in_lessons():
    assert build_parser().parse_args(["learn"]).lessons is None


@pytest.mark.parametrize(
    ("lessons", "words"),
    [
        ("broken.toml", "broken.toml:5: steps[1].send: unknown field 'typ'"),
        ("missing.toml", "missing.toml: no such file or folder"),
        ("empty", "empty: no lesson files (*.toml) in it"),
    ],
)
def test_a_broken_or_missing_lesson_is_refused_with_exit_2(tmp_path, lessons, words):
    (tmp_path / "broken.toml").write_text(BROKEN)
    (tmp_path / "empty").mkdir()
    result = run("learn", str(tmp_path / lessons))
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr


def test_learn_refuses_connection_options():
    result = run("--jid", "alice@example.org", "learn")
    assert result.returncode == 2 and "--jid: not used by `iqconsole learn`" in result.stderr


def test_locate_shows_the_lessons_folder_and_the_progress_file():
    lines = run("locate").stdout.splitlines()
    assert any(line.split()[0] == "lessons" and line.endswith("/iqconsole/lessons") for line in lines)
    assert any(line.split()[0] == "lesson-progress" and line.endswith("lesson-progress.json") for line in lines)
