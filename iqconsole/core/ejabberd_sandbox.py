"""A throwaway ejabberd on loopback: the second server the console, its tests and its templates meet.

It shares ProsodySandbox's life cycle (temporary directory, accounts, stop, log tail) and replaces
what is ejabberd's own: the YAML config, the start through `erl` and the accounts. ejabberd runs
as the user who starts it, without `ejabberdctl` (which, as root, switches to the `ejabberd` user)
and without Erlang distribution, so no `epmd` daemon and no distribution port are ever started and
the started process is the server itself. Accounts are made by in-band registration (XEP-0077,
allowed from loopback only), 0.1 s each instead of ejabberdctl's 0.6–0.9 s.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from iqconsole.core.sandbox import (
    PORT_ATTEMPTS,
    READY_TIMEOUT,
    ProsodySandbox,
    SandboxAccount,
    SandboxError,
    _answers_stream,
    _check_username,
    _free_port,
    _read,
)

__all__ = ["INSTALL_HINT", "EjabberdSandbox"]

INSTALL_HINT = (
    "install it with `apt-get install -y --no-install-recommends ejabberd` as root (Debian/Ubuntu), "
    "or run the project's scripts/bootstrap as root, which installs it"
)
# Where Debian's ejabberdctl lives; it names the directory holding ejabberd's Erlang libraries.
CTL_SEARCH_PATH = os.pathsep.join((os.environ.get("PATH", ""), "/usr/sbin", "/sbin", "/usr/local/sbin"))
_ERL_LIBS = re.compile(r"""^\s*ERL_LIBS=['"]?([^'"\s]+)""", re.MULTILINE)
REGISTER_TIMEOUT = 10.0
_IQ_END = re.compile(rb"</iq>|<iq\b[^>]*/>")  # a reply without children closes itself

# Every module the templates need. Left out on purpose: mod_fail2ban (after 10 failed logins it
# bans 127.0.0.1 for an hour, which a wrong-password test hits), mod_offline (a flood to an
# offline account would fill the spool), s2s (loopback only: no federation, no DNS look-ups).
MODULES = """\
  mod_adhoc: {}
  mod_blocking: {}
  mod_caps: {}
  mod_carboncopy: {}
  mod_client_state: {}
  mod_configure: {}
  mod_disco: {}
  mod_last: {}
  mod_mam:
    default: always
  mod_muc: {}
  mod_ping: {}
  mod_privacy: {}
  mod_private: {}
  mod_pubsub:
    plugins:
      - flat
      - pep
  mod_push: {}
  mod_register:
    access: all
    ip_access: loopback
  mod_roster:
    versioning: true
  mod_stream_mgmt: {}
  mod_time: {}
  mod_vcard:
    search: false
  mod_version: {}
"""


class EjabberdSandbox(ProsodySandbox):
    """An ejabberd server on 127.0.0.1 with MUC (conference.DOMAIN), pubsub (pubsub.DOMAIN) and
    HTTP upload (upload.DOMAIN, its HTTP port on loopback too). Used like ProsodySandbox."""

    server = "ejabberd"

    def __init__(
        self, usernames: Iterable[str] = ("alice", "bob"), *, domain: str = "localhost", directory: Path | None = None
    ):
        # No Prosody modules: ejabberd's are in MODULES here.
        super().__init__(usernames, domain=domain, directory=directory, modules=())
        self.config_file = self.directory / "ejabberd.yml"
        self.pem_file = self.cert_dir / f"{self.domain}.pem"  # ejabberd wants certificate and key in one file
        self.log_file = self.directory / "ejabberd.log"
        self.output_file = self.directory / "ejabberd.out"
        self.upload_dir = self.directory / "upload"

    # -- accounts -----------------------------------------------------------------------------

    def add_account(self, username: str, password: str | None = None) -> SandboxAccount:
        """Remember the account; it is registered in-band once the server runs (now, if it does).
        Unlike Prosody's, an account that exists on the running server cannot be reset (SandboxError)."""
        account = SandboxAccount(_check_username(username), password or secrets.token_urlsafe(18), self.domain)
        if self.running:
            self._register(account)
        self.accounts[account.username] = account
        return account

    def _register(self, account: SandboxAccount) -> None:
        """XEP-0077 over STARTTLS: ejabberd closes the stream after one registration, so one
        connection per account."""
        request = (
            "<iq type='set' id='register'><query xmlns='jabber:iq:register'>"
            f"<username>{escape(account.username)}</username><password>{escape(account.password)}</password>"
            "</query></iq>"
        )
        reply = _secure_stream(self.host, self.port, self.domain, self.ca_file, request)
        if "type='result'" not in reply and 'type="result"' not in reply:
            raise SandboxError(f"ejabberd refused to register {account.jid}:\n{reply[-500:]}")

    # -- lifecycle ----------------------------------------------------------------------------

    def _start(self) -> None:
        erl = shutil.which("erl")
        libraries = _ejabberd_libraries()
        if erl is None or libraries is None:
            raise SandboxError(f"ejabberd (the XMPP server) is not installed: {INSTALL_HINT}.")
        self._make_certificate()
        self.pem_file.write_bytes(self.ca_file.read_bytes() + self.key_file.read_bytes())
        self.pem_file.chmod(0o600)
        for _attempt in range(PORT_ATTEMPTS):
            self.port, self.http_port = _free_port(), _free_port()
            self._write_config()
            if self._wait_until_ready(self._launch_erl(erl, libraries)):
                for account in self.accounts.values():
                    self._register(account)
                return
            self._terminate()  # another program took a port between our check and ejabberd's bind
        raise SandboxError(f"ejabberd could not bind free ports after {PORT_ATTEMPTS} attempts.\n{self.log_tail()}")

    def _launch_server(self) -> subprocess.Popen[bytes]:
        erl, libraries = shutil.which("erl"), _ejabberd_libraries()
        if erl is None or libraries is None:
            raise SandboxError(f"ejabberd (the XMPP server) is not installed: {INSTALL_HINT}.")
        return self._launch_erl(erl, libraries)

    def _write_config(self) -> None:
        q = _yaml_string
        config = f"""# Written by iqconsole's EjabberdSandbox; the whole directory is thrown away on stop.
loglevel: info
hosts:
  - {q(self.domain)}
certfiles:
  - {q(str(self.pem_file))}
auth_method: internal
auth_password_format: scram
s2s_access: s2s
registration_timeout: infinity
listen:
  -
    port: {self.port}
    ip: {q(self.host)}
    module: ejabberd_c2s
    max_stanza_size: 2097152
    starttls_required: true
  -
    port: {self.http_port}
    ip: {q(self.host)}
    module: ejabberd_http
    request_handlers:
      /upload: mod_http_upload
acl:
  loopback:
    ip:
      - 127.0.0.0/8
  local:
    user_regexp: ""
access_rules:
  s2s:
    deny: all
  local:
    allow: local
  loopback:
    allow: loopback
modules:
{MODULES}  mod_http_upload:
    put_url: {q(f"http://{self.host}:{self.http_port}/upload")}
    docroot: {q(str(self.upload_dir))}
"""
        self.config_file.write_text(config, encoding="utf-8")

    def _write_inetrc(self) -> Path:
        """Names resolve from this file only: no DNS, and no resolver helper process (inet_gethost)
        left behind when the server stops."""
        inetrc = self.directory / "inetrc"
        inetrc.write_text(f'{{lookup, [file]}}.\n{{host, {{127,0,0,1}}, ["localhost", "{self.domain}"]}}.\n')
        return inetrc

    def _launch_erl(self, erl: str, libraries: str) -> subprocess.Popen[bytes]:
        """`erl` execs the Erlang VM, so the process we keep is the server; HOME is the sandbox's
        directory so nothing (an Erlang cookie, a shell history) lands in the user's home."""
        self.log_file.unlink(missing_ok=True)
        spool = self.data_dir / "mnesia"
        spool.mkdir(parents=True, exist_ok=True)
        environment = {
            **os.environ,
            "HOME": str(self.directory),
            "ERL_LIBS": libraries,
            "EJABBERD_CONFIG_PATH": str(self.config_file),
            "EJABBERD_LOG_PATH": str(self.log_file),
            "ERL_CRASH_DUMP_BYTES": "0",
            "ERL_INETRC": str(self._write_inetrc()),
        }
        return self._spawn([erl, "-noinput", "-mnesia", "dir", f'"{spool}"', "-s", "ejabberd"], environment)

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> bool:
        """True once ejabberd listens on our c2s port and answers a stream; False when a port was
        taken. ejabberd opens its port 2–4 s after start."""
        deadline = time.monotonic() + READY_TIMEOUT + 20  # the Erlang VM starts slowly on a busy machine
        bound = f"Start accepting TCP connections at {self.host}:{self.port} for ejabberd_c2s"
        listening = False
        while time.monotonic() < deadline:
            log = "" if listening else _read(self.log_file)
            if process.poll() is not None or "Failed to start ejabberd" in log:
                if "eaddrinuse" in log + _read(self.output_file):  # only our two ports are configured
                    return False
                raise SandboxError(
                    f"ejabberd exited during start-up (exit status {process.poll()}).\n{self.log_tail()}"
                )
            listening = listening or bound in log
            if listening and _answers_stream(self.host, self.port, self.domain, deadline):
                return True
            time.sleep(0.05)
        raise SandboxError(f"ejabberd did not become ready on {self.host}:{self.port} in time.\n{self.log_tail()}")


def _ejabberd_libraries() -> str | None:
    """The directory of ejabberd's Erlang applications, as its ejabberdctl sets it (None: not installed)."""
    ctl = shutil.which("ejabberdctl", path=CTL_SEARCH_PATH)
    if ctl is None:
        return None
    found = _ERL_LIBS.search(_read(Path(ctl)))
    return found.group(1) if found else None


def _yaml_string(value: str) -> str:
    """A double-quoted YAML scalar (paths may hold spaces or colons)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _secure_stream(host: str, port: int, domain: str, ca_file: Path, request: str) -> str:
    """Open a stream, STARTTLS (trusting the sandbox's certificate), send `request` and return the
    text received up to its reply."""
    header = (
        f"<?xml version='1.0'?><stream:stream to='{domain}' version='1.0' xmlns='jabber:client' "
        "xmlns:stream='http://etherx.jabber.org/streams'>"
    ).encode()
    deadline = time.monotonic() + REGISTER_TIMEOUT

    def read_until(connection: socket.socket, marker: bytes | re.Pattern[bytes]) -> bytes:
        received = b""
        while (marker not in received) if isinstance(marker, bytes) else not marker.search(received):
            connection.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
        return received

    context = ssl.create_default_context(cafile=str(ca_file))
    try:
        with socket.create_connection((host, port), timeout=REGISTER_TIMEOUT) as plain:
            plain.sendall(header)
            read_until(plain, b"</stream:features>")
            plain.sendall(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            read_until(plain, b"<proceed")
            with context.wrap_socket(plain, server_hostname=domain) as secure:
                secure.sendall(header)
                read_until(secure, b"</stream:features>")
                secure.sendall(request.encode())
                return read_until(secure, _IQ_END).decode("utf-8", "replace")
    except (OSError, ssl.SSLError) as error:
        raise SandboxError(f"could not register an account on ejabberd: {error}") from None
