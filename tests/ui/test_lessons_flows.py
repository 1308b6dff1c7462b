"""Every built-in lesson done end to end as a learner does it, against the real Prosody and
bob's demo client: typed stanzas, one wrong attempt each, and its hint."""

from __future__ import annotations

from tests.ui.lessons_helpers import SIZE, hinted, learn_app, open_lesson, ready, send, step_done


async def test_lesson_1_what_an_iq_is(prosody):
    app, online = learn_app(prosody)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, online)
        await open_lesson(app, pilot, 1)
        await send(app, pilot, '<iq type="get" to="bob@localhost/phone"><ping xmlns="urn:xmpp:ping"/></iq>')
        hint = await hinted(app, "service-unavailable (cancel)", "bob@localhost/phone")
        assert "from:bob@localhost/demo" in hint, "the hint says what the step waits for"
        await send(app, pilot, '<iq type="get" to="${bob}"><ping xmlns="urn:xmpp:ping"/></iq>')
        await step_done(app, 1)
        await send(app, pilot, '<iq type="get" to="${bob}" id="my-first-iq"><ping xmlns="urn:xmpp:ping"/></iq>')
        await step_done(app, 2)
        await send(app, pilot, '<iq type="get" to="${bob}"><query xmlns="jabber:iq:version"/></iq>')
        await step_done(app, 3)
        text = app.query_one("#lesson-text").source
        assert "Lesson complete" in text and "a result came back from bob@localhost/demo" in text
