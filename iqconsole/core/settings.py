"""One way to check what a user gives us: command-line options, config.toml, theme files,
responder files and the app's forms all use these checks, so every bad value is reported the
same way: where (the file or the option), the key, what is wrong, and what is allowed.

A check is a function that takes the raw value (a string from the command line or a form, or
whatever TOML produced) and returns the clean value or raises SettingError without a place;
`read_table` and the callers add the place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from iqconsole.core.stream_reader import MAX_NESTING_DEPTH, MAX_STANZA_BYTES, MIN_DEPTH, MIN_STANZA_BYTES

DEFAULT_REPLY_TIMEOUT = 30.0  # seconds an IQ waits for its reply unless the user says otherwise

T = TypeVar("T")
E = TypeVar("E", bound="SettingError")
Check = Callable[[Any], T]

MAX_TIMEOUT = 86_400.0  # a day: longer is a typo, not a wait
SECONDS_ALLOWED = f"a number of seconds above 0, at most {MAX_TIMEOUT:g}"
PORT_ALLOWED = "a whole number from 1 to 65535"
JID_ALLOWED = "user@domain or user@domain/resource, without spaces"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


class SettingError(ValueError):
    """A value that cannot be used: where it came from, its key, what is wrong, what is allowed."""

    def __init__(self, problem: str, *, where: str = "", key: str = "", allowed: str = ""):
        self.problem = problem
        self.where = where
        self.key = key
        self.allowed = allowed
        super().__init__(problem)

    def at(self, where: str | Path | None = None, key: str = "", kind: type[E] | None = None) -> E | SettingError:
        """The same problem, placed: `key` is prepended to the key it already has (a.b.c);
        `kind` makes it a more specific error (ConfigError, ThemeError, …)."""
        return (kind or type(self))(
            self.problem,
            where=str(where) if where is not None else self.where,
            key=".".join(part for part in (key, self.key) if part),
            allowed=self.allowed,
        )

    @property
    def field_message(self) -> str:
        """What a form shows next to the field: the problem and what is allowed, no place."""
        return f"{self.problem}; allowed: {self.allowed}" if self.allowed else self.problem

    def __str__(self) -> str:
        return ": ".join(part for part in (self.where, self.key, self.field_message) if part)


def read_toml(path: Path, error: type[SettingError] = SettingError) -> dict[str, Any]:
    """The TOML table of `path`, or `error` naming the file and what is wrong with it."""
    import tomllib  # here, like ssl below: `iqconsole --version` imports this module and stays fast

    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise error("not UTF-8 text", where=str(path), allowed="a UTF-8 TOML file") from None
    except OSError as problem:
        raise error(f"cannot read it: {problem.strerror or problem}", where=str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"not valid TOML: {problem}", where=str(path)) from None


def read_table(
    table: Mapping[str, Any], keys: Mapping[str, Check[Any]], *, required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Each present key checked by its check; unknown and missing keys refused by name."""
    for key in table:
        if key not in keys:
            raise SettingError("unknown key", key=toml_key(key), allowed=", ".join(keys))
    for key in required:
        if key not in table:
            raise SettingError("missing: it is required", key=key)
    checked = {}
    for key, value in table.items():
        try:
            checked[key] = keys[key](value)
        except SettingError as error:
            raise error.at(key=toml_key(key)) from None
    return checked


def toml_key(name: str) -> str:
    """A key as TOML writes it: bare when it can be, else quoted ("composer.send")."""
    return name if _BARE_KEY.match(name) else '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- checks ---------------------------------------------------------------------------------


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingError(f"{value!r} is not a string", allowed='a string in quotes, such as "text"')
    return value


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingError(f"{value!r} is not true or false", allowed="true or false")
    return value


def whole_number(low: int, high: int, unit: str = "") -> Check[int]:
    allowed = f"a whole number{f' of {unit}' if unit else ''} from {low} to {high}"

    def check(value: Any) -> int:
        if isinstance(value, str):
            value = _parse(value.strip(), int, allowed)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingError(f"{_shown(value)} is not a whole number", allowed=allowed)
        if not low <= value <= high:
            raise SettingError(f"{value} is out of range", allowed=allowed)
        return value

    return check


_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def byte_size(low: int, high: int) -> Check[int]:
    """A size in bytes: a whole number, or a number with KB, MB or GB ("20MB", "1.5 GB"),
    where a KB is 1,024 bytes (what the limits and the log count in)."""
    allowed = f"a size from {_size(low)} to {_size(high)}, in bytes or with KB, MB or GB, such as 20MB"

    def check(value: Any) -> int:
        count = value
        if isinstance(value, str):
            written = _SIZE.match(value.strip())
            factor = _SIZE_UNITS[(written.group(2) or "")[:1].lower()] if written else 0
            if written is None or (factor == 1 and "." in written.group(1)):  # no half bytes
                raise SettingError(f"{_shown(value)} is not a size", allowed=allowed)
            count = round(float(written.group(1)) * factor)
        if isinstance(count, bool) or not isinstance(count, int):
            raise SettingError(f"{_shown(value)} is not a size", allowed=allowed)
        if not low <= count <= high:
            raise SettingError(f"{_shown(value)} is out of range", allowed=allowed)
        return count

    return check


def _size(count: int) -> str:
    """Bytes as the user would write them: 10KB, 20MB, 1GB, else 12,345 bytes."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if count >= factor and count % factor == 0:
            return f"{count // factor}{unit}"
    return f"{count:,} bytes"


# The limits on what one stanza from the server may be (core/stream_reader.py).
stanza_size = byte_size(MIN_STANZA_BYTES, MAX_STANZA_BYTES)
nesting_depth = whole_number(MIN_DEPTH, MAX_NESTING_DEPTH, "levels")


def fraction(value: Any) -> float:
    """A number from 0 to 1 (an opacity, a spread)."""
    number = _number(value, "a number from 0 to 1")
    if not 0 <= number <= 1:
        raise SettingError(f"{_shown(value)} is out of range", allowed="a number from 0 to 1")
    return number


def seconds(value: Any) -> float:
    """A timeout: finite, above 0, at most a day. `nan`, `inf`, 0 and negatives are refused."""
    number = _number(value, SECONDS_ALLOWED)
    if number <= 0:
        raise SettingError(f"{_shown(value)} is not above 0", allowed=SECONDS_ALLOWED)
    if number > MAX_TIMEOUT:
        raise SettingError(f"{_shown(value)} is too long", allowed=SECONDS_ALLOWED)
    return number


def port(value: Any) -> int:
    return _port_number(value)


_port_number = whole_number(1, 65535)


def host(value: Any) -> str:
    name = text(value).strip()
    if not name or any(character.isspace() for character in name):
        raise SettingError(f"{value!r} is not a host name", allowed="a host name or an IP address, without spaces")
    return name


def address(host_name: str | None, port_number: int | None) -> None:
    """A port alone would be ignored: without a host, DNS SRV finds both."""
    if port_number is not None and not host_name:
        raise SettingError(
            f"{port_number} is given without a host", allowed="a port together with a host, or neither (DNS SRV)"
        )


def account_jid(value: Any) -> str:
    """An account's JID: a user part, a domain and an optional resource (slixmpp's own rules)."""
    from slixmpp.jid import JID, InvalidJID  # here: `iqconsole --version` must not import slixmpp

    jid_text = text(value)
    if not jid_text.strip():
        raise SettingError("empty", allowed=JID_ALLOWED)
    if jid_text != jid_text.strip() or any(character.isspace() for character in jid_text):
        raise SettingError(f"{jid_text!r} contains a space", allowed=JID_ALLOWED)
    try:
        jid = JID(jid_text)
    except InvalidJID as error:
        raise SettingError(f"{jid_text!r} is not a valid JID ({error})", allowed=JID_ALLOWED) from None
    if not jid.user:
        raise SettingError(f"{jid_text!r} has no user part before '@'", allowed=JID_ALLOWED)
    return jid_text


def certificate_file(value: Any) -> Path:
    """A readable PEM file holding at least one certificate (what TLS verification will load)."""
    path = Path(text(value) if not isinstance(value, Path) else value).expanduser()
    import ssl

    allowed = "a readable PEM file with a CA or server certificate"
    if not path.is_file():
        raise SettingError(f"{str(path)!r}: no such file", allowed=allowed)
    try:
        ssl.create_default_context().load_verify_locations(cafile=str(path))
    except ssl.SSLError as error:
        raise SettingError(
            f"{str(path)!r} holds no PEM certificate ({error.reason or error})", allowed=allowed
        ) from None
    except OSError as error:
        raise SettingError(f"{str(path)!r} cannot be read: {error.strerror or error}", allowed=allowed) from None
    return path


def table(keys: Mapping[str, Check[Any]]) -> Check[dict[str, Any]]:
    """A TOML table with these keys (see read_table)."""

    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise SettingError(f"{value!r} is not a table", allowed="a table with the keys " + ", ".join(keys))
        return read_table(value, keys)

    return check


def table_of(value_check: Check[T], name_check: Check[str] = text) -> Check[dict[str, T]]:
    """A TOML table whose names and values are each checked; the key names the bad entry."""

    def check(value: Any) -> dict[str, T]:
        if not isinstance(value, dict):
            raise SettingError(f"{value!r} is not a table", allowed='a table of name = "value" lines')
        checked = {}
        for name, item in value.items():
            try:
                checked[name_check(name)] = value_check(item)
            except SettingError as error:
                raise error.at(key=toml_key(name)) from None
        return checked

    return check


def _number(value: Any, allowed: str) -> float:
    if isinstance(value, str):
        value = _parse(value.strip(), float, allowed)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingError(f"{_shown(value)} is not a number", allowed=allowed)
    if not math.isfinite(value):
        raise SettingError(f"{_shown(value)} is not a finite number", allowed=allowed)
    return float(value)


def _parse(value: str, kind: type[int] | type[float], allowed: str) -> Any:
    if not value:
        raise SettingError("empty", allowed=allowed)
    try:
        return kind(value)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingError(f"{_shown(value)} is not {what}", allowed=allowed) from None


def _shown(value: Any) -> str:
    """A value as the user wrote it: `-5`, `abc`, `1.5`."""
    return value if isinstance(value, str) else repr(value)


def component_domain(value: Any) -> str:
    """An external component's JID (XEP-0114): a domain alone, such as svc.example.org."""
    from slixmpp.jid import JID, InvalidJID  # here: `iqconsole --version` must not import slixmpp

    allowed = "a domain such as svc.example.org (no user part, no resource)"
    name = text(value).strip()
    try:
        jid = JID(name)
    except InvalidJID as error:
        raise SettingError(f"{name!r} is not a valid domain ({error})", allowed=allowed) from None
    if not name or jid.user or jid.resource:
        raise SettingError(f"{name!r} is not a domain alone", allowed=allowed)
    return name
