"""Theme files (TOML) as plain data; the UI turns them into Textual themes.

Built-ins ship in the package; files in the user's themes folder override them by name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import get_type_hints

from iqconsole.core import locations

DEFAULT_THEME = "iqconsole-dark"
REQUIRED = ("name", "primary")


@dataclass(frozen=True)
class ThemeSpec:
    """A checked theme file: Textual's theme fields (unset ones keep Textual's defaults) and the
    console's own variables."""

    name: str
    primary: str
    secondary: str | None = None
    warning: str | None = None
    error: str | None = None
    success: str | None = None
    accent: str | None = None
    foreground: str | None = None
    background: str | None = None
    surface: str | None = None
    panel: str | None = None
    boost: str | None = None
    dark: bool = True
    luminosity_spread: float = 0.15
    text_alpha: float = 0.95
    variables: dict[str, str] = field(default_factory=dict)
    source: Path | None = None


# What a theme file may set at its top level besides [variables], with the type each must have.
_TOP_LEVEL = {
    key: kind for key, kind in get_type_hints(ThemeSpec).items() if key not in ("name", "variables", "source")
}
_COLOUR = 'a colour such as "#5fafff"'
_WANTED = {str: _COLOUR, str | None: _COLOUR, bool: "true or false", float: "a number"}


def _problem(key: str, value: object) -> str | None:
    """What is wrong with `value` at the top-level `key`, or None when it fits."""
    if key not in _TOP_LEVEL:
        return f"unknown key {key!r}; use: name, {', '.join(_TOP_LEVEL)} and a [variables] table"
    kind = _TOP_LEVEL[key]
    if isinstance(value, kind) or (kind is float and type(value) is int):
        return None
    return f"{key} must be {_WANTED[kind]}, not {value!r}"


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
    for key, value in data.items():
        problem = _problem(key, value)
        if problem:
            raise ThemeError(f"{path}: {problem}")
    return ThemeSpec(name, **data, variables={str(k): str(v) for k, v in variables.items()}, source=path)


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
