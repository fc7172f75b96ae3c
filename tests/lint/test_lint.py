"""The trust-policy linter: the catalogue in docs/lint.md, witnesses, false-positive guards."""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustsim.callers import IamUser, Role, RoleSession, WebIdentity
from trustsim.errors import InvalidPolicy, Position
from trustsim.linter import RULES, Finding, Severity, default_role_arn, lint
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role

REPO = Path(__file__).resolve().parents[2]
GH = "token.actions.githubusercontent.com"
GH_PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"
WEB = "sts:AssumeRoleWithWebIdentity"

#: Codes whose findings are about who is admitted: each must carry a witness.
BREADTH = {
    "ANY_AWS_PRINCIPAL",
    "OIDC_SUB_MISSING",
    "OIDC_SUB_TOO_BROAD",
    "OIDC_SUB_WILDCARD",
    "OIDC_AUD_MISSING",
    "BUILTIN_IDP_AUD_MISSING",
    "COGNITO_AMR_MISSING",
    "CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
    "SERVICE_PRINCIPAL_WITHOUT_SOURCE",
}


def catalogue() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(code, severity, bad, fixed) for every section of docs/lint.md.

    A section may name the role its examples are linted for on a ``Role: `ARN``` line.
    """
    page = (REPO / "docs" / "lint.md").read_text(encoding="utf-8")
    sections = re.split(r"^## `([A-Z_]+)`\n", page, flags=re.MULTILINE)[1:]
    entries = []
    for code, body in zip(sections[::2], sections[1::2], strict=True):
        severity = re.search(r"^\*\*(\w+)\*\*\.", body, re.MULTILINE)
        bad = re.search(r"```json bad\n(.*?)\n```", body, re.DOTALL)
        fixed = re.search(r"```json fixed\n(.*?)\n```", body, re.DOTALL)
        assert severity, f"docs/lint.md section {code} has no severity"
        assert bad, f"docs/lint.md section {code} has no bad example"
        assert fixed, f"docs/lint.md section {code} has no fixed example"
        role = re.search(r"^Role: `(arn:[^`]+)`$", body, re.MULTILINE)
        ROLES[code] = role.group(1) if role else None
        entries.append(
            (code, severity.group(1), json.loads(bad.group(1)), json.loads(fixed.group(1)))
        )
    return entries


ROLES: dict[str, str | None] = {}
CATALOGUE = catalogue()


def codes(policy: dict[str, Any], **options: Any) -> list[str]:
    return [finding.code for finding in lint(policy, **options)]


def statement(
    principal: object, action: str = "sts:AssumeRole", **condition: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        body["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [body]}


def github(
    *, sub: str, operator: str = "StringLike", aud: bool = True, **extra: str
) -> dict[str, Any]:
    condition: dict[str, Any] = {operator: {f"{GH}:sub": sub}}
    equals = {f"{GH}:{claim}": value for claim, value in extra.items()}
    if aud:
        equals[f"{GH}:aud"] = "sts.amazonaws.com"
    if equals:
        if operator == "StringEquals":
            condition["StringEquals"].update(equals)
        else:
            condition["StringEquals"] = equals
    return statement({"Federated": GH_PROVIDER}, WEB, **condition)


# --- the catalogue -------------------------------------------------------------------------


def test_the_catalogue_documents_every_code_once() -> None:
    documented = [code for code, *_ in CATALOGUE]
    assert sorted(documented) == sorted(RULES)
    assert len(documented) == len(set(documented))


@pytest.mark.parametrize(
    ("code", "severity", "bad", "fixed"), CATALOGUE, ids=[c[0] for c in CATALOGUE]
)
def test_each_bad_example_raises_exactly_its_finding_and_the_fixed_one_none(
    code: str, severity: str, bad: dict[str, Any], fixed: dict[str, Any]
) -> None:
    findings = lint(bad, role_arn=ROLES[code])
    assert [f.code for f in findings] == [code]
    assert findings[0].severity is RULES[code].severity
    assert severity == RULES[code].severity.value
    assert lint(fixed, role_arn=ROLES[code]) == ()


@pytest.mark.parametrize(
    ("code", "severity", "bad", "fixed"), CATALOGUE, ids=[c[0] for c in CATALOGUE]
)
def test_breadth_findings_carry_a_witness_the_evaluator_allows(
    code: str, severity: str, bad: dict[str, Any], fixed: dict[str, Any]
) -> None:
    [finding] = lint(bad, role_arn=ROLES[code])
    if code not in BREADTH:
        assert finding.witness is None
        return
    witness = finding.witness
    assert witness is not None
    policy = parse_policy(bad)
    # The role the linter was told of (a section's Role line), else the one it assumed.
    role = Role(ROLES[code] or default_role_arn(policy), policy)
    outcome = assume_role(
        witness.caller, role, action=witness.action, context=dict(witness.context)
    )
    assert outcome.allowed, outcome.explain().to_text()
    # The same caller is refused by the fixed policy: the fix closes what the witness used.
    fixed_role = Role(role.arn, parse_policy(fixed))
    assert assume_role(
        witness.caller, fixed_role, action=witness.action, context=dict(witness.context)
    ).denied
    json.dumps(witness.to_dict())


# --- breadth: reasoning, not pattern matching ----------------------------------------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # docs/semantics.md §7.8: the conditioned {"AWS": "*"} forms naive linters flag.
        ({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}, []),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/deploy"}}, []),
        ({"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/svc/app"}}, []),
        ({"StringEquals": {"aws:PrincipalAccount": "111122223333"}}, []),
        ({"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/*"}}, []),
        # Keys an outsider chooses do not narrow: its own MFA, ExternalId, user name.
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, ["ANY_AWS_PRINCIPAL"]),
        ({"StringEquals": {"sts:ExternalId": "known-to-many"}}, ["ANY_AWS_PRINCIPAL"]),
        ({"StringEquals": {"aws:username": "deployer"}}, ["ANY_AWS_PRINCIPAL"]),
        ({"StringEquals": {"aws:PrincipalTag/team": "platform"}}, ["ANY_AWS_PRINCIPAL"]),
        # A role name in any account: the outsider names its own role so.
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy"}}, ["ANY_AWS_PRINCIPAL"]),
        ({}, ["ANY_AWS_PRINCIPAL"]),
    ],
)
def test_any_aws_principal_is_reported_only_when_an_outsider_gets_in(
    condition: dict[str, Any], expected: list[str]
) -> None:
    assert codes(statement({"AWS": "*"}, **condition)) == expected


def test_a_deny_that_stops_outsiders_suppresses_the_finding() -> None:
    policy = statement({"AWS": "*"})
    policy["Statement"].append(
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
        }
    )
    assert codes(policy) == []


def test_the_any_principal_witness_is_an_outsider_named_as_the_pattern_wants() -> None:
    [finding] = lint(
        statement({"AWS": "*"}, ArnLike={"aws:PrincipalArn": "arn:aws:iam::*:role/ci/*"})
    )
    assert finding.witness is not None
    caller = finding.witness.caller
    assert isinstance(caller, RoleSession)
    assert caller.role_arn == "arn:aws:iam::999999999999:role/ci/x"
    assert finding.pointer == "/Statement/0/Principal/AWS"


@pytest.mark.parametrize(
    ("sub", "expected", "witness_sub"),
    [
        ("*", "OIDC_SUB_TOO_BROAD", "repo:evil/app:ref:refs/heads/main"),
        ("repo:*", "OIDC_SUB_TOO_BROAD", "repo:evil/app:ref:refs/heads/main"),
        ("repo:acme*", "OIDC_SUB_TOO_BROAD", "repo:acme-evil/app:ref:refs/heads/main"),
        ("repo:acme?evil/*", "OIDC_SUB_TOO_BROAD", None),
        (
            "repo:*/app:ref:refs/heads/main",
            "OIDC_SUB_TOO_BROAD",
            "repo:evil/app:ref:refs/heads/main",
        ),
        ("repo:acme/*", "OIDC_SUB_WILDCARD", "repo:acme/sandbox:pull_request"),
        ("repo:acme/app*", "OIDC_SUB_WILDCARD", None),
        ("repo:acme/app:*", "OIDC_SUB_WILDCARD", "repo:acme/app:pull_request"),
        ("repo:acme/app:ref:refs/tags/v*", None, None),
        ("repo:acme/app:ref:refs/heads/release/*", None, None),
        ("repo:acme/app:ref:refs/heads/*", "OIDC_SUB_WILDCARD", None),
        ("repo:acme/app:environment:*", None, None),
    ],
)
def test_github_subject_patterns(sub: str, expected: str | None, witness_sub: str | None) -> None:
    findings = lint(github(sub=sub))
    assert [f.code for f in findings] == ([expected] if expected else [])
    if findings:
        witness = findings[0].witness
        assert witness is not None
        assert isinstance(witness.caller, WebIdentity)
        if witness_sub is not None:
            assert witness.caller.claims["sub"] == witness_sub
        assert findings[0].pointer == f"/Statement/0/Condition/StringLike/{GH}:sub"


def test_a_subject_pinned_by_an_owner_id_is_not_too_broad() -> None:
    # The outsider cannot choose repository_owner_id: the pattern is narrowed by it.
    assert codes(github(sub="repo:acme*", repository_owner_id="123456")) == []
    assert codes(github(sub="repo:acme*", repository="acme/app")) == []
    # ...but a claim the workflow chooses (its ref) narrows nothing.
    assert codes(github(sub="repo:acme*", ref="refs/heads/main")) == ["OIDC_SUB_TOO_BROAD"]


@pytest.mark.parametrize(
    ("issuer", "sub", "expected"),
    [
        ("gitlab.com", "project_path:acme*", "OIDC_SUB_TOO_BROAD"),
        ("gitlab.com", "project_path:acme/*", "OIDC_SUB_WILDCARD"),
        ("gitlab.com", "project_path:acme/app:ref_type:branch:ref:*", "OIDC_SUB_WILDCARD"),
        ("gitlab.com", "project_path:acme/app:ref_type:branch:ref:release/*", None),
        ("app.terraform.io", "organization:acme*", "OIDC_SUB_TOO_BROAD"),
        ("app.terraform.io", "organization:acme:project:*", "OIDC_SUB_WILDCARD"),
        (
            "oidc.eks.us-east-1.amazonaws.com/id/ABC",
            "system:serviceaccount:*:*",
            "OIDC_SUB_TOO_BROAD",
        ),
        (
            "oidc.eks.us-east-1.amazonaws.com/id/ABC",
            "system:serviceaccount:pay:*",
            "OIDC_SUB_WILDCARD",
        ),
        ("auth.example.com", "*", "OIDC_SUB_TOO_BROAD"),
        ("auth.example.com", "svc-*", None),
    ],
)
def test_other_issuers_subject_patterns(issuer: str, sub: str, expected: str | None) -> None:
    policy = statement(
        {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{issuer}"},
        WEB,
        StringEquals={f"{issuer}:aud": "sts.amazonaws.com"},
        StringLike={f"{issuer}:sub": sub},
    )
    assert codes(policy) == ([expected] if expected else [])


def test_oidc_sub_missing_and_aud_missing_on_generic_issuers() -> None:
    eks = "oidc.eks.us-east-1.amazonaws.com/id/ABC"
    provider = {"Federated": f"arn:aws:iam::111122223333:oidc-provider/{eks}"}
    assert codes(statement(provider, WEB, StringEquals={f"{eks}:aud": "sts.amazonaws.com"})) == [
        "OIDC_SUB_MISSING"
    ]
    assert codes(
        statement(provider, WEB, StringEquals={f"{eks}:sub": "system:serviceaccount:pay:api"})
    ) == ["OIDC_AUD_MISSING"]


def test_google_without_aud() -> None:
    google = statement(
        {"Federated": "accounts.google.com"}, WEB, StringEquals={"accounts.google.com:sub": "1098"}
    )
    assert codes(google) == []  # the sub names one Google user: no stranger's token has it
    google = statement({"Federated": "accounts.google.com"}, WEB)
    assert codes(google) == ["BUILTIN_IDP_AUD_MISSING"]


@pytest.mark.parametrize(
    ("role_arn", "expected"),
    [
        # The role's account unknown: a suggestion, not a security warning (issue 20: on real
        # policies 23 of 29 such findings vanished once the role's own ARN was given).
        (None, ["ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID"]),
        ("arn:aws:iam::444455556666:role/Audit", []),
        ("arn:aws:iam::111122223333:role/Audit", ["CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID"]),
    ],
)
def test_the_role_arn_tells_the_role_s_own_account(
    role_arn: str | None, expected: list[str]
) -> None:
    assert codes(statement({"AWS": "444455556666"}), role_arn=role_arn) == expected


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"sts:ExternalId": "vendor-issued-42"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::444455556666:role/pipeline"}},
        {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    ],
)
def test_narrowed_cross_account_root_trust_is_not_reported(condition: dict[str, Any]) -> None:
    assert codes(statement({"AWS": "arn:aws:iam::444455556666:root"}, **condition)) == []


def test_specific_cross_account_principals_are_not_root_trust() -> None:
    assert codes(statement({"AWS": "arn:aws:iam::444455556666:role/vendor/Collector"})) == []


@pytest.mark.parametrize(
    ("service", "expected"),
    [
        ("sns.amazonaws.com", ["SERVICE_PRINCIPAL_WITHOUT_SOURCE"]),
        ("config.amazonaws.com", ["SERVICE_PRINCIPAL_WITHOUT_SOURCE"]),
        ("ec2.amazonaws.com", []),
        ("ecs-tasks.amazonaws.com", []),
    ],
)
def test_service_principals(service: str, expected: list[str]) -> None:
    assert codes(statement({"Service": service})) == expected
    narrowed = statement(
        {"Service": service}, ArnLike={"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:*"}
    )
    assert codes(narrowed) == []


# --- per-clause checks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "sts:ExternalId",
        "aws:PrincipalOrgID",
        "aws:PrincipalArn",
        "aws:SourceAccount",
        "aws:SourceArn",
        f"{GH}:sub",
        "cognito-identity.amazonaws.com:aud",
    ],
)
def test_ifexists_on_security_keys(key: str) -> None:
    findings = lint(
        statement(
            {"AWS": "arn:aws:iam::111122223333:role/x"},
            StringEqualsIfExists={key: "v"},
        )
    )
    assert "IFEXISTS_ON_SECURITY_KEY" in [f.code for f in findings]


def test_ifexists_on_other_keys_is_fine() -> None:
    policy = statement(
        {"AWS": "arn:aws:iam::111122223333:role/x"},
        StringEqualsIfExists={"aws:RequestTag/team": "a"},
    )
    assert codes(policy) == []


@pytest.mark.parametrize(
    ("key", "reported"),
    [
        (f"{GH}:sub", True),
        ("sts:ExternalId", True),
        ("aws:PrincipalOrgID", True),
        ("aws:TagKeys", False),
        ("aws:PrincipalOrgPaths", False),
        ("sts:TransitiveTagKeys", False),
    ],
)
def test_forallvalues_only_on_single_valued_keys(key: str, reported: bool) -> None:
    policy = statement(
        {"AWS": "arn:aws:iam::111122223333:role/x"}, **{"ForAllValues:StringLike": {key: "a*"}}
    )
    assert ("FORALLVALUES_WITH_SINGLE_VALUED_KEY" in codes(policy)) is reported


@pytest.mark.parametrize(
    ("principal", "action", "key", "expected"),
    [
        (
            {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
            "sts:AssumeRoleWithSAML",
            "aws:PrincipalArn",
            "KEY_ABSENT_FOR_PRINCIPAL",
        ),
        (
            {"Service": "sns.amazonaws.com"},
            "sts:AssumeRole",
            "aws:PrincipalTag/team",
            "KEY_ABSENT_FOR_PRINCIPAL",
        ),
        ({"AWS": "arn:aws:iam::111122223333:role/x"}, "sts:AssumeRole", "aws:PrincipalArn", None),
        (
            {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta", "AWS": "111122223333"},
            ["sts:AssumeRoleWithSAML", "sts:AssumeRole"],
            "aws:PrincipalArn",
            None,
        ),
    ],
)
def test_keys_absent_for_the_statement_s_callers(
    principal: dict[str, Any], action: Any, key: str, expected: str | None
) -> None:
    policy = statement(principal, action, StringLike={key: "*x*"})
    if "Service" in principal:
        policy["Statement"][0]["Condition"]["StringEquals"] = {"aws:SourceAccount": "111122223333"}
    if "Federated" in principal:
        policy["Statement"][0]["Condition"]["StringEquals"] = {
            "saml:aud": "https://signin.aws.amazon.com/saml"
        }
    assert codes(policy) == ([expected] if expected else [])


def test_a_null_check_on_an_absent_key_is_deliberate() -> None:
    policy = statement(
        {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
        "sts:AssumeRoleWithSAML",
        Null={"aws:PrincipalArn": "true"},
    )
    assert codes(policy) == []


@pytest.mark.parametrize(
    ("principal", "actions", "reported"),
    [
        ({"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"}, [WEB], True),
        ({"AWS": "111122223333"}, ["sts:AssumeRoleWithSAML"], True),
        ({"Service": "sns.amazonaws.com"}, [WEB], True),
        (
            {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
            ["sts:AssumeRoleWithSAML", "sts:TagSession"],
            False,
        ),
        ({"AWS": "111122223333"}, ["sts:TagSession"], False),
        ({"AWS": "111122223333"}, ["sts:*"], False),
    ],
)
def test_mismatched_actions(principal: dict[str, Any], actions: list[str], reported: bool) -> None:
    found = codes(statement(principal, actions), role_arn="arn:aws:iam::111122223333:role/r")
    assert ("MISMATCHED_ACTION_FOR_PRINCIPAL" in found) is reported


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("StringEquals", "a*", ["WILDCARD_WITHOUT_LIKE_OPERATOR"]),
        ("StringNotEquals", "a?", ["WILDCARD_WITHOUT_LIKE_OPERATOR"]),
        ("ArnEquals", "arn:aws:iam::*:role/x", ["WILDCARD_WITHOUT_LIKE_OPERATOR"]),
        ("StringEquals", "a${*}", []),
        ("StringEquals", "abc", []),
        ("StringLike", "abc", ["STRING_LIKE_WITHOUT_WILDCARD"]),
        ("StringNotLike", "abc", ["STRING_LIKE_WITHOUT_WILDCARD"]),
        ("StringLike", "ab*", []),
        ("ForAnyValue:StringLike", "abc", []),
    ],
)
def test_wildcards_and_operators(operator: str, value: str, expected: list[str]) -> None:
    key = "aws:PrincipalArn" if operator.startswith("Arn") else "aws:PrincipalTag/team"
    policy = statement({"AWS": "arn:aws:iam::111122223333:role/x"}, **{operator: {key: value}})
    assert codes(policy) == expected


@pytest.mark.parametrize("action", ["sts:*", "*", "STS:*"])
def test_wildcard_actions(action: str) -> None:
    policy = statement({"AWS": "arn:aws:iam::111122223333:role/x"}, action)
    assert codes(policy) == ["WILDCARD_ACTION"]


# --- the bundled examples and the public surface -------------------------------------------


EXAMPLES = sorted(p for p in (REPO / "examples").glob("*.json") if p.name != "scenarios.json")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_the_bundled_examples_are_clean(path: Path) -> None:
    assert lint(path) == ()


def test_text_input_gives_line_and_column(tmp_path: Path) -> None:
    text = json.dumps(statement({"Service": "sns.amazonaws.com"}, "sts:*"), indent=2)
    path = tmp_path / "trust.json"
    path.write_text(text, encoding="utf-8")
    for source in (text, path, str(path), text.encode()):
        findings = lint(source)
        assert [(f.code, f.pointer, f.position) for f in findings] == [
            ("WILDCARD_ACTION", "/Statement/0/Action", Position(9, 17)),
            ("SERVICE_PRINCIPAL_WITHOUT_SOURCE", "/Statement/0/Principal/Service", Position(7, 20)),
        ]
    assert lint(parse_policy(json.loads(text)))[0].position is None


def test_an_invalid_policy_is_refused() -> None:
    with pytest.raises(InvalidPolicy):
        lint({"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}})


def test_findings_render_and_serialise() -> None:
    [finding] = lint(statement({"Service": "sns.amazonaws.com"}))
    assert isinstance(finding, Finding)
    assert str(finding).splitlines() == [
        "/Statement/0/Principal/Service: warning SERVICE_PRINCIPAL_WITHOUT_SOURCE: "
        "sns.amazonaws.com may assume this role on behalf of any account's resources: another "
        "customer of the service can point it at this role (cross-service confused deputy)",
        '  fix: add {"StringEquals": {"aws:SourceAccount": "<your account>"}} or an ArnLike '
        "aws:SourceArn condition — for services that pass these keys when they assume roles",
        "  witness: service sns.amazonaws.com acting for another account",
    ]
    data = finding.to_dict()
    assert data["code"] == "SERVICE_PRINCIPAL_WITHOUT_SOURCE"
    assert data["severity"] == "warning"
    assert data["witness"]["action"] == "sts:AssumeRole"
    json.dumps(data)


def test_severities_are_ordered() -> None:
    assert Severity.ERROR > Severity.SECURITY_WARNING > Severity.WARNING > Severity.SUGGESTION
    assert Severity.WARNING >= Severity.WARNING
    assert sorted(Severity, key=lambda s: s.rank)[0] is Severity.SUGGESTION


def test_a_witness_caller_is_an_outsider() -> None:
    [finding] = lint(statement({"AWS": "*"}))
    assert finding.witness is not None
    assert isinstance(finding.witness.caller, IamUser)
    assert finding.witness.caller.account_id == "999999999999"
    assert finding.witness.caller_allowed


def test_a_session_of_another_role_is_not_redundant() -> None:
    policy = statement(
        {
            "AWS": [
                "arn:aws:iam::111122223333:role/Deployer",
                "arn:aws:sts::111122223333:assumed-role/Other/ci",
                "arn:aws:sts::444455556666:assumed-role/Deployer/ci",
            ]
        }
    )
    assert codes(policy, role_arn="arn:aws:iam::111122223333:role/r") == []


def test_roles_anywhere_with_every_action_needed() -> None:
    anchor = "arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/x"
    for actions in (["sts:AssumeRole", "sts:TagSession"], ["sts:AssumeRole"]):
        policy = statement(
            {"Service": "rolesanywhere.amazonaws.com"}, actions, ArnEquals={"aws:SourceArn": anchor}
        )
        assert codes(policy) == ["ROLES_ANYWHERE_MISSING_ACTION"]
    policy = statement(
        {"Service": "rolesanywhere.amazonaws.com"}, "sts:*", ArnEquals={"aws:SourceArn": anchor}
    )
    assert codes(policy) == ["WILDCARD_ACTION"]


def test_an_mfa_false_check_in_an_allow_is_not_the_deny_trap() -> None:
    policy = statement(
        {"AWS": "arn:aws:iam::111122223333:role/x"}, Bool={"aws:MultiFactorAuthPresent": "false"}
    )
    assert codes(policy) == []


def test_case_variant_keys_under_different_operators_are_fine() -> None:
    policy = statement(
        {"Service": "sns.amazonaws.com"},
        StringEquals={"aws:SourceAccount": "111122223333"},
        StringLike={"aws:sourceaccount": "1111*"},
    )
    assert codes(policy) == []


def test_url_encoded_text_is_linted_as_the_iam_api_returns_it() -> None:
    text = json.dumps(statement({"AWS": "*"}))
    assert [f.code for f in lint(urllib.parse.quote(text))] == ["ANY_AWS_PRINCIPAL"]


# --- property: every witness is a caller the evaluator allows -------------------------------

_PRINCIPALS = [
    ({"AWS": "*"}, "sts:AssumeRole"),
    ({"AWS": "arn:aws:iam::444455556666:root"}, "sts:AssumeRole"),
    ({"Service": "sns.amazonaws.com"}, "sts:AssumeRole"),
    ({"Federated": GH_PROVIDER}, WEB),
    ({"Federated": "arn:aws:iam::111122223333:oidc-provider/gitlab.com"}, WEB),
    ({"Federated": "cognito-identity.amazonaws.com"}, WEB),
]
_CLAUSES = [
    ("StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
    ("StringEqualsIfExists", "aws:PrincipalOrgID", "o-a1b2c3d4e5"),
    ("Bool", "aws:MultiFactorAuthPresent", "true"),
    ("StringEquals", "sts:ExternalId", "vendor-42"),
    ("StringLike", "aws:PrincipalTag/team", "plat*"),
    ("ArnLike", "aws:PrincipalArn", "arn:aws:iam::*:role/deploy"),
    ("StringEquals", "aws:SourceAccount", "111122223333"),
    ("StringEquals", f"{GH}:aud", "sts.amazonaws.com"),
    ("StringLike", f"{GH}:sub", "repo:acme*"),
    ("StringLike", f"{GH}:sub", "repo:acme/*"),
    ("StringEquals", f"{GH}:sub", "repo:acme/app:ref:refs/heads/main"),
    ("StringEquals", f"{GH}:repository_owner_id", "4242"),
    ("StringLike", "gitlab.com:sub", "project_path:acme*"),
    ("StringEquals", "gitlab.com:aud", "https://gitlab.com"),
    ("ForAllValues:StringEquals", "cognito-identity.amazonaws.com:aud", "us-east-1:p"),
    ("ForAnyValue:StringLike", "cognito-identity.amazonaws.com:amr", "authenticated"),
]


@st.composite
def lintable_policies(draw: st.DrawFn) -> dict[str, Any]:
    principal, action = draw(st.sampled_from(_PRINCIPALS))
    chosen = draw(st.lists(st.sampled_from(_CLAUSES), max_size=4, unique_by=lambda c: c[:2]))
    condition: dict[str, dict[str, str]] = {}
    for operator, key, value in chosen:
        condition.setdefault(operator, {})[key] = value
    body: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        body["Condition"] = condition
    statements = [body]
    if draw(st.booleans()):
        statements.append(
            {
                "Effect": "Deny",
                "Principal": principal,
                "Action": action,
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


@settings(max_examples=300, deadline=None)
@given(lintable_policies())
def test_every_witness_is_allowed_by_the_evaluator(document: dict[str, Any]) -> None:
    try:
        policy = parse_policy(document)
    except InvalidPolicy:
        return  # e.g. a GitHub trust without a sub condition: IAM refuses it, so does lint
    role = Role(default_role_arn(policy), policy)
    for finding in lint(policy):
        assert (finding.witness is not None) is (finding.code in BREADTH)
        if finding.witness is None:
            continue
        witness = finding.witness
        outcome = assume_role(
            witness.caller, role, action=witness.action, context=dict(witness.context)
        )
        assert outcome.allowed, (finding.code, outcome.explain().to_text())


# --- condition keys against actions, and key traps -----------------------------------------

COGNITO = "cognito-identity.amazonaws.com"
SAML_PROVIDER = "arn:aws:iam::111122223333:saml-provider/Okta"
DEPLOYER = {"AWS": "arn:aws:iam::111122223333:role/Deployer"}
GH_PINNED = {f"{GH}:aud": "sts.amazonaws.com", f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"}


@pytest.mark.parametrize(
    ("principal", "action", "condition", "reported"),
    [
        # A saml: key is only in AssumeRoleWithSAML requests (docs/semantics.md §6.5).
        (
            {"Federated": GH_PROVIDER},
            WEB,
            {"StringEquals": {**GH_PINNED, "saml:aud": "https://signin.aws.amazon.com/saml"}},
            True,
        ),
        (
            {"Federated": SAML_PROVIDER},
            "sts:AssumeRoleWithSAML",
            {"StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"}},
            False,
        ),
        # An OIDC claim key is only in web-identity requests (and carried into AssumeRole).
        (
            {"Federated": SAML_PROVIDER},
            "sts:AssumeRoleWithSAML",
            {"StringEquals": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"}},
            True,
        ),
        # IfExists or a negated operator does not need the key: not this finding.
        (
            {"Federated": SAML_PROVIDER},
            "sts:AssumeRoleWithSAML",
            {"StringEqualsIfExists": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"}},
            False,
        ),
        # saml:sub is carried into role chaining's AssumeRole (docs/semantics.md §6.5).
        (DEPLOYER, "sts:AssumeRole", {"StringEquals": {"saml:sub": "alice"}}, False),
        (DEPLOYER, "sts:AssumeRole", {"StringEquals": {"saml:aud": "x"}}, True),
        # A wildcard action is not judged.
        (DEPLOYER, ["sts:AssumeRole*"], {"StringEquals": {"saml:aud": "x"}}, False),
    ],
)
def test_unsupported_action_for_condition_key(
    principal: dict[str, Any], action: Any, condition: dict[str, Any], reported: bool
) -> None:
    found = codes(statement(principal, action, **condition))
    assert ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY" in found) is reported


def test_external_id_under_a_federated_principal_is_reported_once() -> None:
    policy = statement(
        {"Federated": GH_PROVIDER}, WEB, StringEquals={**GH_PINNED, "sts:ExternalId": "x1"}
    )
    assert codes(policy) == ["EXTERNAL_ID_ON_FEDERATED"]


@pytest.mark.parametrize(
    ("key", "actions", "reported"),
    [
        ("aws:RequestTag/team", ["sts:AssumeRole"], True),
        ("aws:TagKeys", ["sts:AssumeRole"], True),
        ("sts:TransitiveTagKeys", ["sts:AssumeRole"], True),
        ("sts:SourceIdentity", ["sts:AssumeRole"], True),
        ("aws:RequestTag/team", ["sts:AssumeRole", "sts:TagSession"], False),
        ("sts:SourceIdentity", ["sts:AssumeRole", "sts:SetSourceIdentity"], False),
        ("aws:RequestTag/team", ["sts:AssumeRole", "sts:Tag*"], False),
    ],
)
def test_missing_action_for_condition_key(key: str, actions: list[str], reported: bool) -> None:
    operator = "ForAnyValue:StringEquals" if "keys" in key.lower() else "StringEquals"
    policy = statement(DEPLOYER, actions, **{operator: {key: "platform"}})
    assert ("MISSING_ACTION_FOR_CONDITION_KEY" in codes(policy)) is reported


def test_missing_action_looks_at_every_statement_of_the_policy() -> None:
    policy = statement(DEPLOYER, "sts:AssumeRole", StringEquals={"aws:RequestTag/team": "a"})
    policy["Statement"].append(
        {"Effect": "Allow", "Principal": DEPLOYER, "Action": "sts:TagSession"}
    )
    assert "MISSING_ACTION_FOR_CONDITION_KEY" not in codes(policy)
    policy["Statement"][1]["Effect"] = "Deny"
    assert "MISSING_ACTION_FOR_CONDITION_KEY" in codes(policy)


def test_missing_action_agrees_with_the_evaluator() -> None:
    """Tags passed: STS authorises sts:TagSession too, which the statement does not allow."""
    policy = statement(DEPLOYER, "sts:AssumeRole", StringEquals={"aws:RequestTag/team": "a"})
    role = Role("arn:aws:iam::111122223333:role/r", parse_policy(policy))
    caller = RoleSession("arn:aws:iam::111122223333:role/Deployer", "ci")
    assert not assume_role(caller, role, context={"aws:RequestTag/team": "a"}).allowed
    assert not assume_role(caller, role).allowed
    fixed = statement(
        DEPLOYER, ["sts:AssumeRole", "sts:TagSession"], StringEquals={"aws:RequestTag/team": "a"}
    )
    role = Role("arn:aws:iam::111122223333:role/r", parse_policy(fixed))
    assert assume_role(caller, role, context={"aws:RequestTag/team": "a"}).allowed


@pytest.mark.parametrize(
    ("operator", "reported"),
    [
        ("ForAnyValue:StringEquals", True),
        ("ForAnyValue:StringLike", True),
        ("StringEquals", False),
        ("ForAllValues:StringEquals", False),  # FORALLVALUES_WITH_SINGLE_VALUED_KEY instead
    ],
)
def test_confirm_audience_claim_type(operator: str, reported: bool) -> None:
    condition: dict[str, Any] = {
        "StringEquals": {f"{GH}:sub": "repo:acme/app:ref:refs/heads/main"},
    }
    condition.setdefault(operator, {})[f"{GH}:aud"] = "sts.amazonaws.com"
    found = codes(statement({"Federated": GH_PROVIDER}, WEB, **condition))
    assert ("CONFIRM_AUDIENCE_CLAIM_TYPE" in found) is reported


@pytest.mark.parametrize(
    ("operator", "key", "reported"),
    [
        ("StringEquals", f"{COGNITO}:amr", True),
        ("StringLike", f"{COGNITO}:amr", True),
        ("ForAnyValue:StringLike", f"{COGNITO}:amr", False),
        ("StringEquals", f"{COGNITO}:aud", False),
        ("Null", f"{COGNITO}:amr", False),
    ],
)
def test_multivalued_key_without_set_operator(operator: str, key: str, reported: bool) -> None:
    condition: dict[str, Any] = {"StringEquals": {f"{COGNITO}:aud": "us-east-1:pool"}}
    condition.setdefault(operator, {})[key] = "false" if operator == "Null" else "authenticated"
    found = codes(statement({"Federated": COGNITO}, WEB, **condition))
    assert ("MULTIVALUED_KEY_WITHOUT_SET_OPERATOR" in found) is reported


def test_cognito_amr_without_set_operator_admits_no_signed_in_identity() -> None:
    """The finding's claim, checked against the evaluator (docs/semantics.md, reading 3)."""
    policy = statement(
        {"Federated": COGNITO},
        WEB,
        StringEquals={f"{COGNITO}:aud": "us-east-1:pool", f"{COGNITO}:amr": "authenticated"},
    )
    role = Role("arn:aws:iam::111122223333:role/r", parse_policy(policy))
    token = {"aud": "us-east-1:pool", "sub": "id", "amr": ("authenticated", "accounts.google.com")}
    assert not assume_role(WebIdentity(COGNITO, token), role, action=WEB).allowed


@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ({}, True),
        ({"Bool": {"aws:ViaAWSService": "false"}}, False),
        ({"Null": {"aws:SourceVpce": "true"}}, False),
        ({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}, False),
    ],
)
def test_source_ip_condition(extra: dict[str, Any], reported: bool) -> None:
    condition = {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}, **extra}
    found = codes(statement(DEPLOYER, **condition))
    assert ("SOURCE_IP_CONDITION" in found) is reported


ROLE_WITH_PATH = "arn:aws:iam::111122223333:role/ci/Deployer"


@pytest.mark.parametrize(
    ("value", "role_arn", "reported"),
    [
        ("arn:aws:iam::111122223333:role/Deployer", ROLE_WITH_PATH, True),
        ("arn:aws:iam::111122223333:role/ci/deployer", ROLE_WITH_PATH, True),
        ("arn:aws:iam::111122223333:role/ci/Deployer", ROLE_WITH_PATH, False),
        ("arn:aws:iam::444455556666:role/Deployer", ROLE_WITH_PATH, False),  # another account
        ("arn:aws:iam::111122223333:role/Builder", ROLE_WITH_PATH, False),  # another name
        ("arn:aws:iam::111122223333:role/Deployer", None, False),  # the role is not known
    ],
)
def test_principal_name_only_match(value: str, role_arn: str | None, reported: bool) -> None:
    found = codes(statement({"AWS": value}), role_arn=role_arn)
    assert ("PRINCIPAL_NAME_ONLY_MATCH" in found) is reported


def test_principal_name_only_match_in_a_principal_arn_condition() -> None:
    policy = statement(
        {"AWS": "arn:aws:iam::111122223333:root"},
        ArnEquals={"aws:PrincipalArn": "arn:aws:iam::111122223333:role/Deployer"},
    )
    assert codes(policy, role_arn=ROLE_WITH_PATH) == ["PRINCIPAL_NAME_ONLY_MATCH"]


def test_principal_name_only_match_is_a_real_miss() -> None:
    """IAM compares principal ARNs exactly, path included (docs/semantics.md, reading 6)."""
    policy = statement({"AWS": "arn:aws:iam::111122223333:role/Deployer"})
    role = Role(ROLE_WITH_PATH, parse_policy(policy))
    caller = RoleSession(ROLE_WITH_PATH, "self", policies=())
    assert not assume_role(caller, role).allowed
    exact = Role(ROLE_WITH_PATH, parse_policy(statement({"AWS": ROLE_WITH_PATH})))
    assert assume_role(caller, exact).allowed


# --- subject formats of the other CI issuers (docs/semantics.md §7.6) ---------------------------

BUILDKITE = "agent.buildkite.com"
CIRCLECI = "oidc.circleci.com/org/6f1b2c3d-aaaa-bbbb-cccc-123456789012"
BITBUCKET = "api.bitbucket.org/2.0/workspaces/acme/pipelines-config/identity/oidc"


def oidc(issuer: str, sub: str | None, aud: str = "sts.amazonaws.com") -> dict[str, Any]:
    equals = {f"{issuer}:aud": aud}
    condition: dict[str, Any] = {"StringEquals": equals}
    if sub is not None:
        condition["StringLike"] = {f"{issuer}:sub": sub}
    provider = f"arn:aws:iam::111122223333:oidc-provider/{issuer}"
    return statement({"Federated": provider}, WEB, **condition)


def allowed_witness(policy: dict[str, Any], finding: Finding) -> bool:
    assert finding.witness is not None
    parsed = parse_policy(policy)
    role = Role(default_role_arn(parsed), parsed)
    witness = finding.witness
    return assume_role(
        witness.caller, role, action=witness.action, context=dict(witness.context)
    ).allowed


@pytest.mark.parametrize(
    ("issuer", "sub", "expected", "witness_sub"),
    [
        # Buildkite's issuer is shared by every organization: a prefix admits strangers.
        (BUILDKITE, "organization:acme*", "OIDC_SUB_TOO_BROAD", "organization:acme-evil:"),
        (BUILDKITE, "organization:acme:pipeline:*", "OIDC_SUB_WILDCARD", "organization:acme:"),
        (BUILDKITE, "organization:acme:pipeline:app:ref:refs/heads/main:*", None, None),
        # CircleCI's and Bitbucket's issuers are per tenant: only insiders are widened.
        (CIRCLECI, "org/6f1b2c3d/project/*", "OIDC_SUB_WILDCARD", "org/6f1b2c3d/project/"),
        (CIRCLECI, "org/6f1b2c3d/project/p1/user/*", None, None),
        (BITBUCKET, "*", "OIDC_SUB_WILDCARD", "{other-repository}"),
        (BITBUCKET, "{7e0f-repo}:*", None, None),
        (BITBUCKET, None, "OIDC_SUB_MISSING", None),
    ],
)
def test_ci_issuer_subject_formats(
    issuer: str, sub: str | None, expected: str | None, witness_sub: str | None
) -> None:
    aud = "6f1b2c3d" if issuer == CIRCLECI else "sts.amazonaws.com"
    policy = oidc(issuer, sub, aud)
    findings = lint(policy)
    assert [f.code for f in findings] == ([expected] if expected else [])
    if expected:
        assert allowed_witness(policy, findings[0])
    if witness_sub:
        assert witness_sub in str(findings[0].witness)


def test_per_tenant_issuers_have_no_outsiders() -> None:
    """A CircleCI token's org is the issuer's own: 'another owner' is not a finding."""
    findings = lint(oidc(CIRCLECI, "org/*"))
    assert [f.code for f in findings] == ["OIDC_SUB_WILDCARD"]
    assert "another" not in findings[0].message


# --- clause shapes and repeated statements (Access Analyzer's generic checks) -------------


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}},
            ["INVALID_CONDITION_MULTIPLE_BOOLEAN"],
        ),
        ({"Bool": {"aws:MultiFactorAuthPresent": ["true", "TRUE"]}}, []),
        ({"ForAllValues:Null": {"aws:TagKeys": "true"}}, ["NULL_WITH_QUALIFIER"]),
        ({"Null": {"aws:PrincipalTag/team": "true"}}, []),
        ({"StringNotEquals": {"aws:PrincipalTag/team": []}}, ["EMPTY_ARRAY_CONDITION"]),
        ({"StringEquals": {"aws:PrincipalTag/team": "a"}}, []),
    ],
)
def test_clause_shapes(condition: dict[str, Any], expected: list[str]) -> None:
    assert codes(statement(DEPLOYER, **condition)) == expected


def test_redundant_statement_needs_an_equal_statement() -> None:
    first = {"Effect": "Allow", "Principal": DEPLOYER, "Action": "sts:AssumeRole"}
    other = {**first, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
    assert codes({"Version": "2012-10-17", "Statement": [first, other]}) == []
    found = lint({"Version": "2012-10-17", "Statement": [first, {**first, "Sid": "Again"}]})
    assert [(f.code, f.pointer) for f in found] == [("REDUNDANT_STATEMENT", "/Statement/1")]


def test_claim_keys_on_a_statement_that_also_allows_tag_session_are_not_unsupported() -> None:
    """The companion sts:TagSession is decided in the web-identity call's context (§6.3)."""
    policy = statement(
        {"Federated": COGNITO},
        [WEB, "sts:TagSession"],
        StringEquals={f"{COGNITO}:aud": "us-east-1:pool"},
        **{"ForAnyValue:StringLike": {f"{COGNITO}:amr": "authenticated"}},
    )
    assert codes(policy) == []
    role = Role("arn:aws:iam::111122223333:role/r", parse_policy(policy))
    token = {"aud": "us-east-1:pool", "sub": "id", "amr": ("authenticated", "accounts.google.com")}
    assert assume_role(WebIdentity(COGNITO, token), role, tags={"team": "a"}).allowed


def test_unsupported_action_for_condition_key_agrees_with_the_evaluator() -> None:
    """A saml: key is never in a web-identity request: the matching GitHub run is refused."""
    bad = statement(
        {"Federated": GH_PROVIDER},
        WEB,
        StringEquals={**GH_PINNED, "saml:aud": "https://signin.aws.amazon.com/saml"},
    )
    fixed = statement({"Federated": GH_PROVIDER}, WEB, StringEquals=GH_PINNED)
    token = {"aud": "sts.amazonaws.com", "sub": "repo:acme/app:ref:refs/heads/main"}
    caller = WebIdentity(GH_PROVIDER, token)
    arn = "arn:aws:iam::111122223333:role/r"
    assert not assume_role(caller, Role(arn, parse_policy(bad))).allowed
    assert assume_role(caller, Role(arn, parse_policy(fixed))).allowed


def test_source_ip_condition_refuses_calls_without_a_source_ip() -> None:
    """Calls through a VPC endpoint carry no aws:SourceIp (docs/semantics.md §6.2)."""
    policy = statement(DEPLOYER, IpAddress={"aws:SourceIp": "203.0.113.0/24"})
    role = Role("arn:aws:iam::111122223333:role/r", parse_policy(policy))
    caller = RoleSession("arn:aws:iam::111122223333:role/Deployer", "ci")
    assert assume_role(caller, role, source_ip="203.0.113.7").allowed
    assert not assume_role(caller, role, context={"aws:SourceVpce": "vpce-1a2b3c4d"}).allowed
