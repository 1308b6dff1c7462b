"""Theme files (TOML) as plain data; the UI turns them into Textual themes.

Built-ins ship in the package; files in the user's themes folder override them by name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from iqconsole.core import locations

DEFAULT_THEME = "iqconsole-dark"
REQUIRED = ("name", "primary")


@dataclass(frozen=True)
class ThemeSpec:
    name: str
    colours: dict[str, object]
    variables: dict[str, str] = field(default_factory=dict)
    source: Path | None = None


class ThemeError(ValueError):
    """A theme file that cannot be used, naming the file and the problem."""


def load_theme(path: Path) -> ThemeSpec:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ThemeError(f"{path}: {error}") from None
    missing = [key for key in REQUIRED if key not in data]
    if missing:
        raise ThemeError(f"{path}: missing {', '.join(missing)}")
    variables = data.pop("variables", {})
    if not isinstance(variables, dict):
        raise ThemeError(f"{path}: [variables] must be a table")
    name = str(data.pop("name"))
    return ThemeSpec(name, data, {str(k): str(v) for k, v in variables.items()}, path)


def discover_themes(extra_dirs: tuple[Path, ...] = ()) -> tuple[dict[str, ThemeSpec], list[str]]:
    """All usable themes by name, and the errors of the files that could not be loaded."""
    themes: dict[str, ThemeSpec] = {}
    errors: list[str] = []
    for directory in (locations.builtin_themes_dir(), locations.user_themes_dir(), *extra_dirs):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                spec = load_theme(path)
            except ThemeError as error:
                errors.append(str(error))
                continue
            themes[spec.name] = spec
    return themes, errors
