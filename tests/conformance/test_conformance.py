"""Every conformance case of every ``*.json`` in the conformance folder, through the public API.

A case the library cannot run fails (it is never skipped); a malformed case is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conformance import MalformedScenario, Scenario, case_files, load_cases
from tests.conftest import conformance_dir


def _cases() -> list[Scenario]:
    folder = conformance_dir()
    return [case for path in case_files(folder) for case in load_cases(path)]


CASES = _cases()

#: Cases believed wrong, each with the reason (a strict xfail until the case is settled).
#: ``source_identity_on_chained_session_absent`` was one (a one-character session name, below
#: STS's RoleSessionName minimum of 2) until the case was given a valid name.
DISPUTED: dict[str, str] = {
    "invalid_effect_lowercase": "its source assumes the identity-policy parser for trust "
    'policies; IAM has saved trust policies with "Effect": "allow" since 2021 '
    "(docs/semantics.md, reading 13): trustsim reads it as Allow, flagged",
}


def _param(case: Scenario) -> object:
    reason = DISPUTED.get(case.name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=f"{Path(case.origin).name}::{case.name}", marks=marks)


@pytest.mark.conformance
def test_the_conformance_folder_holds_cases() -> None:
    assert len(CASES) >= 145


@pytest.mark.conformance
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_case(case: Scenario) -> None:
    result = case.run()
    assert result.passed, result.report()


def _write(tmp_path: Path, cases: object) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases), encoding="utf-8")
    return path


GOOD = {
    "name": "n",
    "role": {"arn": "arn:aws:iam::111111111111:role/R", "trust_policy": {"Statement": []}},
    "caller": {"kind": "anonymous"},
    "action": "sts:AssumeRole",
    "context": {},
    "expected": "ImplicitDeny",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"surprise": 1}, "unknown field(s) in the scenario: surprise"),
        ({"role": {**GOOD["role"], "policy": {}}}, "unknown field(s) in role: policy"),
        ({"caller": {"kind": "anonymous", "name": "x"}}, "unknown field(s) in caller: name"),
        ({"caller": {"kind": "robot"}}, "unknown caller kind 'robot'"),
        ({"expected": "Denied"}, "unknown expected value 'Denied'"),
    ],
)
def test_malformed_cases_are_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    with pytest.raises(MalformedScenario, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_cases(_write(tmp_path, [{**GOOD, **change}]))


def test_a_case_without_its_expected_decision_is_refused(tmp_path: Path) -> None:
    case = {k: v for k, v in GOOD.items() if k != "expected"}
    with pytest.raises(MalformedScenario, match="missing field"):
        load_cases(_write(tmp_path, [case]))


def test_duplicate_case_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(MalformedScenario, match="duplicate scenario name"):
        load_cases(_write(tmp_path, [GOOD, GOOD]))
