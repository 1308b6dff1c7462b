"""Reading scripts: the Scansion subset is understood, and every line outside it is refused with
its file and line before anything connects."""

from __future__ import annotations

import pytest

from iqconsole.core.scansion.run import password_variable, passwords
from iqconsole.core.scansion.script import Action, ScriptError, parse_script, substitute
from iqconsole.core.scansion.suite import check_runnable

GOOD = """# Basic message routing
# Romeo says hello.
## slow

[Client] Romeo
\tjid: romeo@localhost
\tpassword: s3cret

[Client] Juliet's phone
\tjid: juliet@localhost
\tresource: mobile

---------

# Act 1
Romeo connects

Romeo sends:
\t<message to="${Juliet's phone's full JID}" type="chat">
\t\t<body>Hello</body>
\t</message>

Juliet's phone receives:
\t<message from="${Romeo's full JID}" to="${Juliet's phone's JID}"/>

Juliet's phone receives: nothing

Romeo disconnects
"""


def test_a_script_reads_into_characters_and_steps() -> None:
    script = parse_script(GOOD, "hello.scs")
    assert script.title == "Basic message routing"
    assert script.description == "Romeo says hello."
    assert script.tags == ("slow",)
    phone = script.characters["Juliet's phone"]
    assert phone.login_jid == "juliet@localhost/mobile"
    assert [(step.character, step.action, step.line) for step in script.steps] == [
        ("Romeo", Action.CONNECTS, 16),
        ("Romeo", Action.SENDS, 18),
        ("Juliet's phone", Action.RECEIVES, 23),
        ("Juliet's phone", Action.RECEIVES_NOTHING, 26),
        ("Romeo", Action.DISCONNECTS, 28),
    ]
    assert script.steps[1].xml_line == 19


def test_the_password_never_shows_in_a_character_repr() -> None:
    assert "s3cret" not in repr(parse_script(GOOD).characters["Romeo"])


def test_references_become_escaped_jids() -> None:
    text = '<message to="${Romeo\'s full JID}" from="${Romeo\'s JID}"/>'
    assert substitute(text, {"Romeo": ("r@l/a&b", "r@l")}) == '<message to="r@l/a&amp;b" from="r@l"/>'


def test_passwords_come_from_the_environment_first() -> None:
    script = parse_script(GOOD)
    assert password_variable("Juliet's phone") == "IQCONSOLE_PASSWORD_JULIET_S_PHONE"
    found = passwords(script, {"IQCONSOLE_PASSWORD_JULIET_S_PHONE": "p1", "IQCONSOLE_PASSWORD_ROMEO": "p2"})
    assert found == {"Romeo": "p2", "Juliet's phone": "p1"}
    with pytest.raises(ScriptError) as refused:
        passwords(script, {})
    assert str(refused.value) == (
        "<script>:9: Juliet's phone has no password: give `password:` or set IQCONSOLE_PASSWORD_JULIET_S_PHONE"
    )


@pytest.mark.parametrize(
    ("replace", "by", "line", "words"),
    [
        ("[Client] Juliet's phone", "[Component] Juliet's phone", 10, "is not a component's domain"),
        ("[Client] Juliet's phone", "[Bot] Juliet's phone", 9, "unknown character class [Bot]"),
        ("\tresource: mobile", "\tnickname: jules", 11, "unknown property 'nickname' of Juliet's phone"),
        ("Romeo disconnects", "Romeo waits 5 seconds", 28, "not part of the supported script subset"),
        ("Romeo disconnects", "Benvolio connects", 28, "no character named 'Benvolio'"),
        ("Romeo disconnects", "Romeo disconnects now", 28, "unexpected words after 'disconnects'"),
        ("\t\t<body>Hello</body>", "\t\t<body>Hello</bdy>", 20, "the stanza is not well-formed XML: mismatched tag"),
        ("${Romeo's full JID}", "${Romeo's nickname}", 24, "${Romeo's nickname} is not supported"),
        ("${Romeo's full JID}", "${Tybalt's full JID}", 24, "no character named 'Tybalt'"),
        (
            "Juliet's phone receives: nothing",
            "Juliet's phone receives: <presence/>",
            26,
            "the stanza goes on the indented lines",
        ),
        ("Juliet's phone receives: nothing", "Juliet's phone receives:", 26, "needs an indented stanza"),
        ("\tjid: romeo@localhost", "\tjid: localhost", 6, "not an account JID"),
        ("# Act 1", "\tstray", 15, "indented line outside a character or a stanza"),
    ],
)
def test_lines_outside_the_subset_are_refused_with_file_and_line(replace: str, by: str, line: int, words: str) -> None:
    assert replace in GOOD
    with pytest.raises(ScriptError) as refused:
        parse_script(GOOD.replace(replace, by, 1), "bad.scs")
    assert refused.value.line == line, refused.value
    assert str(refused.value).startswith(f"bad.scs:{line}: ")
    assert words in refused.value.message


def test_a_character_defined_after_the_actions_is_refused() -> None:
    with pytest.raises(ScriptError, match=r"x.scs:29: characters are defined before"):
        parse_script(GOOD + "[Client] Tybalt\n\tjid: t@localhost\n", "x.scs")


def test_a_component_is_a_domain_with_a_secret_and_a_port() -> None:
    text = "[Component] Service\n\tjid: svc.localhost\n\tpassword: s3cret\n-----\nService connects\n"
    service = parse_script(text).characters["Service"]
    assert service.component and service.login_jid == "svc.localhost"
    with pytest.raises(ScriptError, match=r"<script>:1: Service needs connect_port: the server's component port"):
        check_runnable([parse_script(text)], sandbox=False)
    check_runnable([parse_script(text.replace("s3cret", "s3cret\n\tconnect_port: 5347"))], sandbox=False)
