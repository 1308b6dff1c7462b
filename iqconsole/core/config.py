"""The optional config file (TOML): reply timeout, theme, limits, user variables and key bindings.

    timeout = 10                          # seconds an IQ waits for its reply
    theme = "iqconsole-light"
    max-stanza-size = "20MB"              # larger stanzas from the server are skipped
    max-depth = 64                        # so are stanzas nested deeper
    journal = false                       # do not journal sessions (core/journal.py)
    stream-management = true              # enable XEP-0198 at each login (default false)
    reconnect = false                     # stay offline after a loss (default true: reconnect)
    server-pushes = ["jabber:iq:roster"]  # pushes acknowledged with a result (default: see README)

    [variables]
    node = "urn:xmpp:microblog:0"

    [keymap]                              # binding id = keys (comma-separated)
    "composer.send" = "ctrl+enter,ctrl+j"

A missing file is an empty config. Anything else wrong (unreadable, not TOML, an unknown key, a
bad value) is a ConfigError naming the file, the key, the problem and what is allowed. Which
binding ids and key names exist is the UI's to check (ui/keymap.py), with the same error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iqconsole.core.settings import (
    SettingError,
    flag,
    nesting_depth,
    read_table,
    read_toml,
    seconds,
    stanza_size,
    table_of,
    text,
)
from iqconsole.core.templates import TemplateError, check_variable_name

__all__ = ["Config", "ConfigError", "load_config", "parse_var_options"]


class ConfigError(SettingError):
    """A config file or a --var option that cannot be used, with the reason."""


@dataclass(frozen=True)
class Config:
    timeout: float | None = None
    variables: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    max_stanza_size: int | None = None
    max_depth: int | None = None
    journal: bool = True
    stream_management: bool = False
    reconnect: bool = True
    server_pushes: frozenset[str] | None = None  # None: the built-in list


def variable_name(value: Any) -> str:
    """A name the user may set: `${name}` syntax, and not the per-send `${id}`."""
    name = text(value)
    try:
        check_variable_name(name)
    except TemplateError:
        raise SettingError(
            f"bad variable name {name!r}", allowed="letters, digits and '_', not starting with a digit"
        ) from None
    if name == "id":
        raise SettingError("${id} is fresh for every send and cannot be set", allowed="any other name")
    return name


def variable_value(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise SettingError(f"{value!r} is not a string or a number", allowed='a string such as "urn:x" or a number')
    return str(value)


def key_list(value: Any) -> str:
    """Keys for one binding: comma-separated Textual key names such as "ctrl+enter,f6"."""
    keys = [key.strip() for key in text(value).split(",")]
    if not all(keys):
        raise SettingError(f"{value!r} has an empty key", allowed='key names separated by commas, such as "ctrl+j,f6"')
    return ",".join(keys)


def namespaces(value: Any) -> frozenset[str]:
    """A list of XML namespaces such as ["urn:xmpp:blocking"] (may be empty)."""
    allowed = 'a list of namespaces in quotes, such as ["urn:xmpp:blocking"], or []'
    if not isinstance(value, list):
        raise SettingError(f"{value!r} is not a list", allowed=allowed)
    for item in value:
        if not isinstance(item, str) or not item.strip() or any(character.isspace() for character in item):
            raise SettingError(f"{item!r} is not a namespace", allowed=allowed)
    return frozenset(value)


CONFIG_KEYS = {
    "timeout": seconds,
    "theme": text,
    "max-stanza-size": stanza_size,
    "max-depth": nesting_depth,
    "variables": table_of(variable_value, variable_name),
    "keymap": table_of(key_list),
    "journal": flag,
    "stream-management": flag,
    "reconnect": flag,
    "server-pushes": namespaces,
}


def load_config(path: Path) -> Config:
    if not path.exists():
        return Config()
    try:
        values = read_table(read_toml(path, ConfigError), CONFIG_KEYS)
    except SettingError as error:
        raise error.at(path, kind=ConfigError) from None
    return Config(**{key.replace("-", "_"): value for key, value in values.items()})


def parse_var_options(options: Iterable[str]) -> dict[str, str]:
    """['node=urn:x', 'n=1'] -> {'node': 'urn:x', 'n': '1'}; ConfigError for 'no-equals'."""
    variables = {}
    for option in options:
        name, equals, value = option.partition("=")
        if not equals:
            raise ConfigError(f"{option!r} has no '='", where="--var", allowed="NAME=VALUE")
        try:
            variables[variable_name(name.strip())] = value
        except SettingError as error:
            raise error.at("--var", kind=ConfigError) from None
    return variables
