"""Conversation scripts against the real Prosody: every script of tests/scansion passes on a fresh
sandbox; a wrong one fails with both stanzas and the mismatch pointed at; the JUnit file says so."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from iqconsole.core.scansion.report import step_lines
from iqconsole.core.scansion.script import load_script
from iqconsole.core.scansion.suite import Listener, run_suite

TESTS = Path(__file__).parents[1]
SCRIPTS = sorted((TESTS / "scansion").glob("*.scs"))
DATA = TESTS / "data" / "scansion"
IQCONSOLE = Path(sys.executable).with_name("iqconsole")
TOPICS = ("roster", "presence", "disco", "vcard", "private", "blocking", "pep", "pubsub", "mam", "muc", "upload")


def test_the_scripts_cover_the_topics() -> None:
    assert len(SCRIPTS) >= 15
    names = " ".join(path.stem for path in SCRIPTS)
    assert [topic for topic in TOPICS if topic not in names] == []


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.stem)
async def test_the_script_passes_against_prosody(path: Path) -> None:
    script = load_script(path)
    results, _took = await run_suite([script], None, Listener(), receive_timeout=30, quiet_time=0.5)
    result = results[0]
    assert result.passed, "\n".join(line for step in result.steps for line in step_lines(step))
    assert len(result.steps) == len(script.steps)


def iqconsole(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(IQCONSOLE), "script", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_a_wrong_script_fails_with_the_difference_and_the_junit_file_says_so(tmp_path: Path) -> None:
    junit = tmp_path / "results.xml"
    good = TESTS / "scansion" / "ping_version_time.scs"
    wrong = DATA / "wrong_roster.scs"
    run = iqconsole("--sandbox", "--timeout", "30", str(good), str(wrong), "--junit", str(junit))
    assert run.returncode == 4, run.stderr
    out = run.stdout
    assert "line 26   Romeo receives" in out
    assert "expected (line 27):" in out
    assert "at /iq/query/item: attribute subscription: expected 'both', received 'none'" in out
    assert '<item jid="nurse@localhost" name="Nurse" subscription="both"/>   <-- first mismatch' in out
    pointed = [line.strip() for line in out.splitlines() if line.endswith("<-- first mismatch")]
    assert len(pointed) == 2  # once in each stanza
    assert pointed[1].startswith("<item ") and 'subscription="none"' in pointed[1]
    assert "FAILED: 5/6 steps, 1 not run" in out
    assert out.rstrip().splitlines()[-1].startswith("1 passed, 1 failed (2 scripts) in ")

    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = {case.get("classname"): case for case in suite.iter("testcase")}
    assert cases["ping_version_time"].find("failure") is None
    failure = cases["wrong_roster"].find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("line 26: Romeo received a different stanza")
    assert "expected 'both', received 'none'" in (failure.text or "")
    assert (failure.text or "").count("<-- first mismatch") == 2
    assert float(cases["wrong_roster"].get("time", "0")) > 0


def test_a_server_given_by_address_and_a_password_from_the_environment(prosody) -> None:
    secret = prosody.account("alice").password
    run = iqconsole(
        "--host", prosody.host, "--port", str(prosody.port), "--ca-file", str(prosody.ca_file),
        str(DATA / "alice_pings.scs"),
        env={"IQCONSOLE_PASSWORD_ALICE": secret},
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "passed: 4/4 steps" in run.stdout
    assert secret not in run.stdout + run.stderr


def test_without_a_password_nothing_runs() -> None:
    run = iqconsole("--host", "127.0.0.1", "--port", "1", str(DATA / "alice_pings.scs"))
    assert run.returncode == 2
    assert "alice_pings.scs:3: Alice has no password: give `password:` or set IQCONSOLE_PASSWORD_ALICE" in run.stderr
    assert run.stdout == ""


def test_a_line_outside_the_subset_stops_everything_before_it_runs() -> None:
    good = TESTS / "scansion" / "ping_version_time.scs"
    run = iqconsole("--sandbox", str(good), str(DATA / "outside_subset.scs"))
    assert run.returncode == 2
    assert "outside_subset.scs:11: not part of the supported script subset: 'Romeo waits for 2 seconds'" in run.stderr
    assert run.stdout == ""


def test_a_refused_login_fails_the_script_without_showing_the_password(prosody) -> None:
    run = iqconsole(
        "--host", prosody.host, "--port", str(prosody.port), "--ca-file", str(prosody.ca_file),
        str(DATA / "alice_pings.scs"),
        env={"IQCONSOLE_PASSWORD_ALICE": "not-her-password-1234"},
    )  # fmt: skip
    assert run.returncode == 4
    assert "Alice could not log in as alice@localhost" in run.stdout
    assert "FAILED: 1/4 steps, 3 not run" in run.stdout
    assert "not-her-password-1234" not in run.stdout + run.stderr


def test_without_prosody_the_sandbox_cannot_start(tmp_path: Path) -> None:
    run = iqconsole("--sandbox", str(DATA / "alice_pings.scs"), env={"PATH": str(tmp_path)})
    assert run.returncode == 3
    assert "Prosody (the XMPP server) is not installed" in run.stderr


def test_options_that_would_be_ignored_are_refused() -> None:
    script = str(DATA / "alice_pings.scs")
    for args, words in (
        (["--jid", "a@localhost", "script", script], "--jid: not used by `iqconsole script`"),
        (["--host", "127.0.0.1", "script", "--sandbox", script], "--host: not used with --sandbox"),
    ):
        run = subprocess.run([str(IQCONSOLE), *args], capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and words in run.stderr, run.stderr
