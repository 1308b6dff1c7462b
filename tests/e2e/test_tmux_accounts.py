"""The installed `iqconsole` with several accounts, in a real terminal (tmux), against real Prosody."""

from __future__ import annotations

from iqconsole.core import locations
from tests.e2e.test_tmux import IQCONSOLE, Terminal, editor_line, styled_row, terminal  # noqa: F401 (the fixture)


def send_from_the_composer(term: Terminal, stanza: str) -> None:
    """Replace the starter stanza (F7 selects all, once the composer has the focus) and send."""
    term.keys("F2")
    term.wait_until(lambda screen: "Send" in screen.splitlines()[-1], "the composer's keys in the footer")
    unselected = styled_row(term.screen(styled=True), term.screen(), 2)
    term.keys("F7")
    term.wait_until(
        lambda styled: styled_row(styled, term.screen(), 2) != unselected, "the starter selected", styled=True
    )
    term.keys(stanza, literal=True)
    term.wait_until(lambda screen: stanza[-25:] in editor_line(screen, 1), "the typed stanza in the editor")
    term.keys("C-j")


def test_alice_and_bob_from_the_accounts_file_exchange_an_iq(prosody, terminal):  # noqa: F811
    alice, bob = prosody.account("alice"), prosody.account("bob")
    path = locations.accounts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    where = f'host = "{prosody.host}"\nport = {prosody.port}\nca-file = "{prosody.ca_file}"\n'
    path.write_text(
        f'[alice]\njid = "{alice.jid}/tmux"\n{where}\n[bob]\njid = "{bob.jid}/tmux"\n{where}password-env = "BOB_PW"\n'
    )
    term = terminal(
        [str(IQCONSOLE), "--accounts", "alice,bob"],
        {"IQCONSOLE_PASSWORD_ALICE": alice.password, "BOB_PW": bob.password},
    )
    term.wait_for("alice (1 of 2, Ctrl+F next) ▸ alice@localhost/tmux · online")
    send_from_the_composer(term, f'<iq type="get" id="tm1" to="{bob.jid}/tmux"><ping xmlns="urn:xmpp:ping"/></iq>')
    # bob's console has no responder: it answers service-unavailable; both sides are in the log
    # (a row may be cut at "id=t": the discovery's ids are hex)
    sides = (" alice → ", " bob   ← ", " bob   → ", " alice ← ")
    screen = term.wait_until(
        lambda screen: all(any(side in row and "id=t" in row for row in screen.splitlines()) for side in sides),
        "alice's request, bob's copy, bob's error reply and alice's copy, each in its account's row",
    )
    assert "✖ Error reply to tm1 from bob@localhost/tmux" in screen
    term.keys("C-f")
    term.wait_for("bob (2 of 2, Ctrl+F next) ▸ bob@localhost/tmux · online")
    screen = term.screen()
    assert alice.password not in screen and bob.password not in screen
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")


def test_the_sandbox_opens_alice_and_bob_together(terminal):  # noqa: F811
    term = terminal([str(IQCONSOLE), "sandbox", "--accounts", "alice,bob"], {})
    term.wait_for("alice (1 of 2, Ctrl+F next) ▸ alice@localhost/console · online")
    term.keys("C-f")
    term.wait_for("bob (2 of 2, Ctrl+F next) ▸ bob@localhost/console · online")
    send_from_the_composer(term, '<iq type="get" to="bob@localhost/demo"><ping xmlns="urn:xmpp:ping"/></iq>')
    term.wait_for("✔ Result")  # the sandbox's demo peer answers bob's console
    term.keys("C-q")
    term.wait_for("IQCONSOLE-EXITED-0")
