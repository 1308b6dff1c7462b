"""What the headless commands (`iqconsole respond`, `iqconsole send`) share: log a Session in,
run the command's work while it is online, stop on SIGINT/SIGTERM, always close, and the exit
codes a script reads."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

from iqconsole.core.client import ConnectionFailure
from iqconsole.core.session import Session

EXIT_OK = 0
EXIT_FAILED = 1  # send: an error reply or an expectation that did not hold
EXIT_USAGE = 2  # bad arguments, file or XML: nothing was sent
EXIT_LOGIN_FAILED = 4
EXIT_DISCONNECTED = 5
EXIT_TIMED_OUT = 6
EXIT_INTERRUPTED = 130  # send stopped by Ctrl+C/SIGTERM before it was done (the shell's 128 + SIGINT)

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def run_online(
    session: Session, work: Callable[[], Awaitable[int]], say: Callable[[str], None], *, interrupted: int
) -> int:
    """Log `session` in, then return what `work` returns (an exit code). A failed login is said
    and is EXIT_LOGIN_FAILED; SIGINT/SIGTERM stop the login or the work (exit `interrupted`).
    The session is closed whatever happened."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in _STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)

    async def log_in_and_work() -> int:
        try:
            await session.open()
        except ConnectionFailure as failure:
            say(str(failure))
            return EXIT_LOGIN_FAILED
        return await work()

    job = asyncio.ensure_future(log_in_and_work())
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((job, stopped), return_when=asyncio.FIRST_COMPLETED)
        return job.result() if job.done() else interrupted
    finally:
        for task in (job, stopped):
            task.cancel()
        await asyncio.gather(job, stopped, return_exceptions=True)
        for signum in _STOP_SIGNALS:
            loop.remove_signal_handler(signum)
        await session.close()
