"""The one `${name}` engine: composer and template variables, and responder replies.

`${name}` is replaced by its value, XML-escaped (a JID or a peer's text can never inject
markup); `${name:argument}` asks a resolver (a responder's `${request:query/@node}`); `$$` is a
literal dollar. Every other `$` is a mistake, reported with its line, as is every unknown name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

__all__ = ["Placeholders", "Resolver", "SubstitutionError", "placeholders", "substitute", "substitute_some"]

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# One alternative per thing a '$' can start; the last one catches every mistake.
_PLACEHOLDER = re.compile(
    rf"\$(?:(?P<dollar>\$)|\{{(?P<name>{NAME})(?::(?P<argument>[^{{}}$\n]+))?\}}|(?P<bad>\{{[^}}\n]*\}}?|.?))",
    re.DOTALL,
)
_QUOTES = {'"': "&quot;", "'": "&apos;"}
DOLLAR_HINT = "write $$ for a literal dollar"

# Fills `${name:argument}` from its argument (the engine escapes the value); raises to refuse it.
Resolver = Callable[[str], str]


@dataclass(frozen=True)
class Placeholders:
    """What a text asks for: names as written (`request:query/@node` included), in order of
    appearance, and a description of every malformed '$'."""

    names: tuple[str, ...]
    malformed: tuple[str, ...]


class SubstitutionError(ValueError):
    """Unknown names and malformed dollars, all of them, in one sentence."""

    def __init__(self, unknown: Iterable[str], malformed: Iterable[str], known: Iterable[str]):
        self.unknown = tuple(unknown)
        self.malformed = tuple(malformed)
        problems = []
        if self.unknown:
            shown = ", ".join(f"${{{name}}}" for name in self.unknown)
            listed = ", ".join(f"${{{name}}}" for name in known) or "none"
            problems.append(f"unknown variable{'s' if len(self.unknown) > 1 else ''} {shown} (known: {listed})")
        if self.malformed:
            problems.append(f"a '$' must start ${{name}}: {'; '.join(self.malformed)}")
        super().__init__("; ".join(problems) + f"; {DOLLAR_HINT}")


def placeholders(text: str) -> Placeholders:
    names: list[str] = []
    malformed: list[str] = []
    for match in _PLACEHOLDER.finditer(text):
        if match.group("name") is not None:
            names.append(_written(match))
        elif match.group("bad") is not None:
            line = text.count("\n", 0, match.start()) + 1
            written = match.group(0)
            malformed.append(f"{written!r} on line {line}" if written.strip("$") else f"a lone '$' on line {line}")
    return Placeholders(tuple(names), tuple(malformed))


def substitute(
    text: str,
    values: Mapping[str, str],
    resolvers: Mapping[str, Resolver] | None = None,
    known: Iterable[str] | None = None,
) -> str:
    """Fill every placeholder of `text`, XML-escaped.

    `resolvers` fill `${name:argument}` by name; `known` is what an error lists as available
    (by default the names of `values`). Raises SubstitutionError before filling anything.
    """
    resolvers = resolvers or {}
    found = placeholders(text)
    unknown = sorted({name for name in found.names if not _is_known(name, values, resolvers)})
    if unknown or found.malformed:
        raise SubstitutionError(unknown, found.malformed, sorted(values) if known is None else known)

    def fill(match: re.Match[str]) -> str:
        if match.group("dollar") is not None:
            return "$"
        name, argument = match.group("name"), match.group("argument")
        value = values[name] if argument is None else resolvers[name](argument)
        return escape(str(value), _QUOTES)

    return _PLACEHOLDER.sub(fill, text)


def substitute_some(text: str, values: Mapping[str, str]) -> str:
    """Fill only the `${name}`s that `values` names, XML-escaped; everything else (other names,
    `$$`, malformed dollars) stays as written, to be filled later."""

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        if name is None or match.group("argument") is not None or name not in values:
            return match.group(0)
        return escape(str(values[name]), _QUOTES)

    return _PLACEHOLDER.sub(fill, text)


def _written(match: re.Match[str]) -> str:
    argument = match.group("argument")
    return match.group("name") + (f":{argument}" if argument is not None else "")


def _is_known(written: str, values: Mapping[str, str], resolvers: Mapping[str, Resolver]) -> bool:
    name, colon, _argument = written.partition(":")
    return name in resolvers if colon else name in values
