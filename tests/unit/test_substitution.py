"""The one `${name}` engine shared by the composer, templates and responder replies."""

from __future__ import annotations

import pytest

from iqconsole.core.responders import ResponderError, render_reply
from iqconsole.core.substitution import SubstitutionError, placeholders, substitute
from iqconsole.core.templates import TemplateError, render


def test_values_are_escaped_and_dollars_doubled():
    assert (
        substitute("<a b='${v}'>$$${v}</a>", {"v": "'<&>\""})
        == "<a b='&apos;&lt;&amp;&gt;&quot;'>$&apos;&lt;&amp;&gt;&quot;</a>"
    )


def test_a_resolver_fills_name_argument_and_its_value_is_escaped_too():
    asked = []

    def node(argument: str) -> str:
        asked.append(argument)
        return "<evil/>"

    assert substitute("<q node='${request:query/@node}'/>", {}, {"request": node}) == "<q node='&lt;evil/&gt;'/>"
    assert asked == ["query/@node"]


def test_every_unknown_name_and_every_stray_dollar_in_one_error():
    with pytest.raises(SubstitutionError) as caught:
        substitute("${one}\n$5 ${two} ${one} ${x:y}", {"id": "1"})
    error = caught.value
    assert error.unknown == ("one", "two", "x:y")
    assert error.malformed == ("'$5' on line 2",)
    assert "(known: ${id})" in str(error) and str(error).endswith("write $$ for a literal dollar")


def test_placeholders_in_order_of_appearance():
    found = placeholders("${b} $$ ${a} ${request:@id} ${")
    assert found.names == ("b", "a", "request:@id") and found.malformed == ("'${' on line 1",)


@pytest.mark.parametrize("text", ["$5", "${}", "${bad name}", "${open", "$"])
def test_templates_and_responder_replies_refuse_the_same_mistakes_in_the_same_words(text):
    with pytest.raises(TemplateError) as template:
        render(f"<a>{text}</a>", {"id": "1"})
    with pytest.raises(ResponderError) as reply:
        render_reply(f"<a>{text}</a>", {"id": "1"})
    assert "a '$' must start ${name}" in str(template.value)
    assert str(reply.value) == f"reply template: {template.value}"
