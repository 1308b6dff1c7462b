"""`iqconsole sandbox --component` in a real terminal: the console logs in as the sandbox's
external component and sends from a JID at its domain; its handshake shows only redacted."""

from __future__ import annotations

from tests.e2e.test_tmux import IQCONSOLE, editor_line, styled_row, terminal  # noqa: F401 (terminal is a fixture)


def test_the_sandbox_opens_the_console_as_its_component(terminal):  # noqa: F811
    term = terminal([str(IQCONSOLE), "sandbox", "--component"], {})
    term.wait_until(lambda screen: "online" in screen and "svc.localhost" in screen, "online as the component")
    unselected = styled_row(term.screen(styled=True), term.screen(), 1)
    term.keys("F7")  # select all: typing replaces the starter stanza
    term.wait_until(
        lambda styled: styled_row(styled, term.screen(), 1) != unselected, "the starter selected after F7", styled=True
    )
    typed = "<iq type='get' from='robot@svc.localhost' to='bob@localhost/demo'><ping xmlns='urn:xmpp:ping'/></iq>"
    term.keys(typed, literal=True)
    term.wait_until(
        lambda screen: typed[-25:] in editor_line(screen, 1) and "1 stanza ready" in screen,
        "the typed stanza, checked (its from at the component's domain draws no warning: one Ctrl+J sends)",
    )
    term.keys("C-j")
    term.wait_for("✔ Result")
    term.keys("F3")
    term.wait_until(lambda screen: "Filter" in screen.splitlines()[-1], "the traffic log's keys in the footer")
    term.keys("/")
    term.wait_for("search: text or terms")
    term.keys("kind:sasl", literal=True)
    term.keys("Enter")
    term.wait_until(lambda screen: "handshake" in screen and "[redacted]" in screen, "the redacted handshake")
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")
