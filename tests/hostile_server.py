"""A small, scriptable XMPP server for the tests that misbehaves on purpose.

It speaks just enough c2s to log a client in (STARTTLS with a self-signed certificate, SASL
PLAIN, resource bind), then hands the connection to the test's script, which sends whatever bytes
it likes at the point it chooses: deep nesting, huge stanzas, DTDs, broken UTF-8, stream errors,
redirects, replies from the wrong entity, stalls, a connection cut in the middle of a stanza.
Each step of the login is a method too, so a script can misbehave before the session exists.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import cast
from xml.sax.saxutils import quoteattr

from iqconsole.core.account import Account, Secret
from iqconsole.core.sandbox import make_certificate

DOMAIN = "localhost"
USER_JID = f"tester@{DOMAIN}"
RESOURCE = "console"
FULL_JID = f"{USER_JID}/{RESOURCE}"
PEER_JID = f"peer@{DOMAIN}/elsewhere"
PASSWORD = "hostile-secret"
STREAM_NS = "http://etherx.jabber.org/streams"
STREAMS_ERRORS_NS = "urn:ietf:params:xml:ns:xmpp-streams"
TLS_NS = "urn:ietf:params:xml:ns:xmpp-tls"
SASL_NS = "urn:ietf:params:xml:ns:xmpp-sasl"
BIND_NS = "urn:ietf:params:xml:ns:xmpp-bind"
CLIENT_NS = "jabber:client"

STARTTLS_FEATURES = f"<starttls xmlns='{TLS_NS}'><required/></starttls>"
SASL_FEATURES = f"<mechanisms xmlns='{SASL_NS}'><mechanism>PLAIN</mechanism></mechanisms>"
BIND_FEATURES = f"<bind xmlns='{BIND_NS}'/>"
WAIT = 10.0  # no step of a test waits longer than this for the client

Script = Callable[["HostilePeer"], Awaitable[None]]


def stream_header(stream_id: str = "hostile") -> str:
    return (
        f"<?xml version='1.0'?><stream:stream xmlns='{CLIENT_NS}' xmlns:stream='{STREAM_NS}' "
        f"id='{stream_id}' from='{DOMAIN}' version='1.0' xml:lang='en'>"
    )


def stream_error(condition: str, text: str = "", inner: str = "") -> str:
    """A stream error; `inner` goes inside the condition element (the host of see-other-host)."""
    text_element = f"<text xmlns='{STREAMS_ERRORS_NS}'>{text}</text>" if text else ""
    return (
        f"<stream:error><{condition} xmlns='{STREAMS_ERRORS_NS}'>{inner}</{condition}>{text_element}"
        "</stream:error></stream:stream>"
    )


class HostilePeer:
    """The server's side of one client connection, driven by a test's script."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, context: ssl.SSLContext):
        self.reader = reader
        self.writer = writer
        self.context = context
        self.received: list[ET.Element] = []  # every top-level element the client sent, in order
        self._parser: ET.XMLPullParser = ET.XMLPullParser(("start", "end"))
        self._depth = 0
        self._ready: list[ET.Element] = []
        self.client_closed = asyncio.Event()

    # -- reading what the client sends ------------------------------------------------------

    async def element(self, tag: str | None = None) -> ET.Element:
        """The client's next top-level element; with `tag`, the next one with that local name."""
        while True:
            while not self._ready:
                await self._read_more()
            element = self._ready.pop(0)
            if tag is None or element.tag.rsplit("}", 1)[-1] == tag:
                return element

    async def request(self, predicate: Callable[[ET.Element], bool] = lambda _: True) -> ET.Element:
        """The next IQ get/set from the client that satisfies `predicate`."""
        while True:
            iq = await self.element("iq")
            if iq.get("type") in ("get", "set") and predicate(iq):
                return iq

    async def _read_more(self, timeout: float | None = WAIT) -> None:
        data = await asyncio.wait_for(self.reader.read(65536), timeout)
        if not data:
            self.client_closed.set()
            raise ConnectionError("the client closed the connection")
        self._parser.feed(data)
        # only start and end events were asked for: each carries an element
        for kind, element in cast(Iterator[tuple[str, ET.Element]], self._parser.read_events()):
            if kind == "start":
                self._depth += 1
            else:
                self._depth -= 1
                if self._depth == 1:
                    self.received.append(element)
                    self._ready.append(element)
                elif self._depth == 0:
                    self.client_closed.set()

    def _restart_parser(self) -> None:
        self._parser = ET.XMLPullParser(("start", "end"))
        self._depth = 0
        self._ready.clear()

    async def closed_by_client(self, timeout: float | None = WAIT) -> bool:
        """Read until the client ends the stream or the connection (True), or `timeout` passes (False)."""
        with contextlib.suppress(ConnectionError, TimeoutError):
            while not self.client_closed.is_set():
                await self._read_more(timeout)
        if self.client_closed.is_set() and not self.writer.is_closing():
            self.send("</stream:stream>")  # answer the client's footer, so it need not wait for us
            self.writer.close()
        return self.client_closed.is_set()

    async def probe(self, stanza_id: str = "probe") -> ET.Element:
        """Ask the client something it has no answer for: its error reply proves it still reads and answers."""
        self.send(
            f"<iq type='get' id='{stanza_id}' from='{PEER_JID}' to='{FULL_JID}'><ping xmlns='urn:xmpp:ping'/></iq>"
        )
        await self.drain()
        while True:
            reply = await self.element("iq")
            if reply.get("id") == stanza_id:
                return reply

    # -- writing ------------------------------------------------------------------------------

    def send(self, data: str | bytes) -> None:
        self.writer.write(data.encode() if isinstance(data, str) else data)

    async def drain(self) -> None:
        await self.writer.drain()

    async def send_slowly(self, data: bytes, piece: int) -> None:
        """Write `data` in pieces, letting the client read between them (a stanza that trickles in)."""
        for start in range(0, len(data), piece):
            self.send(data[start : start + piece])
            await self.drain()

    def cut(self) -> None:
        """Drop the TCP connection at once, without a stream footer (whatever was half sent stays half)."""
        self.writer.transport.abort()

    # -- the login, one step at a time -----------------------------------------------------

    async def open_stream(self, features: str, before: str | bytes = "") -> None:
        """Wait for the client's stream header, then answer with ours and `features`."""
        self._restart_parser()
        while self._depth == 0:
            await self._read_more()
        self.send(before)
        self.send(stream_header() + f"<stream:features>{features}</stream:features>")
        await self.drain()

    async def start_tls(self) -> None:
        await self.element("starttls")
        self.send(f"<proceed xmlns='{TLS_NS}'/>")
        await self.drain()
        await self.writer.start_tls(self.context)

    async def authenticate(self) -> None:
        await self.element("auth")
        self.send(f"<success xmlns='{SASL_NS}'/>")
        await self.drain()

    async def bind(self) -> None:
        iq = await self.request()
        self.send(
            f"<iq type='result' id={quoteattr(iq.get('id', ''))}><bind xmlns='{BIND_NS}'>"
            f"<jid>{FULL_JID}</jid></bind></iq>"
        )
        await self.drain()

    async def log_in(self) -> None:
        """Everything up to a bound session; the client's initial presence is left unread."""
        await self.open_stream(STARTTLS_FEATURES)
        await self.start_tls()
        await self.open_stream(SASL_FEATURES)
        await self.authenticate()
        await self.open_stream(BIND_FEATURES)
        await self.bind()


class HostileServer:
    """One listening socket on loopback; every connection runs `script` (default: log in, then idle)."""

    def __init__(self, certificate: tuple[Path, Path], script: Script | None = None):
        self.cert_file, key_file = certificate
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(self.cert_file, key_file)
        self.script = script or _log_in_and_idle
        self.peers: list[HostilePeer] = []
        self.failures: list[BaseException] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for peer in self.peers:
            peer.writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def account(self, **changes: object) -> Account:
        settings: dict = {
            "jid": FULL_JID,
            "password": Secret(PASSWORD),
            "host": "127.0.0.1",
            "port": self.port,
            "ca_file": self.cert_file,
        }
        settings.update(changes)
        return Account(**settings)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = HostilePeer(reader, writer, self.context)
        self.peers.append(peer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self.script(peer)
        except (ConnectionError, ssl.SSLError, TimeoutError, asyncio.IncompleteReadError):
            pass  # the client went away or gave up: that is the client's behaviour under test
        except Exception as error:  # a broken script must fail the test, not vanish
            self.failures.append(error)
        finally:
            self._tasks.discard(task)


async def _log_in_and_idle(peer: HostilePeer) -> None:
    await peer.log_in()
    await peer.closed_by_client(timeout=None)


def certificate_in(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / f"{DOMAIN}.crt", directory / f"{DOMAIN}.key"
    make_certificate(DOMAIN, cert, key)
    return cert, key
