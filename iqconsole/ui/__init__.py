"""The Textual front end. Every app here renders partial screen updates narrowly (partial_render)."""

from iqconsole.ui.partial_render import render_only_updates

render_only_updates()
