"""What a run says: a line per step with its time, the difference when one fails, a summary,
and JUnit XML for CI (one test case per script)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from iqconsole.core.scansion.run import ScriptResult, StepResult


def step_lines(result: StepResult) -> list[str]:
    step = result.step
    mark = "ok  " if result.passed else "FAIL"
    lines = [f"  {mark} {result.seconds * 1000:8.1f} ms  line {step.line:<4} {step.describe()}"]
    if not result.passed:
        lines.append(f"       {result.problem}")
        lines.extend(f"       {line}" for line in result.details)
    return lines


def script_summary(result: ScriptResult) -> str:
    ran, total = len(result.steps), len(result.script.steps)
    verdict = "passed" if result.passed else "FAILED"
    not_run = f", {total - ran} not run" if ran < total else ""
    return f"  {verdict}: {ran}/{total} steps{not_run} in {result.seconds:.2f} s"


def summary(results: list[ScriptResult], seconds: float) -> str:
    failed = sum(1 for result in results if not result.passed)
    passed = len(results) - failed
    words = f"{passed} passed" + (f", {failed} failed" if failed else "")
    return f"{words} ({len(results)} script{'s' if len(results) != 1 else ''}) in {seconds:.2f} s"


def junit_xml(results: list[ScriptResult], seconds: float) -> str:
    failures = sum(1 for result in results if not result.passed)
    suites = ET.Element("testsuites", tests=str(len(results)), failures=str(failures), time=f"{seconds:.3f}")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="iqconsole script",
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{seconds:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=result.script.path.stem,
            name=result.script.name,
            file=str(result.script.path),
            time=f"{result.seconds:.3f}",
        )
        failure = result.failure
        if failure is not None:
            element = ET.SubElement(case, "failure", message=f"line {failure.step.line}: {failure.problem}")
            element.text = "\n".join([failure.problem, *failure.details])
        elif not result.passed:
            ET.SubElement(case, "failure", message="the script stopped before its last step")
        out = ET.SubElement(case, "system-out")
        out.text = "\n".join(line for step in result.steps for line in step_lines(step)[:1])
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def write_junit(path: Path, results: list[ScriptResult], seconds: float) -> None:
    path.write_text(junit_xml(results, seconds), encoding="utf-8")
