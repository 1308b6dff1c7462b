"""Theme files (TOML) as plain data, checked when they are loaded; the UI turns them into
Textual themes. Built-ins ship in the package; files in the user's themes folder override them
by name. What a colour is, is Textual's to say: the UI passes its colour check in, so a theme
that loads can always be selected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iqconsole.core import locations
from iqconsole.core.settings import Check, SettingError, flag, fraction, read_table, read_toml, table, text

DEFAULT_THEME = "iqconsole-dark"
PALETTE = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
# The console's own colours (`[variables]`), with the dark theme's values as defaults.
VARIABLE_DEFAULTS = {
    "xml-tag": "#5fafff",
    "xml-attribute": "#87d7af",
    "xml-string": "#ffd787",
    "xml-text": "#d0d0d0",
    "xml-comment": "#6c7380",
    "xml-punctuation": "#8a93a3",
    "traffic-in": "#87d787",
    "traffic-out": "#ffaf5f",
    "traffic-time": "#6c7380",
}


@dataclass(frozen=True)
class ThemeSpec:
    """A checked theme file: Textual's theme fields (unset ones keep Textual's defaults) and the
    console's own variables."""

    name: str
    palette: dict[str, str]  # PALETTE name -> colour; `primary` is always there
    dark: bool = True
    luminosity_spread: float = 0.15
    text_alpha: float = 0.95
    variables: dict[str, str] = field(default_factory=dict)
    source: Path | None = None


class ThemeError(SettingError):
    """A theme file that cannot be used, naming the file, the key and the problem."""


def theme_keys(colour: Check[str]) -> dict[str, Check[Any]]:
    return {
        "name": text,
        "dark": flag,
        **dict.fromkeys(PALETTE, colour),
        "luminosity_spread": fraction,
        "text_alpha": fraction,
        "variables": table(dict.fromkeys(VARIABLE_DEFAULTS, colour)),
    }


def load_theme(path: Path, colour: Check[str]) -> ThemeSpec:
    try:
        values = read_table(read_toml(path, ThemeError), theme_keys(colour), required=("name", "primary"))
    except SettingError as error:
        raise error.at(path, kind=ThemeError) from None
    palette = {key: values.pop(key) for key in PALETTE if key in values}
    return ThemeSpec(palette=palette, source=path, **values)


def discover_themes(colour: Check[str], extra_dirs: tuple[Path, ...] = ()) -> tuple[dict[str, ThemeSpec], list[str]]:
    """All usable themes by name, and the errors of the files that could not be loaded."""
    themes: dict[str, ThemeSpec] = {}
    errors: list[str] = []
    for directory in (locations.builtin_themes_dir(), locations.user_themes_dir(), *extra_dirs):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                spec = load_theme(path, colour)
            except ThemeError as error:
                errors.append(str(error))
                continue
            themes[spec.name] = spec
    return themes, errors
