"""Read a Scansion script into characters and steps, or say which line is outside the subset.

The subset (README, "Conversation scripts"): a title and description in leading `#` lines,
`##` tags, `[Client] Name` characters with jid, password, resource, connect_host and
connect_port, `[Component] Name` with jid (its domain), password (its secret) and the same
connect_*, a `---` line, then `Name connects`, `Name disconnects`, `Name sends:` and
`Name receives:` with an indented stanza, and `Name receives: nothing`. `${Name's full JID}`
and `${Name's JID}` are replaced when the step runs. Every other line is an error naming its
file and line, before anything connects.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from xml.sax.saxutils import escape

from iqconsole.core.protocol import CLIENT_NS
from iqconsole.core.scansion.match import SCANSION_NS

PROPERTIES = ("jid", "password", "resource", "connect_host", "connect_port")
_CHARACTER = re.compile(r"^\[(?P<kind>[^\]]*)\]\s*(?P<name>.*?)\s*$")
_PROPERTY = re.compile(r"^(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*?)\s*$")
_ACTION = re.compile(r"^(?P<name>.+?)\s+(?P<verb>connects|disconnects|sends:|receives:)\s*(?P<rest>.*?)\s*$")
_SEPARATOR = re.compile(r"^-{3,}\s*$")
_REFERENCE = re.compile(r"\$\{(?P<name>[^}]*?)'s (?P<what>full JID|JID)\}")
_ANY_REFERENCE = re.compile(r"\$\{[^}]*\}")
_WRAPPER_OPEN = f"<scansion-wrapper xmlns='{CLIENT_NS}' xmlns:scansion='{SCANSION_NS}'>"
_WRAPPER_CLOSE = "</scansion-wrapper>"


class ScriptError(ValueError):
    """A line outside the supported subset, or a script that cannot run; names file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")


class Action(str, Enum):
    CONNECTS = "connects"
    DISCONNECTS = "disconnects"
    SENDS = "sends"
    RECEIVES = "receives"
    RECEIVES_NOTHING = "receives nothing"


@dataclass(frozen=True)
class Character:
    """A client of the script. The password is never printed (repr leaves it out)."""

    name: str
    jid: str
    line: int
    password: str = field(default="", repr=False)
    resource: str = ""
    connect_host: str | None = None
    connect_port: int | None = None
    component: bool = False  # an external component (XEP-0114): `jid` its domain, `password` its secret

    @property
    def bare_jid(self) -> str:
        return self.jid.split("/", 1)[0]

    @property
    def login_jid(self) -> str:
        """The JID to log in with: the resource property wins over one written in the jid."""
        return f"{self.bare_jid}/{self.resource}" if self.resource else self.jid

    @property
    def username(self) -> str:
        return self.bare_jid.split("@", 1)[0] if "@" in self.bare_jid else ""

    @property
    def domain(self) -> str:
        return self.bare_jid.split("@", 1)[-1]


@dataclass(frozen=True)
class Step:
    character: str
    action: Action
    line: int  # of the action
    xml: str = ""  # the stanza as written, `${…}` references still in it
    xml_line: int = 0  # where the stanza starts

    def describe(self) -> str:
        return f"{self.character} {self.action.value}"


@dataclass(frozen=True)
class Script:
    path: Path
    title: str
    characters: dict[str, Character]
    steps: tuple[Step, ...]
    description: str = ""
    tags: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.title or self.path.stem


def load_script(path: Path) -> Script:
    """Read and check a script file (OSError when it cannot be read, ScriptError when it is wrong)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ScriptError(path, None, f"not UTF-8 text (byte {error.start})") from None
    return parse_script(text, path)


def parse_script(text: str, path: Path | str = "<script>") -> Script:
    return _Reader(text.splitlines(), Path(path)).read()


class _Reader:
    def __init__(self, lines: list[str], path: Path):
        self.lines = lines
        self.path = path
        self.index = 0
        self.title = ""
        self.description: list[str] = []
        self.tags: list[str] = []
        self.characters: dict[str, Character] = {}
        self.steps: list[Step] = []
        self.acting = False  # past the `---` line, or past the first action

    def error(self, line: int, message: str) -> ScriptError:
        return ScriptError(self.path, line, message)

    def read(self) -> Script:
        heading = True
        while self.index < len(self.lines):
            number, raw = self.index + 1, self.lines[self.index]
            stripped = raw.strip()
            self.index += 1
            if not stripped:
                continue
            if stripped.startswith("##"):
                self.tags.append(stripped.lstrip("#").strip())
                continue
            if stripped.startswith("#"):
                if heading:
                    words = stripped[1:].strip()
                    if not self.title:
                        self.title = words
                    else:
                        self.description.append(words)
                continue
            heading = False
            if raw[0].isspace():
                raise self.error(number, f"indented line outside a character or a stanza: {stripped[:60]!r}")
            if _SEPARATOR.match(stripped):
                self.acting = True
                continue
            if stripped.startswith("["):
                self.character(number, stripped)
                continue
            self.action(number, stripped)
        if not self.characters:
            raise self.error(1, "no characters: define one with `[Client] Name` and its jid and password")
        return Script(
            self.path, self.title, self.characters, tuple(self.steps), " ".join(self.description), tuple(self.tags)
        )

    def character(self, number: int, stripped: str) -> None:
        match = _CHARACTER.match(stripped)
        if match is None:
            raise self.error(number, f"not a character definition: {stripped[:60]!r}")
        kind, name = match["kind"], match["name"]
        if kind not in ("Client", "Component"):
            raise self.error(number, f"unknown character class [{kind}]: only [Client] and [Component] are supported")
        if self.acting:
            raise self.error(number, "characters are defined before the `---` line and the first action")
        if not name:
            raise self.error(number, "the character has no name: `[Client] Romeo`")
        if name in self.characters:
            raise self.error(number, f"{name} is defined twice (first on line {self.characters[name].line})")
        properties: dict[str, tuple[str, int]] = {}
        for line, text in self.indented():
            prop = _PROPERTY.match(text)
            if prop is None:
                raise self.error(line, f"not a `property: value` line of {name}: {text[:60]!r}")
            key = prop["key"]
            if key not in PROPERTIES:
                raise self.error(line, f"unknown property {key!r} of {name} (supported: {', '.join(PROPERTIES)})")
            properties[key] = (prop["value"], line)
        if "jid" not in properties:
            raise self.error(number, f"{name} has no jid: property")
        jid = properties["jid"][0]
        component = kind == "Component"
        if component and ("@" in jid or "/" in jid or "resource" in properties):
            raise self.error(
                properties["jid"][1], f"{name}'s jid {jid!r} is not a component's domain (svc.example.org)"
            )
        if not component and "@" not in jid.split("/", 1)[0]:
            raise self.error(properties["jid"][1], f"{name}'s jid {jid!r} is not an account JID (user@domain)")
        port: int | None = None
        if "connect_port" in properties:
            value, line = properties["connect_port"]
            if not value.isdigit() or not 0 < int(value) < 65536:
                raise self.error(line, f"connect_port {value!r} is not a port (1 to 65535)")
            port = int(value)
        self.characters[name] = Character(
            name,
            jid,
            number,
            password=properties.get("password", ("", 0))[0],
            resource=properties.get("resource", ("", 0))[0],
            connect_host=properties.get("connect_host", (None, 0))[0],
            connect_port=port,
            component=component,
        )

    def indented(self) -> list[tuple[int, str]]:
        """The indented property lines that follow, stripped, without blank and comment lines."""
        return [(line, raw.strip()) for line, raw in self.block() if raw.strip() and not raw.strip().startswith("#")]

    def action(self, number: int, stripped: str) -> None:
        match = _ACTION.match(stripped)
        if match is None:
            raise self.error(number, f"not part of the supported script subset: {stripped[:60]!r}")
        name, verb, rest = match["name"], match["verb"], match["rest"]
        if name not in self.characters:
            known = ", ".join(self.characters) or "none yet"
            raise self.error(number, f"no character named {name!r} (defined: {known})")
        self.acting = True
        if verb in ("connects", "disconnects"):
            if rest:
                raise self.error(number, f"unexpected words after {verb!r}: {rest[:40]!r}")
            self.steps.append(Step(name, Action(verb), number))
            return
        if verb == "receives:" and rest == "nothing":
            self.steps.append(Step(name, Action.RECEIVES_NOTHING, number))
            return
        if rest:
            raise self.error(number, f"the stanza goes on the indented lines below {verb!r}, not on the same line")
        block = self.block()
        if not block:
            raise self.error(number, f"{name} {verb} needs an indented stanza on the lines below")
        first_line = block[0][0]
        xml = "\n".join(text for _line, text in block)
        self.check_stanza(xml, first_line)
        action = Action.SENDS if verb == "sends:" else Action.RECEIVES
        self.steps.append(Step(name, action, number, xml, first_line))

    def block(self) -> list[tuple[int, str]]:
        """The indented stanza lines, with their line numbers; comments inside are XML's own."""
        found: list[tuple[int, str]] = []
        while self.index < len(self.lines):
            raw = self.lines[self.index]
            if raw.strip() and not raw[0].isspace():
                break
            self.index += 1
            found.append((self.index, raw))
        while found and not found[-1][1].strip():
            found.pop()
        while found and not found[0][1].strip():
            found.pop(0)
        return found

    def check_stanza(self, xml: str, first_line: int) -> None:
        for reference in _ANY_REFERENCE.finditer(xml):
            line = first_line + xml.count("\n", 0, reference.start())
            known = _REFERENCE.fullmatch(reference.group())
            if known is None:
                raise self.error(
                    line, f"{reference.group()} is not supported: use ${{Name's full JID}} or ${{Name's JID}}"
                )
            if known["name"] not in self.characters:
                raise self.error(line, f"{reference.group()}: no character named {known['name']!r}")
        sample = _REFERENCE.sub(lambda ref: f"{ref['name'].replace(' ', '_')}@example.org/r", xml)
        try:
            stanzas = parse_xml(sample)
        except ET.ParseError as error:
            line = max(first_line, first_line + error.position[0] - 2)  # the wrapper's own line comes first
            raise self.error(line, f"the stanza is not well-formed XML: {str(error).split(':')[0]}") from None
        if len(stanzas) != 1:
            raise self.error(first_line, f"one stanza per step, not {len(stanzas)}")


def parse_xml(text: str) -> list[ET.Element]:
    """The elements of `text`, unprefixed ones in jabber:client, `scansion:` declared (ParseError)."""
    wrapper = ET.fromstring(_WRAPPER_OPEN + "\n" + text + _WRAPPER_CLOSE)
    return list(wrapper)


def substitute(xml: str, jids: dict[str, tuple[str, str]]) -> str:
    """Replace `${Name's full JID}` and `${Name's JID}` with (full, bare) from `jids`."""

    def value(reference: re.Match[str]) -> str:
        full, bare = jids[reference["name"]]
        return escape(full if reference["what"] == "full JID" else bare, {'"': "&quot;", "'": "&apos;"})

    return _REFERENCE.sub(value, xml)


def references(xml: str) -> set[str]:
    """The characters a stanza refers to."""
    return {reference["name"] for reference in _REFERENCE.finditer(xml)}
