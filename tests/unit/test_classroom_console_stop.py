"""A console that does not end when its tab closes is killed: textual-serve alone would wait forever."""

from __future__ import annotations

import time

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from iqconsole.ui.classroom import classroom_server


async def test_a_console_that_ignores_quit_is_killed_after_the_grace_time(monkeypatch):
    monkeypatch.setattr(classroom_server, "CONSOLE_STOP_GRACE", 1.0)

    async def ignore(*_args: object) -> None:
        return None

    service = AppService(
        "exec sleep 600", write_bytes=ignore, write_str=ignore, close=ignore, download_manager=DownloadManager()
    )
    await service.start(80, 24)
    process = service._process
    started = time.monotonic()
    await classroom_server._stop_console(service)
    assert process.returncode == -9
    assert time.monotonic() - started < 30
