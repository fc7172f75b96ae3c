"""The shortcuts of validation take nothing for granted that a rule would refuse (issue 22).

Validation accepts the plainest principals (account IDs; root, user and role ARNs; OIDC and SAML
provider ARNs; service names) by one regular expression and the AssumeRole-family actions by
name before reading them rule by rule, and checks no value of a String operator. Each
shortcut is held here to the rules it skips: whatever it accepts, every rule accepts.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from trustsim._principal_rules import (
    _PLAIN_AWS,
    _PLAIN_PROVIDER,
    _SERVICE_NAME,
    _aws_principal_reason,
    _federated_principal_reason,
    _service_principal_reason,
)
from trustsim.model import ConditionClause, parse_operator_name
from trustsim.operators import OPERATORS, Family, policy_value_problems
from trustsim.validation import (
    FAMILY_NAMES,
    READ_AS_TEXT,
    _action_syntax_problem,
    _trust_action_problem,
)

_ARN_TEXT = st.text(alphabet="arn:aws-iam0123456789/rolesuerxX_+=,.@*?${}\u0663", max_size=40)


@given(st.from_regex(_PLAIN_AWS, fullmatch=True) | _ARN_TEXT)
def test_a_plain_aws_principal_passes_every_aws_principal_rule(value: str) -> None:
    if _PLAIN_AWS.match(value):
        assert _aws_principal_reason(value) is None


@given(st.from_regex(_PLAIN_PROVIDER, fullmatch=True) | _ARN_TEXT)
def test_a_plain_provider_passes_every_federated_principal_rule(value: str) -> None:
    if _PLAIN_PROVIDER.match(value):
        assert _federated_principal_reason(value) is None


@given(st.from_regex(_SERVICE_NAME, fullmatch=True) | st.text("abc.-*?", max_size=8))
def test_a_service_name_of_the_service_grammar_passes_every_service_principal_rule(
    value: str,
) -> None:
    if _SERVICE_NAME.match(value):
        assert _service_principal_reason(value) is None


def test_the_shortcuts_refuse_what_the_rules_refuse() -> None:
    # The regular expressions stop short of the rules' edges: what they leave is read in full.
    for value in (
        "arn:aws:iam::111122223333:role/a*",
        "arn:aws:iam::111122223333:group/admins",
        "arn:aws:iam::11112222333:root",
        "arn:aws:iam::111122223333:role/" + "n" * 65,
    ):
        assert not _PLAIN_AWS.match(value)
        assert _aws_principal_reason(value) is not None
    for value in (
        "arn:aws:iam::111122223333:oidc-provider/",
        "arn:aws:iam::111122223333:oidc-provider/*.example.com",
        "arn:aws:s3::111122223333:oidc-provider/x",
    ):
        assert not _PLAIN_PROVIDER.match(value)
        assert _federated_principal_reason(value) is not None


_CONDITION_TEXT = st.text(max_size=12) | st.sampled_from(
    ["${aws:username}", "${", "${*}", "a${x", "*", "?", "${aws:PrincipalTag/t, 'd'}x*"]
)


@given(
    st.sampled_from(sorted(READ_AS_TEXT)),
    st.sampled_from(["", "IfExists"]),
    st.lists(_CONDITION_TEXT, max_size=3),
    st.booleans(),
)
def test_no_value_of_a_string_operator_is_ever_refused(
    base: str, suffix: str, values: list[str], expand: bool
) -> None:
    operator = parse_operator_name(base + suffix)
    assert operator is not None
    clause = ConditionClause(operator, "aws:username", tuple(values))
    assert policy_value_problems(clause, "/c", expand_variables=expand) == []


def test_the_string_operators_are_every_string_operator() -> None:
    strings = {name for name, spec in OPERATORS.items() if spec.family is Family.STRING}
    assert strings == READ_AS_TEXT


def test_an_assume_role_family_name_passes_every_action_rule() -> None:
    for action in FAMILY_NAMES:
        assert _action_syntax_problem(action, "/a") is None
        assert _trust_action_problem(action, "/a") is None
