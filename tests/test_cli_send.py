"""The options of `iqconsole send` and of component mode are checked before anything starts:
a bad one is exit 2 with the option, the problem and what is allowed."""

from __future__ import annotations

import pytest

from tests.test_cli import run

COMPONENT = ["--component", "svc.example.org", "--host", "127.0.0.1"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--component", "svc.example.org", "--secret-env", "HOME"], "a component needs the server's host"),
        (COMPONENT, "--component needs --secret-env NAME"),
        ([*COMPONENT, "--secret-env", "IQC_NO_SUCH_VARIABLE"], "--secret-env: IQC_NO_SUCH_VARIABLE is not set"),
        ([*COMPONENT, "--secret-env", "HOME", "--jid", "a@example.org"], "--jid: not used with --component"),
        ([*COMPONENT, "--secret-env", "HOME", "--password-env", "HOME"], "--password-env: not used with --component"),
        (["--component", "bot@example.org"], "argument --component: 'bot@example.org' is not a domain alone"),
        (["--secret-env", "HOME"], "--secret-env: given without --component"),
        (["--component", "svc.example.org", "sandbox"], "--component: not used by `iqconsole sandbox`"),
        (["sandbox", "--server", "ejabberd", "--component"], "--component: not offered by the ejabberd sandbox"),
        (["send", "--jid", "a@example.org", "-"], "send needs --password-env NAME"),
        (["send", "-"], "send needs --jid and --password-env, or --component and --secret-env"),
        (["send", "--timeout", "0", "-"], "argument --timeout: 0 is not above 0"),
        (["--responders", "r.toml", "send", "-"], "--responders: not used by `iqconsole send`"),
        (["send", *COMPONENT, "--secret-env", "HOME", "--var", "novalue", "-"], "--var: 'novalue' has no '='"),
    ],
)
def test_bad_component_and_send_options_end_with_exit_2_and_say_why(args, words):
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr


def test_send_help_lists_the_exit_codes_and_the_xpath_subset():
    shown = run("send", "--help").stdout
    for line in ("0  every IQ got a result", "1  an error reply", "2  bad arguments", "4  login failed"):
        assert line in shown
    assert "5  connection lost" in shown and "6  an IQ got no reply within the timeout" in shown
    assert "[@attr='value']" in " ".join(shown.split())
