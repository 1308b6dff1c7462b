"""What the protocol's parts mean and where they are specified, read from iqconsole/knowledge/*.toml.

The knowledge is data (one TOML entry per namespace, feature, error condition, stanza kind,
attribute and login step, each citing its specification), checked when read: a broken file is a
KnowledgeError naming the file and the key. The explanation view, the traffic log's labels, the
server feature list and the lessons all read it through this module.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

__all__ = [
    "Attribute",
    "Condition",
    "Knowledge",
    "KnowledgeError",
    "LoginStep",
    "Spec",
    "StanzaKind",
    "Topic",
    "describe_condition",
    "describe_namespace",
    "is_known_namespace",
    "knowledge",
    "load_knowledge",
]

CONDITION_GROUPS = ("stanza", "stream", "sasl")


class KnowledgeError(ValueError):
    """A knowledge file that cannot be used: names the file and the key."""


@dataclass(frozen=True)
class Spec:
    key: str  # 'XEP-0199', 'RFC 6120'
    title: str
    status: str

    def cite(self, section: str = "") -> str:
        """'XEP-0199: XMPP Ping (Final)', 'RFC 6120 §8.3.3: … (Proposed Standard)'."""
        where = f"{self.key} {section}" if section else self.key
        return f"{where}: {self.title} ({self.status})"


@dataclass(frozen=True)
class Topic:
    """A namespace or a feature: where it is specified, what it does, what its parts mean."""

    key: str
    spec: Spec
    section: str
    name: str
    about: str
    children: Mapping[str, str] = field(default_factory=dict)
    attributes: Mapping[str, str] = field(default_factory=dict)
    login: str = ""  # the login step it belongs to

    @property
    def label(self) -> str:
        """'XEP-0199 XMPP Ping': short, for a log line or a table cell."""
        return f"{self.spec.key} {self.name}"

    @property
    def citation(self) -> str:
        return self.spec.cite(self.section)


@dataclass(frozen=True)
class Condition:
    """An error condition of a stanza, a stream or SASL."""

    name: str
    group: str  # stanza | stream | sasl
    spec: Spec
    section: str
    about: str
    action: str
    type: str = ""  # the usual error type (stanza errors only)

    @property
    def citation(self) -> str:
        return self.spec.cite(self.section)


@dataclass(frozen=True)
class StanzaKind:
    name: str
    spec: Spec
    section: str
    about: str
    rules: tuple[str, ...] = ()
    types: Mapping[str, str] = field(default_factory=dict)

    @property
    def citation(self) -> str:
        return self.spec.cite(self.section)

    @property
    def reference(self) -> str:
        """'RFC 6120 §8.2.3': where the rules of this kind are, the citation of a stanza with no payload."""
        return f"{self.spec.key} {self.section}".strip()


@dataclass(frozen=True)
class Attribute:
    name: str
    spec: Spec
    section: str
    about: str
    absent_received: str
    absent_sent: str


@dataclass(frozen=True)
class LoginStep:
    name: str
    spec: Spec
    section: str
    order: int
    title: str
    about: str
    elements: Mapping[str, str] = field(default_factory=dict)

    @property
    def citation(self) -> str:
        return self.spec.cite(self.section)


@dataclass(frozen=True)
class Knowledge:
    specs: Mapping[str, Spec]
    namespaces: Mapping[str, Topic]
    features: Mapping[str, Topic]
    families: Mapping[str, Topic]  # by prefix: features with no entry of their own
    conditions: Mapping[tuple[str, str], Condition]  # (group, name)
    error_types: Mapping[str, str]
    kinds: Mapping[str, StanzaKind]
    attributes: Mapping[str, Attribute]
    login_steps: Mapping[str, LoginStep]

    def topic(self, name: str) -> Topic | None:
        """The entry for a namespace or feature, or the family it belongs to; None when unknown."""
        found = self.namespaces.get(name) or self.features.get(name)
        if found is not None:
            return found
        return next((topic for prefix, topic in self.families.items() if name.startswith(prefix)), None)

    def has_entry(self, name: str) -> bool:
        """An entry of its own (a family does not count): what the coverage test asks."""
        return name in self.namespaces or name in self.features

    def condition(self, name: str, group: str = "stanza") -> Condition | None:
        return self.conditions.get((group, name))

    @property
    def login_total(self) -> int:
        return len(self.login_steps)


# -- reading and checking -------------------------------------------------------------------------


class _File:
    """One knowledge file being read: every problem names the file and the key."""

    def __init__(self, directory: Traversable, name: str):
        self.name = name
        derived = name.endswith(".json")  # generated data (elements.json) is JSON, the rest TOML
        try:
            text = (directory / name).read_text(encoding="utf-8")
            self.data = json.loads(text) if derived else tomllib.loads(text)
        except OSError as error:
            raise KnowledgeError(f"{name}: cannot be read: {error.strerror or error}") from None
        except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as error:
            raise KnowledgeError(f"{name}: not valid {'JSON' if derived else 'TOML'}: {error}") from None

    def fail(self, key: str, problem: str) -> KnowledgeError:
        return KnowledgeError(f"{self.name}: {key}: {problem}")

    def table(self, value: object, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return value

    def entries(self, value: object, key: str) -> dict[str, dict[str, Any]]:
        return {name: self.table(entry, f"{key}.{_quoted(name)}") for name, entry in self.table(value, key).items()}

    def text(self, entry: Mapping[str, Any], key: str, name: str, required: bool = True) -> str:
        value = entry.get(name, "")
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"{key}.{name}", "must be a non-empty string" if required else "must be a string")
        return value.strip()

    def strings(self, entry: Mapping[str, Any], key: str, name: str) -> dict[str, str]:
        table = self.table(entry.get(name, {}), f"{key}.{name}")
        for child, meaning in table.items():
            if not isinstance(meaning, str) or not meaning.strip():
                raise self.fail(f"{key}.{name}.{_quoted(child)}", "must be a non-empty string")
        return dict(table)

    def only(self, entry: Mapping[str, Any], key: str, allowed: set[str]) -> None:
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def spec(self, entry: Mapping[str, Any], key: str, specs: Mapping[str, Spec]) -> Spec:
        name = self.text(entry, key, "spec")
        if name not in specs:
            raise self.fail(f"{key}.spec", f"unknown specification {name!r} (add it to specs.toml)")
        return specs[name]


def _quoted(name: str) -> str:
    return name if name.replace("-", "").replace("_", "").isalnum() else f'"{name}"'


_TOPIC_KEYS = {"spec", "section", "name", "about", "children", "attributes", "login"}


def _read_specs(directory: Traversable) -> dict[str, Spec]:
    source = _File(directory, "specs.toml")
    specs = {}
    for name, entry in source.entries(source.data, "").items():
        key = _quoted(name)
        source.only(entry, key, {"title", "status"})
        specs[name] = Spec(name, source.text(entry, key, "title"), source.text(entry, key, "status"))
    return specs


def _read_topics(source: _File, table: object, where: str, specs: Mapping[str, Spec]) -> dict[str, Topic]:
    topics = {}
    for name, entry in source.entries(table, where).items():
        key = f"{where}.{_quoted(name)}" if where else _quoted(name)
        source.only(entry, key, _TOPIC_KEYS)
        spec = source.spec(entry, key, specs)
        topics[name] = Topic(
            name,
            spec,
            source.text(entry, key, "section", required=False),
            source.text(entry, key, "name", required=False) or spec.title,
            source.text(entry, key, "about"),
            source.strings(entry, key, "children"),
            source.strings(entry, key, "attributes"),
            source.text(entry, key, "login", required=False),
        )
    return topics


def _read_groups(source: _File, groups: tuple[str, ...]) -> dict[str, dict[str, dict[str, Any]]]:
    source.only(source.data, "(top level)", set(groups))
    return {group: source.entries(source.data.get(group, {}), group) for group in groups}


def _read_conditions(directory: Traversable, specs: Mapping[str, Spec]) -> tuple[dict[Any, Condition], dict[str, str]]:
    source = _File(directory, "conditions.toml")
    groups = _read_groups(source, (*CONDITION_GROUPS, "type"))
    error_types = {}
    for name, entry in groups["type"].items():
        key = f"type.{name}"
        source.only(entry, key, {"spec", "section", "about"})
        source.spec(entry, key, specs)
        error_types[name] = source.text(entry, key, "about")
    conditions = {}
    for group in CONDITION_GROUPS:
        for name, entry in groups[group].items():
            key = f"{group}.{name}"
            source.only(entry, key, {"spec", "section", "about", "action", "type"})
            usual = source.text(entry, key, "type", required=group == "stanza")
            if usual and usual not in (*error_types, "any"):
                raise source.fail(f"{key}.type", f"unknown error type {usual!r} (one of {', '.join(error_types)}, any)")
            conditions[(group, name)] = Condition(
                name,
                group,
                source.spec(entry, key, specs),
                source.text(entry, key, "section"),
                source.text(entry, key, "about"),
                source.text(entry, key, "action"),
                usual,
            )
    return conditions, error_types


def _read_stanzas(
    directory: Traversable, specs: Mapping[str, Spec]
) -> tuple[dict[str, StanzaKind], dict[str, Attribute]]:
    source = _File(directory, "stanzas.toml")
    groups = _read_groups(source, ("kind", "attribute"))
    kinds = {}
    for name, entry in groups["kind"].items():
        key = f"kind.{name}"
        source.only(entry, key, {"spec", "section", "about", "rules", "types"})
        rules = entry.get("rules", [])
        if not isinstance(rules, list) or not all(isinstance(rule, str) and rule.strip() for rule in rules):
            raise source.fail(f"{key}.rules", "must be a list of non-empty strings")
        kinds[name] = StanzaKind(
            name,
            source.spec(entry, key, specs),
            source.text(entry, key, "section", required=False),
            source.text(entry, key, "about"),
            tuple(rules),
            source.strings(entry, key, "types"),
        )
    attributes = {}
    for name, entry in groups["attribute"].items():
        key = f"attribute.{_quoted(name)}"
        source.only(entry, key, {"spec", "section", "about", "absent", "absent_received", "absent_sent"})
        absent = source.text(entry, key, "absent", required="absent_received" not in entry)
        attributes[name] = Attribute(
            name,
            source.spec(entry, key, specs),
            source.text(entry, key, "section"),
            source.text(entry, key, "about"),
            source.text(entry, key, "absent_received", required=not absent) or absent,
            source.text(entry, key, "absent_sent", required=not absent) or absent,
        )
    return kinds, attributes


def _read_login(directory: Traversable, specs: Mapping[str, Spec]) -> dict[str, LoginStep]:
    source = _File(directory, "login.toml")
    steps = {}
    for name, entry in _read_groups(source, ("step",))["step"].items():
        key = f"step.{name}"
        source.only(entry, key, {"spec", "section", "order", "title", "about", "elements"})
        order = entry.get("order")
        if not isinstance(order, int) or order < 1:
            raise source.fail(f"{key}.order", "must be a whole number from 1")
        steps[name] = LoginStep(
            name,
            source.spec(entry, key, specs),
            source.text(entry, key, "section"),
            order,
            source.text(entry, key, "title"),
            source.text(entry, key, "about"),
            source.strings(entry, key, "elements"),
        )
    return dict(sorted(steps.items(), key=lambda item: item[1].order))


def _check_logins(source_name: str, topics: Mapping[str, Topic], steps: Mapping[str, LoginStep]) -> None:
    for name, topic in topics.items():
        if topic.login and topic.login not in steps:
            raise KnowledgeError(
                f"{source_name}: {_quoted(name)}.login: unknown login step {topic.login!r} (one of {', '.join(steps)})"
            )


def load_knowledge(directory: Traversable | None = None) -> Knowledge:
    """Read and check every knowledge file of `directory` (the package's own by default)."""
    directory = directory if directory is not None else files("iqconsole") / "knowledge"
    specs = _read_specs(directory)
    namespaces_file = _File(directory, "namespaces.toml")
    namespaces = _read_topics(namespaces_file, namespaces_file.data, "", specs)
    features_file = _File(directory, "features.toml")
    groups = _read_groups(features_file, ("feature", "family"))
    features = _read_topics(features_file, groups["feature"], "feature", specs)
    families = _read_topics(features_file, groups["family"], "family", specs)
    both = sorted(set(features) & set(namespaces))
    if both:
        raise features_file.fail(f"feature.{_quoted(both[0])}", "also in namespaces.toml: keep one entry")
    conditions, error_types = _read_conditions(directory, specs)
    kinds, attributes = _read_stanzas(directory, specs)
    steps = _read_login(directory, specs)
    _check_logins("namespaces.toml", namespaces, steps)
    return Knowledge(specs, namespaces, features, families, conditions, error_types, kinds, attributes, steps)


@cache
def knowledge() -> Knowledge:
    """The package's knowledge, read once."""
    return load_knowledge()


# -- the short answers other modules ask for -----------------------------------------------------


def describe_namespace(namespace: str) -> str:
    """'XEP-0199 XMPP Ping' for 'urn:xmpp:ping'; '' when unknown."""
    topic = knowledge().topic(namespace)
    return topic.label if topic is not None else ""


def is_known_namespace(namespace: str) -> bool:
    return knowledge().topic(namespace) is not None


def describe_condition(name: str, group: str = "stanza") -> str:
    """One paragraph on an error condition, for a hint: meaning, usual type, what to do, where specified.

    `group` is 'stanza' (RFC 6120 §8.3.3), 'stream' (§4.9.3) or 'sasl' (§6.5)."""
    condition = knowledge().condition(name, group)
    if condition is None:
        return f"{name}: not a {group} error condition of RFC 6120; an application-specific one, perhaps."
    usual = f" Usual type: {condition.type}." if condition.type and condition.type != "any" else ""
    return f"{name}: {condition.about}{usual} What to do: {condition.action} ({condition.citation})"
