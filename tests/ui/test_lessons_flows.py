"""Every built-in lesson done end to end as a learner does it, against the real Prosody and
bob's demo client: typed stanzas, one wrong attempt each, and its hint."""

from __future__ import annotations

from textual.widgets import Input, Select, TextArea

from iqconsole.core.responders import MatchKind
from iqconsole.ui.responders.responder_form import ResponderForm
from tests.ui.lessons_helpers import (
    hinted,
    hit,
    learning,
    lesson_text,
    pane_shows,
    send,
    set_timeout,
    show_me_and_send,
    step_done,
)
from tests.ui.waiting import closed, shown
from tests.xmpp_helpers import eventually


async def test_lesson_1_what_an_iq_is(prosody):
    async with learning(prosody, 1) as app:
        await send(app, '<iq type="get" to="bob@localhost/phone"><ping xmlns="urn:xmpp:ping"/></iq>')
        hint = await hinted(app, "service-unavailable (cancel)", "bob@localhost/phone")
        assert "from:bob@localhost/demo" in hint, "the hint says what the step waits for"
        await send(app, '<iq type="get" to="${bob}"><ping xmlns="urn:xmpp:ping"/></iq>')
        await step_done(app, 1)
        await send(app, '<iq type="get" to="${bob}" id="my-first-iq"><ping xmlns="urn:xmpp:ping"/></iq>')
        await step_done(app, 2)
        await send(app, '<iq type="get" to="${bob}"><query xmlns="jabber:iq:version"/></iq>')
        await step_done(app, 3)
        await pane_shows(app, "Lesson complete")
        assert "a result came back from bob@localhost/demo" in app.tutor.happened[0]


async def test_lesson_2_get_and_set(prosody):
    async with learning(prosody, 2) as app:
        await send(
            app,
            '<iq type="set"><query xmlns="jabber:iq:private"><note xmlns="urn:example:notes">milk</note></query></iq>',
        )
        await step_done(app, 1)
        await send(
            app, '<iq type="get"><query xmlns="jabber:iq:private"><note xmlns="urn:example:other"/></query></iq>'
        )
        hint = await hinted(app, "a result came back from your own server")
        assert "<note xmlns='urn:example:notes'/>" in hint, "the lesson's own hint follows"
        await send(
            app, '<iq type="get"><query xmlns="jabber:iq:private"><note xmlns="urn:example:notes"/></query></iq>'
        )
        await step_done(app, 2)


async def test_lesson_3_errors(prosody):
    async with learning(prosody, 3) as app:
        disco = '<iq type="get" to="localhost"><query xmlns="http://jabber.org/protocol/disco#info"{}/></iq>'
        await send(app, disco.format(""))
        await hinted(app, "a result came back from localhost", "item-not-found")
        await send(app, disco.format(' node="no-such-node"'))
        await step_done(app, 1)
        assert "item-not-found (cancel): Node does not exist" in app.tutor.happened[0]
        await send(app, '<iq type="get"><query xmlns="jabber:iq:private"/></iq>')
        await step_done(app, 2)
        await send(app, '<iq type="get" to="localhost"><query xmlns="urn:example:nothing"/></iq>', presses=2)
        await step_done(app, 3)


async def test_lesson_4_service_discovery_with_show_me(prosody):
    async with learning(prosody, 4) as app:
        await send(
            app,
            '<iq type="get" to="localhost"><query xmlns="http://jabber.org/protocol/disco#info" node="x"/></iq>',
        )
        await hinted(app, "an error came back from localhost", "item-not-found (cancel)")
        for step in (1, 2, 3):
            await show_me_and_send(app)
            await step_done(app, step)
        await pane_shows(app, "Lesson complete")


async def test_lesson_5_your_own_protocol_answered_by_a_responder(prosody):
    async with learning(prosody, 5) as app:
        call = '<iq type="set" to="${bob}"><call xmlns="urn:iqconsole:demo"/></iq>'
        await send(app, call)  # one press: the lessons' own namespace is a known one
        await step_done(app, 1)
        # bob's question came, and the console answered service-unavailable before the learner
        # did anything: told as what happened, not as a failed attempt
        await eventually(lambda: "service-unavailable" in app.tutor.meanwhile, timeout=20, what="bob's first call")
        await pane_shows(app, "ℹ Meanwhile: The \\<iq type='get'\\> from bob")
        assert app.tutor.hint == "" and "✖" not in lesson_text(app)
        await send(app, call)  # calling again, still without a responder: now a wrong attempt
        await hinted(app, "your console answered with an error", "service-unavailable")
        hit(app, "f9")  # "Show me": the responder the step needs, in the form
        form = await shown(app, ResponderForm)
        await eventually(
            lambda: (
                form.query_one("#responder-match", Input).value == "iq[@type='get']/{urn:iqconsole:lesson:quiz}question"
            ),
            what="the match filled in",
        )
        assert form.query_one("#responder-match-kind", Select).value is MatchKind.XPATH
        assert "42</answer>" in form.query_one("#responder-reply", TextArea).text
        await eventually(lambda: not form.query_one("#responder-save").disabled, what="the responder ready to save")
        hit(app, "ctrl+s")
        await closed(app, ResponderForm)
        await show_me_and_send(app)  # with the responder in place, F9 puts the call in the composer
        await step_done(app, 2)
        await eventually(
            lambda: any("I got: 42</body>" in entry.xml for entry in app.store), what="bob saying what he got"
        )


async def test_lesson_6_timeouts_cancel_and_late_replies(prosody):
    async with learning(prosody, 6) as app:
        await show_me_and_send(app)
        await eventually(lambda: bool(app.session.pending), what="the request waiting")
        hit(app, "ctrl+g")
        await step_done(app, 1)
        assert "you cancelled it (stopped waiting for the reply)." in app.tutor.happened[0]
        await set_timeout(app, "1")
        await show_me_and_send(app)
        await step_done(app, 2)
        slow = '<iq type="get" to="${bob}"><slow xmlns="urn:iqconsole:demo" seconds="{}"/></iq>'
        await send(app, slow.replace("{}", "0"))
        await hinted(app, "a result came back from bob@localhost/demo", "wants the request to end late")
        await send(app, slow.replace("{}", "2"))
        await step_done(app, 3)
        assert "it timed out (no reply in time); the reply came late" in app.tutor.happened[2]


async def test_lesson_7_iq_message_presence(prosody):
    async with learning(prosody, 7) as app:
        await send(app, "<presence/>")
        await hinted(app, "kind:message to:bob@localhost", "your <presence> is not one")
        await send(app, '<message to="${bob}" type="chat"><body>hello bob</body></message>')
        await step_done(app, 1)
        await show_me_and_send(app)
        await step_done(app, 2)
        assert "an error came back from nobody@localhost" in app.tutor.happened[1]
        await send(app, "<presence/>")
        await step_done(app, 3)
        await show_me_and_send(app, presses=2)
        await step_done(app, 4)


async def test_lesson_8_roster_push_answered(prosody):
    async with learning(prosody, 8) as app:
        await show_me_and_send(app)
        await step_done(app, 1)
        item = '<iq type="set"><query xmlns="jabber:iq:roster"><item jid="{}"/></query></iq>'
        await send(app, item.format("carol@localhost"))
        await hinted(app, "item[@jid='bob@localhost']", "your <iq type='set'> (jabber:iq:roster) is not one")
        await send(app, item.format("bob@localhost"))
        await step_done(app, 3)  # the push came right after the set, and the console answered it
        assert "your console answered with a result" in app.tutor.happened[2]
