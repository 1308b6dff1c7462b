"""Several scripts in a row, against a server or each against its own throwaway Prosody with
every character's account registered (`--sandbox`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from iqconsole.core.account import Account
from iqconsole.core.sandbox import ProsodySandbox
from iqconsole.core.scansion.run import ScriptResult, ScriptRun, ServerAddress, StepResult, passwords
from iqconsole.core.scansion.script import Script, ScriptError, load_script
from iqconsole.core.traffic import TrafficStore


@dataclass(frozen=True)
class Listener:
    """What a front end hears: a script starts, a step ends, a script ends."""

    script_started: Callable[[Script], None] = lambda _script: None
    step_done: Callable[[StepResult], None] = lambda _result: None
    script_done: Callable[[ScriptResult], None] = lambda _result: None


def sandbox_domain(script: Script) -> str:
    """The one domain of a script's clients: the sandbox serves it (ScriptError if several)."""
    domains = {character.domain for character in script.characters.values() if not character.component}
    if not domains:
        raise ScriptError(script.path, None, "--sandbox needs at least one [Client] (its domain is the sandbox's)")
    if len(domains) != 1:
        raise ScriptError(
            script.path, None, f"--sandbox serves one domain, and the characters use {', '.join(sorted(domains))}"
        )
    return domains.pop()


def check_runnable(scripts: list[Script], *, sandbox: bool) -> None:
    """Everything that can be known before connecting: passwords (unless the sandbox makes
    them), one domain per script for the sandbox."""
    for script in scripts:
        if sandbox:
            sandbox_domain(script)
            continue
        passwords(script)
        for character in script.characters.values():
            if character.component and character.connect_port is None:
                problem = f"{character.name} needs connect_port: the server's component port"
                raise ScriptError(script.path, character.line, problem)


async def run_suite(
    scripts: list[Script],
    address: ServerAddress | None,
    listener: Listener,
    *,
    receive_timeout: float,
    quiet_time: float,
) -> tuple[list[ScriptResult], float]:
    """Run every script (address None: each on a fresh sandbox); the results and the total time."""
    started = time.monotonic()
    results = []
    for script in scripts:
        listener.script_started(script)
        if address is None:
            result = await _on_sandbox(script, listener, receive_timeout, quiet_time)
        else:
            run = ScriptRun(
                script,
                passwords(script),
                address,
                receive_timeout=receive_timeout,
                quiet_time=quiet_time,
                on_step=listener.step_done,
            )
            result = await run.run()
        listener.script_done(result)
        results.append(result)
    return results, time.monotonic() - started


def register_characters(script: Script, server: ProsodySandbox) -> dict[str, str]:
    """Each character's password on `server`: an account it has already keeps its password (the
    console's own, a demo peer's), a missing one is made with the script's password or a new one.
    ScriptError when the script's domain is not the server's, or a name is not a valid username."""
    domain = sandbox_domain(script)
    if domain != server.domain:
        raise ScriptError(script.path, None, f"the characters are on {domain}, the sandbox serves {server.domain}")
    given = passwords(script, required=False)
    found: dict[str, str] = {}
    for name, character in script.characters.items():
        if character.component:
            if character.jid != server.component_domain:
                problem = f"{name} is {character.jid}, the sandbox's component is {server.component_domain}"
                raise ScriptError(script.path, character.line, problem)
            found[name] = server.component_secret
            continue
        existing = server.accounts.get(character.username.lower())
        try:
            account = existing or server.add_account(character.username, given[name] or None)
        except ValueError as error:
            raise ScriptError(script.path, character.line, str(error)) from None
        found[name] = account.password
    return found


async def _on_sandbox(script: Script, listener: Listener, receive_timeout: float, quiet_time: float) -> ScriptResult:
    """A fresh Prosody (SandboxError when it cannot start) with an account per character, made
    before it starts so that every character may also create nodes on its pubsub service."""
    server = ProsodySandbox((), domain=sandbox_domain(script))
    try:
        secrets = register_characters(script, server)
    except ScriptError:
        server.stop()
        raise
    with server:
        run = ScriptRun(
            script,
            secrets,
            sandbox_address(server),
            receive_timeout=receive_timeout,
            quiet_time=quiet_time,
            on_step=listener.step_done,
        )
        return await run.run()


def sandbox_address(server: ProsodySandbox) -> ServerAddress:
    return ServerAddress(
        server.host, server.port, server.ca_file, overrides_script=True, component_port=server.component_port
    )


def console_run(
    path: Path, mirror: TrafficStore, *, sandbox: ProsodySandbox | None, account: Account | None
) -> ScriptRun:
    """A script to step through in the console: on its sandbox (missing accounts made there),
    else on the console account's server (passwords from the environment or the file).
    OSError when the file cannot be read, ScriptError when the script cannot run."""
    script = load_script(path)
    if sandbox is not None:
        secrets = register_characters(script, sandbox)
        address = sandbox_address(sandbox)
    else:
        secrets = passwords(script)
        address = ServerAddress()
        if account is not None:
            address = ServerAddress(account.host, account.port, account.ca_file, account.insecure, account.direct_tls)
    return ScriptRun(script, secrets, address, mirror=mirror)
