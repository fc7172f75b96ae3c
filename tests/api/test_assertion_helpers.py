"""The assertion helpers: what passes, what fails, and the whole failure message."""

from __future__ import annotations

import pytest

from trustsim.callers import IamUser, Role, ServicePrincipal
from trustsim.decision import Decision, Outcome
from trustsim.identities import GitHubActions
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role
from trustsim.testing import assert_allowed, assert_denied, assert_only, describe_caller

GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
DEPLOY = Role(
    "arn:aws:iam::111122223333:role/ci/deploy",
    parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "GitHubMain",
                    "Effect": "Allow",
                    "Principal": {"Federated": GITHUB},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": (
                                "repo:acme/app:ref:refs/heads/main"
                            ),
                        }
                    },
                },
                {
                    "Sid": "NoForks",
                    "Effect": "Deny",
                    "Principal": {"Federated": GITHUB},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringLike": {
                            "token.actions.githubusercontent.com:sub": "repo:*:pull_request"
                        }
                    },
                },
            ],
        }
    ),
)
MAIN = GitHubActions("acme/app", branch="main")
DEV = GitHubActions("acme/app", branch="dev")
PULL = GitHubActions("acme/app", pull_request=True)
BOB = IamUser("arn:aws:iam::111122223333:user/bob")


def test_assert_allowed_returns_the_outcome() -> None:
    outcome = assert_allowed(MAIN, DEPLOY, sid="GitHubMain")
    assert outcome.allowed
    assert outcome.determined_by[0].sid == "GitHubMain"


def test_assert_allowed_accepts_an_outcome() -> None:
    outcome = assume_role(MAIN, DEPLOY)
    assert assert_allowed(outcome) is outcome


def test_a_failing_assert_allowed_shows_the_failing_clause_with_both_values() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_allowed(DEV, DEPLOY)
    assert str(failure.value) == (
        "expected Allow, got ImplicitDeny for web identity token.actions.githubusercontent.com "
        'sub "repo:acme/app:ref:refs/heads/dev"\n'
        "ImplicitDeny: no statement of the trust policy allows sts:AssumeRoleWithWebIdentity for OIDC web identity "
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com\n"
        "  caller: OIDC web identity arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
        ' sub "repo:acme/app:ref:refs/heads/dev"\n'
        "  role: arn:aws:iam::111122223333:role/ci/deploy\n"
        "  decided by: trust\n"
        "closest Allow statements:\n"
        '  trust policy statement 0 (Sid "GitHubMain") [Allow] — does not apply\n'
        "    ✓ principal: OIDC web identity "
        "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com "
        "matched as federated provider\n"
        '    ✗ StringEquals token.actions.githubusercontent.com:sub expected "repo:acme/app:ref:refs/heads/main", '
        'got "repo:acme/app:ref:refs/heads/dev"'
    )


def test_a_failing_assert_allowed_on_an_explicit_deny_shows_the_deny_statement() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_allowed(PULL, DEPLOY)
    message = str(failure.value)
    assert message.startswith("expected Allow, got ExplicitDeny for web identity")
    assert 'determined by:\n  trust policy statement 1 (Sid "NoForks") [Deny] — applies' in message
    assert (
        '✓ StringLike token.actions.githubusercontent.com:sub expected "repo:*:pull_request", '
        'got "repo:acme/app:pull_request"' in message
    )


def test_assert_allowed_with_another_sid_fails() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_allowed(MAIN, DEPLOY, sid="Other")
    assert str(failure.value).startswith(
        "expected Allow by the statement with Sid 'Other', "
        'got Allow by trust policy statement 0 (Sid "GitHubMain") for web identity'
    )


def test_assert_denied_checks_the_kind_and_the_deciding_sid() -> None:
    assert assert_denied(PULL, DEPLOY, decision=Decision.EXPLICIT_DENY, sid="NoForks").denied
    assert assert_denied(DEV, DEPLOY, decision="ImplicitDeny").decision is Decision.IMPLICIT_DENY
    with pytest.raises(AssertionError, match="expected ExplicitDeny, got ImplicitDeny"):
        assert_denied(DEV, DEPLOY, decision=Decision.EXPLICIT_DENY)
    with pytest.raises(
        AssertionError, match="expected ImplicitDeny by the statement with Sid 'NoForks'"
    ):
        assert_denied(DEV, DEPLOY, sid="NoForks")


def test_a_failing_assert_denied_shows_the_allowing_statement() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_denied(MAIN, DEPLOY)
    message = str(failure.value)
    assert message.startswith("expected a denial, got Allow for web identity")
    assert (
        'determined by:\n  trust policy statement 0 (Sid "GitHubMain") [Allow] — applies' in message
    )


def test_assert_denied_refuses_allow_as_the_expected_kind() -> None:
    with pytest.raises(ValueError, match="ExplicitDeny or ImplicitDeny"):
        assert_denied(MAIN, DEPLOY, decision=Decision.ALLOW)


def test_helpers_pass_request_options_through() -> None:
    vendor_role = Role(
        "arn:aws:iam::111122223333:role/vendor",
        parse_policy(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": "tenant-42"}},
                }
            }
        ),
    )
    may_assume = parse_policy(
        {"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}},
        kind="identity",
    )
    carol = IamUser("arn:aws:iam::111122223333:user/carol", policies=[may_assume])
    assert_allowed(carol, vendor_role, external_id="tenant-42")
    assert_denied(carol, vendor_role, external_id="tenant-43")
    assert_denied(carol, vendor_role)


def test_misuse_is_a_type_error() -> None:
    outcome = assume_role(MAIN, DEPLOY)
    with pytest.raises(TypeError, match="takes no role"):
        assert_allowed(outcome, DEPLOY)
    with pytest.raises(TypeError, match="needs the role"):
        assert_denied(MAIN)


def test_assert_only_reports_every_caller_that_went_the_wrong_way() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_only(DEPLOY, allowed=[MAIN, DEV], denied=[PULL, BOB, MAIN])
    message = str(failure.value)
    assert message.startswith(
        "2 of 5 callers went the wrong way for arn:aws:iam::111122223333:role/ci/deploy:\n"
        '- web identity token.actions.githubusercontent.com sub "repo:acme/app:ref:refs/heads/dev": '
        "expected allowed, got ImplicitDeny\n"
    )
    assert (
        '- web identity token.actions.githubusercontent.com sub "repo:acme/app:ref:refs/heads/main": '
        "expected denied, got Allow\n"
    ) in message
    assert (
        '✗ StringEquals token.actions.githubusercontent.com:sub expected "repo:acme/app:ref:'
        'refs/heads/main", got "repo:acme/app:ref:refs/heads/dev"' in message
    )
    assert "IAM user" not in message


def test_assert_only_returns_the_outcomes_in_order() -> None:
    outcomes = assert_only(DEPLOY, allowed=[MAIN], denied=[PULL, BOB])
    assert [o.decision for o in outcomes] == [
        Decision.ALLOW,
        Decision.EXPLICIT_DENY,
        Decision.IMPLICIT_DENY,
    ]
    assert all(isinstance(o, Outcome) for o in outcomes)
    assert outcomes[2].request.caller == BOB


def test_helper_failures_are_marked_explained_for_the_plugin() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_allowed(BOB, DEPLOY)
    assert getattr(failure.value, "trustsim_explained", False) is True


def test_describe_caller_names_each_kind() -> None:
    assert describe_caller(BOB) == "IAM user arn:aws:iam::111122223333:user/bob"
    assert (
        describe_caller(ServicePrincipal("lambda.amazonaws.com")) == "service lambda.amazonaws.com"
    )
    assert describe_caller(PULL) == (
        'web identity token.actions.githubusercontent.com sub "repo:acme/app:pull_request"'
    )


def test_outcome_repr_is_one_exact_line() -> None:
    outcome = assume_role(BOB, DEPLOY)
    assert repr(outcome) == (
        "<Outcome ImplicitDeny (trust): no statement of the trust policy allows sts:AssumeRole "
        "for IAM user arn:aws:iam::111122223333:user/bob>"
    )
    assert "\n" not in repr(outcome.explain())


def test_pretty_printing_shows_the_explanation() -> None:
    """IPython calls ``_repr_pretty_(printer, cycle)``; a stand-in printer records the text."""

    class Printer:
        def __init__(self) -> None:
            self.text_parts: list[str] = []

        def text(self, value: str) -> None:
            self.text_parts.append(value)

    outcome = assume_role(DEV, DEPLOY)
    printer = Printer()
    outcome._repr_pretty_(printer, cycle=False)
    assert printer.text_parts == [outcome.explain().to_text()]
    printer = Printer()
    outcome.explain()._repr_pretty_(printer, cycle=False)
    assert printer.text_parts == [str(outcome.explain())]
    printer = Printer()
    outcome._repr_pretty_(printer, cycle=True)
    assert printer.text_parts == [repr(outcome)]
