"""Step through a conversation script over the console: its steps on the left (done, failed,
next), every character's stanzas in a traffic log on the right, and the first difference when a
step fails, so that a failing script can be explored by hand."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from iqconsole.core.scansion.run import ScriptRun, StepResult
from iqconsole.core.terminal_safe import terminal_safe
from iqconsole.core.traffic import TrafficStore
from iqconsole.ui.traffic.traffic_detail import TrafficDetail
from iqconsole.ui.traffic.traffic_pane import TrafficPane
from iqconsole.ui.traffic.traffic_view import TrafficView


class ScriptScreen(Screen[None]):
    BINDINGS = [
        Binding("f10", "advance(False)", "Next step", id="script.next", tooltip="Perform the script's next step"),
        Binding(
            "f5",
            "advance(True)",
            "Run to the end",
            id="script.run",
            tooltip="Perform the steps up to the first failure",
        ),
        Binding(
            "ctrl+w", "close", "Close", id="script.close", tooltip="Disconnect the characters, back to the console"
        ),
    ]

    def __init__(self, run: ScriptRun, store: TrafficStore):
        """`store`: the one `run` mirrors its characters' stanzas into."""
        super().__init__()
        self.script_run = run
        self.store = store
        self.busy = False

    def compose(self) -> ComposeResult:
        script = self.script_run.script
        yield Static(terminal_safe(f"Script: {script.name} ({script.path})"), id="script-title", markup=False)
        with Horizontal(id="script-pane"):
            with VerticalScroll(id="script-steps-column"):
                yield Static(id="script-steps", markup=False)
                yield Static(id="script-problem", markup=False)
            with Vertical(id="script-traffic"):
                self.traffic = TrafficView(self.store, id="traffic")
                self.detail = TrafficDetail(self.store, id="detail")
                yield TrafficPane(self.traffic, id="traffic-log")
                yield self.detail
        yield Footer()

    def on_mount(self) -> None:
        self.traffic.border_title = "Every character's stanzas"
        self.detail.border_title = "Detail"
        self._show()
        steps = self.query_one("#script-steps-column")
        steps.border_title = "Steps"
        steps.focus()  # the footer then shows the script's keys first

    @on(TrafficView.Selected)
    def show_selected(self, event: TrafficView.Selected) -> None:
        if event.entry is not None:
            self.detail.entry = event.entry

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "advance":
            return not self.busy and not self.script_run.done
        return not self.busy if action == "close" else True

    def action_advance(self, to_the_end: bool) -> None:
        self.busy = True
        self.refresh_bindings()
        self.run_worker(self._advance(to_the_end), group="script", exclusive=True, exit_on_error=False)

    async def _advance(self, to_the_end: bool) -> None:
        try:
            await self.script_run.step()
            while to_the_end and not self.script_run.done:
                self._show()
                await self.script_run.step()
        finally:
            self.busy = False
            self.refresh_bindings()
            self._show()

    def action_close(self) -> None:
        self.busy = True
        self.run_worker(self._close(), group="script", exclusive=True, exit_on_error=False)

    async def _close(self) -> None:
        await self.script_run.close()
        self.dismiss()

    def _show(self) -> None:
        results = self.script_run.result.steps
        lines = []
        for index, step in enumerate(self.script_run.script.steps):
            result = results[index] if index < len(results) else None
            pointer = "▶" if index == len(results) and not self.script_run.done else " "
            lines.append(f"{pointer} {_mark(result)} {_took(result):>10}  line {step.line:<4} {step.describe()}")
        summary = (
            "passed"
            if self.script_run.result.passed
            else "failed"
            if self.script_run.done
            else "not finished: the keys below perform the next step or the rest"
        )
        self.query_one("#script-steps", Static).update(terminal_safe("\n".join([*lines, "", summary])))
        failure = self.script_run.result.failure
        problem = [failure.problem, *failure.details] if failure is not None else []
        self.query_one("#script-problem", Static).update(terminal_safe("\n".join(problem)))


def _mark(result: StepResult | None) -> str:
    if result is None:
        return "○"
    return "✔" if result.passed else "✖"


def _took(result: StepResult | None) -> str:
    return f"{result.seconds * 1000:.1f} ms" if result is not None else ""
