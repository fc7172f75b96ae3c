"""The conformance case runner: the shared cases, read and decided by :mod:`trustsim.scenarios`.

Case format: tests/data/conformance/README.md — the scenario-file format users write for their
own roles (docs/scenarios.md), so a case that passes here passes for a user writing the same
thing. Malformed cases are refused with :class:`~trustsim.scenarios.MalformedScenario`
naming the file, the JSON pointer and the reason; a case the library cannot run is a failure,
never a skip.
"""

from __future__ import annotations

from pathlib import Path

from trustsim.scenarios import MalformedScenario, Scenario, ScenarioResult, load_scenarios

__all__ = ["MalformedScenario", "Scenario", "ScenarioResult", "case_files", "load_cases"]


def load_cases(path: Path) -> tuple[Scenario, ...]:
    """Every case of one file; :class:`MalformedScenario` on the first bad one."""
    return load_scenarios(path)


def case_files(folder: Path) -> list[Path]:
    """Every ``*.json`` case file of ``folder``, sorted."""
    return sorted(folder.glob("*.json"))
