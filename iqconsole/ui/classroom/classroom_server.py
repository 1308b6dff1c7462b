"""The web server of `iqconsole serve`: textual-serve's page and websocket, one console process per tab.

On top of textual-serve's `Server`: two console pages (`/` the console, `/learn` with the lessons),
the teacher's seat list (`/teacher`), bob's demo client for the whole class, and safety:
- a websocket is accepted only from a page of this server (its Origin is the Host it asked), so
  another web site open in the same browser cannot drive a console;
- bound to loopback, only loopback host names are answered (no DNS rebinding);
- a console that does not end within a few seconds of its tab closing is killed;
- on Ctrl+C / SIGTERM / SIGHUP every tab's websocket is closed at once and every console waited for.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import shlex
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from iqconsole.core.classroom import BOB, Classroom, seat_states

__all__ = ["ClassroomServer", "is_loopback"]

CONSOLE_STOP_GRACE = 5.0  # seconds a console has to end after its tab closed, then it is killed
TEACHER_REFRESH_SECONDS = 3
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
_HOST_HEADER = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ClassroomServer(Server):
    """Serves the classroom's consoles; `run()` blocks until a signal stops it, then stops them all."""

    def __init__(
        self,
        classroom: Classroom,
        companion: Callable[[], Coroutine[Any, Any, None]],
        *,
        seat_options: list[str],
        host: str,
        port: int,
        announce: Callable[[str], None] = print,
    ):
        """`companion`: runs for the server's whole life (bob's demo client);
        `seat_options`: given to every console (`iqconsole _seat FOLDER OPTIONS`);
        `announce`: where the addresses are said once the server listens."""
        super().__init__("iqconsole _seat", host=host, port=port)  # each tab's own command: console_command
        self.classroom = classroom
        self.companion = companion
        self.seat_options = seat_options
        self.announce = announce
        self.sockets: set[web.WebSocketResponse] = set()
        self.stopping = asyncio.Event()

    def console_command(self, learn: bool) -> str:
        """`exec`: the console is the server's own child (so it can die with the server)."""
        command = [sys.executable, "-m", "iqconsole", "_seat", str(self.classroom.folder), *self.seat_options]
        return "exec " + shlex.join([*command, *(["--learn"] if learn else [])])

    # -- running -----------------------------------------------------------------------------

    def run(self) -> None:
        asyncio.run(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, self.stopping.set)
        runner = web.AppRunner(await self._make_app(), handle_signals=False, shutdown_timeout=CONSOLE_STOP_GRACE)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
            base = f"http://{self.host if ':' not in self.host else f'[{self.host}]'}:{self.port}"
            self.announce(
                f"Classroom with {len(self.classroom.seats)} seats: learners open {base}/ (console) or {base}/learn "
                f"(lessons); the seat list is {base}/teacher. Ctrl+C stops the class."
            )
            await self.stopping.wait()
        finally:
            await runner.cleanup()

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._only_our_names])
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.ChoiceLoader(
                [jinja2.FileSystemLoader(Path(__file__).parent), jinja2.FileSystemLoader(self.templates_path)]
            ),
            filters={"clock": lambda stamp: time.strftime("%H:%M:%S", time.localtime(stamp))},
        )
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/learn", self.handle_index, name="learn"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/ws/learn", self.handle_websocket, name="learn-websocket"),
                web.get("/teacher", self.handle_teacher, name="teacher"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.cleanup_ctx.append(self._companion_context)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def _companion_context(self, _app: web.Application) -> Any:
        task = asyncio.create_task(self.companion())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def on_shutdown(self, _app: web.Application) -> None:
        """Close every tab's websocket now: each console is then told to quit and waited for."""
        for websocket in list(self.sockets):
            await websocket.close(message=b"the class is over")

    # -- safety ------------------------------------------------------------------------------

    @web.middleware
    async def _only_our_names(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Bound to loopback: answer only loopback names (a rebinding web site's name is refused)."""
        name = request.host.rsplit(":", 1)[0] if not request.host.endswith("]") else request.host
        ours = (*LOOPBACK_NAMES, self.host, f"[{self.host}]")
        if not _HOST_HEADER.match(request.host) or (is_loopback(self.host) and name not in ours):
            raise web.HTTPMisdirectedRequest(text="this classroom answers only on its own address")
        return await handler(request)

    @staticmethod
    def _from_our_page(request: web.Request) -> bool:
        """Browsers always send the page's Origin with a websocket; it must be this server."""
        origin = request.headers.get("Origin", "")
        return urlsplit(origin).scheme == "http" and urlsplit(origin).netloc == request.host

    # -- pages -------------------------------------------------------------------------------

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """textual-serve's page, its addresses made from the name the browser used (the bound
        address may be 0.0.0.0, which a browser cannot connect to)."""
        learn = request.match_info.route.name == "learn"
        base = request.host
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"ws://{base}/ws" + ("/learn" if learn else ""),
            "config": {"static": {"url": f"http://{base}/static/"}},
            "application": {"name": "iqconsole classroom" + (": lessons" if learn else "")},
        }

    @aiohttp_jinja2.template("teacher.html")
    async def handle_teacher(self, request: web.Request) -> dict[str, Any]:
        seats = seat_states(self.classroom)
        return {
            "seats": seats,
            "online": sum(1 for seat in seats if seat.taken_since is not None),
            "console_url": f"http://{request.host}/",
            "learn_url": f"http://{request.host}/learn",
            "bob": self.classroom.account(BOB).jid,
            "refresh_seconds": TEACHER_REFRESH_SECONDS,
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's websocket handler, with the checks above, the learn variant, and a
        console that outlives its tab by more than a few seconds killed."""
        if not self._from_our_page(request):
            raise web.HTTPForbidden(text="a console is opened only from this server's own page")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        await websocket.prepare(request)
        self.sockets.add(websocket)

        async def close() -> None:
            await websocket.close()

        service = AppService(
            self.console_command(learn=request.match_info.route.name == "learn-websocket"),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=close,
            download_manager=self.download_manager,
        )
        try:
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            await websocket.close()
        finally:
            self.sockets.discard(websocket)
            await _stop_console(service)
        return websocket


async def _stop_console(service: AppService) -> None:
    """Tell the console to quit and wait until it has exited; kill it if it has not within the grace time."""
    process = service._process  # textual-serve never waits for its child's exit, nor kills it
    if process is None:
        return

    async def quit_and_exit() -> None:
        await service.stop()
        await process.wait()

    ending = asyncio.ensure_future(quit_and_exit())
    try:
        await asyncio.wait_for(asyncio.shield(ending), CONSOLE_STOP_GRACE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):  # it ended just now
            process.kill()
        await ending
