"""Where iqconsole keeps its files; `iqconsole locate` prints them."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_path, user_data_path, user_state_path

APP = "iqconsole"
PACKAGE_DIR = Path(__file__).resolve().parent.parent


def config_file() -> Path:
    return user_config_path(APP) / "config.toml"


def data_dir() -> Path:
    return user_data_path(APP)


def user_themes_dir() -> Path:
    return data_dir() / "themes"


def responders_dir() -> Path:
    return data_dir() / "responders"


def state_dir() -> Path:
    return user_state_path(APP)


def log_file() -> Path:
    return state_dir() / "iqconsole.log"


def builtin_themes_dir() -> Path:
    """Inside the wheel the themes are packaged; in a source checkout they sit at the top."""
    packaged = PACKAGE_DIR / "themes"
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / "themes"


def all_locations() -> dict[str, Path]:
    return {
        "config": config_file(),
        "data": data_dir(),
        "themes": user_themes_dir(),
        "responders": responders_dir(),
        "builtin-themes": builtin_themes_dir(),
        "log": log_file(),
    }
