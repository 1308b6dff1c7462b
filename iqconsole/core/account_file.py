"""The accounts file (TOML): several accounts to log in together, by name, never with a password.

    [alice]
    jid = "alice@example.org/console"
    host = "10.0.0.5"                    # optional: without it, DNS SRV
    port = 5222                          # optional, with host
    ca-file = "/etc/ssl/private-ca.pem"  # optional
    insecure = false                     # optional
    direct-tls = false                   # optional
    password-env = "ALICE_PW"            # optional: default IQCONSOLE_PASSWORD_ALICE

    [bob]
    jid = "bob@example.org"

A password comes from the environment variable the account names (or its default name), else
the app asks. Anything wrong is a SettingError naming the file, the account and the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from iqconsole.core.account import Account, Secret, password_variable
from iqconsole.core.settings import (
    SettingError,
    account_jid,
    address,
    certificate_file,
    flag,
    host,
    port,
    read_table,
    read_toml,
    text,
    toml_key,
)
from iqconsole.core.stream_reader import Limits

__all__ = ["NamedAccount", "account_names", "load_accounts", "password_variable"]

NAME_ALLOWED = "letters, digits, '-' and '_'"
_NAME = re.compile(r"[A-Za-z0-9_-]+")
ACCOUNT_KEYS = {
    "jid": account_jid,
    "host": host,
    "port": port,
    "ca-file": certificate_file,
    "insecure": flag,
    "direct-tls": flag,
    "password-env": text,
}


@dataclass(frozen=True)
class NamedAccount:
    """An account and the short name the console shows it by (in the log's account column)."""

    name: str
    account: Account


def account_name(value: Any) -> str:
    name = text(value)
    if not _NAME.fullmatch(name):
        raise SettingError(f"{name!r} is not an account name", allowed=NAME_ALLOWED)
    return name


def account_names(value: str) -> list[str]:
    """`alice,bob` -> ['alice', 'bob']: at least one, each once."""
    names = [name.strip() for name in value.split(",")]
    for name in names:
        account_name(name)
    if len(set(names)) != len(names):
        raise SettingError(f"{value!r} names an account twice", allowed=f"names separated by commas ({NAME_ALLOWED})")
    return names


def load_accounts(
    path: Path, names: list[str], limits: Limits, environ: Mapping[str, str] = os.environ
) -> list[NamedAccount]:
    """The accounts `names` of the file, in that order, each with its password when its variable
    is set (else an empty one: the app asks)."""
    if not path.exists():
        raise SettingError("no such file", where=str(path), allowed="a TOML file with one [name] table per account")
    tables = read_toml(path)
    accounts = []
    for name in names:
        if name not in tables:
            known = ", ".join(toml_key(key) for key in tables) or "none yet"
            raise SettingError(f"no account {name!r}", where=str(path), allowed=f"the accounts of the file: {known}")
        try:
            accounts.append(_account(name, tables[name], limits, environ))
        except SettingError as error:
            raise error.at(path, key=toml_key(name)) from None
    return accounts


def _account(name: str, table: Any, limits: Limits, environ: Mapping[str, str]) -> NamedAccount:
    if not isinstance(table, dict):
        raise SettingError(f"{table!r} is not a table", allowed='a [name] table with jid = "…" and more')
    values = read_table(table, ACCOUNT_KEYS, required=("jid",))
    address(values.get("host"), values.get("port"))
    variable = values.get("password-env") or password_variable(name)
    account = Account(
        values["jid"],
        host=values.get("host"),
        port=values.get("port"),
        ca_file=values.get("ca-file"),
        insecure=values.get("insecure", False),
        direct_tls=values.get("direct-tls", False),
        limits=limits,
    )
    if variable in environ:
        account = replace(account, password=Secret(environ[variable]))
    return NamedAccount(name, account)
