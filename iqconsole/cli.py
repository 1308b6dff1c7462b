"""Command line: `iqconsole` (connect anywhere), `iqconsole sandbox` (demo), `iqconsole locate`."""

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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iqconsole",
        description="An interactive terminal console for XMPP IQ stanzas.",
        epilog="Passwords are never taken as arguments: use --password-env NAME or the in-app prompt.",
    )
    parser.add_argument("--version", action="version", version=f"iqconsole {__version__}")
    _add_ui_options(parser)
    parser.add_argument("--jid", help="the account to log in as, e.g. alice@example.org[/resource]")
    parser.add_argument("--host", help="server host or IP (default: DNS SRV for the JID's domain)")
    parser.add_argument("--port", type=int, help="server port (default 5222 with --host)")
    parser.add_argument("--password-env", metavar="NAME", help="read the password from environment variable NAME")
    parser.add_argument("--ca-file", type=Path, metavar="FILE", help="trust this CA or server certificate (PEM)")
    parser.add_argument("--insecure", action="store_true", help="do not verify the server's TLS certificate")
    parser.add_argument("--direct-tls", action="store_true", help="use direct TLS (XEP-0368) instead of STARTTLS")

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sandbox = commands.add_parser("sandbox", help="start a throwaway local Prosody and open the console as alice")
    _add_ui_options(sandbox)
    commands.add_parser("locate", help="print where iqconsole keeps its files")
    return parser


def _add_ui_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", help="theme name (built-in: iqconsole-dark, iqconsole-light)")
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_REPLY_TIMEOUT, help="seconds to wait for an IQ reply (default 30)"
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "locate":
        for name, path in locations.all_locations().items():
            print(f"{name:15} {path}")
        return 0
    _log_to_file()
    if args.command == "sandbox":
        return run_sandbox(args)
    return run_console(args)


def run_console(args: argparse.Namespace) -> int:
    account = None
    if args.jid:
        password = ""
        if args.password_env:
            if args.password_env not in os.environ:
                print(f"iqconsole: environment variable {args.password_env} is not set", file=sys.stderr)
                return EXIT_USAGE
            password = os.environ[args.password_env]
        if args.ca_file is not None and not args.ca_file.is_file():
            print(f"iqconsole: --ca-file {args.ca_file}: no such file", file=sys.stderr)
            return EXIT_USAGE
        account = Account(
            args.jid,
            Secret(password),
            host=args.host,
            port=args.port,
            ca_file=args.ca_file,
            insecure=args.insecure,
            direct_tls=args.direct_tls,
        )
    _run_app(account, args)
    return 0


def run_sandbox(args: argparse.Namespace) -> int:
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
        peer = Account(f"{bob.jid}/demo", Secret(bob.password), host=sandbox.host, port=sandbox.port, ca_file=sandbox.ca_file)
        greeting = (
            f"Sandbox server on {sandbox.host}:{sandbox.port}. You are {account.jid}; "
            f"{peer.jid} answers ping, version, time and disco#info. Ctrl+J sends, F1 explains."
        )
        _run_app(account, args, companions=(lambda: run_demo_peer(peer),), greeting=greeting)
    finally:
        sandbox.stop()
    return 0


def _run_app(account: Account | None, args: argparse.Namespace, **extras) -> None:
    from iqconsole.ui.app import IqConsoleApp

    IqConsoleApp(account, theme_name=args.theme, reply_timeout=args.timeout, **extras).run()


def _log_to_file() -> None:
    """Library warnings go to a file, never to the terminal under the UI (and never DEBUG,
    which would log credentials)."""
    path = locations.log_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=path, level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")


if __name__ == "__main__":
    sys.exit(main())
