"""`iqconsole --accounts NAMES`: the accounts file is checked before anything starts (exit 2 naming
the file, the account and the key), and the options that belong in it are refused beside it."""

from __future__ import annotations

import pytest

from iqconsole.core import locations
from tests.test_cli import run

GOOD = """
[alice]
jid = "alice@example.org/console"
host = "127.0.0.1"
port = 5222

[bob]
jid = "bob@example.org"
"""


@pytest.mark.parametrize(
    ("content", "args", "words"),
    [
        (None, ["--accounts", "alice,bob"], "accounts.toml: no such file; allowed: a TOML file with one [name] table"),
        (GOOD, ["--accounts", "alice,carol"], "no account 'carol'; allowed: the accounts of the file: alice, bob"),
        (GOOD.replace("5222", "0"), ["--accounts", "alice"], "accounts.toml: alice.port: 0 is out of range"),
        (GOOD.replace('jid = "bob', 'jabber = "bob'), ["--accounts", "bob"], "accounts.toml: bob.jabber: unknown key"),
        ('[carol]\nhost = "x"\n', ["--accounts", "carol"], "accounts.toml: carol.jid: missing: it is required"),
        ('[carol]\njid = "carol@x"\nport = 5222\n', ["--accounts", "carol"], "carol: 5222 is given without a host"),
        (GOOD, ["--accounts", "alice,alice"], "argument --accounts: 'alice,alice' names an account twice"),
        (GOOD, ["--accounts", "al ice"], "argument --accounts: 'al ice' is not an account name"),
        (GOOD, ["--accounts", "alice", "--jid", "a@example.org"], "--jid: given with --accounts"),
        (GOOD, ["--accounts", "alice", "--host", "h"], "--host: given with --accounts"),
        (GOOD, ["--accounts-file", "x.toml"], "--accounts-file: given without --accounts"),
        (GOOD, ["view", "x.jsonl", "--accounts", "alice"], "unrecognized arguments: --accounts"),
        (GOOD, ["--accounts", "alice", "journal"], "--accounts: not used by `iqconsole journal`"),
        (GOOD, ["--accounts-file", "x.toml", "sandbox"], "--accounts-file: not used by `iqconsole sandbox`"),
        (None, ["sandbox", "--accounts", "alice,Bob"], "--accounts: alice,Bob has capitals; allowed: lower-case names"),
    ],
)
def test_a_bad_accounts_file_or_option_is_refused_before_anything_starts(content, args, words):
    path = locations.accounts_file()
    if content is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    result = run(*args)
    assert result.returncode == 2, result.stderr
    assert words in result.stderr


def test_locate_names_the_accounts_file():
    result = run("locate")
    assert f"accounts        {locations.accounts_file()}" in result.stdout
