"""Command line: `iqconsole` (connect anywhere), `iqconsole sandbox` (demo), `iqconsole learn`
(lessons on the sandbox), `iqconsole respond` (headless responders), `iqconsole send` (scripted
sends), `iqconsole view` (a recorded log), `iqconsole journal` (past sessions), `iqconsole serve`
(a classroom in the browser), `iqconsole script` (conversation scripts), `iqconsole locate`.

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
    component_domain,
    host,
    nesting_depth,
    port,
    seconds,
    stanza_size,
    whole_number,
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
EXIT_SERVE = 3  # `serve` could not listen on its address
MAX_SEATS = 200
EXIT_SCRIPT_FAILED = 4  # `script`: at least one script failed

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
    sandbox.add_argument(
        "--component",
        dest="as_component",
        action="store_true",
        help="open the console as the sandbox's external component (svc.localhost, XEP-0114) instead of alice",
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
    _add_send_parser(commands)
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
    _add_serve_commands(commands)
    _add_script_parser(commands)
    return parser


def _add_serve_commands(commands: Any) -> None:
    """`serve`, and `_seat` (not listed): the command textual-serve starts for each browser tab."""
    serve = commands.add_parser(
        "serve",
        help="a classroom in the browser: one sandbox server, a console (own account) per browser tab",
        description="Start a throwaway Prosody with the accounts seat1…seatN and bob's demo client, and serve the "
        "console to web browsers: every tab that opens http://HOST:PORT/ gets its own console logged in as the next "
        "free seat (/learn: with the lessons); /teacher lists the seats. Ctrl+C stops the server and every console.",
    )
    serve.add_argument(
        "--host",
        dest="serve_host",
        metavar="HOST",
        type=option(host),
        default="127.0.0.1",
        help="the address to listen on (default 127.0.0.1: this computer only; another address is warned about)",
    )
    serve.add_argument(
        "--port", dest="serve_port", metavar="PORT", type=option(port), default=8000, help="the port (default 8000)"
    )
    serve.add_argument(
        "--seats",
        type=option(whole_number(1, MAX_SEATS)),
        metavar="N",
        default=8,
        help=f"how many learners at once, 1 to {MAX_SEATS} (default 8)",
    )
    seat = commands.add_parser("_seat")
    seat.add_argument("folder", type=Path)
    seat.add_argument("--learn", action="store_true")
    for parser in (serve, seat):
        parser.add_argument(
            "--responders",
            dest="seat_responders",
            type=Path,
            metavar="FILE",
            help="every seat's console starts with this responder set (TOML)",
        )


def _add_script_parser(commands: Any) -> None:
    script = commands.add_parser(
        "script",
        help="run conversation scripts (Scansion format) against a server or a throwaway sandbox",
        description="Run each FILE's characters, sends and receives; report each step with its time and, "
        "when a stanza differs, both stanzas with the first mismatch pointed at. A character's password "
        "comes from IQCONSOLE_PASSWORD_<NAME> (e.g. IQCONSOLE_PASSWORD_ROMEO), else from the file. "
        f"Exit codes: 0 every script passed, 2 bad arguments or a script outside the supported subset "
        f"(nothing was run), {EXIT_SANDBOX} the sandbox could not start, {EXIT_SCRIPT_FAILED} a script failed.",
        argument_default=argparse.SUPPRESS,  # --host, --timeout, … may also come before `script`
    )
    script.add_argument("files", nargs="+", type=Path, metavar="FILE", help="a script (.scs)")
    script.add_argument(
        "--sandbox", action="store_true", help="run each script on a fresh local Prosody with every character's account"
    )
    script.add_argument("--junit", type=Path, metavar="FILE", help="also write the results as JUnit XML")
    script.add_argument("--host", type=option(host), help="server host or IP for characters without connect_host")
    script.add_argument("--port", type=option(port), help="server port for characters without connect_port")
    _add_tls_options(script)
    script.add_argument(
        "--timeout",
        type=option(seconds),
        metavar="SECONDS",
        default=None,
        help="how long a `receives` waits for its stanza (default 10)",
    )
    script.add_argument(
        "--quiet-time",
        type=option(seconds),
        metavar="SECONDS",
        default=None,
        help="how long `receives: nothing` listens (default 0.5)",
    )


def _add_tls_options(parser: argparse.ArgumentParser) -> None:
    """How the server's certificate is trusted: the console's, respond's, send's and script's options."""
    parser.add_argument(
        "--ca-file", type=option(certificate_file), metavar="FILE", help="trust this CA or server certificate (PEM)"
    )
    parser.add_argument("--insecure", action="store_true", help="do not verify the server's TLS certificate")
    parser.add_argument("--direct-tls", action="store_true", help="use direct TLS (XEP-0368) instead of STARTTLS")


def _add_connection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--jid", type=option(account_jid), help="the account to log in as, e.g. alice@example.org[/resource]"
    )
    parser.add_argument("--host", type=option(host), help="server host or IP (default: DNS SRV for the JID's domain)")
    parser.add_argument("--port", type=option(port), help="server port, 1 to 65535 (default 5222 with --host)")
    parser.add_argument("--password-env", metavar="NAME", help="read the password from environment variable NAME")
    _add_tls_options(parser)
    parser.add_argument(
        "--component",
        type=option(component_domain),
        metavar="DOMAIN",
        help="connect as this external component (XEP-0114) instead of an account: with --host, --port "
        f"(default {COMPONENT_PORT}) and --secret-env",
    )
    parser.add_argument(
        "--secret-env", metavar="NAME", help="read the component's shared secret from environment variable NAME"
    )


COMPONENT_PORT = 5347  # the port XEP-0114 names for components


SEND_EXIT_CODES = """exit codes:
  0  every IQ got a result and every expectation held
  1  an error reply, or an expectation that did not hold
  2  bad arguments, file, template or XML (nothing was sent)
  4  login failed
  5  connection lost
  6  an IQ got no reply within the timeout
  130 interrupted (Ctrl+C, SIGTERM)
When several happen, the code is the gravest: 5, then 6, then 1."""


def _add_send_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = commands.add_parser(
        "send",
        help="send stanzas from a file, standard input or a template, wait for each IQ's reply (a curl for XMPP)",
        description="Log in (as an account or a component), send the stanzas of FILE (several may follow\n"
        "one another), of standard input or of a template, in order: each IQ get/set waits for its\n"
        "reply before the next stanza goes. They are checked as the composer checks them (${variables}\n"
        "filled in; errors refuse them all, warnings are said). Replies go to standard output\n"
        "(highlighted on a terminal), what happened to standard error; --json prints one JSON object\n"
        "per stanza instead. A lost connection is not retried.",
        epilog=SEND_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("file", nargs="?", metavar="FILE", help="the stanzas (XML); - or none: standard input")
    send.add_argument("--template", metavar="NAME", help="send this built-in or user template instead of FILE")
    send.add_argument(
        "--var",
        action="append",
        dest="command_var",
        metavar="NAME=VALUE",
        help="a ${NAME} for the stanzas (repeatable; overrides [variables] of the config file; peer=JID sets ${peer})",
    )
    send.add_argument(
        "--expect",
        action="append",
        metavar="XPATH",
        help="each reply must contain this (repeatable): ElementTree's XPath subset, first step the stanza, "
        "unprefixed names in jabber:client, others as {namespace}name; steps name, *, ., //, ..; predicates "
        "[@attr], [@attr='value'], [name], [name='text'], [N], [last()]. "
        "Example: \"iq[@type='result']/{jabber:iq:version}query\"",
    )
    send.add_argument(
        "--timeout",
        type=option(seconds),
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help=f"how long each IQ waits for its reply: {SECONDS_ALLOWED} (default: timeout in the config file, else 30)",
    )
    send.add_argument("--json", action="store_true", help="print JSON Lines: request, reply, outcome, round trip…")
    _add_connection_options(send)
    _add_limit_options(send)


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
    if args.command == "script":
        return run_scripts(args)
    if args.command == "send":
        return run_send(args)
    if args.command in ("serve", "_seat"):
        _refuse_unused(
            args, ("jid", "component", "secret_env", *CONNECTION_OPTIONS, *CONSOLE_OPTIONS, *READING_OPTIONS)
        )
        return run_serve(args) if args.command == "serve" else run_seat(args)
    if args.command == "respond":
        config = _config()
        responders = _load_responders(args.responders, config)
        account = _account(args, reading_limits(args, config))
        if account is None:
            raise UsageError("respond needs --jid and --password-env, or --component and --secret-env")
        return run_respond(args, account, responders, connection_settings(config))
    if args.command in ("view", "journal", "sandbox", "learn"):
        _refuse_unused(
            args,
            (
                "jid",
                "component",
                "secret_env",
                *CONNECTION_OPTIONS,
                *(CONSOLE_OPTIONS if args.command not in ("sandbox", "learn") else ()),
            ),
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
        as_component = getattr(args, "as_component", False)
        if as_component and server != "prosody":
            raise UsageError(
                str(
                    SettingError(
                        f"not offered by the {server} sandbox", where="--component", allowed="--server prosody"
                    )
                )
            )
        names = getattr(args, "accounts", None) if args.command == "sandbox" else None
        return run_sandbox(settings, responders, args.responders, server, lessons, as_component, names)
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
    if args.component:
        return _component_account(args, limits)
    _refuse_options(args, ("secret_env",), "given without --component", "it together with --component")
    if not args.jid:
        _refuse_options(
            args, CONNECTION_OPTIONS, "given without --jid", "it together with --jid, or neither (the app asks)"
        )
        return None
    password = ""
    if args.password_env:
        password = _environment_secret(args.password_env, "--password-env", "the password")
    elif args.command in ("respond", "send"):
        raise UsageError(f"{args.command} needs --password-env NAME (there is no prompt without the UI)")
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


def _environment_secret(name: str, option_name: str, what: str) -> str:
    if name not in os.environ:
        problem = SettingError(
            f"{name} is not set", where=option_name, allowed=f"the name of an environment variable that holds {what}"
        )
        raise UsageError(str(problem))
    return os.environ[name]


def _component_account(args: argparse.Namespace, limits: Limits) -> Account:
    """An external component: the server's component port in plain TCP, a shared secret."""
    from iqconsole.core.account import Account, Secret

    _refuse_options(
        args,
        ("jid", "password_env", "ca_file", "insecure", "direct_tls"),
        "not used with --component (a component connects in plain TCP with a shared secret)",
        "--component DOMAIN --host HOST --port PORT --secret-env NAME",
    )
    if not args.host:
        raise UsageError(
            str(
                SettingError(
                    "a component needs the server's host (there is no DNS lookup for components)",
                    where="--component",
                    allowed="--component DOMAIN --host HOST --port PORT --secret-env NAME",
                )
            )
        )
    if not args.secret_env:
        raise UsageError("--component needs --secret-env NAME: the shared secret is never taken as an argument")
    secret = _environment_secret(args.secret_env, "--secret-env", "the component's shared secret")
    return Account(
        args.component, Secret(secret), host=args.host, port=args.port or COMPONENT_PORT, limits=limits, component=True
    )


CONNECTION_OPTIONS = ("host", "port", "password_env", "ca_file", "insecure", "direct_tls")
CONSOLE_OPTIONS = ("timeout", "var", "responders", "no_journal")  # the live console's: not in `view`, `journal`
READING_OPTIONS = ("theme", "max_stanza_size", "max_depth")  # not given to `serve` (its seats read the config)
SCRIPT_UNUSED = ("jid", "password_env", "theme", "var", "responders", "no_journal", "max_stanza_size", "max_depth")


def _var_options(args: argparse.Namespace) -> list[str]:
    """--var given before the command, then those given after it (later ones win)."""
    return [*(getattr(args, "var", None) or []), *(getattr(args, "command_var", None) or [])]


def _refuse_options(args: argparse.Namespace, names: tuple[str, ...], problem: str, allowed: str) -> None:
    """An option that would be silently ignored is an error, like a bad value."""
    for name in names:
        if getattr(args, name, None):
            option = "--" + name.replace("_", "-")
            raise UsageError(str(SettingError(problem, where=option, allowed=allowed)))


def _refuse_unused(args: argparse.Namespace, names: tuple[str, ...]) -> None:
    """Options `args.command` does not take (given before it, where argparse accepts them): an error."""
    _refuse_options(
        args, names, f"not used by `iqconsole {args.command}`", f"the options of `iqconsole {args.command} --help`"
    )


def run_respond(args: argparse.Namespace, account: Account, responders, connection: ConnectionSettings) -> int:
    import asyncio
    import json

    from iqconsole.core.line_output import LineOutput
    from iqconsole.core.respond import Handled, report_line, respond

    def dropped_line(count: int) -> str:
        if args.json:
            return json.dumps({"dropped": count})
        return f"({count} report lines dropped: the output was not read fast enough)"

    output = LineOutput(sys.stdout.fileno(), dropped_line)
    # "online as …" and why it stopped: queued too, so a full stderr pipe never stops the answering either
    notices = LineOutput(sys.stderr.fileno(), lambda count: f"iqconsole respond: ({count} messages dropped)")

    def report(handled: Handled) -> None:
        """Queued, never printed here: a full stdout pipe must not stop the answering."""
        output.write(report_line(handled, args.json))

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


def run_scripts(args: argparse.Namespace) -> int:
    """`iqconsole script`: every file is read and checked before the first one runs."""
    import asyncio

    from iqconsole.core.file_problems import reason
    from iqconsole.core.sandbox import SandboxError
    from iqconsole.core.scansion.report import script_summary, step_lines, summary, write_junit
    from iqconsole.core.scansion.run import DEFAULT_QUIET_TIME, DEFAULT_RECEIVE_TIMEOUT, ServerAddress
    from iqconsole.core.scansion.script import ScriptError, load_script
    from iqconsole.core.scansion.suite import Listener, check_runnable, run_suite

    _refuse_unused(args, SCRIPT_UNUSED)
    sandbox = getattr(args, "sandbox", False)
    if sandbox:
        _refuse_options(args, CONNECTION_OPTIONS, "not used with --sandbox", "--sandbox alone")
    scripts = []
    try:
        for path in args.files:
            try:
                scripts.append(load_script(path))
            except OSError as error:
                raise UsageError(f"script: {path}: {reason(error, 'a script')}") from None
        check_runnable(scripts, sandbox=sandbox)
    except ScriptError as error:
        raise UsageError(f"script: {terminal_safe(str(error))}") from None

    def say(*lines: str) -> None:
        for line in lines:
            print(terminal_safe(line), flush=True)

    listener = Listener(
        script_started=lambda script: say(f"{script.name} ({script.path})"),
        step_done=lambda result: say(*step_lines(result)),
        script_done=lambda result: say(script_summary(result)),
    )
    address = None if sandbox else ServerAddress(args.host, args.port, args.ca_file, args.insecure, args.direct_tls)
    try:
        results, took = asyncio.run(
            run_suite(
                scripts,
                address,
                listener,
                receive_timeout=args.timeout or DEFAULT_RECEIVE_TIMEOUT,
                quiet_time=getattr(args, "quiet_time", None) or DEFAULT_QUIET_TIME,
            )
        )
    except SandboxError as error:
        print(f"iqconsole script: {error}", file=sys.stderr)
        return EXIT_SANDBOX
    except ScriptError as error:
        raise UsageError(f"script: {terminal_safe(str(error))}") from None
    say(summary(results, took))
    if getattr(args, "junit", None) is not None:
        write_junit(args.junit, results, took)
    return 0 if all(result.passed for result in results) else EXIT_SCRIPT_FAILED


def run_send(args: argparse.Namespace) -> int:
    """Everything is read and checked before the login: bad input never reaches the server."""
    import asyncio
    import json

    from iqconsole.core.client import ConnectionState
    from iqconsole.core.config import ConfigError, parse_var_options
    from iqconsole.core.headless import EXIT_INTERRUPTED, run_online
    from iqconsole.core.scripted_send import Exchange, Expectation, send_in_order
    from iqconsole.core.session import Session
    from iqconsole.core.stanza_xpath import XPathError
    from iqconsole.core.traffic import TrafficStore
    from iqconsole.core.validation import Checked, Context, check

    _refuse_unused(args, ("theme", "responders", "no_journal"))  # the console's own, given before the command
    config = _config()
    account = _account(args, reading_limits(args, config))
    if account is None:
        raise UsageError("send needs --jid and --password-env, or --component and --secret-env")
    try:
        variables = {**config.variables, **parse_var_options(_var_options(args))}
        expectations = [Expectation(xpath) for xpath in args.expect or []]
    except ConfigError as error:
        raise UsageError(str(error)) from None
    except XPathError as error:
        raise UsageError(f"--expect: {error}") from None
    text = _text_to_send(args)

    def say(message: str) -> None:
        print(f"iqconsole send: {terminal_safe(message)}", file=sys.stderr, flush=True)

    def checked_for(own_jid: str) -> Checked:
        checked = check(text, Context(own_jid, extra=variables))
        if checked.errors:
            raise UsageError("not sent: " + "; ".join(str(problem) for problem in checked.errors))
        return checked

    for warning in checked_for(account.jid).warnings:
        say(f"warning: {warning}")
    highlight = sys.stdout.isatty()

    def report(exchange: Exchange) -> None:
        if args.json:
            _print_to_reader(json.dumps(exchange.as_dict()))
            return
        outcome = exchange.outcome
        say(outcome.describe() if outcome is not None else f"sent {exchange.request[:100]}")
        for xpath in exchange.failed:
            say(f"expectation failed: {xpath}")
        if outcome is not None and outcome.reply is not None:
            _print_to_reader(_shown_xml(outcome.reply.xml, highlight))

    timeout = getattr(args, "timeout", None) or config.timeout or DEFAULT_REPLY_TIMEOUT
    session = Session(account, TrafficStore(capacity=1000), reply_timeout=timeout)
    session.state_changed.subscribe(
        lambda change: say(change.message) if change.state is ConnectionState.DISCONNECTED else None
    )

    async def send_all() -> int:
        stanzas = checked_for(session.own_jid).stanzas  # ${jid} is the bound JID now
        return await send_in_order(session, stanzas, expectations, report)

    return asyncio.run(run_online(session, send_all, say, interrupted=EXIT_INTERRUPTED))


def _print_to_reader(line: str) -> None:
    """A reader that stopped reading (`| head -1`) ends the output, not the sends or their exit code."""
    try:
        print(line, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's own flush at exit stays quiet


def _text_to_send(args: argparse.Namespace) -> str:
    """The stanzas of FILE, of standard input or of --template NAME, as text."""
    from iqconsole.core.file_problems import reason
    from iqconsole.core.templates import discover_templates

    if args.template is not None:
        if args.file is not None:
            raise UsageError(str(SettingError("given with FILE", where="--template", allowed="FILE or --template")))
        templates, problems = discover_templates(locations.templates_dir())
        broken = next((problem for problem in problems if f"/{args.template}.xml: " in problem), None)
        if broken is not None and args.template not in templates:
            raise UsageError(f"--template: {broken}")
        if args.template not in templates:
            allowed = "a template name: " + ", ".join(templates)
            raise UsageError(str(SettingError(f"no template {args.template!r}", where="--template", allowed=allowed)))
        return templates[args.template].body
    if args.file in (None, "-"):
        if args.file is None and sys.stdin.isatty():
            raise UsageError("nothing to send: give FILE, - for standard input, or --template NAME")
        return sys.stdin.read()
    try:
        return Path(args.file).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise UsageError(f"{args.file}: {reason(error, 'a file of stanzas')}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{args.file}: not UTF-8 text") from None


def _shown_xml(xml: str, highlight: bool) -> str:
    """A reply for standard output: indented; on a terminal, coloured and made safe to show."""
    from iqconsole.core.pretty import pretty_xml

    text = pretty_xml(xml, shorten=False)
    if not highlight:
        return text
    from pygments import highlight as colour
    from pygments.formatters import TerminalFormatter
    from pygments.lexers.html import XmlLexer

    return colour(terminal_safe(text), XmlLexer(), TerminalFormatter()).rstrip("\n")


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
    as_component: bool = False,
    names: list[str] | None = None,
) -> int:
    """The console as alice on a throwaway `server` (prosody or ejabberd), with bob's demo client;
    with `lessons` (and the problems of the files that could not be read), the lessons pane too;
    `as_component`: as the sandbox's external component instead of alice; with `names`, those
    accounts logged in together (each registered on the sandbox)."""
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
        if as_component:
            account = Account(
                sandbox.component_domain,
                Secret(sandbox.component_secret),
                host=sandbox.host,
                port=sandbox.component_port,
                limits=settings.limits,
                component=True,
            )
            greeting = (
                f"Sandbox {server} on {sandbox.host}:{sandbox.port}. You are the component {account.jid} "
                f"(port {sandbox.component_port}): send from any JID @{account.jid}; "
                f"{peer.jid} answers ping, version, time and disco#info."
            )
        extras = _lessons_extras(lessons, peer.jid)
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


def run_serve(args: argparse.Namespace) -> int:
    """The classroom: the sandbox server and bob here, a console per browser tab (`run_seat`)."""
    from iqconsole.core.classroom import BOB, Classroom, seat_names
    from iqconsole.core.demo_peer import run_demo_peer
    from iqconsole.core.sandbox import ProsodySandbox, SandboxError
    from iqconsole.ui.classroom.classroom_server import ClassroomServer, is_loopback

    ui_settings(args)  # a broken config file or responder set is said here, not in every tab
    responders = args.seat_responders.resolve() if args.seat_responders is not None else None
    _load_responders(responders, _config())
    if not is_loopback(args.serve_host):
        print(
            f"iqconsole serve: WARNING: listening on {args.serve_host}, not only on this computer: anyone who can "
            "reach this address gets a console logged in to the class's server, without a password, running as "
            "your user (it can connect to other servers, and save and open files: exports, responder sets). "
            "Use it only on a network you trust, for the time of the class, ideally as a user of its own.",
            file=sys.stderr,
        )
    try:
        sandbox = ProsodySandbox([*seat_names(args.seats), BOB]).start()
    except SandboxError as error:
        print(f"iqconsole serve: {error}", file=sys.stderr)
        return EXIT_SANDBOX
    try:
        classroom = Classroom.open(sandbox, args.seats)
        server = ClassroomServer(
            classroom,
            lambda: run_demo_peer(classroom.account(BOB)),
            seat_options=["--responders", str(responders)] if responders is not None else [],
            host=args.serve_host,
            port=args.serve_port,
            announce=lambda text: print(f"iqconsole serve: {text}", flush=True),
        )
        try:
            server.run()
        except OSError as error:
            print(f"iqconsole serve: cannot listen on {args.serve_host}:{args.serve_port}: {error}", file=sys.stderr)
            return EXIT_SERVE
        return 0
    finally:
        sandbox.stop()


def run_seat(args: argparse.Namespace) -> int:
    """One browser tab's console: the first free seat of the classroom in `args.folder`, with its
    own data and state folders (draft, history, lesson progress), the teacher's config otherwise."""
    from dataclasses import replace

    from iqconsole.core.classroom import BOB, ClassroomError, claim_seat, die_with_serve, open_classroom
    from iqconsole.ui.classroom.no_seat_app import NoSeatApp

    settings = replace(ui_settings(args), journal=False)
    lessons = _load_lessons(None) if args.learn else None
    responders = _load_responders(args.seat_responders, _config())
    try:
        classroom = open_classroom(args.folder)
        die_with_serve(classroom)
        seat = claim_seat(classroom)
    except ClassroomError as error:
        _run_until_quit(NoSeatApp(str(error)))
        return EXIT_USAGE
    own = classroom.seat_folder(seat.name)
    os.environ["XDG_DATA_HOME"] = str(own / "data")
    os.environ["XDG_STATE_HOME"] = str(own / "state")
    account = classroom.account(seat.name, settings.limits)
    bob = classroom.account(BOB).jid
    last = classroom.account(classroom.seats[-1]).jid
    greeting = (
        f"Classroom seat {seat.number} of {len(classroom.seats)}: you are {account.jid}. Your classmates are "
        f"{classroom.account(classroom.seats[0]).jid} to {last}; {bob} answers ping, version, time and disco#info."
    )
    extras = _lessons_extras(lessons, bob)
    return _run_app(
        account, settings, greeting=greeting, responders=responders, responders_file=args.seat_responders, **extras
    )


def _lessons_extras(lessons: tuple[list[Lesson], list[str]] | None, bob: str) -> dict[str, Any]:
    """What the lessons pane takes (`LearnApp`), with the problems of the lesson files not read; none without lessons."""
    return {} if lessons is None else {"lessons": lessons[0], "problems": tuple(lessons[1]), "bob": bob}


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
    _refuse_unused(args, names)


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
