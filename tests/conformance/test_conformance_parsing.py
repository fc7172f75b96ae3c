"""Every policy in the shared conformance cases parses — or is refused — as the case expects.

A case whose ``expected`` is ``InvalidPolicy`` describes a trust policy AWS refuses
(MalformedPolicyDocument); every other trust policy, and every identity-side policy the cases
carry, is one AWS accepts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import conformance_dir
from trustsim.errors import InvalidPolicy
from trustsim.model import PolicyKind
from trustsim.parsing import parse_policy

pytestmark = pytest.mark.conformance


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(conformance_dir().glob("*.json")):
        cases += json.loads(path.read_text(encoding="utf-8"))
    return cases


CASES = _cases()


def _other_policies(case: dict[str, Any]) -> Iterator[tuple[str, PolicyKind, dict[str, Any]]]:
    caller = case["caller"]
    for index, policy in enumerate(caller.get("identity_policies", [])):
        yield f"identity policy {index}", PolicyKind.IDENTITY, policy
    if "permissions_boundary" in caller:
        yield (
            "permissions boundary",
            PolicyKind.PERMISSIONS_BOUNDARY,
            caller["permissions_boundary"],
        )
    if "session_policy" in caller:
        yield "session policy", PolicyKind.SESSION, caller["session_policy"]
    for level, policies in enumerate(case.get("scps", [])):
        for index, policy in enumerate(policies):
            yield f"SCP level {level} policy {index}", PolicyKind.SCP, policy
    for index, policy in enumerate(case.get("rcps", [])):
        yield f"RCP {index}", PolicyKind.RCP, policy


def test_the_conformance_folder_has_cases_of_both_kinds() -> None:
    assert any(case["expected"] == "InvalidPolicy" for case in CASES)
    assert any(case["expected"] != "InvalidPolicy" for case in CASES)


#: Conformance cases a reading of docs/semantics.md decides otherwise (the Effect as written).
READ_OTHERWISE = {"invalid_effect_lowercase": "allow"}  # reading 13


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_trust_policy_is_refused_exactly_when_the_case_expects_invalid_policy(
    case: dict[str, Any],
) -> None:
    document = case["role"]["trust_policy"]
    if case["name"] in READ_OTHERWISE:
        # The case's own source assumed the identity-policy parser for trust policies.
        policy = parse_policy(document, kind=PolicyKind.TRUST)
        assert [s.effect_written for s in policy.statements] == [READ_OTHERWISE[case["name"]]]
        with pytest.raises(InvalidPolicy, match="INVALID_EFFECT"):
            parse_policy(document, kind=PolicyKind.IDENTITY)
        return
    if case["expected"] == "InvalidPolicy":
        with pytest.raises(InvalidPolicy) as caught:
            parse_policy(document, kind=PolicyKind.TRUST)
        assert caught.value.problems, case["source"]
    else:
        policy = parse_policy(document, kind=PolicyKind.TRUST)
        assert policy.kind is PolicyKind.TRUST
        assert parse_policy(policy.to_dict()) == policy


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_identity_side_policies_of_the_cases_parse_with_their_kind(case: dict[str, Any]) -> None:
    for label, kind, document in _other_policies(case):
        try:
            policy = parse_policy(document, kind=kind)
        except InvalidPolicy as error:  # pragma: no cover - the failure message is the point
            pytest.fail(f"{label} of {case['name']} was refused:\n{error}")
        assert policy.kind is kind
