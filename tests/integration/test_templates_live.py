"""Every built-in IQ template, rendered for alice, against each real server (Prosody, ejabberd).

Each IQ template is rendered with the services discovery found (`${pubsub}`, `${muc}`,
`${upload}`) and the peer its header documents, and sent by a Session: it must get a result, or
an error whose condition the template's description announces (and explains): never a timeout,
never a condition the user was not told about. The templates every server here supports must
succeed outright. With no peer chosen (the documented fallback: the server) every template
must still be answered.
"""

from __future__ import annotations

import pytest
import pytest_asyncio

from iqconsole.core.knowledge import knowledge
from tests.template_runs import BUILTINS, IQ_TEMPLATES, LOAD_ERRORS, PEERS, SEED, TIMED_OUT, TemplateRun, condition_name

in_module_loop = pytest.mark.asyncio(loop_scope="module")  # one login per server for the whole module

# RFC 6120 §8.3.3: an error reply must carry one of these (tests/unit/test_knowledge.py checks the list).
STANZA_ERROR_CONDITIONS = {name for group, name in knowledge().conditions if group == "stanza"}

# Both sandbox servers answer these with a result (given the seeding of tests/template_runs.py).
EXPECT_RESULT = {
    "disco-info",
    "disco-items",
    "disco-info-account",
    "disco-items-node",
    "pep-nodes",
    "roster-get",
    "roster-set",
    "roster-remove",
    "vcard-get",
    "vcard-set",
    "vcard4-get",
    "vcard4-publish",
    "private-get",
    "private-set",
    "blocklist",
    "block",
    "unblock",
    "unblock-all",
    "mam-form",
    "mam-query",
    "mam-last-page",
    "mam-prefs",
    "pubsub-items",
    "pubsub-publish",
    "pubsub-subscribe",
    "pubsub-retract",
    "pubsub-node-config",
    "muc-rooms",
    "muc-room-info",
    "muc-owner-config",
    "upload-slot",
    "register-form",
    "carbons-enable",
    "carbons-disable",
}


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["prosody", "ejabberd"])
async def live(request):
    run = await TemplateRun.open(request.getfixturevalue(request.param))
    try:
        yield run
    finally:
        await run.close()


def _check_answered(name: str, outcome: str) -> None:
    assert outcome != TIMED_OUT, f"{name}: no reply"
    if outcome != "result":
        assert condition_name(outcome) in STANZA_ERROR_CONDITIONS, f"{name}: error without a condition: {outcome}"


def test_the_builtins_load_and_include_iq_requests():
    assert LOAD_ERRORS == []
    assert len(IQ_TEMPLATES) >= 30
    assert set(PEERS) <= set(IQ_TEMPLATES) and set(IQ_TEMPLATES) >= EXPECT_RESULT
    assert set(SEED) <= set(BUILTINS)


@in_module_loop
async def test_discovery_fills_the_service_variables(live):
    domain = live.sandbox.domain
    assert live.services == {
        "muc": f"conference.{domain}",
        "pubsub": f"pubsub.{domain}",
        "upload": f"upload.{domain}",
    }, "push has no service in a sandbox: ${push} falls back to the domain"
    assert live.seeded["pubsub-publish"] == "result"


@in_module_loop
@pytest.mark.parametrize("name", IQ_TEMPLATES)
async def test_iq_template_gets_a_result_or_an_error_its_description_announces(live, name):
    outcome = await live.outcome(name)
    _check_answered(name, outcome)
    if name in EXPECT_RESULT:
        assert outcome == "result", f"{name} on {live.sandbox.server}: {outcome}"
    elif outcome != "result":
        assert condition_name(outcome) in BUILTINS[name].description, (
            f"{name} on {live.sandbox.server} gets {outcome}: its description must say when and why"
        )
    assert live.session.online


@in_module_loop
async def test_every_iq_template_with_the_default_peer_is_answered(live):
    """No peer chosen: ${peer} is the server, which must answer every template too."""
    outcomes = {name: await live.outcome(name, peer="") for name in IQ_TEMPLATES}
    for name, outcome in outcomes.items():
        _check_answered(name, outcome)
    assert live.session.online and live.session.pending == {}
    # The server itself answers the queries aimed at "an entity" with a result.
    for name in ("version", "ping", "time", "last-activity", "disco-info-peer"):
        assert outcomes[name] == "result", f"{name} to the server: {outcomes[name]}"
