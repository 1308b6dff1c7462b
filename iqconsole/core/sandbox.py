"""A throwaway Prosody on loopback, for the demo (`iqconsole sandbox`), the tests and the benchmarks.

Everything lives in one temporary directory (config, certificate, accounts, log); the system's
Prosody (/etc/prosody, /var/lib/prosody, its service) is never touched, and only the process we
started is ever stopped. The directory of a killed owner is removed by the next sandbox start
(core/sandbox_owner.py). Standard library only: this is the core layer and must not import Textual.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from iqconsole.core import sandbox_owner

__all__ = ["ProsodySandbox", "SandboxAccount", "SandboxError", "describe_exit", "make_certificate"]

HOST = "127.0.0.1"
READY_TIMEOUT = 10.0
STOP_GRACE = 3.0
PORT_ATTEMPTS = 5

# Loaded on every sandbox; all of them exist in Prosody 0.12 (checked against 0.12.3).
MODULES = (
    "roster",
    "saslauth",
    "tls",
    "disco",
    "ping",
    "version",
    "time",
    "uptime",
    "private",
    "blocklist",
    "carbons",
    "pep",
    "vcard_legacy",
    "register",
    "smacks",
    "mam",
    "adhoc",
)
# modules_enabled of the benchmarks' flood server: what logging in and a console's first discovery
# need (the component hosts stay). mod_mam's and mod_carbons' hooks run for every message, even one
# they keep nothing of: with them Prosody spent 140-260 µs on each headline of a flood instead of
# 54-80 (bench/README.md, fifth pass on issue 14).
LEAN_MODULES = ("roster", "saslauth", "tls", "disco", "ping")
# Auto-loaded by Prosody unless disabled. offline: a flood to an offline account would fill the disk
# (and flood tests message online accounts anyway); s2s: loopback-only, no federation.
DISABLED_MODULES = ("offline", "s2s", "s2s_auth_certs", "dialback", "limits")

INSTALL_HINT = (
    "install it with `apt-get install -y prosody` as root (Debian/Ubuntu), "
    "or run the project's scripts/bootstrap as root, which installs it"
)


class SandboxError(RuntimeError):
    """A clear, user-facing message (e.g. how to install Prosody)."""


@dataclass(frozen=True)
class SandboxAccount:
    """One account on the sandbox server."""

    username: str
    password: str
    domain: str

    @property
    def jid(self) -> str:
        return f"{self.username}@{self.domain}"

    def __repr__(self) -> str:  # the password never ends up in a test report or a log
        return f"SandboxAccount({self.jid!r})"


class ProsodySandbox:
    """A Prosody server on 127.0.0.1 with its own config, self-signed certificate and accounts.

    Usage: ``with ProsodySandbox(("alice", "bob")) as server: ...`` or ``start()`` / ``stop()``.
    Clients connect to ``host``:``port`` with STARTTLS, trusting ``ca_file``. The server has the
    components the templates need: MUC (conference.DOMAIN), pubsub (pubsub.DOMAIN) and HTTP upload
    (upload.DOMAIN, its HTTP port ``http_port`` on loopback too), and an external component's
    domain (``component_domain``, svc.DOMAIN) that a console logs in to (XEP-0114) on
    ``component_port`` with ``component_secret``, generated per sandbox.
    """

    server = "prosody"

    def __init__(
        self,
        usernames: Iterable[str] = ("alice", "bob"),
        *,
        domain: str = "localhost",
        directory: Path | None = None,
        modules: Iterable[str] = MODULES,
    ):
        """`modules`: the Prosody modules every sandbox loads (MODULES), or fewer (LEAN_MODULES)."""
        usernames = [_check_username(name) for name in usernames]  # fail before making a directory
        self.modules = tuple(modules)
        self.host = HOST
        self.port = 0
        self.http_port = 0
        self.component_port = 0
        self.domain = domain
        self.component_domain = f"svc.{domain}"
        self.component_secret = secrets.token_urlsafe(18)
        if directory is None:
            self.directory = Path(tempfile.mkdtemp(prefix=f"iqconsole-{self.server}-"))
            self._owns_directory = True
        else:
            self.directory = Path(directory)
            # Only a directory we created is ever deleted: a caller's existing folder is left alone.
            self._owns_directory = not self.directory.exists()
            self.directory.mkdir(parents=True, exist_ok=True)
        self.directory = self.directory.resolve()
        self._owner_lock = sandbox_owner.claim(self.directory)
        atexit.register(self.stop)  # a forgotten stop() still cleans up on a normal exit
        self.config_file = self.directory / "prosody.cfg.lua"
        self.data_dir = self.directory / "data"
        self.cert_dir = self.directory / "certs"
        self.ca_file = self.cert_dir / f"{domain}.crt"
        self.key_file = self.cert_dir / f"{domain}.key"
        self.log_file = self.directory / "prosody.log"
        self.output_file = self.directory / "prosody.out"  # Prosody's own stdout/stderr
        self.pid_file = self.directory / "prosody.pid"
        self.accounts: dict[str, SandboxAccount] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False
        for username in usernames:
            self.add_account(username)

    # -- accounts -----------------------------------------------------------------------------

    def add_account(self, username: str, password: str | None = None) -> SandboxAccount:
        """Create (or reset) an account; works before and after start().

        The account is a file Prosody's internal storage reads on every login, so writing it is
        instant and needs no prosodyctl, even while the server runs.
        """
        username = _check_username(username)
        if password is None:
            password = secrets.token_urlsafe(18)
        account = SandboxAccount(username, password, self.domain)
        accounts_dir = self.data_dir / _encode(self.domain) / "accounts"
        accounts_dir.mkdir(parents=True, exist_ok=True)
        target = accounts_dir / f"{_encode(username)}.dat"
        partial = target.with_suffix(".tmp")
        partial.write_text(f'return {{\n\t["password"] = {_lua_string(password)};\n}};\n', encoding="utf-8")
        partial.chmod(0o600)
        partial.replace(target)  # atomic: a login never sees half a file
        self.accounts[username] = account
        return account

    def account(self, username: str) -> SandboxAccount:
        try:
            return self.accounts[username]
        except KeyError:
            raise KeyError(f"no sandbox account {username!r} (have: {', '.join(self.accounts)})") from None

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> ProsodySandbox:
        """Write the config and certificate, start Prosody and return once it answers a stream."""
        if self._process is not None:
            raise SandboxError("this sandbox is already running")
        if self._stopped:
            raise SandboxError("this sandbox was stopped; create a new one")
        sandbox_owner.remove_orphans()  # the directories of consoles killed before us
        try:
            self._start()
        except BaseException:
            self.stop()  # nothing is left behind; the error carries the log tail
            raise
        return self

    def _start(self) -> None:
        prosody = shutil.which("prosody")
        if prosody is None:
            raise SandboxError(f"Prosody (the XMPP server) is not installed: {INSTALL_HINT}.")
        self._make_certificate()
        for _attempt in range(PORT_ATTEMPTS):
            self.port, self.http_port, self.component_port = _free_port(), _free_port(), _free_port()
            self._write_config()
            if self._wait_until_ready(self._launch(prosody)):
                return
            self._terminate()  # another program took the port between our check and Prosody's bind
        raise SandboxError(f"Prosody could not bind a free port after {PORT_ATTEMPTS} attempts.\n{self.log_tail()}")

    def start_again(self) -> ProsodySandbox:
        """After the server died: start it on the same port, with the same config, certificate
        and accounts (the data directory is kept), so clients can reconnect as they were."""
        self._ready_or_refuse(self._launch_again())
        return self

    async def start_again_in_background(self) -> None:
        """`start_again` for an event loop: the server is started from this thread (it dies with
        it), the wait until it answers runs in a worker thread."""
        process = self._launch_again()
        await asyncio.to_thread(self._ready_or_refuse, process)

    def _launch_again(self) -> subprocess.Popen[bytes]:
        if self.running:
            raise SandboxError("the sandbox server is already running")
        if self._stopped:
            raise SandboxError("this sandbox was stopped; create a new one")
        self._terminate()  # reaps the dead process
        return self._launch_server()

    def _launch_server(self) -> subprocess.Popen[bytes]:
        """The server process on the config already written (each kind of sandbox its own)."""
        prosody = shutil.which("prosody")
        if prosody is None:
            raise SandboxError(f"Prosody (the XMPP server) is not installed: {INSTALL_HINT}.")
        return self._launch(prosody)

    def _ready_or_refuse(self, process: subprocess.Popen[bytes]) -> None:
        if not self._wait_until_ready(process):
            self._terminate()
            raise SandboxError(f"port {self.port} is taken by another program: the sandbox cannot start there again")

    async def wait_for_exit(self) -> int:
        """Wait until the server process ends, for whatever reason; its exit status (-9: killed).
        Linux wakes us when it ends (a pidfd); elsewhere it is checked once a second."""
        process = self._process
        if process is None:
            raise SandboxError("the sandbox server is not running")
        loop = asyncio.get_running_loop()
        try:
            descriptor = os.pidfd_open(process.pid)
        except (AttributeError, OSError):
            while process.poll() is None:
                await asyncio.sleep(1.0)
            return process.returncode
        ended: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ended.done():
                ended.set_result(None)

        loop.add_reader(descriptor, readable)
        try:
            await ended
        finally:
            loop.remove_reader(descriptor)
            os.close(descriptor)
        return process.wait()

    def stop(self, keep: bool = False) -> None:
        """Stop the server (SIGTERM, then SIGKILL after a few seconds) and remove the directory.

        keep=True leaves the directory (log, config, data) for a post-mortem. Safe to call twice.
        """
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        self._terminate()
        removed = not keep and self._owns_directory
        if removed:
            shutil.rmtree(self.directory, ignore_errors=True)
        sandbox_owner.release(self._owner_lock, self.directory, kept=not removed)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def __enter__(self) -> ProsodySandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 50) -> str:
        """The last lines of Prosody's log and console output, for error messages and test reports."""
        parts = []
        for path in (self.log_file, self.output_file):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if text.strip():
                tail = "\n".join(text.splitlines()[-lines:])
                parts.append(f"--- {path} (last {lines} lines) ---\n{tail}")
        return "\n".join(parts) or f"(no {self.server} log in {self.directory})"

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped" if self._stopped else "not started"
        return f"<{type(self).__name__} {self.domain} {self.host}:{self.port} {state} {self.directory}>"

    # -- internals ----------------------------------------------------------------------------

    def _make_certificate(self) -> None:
        if not (self.ca_file.exists() and self.key_file.exists()):
            make_certificate(self.domain, self.ca_file, self.key_file)

    def _write_config(self) -> None:
        q = _lua_string
        root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
        # Prosody's pubsub service lets only its admins create nodes; ejabberd's lets every local user.
        publishers = ", ".join(q(account.jid) for account in self.accounts.values())
        modules = ", ".join(q(m) for m in self.modules)
        disabled = ", ".join(q(m) for m in DISABLED_MODULES)
        config = f"""-- Written by iqconsole's ProsodySandbox; the whole directory is thrown away on stop.
{"run_as_root = true" if root else "-- not root: run_as_root not needed"}
pidfile = {q(str(self.pid_file))}
data_path = {q(str(self.data_dir))}
certificates = {q(str(self.cert_dir))}
log = {{ info = {q(str(self.log_file))} }}

interfaces = {{ {q(self.host)} }}
c2s_ports = {{ {self.port} }}
c2s_direct_tls_ports = {{ }}
legacy_ssl_ports = {{ }}
s2s_ports = {{ }}
s2s_direct_tls_ports = {{ }}
component_ports = {{ {self.component_port} }}
component_interfaces = {{ {q(self.host)} }}
http_ports = {{ {self.http_port} }}
http_interfaces = {{ {q(self.host)} }}
https_ports = {{ }}
http_default_host = {q("upload." + self.domain)}

modules_enabled = {{ {modules} }}
modules_disabled = {{ {disabled} }}

authentication = "internal_plain"
storage = "internal"
c2s_require_encryption = true
c2s_stanza_size_limit = 1024 * 1024 * 2
c2s_close_timeout = 1
allow_registration = false
archive_expires_after = "1d"

VirtualHost {q(self.domain)}
    ssl = {{ certificate = {q(str(self.ca_file))}; key = {q(str(self.key_file))}; }}

Component {q("conference." + self.domain)} "muc"
Component {q("pubsub." + self.domain)} "pubsub"
    autocreate_on_publish = true
    admins = {{ {publishers} }}
Component {q("upload." + self.domain)} "http_file_share"
    http_external_url = {q(f"http://{self.host}:{self.http_port}/")}
Component {q(self.component_domain)}
    component_secret = {q(self.component_secret)}
"""
        self.config_file.write_text(config, encoding="utf-8")

    def _launch(self, prosody: str) -> subprocess.Popen[bytes]:
        """Prosody in the foreground, in its own session (a terminal's Ctrl+C must not reach it)
        and, on Linux, told by the kernel to die with us (so a SIGKILLed console leaves no server)."""
        for stale in (self.log_file, self.pid_file):
            stale.unlink(missing_ok=True)
        return self._spawn([prosody, "--config", str(self.config_file), "-F"])

    def _spawn(self, command: list[str], environment: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """Start the server's process in the sandbox's directory, its output to `output_file`."""
        output = open(self.output_file, "ab")  # noqa: SIM115 (handed to the child, closed below)
        try:
            self._process = subprocess.Popen(
                command,
                cwd=self.directory,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(self._owner_lock,),  # the directory stays owned while the server lives
                preexec_fn=_die_with_parent_hook(),
            )
        finally:
            output.close()
        return self._process

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> bool:
        """True once our Prosody answers a stream header with its features; False if the port was
        taken by someone else. "Port open" is not ready, and a foreign server on the port must not
        count: wait for Prosody's own log line saying it bound the c2s port."""
        deadline = time.monotonic() + READY_TIMEOUT
        bound = [
            f"Activated service '{service}' on [{self.host}]:{port}"
            for service, port in (("c2s", self.port), ("component", self.component_port))
        ]
        failed = re.compile(
            rf"Failed to open server port ({self.port}|{self.component_port})\b|Activated service '(c2s|component)' on no ports"
        )
        listening = False
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SandboxError(
                    f"Prosody exited during start-up (exit status {process.returncode}).\n{self.log_tail()}"
                )
            if not listening:
                log = _read(self.log_file)
                if failed.search(log):
                    return False
                listening = all(line in log for line in bound)
            if listening and _answers_stream(self.host, self.port, self.domain, deadline):
                return True
            time.sleep(0.005)
        raise SandboxError(
            f"Prosody did not become ready on {self.host}:{self.port} within {READY_TIMEOUT:.0f} s.\n{self.log_tail()}"
        )

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- helpers ----------------------------------------------------------------------------------

_BAD_USERNAME = re.compile(r"[\s\"&'/:<>@\x00-\x1f\x7f]")


def _check_username(username: str) -> str:
    """Prosody stores usernames nodeprepped (lowercase); refuse what is not a valid localpart."""
    if not username or _BAD_USERNAME.search(username):
        raise ValueError(f"not a valid XMPP username: {username!r}")
    return username.lower()


def _encode(name: str) -> str:
    """Prosody's datamanager file-name encoding: every non-alphanumeric byte becomes %xx."""
    return "".join(chr(b) if chr(b).isascii() and chr(b).isalnum() else f"%{b:02x}" for b in name.encode("utf-8"))


def _lua_string(value: str) -> str:
    """A Lua string literal; every byte but plain printable ASCII is written as a \\ddd escape."""
    out = []
    for b in value.encode("utf-8"):
        out.append(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\{b:03d}")
    return '"' + "".join(out) + '"'


def make_certificate(domain: str, cert_file: Path, key_file: Path) -> None:
    """Self-signed, with the domain as SAN: slixmpp checks the JID's domain, not the IP."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SandboxError(
            "openssl is not installed (needed for the sandbox's certificate): install it with "
            "`apt-get install -y openssl` as root, or run the project's scripts/bootstrap as root."
        )
    cert_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        openssl,
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "3650",
        "-subj",
        f"/CN={domain}",
        "-addext",
        f"subjectAltName=DNS:{domain}",
        "-keyout",
        str(key_file),
        "-out",
        str(cert_file),
    ]
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise SandboxError(f"openssl could not make the sandbox certificate:\n{result.stderr.strip()}")


def describe_exit(status: int) -> str:
    """A process's end in words: 'was killed (signal 9)', 'exited with status 1'."""
    if status < 0:
        return f"was killed (signal {-status})"
    return f"exited with status {status}"


def _free_port() -> int:
    """A port the kernel says is free now; Prosody binds it a moment later (collisions are retried)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _answers_stream(host: str, port: int, domain: str, deadline: float) -> bool:
    """Open an XMPP stream and read until </stream:features>: then clients can log in."""
    header = (
        f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' xml:lang='en' "
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    )
    try:
        with socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic())) as connection:
            connection.sendall(header.encode())
            received = b""
            while b"</stream:features>" not in received:
                connection.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = connection.recv(65536)
                if not chunk:
                    return False
                received += chunk
            connection.sendall(b"</stream:stream>")
            return True
    except OSError:  # refused (not listening yet), reset, or timed out
        return False


def _die_with_parent_hook() -> Callable[[], None] | None:
    """A preexec_fn setting PR_SET_PDEATHSIG=SIGTERM (Linux), so the server dies with the console
    even if the console is SIGKILLed. libc is loaded here, before the fork, so the child only makes
    one call. Note the kernel ties this to the forking *thread*: start the sandbox from a thread
    that lives as long as the server should (the main thread, normally)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()
    PR_SET_PDEATHSIG = 1

    def hook() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return hook
