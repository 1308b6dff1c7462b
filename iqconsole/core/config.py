"""The optional config file (TOML): the default reply timeout and user-defined variables.

    timeout = 10            # seconds an IQ waits for its reply

    [variables]
    node = "urn:xmpp:microblog:0"
    service = "pubsub.example.org"

A missing file is an empty config; a broken one is a ConfigError naming the file and the problem.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from iqconsole.core.templates import TemplateError, check_variable_name

__all__ = ["Config", "ConfigError", "load_config", "parse_var_options"]


class ConfigError(ValueError):
    """A config file or a --var option that cannot be used, with the reason."""


@dataclass(frozen=True)
class Config:
    timeout: float | None = None
    variables: dict[str, str] = field(default_factory=dict)


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read it: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    timeout = data.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0):
        raise ConfigError(f"{path}: timeout must be a positive number of seconds, not {timeout!r}")
    table = data.get("variables", {})
    if not isinstance(table, dict):
        raise ConfigError(f'{path}: [variables] must be a table of name = "value"')
    variables = {}
    for name, value in table.items():
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise ConfigError(f"{path}: variable {name!r} must be a string or a number")
        variables[name] = str(value)
    try:
        _check_names(variables)
    except TemplateError as error:
        raise ConfigError(f"{path}: {error}") from None
    return Config(float(timeout) if timeout is not None else None, variables)


def parse_var_options(options: Iterable[str]) -> dict[str, str]:
    """['node=urn:x', 'n=1'] -> {'node': 'urn:x', 'n': '1'}; ConfigError for 'no-equals'."""
    variables = {}
    for option in options:
        name, equals, value = option.partition("=")
        if not equals:
            raise ConfigError(f"--var {option!r}: write NAME=VALUE")
        variables[name.strip()] = value
    try:
        _check_names(variables)
    except TemplateError as error:
        raise ConfigError(f"--var: {error}") from None
    return variables


def _check_names(variables: dict[str, str]) -> None:
    for name in variables:
        check_variable_name(name)
        if name == "id":
            raise TemplateError("${id} is fresh for every send and cannot be set")
