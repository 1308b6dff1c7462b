"""Waits for what the user sees in a Pilot test: a screen on top and drawn, a widget focused.

A key press or a `push_screen` only posts messages; the screen they bring is on top at once but
its widgets mount later, and a key bound on a pane reaches its action after several hops. These
wait for the result, never for a fixed time (see `eventually`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList

from iqconsole.core.templates import fuzzy_rank
from iqconsole.ui.composer.template_picker import TemplatePicker
from iqconsole.ui.discovery.discovery_screen import DiscoveryScreen
from iqconsole.ui.screens.path_screen import PathScreen
from tests.xmpp_helpers import eventually

ScreenType = TypeVar("ScreenType", bound=Screen)


async def shown(app: App, screen_type: type[ScreenType]) -> ScreenType:
    """The `screen_type` screen, once it is on top, resumed, with all its widgets mounted."""
    await eventually(
        lambda: isinstance(app.screen, screen_type) and app.screen.is_mounted and app.screen.stack_updates > 0,
        what=f"the {screen_type.__name__}",
    )
    screen = app.screen
    assert isinstance(screen, screen_type)
    return screen


async def closed(app: App, screen_type: type[Screen]) -> None:
    """Once no `screen_type` screen is on top any more."""
    await eventually(lambda: not isinstance(app.screen, screen_type), what=f"the {screen_type.__name__} to close")


async def focused(widget: Widget) -> None:
    """Once `widget` has the focus (focusing is done by the app's next message)."""
    await eventually(lambda: widget.has_focus, what=f"the focus on {widget!r}")


async def click_to_focus(app: App, widget: Widget, attempts: int = 5) -> None:
    """Click `widget` until it has the focus. A click lands where the widget was when it was sent:
    on a busy machine the layout may still move it (a pane's text grew), and a person clicks again."""
    pilot = Pilot(app)
    for _ in range(attempts - 1):
        await pilot.click(widget)
        try:
            await eventually(lambda: widget.has_focus, timeout=3, what=f"the focus on {widget!r}")
            return
        except AssertionError:
            continue  # the click missed it: again, where it is now
    await pilot.click(widget)
    await focused(widget)


async def choose_path(app: App, pilot: Pilot, path: Path | None = None) -> None:
    """Answer the open path dialog with `path` (None: its default) and wait for it to close."""
    screen = await shown(app, PathScreen)
    box = screen.query_one("#path-input", Input)
    if path is not None:
        box.value = str(path)
    await focused(box)
    await pilot.press("enter")
    await closed(app, PathScreen)


async def click(pilot: Pilot, selector: str) -> None:
    """Click the widget `selector` of the screen on top once it is laid out there."""
    widget = pilot.app.screen.query_one(selector)
    await eventually(lambda: widget.region.area > 0, what=f"{selector} on screen")
    assert await pilot.click(widget), f"the click landed on {selector}"


async def search_templates(pilot: Pilot, picker: TemplatePicker, query: str) -> None:
    """Type `query` into the picker; wait until the list and the preview follow it."""
    search = picker.query_one("#picker-search", Input)
    await focused(search)
    await pilot.press(*query)
    wanted = fuzzy_rank(query, picker.templates)
    options = picker.query_one("#picker-list", OptionList)
    await eventually(
        lambda: (
            search.value == query
            and options.option_count == len(wanted)
            and options.highlighted == 0
            and wanted[0].title in str(picker.query_one("#picker-preview-text").render())
        ),
        what=f"the templates matching {query!r}",
    )


async def open_feature_list(pilot: Pilot) -> None:
    """F8 opens the discovery browser, `a` there the flat list of every feature found at login."""
    await pilot.press("f8")
    browser = await shown(pilot.app, DiscoveryScreen)
    await focused(browser.entities)
    await pilot.press("a")


async def online(app: App, pilot: Pilot | None = None) -> None:
    """Logged in and the discovery after login done (it sends IQs of its own: counting what the
    user sent starts after it)."""
    await eventually(lambda: app.session is not None and app.session.online, what="login")  # type: ignore[attr-defined]
    await eventually(lambda: app.server_features is not None, what="the disco after login")  # type: ignore[attr-defined]
    if pilot is not None:
        await pilot.pause()
