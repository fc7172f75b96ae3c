"""The explanation's ``caller:`` line names a federated caller's subject (issue 5 follow-up).

A provider ARN alone does not say which identity was refused: the OIDC token's ``sub`` (AWS IAM
"Available keys for AssumeRoleWithWebIdentity": ``<issuer>:sub``) and the SAML assertion's
``saml:sub`` ("Available keys for SAML-based federation") do.
"""

from __future__ import annotations

from tests.evaluation.test_evaluation import ALICE_ARN, GH, decide, stmt, trust, user
from trustsim.callers import SamlIdentity, WebIdentity

SAML = "arn:aws:iam::111111111111:saml-provider/CorpIdP"
ALICE_ONLY = trust(stmt(aws=(ALICE_ARN,), sid="Alice"))


def caller_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("  caller: "))


def test_a_web_identity_is_named_by_its_provider_and_the_token_sub() -> None:
    caller = WebIdentity(GH, {"sub": "repo:acme/app:pull_request", "aud": "sts.amazonaws.com"})
    text = str(decide(caller, ALICE_ONLY).explain())
    assert caller_line(text) == (
        "  caller: OIDC web identity arn:aws:iam::111111111111:oidc-provider/"
        'token.actions.githubusercontent.com sub "repo:acme/app:pull_request"'
    )


def test_a_web_identity_without_a_sub_is_named_by_its_provider_only() -> None:
    text = str(decide(WebIdentity(GH), ALICE_ONLY).explain())
    assert caller_line(text) == (
        "  caller: OIDC web identity arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    )


def test_a_saml_identity_is_named_by_its_provider_and_saml_sub() -> None:
    text = str(decide(SamlIdentity(SAML, {"saml:sub": "jdoe"}), ALICE_ONLY).explain())
    assert caller_line(text) == f'  caller: SAML identity {SAML} saml:sub "jdoe"'


def test_a_saml_identity_without_saml_sub_is_named_by_its_provider_only() -> None:
    text = str(decide(SamlIdentity(SAML), ALICE_ONLY).explain())
    assert caller_line(text) == f"  caller: SAML identity {SAML}"


def test_other_callers_are_named_as_before() -> None:
    text = str(decide(user(ALICE_ARN), ALICE_ONLY).explain())
    assert caller_line(text) == f"  caller: IAM user {ALICE_ARN}"
