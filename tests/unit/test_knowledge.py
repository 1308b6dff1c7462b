"""The protocol knowledge files: complete where the issue asks, checked when read, and the coverage
of every namespace the built-in templates use and every feature ejabberd 23.01 announces."""

from __future__ import annotations

import re
import shutil
from importlib.resources import files
from pathlib import Path

import pytest

from iqconsole.core.knowledge import KnowledgeError, describe_condition, knowledge, load_knowledge
from iqconsole.core.lessons import BUILTIN_LESSONS_DIR, load_lessons
from iqconsole.core.stanza import parse_stanzas
from iqconsole.core.substitution import substitute
from iqconsole.core.templates import discover_templates, sample_variables

# RFC 6120 §8.3.3, §4.9.3 and §6.5, in the RFC's order.
STANZA_CONDITIONS = [
    "bad-request",
    "conflict",
    "feature-not-implemented",
    "forbidden",
    "gone",
    "internal-server-error",
    "item-not-found",
    "jid-malformed",
    "not-acceptable",
    "not-allowed",
    "not-authorized",
    "policy-violation",
    "recipient-unavailable",
    "redirect",
    "registration-required",
    "remote-server-not-found",
    "remote-server-timeout",
    "resource-constraint",
    "service-unavailable",
    "subscription-required",
    "undefined-condition",
    "unexpected-request",
]
STREAM_CONDITIONS = [
    "bad-format",
    "bad-namespace-prefix",
    "conflict",
    "connection-timeout",
    "host-gone",
    "host-unknown",
    "improper-addressing",
    "internal-server-error",
    "invalid-from",
    "invalid-namespace",
    "invalid-xml",
    "not-authorized",
    "not-well-formed",
    "policy-violation",
    "remote-connection-failed",
    "reset",
    "resource-constraint",
    "restricted-xml",
    "see-other-host",
    "system-shutdown",
    "undefined-condition",
    "unsupported-encoding",
    "unsupported-feature",
    "unsupported-stanza-type",
    "unsupported-version",
]
SASL_CONDITIONS = [
    "aborted",
    "account-disabled",
    "credentials-expired",
    "encryption-required",
    "incorrect-encoding",
    "invalid-authzid",
    "invalid-mechanism",
    "malformed-request",
    "mechanism-too-weak",
    "not-authorized",
    "temporary-auth-failure",
]
EJABBERD_FEATURES = Path(__file__).parent.parent / "data" / "ejabberd-23.01-features.txt"


def template_namespaces() -> dict[str, str]:
    """Every namespace an element of a built-in template is in, and the feature each names → template."""
    templates, errors = discover_templates(None)
    assert not errors
    used: dict[str, str] = {}
    for name, template in templates.items():
        if template.feature:
            used.setdefault(template.feature, name)
        for stanza in parse_stanzas(template.render(sample_variables(template.variables))):
            for element in stanza.iter():
                namespace = element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""
                if namespace:
                    used.setdefault(namespace, name)
    return used


def test_every_namespace_a_builtin_template_uses_has_an_entry():
    used = template_namespaces()
    assert len(used) > 30
    missing = {namespace: template for namespace, template in used.items() if not knowledge().has_entry(namespace)}
    assert not missing, f"add these to iqconsole/knowledge/namespaces.toml (used by the template named): {missing}"


# What lessons 3 and 7 ask for on purpose: a namespace nobody serves, which the composer warns about.
UNKNOWN_ON_PURPOSE = {"urn:example:nothing"}
_CHECKED_NAMESPACE = re.compile(r"\bns:(\S+)|\{([^}]+)\}")


def lesson_namespaces() -> dict[str, str]:
    """Every namespace of a built-in lesson's `show` stanzas and checks → the lesson using it."""
    lessons, problems = load_lessons([BUILTIN_LESSONS_DIR])
    assert not problems
    variables = {**sample_variables(), "bob": "bob@example.org/demo"}
    used: dict[str, str] = {}
    for lesson in lessons:
        for step in lesson.steps:
            for check in (step.send, step.receive, step.reply):
                for match in _CHECKED_NAMESPACE.finditer(substitute(check, variables)):
                    used.setdefault(match.group(1) or match.group(2), lesson.key)
            if step.show:
                for stanza in parse_stanzas(substitute(step.show, variables)):
                    for element in stanza.iter():
                        if element.tag.startswith("{"):
                            used.setdefault(element.tag[1:].split("}", 1)[0], lesson.key)
    return used


def test_every_namespace_a_builtin_lesson_uses_has_an_entry():
    used = lesson_namespaces()
    assert {"urn:xmpp:ping", "urn:iqconsole:demo", "urn:iqconsole:lesson:quiz"} <= used.keys()
    assert used.keys() >= UNKNOWN_ON_PURPOSE, "lessons 3 and 7 still ask for a namespace nobody serves"
    missing = {
        namespace: lesson
        for namespace, lesson in used.items()
        if namespace not in UNKNOWN_ON_PURPOSE and not knowledge().has_entry(namespace)
    }
    assert not missing, f"add these to iqconsole/knowledge/namespaces.toml (used by the lesson named): {missing}"


def test_every_feature_ejabberd_23_01_announces_by_default_has_an_entry():
    features = [
        line.strip() for line in EJABBERD_FEATURES.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert len(features) > 90
    missing = [feature for feature in features if not knowledge().has_entry(feature)]
    assert not missing, f"add these to iqconsole/knowledge/ (namespaces.toml or features.toml): {missing}"


@pytest.mark.parametrize(
    ("group", "names", "section"),
    [
        ("stanza", STANZA_CONDITIONS, "§8.3.3"),
        ("stream", STREAM_CONDITIONS, "§4.9.3"),
        ("sasl", SASL_CONDITIONS, "§6.5"),
    ],
)
def test_every_error_condition_of_rfc_6120_is_explained_with_its_section(group, names, section):
    known = knowledge()
    assert sorted(name for kind, name in known.conditions if kind == group) == sorted(names)
    for number, name in enumerate(names, 1):
        condition = known.condition(name, group)
        assert condition.section == f"{section}.{number}", name
        assert condition.about and condition.action
        if group == "stanza":
            assert condition.type in (*known.error_types, "any")


def test_every_entry_cites_a_specification_with_its_title_and_status():
    known = knowledge()
    for topic in [*known.namespaces.values(), *known.features.values()]:
        citation = topic.citation
        assert citation.startswith(("XEP-", "RFC ", "ejabberd", "example", "iqconsole")), topic.key
        assert f": {topic.spec.title} ({topic.spec.status})" in citation
    assert known.namespaces["urn:xmpp:ping"].citation == "XEP-0199: XMPP Ping (Final)"


def test_stanza_kinds_attributes_and_login_steps():
    known = knowledge()
    assert set(known.kinds["iq"].types) == {"get", "set", "result", "error"}
    assert any("exactly one result or error" in rule for rule in known.kinds["iq"].rules)
    assert known.kinds["iq"].section == "§8.2.3"
    assert set(known.attributes) == {"to", "from", "id", "type", "xml:lang"}
    assert "own server" in known.attributes["from"].absent_received
    assert [step.name for step in known.login_steps.values()] == ["stream", "tls", "sasl", "bind", "sm"]


def test_describe_condition_is_one_paragraph_for_a_hint():
    text = describe_condition("item-not-found")
    assert text.startswith("item-not-found: The addressed JID or the item asked for does not exist")
    assert "Usual type: cancel." in text and "What to do:" in text and "RFC 6120 §8.3.3.7" in text
    assert "RFC 6120 §6.5.10" in describe_condition("not-authorized", "sasl")
    assert "not a stanza error condition of RFC 6120" in describe_condition("blocked")


@pytest.fixture
def copy(tmp_path):
    """A copy of the package's knowledge files, to break."""
    directory = tmp_path / "knowledge"
    shutil.copytree(str(files("iqconsole") / "knowledge"), directory)
    return directory


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "namespaces.toml",
            '["urn:xmpp:ping"]\nspec = "XEP-0199"',
            '["urn:xmpp:ping"]\nspec = "XEP-9999"',
            'namespaces.toml: "urn:xmpp:ping".spec: unknown specification',
        ),
        (
            "namespaces.toml",
            '["urn:xmpp:ping"]\nspec',
            '["urn:xmpp:ping"]\nspek = 1\nspec',
            'namespaces.toml: "urn:xmpp:ping".spek: unknown key',
        ),
        (
            "conditions.toml",
            'type = "cancel"',
            'type = "later"',
            "conditions.toml: stanza.conflict.type: unknown error type 'later'",
        ),
        ("login.toml", "order = 3", "order = 0", "login.toml: step.sasl.order: must be a whole number from 1"),
        (
            "stanzas.toml",
            "rules = [",
            "rules = [ 7,",
            "stanzas.toml: kind.iq.rules: must be a list of non-empty strings",
        ),
        ("specs.toml", 'title = "XMPP Ping"', "title = [", "specs.toml: not valid TOML"),
        (
            "features.toml",
            "[feature.iq]",
            '[feature."urn:xmpp:ping"]\nspec = "XEP-0199"\nabout = "x"\n\n[feature.iq]',
            'features.toml: feature."urn:xmpp:ping": also in namespaces.toml',
        ),
    ],
)
def test_a_broken_file_is_refused_naming_the_file_and_the_key(copy, file, old, new, message):
    path = copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(copy)
    assert str(raised.value).startswith(message)


def test_a_missing_about_is_refused(copy):
    path = copy / "namespaces.toml"
    path.write_text(path.read_text().replace('about = "Is it there?', 'aboot = "Is it there?', 1))
    with pytest.raises(KnowledgeError, match=r'namespaces.toml: "urn:xmpp:ping"\.(about: must be a non-empty|aboot)'):
        load_knowledge(copy)
