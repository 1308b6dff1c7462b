"""Textual themes (app and editor) built from the theme files the core loads, and the colour
check those files are loaded with (Textual's own parser: a theme that loads can be selected)."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.theme import Theme
from textual.widgets.text_area import TextAreaTheme

from iqconsole.core.highlight import ROLES
from iqconsole.core.settings import SettingError, text
from iqconsole.core.themes import VARIABLE_DEFAULTS, ThemeSpec

__all__ = ["VARIABLE_DEFAULTS", "colour", "editor_theme", "role_styles", "to_textual_theme"]

COLOURS_ALLOWED = "#rrggbb, #rgb, rgb(r, g, b), hsl(h, s%, l%) or a colour name such as red"


def colour(value: Any) -> str:
    """A colour Textual can use, as written in the file."""
    written = text(value)
    try:
        Color.parse(written)
    except ColorParseError:
        raise SettingError(f"{written!r} is not a colour", allowed=COLOURS_ALLOWED) from None
    return written


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


def role_styles(variables: dict[str, str]) -> dict[str, Style]:
    """Rich styles for each XML role, from the current theme's variables (any colour Textual reads)."""
    return {
        role: Style(color=Color.parse(variables.get(f"xml-{role}", VARIABLE_DEFAULTS[f"xml-{role}"])).rich_color)
        for role in ROLES
    }


def editor_theme(name: str, variables: dict[str, str]) -> TextAreaTheme:
    """The XML editor's colours follow the app theme (tree-sitter highlight names)."""
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
            "markup": styles["text"],
        },
    )
