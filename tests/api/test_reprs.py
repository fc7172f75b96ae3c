"""Every public value has a short, informative repr (issue 21): pytest's ``where … =`` lines and
REPL echoes stay readable. The walk covers every class of ``trustsim.__all__``; a new public
class without an example here fails the test."""

from __future__ import annotations

import enum
import html
import inspect
from collections.abc import Callable
from typing import Any

import pytest

import trustsim as ts
from trustsim.scenarios import load_scenarios

LIMIT = 200
ROOT = "arn:aws:iam::111122223333"
IDENTITY_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "Assume", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    ],
}
IDENTITY = ts.parse_policy(IDENTITY_DOCUMENT, kind=ts.PolicyKind.IDENTITY)
BOUNDARY = ts.parse_policy(IDENTITY_DOCUMENT, kind=ts.PolicyKind.PERMISSIONS_BOUNDARY)
SESSION_POLICY = ts.parse_policy(IDENTITY_DOCUMENT, kind=ts.PolicyKind.SESSION)
TRUST = ts.load_policy("examples/github-deploy-trust.json")
ROLE = ts.Role(f"{ROOT}:role/ci/deploy", TRUST, tags={"team": "platform", "env": "prod"})
USER = ts.IamUser(
    f"{ROOT}:user/engineering/alice",
    policies=[IDENTITY, IDENTITY],
    permissions_boundary=BOUNDARY,
    tags={"team": "platform"},
)
SESSION = ts.RoleSession(
    f"{ROOT}:role/ci/deploy", "run-42", policies=[IDENTITY], session_policy=SESSION_POLICY
)
GITHUB = ts.GitHubActions("acme/app", branch="main", actor="octocat", workflow="deploy")
OUTCOME = ts.assume_role(ts.GitHubActions("acme/app", pull_request=True), ROLE)
INVENTORY = ts.Inventory.build(users=[USER], roles=[ROLE])
FINDINGS = ts.lint(
    ts.parse_policy(
        {"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:*"}}
    )
)
SCENARIO = load_scenarios(
    [
        {
            "name": "pr",
            "role": {"arn": ROLE.arn, "trust_policy": "examples/github-deploy-trust.json"},
            "caller": "github:acme/app@pull_request",
            "expected": "Deny",
        }
    ],
    base_dir=".",
)[0]

EXAMPLES: dict[str, Callable[[], Any]] = {
    "AccountRoot": lambda: ts.AccountRoot("111122223333"),
    "Anonymous": ts.Anonymous,
    "Arn": lambda: ts.Arn.parse(f"{ROOT}:role/ci/deploy"),
    "AssumeRoleRequest": lambda: OUTCOME.request,
    "ClauseResult": lambda: ts.check_condition(
        {"StringEquals": {"aws:PrincipalTag/team": ["a", "b", "c"]}}, {"aws:PrincipalTag/team": "d"}
    ).clauses[0],
    "ConditionClause": lambda: TRUST.statements[0].condition[0],
    "ConditionResult": lambda: ts.check_condition(
        {"StringEquals": {"aws:PrincipalTag/team": "a"}, "Bool": {"aws:SecureTransport": "true"}},
        {"aws:PrincipalTag/team": "d"},
    ),
    "Diagnostic": lambda: ts.Diagnostic(
        "UNCERTAIN_SEMANTICS", "docs/semantics.md, reading 1: " + "x" * 300
    ),
    "Explanation": OUTCOME.explain,
    "Finding": lambda: FINDINGS[0],
    "IamUser": lambda: USER,
    "Inventory": lambda: INVENTORY,
    "OrgMembership": lambda: ts.OrgMembership(
        "o-a1b2c3d4e5", scps=[[ts.FULL_AWS_ACCESS], [ts.FULL_AWS_ACCESS]]
    ),
    "OrgUnit": lambda: ts.OrgUnit("ou-ab12-11111111", "r-ab12", scps=[ts.FULL_AWS_ACCESS] * 5),
    "Organization": lambda: ts.Organization(
        "o-a1b2c3d4e5",
        "r-ab12",
        management_account="999988887777",
        units=[ts.OrgUnit(f"ou-ab12-{i:08d}", "r-ab12") for i in range(20)],
        accounts={f"{i:012d}": "ou-ab12-00000001" for i in range(1, 40)},
    ),
    "Outcome": lambda: OUTCOME,
    "Policy": lambda: TRUST,
    "Position": lambda: ts.Position(3, 17),
    "Principal": lambda: TRUST.statements[0].principal,
    "Problem": lambda: ts.Problem("UNKNOWN_ELEMENT", "/Statement/0/Principals", "x" * 300),
    "ProvidedContext": lambda: ts.ProvidedContext(
        "arn:aws:iam::aws:contextProvider/IdentityCenter", {"k": "v" * 50}
    ),
    "ReachResult": lambda: ts.reachable_from(INVENTORY, USER.arn),
    "RequestContext": lambda: OUTCOME.request.context,
    "Role": lambda: ROLE,
    "RoleSession": lambda: SESSION,
    "SamlIdentity": lambda: ts.SamlIdentity(
        f"{ROOT}:saml-provider/Okta", {"saml:sub": "jdoe", "saml:edupersonaffiliation": "staff"}
    ),
    "Scenario": lambda: SCENARIO,
    "ScenarioResult": SCENARIO.run,
    "ServicePrincipal": lambda: ts.ServicePrincipal(
        "lambda.amazonaws.com", source_account="111122223333"
    ),
    "Statement": lambda: TRUST.statements[0],
    "StatementRef": lambda: ts.StatementRef(
        "SCP root level, policy 0", 12, "DenyAssumeOutsideTheOrganisation", "/Statement/12"
    ),
    "WebIdentity": lambda: GITHUB,
    "WhoCanResult": lambda: ts.who_can_assume(INVENTORY, ROLE.arn),
    "Witness": lambda: next(f.witness for f in FINDINGS if f.witness is not None),
}

PUBLIC = sorted(
    name
    for name in ts.__all__
    if inspect.isclass(getattr(ts, name))
    and not issubclass(getattr(ts, name), (BaseException, enum.Enum))
)


def test_every_public_value_class_has_an_example() -> None:
    assert sorted(EXAMPLES) == PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
def test_the_repr_is_short(name: str) -> None:
    value = EXAMPLES[name]()
    assert isinstance(value, getattr(ts, name))
    text = repr(value)
    assert len(text) <= LIMIT, f"{name}: {len(text)} characters: {text}"
    assert "\n" not in text


def test_reprs_say_what_tells_values_apart() -> None:
    assert repr(TRUST) == (
        'Policy(examples/github-deploy-trust.json, 1 statement: [0] Allow "GitHubActionsDeployFromMain" '
        "Federated arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com "
        "+2 conditions)"
    )
    assert repr(ROLE) == (
        "Role('arn:aws:iam::111122223333:role/ci/deploy', 1 trust statement, tags: team, env)"
    )
    assert repr(USER) == (
        "IamUser('arn:aws:iam::111122223333:user/engineering/alice', 2 policies, boundary, "
        "tags: team)"
    )
    assert repr(GITHUB).startswith(
        "WebIdentity('token.actions.githubusercontent.com', sub='repo:acme/app:ref:refs/heads/main'"
    )


def test_a_long_policy_is_cut_not_spilled() -> None:
    many = ts.parse_policy(
        {
            "Statement": [
                {
                    "Sid": f"S{i}",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{i:012d}:root"},
                    "Action": "sts:AssumeRole",
                }
                for i in range(30)
            ]
        }
    )
    text = repr(many)
    assert len(text) == LIMIT
    assert text.startswith(
        'Policy(30 statements: [0] Allow "S0" AWS arn:aws:iam::000000000000:root;'
    )
    assert text.endswith("…")


class _Printer:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def text(self, text: str) -> None:
        self.texts.append(text)


RICH = {
    "Outcome": lambda: OUTCOME,
    "Explanation": OUTCOME.explain,
    "Policy": lambda: TRUST,
    "WhoCanResult": lambda: ts.who_can_assume(INVENTORY, ROLE.arn),
    "Finding": lambda: FINDINGS[0],
    "ReachResult": lambda: ts.reachable_from(INVENTORY, USER.arn),
}


@pytest.mark.parametrize("name", sorted(RICH))
def test_ipython_and_notebooks_show_the_whole_text(name: str) -> None:
    value = RICH[name]()
    full = (
        value.to_json()
        if name == "Policy"
        else (value.explain().to_text() if name == "Outcome" else str(value))
    )
    printer = _Printer()
    value._repr_pretty_(printer, False)
    assert printer.texts == [full]
    cycled = _Printer()
    value._repr_pretty_(cycled, True)
    assert cycled.texts == [repr(value)]
    page = value._repr_html_()
    assert page.startswith("<pre>")
    assert page.endswith("</pre>")
    assert html.unescape(page[len("<pre>") : -len("</pre>")]) == full
