"""One line at the top of `iqconsole view`: which recording this is, how much, and over what time."""

from __future__ import annotations

from textual.widgets import Static

from iqconsole.core.traffic import TrafficStore
from iqconsole.core.traffic_summary import recording_summary


class RecordingBar(Static):
    """A recording does not change: the line is written once."""

    def __init__(self, name: str, store: TrafficStore, **kwargs):
        super().__init__(f" {recording_summary(name, store)}", markup=False, **kwargs)
