"""What the composer remembers across restarts: the stanzas sent, and the unsent draft.

History is a JSON Lines file (one `{"time": …, "text": …}` per send, oldest first), bounded:
when it holds twice the limit it is rewritten with the newest `limit` entries. The draft is the
editor's text in a plain file, written atomically so a crash never leaves half of it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from iqconsole.core.private_files import append_privately, write_atomically
from iqconsole.core.redact import redact

__all__ = ["DEFAULT_HISTORY_LIMIT", "History", "load_draft", "save_draft"]

DEFAULT_HISTORY_LIMIT = 500


def save_draft(path: Path, text: str) -> None:
    write_atomically(path, text)


def load_draft(path: Path) -> str | None:
    """The saved draft, or None when there is none (or it cannot be read)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


class History:
    """Sent stanzas, oldest first, and a cursor to walk them from the newest back.

    Walking starts from the text being edited: `older(current)` keeps it, and `newer()` past
    the newest entry gives it back, so walking never loses a draft.
    """

    def __init__(self, path: Path, limit: int = DEFAULT_HISTORY_LIMIT):
        self.path = path
        self.limit = limit
        self._lines_in_file = 0
        self.entries: list[str] = self._read()
        self._position: int | None = None  # index into entries while walking
        self._kept = ""

    def _read(self) -> list[str]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            return []
        self._lines_in_file = len(lines)
        entries = []
        for line in lines:
            try:
                text = json.loads(line)["text"]
            except (ValueError, KeyError, TypeError):
                continue  # a torn or edited line: skip it, keep the rest
            if isinstance(text, str):
                entries.append(text)
        return entries[-self.limit :]

    def add(self, text: str) -> None:
        """Remember a sent text (not twice in a row, secrets redacted) and stop walking."""
        self._position = None
        self._kept = ""
        text = redact(text.strip())[0]
        if not text or (self.entries and self.entries[-1] == text):
            return
        self.entries.append(text)
        line = json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "text": text}, ensure_ascii=False)
        append_privately(self.path, line + "\n")
        self._lines_in_file += 1
        self.entries = self.entries[-self.limit :]
        if self._lines_in_file >= 2 * self.limit:
            kept = self.path.read_text(encoding="utf-8").splitlines()[-self.limit :]
            write_atomically(self.path, "\n".join(kept) + "\n")
            self._lines_in_file = len(kept)

    def older(self, current: str) -> str | None:
        """The entry before the one shown (the newest at first), or None at the oldest."""
        if not self.entries:
            return None
        if self._position is None:
            if self._kept.strip() and self._kept != current:
                self.entries.append(self._kept)  # an earlier draft stays reachable, never dropped
            self._kept = current
            self._position = len(self.entries)
        if self._position == 0:
            return None
        self._position -= 1
        return self.entries[self._position]

    def newer(self) -> str | None:
        """The entry after the one shown; past the newest, the text that was being edited."""
        if self._position is None:
            return None
        self._position += 1
        if self._position >= len(self.entries):
            self._position = None
            return self._kept
        return self.entries[self._position]

    def stop_walking(self) -> None:
        self._position = None
