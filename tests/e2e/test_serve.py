"""`iqconsole serve` in a real browser (Debian's headless Chromium, driven by Selenium) against the
real Prosody sandbox the classroom starts: the installed `iqconsole` command, as a teacher runs it."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from iqconsole.core.sandbox_owner import remove_orphans

IQCONSOLE = Path(sys.executable).with_name("iqconsole")
START_TIMEOUT = 60.0  # a loaded machine: the sandbox, then Python and Textual in each tab
RESPONDERS = """
[[responder]]
name = "classmate-version"
match = "iq@type=get/software_version"
reply = \"\"\"<query xmlns="jabber:iq:version"><name>answered-by-a-classmate</name><version>1</version></query>\"\"\"
"""

# textual.js keeps its xterm Terminal in a closure: catch the session object as it is made
# (it is the object that gets `websocket_url`), then read the terminal's buffer (the screen is a canvas).
CATCH_TERMINAL = """Object.defineProperty(Object.prototype, 'websocket_url', {configurable: true,
  set(v) { window.__textual = this;
           Object.defineProperty(this, 'websocket_url', {value: v, writable: true, enumerable: true, configurable: true}); }});"""
READ_SCREEN = """const t = window.__textual && window.__textual.terminal; if (!t) return '';
const b = t.buffer.active, out = [];
for (let i = 0; i < t.rows; i++) { const l = b.getLine(b.viewportY + i); out.push(l ? l.translateToString(true) : ''); }
return out.join('\\n');"""


def wait_until(condition: Callable[[], object], what: str, timeout: float = START_TIMEOUT, seen=lambda: "") -> object:
    """Poll until `condition()` is truthy (its value is returned); fail naming `what` and what was seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n{seen()}")


class Serve:
    """`iqconsole serve` running in the background on a free loopback port."""

    def __init__(self, *options: str, seats: int = 3):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(IQCONSOLE), "serve", "--port", str(self.port), "--seats", str(seats), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # blocks until it listens (or ends)
        assert "Classroom with" in line, f"serve did not start: {line!r} {self.process.stderr.read()}"

    def consoles(self) -> dict[int, str]:
        """The running seat consoles: pid → command line."""
        return {pid: command for pid, command in _descendants(self.process.pid).items() if " _seat " in command}

    def stop(self, signum: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(START_TIMEOUT)


class Browser:
    """Headless Chromium; each `open` is a new tab whose console screen can be read and typed into."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chromedriver = shutil.which("chromedriver")
        if chromedriver is None or shutil.which("chromium") is None:
            pytest.fail(
                "chromium is not installed: run scripts/bootstrap as root (apt-get install chromium chromium-driver)"
            )
        options = webdriver.ChromeOptions()
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        self.driver.set_page_load_timeout(START_TIMEOUT)

    def open(self, url: str) -> str:
        """A new tab on `url`; its window handle."""
        if self.driver.current_url not in ("data:,", "about:blank"):
            self.driver.switch_to.new_window("tab")
        self.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})  # per tab
        self.driver.get(url)
        return self.driver.current_window_handle

    def to(self, tab: str) -> None:
        self.driver.switch_to.window(tab)

    def screen(self) -> str:
        return self.driver.execute_script(READ_SCREEN) or ""

    def wait_for(self, pattern: str, timeout: float = START_TIMEOUT) -> re.Match[str]:
        """The first match of `pattern` on the current tab's screen, once there."""
        found = wait_until(lambda: re.search(pattern, self.screen()), repr(pattern), timeout, self.screen)
        assert isinstance(found, re.Match)
        return found

    def type(self, *keys: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(*keys)

    def send_stanza(self, xml: str) -> None:
        """Replace the composer's text with `xml` (F7 selects all) and send it (Ctrl+J).

        Keys typed into a page that has just loaded are sometimes lost (the first ones, while
        xterm takes the focus; and an F7 right behind other keys): the replacing is repeated until
        the composer shows the stanza alone, and only then is it sent."""
        from selenium.webdriver.common.keys import Keys

        def alone() -> bool:
            screen = self.screen()
            return bool(re.search(r"│1  .*" + re.escape(xml[-30:]), screen)) and "│2  " not in screen

        for _attempt in range(5):
            self.type(Keys.F7)
            self.type(xml)
            try:
                wait_until(alone, "the stanza alone in the composer", timeout=10)
                break
            except AssertionError:
                continue
        else:
            raise AssertionError(f"{xml!r} never stood alone in the composer\n{self.screen()}")
        self.type(Keys.CONTROL, "j")

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
def browser() -> Iterator[Browser]:
    opened = Browser()
    yield opened
    opened.quit()


@pytest.fixture
def serve(tmp_path) -> Iterator[Serve]:
    responders = tmp_path / "class.toml"
    responders.write_text(RESPONDERS)
    running = Serve("--responders", str(responders))
    yield running
    assert running.stop() == 0


def online_seat(browser: Browser) -> str:
    """Wait until the tab's console is logged in; the seat it got."""
    return browser.wait_for(r"(seat\d+)@localhost/console · online").group(1)


def test_a_tab_gets_a_console_that_pings_bob(serve, browser):
    started = time.monotonic()
    browser.open(serve.url + "/")
    assert online_seat(browser) == "seat1"
    print(f"\npage open → console online: {time.monotonic() - started:.1f} s")
    browser.wait_for(r"Classroom seat 1 of 3")  # the greeting says which seat this is
    browser.send_stanza('<iq type="get" to="bob@localhost/demo" id="web-ping"><ping xmlns="urn:xmpp:ping"/></iq>')
    browser.wait_for(r"Result for web-ping from bob@localhost/demo")


def test_a_second_seat_is_answered_by_the_first_seats_responder(serve, browser):
    first = browser.open(serve.url + "/")
    assert online_seat(browser) == "seat1"
    browser.open(serve.url + "/")
    assert online_seat(browser) == "seat2"
    browser.send_stanza(
        '<iq type="get" to="seat1@localhost/console" id="ask-seat1"><query xmlns="jabber:iq:version"/></iq>'
    )
    browser.wait_for(r"Result for ask-seat1 from seat1@localhost/console")
    browser.wait_for(r"answered-by-a-classmate")  # the reply, in the detail pane
    browser.to(first)
    browser.wait_for(r"\[⚑ classmate-version\]")  # seat1's log: its responder answered


def test_the_learn_page_has_the_lessons(serve, browser):
    browser.open(serve.url + "/learn")
    online_seat(browser)
    browser.wait_for(r"1\. What an IQ is")
    browser.wait_for(r"to='bob@localhost/demo'")  # the steps name the class's shared demo client


def test_closing_a_tab_ends_its_console_and_frees_its_seat(serve, browser):
    browser.open(serve.url + "/")
    online_seat(browser)
    second = browser.open(serve.url + "/")
    assert online_seat(browser) == "seat2"
    wait_until(lambda: len(serve.consoles()) == 2, "two consoles", seen=lambda: str(serve.consoles()))
    seat2 = wait_until(lambda: _seat_pid(serve, "seat2"), "seat2 on the teacher's page")
    assert isinstance(seat2, int) and seat2 in serve.consoles()
    browser.to(second)
    browser.driver.close()
    wait_until(lambda: not _alive(seat2), "seat2's console to end", seen=lambda: str(serve.consoles()))
    assert len(serve.consoles()) == 1
    wait_until(lambda: _seat_pid(serve, "seat2") is None, "seat2 free on the teacher's page")
    browser.to(browser.driver.window_handles[0])
    browser.open(serve.url + "/")
    assert online_seat(browser) == "seat2"  # the freed seat is given again


def test_stopping_serve_with_ctrl_c_leaves_no_process(tmp_path, browser):
    running = Serve(seats=2)
    for _tab in range(2):
        browser.open(running.url + "/")
        online_seat(browser)
    family = _descendants(running.process.pid)
    consoles = [command for command in family.values() if " _seat " in command]
    assert len(consoles) == 2
    classroom = Path(consoles[0].split(" _seat ")[1].split()[0])
    assert (classroom / "classroom.json").exists()
    assert any("prosody" in command for command in family.values())
    started = time.monotonic()
    assert running.stop(signal.SIGINT) == 0
    print(f"\nCtrl+C → serve exited: {time.monotonic() - started:.1f} s")
    wait_until(lambda: not any(_alive(pid) for pid in family), "every process of the class to end", timeout=10)
    assert not classroom.parent.exists()  # the sandbox's directory, the accounts' passwords with it


def test_a_killed_serve_takes_its_consoles_and_server_along(browser):
    running = Serve(seats=1)
    browser.open(running.url + "/")
    online_seat(browser)
    family = _descendants(running.process.pid)
    classroom = next(
        Path(command.split(" _seat ")[1].split()[0]) for command in family.values() if " _seat " in command
    )
    running.process.kill()
    running.process.wait()
    wait_until(lambda: not any(_alive(pid) for pid in family), "the consoles and Prosody to end after a SIGKILL")
    # Nothing holds the class's directory any more: the next sandbox start would sweep it; do it now.
    assert classroom.parent in remove_orphans()


def test_a_full_classroom_says_so_in_the_tab(browser):
    running = Serve(seats=1)
    try:
        browser.open(running.url + "/")
        online_seat(browser)
        browser.open(running.url + "/")
        browser.wait_for(r"every seat is taken \(1 of 1\)")
    finally:
        assert running.stop() == 0


def test_other_sites_and_names_are_refused(serve):
    def status(path: str, headers: dict[str, str]) -> int:
        request = urllib.request.Request(serve.url + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=START_TIMEOUT) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13"}
    upgrade["Sec-WebSocket-Key"] = "dGhlIHNhbXBsZSBub25jZQ=="
    assert status("/ws", {**upgrade, "Origin": "http://evil.example"}) == 403  # another web site's page
    assert status("/ws", upgrade) == 403  # no page at all
    assert status("/", {"Host": f"rebound.example:{serve.port}"}) == 421  # DNS rebinding
    assert status("/teacher", {}) == 200
    assert not serve.consoles()


def test_a_public_address_is_warned_about():
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(IQCONSOLE), "serve", "--host", "0.0.0.0", "--port", str(port), "--seats", "1"],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )
    assert "WARNING: listening on 0.0.0.0" in result.stderr
    assert f"cannot listen on 0.0.0.0:{port}" in result.stderr
    assert result.returncode == 3


def _seat_pid(serve: Serve, seat: str) -> int | None:
    """The console pid the teacher's page shows for `seat` (None: free)."""
    with urllib.request.urlopen(serve.url + "/teacher", timeout=START_TIMEOUT) as response:
        page = response.read().decode()
    row = re.search(rf'data-seat="{seat}">(.*?)</tr>', page, re.DOTALL)
    assert row is not None, page
    pid = re.search(r"console pid (\d+)", row.group(1))
    return int(pid.group(1)) if pid else None


def _descendants(root: int) -> dict[int, str]:
    """Every live process under `root`: pid → command line."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
            except (OSError, ValueError):
                continue
    found: dict[int, str] = {}
    todo = [root]
    while todo:
        parent = todo.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                try:
                    found[pid] = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue
                todo.append(pid)
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
