"""Lint's whole-policy questions are answered without scanning the policy from every
statement (issue 22), and report what the plain, quadratic way reports.

Three things look at the whole policy from every statement: whether some statement allows the
companion action a condition key needs (remembered per action), whether a statement repeats
an earlier one (a dict of statement values), and whether an outsider built for one statement
gets in (asked of the statements that may apply to it: trustsim.lint.narrowing, with the
answers remembered for the run). ``_reference`` below does all three the deliberately simple
way — the policy scanned for every clause, every statement compared with every earlier one,
every outsider put to the whole policy afresh — and a property checks that lint reports
exactly the same findings, in the same order, on generated trust policies, with the narrowing
on for every length. Counts pin the growth of the first and the third; a property checks the
narrowed role decides generated requests as the whole role does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trustsim import validation
from trustsim.callers import InvalidCaller
from trustsim.errors import InvalidContext, InvalidPolicy, InvalidRequest
from trustsim.evaluation import assume_role
from trustsim.lint import Finding, keys, lint, narrowing, witness
from trustsim.lint.keys import KeyRules
from trustsim.lint.structure import StructureRules
from trustsim.lint.witness import WitnessBuilder
from trustsim.model import Effect
from trustsim.wildcard import compile_pattern

ROLE_ARN = "arn:aws:iam::111122223333:role/deploy"
GH = "token.actions.githubusercontent.com"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"


@pytest.fixture(autouse=True)
def _no_size_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    """The count below lints policies far over IAM's 4,096 characters (POLICY_TOO_LARGE);
    the quota is lifted so that lint's own work is what is counted."""
    monkeypatch.setattr(validation, "TRUST_POLICY_MAX_CHARS", 10**9)


# ------------------------------------------------------------------- the quadratic reference


def _policy_allows_by_scan(self: KeyRules, action: str) -> bool:
    wanted = action.lower()
    for statement in self.policy.statements:
        if statement.effect is not Effect.ALLOW:
            continue
        if statement.action is None:
            return True
        if any(keys.compile_pattern(named.lower())(wanted) for named in statement.action):
            return True
    return False


def _redundant_by_pairs(self: StructureRules) -> None:
    statements = self.policy.statements
    for position, statement in enumerate(statements):
        for earlier in range(position):
            if attrs.evolve(statements[earlier], sid=None) == attrs.evolve(statement, sid=None):
                self.add(
                    "REDUNDANT_STATEMENT",
                    statement.pointer,
                    f"the statement repeats statement {earlier}",
                    "remove it",
                )
                break


def _allowed_by_the_whole_policy(
    self: WitnessBuilder, caller: Any, action: str, context: Any
) -> bool:
    options, rest = witness.as_request(context)
    try:
        outcome = assume_role(caller, self.role, action=action, context=rest, at=self.at, **options)
    except (InvalidRequest, InvalidContext, InvalidCaller):
        return False
    return outcome.allowed


@contextmanager
def _reference() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(KeyRules, "policy_allows", _policy_allows_by_scan)
        patch.setattr(StructureRules, "redundant_statements", _redundant_by_pairs)
        patch.setattr(WitnessBuilder, "allowed", _allowed_by_the_whole_policy)
        yield


def _reference_lint(document: dict[str, Any], role_arn: str | None) -> tuple[Finding, ...]:
    with _reference():
        return lint(document, role_arn=role_arn)


# -------------------------------------------------------------------------- the property

_ACCOUNTS = ("111122223333", "444455556666", "777788889999")
_PRINCIPALS = st.sampled_from(
    [
        {"AWS": "*"},
        *({"AWS": f"arn:aws:iam::{account}:root"} for account in _ACCOUNTS),
        {"AWS": "444455556666"},
        {"AWS": "arn:aws:iam::444455556666:role/ci"},
        {"AWS": ["*", "arn:aws:iam::444455556666:user/u"]},
        {"Service": "lambda.amazonaws.com"},
        {"Service": "ec2.amazonaws.com"},
        {"Federated": PROVIDER},
    ]
)
_CONDITIONS = st.sampled_from(
    [
        None,
        {"StringEquals": {"sts:ExternalId": "x-1"}},
        {"StringEquals": {"aws:PrincipalTag/team": "blue"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        {"StringEquals": {"aws:PrincipalAccount": "444455556666"}},
        {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        {"StringEquals": {"aws:RequestTag/team": "blue"}},
    ]
)
#: A GitHub provider needs a condition on sub (IAM refuses the role otherwise).
_GITHUB_CONDITIONS = st.sampled_from(
    [
        {"StringLike": {f"{GH}:sub": "repo:acme/*"}},
        {"StringLike": {f"{GH}:sub": "repo:acme*"}},
        {"StringEquals": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"}},
        {
            "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{GH}:sub": "repo:*"},
        },
        {
            "StringEquals": {f"{GH}:aud": "sts.amazonaws.com", "aws:RequestTag/team": "blue"},
            "StringLike": {f"{GH}:sub": ["repo:acme/app:*", "repo:other/*"]},
        },
    ]
)
_ACTIONS = st.sampled_from(
    [
        "sts:AssumeRole",
        ["sts:AssumeRole", "sts:TagSession"],
        "sts:AssumeRoleWithWebIdentity",
        ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "sts:*",
    ]
)


@st.composite
def _statement(draw: st.DrawFn) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"])),
        "Principal": draw(_PRINCIPALS),
        "Action": draw(_ACTIONS),
    }
    federated = "Federated" in statement["Principal"]
    condition = draw(_GITHUB_CONDITIONS if federated else _CONDITIONS)
    if condition is not None:
        statement["Condition"] = condition
    if draw(st.booleans()):
        statement["Sid"] = "S"  # numbered by _policy: IAM wants Sids unique
    return statement


@st.composite
def _policy(draw: st.DrawFn) -> dict[str, Any]:
    statements = draw(st.lists(_statement(), min_size=1, max_size=8))
    for _ in range(draw(st.integers(0, 2))):  # repeats, with or without another Sid
        copy = dict(draw(st.sampled_from(statements)))
        if draw(st.booleans()):
            copy["Sid"] = "Again"
        statements.insert(draw(st.integers(0, len(statements))), copy)
    for position, statement in enumerate(statements):
        if "Sid" in statement:
            statement["Sid"] += str(position)
    return {"Version": "2012-10-17", "Statement": statements}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_policy(), role_arn=st.sampled_from([ROLE_ARN, None]))
def test_lint_reports_what_the_quadratic_reference_reports(
    document: dict[str, Any], role_arn: str | None
) -> None:
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(narrowing, "NARROW_FROM", 0)  # every policy narrowed, however short
            found = lint(document, role_arn=role_arn)
    except InvalidPolicy:
        assume(False)  # a combination IAM refuses (lint refuses it before any rule runs)
    assert found == _reference_lint(document, role_arn)


def test_the_reference_is_not_vacuous() -> None:
    # Both whole-policy questions: a repeated statement, and a request tag whose companion
    # action only some statements allow (none here: TagSession is missing everywhere).
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:RequestTag/team": "blue"}},
            },
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
        ],
    }
    found = lint(document, role_arn=ROLE_ARN)
    assert found == _reference_lint(document, ROLE_ARN)
    codes = [(finding.code, finding.pointer) for finding in found]
    assert (
        "MISSING_ACTION_FOR_CONDITION_KEY",
        "/Statement/0/Condition/StringEquals/aws:RequestTag~1team",
    ) in codes
    assert ("REDUNDANT_STATEMENT", "/Statement/2") in codes


# ----------------------------------------------------------------------------- the count


def _tagged_policy(count: int) -> dict[str, Any]:
    """``count`` statements, each testing a request tag (which needs sts:TagSession)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{400000000000 + index}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:RequestTag/team": f"team-{index}"}},
            }
            for index in range(count)
        ],
    }


def _actions_matched(document: dict[str, Any]) -> int:
    """How many action patterns the key rules match while linting ``document``."""
    matched = 0

    def counted(pattern: str) -> Callable[[str], bool]:
        nonlocal matched
        matched += 1
        return compile_pattern(pattern)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keys, "compile_pattern", counted)
        found = lint(document, role_arn=ROLE_ARN)
    assert "MISSING_ACTION_FOR_CONDITION_KEY" in {finding.code for finding in found}
    return matched


def test_whether_the_policy_allows_an_action_is_asked_of_it_once() -> None:
    # Every statement's clause needs sts:TagSession, which no statement allows: the policy's
    # actions are matched once for the question, not once per clause.
    small, large = _actions_matched(_tagged_policy(50)), _actions_matched(_tagged_policy(200))
    assert large <= 4 * small + 8
    assert large <= 2 * 200
    with _reference():
        quadratic = _actions_matched(_tagged_policy(200))
    assert quadratic >= 200 * 200  # the reference reads every statement for every clause
