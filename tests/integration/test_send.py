"""`iqconsole send`, as a CI job runs it, against the real Prosody (and the scripted hostile
server for what no real server does on cue): every exit code, the text and JSON Lines output,
templates and variables, sending as a component, and secrets never printed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess

import pytest

from iqconsole.core.responders import ResponderSet
from iqconsole.core.session import Session
from iqconsole.core.traffic import TrafficStore
from tests.hostile_server import FULL_JID, PASSWORD, HostilePeer, HostileServer, certificate_in
from tests.integration.test_responders_live import IQCONSOLE
from tests.xmpp_helpers import component_account_for

VERSION = "<iq type='get' to='localhost'><query xmlns='jabber:iq:version'/></iq>"
PING = "<ping xmlns='urn:xmpp:ping'/>"


async def send(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run,
        [str(IQCONSOLE), "send", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=90,
    )


def as_alice(sandbox, password: str | None = None) -> tuple[list[str], dict[str, str]]:
    """The login options and environment of alice (with another password when given)."""
    alice = sandbox.account("alice")
    options = ["--jid", f"{alice.jid}/send", "--host", sandbox.host, "--port", str(sandbox.port)]
    options += ["--ca-file", str(sandbox.ca_file), "--password-env", "IQC_PASSWORD"]
    return options, {"IQC_PASSWORD": alice.password if password is None else password}


def as_component(sandbox) -> tuple[list[str], dict[str, str]]:
    options = ["--component", sandbox.component_domain, "--host", sandbox.host, "--port", str(sandbox.component_port)]
    return [*options, "--secret-env", "IQC_SECRET"], {"IQC_SECRET": sandbox.component_secret}


async def test_a_result_with_every_expectation_held_is_exit_0_and_the_reply_is_printed_plain(prosody):
    login, env = as_alice(prosody)
    done = await send(
        *login, "--template", "version", "--expect", "iq[@type='result']/{jabber:iq:version}query", env=env
    )
    assert done.returncode == 0, done.stderr
    assert "<name>Prosody</name>" in done.stdout and 'type="result"' in done.stdout
    assert "\x1b" not in done.stdout, "plain text in a pipe"
    assert "Result for" in done.stderr and "from localhost" in done.stderr
    assert env["IQC_PASSWORD"] not in done.stdout + done.stderr


async def test_json_lines_give_request_reply_outcome_round_trip_and_condition_per_stanza(prosody, tmp_path):
    stanzas = tmp_path / "stanzas.xml"
    stanzas.write_text(
        f"{VERSION}\n<iq type='get' to='nobody@localhost'><query xmlns='jabber:iq:version'/></iq>\n"
        "<message to='bob@localhost'><body>sent by a script</body></message>\n"
    )
    login, env = as_alice(prosody)
    done = await send(*login, "--json", str(stanzas), env=env)
    assert done.returncode == 1, "an error reply is exit 1"
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [record["outcome"] for record in records] == ["result", "error", "sent"]
    version, error, message = records
    assert "jabber:iq:version" in version["request"] and "<name>Prosody</name>" in version["reply"]
    assert isinstance(version["round_trip_ms"], float) and version["round_trip_ms"] >= 0
    assert version["condition"] is None and version["failed_expectations"] == []
    assert error["condition"] == "service-unavailable" and 'type="error"' in error["reply"]
    assert message["reply"] is None and "sent by a script" in message["request"]


async def test_a_failed_expectation_is_exit_1(prosody):
    login, env = as_alice(prosody)
    done = await send(
        *login,
        "--expect",
        "iq/{urn:example:absent}query",
        "-",
        stdin=f"<iq type='get' to='localhost'>{PING}</iq>",
        env=env,
    )
    assert done.returncode == 1
    assert "expectation failed: iq/{urn:example:absent}query" in done.stderr


async def test_variables_fill_the_stanzas(prosody):
    login, env = as_alice(prosody)
    text = "<iq type='get' to='${server}'><query xmlns='jabber:iq:version'/></iq>"
    refused = await send(*login, "-", stdin=text, env=env)
    assert refused.returncode == 2 and "unknown variable ${server}" in refused.stderr
    done = await send(*login, "--var", "server=localhost", "--json", "-", stdin=text, env=env)
    assert done.returncode == 0 and 'to="localhost"' in json.loads(done.stdout)["request"]


@pytest.mark.parametrize(
    ("args", "stdin", "words"),
    [
        (["-"], "<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/>", "line 1, column"),
        (["-"], "<iq type='get' to='localhost'/>", "must carry exactly one child element"),
        (["-"], "<iq type='get' to='a b@localhost'><ping xmlns='urn:xmpp:ping'/></iq>", "not a valid JID"),
        (["--expect", "iq[", "-"], VERSION, "--expect: bad XPath 'iq['"),
        (["--template", "no-such-template"], None, "--template: no template 'no-such-template'"),
        (["--template", "ping", "stanzas.xml"], None, "--template: given with FILE"),
        (["/no/such/stanzas.xml"], None, "/no/such/stanzas.xml: no such file"),
    ],
)
async def test_bad_input_is_exit_2_and_nothing_reaches_the_server(args, stdin, words):
    # A server that would refuse the login (nothing listens on port 1): exit 2, not 4, proves no attempt.
    login = ["--jid", "alice@localhost", "--host", "127.0.0.1", "--port", "1", "--password-env", "IQC_PASSWORD"]
    done = await send(*login, *args, stdin=stdin, env={"IQC_PASSWORD": "x"})
    assert done.returncode == 2, done.stderr
    assert words in done.stderr


async def test_a_users_template_is_sent_and_a_broken_one_is_refused_with_its_problem(prosody):
    from iqconsole.core import locations

    folder = locations.templates_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "server-version.xml").write_text(
        "<!--\ntitle: The server's version\n-->\n<iq type='get' to='${domain}'><query xmlns='jabber:iq:version'/></iq>\n"
    )
    (folder / "broken.xml").write_text("<iq type='get'/>\n")
    login, env = as_alice(prosody)
    done = await send(*login, "--template", "server-version", env=env)
    assert done.returncode == 0 and "<name>Prosody</name>" in done.stdout
    refused = await send(*login, "--template", "broken", env=env)
    assert (
        refused.returncode == 2
        and "--template: " in refused.stderr
        and "broken.xml: no metadata header" in refused.stderr
    )


async def test_a_wrong_password_is_exit_4_and_is_never_printed(prosody):
    login, env = as_alice(prosody, password="wrong-password-123")
    done = await send(*login, "-", stdin=VERSION, env=env)
    assert done.returncode == 4
    assert "Authentication failed" in done.stderr and "wrong-password-123" not in done.stdout + done.stderr


@pytest.fixture
def hostile_login(tmp_path):
    cert, _key = certificate = certificate_in(tmp_path)

    def options(server: HostileServer) -> list[str]:
        return ["--jid", FULL_JID, "--host", "127.0.0.1", "--port", str(server.port), "--ca-file", str(cert)]

    return certificate, options


async def test_a_connection_cut_while_waiting_for_the_reply_is_exit_5(hostile_login):
    certificate, options = hostile_login

    async def cut_at_the_request(peer: HostilePeer) -> None:
        await peer.log_in()
        await peer.request()
        peer.cut()

    async with HostileServer(certificate, cut_at_the_request) as server:
        done = await send(
            *options(server), "--password-env", "IQC_PASSWORD", "-", stdin=VERSION, env={"IQC_PASSWORD": PASSWORD}
        )
    assert done.returncode == 5, done.stderr
    assert "connection lost" in done.stderr and PASSWORD not in done.stdout + done.stderr


async def test_no_reply_within_the_timeout_is_exit_6(hostile_login):
    certificate, options = hostile_login

    async def never_answer(peer: HostilePeer) -> None:
        await peer.log_in()
        await peer.closed_by_client(timeout=None)

    async with HostileServer(certificate, never_answer) as server:
        done = await send(
            *options(server),
            "--password-env",
            "IQC_PASSWORD",
            "--timeout",
            "1",
            "--json",
            "-",
            stdin=VERSION,
            env={"IQC_PASSWORD": PASSWORD},
        )
    assert done.returncode == 6, done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["outcome"] == "timed out" and record["reply"] is None and "within 1 s" in record["reason"]


async def test_an_iq_to_a_component_that_never_answers_is_exit_6(prosody):
    silent = ResponderSet()
    silent.add("mute", "iq", silent=True)
    component = Session(component_account_for(prosody), TrafficStore(), silent)
    await component.open()
    try:
        login, env = as_alice(prosody)
        stanza = f"<iq type='get' to='mute@{prosody.component_domain}'>{PING}</iq>"
        done = await send(*login, "--timeout", "2", "-", stdin=stanza, env=env)
    finally:
        await component.close()
    assert done.returncode == 6, done.stderr
    assert "No reply to" in done.stderr and "within 2 s (timed out)" in done.stderr
    assert component.responders.get("mute").hits == 1, "the request reached the component"


async def test_send_from_a_component_takes_any_jid_at_its_domain_and_never_prints_the_secret(prosody):
    login, env = as_component(prosody)
    stanza = f"<iq type='get' from='robot@{prosody.component_domain}' to='localhost'>{PING}</iq>"
    done = await send(*login, "--json", "--expect", "iq[@type='result']", "-", stdin=stanza, env=env)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert f'to="robot@{prosody.component_domain}"' in record["reply"]
    assert prosody.component_secret not in done.stdout + done.stderr


async def test_a_wrong_component_secret_is_exit_4(prosody):
    login, _env = as_component(prosody)
    done = await send(*login, "-", stdin=VERSION, env={"IQC_SECRET": "not-the-secret"})
    assert done.returncode == 4 and "not-authorized" in done.stderr
    assert "not-the-secret" not in done.stdout + done.stderr


async def test_a_component_sending_from_another_domain_is_warned_and_the_servers_reason_said(prosody):
    login, env = as_component(prosody)
    stanza = f"<iq type='get' from='bot@elsewhere.example' to='localhost'>{PING}</iq>"
    done = await send(*login, "-", stdin=stanza, env=env)
    assert done.returncode == 5, done.stderr
    assert "is not at this component's domain" in done.stderr, "the composer's warning, before sending"
    assert "The server ended the stream: invalid-from" in done.stderr, "why the server closed it"


async def test_ctrl_c_while_waiting_is_exit_130_and_the_stream_is_closed(hostile_login):
    certificate, options = hostile_login

    async def never_answer(peer: HostilePeer) -> None:
        await peer.log_in()
        await peer.request()
        asked.set()
        closed.set_result(await peer.closed_by_client())

    asked = asyncio.Event()
    closed: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
    async with HostileServer(certificate, never_answer) as server:
        process = subprocess.Popen(
            [str(IQCONSOLE), "send", *options(server), "--password-env", "IQC_PASSWORD", "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "IQC_PASSWORD": PASSWORD},
        )
        process.stdin.write(VERSION)
        process.stdin.close()
        try:
            await asyncio.wait_for(asked.wait(), 30)
            process.send_signal(signal.SIGINT)
            code = await asyncio.to_thread(process.wait, 30)
        finally:
            process.kill()
        assert await asyncio.wait_for(closed, 15), "it closed its stream before exiting"
    assert code == 130


async def test_a_reader_that_stops_reading_ends_the_output_not_the_exit_code(prosody):
    login, env = as_alice(prosody)
    process = subprocess.Popen(
        [str(IQCONSOLE), "send", *login, "--json", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    process.stdout.close()  # as `| head -0` would: the first reply line meets a closed pipe
    _out, err = await asyncio.to_thread(process.communicate, f"{VERSION}\n{VERSION}", 60)
    assert process.returncode == 0, err
    assert "unexpected error" not in err and "BrokenPipe" not in err
