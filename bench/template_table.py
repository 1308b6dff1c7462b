"""Send every built-in IQ template to each sandbox server and write the README's table of outcomes.

    .venv/bin/python bench/template_table.py            # print the table (about 30 s)
    .venv/bin/python bench/template_table.py --readme   # and replace the table in README.md

Each server is a throwaway sandbox (iqconsole.core.sandbox_servers); the run is the one the live
template tests make (tests/template_runs.py): alice discovers the server, a few templates seed
what the reading ones read, and each template gets its outcome: `result`, or the error
condition with its type. Exit status 1 when a template got no reply (a timeout).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iqconsole.core.sandbox_servers import SERVERS, make_sandbox  # noqa: E402
from tests.template_runs import BUILTINS, IQ_TEMPLATES, TIMED_OUT, run_on  # noqa: E402

START = "<!-- template-table: written by bench/template_table.py, do not edit by hand -->"
END = "<!-- /template-table -->"


def table(outcomes: dict[str, dict[str, str]]) -> str:
    servers = list(outcomes)
    lines = [
        "| template | " + " | ".join(servers) + " |",
        "|---|" + "---|" * len(servers),
    ]
    for name in IQ_TEMPLATES:
        cells = [_cell(outcomes[server][name]) for server in servers]
        lines.append(f"| `{name}` ({BUILTINS[name].title}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(outcome: str) -> str:
    """'result', or the condition and its type without the server's free text."""
    return outcome if outcome in ("result", TIMED_OUT) else outcome.split(":", 1)[0]


def write_readme(text: str, readme: Path) -> None:
    content = readme.read_text(encoding="utf-8")
    block = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not block.search(content):
        raise SystemExit(f"{readme}: no {START} … {END} block to replace")
    readme.write_text(block.sub(lambda _: f"{START}\n{text}\n{END}", content), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", action="store_true", help="replace the table in README.md")
    args = parser.parse_args()
    outcomes: dict[str, dict[str, str]] = {}
    for server in SERVERS:
        with make_sandbox(server, ("alice", "bob", "carol")) as sandbox:
            outcomes[server] = run_on(sandbox)
    text = table(outcomes)
    print(text)
    if args.readme:
        write_readme(text, ROOT / "README.md")
    timed_out = [
        f"{server}: {name}" for server, found in outcomes.items() for name, o in found.items() if o == TIMED_OUT
    ]
    if timed_out:
        print(f"no reply: {', '.join(timed_out)}", file=sys.stderr)
    return 1 if timed_out else 0


if __name__ == "__main__":
    sys.exit(main())
