"""Regenerate docs/screenshot.svg: `.venv/bin/python docs/screenshot.py` (no server needed)."""

import asyncio
import os
import tempfile
from pathlib import Path

# Your own draft, history and themes stay out of the picture.
_HOME = tempfile.mkdtemp(prefix="iqconsole-screenshot-")
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[_name] = os.path.join(_HOME, _name.lower())

from tests.ui.snapshot_app import make_app, settle  # noqa: E402


async def main() -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        app.traffic.focus()
        await pilot.press("up", "up", "up")
        await pilot.pause(0.3)
        app.save_screenshot(str(Path(__file__).with_name("screenshot.svg")))


asyncio.run(main())
