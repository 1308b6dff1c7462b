"""Shared fixtures: one throwaway Prosody, and one ejabberd, per test session (per worker under
pytest-xdist), each started the first time a test needs it."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from iqconsole.core.sandbox import ProsodySandbox, SandboxError
from iqconsole.core.sandbox_owner import OWNER_LOCK, PREFIX
from iqconsole.core.sandbox_servers import SERVERS, make_sandbox

SANDBOX_USERS = ("alice", "bob", "carol")
_KEPT_SANDBOXES = pytest.StashKey[list[str]]()
_SANDBOX_DIRS_BEFORE = pytest.StashKey[set[Path]]()
_LEFT_SANDBOXES = pytest.StashKey[list[str]]()


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the user's real config, data (history, draft, templates) or state."""
    home = tmp_path_factory.mktemp("xdg")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    return home


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember on the session that something failed, so the server's directory is kept for a look."""
    report = yield
    if report.failed:
        item.session.iqconsole_failed = True
    return report


@pytest.fixture(scope="session")
def prosody(request):
    """A running ProsodySandbox with the accounts alice, bob and carol.

    If any test of the session failed, its directory (config, data, log) is kept and reported at the end.
    """
    yield from _running("prosody", request)


@pytest.fixture(scope="session")
def ejabberd(request):
    """A running EjabberdSandbox with the accounts alice, bob and carol (kept like Prosody's)."""
    yield from _running("ejabberd", request)


@pytest.fixture(params=list(SERVERS))
def server(request) -> ProsodySandbox:
    """Each sandbox server in turn: a test taking `server` runs once per server."""
    return request.getfixturevalue(request.param)


def _running(name: str, request: pytest.FixtureRequest) -> Iterator[ProsodySandbox]:
    try:
        sandbox = make_sandbox(name, SANDBOX_USERS).start()
    except SandboxError as error:
        pytest.fail(str(error), pytrace=False)
    yield sandbox
    if getattr(request.session, "iqconsole_failed", False):
        tail = sandbox.log_tail()
        sandbox.stop(keep=True)
        _report_kept(request.config, f"{name} sandbox kept in {sandbox.directory}\n{tail}")
    else:
        sandbox.stop()


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SANDBOX_DIRS_BEFORE] = set(_sandbox_dirs())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run fails when it leaves sandbox folders behind: one this process still owns (a test
    that forgot stop()) or one whose owner is gone (a killed console nobody swept). Folders that were
    there before, or that have no owner lock (kept for a post-mortem), and live sandboxes of another
    process (another test run) are not counted."""
    before = session.config.stash.get(_SANDBOX_DIRS_BEFORE, set())
    left = sorted(str(path) for path in set(_sandbox_dirs()) - before if _left_by_this_run(path))
    if left:
        session.config.stash[_LEFT_SANDBOXES] = left
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _sandbox_dirs() -> list[Path]:
    return [path for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*-*") if path.is_dir()]


def _left_by_this_run(directory: Path) -> bool:
    """Its owner lock names this process, or nobody holds it any more."""
    try:
        descriptor = os.open(directory / OWNER_LOCK, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        if os.read(descriptor, 32).strip() == str(os.getpid()).encode():
            return True
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(descriptor)


def _report_kept(config: pytest.Config, text: str) -> None:
    config.stash.setdefault(_KEPT_SANDBOXES, []).append(text)
    if hasattr(config, "workeroutput"):  # an xdist worker: the controller prints it
        config.workeroutput.setdefault("iqconsole_kept_sandboxes", []).append(text)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist controller: collect what the workers kept."""
    kept = getattr(node, "workeroutput", {}).get("iqconsole_kept_sandboxes", [])
    node.config.stash.setdefault(_KEPT_SANDBOXES, []).extend(kept)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    left = config.stash.get(_LEFT_SANDBOXES, [])
    if left:
        terminalreporter.section("sandbox folders left behind by this run", red=True)
        for path in left:
            terminalreporter.write_line(path)
    kept = config.stash.get(_KEPT_SANDBOXES, [])
    if kept and not hasattr(config, "workeroutput"):
        terminalreporter.section("kept sandbox servers")
        for text in kept:
            terminalreporter.write_line(text)
