"""Every file iqconsole writes is private to the user (0600, folders it creates 0700) and
replaced whole, never left half-written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from iqconsole.core import locations
from iqconsole.core.history import History, save_draft
from iqconsole.core.private_files import append_privately, write_atomically
from iqconsole.core.responder_files import save_responders
from iqconsole.core.responders import ResponderSet
from iqconsole.core.templates import save_user_template
from iqconsole.core.traffic import Direction, Kind, TrafficStore
from iqconsole.core.traffic_export import write_jsonl, write_xml


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask most systems have: without care, files would be 0644 and folders 0755."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_draft_and_history_are_private(tmp_path):
    save_draft(tmp_path / "new" / "draft.xml", "<presence/>")
    history = History(tmp_path / "new" / "history.jsonl", limit=1)
    history.add("<iq type='get'/>")
    history.add("<iq type='set'/>")  # the second add rewrites the file with the newest only
    assert mode(tmp_path / "new" / "draft.xml") == 0o600 and mode(tmp_path / "new") == 0o700
    assert mode(tmp_path / "new" / "history.jsonl") == 0o600


def test_an_older_world_readable_history_becomes_private_at_the_next_send(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text("")
    path.chmod(0o644)
    History(path).add("<presence/>")
    assert mode(path) == 0o600


@pytest.mark.parametrize("writer", [write_jsonl, write_xml])
def test_exports_are_private(tmp_path, writer):
    store = TrafficStore()
    store.append(Direction.OUT, Kind.PRESENCE, "<presence/>", tag="presence")
    path = tmp_path / "exports" / f"log.{writer.__name__[6:]}"
    assert writer(path, store) == 1
    assert mode(path) == 0o600 and mode(path.parent) == 0o700


def test_templates_and_responder_sets_are_private(tmp_path):
    template = save_user_template(tmp_path / "templates", "Mine", "<presence/>")
    responders = save_responders(ResponderSet(), tmp_path / "responders" / "set.toml")
    assert mode(template) == 0o600 and mode(template.parent) == 0o700
    assert mode(responders) == 0o600 and mode(responders.parent) == 0o700


def test_only_the_folders_it_creates_are_made_private(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    write_atomically(shared / "mine" / "deeper" / "file.txt", "x")
    assert mode(shared) == 0o755, "an existing folder is left as it was"
    assert mode(shared / "mine") == 0o700 and mode(shared / "mine" / "deeper") == 0o700


def test_a_failed_write_keeps_the_old_file_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "draft.xml"
    write_atomically(path, "old")

    class Unwritable:
        def __str__(self) -> str:
            raise RuntimeError("disk full")

    with pytest.raises(TypeError):
        write_atomically(path, Unwritable())  # type: ignore[arg-type]
    assert path.read_text() == "old" and [entry.name for entry in tmp_path.iterdir()] == ["draft.xml"]


def test_append_adds_at_the_end(tmp_path):
    append_privately(tmp_path / "log", "a\n")
    append_privately(tmp_path / "log", "b\n")
    assert (tmp_path / "log").read_text() == "a\nb\n" and mode(tmp_path / "log") == 0o600


def test_the_log_file_is_private():
    completed = subprocess.run(
        [sys.executable, "-m", "iqconsole", "view", "/nonexistent/log.jsonl"], capture_output=True, text=True
    )
    assert completed.returncode == 2
    path = locations.log_file()
    assert path.is_file() and mode(path) == 0o600 and mode(path.parent) == 0o700
