"""Command line: `iqconsole` (connect anywhere), `iqconsole sandbox` (demo), `iqconsole respond`
(headless responders), `iqconsole view` (a recorded log), `iqconsole locate`."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from iqconsole import __version__
from iqconsole.core import locations
from iqconsole.core.account import Account, Secret
from iqconsole.core.client import DEFAULT_REPLY_TIMEOUT

EXIT_USAGE = 2
EXIT_SANDBOX = 3
EXIT_RESPONDERS = 3
EXIT_LINES_SKIPPED = 4  # `view` showed a file, but some of its lines could not be read


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iqconsole",
        description="An interactive terminal console for XMPP IQ stanzas.",
        epilog="Passwords are never taken as arguments: use --password-env NAME or the in-app prompt.",
    )
    parser.add_argument("--version", action="version", version=f"iqconsole {__version__}")
    _add_ui_options(parser)
    _add_connection_options(parser)

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sandbox = commands.add_parser("sandbox", help="start a throwaway local Prosody and open the console as alice")
    _add_ui_options(sandbox)
    respond = commands.add_parser(
        "respond",
        help="answer IQs with a responder file, without the UI (for a client's CI)",
        description="Log in and answer incoming IQ requests with the responders of FILE until interrupted. "
        "Exit codes: 0 stopped by Ctrl+C/SIGTERM, 2 bad arguments, 3 bad responder file, "
        "4 login failed, 5 connection lost.",
    )
    _add_connection_options(respond)
    respond.add_argument("--responders", type=Path, metavar="FILE", required=True, help="the responder set (TOML)")
    respond.add_argument("--json", action="store_true", help="print JSON Lines instead of text")
    view = commands.add_parser("view", help="open an exported log (JSON Lines) offline: list, detail, filter, search")
    view.add_argument("file", type=Path, metavar="FILE.jsonl")
    _add_ui_options(view)
    commands.add_parser("locate", help="print where iqconsole keeps its files")
    return parser


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jid", help="the account to log in as, e.g. alice@example.org[/resource]")
    parser.add_argument("--host", help="server host or IP (default: DNS SRV for the JID's domain)")
    parser.add_argument("--port", type=int, help="server port (default 5222 with --host)")
    parser.add_argument("--password-env", metavar="NAME", help="read the password from environment variable NAME")
    parser.add_argument("--ca-file", type=Path, metavar="FILE", help="trust this CA or server certificate (PEM)")
    parser.add_argument("--insecure", action="store_true", help="do not verify the server's TLS certificate")
    parser.add_argument("--direct-tls", action="store_true", help="use direct TLS (XEP-0368) instead of STARTTLS")


def _add_ui_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", help="theme name (built-in: iqconsole-dark, iqconsole-light)")
    parser.add_argument(
        "--timeout", type=float, help="seconds to wait for an IQ reply (default: timeout in the config file, else 30)"
    )
    parser.add_argument(
        "--var",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a ${NAME} for the composer and templates (repeatable; overrides [variables] of the config file)",
    )
    parser.add_argument("--responders", type=Path, metavar="FILE", help="load this responder set (TOML) at start")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "locate":
        for name, path in locations.all_locations().items():
            print(f"{name:15} {path}")
        return 0
    _log_to_file()
    if args.command == "view":
        return run_view(args)
    try:
        responders = _load_responders(args.responders)
        if args.command == "sandbox":
            return run_sandbox(args, responders)
        account = _account(args)
        if args.command == "respond":
            return run_respond(args, account, responders)
    except UsageError as error:
        print(f"iqconsole: {error}", file=sys.stderr)
        return error.code
    try:
        _run_app(account, args, responders=responders, responders_file=args.responders)
    except UsageError as error:
        print(f"iqconsole: {error}", file=sys.stderr)
        return error.code
    return 0


class UsageError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def _load_responders(path: Path | None):
    from iqconsole.core.responder_files import load_responders
    from iqconsole.core.responders import ResponderError, ResponderSet

    if path is None:
        return ResponderSet()
    try:
        return load_responders(path)
    except ResponderError as error:
        raise UsageError(f"--responders {error}", EXIT_RESPONDERS) from None


def _account(args: argparse.Namespace) -> Account | None:
    if not args.jid:
        if args.command == "respond":
            raise UsageError("respond needs --jid and --password-env")
        return None
    password = ""
    if args.password_env:
        if args.password_env not in os.environ:
            raise UsageError(f"environment variable {args.password_env} is not set")
        password = os.environ[args.password_env]
    elif args.command == "respond":
        raise UsageError("respond needs --password-env NAME (there is no prompt without the UI)")
    if args.ca_file is not None and not args.ca_file.is_file():
        raise UsageError(f"--ca-file {args.ca_file}: no such file")
    return Account(
        args.jid,
        Secret(password),
        host=args.host,
        port=args.port,
        ca_file=args.ca_file,
        insecure=args.insecure,
        direct_tls=args.direct_tls,
    )


def run_respond(args: argparse.Namespace, account: Account, responders) -> int:
    import asyncio
    import json

    from iqconsole.core.respond import Handled, respond

    def report(handled: Handled) -> None:
        if args.json:
            print(json.dumps(handled.as_dict()), flush=True)
            return
        fields = handled.as_dict()
        outcome = handled.reply + (f" {handled.condition}" if handled.condition else "")
        delay = f" after {handled.delay_ms} ms" if handled.delay_ms else ""
        print(
            f"{fields['time']} {handled.type} {handled.namespace or '-'} id={handled.stanza_id} from={handled.sender} "
            f"-> {handled.responder or '(unmatched)'}: {outcome}{delay}",
            flush=True,
        )

    return asyncio.run(
        respond(
            account,
            responders,
            report,
            ready=lambda message: print(f"iqconsole respond: {message}", file=sys.stderr, flush=True),
        )
    )


def run_view(args: argparse.Namespace) -> int:
    from iqconsole.core.traffic_export import TrafficFileError, load_store

    try:
        loaded = load_store(args.file)
    except (OSError, TrafficFileError) as error:
        print(f"iqconsole view: {error}", file=sys.stderr)
        return EXIT_USAGE
    for problem in loaded.skipped:
        print(f"iqconsole view: skipped {problem}", file=sys.stderr)
    greeting = f"{len(loaded.store):,} stanzas from {args.file}"
    if loaded.skipped:
        first = loaded.skipped[0]
        greeting += f"; {len(loaded.skipped):,} line(s) skipped, the first: line {first.line}: {first.message}"
    _run_app(None, args, store=loaded.store, viewer=True, connect_on_start=False, greeting=greeting)
    return EXIT_LINES_SKIPPED if loaded.skipped else 0


def run_sandbox(args: argparse.Namespace, responders) -> int:
    from iqconsole.core.demo_peer import run_demo_peer
    from iqconsole.core.sandbox import ProsodySandbox, SandboxError

    try:
        sandbox = ProsodySandbox(("alice", "bob")).start()
    except SandboxError as error:
        print(f"iqconsole sandbox: {error}", file=sys.stderr)
        return EXIT_SANDBOX
    # A terminal closing or a kill still stops the server (the finally below runs).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda received, _frame: sys.exit(128 + received))
    try:
        alice = sandbox.account("alice")
        account = Account(
            f"{alice.jid}/console",
            Secret(alice.password),
            host=sandbox.host,
            port=sandbox.port,
            ca_file=sandbox.ca_file,
        )
        bob = sandbox.account("bob")
        peer = Account(
            f"{bob.jid}/demo", Secret(bob.password), host=sandbox.host, port=sandbox.port, ca_file=sandbox.ca_file
        )
        greeting = (
            f"Sandbox server on {sandbox.host}:{sandbox.port}. You are {account.jid}; "
            f"{peer.jid} answers ping, version, time and disco#info. Ctrl+J sends, F1 explains."
        )
        _run_app(
            account,
            args,
            responders=responders,
            responders_file=args.responders,
            companions=(lambda: run_demo_peer(peer),),
            greeting=greeting,
        )
    except UsageError as error:
        print(f"iqconsole: {error}", file=sys.stderr)
        return error.code
    finally:
        sandbox.stop()
    return 0


def ui_settings(args: argparse.Namespace) -> tuple[float, dict[str, str]]:
    """The reply timeout and the user's variables: options first, then the config file."""
    from iqconsole.core.config import ConfigError, load_config, parse_var_options

    try:
        config = load_config(locations.config_file())
        variables = {**config.variables, **parse_var_options(args.var)}
    except ConfigError as error:
        raise UsageError(str(error)) from None
    timeout = args.timeout or config.timeout or DEFAULT_REPLY_TIMEOUT
    return timeout, variables


def _run_app(account: Account | None, args: argparse.Namespace, **extras) -> None:
    from iqconsole.ui.app import IqConsoleApp

    timeout, variables = ui_settings(args)
    IqConsoleApp(account, theme_name=args.theme, reply_timeout=timeout, variables=variables, **extras).run()


def _log_to_file() -> None:
    """Library warnings go to a file, never to the terminal under the UI (and never DEBUG,
    which would log credentials)."""
    path = locations.log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=path, level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")


if __name__ == "__main__":
    sys.exit(main())
