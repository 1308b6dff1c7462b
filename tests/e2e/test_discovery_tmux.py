"""The installed `iqconsole` in a real terminal: F8 walks the server's discovery, a JID typed in
is opened, Esc gives the console back."""

from __future__ import annotations

from tests.e2e.test_tmux import IQCONSOLE, terminal  # noqa: F401 (the fixture)


def test_f8_walks_the_server_and_a_typed_jid(prosody, terminal):  # noqa: F811
    alice = prosody.account("alice")
    command = [
        str(IQCONSOLE),
        *("--jid", f"{alice.jid}/disco", "--host", prosody.host, "--port", str(prosody.port)),
        *("--ca-file", str(prosody.ca_file), "--password-env", "IQC_TEST_PASSWORD"),
    ]
    term = terminal(command, {"IQC_TEST_PASSWORD": alice.password})
    term.wait_until(lambda screen: "online" in screen and "1 stanza ready" in screen, "online, the starter checked")
    term.keys("F8")
    term.wait_until(
        lambda screen: (
            "Service discovery" in screen and "[server/im Prosody]" in screen and "upload.localhost" in screen
        ),
        "the server opened, its components listed",
    )
    term.keys("g")
    term.wait_for("Type a JID (and a node after a space)")  # drawn once the box has the keys
    term.keys("conference.localhost", literal=True)
    term.keys("Enter")
    term.wait_for("[conference/text")
    term.keys("Escape")
    screen = term.wait_until(lambda screen: "Service discovery" not in screen, "the browser closed")
    assert "IQCONSOLE-EXITED" not in screen
