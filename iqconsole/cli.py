"""Command line: `iqconsole` (connect anywhere), `iqconsole sandbox` (demo), `iqconsole learn`
(lessons on the sandbox), `iqconsole respond` (headless responders), `iqconsole view` (a
recorded log), `iqconsole journal` (past sessions), `iqconsole locate`.

slixmpp and Textual are imported only by the commands that use them: `--version`, `--help` and
`locate` answer at once."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from iqconsole import __version__
from iqconsole.core import locations
from iqconsole.core.account_file import account_names
from iqconsole.core.sandbox_servers import SERVERS
from iqconsole.core.settings import (
    DEFAULT_REPLY_TIMEOUT,
    SECONDS_ALLOWED,
    SettingError,
    account_jid,
    address,
    certificate_file,
    host,
    nesting_depth,
    port,
    seconds,
    stanza_size,
)
from iqconsole.core.stream_reader import DEFAULT_MAX_DEPTH, DEFAULT_MAX_STANZA_BYTES, Limits
from iqconsole.core.terminal_safe import terminal_safe

if TYPE_CHECKING:
    from textual.app import App

    from iqconsole.core.account import Account
    from iqconsole.core.account_file import NamedAccount
    from iqconsole.core.config import Config
    from iqconsole.core.journal import JournalListing, PastSession
    from iqconsole.core.lessons import Lesson

EXIT_CRASHED = 1
EXIT_USAGE = 2
EXIT_SANDBOX = 3
EXIT_RESPONDERS = 3
EXIT_LINES_SKIPPED = 4  # `view` showed a file, but some of its lines could not be read

T = TypeVar("T")


def option(check: Callable[[Any], T]) -> Callable[[str], T]:
    """An argparse type from a settings check: a bad value ends with exit 2 and the check's words."""

    def convert(value: str) -> T:
        try:
            return check(value)
        except SettingError as error:
            raise argparse.ArgumentTypeError(error.field_message) from None

    convert.__name__ = check.__name__
    return convert


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iqconsole",
        description="An interactive terminal console for XMPP IQ stanzas.",
        epilog="Passwords are never taken as arguments: use --password-env NAME or the in-app prompt.",
    )
    parser.add_argument("--version", action="version", version=f"iqconsole {__version__}")
    _add_ui_options(parser)
    _add_connection_options(parser)
    _add_limit_options(parser)
    _add_accounts_options(parser)

    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # SUPPRESS: an option the command shares with `iqconsole` may come before the command too
    # (`iqconsole --theme x sandbox`); a default here would silently replace it.
    sandbox = commands.add_parser(
        "sandbox",
        help="start a throwaway local Prosody (or ejabberd) and open the console as alice",
        argument_default=argparse.SUPPRESS,
    )
    sandbox.add_argument(
        "--server",
        choices=tuple(SERVERS),
        default="prosody",
        help="which XMPP server to start (default: prosody)",
    )
    _add_ui_options(sandbox, var_dest="command_var")
    _add_limit_options(sandbox)
    sandbox.add_argument(
        "--accounts",
        type=option(account_names),
        metavar="NAMES",
        help="log in these sandbox accounts together, e.g. alice,bob (default: alice alone)",
    )
    learn = commands.add_parser(
        "learn",
        help="lessons on a throwaway local Prosody, each step checked on the live traffic",
        description="Open the console on the sandbox (as `iqconsole sandbox`) with a lessons pane: the built-in "
        "lessons and those of your lessons folder (`iqconsole locate`), or only those of DIR_OR_FILE. "
        "A broken lesson file given here is refused with its file and line (exit code 2).",
        argument_default=argparse.SUPPRESS,
    )
    learn.add_argument(
        "lessons",
        nargs="?",
        type=Path,
        default=None,  # else argparse hands its SUPPRESS marker to Path
        metavar="DIR_OR_FILE",
        help="your own lessons: a .toml file or a folder of them",
    )
    _add_ui_options(learn, var_dest="command_var")
    _add_limit_options(learn)
    respond = commands.add_parser(
        "respond",
        help="answer IQs with a responder file, without the UI (for a client's CI)",
        description="Log in and answer incoming IQ requests with the responders of FILE until interrupted. "
        "Exit codes: 0 stopped by Ctrl+C/SIGTERM, 2 bad arguments, 3 bad responder file, "
        "4 login failed, 5 connection lost for good (reconnect = false in the config, or a stream error not worth retrying).",
    )
    _add_connection_options(respond)
    _add_limit_options(respond)
    respond.add_argument("--responders", type=Path, metavar="FILE", required=True, help="the responder set (TOML)")
    respond.add_argument("--json", action="store_true", help="print JSON Lines instead of text")
    view = commands.add_parser(
        "view",
        help="open an exported log (JSON Lines) offline: list, detail, filter, search",
        description="Read a recorded log: nothing is sent, and the console's draft and history are left alone.",
        argument_default=argparse.SUPPRESS,
    )
    view.add_argument("file", type=Path, metavar="FILE.jsonl")
    _add_theme_option(view)
    journal = commands.add_parser(
        "journal",
        help="list the past sessions in the journal, or open one (by its number) offline",
        description="Without NUMBER: list the journaled sessions, newest first (number 1). "
        "With NUMBER: open that session as `iqconsole view` opens an export.",
        argument_default=argparse.SUPPRESS,
    )
    journal.add_argument(
        "number", type=int, nargs="?", default=None, metavar="NUMBER", help="the session to open, as listed"
    )
    _add_theme_option(journal)
    commands.add_parser("locate", help="print where iqconsole keeps its files")
    return parser


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jid", type=option(account_jid), help="the account to log in as, e.g. alice@example.org[/resource]"
    )
    parser.add_argument("--host", type=option(host), help="server host or IP (default: DNS SRV for the JID's domain)")
    parser.add_argument("--port", type=option(port), help="server port, 1 to 65535 (default 5222 with --host)")
    parser.add_argument("--password-env", metavar="NAME", help="read the password from environment variable NAME")
    parser.add_argument(
        "--ca-file", type=option(certificate_file), metavar="FILE", help="trust this CA or server certificate (PEM)"
    )
    parser.add_argument("--insecure", action="store_true", help="do not verify the server's TLS certificate")
    parser.add_argument("--direct-tls", action="store_true", help="use direct TLS (XEP-0368) instead of STARTTLS")


def _add_accounts_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accounts",
        type=option(account_names),
        metavar="NAMES",
        help="log in these accounts of the accounts file together, e.g. alice,bob (instead of --jid)",
    )
    parser.add_argument(
        "--accounts-file",
        type=Path,
        metavar="FILE",
        help="the accounts file (TOML) to read --accounts from (default: accounts in `iqconsole locate`)",
    )


def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-stanza-size",
        type=option(stanza_size),
        metavar="SIZE",
        help="skip stanzas from the server larger than this, 10KB to 1GB, such as 20MB "
        f"(default: max-stanza-size in the config file, else {DEFAULT_MAX_STANZA_BYTES // 1024**2}MB)",
    )
    parser.add_argument(
        "--max-depth",
        type=option(nesting_depth),
        metavar="LEVELS",
        help="skip stanzas from the server nested deeper than this, 8 to 256 "
        f"(default: max-depth in the config file, else {DEFAULT_MAX_DEPTH})",
    )


def _add_theme_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--theme", help="theme name (built-in: iqconsole-dark, iqconsole-light)")


def _add_ui_options(parser: argparse.ArgumentParser, var_dest: str = "var") -> None:
    """`var_dest`: a command's --var values go apart, to be added to those given before the command."""
    _add_theme_option(parser)
    parser.add_argument(
        "--timeout",
        type=option(seconds),
        metavar="SECONDS",
        help=f"how long an IQ waits for its reply: {SECONDS_ALLOWED} (default: timeout in the config file, else 30)",
    )
    parser.add_argument(
        "--var",
        action="append",
        dest=var_dest,
        metavar="NAME=VALUE",
        help="a ${NAME} for the composer and templates (repeatable; overrides [variables] of the config file)",
    )
    parser.add_argument("--responders", type=Path, metavar="FILE", help="load this responder set (TOML) at start")
    parser.add_argument(
        "--no-journal",
        action="store_true",
        help="do not journal this session's traffic (default: journal = true in the config file)",
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "locate":
        for name, path in locations.all_locations().items():
            print(f"{name:15} {path}")
        return 0
    _log_to_file()
    try:
        return _run_command(args)
    except UsageError as error:
        print(f"iqconsole: {error}", file=sys.stderr)
        return error.code
    except Exception as error:  # a bug: still a message and a non-zero exit, and the details in the log
        import logging

        logging.getLogger("iqconsole").exception("unexpected error")
        print(
            f"iqconsole: unexpected error: {error!r}; the traceback is in {locations.log_file()}",
            file=sys.stderr,
        )
        return EXIT_CRASHED


def _run_command(args: argparse.Namespace) -> int:
    """Everything the user gave is checked before anything starts (a server, the UI)."""
    _refuse_accounts_options(args)
    if args.command == "respond":
        config = _config()
        responders = _load_responders(args.responders, config)
        account = _account(args, reading_limits(args, config))
        if account is None:
            raise UsageError("respond needs --jid and --password-env")
        return run_respond(args, account, responders, connection_settings(config))
    if args.command in ("view", "journal", "sandbox", "learn"):
        _refuse_options(
            args,
            ("jid", *CONNECTION_OPTIONS, *(CONSOLE_OPTIONS if args.command not in ("sandbox", "learn") else ())),
            f"not used by `iqconsole {args.command}`",
            f"the options of `iqconsole {args.command} --help`",
        )
    settings = ui_settings(args)
    if args.command is None and (args.accounts or args.accounts_file):
        responders = _load_responders(args.responders, _config())
        return _run_app(None, settings, accounts=_named_accounts(args, settings.limits), responders=responders)
    if args.command == "view":
        return run_view(args.file, settings)
    if args.command == "journal":
        return run_journal(args, settings)
    lessons = _load_lessons(args.lessons) if args.command == "learn" else None
    responders = _load_responders(args.responders, _config())
    if args.command in ("sandbox", "learn"):
        server = args.server if args.command == "sandbox" else "prosody"  # the lessons are written for Prosody
        names = getattr(args, "accounts", None) if args.command == "sandbox" else None
        return run_sandbox(settings, responders, args.responders, server, lessons, names)
    return _run_app(_account(args, settings.limits), settings, responders=responders, responders_file=args.responders)


class UsageError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


def _load_responders(path: Path | None, config: Config):
    """The responder set of `path` (or none), answering the server's pushes as the config says."""
    from iqconsole.core.responder_files import load_responders
    from iqconsole.core.responders import ResponderError, ResponderSet

    try:
        responders = load_responders(path) if path is not None else ResponderSet()
    except ResponderError as error:
        raise UsageError(f"--responders {error}", EXIT_RESPONDERS) from None
    if config.server_pushes is not None:
        responders.server_pushes = config.server_pushes
    return responders


@dataclass(frozen=True)
class ConnectionSettings:
    """How a session stays connected (config file): XEP-0198 at login, reconnecting after a loss."""

    stream_management: bool = False
    reconnect: bool = True


def connection_settings(config: Config) -> ConnectionSettings:
    return ConnectionSettings(config.stream_management, config.reconnect)


def _load_lessons(source: Path | None) -> tuple[list[Lesson], list[str]]:
    """The lessons of `source` (every problem refuses them), else the built-in and the user's
    own (a broken file of the user's folder is skipped, and said in the app)."""
    from iqconsole.core.lessons import discover_lessons, load_lessons

    if source is None:
        return discover_lessons(locations.lessons_dir())
    if not source.exists():
        raise UsageError(f"learn: {source}: no such file or folder")
    lessons, problems = load_lessons([source])
    if problems:
        raise UsageError("learn: " + "\nlearn: ".join(problems))
    if not lessons:
        raise UsageError(f"learn: {source}: no lesson files (*.toml) in it")
    return lessons, problems


def _account(args: argparse.Namespace, limits: Limits) -> Account | None:
    from iqconsole.core.account import Account, Secret

    try:
        address(args.host, args.port)
    except SettingError as error:
        raise UsageError(str(error.at("--port"))) from None
    if not args.jid:
        _refuse_options(
            args, CONNECTION_OPTIONS, "given without --jid", "it together with --jid, or neither (the app asks)"
        )
        return None
    password = ""
    if args.password_env:
        if args.password_env not in os.environ:
            problem = SettingError(
                f"{args.password_env} is not set",
                where="--password-env",
                allowed="the name of an environment variable that holds the password",
            )
            raise UsageError(str(problem))
        password = os.environ[args.password_env]
    elif args.command == "respond":
        raise UsageError("respond needs --password-env NAME (there is no prompt without the UI)")
    return Account(
        args.jid,
        Secret(password),
        host=args.host,
        port=args.port,
        ca_file=args.ca_file,
        insecure=args.insecure,
        direct_tls=args.direct_tls,
        limits=limits,
    )


CONNECTION_OPTIONS = ("host", "port", "password_env", "ca_file", "insecure", "direct_tls")
CONSOLE_OPTIONS = ("timeout", "var", "responders", "no_journal")  # the live console's: not in `view`, `journal`


def _var_options(args: argparse.Namespace) -> list[str]:
    """--var given before the command, then those given after it (later ones win)."""
    return [*(getattr(args, "var", None) or []), *(getattr(args, "command_var", None) or [])]


def _refuse_options(args: argparse.Namespace, names: tuple[str, ...], problem: str, allowed: str) -> None:
    """An option that would be silently ignored is an error, like a bad value."""
    for name in names:
        if getattr(args, name, None):
            option = "--" + name.replace("_", "-")
            raise UsageError(str(SettingError(problem, where=option, allowed=allowed)))


def run_respond(args: argparse.Namespace, account: Account, responders, connection: ConnectionSettings) -> int:
    import asyncio
    import json

    from iqconsole.core.line_output import LineOutput
    from iqconsole.core.respond import Handled, respond

    def dropped_line(count: int) -> str:
        if args.json:
            return json.dumps({"dropped": count})
        return f"({count} report lines dropped: the output was not read fast enough)"

    output = LineOutput(sys.stdout.fileno(), dropped_line)
    # "online as …" and why it stopped: queued too, so a full stderr pipe never stops the answering either
    notices = LineOutput(sys.stderr.fileno(), lambda count: f"iqconsole respond: ({count} messages dropped)")

    def report(handled: Handled) -> None:
        """Queued, never printed here: a full stdout pipe must not stop the answering."""
        fields = handled.as_dict()
        if args.json:
            output.write(json.dumps(fields))
            return
        outcome = handled.reply + (f" {handled.condition}" if handled.condition else "")
        delay = f" after {handled.delay_ms} ms" if handled.delay_ms else ""
        output.write(
            f"{fields['time']} {handled.type} {handled.namespace or '-'} id={handled.stanza_id} from={handled.sender} "
            f"-> {handled.responder or '(unmatched)'}: {outcome}{delay}"
        )

    try:
        return asyncio.run(
            respond(
                account,
                responders,
                report,
                ready=lambda message: notices.write(f"iqconsole respond: {message}"),
                stream_management=connection.stream_management,
                reconnect=connection.reconnect,
            )
        )
    finally:
        output.close()
        notices.close()


def run_view(path: Path, settings: UiSettings, session: PastSession | None = None) -> int:
    """Open an export, or all the files of a journaled session."""
    from iqconsole.core.file_problems import reason
    from iqconsole.core.journal import load_session
    from iqconsole.core.traffic_export import TrafficFileError, load_store
    from iqconsole.ui.viewer_app import TrafficViewerApp

    try:
        loaded = load_store(path) if session is None else load_session(session)
    except OSError as error:
        print(f"iqconsole view: {error.filename or path}: {reason(error, 'a recording')}", file=sys.stderr)
        return EXIT_USAGE
    except TrafficFileError as error:
        print(f"iqconsole view: {error}", file=sys.stderr)
        return EXIT_USAGE
    for problem in loaded.skipped:
        print(f"iqconsole view: skipped {problem}", file=sys.stderr)
    app = TrafficViewerApp(
        loaded.store, path, theme_name=settings.theme, skipped=loaded.skipped, keymap=settings.keymap
    )
    outcome = _run_until_quit(app)
    return outcome or (EXIT_LINES_SKIPPED if loaded.skipped else 0)


def run_journal(args: argparse.Namespace, settings: UiSettings) -> int:
    """The listing (headless), or the session numbered `args.number` in the viewer."""
    from iqconsole.core.journal import JournalFolderError, past_sessions

    folder = locations.journal_dir()
    try:
        listing = past_sessions(folder)
    except JournalFolderError as error:
        print(f"iqconsole journal: {terminal_safe(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    for problem in listing.unreadable:
        print(f"iqconsole journal: {terminal_safe(problem)} (skipped)", file=sys.stderr)
    sessions = listing.sessions
    number = args.number
    if number is None:
        _print_listing(listing, folder)
        return EXIT_USAGE if listing.unreadable else 0
    if not 1 <= number <= len(sessions):
        problem = f"there is no session {number}" + ("" if sessions else f" (no past sessions in {folder})")
        allowed = f"a number from 1 to {len(sessions)}" if sessions else ""
        raise UsageError(str(SettingError(problem, where="journal", allowed=allowed)))
    session = sessions[number - 1]
    return run_view(session.files[0], settings, session)


def _print_listing(listing: JournalListing, folder: Path) -> None:
    from iqconsole.core.traffic_summary import size_label

    if not listing.sessions:
        print(f"No past sessions in {folder}.")
    else:
        print(f"{'#':>3}  {'started':19}  {'account':30}  {'server':24}  {'stanzas':>8}  {'size':>8}  file")
    for index, session in enumerate(listing.sessions, start=1):
        print(
            f"{index:>3}  {session.when:19}  {terminal_safe(session.account):30}  "
            f"{terminal_safe(session.server):24}  {session.stanzas:>8,}  {size_label(session.size):>8}  "
            f"{session.files[0]}"
        )
    others = listing.not_journals
    if others:
        files = (
            "1 file in the folder is not a journal"
            if len(others) == 1
            else f"{len(others)} files in the folder are not journals"
        )
        print(terminal_safe(f"{files}: {', '.join(others)}"))


def run_sandbox(
    settings: UiSettings,
    responders,
    responders_file: Path | None,
    server: str = "prosody",
    lessons: tuple[list[Lesson], list[str]] | None = None,
    names: list[str] | None = None,
) -> int:
    """The console as alice on a throwaway `server` (prosody or ejabberd), with bob's demo client;
    with `lessons` (and the problems of the files that could not be read), the lessons pane too;
    with `names`, those accounts logged in together (each registered on the sandbox)."""
    from iqconsole.core.account import Account, Secret
    from iqconsole.core.demo_peer import run_demo_peer
    from iqconsole.core.sandbox import SandboxError
    from iqconsole.core.sandbox_servers import make_sandbox

    try:
        sandbox = make_sandbox(server, dict.fromkeys(("alice", "bob", *(names or ())))).start()
    except SandboxError as error:
        print(f"iqconsole sandbox: {error}", file=sys.stderr)
        return EXIT_SANDBOX
    # A terminal closing or a kill still stops the server (the finally below runs).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda received, _frame: sys.exit(128 + received))
    try:
        (alice,) = sandbox_accounts(sandbox, ["alice"], settings.limits)
        account = alice.account
        bob = sandbox.account("bob")
        peer = Account(
            f"{bob.jid}/demo", Secret(bob.password), host=sandbox.host, port=sandbox.port, ca_file=sandbox.ca_file
        )
        greeting = (
            f"Sandbox {server} on {sandbox.host}:{sandbox.port}. You are {account.jid}; "
            f"{peer.jid} answers ping, version, time and disco#info."
        )
        extras: dict[str, Any] = {}
        if lessons is not None:
            extras = {"lessons": lessons[0], "problems": tuple(lessons[1]), "bob": peer.jid}
        if names:
            extras = {"accounts": sandbox_accounts(sandbox, names, settings.limits)}
            greeting = (
                f"Sandbox {server} on {sandbox.host}:{sandbox.port}: {', '.join(names)} logged in, each as "
                f"NAME@{sandbox.domain}/console; {peer.jid} answers ping, version, time and disco#info."
            )
        return _run_app(
            account,
            settings,
            responders=responders,
            responders_file=responders_file,
            companions=(lambda: run_demo_peer(peer),),
            greeting=greeting,
            sandbox=sandbox,
            **extras,
        )
    finally:
        sandbox.stop()


def sandbox_accounts(sandbox, names: list[str], limits: Limits) -> list[NamedAccount]:
    """The sandbox's accounts `names`, as the console logs them in together."""
    from iqconsole.core.account import Account, Secret
    from iqconsole.core.account_file import NamedAccount

    accounts = []
    for name in names:
        user = sandbox.account(name)
        account = Account(
            f"{user.jid}/console",
            Secret(user.password),
            host=sandbox.host,
            port=sandbox.port,
            ca_file=sandbox.ca_file,
            limits=limits,
        )
        accounts.append(NamedAccount(name, account))
    return accounts


def _refuse_accounts_options(args: argparse.Namespace) -> None:
    """Several accounts are for the console and the sandbox; the sandbox has its own accounts."""
    if args.command is None:
        return
    if args.command == "sandbox" and any(name != name.lower() for name in args.accounts or ()):
        problem = SettingError(
            f"{','.join(args.accounts)} has capitals", where="--accounts", allowed="lower-case names"
        )
        raise UsageError(str(problem))
    names = ("accounts_file",) if args.command == "sandbox" else ("accounts", "accounts_file")
    _refuse_options(
        args, names, f"not used by `iqconsole {args.command}`", f"the options of `iqconsole {args.command} --help`"
    )


def _named_accounts(args: argparse.Namespace, limits: Limits) -> list[NamedAccount]:
    """`--accounts` of the accounts file, checked like the options (exit 2 naming the file and key)."""
    from iqconsole.core.account_file import load_accounts

    if args.jid:
        _refuse_options(args, ("jid",), "given with --accounts", "--jid for one account, or --accounts NAMES")
    _refuse_options(args, CONNECTION_OPTIONS, "given with --accounts", "these settings in the accounts file")
    if not args.accounts:
        raise UsageError(
            str(SettingError("given without --accounts", where="--accounts-file", allowed="--accounts NAMES too"))
        )
    try:
        return load_accounts(args.accounts_file or locations.accounts_file(), args.accounts, limits)
    except SettingError as error:
        raise UsageError(str(error)) from None


@dataclass(frozen=True)
class UiSettings:
    """What the app takes from the options and the config file (options win)."""

    timeout: float = DEFAULT_REPLY_TIMEOUT
    variables: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    journal: bool = True
    connection: ConnectionSettings = field(default_factory=ConnectionSettings)


def ui_settings(args: argparse.Namespace) -> UiSettings:
    """Options first, then the config file; any bad value there is a UsageError naming it."""
    from iqconsole.core.config import parse_var_options
    from iqconsole.ui.keymap import check_keymap
    from iqconsole.ui.themes import known_theme

    config = _config()
    try:
        check_keymap(config.keymap, str(locations.config_file()))
        variables = {**config.variables, **parse_var_options(_var_options(args))}
        theme = args.theme or config.theme
        if theme is not None:
            try:
                known_theme(theme)
            except SettingError as error:
                raise (error.at("--theme") if args.theme else error.at(locations.config_file(), key="theme")) from None
    except SettingError as error:
        raise UsageError(str(error)) from None
    return UiSettings(
        timeout=getattr(args, "timeout", None) or config.timeout or DEFAULT_REPLY_TIMEOUT,
        variables=variables,
        theme=theme,
        keymap=config.keymap,
        limits=reading_limits(args, config),
        journal=config.journal and not getattr(args, "no_journal", False),
        connection=connection_settings(config),
    )


def _config() -> Config:
    from iqconsole.core.config import load_config

    try:
        return load_config(locations.config_file())
    except SettingError as error:
        raise UsageError(str(error)) from None


def reading_limits(args: argparse.Namespace, config: Config) -> Limits:
    """What one stanza from the server may be: the options, else the config file, else the defaults."""
    return Limits(
        max_stanza_bytes=getattr(args, "max_stanza_size", None) or config.max_stanza_size or DEFAULT_MAX_STANZA_BYTES,
        max_depth=getattr(args, "max_depth", None) or config.max_depth or DEFAULT_MAX_DEPTH,
    )


def _run_app(account: Account | None, settings: UiSettings, **extras: Any) -> int:
    """The console; with `lessons` among the extras, the one of `iqconsole learn`."""
    from iqconsole.core.reconnect import Backoff
    from iqconsole.ui.app import IqConsoleApp
    from iqconsole.ui.lessons.learn_app import LearnApp
    from iqconsole.ui.multi_account_app import MultiAccountApp

    accounts = extras.pop("accounts", None)
    app_class: Any = MultiAccountApp if accounts else LearnApp if "lessons" in extras else IqConsoleApp
    app = app_class(
        accounts or account,
        theme_name=settings.theme,
        reply_timeout=settings.timeout,
        variables=settings.variables,
        keymap=settings.keymap,
        limits=settings.limits,
        journal_folder=locations.journal_dir() if settings.journal else None,
        stream_management=settings.connection.stream_management,
        reconnect=Backoff() if settings.connection.reconnect else None,
        **extras,
    )
    return _run_until_quit(app)


def _run_until_quit(app: App[None]) -> int:
    """Run a Textual app; an error that stopped it is said once more after its traceback, and is exit 1."""
    app.run()
    if app.return_code:
        print(
            f"iqconsole: stopped by an unexpected error (above); library warnings are in {locations.log_file()}",
            file=sys.stderr,
        )
        return EXIT_CRASHED
    return 0


def _log_to_file() -> None:
    """Library warnings go to a file, never to the terminal under the UI (and never DEBUG,
    which would log credentials)."""
    import logging

    from iqconsole.core import locations
    from iqconsole.core.private_files import append_privately

    path = locations.log_file()
    append_privately(path, "")  # created private before logging opens it
    logging.basicConfig(filename=path, level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")


if __name__ == "__main__":
    sys.exit(main())
