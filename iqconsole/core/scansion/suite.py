"""Several scripts in a row, against a server or each against its own throwaway Prosody with
every character's account registered (`--sandbox`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from iqconsole.core.sandbox import ProsodySandbox
from iqconsole.core.scansion.run import ScriptResult, ScriptRun, ServerAddress, StepResult, passwords
from iqconsole.core.scansion.script import Script, ScriptError


@dataclass(frozen=True)
class Listener:
    """What a front end hears: a script starts, a step ends, a script ends."""

    script_started: Callable[[Script], None] = lambda _script: None
    step_done: Callable[[StepResult], None] = lambda _result: None
    script_done: Callable[[ScriptResult], None] = lambda _result: None


def sandbox_domain(script: Script) -> str:
    """The one domain of a script's characters: the sandbox serves it (ScriptError if several)."""
    domains = {character.domain for character in script.characters.values()}
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
        else:
            passwords(script)


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


async def _on_sandbox(script: Script, listener: Listener, receive_timeout: float, quiet_time: float) -> ScriptResult:
    """A fresh Prosody (SandboxError when it cannot start) with an account per character, made
    before it starts so that every character may also create nodes on its pubsub service."""
    given = passwords(script, required=False)
    server = ProsodySandbox((), domain=sandbox_domain(script))
    registered: dict[str, str] = {}
    try:
        for name, character in script.characters.items():
            if character.username not in registered:
                registered[character.username] = server.add_account(character.username, given[name] or None).password
    except ValueError as error:
        server.stop()
        raise ScriptError(script.path, script.characters[name].line, str(error)) from None
    with server:
        secrets = {name: registered[character.username] for name, character in script.characters.items()}
        address = ServerAddress(server.host, server.port, server.ca_file, overrides_script=True)
        run = ScriptRun(
            script, secrets, address, receive_timeout=receive_timeout, quiet_time=quiet_time, on_step=listener.step_done
        )
        return await run.run()
