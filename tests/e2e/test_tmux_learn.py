"""`iqconsole learn` in a real terminal (tmux): lesson 1 done with real keys, a wrong attempt
first, on the sandbox it starts and stops itself."""

from __future__ import annotations

from tests.e2e.test_tmux import IQCONSOLE, terminal  # noqa: F401  (the fixture, shared)


def empty_the_editor(term) -> None:
    """F7 (select all), Backspace; waited for, since the characters typed next could otherwise
    be read before the keys' actions run."""
    term.keys("F7")
    term.keys("BSpace")
    term.wait_for("the editor is emp")


def test_learn_lesson_one_with_real_keys(terminal):  # noqa: F811
    term = terminal([str(IQCONSOLE), "learn"], {})
    term.wait_until(lambda screen: "online" in screen and "What an IQ is" in screen, "online, lesson 1 open")
    term.keys("F2")
    empty_the_editor(term)
    term.keys('<iq type="get" to="bob@localhost/phone"><ping xmlns="urn:xmpp:ping"/></iq>', literal=True)
    ready = 'ping"/></iq>'  # the end of the typed stanza (the composer shows the end of a long line)
    term.wait_until(lambda screen: ready in screen and "1 stanza ready" in screen, "the stanza typed")
    term.keys("C-j")
    screen = term.wait_for("✖ Your")  # the hint, in the lessons pane
    assert "service-unavailable" in screen
    term.keys("F9")  # "Show me": a working ping in the composer, the cursor on it
    term.keys("C-j")
    term.wait_for("1/3 1. What an IQ is")  # the lesson list counts the step (its ✔ line may scroll away)
    empty_the_editor(term)
    term.keys('<iq type="get" to="${bob}" id="my-first-iq"><ping xmlns="urn:xmpp:ping"/></iq>', literal=True)
    term.wait_until(lambda screen: ready in screen and "1 stanza ready" in screen, "the second stanza typed")
    term.keys("C-j")
    term.wait_for("2/3 1. What an IQ is")
    term.keys("F9")
    term.keys("C-j")
    term.wait_for("Lesson complete")
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")
