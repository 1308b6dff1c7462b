"""`iqconsole serve`: its options are checked before the class's server starts (exit 2, naming them)."""

from __future__ import annotations

import pytest

from tests.test_cli import run


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["serve", "--seats", "0"], "argument --seats: 0 is out of range; allowed: a whole number from 1 to 200"),
        (["serve", "--port", "70000"], "argument --port: 70000 is out of range"),
        (["--jid", "a@b", "serve"], "--jid: not used by `iqconsole serve`"),
        (["--timeout", "5", "serve"], "--timeout: not used by `iqconsole serve`"),
        (["--component", "svc.localhost", "serve"], "--component: not used by `iqconsole serve`"),
    ],
)
def test_bad_serve_options_are_refused_before_anything_starts(args, words):
    result = run(*args)
    assert result.returncode == 2
    assert words in result.stderr


def test_a_broken_responder_set_is_refused_once_for_every_seat(tmp_path):
    broken = tmp_path / "class.toml"
    broken.write_text("[[responder]]\nname = 'x'\nmatch = 'iq@type=get/no_such_payload'\n")
    result = run("serve", "--responders", str(broken))
    assert result.returncode == 3
    assert "--responders" in result.stderr and "class.toml" in result.stderr
    assert "Classroom with" not in result.stdout
