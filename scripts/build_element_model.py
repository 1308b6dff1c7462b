"""Derive iqconsole/knowledge/elements.json from slixmpp's stanza classes.

Run after upgrading slixmpp:  .venv/bin/python scripts/build_element_model.py
(`--check` only says whether the file is up to date; a test runs it).

Every `ElementBase` subclass slixmpp defines, once all its plugins are registered, says:
its element (`namespace`, `name`), its attributes (the `interfaces` with no accessor of their
own), its text children (`sub_interfaces`) and empty ones (`bool_interfaces`), the child
elements it accepts (the classes registered on it with `register_stanza_plugin`), and the
allowed values where the class lists them (`types`, `<plugin_attrib>_types`, `showtypes`).
An interface with an accessor of its own (`get_x`/`set_x`) is probed: it is set to a few sample
values and whatever attributes and child elements appear are recorded. An element whose
accessors could not all be explained this way is marked open: the console then never warns
about what it does not know under it. Loading this at start-up would cost about 1.5 s (every
plugin imported): hence a data file, read in milliseconds by iqconsole/core/element_model.py.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import slixmpp
from slixmpp.xmlstream import ElementBase, StanzaBase

TARGET = Path(__file__).resolve().parent.parent / "iqconsole" / "knowledge" / "elements.json"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SAMPLES: tuple[Any, ...] = ("x", ["x"], True, {"x": "x"}, [("x", "x")], [("x", "x", "x", "x")])
Tag = tuple[str, str]  # (namespace, name)


def load_every_plugin() -> None:
    """Register every plugin on a client that never connects: most stanza classes are only
    attached to their parents in a plugin's `plugin_init`."""
    logging.disable(logging.CRITICAL)
    client = slixmpp.ClientXMPP("model@example.org/build", "unused")
    for name in slixmpp.plugins.__all__:
        if name.startswith("xep_"):
            try:
                client.register_plugin(name)
            except Exception as error:  # an optional dependency is missing: its classes are skipped
                print(f"skipped {name}: {error!r}", file=sys.stderr)


def stanza_classes(base: type[ElementBase] = ElementBase) -> Iterator[type[ElementBase]]:
    """Every class of a real element: not the abstract `<stanza>` of StanzaBase, nor the `Multi`
    wrappers `register_stanza_plugin(iterable=True)` makes (their children are the iterables)."""
    for subclass in base.__subclasses__():
        if subclass.namespace and subclass.name not in ("", StanzaBase.name):
            yield subclass
        yield from stanza_classes(subclass)


def split(tag: str) -> Tag:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def reads_attribute(getter: Any, name: str) -> bool:
    """A getter with no setter that reads the attribute of its name (Command's `action`)."""
    try:
        source = inspect.getsource(getter)
    except (OSError, TypeError):
        return False
    return f"_get_attr('{name}'" in source or f'_get_attr("{name}"' in source


class Model:
    """Elements by (namespace, name): attributes, children, allowed values, open or not."""

    def __init__(self) -> None:
        self.elements: dict[Tag, dict[str, Any]] = {}

    def element(self, tag: Tag) -> dict[str, Any]:
        return self.elements.setdefault(
            tag, {"attributes": set(), "children": set(), "values": {}, "text": set(), "open": False, "why": []}
        )

    def mark_open(self, tag: Tag, why: str) -> None:
        self.element(tag)["open"] = True
        self.element(tag)["why"].append(why)

    def add_tree(self, root: ET.Element, before: ET.Element, samples: set[str]) -> None:
        """Every element under `root` that `before` (the same element before a setter ran)
        did not have: its attributes and its children; not those named after a sample value
        (Iq's query makes <query xmlns="x">)."""
        old = (
            {(split(parent.tag), split(child.tag)) for parent in before.iter() for child in parent} if before else set()
        )
        old_attributes = (
            {(split(node.tag), name) for node in before.iter() for name in node.attrib} if before else set()
        )
        for parent in root.iter():
            parent_tag = split(parent.tag)
            if parent_tag[0] in samples:
                continue
            for name in parent.attrib:
                if name not in samples and name != XML_LANG and (parent_tag, name) not in old_attributes:
                    self.element(parent_tag)["attributes"].add(name)
            for child in parent:
                child_tag = split(child.tag)
                if (parent_tag, child_tag) not in old and child_tag[0] and child_tag[0] not in samples:
                    self.element(parent_tag)["children"].add(child_tag)
                    self.element(child_tag)

    def add_class(self, cls: type[ElementBase]) -> None:
        tag = (cls.namespace, cls.name)
        entry = self.element(tag)
        if not cls.is_extension:  # what its setup() makes (the SASL failure's <not-authorized/>)
            try:
                made = cls().xml
            except Exception:
                self.mark_open(tag, f"{cls.__name__}: cannot be made")
            else:
                self.add_tree(made, ET.Element(made.tag), set())
        plugins = set(cls.plugin_attrib_map) | {p.plugin_multi_attrib for p in cls.plugin_attrib_map.values()}
        for attrib, plugin in cls.plugin_attrib_map.items():
            if plugin.name == StanzaBase.name:
                continue  # a Multi wrapper: its children are the plugin_iterables
            if plugin.is_extension:  # it works on this element's own XML: see what it does
                if not self.probe(cls, attrib):
                    self.mark_open(tag, f"{cls.__name__}: extension {plugin.__name__} not explained by a probe")
            else:
                entry["children"].add((plugin.namespace, plugin.name))
        for plugin in cls.plugin_iterables:
            entry["children"].add((plugin.namespace, plugin.name))
        interfaces, texts, flags = set(cls.interfaces), set(cls.sub_interfaces), set(cls.bool_interfaces)
        for name in texts | flags:
            entry["children"].add((cls.namespace, name))
            self.element((cls.namespace, name))
            setter = f"set_{name.lower()}"
            if (hasattr(cls, setter) or setter in cls.plugin_overrides) and not self.probe(cls, name):
                self.mark_open((cls.namespace, name), f"{cls.__name__}: child {name} not explained by a probe")
        custom = []
        for name in interfaces - texts - flags - plugins - {"lang"}:
            getter = getattr(cls, f"get_{name.lower()}", None)  # slixmpp looks accessors up in lower case
            setter = f"set_{name.lower()}"
            if hasattr(cls, setter) or setter in cls.plugin_overrides:  # a plugin may set it too
                custom.append(name)
            elif getter is None or reads_attribute(getter, name):
                entry["attributes"].add(name)  # a getter alone is a view of other data (Message's mucroom)
        known_values = sorted(set().union(*self.value_sets(cls).values()))
        for name in custom:
            if not self.probe(cls, name, known_values):
                self.mark_open(tag, f"{cls.__name__}: interface {name} not explained by a probe")
        for name, values in self.value_sets(cls).items():
            if name in entry["attributes"]:
                entry["values"].setdefault(name, set()).update(values)
        if isinstance(getattr(cls, "showtypes", None), set | frozenset) and "show" in texts:
            self.element((cls.namespace, "show"))["text"].update(cls.showtypes)

    @staticmethod
    def value_sets(cls: type[ElementBase]) -> dict[str, set[str]]:
        """The class's own lists of allowed values: `types` (or `form_types` on the class whose
        plugin_attrib is `form`) for `type`, `actions` for `action`, `statuses` for `status`;
        sets named after something else are not value lists (FormField's option_types)."""
        found = {}
        names = {"type": ("types", f"{cls.plugin_attrib}_types")}
        for interface in cls.interfaces:
            names.setdefault(interface, (f"{interface}s", f"{interface}es"))
        for interface, candidates in names.items():
            for name in candidates:
                values = vars(cls).get(name)
                if isinstance(values, set | frozenset | tuple) and values and all(isinstance(v, str) for v in values):
                    found[interface] = set(values)
        return found

    def probe(self, cls: type[ElementBase], interface: str, values: list[str] | None = None) -> bool:
        """Set `interface` to sample values (and to the values the class allows, one by one and
        all together); record what appears. False when nothing worked."""
        explained = False
        samples = (*SAMPLES, *(values or ()), values or [])
        texts = {str(sample) for sample in samples}
        for sample in samples:
            try:
                stanza = cls()
                before = ET.fromstring(ET.tostring(stanza.xml))
                with contextlib.redirect_stdout(io.StringIO()):  # a setter or two print their value
                    stanza[interface] = sample
                changed = ET.tostring(stanza.xml) != ET.tostring(before)  # raises on a non-text value
            except Exception:
                continue
            if changed:
                self.add_tree(stanza.xml, before, texts)
                explained = True
        return explained

    def as_data(self) -> dict[str, Any]:
        namespaces: dict[str, dict[str, Any]] = {}
        for (namespace, name), entry in sorted(self.elements.items()):
            if not namespace:
                continue
            described: dict[str, Any] = {}
            if entry["attributes"]:
                described["attributes"] = sorted(entry["attributes"])
            children = sorted(
                child_name if child_ns == namespace else f"{{{child_ns}}}{child_name}"
                for child_ns, child_name in entry["children"]
            )
            if children:
                described["children"] = children
            if entry["values"]:
                described["values"] = {key: sorted(values) for key, values in sorted(entry["values"].items())}
            if entry["text"]:
                described["text"] = sorted(entry["text"])
            if entry["open"]:
                described["open"] = True
            namespaces.setdefault(namespace, {})[name] = described
        return {
            "about": "Derived from slixmpp's stanza classes by scripts/build_element_model.py: do not edit by hand "
            "(add to elements.toml instead).",
            "slixmpp": slixmpp.__version__,
            "namespaces": namespaces,
        }


def build() -> Model:
    load_every_plugin()
    model = Model()
    classes = sorted(set(stanza_classes()), key=lambda cls: (cls.__module__, cls.__qualname__))
    for cls in classes:
        model.add_class(cls)
    for (namespace, name), entry in model.elements.items():
        known_as_class = any((cls.namespace, cls.name) == (namespace, name) for cls in classes)
        if not known_as_class and not entry["children"] and not entry["attributes"]:
            continue  # a text or empty child: nothing under it to be open about
        if not known_as_class:
            model.mark_open((namespace, name), "only seen in a probe")  # the sample may not show everything
    return model


def serialized(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the file is up to date")
    parser.add_argument("--why", action="store_true", help="also say why each open element is open")
    arguments = parser.parse_args()
    model = build()
    if arguments.why:
        for (namespace, name), entry in sorted(model.elements.items()):
            for why in entry["why"]:
                print(f"{{{namespace}}}{name}: {why}")
    text = serialized(model.as_data())
    if arguments.check:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run scripts/build_element_model.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET} ({len(json.loads(text)['namespaces'])} namespaces)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
