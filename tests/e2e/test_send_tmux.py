"""`iqconsole send` on a real terminal: the reply is highlighted there (and plain in a pipe,
tests/integration/test_send.py)."""

from __future__ import annotations

from tests.e2e.test_tmux import IQCONSOLE, terminal  # noqa: F401 (terminal is a fixture)


def test_on_a_terminal_the_reply_is_highlighted(prosody, terminal):  # noqa: F811
    alice = prosody.account("alice")
    login = ["--jid", alice.jid, "--host", prosody.host, "--port", str(prosody.port), "--ca-file", str(prosody.ca_file)]
    term = terminal(
        [str(IQCONSOLE), "send", *login, "--password-env", "IQC_PASSWORD", "--template", "version"],
        {"IQC_PASSWORD": alice.password},
    )
    screen = term.wait_for("IQCONSOLE-EXITED-0")
    assert "<name>Prosody</name>" in screen and "Result for" in screen and alice.password not in screen
    styled = term.screen(styled=True)
    name_line = next(line for line in styled.splitlines() if "Prosody" in line and "name" in line)
    assert "\x1b[" in name_line, "tags and text in colour"
