#!/usr/bin/env python
"""Big-stanza benchmark (issue 10): what each transformation of stanza text costs per MB.

    .venv/bin/python bench/big_stanza.py                 # 1, 10 and 50 MB, best of 3 (about 2 min)
    .venv/bin/python bench/big_stanza.py --sizes 1 --repeat 1     # smoke run, a few seconds

For three shapes of stanza (one huge text, many small children, many SASL-namespaced children:
the input that made redaction quadratic) and each size, it times every transformation the
console applies to a stanza's text, and plain slixmpp's own work on the same stanza: parsing it
(ElementTree, as slixmpp's stream parser builds it) and serializing it again with
`slixmpp.xmlstream.tostring`, which every received stanza goes through. The ratio column is the
transformation's time over that baseline: under 1 means cheaper than receiving the stanza at all.
Times are the best of --repeat runs (perf_counter), in one process; the machine's load average
is printed before and after, since other processes change the figures.

Goal (issue 10): every transformation linear in its input (seconds per MB flat from 1 to 50 MB)
and, for what is drawn on screen, independent of the size once it is cut.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere, with or without an installed package
    sys.path.insert(0, str(ROOT))

from rich.style import Style  # noqa: E402
from slixmpp.xmlstream.tostring import tostring  # noqa: E402

from iqconsole.core.highlight import ROLES  # noqa: E402
from iqconsole.core.pretty import pretty_xml, raw_xml  # noqa: E402
from iqconsole.core.redact import redact  # noqa: E402
from iqconsole.core.stanza import error_condition  # noqa: E402
from iqconsole.core.terminal_safe import terminal_safe  # noqa: E402
from iqconsole.core.traffic import Direction, Kind, TrafficEntry  # noqa: E402
from iqconsole.core.traffic_filter import compile_filter  # noqa: E402
from iqconsole.core.traffic_summary import entry_summary  # noqa: E402
from iqconsole.ui.traffic.traffic_view import one_line  # noqa: E402
from iqconsole.ui.xml_text import highlight_xml, xml_runs  # noqa: E402

MB = 1024 * 1024
SASL = "urn:ietf:params:xml:ns:xmpp-sasl"
SCREEN_ROWS, SCREEN_WIDTH = 40, 120
STYLES = {role: Style(bold=True) for role in ROLES}


def text_stanza(size: int) -> str:
    head = "<message to='alice@example.org/console' from='bob@example.org/x' id='big-text' type='chat'><body>"
    tail = "</body></message>"
    return head + "QUJD" * ((size - len(head) - len(tail)) // 4) + tail


def _repeated(head: str, unit: Callable[[int], str], tail: str, size: int) -> str:
    parts, length, number = [head], len(head) + len(tail), 0
    while length < size:
        part = unit(number)
        parts.append(part)
        length += len(part)
        number += 1
    parts.append(tail)
    return "".join(parts)


def children_stanza(size: int) -> str:
    return _repeated(
        "<iq type='result' id='big-roster' from='example.org'><query xmlns='jabber:iq:roster'>",
        lambda number: f"<item jid='user{number}@example.org' name='User {number}' subscription='both'/>",
        "</query></iq>",
        size,
    )


def sasl_stanza(size: int) -> str:
    return _repeated(
        "<iq type='result' id='big-sasl' from='example.org'><query xmlns='urn:example:dump'>",
        lambda number: f"<auth xmlns='{SASL}' mechanism='PLAIN'>c2VjcmV0{number}</auth>",
        "</query></iq>",
        size,
    )


SHAPES = {"text": text_stanza, "children": children_stanza, "sasl": sasl_stanza}


def plain_slixmpp(xml: str) -> None:
    tostring(ET.fromstring(xml))


def log_row(xml: str) -> None:
    """What TrafficView does with the stanza to draw its one row: highlights what a row shows."""
    list(xml_runs(terminal_safe(one_line(xml)), STYLES, SCREEN_WIDTH))


def first_screen(text: str) -> None:
    """What the detail pane draws at first: the rows of one screen, highlighted."""
    lines = terminal_safe(text).split("\n")
    for line in lines[:SCREEN_ROWS]:
        highlight_xml(line[: SCREEN_WIDTH * SCREEN_ROWS], STYLES)


def transformations(xml: str) -> dict[str, Callable[[], object]]:
    entry = TrafficEntry(0, Direction.IN, 1.0, 2.0, Kind.IQ, xml, stanza_id="big", sender="example.org")
    text_filter, xpath_filter = compile_filter('"user7@"'), compile_filter('xpath:"iq/{jabber:iq:roster}query"')
    return {
        "plain slixmpp (parse + tostring)": lambda: plain_slixmpp(xml),
        "redact": lambda: redact(xml),
        "summary": lambda: entry_summary(entry),
        "log row (one_line + highlight)": lambda: log_row(xml),
        "pretty_xml": lambda: pretty_xml(xml),
        "detail pretty (+ first screen)": lambda: first_screen(pretty_xml(xml)),
        "detail raw (+ first screen)": lambda: first_screen(raw_xml(xml)),
        "error badge (error_condition)": lambda: error_condition(xml),
        "filter: free text": lambda: text_filter.matches(entry),
        "filter: xpath": lambda: xpath_filter.matches(entry),
    }


def best_time(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50], help="stanza sizes in MB")
    parser.add_argument("--shapes", nargs="+", choices=sorted(SHAPES), default=list(SHAPES))
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best is kept")
    args = parser.parse_args()
    print(f"Before: {load()}")
    print(f"{'shape':<9} {'MB':>4} {'transformation':<34} {'seconds':>9} {'ms/MB':>9} {'ratio':>8}")
    for shape in args.shapes:
        for size in args.sizes:
            xml = SHAPES[shape](size * MB)
            megabytes = len(xml) / MB
            baseline = None
            for name, work in transformations(xml).items():
                seconds = best_time(work, args.repeat)
                baseline = seconds if baseline is None else baseline
                print(
                    f"{shape:<9} {size:>4} {name:<34} {seconds:>9.4f} {seconds / megabytes * 1000:>9.3f}"
                    f" {seconds / baseline:>8.3f}",
                    flush=True,
                )
            del xml
    print(f"After: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
