"""Run a script: one Session per character, the steps in order, stopping at the first that fails.

Each character's Session answers nothing by itself (no initial presence, no reply to the
server's requests or pushes): like Scansion's own client, the script says everything that is
sent. What comes in waits in the character's inbox, in order, for the next `receives`.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from slixmpp.stanza import Iq

from iqconsole.core.account import Account, Secret, password_variable
from iqconsole.core.client import ConnectionFailure, ConnectionState, StateChange
from iqconsole.core.protocol import STANZA_KINDS
from iqconsole.core.responders import Answer, ResponderSet
from iqconsole.core.scansion.match import mismatch
from iqconsole.core.scansion.script import Action, Character, Script, ScriptError, Step, parse_xml, substitute
from iqconsole.core.scansion.xml_lines import xml_lines
from iqconsole.core.session import Session
from iqconsole.core.stanza import StanzaError, prepare
from iqconsole.core.traffic import Direction, TrafficStore

DEFAULT_RECEIVE_TIMEOUT = 10.0
DEFAULT_QUIET_TIME = 0.5  # how long `receives: nothing` listens


def passwords(script: Script, environment: Mapping[str, str] | None = None, *, required: bool = True) -> dict[str, str]:
    """Each character's password: its environment variable, else the file's `password:`.
    ScriptError (at the character's line) when neither gives one and one is `required`."""
    environment = os.environ if environment is None else environment
    found: dict[str, str] = {}
    for name, character in script.characters.items():
        password = environment.get(password_variable(name), character.password)
        if not password and required:
            raise ScriptError(
                script.path,
                character.line,
                f"{name} has no password: give `password:` or set {password_variable(name)}",
            )
        found[name] = password
    return found


@dataclass(frozen=True)
class ServerAddress:
    """How characters reach the server when the script's connect_host/connect_port do not say."""

    host: str | None = None
    port: int | None = None
    ca_file: Path | None = None
    insecure: bool = False
    direct_tls: bool = False
    overrides_script: bool = False  # a sandbox: the script's connect_host/connect_port do not apply
    component_port: int | None = None  # where [Component] characters connect (XEP-0114)


@dataclass(frozen=True)
class StepResult:
    step: Step
    passed: bool
    seconds: float
    problem: str = ""
    details: tuple[str, ...] = ()  # the expected and received stanzas, the mismatch pointed at


@dataclass
class ScriptResult:
    script: Script
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(step.passed for step in self.steps) and len(self.steps) == len(self.script.steps)

    @property
    def failure(self) -> StepResult | None:
        return next((step for step in self.steps if not step.passed), None)


class StepFailed(Exception):
    def __init__(self, problem: str, details: list[str] | None = None):
        super().__init__(problem)
        self.problem = problem
        self.details = tuple(details or ())


class _Silent(ResponderSet):
    """Takes every request so that nothing answers it behind the script's back."""

    def answer(self, iq: Iq) -> Answer | None:
        return Answer(None, None) if iq.xml.get("type") in ("get", "set") else None


class _Actor:
    """A character on the stage: its Session and the stanzas that came in, not yet read."""

    def __init__(self, character: Character, account: Account, mirror: TrafficStore | None):
        self.character = character
        self.mirror = mirror
        self.store = TrafficStore(capacity=10_000)
        self.session = Session(account, self.store, _Silent(), automatic_presence=False)
        # (the stanza as it came, the same with its secrets hidden when it carried any: for showing)
        self.inbox: deque[tuple[ET.Element, ET.Element | None]] = deque()
        self.arrived = asyncio.Event()
        self.full_jid = ""
        self.lost = ""
        self._next_seq = 0
        self.store.changed.subscribe(self._collect)
        self.session.state_changed.subscribe(self._state_changed)

    def _collect(self, _: None) -> None:
        while self._next_seq < self.store.total:
            entry = self.store.by_seq(self._next_seq)
            self._next_seq += 1
            if entry is None or entry.kind not in STANZA_KINDS:
                continue
            if self.mirror is not None:
                self.mirror.append_copy(entry)
            if entry.direction is not Direction.IN:
                continue
            if not self.session.online:  # the login's own replies (bind, session) are not the script's
                continue
            original = self.store.secret_of(entry) or entry.xml
            try:
                self.inbox.append((parse_xml(original)[0], parse_xml(entry.xml)[0] if entry.redacted else None))
            except (ET.ParseError, IndexError):
                continue
            self.arrived.set()

    def _state_changed(self, change: StateChange) -> None:
        if change.state is ConnectionState.DISCONNECTED:
            self.lost = change.message or "disconnected"
            self.arrived.set()

    async def next_stanza(self, timeout: float) -> tuple[ET.Element, ET.Element | None] | None:
        deadline = time.monotonic() + timeout
        while not self.inbox:
            if self.lost:
                raise StepFailed(f"{self.character.name} is not connected ({self.lost}): nothing more can arrive")
            if not self.session.online:
                raise StepFailed(f"{self.character.name} has not connected: nothing can arrive")
            self.arrived.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except TimeoutError:
                return None
        return self.inbox.popleft()


class ScriptRun:
    """One script against one server; `on_step` hears each step as it ends."""

    def __init__(
        self,
        script: Script,
        passwords: dict[str, str],
        address: ServerAddress,
        *,
        receive_timeout: float = DEFAULT_RECEIVE_TIMEOUT,
        quiet_time: float = DEFAULT_QUIET_TIME,
        on_step: Callable[[StepResult], None] = lambda _result: None,
        mirror: TrafficStore | None = None,
    ):
        """`mirror`: a store that also receives every character's stanzas, in and out (to show them)."""
        self.script = script
        self.address = address
        self.receive_timeout = receive_timeout
        self.quiet_time = quiet_time
        self.on_step = on_step
        self.result = ScriptResult(script)
        self.actors = {
            name: _Actor(character, self._account(character, passwords[name]), mirror)
            for name, character in script.characters.items()
        }

    def _account(self, character: Character, password: str) -> Account:
        address = self.address
        use_script = not address.overrides_script
        default_port = address.component_port if character.component else address.port
        return Account(
            character.login_jid,
            Secret(password),
            host=(character.connect_host if use_script else None) or address.host,
            port=(character.connect_port if use_script else None) or default_port,
            ca_file=address.ca_file,
            insecure=address.insecure,
            direct_tls=address.direct_tls,
            component=character.component,
        )

    @property
    def done(self) -> bool:
        """Every step ran, or one failed (a script stops at its first failure)."""
        steps = self.result.steps
        return len(steps) == len(self.script.steps) or (bool(steps) and not steps[-1].passed)

    async def step(self) -> StepResult:
        """Perform the next step (only while not `done`); the sessions stay open for the next."""
        step = self.script.steps[len(self.result.steps)]
        started = time.monotonic()
        try:
            await self._perform(step)
        except StepFailed as failed:
            outcome = StepResult(step, False, time.monotonic() - started, failed.problem, failed.details)
        else:
            outcome = StepResult(step, True, time.monotonic() - started)
        self.result.steps.append(outcome)
        self.result.seconds += outcome.seconds
        self.on_step(outcome)
        return outcome

    async def run(self) -> ScriptResult:
        """Every step up to the first failure, then the characters leave."""
        started = time.monotonic()
        try:
            while not self.done:
                await self.step()
        finally:
            await self.close()
            self.result.seconds = time.monotonic() - started
        return self.result

    async def close(self) -> None:
        for actor in self.actors.values():
            await actor.session.close()

    async def _perform(self, step: Step) -> None:
        actor = self.actors[step.character]
        if step.action is Action.CONNECTS:
            await self._connect(actor)
        elif step.action is Action.DISCONNECTS:
            await actor.session.close()
            actor.lost = "disconnected by the script"
        elif step.action is Action.SENDS:
            self._send(actor, step)
        elif step.action is Action.RECEIVES:
            await self._receive(actor, step)
        else:
            await self._receive_nothing(actor)

    async def _connect(self, actor: _Actor) -> None:
        actor.lost = ""
        actor.inbox.clear()
        try:
            await actor.session.open()
        except ConnectionFailure as failure:
            actor.lost = str(failure)
            raise StepFailed(
                f"{actor.character.name} could not log in as {actor.character.login_jid}: {failure}"
            ) from None
        actor.full_jid = actor.session.own_jid

    def _stanza_text(self, step: Step) -> str:
        jids: dict[str, tuple[str, str]] = {}
        for name, actor in self.actors.items():
            jids[name] = (actor.full_jid or actor.character.bare_jid, actor.character.bare_jid)
        for name in _full_references(step.xml):
            if not self.actors[name].full_jid:
                raise StepFailed(f"${{{name}'s full JID}} is not known: {name} has not connected yet")
        return substitute(step.xml, jids)

    def _send(self, actor: _Actor, step: Step) -> None:
        text = self._stanza_text(step)
        try:
            for outgoing in prepare(text):
                actor.session.send(outgoing, timeout=self.receive_timeout * 3)
        except StanzaError as error:
            raise StepFailed(f"{actor.character.name} could not send: {error}") from None

    async def _receive(self, actor: _Actor, step: Step) -> None:
        expected = parse_xml(self._stanza_text(step))[0]
        arrived = await actor.next_stanza(self.receive_timeout)
        if arrived is None:
            raise StepFailed(
                f"{actor.character.name} received nothing within {self.receive_timeout:g} s",
                ["expected:", *_indented(xml_lines(expected))],
            )
        received, hidden = arrived
        different = mismatch(expected, received)
        if different is None:
            return
        received_lines = xml_lines(hidden) if hidden is not None else xml_lines(received, different.received)
        raise StepFailed(
            f"{actor.character.name} received a different stanza: at {different.path}: {different.reason}",
            [
                f"expected (line {step.xml_line}):",
                *_indented(xml_lines(expected, different.expected)),
                "received:",
                *_indented(received_lines),
            ],
        )

    async def _receive_nothing(self, actor: _Actor) -> None:
        if actor.lost and not actor.inbox:
            return
        try:
            arrived = await actor.next_stanza(self.quiet_time)
        except StepFailed:
            return  # not connected: indeed nothing comes
        if arrived is not None:
            received, hidden = arrived
            shown = xml_lines(hidden if hidden is not None else received)
            raise StepFailed(
                f"{actor.character.name} received a stanza, expected nothing", ["received:", *_indented(shown)]
            )


def _full_references(xml: str) -> set[str]:
    return {match[1] for match in re.finditer(r"\$\{([^}]*?)'s full JID\}", xml)}


def _indented(lines: list[str]) -> list[str]:
    return ["  " + line for line in lines]
