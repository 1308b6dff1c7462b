"""XML highlighting roles and theme files."""

from __future__ import annotations

import pytest
from textual.theme import Theme

from iqconsole.core import locations
from iqconsole.core.highlight import ROLES, xml_spans
from iqconsole.core.themes import DEFAULT_THEME, ThemeError, discover_themes, load_theme
from iqconsole.ui.themes import VARIABLE_DEFAULTS, colour, to_textual_theme

SAMPLE = "<iq type='get' id=\"a1\"><query xmlns='jabber:iq:version'/><!-- why --></iq>"


def runs(xml: str, role: str) -> list[str]:
    return [xml[start:end] for start, end, span_role in xml_spans(xml) if span_role == role]


def test_spans_cover_tags_attributes_strings_and_comments():
    assert runs(SAMPLE, "tag") == ["<iq", ">", "<query", "/>", "</iq>"]
    assert [attribute.rstrip("=") for attribute in runs(SAMPLE, "attribute")] == ["type", "id", "xmlns"]
    assert runs(SAMPLE, "string") == ["'get'", '"a1"', "'jabber:iq:version'"]
    assert runs(SAMPLE, "comment") == ["<!-- why -->"]


def test_spans_are_ordered_in_bounds_and_use_known_roles():
    spans = xml_spans(SAMPLE)
    assert spans
    previous_end = 0
    for start, end, role in spans:
        assert role in ROLES
        assert previous_end <= start < end <= len(SAMPLE)
        previous_end = end


def test_text_content_is_not_a_tag():
    xml = "<message><body>hello there</body></message>"
    assert "hello there" not in "".join(runs(xml, "tag"))
    assert "<body" in runs(xml, "tag")


def test_empty_text_has_no_spans():
    assert xml_spans("") == []


# -- themes -------------------------------------------------------------------------------


@pytest.fixture
def user_themes(tmp_path, monkeypatch):
    """An empty user themes folder, so the real one on this machine does not leak in."""
    folder = tmp_path / "themes"
    folder.mkdir()
    monkeypatch.setattr(locations, "user_themes_dir", lambda: folder)
    return folder


def test_builtin_themes_are_found(user_themes):
    themes, errors = discover_themes(colour)
    assert errors == []
    assert {"iqconsole-dark", "iqconsole-light"} <= set(themes)
    assert DEFAULT_THEME in themes
    assert themes["iqconsole-dark"].palette["primary"]
    assert themes["iqconsole-light"].dark is False


@pytest.mark.parametrize("name", ["iqconsole-dark", "iqconsole-light"])
def test_builtin_themes_define_every_console_variable(user_themes, name):
    themes, _ = discover_themes(colour)
    spec = themes[name]
    required = {key for key in VARIABLE_DEFAULTS if key.startswith(("xml-", "traffic-"))}
    assert required  # the UI does declare some
    missing = required - set(spec.variables)
    assert not missing, f"{name} lacks {sorted(missing)}"
    for key in required:
        assert spec.variables[key].startswith("#"), (key, spec.variables[key])


def test_builtin_themes_cover_every_highlight_role(user_themes):
    themes, _ = discover_themes(colour)
    for spec in (themes["iqconsole-dark"], themes["iqconsole-light"]):
        assert {f"xml-{role}" for role in ROLES} <= set(spec.variables)


def test_user_theme_overrides_builtin_by_name(user_themes):
    (user_themes / "mine.toml").write_text('name = "iqconsole-dark"\nprimary = "#123456"\n', encoding="utf-8")
    themes, errors = discover_themes(colour)
    assert errors == []
    assert themes["iqconsole-dark"].palette["primary"] == "#123456"
    assert themes["iqconsole-dark"].source == user_themes / "mine.toml"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('name = "broken"\nprimary = [\n', ["broken.toml"]),
        ('primary = "#ffffff"\n', ["broken.toml", "missing", "name"]),
        ('name = "broken"\n', ["missing", "primary"]),
        ('name = "broken"\nprimary = "#fff"\nvariables = "oops"\n', ["variables: 'oops' is not a table"]),
        ('name = "broken"\nprimary = "#fff"\nsurface = "#12345"\n', ["surface: '#12345' is not a colour", "allowed"]),
        ('name = "broken"\nprimary = "#fff"\n[variables]\nxml-tag = "blurple"\n', ["variables.xml-tag", "colour"]),
        ('name = "broken"\nprimary = "#fff"\n[variables]\nxml-tga = "#fff"\n', ["xml-tga: unknown key"]),
        ('name = "broken"\nprimary = "#fff"\ndark = "yes"\n', ["dark: 'yes' is not true or false"]),
        ('name = "broken"\nprimary = "#fff"\nprimray = "#fff"\n', ["primray: unknown key", "primary"]),
    ],
)
def test_broken_theme_is_reported_not_raised(user_themes, content, words):
    (user_themes / "broken.toml").write_text(content, encoding="utf-8")
    themes, errors = discover_themes(colour)
    assert len(errors) == 1
    for word in words:
        assert word in errors[0]
    assert "broken" not in themes
    assert {"iqconsole-dark", "iqconsole-light"} <= set(themes)  # the others still load


def test_theme_fields_become_textual_theme_fields(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nprimary = "#123456"\ndark = false\ntext_alpha = 1\n', encoding="utf-8")
    theme = to_textual_theme(load_theme(path, colour))
    assert (theme.name, theme.primary, theme.dark, theme.text_alpha) == ("mine", "#123456", False, 1)
    assert theme.luminosity_spread == Theme(name="any", primary="#000000").luminosity_spread  # Textual's default
    assert theme.variables["xml-tag"] == VARIABLE_DEFAULTS["xml-tag"]


def test_load_theme_raises_theme_error_naming_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(ThemeError, match=r"bad\.toml"):
        load_theme(path, colour)


def test_non_utf8_theme_is_reported_not_raised(user_themes):
    (user_themes / "latin1.toml").write_bytes('name = "latin1"\nprimary = "#fff"\n# café\n'.encode("latin-1"))
    themes, errors = discover_themes(colour)
    assert len(errors) == 1 and "latin1.toml" in errors[0]
    assert "iqconsole-dark" in themes
