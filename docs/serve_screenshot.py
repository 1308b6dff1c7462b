"""Regenerate docs/serve.png, the page of `iqconsole serve` in headless Chromium:
`.venv/bin/python docs/serve_screenshot.py` (starts its own classroom; needs chromium and chromium-driver)."""

import os
import tempfile
from pathlib import Path

# Your own draft, history and themes stay out of the picture.
_HOME = tempfile.mkdtemp(prefix="iqconsole-screenshot-")
for _name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
    os.environ[_name] = os.path.join(_HOME, _name.lower())

from tests.e2e.test_serve import Browser, Serve, online_seat  # noqa: E402


def main() -> None:
    classroom = Serve(seats=8)
    browser = Browser()
    try:
        browser.open(classroom.url + "/")
        online_seat(browser)
        browser.send_stanza('<iq type="get" to="bob@localhost/demo"><query xmlns="jabber:iq:version"/></iq>')
        browser.wait_for(r"Result for \S+ from bob@localhost/demo")
        browser.wait_for(r"iqconsole demo peer")  # the reply, in the detail pane
        browser.driver.save_screenshot(str(Path(__file__).with_name("serve.png")))
    finally:
        browser.quit()
        classroom.stop()


main()
