"""Textual themes (app and editor) built from the theme files the core loads."""

from __future__ import annotations

from rich.style import Style
from textual.app import App
from textual.theme import Theme
from textual.widgets.text_area import TextAreaTheme

from iqconsole.core.highlight import ROLES
from iqconsole.core.themes import DEFAULT_THEME, ThemeSpec, discover_themes

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


def use_themes(app: App, requested: str) -> None:
    """Register the built-in and the user's themes, say which files could not be loaded, and
    switch to `requested` (or to the default theme, saying why)."""
    themes, errors = discover_themes()
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
    """Rich styles for each XML role, from the current theme's variables."""
    return {role: Style(color=variables.get(f"xml-{role}", VARIABLE_DEFAULTS[f"xml-{role}"])) for role in ROLES}


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
