"""Textual themes (app and editor) built from the theme files the core loads, and the colour
check those files are loaded with (Textual's own parser: a theme that loads can be selected)."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme
from textual.widgets.text_area import TextAreaTheme

from iqconsole.core.highlight import ROLES
from iqconsole.core.settings import SettingError, text
from iqconsole.core.themes import DEFAULT_THEME, VARIABLE_DEFAULTS, ThemeSpec, discover_themes

__all__ = [
    "VARIABLE_DEFAULTS",
    "colour",
    "editor_theme",
    "known_theme",
    "role_styles",
    "to_textual_theme",
    "use_themes",
]

COLOURS_ALLOWED = "#rrggbb, #rgb, rgb(r, g, b), hsl(h, s%, l%) or a colour name such as red"


def colour(value: Any) -> str:
    """A colour Textual can use, as written in the file."""
    written = text(value)
    try:
        Color.parse(written)
    except ColorParseError:
        raise SettingError(f"{written!r} is not a colour", allowed=COLOURS_ALLOWED) from None
    return written


def known_theme(value: Any) -> str:
    """A theme the app can switch to (a theme file that loads, or one of Textual's), so that a
    misspelt --theme or config `theme` is refused before the screen opens."""
    name = text(value)
    files, _ = discover_themes(colour)
    if name not in files and name not in BUILTIN_THEMES:
        available = [*sorted(files), *sorted(set(BUILTIN_THEMES) - set(files))]
        raise SettingError(f"no theme named {name!r}", allowed=", ".join(available))
    return name


def to_textual_theme(spec: ThemeSpec) -> Theme:
    palette = spec.palette
    return Theme(
        name=spec.name,
        primary=palette["primary"],
        secondary=palette.get("secondary"),
        warning=palette.get("warning"),
        error=palette.get("error"),
        success=palette.get("success"),
        accent=palette.get("accent"),
        foreground=palette.get("foreground"),
        background=palette.get("background"),
        surface=palette.get("surface"),
        panel=palette.get("panel"),
        boost=palette.get("boost"),
        dark=spec.dark,
        luminosity_spread=spec.luminosity_spread,
        text_alpha=spec.text_alpha,
        variables={**VARIABLE_DEFAULTS, **spec.variables},
    )


def use_themes(app: App, requested: str) -> None:
    """Register the built-in and the user's themes, say which files could not be loaded, and
    switch to `requested` (or to the default theme, saying why)."""
    themes, errors = discover_themes(colour)
    for spec in themes.values():
        app.register_theme(to_textual_theme(spec))
    for error in errors:
        app.notify(error, title="Theme not loaded", severity="error")
    if requested in app.available_themes:
        app.theme = requested
    else:
        app.notify(
            f"No theme named {requested!r}; using {DEFAULT_THEME}. Available: {', '.join(sorted(themes))}",
            severity="error",
        )
        app.theme = DEFAULT_THEME


def role_styles(variables: dict[str, str]) -> dict[str, Style]:
    """Rich styles for each XML role, from the current theme's variables (any colour Textual reads)."""
    return {
        role: Style(color=Color.parse(variables.get(f"xml-{role}", VARIABLE_DEFAULTS[f"xml-{role}"])).rich_color)
        for role in ROLES
    }


def editor_theme(name: str, variables: dict[str, str]) -> TextAreaTheme:
    """The XML editor's colours follow the app theme (tree-sitter highlight names).

    Text between tags (`markup`) is left to the editor's own colour (`$xml-text` in the
    stylesheet): tree-sitter's text node runs from the end of one line to the start of the next,
    and Textual 8.2.8 draws such a piece ending at column 0 over the whole line, hiding the tag
    colours of every line that starts with a tag."""
    styles = role_styles(variables)
    return TextAreaTheme(
        name=f"iqconsole-{name}",
        syntax_styles={
            "tag": styles["tag"],
            "property": styles["attribute"],
            "string": styles["string"],
            "comment": styles["comment"],
            "operator": styles["punctuation"],
            "punctuation.delimiter": styles["punctuation"],
            "punctuation.bracket": styles["punctuation"],
            "constant": styles["string"],
        },
    )
