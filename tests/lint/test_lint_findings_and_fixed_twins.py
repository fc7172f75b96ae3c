"""The linter's less-travelled rules: each finding against a bad policy and its fixed twin.

Every breadth finding is checked against the evaluator (the witness must really get in), and
every "no finding" against the reason there is none (nobody gets in, or the key is absent).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from trustsim.callers import IamUser, Role, WebIdentity
from trustsim.errors import InvalidPolicy
from trustsim.linter import Finding, Severity, Witness, default_role_arn, lint
from trustsim.model import Effect, Policy, PolicyKind, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role
from trustsim.scenarios import caller_from_spec

GH = "token.actions.githubusercontent.com"
GH_PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"
ISSUER = "example.com"
PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"
ROLE_ARN = "arn:aws:iam::111122223333:role/trustsim-role"
WEB = "sts:AssumeRoleWithWebIdentity"


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: object, action: object = "sts:AssumeRole", **condition: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        body["Condition"] = condition
    return body


def anyone(condition: dict[str, Any], action: object = "sts:AssumeRole") -> dict[str, Any]:
    """{"AWS": "*"} narrowed by ``condition`` alone."""
    return trust(allow({"AWS": "*"}, action, **condition))


def codes(policy: dict[str, Any], **options: Any) -> list[str]:
    return [finding.code for finding in lint(policy, **options)]


def only(policy: dict[str, Any], code: str, **options: Any) -> Finding:
    [finding] = [f for f in lint(policy, **options) if f.code == code]
    return finding


def witness_gets_in(policy: dict[str, Any], witness: Witness | None) -> bool:
    """Whether the evaluator, asked again, lets the witness assume the role lint assumed."""
    assert witness is not None
    parsed = parse_policy(policy)
    role = Role(default_role_arn(parsed), parsed)
    return assume_role(
        witness.caller, role, action=witness.action, context=dict(witness.context)
    ).allowed


# --- lint() takes only what IAM would save as a trust policy ---------------------------------


def test_a_hand_built_policy_with_a_bare_star_principal_is_refused_not_linted() -> None:
    """docs/lint.md: a policy AWS would refuse is not linted. IAM refuses "Principal": "*"
    in a trust policy (docs/semantics.md §2.7); a Policy built in Python is held to the same rules
    as a parsed one, rather than linted into an empty, reassuring result."""
    policy = Policy(
        (Statement(Effect.ALLOW, principal=Principal(star=True), action=("sts:AssumeRole",)),),
        version="2012-10-17",
    )
    with pytest.raises(InvalidPolicy) as caught:
        lint(policy)
    assert [(p.code, p.pointer) for p in caught.value.problems] == [
        ("BARE_STAR_PRINCIPAL", "/Statement/0/Principal")
    ]


def test_a_policy_parsed_as_another_kind_is_checked_as_a_trust_policy() -> None:
    """An identity policy has no Principal and a Resource: as a role's trust policy IAM
    refuses it, so lint raises instead of reporting "no findings" for it."""
    identity = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
        },
        kind=PolicyKind.IDENTITY,
    )
    with pytest.raises(InvalidPolicy) as caught:
        lint(identity)
    assert {p.code for p in caught.value.problems} >= {"MISSING_PRINCIPAL"}


def test_a_hand_built_trust_policy_is_linted_like_its_document() -> None:
    document = anyone({})
    built = Policy(
        (
            Statement(
                Effect.ALLOW,
                principal=Principal(aws=("*",)),
                action=("sts:AssumeRole",),
                index=0,
            ),
        ),
        version="2012-10-17",
    )
    assert [f.code for f in lint(built)] == codes(document) == ["ANY_AWS_PRINCIPAL"]


# --- severities and findings as values -------------------------------------------------------


def test_severities_order_worst_first_and_do_not_compare_with_other_types() -> None:
    assert Severity.ERROR > Severity.SECURITY_WARNING > Severity.WARNING > Severity.SUGGESTION
    assert Severity.WARNING >= Severity.WARNING
    assert not Severity.SUGGESTION >= Severity.WARNING
    assert str(Severity.SECURITY_WARNING) == "security_warning"
    with pytest.raises(TypeError):
        _ = Severity.ERROR > "warning"
    with pytest.raises(TypeError):
        _ = Severity.ERROR >= 1


def test_a_finding_read_from_text_names_its_line_and_has_no_witness_line_without_one() -> None:
    text = json.dumps(anyone({}, action="sts:*"), indent=2)
    finding = only(anyone({}, action="sts:*"), "WILDCARD_ACTION")
    assert finding.position is None
    from_text = next(f for f in lint(text) if f.code == "WILDCARD_ACTION")
    assert from_text.position is not None
    rendered = str(from_text)
    assert rendered.splitlines()[0].startswith(
        f"/Statement/0/Action (line {from_text.position}): warning WILDCARD_ACTION:"
    )
    assert "witness:" not in rendered
    assert from_text.to_dict()["line"] == from_text.position.line
    assert from_text.to_dict()["witness"] is None


def test_a_witness_lists_a_multivalued_key_as_a_list() -> None:
    """aws:TagKeys is multivalued (docs/semantics.md §5.12): the outsider passes it as a list."""
    policy = anyone(
        {"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}},
        action=["sts:AssumeRole", "sts:TagSession"],
    )
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert finding.witness.to_dict()["context"] == {"aws:TagKeys": ["team"]}
    assert witness_gets_in(policy, finding.witness)


# --- the outsider fills in the keys it controls ----------------------------------------------


def test_null_false_on_a_request_tag_is_met_by_passing_the_tag() -> None:
    """Session tags are the caller's choice (docs/semantics.md §6.2): requiring one to be present
    keeps nobody out."""
    policy = anyone(
        {"Null": {"aws:RequestTag/team": "false"}}, action=["sts:AssumeRole", "sts:TagSession"]
    )
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {"aws:RequestTag/team": "trustsim"}
    assert "passing aws:RequestTag/team=trustsim" in str(finding.witness)
    assert witness_gets_in(policy, finding.witness)


def test_a_negated_condition_on_the_callers_own_user_name_keeps_nobody_out() -> None:
    """aws:username is the caller's own user's name, which it picks (docs/semantics.md §6.1)."""
    policy = anyone({"StringNotEquals": {"aws:username": "admin"}})
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {"aws:username": "trustsim-witness"}
    assert witness_gets_in(policy, finding.witness)


def test_one_key_in_two_spellings_gets_one_value_that_meets_both() -> None:
    """Condition keys are case-insensitive (docs/semantics.md §5.1): an outsider named "deploy"
    meets StringEquals aws:username and StringLike AWS:UserName at once."""
    policy = anyone(
        {"StringEquals": {"aws:username": "deploy"}, "StringLike": {"AWS:UserName": "dep*"}}
    )
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {"aws:username": "deploy"}
    assert witness_gets_in(policy, finding.witness)
    fixed = anyone(
        {"StringEquals": {"aws:username": "deploy", "aws:PrincipalOrgID": "o-a1b2c3d4e5"}}
    )
    assert codes(fixed) == []


@pytest.mark.parametrize(
    ("operator", "values", "passed"),
    [
        ("NumericLessThan", ["3600"], "3599"),
        ("NumericLessThan", ["0.5"], "-0.5"),
        ("NumericLessThanEquals", ["3600"], "3600"),
        ("NumericEquals", ["5"], "5"),
        ("NumericGreaterThanEquals", ["60"], "60"),
        ("NumericGreaterThan", ["10", "20"], "21"),
        ("NumericNotEquals", ["0", "1"], "2"),
    ],
)
def test_a_numeric_condition_on_mfa_age_keeps_no_outsider_out(
    operator: str, values: list[str], passed: str
) -> None:
    """aws:MultiFactorAuthAge is the caller's: it signs in with MFA when it likes (docs/semantics.md
    §6.1). Requiring a recent MFA sign-in still admits any account's principals."""
    policy = anyone({operator: {"aws:MultiFactorAuthAge": values}})
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {"aws:MultiFactorAuthAge": passed}
    assert witness_gets_in(policy, finding.witness)


def test_an_expiry_date_in_the_future_admits_anyone_until_then_and_a_past_one_nobody() -> None:
    """aws:CurrentTime is when the call is made: the outsider calls now (docs/semantics.md §6.2)."""
    later = anyone({"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}})
    finding = only(later, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {}
    expired = anyone({"DateLessThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}})
    assert codes(expired) == []


def test_null_true_on_a_request_tag_is_met_by_passing_no_tag() -> None:
    policy = anyone({"Null": {"aws:RequestTag/team": "true"}})
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {}
    assert witness_gets_in(policy, finding.witness)


def test_a_required_session_tag_needs_tag_session_allowed_too() -> None:
    """A call with session tags is also authorised for sts:TagSession (docs/semantics.md §6.2):
    when the trust policy allows only sts:AssumeRole, no outsider can pass the tag the
    condition wants, so nobody gets in (and the missing action is the finding)."""
    policy = anyone({"StringEquals": {"aws:RequestTag/team": "ops"}})
    assert codes(policy) == ["MISSING_ACTION_FOR_CONDITION_KEY"]
    with_tag_session = anyone(
        {"StringEquals": {"aws:RequestTag/team": "ops"}},
        action=["sts:AssumeRole", "sts:TagSession"],
    )
    assert codes(with_tag_session) == ["ANY_AWS_PRINCIPAL"]


@pytest.mark.parametrize(
    ("key", "value", "admitted"),
    [
        # SourceIdentity: 2-64 of [\w+=,.@-], and STS reserves the prefix aws: (§6.3).
        ("sts:SourceIdentity", "deploy-bot", True),
        ("sts:SourceIdentity", "aws:deploy", False),
        # RoleSessionName: 2-64 of [\w+=,.@-] (§6.3).
        ("sts:RoleSessionName", "ci-run", True),
        ("sts:RoleSessionName", "ci run", False),
        # ExternalId: 2-1,224 of [\w+=,.@:/-] (§6.3).
        ("sts:ExternalId", "vendor-id", True),
        ("sts:ExternalId", "vendor id", False),
    ],
)
def test_a_parameter_value_sts_would_refuse_admits_nobody(
    key: str, value: str, admitted: bool
) -> None:
    """The outsider passes the call's parameters as parameters, so STS's own checks apply: a
    condition only a refused value meets keeps everyone out (docs/semantics.md §6.3)."""
    actions = ["sts:AssumeRole", "sts:SetSourceIdentity"]
    policy = anyone({"StringEquals": {key: value}}, action=actions)
    assert ("ANY_AWS_PRINCIPAL" in codes(policy)) is admitted


def test_a_set_operator_on_the_external_id_still_reads_the_one_value_passed() -> None:
    """ForAnyValue on a single-valued key acts as the base operator when the key is present
    (docs/semantics.md §5.12): an outsider passing that ExternalId gets in."""
    policy = anyone({"ForAnyValue:StringEquals": {"sts:ExternalId": "abc"}})
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {"sts:ExternalId": ["abc"]}
    assert witness_gets_in(policy, finding.witness)


def test_a_web_identity_witness_also_picks_its_session_name() -> None:
    """RoleSessionName is a parameter of AssumeRoleWithWebIdentity too (docs/semantics.md §6.3):
    narrowing it narrows nothing."""
    policy = trust(
        allow(
            {"Federated": PROVIDER},
            WEB,
            StringEquals={f"{ISSUER}:aud": "app"},
            StringLike={"sts:RoleSessionName": "ci-*"},
        )
    )
    finding = only(policy, "OIDC_SUB_MISSING")
    assert finding.witness is not None
    assert dict(finding.witness.context) == {"sts:RoleSessionName": "ci-x"}
    assert witness_gets_in(policy, finding.witness)


# --- aws:PrincipalArn: the outsider takes the name the policy asks for -----------------------


def test_principal_arn_naming_a_user_of_any_account_is_met_by_a_user_of_that_name() -> None:
    policy = anyone({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/deploy"}})
    finding = only(policy, "ANY_AWS_PRINCIPAL")
    assert finding.witness is not None
    assert isinstance(finding.witness.caller, IamUser)
    assert finding.witness.caller.arn == "arn:aws:iam::999999999999:user/deploy"
    assert str(finding.witness).startswith("IAM user arn:aws:iam::999999999999:user/deploy ")
    assert witness_gets_in(policy, finding.witness)
    own_account = anyone({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::111122223333:user/deploy"}})
    assert codes(own_account) == []


@pytest.mark.parametrize(
    "pattern",
    [
        # aws:PrincipalArn of a role session is its role's ARN, never the assumed-role ARN
        # (docs/semantics.md §6.1): nobody matches.
        "arn:aws:sts::*:assumed-role/deploy/session",
        # No IAM user can be named with a space (IAM names: [\w+=,.@-]).
        "arn:aws:iam::*:user/de ploy",
        # A role ARN with no name names no role.
        "arn:aws:iam::*:role/",
    ],
)
def test_principal_arn_no_principal_can_have_admits_nobody(pattern: str) -> None:
    assert codes(anyone({"ArnLike": {"aws:PrincipalArn": pattern}})) == []


# --- keys a caller never carries ------------------------------------------------------------


def web_identity_trust(**condition: Any) -> dict[str, Any]:
    base = {
        "StringEquals": {
            f"{GH}:aud": "sts.amazonaws.com",
            f"{GH}:sub": "repo:acme/app:ref:refs/heads/main",
        }
    }
    for operator, keys in condition.items():
        base.setdefault(operator, {}).update(keys)
    return trust(allow({"Federated": GH_PROVIDER}, "sts:AssumeRoleWithWebIdentity", **base))


def decided(policy: dict[str, Any]) -> bool:
    """Whether the workflow the policy names may assume the role."""
    role = Role(ROLE_ARN, parse_policy(policy))
    return assume_role(caller_from_spec("github:acme/app@refs/heads/main"), role).allowed


@pytest.mark.parametrize(
    ("operator", "code", "applies"),
    [
        # ForAnyValue is false for a missing key, negated or not (docs/semantics.md §5.12).
        ("ForAnyValue:StringEquals", "KEY_ABSENT_FOR_PRINCIPAL", False),
        ("ForAnyValue:StringNotEquals", "KEY_ABSENT_FOR_PRINCIPAL", False),
        # ForAllValues and IfExists are true for a missing key (docs/semantics.md §5.12, reading 2).
        ("ForAllValues:StringLike", "NEGATED_CONDITION_ON_ABSENT_KEY", True),
        ("ForAnyValue:StringLikeIfExists", "NEGATED_CONDITION_ON_ABSENT_KEY", True),
        ("StringNotLike", "NEGATED_CONDITION_ON_ABSENT_KEY", True),
        ("StringLike", "KEY_ABSENT_FOR_PRINCIPAL", False),
    ],
)
def test_set_operators_on_a_principal_key_a_federated_caller_never_has(
    operator: str, code: str, applies: bool
) -> None:
    """aws:PrincipalOrgPaths is derived from an IAM principal; a web-identity call has none
    (docs/semantics.md §6.6). Whether the clause then never matches or always matches depends on
    the qualifier, and the finding says which — as the evaluator decides."""
    policy = web_identity_trust(**{operator: {"aws:PrincipalOrgPaths": "o-a1b2c3d4e5/*"}})
    found = codes(policy)
    assert code in found
    other = {"KEY_ABSENT_FOR_PRINCIPAL", "NEGATED_CONDITION_ON_ABSENT_KEY"} - {code}
    assert not other & set(found)
    assert decided(policy) is applies
    assert decided(web_identity_trust()) is True
    assert not {"KEY_ABSENT_FOR_PRINCIPAL", "NEGATED_CONDITION_ON_ABSENT_KEY"} & set(
        codes(web_identity_trust())
    )


@pytest.mark.parametrize(
    ("operator", "reported"),
    [
        ("StringEquals", True),
        ("ForAnyValue:StringNotEquals", True),
        ("StringNotEquals", False),
        ("StringEqualsIfExists", False),
    ],
)
def test_external_id_on_a_federated_principal_only_when_it_stops_every_call(
    operator: str, reported: bool
) -> None:
    """Web-identity calls cannot pass an ExternalId (docs/semantics.md §6.3): a clause that needs
    it kills the statement; one that holds without it restricts nothing, but breaks nothing."""
    policy = web_identity_trust(**{operator: {"sts:ExternalId": "abc"}})
    assert ("EXTERNAL_ID_ON_FEDERATED" in codes(policy)) is reported
    assert decided(policy) is not reported


def test_an_external_id_condition_gives_a_web_identity_witness_nothing_to_pass() -> None:
    """Only AssumeRole carries sts:ExternalId (docs/semantics.md §6.3): no token holder gets past
    a StringEquals sts:ExternalId, so there is no OIDC_SUB_MISSING witness beside
    EXTERNAL_ID_ON_FEDERATED (the statement never applies)."""
    policy = trust(
        allow(
            {"Federated": PROVIDER},
            WEB,
            StringEquals={f"{ISSUER}:aud": "app", "sts:ExternalId": "x"},
        )
    )
    assert codes(policy) == ["EXTERNAL_ID_ON_FEDERATED"]
    mfa = trust(
        allow(
            {"Federated": PROVIDER},
            WEB,
            StringEquals={f"{ISSUER}:aud": "app"},
            Bool={"aws:MultiFactorAuthPresent": "true"},
        )
    )
    assert codes(mfa) == ["KEY_ABSENT_FOR_PRINCIPAL"]
    fixed = trust(allow({"Federated": PROVIDER}, WEB, StringEquals={f"{ISSUER}:aud": "app"}))
    assert codes(fixed) == ["OIDC_SUB_MISSING"]


@pytest.mark.parametrize(
    ("operator", "reported"),
    [("ForAnyValue:StringNotEquals", True), ("StringEquals", True), ("StringNotEquals", False)],
)
def test_a_saml_only_key_under_an_assume_role_statement(operator: str, reported: bool) -> None:
    """saml:aud is only in AssumeRoleWithSAML requests (docs/semantics.md §6.5): a clause that
    needs it means the AssumeRole statement never applies."""
    policy = trust(
        allow(
            {"AWS": "arn:aws:iam::111122223333:root"},
            **{operator: {"saml:aud": "https://signin.aws.amazon.com/saml"}},
        )
    )
    assert ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY" in codes(policy)) is reported


def test_an_allow_with_not_action_elsewhere_may_allow_the_companion_action() -> None:
    """aws:RequestTag keys are only in requests that also need sts:TagSession (docs/semantics.md
    §6.2). A NotAction Allow that does not exclude it allows it; NotAction has its own
    finding, and no MISSING_ACTION_FOR_CONDITION_KEY is raised."""
    root = {"AWS": "arn:aws:iam::111122223333:root"}
    tagged = allow(root, StringEquals={"aws:RequestTag/team": "ops", "sts:ExternalId": "x"})
    not_action = {"Effect": "Allow", "Principal": root, "NotAction": "sts:AssumeRoleWithSAML"}
    found = codes(trust(not_action, tagged))
    assert "ALLOW_WITH_NOT_ACTION" in found
    assert "MISSING_ACTION_FOR_CONDITION_KEY" not in found
    assert "MISSING_ACTION_FOR_CONDITION_KEY" in codes(trust(tagged))


# --- OIDC subjects ---------------------------------------------------------------------------


def test_only_negated_sub_conditions_admit_every_other_subject() -> None:
    """A StringNotEquals on sub keeps out the subjects it names and admits all others: it is
    no condition on sub at all for an outsider (docs/semantics.md §7.1)."""
    policy = trust(
        allow(
            {"Federated": PROVIDER},
            WEB,
            StringEquals={f"{ISSUER}:aud": "app"},
            StringNotEquals={f"{ISSUER}:sub": "banned-user"},
        )
    )
    finding = only(policy, "OIDC_SUB_MISSING")
    assert finding.message.startswith(f"no positive condition on {ISSUER}:sub:")
    assert finding.pointer == "/Statement/0/Principal/Federated"
    assert finding.witness is not None
    assert isinstance(finding.witness.caller, WebIdentity)
    assert finding.witness.caller.claims["sub"] == "evil"
    assert witness_gets_in(policy, finding.witness)


def test_a_negated_sub_condition_that_excludes_every_subject_admits_nobody() -> None:
    policy = trust(
        allow(
            {"Federated": PROVIDER},
            WEB,
            StringEquals={f"{ISSUER}:aud": "app"},
            StringNotLike={f"{ISSUER}:sub": "*"},
        )
    )
    assert codes(policy) == []


def test_a_condition_on_an_unnamed_claim_admits_no_token() -> None:
    """A claim key needs a claim name after the issuer (docs/semantics.md §6.4): no token has a
    claim with an empty name, so no outsider (and nobody else) gets in."""
    policy = trust(
        allow(
            {"Federated": PROVIDER}, WEB, StringEquals={f"{ISSUER}:aud": "app", f"{ISSUER}:": "x"}
        )
    )
    assert "OIDC_SUB_MISSING" not in codes(policy)


def test_a_negated_audience_leaves_the_outsiders_audience_free() -> None:
    """StringNotEquals on aud pins no audience: the outsider's token keeps the default one
    and still gets in through the wildcard sub."""
    policy = trust(
        allow(
            {"Federated": PROVIDER},
            WEB,
            StringNotEquals={f"{ISSUER}:aud": "other-app"},
            StringLike={f"{ISSUER}:sub": "*"},
        )
    )
    finding = only(policy, "OIDC_SUB_TOO_BROAD")
    assert finding.witness is not None
    assert isinstance(finding.witness.caller, WebIdentity)
    assert finding.witness.caller.claims["aud"] == "sts.amazonaws.com"
    assert witness_gets_in(policy, finding.witness)


def test_an_escaped_star_in_a_github_sub_matches_no_real_subject() -> None:
    """${*} is a literal * (docs/semantics.md §5.14); no GitHub subject contains one (git refs
    cannot), so neither another owner's nor another branch's workflow matches."""
    policy = trust(
        allow(
            {"Federated": GH_PROVIDER},
            WEB,
            StringEquals={f"{GH}:aud": "sts.amazonaws.com"},
            StringLike={f"{GH}:sub": "repo:acme/app:${*}*"},
        )
    )
    found = codes(policy)
    assert "OIDC_SUB_TOO_BROAD" not in found
    assert "OIDC_SUB_WILDCARD" not in found


# --- services and the role's own name ---------------------------------------------------------


def test_a_service_principal_in_the_wrong_case_admits_no_service() -> None:
    """Service principals are compared exactly (docs/semantics.md, reading 7): Lambda.amazonaws.com
    is not lambda.amazonaws.com, so no service acts through it — no confused deputy."""
    wrong_case = trust(allow({"Service": "Lambda.amazonaws.com"}))
    assert "SERVICE_PRINCIPAL_WITHOUT_SOURCE" not in codes(wrong_case)
    right_case = trust(allow({"Service": "lambda.amazonaws.com"}))
    assert "SERVICE_PRINCIPAL_WITHOUT_SOURCE" in codes(right_case)


def test_a_negated_principal_arn_is_not_a_name_only_match() -> None:
    """PRINCIPAL_NAME_ONLY_MATCH is about a condition meant to admit the role; a negated
    one that names the role with another path excludes nobody it meant to admit."""
    role = "arn:aws:iam::111122223333:role/ci/Deployer"
    other_path = "arn:aws:iam::111122223333:role/Deployer"
    root = {"AWS": "arn:aws:iam::111122223333:root"}
    positive = trust(allow(root, ArnEquals={"aws:PrincipalArn": other_path}))
    negated = trust(allow(root, ArnNotEquals={"aws:PrincipalArn": other_path}))
    assert "PRINCIPAL_NAME_ONLY_MATCH" in codes(positive, role_arn=role)
    assert "PRINCIPAL_NAME_ONLY_MATCH" not in codes(negated, role_arn=role)
