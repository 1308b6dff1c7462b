"""The traffic log with its filter/search bar: the bar checks expressions, the view applies them."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from iqconsole.ui.traffic.filter_bar import TrafficFilterBar
from iqconsole.ui.traffic.traffic_view import TrafficView


class TrafficPane(Vertical):
    def __init__(self, view: TrafficView, **kwargs):
        super().__init__(**kwargs)
        self.view = view

    def compose(self) -> ComposeResult:
        yield TrafficFilterBar(id="traffic-filter")
        yield Static("", id="traffic-filter-problem", markup=False)
        yield self.view

    def on_mount(self) -> None:
        self.query_one(TrafficFilterBar).display = False
        self.query_one("#traffic-filter-problem").display = False

    @on(TrafficView.BarRequested)
    def open_bar(self, event: TrafficView.BarRequested) -> None:
        bar = self.query_one(TrafficFilterBar)
        if bar.mode != event.mode:
            bar.value = self.view.user_filter.describe() if event.mode == "filter" and self.view.user_filter else ""
        bar.mode = event.mode
        bar.display = True
        bar.focus()

    @on(TrafficFilterBar.Problem)
    def show_problem(self, event: TrafficFilterBar.Problem) -> None:
        problem = self.query_one("#traffic-filter-problem", Static)
        problem.display = event.error is not None
        problem.update(f"✖ {event.error}" if event.error else "")

    @on(TrafficFilterBar.Applied)
    def apply(self, event: TrafficFilterBar.Applied) -> None:
        if event.mode == "filter":
            self.view.set_filter(event.expression)
            self.view.focus()
            return
        self.view.search = event.expression
        if event.expression is not None:
            self.view.action_find(event.backwards)

    @on(TrafficFilterBar.Closed)
    def close_bar(self) -> None:
        self.query_one(TrafficFilterBar).display = False
        self.query_one("#traffic-filter-problem").display = False
        self.view.focus()
