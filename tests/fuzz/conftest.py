"""Prints how many inputs each fuzz test ran (and the totals) at the end of the session."""

from __future__ import annotations

from .harness import RECORD


def pytest_terminal_summary(terminalreporter):
    if not RECORD:
        return
    terminalreporter.section("fuzz inputs")
    totals: dict[str, list[float]] = {}
    for test, rec in RECORD.items():
        terminalreporter.write_line(f"{test}: {rec['inputs']} inputs in {rec['seconds']:.1f} s")
        total = totals.setdefault(rec.get("engine", "hypothesis"), [0, 0.0])
        total[0] += rec["inputs"]
        total[1] += rec["seconds"]
    for engine, (inputs, seconds) in totals.items():
        terminalreporter.write_line(f"total ({engine}): {int(inputs)} inputs in {seconds:.1f} s")
