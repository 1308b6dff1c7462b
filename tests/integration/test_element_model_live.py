"""No false warnings on what a real server writes: every stanza the sandbox Prosody (and ejabberd) sends while
every built-in IQ template is tried (disco, roster, vCard, pubsub, MAM, MUC, ad-hoc, blocking…)
checks with no unknown element, attribute or value, as it would if a user pasted it into the
composer."""

from __future__ import annotations

from iqconsole.core.element_model import element_model
from iqconsole.core.stanza import StanzaError, parse_stanzas
from tests.template_runs import IQ_TEMPLATES, TemplateRun

STANZAS = ("iq", "message", "presence")


async def test_the_servers_own_stanzas_check_without_an_unknown_warning(server):
    run = await TemplateRun.open(server)
    try:
        for name in IQ_TEMPLATES:
            await run.outcome(name)
        entries = [entry for entry in run.session.store.entries if entry.direction.value == "in"]
    finally:
        await run.close()
    checked, problems = 0, []
    for entry in entries:
        try:
            (element,) = parse_stanzas(entry.xml)
        except (StanzaError, ValueError):
            continue  # stream headers, features: not stanzas
        if element.tag.rpartition("}")[2] not in STANZAS:
            continue
        checked += 1
        problems += [f"{problem}\n    in {entry.xml[:300]}" for problem in element_model().unknowns(element)]
    assert checked > 40, "the replies to every IQ template"
    assert problems == [], "\n".join(problems)
