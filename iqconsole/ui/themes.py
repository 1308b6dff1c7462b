"""Textual themes (app and editor) built from the theme files the core loads."""

from __future__ import annotations

from rich.style import Style
from textual.theme import Theme
from textual.widgets.text_area import TextAreaTheme

from iqconsole.core.highlight import ROLES
from iqconsole.core.themes import ThemeSpec

# Variables every theme must define (their defaults come from the dark theme's values).
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


def to_textual_theme(spec: ThemeSpec) -> Theme:
    return Theme(
        name=spec.name,
        primary=spec.primary,
        secondary=spec.secondary,
        warning=spec.warning,
        error=spec.error,
        success=spec.success,
        accent=spec.accent,
        foreground=spec.foreground,
        background=spec.background,
        surface=spec.surface,
        panel=spec.panel,
        boost=spec.boost,
        dark=spec.dark,
        luminosity_spread=spec.luminosity_spread,
        text_alpha=spec.text_alpha,
        variables={**VARIABLE_DEFAULTS, **spec.variables},
    )


def role_styles(variables: dict[str, str]) -> dict[str, Style]:
    """Rich styles for each XML role, from the current theme's variables."""
    return {role: Style(color=variables.get(f"xml-{role}", VARIABLE_DEFAULTS[f"xml-{role}"])) for role in ROLES}


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
