"""Shared fixtures: one throwaway Prosody, and one ejabberd, per test session (per worker under
pytest-xdist), each started the first time a test needs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from iqconsole.core.sandbox import ProsodySandbox, SandboxError
from iqconsole.core.sandbox_servers import SERVERS, make_sandbox

SANDBOX_USERS = ("alice", "bob", "carol")
_KEPT_SANDBOXES = pytest.StashKey[list]()


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
    kept = config.stash.get(_KEPT_SANDBOXES, [])
    if kept and not hasattr(config, "workeroutput"):
        terminalreporter.section("kept sandbox servers")
        for text in kept:
            terminalreporter.write_line(text)
