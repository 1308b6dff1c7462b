"""Regenerate docs/screenshot.svg: `.venv/bin/python docs/screenshot.py` (no server needed)."""

import asyncio
from pathlib import Path

from tests.ui.snapshot_app import make_app, settle


async def main() -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.traffic.focus()
        await pilot.press("up", "up", "up")
        await pilot.pause(0.3)
        app.save_screenshot(str(Path(__file__).with_name("screenshot.svg")))


asyncio.run(main())
