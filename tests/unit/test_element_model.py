"""The element model the composer completes from and warns with: derived from slixmpp's stanza
classes (scripts/build_element_model.py), completed by hand (elements.toml), and never a false
warning on a stanza the console itself offers."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slixmpp.plugins.xep_0004.stanza import FormField
from slixmpp.stanza import Iq, Message, Presence
from slixmpp.stanza.roster import RosterItem

from iqconsole.core.element_model import ElementInfo, element_model, load_element_model
from iqconsole.core.knowledge import KnowledgeError
from iqconsole.core.lessons import BUILTIN_LESSONS_DIR, load_lessons
from iqconsole.core.stanza import parse_stanzas
from iqconsole.core.templates import BUILTIN_DIR
from iqconsole.core.validation import Context, check

ROOT = Path(__file__).resolve().parents[2]
KNOWLEDGE = ROOT / "iqconsole" / "knowledge"
CONTEXT = Context("alice@localhost/console", "bob@localhost/x", {"bob": "bob@localhost/demo"})


def unknown_warnings(text: str) -> list[str]:
    checked = check(text, CONTEXT)
    assert not checked.errors, checked.errors
    return [str(warning) for warning in checked.warnings if "unknown namespace" not in str(warning)]


def test_the_data_file_is_what_slixmpp_says_today():
    """Run after a slixmpp upgrade: `scripts/build_element_model.py` rewrites it."""
    done = subprocess.run(
        [sys.executable, "scripts/build_element_model.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_every_stanza_slixmpp_builds_from_its_plain_interfaces_checks_without_a_warning():
    """In a process of its own: it registers every slixmpp plugin, which would change this one."""
    code = textwrap.dedent(
        """
        import sys
        sys.path.insert(0, "scripts")
        import build_element_model as build
        from iqconsole.core.element_model import element_model
        build.load_every_plugin()
        model, checked, problems = element_model(), 0, []
        for cls in set(build.stanza_classes()):
            if cls.is_extension:
                continue  # it has no element of its own: it works on its parent's
            info = model.element(cls.namespace, cls.name)
            if info is None:
                problems.append(f"{cls.__name__}: no element {cls.namespace} {cls.name}")
                continue
            stanza = cls()
            def plain(name):
                setter = f"set_{name.lower()}"
                return not hasattr(cls, setter) and setter not in cls.plugin_overrides
            for name in sorted(info.attributes & set(cls.interfaces)):
                if plain(name):
                    stanza[name] = info.values.get(name, ("value",))[0]
            for name in sorted(set(cls.sub_interfaces) - set(cls.plugin_attrib_map)):
                if plain(name):
                    stanza[name] = (model.element(cls.namespace, name).text or ("text",))[0]
            problems += [f"{cls.__name__}: {problem}" for problem in model.unknowns(stanza.xml)]
            checked += 1
        print(checked)
        print("\\n".join(problems), file=sys.stderr)
        sys.exit(1 if problems else 0)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout) > 300, "about 330 element classes in slixmpp 1.17"


def test_slixmpps_own_lists_of_values_become_completions():
    model = element_model()
    assert set(model.element("jabber:client", "iq").values["type"]) == Iq.types
    assert set(model.element("jabber:client", "message").values["type"]) == Message.types
    assert set(model.element("jabber:client", "show").text) == Presence.showtypes
    assert set(model.element("jabber:x:data", "field").values["type"]) == FormField.field_types
    roster_item = model.element("jabber:iq:roster", "item")
    assert set(RosterItem.interfaces) - {"groups"} <= roster_item.attributes, "plain interfaces are attributes"
    assert ("jabber:iq:roster", "group") in roster_item.children, "sub_interfaces are children"


def test_the_hand_written_file_adds_values_and_replaces_slixmpps_where_they_are_wrong():
    model = element_model()
    assert "available" not in model.element("jabber:client", "presence").values["type"], "not on the wire"
    assert model.element("jabber:iq:roster", "item").values["subscription"] == ("both", "from", "none", "remove", "to")
    assert "policy-violation" in {name for _, name in model.element("jabber:client", "error").children}


def test_every_built_in_template_checks_without_an_unknown_child_warning():
    templates = sorted(BUILTIN_DIR.glob("*.xml"))
    assert len(templates) > 40
    for template in templates:
        assert unknown_warnings(template.read_text(encoding="utf-8")) == [], template.name


def test_every_lesson_solution_checks_without_an_unknown_child_warning():
    lessons, problems = load_lessons([BUILTIN_LESSONS_DIR])
    assert not problems and len(lessons) >= 8
    shown = [step.show for lesson in lessons for step in lesson.steps if step.show]
    assert len(shown) > 10
    for stanza in shown:
        assert unknown_warnings(stanza) == [], stanza
    replies = [step.responder.reply for lesson in lessons for step in lesson.steps if step.responder]
    for reply in replies:
        (element,) = parse_stanzas(f"<iq type='result' id='r'>{reply}</iq>")
        assert element_model().unknowns(element) == [], reply


VALID_STANZAS = [
    line
    for line in (ROOT / "tests" / "data" / "valid-stanzas.xml").read_text(encoding="utf-8").splitlines()
    if line.startswith("<") and not line.startswith("<!--")
]


@pytest.mark.parametrize("stanza", VALID_STANZAS, ids=lambda stanza: stanza[:60])
def test_valid_stanzas_of_widely_used_xeps_check_without_an_unknown_warning(stanza):
    """XHTML-IM, MUC, caps, pubsub with publish-options, MAM with RSM, ad-hoc forms, vCard,
    bookmarks, carbons, Jingle, privacy lists, reactions, replies… (tests/data/valid-stanzas.xml)."""
    assert unknown_warnings(stanza) == []


def test_under_an_unknown_element_nothing_more_is_said():
    warnings = unknown_warnings('<iq type="get"><query xmlns="jabber:iq:version"><nmae><x/><y/></nmae></query></iq>')
    assert len(warnings) == 1 and "<nmae>" in warnings[0]


@pytest.mark.parametrize(
    ("stanza", "warning"),
    [
        ('<iq type="get"><query xmlns="jabber:iq:version"><nmae/></query></iq>', "has no child <nmae>"),
        ('<iq type="get"><pingg xmlns="urn:xmpp:ping"/></iq>', "urn:xmpp:ping has no element <pingg>"),
        ('<iq type="set"><query xmlns="jabber:iq:roster"><item jdi="a@b"/></query></iq>', "has no attribute jdi"),
        (
            '<iq type="set"><query xmlns="jabber:iq:roster"><item jid="a@b" subscription="bth"/></query></iq>',
            "subscription='bth' is not one of both, from",
        ),
        ("<presence><show>busy</show></presence>", "holds 'busy', not one of away, chat, dnd, xa"),
        ('<message to="a@b" tpye="chat"><body>hi</body></message>', "<message> (jabber:client) has no attribute tpye"),
    ],
)
def test_what_a_known_namespace_does_not_have_is_a_warning_that_says_what_it_has(stanza, warning):
    checked = check(stanza, CONTEXT)
    assert not checked.errors and checked.stanzas, "a warning, never a refusal"
    assert any(warning in str(problem) for problem in checked.warnings), checked.warnings


def test_no_warning_inside_an_unknown_namespace_or_an_open_element_or_for_a_foreign_child():
    assert unknown_warnings('<iq type="get"><query xmlns="urn:example:mine"><anything at="all"/></query></iq>') == []
    assert element_model().element("http://jabber.org/protocol/pubsub", "item").open, "any payload goes there"
    assert (
        unknown_warnings(
            '<iq type="set"><pubsub xmlns="http://jabber.org/protocol/pubsub"><publish node="n">'
            '<item id="1"><entry xmlns="http://www.w3.org/2005/Atom"><title>t</title></entry></item>'
            "</publish></pubsub></iq>"
        )
        == []
    )
    assert unknown_warnings('<message to="a@b"><body>x</body><x xmlns="urn:example:extension"/></message>') == []


def _closed_elements() -> list[ElementInfo]:
    return [info for info in element_model().elements.values() if not info.open and info.namespace != "jabber:client"]


@st.composite
def stanza_from_the_model(draw: st.DrawFn) -> tuple[ET.Element, ElementInfo]:
    """A closed element with some of its attributes (allowed values) and children: all known."""
    info = draw(st.sampled_from(_closed_elements()))
    element = ET.Element(f"{{{info.namespace}}}{info.name}")
    for attribute in draw(
        st.lists(st.sampled_from(sorted(info.attributes)), unique=True) if info.attributes else st.just([])
    ):
        element.set(attribute, draw(st.sampled_from(info.values.get(attribute, ("v",)))))
    for namespace, name in draw(
        st.lists(st.sampled_from(sorted(info.children)), max_size=3) if info.children else st.just([])
    ):
        element.append(ET.Element(f"{{{namespace}}}{name}"))
    if info.text:
        element.text = draw(st.sampled_from(info.text))
    return element, info


@settings(max_examples=300, deadline=None)
@given(stanza_from_the_model(), st.sampled_from(["zz-unknown", "bogus"]))
def test_a_stanza_made_of_what_the_model_knows_is_clean_and_one_unknown_attribute_is_named(drawn, extra):
    element, info = drawn
    assert [
        problem
        for problem in element_model().unknowns(element)
        if f"<{info.name}> ({info.namespace})" in problem and "has no" in problem
    ] == []
    element.set(extra, "1")
    assert any(f"has no attribute {extra}" in problem for problem in element_model().unknowns(element))


def test_a_broken_hand_written_file_names_the_file_and_the_key(tmp_path):
    (tmp_path / "elements.json").write_text((KNOWLEDGE / "elements.json").read_text(encoding="utf-8"))
    for name in ("specs.toml", "namespaces.toml", "features.toml", "conditions.toml", "stanzas.toml", "login.toml"):
        (tmp_path / name).write_text((KNOWLEDGE / name).read_text(encoding="utf-8"))
    (tmp_path / "elements.toml").write_text('[element."urn:xmpp:ping".ping]\nattributes = "node"\n')
    with pytest.raises(KnowledgeError, match=r'elements.toml: element."urn:xmpp:ping".ping.attributes: must be a list'):
        load_element_model(tmp_path)
    (tmp_path / "elements.toml").write_text('[namespace."urn:xmpp:ping"]\nopen = true\n')
    with pytest.raises(KnowledgeError, match=r'elements.toml: namespace."urn:xmpp:ping".why: must be a non-empty'):
        load_element_model(tmp_path)
    (tmp_path / "elements.json").write_text("{not json")
    with pytest.raises(KnowledgeError, match=r"elements\.json: not valid JSON"):
        load_element_model(tmp_path)
