"""A step that cannot happen (before its character connected) fails at once, with the reason."""

from __future__ import annotations

import pytest

from iqconsole.core.scansion.run import ScriptRun, ServerAddress
from iqconsole.core.scansion.script import parse_script

HEAD = "[Client] Romeo\n\tjid: romeo@localhost\n\tpassword: pw\n-----\n"


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        ("Romeo receives:\n\t<message/>\n", "Romeo has not connected: nothing can arrive"),
        ("Romeo sends:\n\t<message to='juliet@localhost'/>\n", "Romeo could not send: not connected"),
        (
            'Romeo sends:\n\t<message to="${Romeo\'s full JID}"/>\n',
            "${Romeo's full JID} is not known: Romeo has not connected yet",
        ),
    ],
)
async def test_before_connecting(action: str, problem: str) -> None:
    script = parse_script(HEAD + action + "Romeo disconnects\n")
    result = await ScriptRun(script, {"Romeo": "pw"}, ServerAddress(), receive_timeout=30).run()
    assert not result.passed
    assert len(result.steps) == 1
    assert result.steps[0].problem.startswith(problem)
    assert result.steps[0].seconds < 5


async def test_receives_nothing_before_connecting_passes() -> None:
    script = parse_script(HEAD + "Romeo receives: nothing\n")
    result = await ScriptRun(script, {"Romeo": "pw"}, ServerAddress(), quiet_time=0.1).run()
    assert result.passed
