"""How far a learner got, kept across restarts in a small JSON file of the state folder.

    {"current": "01-what-is-an-iq", "done": {"01-what-is-an-iq": 2}}

`done` counts the steps finished of each lesson (by its file name). A file that cannot be read
is set aside as `<name>.bad` (never overwritten: it is the learner's), and learning starts afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from iqconsole.core.private_files import write_atomically

__all__ = ["Progress"]


@dataclass
class Progress:
    path: Path
    done: dict[str, int] = field(default_factory=dict)
    current: str = ""
    problem: str = ""  # why an unreadable file was set aside ("" when all was well)

    @classmethod
    def load(cls, path: Path) -> Progress:
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError) as error:
            return cls._set_aside(path, f"cannot read it: {getattr(error, 'strerror', None) or error}")
        try:
            data = json.loads(raw)
            done = {str(key): int(count) for key, count in data.get("done", {}).items() if int(count) > 0}
            current = str(data.get("current", ""))
        except (ValueError, TypeError, AttributeError) as error:
            return cls._set_aside(path, f"not lesson progress ({error})")
        return cls(path, done, current)

    @classmethod
    def _set_aside(cls, path: Path, problem: str) -> Progress:
        kept = path.with_name(path.name + ".bad")
        try:
            path.replace(kept)
        except OSError:
            return cls(path, problem=f"{path}: {problem}; progress is not saved until it is moved away")
        return cls(path, problem=f"{path}: {problem}; kept as {kept}, starting afresh")

    def steps_done(self, key: str) -> int:
        return self.done.get(key, 0)

    def record(self, key: str, steps_done: int) -> None:
        """Remember `steps_done` of lesson `key` and that it is the one open; written at once."""
        self.current = key
        if steps_done > 0:
            self.done[key] = steps_done
        else:
            self.done.pop(key, None)
        self.save()

    def reset(self, key: str) -> None:
        """Forget the steps done of lesson `key`; the lesson the learner is on stays `current`."""
        self.done.pop(key, None)
        self.save()

    def save(self) -> None:
        """Written atomically; an unreadable old file still in place is never overwritten."""
        if self.problem and self.path.exists():
            return
        write_atomically(self.path, json.dumps({"current": self.current, "done": self.done}, indent=1) + "\n")
