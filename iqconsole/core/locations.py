"""Where iqconsole keeps its files; `iqconsole locate` prints them."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_path, user_data_path, user_state_path

APP = "iqconsole"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def config_file() -> Path:
    return user_config_path(APP) / "config.toml"


def accounts_file() -> Path:
    """The accounts `iqconsole --accounts NAMES` logs in together (no passwords)."""
    return user_config_path(APP) / "accounts.toml"


def data_dir() -> Path:
    return user_data_path(APP)


def user_themes_dir() -> Path:
    return data_dir() / "themes"


def responders_dir() -> Path:
    return data_dir() / "responders"


def templates_dir() -> Path:
    """The user's own templates (they override built-ins of the same file name)."""
    return data_dir() / "templates"


def history_file() -> Path:
    """Every stanza sent from the composer, newest last (JSON Lines, bounded)."""
    return data_dir() / "history.jsonl"


def draft_file() -> Path:
    """The composer's text, saved as you type, restored at the next start."""
    return data_dir() / "draft.xml"


def lessons_dir() -> Path:
    """The user's own lessons (they override built-ins of the same file name)."""
    return data_dir() / "lessons"


def state_dir() -> Path:
    return user_state_path(APP)


def lesson_progress_file() -> Path:
    """How far the learner got in each lesson (`iqconsole learn`)."""
    return state_dir() / "lesson-progress.json"


def log_file() -> Path:
    return state_dir() / "iqconsole.log"


def journal_dir() -> Path:
    """Each session's traffic, appended as it happens (JSON Lines, rotated by size)."""
    return state_dir() / "journal"


def builtin_themes_dir() -> Path:
    """Inside the wheel the themes are packaged; in a source checkout they sit at the top."""
    packaged = PACKAGE_DIR / "themes"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "themes"


def all_locations() -> dict[str, Path]:
    return {
        "config": config_file(),
        "accounts": accounts_file(),
        "data": data_dir(),
        "themes": user_themes_dir(),
        "responders": responders_dir(),
        "templates": templates_dir(),
        "history": history_file(),
        "draft": draft_file(),
        "lessons": lessons_dir(),
        "lesson-progress": lesson_progress_file(),
        "builtin-themes": builtin_themes_dir(),
        "log": log_file(),
        "journal": journal_dir(),
    }
