"""The composer's completion in a real terminal (tmux): the keys as a terminal sends them
(Ctrl+Space is a NUL byte there), against the real Prosody."""

from __future__ import annotations

from tests.e2e.test_journal_tmux import console_command
from tests.e2e.test_tmux import editor_line, styled_row, terminal  # noqa: F401 (the fixture)

VALUES_OF_TYPE = "error | get | result | set"  # the detail of `type` in the attribute menu


def test_complete_an_iq_by_the_menu_and_send_it(prosody, terminal):  # noqa: F811
    term = terminal(console_command(prosody), {"IQC_TEST_PASSWORD": prosody.account("alice").password})
    term.wait_until(lambda screen: "online" in screen and "1 stanza ready" in screen, "online, the starter checked")
    before = term.screen()
    unselected = styled_row(term.screen(styled=True), before, 2)
    term.keys("F7")  # select all: typing replaces the starter stanza
    term.wait_until(lambda styled: styled_row(styled, term.screen(), 2) != unselected, "selected", styled=True)
    term.keys("<iq ", literal=True)
    term.wait_for(VALUES_OF_TYPE)
    term.keys("Escape")
    term.wait_until(lambda screen: VALUES_OF_TYPE not in screen, "the menu closed by Esc")
    term.keys("C-Space")
    term.wait_for(VALUES_OF_TYPE)
    term.keys("ty", literal=True)
    term.keys("Tab")
    term.wait_until(lambda screen: '<iq type=""' in editor_line(screen, 1), "the attribute and its quotes")
    term.keys("g", literal=True)
    term.keys("Tab")
    term.wait_until(lambda screen: '<iq type="get"' in editor_line(screen, 1), "the value and its closing quote")
    term.keys(' to="localhost"><query xmlns="jabber:iq:vers', literal=True)
    term.wait_for("XEP-0092 Software Version")
    term.keys("Tab")
    term.wait_until(lambda screen: "XEP-0092 Software Version" not in screen, "the namespace accepted")
    term.keys("/></iq>", literal=True)
    term.wait_for("1 stanza ready")  # well-formed, and jabber:iq:version in full (no unknown namespace)
    term.keys("C-j")
    term.wait_for("✔ Result")
    term.wait_for("<name>Prosody</name>")  # the version's reply in the detail pane
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")
