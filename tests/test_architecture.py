"""The core must stay usable without a terminal: nothing under iqconsole/core imports textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import iqconsole.core

CORE = Path(iqconsole.core.__file__).resolve().parent
FORBIDDEN = "textual"


def _core_files() -> list[Path]:
    return sorted(CORE.rglob("*.py"))


def _module_names() -> list[str]:
    names = []
    for path in _core_files():
        relative = path.relative_to(CORE.parent.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _textual_imports(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        for module in modules:
            if module == FORBIDDEN or module.startswith(FORBIDDEN + "."):
                found.append(f"{filename}:{node.lineno}: imports {module}")
    return found


def test_the_checker_recognises_textual_imports():
    # Guard against a checker that can never fail.
    source = "import os\nimport textual\nfrom textual.app import App\nimport textualize_other\n"
    assert len(_textual_imports(source, "x.py")) == 2
    assert _textual_imports("def f():\n    from textual import on\n", "y.py")


def test_core_has_python_modules():
    names = _module_names()
    assert "iqconsole.core.traffic" in names and "iqconsole.core.client" in names


def test_no_core_module_imports_textual_statically():
    offences = []
    for path in _core_files():
        offences += _textual_imports(path.read_text(encoding="utf-8"), str(path.relative_to(CORE.parent.parent)))
    assert offences == []


def test_importing_every_core_module_does_not_load_textual():
    modules = _module_names()
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = sorted(m for m in sys.modules if m == {FORBIDDEN!r} or m.startswith({FORBIDDEN + '.'!r}))\n"
        "print(','.join(loaded))\n"
        f"sys.exit(1 if loaded else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=CORE.parent.parent
    )
    assert result.returncode == 0, (
        f"textual loaded by importing iqconsole.core: {result.stdout.strip()}\n{result.stderr[-2000:]}"
    )
