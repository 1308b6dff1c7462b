"""Who to log in as and how to reach the server; the password never prints itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from iqconsole.core.stream_reader import Limits

PASSWORD_ENV_PREFIX = "IQCONSOLE_PASSWORD_"


def password_variable(name: str) -> str:
    """The environment variable that holds the password of an account or script character named
    `name`: Juliet's phone -> IQCONSOLE_PASSWORD_JULIET_S_PHONE."""
    return PASSWORD_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


class Secret:
    """A string that hides itself from repr, str, logs and tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


@dataclass(frozen=True)
class Account:
    """Connection settings. Host and port are optional: without them DNS SRV is used.
    `limits` bound what one stanza from the server may be (size, nesting depth).
    `component`: log in as an external component (XEP-0114): `jid` is the component's domain,
    `password` its shared secret, and `host`/`port` the server's component port."""

    jid: str
    password: Secret = field(default_factory=lambda: Secret(""))
    host: str | None = None
    port: int | None = None
    ca_file: Path | None = None
    insecure: bool = False
    direct_tls: bool = False
    limits: Limits = field(default_factory=Limits)
    component: bool = False

    @property
    def address(self) -> str:
        if self.host:
            return f"{self.host}:{self.port or 5222}"
        return f"{self.domain} (DNS SRV)"

    @property
    def domain(self) -> str:
        return self.jid.split("@", 1)[-1].split("/", 1)[0]
