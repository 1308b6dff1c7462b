"""The `[keymap]` of config.toml checked against this app: binding ids that exist, keys Textual
can produce. Textual itself ignores an unknown id or a misspelt key silently; here it is a
SettingError like any other bad setting, before the app starts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from difflib import get_close_matches

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys, key_to_character

from iqconsole.core.settings import SettingError, toml_key

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_KEY_NAMES = {key.value.rpartition("+")[2] for key in Keys if not key.value.startswith("<")} | set(
    KEY_NAME_REPLACEMENTS.values()
)
KEYS_ALLOWED = "key names such as f6, ctrl+j, alt+enter, shift+tab, question_mark, separated by commas"


def default_keys() -> dict[str, str]:
    """Every binding id of the app, its panes and its screens, with the keys it has by default."""
    import iqconsole.ui.lessons.learn_app  # noqa: F401  (imports the app, every pane and screen, so their classes exist)

    return {
        binding.id: binding.key
        for node_class in _ui_classes(DOMNode)
        for binding in node_class.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding) and binding.id
    }


def binding_ids() -> list[str]:
    return sorted(default_keys())


def check_keymap(keymap: Mapping[str, str], where: str) -> None:
    """SettingError (with `where`, the key `keymap."id"`) for an unknown id or key name."""
    known = binding_ids()
    for binding_id, keys in keymap.items():
        key = f"keymap.{toml_key(binding_id)}"
        if binding_id not in known:
            close = get_close_matches(binding_id, known, n=1)
            problem = f"unknown binding id (did you mean {close[0]}?)" if close else "unknown binding id"
            raise SettingError(problem, where=where, key=key, allowed=", ".join(known))
        for name in keys.split(","):
            if not is_key(name):
                raise SettingError(f"unknown key {name!r}", where=where, key=key, allowed=KEYS_ALLOWED)


def is_key(key: str) -> bool:
    *modifiers, name = key.split("+")
    if any(modifier not in MODIFIERS for modifier in modifiers):
        return False
    return len(name) == 1 or name in _KEY_NAMES or key_to_character(name) is not None


def _ui_classes(base: type) -> Iterator[type]:
    subclass: type
    for subclass in base.__subclasses__():
        if subclass.__module__.startswith("iqconsole.ui."):
            yield subclass
        yield from _ui_classes(subclass)
